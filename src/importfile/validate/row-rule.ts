/**
 * What a cross-field rule is: a Check (spec/messages.ts) that looks at one row at a time, after the field
 * checks, and reports through a Reporter (the file validator) so that issues stay data until the report.
 */
import type { RowView } from '../read/row.js';
import type { Billing, CrmIdLists } from '../../core/crm-ids.js';
import type { Check, IssueCode, IssueParams } from '../spec/messages.js';

/** Where rules report what they find on the current row. */
export interface Reporter {
  /**
   * Reports an issue on the current row at spec column `column` (-1 for the whole row). `shown` replaces
   * the cell as the issue's value (a masked part of it).
   */
  report(code: IssueCode, column: number, params?: IssueParams, shown?: string): void;
}

/** Run-wide facts rules may need. */
export interface RuleContext {
  /** Today as yyyymmdd. */
  today: number;
  /** The planned import date as yyyymmdd (an active subscription due before it would rebill at once). */
  importDate: number;
  /** The CRM's ids, when a connection or an ids file was given (rules/id-not-in-crm.ts). */
  crm: CrmIdIndex | null;
}

/** The CRM's ids indexed for the per-row checks. */
export interface CrmIdIndex {
  /** Per campaignId, its campaign products and how each bills. */
  campaigns: Map<number, Map<number, Billing>>;
  /** Per campaignId, base product id -> its campaign product ids (to say which id was meant). */
  bases: Map<number, Map<number, string>>;
  mids: Set<number>;
  /** A short list of the known ids, for messages. */
  knownCampaigns: string;
  knownMids: string;
}

/** Indexes the CRM's id lists (pure). */
export function indexCrmIds(ids: CrmIdLists): CrmIdIndex {
  const campaigns = new Map(ids.campaigns.map((c) => [c.campaignId, new Map(c.products.map((p) => [p.campaignProductId, p.billing]))]));
  const bases = new Map(
    ids.campaigns.map((c) => {
      const by = new Map<number, string>();
      for (const p of c.products) if (p.productId !== null) by.set(p.productId, by.has(p.productId) ? `${by.get(p.productId)}, ${p.campaignProductId}` : String(p.campaignProductId));
      return [c.campaignId, by];
    }),
  );
  const list = (xs: number[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')}, ...` : xs.join(', ') || 'none');
  return {
    campaigns,
    bases,
    mids: new Set(ids.mids.map((m) => m.merchantId)),
    knownCampaigns: `campaigns ${list(ids.campaigns.map((c) => c.campaignId))}`,
    knownMids: `MIDs ${list(ids.mids.map((m) => m.merchantId))}`,
  };
}

/** A cross-field rule: one small file each, named for what it forbids, with the codes it raises (docs/architecture.md, "The import files"). */
export interface RowRule extends Check {
  /** What the rule forbids, in one sentence (goes into docs/import-files.md). */
  forbids: string;
  /** Spec columns whose required-if condition this rule enforces (tests check every one is owned). */
  owns: readonly string[];
  check(row: RowView, out: Reporter, ctx: RuleContext): void;
}
