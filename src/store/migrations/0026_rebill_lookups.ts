/**
 * Migration 26 (frozen: never edit an applied migration; add a new one): agg_rebill_tries, the scratch
 * of rebill_tries' refresh (the touched purchases' new rows, summed into rebill_rates before they replace
 * the old ones; empty between transactions, no key: filled and emptied whole); and, on DuckDB, an ART
 * index on purchases (purchase_id), so that a write of a page of purchase records reads those purchases
 * alone (src/store/rebill-rates.ts writingPurchases, through SqlDialect.rowsByKeys) instead of scanning
 * them all (2,000,000 at 10,000,000 transactions). DuckDB reads an index for a list of constants on its
 * one column only, not through the (connection_id, purchase_id) key. PostgreSQL reads them by that key,
 * which leads with connection_id: no index there.
 */
import type { Migration } from './migration.js';

const scratch = 'CREATE TABLE IF NOT EXISTS agg_rebill_tries (connection_id TEXT, purchase_id TEXT, currency TEXT, cycle INTEGER, first_ok INTEGER, first_soft INTEGER, ok INTEGER, open INTEGER, held INTEGER)';

export default {
  version: 26,
  name: 'rebill lookups by purchase',
  duckdb: [
    scratch,
    'CREATE INDEX IF NOT EXISTS purchases_purchase_id ON purchases (purchase_id)',
  ],
  postgres: [scratch],
} satisfies Migration;
