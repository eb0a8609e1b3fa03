/**
 * One customer: a sandbox merchant synced into the store, and customers with refunds, chargebacks and
 * subscriptions shown by `konduit customer ID --format json` and GET /api/customers/:connection/:id
 * (the same body), compared event by event with the sandbox's ground truth (its in-memory merchant, as the
 * analytics suite reads it): every order, transaction, subscription, refund and chargeback (each on its
 * own date), the notes count, the running LTV computed here from docs/metrics.md, the cohort, and the
 * card never shown beyond its first 6 and last 4 digits. Then the same on PostgreSQL, and the id two
 * connections share: a usage error naming both, until --connection chooses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateOnlyToInstant, isoWeekKey, localDate } from '../core/time.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { Customer, Merchant, Txn } from '../sandbox/model.js';
import { startServer, type RunningServer } from '../server/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { keyFromPassphrase } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { runCli } from '../../test/cli.js';
import { openTestStore } from '../../test/stores.js';
import { apiAs, connectAndBackfill } from '../../test/synced-sandbox.js';
import { lookupCustomer, type CustomerJson } from './customer.js';

const SECRET = 'customer-test';
const ADMIN = 'customer-admin-pass';
const SANDBOX = { seed: 'one-customer', customers: 1500, start: '2024-10-01', now: '2025-07-15 18:00:00', profile: 'rich', timezone: 'America/New_York' } as const;
const VIEWER = 'Asia/Kolkata';

let dir: string;
let db: string;
let sb: Sandbox;
let store: Store | undefined;
let srv: RunningServer | undefined;
const env = { ...process.env };

const txnsOf = (m: Merchant, c: Customer) => m.txns.filter((x) => x.order.customer === c);
const isSale = (x: Txn) => x.response === 'SUCCESS' && (x.type === 'SALE' || x.type === 'CAPTURE');
const cents = (s: string | null) => (s === null ? null : Math.round(Number(s) * 100));

/** The customers the test reads: the one with the most kinds of event (a refund, a chargeback, a subscription), and two more. */
function chosen(m: Merchant): Customer[] {
  const score = (c: Customer) => {
    const xs = txnsOf(m, c);
    if (xs.some((x) => x.reversedChargebacks?.length)) return -1;
    const refund = xs.some((x) => x.response === 'SUCCESS' && (x.type === 'REFUND' || x.type === 'VOID'));
    const cb = xs.some((x) => x.isChargedback === 1);
    const subs = m.purchases.some((p) => p.customer === c);
    return (refund ? 100 : 0) + (cb ? 100 : 0) + (subs ? 10 : 0) + xs.length;
  };
  const ranked = [...m.customers].sort((a, b) => score(b) - score(a) || a.customerId - b.customerId);
  const withRefundAndCb = ranked.filter((c) => score(c) >= 200);
  return [withRefundAndCb[0]!, ranked.find((c) => score(c) >= 100 && score(c) < 200)!, ranked.find((c) => score(c) > 0 && score(c) < 100)!];
}

/** What the page must show for customer `c`, from the merchant alone (docs/metrics.md's ledger). */
function truth(m: Merchant, c: Customer) {
  const z = m.config.timezone;
  const xs = txnsOf(m, c);
  const events: { kind: string; at: number; cents: number; currency: string; txn: number }[] = [];
  for (const x of xs) {
    const currency = x.order.campaign.currency.code;
    if (isSale(x)) events.push({ kind: 'sale', at: x.t, cents: x.amount, currency, txn: x.transactionId });
    if (x.response === 'SUCCESS' && x.type === 'REFUND') events.push({ kind: 'refund', at: x.t, cents: -x.amount, currency, txn: x.transactionId });
    if (x.response === 'SUCCESS' && x.type === 'VOID' && x.parent?.type !== 'AUTHORIZE') events.push({ kind: 'void', at: x.t, cents: -x.amount, currency, txn: x.transactionId });
    if (x.isChargedback === 1) events.push({ kind: 'chargeback', at: dateOnlyToInstant(x.chargebackDate!, z)!, cents: -(x.chargebackAmount ?? x.amount), currency, txn: x.transactionId });
  }
  events.sort((a, b) => a.at - b.at || a.kind.localeCompare(b.kind) || a.txn - b.txn);
  const first = events.find((e) => e.kind === 'sale')!;
  let ltv = 0;
  const running = events.map((e) => (e.currency === first.currency ? (ltv += e.cents) : null));
  return { xs, events, running, ltv, first, currency: first.currency };
}

function expectEqualsTruth(j: CustomerJson, m: Merchant, c: Customer): void {
  const t = truth(m, c);
  const label = `customer ${c.customerId}`;
  expect(j.customerId, label).toBe(c.customerId);
  expect([j.identity.firstName, j.identity.lastName, j.identity.email, j.identity.country]).toEqual([c.firstName, c.lastName, c.email, c.country]);
  expect(j.notes, label).toBe(c.notes.length);
  // Orders, transactions and subscriptions: every one, with its date and amount.
  const orders = m.orders.filter((o) => o.customer === c);
  expect(j.orders.map((o) => [o.orderId, Date.parse(o.at!.utc)]).sort(), label).toEqual(orders.map((o) => [o.orderId, o.t]).sort());
  expect(j.transactions.map((x) => [x.transactionId, x.type, x.response, cents(x.amount), Date.parse(x.at!.utc), x.isChargedback, x.chargebackDate]).sort(), label).toEqual(
    t.xs.map((x) => [x.transactionId, x.type, x.response, x.amount, x.t, x.isChargedback === 1, x.chargebackDate]).sort(),
  );
  const subs = m.purchases.filter((p) => p.customer === c);
  expect(j.subscriptions.map((p) => [p.purchaseId, p.status, p.nextBillDate, cents(p.price), p.billingCycle]).sort(), label).toEqual(subs.map((p) => [p.purchaseId, p.status, p.nextBillDate, p.price, p.cycle]).sort());
  // Every money event on its own date, and the running LTV in the first sale's currency.
  const shown = j.events.map((e) => ({ kind: e.kind, at: Date.parse(e.at.utc), cents: cents(e.amount), currency: e.currency, txn: e.transactionId }));
  expect([...shown].sort((a, b) => a.at - b.at || a.kind.localeCompare(b.kind) || a.txn - b.txn), label).toEqual(t.events);
  const ltvByEvent = new Map(j.events.map((e) => [`${e.kind}:${e.transactionId}`, cents(e.ltv)]));
  expect(t.events.map((e) => ltvByEvent.get(`${e.kind}:${e.txn}`)), label).toEqual(t.running);
  expect([j.currency, cents(j.ltv)], label).toEqual([t.currency, t.ltv]);
  expect(j.refunds.map((e) => [e.kind, e.transactionId, Date.parse(e.at.utc)]), label).toEqual(t.events.filter((e) => e.kind === 'refund' || e.kind === 'void').map((e) => [e.kind, e.txn, e.at]));
  expect(j.chargebacks.map((e) => [e.transactionId, Date.parse(e.at.utc), cents(e.amount)]), label).toEqual(t.events.filter((e) => e.kind === 'chargeback').map((e) => [e.txn, e.at, e.cents]));
  // The cohort: the first sale's month, week and day in the viewer's zone.
  const d = localDate(t.first.at, VIEWER);
  expect(j.cohort, label).toMatchObject({ day: d, week: isoWeekKey(d), month: d.slice(0, 7), firstSaleAt: { utc: new Date(t.first.at).toISOString() } });
  // The card: its BIN and last 4 at most, nowhere a longer run of digits.
  if (c.cardBin && c.cardLast4) expect(j.identity.payments.map((p) => p.card)).toContain(`${c.cardBin}******${c.cardLast4}`);
  for (const x of j.transactions) if (x.card) expect(x.card).toMatch(/^\d{6}\*{6}\d{4}$/);
  expect(JSON.stringify(j)).not.toMatch(/\d{11,}/);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-customer-'));
  db = join(dir, 'k.duckdb');
  process.env.KONDUIT_HOME = join(dir, 'home');
  process.env.KONDUIT_SECRET = SECRET;
  sb = await startSandbox(SANDBOX);
  const writer = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
  await writer.migrate();
  await connectAndBackfill(writer, sb, { from: SANDBOX.start, today: '2025-07-15' });
  await writer.close();
}, 180_000);

afterAll(async () => {
  await srv?.close();
  await store?.close();
  await sb?.close();
  process.env = env;
  await rm(dir, { recursive: true, force: true });
});

describe('one customer', () => {
  it('konduit customer ID and GET /api/customers/:connection/:id show every event of the customer, equal to the ground truth, card masked', async () => {
    const customers = chosen(sb.merchant);
    const fromCli: CustomerJson[] = [];
    for (const c of customers) {
      const r = await runCli(['customer', String(c.customerId), '--tz', VIEWER, '--format', 'json', '--db', db]);
      expect(r.code, r.err).toBe(0);
      fromCli.push(JSON.parse(r.out) as CustomerJson);
      expectEqualsTruth(fromCli.at(-1)!, sb.merchant, c);
    }
    expect(fromCli[0]!.refunds.length).toBeGreaterThan(0);
    expect(fromCli[0]!.chargebacks.length).toBeGreaterThan(0);
    expect(fromCli[0]!.subscriptions.length).toBeGreaterThan(0);
    // The table names every section and never a note's text.
    const table = await runCli(['customer', String(customers[0]!.customerId), '--tz', VIEWER, '--db', db]);
    expect(table.code).toBe(0);
    for (const s of ['Orders', 'Transactions', 'Subscriptions', 'Refunds and voids', 'Chargebacks', 'running LTV', `Notes: ${customers[0]!.notes.length}`, `Cohort: ${fromCli[0]!.cohort!.month}`]) expect(table.out).toContain(s);
    for (const n of customers[0]!.notes) expect(table.out).not.toContain(n.text);

    store = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
    const api = await apiAs(srv.url, ADMIN);
    for (const [i, c] of customers.entries()) {
      const r = await api(`/api/customers/shop/${c.customerId}?tz=${encodeURIComponent(VIEWER)}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(fromCli[i]);
    }
    // Found by id, name or e-mail, each with the path of its page.
    const c0 = customers[0]!;
    const found = await api(`/api/customers?search=${encodeURIComponent(c0.email.toUpperCase())}`);
    expect(found.body.customers.map((x: { customerId: number; href: string }) => [x.customerId, x.href])).toContainEqual([c0.customerId, `/customers/shop/${c0.customerId}`]);
    expect((await api(`/api/customers?search=${c0.customerId}`)).body.customers[0]).toMatchObject({ customerId: c0.customerId, ltv: fromCli[0]!.ltv, currency: fromCli[0]!.currency });
    expect(await api('/api/customers/shop/999999999')).toMatchObject({ status: 404, body: { error: { code: 'unknown_customer' } } });
    expect(await api('/api/customers/nowhere/1')).toMatchObject({ status: 404, body: { error: { code: 'unknown_connection', param: 'connection' } } });
    expect(await api('/api/customers/shop/1?tz=Mars/Olympus')).toMatchObject({ status: 400, body: { error: { code: 'invalid_parameter', param: 'tz' } } });
    await srv.close();
    await store.close();
    srv = undefined;
    store = undefined;
  });

  it('an id two connections have is refused until --connection chooses, naming both; an unknown id is exit 1', async () => {
    const c = chosen(sb.merchant)[0]!;
    const writer = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    const other = await writer.saveConnection({ name: 'other', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'B', accountUsername: 'U', timezone: 'America/New_York', frequency: 'daily' });
    await writer.writePage({ connectionId: other.connectionId, table: 'customers', rows: [{ customer_id: c.customerId, first_name: 'Someone', last_name: 'Else' }] });
    await writer.close();
    const r = await runCli(['customer', String(c.customerId), '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`customer ${c.customerId} exists in 2 connections (other, shop): each account numbers its own customers; choose one with --connection`);
    const mine = await runCli(['customer', String(c.customerId), '--connection', 'shop', '--format', 'json', '--db', db]);
    expect(mine.code).toBe(0);
    expect(JSON.parse(mine.out).identity.email).toBe(c.email);
    const theirs = await runCli(['customer', String(c.customerId), '--connection', 'other', '--format', 'json', '--db', db]);
    expect(JSON.parse(theirs.out)).toMatchObject({ connection: 'other', identity: { firstName: 'Someone' }, events: [], cohort: null });
    expect((await runCli(['customer', '999999999', '--db', db])).code).toBe(1);
    expect((await runCli(['customer', 'abc', '--db', db])).code).toBe(2);
    expect((await runCli(['customer', '--db', db])).code).toBe(2);
  });

  it('PostgreSQL shows the same customer as DuckDB', async () => {
    const { store: pgStore, dispose } = await openTestStore('postgres', 'customer');
    try {
      await connectAndBackfill(pgStore, sb, { from: SANDBOX.start, today: '2025-07-15' });
      for (const cu of chosen(sb.merchant)) expectEqualsTruth(await lookupCustomer(pgStore, { customerId: String(cu.customerId), tz: VIEWER, flag: 'connection' }), sb.merchant, cu);
    } finally {
      await dispose();
    }
  }, 180_000);
});
