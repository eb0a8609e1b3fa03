/**
 * Test helper: axe-core (the standard accessibility engine, from the npm registry) run in a page of the
 * dashboard. Its source is evaluated through the browser's debugging protocol, which the page's
 * Content-Security-Policy does not govern, so the page is checked exactly as it is served.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeProblem {
  id: string;
  impact: string | null;
  help: string;
  /** Where: the CSS selectors of the first nodes, and what axe says of the first one. */
  nodes: string[];
  summary: string;
}

/**
 * The violations a page has that the dashboard holds itself to: every serious or critical one, and the
 * landmark rules (a `main`, and all content inside landmarks), whatever their impact.
 */
export async function axeProblems(page: Page): Promise<AxeProblem[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')), summary: v.nodes[0]?.failureSummary ?? '' }));
  });
  const always = new Set(['region', 'landmark-one-main', 'page-has-heading-one']);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || always.has(v.id));
}

// What the in-page function uses of the DOM (this project's TypeScript has no DOM library).
declare const document: unknown;
