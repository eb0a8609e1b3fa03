/**
 * `npm run bench -- reconcile-scale`: Konduit's side of a reconciliation (docs/metrics.md, "Reconciliation")
 * on a kept store, e.g. the 10,000,000-transaction store `dashboard-scale` keeps: `reconcile(store, ...)`
 * over 30 days and over a year, with the viewer in the account's zone and 15 hours from it. The CRM's
 * network time is not Konduit's and is not here: the bench has no CRM, so the CRM's lines are computed
 * from the store itself by plain SQL over the transactions with the CRM's definitions (docs/metrics.md,
 * "The two bases": a successful SALE or CAPTURE on its account day, its chargeback flag on the same day,
 * a successful REFUND or VOID of such a sale on the sale's day), and that statement is the baseline of the
 * same run (the ratio printed). A few hundred records make the explanation paths run, and the CRM's lines
 * are changed to match them: sales whose amount the CRM changed after the sync, chargebacks it reversed,
 * new sales Konduit has not synced (not_synced), and records in quarantine (sales, half with an unreadable
 * amount, and refunds of them). Every run must come out ok (all explained): a check of the bench itself.
 *
 * KBENCH_STORE: a DuckDB file (a copy: the run migrates it) or `pg:<schema>` of KONDUIT_TEST_PG's database
 * (required); KBENCH_RUNS (default 3; each run a day later); KBENCH_CASES (comma-separated among
 * month, month-15h, year, year-15h; default all); KBENCH_OUT: a file to write each case's first JSON body
 * to (to compare two checkouts' answers). Named only: it needs a kept store.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { reconcile, type ReconcileMeasure } from '../src/analytics/reconcile.js';
import { Params } from '../src/analytics/sql.js';
import type { CrmSummaryLine, CrmTxnView } from '../src/core/crm-summary.js';
import { addDays, localDate, startOfLocalDay } from '../src/core/time.js';
import { reconcileJson } from '../src/report/reconcile.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../src/store/engines/postgres/postgres-store.js';
import { generateKey } from '../src/store/secrets.js';
import type { Store } from '../src/store/store.js';
import { PG_URL } from '../test/stores.js';

const CASES: Record<string, { from: string; to: string; viewer: (account: string) => string }> = {
  month: { from: '2025-06-01', to: '2025-06-30', viewer: (a) => a },
  'month-15h': { from: '2025-06-01', to: '2025-06-30', viewer: () => 'Pacific/Noumea' },
  year: { from: '2025-01-01', to: '2025-12-31', viewer: (a) => a },
  'year-15h': { from: '2025-01-01', to: '2025-12-31', viewer: () => 'Pacific/Noumea' },
};

/** The account's local timestamp of an instant column, in plain SQL per engine. */
const localTs = (engine: string, e: string, zone: string) => (engine === 'postgres' ? `(${e} AT TIME ZONE '${zone}')` : `timezone('${zone}', timezone('UTC', ${e}))`);

/** The CRM's transactions/summary per (account day, campaign, currency, measure), in plain SQL over the stored transactions: the baseline. */
function crmSql(store: Store, connectionId: string, zone: string, aStart: number, aEnd: number): { sql: string; params: Params['values'] } {
  const p = new Params();
  const c = p.add(connectionId);
  const a = store.sql.instantParam(p.add, aStart);
  const b = store.sql.instantParam(p.add, aEnd);
  const sql = `WITH s AS (
      SELECT transaction_id, CAST(CAST(${localTs(store.engine, 'date_created', zone)} AS DATE) AS TEXT) AS d, campaign_id, COALESCE(currency, 'USD') AS cur, total_cents, is_chargedback, chargeback_cents
      FROM transactions WHERE connection_id = ${c} AND response_type = 'SUCCESS' AND txn_type IN ('SALE', 'CAPTURE') AND date_created >= ${a} AND date_created < ${b})
    SELECT d, campaign_id, cur, 'sales' AS m, COUNT(*) AS n, SUM(total_cents) AS cents FROM s GROUP BY d, campaign_id, cur
    UNION ALL SELECT d, campaign_id, cur, 'chargebacks', COUNT(*), SUM(COALESCE(chargeback_cents, total_cents)) FROM s WHERE is_chargedback GROUP BY d, campaign_id, cur
    UNION ALL SELECT s.d, s.campaign_id, s.cur, 'refunds', COUNT(*), SUM(r.total_cents) FROM s JOIN transactions r ON r.connection_id = ${c} AND r.parent_txn_id = s.transaction_id
      WHERE r.response_type = 'SUCCESS' AND r.txn_type IN ('REFUND', 'VOID') GROUP BY s.d, s.campaign_id, s.cur`;
  return { sql, params: p.values };
}

type Cell = { date: string; campaign: number | null; currency: string; measure: ReconcileMeasure; count: number; cents: number };

/** Folds cells into the CRM's day and campaign lines. */
function lines(cells: readonly Cell[]): { days: CrmSummaryLine[]; campaigns: CrmSummaryLine[] } {
  const days = new Map<string, CrmSummaryLine>();
  const campaigns = new Map<string, CrmSummaryLine>();
  const line = (m: Map<string, CrmSummaryLine>, key: string, currency: string) => {
    const k = `${key}|${currency}`;
    let l = m.get(k);
    if (!l) m.set(k, (l = { key, name: null, currency, sales: { count: 0, cents: 0 }, refunds: { count: 0, cents: 0 }, chargebacks: { count: 0, cents: 0 } }));
    return l;
  };
  for (const x of cells) {
    for (const l of [line(days, x.date, x.currency), line(campaigns, String(x.campaign ?? ''), x.currency)]) {
      l[x.measure].count += x.count;
      l[x.measure].cents += x.cents;
    }
  }
  return { days: [...days.values()], campaigns: [...campaigns.values()] };
}

const view = (r: Record<string, unknown>): CrmTxnView => ({
  transactionId: Number(r.transaction_id), txnType: String(r.txn_type), responseType: String(r.response_type), amountCents: Number(r.total_cents),
  createdAt: Number(r.created), parentTxnId: r.parent_txn_id === null ? null : Number(r.parent_txn_id), campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
  currency: r.currency === null ? 'USD' : String(r.currency), isChargedback: r.is_chargedback === true, chargebackCents: r.chargeback_cents === null ? null : Number(r.chargeback_cents),
});

/**
 * The CRM's side of a range: its lines (plain SQL, timed) and a few hundred records that differ from the
 * store, with the lines changed to match them.
 */
async function crmSide(store: Store, connectionId: string, zone: string, from: string, to: string) {
  const aStart = startOfLocalDay(from, zone);
  const aEnd = startOfLocalDay(addDays(to, 1), zone);
  const q = crmSql(store, connectionId, zone, aStart, aEnd);
  const t0 = performance.now();
  const rows = await store.query(q.sql, q.params);
  const baselineMs = performance.now() - t0;
  const cells: Cell[] = rows.map((r) => ({ date: String(r.d), campaign: r.campaign_id === null ? null : Number(r.campaign_id), currency: String(r.cur), measure: String(r.m) as ReconcileMeasure, count: Number(r.n), cents: Number(r.cents) }));
  const p = new Params();
  const c = p.add(connectionId);
  const a = store.sql.instantParam(p.add, aStart);
  const b = store.sql.instantParam(p.add, aEnd);
  const pick = (where: string, n: number) =>
    store.query(
      `SELECT transaction_id, txn_type, response_type, total_cents, ${store.sql.epochMs('date_created')} AS created, parent_txn_id, campaign_id, currency, is_chargedback, chargeback_cents
       FROM transactions WHERE connection_id = ${c} AND date_created >= ${a} AND date_created < ${b} AND response_type = 'SUCCESS' AND ${where} ORDER BY transaction_id LIMIT ${n}`,
      p.values,
    );
  const changed: CrmTxnView[] = [];
  const quarantined: CrmTxnView[] = [];
  const at = (x: CrmTxnView, measure: ReconcileMeasure, count: number, cents: number) =>
    cells.push({ date: localDate(x.createdAt!, zone), campaign: x.campaignId, currency: x.currency, measure, count, cents });
  // 150 sales whose amount the CRM changed after the sync (+1.00).
  for (const r of await pick(`txn_type = 'SALE' AND transaction_id % 97 = 5 AND NOT is_chargedback`, 150)) {
    const x = view(r);
    changed.push({ ...x, amountCents: x.amountCents! + 100 });
    at(x, 'sales', 0, 100);
  }
  // 50 chargebacks the CRM reversed after the sync.
  for (const r of await pick(`is_chargedback`, 50)) {
    const x = view(r);
    changed.push({ ...x, isChargedback: false });
    at(x, 'chargebacks', -1, -(x.chargebackCents ?? x.amountCents!));
  }
  // 100 new sales the sync has not seen, and 100 sales in quarantine (half with an unreadable amount), with 20 refunds of them in quarantine.
  const days = Math.round((aEnd - aStart) / 86_400_000);
  const fresh = (i: number, base: number): CrmTxnView => ({
    transactionId: base + i, txnType: 'SALE', responseType: 'SUCCESS', amountCents: 3999, createdAt: aStart + ((i * 7919) % days) * 86_400_000 + 15 * 3_600_000,
    parentTxnId: null, campaignId: 1 + (i % 20), currency: 'USD', isChargedback: false, chargebackCents: null,
  });
  for (let i = 0; i < 100; i++) {
    const x = fresh(i, 9_000_000_000);
    changed.push(x);
    at(x, 'sales', 1, 3999);
    const h = fresh(i, 9_100_000_000);
    quarantined.push(i % 2 === 0 ? { ...h, amountCents: null } : h);
    at(h, 'sales', 1, 3999);
    if (i % 5 === 1) {
      quarantined.push({ ...h, transactionId: 9_200_000_000 + i, txnType: 'REFUND', amountCents: 1000, createdAt: h.createdAt! + 86_400_000, parentTxnId: h.transactionId });
      at(h, 'refunds', 1, 1000);
    }
  }
  return { ...lines(cells), changed, quarantined, baselineMs };
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
const range = (xs: number[]) => (xs.length === 0 ? '-' : `${ms(Math.min(...xs))}-${ms(Math.max(...xs))}`);

export default async function bench(): Promise<void> {
  const target = process.env.KBENCH_STORE;
  if (!target) {
    console.log('skipped: set KBENCH_STORE to a kept DuckDB file (a copy) or pg:<schema> (see bench/reconcile-scale.ts)');
    return;
  }
  const runs = Number(process.env.KBENCH_RUNS ?? 3);
  const names = (process.env.KBENCH_CASES ?? Object.keys(CASES).join(',')).split(',').map((s) => s.trim());
  const store = target.startsWith('pg:') ? await openPostgresStore(PG_URL, { secretKey: generateKey(), schema: target.slice(3) }) : await openDuckDbStore(target, { secretKey: generateKey() });
  const out: Record<string, unknown> = {};
  try {
    if (!target.startsWith('pg:')) await store.migrate();
    const conn = (await store.listConnections())[0];
    if (!conn) throw new Error('the store has no connection');
    // The generated stores' transactions have no currency (a sync always writes one): on a DuckDB copy they
    // get the connection's, as a sync would write them; a PostgreSQL store is only read (its lines then
    // differ by currency, which the timing does not depend on).
    if (store.engine === 'duckdb' && Number((await store.query(`SELECT COUNT(*) AS n FROM transactions WHERE currency IS NULL`))[0]?.n) > 0) {
      const t0 = performance.now();
      await store.query(`UPDATE transactions SET currency = $1 WHERE currency IS NULL`, [conn.baseCurrency]);
      console.log(`transactions without a currency given ${conn.baseCurrency} in ${ms(performance.now() - t0)} (once per copy)`);
    }
    const account = conn.timezone;
    const goal = store.engine === 'duckdb' ? 300 : 1000;
    console.log(`reconcile-scale on ${store.engine} (${goal} ms target), connection ${conn.name}, account ${account}; ${runs} runs per case, each a day later`);
    for (const name of names) {
      const k = CASES[name];
      if (!k) throw new Error(`unknown case ${name}: ${Object.keys(CASES).join(', ')}`);
      const viewer = k.viewer(account);
      const times: number[] = [];
      const bases: number[] = [];
      const loads: string[] = [];
      let info = '';
      for (let i = 0; i < runs; i++) {
        const from = addDays(k.from, i);
        const to = addDays(k.to, i);
        const crm = await crmSide(store, conn.connectionId, account, from, to);
        bases.push(crm.baselineMs);
        const t0 = performance.now();
        const r = await reconcile(store, {
          connectionId: conn.connectionId, from, to, accountZone: account, viewerZone: viewer, crmDays: crm.days, crmCampaigns: crm.campaigns,
          changed: crm.changed, quarantined: crm.quarantined, coverageFrom: null, asOf: null,
        });
        times.push(performance.now() - t0);
        loads.push(loadavg()[0]!.toFixed(2));
        const j = reconcileJson(r, conn.name);
        const body = JSON.stringify(j);
        if (i === 0) out[name] = j;
        info = `ok ${j.ok}, ${j.days.length} day and ${j.campaigns.length} campaign lines, explained ${JSON.stringify(j.reasons)}, notSynced ${j.notSynced}, quarantined ${j.quarantined}, moves ${j.moves.booked_on_sale_date} + ${j.moves.time_zone} (${j.moves.list.length} listed), JSON ${(body.length / 1e6).toFixed(1)} MB`;
        if (!j.ok) console.log(`  NOT OK: ${JSON.stringify(j.unexplained.slice(0, 5))}`);
      }
      console.log(`${name.padEnd(10)} ${k.from}..${k.to} viewer ${viewer}: reconcile ${range(times)} (runs ${times.map(ms).join(', ')}), baseline plain SQL (the CRM's lines) ${range(bases)}; ratio best ${(Math.min(...times) / Math.min(...bases)).toFixed(1)}x; load ${loads.join(', ')}`);
      console.log(`           ${info}`);
    }
    if (process.env.KBENCH_OUT) await writeFile(process.env.KBENCH_OUT, JSON.stringify(out));
  } finally {
    await store.close();
  }
}
