/**
 * Customers: find a customer by id, name or e-mail (GET /api/customers), and one customer's page
 * (GET /api/customers/:connection/:id): identity with the payment masked, LTV and cohort, then orders,
 * transactions, subscriptions, refunds, chargebacks and every money event with the running LTV. Every
 * table that lists customers links each one here (customerHref); times are the viewer's zone.
 */
import { useEffect, useState } from 'react';
import type { CustomerJson, CustomerListJson } from '../../../report/customer';
import { api, qs } from '../api';
import { DataTable, type Cell } from '../components/DataTable';
import { count, money } from '../format';
import { Link, navigate, useLocation } from '../router';
import { useViewerZone } from '../zone';

/** The path of a customer's page (the server's customerHref says the same). */
export function customerPath(connection: string, customerId: number | string): string {
  return `/customers/${encodeURIComponent(connection)}/${customerId}`;
}

/** A link to a customer's page, for any table that lists customers. */
export function CustomerLink(props: { connection: string; customerId: number; children?: React.ReactNode }) {
  return (
    <Link to={customerPath(props.connection, props.customerId)} testId={`customer-link-${props.connection}-${props.customerId}`}>
      {props.children ?? `#${props.customerId}`}
    </Link>
  );
}

/** /customers and /customers/:connection/:id. */
export function CustomersPage(props: { path: string }) {
  const m = /^\/customers\/([^/]+)\/(\d+)$/.exec(props.path);
  if (m) return <CustomerPage connection={decodeURIComponent(m[1]!)} customerId={m[2]!} />;
  return <CustomerSearch />;
}

const text = (v: string | number | null | undefined): Cell => ({ view: v === null || v === undefined ? '–' : String(v), csv: v === null || v === undefined ? '' : String(v) });
const amount = (v: string | null, currency: string | null): Cell => ({ view: v === null ? '–' : money(v, currency ?? 'USD'), csv: v ?? '' });

function CustomerSearch() {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const [input, setInput] = useState(q);
  const [data, setData] = useState<CustomerListJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api<CustomerListJson>('GET', `/api/customers${qs({ search: q.trim(), limit: 50 })}`)
      .then((r) => live && (setData(r), setError(null)))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [q]);
  return (
    <div className="page">
    <div data-page="customers" data-ready={data !== null ? 'true' : 'false'}>
      <header className="page-head">
        <h1>Customers</h1>
        <p className="muted">Find a customer by the CRM's customer id, a name or an e-mail; open one to see every order, transaction, refund and chargeback.</p>
      </header>
      <form
        className="toolbar card"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/customers${qs({ q: input.trim() })}`);
        }}
      >
        <div className="toolbar-row">
          <label className="inline">
            <span>Search</span>
            <input type="search" name="q" value={input} onChange={(e) => setInput(e.target.value)} placeholder="id, name or e-mail" data-testid="customer-search" />
          </label>
          <button type="submit" className="btn btn-sm">Find</button>
        </div>
      </form>
      {error ? <p className="alert alert-error">{error}</p> : null}
      <DataTable
        id="customers"
        title={q ? `Customers matching “${q}”` : 'Most recently acquired customers'}
        subtitle={data?.truncated ? 'More customers match: narrow the search.' : undefined}
        filename="customers.csv"
        columns={[{ label: 'Customer' }, { label: 'Connection' }, { label: 'Name' }, { label: 'E-mail' }, { label: 'Country' }, { label: 'First sale' }, { label: 'LTV', numeric: true }, { label: 'Currency' }]}
        rows={(data?.customers ?? []).map((c) => [
          { view: <CustomerLink connection={c.connection} customerId={c.customerId} />, csv: String(c.customerId) },
          text(c.connection), text(c.name), text(c.email), text(c.country), text(c.firstSaleAt?.slice(0, 10)), amount(c.ltv, c.currency), text(c.currency),
        ])}
        empty="No customer matches."
      />
    </div>
    </div>
  );
}

const KIND: Record<string, string> = { sale: 'Sale', refund: 'Refund', void: 'Void', chargeback: 'Chargeback', chargeback_reversal: 'Chargeback reversed' };

function CustomerPage(props: { connection: string; customerId: string }) {
  const zone = useViewerZone();
  const [data, setData] = useState<CustomerJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setData(null);
    api<CustomerJson>('GET', `/api/customers/${encodeURIComponent(props.connection)}/${props.customerId}${qs({ tz: zone })}`)
      .then((r) => live && (setData(r), setError(null)))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [props.connection, props.customerId, zone]);
  if (error) {
    return (
      <div className="page">
        <div data-page="customer" data-ready="true">
          <p className="alert alert-error" data-testid="customer-error">{error}</p>
          <Link to="/customers">Back to customers</Link>
        </div>
      </div>
    );
  }
  if (!data) return <div className="page"><div data-page="customer" data-ready="false" aria-busy="true" /></div>;
  const j = data;
  const name = [j.identity.firstName, j.identity.lastName].filter(Boolean).join(' ') || `Customer ${j.customerId}`;
  const events = (list: CustomerJson['events'], id: string, title: string, subtitle: string) => (
    <DataTable
      id={id}
      title={`${title} (${count(list.length)})`}
      subtitle={subtitle}
      filename={`customer-${j.customerId}-${id}.csv`}
      columns={[{ label: 'Date' }, { label: 'Kind' }, { label: 'Transaction' }, { label: 'Amount', numeric: true }, { label: 'Currency' }, { label: `LTV after${j.currency ? ` (${j.currency})` : ''}`, numeric: true }]}
      rows={list.map((e) => [text(e.at.local), text(KIND[e.kind] ?? e.kind), text(e.transactionId), amount(e.amount, e.currency), text(e.currency), amount(e.ltv, j.currency)])}
      empty="None."
    />
  );
  return (
    <div className="page">
    <div data-page="customer" data-ready="true" data-customer={j.customerId}>
      <header className="page-head">
        <p className="small"><Link to="/customers">Customers</Link> / {j.connection}</p>
        <h1>{name}</h1>
        <p className="muted">
          Customer {j.customerId} of {j.connection}
          {j.identity.email ? ` · ${j.identity.email}` : ''}
          {j.identity.country ? ` · ${[j.identity.state, j.identity.country].filter(Boolean).join(', ')}` : ''}
          {j.identity.createdAt ? ` · created ${j.identity.createdAt.local}` : ''}. Times in {j.timeZone}.
        </p>
        {!j.hasRecord ? <p className="page-banner">The customer record itself is not synced yet: this page comes from their transactions.</p> : null}
      </header>
      <section className="tiles" data-testid="customer-tiles">
        <div className="tile" data-figure="ltv" data-value={j.ltv ?? ''}>
          <div className="tile-label">LTV (net revenue to date)</div>
          <div className="tile-value">{j.ltv === null ? '–' : money(j.ltv, j.currency ?? 'USD')}</div>
          <div className="muted small">in {j.currency ?? '–'}, the currency of the first sale</div>
        </div>
        <div className="tile" data-figure="cohort" data-value={j.cohort?.month ?? ''}>
          <div className="tile-label">Cohort</div>
          <div className="tile-value">{j.cohort ? j.cohort.month : '–'}</div>
          <div className="muted small">{j.cohort ? `first sale ${j.cohort.firstSaleAt.local} (week ${j.cohort.week})` : j.acquiredBefore ? 'acquired before the synced history' : 'no sale yet'}</div>
        </div>
        <div className="tile" data-figure="notes" data-value={String(j.notes)}>
          <div className="tile-label">Notes in the CRM</div>
          <div className="tile-value">{count(j.notes)}</div>
          <div className="muted small">their text is not shown here</div>
        </div>
        <div className="tile" data-figure="payment">
          <div className="tile-label">Payment</div>
          {j.identity.payments.length === 0 ? <div className="tile-value">–</div> : null}
          {j.identity.payments.map((p, i) => (
            <div key={i} className="small" data-card={p.card ?? ''}>
              {[p.cardType ?? p.type, p.card, p.expires ? `exp ${p.expires}` : null].filter(Boolean).join(' ')}
            </div>
          ))}
        </div>
      </section>
      <DataTable
        id="customer-orders"
        title={`Orders (${count(j.orders.length)})`}
        filename={`customer-${j.customerId}-orders.csv`}
        columns={[{ label: 'Order' }, { label: 'Date' }, { label: 'Status' }, { label: 'Type' }, { label: 'Total', numeric: true }, { label: 'Campaign' }, { label: 'Coupon' }]}
        rows={j.orders.map((o) => [text(o.orderId), text(o.at?.local), text(o.status), text(o.type), amount(o.total, o.currency), text(o.campaignName ?? o.campaignId), text(o.couponCode)])}
        empty="None."
      />
      <DataTable
        id="customer-transactions"
        title={`Transactions (${count(j.transactions.length)})`}
        subtitle="Every sale, authorization, capture, refund, void and decline, as the CRM recorded it."
        filename={`customer-${j.customerId}-transactions.csv`}
        columns={[{ label: 'Transaction' }, { label: 'Date' }, { label: 'Type' }, { label: 'Response' }, { label: 'Amount', numeric: true }, { label: 'Cycle', numeric: true }, { label: 'Order' }, { label: 'Parent' }, { label: 'MID' }, { label: 'Card' }, { label: 'Chargeback' }]}
        rows={j.transactions.map((t) => [
          text(t.transactionId), text(t.at?.local), text(t.type), text(t.response), amount(t.amount, t.currency), text(t.billingCycle), text(t.orderId), text(t.parentTransactionId), text(t.merchantId), text(t.card),
          text(t.isChargedback ? `${t.chargebackAmount ?? ''} on ${t.chargebackDate ?? '?'}` : null),
        ])}
        empty="None."
      />
      <DataTable
        id="customer-subscriptions"
        title={`Subscriptions (${count(j.subscriptions.length)})`}
        filename={`customer-${j.customerId}-subscriptions.csv`}
        columns={[{ label: 'Purchase' }, { label: 'Started' }, { label: 'Status' }, { label: 'Product' }, { label: 'Cycle', numeric: true }, { label: 'Every (days)', numeric: true }, { label: 'Next bill' }, { label: 'Price', numeric: true }]}
        rows={j.subscriptions.map((p) => [text(p.purchaseId), text(p.at?.local), text(p.status), text(p.productName ?? p.productId), text(p.billingCycle), text(p.intervalDays), text(p.nextBillDate), amount(p.price, p.currency)])}
        empty="None."
      />
      {j.overReversed.length > 0 ? (
        <div className="alert alert-warn" role="status" data-testid="customer-over-reversed">
          <strong>Paid back more than sold.</strong> Refunds and chargebacks of{' '}
          {j.overReversed.length === 1 ? 'one sale' : `${count(j.overReversed.length)} sales`} together exceed the sale:
          <ul className="small">
            {j.overReversed.map((o) => (
              <li key={o.transactionId}>
                sale {o.transactionId}: {money(o.sale, o.currency)} sold, {money(o.refunded, o.currency)} refunded and {money(o.chargedBack, o.currency)} charged back, {money(o.excess, o.currency)} beyond the sale
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {events(j.refunds, 'customer-refunds', 'Refunds and voids', 'Each on its own date.')}
      {events(j.chargebacks, 'customer-chargebacks', 'Chargebacks', 'Each on its chargeback date (noon in the account’s zone); a reversal on the day Konduit saw it.')}
      {events(j.events, 'customer-events', 'Money events and running LTV', 'Every sale, refund, void and chargeback in order; the LTV counts those in the currency of the first sale.')}
    </div>
    </div>
  );
}
