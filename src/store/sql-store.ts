/**
 * The Store logic both engines share, written against a small SQL driver. An engine supplies the
 * driver (how to run a statement, a transaction and a fast bulk upsert); everything else (connections,
 * pages, ledger replacement, customer facts, checkpoints) is the same SQL on both.
 */
import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';
import { addSlotDeltasSql, AgeDeltas, applyAgeDeltasSql, COHORT_SLOTS_WHOLE, recomputeAllCohortSlotsSql, recomputeCohortSlotsSql, slotOf, SlotDeltas, stageCustomerAgesSql, type EventFacts } from './aggregates.js';
import {
  AGG_AGE_DELTA,
  AGG_TOUCHED_SLOTS,
  AGGREGATE_SCRATCH_TABLES,
  AGGREGATE_TABLES,
  REBUILD_PENDING,
  rebuildAggregatesSql,
  CONNECTIONS,
  CUSTOMER_FACTS,
  ENTITY_TABLES,
  EVENT_SLOTS,
  FACTS_DIRTY,
  MIGRATIONS,
  MONEY_EVENTS,
  SYNC_CHECKPOINTS,
  SYNC_PAGES,
  SYNC_RUNS,
  tableSpec,
  type Dialect,
  type ReadableTable,
  type Row,
  type TableSpec,
  type Value,
} from './schema.js';
import { open, seal } from './secrets.js';
import type {
  Brand,
  Connection,
  ConnectionSummary,
  Frequency,
  NewConnection,
  PageMarker,
  PageWrite,
  Store,
  StoreOptions,
  SyncRunRecord,
  SyncRunResult,
  WriteOptions,
  CompletedRun,
} from './store.js';

/** What an engine provides: statements with $1.. parameters, transactions and bulk upserts. */
/** The error of a run found still 'running' when the next run of its connection started. */
const INTERRUPTED_ERROR = 'interrupted: the process running this sync stopped before it ended (killed or crashed); the next run resumed its work';

export interface SqlDriver {
  readonly dialect: Dialect;
  /** Runs one statement. */
  exec(sql: string, params?: Value[]): Promise<void>;
  /** Runs a query; rows come back with bigint as number and instants as epoch ms. */
  query(sql: string, params?: Value[]): Promise<Row[]>;
  /**
   * Upserts rows by the spec's key (rows have unique keys). `constants`: columns with one value for
   * every row (the connection id), given once and taking precedence over the rows' own.
   */
  upsert(spec: TableSpec, rows: Row[], constants?: Row): Promise<void>;
  /** Inserts rows known to be absent (their keys were just deleted): skips the conflict check. */
  insert(spec: TableSpec, rows: Row[], constants?: Row): Promise<void>;
  /**
   * Runs fn inside one transaction (callers are already serialised). `serial`: a batch of small
   * statements, which an engine may run on one thread (DuckDB does).
   */
  transaction<T>(fn: () => Promise<T>, opts?: { serial?: boolean }): Promise<T>;
  /**
   * Makes a set of integer ids available to the next statements as a subquery (`IN (<returned sql>)`).
   * Large IN lists of constants are slow on DuckDB; a staged table joins fast.
   */
  idSet(name: 'txn' | 'cust' | 'aux', ids: number[]): Promise<string>;
  /** The same for a set of text keys (order ids): a subquery of one text column. */
  textSet(name: 'order', values: string[]): Promise<string>;
  /**
   * Makes rows available to the next statements of the same transaction as a subquery with the spec's
   * columns and column types (`FROM (<returned sql>) AS d`).
   */
  rowSet(spec: TableSpec, rows: Row[]): Promise<string>;
  /** SQL expression reading an instant column as epoch milliseconds. */
  instantMs(column: string): string;
  close(): Promise<void>;
}

/** Serialises async work: DuckDB has one connection, and serial writes keep PostgreSQL free of deadlocks. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * What a write keeps current besides the ledger: everything at once ('now'); the aggregates, with the
 * facts' customers marked dirty ('deferFacts'); or nothing, the connection marked for a rebuild of
 * both ('rebuild'). See WriteOptions.
 */
type Upkeep = 'now' | 'deferFacts' | 'rebuild';

/**
 * Whether a refresh after this many records of a run is small enough for one DuckDB thread: its many
 * small statements are done sooner on one than on several (the end of the sync bench's 16,538-record
 * backfill: 60 to 65 ms against 72 to 86 ms; at 110,761 records the same either way), and a ledger
 * under one row group (122,880 rows) is scanned by one thread anyway. The run's records stand for the
 * work: counting the ledger first cost more than the gain. PostgreSQL ignores the hint.
 */
function small(records: number | undefined): boolean {
  return records !== undefined && records < 122_880;
}

/** Drops the page markers of connection $1's scope $2. */
const CLEAR_SCOPE = 'DELETE FROM sync_pages WHERE connection_id = $1 AND scope = $2';

/** A sync_checkpoints row, stamped now. */
function checkpointRow(connectionId: string, stream: string, updatedThrough: string): Row {
  return { connection_id: connectionId, stream, updated_through: updatedThrough, updated_at: Date.now() };
}

const SYNCED_TABLES = [
  ...Object.values(ENTITY_TABLES),
  MONEY_EVENTS,
  CUSTOMER_FACTS,
  FACTS_DIRTY,
  REBUILD_PENDING,
  SYNC_RUNS,
  SYNC_PAGES,
  SYNC_CHECKPOINTS,
  ...AGGREGATE_TABLES,
  ...AGGREGATE_SCRATCH_TABLES,
];

/**
 * A value as an SQL literal: for the statements DuckDB queues inside a write transaction, and for rows
 * PostgreSQL inlines (rowSet). Only the store's write path inlines values, and they are connection ids,
 * event ids and numbers; strings are quoted by doubling `'`, all that a standard string literal needs
 * (in PostgreSQL with standard_conforming_strings, on by default since 9.1).
 */
export function sqlLiteral(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    return String(v);
  }
  if (v.includes('\0')) throw new RangeError('a NUL character cannot go into an SQL literal');
  return `'${v.replaceAll("'", "''")}'`;
}

/** Customers whose cohort_ages cells these events move (every kind but declines). */
function factCustomers(removed: Row[], added: Row[]): Set<number> {
  const out = new Set<number>();
  for (const list of [removed, added]) for (const r of list) if (r.kind !== 'decline' && typeof r.customer_id === 'number') out.add(r.customer_id);
  return out;
}

/** What a deleted ledger event returns for the pre-aggregate deltas. */
const eventReturning = (ms: (c: string) => string) => `customer_id, kind, ${ms('instant')} AS instant, amount_cents, is_initial, order_id`;

const asEvent = (r: Row): EventFacts => ({ kind: String(r.kind), instant: Number(r.instant), amount_cents: Number(r.amount_cents ?? 0), is_initial: r.is_initial === true });

/**
 * Removes duplicate keys, keeping the last row (a page may repeat a record when the CRM shifts pages).
 * Key columns in `constants` are the same for every row and are left out of the comparison.
 */
export function dedupeByKey(spec: TableSpec, rows: Row[], constants?: Row): Row[] {
  if (rows.length < 2) return rows;
  const key = constants ? spec.key.filter((k) => !(k in constants)) : spec.key;
  const byKey = new Map<Value | undefined, Row>();
  if (key.length === 1) {
    // One key column (a CRM id): its value is the map key, with no string built per row.
    const k = key[0] as string;
    for (const r of rows) byKey.set(r[k], r);
  } else {
    for (const r of rows) byKey.set(key.map((k) => String(r[k])).join('\u0001'), r);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

/** Integer ids only, so they can be inlined into SQL safely. */
export function idList(ids: Iterable<number>): string {
  const out: string[] = [];
  for (const id of ids) {
    if (!Number.isSafeInteger(id)) throw new RangeError(`not an integer id: ${id}`);
    out.push(String(id));
  }
  return out.join(',');
}

/** Shared implementation of the Store over an engine's SqlDriver. */
export class SqlStore implements Store {
  private readonly lock = new Mutex();

  constructor(
    protected readonly db: SqlDriver,
    private readonly options: StoreOptions,
  ) {}

  get engine(): Dialect {
    return this.db.dialect;
  }

  async migrate(): Promise<number> {
    return this.lock.run(async () => {
      await this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)');
      const applied = new Set((await this.db.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await this.db.transaction(async () => {
          for (const s of m.statements(this.db.dialect)) await this.db.exec(s);
          await this.db.exec('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            new Date().toISOString(),
          ]);
        });
      }
      return Math.max(0, ...MIGRATIONS.map((m) => m.version));
    });
  }

  async schemaVersion(): Promise<number> {
    try {
      const rows = await this.db.query('SELECT MAX(version) AS v FROM schema_migrations');
      return Number(rows[0]?.v ?? 0);
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    await this.lock.run(() => this.db.close());
  }

  async saveConnection(c: NewConnection): Promise<Connection> {
    return this.lock.run(async () => {
      const existing = await this.db.query('SELECT 1 AS x FROM connections WHERE name = $1', [c.name]);
      if (existing.length > 0) throw new InvalidInputError(`a connection named "${c.name}" already exists`, 'Remove it first with `konduit connections remove NAME`, or pick another name.');
      const conn: Connection = { ...c, connectionId: randomUUID(), createdAt: Date.now() };
      await this.db.upsert(CONNECTIONS, [
        {
          connection_id: conn.connectionId,
          name: c.name,
          brand: c.brand,
          base_url: c.baseUrl,
          login_id: c.loginId,
          password_sealed: seal(c.password, this.options.secretKey),
          account_name: c.accountName,
          account_username: c.accountUsername,
          timezone: c.timezone,
          frequency: c.frequency,
          created_at: conn.createdAt,
        },
      ]);
      return conn;
    });
  }

  private connectionSelect(): string {
    return `SELECT connection_id, name, brand, base_url, login_id, password_sealed, account_name, account_username, timezone, frequency, ${this.db.instantMs('created_at')} AS created_at FROM connections`;
  }

  private static toSummary(r: Row): ConnectionSummary {
    return {
      connectionId: String(r.connection_id),
      name: String(r.name),
      brand: String(r.brand) as Brand,
      baseUrl: String(r.base_url),
      loginId: String(r.login_id),
      accountName: String(r.account_name ?? ''),
      accountUsername: String(r.account_username ?? ''),
      timezone: String(r.timezone),
      frequency: String(r.frequency) as Frequency,
      createdAt: Number(r.created_at),
    };
  }

  async getConnection(name: string): Promise<Connection | null> {
    const rows = await this.lock.run(() => this.db.query(`${this.connectionSelect()} WHERE name = $1`, [name]));
    const r = rows[0];
    if (!r) return null;
    return { ...SqlStore.toSummary(r), password: open(String(r.password_sealed), this.options.secretKey) };
  }

  async listConnections(): Promise<ConnectionSummary[]> {
    const rows = await this.lock.run(() => this.db.query(`${this.connectionSelect()} ORDER BY name`));
    return rows.map(SqlStore.toSummary);
  }

  async removeConnection(name: string): Promise<boolean> {
    return this.lock.run(async () => {
      const rows = await this.db.query('SELECT connection_id FROM connections WHERE name = $1', [name]);
      const id = rows[0]?.connection_id;
      if (id === undefined || id === null) return false;
      await this.db.transaction(async () => {
        for (const t of SYNCED_TABLES) await this.db.exec(`DELETE FROM ${t.name} WHERE connection_id = $1`, [id]);
        await this.db.exec('DELETE FROM connections WHERE connection_id = $1', [id]);
      });
      return true;
    });
  }

  async setFrequency(name: string, frequency: Frequency): Promise<boolean> {
    return this.lock.run(async () => {
      const rows = await this.db.query('SELECT connection_id FROM connections WHERE name = $1', [name]);
      if (rows.length === 0) return false;
      await this.db.exec('UPDATE connections SET frequency = $1 WHERE name = $2', [frequency, name]);
      return true;
    });
  }

  async writePage(w: PageWrite): Promise<void> {
    await this.writePages([w]);
  }

  async writePages(ws: PageWrite[], opts: WriteOptions = {}): Promise<void> {
    if (ws.length === 0) return;
    const upkeep: Upkeep = opts.deferRebuild === true ? 'rebuild' : opts.deferFacts === true ? 'deferFacts' : 'now';
    // Group by (connection, table): one bulk upsert per table, one ledger pass, one marker upsert.
    const groups = new Map<string, { connectionId: string; table: PageWrite['table']; rows: Row[]; ledger: Map<number, Row[]> | null }>();
    const markers: Row[] = [];
    for (const w of ws) {
      const k = `${w.connectionId}\u0001${w.table}`;
      let g = groups.get(k);
      if (!g) {
        g = { connectionId: w.connectionId, table: w.table, rows: [], ledger: null };
        groups.set(k, g);
      }
      // The connection id goes to the engine once per table (constants), not copied onto every row.
      for (const r of w.rows) g.rows.push(r);
      if (w.ledger) {
        // A later page's copy of a transaction wins: its events replace those of earlier copies.
        g.ledger ??= new Map();
        for (const id of w.ledger.transactionIds) g.ledger.set(id, []);
        for (const e of w.ledger.events) {
          const id = Number(e.transaction_id);
          const list = g.ledger.get(id);
          if (list) list.push(e);
          else g.ledger.set(id, [e]);
        }
      }
      if (w.marker) {
        const m = w.marker;
        markers.push({
          connection_id: w.connectionId,
          scope: m.scope,
          stream: m.stream,
          window_key: m.windowKey,
          page: m.page,
          total_results: m.totalResults,
          records: m.records,
          max_updated: m.maxUpdated,
        });
      }
    }
    const behind = new Set<string>();
    await this.lock.run(() =>
      this.db.transaction(async () => {
        for (const g of groups.values()) {
          const cid = { connection_id: g.connectionId };
          const rows = dedupeByKey(ENTITY_TABLES[g.table], g.rows, cid);
          if (rows.length > 0) await this.db.upsert(ENTITY_TABLES[g.table], rows, cid);
          if (g.ledger) {
            const events = [...g.ledger.values()].flat();
            const kept = g.table === 'transactions' ? await this.dropAuthorizationVoids(g.connectionId, rows, events, upkeep) : events;
            await this.replaceLedger(g.connectionId, [...g.ledger.keys()], kept, upkeep);
            if (upkeep === 'rebuild') behind.add(g.connectionId);
          }
        }
        // The mark commits with the ledger it left behind: a crash leaves it for the next refresh.
        for (const id of behind) await this.db.exec('INSERT INTO rebuild_pending (connection_id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
        if (markers.length > 0) await this.db.upsert(SYNC_PAGES, dedupeByKey(SYNC_PAGES, markers));
      }, { serial: upkeep !== 'now' }),
    );
  }

  /**
   * A VOID of an AUTHORIZE cancels money that was never a sale, so it must not subtract revenue; only the
   * void of a SALE or CAPTURE does. The parent may arrive in another page (before or after the void),
   * so both directions are checked: voids on this page whose parent is a stored AUTHORIZE lose their
   * event here, and stored voids of AUTHORIZEs on this page lose theirs (facts recomputed).
   */
  private async dropAuthorizationVoids(connectionId: string, rows: Row[], events: Row[], upkeep: Upkeep): Promise<Row[]> {
    const voids = rows.filter((r) => r.txn_type === 'VOID' && typeof r.parent_txn_id === 'number');
    const auths = rows.filter((r) => r.txn_type === 'AUTHORIZE').map((r) => Number(r.transaction_id));
    const authIds = new Set(auths);
    const parents = voids.map((v) => Number(v.parent_txn_id)).filter((id) => !authIds.has(id));
    // Both directions in one query (one trip): parents of this page's voids that are stored AUTHORIZEs,
    // and stored void events whose parent is an AUTHORIZE of this page.
    const lookups: string[] = [];
    if (parents.length > 0) {
      lookups.push(
        `SELECT 'auth' AS k, transaction_id, CAST(NULL AS BIGINT) AS customer_id FROM transactions
         WHERE connection_id = $1 AND txn_type = 'AUTHORIZE' AND transaction_id IN (${await this.db.idSet('aux', [...new Set(parents)])})`,
      );
    }
    if (auths.length > 0) {
      lookups.push(
        `SELECT 'stale' AS k, e.transaction_id, e.customer_id FROM money_events e WHERE e.connection_id = $1 AND e.kind = 'void' AND e.transaction_id IN (
           SELECT transaction_id FROM transactions WHERE connection_id = $1 AND txn_type = 'VOID' AND parent_txn_id IN (${await this.db.idSet('aux', [...new Set(auths)])}))`,
      );
    }
    const found = lookups.length > 0 ? await this.db.query(lookups.join('\nUNION ALL\n'), [connectionId]) : [];
    for (const r of found) if (r.k === 'auth') authIds.add(Number(r.transaction_id));
    const stale = found.filter((r) => r.k === 'stale');
    let out = events;
    const authVoids = new Set(voids.filter((v) => authIds.has(Number(v.parent_txn_id))).map((v) => Number(v.transaction_id)));
    if (authVoids.size > 0) out = out.filter((e) => !(e.kind === 'void' && authVoids.has(Number(e.transaction_id))));
    if (stale.length > 0) {
      const del = `DELETE FROM money_events WHERE connection_id = $1 AND kind = 'void' AND transaction_id IN (${idList(stale.map((r) => Number(r.transaction_id)))})`;
      if (upkeep === 'rebuild') {
        await this.db.exec(del, [connectionId]);
        return out;
      }
      const removed = await this.db.query(`${del} RETURNING ${eventReturning((c) => this.db.instantMs(c))}`, [connectionId]);
      await this.eventsChanged(connectionId, removed, [], new SlotDeltas());
      const customers = new Set(stale.filter((r) => r.customer_id !== null).map((r) => Number(r.customer_id)));
      if (customers.size > 0) await this.touchFacts(connectionId, customers, upkeep === 'deferFacts');
    }
    return out;
  }

  /**
   * Replaces the events of these transactions, keeps the pre-aggregates and recomputes the facts of every
   * customer they touch (or marks them dirty); with 'rebuild', the ledger alone (refreshDirtyFacts
   * rebuilds the rest).
   */
  private async replaceLedger(connectionId: string, transactionIds: number[], events: Row[], upkeep: Upkeep): Promise<void> {
    if (transactionIds.length === 0 && events.length === 0) return;
    const cid = { connection_id: connectionId };
    const evRows = dedupeByKey(MONEY_EVENTS, events, cid);
    // Every event of these transactions is deleted first and event ids embed the transaction id, so a
    // plain insert cannot conflict, unless an event names a transaction outside the list: those few are
    // deleted by id first (so the aggregates see them leave).
    const covered = new Set(transactionIds);
    const extra = evRows.filter((e) => !covered.has(Number(e.transaction_id)));
    const byTxn = async () => `DELETE FROM money_events WHERE connection_id = $1 AND transaction_id IN (${await this.db.idSet('txn', [...covered])})`;
    const byEvent = `DELETE FROM money_events WHERE connection_id = $1 AND event_id IN (${extra.map((_, i) => `$${i + 2}`).join(', ')})`;
    const eventIds = [connectionId, ...extra.map((e) => String(e.event_id))];
    if (upkeep === 'rebuild') {
      // Nothing reads what leaves: the deletes need no RETURNING, and (DuckDB) travel with the next query.
      if (covered.size > 0) await this.db.exec(await byTxn(), [connectionId]);
      if (extra.length > 0) await this.db.exec(byEvent, eventIds);
      if (evRows.length > 0) await this.db.insert(MONEY_EVENTS, evRows, cid);
      return;
    }
    const customers = new Set<number>();
    const removed: Row[] = [];
    // Customers of events about to disappear (a cleared chargeback) need their facts recomputed too, and
    // the aggregates lose what the events held: RETURNING gets both from the delete itself, one scan.
    const returning = ` RETURNING ${eventReturning((c) => this.db.instantMs(c))}`;
    if (covered.size > 0) removed.push(...(await this.db.query((await byTxn()) + returning, [connectionId])));
    if (extra.length > 0) removed.push(...(await this.db.query(byEvent + returning, eventIds)));
    for (const r of removed) if (r.customer_id !== null && r.customer_id !== undefined) customers.add(Number(r.customer_id));
    // Orders: read between the delete and the insert, so old and new first sales both follow from it.
    const { slots, first } = await this.ledgerLookups(connectionId, removed, evRows);
    if (evRows.length > 0) await this.db.insert(MONEY_EVENTS, evRows, cid);
    for (const e of evRows) if (typeof e.customer_id === 'number') customers.add(e.customer_id);
    await this.eventsChanged(connectionId, removed, evRows, slots, first);
    if (customers.size > 0) await this.touchFacts(connectionId, customers, upkeep === 'deferFacts');
  }

  /**
   * What the aggregates need to know before the additions are stored, in one query (one trip): the
   * orders whose sales change (removed from or added to the ledger) move from the slot of their old
   * first sale to that of their new one; and the first sale of every customer with facts among these
   * events (eventsChanged). Called after the removals, before the additions are stored.
   */
  private async ledgerLookups(connectionId: string, removed: Row[], added: Row[]): Promise<{ slots: SlotDeltas; first: Map<number, number> }> {
    const d = new SlotDeltas();
    const minOf = (rows: Row[]) => {
      const m = new Map<string, number>();
      for (const r of rows) {
        if (r.kind !== 'sale' || r.order_id === null || r.order_id === undefined) continue;
        const k = String(r.order_id);
        m.set(k, Math.min(m.get(k) ?? Infinity, Number(r.instant)));
      }
      return m;
    };
    const gone = minOf(removed);
    const come = minOf(added);
    const orders = new Set([...gone.keys(), ...come.keys()]);
    // An order whose removed and added sales have the same earliest instant (a transaction re-synced
    // unchanged: the common case of an incremental look-back) keeps its first sale whatever the rest
    // of its sales: min(rest, g) = min(rest, c). Only the others need the rest of their sales.
    const lookup: string[] = [];
    for (const o of orders) {
      const g = gone.get(o);
      if (g === undefined || g !== come.get(o)) lookup.push(o);
    }
    const customers = factCustomers(removed, added);
    const parts: string[] = [];
    if (lookup.length > 0) {
      parts.push(`SELECT 'o' AS k, e.order_id AS id, ${this.db.instantMs('MIN(e.instant)')} AS m FROM money_events e
        WHERE e.connection_id = $1 AND e.kind = 'sale' AND e.order_id IN (${await this.db.textSet('order', lookup)}) GROUP BY e.order_id`);
    }
    if (customers.size > 0) parts.push(await this.firstSalesSql(customers));
    const rest = new Map<string, number>();
    const first = new Map<number, number>();
    for (const r of parts.length > 0 ? await this.db.query(parts.join('\nUNION ALL\n'), [connectionId]) : []) {
      if (r.k === 'o') rest.set(String(r.id), Number(r.m));
      else first.set(Number(r.id), Number(r.m));
    }
    if (lookup.length === 0) return { slots: d, first };
    for (const o of orders) {
      const before = Math.min(rest.get(o) ?? Infinity, gone.get(o) ?? Infinity);
      const after = Math.min(rest.get(o) ?? Infinity, come.get(o) ?? Infinity);
      if (before === after) continue;
      if (before !== Infinity) d.count('orders', before, -1);
      if (after !== Infinity) d.count('orders', after, 1);
    }
    return { slots: d, first };
  }

  /** The query part reading these customers' first sales: rows of k 'c', id (as text) and m (epoch ms). */
  private async firstSalesSql(customers: Set<number>): Promise<string> {
    return `SELECT 'c' AS k, CAST(customer_id AS TEXT) AS id, ${this.db.instantMs('first_sale_at')} AS m FROM customer_facts
      WHERE connection_id = $1 AND customer_id IN (${await this.db.idSet('cust', [...customers])})`;
  }

  /** The first sale of each of these customers that has facts, by customer id. */
  private async firstSales(connectionId: string, customers: Set<number>): Promise<Map<number, number>> {
    const first = new Map<number, number>();
    if (customers.size === 0) return first;
    for (const r of await this.db.query(await this.firstSalesSql(customers), [connectionId])) first.set(Number(r.id), Number(r.m));
    return first;
  }

  /**
   * Applies removed and added ledger events to event_slots (with the order deltas in `slots`), and to
   * cohort_ages under the facts as they stand: each event of a customer with facts moves its (first-sale
   * slot, age) cell. Recomputed facts then move whole customers (refreshFacts), deferred or not.
   */
  private async eventsChanged(connectionId: string, removed: Row[], added: Row[], slots: SlotDeltas, known?: Map<number, number>): Promise<void> {
    for (const r of removed) slots.event(asEvent(r), -1);
    for (const r of added) slots.event(asEvent(r), 1);
    const rows = slots.rows(connectionId);
    if (rows.length > 0) {
      await this.applySlotDeltas(connectionId, rows);
    }
    // The first sale of each customer with facts, unless the caller read it already (ledgerLookups).
    const first = known ?? (await this.firstSales(connectionId, factCustomers(removed, added)));
    if (first.size === 0) return;
    const ages = new AgeDeltas();
    for (const [list, sign] of [[removed, -1], [added, 1]] as const) {
      for (const r of list) {
        const f = typeof r.customer_id === 'number' ? first.get(r.customer_id) : undefined;
        if (f !== undefined) ages.event(f, asEvent(r), sign);
      }
    }
    const ageRows = ages.rows(connectionId);
    if (ageRows.length > 0) {
      await this.db.insert(AGG_AGE_DELTA, ageRows);
      for (const sql of applyAgeDeltasSql()) await this.db.exec(sql, [connectionId]);
    }
  }

  /** Adds event_slots deltas, staged by the engine (rowSet) rather than inlined as literals. */
  private async applySlotDeltas(connectionId: string, rows: Row[]): Promise<void> {
    const deltas = await this.db.rowSet(EVENT_SLOTS, rows);
    for (const sql of addSlotDeltasSql(deltas)) await this.db.exec(sql, [connectionId]);
  }

  /** Recomputes these customers' facts now, or marks them dirty for refreshDirtyFacts. */
  private async touchFacts(connectionId: string, customers: Set<number>, defer: boolean): Promise<void> {
    if (!defer) return this.refreshFacts(connectionId, customers);
    const ids = await this.db.idSet('cust', [...customers]);
    await this.db.exec(
      `INSERT INTO facts_dirty (connection_id, customer_id) SELECT $1, x.id FROM (${ids}) AS x(id) ON CONFLICT DO NOTHING`,
      [connectionId],
    );
  }

  async refreshDirtyFacts(connectionId: string, opts: { records?: number } = {}): Promise<number> {
    return this.lock.run(() => this.db.transaction(() => this.refreshDirty(connectionId), { serial: small(opts.records) }));
  }

  async completeRun(c: CompletedRun): Promise<number> {
    return this.lock.run(() =>
      this.db.transaction(async () => {
        const n = await this.refreshDirty(c.connectionId);
        const cps = Object.entries(c.checkpoints);
        if (cps.length > 0) await this.db.upsert(SYNC_CHECKPOINTS, cps.map(([stream, through]) => checkpointRow(c.connectionId, stream, through)));
        await this.db.exec(CLEAR_SCOPE, [c.connectionId, c.scope]);
        await this.finishRunRow(c.runId, c.result);
        return n;
      }, { serial: small(c.result.records) }),
    );
  }

  /**
   * Inside a transaction: the facts of the connection's dirty customers and the aggregates they feed, or,
   * after deferRebuild writes, all of its facts and aggregates; returns how many customers' facts were
   * recomputed.
   */
  private async refreshDirty(connectionId: string): Promise<number> {
    const [marks] = await this.db.query(
      `SELECT (SELECT COUNT(*) FROM facts_dirty WHERE connection_id = $1) AS dirty,
         (SELECT COUNT(*) FROM rebuild_pending WHERE connection_id = $1) AS behind`,
      [connectionId],
    );
    const dirty = Number(marks?.dirty ?? 0);
    if (Number(marks?.behind ?? 0) > 0) {
      // A backfill's writes left everything derived from the ledger behind: every fact of the connection,
      // then every aggregate, each in one grouped pass (what a backfill's facts_dirty would have listed
      // is most of the connection, and the aggregates are rebuilt whole anyway).
      await this.db.exec('DELETE FROM customer_facts WHERE connection_id = $1', [connectionId]);
      await this.insertFacts(connectionId, 'TRUE');
      for (const s of rebuildAggregatesSql(this.db.dialect, true)) await this.db.exec(s.sql, [connectionId]);
      await this.db.exec('DELETE FROM rebuild_pending WHERE connection_id = $1', [connectionId]);
      if (dirty > 0) await this.db.exec('DELETE FROM facts_dirty WHERE connection_id = $1', [connectionId]);
      const [facts] = await this.db.query('SELECT COUNT(*) AS n FROM customer_facts WHERE connection_id = $1', [connectionId]);
      return Number(facts?.n ?? 0);
    }
    if (dirty === 0) return 0;
    // One pass over the ledger for all of them: far cheaper than a pass per page batch.
    const ids = await this.db.query('SELECT customer_id FROM facts_dirty WHERE connection_id = $1', [connectionId]);
    await this.refreshFacts(connectionId, new Set(ids.map((r) => Number(r.customer_id))));
    await this.db.exec('DELETE FROM facts_dirty WHERE connection_id = $1', [connectionId]);
    return dirty;
  }

  /** Inserts the facts of connection $1's customers matching `which` (a condition on money_events) from the ledger. */
  private async insertFacts(connectionId: string, which: string): Promise<void> {
    const big = (e: string) => `CAST(${e} AS BIGINT)`;
    await this.db.exec(
      `INSERT INTO customer_facts (connection_id, customer_id, first_sale_at, first_order_id, first_campaign_id, first_product_id,
         first_aff_id, first_source_value1, first_merchant_id, sale_count, gross_cents, refund_cents, chargeback_cents, net_cents, last_event_at)
       SELECT a.connection_id, a.customer_id, f.instant, f.order_id, f.campaign_id, f.product_id, f.aff_id, f.source_value1, f.merchant_id,
         CAST(a.sale_count AS INTEGER), ${big('a.gross')}, ${big('a.refunds')}, ${big('a.chargebacks')}, ${big('a.gross - a.refunds - a.chargebacks')}, a.last_at
       FROM (
         SELECT connection_id, customer_id,
           SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS sale_count,
           SUM(CASE WHEN kind = 'sale' THEN amount_cents ELSE 0 END) AS gross,
           SUM(CASE WHEN kind IN ('refund', 'void') THEN -amount_cents ELSE 0 END) AS refunds,
           SUM(CASE WHEN kind = 'chargeback' THEN -amount_cents ELSE 0 END) AS chargebacks,
           MAX(instant) AS last_at
         FROM money_events
         WHERE connection_id = $1 AND ${which} AND kind <> 'decline'
         GROUP BY connection_id, customer_id
       ) a
       JOIN (
         SELECT customer_id, instant, order_id, campaign_id, product_id, aff_id, source_value1, merchant_id,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY instant, event_id) AS rn
         FROM money_events
         WHERE connection_id = $1 AND ${which} AND kind = 'sale'
       ) f ON f.customer_id = a.customer_id AND f.rn = 1`,
      [connectionId],
    );
  }

  private async refreshFacts(connectionId: string, customers: Set<number>): Promise<void> {
    const ids = await this.db.idSet('cust', [...customers].sort((a, b) => a - b));
    // Their cohort_ages contribution under the old facts leaves; under the new ones it comes back (below).
    await this.db.exec(stageCustomerAgesSql(this.db.dialect, ids, -1), [connectionId]);
    const oldFirst = (
      await this.db.query(`DELETE FROM customer_facts WHERE connection_id = $1 AND customer_id IN (${ids}) RETURNING ${this.db.instantMs('first_sale_at')} AS f`, [connectionId])
    ).map((r) => Number(r.f));
    await this.insertFacts(connectionId, `customer_id IN (${ids})`);
    const newFirst = (
      await this.db.query(`SELECT ${this.db.instantMs('first_sale_at')} AS f FROM customer_facts WHERE connection_id = $1 AND customer_id IN (${ids})`, [connectionId])
    ).map((r) => Number(r.f));
    await this.db.exec(stageCustomerAgesSql(this.db.dialect, ids, 1), [connectionId]);
    for (const sql of applyAgeDeltasSql()) await this.db.exec(sql, [connectionId]);
    await this.factsChanged(connectionId, oldFirst, newFirst);
  }

  /**
   * Facts recomputed: new_customers moves from the old first-sale slots to the new ones, and cohort_slots
   * of all those slots are recomputed from the facts (cohort_ages moved in refreshFacts).
   */
  private async factsChanged(connectionId: string, oldFirst: number[], newFirst: number[]): Promise<void> {
    const d = new SlotDeltas();
    for (const f of oldFirst) d.count('new_customers', f, -1);
    for (const f of newFirst) d.count('new_customers', f, 1);
    const rows = d.rows(connectionId);
    if (rows.length > 0) {
      await this.applySlotDeltas(connectionId, rows);
    }
    const slots = new Set([...oldFirst, ...newFirst].map(slotOf));
    if (slots.size === 0) return;
    if (slots.size > COHORT_SLOTS_WHOLE) {
      for (const sql of recomputeAllCohortSlotsSql(this.db.dialect)) await this.db.exec(sql, [connectionId]);
      return;
    }
    await this.db.insert(AGG_TOUCHED_SLOTS, [...slots].map((slot) => ({ connection_id: connectionId, slot })));
    for (const sql of recomputeCohortSlotsSql(this.db.dialect)) await this.db.exec(sql, [connectionId]);
  }

  async rebuildAggregates(connectionId?: string): Promise<void> {
    await this.lock.run(() =>
      this.db.transaction(async () => {
        // A pending rebuild stays pending: it is of the facts too, which this does not touch.
        for (const s of rebuildAggregatesSql(this.db.dialect, connectionId !== undefined)) await this.db.exec(s.sql, s.connectionParam ? [connectionId ?? ''] : []);
      }),
    );
  }

  async pageMarkers(connectionId: string, scope: string): Promise<PageMarker[]> {
    const rows = await this.lock.run(() =>
      this.db.query('SELECT * FROM sync_pages WHERE connection_id = $1 AND scope = $2 ORDER BY stream, window_key, page', [connectionId, scope]),
    );
    return rows.map((r) => ({
      stream: String(r.stream),
      scope: String(r.scope),
      windowKey: String(r.window_key),
      page: Number(r.page),
      totalResults: Number(r.total_results),
      records: Number(r.records),
      maxUpdated: r.max_updated === null || r.max_updated === undefined ? null : String(r.max_updated),
    }));
  }

  async clearScope(connectionId: string, scope: string): Promise<void> {
    await this.lock.run(() => this.db.exec(CLEAR_SCOPE, [connectionId, scope]));
  }

  async getCheckpoint(connectionId: string, stream: string): Promise<string | null> {
    const rows = await this.lock.run(() =>
      this.db.query('SELECT updated_through FROM sync_checkpoints WHERE connection_id = $1 AND stream = $2', [connectionId, stream]),
    );
    const v = rows[0]?.updated_through;
    return v === undefined || v === null ? null : String(v);
  }

  async setCheckpoint(connectionId: string, stream: string, updatedThrough: string): Promise<void> {
    await this.lock.run(() =>
      this.db.upsert(SYNC_CHECKPOINTS, [checkpointRow(connectionId, stream, updatedThrough)]),
    );
  }

  async startRun(run: SyncRunRecord): Promise<void> {
    await this.lock.run(async () => {
      // The caller holds the connection's sync lock, so no earlier run of it is live: one still marked
      // running was stopped without a chance to say so (kill -9, a crash, a power cut).
      await this.db.exec(`UPDATE sync_runs SET status = 'interrupted', error = $1 WHERE connection_id = $2 AND status = 'running' AND run_id <> $3`, [
        INTERRUPTED_ERROR,
        run.connectionId,
        run.runId,
      ]);
      await this.db.upsert(SYNC_RUNS, [
        {
          run_id: run.runId,
          connection_id: run.connectionId,
          mode: run.mode,
          scope: run.scope,
          status: 'running',
          started_at: run.startedAt,
          finished_at: null,
          records: 0,
          pages: 0,
          retries: 0,
          error: null,
        },
      ]);
    });
  }

  async finishRun(runId: string, result: SyncRunResult): Promise<void> {
    await this.lock.run(() => this.finishRunRow(runId, result));
  }

  private async finishRunRow(runId: string, result: SyncRunResult): Promise<void> {
    const rows = await this.db.query(
      `SELECT run_id, connection_id, mode, scope, ${this.db.instantMs('started_at')} AS started_at FROM sync_runs WHERE run_id = $1`,
      [runId],
    );
    const r = rows[0];
    if (!r) return;
    await this.db.upsert(SYNC_RUNS, [
      {
        ...r,
        status: result.status,
        finished_at: result.finishedAt,
        records: result.records,
        pages: result.pages,
        retries: result.retries,
        error: result.error ?? null,
      },
    ]);
  }

  async countRows(table: ReadableTable, connectionId: string): Promise<number> {
    const spec = tableSpec(table);
    const rows = await this.lock.run(() => this.db.query(`SELECT COUNT(*) AS n FROM ${spec.name} WHERE connection_id = $1`, [connectionId]));
    return Number(rows[0]?.n ?? 0);
  }

  async readRows(table: ReadableTable, connectionId: string): Promise<Row[]> {
    const spec = tableSpec(table);
    const cols = spec.columns.map((c) =>
      c.type === 'instant' ? `${this.db.instantMs(c.name)} AS ${c.name}` : c.type === 'json' ? `CAST(${c.name} AS TEXT) AS ${c.name}` : c.name,
    );
    return this.lock.run(() =>
      this.db.query(`SELECT ${cols.join(', ')} FROM ${spec.name} WHERE connection_id = $1 ORDER BY ${spec.key.join(', ')}`, [connectionId]),
    );
  }

  async query(sql: string, params: Value[] = []): Promise<Row[]> {
    return this.lock.run(() => this.db.query(sql, params));
  }

  instantMsSql(expr: string): string {
    return this.db.instantMs(expr);
  }
}
