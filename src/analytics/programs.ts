/**
 * The card networks' chargeback monitoring programs as MID health applies them (docs/metrics.md, "MID
 * health", which cites each figure's source and says which could not be verified): Mastercard's
 * Excessive Chargeback Program (CMM, ECM, HECM: chargebacks of a month over the previous month's sales,
 * each level with a count minimum, ECM and HECM over two consecutive months) and Visa's Acquirer
 * Monitoring Program (VAMP: fraud reports and disputes of a month over its settled sales, with a count
 * minimum and thresholds that change by date and region). Pure: the parameters are data, defaults
 * below, any of them replaceable from a file (`parsePrograms`, read by the CLI and the server).
 */
import { UsageError } from '../core/errors.js';

/** One level of Mastercard's Excessive Chargeback Program, least severe first. */
export interface MastercardLevel {
  name: 'CMM' | 'ECM' | 'HECM';
  /** Chargeback-to-transaction ratio (a fraction) at or above which a month meets the level. */
  ratio: number;
  /** Fewest chargebacks in the month for it to meet the level. */
  minCount: number;
  /** Consecutive months that must each meet the level before a MID is in it. */
  consecutiveMonths: number;
  /** Consecutive months not meeting the level (its ratio or its count short) that take a MID out of it again. */
  exitMonths: number;
}

/** A Visa VAMP threshold from a date on (in the listed regions). */
export interface VampThreshold {
  /** First day it applies to ("YYYY-MM-DD"): a month starting on or after it uses it. */
  from: string;
  /** Regions it applies to ("*": every region). */
  regions: readonly string[] | '*';
  /** Merchant "excessive" VAMP ratio (a fraction). */
  ratio: number;
  /** Fewest fraud reports plus disputes in the month for the ratio to count. */
  minCount: number;
}

/** Visa's levels for acquirers (a portfolio's ratio): shown beside a MID's ratio, for information. */
export interface VampAcquirerLevels {
  from: string;
  /** "Above standard" from this ratio (null: the level did not exist yet). */
  aboveStandard: number | null;
  excessive: number;
}

export interface Programs {
  mastercard: { levels: MastercardLevel[] };
  visa: {
    /** The region of every connection not listed in `regions` (US, CA, EU, AP, LAC, CEMEA). */
    region: string;
    /** Region by connection name. */
    regions: Record<string, string>;
    merchant: VampThreshold[];
    acquirer: VampAcquirerLevels[];
  };
}

/** The parameters as published (docs/metrics.md cites each and marks the unverified ones). */
export const DEFAULT_PROGRAMS: Programs = {
  mastercard: {
    levels: [
      { name: 'CMM', ratio: 0.01, minCount: 100, consecutiveMonths: 1, exitMonths: 1 },
      { name: 'ECM', ratio: 0.015, minCount: 100, consecutiveMonths: 2, exitMonths: 3 },
      { name: 'HECM', ratio: 0.03, minCount: 300, consecutiveMonths: 2, exitMonths: 3 },
    ],
  },
  visa: {
    region: 'US',
    regions: {},
    merchant: [
      { from: '2025-04-01', regions: '*', ratio: 0.022, minCount: 1500 },
      { from: '2026-04-01', regions: ['US', 'CA', 'EU', 'AP'], ratio: 0.015, minCount: 1500 },
    ],
    acquirer: [
      { from: '2025-04-01', aboveStandard: null, excessive: 0.007 },
      { from: '2026-01-01', aboveStandard: 0.005, excessive: 0.007 },
    ],
  },
};

/** The VAMP merchant threshold of a month (its first day) in a region; null before the program began. */
export function vampThreshold(p: Programs, monthStart: string, region: string): VampThreshold | null {
  let best: VampThreshold | null = null;
  for (const t of p.visa.merchant) {
    if (t.from > monthStart) continue;
    if (t.regions !== '*' && !t.regions.includes(region)) continue;
    if (!best || t.from >= best.from) best = t;
  }
  return best;
}

/** Visa's acquirer levels in force in a month; null before the program began. */
export function vampAcquirerLevels(p: Programs, monthStart: string): VampAcquirerLevels | null {
  let best: VampAcquirerLevels | null = null;
  for (const a of p.visa.acquirer) if (a.from <= monthStart && (!best || a.from >= best.from)) best = a;
  return best;
}

export type VampStatus = 'excessive' | 'below' | 'no-sales' | 'not-in-force';
export type AcquirerScale = 'excessive' | 'above-standard' | 'standard' | null;

/** One month of VAMP: the ratio and the label, given only when the ratio AND the count qualify. */
export interface VampMonth {
  ratio: number | null;
  /** Fraud reports plus disputes: the count the minimum applies to. */
  count: number;
  status: VampStatus;
  threshold: VampThreshold | null;
  /** Where the ratio would stand on Visa's acquirer scale (information: the acquirer's own levels). */
  acquirerScale: AcquirerScale;
}

/** VAMP for one MID-month: (fraud reports + disputes) / settled sales, against the month's threshold. */
export function vampMonth(p: Programs, monthStart: string, region: string, m: { sales: number; disputes: number; fraudReports: number }): VampMonth {
  const count = m.disputes + m.fraudReports;
  const ratio = m.sales > 0 ? count / m.sales : null;
  const threshold = vampThreshold(p, monthStart, region);
  const acq = vampAcquirerLevels(p, monthStart);
  const acquirerScale: AcquirerScale =
    ratio === null || !acq ? null : ratio >= acq.excessive ? 'excessive' : acq.aboveStandard !== null && ratio >= acq.aboveStandard ? 'above-standard' : 'standard';
  const status: VampStatus = !threshold ? 'not-in-force' : ratio === null ? 'no-sales' : ratio >= threshold.ratio && count >= threshold.minCount ? 'excessive' : 'below';
  return { ratio, count, status, threshold, acquirerScale };
}

export type MastercardStatus = MastercardLevel['name'] | 'none' | 'no-sales';

/** One month of Mastercard's program for a MID. */
export interface MastercardMonth {
  ratio: number | null;
  chargebacks: number;
  previousMonthSales: number;
  /** The levels whose ratio and count this month meets on its own. */
  meets: MastercardLevel['name'][];
  /** The level the MID is in this month (entered over its consecutive months, not yet exited), else none. */
  status: MastercardStatus;
}

/**
 * Mastercard's program over consecutive months of one MID, oldest first (every month present, empty
 * ones with zeros): a month meets a level when its ratio (chargebacks / the previous month's sales) and
 * its chargebacks both reach the level's; a MID enters a level once `consecutiveMonths` months in a row
 * meet it, and leaves it after `exitMonths` months in a row that do not. Its status
 * is the most severe level it is in. Months before the first are unknown: a MID starts in no level.
 */
export function mastercardMonths(p: Programs, months: readonly { chargebacks: number; previousMonthSales: number }[]): MastercardMonth[] {
  const levels = p.mastercard.levels;
  const streak = levels.map(() => 0);
  const below = levels.map(() => 0);
  const inLevel = levels.map(() => false);
  return months.map((m) => {
    const ratio = m.previousMonthSales > 0 ? m.chargebacks / m.previousMonthSales : null;
    const meets: MastercardLevel['name'][] = [];
    levels.forEach((l, i) => {
      const ok = ratio !== null && ratio >= l.ratio && m.chargebacks >= l.minCount;
      if (ok) meets.push(l.name);
      streak[i] = ok ? (streak[i] ?? 0) + 1 : 0;
      below[i] = ok ? 0 : (below[i] ?? 0) + 1;
      if ((streak[i] ?? 0) >= l.consecutiveMonths) inLevel[i] = true;
      else if (inLevel[i] && (below[i] ?? 0) >= l.exitMonths) inLevel[i] = false;
    });
    let status: MastercardStatus = ratio === null && m.chargebacks === 0 ? 'no-sales' : 'none';
    levels.forEach((l, i) => {
      if (inLevel[i]) status = l.name;
    });
    return { ratio, chargebacks: m.chargebacks, previousMonthSales: m.previousMonthSales, meets, status };
  });
}

const REGIONS = ['US', 'CA', 'EU', 'AP', 'LAC', 'CEMEA'];

/**
 * Program parameters from a settings file's object (YAML or JSON, docs/metrics.md, "MID health"): any
 * part given replaces the default's. `where` names the file in messages.
 */
export function parsePrograms(raw: unknown, where: string): Programs {
  const fail = (path: string, expected: string) => new UsageError(`${where}: ${path} is not valid: expected ${expected}`, 'Fix the file, or remove the key to use the published default (docs/metrics.md, "MID health").');
  if (raw === null || raw === undefined) return DEFAULT_PROGRAMS;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw fail('the file', 'a mapping with mastercard and/or visa');
  const o = raw as Record<string, unknown>;
  const known = new Set(['mastercard', 'visa']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw fail(k, 'mastercard or visa (no other key)');
  const fraction = (v: unknown, path: string): number => {
    // Ratios are written as percentages ("1.5" = 1.5%), as the programs publish them.
    if (typeof v !== 'number' || !(v >= 0) || v > 100) throw fail(path, 'a percentage from 0 to 100, e.g. 1.5');
    return Number(`${v}e-2`);
  };
  const count = (v: unknown, path: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw fail(path, 'a whole number, 0 or more');
    return v;
  };
  const date = (v: unknown, path: string): string => {
    const s = v instanceof Date ? v.toISOString().slice(0, 10) : v;
    if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) throw fail(path, 'a date YYYY-MM-DD');
    return s;
  };
  const region = (v: unknown, path: string): string => {
    if (typeof v !== 'string' || !REGIONS.includes(v.toUpperCase())) throw fail(path, `one of ${REGIONS.join(', ')}`);
    return v.toUpperCase();
  };
  const list = (v: unknown, path: string): unknown[] => {
    if (!Array.isArray(v) || v.length === 0) throw fail(path, 'a non-empty list');
    return v;
  };
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(path, 'a mapping');
    return v as Record<string, unknown>;
  };
  const out: Programs = structuredClone(DEFAULT_PROGRAMS);
  if (o.mastercard !== undefined) {
    const mc = obj(o.mastercard, 'mastercard');
    if (mc.levels !== undefined) {
      const names = ['CMM', 'ECM', 'HECM'];
      out.mastercard.levels = list(mc.levels, 'mastercard.levels').map((l, i) => {
        const x = obj(l, `mastercard.levels[${i}]`);
        const name = String(x.name ?? '');
        if (!names.includes(name)) throw fail(`mastercard.levels[${i}].name`, names.join(', '));
        const def = DEFAULT_PROGRAMS.mastercard.levels.find((d) => d.name === name) as MastercardLevel;
        const consecutiveMonths = x.consecutiveMonths === undefined ? def.consecutiveMonths : count(x.consecutiveMonths, `mastercard.levels[${i}].consecutiveMonths`);
        const exitMonths = x.exitMonths === undefined ? def.exitMonths : count(x.exitMonths, `mastercard.levels[${i}].exitMonths`);
        if (consecutiveMonths < 1 || exitMonths < 1) throw fail(`mastercard.levels[${i}]`, 'consecutiveMonths and exitMonths of 1 or more');
        return {
          name: name as MastercardLevel['name'],
          ratio: x.ratio === undefined ? def.ratio : fraction(x.ratio, `mastercard.levels[${i}].ratio`),
          minCount: x.minCount === undefined ? def.minCount : count(x.minCount, `mastercard.levels[${i}].minCount`),
          consecutiveMonths,
          exitMonths,
        };
      });
    }
  }
  if (o.visa !== undefined) {
    const v = obj(o.visa, 'visa');
    if (v.region !== undefined) out.visa.region = region(v.region, 'visa.region');
    if (v.regions !== undefined) out.visa.regions = Object.fromEntries(Object.entries(obj(v.regions, 'visa.regions')).map(([k, r]) => [k, region(r, `visa.regions.${k}`)]));
    if (v.merchant !== undefined) {
      out.visa.merchant = list(v.merchant, 'visa.merchant').map((t, i) => {
        const x = obj(t, `visa.merchant[${i}]`);
        const regions = x.regions === undefined || x.regions === '*' ? '*' : list(x.regions, `visa.merchant[${i}].regions`).map((r, j) => region(r, `visa.merchant[${i}].regions[${j}]`));
        return { from: date(x.from, `visa.merchant[${i}].from`), regions, ratio: fraction(x.ratio, `visa.merchant[${i}].ratio`), minCount: count(x.minCount, `visa.merchant[${i}].minCount`) };
      });
    }
    if (v.acquirer !== undefined) {
      out.visa.acquirer = list(v.acquirer, 'visa.acquirer').map((a, i) => {
        const x = obj(a, `visa.acquirer[${i}]`);
        return {
          from: date(x.from, `visa.acquirer[${i}].from`),
          aboveStandard: x.aboveStandard === undefined || x.aboveStandard === null ? null : fraction(x.aboveStandard, `visa.acquirer[${i}].aboveStandard`),
          excessive: fraction(x.excessive, `visa.acquirer[${i}].excessive`),
        };
      });
    }
  }
  return out;
}
