/**
 * Reconciliation against the sandbox's transactions/summary (docs/metrics.md, "Reconciliation"): a
 * merchant with chargebacks across month ends, records served unreadable (quarantine), chargebacks the CRM
 * clears after Konduit saw them, and activity after Konduit's last sync; the account in New York and the
 * viewer in Noumea, 15 hours ahead in summer. Every difference is explained, and each explanation is
 * checked against the sandbox's ground truth (which transactions changed after the sync, which are
 * unreadable, which chargebacks were reversed); Konduit's columns equal its own reports on both bases. A
 * change the CRM makes without telling (an amount edited in place) is not explained: exit 1, naming the day.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMinor } from '../core/currency.js';
import { localDate, offsetMinutesAt, startOfLocalDay } from '../core/time.js';
import { seriesReport } from '../analytics/summary.js';
import { oddityOf, startSandbox, UNREADABLE_KINDS, type Sandbox } from '../sandbox/index.js';
import { startServer, type RunningServer } from '../server/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { keyFromPassphrase } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { runCli } from '../../test/cli.js';
import { apiAs, connectAndBackfill, sandboxClient, syncIncrementally } from '../../test/synced-sandbox.js';
import { openTestStore } from '../../test/stores.js';
import { readCrmSide } from '../crm/summary.js';
import { parseReconcileQuery, runReconcile, type ReconcileJson } from './reconcile.js';

const SECRET = 'reconcile-test';
const ADMIN = 'reconcile-admin-pass';
const ACCOUNT = 'America/New_York';
const VIEWER = 'Pacific/Noumea';
const FROM = '2025-04-01';
const TO = '2025-07-31';
const SANDBOX = { seed: 'reconcile-2', customers: 2500, start: '2024-10-01', now: '2025-06-20 18:00:00', profile: 'rich', timezone: ACCOUNT, unreadableRate: 0.01 } as const;

let dir: string;
let db: string;
let sb: Sandbox;
let store: Store | undefined;
let srv: RunningServer | undefined;
let lastSync: number;
let firstSync: number;
let json: ReconcileJson;
let pgStore: Store;
let disposePg: (() => Promise<void>) | undefined;
const env = { ...process.env };

const cents = (s: string) => Math.round(Number(s) * 100);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-reconcile-'));
  db = join(dir, 'k.duckdb');
  process.env.KONDUIT_HOME = join(dir, 'home');
  process.env.KONDUIT_SECRET = SECRET;
  sb = await startSandbox(SANDBOX);
  const writer = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
  await writer.migrate();
  const pg = await openTestStore('postgres', 'reconcile');
  pgStore = pg.store;
  disposePg = pg.dispose;
  const c = await connectAndBackfill(writer, sb, { from: SANDBOX.start, today: '2025-06-20' });
  const cPg = await connectAndBackfill(pgStore, sb, { from: SANDBOX.start, today: '2025-06-20' });
  firstSync = sb.merchant.now;
  // A month later an incremental sync sees the chargebacks the merchant won meanwhile (reversals) ...
  await sb.advanceDays(30);
  await syncIncrementally(writer, sb, c, localDate(sb.merchant.now, ACCOUNT));
  await syncIncrementally(pgStore, sb, cPg, localDate(sb.merchant.now, ACCOUNT));
  lastSync = sb.merchant.now;
  // ... and three more weeks happen in the CRM that Konduit has not synced.
  await sb.advanceDays(21);
  await writer.close();
}, 300_000);

afterAll(async () => {
  await disposePg?.();
  await srv?.close();
  await store?.close();
  await sb?.close();
  process.env = env;
  await rm(dir, { recursive: true, force: true });
});

describe('konduit reconcile against the CRM\'s transactions/summary', () => {
  it('explains every difference, in a viewer zone 15 hours from the account\'s', async () => {
    expect((offsetMinutesAt(startOfLocalDay('2025-06-15', ACCOUNT), VIEWER) - offsetMinutesAt(startOfLocalDay('2025-06-15', ACCOUNT), ACCOUNT)) / 60).toBe(15);
    const r = await runCli(['reconcile', '--from', FROM, '--to', TO, '--tz', VIEWER, '--format', 'json', '--db', db]);
    expect(r.code, r.err).toBe(0);
    json = JSON.parse(r.out) as ReconcileJson;
    // What the range holds (printed for the record: the figures the docs quote).
    console.log(`reconcile ${FROM}..${TO}: ${json.days.length} day lines, ${json.campaigns.length} campaign lines; explained by reason ${JSON.stringify(json.reasons)}; moves ${json.moves.booked_on_sale_date} booked on the sale's date, ${json.moves.time_zone} by the time zone; lines where the CRM differs from Konduit's CRM basis: ${json.days.filter((l) => l.explained.length > 0).length}`);
    expect(json.ok).toBe(true);
    expect(json.unexplained).toEqual([]);
    // The range has every kind of difference, each explained.
    expect(json.reasons.not_synced).toBeGreaterThan(0);
    expect(json.reasons.quarantine).toBeGreaterThan(0);
    expect(json.reasons.chargeback_reversed).toBeGreaterThan(0);
    expect(json.moves.booked_on_sale_date).toBeGreaterThan(0);
    expect(json.moves.time_zone).toBeGreaterThan(0);
    // Chargebacks across month ends: shown in one month, booked by the CRM in an earlier one.
    const across = json.moves.list.filter((m) => m.kind === 'chargeback' && m.shownOn.slice(0, 7) !== m.bookedOn.slice(0, 7));
    expect(across.length).toBeGreaterThan(0);
    // Some lines really differ between the CRM and Konduit, and between the CRM basis and what is shown.
    expect(json.days.some((l) => l.difference.sales.count !== 0 || l.difference.chargebacks.count !== 0 || l.difference.refunds.count !== 0)).toBe(true);
    expect(json.days.some((l) => l.shown!.chargebacks.amount !== l.konduit.chargebacks.amount)).toBe(true);
    // The table says so too.
    const table = await runCli(['reconcile', '--from', FROM, '--to', TO, '--tz', VIEWER, '--db', db]);
    expect(table.code).toBe(0);
    expect(table.out).toContain('Every difference is explained.');
  });

  it('each explanation is what the ground truth says happened', () => {
    const m = sb.merchant;
    const byId = new Map(m.txns.map((x) => [x.transactionId, x]));
    const items = json.days.flatMap((l) => l.explained.map((e) => ({ ...e, day: l.key })));
    for (const e of items.filter((x) => x.reason === 'not_synced')) {
      const x = byId.get(e.transactionId!)!;
      // Changed after the last sync: the transaction itself, or (a refund) it is new.
      expect(x.u, `${e.transactionId}`).toBeGreaterThan(lastSync);
    }
    const unreadable = (id: number) => (UNREADABLE_KINDS as readonly string[]).includes(oddityOf(m, byId.get(id)!) ?? '');
    for (const e of items.filter((x) => x.reason === 'quarantine')) {
      const x = byId.get(e.transactionId!)!;
      expect(unreadable(x.transactionId) || (x.parent !== null && unreadable(x.parent.transactionId)), `${e.transactionId}`).toBe(true);
    }
    for (const e of items.filter((x) => x.reason === 'chargeback_reversed')) {
      const won = byId.get(e.transactionId!)!.reversedChargebacks ?? [];
      // Reversed after Konduit first saw the chargeback, before its last sync.
      expect(won.some((w) => w.at <= firstSync && w.revertedAt > firstSync && w.revertedAt <= lastSync), `${e.transactionId}`).toBe(true);
    }
    // Every unreadable sale of the range's days is explained as in quarantine.
    const heldSales = m.txns.filter((x) => unreadable(x.transactionId) && x.response === 'SUCCESS' && x.type === 'SALE' && localDate(x.t, ACCOUNT) >= FROM && localDate(x.t, ACCOUNT) <= TO && x.t <= lastSync);
    expect(heldSales.length).toBeGreaterThan(0);
    for (const x of heldSales) expect(items.some((e) => e.reason === 'quarantine' && e.transactionId === x.transactionId && e.measure === 'sales')).toBe(true);
  });

  it("Konduit's columns are its own reports: the CRM basis in the account's days, and the default view in the viewer's", async () => {
    const s = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    try {
      for (const currency of [...new Set(json.days.map((l) => l.currency))]) {
        const crm = await seriesReport(s, { from: FROM, to: TO, tz: VIEWER, currency, by: 'day', basis: 'crm', accountZone: ACCOUNT, filters: [], groupBy: null }, { source: 'ledger' });
        const shown = await seriesReport(s, { from: FROM, to: TO, tz: VIEWER, currency, by: 'day', basis: 'event', accountZone: ACCOUNT, filters: [], groupBy: null });
        const line = new Map(json.days.filter((l) => l.currency === currency).map((l) => [l.key, l]));
        for (const p of crm.points) {
          const f = p.figures;
          const l = line.get(p.period);
          expect([l?.konduit.sales.count ?? 0, cents(l?.konduit.sales.amount ?? '0'), cents(l?.konduit.refunds.amount ?? '0'), l?.konduit.chargebacks.count ?? 0, cents(l?.konduit.chargebacks.amount ?? '0')], `${currency} ${p.period}`).toEqual([
            f.saleCount, f.grossRevenue, f.refunds - f.chargebacks, f.chargebackCount, f.chargebacks,
          ]);
        }
        for (const p of shown.points) {
          const f = p.figures;
          const l = line.get(p.period);
          expect([cents(l?.shown!.sales.amount ?? '0'), cents(l?.shown!.refunds.amount ?? '0'), cents(l?.shown!.chargebacks.amount ?? '0')], `${currency} ${p.period}`).toEqual([f.grossRevenue, f.refunds - f.chargebacks, f.chargebacks]);
        }
      }
    } finally {
      await s.close();
    }
  });

  it('GET /api/reconcile answers the same body', async () => {
    store = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
    const api = await apiAs(srv.url, ADMIN);
    const r = await api(`/api/reconcile?from=${FROM}&to=${TO}&tz=${encodeURIComponent(VIEWER)}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(json);
    expect(await api('/api/reconcile?from=2025-05-10&to=2025-05-01')).toMatchObject({ status: 400, body: { error: { code: 'invalid_parameter', param: 'from' } } });
    expect(await api('/api/reconcile?connection=nope')).toMatchObject({ status: 400, body: { error: { code: 'unknown_connection' } } });
    await srv.close();
    await store.close();
    srv = undefined;
    store = undefined;
  });

  it('PostgreSQL reconciles the same', async () => {
    const conn = (await pgStore.listConnections())[0]!;
    const r = parseReconcileQuery({ from: FROM, to: TO, tz: VIEWER }, [conn], { surface: 'api', defaultTz: 'UTC' });
    expect(await runReconcile(pgStore, r, (a) => readCrmSide(sandboxClient(sb), a))).toEqual(json);
  });

  it('a change the CRM made without a trace is not explained: exit 1, the day and the amount named', async () => {
    const m = sb.merchant;
    const x = m.txns.find((t) => t.type === 'SALE' && t.response === 'SUCCESS' && t.order.campaign.currency.code === 'USD' && localDate(t.t, ACCOUNT) === '2025-05-14' && oddityOf(m, t) === null)!;
    x.amount += 123;
    m.version++;
    try {
      const r = await runCli(['reconcile', '--from', '2025-05-01', '--to', '2025-05-31', '--tz', VIEWER, '--format', 'json', '--db', db]);
      expect(r.code).toBe(1);
      const j = JSON.parse(r.out) as ReconcileJson;
      expect(j.unexplained.filter((u) => u.line === 'day')).toEqual([
        { line: 'day', key: '2025-05-14', currency: 'USD', unexplained: { sales: { count: 0, amount: formatMinor(123, 'USD') }, refunds: { count: 0, amount: '0.00' }, chargebacks: { count: 0, amount: '0.00' } } },
      ]);
      const table = await runCli(['reconcile', '--from', '2025-05-01', '--to', '2025-05-31', '--tz', VIEWER, '--db', db]);
      expect(table.code).toBe(1);
      expect(table.out).toContain('day 2025-05-14 (USD): sales 0 / 1.23');
    } finally {
      x.amount -= 123;
      m.version++;
    }
  });

  it('explains everything on the real profile too: five currencies (CLP without a minor unit), odd values; account Los Angeles, viewer Singapore (15 h)', async () => {
    const real = await startSandbox({ seed: 'reconcile-real', customers: 1500, start: '2024-10-01', now: '2025-06-20 18:00:00', profile: 'real', currencies: ['USD', 'MXN', 'AUD', 'ZAR', 'CLP'], timezone: 'America/Los_Angeles' });
    const realDb = join(dir, 'real.duckdb');
    try {
      const w = await openDuckDbStore(realDb, { secretKey: keyFromPassphrase(SECRET) });
      await w.migrate();
      await connectAndBackfill(w, real, { from: '2024-10-01', today: '2025-06-20' });
      await w.close();
      await real.advanceDays(10);
      const r = await runCli(['reconcile', '--from', '2025-03-01', '--to', '2025-06-30', '--tz', 'Asia/Singapore', '--format', 'json', '--db', realDb]);
      const j = JSON.parse(r.out) as ReconcileJson;
      expect([r.code, j.unexplained]).toEqual([0, []]);
      expect(new Set(j.days.map((l) => l.currency))).toEqual(new Set(['USD', 'MXN', 'AUD', 'ZAR', 'CLP']));
      expect(j.days.find((l) => l.currency === 'CLP')!.crm.sales.amount).toMatch(/^\d+$/);
      expect(j.reasons.not_synced).toBeGreaterThan(0);
      expect(j.moves.time_zone).toBeGreaterThan(0);
    } finally {
      await real.close();
    }
  });

  it('refuses what it cannot reconcile as asked: exit 2', async () => {
    expect((await runCli(['reconcile', '--from', '2025-05-10', '--to', '2025-05-01', '--db', db])).code).toBe(2);
    expect((await runCli(['reconcile', '--tz', 'Mars/Olympus', '--db', db])).code).toBe(2);
    expect((await runCli(['reconcile', '--from', '2024-01-01', '--to', '2025-06-30', '--db', db])).code).toBe(2);
  });
});
