/**
 * Reconciliation (GET /api/reconcile; docs/metrics.md, "Reconciliation"): the CRM's own Transaction
 * Summary beside Konduit's figures, per account day and per campaign, with every difference explained by
 * transaction, and what is not explained listed. The range is in account days; "shown" is what the
 * other pages show on that day in the viewer's zone. The query lives in the URL.
 */
import { useEffect, useState } from 'react';
import type { ReconcileJson, ReconcileLineJson } from '../../../report/reconcile';
import { api, qs, type Connection } from '../api';
import { DataTable, type Cell } from '../components/DataTable';
import { addDays, count, money, today } from '../format';
import { navigate, useLocation } from '../router';
import { useViewerZone } from '../zone';

const REASONS: Record<keyof ReconcileJson['reasons'], string> = {
  not_synced: 'Changed in the CRM after Konduit’s last sync: the next sync brings it.',
  quarantine: 'A record the sync set aside as unreadable (Settings shows why), or a refund of one.',
  chargeback_reversed: 'A chargeback the CRM cleared: Konduit keeps it on its date and books the reversal on the day it saw it.',
  outside_coverage: 'A day before the first day Konduit’s data covers.',
};
const MEASURES = ['sales', 'refunds', 'chargebacks'] as const;
const LABEL = { sales: 'Sales', refunds: 'Refunds', chargebacks: 'Chargebacks' } as const;

const pair = (f: { count: number; amount: string } | undefined, currency: string): Cell =>
  f ? { view: `${count(f.count)} · ${money(f.amount, currency)}`, csv: `${f.count} ${f.amount}` } : { view: '–', csv: '' };

export function ReconcilePage() {
  const zone = useViewerZone();
  const { search } = useLocation();
  const [connections, setConnections] = useState<Connection[]>([]);
  useEffect(() => {
    api<{ connections: Connection[] }>('GET', '/api/connections')
      .then((r) => setConnections(r.connections))
      .catch(() => undefined);
  }, []);
  const connection = search.get('connection') ?? connections[0]?.name ?? '';
  const accountZone = connections.find((c) => c.name === connection)?.timezone ?? zone;
  const to = search.get('to') ?? addDays(today(accountZone), -1);
  const from = search.get('from') ?? addDays(to, -29);
  const set = (patch: Record<string, string>) => {
    const u = new URLSearchParams(search);
    for (const [k, v] of Object.entries(patch)) (v ? u.set(k, v) : u.delete(k));
    navigate(`/reconcile?${u.toString()}`, true);
  };
  const [data, setData] = useState<ReconcileJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = qs({ from, to, tz: zone, connection });
  useEffect(() => {
    if (!connection) return;
    let live = true;
    setData(null);
    setError(null);
    api<ReconcileJson>('GET', `/api/reconcile${key}`)
      .then((r) => live && setData(r))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [key, connection]);
  const line = (l: ReconcileLineJson, shown: boolean): Cell[] => [
    { view: l.key, csv: l.key },
    ...(shown ? [] : [{ view: l.name ?? '–', csv: l.name ?? '' }]),
    { view: l.currency, csv: l.currency },
    ...MEASURES.flatMap((m) => [pair(l.crm[m], l.currency), pair(l.konduit[m], l.currency), ...(shown ? [pair(l.shown?.[m], l.currency)] : [])]),
    { view: count(l.explained.length), csv: String(l.explained.length) },
    { view: <span className={`pill ${l.ok ? 'pill-green' : 'pill-red'}`}>{l.ok ? 'explained' : 'unexplained'}</span>, csv: l.ok ? 'explained' : 'unexplained' },
  ];
  const columns = (shown: boolean) => [
    { label: shown ? 'Day' : 'Campaign' },
    ...(shown ? [] : [{ label: 'Name' }]),
    { label: 'Currency' },
    ...MEASURES.flatMap((m) => [{ label: `${LABEL[m]}: CRM`, numeric: true }, { label: `${LABEL[m]}: CRM basis`, numeric: true }, ...(shown ? [{ label: `${LABEL[m]}: shown`, numeric: true }] : [])]),
    { label: 'Explained', numeric: true },
    { label: 'Status' },
  ];
  const explained = (data?.days ?? []).flatMap((l) => l.explained.map((e) => ({ ...e, day: l.key, currency: l.currency })));
  return (
    <div className="page">
      <div data-page="reconcile" data-ready={data !== null || error !== null ? 'true' : 'false'} data-ok={data ? String(data.ok) : ''}>
        <header className="page-head">
          <h1>Reconciliation</h1>
          <p className="muted">The CRM’s own Transaction Summary beside Konduit’s figures, day by day (the account’s days) and per campaign; every difference explained by transaction.</p>
        </header>
        <div className="toolbar card">
          <div className="toolbar-row">
            {connections.length > 1 ? (
              <label className="inline">
                <span>Account</span>
                <select name="connection" value={connection} onChange={(e) => set({ connection: e.target.value })}>
                  {connections.map((c) => (
                    <option key={c.name} value={c.name}>{c.name}</option>
                  ))}
                </select>
              </label>
            ) : null}
            <label className="inline">
              <span>From</span>
              <input type="date" name="from" value={from} max={to} onChange={(e) => set({ from: e.target.value, to })} />
            </label>
            <span className="muted">→</span>
            <label className="inline">
              <span className="sr">To</span>
              <input type="date" name="to" value={to} min={from} onChange={(e) => set({ from, to: e.target.value })} />
            </label>
            <span className="muted small">Account days in {accountZone}; “shown” is Konduit in {zone}.</span>
          </div>
        </div>
        {error ? <p className="alert alert-error" data-testid="reconcile-error">{error}</p> : null}
        {data ? (
          <>
            <p className={`alert ${data.ok ? 'alert-info' : 'alert-error'}`} data-testid="reconcile-status">
              {data.ok ? 'Every difference between the CRM and Konduit is explained.' : `${count(data.unexplained.length)} line${data.unexplained.length === 1 ? '' : 's'} with differences Konduit cannot explain (listed below).`}{' '}
              Konduit’s data covers {data.coverageFrom ?? '–'} to its last sync at {data.asOf ?? '–'}.
            </p>
            <section className="card" data-testid="reconcile-reasons">
              <h2>Why the figures differ</h2>
              <ul className="list">
                <li data-reason="booked_on_sale_date" data-value={data.moves.booked_on_sale_date}>{count(data.moves.booked_on_sale_date)} refunds and chargebacks Konduit shows on their own date, which the CRM books on the original sale’s date.</li>
                <li data-reason="time_zone" data-value={data.moves.time_zone}>{count(data.moves.time_zone)} events on another day in {data.viewerZone} than in the account’s {data.accountZone}.</li>
                {(Object.keys(REASONS) as (keyof ReconcileJson['reasons'])[]).map((r) => (
                  <li key={r} data-reason={r} data-value={data.reasons[r]}>{count(data.reasons[r])} × {REASONS[r]}</li>
                ))}
              </ul>
            </section>
            {data.unexplained.length > 0 ? (
              <DataTable
                id="reconcile-unexplained"
                title="Not explained"
                filename="reconcile-unexplained.csv"
                columns={[{ label: 'Line' }, { label: 'Key' }, { label: 'Currency' }, ...MEASURES.map((m) => ({ label: LABEL[m], numeric: true }))]}
                rows={data.unexplained.map((u) => [{ view: u.line, csv: u.line }, { view: u.key, csv: u.key }, { view: u.currency, csv: u.currency }, ...MEASURES.map((m) => pair(u.unexplained[m], u.currency))])}
              />
            ) : null}
            <DataTable id="reconcile-days" title="Per day" subtitle="Count · amount. CRM basis: refunds and chargebacks on the sale’s day, account zone. Shown: each on its own day, your zone." filename="reconcile-days.csv" columns={columns(true)} rows={data.days.map((l) => line(l, true))} />
            <DataTable id="reconcile-campaigns" title="Per campaign" filename="reconcile-campaigns.csv" columns={columns(false)} rows={data.campaigns.map((l) => line(l, false))} />
            <DataTable
              id="reconcile-explained"
              title={`Explained differences (${count(explained.length)})`}
              filename="reconcile-explained.csv"
              columns={[{ label: 'Day' }, { label: 'Measure' }, { label: 'Reason' }, { label: 'Transaction' }, { label: 'Count', numeric: true }, { label: 'Amount', numeric: true }]}
              rows={explained.map((e) => [
                { view: e.day, csv: e.day }, { view: LABEL[e.measure], csv: e.measure }, { view: e.reason, csv: e.reason }, { view: e.transactionId ?? '–', csv: String(e.transactionId ?? '') },
                { view: count(e.count), csv: String(e.count) }, { view: `${money(e.amount, e.currency)}${e.amountInferred ? ' (inferred)' : ''}`, csv: e.amount },
              ])}
              empty="None: the CRM and Konduit’s CRM basis agree on every day."
            />
          </>
        ) : null}
      </div>
    </div>
  );
}
