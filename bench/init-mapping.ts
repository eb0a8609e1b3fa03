/**
 * `npm run bench -- init-mapping`: how well `import build --init` maps the platforms' export layouts
 * (src/importfile/testkit/export-layouts.ts): per layout, the columns a person would map that it filled
 * in correctly, what it missed, and its wrong guesses by confidence (target: at least 90%, no wrong
 * high-confidence guess).
 */
import { exportLayouts, scoreInitMapping } from '../src/importfile/testkit/export-layouts.js';
import { planInitMapping } from '../src/importfile/transform/init-mapping.js';

export default async function run(): Promise<void> {
  for (const l of exportLayouts()) {
    const s = scoreInitMapping(l, planInitMapping({ name: l.name, header: l.header, samples: l.rows }));
    console.log(`${l.name.padEnd(34)} ${String(s.right).padStart(2)}/${s.expected} = ${(s.rate * 100).toFixed(1)}%  wrong high: ${s.wrongHigh.length}, wrong medium: ${s.wrongMedium.length}`);
    if (s.missed.length) console.log(`  missed: ${s.missed.join(', ')}`);
    if (s.wrongHigh.length) console.log(`  WRONG HIGH: ${s.wrongHigh.join(', ')}`);
    if (s.wrongMedium.length) console.log(`  wrong medium (marked REVIEW): ${s.wrongMedium.join(', ')}`);
  }
}
