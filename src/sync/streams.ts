/**
 * The streams: which endpoint each reads, whether it walks date windows, and how a CRM record becomes a
 * store row (ids, cents, UTC instants, a sanitised raw copy) and, for transactions, ledger events. Pure
 * mapping; run.ts does I/O. A record that cannot be read is set aside (quarantine) with its reason, and
 * the rest of its page is stored (docs/sync.md, "Quarantine").
 */
import { createHash } from 'node:crypto';
import { currencyOf } from '../core/currency.js';
import { crmWallToInstant } from '../core/time.js';
import type { Endpoint } from '../crm/client.js';
import {
  FieldError,
  firstItem,
  orderItems,
  firstItemProductId,
  readCampaign,
  readCoupon,
  readCustomer,
  readOrder,
  readProduct,
  readPurchase,
  readTransaction,
  sanitizedJson,
  transactionIdsOf,
} from '../crm/schemas.js';
import { deriveEvents, type AccountContext, type MoneyEvent } from '../ledger/index.js';
import type { LedgerChange, PageWrite, QuarantinedRecord, RelatedRows } from '../store/store.js';
import type { ENTITY_TABLES, EntityTableName, PageRow } from '../store/tables.js';

export type StreamName = EntityTableName;

/** A page mapped to the rows of its stream's table (typed by the table: a misspelt column fails to compile). */
export interface MappedPage<T extends StreamName = StreamName> {
  rows: PageRow<(typeof ENTITY_TABLES)[T]>[];
  ledger?: LedgerChange;
  /** Rows of the tables a page also feeds (the MIDs of transactions, the purchases' transactions). */
  related?: RelatedRows;
  /** Records of the page that could not be read. */
  quarantined: QuarantinedRecord[];
  /** Latest dateUpdated on the page (account-local wall string). */
  maxUpdated: string | null;
}

export interface StreamSpec<T extends StreamName = StreamName> {
  name: T;
  endpoint: Endpoint;
  /** Walks date windows (true) or reads every page each run (campaigns, products, coupons). */
  windowed: boolean;
  /** Its pages carry the ledger's changes (transactions): the customer facts and pre-aggregates follow them alone. */
  feedsLedger?: true;
  /**
   * The API user may lack the endpoint (the coupon permission is a separate box in the CRM): a refusal
   * skips the stream with a warning instead of failing the run.
   */
  optional?: true;
  /** Maps a page of raw records; unreadable ones go to `quarantined`. */
  map(records: unknown[], account: AccountContext): MappedPage<T>;
}

/** A declared stream: its spec, and its pages addressed to its table for the store. */
export interface Stream<T extends StreamName = StreamName> extends StreamSpec<T> {
  /** Maps a page of raw records into the write of its table's rows (and ledger changes), without a marker. */
  toPage(records: unknown[], account: AccountContext, connectionId: string): { write: PageWrite; maxUpdated: string | null };
}

/** Any one of the streams. */
export type AnyStream = { [T in StreamName]: Stream<T> }[StreamName];

/** A stream declaration, its rows typed by its own table. */
function stream<T extends StreamName>(s: StreamSpec<T>): Stream<T> {
  return {
    ...s,
    toPage(records, account, connectionId) {
      const m = s.map(records, account);
      // The rows are of table T by map's own type; PageWrite is the union over every table, which a
      // generic T cannot be matched against member by member.
      const write = { connectionId, table: s.name, rows: m.rows, ledger: m.ledger, related: m.related, quarantined: m.quarantined } as unknown as PageWrite;
      return { write, maxUpdated: m.maxUpdated };
    },
  };
}

const instant = (wall: string | null | undefined, zone: string): number | null => (wall ? crmWallToInstant(wall, zone) : null);
// The raw copy is the record as received (all its keys), minus sensitive keys. Kept for the catalog,
// customer and purchase streams; transactions and orders (the volume: about three quarters of a merchant's
// records) store typed columns only, `raw` NULL: serialising and storing their copies cost about 25%
// of the store path's CPU, and nothing reads them (docs/store.md, "Raw copies").
const raw = (r: unknown) => sanitizedJson(r);
const maxWall = (a: string | null, b: string | null | undefined): string | null => (!b ? a : !a || b > a ? b : a);

/**
 * The key a record is set aside under: its id when the id itself is readable (so the record leaves
 * quarantine when it is next read well), else a digest of its content.
 */
function recordKey(record: unknown, id: string): string {
  const v = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[id] : undefined;
  if ((typeof v === 'string' && v.trim() !== '' && v.length <= 64) || (typeof v === 'number' && Number.isFinite(v))) return String(v).trim();
  return `#${createHash('sha256').update(JSON.stringify(record) ?? 'undefined').digest('hex').slice(0, 16)}`;
}

/**
 * Reads every record of a page with a hand-written tolerant reader (crm/schemas.ts: the zod schemas'
 * semantics without their per-field allocations). A record the reader refuses, or without its id, is
 * quarantined with the reason: the field, what was wrong, and where it stood on the page.
 */
function parseAll<T, K extends keyof T & string>(
  read: (v: unknown) => T,
  records: unknown[],
  endpoint: Endpoint,
  id: K,
): { ok: { record: T & { [P in K]: NonNullable<T[P]> }; index: number }[]; quarantined: QuarantinedRecord[] } {
  const ok: { record: T & { [P in K]: NonNullable<T[P]> }; index: number }[] = [];
  const quarantined: QuarantinedRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    const set = (why: string) => quarantined.push({ recordKey: recordKey(records[i], id), reason: `${endpoint} record ${i + 1} of its page: ${why}`, raw: sanitizedJson(records[i] ?? null) });
    let r: T;
    try {
      r = read(records[i]);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      set(`cannot be read: ${err.message.slice(0, 300)}`);
      continue;
    }
    if (r[id] === null || r[id] === undefined) {
      set(`has no ${id}; a record without its id cannot be stored`);
      continue;
    }
    ok.push({ record: r as T & { [P in K]: NonNullable<T[P]> }, index: i });
  }
  return { ok, quarantined };
}

/** Masks a card number down to its last 4 if a full one ever appears in a last4 field. */
const last4 = (v: string | null | undefined) => (v ? v.replace(/\D/g, '').slice(-4) || null : null);
const bin = (v: string | null | undefined) => (v ? v.replace(/\D/g, '').slice(0, 6) || null : null);

export const STREAMS = [
  stream({
    name: 'campaigns',
    endpoint: 'campaign/query',
    windowed: false,
    map(records) {
      const { ok, quarantined } = parseAll(readCampaign, records, 'campaign/query', 'campaignId');
      const rows = ok.map(({ record: c, index }) => ({ campaign_id: c.campaignId, name: c.campaignName ?? null, campaign_type: c.campaignType ?? null, raw: raw(records[index]) }));
      return { rows, quarantined, maxUpdated: null };
    },
  }),
  stream({
    name: 'products',
    endpoint: 'product/query',
    windowed: false,
    map(records) {
      const { ok, quarantined } = parseAll(readProduct, records, 'product/query', 'productId');
      const rows = ok.map(({ record: p, index }) => ({
        product_id: p.productId,
        name: p.productName ?? p.name ?? null,
        sku: p.sku ?? p.productSku ?? null,
        price_cents: p.price ?? null,
        raw: raw(records[index]),
      }));
      return { rows, quarantined, maxUpdated: null };
    },
  }),
  stream({
    name: 'coupons',
    endpoint: 'coupon/query',
    windowed: false,
    optional: true,
    map(records) {
      const { ok, quarantined } = parseAll(readCoupon, records, 'coupon/query', 'couponCode');
      const rows = ok.map(({ record: c, index }) => ({
        coupon_code: c.couponCode,
        coupon_id: c.couponId ?? null,
        name: c.couponName ?? c.name ?? null,
        campaign_id: c.campaignId ?? null,
        raw: raw(records[index]),
      }));
      return { rows, quarantined, maxUpdated: null };
    },
  }),
  stream({
    name: 'customers',
    endpoint: 'customer/query',
    windowed: true,
    map(records, account) {
      let maxUpdated: string | null = null;
      const { ok, quarantined } = parseAll(readCustomer, records, 'customer/query', 'customerId');
      const rows = ok.map(({ record: c, index }) => {
        maxUpdated = maxWall(maxUpdated, c.dateUpdated);
        return {
          customer_id: c.customerId,
          email: c.emailAddress ?? null,
          first_name: c.firstName ?? null,
          last_name: c.lastName ?? null,
          country: c.country ?? null,
          state: c.state ?? null,
          date_created: instant(c.dateCreated, account.zone),
          date_updated: instant(c.dateUpdated, account.zone),
          raw: raw(records[index]),
        };
      });
      return { rows, quarantined, maxUpdated };
    },
  }),
  stream({
    name: 'orders',
    endpoint: 'order/query',
    windowed: true,
    map(records, account) {
      let maxUpdated: string | null = null;
      const { ok, quarantined } = parseAll(readOrder, records, 'order/query', 'orderId');
      const items: { order_id: string; item_no: number; product_id: number; campaign_product_id: number | null; purchase_id: string | null; amount_cents: number | null }[] = [];
      const rows = ok.map(({ record: o }) => {
        maxUpdated = maxWall(maxUpdated, o.dateUpdated);
        const item = firstItem(o.items);
        orderItems(o.items).forEach((it, i) => items.push({ order_id: o.orderId, item_no: i + 1, product_id: it.productId, campaign_product_id: it.campaignProductId, purchase_id: it.purchaseId, amount_cents: it.amountCents }));
        return {
          order_id: o.orderId,
          customer_id: o.customerId ?? null,
          order_status: o.orderStatus ?? null,
          order_type: o.orderType ?? null,
          total_cents: o.totalAmount ?? null,
          campaign_id: o.campaignId ?? null,
          product_id: item?.productId ?? null,
          campaign_product_id: item?.campaignProductId ?? null,
          aff_id: o.affId ?? null,
          source_value1: o.sourceValue1 ?? null,
          coupon_code: o.couponCode ?? null,
          utm_source: o.UTMSource ?? null,
          currency: currencyOf(o.currencyCode, o.currencySymbol, account.baseCurrency),
          date_created: instant(o.dateCreated, account.zone),
          date_updated: instant(o.dateUpdated, account.zone),
          raw: null,
        };
      });
      return { rows, related: items.length > 0 ? { order_items: items } : undefined, quarantined, maxUpdated };
    },
  }),
  stream({
    name: 'transactions',
    endpoint: 'transactions/query',
    windowed: true,
    feedsLedger: true,
    map(records, account) {
      let maxUpdated: string | null = null;
      const { ok, quarantined } = parseAll(readTransaction, records, 'transactions/query', 'transactionId');
      const events: MoneyEvent[] = [];
      const mids = new Map<number, { merchant_id: number; name: string | null; descriptor: string | null }>();
      const rows = ok.map(({ record: t }) => {
        maxUpdated = maxWall(maxUpdated, t.dateUpdated);
        for (const e of deriveEvents(t, account)) events.push(e);
        if (typeof t.merchantId === 'number' && (t.merchant || t.merchantDescriptor)) {
          mids.set(t.merchantId, { merchant_id: t.merchantId, name: t.merchant ?? null, descriptor: t.merchantDescriptor ?? null });
        }
        return {
          transaction_id: t.transactionId,
          order_id: t.orderId ?? null,
          customer_id: t.customerId ?? null,
          purchase_id: t.purchaseId ?? null,
          parent_txn_id: t.parentTxnId ?? null,
          txn_type: t.txnType,
          response_type: t.responseType,
          total_cents: t.totalAmount ?? null,
          billing_cycle: t.billingCycleNumber ?? null,
          merchant_id: t.merchantId ?? null,
          campaign_id: t.campaignId ?? null,
          product_id: t.productId ?? firstItemProductId(t.items),
          aff_id: t.affId ?? null,
          source_value1: t.sourceValue1 ?? null,
          is_chargedback: t.isChargedback ?? false,
          chargeback_cents: t.chargebackAmount ?? null,
          chargeback_date: t.chargebackDate ?? null,
          card_bin: bin(t.cardBin),
          card_last4: last4(t.cardLast4),
          card_type: t.cardType ?? null,
          currency: currencyOf(t.currencyCode, t.currencySymbol, account.baseCurrency),
          date_created: instant(t.dateCreated, account.zone),
          date_updated: instant(t.dateUpdated, account.zone),
          raw: null,
        };
      });
      const ids = ok.map(({ record: t }) => t.transactionId);
      return { rows, ledger: { transactionIds: ids, events }, related: mids.size > 0 ? { mids: [...mids.values()] } : undefined, quarantined, maxUpdated };
    },
  }),
  stream({
    name: 'purchases',
    endpoint: 'purchase/query',
    windowed: true,
    map(records, account) {
      let maxUpdated: string | null = null;
      const { ok, quarantined } = parseAll(readPurchase, records, 'purchase/query', 'purchaseId');
      const links: { transaction_id: number; purchase_id: string }[] = [];
      const rows = ok.map(({ record: p, index }) => {
        maxUpdated = maxWall(maxUpdated, p.dateUpdated);
        for (const id of transactionIdsOf(p.transactions)) links.push({ transaction_id: id, purchase_id: p.purchaseId });
        return {
          purchase_id: p.purchaseId,
          customer_id: p.customerId ?? null,
          order_id: p.orderId ?? null,
          // A purchase with an actualProductId names its campaign product in productId (docs/crm-api.md).
          product_id: p.actualProductId ?? p.productId ?? null,
          campaign_product_id: p.campaignProductId ?? (p.actualProductId !== undefined ? (p.productId ?? null) : null),
          campaign_id: p.campaignId ?? null,
          status: p.status ?? null,
          billing_cycle: p.billingCycleNumber ?? null,
          billing_interval_days: p.billingIntervalDays ?? null,
          next_bill_date: p.nextBillDate ?? null,
          price_cents: p.price ?? null,
          merchant_id: p.merchantId ?? null,
          currency: currencyOf(p.currencyCode, p.currencySymbol, account.baseCurrency),
          date_created: instant(p.dateCreated, account.zone),
          date_updated: instant(p.dateUpdated, account.zone),
          raw: raw(records[index]),
        };
      });
      return { rows, related: links.length > 0 ? { purchase_transactions: links } : undefined, quarantined, maxUpdated };
    },
  }),
] as const;

/** A stream by name. */
export function streamSpec(name: StreamName): AnyStream {
  const s = STREAMS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown stream ${name}`);
  return s;
}
