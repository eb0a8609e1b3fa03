/**
 * Reading the CRM's side of a reconciliation (docs/metrics.md, "Reconciliation"): its own
 * transactions/summary report per day and per campaign, the transactions changed since a given day
 * (dateUpdated), and the records a sync set aside as unreadable, each read leniently into the shapes of
 * core/crm-summary.ts.
 */
import type { CountAndCents, CrmSummaryLine, CrmTxnView } from '../core/crm-summary.js';
import { currencyOf } from '../core/currency.js';
import { crmWallToInstant } from '../core/time.js';
import { crmDate, type CrmClient } from './client.js';
import { readFlag, readInt, readMoney, readText, readWall } from './schemas.js';

/** A field read leniently: its value, or null when absent or unreadable. */
function lenient<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

const count = (o: Record<string, unknown>, f: string) => lenient(() => readInt(o[f], f)) ?? 0;
const money = (o: Record<string, unknown>, f: string) => lenient(() => readMoney(o[f], f)) ?? 0;
const pair = (c: number, cents: number): CountAndCents => ({ count: c, cents });

/** One summary row read into a line; `key` is the row's date or campaign id. */
export function readSummaryLine(row: unknown, reportType: 'date' | 'campaign', baseCurrency: string): CrmSummaryLine | null {
  if (!row || typeof row !== 'object' || Array.isArray(row)) return null;
  const o = row as Record<string, unknown>;
  const key = reportType === 'date' ? lenient(() => readWall(o.date, 'date', true)) : lenient(() => readInt(o.campaignId, 'campaignId'));
  if (key === null) return null;
  return {
    key: String(key),
    name: reportType === 'campaign' ? lenient(() => readText(o.campaignName, 'campaignName')) : null,
    currency: currencyOf(lenient(() => readText(o.currencyCode, 'currencyCode')), lenient(() => readText(o.currencySymbol, 'currencySymbol')), baseCurrency),
    sales: pair(count(o, 'newSaleCnt') + count(o, 'rebillCnt'), money(o, 'newSaleRev') + money(o, 'rebillRev')),
    refunds: pair(count(o, 'refundCnt'), money(o, 'refundRev')),
    chargebacks: pair(count(o, 'chargebackCnt'), money(o, 'chargebackRev')),
  };
}

/** transactions/summary over account days `from`..`to`, per day or per campaign ("No records" is none). */
export async function transactionSummary(client: CrmClient, q: { from: string; to: string; reportType: 'date' | 'campaign'; baseCurrency: string }): Promise<CrmSummaryLine[]> {
  const res = await client.request('transactions/summary', { startDate: crmDate(q.from), endDate: crmDate(q.to), reportType: q.reportType });
  if (res === null) return [];
  const rows = Array.isArray(res.message) ? res.message : [];
  return rows.map((r) => readSummaryLine(r, q.reportType, q.baseCurrency)).filter((x): x is CrmSummaryLine => x !== null);
}

/**
 * A transaction record read leniently (every field that can be read; an unreadable one is null); null
 * when not even its id can be found. A quarantined record's id may be written oddly ("TX123"): its digits
 * are the id the CRM's other records refer to it by.
 */
export function readTxnView(record: unknown, accountZone: string, baseCurrency: string): CrmTxnView | null {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return null;
  const o = record as Record<string, unknown>;
  const id = lenient(() => readInt(o.transactionId, 'transactionId')) ?? (typeof o.transactionId === 'string' && /^\D{0,4}\d{1,15}$/.test(o.transactionId) ? Number(o.transactionId.replace(/\D/g, '')) : null);
  if (id === null) return null;
  const created = lenient(() => readWall(o.dateCreated, 'dateCreated'));
  return {
    transactionId: id,
    txnType: lenient(() => readText(o.txnType, 'txnType'))?.trim().toUpperCase() ?? null,
    responseType: lenient(() => readText(o.responseType, 'responseType'))?.trim().toUpperCase().replace(/\s+/g, '_') ?? null,
    amountCents: lenient(() => readMoney(o.totalAmount, 'totalAmount')),
    createdAt: created === null ? null : crmWallToInstant(created, accountZone),
    parentTxnId: lenient(() => readInt(o.parentTxnId, 'parentTxnId')),
    campaignId: lenient(() => readInt(o.campaignId, 'campaignId')),
    currency: currencyOf(lenient(() => readText(o.currencyCode, 'currencyCode')), lenient(() => readText(o.currencySymbol, 'currencySymbol')), baseCurrency),
    isChargedback: lenient(() => readFlag(o.isChargedback, 'isChargedback')) ?? false,
    chargebackCents: lenient(() => readMoney(o.chargebackAmount, 'chargebackAmount')),
  };
}

/** The transactions the CRM changed (dateUpdated) on account days `from`..`to`, read leniently. */
export async function changedTransactions(client: CrmClient, q: { from: string; to: string; accountZone: string; baseCurrency: string }): Promise<CrmTxnView[]> {
  const out: CrmTxnView[] = [];
  for await (const page of client.pages('transactions/query', { startDate: crmDate(q.from), endDate: crmDate(q.to), dateRangeType: 'dateUpdated' })) {
    for (const r of page.records) {
      const v = readTxnView(r, q.accountZone, q.baseCurrency);
      if (v) out.push(v);
    }
  }
  return out;
}

/** The records of the transactions stream a sync set aside (their masked copies), read leniently. */
export function quarantinedTransactions(held: readonly { stream: string; raw: string }[], accountZone: string, baseCurrency: string): CrmTxnView[] {
  const out: CrmTxnView[] = [];
  for (const q of held) {
    if (q.stream !== 'transactions') continue;
    const v = lenient(() => readTxnView(JSON.parse(q.raw) as unknown, accountZone, baseCurrency));
    if (v) out.push(v);
  }
  return out;
}

/** Everything reconciliation asks of the CRM for a range (account days). */
export interface CrmSide {
  days: CrmSummaryLine[];
  campaigns: CrmSummaryLine[];
  changed: CrmTxnView[];
  quarantined: CrmTxnView[];
}

/**
 * Reads the CRM's side of a reconciliation: the summary per day and per campaign over `from`..`to`, the
 * transactions changed from `changedFrom` (the day of Konduit's as-of) through `changedTo`, and the
 * quarantined records given (read leniently). Nothing is asked by dateUpdated when `changedFrom` is null.
 */
export async function readCrmSide(
  client: CrmClient,
  a: { from: string; to: string; accountZone: string; baseCurrency: string; changedFrom: string | null; changedTo: string; quarantine: readonly { stream: string; raw: string }[] },
): Promise<CrmSide> {
  const [days, campaigns, changed] = await Promise.all([
    transactionSummary(client, { from: a.from, to: a.to, reportType: 'date', baseCurrency: a.baseCurrency }),
    transactionSummary(client, { from: a.from, to: a.to, reportType: 'campaign', baseCurrency: a.baseCurrency }),
    a.changedFrom === null || a.changedFrom > a.changedTo ? Promise.resolve([]) : changedTransactions(client, { from: a.changedFrom, to: a.changedTo, accountZone: a.accountZone, baseCurrency: a.baseCurrency }),
  ]);
  return { days, campaigns, changed, quarantined: quarantinedTransactions(a.quarantine, a.accountZone, a.baseCurrency) };
}
