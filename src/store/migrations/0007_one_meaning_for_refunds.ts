/**
 * Migration 7 (frozen: never edit an applied migration; add a new one): one name, one meaning. The
 * customer facts' refund_cents excluded chargebacks while event_slots' included them; both are now
 * refunds_cents, refunds, voids and chargebacks together (the ledger's `refunds` measure), and the
 * chargeback sums are chargebacks_cents.
 */
import type { Migration } from './migration.js';

const statements = [
  `ALTER TABLE customer_facts RENAME COLUMN refund_cents TO refunds_cents`,
  `ALTER TABLE customer_facts RENAME COLUMN chargeback_cents TO chargebacks_cents`,
  `UPDATE customer_facts SET refunds_cents = refunds_cents + chargebacks_cents`,
  `ALTER TABLE event_slots RENAME COLUMN refund_cents TO refunds_cents`,
  `ALTER TABLE event_slots RENAME COLUMN chargeback_cents TO chargebacks_cents`,
];

export default {
  version: 7,
  name: 'one meaning for refunds',
  duckdb: statements,
  postgres: statements,
} satisfies Migration;
