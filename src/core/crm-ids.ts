/**
 * The CRM's own ids, as data (issue 17, item 4): the campaigns with their campaign products (the id the
 * import's productId wants, and whether each is sold one-time or recurring) and the MIDs. src/crm/ids.ts
 * reads them from the CRM's API for `konduit crm ids`; the import stages receive them as this list and
 * never call the CRM themselves (the shape lives in core, so both can name it).
 */

/** How a campaign product bills. */
export type Billing = 'ONE_TIME' | 'RECURRING' | 'UNKNOWN';

/** The CRM's ids. */
export interface CrmIdLists {
  campaigns: { campaignId: number; name: string; products: { campaignProductId: number; productId: number | null; name: string; billing: Billing }[] }[];
  mids: { merchantId: number; name: string; descriptor: string | null }[];
  /** False when the MIDs were read from recent transactions that may not show every MID. */
  midsComplete: boolean;
}
