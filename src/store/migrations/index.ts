/** Every migration, in order (each file is frozen once shipped: see migration.ts). */
import type { Migration } from './migration.js';
import m1 from './0001_initial_schema.js';
import m2 from './0002_unique_connection_names.js';
import m3 from './0003_deferred_customer_facts.js';
import m4 from './0004_report_pre_aggregates.js';
import m5 from './0005_drop_agg_slot_delta.js';
import m6 from './0006_rebuild_pending.js';
import m7 from './0007_one_meaning_for_refunds.js';
import m8 from './0008_real_accounts.js';
import m9 from './0009_coverage.js';
import m10 from './0010_order_items.js';
import m12 from './0012_card_reasons_and_mid_alerts.js';
import m14 from './0014_costs.js';
import m15 from './0015_subscription_cycles.js';
import m16 from './0016_attempt_days.js';
import m17 from './0017_cohort_months.js';
import m18 from './0018_order_first_sales.js';
import m19 from './0019_card_report_tables.js';
import m20 from './0020_breakdown_days.js';
import m21 from './0021_retention_days.js';
import m22 from './0022_purchases_dirty.js';
import m23 from './0023_chargeback_refunds.js';
import m24 from './0024_rebill_rates.js';
import m25 from './0025_customer_lookup_indexes.js';
import m26 from './0026_rebill_lookups.js';

export type { Migration } from './migration.js';
export const MIGRATIONS: readonly Migration[] = [m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m12, m14, m15, m16, m17, m18, m19, m20, m21, m22, m23, m24, m25, m26];
