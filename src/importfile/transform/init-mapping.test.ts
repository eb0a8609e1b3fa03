/**
 * `import build --init` on the platforms' export layouts (testkit/export-layouts.ts, written from their
 * documented headers): it must map at least 90% of the columns a person would map, with no wrong
 * high-confidence guess (issue 17, item 3); and its template parses as a mapping.
 */
import { describe, expect, it } from 'vitest';
import { exportLayouts, scoreInitMapping } from '../testkit/export-layouts.js';
import { parseMapping } from './mapping.js';
import { planInitMapping, renderTemplate } from './init-mapping.js';

describe('import build --init on the platforms\' export layouts', () => {
  for (const layout of exportLayouts()) {
    it(`${layout.name}: at least 90% of what a person maps, no wrong high-confidence guess`, () => {
      const plan = planInitMapping({ name: layout.name, header: layout.header, samples: layout.rows });
      const s = scoreInitMapping(layout, plan);
      expect({ missed: s.missed, wrongHigh: s.wrongHigh, rate: s.rate >= 0.9 }).toEqual({ missed: s.missed, wrongHigh: [], rate: true });
      // The template is a mapping (once the CRM ids and the questions it asks are filled in).
      const text = renderTemplate(plan).replace(/"\?"/g, '"UTC"').replace(/(Format: "[^"|]*) \| [^"]*"/g, '$1"').replace(/campaignId: ""/g, 'campaignId: "1"').replace(/productId: ""/g, 'productId: "15202"').replace(/merchantId: ""/g, 'merchantId: "3"');
      const m = parseMapping(text);
      for (const g of plan.transactions.filter((x) => x.source && x.confidence !== 'low')) expect(m.files.transactions?.columns[g.column]).toBe(g.source);
    });
  }
});
