/**
 * MID alert rules as the CLI (`konduit mids alerts`) and the API (/api/connections/:name/mid-alerts)
 * take and show them (docs/metrics.md, "MID health"): a metric (visa, mastercard, any, total), a
 * threshold and a fewest count, per MID of a connection or for all its MIDs ("*"). One checker for both
 * surfaces: the CLI gives the threshold as a percentage ("0.9"), the API as a fraction (0.009); both are
 * kept in millionths.
 */
import { UsageError } from '../core/errors.js';
import { ALERT_METRICS, type AlertMetric } from '../analytics/index.js';
import type { MidAlertRuleRow } from '../store/store.js';

/** Most chargebacks a rule's count may ask for (a sanity bound, far above any MID's month). */
export const MAX_ALERT_COUNT = 1_000_000;

/** A rule as a body shows it: the threshold as a fraction, when it was set as an ISO instant. */
export interface MidAlertRuleJson {
  connection: string;
  /** The MID's merchantId, or "*" for the connection's MIDs without a rule of their own. */
  mid: string;
  metric: AlertMetric;
  threshold: number;
  minCount: number;
  updatedAt: string;
}

export function midAlertRuleJson(r: MidAlertRuleRow, connection: string): MidAlertRuleJson {
  return { connection, mid: r.mid, metric: r.metric, threshold: r.thresholdPpm / 1e6, minCount: r.minCount, updatedAt: new Date(r.updatedAt).toISOString() };
}

/** A rule's fields checked, whichever surface gave them; `name` says how each field is spelt there. */
export function checkAlertRule(
  input: { mid?: string; metric?: string; thresholdPpm: number | null; minCount?: number },
  name: (field: 'mid' | 'metric' | 'threshold' | 'minCount') => string,
): { mid: string; metric: AlertMetric; thresholdPpm: number; minCount: number } {
  const mid = (input.mid ?? '').trim();
  if (mid !== '*' && !/^\d{1,18}$/.test(mid)) throw new UsageError(`${name('mid')} "${input.mid ?? ''}" is not valid: expected a MID's merchantId (a whole number) or * for every MID of the connection`);
  const metric = (input.metric ?? 'any').trim().toLowerCase();
  if (!(ALERT_METRICS as readonly string[]).includes(metric)) throw new UsageError(`${name('metric')} "${input.metric}" is not valid: expected one of ${ALERT_METRICS.join(', ')}`);
  if (input.thresholdPpm === null || !Number.isSafeInteger(input.thresholdPpm) || input.thresholdPpm <= 0 || input.thresholdPpm > 1_000_000) {
    throw new UsageError(`${name('threshold')} is not valid: expected a ratio above 0% and at most 100%`, name('threshold') === '--threshold' ? 'A percentage, e.g. --threshold 0.9 for 0.9%.' : 'A fraction, e.g. 0.009 for 0.9%.');
  }
  const minCount = input.minCount ?? 0;
  if (!Number.isSafeInteger(minCount) || minCount < 0 || minCount > MAX_ALERT_COUNT) throw new UsageError(`${name('minCount')} "${input.minCount}" is not valid: expected a whole number from 0 to ${MAX_ALERT_COUNT}`);
  return { mid, metric: metric as AlertMetric, thresholdPpm: input.thresholdPpm, minCount };
}

/** A percentage as text ("0.9", "1.25") in millionths (9000, 12500); null when it is not one (at most 4 decimals). */
export function percentToPpm(text: string | undefined): number | null {
  const s = (text ?? '').trim().replace(/%$/, '');
  if (!/^\d{1,3}(\.\d{1,4})?$/.test(s)) return null;
  const [whole = '0', frac = ''] = s.split('.');
  return Number(whole) * 10_000 + Number(frac.padEnd(4, '0'));
}

/** A fraction (0.009) in millionths (9000); null when it is not a number with at most 6 decimals' precision. */
export function fractionToPpm(v: unknown): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  const ppm = Math.round(v * 1e6);
  return Math.abs(ppm - v * 1e6) < 1e-6 ? ppm : null;
}
