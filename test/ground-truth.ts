/**
 * The store compared with a sandbox merchant, the ground truth: the same ids per table (no duplicate,
 * no gap), the same key fields, the same ledger event by event and per account-local day, the same
 * customer facts. Used by the sync integration tests and, at 1,000,000 transactions, by
 * `npm run bench -- sync-scale`; so the store is read in key-ordered pages, never whole, and the
 * sandbox side is held in Maps keyed by id (about 1.1 million entries at that size).
 */
import { crmWallToInstant, dateOnlyToInstant, instantToCrmWall, localDate } from '../src/core/time.js';
import type { Merchant } from '../src/sandbox/index.js';
import { EVENT_MEASURES, measureSql, MEASURES, moneySql, TOTAL_COLUMNS } from '../src/ledger/index.js';
import type { ReadableTable, Row, Value } from '../src/store/tables.js';
import type { Store } from '../src/store/store.js';

/** One expected ledger event: its instant (null when the CRM's date cannot be read) and signed amount in cents. */
export interface LedgerEntry {
  instant: number | null;
  amount: number;
}

/** Rows in the store and in the sandbox for one table. */
export interface TableCount {
  store: number;
  sandbox: number;
}

/** What a comparison looked at, for the bench to print. */
export interface GroundTruthCounts {
  customers: TableCount;
  orders: TableCount;
  transactions: TableCount;
  purchases: TableCount;
  campaigns: TableCount;
  products: TableCount;
  moneyEvents: TableCount;
  customerFacts: TableCount;
  /** Account-local days whose ledger sums were compared (the union of both sides' days). */
  days: number;
}

/** The differences found (empty when the store equals the merchant) and the counts compared. */
export interface GroundTruthReport {
  differences: string[];
  counts: GroundTruthCounts;
}

export interface CompareOptions {
  /** Differences listed per kind before the rest are only counted (default 20). */
  cap?: number;
  /** Rows read per query (default 50,000). */
  pageSize?: number;
  /** The sandbox instants at which the store was synced (default: the merchant's now, one sync). */
  seenAt?: readonly number[];
}

/**
 * An instant as the CRM's API conveys it: a wall-clock string in the account's zone, read back by the
 * rule of docs/time.md. It is the instant itself except in a fall-back hour, where the wall time names two
 * instants and the earlier is taken (docs/time.md): an event the merchant made at 01:30 EST on the
 * night clocks go back reaches any client as 01:30, and Konduit stores 01:30 EDT, an hour earlier.
 * The 1,000,000-transaction run (docs/sync.md) found 16 transactions stamped in such hours.
 */
export function asConveyed(instant: number, zone: string): number {
  return crmWallToInstant(instantToCrmWall(instant, zone), zone) ?? instant;
}

/**
 * The ledger the merchant implies, keyed by event id, by the rules of docs/metrics.md (and a void of an
 * authorization books nothing), for a store synced at the sandbox instants `seenAt`: a chargeback won by
 * the merchant is in the ledger, with its reversal on the day it was cleared, only if a sync saw it open.
 */
export function expectedLedger(m: Merchant, seenAt: readonly number[] = [m.now]): Map<string, LedgerEntry> {
  const z = m.config.timezone;
  const out = new Map<string, LedgerEntry>();
  for (const src of m.txns) {
    const x = { ...src, t: asConveyed(src.t, z) };
    const ok = x.response === 'SUCCESS';
    if (ok && (x.type === 'SALE' || x.type === 'CAPTURE')) out.set(`sale:${x.transactionId}`, { instant: x.t, amount: x.amount });
    else if (ok && x.type === 'REFUND') out.set(`refund:${x.transactionId}`, { instant: x.t, amount: -x.amount });
    else if (ok && x.type === 'VOID' && x.parent?.type !== 'AUTHORIZE') out.set(`void:${x.transactionId}`, { instant: x.t, amount: -x.amount });
    else if (!ok && (x.type === 'SALE' || x.type === 'AUTHORIZE')) out.set(`decline:${x.transactionId}`, { instant: x.t, amount: x.amount });
    let generation = 0;
    const id = (kind: string) => (generation > 1 ? `${kind}:${x.transactionId}:${generation}` : `${kind}:${x.transactionId}`);
    for (const won of x.reversedChargebacks ?? []) {
      if (!seenAt.some((s) => won.at <= s && s < won.revertedAt)) continue;
      generation++;
      out.set(id('chargeback'), { instant: dateOnlyToInstant(won.date, z), amount: -won.amount });
      out.set(id('chargeback_reversal'), { instant: asConveyed(won.revertedAt, z), amount: won.amount });
    }
    if (x.isChargedback) {
      generation++;
      out.set(id('chargeback'), { instant: dateOnlyToInstant(x.chargebackDate ?? '', z), amount: -(x.chargebackAmount ?? x.amount) });
    }
  }
  return out;
}

/** Compares the store's rows of one connection with the merchant; returns the differences, empty when equal. */
export async function compareToGroundTruth(store: Store, connectionId: string, merchant: Merchant, opts: CompareOptions = {}): Promise<string[]> {
  return (await groundTruthReport(store, connectionId, merchant, opts)).differences;
}

/** As compareToGroundTruth, with the row counts of every table compared. */
export async function groundTruthReport(store: Store, connectionId: string, m: Merchant, opts: CompareOptions = {}): Promise<GroundTruthReport> {
  const diff = new Differences(opts.cap ?? 20);
  const reader = new PagedReader(store, connectionId, opts.pageSize ?? 50_000);

  // In the order of the sync's streams, so a report reads like the sync that produced the store.
  const campaigns = await compareTable(reader, diff, { table: 'campaigns', key: 'campaign_id', numeric: true, want: byId(m.campaigns, (c) => c.campaignId), sandboxRows: m.campaigns.length });
  const products = await compareTable(reader, diff, { table: 'products', key: 'product_id', numeric: true, want: byId(m.products, (p) => p.productId), sandboxRows: m.products.length });
  const customers = await compareTable(reader, diff, { table: 'customers', key: 'customer_id', numeric: true, want: byId(m.customers, (c) => c.customerId), sandboxRows: m.customers.length });
  const orders = await compareTable(reader, diff, { table: 'orders', key: 'order_id', numeric: false, want: byId(m.orders, (o) => o.orderId), sandboxRows: m.orders.length });
  const ms = (col: string) => `${store.sql.epochMs(col)} AS ${col}`;
  const zone = m.config.timezone;
  const transactions = await compareTable(reader, diff, {
    table: 'transactions', key: 'transaction_id', numeric: true, columns: ['total_cents', 'is_chargedback', ms('date_created'), ms('date_updated')],
    want: byId(m.txns, (x) => x.transactionId), sandboxRows: m.txns.length,
    check: (row, x) => {
      const fields: [string, Value, Value][] = [
        ['total_cents', row.total_cents ?? null, x.amount],
        ['date_created', row.date_created ?? null, asConveyed(x.t, zone)],
        ['date_updated', row.date_updated ?? null, asConveyed(x.u, zone)],
        ['is_chargedback', row.is_chargedback ?? null, x.isChargedback === 1],
      ];
      const wrong = fields.filter(([, got, want]) => got !== want).map(([name, got, want]) => `${name} ${show(got)} in the store, ${show(want)} in the sandbox`);
      if (wrong.length > 0) diff.add('transaction fields', `transaction ${x.transactionId}: ${wrong.join('; ')}`);
    },
  });
  const purchases = await compareTable(reader, diff, {
    table: 'purchases', key: 'purchase_id', numeric: false, columns: ['status'],
    want: byId(m.purchases, (p) => p.purchaseId), sandboxRows: m.purchases.length,
    check: (row, p) => {
      if (row.status !== p.status) diff.add('purchase status', `purchase ${p.purchaseId}: status ${show(row.status)} in the store, ${p.status} in the sandbox`);
    },
  });

  const ledger = await compareLedger(reader, diff, m, opts.seenAt);
  const customerFacts = await compareFacts(reader, diff, m);
  const dirty = await store.countRows('facts_dirty', connectionId);
  if (dirty > 0) diff.add('customer facts', `${dirty} customers' facts are marked dirty (never refreshed)`);
  await compareAggregates(store, connectionId, diff);

  return {
    differences: diff.list(),
    counts: { customers, orders, transactions, purchases, campaigns, products, moneyEvents: ledger.events, customerFacts, days: ledger.days },
  };
}

/** Differences grouped by kind; each kind lists its first `cap` and counts the rest. */
class Differences {
  private readonly kinds = new Map<string, { shown: string[]; total: number }>();

  constructor(private readonly cap: number) {}

  add(kind: string, text: string): void {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, (k = { shown: [], total: 0 }));
    k.total++;
    if (k.shown.length < this.cap) k.shown.push(`${kind}: ${text}`);
  }

  list(): string[] {
    const out: string[] = [];
    for (const [kind, k] of this.kinds) {
      out.push(...k.shown);
      if (k.total > k.shown.length) out.push(`${kind}: ${k.total - k.shown.length} more not listed (${k.total} in all)`);
    }
    return out;
  }
}

/** Reads a connection's rows in key order, a page at a time (keyset paging: no OFFSET rescans). */
class PagedReader {
  constructor(
    readonly store: Store,
    readonly connectionId: string,
    private readonly pageSize: number,
  ) {}

  async *pages(table: ReadableTable, key: string, columns: string[]): AsyncGenerator<Row[]> {
    const select = [key, ...columns].join(', ');
    let last: Value = null;
    for (;;) {
      const after = last === null ? '' : ` AND ${key} > $2`;
      const params: Value[] = last === null ? [this.connectionId] : [this.connectionId, last];
      const rows = await this.store.query(`SELECT ${select} FROM ${table} WHERE connection_id = $1${after} ORDER BY ${key} LIMIT ${this.pageSize}`, params);
      if (rows.length > 0) yield rows;
      if (rows.length < this.pageSize) return;
      last = rows[rows.length - 1]?.[key] ?? null;
    }
  }

  /** Rows in the table, and (when a key occurs more than once) the first such keys with their counts. */
  async census(table: ReadableTable, key: string, limit = 20): Promise<Census> {
    const [total] = await this.store.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT ${key}) AS d FROM ${table} WHERE connection_id = $1`, [this.connectionId]);
    const rows = Number(total?.n ?? 0);
    const distinct = Number(total?.d ?? 0);
    if (rows === distinct) return { rows, repeated: [], repeatedKeys: 0 };
    const repeated = await this.store.query(
      `SELECT ${key} AS k, COUNT(*) AS n FROM ${table} WHERE connection_id = $1 GROUP BY ${key} HAVING COUNT(*) > 1 ORDER BY ${key} LIMIT ${limit}`,
      [this.connectionId],
    );
    const [keys] = await this.store.query(`SELECT COUNT(*) AS n FROM (SELECT ${key} FROM ${table} WHERE connection_id = $1 GROUP BY ${key} HAVING COUNT(*) > 1) AS r`, [this.connectionId]);
    return { rows, repeated: repeated.map((r) => ({ key: r.k ?? null, n: Number(r.n) })), repeatedKeys: Number(keys?.n ?? 0) };
  }
}

/** A table's row count and its repeated keys: what a primary key should make impossible, checked anyway. */
interface Census {
  rows: number;
  repeated: { key: Value; n: number }[];
  /** How many keys occur more than once (repeated lists the first of them). */
  repeatedKeys: number;
}

function reportRepeats(diff: Differences, kind: string, census: Census, text: (key: string, n: number) => string): void {
  for (const r of census.repeated) diff.add(kind, text(show(r.key), r.n));
  const unlisted = census.repeatedKeys - census.repeated.length;
  if (unlisted > 0) diff.add(kind, `${unlisted} more keys occur more than once`);
}

interface TableCheck<K, T> {
  table: ReadableTable;
  key: string;
  numeric: boolean;
  columns?: string[];
  /** The sandbox's rows by id; consumed by the comparison. */
  want: Map<K, T>;
  /** Rows the sandbox holds (more than want.size if it repeats an id). */
  sandboxRows: number;
  check?: (row: Row, want: T) => void;
}

/** Same ids on both sides, each once; `check` compares the fields of every pair. */
async function compareTable<K extends string | number, T>(reader: PagedReader, diff: Differences, c: TableCheck<K, T>): Promise<TableCount> {
  const census = await reader.census(c.table, c.key);
  reportRepeats(diff, `${c.table} duplicates`, census, (key, n) => `${c.key} ${key} is stored ${n} times`);
  if (c.want.size !== c.sandboxRows) diff.add(`${c.table} in the sandbox`, `${c.sandboxRows} rows but ${c.want.size} distinct ids: the ground truth itself repeats ids`);

  await matchRows(reader, c.table, c.key, c.columns ?? [], (row) => (c.numeric ? Number(row[c.key]) : String(row[c.key])) as K, c.want, {
    matched: (row, w) => c.check?.(row, w),
    extra: (_, id) => diff.add(`${c.table} extra`, `${c.key} ${id} is in the store but not in the sandbox`),
  });
  for (const id of c.want.keys()) diff.add(`${c.table} missing`, `${c.key} ${id} is in the sandbox but not in the store (a gap)`);
  return { store: census.rows, sandbox: c.sandboxRows };
}

/**
 * Walks a table in key order against `want`, each stored id once (a repeat sits next to itself; census
 * reported it already): `matched` for an id the sandbox has, which leaves `want`; `extra` for one it
 * lacks. What stays in `want` is what the store lacks.
 */
async function matchRows<K, T>(
  reader: PagedReader,
  table: ReadableTable,
  key: string,
  columns: string[],
  idOf: (row: Row) => K,
  want: Map<K, T>,
  on: { matched: (row: Row, w: T, id: K) => void; extra: (row: Row, id: K) => void },
): Promise<void> {
  let previous: K | null = null;
  for await (const rows of reader.pages(table, key, columns)) {
    for (const row of rows) {
      const id = idOf(row);
      if (id === previous) continue;
      previous = id;
      const w = want.get(id);
      if (w === undefined) {
        on.extra(row, id);
        continue;
      }
      want.delete(id);
      on.matched(row, w, id);
    }
  }
}

/** The ledger event by event (id, instant, amount), then its sums per account-local day without declines. */
async function compareLedger(reader: PagedReader, diff: Differences, m: Merchant, seenAt?: readonly number[]): Promise<{ events: TableCount; days: number }> {
  const dayOf = localDayCache(m.config.timezone);
  const want = expectedLedger(m, seenAt);
  const wantDays = new Map<string, number>();
  for (const [id, e] of want) if (!id.startsWith('decline:')) addTo(wantDays, dayOf(e.instant), e.amount);
  const sandboxEvents = want.size;

  const census = await reader.census('money_events', 'event_id');
  reportRepeats(diff, 'ledger duplicates', census, (key, n) => `event ${key} is stored ${n} times`);

  const gotDays = new Map<string, number>();
  const columns = [`${reader.store.sql.epochMs('instant')} AS instant`, 'amount_cents'];
  /** A stored event's instant and amount, counted into its day's sum (declines are never summed). */
  const read = (row: Row, id: string) => {
    const instant = row.instant === null || row.instant === undefined ? null : Number(row.instant);
    const amount = Number(row.amount_cents);
    if (!id.startsWith('decline:')) addTo(gotDays, dayOf(instant), amount);
    return { instant, amount };
  };
  await matchRows(reader, 'money_events', 'event_id', columns, (row) => String(row.event_id), want, {
    matched: (row, w, id) => {
      const { instant, amount } = read(row, id);
      const wrong: string[] = [];
      if (instant !== w.instant) wrong.push(`instant ${when(instant)} in the store, ${when(w.instant)} in the sandbox`);
      if (amount !== w.amount) wrong.push(`amount ${amount} cents in the store, ${w.amount} in the sandbox`);
      if (wrong.length > 0) diff.add('ledger event', `event ${id}: ${wrong.join('; ')}`);
    },
    extra: (row, id) => {
      const { instant, amount } = read(row, id);
      diff.add('ledger extra', `event ${id} (${amount} cents at ${when(instant)}) is in the store but not implied by the sandbox`);
    },
  });
  for (const [id, w] of want) diff.add('ledger missing', `event ${id} (${w.amount} cents at ${when(w.instant)}) is implied by the sandbox but not in the store`);

  const days = [...new Set([...wantDays.keys(), ...gotDays.keys()])].sort();
  for (const day of days) {
    const got = gotDays.get(day) ?? 0;
    const expected = wantDays.get(day) ?? 0;
    if (got !== expected || gotDays.has(day) !== wantDays.has(day)) diff.add('ledger day sum', `${day}: ${got} cents in the store, ${expected} in the sandbox`);
  }
  return { events: { store: census.rows, sandbox: sandboxEvents }, days: days.length };
}

/** One fact per customer with a sale, its first sale at the earliest sale event; none for anybody else. */
async function compareFacts(reader: PagedReader, diff: Differences, m: Merchant): Promise<TableCount> {
  const firstSale = new Map<number, number>();
  for (const x of m.txns) {
    if (x.response === 'SUCCESS' && (x.type === 'SALE' || x.type === 'CAPTURE')) {
      const c = x.order.customer.customerId;
      const seen = firstSale.get(c);
      const t = asConveyed(x.t, m.config.timezone);
      if (seen === undefined || t < seen) firstSale.set(c, t);
    }
  }
  const sandboxFacts = firstSale.size;
  const census = await reader.census('customer_facts', 'customer_id');
  reportRepeats(diff, 'customer facts duplicates', census, (key, n) => `customer ${key} has ${n} facts`);

  const at = (row: Row) => (row.first_sale_at === null || row.first_sale_at === undefined ? null : Number(row.first_sale_at));
  await matchRows(reader, 'customer_facts', 'customer_id', [`${reader.store.sql.epochMs('first_sale_at')} AS first_sale_at`], (row) => Number(row.customer_id), firstSale, {
    matched: (row, want, id) => {
      if (at(row) !== want) diff.add('customer facts first sale', `customer ${id}: first sale ${when(at(row))} in the store, ${when(want)} in the sandbox`);
    },
    extra: (row, id) => diff.add('customer facts extra', `customer ${id} has facts (first sale ${when(at(row))}) but no sale in the sandbox`),
  });
  for (const [id, at] of firstSale) diff.add('customer facts missing', `customer ${id} (first sale ${when(at)}) has no facts in the store`);
  return { store: census.rows, sandbox: sandboxFacts };
}

/**
 * The report pre-aggregates against the ledger and the facts of the store (themselves compared with the
 * sandbox above): not marked behind, and their totals equal to the ledger's and the facts'.
 */
async function compareAggregates(store: Store, connectionId: string, diff: Differences): Promise<void> {
  if ((await store.countRows('rebuild_pending', connectionId)) > 0) diff.add('aggregates', 'the pre-aggregates are marked behind the ledger (never rebuilt)');
  const one = async (sql: string) => (await store.query(sql, [connectionId]))[0] ?? {};
  // Every event measure of the ledger's table, summed over event_slots and recomputed from the ledger.
  const slots = await one(`SELECT ${EVENT_MEASURES.map(([n]) => `SUM(${TOTAL_COLUMNS[n]}) AS "${n}"`).join(', ')}, SUM(${TOTAL_COLUMNS.newCustomers}) AS nc FROM event_slots WHERE connection_id = $1`);
  const ledger = await one(`SELECT ${EVENT_MEASURES.map(([n]) => `${measureSql(n)} AS "${n}"`).join(', ')} FROM money_events WHERE connection_id = $1`);
  const facts = await one('SELECT COUNT(*) AS n FROM customer_facts WHERE connection_id = $1');
  const cohorts = await one('SELECT SUM(customers) AS n FROM cohort_slots WHERE connection_id = $1');
  const ages = await one(`SELECT SUM(${MEASURES.net.column}) AS n FROM cohort_ages WHERE connection_id = $1`);
  const net = await one(
    `SELECT SUM(e.amount_cents) AS n FROM money_events e JOIN customer_facts f ON f.connection_id = e.connection_id AND f.customer_id = e.customer_id
     WHERE e.connection_id = $1 AND ${moneySql('e')}`,
  );
  const num = (v: Value | undefined) => Number(v ?? 0);
  const pairs: [string, Value | undefined, Value | undefined][] = [
    ...EVENT_MEASURES.map(([n]): [string, Value | undefined, Value | undefined] => [`event_slots ${n}`, slots[n], ledger[n]]),
    ['event_slots new customers', slots.nc, facts.n],
    ['cohort_slots customers', cohorts.n, facts.n],
    ['cohort_ages net', ages.n, net.n],
  ];
  for (const [name, got, want] of pairs) if (num(got) !== num(want)) diff.add('aggregates', `${name}: ${num(got)} in the aggregates, ${num(want)} in the ledger and facts`);
}

/**
 * localDate, memoised per quarter hour: every zone in use today is offset from UTC by a multiple of 15
 * minutes, so a day boundary never falls inside a quarter hour, and a million events share ~70,000 keys.
 */
function localDayCache(zone: string): (instant: number | null) => string {
  const QUARTER_HOUR = 900_000;
  const cache = new Map<number, string>();
  return (instant) => {
    if (instant === null || !Number.isFinite(instant)) return 'no date';
    const q = Math.floor(instant / QUARTER_HOUR);
    let day = cache.get(q);
    if (day === undefined) cache.set(q, (day = localDate(q * QUARTER_HOUR, zone)));
    return day;
  };
}

/** Rows by id, built in one pass (no intermediate array of a million pairs). */
function byId<T, K>(rows: readonly T[], id: (r: T) => K): Map<K, T> {
  const out = new Map<K, T>();
  for (const r of rows) out.set(id(r), r);
  return out;
}

function addTo(sums: Map<string, number>, day: string, amount: number): void {
  sums.set(day, (sums.get(day) ?? 0) + amount);
}

function when(instant: number | null): string {
  return instant === null || !Number.isFinite(instant) ? 'no instant' : new Date(instant).toISOString();
}

function show(v: Value | undefined): string {
  return v === undefined ? 'absent' : JSON.stringify(v);
}
