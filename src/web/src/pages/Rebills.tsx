/**
 * Rebills ahead (docs/metrics.md, "Rebills ahead"): the live subscriptions due in the coming windows from
 * the data's as-of, their list price and the revenue expected at the approval observed per cycle, with the
 * rate each line used; a calendar of the longest window by day; the rates observed; the subscriptions due
 * first. Every figure is the API's (`GET /api/reports/rebills`); the page only lays it out.
 */
import { useEffect, useState } from 'react';
import type { CurrencyJson } from '../../../report/json';
import type { ReportParams } from '../../../report/query';
import { getReport, qs, type ReportBody } from '../api';
import { DataTable, type Cell } from '../components/DataTable';
import { count, money, pct, plural } from '../format';
import { CustomerLink } from './Customers';

type Body = ReportBody<'rebills'>;

const SOURCE: Record<string, string> = { cycle: 'this cycle', rebills: 'all rebills', none: 'none yet' };
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Monday = 0 of a YYYY-MM-DD date. */
const weekday = (date: string) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
const rateCell = (v: number | null): Cell => ({ view: pct(v, 1), csv: v === null ? '' : String(v) });

export function Rebills(props: { params: ReportParams<'rebills'>; version: number; windows: string; update: (windows: string) => void; onBody: (b: CurrencyJson) => void }) {
  const { params, version, onBody } = props;
  const key = `${qs(params)}${version > 0 ? `#${version}` : ''}`;
  const [state, setState] = useState<{ data: Body | null; error: string | null; loadedKey: string | null }>({ data: null, error: null, loadedKey: null });
  useEffect(() => {
    let live = true;
    // `key` stands for `params`: a new object each render, the same query.
    getReport('rebills', params)
      .then((data) => live && setState({ data, error: null, loadedKey: key }))
      .catch((e: Error) => live && setState({ data: null, error: e.message, loadedKey: key }));
    return () => {
      live = false;
    };
  }, [key]);
  useEffect(() => {
    if (state.data) onBody(state.data);
  }, [state.data, onBody]);
  const [draft, setDraft] = useState(props.windows || '7,30,60,90');
  const d = state.data;
  const cur = d?.currency ?? 'USD';
  const ready = state.loadedKey === key;
  const maxExpected = Math.max(1, ...(d?.days ?? []).map((x) => Number(x.expectedRevenue)));
  // The calendar: the longest window's days under their weekdays, each month named where it starts.
  const lead = d && d.days.length > 0 ? weekday(d.days[0]!.date) : 0;
  return (
    <div data-page="rebills" data-ready={ready ? 'true' : 'false'} data-query={state.loadedKey ?? ''} className={ready ? '' : 'loading'}>
      {state.error ? <div className="alert alert-error">{state.error}</div> : null}
      {d?.warnings.map((w) => (
        <div key={w.code} className="alert alert-warn" role="status" data-warning={w.code}>{w.message}</div>
      ))}
      <section className="card">
        <header className="card-head">
          <div>
            <h2>Due from {d ? d.windows[0]?.from ?? '' : '…'}</h2>
            <p className="muted small">
              Live subscriptions (active, trial, in recycle billing) by their next bill date, account time. Expected revenue = list price × the rate observed for the cycle they bill: first-attempt approval + soft declines × the recycle save rate (in recycle billing: the save rate).
            </p>
          </div>
          <form
            className="row gap"
            onSubmit={(e) => {
              e.preventDefault();
              props.update(draft.replace(/\s+/g, ''));
            }}
          >
            <label className="inline">
              <span>Windows (days)</span>
              <input name="windows" value={draft} onChange={(e) => setDraft(e.target.value)} size={12} />
            </label>
            <button type="submit" className="btn btn-ghost btn-sm">Apply</button>
          </form>
        </header>
        <div className="tiles">
          {(d?.windows ?? []).map((w) => (
            <div key={w.days} className="tile" data-window={w.days} data-subscriptions={w.subscriptions} data-list={w.listPrice} data-expected={w.expectedRevenue}>
              <div className="tile-label">Next {w.days} {w.days === 1 ? 'day' : 'days'} ({w.from} to {w.to})</div>
              <div className="tile-value">{money(w.expectedRevenue, cur)}</div>
              <div className="tile-foot muted small">
                expected from {count(w.subscriptions)} {plural(w.subscriptions, 'subscription')}, list {money(w.listPrice, cur)}
                {w.unrated > 0 ? `; ${count(w.unrated)} with no rate yet (counted at 0)` : ''}
              </div>
            </div>
          ))}
        </div>
        {d && d.overdue.subscriptions > 0 ? (
          <p className="muted small" data-testid="overdue">
            Overdue: {count(d.overdue.subscriptions)} {plural(d.overdue.subscriptions, 'subscription')} ({money(d.overdue.listPrice, cur)} list) whose next bill date passed without a bill.
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="rebills-calendar-title">
        <header className="card-head">
          <h2 id="rebills-calendar-title">Calendar</h2>
          <span className="muted small">Each day: subscriptions due and the revenue expected (darker: more).</span>
        </header>
        <div className="calendar" aria-hidden="true">
          {WEEKDAYS.map((w) => (
            <div key={w} className="calendar-head" data-weekday={w}>{w}</div>
          ))}
        </div>
        <div className="calendar" role="list" aria-label="Rebills due by day" data-testid="rebills-calendar">
          {(d?.days ?? []).map((x, i) => {
            const a = Number(x.expectedRevenue) / maxExpected;
            const first = i === 0 || x.date.endsWith('-01');
            return (
              <div
                key={x.date}
                role="listitem"
                className={`calendar-day${x.subscriptions === 0 ? ' none' : ''}`}
                data-date={x.date}
                data-subscriptions={x.subscriptions}
                data-expected={x.expectedRevenue}
                style={{ ...(x.subscriptions > 0 ? { background: `rgba(79,70,229,${(0.06 + a * 0.5).toFixed(3)})` } : {}), ...(i === 0 ? { gridColumnStart: lead + 1 } : {}) }}
                title={`${x.date}: ${x.subscriptions} due, list ${money(x.listPrice, cur)}, expected ${money(x.expectedRevenue, cur)}`}
              >
                <span className="calendar-date">{first ? `${new Date(`${x.date}T00:00:00Z`).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ` : ''}{Number(x.date.slice(8))}</span>
                {x.subscriptions > 0 ? (
                  <>
                    <span className="calendar-count">{count(x.subscriptions)} due</span>
                    <span className="calendar-money">{money(x.expectedRevenue, cur)}</span>
                  </>
                ) : null}
              </div>
            );
          })}
        </div>
      </section>
      <DataTable
        id="rebills-windows"
        title="By window and cycle"
        subtitle="The rate each line is valued at, and where it comes from: the cycle's own, or every rebill cycle's together when the cycle has fewer than 30 first attempts."
        filename="konduit-rebills-ahead.csv"
        columns={[{ label: 'Window (days)', numeric: true }, { label: 'Cycle', numeric: true }, { label: 'Recycling' }, { label: 'Subscriptions', numeric: true }, { label: `List price (${cur})`, numeric: true }, { label: 'Rate', numeric: true }, { label: 'Rate from' }, { label: `Expected revenue (${cur})`, numeric: true }]}
        rows={(d?.windows ?? []).flatMap((w) =>
          w.lines.map((l): Cell[] => [
            { view: String(w.days), csv: String(w.days) },
            { view: String(l.cycle), csv: String(l.cycle) },
            { view: l.recycling ? 'yes' : 'no', csv: l.recycling ? 'yes' : 'no' },
            { view: count(l.subscriptions), csv: String(l.subscriptions) },
            { view: money(l.listPrice, cur), csv: l.listPrice },
            rateCell(l.rate),
            { view: SOURCE[l.rateSource] ?? l.rateSource, csv: l.rateSource },
            { view: l.expectedRevenue === null ? '–' : money(l.expectedRevenue, cur), csv: l.expectedRevenue ?? '' },
          ]),
        )}
      />
      <DataTable
        id="rebills-rates"
        title="Approval observed per cycle"
        filename="konduit-rebills-rates.csv"
        columns={[{ label: 'Cycle' }, { label: 'First attempts', numeric: true }, { label: 'Approved first', numeric: true }, { label: 'Soft first', numeric: true }, { label: 'Saved', numeric: true }, { label: 'Not saved', numeric: true }, { label: 'First-attempt rate', numeric: true }, { label: 'Soft-decline rate', numeric: true }, { label: 'Save rate', numeric: true }, { label: 'Expected rate', numeric: true }]}
        rows={(d?.rates ?? []).map((x): Cell[] => [
          { view: x.cycle === null ? 'All rebills' : String(x.cycle), csv: x.cycle === null ? 'all' : String(x.cycle) },
          { view: count(x.firstAttempts), csv: String(x.firstAttempts) },
          { view: count(x.firstApproved), csv: String(x.firstApproved) },
          { view: count(x.softFirst), csv: String(x.softFirst) },
          { view: count(x.saved), csv: String(x.saved) },
          { view: count(x.lost), csv: String(x.lost) },
          rateCell(x.firstAttemptRate),
          rateCell(x.softDeclineRate),
          rateCell(x.saveRate),
          rateCell(x.expectedRate),
        ])}
      />
      <DataTable
        id="rebills-upcoming"
        title={`Due in the next ${d?.windows[0]?.days ?? ''} days`}
        subtitle={d?.truncated ? 'The 500 soonest are listed.' : undefined}
        filename="konduit-rebills-upcoming.csv"
        columns={[{ label: 'Date' }, { label: 'Connection' }, { label: 'Subscription' }, { label: 'Customer' }, { label: 'Cycle', numeric: true }, { label: 'Status' }, { label: `List price (${cur})`, numeric: true }, { label: 'Rate', numeric: true }]}
        rows={(d?.upcoming ?? []).map((u): Cell[] => [
          { view: u.date, csv: u.date },
          { view: u.connection, csv: u.connection },
          { view: u.purchaseId, csv: u.purchaseId },
          // Every table that lists customers links each one to their page.
          { view: u.customerId === null ? '' : <CustomerLink connection={u.connection} customerId={u.customerId}>{String(u.customerId)}</CustomerLink>, csv: u.customerId === null ? '' : String(u.customerId) },
          { view: String(u.cycle), csv: String(u.cycle) },
          { view: u.status, csv: u.status },
          { view: money(u.listPrice, cur), csv: u.listPrice },
          rateCell(u.rate),
        ])}
        empty="Nothing due in this window."
      />
    </div>
  );
}
