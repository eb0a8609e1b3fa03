/**
 * refund_sales (docs/store.md, "Refunds and chargebacks with the day they are booked on"): every refund,
 * void and chargeback event of the ledger with what reconciliation reads of it (kind, instant, currency,
 * campaign, amount) and the instant the CRM basis books it at (analytics/sql.ts bookedSql): a refund or
 * void on its parent sale's date_created (the parent of its stored transaction), a chargeback on its own
 * transaction's date_created, and either on its own instant when that transaction (or parent) is not
 * stored. Reconciliation (analytics/reconcile.ts) reads the ones booked or shown in its range by range
 * (booked_at, instant) instead of finding every refund and chargeback of the ledger with their
 * transactions and parents.
 *
 * Chargebacks are here and not read from chargeback_sales: its sale_instant is the first SALE event of
 * the chargeback's transaction, which the CRM basis does not use when the transaction is stored without
 * a sale event (a flag on a declined attempt, a refund or an authorization): bookedSql books those on
 * the transaction's date_created, chargeback_sales has no sale for them.
 *
 * Kept as chargeback_sales is, in the transaction of the ledger write (after the write's transactions
 * are stored): the rows of every transaction whose refund, void or chargeback events the write removed or
 * added (a stored transaction's events are all replaced), and of every refund or void whose kept parent
 * is a transaction the write stored or changed (a parent arriving after its refund, or its date_created
 * changed), are made again from the write's added events and stored transactions (keepRefundSales), not
 * by reading the ledger: at 10M a lookup of money_events by transaction cost DuckDB 0.3 s per page. A refund's parent_txn_id is its transaction's stored parent as of the last write of that transaction
 * (a re-parented refund is a write of it), so the children of a written parent are found in this table.
 * The attribution fill at a refresh gives events a campaign in place: keepRefundCampaigns follows it.
 * Rebuilt by rebuildAggregates() and the end-of-backfill rebuild; read only while the connection's
 * aggregates are not behind (rebuild_pending).
 */
import { dedupeByKey, type StoreContext } from './driver.js';
import { REFUND_SALES, type Row } from './tables.js';

/** What the upkeep reads of an event added or removed. */
export interface RefundFacts {
  kind: string;
  transaction_id?: number | null;
}

export const REFUND_SALES_KINDS = "'refund', 'void', 'chargeback'";

/**
 * The instant the CRM basis books an event at (docs/metrics.md, "The two bases"), over an event (alias
 * `e`, its kind column `kind`), its stored transaction (`t`) and that transaction's stored parent (`pt`):
 * a chargeback at its transaction's creation (the sale it flags), a refund or void at its parent's, any
 * other event, or one whose transaction or parent is not stored, at its own instant. analytics/sql.ts
 * (bookedSql), this table's rows and reconciliation's ledger path all book by it.
 */
export function crmBookedAtSql(kind: string, e = 'e', t = 't', pt = 'pt'): string {
  return `CASE WHEN ${kind} = 'chargeback' THEN COALESCE(${t}.date_created, ${e}.instant) WHEN ${kind} IN ('refund', 'void') THEN COALESCE(${pt}.date_created, ${e}.instant) ELSE ${e}.instant END`;
}

/** A chargeback the CRM cleared: its stored transaction no longer carries the flag (over `crmBookedAtSql`'s aliases). */
export const crmClearedSql = (kind: string, t = 't') => `(${kind} = 'chargeback' AND ${t}.transaction_id IS NOT NULL AND ${t}.is_chargedback IS NOT TRUE)`;

const COLS = REFUND_SALES.columns.map((c) => c.name).join(', ');

/**
 * The rows of the ledger's refunds, voids and chargebacks matching `where` (alias `e`), in the table's
 * columns, with their transactions and those transactions' parents joined by key. Plain joins on the
 * tables, not semi-joins over a CTE of the events: PostgreSQL plans a CTE's rows at a guess (one, in a
 * rebuild whose statistics are older than its writes) and joined them by nested loops without an index,
 * a minute for a test's few thousand events; a join of a table by its key is an index lookup at worst.
 */
function rowsSql(where: string): string {
  return `SELECT e.connection_id, e.event_id, e.transaction_id, e.kind, e.instant, e.currency, e.campaign_id, e.amount_cents, t.parent_txn_id,
       ${crmBookedAtSql('e.kind')} AS booked_at, ${crmClearedSql('e.kind')} AS cleared
     FROM money_events e
       LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
       LEFT JOIN transactions pt ON pt.connection_id = t.connection_id AND pt.transaction_id = t.parent_txn_id
     WHERE e.kind IN (${REFUND_SALES_KINDS}) AND ${where}`;
}

const KINDS = new Set(['refund', 'void', 'chargeback']);

/** What the upkeep reads of an event the write added (MoneyEvent's columns the table copies). */
export interface AddedRefundFacts extends RefundFacts {
  event_id: string;
  instant: number;
  currency: string;
  campaign_id: number | null;
  amount_cents: number;
}

/** What the upkeep reads of a transaction the write stored. */
export interface StoredTxnFacts {
  parent_txn_id: number | null;
  date_created: number | null;
  is_chargedback: boolean | null;
}

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Keeps the rows of connection `connectionId` a write touched, without reading the ledger: the rows of
 * the transactions whose refund, void or chargeback events it removed or added are made again from the
 * added events (a write replaces every event of the transactions it stores, so a stored transaction with
 * such an event is among them, the old event removed); the refunds and voids whose kept parent is a
 * transaction it stored (`transactionIds`; `stored`: its page's rows) or whose events it changed are
 * booked again on that parent's date_created. The transactions are the page's when it has them; the others (the parents of
 * its refunds, mostly) are read in one statement. A write without either (most pages: sales) costs one
 * look at this table.
 */
export async function keepRefundSales(
  ctx: StoreContext,
  connectionId: string,
  transactionIds: readonly number[],
  stored: ReadonlyMap<number, StoredTxnFacts>,
  removed: readonly RefundFacts[],
  added: readonly (RefundFacts & Partial<AddedRefundFacts>)[],
): Promise<void> {
  const changed = new Set<number>();
  const parents = new Set<number>([...transactionIds, ...stored.keys()]);
  for (const list of [removed, added]) {
    for (const e of list) {
      if (e.transaction_id === null || e.transaction_id === undefined) continue;
      parents.add(Number(e.transaction_id));
      if (KINDS.has(e.kind)) changed.add(Number(e.transaction_id));
    }
  }
  if (parents.size === 0) return;
  const d = ctx.db.sql;
  const written = await ctx.db.idSet('aux', [...parents]);
  // The refunds and voids of other transactions whose parent this write stored or changed: booked again below.
  const children = (
    await ctx.db.query(
      `SELECT event_id, transaction_id, kind, ${d.epochMs('instant')} AS instant, currency, campaign_id, amount_cents, parent_txn_id FROM refund_sales
       WHERE connection_id = $1 AND kind IN ('refund', 'void') AND parent_txn_id IN (${written})`,
      [connectionId],
    )
  ).filter((r) => !changed.has(Number(r.transaction_id)));
  const fresh = added.filter((e): e is AddedRefundFacts => KINDS.has(e.kind) && e.transaction_id !== null && e.transaction_id !== undefined);
  if (changed.size === 0 && children.length === 0) return;
  // The transactions these rows are booked by: the page's, else read (own transactions first, then their parents).
  const known = new Map<number, StoredTxnFacts | null>(stored);
  const read = async (ids: Iterable<number>) => {
    const want = [...new Set(ids)].filter((id) => !known.has(id));
    if (want.length === 0) return;
    const rows = await ctx.db.query(
      `SELECT transaction_id, parent_txn_id, ${d.epochMs('date_created')} AS date_created, is_chargedback FROM transactions WHERE connection_id = $1 AND transaction_id IN (${await ctx.db.idSet('aux', want)})`,
      [connectionId],
    );
    for (const id of want) known.set(id, null);
    for (const r of rows) known.set(Number(r.transaction_id), { parent_txn_id: ms(r.parent_txn_id), date_created: ms(r.date_created), is_chargedback: r.is_chargedback === true });
  };
  const parentOf = (txn: number) => known.get(txn)?.parent_txn_id ?? null;
  await read([...fresh.map((e) => Number(e.transaction_id)).filter((t) => !known.has(t)), ...fresh.map((e) => parentOf(Number(e.transaction_id))).filter((p): p is number => p !== null), ...children.map((r) => Number(r.parent_txn_id))]);
  await read(fresh.map((e) => parentOf(Number(e.transaction_id))).filter((p): p is number => p !== null));
  const rows: Row[] = [];
  for (const e of fresh) {
    const txn = Number(e.transaction_id);
    const t = known.get(txn) ?? null;
    const parent = t?.parent_txn_id ?? null;
    const booked = e.kind === 'chargeback' ? (t?.date_created ?? e.instant) : ((parent === null ? null : known.get(parent)?.date_created) ?? e.instant);
    rows.push({ event_id: e.event_id, transaction_id: txn, kind: e.kind, instant: e.instant, currency: e.currency, campaign_id: e.campaign_id, amount_cents: e.amount_cents, parent_txn_id: parent, booked_at: booked, cleared: e.kind === 'chargeback' && t !== null && t.is_chargedback !== true });
  }
  for (const r of children) {
    const parent = Number(r.parent_txn_id);
    rows.push({ ...r, transaction_id: Number(r.transaction_id), instant: Number(r.instant), amount_cents: Number(r.amount_cents), campaign_id: ms(r.campaign_id), parent_txn_id: parent, booked_at: known.get(parent)?.date_created ?? Number(r.instant), cleared: false });
  }
  const gone = [...changed, ...children.map((r) => Number(r.transaction_id))];
  await ctx.db.exec(`DELETE FROM refund_sales WHERE connection_id = $1 AND transaction_id IN (${await ctx.db.idSet('aux', gone)})`, [connectionId]);
  if (rows.length > 0) await ctx.db.insert(REFUND_SALES, dedupeByKey(REFUND_SALES, rows, { connection_id: connectionId }), { connection_id: connectionId });
}

/**
 * Follows the attribution fill (attribution.ts), which gives events their order's campaign in place: the
 * rows of the events it returned take their campaign (`campaigns`: event id -> campaign after the fill).
 */
export async function keepRefundCampaigns(ctx: StoreContext, connectionId: string, campaigns: ReadonlyMap<string, number>): Promise<void> {
  const byCampaign = new Map<number, string[]>();
  for (const [event, campaign] of campaigns) byCampaign.set(campaign, [...(byCampaign.get(campaign) ?? []), event]);
  for (const [campaign, events] of byCampaign) {
    const set = await ctx.db.textSet('key', events);
    await ctx.db.exec(`UPDATE refund_sales SET campaign_id = ${Math.trunc(campaign)} WHERE connection_id = $1 AND event_id IN (${set}) AND (campaign_id IS NULL OR campaign_id <> ${Math.trunc(campaign)})`, [connectionId]);
  }
}

/** Statements that rebuild refund_sales from money_events and transactions: of every connection, or (byConnection) of the connection given as $1. */
export function rebuildRefundSalesSql(byConnection: boolean): string[] {
  return [
    `DELETE FROM refund_sales WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `INSERT INTO refund_sales (${COLS}) ${rowsSql(byConnection ? 'e.connection_id = $1' : 'TRUE')} ORDER BY e.instant`,
  ];
}
