/**
 * Entering costs, the same way for `konduit costs import`, the web's tables and the HTTP API: read the
 * file or rows against the connection (its base currency is the currency of rows that name none; its
 * campaigns' names resolve a campaign given by name), then write the change in one transaction with
 * who made it. A problem anywhere and nothing is written.
 */
import type { ConnectionSummary, Store } from '../store/store.js';
import type { ChangeAuthor, CostChangeResult, CostChangeSet, CostKind } from '../store/costs.js';
import type { RateKind } from '../ledger/costs.js';
import { readCostFile, readCostRows, type ReadOptions, type ReadResult } from './read.js';

type CostWriter = Pick<Store, 'query' | 'applyCostChanges'>;

/** The ids of a connection's campaigns by lowercased name. */
export async function campaignLookup(store: Pick<Store, 'query'>, connectionId: string): Promise<(name: string) => number[]> {
  const rows = await store.query('SELECT campaign_id, name FROM campaigns WHERE connection_id = $1 AND name IS NOT NULL', [connectionId]);
  const byName = new Map<string, number[]>();
  for (const r of rows) {
    const k = String(r.name).trim().toLowerCase();
    byName.set(k, [...(byName.get(k) ?? []), Number(r.campaign_id)]);
  }
  return (name) => byName.get(name.trim().toLowerCase()) ?? [];
}

export interface ImportOptions extends Omit<ReadOptions, 'currency' | 'campaignIds'> {
  /** The currency of rows that name none (default: the connection's base currency). */
  currency?: string;
  /** The file's kinds of rates are given whole: stored rates of those kinds it does not hold are removed. */
  replace?: boolean;
  /** Read and count only; write nothing. */
  dryRun?: boolean;
}

/** What an import did. */
export interface ImportResult extends Omit<ReadResult, 'change'> {
  result: CostChangeResult | null;
  /** Rows of each kind the file held. */
  held: Record<CostKind, number>;
}

const heldOf = (c: CostChangeSet): Record<CostKind, number> => ({ products: c.products?.length ?? 0, processing: c.processing?.length ?? 0, payouts: c.payouts?.length ?? 0, spend: c.spend?.length ?? 0 });

/** Imports a cost file (CSV or YAML) into a connection's costs. */
export async function importCostFile(store: CostWriter, conn: ConnectionSummary, bytes: Uint8Array, o: ImportOptions, author: ChangeAuthor): Promise<ImportResult> {
  const read = readCostFile(bytes, { ...o, currency: o.currency ?? conn.baseCurrency, campaignIds: await campaignLookup(store, conn.connectionId) });
  const replace = o.replace ? (['products', 'processing', 'payouts'] as RateKind[]).filter((k) => (read.change[k]?.length ?? 0) > 0) : [];
  const change = { ...read.change, replace };
  const result = o.dryRun ? null : await store.applyCostChanges(conn.connectionId, change, author);
  return { layout: read.layout, rows: read.rows, skipped: read.skipped, result, held: heldOf(read.change) };
}

/**
 * Writes rows of one kind as the web and the API send them. `replace`: the rows are the whole set of
 * that kind (a rate table edited in the web); otherwise they are added or replace rows of the same key.
 */
export async function saveCostRows(
  store: CostWriter,
  conn: ConnectionSummary,
  kind: CostKind,
  rows: readonly Record<string, unknown>[],
  o: { replace: boolean; origin: string; platform?: string },
  author: ChangeAuthor,
): Promise<CostChangeResult> {
  const change = readCostRows(kind, rows, { file: o.origin, currency: conn.baseCurrency, platform: o.platform, campaignIds: await campaignLookup(store, conn.connectionId) });
  if (o.replace && kind !== 'spend') change.replace = [kind];
  return store.applyCostChanges(conn.connectionId, change, author);
}
