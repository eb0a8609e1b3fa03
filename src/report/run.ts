/**
 * Runs a checked report request against the store and renders its JSON body: the one place that maps a
 * report name to its analytics function, for the CLI and the HTTP API alike.
 */
import { cohortReport, cohortTriangle, midReport, retentionReport, seriesReport, summaryReport } from '../analytics/index.js';
import type { ReportReader } from '../store/store.js';
import { cohortsJson, midsJson, retentionJson, seriesJson, summaryJson, triangleJson, type RenderOptions, type ReportJson } from './json.js';
import type { ParsedReport, ReportName } from './query.js';

/** A report's name with its JSON body. */
export type RenderedReport = { [N in ReportName]: { name: N; body: ReportJson[N] } }[ReportName];

/** Runs the report `p` asks for and renders it. */
export async function runReport(store: ReportReader, p: ParsedReport, o: RenderOptions = {}): Promise<RenderedReport> {
  const { q } = p;
  switch (p.name) {
    case 'summary': {
      const total = await summaryReport(store, { ...q, groupBy: null });
      const grouped = q.groupBy ? await summaryReport(store, q) : null;
      return { name: p.name, body: summaryJson(total, grouped, o) };
    }
    case 'series':
      return { name: p.name, body: seriesJson(await seriesReport(store, { ...q, by: p.by }), o) };
    case 'cohorts':
      return { name: p.name, body: cohortsJson(await cohortReport(store, { ...q, by: p.by, horizons: p.horizons, asOf: p.asOf }), o) };
    case 'triangle':
      return { name: p.name, body: triangleJson(await cohortTriangle(store, { ...q, asOf: p.asOf }), o) };
    case 'retention':
      return { name: p.name, body: retentionJson(await retentionReport(store, q), o) };
    case 'mids':
      return { name: p.name, body: midsJson(await midReport(store, { ...q, thresholds: p.thresholds }), o) };
  }
}
