/**
 * Migration 35 (frozen: never edit an applied migration; add a new one): PostgreSQL indexes for three
 * reads of a report that scanned a whole table at 10,000,000 transactions (docs/metrics.md, "Retention by
 * MID and by affiliate > sub-affiliate, and a year's reconciliation, on PostgreSQL at 10,000,000
 * transactions"):
 * - money_events' chargeback reversals by connection and instant, partial (`kind = 'chargeback_reversal'`):
 *   reconciliation reads the range's reversals from the ledger (src/analytics/reconcile.ts); without it
 *   PostgreSQL scanned the ledger's 10 million rows for them (a year: about 1 s warm, 3-5 s cold), as the
 *   (connection_id, instant) index covers half the ledger for a year. Reversals are rare: the index is
 *   small, and a write of any other event only tests the predicate.
 * - retention_days by part, currency and day, with the highest attempted cycle (`last_try`): the gap book's
 *   rows of the report's days (21,000 of 362,000 rows for a year) and the highest cycle of the `kind` rows
 *   (read from the index alone), read before every retention and forecast report from the counts.
 * - retention_days by zone: the test that no count was made in another zone than its connection's, which
 *   read every row (src/analytics/retention.ts retentionDaysStart), reads the rows outside the report's
 *   zone only.
 * DuckDB: none (its reads scan columns with zone maps; an ART index costs every write).
 */
import type { Migration } from './migration.js';

export default {
  version: 35,
  name: 'report read indexes',
  duckdb: [],
  postgres: [
    `CREATE INDEX IF NOT EXISTS money_events_reversals ON money_events (connection_id, instant) WHERE kind = 'chargeback_reversal'`,
    `CREATE INDEX IF NOT EXISTS retention_days_part_currency_day ON retention_days (part, currency, day) INCLUDE (last_try)`,
    `CREATE INDEX IF NOT EXISTS retention_days_zone ON retention_days (zone)`,
  ],
} satisfies Migration;
