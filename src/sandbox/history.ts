/**
 * customer/history: the reference knows its parameters (customerId, startDate, endDate, paging) and that
 * the answer is paginated, but no record shape. The sandbox answers with the customer's activity in the
 * window: one entry per note and per transaction, oldest first (docs/sandbox.md says so).
 */
import { formatCents } from '../core/money.js';
import { instantToCrmWall } from '../core/time.js';
import { customerById } from './generator.js';
import type { Merchant } from './model.js';
import { MESSAGES, apiError, type ApiResponse } from './envelope.js';
import { runQuery, type EndpointSpec, type Params } from './query.js';

interface HistoryEntry {
  t: number;
  seq: number;
  kind: 'NOTE' | 'TRANSACTION';
  text: string;
  agent: string;
  ref: string | null;
}

/** Answers customer/history. */
export function customerHistory(m: Merchant, params: Params): ApiResponse {
  const id = params.customerId?.trim();
  if (!id) return apiError(MESSAGES.historyNeedsCustomer);
  const c = customerById(m, Number(id));
  const entries: HistoryEntry[] = [];
  if (c) {
    let seq = 0;
    for (const n of c.notes) entries.push({ t: n.t, seq: seq++, kind: 'NOTE', text: n.text, agent: n.agent, ref: null });
    for (const o of m.orders) {
      if (o.customer !== c) continue;
      for (const x of o.txns) {
        entries.push({
          t: x.t,
          seq: seq++,
          kind: 'TRANSACTION',
          text: `${x.type} ${x.response} ${o.campaign.currency.symbol}${formatCents(x.amount)} on order ${o.orderId}`,
          agent: 'System',
          ref: String(x.transactionId),
        });
      }
    }
  }
  const spec: EndpointSpec<HistoryEntry> = {
    path: `customer/history#${id}`,
    entity: 'history',
    table: () => entries,
    id: (e) => e.seq,
    dates: { dateCreated: (e) => e.t },
    ids: {},
    filters: {},
    datesRequired: true,
    render: (mm, e) => ({
      customerId: c?.customerId ?? null,
      dateCreated: instantToCrmWall(e.t, mm.config.timezone),
      historyType: e.kind,
      agentName: e.agent,
      message: e.text,
      transactionId: e.ref === null ? null : Number(e.ref),
    }),
  };
  // The entries are built per call, so the engine's result cache is bypassed.
  return runQuery(m, spec, params, false);
}
