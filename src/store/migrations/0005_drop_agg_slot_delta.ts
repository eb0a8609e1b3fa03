/** Migration 5 (frozen: never edit an applied migration; add a new one): event_slots deltas staged by the engine. */
import type { Migration } from './migration.js';

export default {
  version: 5,
  name: 'event_slots deltas staged by the engine',
  duckdb: [
    `DROP TABLE IF EXISTS agg_slot_delta`,
  ],
  postgres: [
    `DROP TABLE IF EXISTS agg_slot_delta`,
  ],
} satisfies Migration;
