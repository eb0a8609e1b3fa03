/**
 * Rules across rows and files, with memory that grows by a few dozen bytes per transaction and never
 * holds a string per row (see hash-table.ts):
 * - merchantTxnId is unique; a parentTxnId names a merchantTxnId of the file (before or after it);
 * - a refund is not larger than what remains of its parent (parent total minus earlier successful
 *   refunds; parents that come later in the file are settled at the end, in file order);
 * - one customerId, one identity (first name, last name, email; compared exactly except for ASCII
 *   case): a different one is a warning;
 * - the notes and details files name customerIds of the transactions file.
 *
 * Memory is capped (docs/import-files.md: under 300 MB whatever the file size): each table stops at 2^22 slots
 * (67 MB, about 2.9 million keys). Past that, new ids are no longer remembered, checks that would need
 * them are skipped rather than guessed (never a false error), and the file gets one warning saying so.
 */
import { formatCents } from '../../core/money.js';
import { TX } from '../spec/columns.js';
import { HashTable64, SEED_A, SEED_B, hashFolded, hashPair, pair } from './hash-table.js';
import type { Check, IssueCode, IssueParams } from '../spec/messages.js';
import type { RowView } from '../read/row.js';
import type { Reporter } from './row-rule.js';

const TXN_REFUND = 3; // index of REFUND in txnType's values
const RESPONSE_SUCCESS = 0; // index of SUCCESS in responseType's values

/**
 * The cross-row and cross-file check and the codes it raises. This state decides all of them; the file
 * validator reports `customer_not_in_transactions` (from hasCustomer) and validate.ts reports
 * `cross_row_checks_limited` (from `limited`), once per file.
 */
export const crossRowCheck: Check = {
  name: 'cross-row',
  raises: [
    'duplicate_merchant_txn_id',
    'parent_not_found',
    'refund_exceeds_parent',
    'customer_identity_mismatch',
    'customer_not_in_transactions',
    'cross_row_checks_limited',
  ],
};

/** Reports an issue on a row that is no longer the current one (forward references). */
export type LateReporter = (code: IssueCode, column: number, row: number, line: number, value: string, params: IssueParams) => void;

interface PendingRef {
  a: number;
  b: number;
  row: number;
  line: number;
  /** Refund amount in cents, or NaN when the row is not a refund with a valid amount. */
  amount: number;
  success: boolean;
  value: string;
}

/** Amounts are kept as int32 cents; a total beyond ~21 million is not tracked (marked unknown). */
const UNKNOWN = -0x80000000;
const MAX_TRACKED = 0x7fffffff;

/** Cross-row state of one validation run. */
export class CrossRowState {
  private readonly txns: HashTable64;
  private readonly customers: HashTable64;
  private readonly pending: PendingRef[] = [];
  private readonly maxPending: number;
  /** Some rows were not remembered (memory cap): cross-row checks are incomplete. */
  limited = false;
  /** Transactions remembered for cross-row checks. */
  get tracked(): number {
    return this.txns.size;
  }

  /**
   * `expectedRows`: a guess of the transaction count, to size the tables once. `maxBits`: the size cap
   * of each table (2^maxBits slots), lowered only by tests.
   */
  constructor(expectedRows = 0, maxBits = 22) {
    this.txns = new HashTable64(expectedRows, maxBits);
    this.customers = new HashTable64(expectedRows, maxBits);
    // Forward references keep their parentTxnId text for the report: bound them too (~30 MB at most).
    this.maxPending = Math.floor((1 << maxBits) / 16);
  }
  /** False when the transactions file could not provide customerIds (then notes/details are not matched). */
  customersKnown = false;

  /** Registers a checked transaction row; reports duplicates, identity changes and backward references. */
  addTransaction(row: RowView, out: Reporter): void {
    const { buf, s, e, ok, num } = row;
    if (ok[TX.merchantTxnId]) {
      const k = TX.merchantTxnId;
      const a = hashPair(SEED_A, SEED_B, buf, s[k]!, e[k]!);
      const slot = this.txns.upsert(a, pair.b);
      if (slot < 0) {
        this.limited = true;
      } else if (!this.txns.inserted) {
        out.report('duplicate_merchant_txn_id', k, { firstRow: this.txns.row(slot) });
      } else {
        const total = ok[TX.totalAmount] ? num[TX.totalAmount]! : UNKNOWN;
        // The value is what remains of the transaction for refunds: its total, less approved refunds.
        this.txns.set(slot, row.row, total >= 0 && total <= MAX_TRACKED ? total : UNKNOWN);
      }
    }
    if (ok[TX.parentTxnId]) {
      const k = TX.parentTxnId;
      const a = hashPair(SEED_A, SEED_B, buf, s[k]!, e[k]!);
      const b = pair.b;
      const isRefund = ok[TX.txnType] === 1 && num[TX.txnType] === TXN_REFUND && ok[TX.totalAmount] === 1;
      const amount = isRefund ? num[TX.totalAmount]! : Number.NaN;
      const success = ok[TX.responseType] === 1 && num[TX.responseType] === RESPONSE_SUCCESS;
      const slot = this.txns.find(a, b);
      if (slot >= 0) {
        this.settleRefund(slot, amount, success, (code, params) => out.report(code, TX.totalAmount, params));
      } else if (this.pending.length < this.maxPending) {
        this.pending.push({ a, b, row: row.row, line: row.line, amount, success, value: row.text(k) });
      } else {
        this.limited = true;
      }
    }
    if (ok[TX.customerId]) {
      const k = TX.customerId;
      const slot = this.customers.upsert(hashPair(SEED_A, SEED_B, buf, s[k]!, e[k]!), pair.b);
      if (slot < 0) {
        this.limited = true;
        return;
      }
      // A 32-bit hash is enough for the identity: a missed difference only loses a warning.
      let id = hashFolded(SEED_A, buf, s[TX.firstName]!, e[TX.firstName]!);
      id = hashFolded(id ^ 0x1f, buf, s[TX.lastName]!, e[TX.lastName]!);
      id = hashFolded(id ^ 0x1f, buf, s[TX.emailAddress]!, e[TX.emailAddress]!);
      if (this.customers.inserted) {
        this.customers.set(slot, row.row, id);
      } else if (this.customers.value(slot) !== id) {
        out.report('customer_identity_mismatch', k, { firstRow: this.customers.row(slot) });
      }
    }
  }

  private settleRefund(slot: number, amount: number, success: boolean, report: (code: IssueCode, p: IssueParams) => void): void {
    const remaining = this.txns.value(slot);
    if (Number.isNaN(amount) || remaining === UNKNOWN) return;
    if (amount > remaining) {
      report('refund_exceeds_parent', {
        amount: formatCents(amount),
        remaining: formatCents(remaining),
        parentRow: this.txns.row(slot),
      });
    } else if (success) {
      // Only an approved refund consumes the parent; a declined one moved no money.
      this.txns.setValue(slot, remaining - amount);
    }
  }

  /** Settles references to parents that came later in the file, or never. */
  finishTransactions(report: LateReporter): void {
    for (const p of this.pending) {
      const slot = this.txns.find(p.a, p.b);
      if (slot < 0) {
        // With the table full the parent may be one of the ids not remembered: say nothing.
        if (!this.txns.full) report('parent_not_found', TX.parentTxnId, p.row, p.line, p.value, {});
        continue;
      }
      this.settleRefund(slot, p.amount, p.success, (code, params) =>
        report(code, TX.totalAmount, p.row, p.line, formatCents(p.amount), params),
      );
    }
    this.pending.length = 0;
  }

  /** Whether the transactions file has this customerId (true when unknown because of the memory cap). */
  hasCustomer(buf: Uint8Array, s: number, e: number): boolean {
    return this.customers.find(hashPair(SEED_A, SEED_B, buf, s, e), pair.b) >= 0 || this.customers.full;
  }
}
