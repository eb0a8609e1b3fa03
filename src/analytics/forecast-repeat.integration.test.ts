/**
 * The forecast report's one-time buyers on a sandbox merchant whose one-time customers buy again
 * (`repeatBuyers`, src/sandbox/repeat.ts), on both engines: the customers' (x, t_x, T) read from the
 * synced store equal those computed here from the sandbox's own records (its orders and approved
 * sales), so the report's BG/NBD and Gamma-Gamma fits are the fits of those; every projected number is
 * marked; and a forecast made at a cutoff reaches, within its interval, what the cohorts then did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oddityOf, startSandbox, UNREADABLE_KINDS, type Sandbox } from '../sandbox/index.js';
import type { Store } from '../store/store.js';
import { fitBgNbd, fitGammaGamma, type BgNbdCustomer } from '../forecast/index.js';
import { formatReport } from '../report/grid.js';
import { forecastJson } from '../report/json.js';
import { DAY } from '../core/time.js';
import { forecastBacktest, forecastReport, type ForecastQuery } from './forecast.js';
import { syncSandbox } from '../../test/sandbox-sync.js';
import { openTestStore } from '../../test/stores.js';
import { MIGRATIONS } from '../store/migrations/index.js';

const ZONE = 'America/New_York';
/** Both profiles: `rich` (every field, one currency) and `real` (several currencies, odd and unreadable records). */
const optsOf = (profile: 'rich' | 'real') => ({ start: '2025-01-01', now: '2026-12-01 12:00:00', profile, repeatBuyers: true }) as const;
const AS_OF = Date.parse('2026-12-01T17:00:00Z');
const Q: ForecastQuery = { from: '2025-01-01', to: '2025-12-31', tz: ZONE, currency: 'USD', groupBy: null, filters: [], basis: 'event', accountZone: ZONE, asOf: AS_OF };
/** The month (YYYY-MM, New York) of an instant: its cohort. */
const monthOf = (at: number): string => new Date(at).toLocaleDateString('en-CA', { timeZone: ZONE }).slice(0, 7);
const RANGE = [Date.parse('2025-01-01T05:00:00Z'), Date.parse('2026-01-01T05:00:00Z')] as const;

/**
 * From the sandbox's records: the customers first approved in the range who never had a subscription,
 * each with their purchases (orders with an approved sale, at the order's first approved sale).
 */
function sandboxBuyers(sb: Sandbox, asOf: number, until = Number.POSITIVE_INFINITY): (BgNbdCustomer & { meanSpend: number; purchases: number[] })[] {
  const m = sb.merchant;
  // Subscribed: an approved sale of a subscription (an authorisation of one that was voided is not).
  // In the report's currency (USD), and readable: a record the CRM serves unreadable is in quarantine, in no report.
  const approved = m.txns.filter((t) => (t.type === 'SALE' || t.type === 'CAPTURE') && t.response === 'SUCCESS' && t.t < until
    && t.order.campaign.currency.code === 'USD' && !(UNREADABLE_KINDS as readonly string[]).includes(oddityOf(m, t) ?? ''));
  const subscribed = new Set(approved.filter((t) => (t.line ?? t.parent?.line)?.purchase).map((t) => t.order.customer));
  const orders = new Map<unknown, { at: number; gross: number }[]>();
  const byOrder = new Map<unknown, { at: number; gross: number }>();
  for (const t of approved) {
    const o = byOrder.get(t.order);
    if (o) {
      o.at = Math.min(o.at, t.t);
      o.gross += t.amount;
    } else {
      const row = { at: t.t, gross: t.amount };
      byOrder.set(t.order, row);
      const list = orders.get(t.order.customer) ?? [];
      list.push(row);
      orders.set(t.order.customer, list);
    }
  }
  const out: (BgNbdCustomer & { meanSpend: number; purchases: number[] })[] = [];
  for (const [customer, list] of orders) {
    if (subscribed.has(customer as never)) continue;
    const paid = list.filter((o) => o.gross > 0).sort((a, b) => a.at - b.at);
    if (paid.length === 0 || paid[0]!.at < RANGE[0] || paid[0]!.at >= Math.min(RANGE[1], until)) continue;
    const first = paid[0]!.at;
    const x = paid.length - 1;
    const repeat = paid.slice(1);
    // Whole days (docs/forecasts.md): t_x at least 1 after a repeat purchase, T at least t_x and 1.
    const tx = x === 0 ? 0 : Math.max(1, Math.round((paid[x]!.at - first) / DAY));
    out.push({ x, tx, T: Math.max(tx, 1, Math.round((asOf - first) / DAY)), meanSpend: x === 0 ? 0 : repeat.reduce((a, o) => a + o.gross, 0) / x, purchases: paid.map((o) => o.at) });
  }
  return out;
}

const CASES = [['duckdb', 'rich'], ['duckdb', 'real'], ['postgres', 'rich'], ['postgres', 'real']] as const;
describe.each(CASES)('one-time buyers in the forecast report, on %s, profile %s', (engine, profile) => {
  const OPTS = optsOf(profile);
  let sb: Sandbox;
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    sb = await startSandbox({ ...OPTS, seed: 'forecast-repeat', customers: 6000 });
    ({ store, dispose } = await openTestStore(engine, `forecast_repeat_${profile}`));
    await syncSandbox(store, sb, { name: 'sb', from: OPTS.start, today: '2026-12-01' });
  }, 300_000);
  afterAll(async () => {
    await dispose();
    await sb.close();
  });

  it('fits BG/NBD and Gamma-Gamma on the (x, t_x, T) and spend the sandbox\'s own records give', async () => {
    const r = await forecastReport(store, Q);
    const g = r.groups[0]!;
    const o = g.oneTime!;
    const truth = sandboxBuyers(sb, AS_OF);
    expect(o.customers).toBe(truth.length);
    expect(o.repeatBuyers).toBe(truth.filter((c) => c.x > 0).length);
    expect(o.repeatPurchases).toBe(truth.reduce((a, c) => a + c.x, 0));
    expect(o.repeatBuyers).toBeGreaterThan(100);
    // The same data give the same maximum of the likelihood.
    const bg = fitBgNbd(truth);
    const gg = fitGammaGamma(truth.filter((c) => c.x > 0));
    expect(o.fit!.bgnbd.logLikelihood).toBeCloseTo(bg.logLikelihood, 4);
    expect(o.fit!.gammaGamma.logLikelihood).toBeCloseTo(gg.logLikelihood, 4);
    expect(o.fit!.bgnbd.r).toBeCloseTo(bg.r, 3);
    // Which model covers whom, and the counts add up to the cohort report's customers.
    expect(g.models.some((l) => l.startsWith('sBG'))).toBe(true);
    expect(g.models.some((l) => l.startsWith('BG/NBD'))).toBe(true);
    expect(o.cohorts.reduce((a, c) => a + c.customers, 0)).toBe(o.customers);
  }, 300_000);

  it('finds the same one-time buyers while the kept tables are behind (the ledger alone), now and at a cutoff', async () => {
    const cutoff = Date.parse('2025-07-01T04:00:00Z');
    const queries: ForecastQuery[] = [Q, { ...Q, to: '2025-06-30', until: cutoff }];
    const kept = [];
    for (const q of queries) kept.push((await forecastReport(store, q)).groups.map((g) => g.oneTime));
    const [conn] = await store.query('SELECT connection_id FROM connections');
    await store.query('INSERT INTO rebuild_pending (connection_id) VALUES ($1)', [String(conn!.connection_id)]);
    try {
      expect(await store.aggregatesBehind()).toBe(true);
      for (const [i, q] of queries.entries()) {
        const ledger = (await forecastReport(store, q)).groups.map((g) => g.oneTime);
        expect(ledger[0]!.customers).toBeGreaterThan(100);
        expect(ledger).toEqual(kept[i]);
      }
    } finally {
      await store.query('DELETE FROM rebuild_pending WHERE connection_id = $1', [String(conn!.connection_id)]);
    }
  }, 300_000);

  it('keeps each customer\'s first subscription sale with their facts, as the ledger has it and as migration 27 fills it', async () => {
    const ms = (c: string) => store.sql.epochMs(c);
    const read = async () => (await store.query(
      `SELECT f.customer_id AS id, ${ms('f.first_sale_at')} AS first_ms, ${ms('f.subscribed_at')} AS kept,
        (SELECT ${ms('MIN(e.instant)')} FROM money_events e WHERE e.connection_id = f.connection_id AND e.customer_id = f.customer_id
          AND e.currency = f.currency AND e.kind = 'sale' AND e.purchase_id IS NOT NULL) AS ledger
      FROM customer_facts f ORDER BY f.connection_id, f.customer_id`,
    )).map((r) => ({ id: Number(r.id), first: Number(r.first_ms), kept: r.kept === null ? null : Number(r.kept), ledger: r.ledger === null ? null : Number(r.ledger) }));
    const facts = await read();
    expect(facts.filter((f) => f.kept !== f.ledger)).toEqual([]);
    // Both kinds are there: customers who subscribed and customers who never did.
    expect(facts.filter((f) => f.kept !== null).length).toBeGreaterThan(100);
    expect(facts.filter((f) => f.kept === null).length).toBeGreaterThan(100);
    // A backtest's cutoff between a customer's first sale and their first subscription: a one-time buyer at
    // the cutoff. Read from the facts, the same one-time buyers as the ledger's.
    const later = facts.filter((f) => f.first >= RANGE[0] && f.first < RANGE[1] && f.kept !== null && f.kept > f.first).sort((a, b) => a.first - b.first || a.id - b.id);
    expect(later.length).toBeGreaterThan(10);
    const pick = later[Math.floor(later.length / 2)]!;
    const q: ForecastQuery = { ...Q, until: Math.floor((pick.first + pick.kept!) / 2) };
    const kept = (await forecastReport(store, q)).groups.map((g) => g.oneTime);
    const [conn] = await store.query('SELECT connection_id FROM connections');
    await store.query('INSERT INTO rebuild_pending (connection_id) VALUES ($1)', [String(conn!.connection_id)]);
    try {
      expect((await forecastReport(store, q)).groups.map((g) => g.oneTime)).toEqual(kept);
    } finally {
      await store.query('DELETE FROM rebuild_pending WHERE connection_id = $1', [String(conn!.connection_id)]);
    }
    // Migration 27's fill gives the same instants from the ledger.
    const m27 = MIGRATIONS.find((m) => m.version === 27)!;
    await store.query('UPDATE customer_facts SET subscribed_at = NULL');
    for (const sql of m27[engine].slice(1)) await store.query(sql);
    expect(await read()).toEqual(facts);
  }, 300_000);

  it('marks every projected number: JSON `projected`, `*` in the table, the CSV\'s Projected column', async () => {
    const body = forecastJson(await forecastReport(store, Q));
    const o = body.groups[0]!.oneTime!;
    const cells = o.cohorts.flatMap((c) => c.ltv);
    expect(cells.some((l) => l.projected) && cells.some((l) => !l.projected)).toBe(true);
    for (const l of cells) {
      expect(l.projected).toBe(!l.complete);
      if (!l.projected) expect(l.value).toBe(l.observed);
      else {
        expect(Number(l.interval![0])).toBeLessThanOrEqual(Number(l.interval![1]));
        expect(Number(l.value)).toBeGreaterThanOrEqual(Number(l.observed));
      }
    }
    expect(o.newCustomer.every((c) => c.projected)).toBe(true);
    const table = formatReport({ name: 'forecast', body }, 'table');
    const cell = cells.find((l) => l.projected)!;
    expect(table).toContain(`${cell.value}*`);
    expect(table).toContain('BG/NBD');
    const csv = formatReport({ name: 'forecast', body }, 'csv').trim().split('\n');
    const head = csv[0]!.split(',');
    const model = head.indexOf('Model');
    const projected = head.indexOf('Projected');
    const rows = csv.slice(1).map((l) => l.split(',')).filter((c) => c[model] === 'BG/NBD + Gamma-Gamma');
    expect(rows.map((c) => c[projected])).toEqual(cells.map((l) => String(l.projected)));
  }, 300_000);

  it('reaches, within its interval, what the cohorts did after a cutoff', async () => {
    // Fitted on the first half of 2025 with the data before July; compared where the horizon has since passed.
    const cutoff = Date.parse('2025-07-01T04:00:00Z');
    const before = (await forecastReport(store, { ...Q, to: '2025-06-30', until: cutoff })).groups[0]!.oneTime!;
    const now = (await forecastReport(store, { ...Q, to: '2025-06-30' })).groups[0]!.oneTime!;
    const compared: { cohort: string; months: number; inside: boolean }[] = [];
    for (const c of before.cohorts) {
      const later = now.cohorts.find((x) => x.cohort === c.cohort)!;
      for (const l of c.ltv) {
        const actual = later.ltv.find((x) => x.months === l.months)!;
        if (!l.projected || !actual.complete) continue;
        // The same customers: those acquired before the cutoff.
        expect(later.customers).toBe(c.customers);
        compared.push({ cohort: c.cohort, months: l.months, inside: actual.observedCents >= l.interval![0] && actual.observedCents <= l.interval![1] });
      }
    }
    expect(compared.length).toBeGreaterThanOrEqual(10);
    // A 95% prediction interval: with the model true, at most 1 in 20 cells falls outside, and the cells share customers.
    const outside = compared.filter((x) => !x.inside);
    expect(outside.length, JSON.stringify(outside)).toBeLessThanOrEqual(Math.ceil(compared.length * 0.2));
  }, 300_000);

  it('backtests the one-time buyers: value and purchases per customer projected at the cutoff beside what happened', async () => {
    const cutoff = Date.parse('2025-07-01T04:00:00Z');
    const b = await forecastBacktest(store, Q, cutoff);
    const oneTime = b.groups[0]!.oneTime!;
    expect(oneTime.map((c) => c.cohort)).toEqual(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06']);
    // Actual values: the cohorts' observed net now; actual purchases: counted here from the sandbox's own orders.
    const now = (await forecastReport(store, { ...Q, to: '2025-06-30' })).groups[0]!.oneTime!;
    const buyers = sandboxBuyers(sb, AS_OF).filter((c) => c.purchases[0]! < cutoff);
    const cells = oneTime.flatMap((c) => c.cells);
    for (const c of oneTime) {
      const later = now.cohorts.find((x) => x.cohort === c.cohort)!;
      expect(c.customersNow).toBe(later.customers);
      // The sandbox's one-time buyers do not subscribe later: the same customers.
      expect(c.customersNow).toBe(c.customers);
      const members = buyers.filter((m) => monthOf(m.purchases[0]!) === c.cohort);
      expect(members.length).toBe(c.customers);
      for (const x of c.cells) {
        const actual = later.ltv.find((l) => l.months === x.months)!;
        expect(x.actualCents).toBe(actual.observedCents);
        expect(x.actualComplete).toBe(actual.complete);
        const days = actual.days;
        const bought = members.reduce((a, m) => a + m.purchases.filter((t) => t < m.purchases[0]! + days * DAY).length, 0);
        expect(x.actualPurchases).toBeCloseTo(bought / members.length, 9);
        if (x.actualComplete && x.projectedCents !== null) {
          expect(x.errorCents).toBe(x.projectedCents - x.actualCents);
          expect(x.inInterval).toBe(x.actualCents >= x.interval![0] && x.actualCents <= x.interval![1]);
          expect(x.purchasesError).toBeCloseTo(x.purchases - x.actualPurchases, 9);
          expect(x.purchasesInInterval).toBe(x.actualPurchases >= x.purchasesInterval[0] && x.actualPurchases <= x.purchasesInterval[1]);
        } else expect(x.errorCents).toBeNull();
      }
    }
    for (const s of b.oneTimeSummary) {
      const compared = cells.filter((x) => x.months === s.months && x.projected && x.errorCents !== null);
      expect(s.cohorts).toBe(compared.length);
      if (compared.length === 0) continue;
      expect(s.meanAbsErrorCents).toBeCloseTo(compared.reduce((a, x) => a + Math.abs(x.errorCents!), 0) / compared.length, 9);
      expect(s.coverage).toBeCloseTo(compared.filter((x) => x.inInterval).length / compared.length, 9);
      expect(s.purchasesMeanAbsError).toBeCloseTo(compared.reduce((a, x) => a + Math.abs(x.purchasesError!), 0) / compared.length, 9);
    }
    expect(b.oneTimeSummary.reduce((a, s) => a + s.cohorts, 0)).toBeGreaterThanOrEqual(10);
    // In every output: JSON, the table's one-time block and summary, the CSV's BG/NBD rows.
    const body = forecastJson(b.forecast, {}, b);
    expect(body.backtest!.oneTimeSummary.map((s) => s.cohorts)).toEqual(b.oneTimeSummary.map((s) => s.cohorts));
    const table = formatReport({ name: 'forecast', body }, 'table');
    expect(table).toContain('One-time buyers (BG/NBD + Gamma-Gamma)');
    expect(table).toContain('Purchases: mean abs. error');
    const csv = formatReport({ name: 'forecast', body }, 'csv').trim().split('\n');
    const head = csv[0]!.split(',');
    const rows = csv.slice(1).map((l) => l.split(',')).filter((c) => c[head.indexOf('Model')] === 'BG/NBD + Gamma-Gamma');
    expect(rows.length).toBe(cells.length);
    const jsonCells = body.backtest!.groups[0]!.oneTime!.flatMap((c) => c.cells);
    expect(rows.map((c) => c[head.indexOf('Purchases actual')])).toEqual(jsonCells.map((x) => String(x.actualPurchases)));
    jsonCells.forEach((x, i) => expect(x.actualPurchases).toBeCloseTo(cells[i]!.actualPurchases, 6));
  }, 600_000);
});
