/**
 * Costs as data and the margin ledger (docs/economics.md): the rate tables and the ad spend of each
 * connection, changed only through `applyCostChanges` (one transaction: the rows, the audit trail in
 * cost_changes, and the margin ledger rebuilt when a rate changed), and `cost_events`, the costs each
 * sale, refund and chargeback carries (ledger/costs.ts), derived in SQL from the ledger and the rates.
 * The margin ledger is kept with the customer facts: recomputed for the customers whose facts are
 * (facts.ts), rebuilt whole with them, and rebuilt whole when a rate changes. A connection without any
 * rate has no cost rows at all, and costs a sync nothing but one look.
 */
import { decimalsOf, formatMinor } from '../core/currency.js';
import { startOfLocalDay } from '../core/time.js';
import {
  COST_COLUMNS, COST_NAMES, COSTED_KINDS, intervalsOf, ppmToPercent, RATE_KEYS, type PayoutRate, type ProcessingRate, type ProductRate, type RateKind, type Rates, type SourceKind, type SpendRow,
} from '../ledger/costs.js';
import type { StoreContext } from './driver.js';
import { AD_SPEND, AFFILIATE_PAYOUTS, COST_CHANGES, PROCESSING_COSTS, PRODUCT_COSTS, type Row, type TableSpec, type Value } from './tables.js';

/** Who changed the costs, through what, and from where (a file name, a request). */
export interface ChangeAuthor {
  actor: string;
  via: 'cli' | 'web' | 'api';
  origin: string | null;
}

/** The key of a spend row. */
export type SpendKey = Omit<SpendRow, 'spendCents'>;

/**
 * A change of a connection's costs: rows to put (a row whose key is stored replaces it), kinds given
 * whole (`replace`: their stored rows not given are removed), spend rows to remove. Keys are unique
 * within each list.
 */
export interface CostChangeSet {
  products?: ProductRate[];
  processing?: ProcessingRate[];
  payouts?: PayoutRate[];
  spend?: SpendRow[];
  replace?: RateKind[];
  removeSpend?: SpendKey[];
}

/** What a change did, per kind. */
export interface KindResult {
  inserted: number;
  updated: number;
  removed: number;
  unchanged: number;
}

export type CostKind = RateKind | 'spend';
export const COST_KINDS: readonly CostKind[] = ['products', 'processing', 'payouts', 'spend'];

export interface CostChangeResult {
  kinds: Record<CostKind, KindResult>;
  /** Changes recorded in the audit trail (0: the store is as it was). */
  changes: number;
  /** The margin ledger was rebuilt (a rate changed). */
  rebuilt: boolean;
}

/** One recorded change. */
export interface CostChangeRecord {
  changeId: number;
  at: number;
  actor: string;
  via: string;
  origin: string | null;
  kind: CostKind;
  /** What was changed (its key), and its values before and after (null: inserted, or removed). */
  item: Record<string, unknown>;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** What the costs of a connection let a reader do (CLI, server, reports' callers). */
export interface CostStore {
  /** The connection's rates of every kind, in key order. */
  rates(connectionId: string): Promise<Rates>;
  /** The connection's spend rows of days in [from, to] (either open), in day order. */
  spendRows(connectionId: string, q?: { from?: string; to?: string; sourceKind?: SourceKind }): Promise<SpendRow[]>;
  /** Applies a change in ONE transaction, with its audit trail; nothing is written when nothing changes. */
  applyCostChanges(connectionId: string, change: CostChangeSet, author: ChangeAuthor): Promise<CostChangeResult>;
  /** The audit trail, newest first. */
  costChanges(connectionId: string, q?: { limit?: number; kind?: CostKind }): Promise<CostChangeRecord[]>;
  /** Rebuilds the margin ledger of one connection, or of all (data loaded around the store; repair). */
  rebuildCostEvents(connectionId?: string): Promise<void>;
}

// ---- Rows: rates and spend as stored ----

type KindSpec<T> = {
  table: TableSpec;
  toRow(r: T): Row;
  fromRow(r: Row): T;
  /** The key's fields (the audit trail's `item`) and the values (its `before` and `after`). */
  item(r: T): Record<string, unknown>;
  values(r: T): Record<string, unknown>;
};

const n = (v: Value | undefined): number => Number(v ?? 0);
const s = (v: Value | undefined): string => String(v ?? '');
const money = (cents: number, currency: string) => formatMinor(cents, currency);

const KINDS: { products: KindSpec<ProductRate>; processing: KindSpec<ProcessingRate>; payouts: KindSpec<PayoutRate>; spend: KindSpec<SpendRow> } = {
  products: {
    table: PRODUCT_COSTS,
    toRow: (r) => ({ product_id: r.productId, campaign_id: r.campaignId ?? 0, currency: r.currency, effective_from: r.from, cost_cents: r.costCents, fulfilment_cents: r.fulfilmentCents }),
    fromRow: (r) => ({ productId: n(r.product_id), campaignId: n(r.campaign_id) === 0 ? null : n(r.campaign_id), currency: s(r.currency), from: s(r.effective_from), costCents: n(r.cost_cents), fulfilmentCents: n(r.fulfilment_cents) }),
    item: (r) => ({ product: r.productId, campaign: r.campaignId, currency: r.currency, from: r.from }),
    values: (r) => ({ cost: money(r.costCents, r.currency), fulfilment: money(r.fulfilmentCents, r.currency) }),
  },
  processing: {
    table: PROCESSING_COSTS,
    toRow: (r) => ({ merchant_id: r.merchantId ?? 0, currency: r.currency, effective_from: r.from, rate_ppm: r.ratePpm, fixed_cents: r.fixedCents, chargeback_cents: r.chargebackCents, refund_cents: r.refundCents }),
    fromRow: (r) => ({ merchantId: n(r.merchant_id) === 0 ? null : n(r.merchant_id), currency: s(r.currency), from: s(r.effective_from), ratePpm: n(r.rate_ppm), fixedCents: n(r.fixed_cents), chargebackCents: n(r.chargeback_cents), refundCents: n(r.refund_cents) }),
    item: (r) => ({ mid: r.merchantId, currency: r.currency, from: r.from }),
    values: (r) => ({ rate: `${ppmToPercent(r.ratePpm)}%`, fixed: money(r.fixedCents, r.currency), chargeback: money(r.chargebackCents, r.currency), refund: money(r.refundCents, r.currency) }),
  },
  payouts: {
    table: AFFILIATE_PAYOUTS,
    toRow: (r) => ({ aff_id: r.affId, sub_aff_id: r.subAffId ?? '', cycle: r.cycle, currency: r.currency, effective_from: r.from, cpa_cents: r.cpaCents }),
    fromRow: (r) => ({ affId: s(r.aff_id), subAffId: s(r.sub_aff_id) === '' ? null : s(r.sub_aff_id), cycle: n(r.cycle), currency: s(r.currency), from: s(r.effective_from), cpaCents: n(r.cpa_cents) }),
    item: (r) => ({ affiliate: r.affId, subaffiliate: r.subAffId, cycle: r.cycle, currency: r.currency, from: r.from }),
    values: (r) => ({ cpa: money(r.cpaCents, r.currency) }),
  },
  spend: {
    table: AD_SPEND,
    toRow: (r) => ({ day: r.day, source_kind: r.sourceKind, source: r.source, platform: r.platform, currency: r.currency, spend_cents: r.spendCents }),
    fromRow: (r) => ({ day: s(r.day), sourceKind: s(r.source_kind) as SourceKind, source: s(r.source), platform: s(r.platform), currency: s(r.currency), spendCents: n(r.spend_cents) }),
    item: (r) => ({ day: r.day, sourceKind: r.sourceKind, source: r.source, platform: r.platform, currency: r.currency }),
    values: (r) => ({ spend: money(r.spendCents, r.currency) }),
  },
};

/** A row's key as text (the table's key columns but the connection). */
function keyOf(spec: TableSpec, row: Row): string {
  return JSON.stringify(spec.key.filter((k) => k !== 'connection_id').map((k) => row[k] ?? null));
}

const sameValues = (a: Row, b: Row, spec: TableSpec) => spec.columns.every((c) => c.name === 'connection_id' || String(a[c.name] ?? '') === String(b[c.name] ?? ''));

// ---- The margin ledger's SQL ----

/** A rate version's interval as the derivation joins it (ledger/costs.ts intervalsOf). */
const RATE_PRODUCTS: TableSpec = stageSpec('rate_products', { product_id: 'bigint', campaign_id: 'bigint', currency: 'text', start_at: 'instant', end_at: 'instant', cost_cents: 'bigint', fulfilment_cents: 'bigint' });
const RATE_PROCESSING: TableSpec = stageSpec('rate_processing', { merchant_id: 'bigint', currency: 'text', start_at: 'instant', end_at: 'instant', rate_ppm: 'bigint', unit: 'bigint', fixed_cents: 'bigint', chargeback_cents: 'bigint', refund_cents: 'bigint' });
const RATE_PAYOUTS: TableSpec = stageSpec('rate_payouts', { aff_id: 'text', sub_aff_id: 'text', cycle: 'int', currency: 'text', start_at: 'instant', end_at: 'instant', cpa_cents: 'bigint' });

function stageSpec(name: string, types: Record<string, TableSpec['columns'][number]['type']>): TableSpec {
  return { name, key: [], types, columns: Object.entries(types).map(([c, type]) => ({ name: c, type })) };
}

/** The columns a cost row copies from its money event. */
const COPIED = ['event_id', 'transaction_id', 'instant', 'customer_id', 'order_id', 'purchase_id', 'campaign_id', 'product_id', 'aff_id', 'source_value1', 'merchant_id', 'billing_cycle', 'is_initial', 'currency', 'coupon_code'];

/**
 * The discount-rate fee of a sale in SQL, as ledger/costs.ts rateFee: amount x rate rounded half away from
 * zero to the currency's minor unit (`unit` hundredths: 1, or 100 for a currency without decimals).
 * Integer arithmetic only: (x - MOD(x, y)) / y is exact on both engines (DuckDB divides in DOUBLE,
 * exact for these magnitudes; PostgreSQL divides integers).
 */
function rateFeeSql(amount: string, ppm: string, unit: string): string {
  const d = `(1000000 * ${unit})`;
  const x = `(2 * ABS(${amount}) * ${ppm} + ${d})`;
  const y = `(2 * ${d})`;
  return `CAST((${x} - MOD(${x}, ${y})) / ${y} AS BIGINT) * ${unit}`;
}

/** Exactly one of the specific and the general rate: the specific one when it matched. */
const either = (specific: string, general: string, column: string) => `CASE WHEN ${specific}.start_at IS NOT NULL THEN ${specific}.${column} ELSE ${general}.${column} END`;

/**
 * The cost rows of connection $1's costed events matching `which` (a condition on money_events `e`):
 * each event's costs by the rates in effect at its instant (ledger/costs.ts), a rate specific to the
 * event's campaign, MID or sub-affiliate taking precedence over the general one.
 */
function costRowsSql(which: string, rates: { products: string; processing: string; payouts: string }): string {
  const sale = `e.event_kind = 'sale'`;
  const at = (r: string) => `e.instant >= ${r}.start_at AND e.instant < ${r}.end_at AND ${r}.currency = e.currency`;
  const cols: Record<string, string> = {
    [COST_COLUMNS.product.column]: `CASE WHEN ${sale} THEN ${either('ps', 'pa', 'cost_cents')} END`,
    [COST_COLUMNS.fulfilment.column]: `CASE WHEN ${sale} THEN ${either('ps', 'pa', 'fulfilment_cents')} END`,
    [COST_COLUMNS.transactionFee.column]: `CASE WHEN ${sale} THEN ${either('ms', 'ma', 'fixed_cents')} END`,
    [COST_COLUMNS.rateFee.column]: `CASE WHEN ${sale} THEN ${rateFeeSql('e.amount_cents', either('ms', 'ma', 'rate_ppm'), either('ms', 'ma', 'unit'))} END`,
    [COST_COLUMNS.refundFee.column]: `CASE WHEN e.event_kind = 'refund' THEN ${either('ms', 'ma', 'refund_cents')} END`,
    [COST_COLUMNS.chargebackFee.column]: `CASE WHEN e.event_kind = 'chargeback' THEN ${either('ms', 'ma', 'chargeback_cents')} END`,
    [COST_COLUMNS.payout.column]: `CASE WHEN ${sale} AND e.order_first THEN ${either('os', 'oa', 'cpa_cents')} END`,
  };
  const names = COST_NAMES.map((k) => COST_COLUMNS[k].column);
  return `SELECT x.*, -(${names.map((c) => `COALESCE(x.${c}, 0)`).join(' + ')}) AS amount_cents FROM (
      SELECT e.connection_id, e.event_kind, ${COPIED.map((c) => `e.${c}`).join(', ')}, ${names.map((c) => `${cols[c]} AS ${c}`).join(', ')}
      FROM (
        SELECT m.*, m.kind AS event_kind,
          m.kind = 'sale' AND m.order_id IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY m.kind = 'sale', m.order_id ORDER BY m.instant, m.transaction_id) = 1 AS order_first
        FROM money_events m
        WHERE m.connection_id = $1 AND m.kind IN (${COSTED_KINDS.map((k) => `'${k}'`).join(', ')}) AND (${which})
      ) e
      LEFT JOIN (${rates.products}) ps ON ${sale} AND ps.product_id = e.product_id AND ps.campaign_id = e.campaign_id AND ${at('ps')}
      LEFT JOIN (${rates.products}) pa ON ${sale} AND pa.product_id = e.product_id AND pa.campaign_id = 0 AND ${at('pa')}
      LEFT JOIN (${rates.processing}) ms ON ms.merchant_id = e.merchant_id AND ${at('ms')}
      LEFT JOIN (${rates.processing}) ma ON ma.merchant_id = 0 AND ${at('ma')}
      LEFT JOIN (${rates.payouts}) os ON ${sale} AND os.aff_id = e.aff_id AND os.sub_aff_id = e.source_value1 AND os.cycle = e.billing_cycle AND ${at('os')}
      LEFT JOIN (${rates.payouts}) oa ON ${sale} AND oa.aff_id = e.aff_id AND oa.sub_aff_id = '' AND oa.cycle = e.billing_cycle AND ${at('oa')}
    ) x`;
}

/** The cost_events columns, in insert order. */
const COST_EVENT_COLUMNS = ['connection_id', 'event_kind', ...COPIED, ...COST_NAMES.map((k) => COST_COLUMNS[k].column), 'amount_cents'];

/** The margin ledger: derived from the ledger and the rates, kept with the facts (facts.ts). */
export class CostEvents {
  constructor(private readonly ctx: StoreContext) {}

  private get db() {
    return this.ctx.db;
  }

  /** Whether connection `id` has any rate (without one it has no cost rows). */
  private async hasRates(connectionId: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 AS x FROM product_costs WHERE connection_id = $1 UNION ALL SELECT 1 FROM processing_costs WHERE connection_id = $1 UNION ALL SELECT 1 FROM affiliate_payouts WHERE connection_id = $1 LIMIT 1`,
      [connectionId],
    );
    return rows.length > 0;
  }

  /** The rates of a connection staged as intervals of instants (its account's calendar), as subqueries. */
  private async stagedRates(connectionId: string): Promise<{ products: string; processing: string; payouts: string }> {
    const [conn] = await this.db.query('SELECT timezone FROM connections WHERE connection_id = $1', [connectionId]);
    const zone = String(conn?.timezone ?? 'UTC');
    const rates = await readRates(this.ctx, connectionId);
    const start = (d: string) => startOfLocalDay(d, zone);
    const products = intervalsOf(rates.products, RATE_KEYS.products, start).map((i) => ({
      product_id: i.rate.productId, campaign_id: i.rate.campaignId ?? 0, currency: i.rate.currency, start_at: i.startMs, end_at: i.endMs, cost_cents: i.rate.costCents, fulfilment_cents: i.rate.fulfilmentCents,
    }));
    const processing = intervalsOf(rates.processing, RATE_KEYS.processing, start).map((i) => ({
      merchant_id: i.rate.merchantId ?? 0, currency: i.rate.currency, start_at: i.startMs, end_at: i.endMs, rate_ppm: i.rate.ratePpm, unit: decimalsOf(i.rate.currency) === 2 ? 1 : 100,
      fixed_cents: i.rate.fixedCents, chargeback_cents: i.rate.chargebackCents, refund_cents: i.rate.refundCents,
    }));
    const payouts = intervalsOf(rates.payouts, RATE_KEYS.payouts, start).map((i) => ({
      aff_id: i.rate.affId, sub_aff_id: i.rate.subAffId ?? '', cycle: i.rate.cycle, currency: i.rate.currency, start_at: i.startMs, end_at: i.endMs, cpa_cents: i.rate.cpaCents,
    }));
    return {
      products: await this.db.rowSet(RATE_PRODUCTS, products),
      processing: await this.db.rowSet(RATE_PROCESSING, processing),
      payouts: await this.db.rowSet(RATE_PAYOUTS, payouts),
    };
  }

  /**
   * Recomputes the cost rows of these customers' events (`ids`: a subquery of customer ids), and of the
   * events without a customer, inside the caller's transaction.
   */
  async refresh(connectionId: string, ids: string): Promise<void> {
    if (!(await this.hasRates(connectionId))) return;
    const which = `m.customer_id IN (${ids}) OR m.customer_id IS NULL`;
    await this.db.exec(`DELETE FROM cost_events WHERE connection_id = $1 AND (customer_id IN (${ids}) OR customer_id IS NULL)`, [connectionId]);
    await this.insert(connectionId, which);
  }

  /** Rebuilds every cost row of the connection (none when it has no rate), inside the caller's transaction. */
  async rebuild(connectionId: string): Promise<void> {
    await this.db.exec('DELETE FROM cost_events WHERE connection_id = $1', [connectionId]);
    if (await this.hasRates(connectionId)) await this.insert(connectionId, 'TRUE');
  }

  private async insert(connectionId: string, which: string): Promise<void> {
    const rates = await this.stagedRates(connectionId);
    await this.db.exec(`INSERT INTO cost_events (${COST_EVENT_COLUMNS.join(', ')}) SELECT ${COST_EVENT_COLUMNS.join(', ')} FROM (${costRowsSql(which, rates)}) c`, [connectionId]);
  }
}

/** A connection's rates, in key order. */
async function readRates(ctx: StoreContext, connectionId: string): Promise<Rates> {
  const read = async <T>(k: KindSpec<T>) =>
    (await ctx.db.query(`SELECT * FROM ${k.table.name} WHERE connection_id = $1 ORDER BY ${k.table.key.join(', ')}`, [connectionId])).map((r) => k.fromRow(r));
  return { products: await read(KINDS.products), processing: await read(KINDS.processing), payouts: await read(KINDS.payouts) };
}

const emptyResult = (): KindResult => ({ inserted: 0, updated: 0, removed: 0, unchanged: 0 });

/** The cost tables over a store's driver (CostStore). */
export class SqlCosts implements CostStore {
  private readonly events: CostEvents;

  constructor(private readonly ctx: StoreContext) {
    this.events = new CostEvents(ctx);
  }

  private get db() {
    return this.ctx.db;
  }

  rates(connectionId: string): Promise<Rates> {
    return this.ctx.lock.run(() => readRates(this.ctx, connectionId));
  }

  async spendRows(connectionId: string, q: { from?: string; to?: string; sourceKind?: SourceKind } = {}): Promise<SpendRow[]> {
    const params: Value[] = [connectionId];
    const add = (v: Value) => (params.push(v), `$${params.length}`);
    const where = [
      'connection_id = $1',
      ...(q.from ? [`day >= ${add(q.from)}`] : []),
      ...(q.to ? [`day <= ${add(q.to)}`] : []),
      ...(q.sourceKind ? [`source_kind = ${add(q.sourceKind)}`] : []),
    ];
    const rows = await this.ctx.lock.run(() => this.db.query(`SELECT * FROM ad_spend WHERE ${where.join(' AND ')} ORDER BY day, source_kind, source, platform, currency`, params));
    return rows.map((r) => KINDS.spend.fromRow(r));
  }

  async applyCostChanges(connectionId: string, change: CostChangeSet, author: ChangeAuthor): Promise<CostChangeResult> {
    return this.ctx.lock.run(() =>
      this.db.transaction(async () => {
        const kinds = { products: emptyResult(), processing: emptyResult(), payouts: emptyResult(), spend: emptyResult() } as Record<CostKind, KindResult>;
        const audit: Row[] = [];
        const [last] = await this.db.query('SELECT MAX(change_id) AS m FROM cost_changes WHERE connection_id = $1', [connectionId]);
        let next = n(last?.m) + 1;
        const at = Date.now();
        const record = (kind: CostKind, item: Record<string, unknown>, before: Record<string, unknown> | null, after: Record<string, unknown> | null) =>
          audit.push({ change_id: next++, changed_at: at, actor: author.actor, via: author.via, origin: author.origin, kind, item: JSON.stringify(item), old_value: before && JSON.stringify(before), new_value: after && JSON.stringify(after) });
        const apply = async <T>(kind: CostKind, spec: KindSpec<T>, given: readonly T[], replace: boolean, stored: Row[], removeKeys: Set<string>) => {
          const table = spec.table;
          const byKey = new Map(stored.map((r) => [keyOf(table, r), r]));
          const put: Row[] = [];
          const seen = new Set<string>();
          for (const g of given) {
            const row = spec.toRow(g);
            const k = keyOf(table, row);
            if (seen.has(k)) throw new RangeError(`${kind}: the same key is given twice (${JSON.stringify(spec.item(g))})`);
            seen.add(k);
            const old = byKey.get(k);
            if (old && sameValues(old, row, table)) kinds[kind].unchanged++;
            else {
              put.push(row);
              if (old) kinds[kind].updated++;
              else kinds[kind].inserted++;
              record(kind, spec.item(g), old ? spec.values(spec.fromRow(old)) : null, spec.values(g));
            }
          }
          const gone = [...byKey].filter(([k]) => (replace && !seen.has(k)) || removeKeys.has(k));
          for (const [, old] of gone) {
            const o = spec.fromRow(old);
            const keyCols = table.key.filter((c) => c !== 'connection_id');
            await this.db.exec(`DELETE FROM ${table.name} WHERE connection_id = $1 AND ${keyCols.map((c, i) => `${c} = $${i + 2}`).join(' AND ')}`, [connectionId, ...keyCols.map((c) => old[c] ?? null)]);
            kinds[kind].removed++;
            record(kind, spec.item(o), spec.values(o), null);
          }
          if (put.length > 0) await this.db.upsert(table, put, { connection_id: connectionId });
          return put.length + gone.length > 0;
        };
        const readAll = (spec: TableSpec) => this.db.query(`SELECT * FROM ${spec.name} WHERE connection_id = $1`, [connectionId]);
        const replace = new Set(change.replace ?? []);
        let ratesChanged = false;
        for (const kind of ['products', 'processing', 'payouts'] as const) {
          const given = (change[kind] ?? []) as never[];
          if (given.length === 0 && !replace.has(kind)) continue;
          const spec = KINDS[kind] as KindSpec<never>;
          if (await apply(kind, spec, given, replace.has(kind), await readAll(spec.table), new Set())) ratesChanged = true;
        }
        const spend = change.spend ?? [];
        const removeSpend = change.removeSpend ?? [];
        if (spend.length + removeSpend.length > 0) {
          // Only the days touched are read back: spend grows by the day, a change touches a few.
          const days = [...new Set([...spend, ...removeSpend].map((r) => r.day))];
          const stored = await this.db.query(`SELECT * FROM ad_spend WHERE connection_id = $1 AND day IN (SELECT v FROM (${await this.db.textSet('key', days)}) AS d(v))`, [connectionId]);
          const removeKeys = new Set(removeSpend.map((r) => keyOf(AD_SPEND, KINDS.spend.toRow({ ...r, spendCents: 0 }))));
          await apply('spend', KINDS.spend, spend, false, stored, removeKeys);
        }
        if (audit.length > 0) await this.db.insert(COST_CHANGES, audit, { connection_id: connectionId });
        if (ratesChanged) await this.events.rebuild(connectionId);
        return { kinds, changes: audit.length, rebuilt: ratesChanged };
      }),
    );
  }

  async costChanges(connectionId: string, q: { limit?: number; kind?: CostKind } = {}): Promise<CostChangeRecord[]> {
    const params: Value[] = [connectionId];
    const kind = q.kind ? ` AND kind = $2` : '';
    if (q.kind) params.push(q.kind);
    const limit = Math.max(1, Math.min(q.limit ?? 200, 10_000));
    const rows = await this.ctx.lock.run(() =>
      this.db.query(`SELECT change_id, ${this.db.sql.epochMs('changed_at')} AS at, actor, via, origin, kind, item, old_value, new_value FROM cost_changes WHERE connection_id = $1${kind} ORDER BY change_id DESC LIMIT ${limit}`, params),
    );
    const json = (v: Value | undefined) => (v === null || v === undefined ? null : (JSON.parse(String(v)) as Record<string, unknown>));
    return rows.map((r) => ({
      changeId: n(r.change_id), at: n(r.at), actor: s(r.actor), via: s(r.via), origin: r.origin === null ? null : s(r.origin), kind: s(r.kind) as CostKind,
      item: json(r.item) ?? {}, before: json(r.old_value), after: json(r.new_value),
    }));
  }

  async rebuildCostEvents(connectionId?: string): Promise<void> {
    const ids = connectionId !== undefined ? [connectionId] : (await this.ctx.lock.run(() => this.db.query('SELECT connection_id FROM connections'))).map((r) => s(r.connection_id));
    for (const id of ids) await this.ctx.lock.run(() => this.db.transaction(() => this.events.rebuild(id)));
  }
}
