/**
 * The store's write path (LedgerWriter): a group of fetched pages upserted, their transactions' ledger
 * events replaced, the customer facts and report pre-aggregates kept (now, deferred per customer, or
 * rebuilt at the end of a backfill), and their page markers written, in ONE transaction.
 */
import { bookedEvents, voidLookups, withDisputeHistory, VOID_TYPE, AUTHORIZE_TYPE, type DisputeEvent, type MoneyEvent } from '../ledger/index.js';
import { AgeDeltas, applyAgeDeltasSql, applySlotDeltas, rebuildAggregatesSql, SlotDeltas, type EventFacts, type FirstSale } from './aggregates.js';
import { applyMonthEvents } from './cohort-months.js';
import { applyAttemptDays, ATTEMPT_RETURNING, attemptFactsOf, type AttemptFacts } from './attempt-days.js';
import { applyMidMonths } from './mid-months.js';
import { keepRebillSaves } from './rebill-saves.js';
import { keepChargebackSales } from './chargeback-sales.js';
import { keepRefundSales, type StoredTxnFacts } from './refund-sales.js';
import { applyGroupAgeDeltas, GroupAgeDeltas, groupValuesOfSale } from './cohort-groups.js';
import { applyCustomerAgeDeltas, CustomerAgeDeltas } from './customer-ages.js';
import { applyBreakdownDays, BREAKDOWN_COLUMNS, BREAKDOWN_RETURNING, changedOrders, orderSaleOf, orderSalesSql, type ChangedOrders, type OrderSale } from './breakdown-days.js';
import { withFreshStatistics } from './dialect.js';
import { dedupeByKey, idList, type StoreContext } from './driver.js';
import { Facts, small } from './facts.js';
import { keepOrderFirstSales } from './order-first-sales.js';
import { purchasesOf } from './purchases-dirty.js';
import { restampPurchases } from './retention-days.js';
import { writingPurchases } from './rebill-rates.js';
import { AGG_AGE_DELTA, ENTITY_TABLES, MIDS, MONEY_EVENTS, ORDER_ITEMS, PURCHASE_TRANSACTIONS, QUARANTINE, SYNC_PAGES, TRANSACTIONS, type PageRow, type Row } from './tables.js';
import type { LedgerWriter, PageWrite, WriteOptions } from './store.js';

/**
 * What a write keeps current besides the ledger: everything at once ('now'); the aggregates, with the
 * facts' customers marked dirty ('deferFacts'); or nothing, the connection marked for a rebuild of
 * both ('rebuild'). See WriteOptions.
 */
type Upkeep = 'now' | 'deferFacts' | 'rebuild';

type Owned = { kind: string; customer_id: number | null };

/** Customers whose cohort_ages cells these events move (every kind but declines). */
function factCustomers(removed: Owned[], added: Owned[]): Set<number> {
  const out = new Set<number>();
  for (const list of [removed, added]) for (const r of list) if (r.kind !== 'decline' && r.customer_id !== null) out.add(r.customer_id);
  return out;
}

/** A ledger event as a delete returns it (instant in epoch ms). */
type RemovedEvent = EventFacts & AttemptFacts & { customer_id: number | null; order_id: string | null; purchase_id: string | null; transaction_id: number | null } & Partial<Record<string, unknown>>;

const asRemoved = (r: Row): RemovedEvent => ({
  kind: String(r.kind) as MoneyEvent['kind'],
  instant: Number(r.instant),
  amount_cents: Number(r.amount_cents ?? 0),
  is_initial: r.is_initial === true,
  currency: String(r.currency),
  customer_id: r.customer_id === null || r.customer_id === undefined ? null : Number(r.customer_id),
  order_id: r.order_id === null || r.order_id === undefined ? null : String(r.order_id),
  purchase_id: r.purchase_id === null || r.purchase_id === undefined ? null : String(r.purchase_id),
  transaction_id: r.transaction_id === null || r.transaction_id === undefined ? null : Number(r.transaction_id),
  ...attemptFactsOf(r),
  // breakdown_days' dimensions (the MID and cycle are read above): the columns its RETURNING adds.
  ...Object.fromEntries(BREAKDOWN_COLUMNS.map((c) => [c, r[c] ?? null])),
});

export class SqlLedgerWriter implements LedgerWriter {
  private readonly facts: Facts;
  /** Whether a connection has records in quarantine (read once, then kept as writes change it). */
  private readonly holdsQuarantine = new Map<string, boolean>();

  constructor(private readonly ctx: StoreContext) {
    this.facts = new Facts(ctx);
  }

  private get db() {
    return this.ctx.db;
  }

  /** What a deleted ledger event returns for the pre-aggregate deltas. */
  private get returning(): string {
    return ` RETURNING customer_id, kind, ${this.db.sql.epochMs('instant')} AS instant, amount_cents, is_initial, order_id, purchase_id, transaction_id, currency, ${ATTEMPT_RETURNING}, ${BREAKDOWN_RETURNING}`;
  }

  async writePage(w: PageWrite): Promise<void> {
    await this.writePages([w]);
  }

  async writePages(ws: PageWrite[], opts: WriteOptions = {}): Promise<void> {
    if (ws.length === 0) return;
    const upkeep: Upkeep = opts.deferRebuild === true ? 'rebuild' : opts.deferFacts === true ? 'deferFacts' : 'now';
    // Group by (connection, table): one bulk upsert per table, one ledger pass, one marker upsert.
    const groups = new Map<string, { connectionId: string; table: PageWrite['table']; rows: Row[]; ledger: Map<number, MoneyEvent[]> | null; quarantined: Row[] }>();
    const markers: Row[] = [];
    const related = new Map<string, { mids: Row[]; links: Row[]; items: Row[] }>();
    const touched = new Map<string, Set<number>>();
    for (const w of ws) {
      const k = `${w.connectionId}\u0001${w.table}`;
      let g = groups.get(k);
      if (!g) {
        g = { connectionId: w.connectionId, table: w.table, rows: [], ledger: null, quarantined: [] };
        groups.set(k, g);
      }
      // The connection id goes to the engine once per table (constants), not copied onto every row.
      for (const r of w.rows) g.rows.push(r);
      if (w.related) {
        let rel = related.get(w.connectionId);
        if (!rel) related.set(w.connectionId, (rel = { mids: [], links: [], items: [] }));
        for (const r of w.related.mids ?? []) rel.mids.push(r);
        for (const r of w.related.purchase_transactions ?? []) rel.links.push(r);
        for (const r of w.related.order_items ?? []) rel.items.push(r);
      }
      for (const q of w.quarantined ?? []) g.quarantined.push({ stream: w.table, record_key: q.recordKey, reason: q.reason, raw: q.raw });
      if (w.touchCustomers?.length) {
        const set = touched.get(w.connectionId) ?? new Set<number>();
        for (const id of w.touchCustomers) set.add(id);
        touched.set(w.connectionId, set);
      }
      if (w.ledger) {
        // A later page's copy of a transaction wins: its events replace those of earlier copies.
        g.ledger ??= new Map();
        for (const id of w.ledger.transactionIds) g.ledger.set(id, []);
        for (const e of w.ledger.events) {
          const list = g.ledger.get(e.transaction_id);
          if (list) list.push(e);
          else g.ledger.set(e.transaction_id, [e]);
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
    await this.ctx.lock.run(() =>
      this.db.transaction(async () => {
        for (const g of groups.values()) {
          const cid = { connection_id: g.connectionId };
          const rows = dedupeByKey(ENTITY_TABLES[g.table], g.rows, cid);
          const upsert = async () => (rows.length > 0 ? this.db.upsert(ENTITY_TABLES[g.table], rows, cid) : undefined);
          // Purchase records move rebills ahead's kept rows with them (rebill-rates.ts).
          if (g.table === 'purchases') await writingPurchases(this.ctx, g.connectionId, rows.map((r) => String(r.purchase_id)), upsert);
          else await upsert();
          // A purchase's status and next bill date are terms of retention's counts (retention-days.ts): its stamps follow its record.
          if (g.table === 'purchases') await restampPurchases(this.ctx, g.connectionId, purchasesOf(rows as { purchase_id?: string | null }[]), upkeep !== 'now');
          await this.quarantine(g.connectionId, g.table, rows, g.quarantined);
          if (g.ledger) {
            const events = [...g.ledger.values()].flat();
            const kept = g.table === 'transactions' ? await this.applyTransactionRules(g.connectionId, rows as PageRow<typeof TRANSACTIONS>[], events, upkeep) : events;
            await this.replaceLedger(g.connectionId, [...g.ledger.keys()], kept, upkeep, g.table === 'transactions' ? (rows as PageRow<typeof TRANSACTIONS>[]) : []);
            if (upkeep === 'rebuild') behind.add(g.connectionId);
          }
        }
        for (const [connectionId, rel] of related) {
          const cid = { connection_id: connectionId };
          if (rel.mids.length > 0) await this.db.upsert(MIDS, dedupeByKey(MIDS, rel.mids, cid), cid);
          if (rel.links.length > 0) await this.db.upsert(PURCHASE_TRANSACTIONS, dedupeByKey(PURCHASE_TRANSACTIONS, rel.links, cid), cid);
          if (rel.items.length > 0) await this.db.upsert(ORDER_ITEMS, dedupeByKey(ORDER_ITEMS, rel.items, cid), cid);
        }
        for (const [connectionId, customers] of touched) await this.facts.touch(connectionId, customers, new Set(), upkeep !== 'now');
        // The mark commits with the ledger it left behind: a crash leaves it for the next refresh.
        for (const id of behind) await this.db.exec('INSERT INTO rebuild_pending (connection_id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
        if (markers.length > 0) await this.db.upsert(SYNC_PAGES, dedupeByKey(SYNC_PAGES, markers));
      }, { serial: upkeep !== 'now' }),
    );
  }

  /**
   * Sets a page's unreadable records aside (a record seen again keeps its first sighting and counts an
   * attempt), and takes out of quarantine the records of this stream the page stored: read well now.
   * Connections with nothing in quarantine skip the second statement (known after one look per store).
   */
  private async quarantine(connectionId: string, stream: string, stored: Row[], bad: Row[]): Promise<void> {
    let holds = this.holdsQuarantine.get(connectionId);
    if (holds === undefined) {
      holds = (await this.db.query('SELECT 1 AS x FROM quarantine WHERE connection_id = $1 LIMIT 1', [connectionId])).length > 0;
      this.holdsQuarantine.set(connectionId, holds);
    }
    if (holds && stored.length > 0) {
      const key = ENTITY_TABLES[stream as PageWrite['table']].key[1] as string;
      const keys = await this.db.textSet('key', stored.map((r) => String(r[key])));
      await this.db.exec(`DELETE FROM quarantine WHERE connection_id = $1 AND stream = $2 AND record_key IN (${keys})`, [connectionId, stream]);
    }
    if (bad.length === 0) return;
    const now = Date.now();
    const rows = dedupeByKey(QUARANTINE, bad.map((q) => ({ ...q, connection_id: connectionId, first_seen: now, last_seen: now, attempts: 1 })));
    const set = await this.db.rowSet(QUARANTINE, rows);
    await this.db.exec(
      `INSERT INTO quarantine (${QUARANTINE.columns.map((c) => c.name).join(', ')}) SELECT ${QUARANTINE.columns.map((c) => c.name).join(', ')} FROM (${set}) AS d
       ON CONFLICT (connection_id, stream, record_key) DO UPDATE SET reason = EXCLUDED.reason, raw = EXCLUDED.raw, last_seen = EXCLUDED.last_seen, attempts = quarantine.attempts + 1`,
    );
    this.holdsQuarantine.set(connectionId, true);
  }

  /**
   * Applies the ledger's rules that need what the store holds (ledger/voids.ts, ledger/reversals.ts):
   * this page's voids whose parent is a stored AUTHORIZE lose their event, and stored voids of
   * AUTHORIZEs on this page lose theirs (facts and aggregates follow); and each transaction keeps the
   * chargebacks and reversals already booked for it, a cleared chargeback booking a reversal. The
   * lookups go in one query (one trip).
   */
  private async applyTransactionRules(connectionId: string, rows: PageRow<typeof TRANSACTIONS>[], events: MoneyEvent[], upkeep: Upkeep): Promise<MoneyEvent[]> {
    const page = rows.map((r) => ({ transaction_id: r.transaction_id, txn_type: r.txn_type ?? null, parent_txn_id: r.parent_txn_id ?? null }));
    const { parentsToCheck, authorizations } = voidLookups(page);
    const lookups: string[] = [];
    const ms = this.db.sql.epochMs('e.instant');
    const none = 'CAST(NULL AS TEXT) AS event_id, CAST(NULL AS TEXT) AS kind, CAST(NULL AS BIGINT) AS at, CAST(NULL AS BIGINT) AS amount_cents, CAST(NULL AS TEXT) AS reason';
    if (parentsToCheck.length > 0) {
      lookups.push(
        `SELECT 'auth' AS k, transaction_id, CAST(NULL AS BIGINT) AS customer_id, ${none} FROM transactions
         WHERE connection_id = $1 AND txn_type = '${AUTHORIZE_TYPE}' AND transaction_id IN (${await this.db.idSet('aux', parentsToCheck)})`,
      );
    }
    if (authorizations.length > 0) {
      lookups.push(
        `SELECT 'stale' AS k, e.transaction_id, e.customer_id, ${none} FROM money_events e WHERE e.connection_id = $1 AND e.kind = 'void' AND e.transaction_id IN (
           SELECT transaction_id FROM transactions WHERE connection_id = $1 AND txn_type = '${VOID_TYPE}' AND parent_txn_id IN (${await this.db.idSet('aux', authorizations)}))`,
      );
    }
    // Always asked, even of a ledger without chargebacks: another process may have booked some since.
    lookups.push(
      `SELECT 'dispute' AS k, e.transaction_id, e.customer_id, e.event_id, e.kind, ${ms} AS at, e.amount_cents, e.reason FROM money_events e
       WHERE e.connection_id = $1 AND e.kind IN ('chargeback', 'chargeback_reversal') AND e.transaction_id IN (${await this.db.idSet('txn', rows.map((r) => r.transaction_id))})`,
    );
    const found = lookups.length > 0 ? await this.db.query(lookups.join('\nUNION ALL\n'), [connectionId]) : [];
    let kept = bookedEvents(page, events, found.filter((r) => r.k === 'auth').map((r) => Number(r.transaction_id)));
    const disputes = new Map<number, DisputeEvent[]>();
    for (const r of found) {
      if (r.k !== 'dispute') continue;
      const list = disputes.get(Number(r.transaction_id)) ?? [];
      list.push({ event_id: String(r.event_id), kind: r.kind as DisputeEvent['kind'], instant: Number(r.at), amount_cents: Number(r.amount_cents), reason: r.reason === null ? null : String(r.reason) });
      disputes.set(Number(r.transaction_id), list);
    }
    if (disputes.size > 0) {
      const seenAt = new Map(rows.map((r) => [r.transaction_id, r.date_updated ?? null]));
      const byTxn = new Map<number, MoneyEvent[]>();
      for (const e of kept) byTxn.set(e.transaction_id, [...(byTxn.get(e.transaction_id) ?? []), e]);
      for (const [txn, stored] of disputes) byTxn.set(txn, withDisputeHistory(byTxn.get(txn) ?? [], stored, seenAt.get(txn) ?? null));
      kept = [...byTxn.values()].flat();
    }
    const stale = found.filter((r) => r.k === 'stale');
    if (stale.length > 0) {
      const del = `DELETE FROM money_events WHERE connection_id = $1 AND kind = 'void' AND transaction_id IN (${idList(stale.map((r) => Number(r.transaction_id)))})`;
      if (upkeep === 'rebuild') {
        await this.db.exec(del, [connectionId]);
        return kept;
      }
      const removed = (await this.db.query(del + this.returning, [connectionId])).map(asRemoved);
      await this.eventsChanged(connectionId, removed, [], new SlotDeltas());
      await applyBreakdownDays(this.ctx, connectionId, removed, []);
      const customers = new Set(stale.filter((r) => r.customer_id !== null).map((r) => Number(r.customer_id)));
      await this.facts.touch(connectionId, customers, purchasesOf(removed), upkeep === 'deferFacts');
    }
    return kept;
  }

  /**
   * Replaces the events of these transactions, keeps the pre-aggregates and recomputes the facts of every
   * customer they touch and the subscription tables of every purchase they name (or marks them dirty);
   * with 'rebuild', the ledger alone (the refresh rebuilds the rest).
   */
  private async replaceLedger(connectionId: string, transactionIds: number[], events: MoneyEvent[], upkeep: Upkeep, stored: PageRow<typeof TRANSACTIONS>[] = []): Promise<void> {
    if (transactionIds.length === 0 && events.length === 0) return;
    const cid = { connection_id: connectionId };
    const evRows = dedupeByKey(MONEY_EVENTS, events, cid);
    // Every event of these transactions is deleted first and event ids embed the transaction id, so a
    // plain insert cannot conflict, unless an event names a transaction outside the list: those few are
    // deleted by id first (so the aggregates see them leave).
    const covered = new Set(transactionIds);
    const extra = evRows.filter((e) => !covered.has(e.transaction_id));
    const byTxn = async () => `DELETE FROM money_events WHERE connection_id = $1 AND transaction_id IN (${await this.db.idSet('txn', [...covered])})`;
    const byEvent = `DELETE FROM money_events WHERE connection_id = $1 AND event_id IN (${extra.map((_, i) => `$${i + 2}`).join(', ')})`;
    const eventIds = [connectionId, ...extra.map((e) => e.event_id)];
    if (upkeep === 'rebuild') {
      // Nothing reads what leaves: the deletes need no RETURNING, and (DuckDB) travel with the next query.
      if (covered.size > 0) await this.db.exec(await byTxn(), [connectionId]);
      if (extra.length > 0) await this.db.exec(byEvent, eventIds);
      if (evRows.length > 0) await this.db.insert(MONEY_EVENTS, evRows, cid);
      return;
    }
    const customers = new Set<number>();
    const removed: RemovedEvent[] = [];
    // Customers of events about to disappear (a cleared chargeback) need their facts recomputed too, and
    // the aggregates lose what the events held: RETURNING gets both from the delete itself, one scan.
    if (covered.size > 0) removed.push(...(await this.db.query((await byTxn()) + this.returning, [connectionId])).map(asRemoved));
    if (extra.length > 0) removed.push(...(await this.db.query(byEvent + this.returning, eventIds)).map(asRemoved));
    for (const r of removed) if (r.customer_id !== null) customers.add(r.customer_id);
    // Orders: read between the delete and the insert, so old and new first sales both follow from it.
    const changed = changedOrders(removed, evRows);
    const { slots, first, moved, sales } = await this.ledgerLookups(connectionId, removed, evRows, changed);
    await applyBreakdownDays(this.ctx, connectionId, removed, evRows, sales, changed);
    if (evRows.length > 0) await this.db.insert(MONEY_EVENTS, evRows, cid);
    for (const e of evRows) if (e.customer_id !== null) customers.add(e.customer_id);
    const facts = new Map<number, StoredTxnFacts>(stored.map((r) => [Number(r.transaction_id), { parent_txn_id: r.parent_txn_id ?? null, date_created: r.date_created ?? null, is_chargedback: r.is_chargedback ?? null }]));
    await this.eventsChanged(connectionId, removed, evRows, slots, first, transactionIds, facts);
    await keepOrderFirstSales(this.ctx, connectionId, moved);
    // The subscription tables follow the purchases these events name, removed or stored (purchases-dirty.ts).
    await this.facts.touch(connectionId, customers, purchasesOf(removed, evRows), upkeep === 'deferFacts');
  }

  /**
   * What the aggregates need to know before the additions are stored, in one query (one trip): the
   * orders whose sales change (removed from or added to the ledger) move from the slot of their old
   * first sale to that of their new one; breakdown_days needs the stored sales of the orders whose sales
   * change (`changed`, read here with the others, once, and passed to applyBreakdownDays as `sales`); and
   * the first sale of every customer with facts among these events (eventsChanged). Called after the
   * removals, before the additions are stored.
   */
  private async ledgerLookups(
    connectionId: string,
    removed: RemovedEvent[],
    added: MoneyEvent[],
    changed: ChangedOrders,
  ): Promise<{ slots: SlotDeltas; first: Map<number, FirstSale>; moved: Map<string, number | null>; sales: Map<string, OrderSale[]> }> {
    const d = new SlotDeltas();
    // Orders whose first sale moves: the new one (epoch ms), or null with no sale left (order-first-sales.ts).
    const moved = new Map<string, number | null>();
    // An order's sales are in one currency, the order's: an order is counted in its first sale's currency.
    const currencyOf = new Map<string, string>();
    const minOf = (rows: { kind: string; order_id: string | null; instant: number; currency: string }[]) => {
      const m = new Map<string, number>();
      for (const r of rows) {
        if (r.kind !== 'sale' || r.order_id === null) continue;
        m.set(r.order_id, Math.min(m.get(r.order_id) ?? Infinity, r.instant));
        currencyOf.set(r.order_id, r.currency);
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
    // The orders read back: those, and those whose sales change otherwise (breakdown_days' values), each
    // with its stored sales (none for an order new to the ledger).
    const sales = new Map<string, OrderSale[]>();
    for (const o of [...lookup, ...changed.map(([id]) => id)]) sales.set(o, []);
    const customers = factCustomers(removed, added);
    const parts: string[] = [];
    if (sales.size > 0) parts.push(orderSalesSql(this.db.sql, await this.db.textSet('order', [...sales.keys()])));
    // A customer's row has the orders' columns: their first-touch values as v0.. (Facts.firstSalesSql).
    if (customers.size > 0) parts.push(await this.facts.firstSalesSql(customers));
    // Per order read with sales left: its earliest stored sale, and (for an order only read) its currency.
    const rest = new Map<string, number>();
    const restCurrency = new Map<string, string>();
    const first = new Map<number, FirstSale>();
    for (const r of parts.length > 0 ? await this.db.query(parts.join('\nUNION ALL\n'), [connectionId]) : []) {
      if (r.k === 'o') {
        const id = String(r.id);
        const sale = orderSaleOf(r);
        sales.get(id)?.push(sale);
        rest.set(id, Math.min(rest.get(id) ?? Infinity, sale.instant));
        const c = restCurrency.get(id);
        if (c === undefined || sale.currency < c) restCurrency.set(id, sale.currency);
      } else first.set(Number(r.id), { ms: Number(r.m), currency: String(r.c), acquiredBefore: r.b === true, values: groupValuesOfSale(r) });
    }
    for (const [id, c] of restCurrency) if (!currencyOf.has(id)) currencyOf.set(id, c);
    if (lookup.length === 0) return { slots: d, first, moved, sales };
    for (const o of orders) {
      const before = Math.min(rest.get(o) ?? Infinity, gone.get(o) ?? Infinity);
      const after = Math.min(rest.get(o) ?? Infinity, come.get(o) ?? Infinity);
      if (before === after) continue;
      moved.set(o, after === Infinity ? null : after);
      const currency = currencyOf.get(o) ?? '';
      if (before !== Infinity) d.count('orders', { ms: before, currency }, -1);
      if (after !== Infinity) d.count('orders', { ms: after, currency }, 1);
    }
    return { slots: d, first, moved, sales };
  }

  /**
   * Applies removed and added ledger events to event_slots (with the order deltas in `slots`), and to
   * cohort_ages under the facts as they stand: each event of a customer with facts moves its (first-sale
   * slot, age) cell. Recomputed facts then move whole customers (facts.ts), deferred or not.
   */
  private async eventsChanged(
    connectionId: string,
    removed: RemovedEvent[],
    added: MoneyEvent[],
    slots: SlotDeltas,
    known?: Map<number, FirstSale>,
    transactionIds: readonly number[] = [],
    stored: ReadonlyMap<number, StoredTxnFacts> = new Map(),
  ): Promise<void> {
    for (const r of removed) slots.event(r, -1);
    for (const r of added) slots.event(r, 1);
    await applySlotDeltas(this.ctx, connectionId, slots.rows(connectionId));
    await applyAttemptDays(this.ctx, connectionId, removed, added);
    await applyMidMonths(this.ctx, connectionId, removed, added);
    await keepRebillSaves(this.ctx, connectionId, removed, added);
    await keepChargebackSales(this.ctx, connectionId, removed, added);
    // The transactions stored (their date_created and parent are what refund_sales books by), not only those whose events changed.
    await keepRefundSales(this.ctx, connectionId, transactionIds, stored, removed, added);
    // The first sale of each customer with facts, unless the caller read it already (ledgerLookups).
    const first = known ?? (await this.facts.firstSales(connectionId, factCustomers(removed, added)));
    if (first.size === 0) return;
    const ages = new AgeDeltas();
    const groupAges = new GroupAgeDeltas();
    const customerAges = new CustomerAgeDeltas();
    for (const [list, sign] of [[removed, -1], [added, 1]] as const) {
      for (const r of list) {
        const f = r.customer_id !== null ? first.get(r.customer_id) : undefined;
        if (f === undefined || r.customer_id === null) continue;
        ages.event(f, r, sign);
        groupAges.event(f, f.values ?? {}, r, sign);
        customerAges.event(r.customer_id, f, r, sign);
      }
    }
    await applyGroupAgeDeltas(this.ctx, connectionId, groupAges);
    await applyCustomerAgeDeltas(this.ctx, connectionId, customerAges);
    const ageRows = ages.rows(connectionId);
    if (ageRows.length > 0) {
      await this.db.insert(AGG_AGE_DELTA, ageRows);
      for (const sql of applyAgeDeltasSql()) await this.db.exec(sql, [connectionId]);
    }
    await applyMonthEvents(this.db, connectionId, [[removed, -1], [added, 1]], first);
  }

  async refreshDirtyFacts(connectionId: string, opts: { records?: number } = {}): Promise<number> {
    return this.ctx.lock.run(() => this.db.transaction(() => this.facts.refreshDirty(connectionId), { serial: small(opts.records) }));
  }

  async rebuildAggregates(connectionId?: string): Promise<void> {
    await this.ctx.lock.run(() =>
      this.db.transaction(async () => {
        // A pending rebuild stays pending: it is of the facts too, which this does not touch.
        for (const sql of this.db.sql.rebuildSettingsSql()) await this.db.exec(sql);
        for (const s of withFreshStatistics(this.db.sql, rebuildAggregatesSql(this.db.sql, connectionId !== undefined))) await this.db.exec(s.sql, connectionId !== undefined && !s.analyze ? [connectionId] : []);
      }),
    );
  }
}
