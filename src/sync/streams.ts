/**
 * The six streams: which endpoint each reads, whether it walks date windows, and how a CRM record
 * becomes a store row (ids, cents, UTC instants, a sanitised raw copy). Pure mapping; run.ts does I/O.
 */
import { InvalidInputError } from '../core/errors.js';
import { crmWallToInstant } from '../core/time.js';
import type { Endpoint } from '../crm/client.js';
import {
  FieldError,
  firstItemProductId,
  readCampaign,
  readCustomer,
  readOrder,
  readProduct,
  readPurchase,
  readTransaction,
  sanitizedJson,
} from '../crm/schemas.js';
import { deriveEvents, type MoneyEvent } from '../ledger/index.js';
import type { LedgerChange, PageWrite } from '../store/store.js';
import type { ENTITY_TABLES, EntityTableName, PageRow } from '../store/tables.js';

export type StreamName = EntityTableName;

/** A page mapped to the rows of its stream's table (typed by the table: a misspelt column fails to compile). */
export interface MappedPage<T extends StreamName = StreamName> {
  rows: PageRow<(typeof ENTITY_TABLES)[T]>[];
  ledger?: LedgerChange;
  /** Latest dateUpdated on the page (account-local wall string). */
  maxUpdated: string | null;
}

export interface StreamSpec<T extends StreamName = StreamName> {
  name: T;
  endpoint: Endpoint;
  /** Walks date windows (true) or reads every page each run (campaigns, products). */
  windowed: boolean;
  /** Its pages carry the ledger's changes (transactions): the customer facts and pre-aggregates follow them alone. */
  feedsLedger?: true;
  /** Maps a page of raw records; throws a descriptive error on a record it cannot read. */
  map(records: unknown[], zone: string): MappedPage<T>;
}

/** A declared stream: its spec, and its pages addressed to its table for the store. */
export interface Stream<T extends StreamName = StreamName> extends StreamSpec<T> {
  /** Maps a page of raw records into the write of its table's rows (and ledger changes), without a marker. */
  toPage(records: unknown[], zone: string, connectionId: string): { write: PageWrite; maxUpdated: string | null };
}

/** Any one of the streams. */
export type AnyStream = { [T in StreamName]: Stream<T> }[StreamName];

/** A stream declaration, its rows typed by its own table. */
function stream<T extends StreamName>(s: StreamSpec<T>): Stream<T> {
  return {
    ...s,
    toPage(records, zone, connectionId) {
      const m = s.map(records, zone);
      // The rows are of table T by map's own type; PageWrite is the union over every table, which a
      // generic T cannot be matched against member by member.
      const write = { connectionId, table: s.name, rows: m.rows, ledger: m.ledger } as unknown as PageWrite;
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
 * A CRM record the sync cannot store (unreadable, or without its id), named by endpoint and position.
 * For now it stops the run with this message (a later version sets such records aside and goes on).
 */
export class RecordError extends InvalidInputError {
  constructor(
    readonly endpoint: Endpoint,
    readonly record: number,
    readonly detail: string,
    readonly where = 'of the page',
  ) {
    super(
      `${endpoint}: record ${record} ${where} ${detail}`,
      'The CRM sent a record Konduit cannot store. Look it up in the CRM by the position above, and report it to its support if it lacks an id.',
    );
  }

  /** The same error with the page (and date window) it came from. */
  onPage(page: number, window: { start: string; end: string } | null): RecordError {
    return new RecordError(this.endpoint, this.record, this.detail, `of page ${page}${window ? ` (${window.start}..${window.end})` : ''}`);
  }
}

/**
 * Reads every record of a page with a hand-written tolerant reader (crm/schemas.ts: the zod schemas'
 * semantics without their per-field allocations); each result is paired with its original record,
 * whose sanitised JSON is the raw column. A record without `id` cannot be stored: a RecordError.
 */
function parseAll<T>(read: (v: unknown) => T, records: unknown[], endpoint: Endpoint): T[];
function parseAll<T, K extends keyof T & string>(read: (v: unknown) => T, records: unknown[], endpoint: Endpoint, id: K): (T & { [P in K]: NonNullable<T[P]> })[];
function parseAll<T, K extends keyof T & string>(read: (v: unknown) => T, records: unknown[], endpoint: Endpoint, id?: K): (T & { [P in K]: NonNullable<T[P]> })[] {
  const out = new Array<T & { [P in K]: NonNullable<T[P]> }>(records.length);
  for (let i = 0; i < records.length; i++) {
    let r: T;
    try {
      r = read(records[i]);
    } catch (err) {
      if (err instanceof FieldError) throw new RecordError(endpoint, i + 1, `cannot be read: ${err.message.slice(0, 300)}`);
      throw err;
    }
    if (id !== undefined && (r[id] === null || r[id] === undefined)) throw new RecordError(endpoint, i + 1, `has no ${id}; a record without its id cannot be stored`);
    out[i] = r as T & { [P in K]: NonNullable<T[P]> };
  }
  return out;
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
      const rows: MappedPage<'campaigns'>['rows'] = [];
      parseAll(readCampaign, records, 'campaign/query').forEach((c, i) => {
        if (c.campaignId !== null) rows.push({ campaign_id: c.campaignId, name: c.campaignName ?? null, campaign_type: c.campaignType ?? null, raw: raw(records[i]) });
      });
      return { rows, maxUpdated: null };
    },
  }),
  stream({
    name: 'products',
    endpoint: 'product/query',
    windowed: false,
    map(records) {
      const rows: MappedPage<'products'>['rows'] = [];
      parseAll(readProduct, records, 'product/query').forEach((p, i) => {
        if (p.productId !== null) {
          rows.push({ product_id: p.productId, name: p.productName ?? p.name ?? null, sku: p.sku ?? p.productSku ?? null, price_cents: p.price ?? null, raw: raw(records[i]) });
        }
      });
      return { rows, maxUpdated: null };
    },
  }),
  stream({
    name: 'customers',
    endpoint: 'customer/query',
    windowed: true,
    map(records, zone) {
      let maxUpdated: string | null = null;
      const rows = parseAll(readCustomer, records, 'customer/query', 'customerId').map((c, i) => {
        maxUpdated = maxWall(maxUpdated, c.dateUpdated);
        return {
          customer_id: c.customerId,
          email: c.emailAddress ?? null,
          first_name: c.firstName ?? null,
          last_name: c.lastName ?? null,
          country: c.country ?? null,
          state: c.state ?? null,
          date_created: instant(c.dateCreated, zone),
          date_updated: instant(c.dateUpdated, zone),
          raw: raw(records[i]),
        };
      });
      return { rows, maxUpdated };
    },
  }),
  stream({
    name: 'orders',
    endpoint: 'order/query',
    windowed: true,
    map(records, zone) {
      let maxUpdated: string | null = null;
      const rows = parseAll(readOrder, records, 'order/query', 'orderId').map((o) => {
        maxUpdated = maxWall(maxUpdated, o.dateUpdated);
        return {
          order_id: o.orderId,
          customer_id: o.customerId ?? null,
          order_status: o.orderStatus ?? null,
          order_type: o.orderType ?? null,
          total_cents: o.totalAmount ?? null,
          campaign_id: o.campaignId ?? null,
          product_id: firstItemProductId(o.items),
          aff_id: o.affId ?? null,
          source_value1: o.sourceValue1 ?? null,
          date_created: instant(o.dateCreated, zone),
          date_updated: instant(o.dateUpdated, zone),
          raw: null,
        };
      });
      return { rows, maxUpdated };
    },
  }),
  stream({
    name: 'transactions',
    endpoint: 'transactions/query',
    windowed: true,
    feedsLedger: true,
    map(records, zone) {
      let maxUpdated: string | null = null;
      const parsed = parseAll(readTransaction, records, 'transactions/query', 'transactionId');
      const events: MoneyEvent[] = [];
      const rows = parsed.map((t) => {
        maxUpdated = maxWall(maxUpdated, t.dateUpdated);
        for (const e of deriveEvents(t, zone)) events.push(e);
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
          chargeback_date: t.chargebackDate ? t.chargebackDate.slice(0, 10) : null,
          card_bin: bin(t.cardBin),
          card_last4: last4(t.cardLast4),
          date_created: instant(t.dateCreated, zone),
          date_updated: instant(t.dateUpdated, zone),
          raw: null,
        };
      });
      const ids = parsed.map((t) => t.transactionId).filter((id): id is number => id !== null);
      return { rows, ledger: { transactionIds: ids, events }, maxUpdated };
    },
  }),
  stream({
    name: 'purchases',
    endpoint: 'purchase/query',
    windowed: true,
    map(records, zone) {
      let maxUpdated: string | null = null;
      const rows = parseAll(readPurchase, records, 'purchase/query', 'purchaseId').map((p, i) => {
        maxUpdated = maxWall(maxUpdated, p.dateUpdated);
        return {
          purchase_id: p.purchaseId,
          customer_id: p.customerId ?? null,
          order_id: p.orderId ?? null,
          product_id: p.productId ?? null,
          campaign_id: p.campaignId ?? null,
          status: p.status ?? null,
          billing_cycle: p.billingCycleNumber ?? null,
          billing_interval_days: p.billingIntervalDays ?? null,
          next_bill_date: p.nextBillDate ? p.nextBillDate.slice(0, 10) : null,
          price_cents: p.price ?? null,
          merchant_id: p.merchantId ?? null,
          date_created: instant(p.dateCreated, zone),
          date_updated: instant(p.dateUpdated, zone),
          raw: raw(records[i]),
        };
      });
      return { rows, maxUpdated };
    },
  }),
] as const;

/** A stream by name. */
export function streamSpec(name: StreamName): AnyStream {
  const s = STREAMS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown stream ${name}`);
  return s;
}
