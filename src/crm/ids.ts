/**
 * The CRM's own ids a legacy import needs (step 4 of the CRM's migration guide): campaigns with their campaign products (the
 * import's productId is the campaign product id, not the base product id, and the product must be sold
 * one-time or recurring as the import uses it) from campaign/query's nested products, and MIDs from
 * recent transactions.
 * The API has no MID list (docs/crm-api.md, "Endpoints Konduit reads"): MIDs are those transactions of the last `days` days
 * were billed on, so a MID without recent transactions is not listed (midsComplete is false).
 */
import type { Billing, CrmIdLists } from '../core/crm-ids.js';
import { crmDate, type Endpoint, type Page } from './client.js';

/** The client's paging (CrmClient satisfies it). */
export interface CrmPages {
  pages(endpoint: Endpoint, params: Record<string, string>, opts?: { perPage?: number }): AsyncIterable<Page>;
}

type Rec = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const int = (v: unknown): number | null => (/^\d+$/.test(str(v).trim()) ? Number(str(v).trim()) : null);

/**
 * One or recurring, from what the record says (pure): the sandbox's billingCycleType; otherwise a rebill
 * price or interval; UNKNOWN when the record says neither (check it in the CRM).
 */
export function billingOf(p: Rec): Billing {
  const t = str(p.billingCycleType ?? p.productType ?? p.billingType).toUpperCase();
  if (/ONE[_ ]?TIME|STRAIGHT/.test(t)) return 'ONE_TIME';
  if (/RECURRING|SUBSCRIPTION|CONTINUITY/.test(t)) return 'RECURRING';
  if (int(p.billingIntervalDays) || int(p.rebillDays) || str(p.rebillPrice) !== '') return 'RECURRING';
  return 'UNKNOWN';
}

/** The campaign products of a campaign record (an array or an object keyed by id), names without the "(id) " prefix. */
export function campaignProducts(c: Rec): CrmIdLists['campaigns'][number]['products'] {
  const raw = c.products;
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
  return (list as Rec[]).flatMap((p) => {
    const id = int(p.campaignProductId);
    if (id === null) return [];
    return [{ campaignProductId: id, productId: int(p.productId), name: str(p.productName ?? p.name).replace(/^\(\d+\)\s*/, ''), billing: billingOf(p) }];
  });
}

/** Lists the campaigns with their campaign products, and the MIDs of the last `days` days (at most `maxPages` pages read). */
export async function listCrmIds(crm: CrmPages, o: { today: string; days?: number; maxPages?: number }): Promise<CrmIdLists> {
  const campaigns: CrmIdLists['campaigns'] = [];
  for await (const page of crm.pages('campaign/query', {}, { perPage: 200 })) {
    for (const c of page.records as Rec[]) {
      const campaignId = int(c.campaignId);
      if (campaignId !== null) campaigns.push({ campaignId, name: str(c.campaignName), products: campaignProducts(c) });
    }
  }
  const mids = new Map<number, CrmIdLists['mids'][number]>();
  const start = new Date(Date.parse(`${o.today}T00:00:00Z`) - (o.days ?? 30) * 86_400_000).toISOString().slice(0, 10);
  let pages = 0;
  // MIDs repeat on every page: a few pages of recent transactions show them; the rest would only cost requests.
  for await (const page of crm.pages('transactions/query', { startDate: crmDate(start), endDate: crmDate(o.today) }, { perPage: 200 })) {
    for (const t of page.records as Rec[]) {
      const id = int(t.merchantId);
      if (id !== null && !mids.has(id)) mids.set(id, { merchantId: id, name: str(t.merchant), descriptor: str(t.merchantDescriptor) || null });
    }
    if (++pages >= (o.maxPages ?? 25)) break;
  }
  return { campaigns: campaigns.sort((a, b) => a.campaignId - b.campaignId), mids: [...mids.values()].sort((a, b) => a.merchantId - b.merchantId), midsComplete: false };
}
