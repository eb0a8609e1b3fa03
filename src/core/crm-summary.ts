/**
 * What reconciliation (docs/metrics.md, "Reconciliation") receives from the CRM, as data: the rows of the
 * CRM's own transactions/summary report, and transactions as the CRM has them now (those changed since
 * Konduit's last sync, and the records a sync set aside as unreadable). src/crm/summary.ts reads them from
 * the API; src/analytics/reconcile.ts compares them with the store and never calls the CRM itself (the
 * shapes live in core, so both can name them).
 */

/** A count and a sum in hundredths of the row's currency. */
export interface CountAndCents {
  count: number;
  cents: number;
}

/** One row of transactions/summary: a day (reportType=date) or a campaign (reportType=campaign), in one currency. */
export interface CrmSummaryLine {
  /** "YYYY-MM-DD" (account zone) for a day row; the campaign id as text for a campaign row. */
  key: string;
  /** The campaign's name on a campaign row. */
  name: string | null;
  /** ISO 4217, from the row's currency symbol (docs/metrics.md, "Currency"). */
  currency: string;
  /** New sales and rebills together (newSaleCnt + rebillCnt, newSaleRev + rebillRev). */
  sales: CountAndCents;
  refunds: CountAndCents;
  chargebacks: CountAndCents;
}

/**
 * A transaction as the CRM has it, read leniently: what its contribution to the summary needs. A field
 * the record holds unreadable is null (an amount "abc" of a record in quarantine).
 */
export interface CrmTxnView {
  transactionId: number;
  txnType: string | null;
  responseType: string | null;
  amountCents: number | null;
  /** Its creation as a UTC instant (epoch ms); null when unreadable. */
  createdAt: number | null;
  parentTxnId: number | null;
  campaignId: number | null;
  currency: string;
  isChargedback: boolean;
  chargebackCents: number | null;
}
