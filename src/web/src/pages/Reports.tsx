/**
 * Reports: overview (summary tiles against the previous period, revenue/refunds/net over time), cohort
 * LTV (heatmap and curves), retention by rebill cycle, MID health, and breakdown tables. Every figure
 * comes from the server's report API, which runs the same analytics functions as `konduit report`; the
 * page only formats. The query (range, filters, group-by, basis, currency) lives in the URL, so a view
 * can be bookmarked; the viewer's time zone is the browser's unless changed. A report is in one currency
 * (docs/metrics.md, "Currency"): its amounts are formatted in it, a picker appears when the range or the
 * connections hold more than one, and nothing here adds two. Groups show their names beside their ids.
 */
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useState, type ReactNode } from 'react';
import { DIMENSION_SPECS, DIMENSIONS, type Dimension } from '../../../ledger/dimensions';
import type { MidAlertRuleJson } from '../../../report/mid-alerts';
import type { ChargebackCountsJson, ChargebacksJson, ComparedJson, CoverageJson, CurrencyJson, DeclinesJson, FiguresJson, GroupJson, MidMonthJson, MidsJson } from '../../../report/json';
import type { ReportName, ReportParams } from '../../../report/query';
import type { DimensionValuesJson } from '../../../report/run';
import { api, getReport, qs, type ReportBody, type StatusEntry } from '../api';
import { Rebills } from './Rebills';
import { LineChart, type PartialSpan, type TickFormat } from '../components/Chart';
import { StackedBars } from '../components/StackedBars';
import { Forecast } from './Forecast';
import { DataTable, type Cell, type Column } from '../components/DataTable';
import { ZoneOptions } from '../components/ZoneOptions';
import { allZones, browserZone, count, dateFormat, daysBetween, isPartialPeriod, money, moneyTick, pct, periodLabel, plural, PRESETS, today, when } from '../format';
import { navigate, useLocation } from '../router';
import { setViewerZone, useViewerZone } from '../zone';

/** One figure against the previous range. */
type Compared = ComparedJson[keyof ComparedJson];

/** The fields every report filters and groups by, and their labels: the ledger's table, in its order. */
const FIELDS = DIMENSIONS.map((id) => ({ id, label: DIMENSION_SPECS[id].label }));
const fieldLabel = (id: string | null) => FIELDS.find((f) => f.id === id)?.label ?? id ?? '';

const PAGES: Record<string, { title: string; subtitle: string; defaultPreset: string; groupBy: boolean; basis: boolean; range?: false }> = {
  overview: { title: 'Overview', subtitle: 'Revenue, refunds and customers for the range, against the period before it.', defaultPreset: '30d', groupBy: false, basis: true },
  cohorts: { title: 'Cohort LTV', subtitle: 'Net revenue per customer, by when customers first bought, at days after their first sale.', defaultPreset: '12m', groupBy: true, basis: false },
  retention: { title: 'Retention', subtitle: 'Subscriptions started in the range, and how many rebill at each cycle.', defaultPreset: '12m', groupBy: true, basis: false },
  rebills: { title: 'Rebills ahead', subtitle: 'Subscriptions due in the coming days, and what they should bring at the approval rates observed so far.', defaultPreset: '30d', groupBy: false, basis: false, range: false },
  mids: { title: 'MID health', subtitle: 'Per merchant account, per month of the account, by the card networks’ programs: Visa VAMP and Mastercard’s Excessive Chargeback Program.', defaultPreset: '12m', groupBy: false, basis: false },
  declines: { title: 'Declines', subtitle: 'Sale attempts declined, and why, by MID, BIN, card network or cycle; what recycling saves.', defaultPreset: '30d', groupBy: false, basis: false },
  chargebacks: { title: 'Chargebacks', subtitle: 'Chargebacks by reason code (fraud or not), MID, days from sale and cohort, with refunds of the same sales beside.', defaultPreset: '12m', groupBy: false, basis: false },
  forecast: { title: 'Forecast', subtitle: 'Retention and LTV projected per monthly cohort, with their uncertainty: projected values are dashed, hatched and starred.', defaultPreset: '12m', groupBy: true, basis: false },
  breakdowns: { title: 'Breakdowns', subtitle: 'The summary figures split by campaign, product, affiliate, sub-affiliate or MID.', defaultPreset: '30d', groupBy: false, basis: true },
};

/** The report query as the URL holds it. */
interface Query {
  preset: string;
  from: string;
  to: string;
  basis: 'event' | 'crm';
  groupBy: string;
  filters: string[];
  by: string;
  dim: string;
  view: string;
  /** ISO 4217, or '' for the default (the base currency of the connections). */
  currency: string;
  /** Retention: a second breakdown inside each group ('' for none). */
  sub: string;
  /** Rebills ahead: the windows in days ('' for the default). */
  windows: string;
}

function readQuery(search: URLSearchParams, page: string, zone: string): Query {
  const preset = search.get('preset') ?? (search.get('from') ? 'custom' : (PAGES[page]?.defaultPreset ?? '30d'));
  const t = today(zone);
  const p = PRESETS.find((x) => x.id === preset);
  const r = p ? p.range(t) : { from: search.get('from') ?? t, to: search.get('to') ?? t };
  return {
    preset,
    from: r.from,
    to: r.to,
    basis: search.get('basis') === 'crm' ? 'crm' : 'event',
    groupBy: search.get('groupBy') ?? '',
    filters: search.getAll('filter'),
    by: search.get('by') ?? '',
    dim: search.get('dim') ?? 'campaign',
    view: search.get('view') ?? '',
    currency: search.get('currency') ?? '',
    sub: search.get('sub') ?? '',
    windows: search.get('windows') ?? '',
  };
}

function writeQuery(path: string, q: Partial<Query> & { preset: string }, current: URLSearchParams): void {
  const u = new URLSearchParams(current);
  const set = (k: string, v: string | undefined) => (v ? u.set(k, v) : u.delete(k));
  if (q.preset !== undefined) set('preset', q.preset === 'custom' ? '' : q.preset);
  if (q.preset === 'custom') {
    set('from', q.from);
    set('to', q.to);
  } else {
    u.delete('from');
    u.delete('to');
  }
  for (const k of ['basis', 'groupBy', 'by', 'dim', 'view', 'currency', 'sub', 'windows'] as const) if (q[k] !== undefined) set(k, q[k] === 'event' ? '' : q[k]);
  if (q.filters) {
    u.delete('filter');
    for (const f of q.filters) u.append('filter', f);
  }
  const s = u.toString();
  navigate(`${path}${s ? `?${s}` : ''}`, true);
}

/** The parameters every page sends: range, zone, filters and (when chosen) the currency. */
type Base = { from: string; to: string; tz: string; filter: string[]; currency?: string };

/** Where a page's report says which currency it is in and which others its range holds (for the toolbar). */
const SeenCurrencies = createContext<(body: CurrencyJson) => void>(() => undefined);

/**
 * The version of the figures: it moves when a running sync has stored more records or has ended, and every
 * report of the page is fetched again (docs/dashboard.md, "Syncs").
 */
const DataVersion = createContext(0);

/** Fetches a report; `key` is the query string the data belongs to (and the version of the figures). */
function useReport<N extends ReportName>(name: N, params: ReportParams<N>): { data: ReportBody<N> | null; error: string | null; key: string; loadedKey: string | null } {
  const version = useContext(DataVersion);
  const key = `${qs(params)}${version > 0 ? `#${version}` : ''}`;
  const [state, setState] = useState<{ data: ReportBody<N> | null; error: string | null; loadedKey: string | null }>({ data: null, error: null, loadedKey: null });
  // A layout effect: the request leaves as soon as the page is in the DOM, not after the browser has
  // painted the empty page (when passive effects run); the answer is what the page waits for.
  useLayoutEffect(() => {
    let live = true;
    // `key` stands for `params`: a new object each render, the same query.
    getReport(name, params)
      .then((data) => live && setState({ data, error: null, loadedKey: key }))
      .catch((e: Error) => live && setState({ data: null, error: e.message, loadedKey: key }));
    return () => {
      live = false;
    };
  }, [name, key]);
  return { ...state, key };
}

/** The report pages under /reports/*, sharing one toolbar. */
export function ReportsPage(props: { path: string }) {
  const page = props.path.replace(/^\/reports\/?/, '') || 'overview';
  const meta = PAGES[page] ?? PAGES.overview!;
  const viewer = useViewerZone();
  const { search } = useLocation();
  const { connections, version, loaded } = useSyncStatus();
  // On the CRM basis the report speaks in the account's zone, its presets included ("today" is the
  // account's today); the viewer's zone is not mentioned.
  const accountZones = [...new Set(connections.map((c) => c.timezone))];
  const crm = meta.basis && search.get('basis') === 'crm' && accountZones.length === 1;
  const zone = crm ? (accountZones[0] ?? viewer) : viewer;
  const q = readQuery(search, page, zone);
  // A change keeps the range: a custom one too (its dates are written back with every change).
  const update = (patch: Partial<Query>) => writeQuery(props.path, { preset: q.preset, from: q.from, to: q.to, ...patch }, search);
  const bases = [...new Set(connections.map((c) => c.baseCurrency ?? 'USD'))].sort();
  // Connections with different base currencies have no default currency: the first is chosen (and the picker shown).
  const currency = q.currency || (bases.length > 1 ? (bases[0] ?? '') : '');
  const [seen, setSeen] = useState<CurrencyJson | null>(null);
  const base = { from: q.from, to: q.to, tz: zone, filter: q.filters, currency: currency || undefined };
  // The CRM basis needs the account's zone before it asks for anything.
  if (meta.basis && search.get('basis') === 'crm' && !loaded) return <div className="page" aria-busy="true" />;
  return (
    <SeenCurrencies.Provider value={setSeen}>
    <DataVersion.Provider value={version}>
    <div className="page">
      <header className="page-head">
        <h1>{meta.title}</h1>
        <p className="muted">{page === 'cohorts' && q.view === 'months' ? 'Net revenue per customer, by the month customers first bought, through each calendar month after.' : meta.subtitle}</p>
      </header>
      <SyncBanner connections={connections} zone={zone} />
      <Toolbar q={q} zone={zone} accountZone={crm ? zone : null} update={update} groupBy={meta.groupBy} basis={meta.basis} range={meta.range !== false} currency={seen?.currency ?? currency} seen={seen} bases={bases} />
      {page === 'cohorts' ? (
        q.view === 'months' ? <Triangle base={base} q={q} update={update} /> : <Cohorts base={base} q={q} update={update} />
      ) : page === 'retention' ? (
        <Retention base={base} q={q} update={update} />
      ) : page === 'rebills' ? (
        <Rebills params={{ tz: zone, currency: currency || undefined, windows: q.windows || undefined }} version={version} windows={q.windows} update={(w) => update({ windows: w })} onBody={setSeen} />
      ) : page === 'mids' ? (
        <Mids base={base} connections={connections.map((c) => c.name)} />
      ) : page === 'declines' ? (
        <Declines base={base} q={q} update={update} />
      ) : page === 'chargebacks' ? (
        <Chargebacks base={base} q={q} update={update} />
      ) : page === 'forecast' ? (
        <Forecast base={base} groupBy={q.groupBy} />
      ) : page === 'breakdowns' ? (
        <Breakdowns base={base} q={q} update={update} />
      ) : (
        <Overview base={base} q={q} update={update} />
      )}
    </div>
    </DataVersion.Provider>
    </SeenCurrencies.Provider>
  );
}

/** How often the report pages read the sync status: often while a sync runs, now and then otherwise. */
const POLL_RUNNING_MS = 2_000;
const POLL_IDLE_MS = 15_000;

/**
 * The connections' zones, base currencies and sync status (GET /api/status), read again while the page
 * is open; `version` moves whenever a running sync has stored more or has ended, so the figures follow.
 */
function useSyncStatus(): { connections: StatusEntry[]; version: number; loaded: boolean } {
  const [connections, setConnections] = useState<StatusEntry[] | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: string | null = null;
    const read = async () => {
      let running = false;
      try {
        const r = await api<{ connections: StatusEntry[] }>('GET', '/api/status');
        if (!live) return;
        setConnections(r.connections);
        const now = r.connections.filter((c) => c.status.state === 'running');
        running = now.length > 0;
        // What the figures depend on: each running sync's stored records, and which syncs run.
        const mark = JSON.stringify(now.map((c) => [c.name, c.status.records, c.status.coverage]));
        if (last !== null && mark !== last) setVersion((v) => v + 1);
        last = mark;
      } catch {
        // A failed read is tried again at the next tick.
      }
      if (live) timer = setTimeout(() => void read(), running ? POLL_RUNNING_MS : POLL_IDLE_MS);
    };
    void read();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return { connections: connections ?? [], version, loaded: connections !== null };
}

/** While a sync runs (here or in another process), every report page says so and what it has stored so far. */
function SyncBanner(props: { connections: StatusEntry[]; zone: string }) {
  const running = props.connections.filter((c) => c.status.state === 'running');
  if (running.length === 0) return null;
  return (
    <div className="sync-banner" role="status" data-testid="sync-banner">
      {running.map((c) => {
        const st = c.status;
        const cov = st.coverage;
        return (
          <p key={c.name} data-connection={c.name} data-records={st.records}>
            <strong>Syncing {c.accountName}</strong>
            {st.runningIn === 'elsewhere' ? ' (by another Konduit process, such as konduit sync)' : ''}: {plural(st.records, 'record')} stored so far
            {cov ? `; complete days from ${cov.from} to ${cov.to}` : ''}
            {st.lastRun?.startedAt ? `, started ${when(st.lastRun.startedAt, props.zone)}` : ''}. The figures below hold only what is stored yet, and follow as it goes.
          </p>
        );
      })}
    </div>
  );
}

/**
 * A dimension's values with their names, those matching `search` (GET /api/dimensions/:d/values), once
 * `wanted`: listing them reads every event's value, which a page load need not wait beside.
 */
function useValues(field: string, search: string, wanted: boolean): DimensionValuesJson['values'] {
  const [values, setValues] = useState<DimensionValuesJson['values']>([]);
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    // Typing narrows the list on the server; a short pause first spares a request per key.
    const t = setTimeout(
      () =>
        api<DimensionValuesJson>('GET', `/api/dimensions/${field}/values${qs({ search: search.trim(), limit: 50 })}`)
          .then((r) => live && setValues(r.values))
          .catch(() => live && setValues([])),
      search ? 150 : 0,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [field, search, wanted]);
  return values;
}

/** How a listed value reads: its name, then its id and connection. */
function valueLabel(v: DimensionValuesJson['values'][number]): string {
  const where = [v.name && v.name !== v.id ? `#${v.id}` : '', v.connection ?? ''].filter(Boolean).join(' · ');
  return `${v.name ?? v.id}${where ? ` (${where})` : ''}`;
}

/** A breakdown's choices: "Nothing", then every field but `except`. */
function FieldOptions(props: { except: string[] }) {
  return (
    <>
      <option value="">Nothing</option>
      {FIELDS.filter((f) => !props.except.includes(f.id)).map((f) => (
        <option key={f.id} value={f.id}>
          {f.label}
        </option>
      ))}
    </>
  );
}

function Toolbar(props: { q: Query; zone: string; accountZone: string | null; update: (p: Partial<Query>) => void; groupBy: boolean; basis: boolean; range: boolean; currency: string; seen: CurrencyJson | null; bases: string[] }) {
  const { q, zone, update } = props;
  const [field, setField] = useState('campaign');
  const [value, setValue] = useState('');
  // The filter's values are listed once the filter is touched (its field or its value focused).
  const [filtering, setFiltering] = useState(false);
  const values = useValues(field, value, filtering);
  // What a filter chip says: the name of a value picked from the list (the URL holds its key).
  const [labels, setLabels] = useState<Record<string, string>>({});
  const currencies = [...new Set([props.currency, ...(props.seen?.otherCurrencies.map((c) => c.currency) ?? []), ...props.bases].filter(Boolean))].sort();
  const own = browserZone();
  // The ~420 zone names are drawn a moment after the page (or at once when the list is touched): the
  // first paint of a report only needs the current zone.
  const [allListed, setAllListed] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setAllListed(true), 800);
    return () => clearTimeout(t);
  }, []);
  const zones = useMemo(() => (allListed ? allZones() : [...new Set([zone, own, 'UTC'])]), [allListed, zone, own]);
  return (
    <div className="toolbar card" data-testid="toolbar">
      <div className="toolbar-row">
        {props.range ? (
        <>
        <label className="inline">
          <span>Range</span>
          <select name="preset" value={q.preset} onChange={(e) => update({ preset: e.target.value, from: q.from, to: q.to })}>
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom</option>
          </select>
        </label>
        <label className="inline">
          <span className="sr">From</span>
          <input type="date" name="from" value={q.from} max={q.to} onChange={(e) => update({ preset: 'custom', from: e.target.value, to: q.to })} />
        </label>
        <span className="muted">→</span>
        <label className="inline">
          <span className="sr">To</span>
          <input type="date" name="to" value={q.to} min={q.from} onChange={(e) => update({ preset: 'custom', from: q.from, to: e.target.value })} />
        </label>
        </>
        ) : null}
        {props.accountZone === null ? (
          <label className="inline grow-0" title="Days, weeks and months are cut at midnight in this zone">
            <span>Time zone</span>
            <select name="tz" value={zone} onChange={(e) => setViewerZone(e.target.value)} onFocus={() => setAllListed(true)} onMouseDown={() => setAllListed(true)} data-testid="tz">
              <ZoneOptions zones={zones} />
            </select>
          </label>
        ) : (
          <span className="inline muted" data-testid="account-zone">
            Time zone: <b>{props.accountZone}</b> (the account’s)
          </span>
        )}
        {currencies.length > 1 ? (
          <label className="inline" title="A report is in one currency; amounts in different currencies are never added">
            <span>Currency</span>
            <select name="currency" data-testid="currency" value={props.currency} onChange={(e) => update({ currency: e.target.value })}>
              {currencies.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {props.groupBy ? (
          <label className="inline">
            <span>Group by</span>
            <select name="groupBy" value={q.groupBy} onChange={(e) => update({ groupBy: e.target.value })}>
              <FieldOptions except={['cycle']} />
            </select>
          </label>
        ) : null}
      </div>
      {props.range ? (
      <div className="toolbar-row">
        <form
          className="row gap wrap"
          onSubmit={(e) => {
            e.preventDefault();
            const text = value.trim();
            if (text) {
              // A value picked from the list is its key ("shop:3"); typed text may be an id or a name the server resolves.
              const picked = values.find((v) => v.value === text);
              if (picked) setLabels((l) => ({ ...l, [`${field}:${text}`]: valueLabel(picked) }));
              update({ filters: [...q.filters, `${field}:${text}`] });
            }
            setValue('');
          }}
        >
          <span className="muted small">Filter</span>
          <select aria-label="Filter field" value={field} onChange={(e) => setField(e.target.value)} onFocus={() => setFiltering(true)}>
            {FIELDS.map((f) => (
              <option key={f.id} value={f.id}>
                {f.label}
              </option>
            ))}
          </select>
          <input aria-label="Filter value" placeholder="name or id…" list="filter-values" value={value} onChange={(e) => setValue(e.target.value)} onFocus={() => setFiltering(true)} size={18} autoComplete="off" />
          <datalist id="filter-values" data-testid="filter-values">
            {values.map((v) => (
              <option key={v.value} value={v.value} label={valueLabel(v)} />
            ))}
          </datalist>
          <button type="submit" className="btn btn-ghost btn-sm">
            Add
          </button>
          {q.filters.map((f) => (
            <button key={f} type="button" className="chip chip-on" title="Remove this filter" data-filter={f} onClick={() => update({ filters: q.filters.filter((x) => x !== f) })}>
              {fieldLabel(f.split(':')[0] ?? '')} = {labels[f] ?? f.slice(f.indexOf(':') + 1)} ✕
            </button>
          ))}
        </form>
        {props.basis ? (
          <div className="basis" data-testid="basis">
            <div className="segmented" role="group" aria-label="Basis">
              <button type="button" className={q.basis === 'event' ? 'on' : ''} onClick={() => update({ basis: 'event' })}>
                Event dates
              </button>
              <button type="button" className={q.basis === 'crm' ? 'on' : ''} onClick={() => update({ basis: 'crm' })}>
                CRM basis
              </button>
            </div>
            <span className="muted small" data-testid="basis-note">
              {q.basis === 'event'
                ? `Refunds and chargebacks count on the day they happen, in ${zone}.`
                : `Refunds and chargebacks count on the original sale’s date, in ${zone}, as Konnektive’s Transaction Summary shows them.`}
            </span>
          </div>
        ) : null}
      </div>
      ) : null}
      <div className="muted small tz-note" data-testid="tz-note">
        Figures in <b>{zone}</b>
        {props.accountZone !== null ? ', the account’s time zone (CRM basis)' : zone === own ? ' (your browser’s time zone)' : ''}.{' '}
        {zone !== own && props.accountZone === null ? (
          <button type="button" className="linkish" onClick={() => setViewerZone(null)}>
            Use {own}
          </button>
        ) : null}
        {props.seen ? (
          <span data-testid="currency-note">
            {' '}
            Amounts in <b>{props.seen.currency}</b>.
            {props.seen.otherCurrencies.length > 0 ? (
              <>
                {' '}
                Also sold in this range (not added in):{' '}
                {props.seen.otherCurrencies.map((c, i) => (
                  <span key={c.currency}>
                    {i > 0 ? ', ' : ''}
                    <button type="button" className="linkish" onClick={() => update({ currency: c.currency })}>
                      {money(c.gross, c.currency)}
                    </button>
                  </span>
                ))}
                .
              </>
            ) : null}
          </span>
        ) : null}
      </div>
    </div>
  );
}

/** "2026-06-30 12:00" of an ISO instant in a zone. */
function wallMinute(iso: string, zone: string): string {
  const parts = dateFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** What the data covers ("data from 2025-01-01 to 2026-06-30 12:00, account time"), and the range's warnings. */
function CoverageLine(props: { body: CoverageJson }) {
  const { coverage, warnings } = props.body;
  return (
    <>
      {warnings.map((w) => (
        <div key={w.code} className="alert alert-warn" role="status" data-warning={w.code}>{w.message}</div>
      ))}
      {coverage ? (
        <p className="muted small coverage" data-coverage-from={coverage.from}>
          Data {coverage.connections.map((c) => `${coverage.connections.length > 1 ? `${c.connection}: ` : ''}from ${c.from} to ${c.asOf === null ? `${c.to} (first sync still running)` : wallMinute(c.asOf, c.timeZone)}`).join('; ')}, account time.
        </p>
      ) : null}
    </>
  );
}

function Ready(props: { page: string; loadedKey: string | null; wantKey: string; error: string | null; body?: (CurrencyJson & CoverageJson) | null; children: ReactNode }) {
  const ready = props.loadedKey === props.wantKey;
  const seen = useContext(SeenCurrencies);
  useEffect(() => {
    if (props.body) seen(props.body);
  }, [props.body, seen]);
  return (
    <div data-page={props.page} data-ready={ready ? 'true' : 'false'} data-query={props.loadedKey ?? ''} className={ready ? '' : 'loading'}>
      {props.error ? <div className="alert alert-error">{props.error}</div> : null}
      {props.body ? <CoverageLine body={props.body} /> : null}
      {props.children}
    </div>
  );
}

const TILES: { key: keyof FiguresJson; label: string; kind: 'money' | 'count' | 'rate'; goodUp: boolean }[] = [
  { key: 'grossRevenue', label: 'Gross revenue', kind: 'money', goodUp: true },
  { key: 'refunds', label: 'Refunds & chargebacks', kind: 'money', goodUp: false },
  { key: 'netRevenue', label: 'Net revenue', kind: 'money', goodUp: true },
  { key: 'orders', label: 'Orders', kind: 'count', goodUp: true },
  { key: 'newCustomers', label: 'New customers', kind: 'count', goodUp: true },
  { key: 'aov', label: 'Average order', kind: 'money', goodUp: true },
  { key: 'chargebacks', label: 'Chargebacks alone', kind: 'money', goodUp: false },
  { key: 'initialApprovalRate', label: 'Initial approval', kind: 'rate', goodUp: true },
  { key: 'rebillApprovalRate', label: 'Rebill approval', kind: 'rate', goodUp: true },
  { key: 'refundRate', label: 'Refund & chargeback rate', kind: 'rate', goodUp: false },
  { key: 'chargebackRate', label: 'Chargeback rate', kind: 'rate', goodUp: false },
];

function fmt(kind: 'money' | 'count' | 'rate', v: string | number | null, currency: string): string {
  if (v === null) return '–';
  if (kind === 'money') return money(String(v), currency);
  if (kind === 'rate') return pct(Number(v));
  return count(Number(v));
}

/**
 * A figure against the previous period: "no change" (never "0.0%", never "new" for nothing against
 * nothing), "new" when there was nothing before, else the change with its direction; rates in points.
 */
function Delta(props: { c: Compared; kind: 'money' | 'count' | 'rate'; goodUp: boolean }) {
  const { c } = props;
  const same = <span className="delta" data-delta="none">no change</span>;
  if (props.kind === 'rate') {
    if (c.change === null) return <span className="delta">–</span>;
    const pp = Number(c.change) * 100;
    if (pp === 0) return same;
    const cls = pp > 0 === props.goodUp ? 'good' : 'bad';
    return <span className={`delta ${cls}`}>{`${pp > 0 ? '+' : ''}${pp.toFixed(2)} pp`}</span>;
  }
  const cur = c.current === null ? null : Number(c.current);
  const prev = c.previous === null ? null : Number(c.previous);
  if (cur === null) return <span className="delta">–</span>;
  if (cur === prev || (cur === 0 && prev === null)) return same;
  if (prev === null || prev === 0) return <span className="delta" data-delta="new">new</span>;
  if (c.changeRatio === null) return <span className="delta">–</span>;
  const r = c.changeRatio;
  if (r === 0) return same;
  const cls = r > 0 === props.goodUp ? 'good' : 'bad';
  return <span className={`delta ${cls}`}>{`${r > 0 ? '▲' : '▼'} ${Math.abs(r * 100).toFixed(1)}%`}</span>;
}

/** Whether rows come from more than one connection (then their connection is shown). */
const severalConnections = (rows: readonly { connection: string | null }[]) => new Set(rows.map((r) => r.connection).filter((c) => c !== null)).size > 1;

/**
 * A grouped table's group columns, as the CLI prints them: the connection of an account's own value (when
 * rows come from several), the value, and its name when it has one of its own (a campaign's, a MID's).
 */
function groupColumns(groupBy: Dimension | null, several: boolean): Column[] {
  if (!groupBy) return [];
  const spec = DIMENSION_SPECS[groupBy];
  if (!spec.scoped) return [{ label: spec.label }];
  return [...(several ? [{ label: 'Connection' }] : []), { label: spec.label }, ...(spec.named ? [{ label: `${spec.label} name` }] : [])];
}
function groupCells(groupBy: Dimension | null, g: GroupJson, several: boolean): Cell[] {
  if (!groupBy) return [];
  const spec = DIMENSION_SPECS[groupBy];
  const cell = (v: string | null, fallback = ''): Cell => ({ view: v ?? fallback, csv: v ?? '' });
  // The row pooling a capped breakdown's other values: its name ("Other (N sub-affiliates)") in the value's cell.
  if (g.rest !== undefined) return [...(spec.scoped && several ? [cell(null)] : []), { ...cell(g.name), className: 'group-rest' }, ...(spec.scoped && spec.named ? [cell(null)] : [])];
  if (!spec.scoped) return [cell(g.group)];
  return [...(several ? [cell(g.connection)] : []), cell(g.id, '(none)'), ...(spec.named ? [{ ...cell(g.name), className: 'group-name' }] : [])];
}
/** A group in one line (chart legends): its name, else its id, with its connection when several show. */
const groupLine = (g: GroupJson, several: boolean) => `${g.name ?? g.id ?? '(none)'}${several && g.connection ? ` (${g.connection})` : ''}`;

function autoBy(from: string, to: string): string {
  const d = daysBetween(from, to);
  return d <= 62 ? 'day' : d <= 200 ? 'week' : 'month';
}

function Overview(props: { base: Base; q: Query; update: (p: Partial<Query>) => void }) {
  const { base, q } = props;
  const by = q.by || autoBy(q.from, q.to);
  const params = { ...base, basis: q.basis };
  const summary = useReport('summary', params);
  const series = useReport('series', { ...params, by });
  const s = summary.data;
  const points = series.data?.points ?? [];
  const cur = s?.currency ?? series.data?.currency ?? 'USD';
  const yMoney = useCallback<TickFormat>((v, o) => moneyTick(v, cur, o), [cur]);
  // Periods cut by the range or still running (the month to date): marked, so a short last month does
  // not read as a fall.
  const zoneToday = today(base.tz);
  const partialOf = (period: string) => isPartialPeriod(period, { from: base.from, to: base.to }, zoneToday);
  const chart = useMemo(() => {
    const x = points.map((_, i) => i);
    const labels = points.map((p) => periodLabel(p.period));
    const line = (k: 'grossRevenue' | 'refunds' | 'netRevenue') => ({ values: points.map((p) => Number(p[k] ?? 0)), text: points.map((p) => money(p[k], cur)) });
    const partial = points.map((p, i) => (isPartialPeriod(p.period, { from: base.from, to: base.to }, zoneToday) ? i : -1)).filter((i) => i >= 0);
    const span: PartialSpan | null = partial.length > 0 ? { indexes: partial, label: `partial ${by}` } : null;
    return {
      x,
      labels,
      partial: span,
      series: [
        { label: 'Gross revenue', color: '#4f46e5', ...line('grossRevenue') },
        { label: 'Refunds & chargebacks', color: '#e11d48', ...line('refunds') },
        { label: 'Net revenue', color: '#047857', ...line('netRevenue') },
      ],
    };
  }, [points, cur, base.from, base.to, zoneToday, by]);
  const wantKey = summary.key;
  return (
    <Ready page="overview" loadedKey={summary.loadedKey === summary.key && series.loadedKey === series.key ? summary.key : null} wantKey={wantKey} error={summary.error ?? series.error} body={s}>
      <div className="tiles" data-testid="tiles" data-currency={s?.currency ?? ''}>
        {TILES.map((t) => {
          const c = s?.total[t.key];
          return (
            <div className="tile" key={t.key} data-figure={t.key} data-value={c ? String(c.current ?? '') : ''}>
              <div className="tile-label">{t.label}</div>
              <div className="tile-value">{c ? fmt(t.kind, c.current, cur) : '…'}</div>
              <div className="tile-foot">
                {c ? <Delta c={c} kind={t.kind} goodUp={t.goodUp} /> : null}
                <span className="muted small">vs {c ? fmt(t.kind, c.previous, cur) : '…'}</span>
              </div>
            </div>
          );
        })}
      </div>
      {s ? (
        <p className="muted small">
          {s.from} → {s.to} compared with {s.previousFrom} → {s.previousTo}, {s.basis === 'crm' ? `CRM basis (days of ${s.timeZone})` : `days of ${s.timeZone}`}.
        </p>
      ) : null}
      <section className="card">
        <header className="card-head">
          <h2>Revenue, refunds and net over time</h2>
          <div className="segmented" role="group" aria-label="Period">
            {['day', 'week', 'month'].map((b) => (
              <button key={b} type="button" className={by === b ? 'on' : ''} onClick={() => props.update({ by: b })}>
                {b[0]?.toUpperCase()}
                {b.slice(1)}
              </button>
            ))}
          </div>
        </header>
        {points.length > 0 ? (
          <LineChart
            x={chart.x} xLabels={chart.labels} series={chart.series} yFormat={yMoney} partial={chart.partial} testId="series-chart"
            caption={`Line chart of gross revenue, refunds and chargebacks, and net revenue by ${by} in ${cur}; the table “By ${by}” below holds the same figures.`}
          />
        ) : (
          <p className="empty">…</p>
        )}
        {chart.partial ? <p className="muted small" data-testid="partial-note">Shaded: a {by} the range covers only in part, or still running; its figures are not a whole {by}’s.</p> : null}
      </section>
      <DataTable
        id="series"
        title={`By ${by}`}
        filename={`konduit-series-${q.from}_${q.to}.csv`}
        columns={[
          { label: by[0]?.toUpperCase() + by.slice(1) }, { label: `Gross revenue (${cur})`, numeric: true }, { label: `Refunds & chargebacks (${cur})`, numeric: true }, { label: `Chargebacks alone (${cur})`, numeric: true },
          { label: `Net revenue (${cur})`, numeric: true }, { label: 'Orders', numeric: true }, { label: 'New customers', numeric: true }, { label: `AOV (${cur})`, numeric: true },
        ]}
        rows={points.map((p) => [
          partialOf(p.period) ? { view: <>{p.period} <span className="pill" data-partial-row="true">partial</span></>, csv: p.period, sort: p.period } : { view: p.period, csv: p.period },
          ...(['grossRevenue', 'refunds', 'chargebacks', 'netRevenue'] as const).map((k): Cell => ({ view: money(p[k], cur), csv: p[k] })),
          { view: count(p.orders), csv: String(p.orders) },
          { view: count(p.newCustomers), csv: String(p.newCustomers) },
          { view: money(p.aov, cur), csv: p.aov ?? '' },
        ])}
      />
    </Ready>
  );
}

/**
 * A heatmap cell's shade for a share `a` (0..1) of the table's largest value: light enough at its darkest
 * for the dark text on it to keep a 4.5:1 contrast; cells not final lighter still.
 */
const heat = (a: number, complete: boolean) => `rgba(79,70,229,${(complete ? 0.06 + a * 0.46 : 0.04 + a * 0.16).toFixed(3)})`;

const HORIZON_LABEL = (h: number) => (h % 365 === 0 ? `${h / 365}y` : h % 30 === 0 && h >= 30 ? `${h / 30}m` : `${h}d`);
const PALETTE = ['#4f46e5', '#0891b2', '#059669', '#ca8a04', '#ea580c', '#e11d48', '#9333ea', '#475569', '#2563eb', '#16a34a', '#d97706', '#db2777'];

function Cohorts(props: { base: Base; q: Query; update: (p: Partial<Query>) => void }) {
  const { base, q } = props;
  const by = q.by || 'month';
  const r = useReport('cohorts', { ...base, by, groupBy: q.groupBy || undefined });
  const d = r.data;
  const cur = d?.currency ?? 'USD';
  const several = severalConnections(d?.cohorts ?? []);
  const yMoney = useCallback<TickFormat>((v, o) => moneyTick(v, cur, o), [cur]);
  const max = Math.max(1, ...(d?.cohorts ?? []).flatMap((c) => Object.values(c.ltv).map((x) => Number(x.value))));
  const curves = useMemo(() => {
    if (!d) return null;
    const recent = d.cohorts.slice(-8);
    return {
      x: d.horizons.map((_, i) => i),
      labels: d.horizons.map(HORIZON_LABEL),
      series: recent.map((c, i) => ({
        label: `${c.cohort}${c.group !== null ? ` · ${groupLine(c, several)}` : ''}`,
        color: PALETTE[i % PALETTE.length] ?? '#4f46e5',
        // Incomplete cells are left out of the curves: they are not final yet.
        values: d.horizons.map((h) => (c.ltv[String(h)]?.complete ? Number(c.ltv[String(h)]?.value) : null)),
        text: d.horizons.map((h) => (c.ltv[String(h)]?.complete ? money(c.ltv[String(h)]?.value, cur) : null)),
      })),
    };
  }, [d, several]);
  return (
    <Ready page="cohorts" loadedKey={r.loadedKey} wantKey={r.key} error={r.error} body={d}>
      <DataTable
        id="cohorts"
        title="Net LTV per customer"
        subtitle={d ? `Cohorts by first-sale ${by} in ${d.timeZone}. Shaded lighter with ~: the horizon has not passed for every customer yet.` : undefined}
        filename={`konduit-cohorts-${q.from}_${q.to}.csv`}
        actions={
          <>
          <CohortView q={q} update={props.update} />
          <div className="segmented" role="group" aria-label="Cohort period">
            {['day', 'week', 'month'].map((b) => (
              <button key={b} type="button" className={by === b ? 'on' : ''} onClick={() => props.update({ by: b })}>
                {b[0]?.toUpperCase()}
                {b.slice(1)}
              </button>
            ))}
          </div>
          </>
        }
        columns={[
          { label: 'Cohort' }, ...groupColumns(d?.groupBy ?? null, several), { label: 'Customers', numeric: true },
          ...(d?.horizons ?? []).map((h) => ({ label: `${HORIZON_LABEL(h)} (${cur})`, numeric: true })), { label: `Net to date (${cur})`, numeric: true },
        ]}
        rows={(d?.cohorts ?? []).map((c) => [
          { view: c.cohort, csv: c.cohort },
          ...groupCells(d?.groupBy ?? null, c, several),
          { view: count(c.customers), csv: String(c.customers) },
          ...(d?.horizons ?? []).map((h): Cell => {
            const cell = c.ltv[String(h)];
            const v = Number(cell?.value ?? 0);
            const a = Math.max(0, Math.min(1, v / max));
            return {
              view: (
                <span className="heat" style={{ background: heat(a, cell?.complete === true) }} data-cohort={c.cohort} data-horizon={h} data-value={cell?.value} data-complete={String(cell?.complete)}>
                  {money(cell?.value, cur)}
                  {cell?.complete ? '' : '~'}
                </span>
              ),
              csv: cell?.value ?? '',
              className: `heat-cell${cell?.complete ? '' : ' incomplete'}`,
              title: cell?.complete ? undefined : 'Not final: some customers of this cohort have not reached this day yet',
            };
          }),
          { view: money(c.netToDate, cur), csv: c.netToDate },
        ])}
      />
      <section className="card">
        <header className="card-head">
          <h2>LTV curves</h2>
          <span className="muted small">{Math.min(8, d?.cohorts.length ?? 0) === 1 ? 'The latest cohort' : `The latest ${Math.min(8, d?.cohorts.length ?? 0)} cohorts`}; complete points only.</span>
        </header>
        {curves && curves.series.length > 0 ? (
          <LineChart x={curves.x} xLabels={curves.labels} series={curves.series} yFormat={yMoney} testId="cohort-chart" caption={`Line chart of net LTV per customer in ${cur} by days since the first sale, for the latest cohorts; the table “Net LTV per customer” above holds the same figures.`} />
        ) : (
          <p className="empty">No cohorts in this range.</p>
        )}
      </section>
    </Ready>
  );
}

function CohortView(props: { q: Query; update: (p: Partial<Query>) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Cohort view">
      <button type="button" className={props.q.view !== 'months' ? 'on' : ''} onClick={() => props.update({ view: '' })}>
        Days since first sale
      </button>
      <button type="button" className={props.q.view === 'months' ? 'on' : ''} onClick={() => props.update({ view: 'months' })}>
        Calendar months
      </button>
    </div>
  );
}

/** Monthly cohorts by calendar months since acquisition (the classic triangle). */
function Triangle(props: { base: Base; q: Query; update: (p: Partial<Query>) => void }) {
  const { base, q } = props;
  const r = useReport('triangle', { ...base, groupBy: q.groupBy || undefined });
  const d = r.data;
  const cur = d?.currency ?? 'USD';
  const several = severalConnections(d?.rows ?? []);
  const width = Math.max(0, ...(d?.rows ?? []).map((x) => x.months.length));
  const max = Math.max(1, ...(d?.rows ?? []).flatMap((x) => x.months.map((m) => Number(m.value))));
  return (
    <Ready page="cohorts" loadedKey={r.loadedKey} wantKey={r.key} error={r.error} body={d}>
      <DataTable
        id="triangle"
        title="Net LTV per customer by calendar month"
        subtitle={d ? `Month 0 is the month of the first sale (${d.timeZone}); a month still running is marked ~.` : undefined}
        filename={`konduit-cohort-triangle-${q.from}_${q.to}.csv`}
        actions={<CohortView q={q} update={props.update} />}
        columns={[{ label: 'Cohort' }, ...groupColumns(d?.groupBy ?? null, several), { label: 'Customers', numeric: true }, ...Array.from({ length: width }, (_, k) => ({ label: `m${k} (${cur})`, numeric: true }))]}
        rows={(d?.rows ?? []).map((row) => [
          { view: row.cohort, csv: row.cohort },
          ...groupCells(d?.groupBy ?? null, row, several),
          { view: count(row.customers), csv: String(row.customers) },
          ...Array.from({ length: width }, (_, k): Cell => {
            const m = row.months[k];
            if (!m) return { view: '', csv: '' };
            const a = Math.max(0, Math.min(1, Number(m.value) / max));
            return {
              view: (
                <span className="heat" style={{ background: heat(a, m.complete) }}>
                  {money(m.value, cur)}
                  {m.complete ? '' : '~'}
                </span>
              ),
              csv: m.value,
              className: `heat-cell${m.complete ? '' : ' incomplete'}`,
            };
          }),
        ])}
      />
    </Ready>
  );
}

/** A retention row and its cycles as the tables list them: a group's own rows, then its subgroups'. */
type RetentionRowBody = ReportBody<'retention'>['rows'][number];

function Retention(props: { base: Base; q: Query; update: (p: Partial<Query>) => void }) {
  const { base, q } = props;
  const sub = q.groupBy && q.sub && q.sub !== q.groupBy ? q.sub : '';
  const r = useReport('retention', { ...base, groupBy: q.groupBy || undefined, subgroupBy: sub || undefined });
  const d = r.data;
  const cur = d?.currency ?? 'USD';
  const several = severalConnections(d?.rows ?? []);
  const subBy = d?.subgroupBy ?? null;
  /** A group's name in the chart's legend and the bars' picker. */
  const rowLabel = (row: RetentionRowBody) => (row.group === null ? 'All subscriptions' : groupLine(row, several));
  const curves = useMemo(() => {
    if (!d) return null;
    const maxCycle = Math.max(1, ...d.rows.flatMap((row) => row.cycles.map((c) => c.cycle)));
    const x = Array.from({ length: maxCycle }, (_, i) => i + 1);
    return {
      x,
      labels: ['', ...x.map((c) => `Cycle ${c}`)],
      series: d.rows.slice(0, 10).map((row, i) => ({ label: rowLabel(row), color: PALETTE[i % PALETTE.length] ?? '#4f46e5', values: x.map((c) => row.cycles.find((y) => y.cycle === c)?.retention ?? null).map((v) => (v === null ? null : v * 100)), text: x.map((c) => pct(row.cycles.find((y) => y.cycle === c)?.retention ?? null)) })),
    };
  }, [d, several]);
  // Bars: one group's subscriptions per cycle (each group lists its cycles up to its own highest attempted,
  // so groups are not summed), stacked from what was decided to what is not yet due.
  const [barGroup, setBarGroup] = useState(0);
  // The group shown: the one picked, or the last when a new report has fewer.
  const shown = Math.max(0, Math.min(barGroup, (d?.rows.length ?? 1) - 1));
  const bars = useMemo(() => {
    const row = d?.rows[shown];
    if (!row || row.cycles.length === 0) return null;
    const part = (f: (c: RetentionRowBody['cycles'][number]) => number) => row.cycles.map(f);
    return {
      categories: row.cycles.map((c) => `Cycle ${c.cycle}`),
      parts: [
        { key: 'approved', label: 'Approved', color: '#4f46e5', values: part((c) => c.approvals) },
        { key: 'soft', label: 'Soft declined', color: '#f59e0b', values: part((c) => c.softDeclined) },
        { key: 'hard', label: 'Hard declined', color: '#dc2626', values: part((c) => c.hardDeclined) },
        { key: 'unbilled', label: 'Due, not billed (ended before, or overdue)', color: '#94a3b8', values: part((c) => c.due - c.approvals - c.declined) },
        { key: 'pending', label: 'Pending (not yet due)', color: '#cbd5e1', values: part((c) => c.pending) },
      ],
    };
  }, [d, shown]);
  const asBars = q.view === 'bars';
  // Each group's rows, then (with a subgroup breakdown) its subgroups' under it.
  const lines: { row: RetentionRowBody; subgroup: RetentionRowBody | null }[] = (d?.rows ?? []).flatMap((row) => [{ row, subgroup: null }, ...(row.subgroups ?? []).map((x) => ({ row, subgroup: x }))]);
  const subCells = (x: RetentionRowBody | null): Cell[] => (subBy ? (x === null ? [{ view: '(all)', csv: '(all)' }] : x.rest !== undefined ? [{ view: x.name ?? '', csv: x.name ?? '' }] : [{ view: x.name && x.name !== x.id ? `${x.name} (${x.id ?? ''})` : (x.id ?? '(none)'), csv: x.id ?? '' }]) : []);
  return (
    <Ready page="retention" loadedKey={r.loadedKey} wantKey={r.key} error={r.error} body={d}>
      <section className="card">
        <header className="card-head">
          <h2>Retention by rebill cycle</h2>
          <span className="muted small">Retention = subscriptions approved at cycle N / those due at cycle N; rebill rate = approvals at N / approvals at N−1 among the due. Pending: not yet due by the data's last sync; a cycle with pending subscriptions is not final (lighter, ~).</span>
          <div className="segmented" role="group" aria-label="Chart">
            <button type="button" aria-pressed={!asBars} className={asBars ? '' : 'on'} data-chart="line" onClick={() => props.update({ view: '' })}>
              Survival line
            </button>
            <button type="button" aria-pressed={asBars} className={asBars ? 'on' : ''} data-chart="bars" onClick={() => props.update({ view: 'bars' })}>
              Bars (subscriptions)
            </button>
          </div>
        </header>
        {!curves || curves.series.length === 0 ? (
          <p className="empty">No subscriptions started in this range.</p>
        ) : asBars && bars ? (
          <>
            {d && d.rows.length > 1 ? (
              <label className="inline">
                <span>Bars of</span>
                <select data-testid="bars-group" value={shown} onChange={(e) => setBarGroup(Number(e.target.value))}>
                  {d.rows.map((row, i) => (
                    <option key={i} value={i}>{rowLabel(row)}</option>
                  ))}
                </select>
              </label>
            ) : null}
            <div data-bars-group={shown}>
              <StackedBars categories={bars.categories} parts={bars.parts} testId="retention-bars" caption="Bar chart of one group's subscriptions per rebill cycle: approved, soft declined, hard declined, due and not billed, and pending; the table “Cycles” below holds the same figures." />
            </div>
          </>
        ) : curves.x.length > 1 ? (
          <LineChart x={curves.x} xLabels={curves.labels} series={curves.series} yFormat={percentTick} testId="retention-chart" caption="Line chart of retention by rebill cycle; the table “Cycles” below holds the same figures." />
        ) : (
          <p className="empty">One cycle only: the survival line needs two; the bars and the table show it.</p>
        )}
        {q.groupBy ? (
          <label className="inline">
            <span>Then by</span>
            <select name="sub" data-testid="subgroup" value={sub} onChange={(e) => props.update({ sub: e.target.value })}>
              <FieldOptions except={['cycle', q.groupBy]} />
            </select>
          </label>
        ) : null}
      </section>
      <DataTable
        id="retention"
        title="Cycles"
        subtitle="Soft declines are recyclable (some still recycling); saved: approved after a decline at the cycle, by the retry that approved; save rate: of the soft first declines no longer recycling, the share saved. Refunds and chargebacks of each cycle's charge."
        filename={`konduit-retention-${q.from}_${q.to}.csv`}
        columns={[
          ...groupColumns(d?.groupBy ?? null, several), ...(subBy ? [{ label: DIMENSION_SPECS[subBy].label }] : []),
          { label: 'Cycle', numeric: true }, { label: 'Initial', numeric: true }, { label: 'Due', numeric: true }, { label: 'Approvals', numeric: true }, { label: 'Declined', numeric: true },
          { label: 'Soft declined', numeric: true }, { label: 'Hard declined', numeric: true }, { label: 'Recycling', numeric: true }, { label: 'Pending', numeric: true },
          { label: 'Recycle saved', numeric: true }, { label: 'Save rate', numeric: true }, { label: 'Retention', numeric: true }, { label: 'Rebill rate', numeric: true }, { label: 'Cancellations', numeric: true },
          { label: 'Refunds', numeric: true }, { label: `Refunded (${cur})`, numeric: true }, { label: 'Chargebacks', numeric: true }, { label: `Charged back (${cur})`, numeric: true }, { label: 'Complete', csvOnly: true },
        ]}
        rows={lines.flatMap(({ row, subgroup }) =>
          (subgroup ?? row).cycles.map((c) => [
            ...groupCells(d?.groupBy ?? null, row, several), ...subCells(subgroup),
            { view: String(c.cycle), csv: String(c.cycle) },
            { view: count((subgroup ?? row).initialPurchases), csv: String((subgroup ?? row).initialPurchases) },
            { view: count(c.due), csv: String(c.due) },
            { view: count(c.approvals), csv: String(c.approvals) },
            { view: count(c.declined), csv: String(c.declined) },
            { view: count(c.softDeclined), csv: String(c.softDeclined) },
            { view: count(c.hardDeclined), csv: String(c.hardDeclined) },
            { view: count(c.recycling), csv: String(c.recycling) },
            { view: count(c.pending), csv: String(c.pending) },
            { view: count(c.recycleSaved), csv: String(c.recycleSaved), title: c.recycleSaves.length ? `By retry: ${c.recycleSaves.map((x) => `retry ${x.retry}: ${x.count}`).join(', ')}` : undefined },
            { view: pct(c.recycleSaveRate, 1), csv: c.recycleSaveRate === null ? '' : String(c.recycleSaveRate) },
            {
              view: (
                <span className="bar-cell" data-complete={String(c.complete)}>
                  <span className="bar" style={{ width: `${Math.round((c.retention ?? 0) * 100)}%` }} />
                  <span>{pct(c.retention, 1)}{c.complete ? '' : '~'}</span>
                </span>
              ),
              csv: c.retention === null ? '' : String(c.retention),
              className: c.complete ? undefined : 'incomplete',
              title: c.complete ? undefined : `Not final: ${c.pending} subscriptions not yet due at this cycle`,
            },
            { view: `${pct(c.rebillRate, 1)}${c.complete ? '' : '~'}`, csv: c.rebillRate === null ? '' : String(c.rebillRate), className: c.complete ? undefined : 'incomplete' },
            { view: count(c.cancellations), csv: String(c.cancellations) },
            { view: count(c.refunds), csv: String(c.refunds) },
            { view: money(c.refundAmount, cur), csv: c.refundAmount },
            { view: count(c.chargebacks), csv: String(c.chargebacks) },
            { view: money(c.chargebackAmount, cur), csv: c.chargebackAmount },
            { view: '', csv: String(c.complete) },
          ]),
        )}
      />
      <DataTable
        id="retention-retries"
        title="Rebill attempts by retry"
        subtitle="Every attempt at cycles 2 and later: the first attempt (retry 0) and each retry of recycle billing, what it approved, and how many days after the attempt before it came (median, account time)."
        filename={`konduit-retention-retries-${q.from}_${q.to}.csv`}
        columns={[...groupColumns(d?.groupBy ?? null, several), { label: 'Retry', numeric: true }, { label: 'Attempts', numeric: true }, { label: 'Approved', numeric: true }, { label: 'Soft declined', numeric: true }, { label: 'Hard declined', numeric: true }, { label: 'Approval rate', numeric: true }, { label: 'Days after previous', numeric: true }]}
        rows={(d?.rows ?? []).flatMap((row) =>
          row.rebillAttempts.map((a) => [
            ...groupCells(d?.groupBy ?? null, row, several),
            { view: a.retry === 0 ? '0 (first)' : String(a.retry), csv: String(a.retry), sort: a.retry },
            { view: count(a.attempts), csv: String(a.attempts) },
            { view: count(a.approved), csv: String(a.approved) },
            { view: count(a.softDeclined), csv: String(a.softDeclined) },
            { view: count(a.hardDeclined), csv: String(a.hardDeclined) },
            { view: pct(a.approvalRate, 1), csv: a.approvalRate === null ? '' : String(a.approvalRate) },
            { view: a.daysAfterPrevious === null ? '–' : String(a.daysAfterPrevious), csv: a.daysAfterPrevious === null ? '' : String(a.daysAfterPrevious) },
          ]),
        )}
      />
    </Ready>
  );
}

/** A percentage tick: whole percents, or tenths when the ticks are closer. */
const percentTick: TickFormat = (v, o) => `${v.toFixed(o.step >= 1 ? 0 : 1)}%`;

/** The pill of a program's status: a label only when the program gives one. */
const STATUS_CLASS: Record<string, string> = { excessive: 'pill-red', HECM: 'pill-red', ECM: 'pill-orange', CMM: 'pill-amber', below: 'pill-green', none: 'pill-green' };
const statusPill = (s: string) => <span className={`pill ${STATUS_CLASS[s] ?? ''}`}>{s}</span>;
/** "2025-06" as "Jun 2025". */
const monthName = (m: string) => new Date(`${m}-15T00:00:00Z`).toLocaleString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** MID health, and its alert rules: a rule set or removed fetches the report again. */
function Mids(props: { base: Base; connections: string[] }) {
  const version = useContext(DataVersion);
  const [rules, setRules] = useState(0);
  return (
    <DataVersion.Provider value={version * 1000 + rules}>
      <MidHealth base={props.base} />
      <AlertRules connections={props.connections} changed={() => setRules((n) => n + 1)} />
    </DataVersion.Provider>
  );
}

const METRIC_LABELS: Record<MidAlertRuleJson['metric'], string> = { any: 'Visa or Mastercard', visa: 'Visa (VAMP)', mastercard: 'Mastercard', total: 'every network together' };

/** The MID alert rules of every connection (docs/metrics.md, "MID health"): listed, set and removed. */
function AlertRules(props: { connections: string[]; changed: () => void }) {
  const [rules, setRules] = useState<MidAlertRuleJson[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ connection: '', mid: '', metric: 'any' as MidAlertRuleJson['metric'], threshold: '', minCount: '0' });
  const names = props.connections.join('\n');
  const load = useCallback(async () => {
    const all = await Promise.all(props.connections.map((c) => api<{ rules: MidAlertRuleJson[] }>('GET', `/api/connections/${encodeURIComponent(c)}/mid-alerts`)));
    setRules(all.flatMap((x) => x.rules));
  }, [names]);
  useEffect(() => {
    load().catch((e: Error) => setError(e.message));
  }, [load]);
  const connection = form.connection || props.connections[0] || '';
  const save = async () => {
    setError(null);
    // The form takes a percentage, the API a fraction: moved by the decimal point, as the CLI does.
    const percent = form.threshold.trim().replace(/%$/, '');
    if (!/^\d{1,3}(\.\d{1,4})?$/.test(percent)) return setError('Threshold: a percentage, e.g. 0.9 for 0.9%.');
    try {
      await api('PUT', `/api/connections/${encodeURIComponent(connection)}/mid-alerts/${encodeURIComponent(form.mid.trim() || '*')}`, { metric: form.metric, threshold: Number(`${percent}e-2`), minCount: Number(form.minCount || '0') });
      await load();
      props.changed();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = async (r: MidAlertRuleJson) => {
    setError(null);
    try {
      await api('DELETE', `/api/connections/${encodeURIComponent(r.connection)}/mid-alerts/${encodeURIComponent(r.mid)}`);
      await load();
      props.changed();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section className="card" data-testid="alert-rules">
      <header className="card-head">
        <h2>Alert rules</h2>
        <span className="muted small">A month whose ratio reaches a MID’s rule (with at least its count) marks its tile; <code>konduit report mids --alerts</code> exits 1 while one fires.</span>
      </header>
      {rules && rules.length > 0 ? (
        <div className="table-wrap">
        <table>
          <thead>
            <tr><th scope="col">Connection</th><th scope="col">MID</th><th scope="col">Ratio</th><th scope="col" className="num">Threshold</th><th scope="col" className="num">Fewest</th><th scope="col">Action</th></tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={`${r.connection}:${r.mid}`} data-rule={`${r.connection}:${r.mid}`}>
                <td>{r.connection}</td>
                <td>{r.mid === '*' ? 'every other MID' : r.mid}</td>
                <td>{METRIC_LABELS[r.metric]}</td>
                <td className="num">{pct(r.threshold)}</td>
                <td className="num">{count(r.minCount)}</td>
                <td><button type="button" className="btn btn-ghost btn-sm" onClick={() => void remove(r)} aria-label={`Remove the rule of ${r.connection} MID ${r.mid}`}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      ) : (
        <p className="muted small">No alert rules yet.</p>
      )}
      <form
        className="row gap wrap"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {props.connections.length > 1 ? (
          <select aria-label="Connection" value={connection} onChange={(e) => setForm({ ...form, connection: e.target.value })}>
            {props.connections.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        ) : null}
        <input aria-label="MID" placeholder="MID (empty: every MID)" value={form.mid} onChange={(e) => setForm({ ...form, mid: e.target.value })} size={16} />
        <select aria-label="Ratio" value={form.metric} onChange={(e) => setForm({ ...form, metric: e.target.value as MidAlertRuleJson['metric'] })}>
          {(Object.keys(METRIC_LABELS) as MidAlertRuleJson['metric'][]).map((m) => <option key={m} value={m}>{METRIC_LABELS[m]}</option>)}
        </select>
        <input aria-label="Threshold in percent" placeholder="threshold %" value={form.threshold} onChange={(e) => setForm({ ...form, threshold: e.target.value })} size={8} />
        <input aria-label="Fewest chargebacks" placeholder="fewest" value={form.minCount} onChange={(e) => setForm({ ...form, minCount: e.target.value })} size={6} />
        <button className="btn btn-sm" type="submit" disabled={!connection}>Set rule</button>
      </form>
      {error ? <p className="warn-text" role="alert">{error}</p> : null}
    </section>
  );
}

function MidHealth(props: { base: Base }) {
  const r = useReport('mids', props.base);
  const d = r.data;
  const cur = d?.currency ?? 'USD';
  const several = severalConnections(d?.rows ?? []);
  return (
    <Ready page="mids" loadedKey={r.loadedKey} wantKey={r.key} error={r.error} body={d}>
      {d && d.alerts.length > 0 ? (
        <section className="card warn" data-testid="mid-alerts">
          <span className="strong">{d.alerts.length} alert{d.alerts.length === 1 ? '' : 's'} firing: </span>
          {d.alerts.map((a) => `MID ${a.mid} ${monthName(a.month)}${a.projected ? ' (projected)' : ''}`).join(', ')}
        </section>
      ) : null}
      <MidSummary rows={d?.rows ?? []} several={several} />
      <DataTable
        id="mids"
        title="Per MID per month (the account’s months; ~ projected to the month’s end)"
        filename={`konduit-mids-${props.base.from}_${props.base.to}.csv`}
        columns={[
          ...(several ? [{ label: 'Connection' }] : []), { label: 'MID' }, { label: 'MID name' }, { label: 'Month' }, { label: 'Projected' }, { label: 'Sales', numeric: true },
          { label: 'Chargebacks', numeric: true }, { label: `Chargeback amount (${cur})`, numeric: true }, { label: 'Visa sales', numeric: true }, { label: 'Visa disputes', numeric: true },
          { label: 'VAMP ratio', numeric: true }, { label: 'VAMP' }, { label: 'Mastercard previous month’s sales', numeric: true }, { label: 'Mastercard chargebacks', numeric: true }, { label: 'Mastercard ratio', numeric: true }, { label: 'Mastercard' }, { label: 'Alert' },
        ]}
        rows={(d?.rows ?? []).map((m) => [
          ...(several ? [{ view: m.connection, csv: m.connection }] : []),
          { view: m.mid, csv: m.mid },
          { view: m.name ?? '', csv: m.name ?? '', className: 'group-name' },
          { view: `${m.month}${m.projected ? '~' : ''}`, csv: m.month, className: m.projected ? 'incomplete' : undefined },
          { view: m.projected ? 'projected' : '', csv: String(m.projected) },
          { view: count(m.sales), csv: String(m.sales) },
          { view: count(m.chargebacks), csv: String(m.chargebacks) },
          { view: money(m.chargebackAmount, cur), csv: m.chargebackAmount },
          { view: count(m.visa.sales), csv: String(m.visa.sales) },
          { view: count(m.visa.disputes), csv: String(m.visa.disputes) },
          { view: pct(m.visa.ratio), csv: m.visa.ratio === null ? '' : String(m.visa.ratio) },
          { view: statusPill(m.visa.status), csv: m.visa.status },
          { view: count(m.mastercard.previousMonthSales), csv: String(m.mastercard.previousMonthSales) },
          { view: count(m.mastercard.chargebacks), csv: String(m.mastercard.chargebacks) },
          { view: pct(m.mastercard.ratio), csv: m.mastercard.ratio === null ? '' : String(m.mastercard.ratio) },
          { view: statusPill(m.mastercard.status), csv: m.mastercard.status },
          { view: m.alert ? <span className={`pill ${m.alert.firing ? 'pill-red' : ''}`} data-alert={m.alert.firing ? 'firing' : 'quiet'}>{m.alert.metric} ≥ {pct(m.alert.threshold)}</span> : '', csv: m.alert ? `${m.alert.metric} >= ${m.alert.threshold}${m.alert.firing ? ' firing' : ''}` : '' },
        ])}
      />
      {d ? (
        <p className="muted small">
          Visa VAMP: disputes / the month’s settled Visa sales (fraud reports are not in the CRM’s data), excessive from{' '}
          {d.programs.visa.merchant.map((t) => `${t.from}: ${pct(t.ratio)} and ${count(t.minCount)}+`).join('; ')}. Mastercard: chargebacks / the previous month’s Mastercard sales,{' '}
          {d.programs.mastercard.levels.map((l) => `${l.name} ${pct(l.ratio)} and ${count(l.minCount)}+${l.consecutiveMonths > 1 ? ` in ${l.consecutiveMonths} consecutive months` : ''}`).join('; ')}. A label needs both the ratio and the count.
        </p>
      ) : null}
    </Ready>
  );
}

/**
 * One card per MID: its last complete month, named, with each program's status; the running month
 * (projected to its end) beside it, marked as a projection; an alert rule that fires marks the card.
 */
function MidSummary(props: { rows: MidsJson['rows']; several: boolean }) {
  // One card per MID of an account: MID 3 of two accounts is two cards.
  const byMid = new Map<string, MidMonthJson[]>();
  for (const r of props.rows) byMid.set(r.key, [...(byMid.get(r.key) ?? []), r]);
  if (byMid.size === 0) return null;
  return (
    <div className="tiles" data-testid="mid-summary">
      {[...byMid.entries()].map(([key, rows]) => {
        const done = rows.filter((r) => !r.projected);
        const last = done[done.length - 1] ?? rows[rows.length - 1]!;
        const running = rows.find((r) => r.projected) ?? null;
        const firing = rows.some((r) => r.alert?.firing);
        return (
          <div className={`tile${firing ? ' tile-alert' : ''}`} key={key} data-mid={key} data-alert={firing ? 'firing' : undefined}>
            <div className="tile-label">
              MID {last.mid}
              {last.name ? ` · ${last.name}` : ''}
              {props.several ? ` (${last.connection})` : ''}
            </div>
            <div className="tile-value" data-month={last.month}>
              {monthName(last.month)}
              {last.projected ? ' (projected)' : ''}
            </div>
            <div className="tile-foot">
              <span className="muted small">VAMP {pct(last.visa.ratio)}</span> {statusPill(last.visa.status)} <span className="muted small">MC {pct(last.mastercard.ratio)}</span> {statusPill(last.mastercard.status)}
            </div>
            {running && running !== last ? (
              <div className="tile-foot muted small" data-projected={running.month}>
                {monthName(running.month)} so far, projected to month end: VAMP {pct(running.visa.ratio)} ({running.visa.status}), MC {pct(running.mastercard.ratio)} ({running.mastercard.status})
              </div>
            ) : null}
            {firing ? <div className="tile-foot"><span className="pill pill-red">alert</span></div> : null}
          </div>
        );
      })}
    </div>
  );
}

/** A view picker: the `by` of declines and chargebacks. */
function ViewPicker(props: { views: readonly string[]; value: string; update: (by: string) => void; label: string }) {
  return (
    <div className="row gap wrap" role="group" aria-label={props.label}>
      {props.views.map((v) => (
        <button key={v} type="button" className={`btn btn-sm ${v === props.value ? '' : 'btn-ghost'}`} aria-pressed={v === props.value} data-view={v} onClick={() => props.update(v)}>
          {v}
        </button>
      ))}
    </div>
  );
}

const DECLINE_VIEW_LIST = ['mid', 'bin', 'brand', 'cycle', 'reason', 'retry', 'days'] as const;
const reasonsText = (list: { reason: string | null; share: number | null }[]) => list.map((x) => `${x.reason ?? '(none)'} ${pct(x.share, 0)}`).join('; ');

function Declines(props: { base: Base; q: Query; update: (p: Partial<Query>) => void }) {
  const by = (DECLINE_VIEW_LIST as readonly string[]).includes(props.q.by) ? (props.q.by as DeclinesJson['by']) : 'mid';
  const r = useReport('declines', { ...props.base, by });
  const d = r.data;
  const countCells = (x: { attempts: number; approvals: number; declines: number; declineRate: number | null }): Cell[] => [
    { view: count(x.attempts), csv: String(x.attempts) }, { view: count(x.approvals), csv: String(x.approvals) }, { view: count(x.declines), csv: String(x.declines) },
    { view: pct(x.declineRate), csv: x.declineRate === null ? '' : String(x.declineRate) },
  ];
  const countCols: Column[] = [{ label: 'Attempts', numeric: true }, { label: 'Approvals', numeric: true }, { label: 'Declines', numeric: true }, { label: 'Decline rate', numeric: true }];
  let columns: Column[] = [];
  let rows: Cell[][] = [];
  if (d) {
    if (by === 'reason') {
      columns = [{ label: 'Reason' }, { label: 'Declines', numeric: true }, { label: 'Share', numeric: true }];
      rows = d.reasons.map((x) => [{ view: x.reason ?? '(none)', csv: x.reason ?? '' }, { view: count(x.declines), csv: String(x.declines) }, { view: pct(x.share), csv: x.share === null ? '' : String(x.share) }]);
    } else if (by === 'retry') {
      columns = [{ label: 'Retry', numeric: true }, { label: 'Attempts', numeric: true }, { label: 'Approvals', numeric: true }, { label: 'Approval rate', numeric: true }];
      rows = d.recycle.byRetry.map((x) => [{ view: String(x.retry), csv: String(x.retry) }, { view: count(x.attempts), csv: String(x.attempts) }, { view: count(x.approvals), csv: String(x.approvals) }, { view: pct(x.approvalRate), csv: x.approvalRate === null ? '' : String(x.approvalRate) }]);
    } else if (by === 'days') {
      columns = [{ label: 'Retry', numeric: true }, { label: 'Days after first decline', numeric: true }, { label: 'Saves', numeric: true }];
      rows = d.recycle.byDays.map((x) => [{ view: String(x.retry), csv: String(x.retry) }, { view: String(x.days), csv: String(x.days) }, { view: count(x.saves), csv: String(x.saves) }]);
    } else {
      const label = by === 'mid' ? 'MID' : by === 'bin' ? 'BIN' : by === 'brand' ? 'Card network' : 'Billing cycle';
      columns = [...(by === 'mid' ? [{ label: 'Connection' }] : []), { label }, ...(by === 'mid' ? [{ label: 'MID name' }] : []), ...countCols, { label: 'Top reasons' }];
      rows = d.rows.map((x) => [
        ...(by === 'mid' ? [{ view: x.connection ?? '', csv: x.connection ?? '' }] : []),
        { view: x.value ?? '(none)', csv: x.value ?? '' },
        ...(by === 'mid' ? [{ view: x.name ?? '', csv: x.name ?? '', className: 'group-name' }] : []),
        ...countCells(x),
        { view: reasonsText(x.reasons), csv: reasonsText(x.reasons) },
      ]);
    }
  }
  return (
    <Ready page="declines" loadedKey={r.loadedKey} wantKey={r.key} error={r.error} body={d}>
      <section className="card">
        <ViewPicker views={DECLINE_VIEW_LIST} value={by} update={(v) => props.update({ by: v })} label="Rows by" />
        {d ? (
          <p className="muted small" data-testid="declines-total">
            {count(d.total.attempts)} attempts, {count(d.total.declines)} declined ({pct(d.total.declineRate)}). Rebills: {count(d.recycle.firstDeclines)} first attempts declined, {count(d.recycle.saves)} saved by a retry ({pct(d.recycle.saveRate)}).
          </p>
        ) : null}
      </section>
      <DataTable id={`declines-${by}`} title={`Declines by ${by}`} filename={`konduit-declines-${by}-${props.base.from}_${props.base.to}.csv`} columns={columns} rows={rows} />
    </Ready>
  );
}

const CHARGEBACK_VIEW_LIST = ['reason', 'mid', 'days', 'cohort'] as const;

function Chargebacks(props: { base: Base; q: Query; update: (p: Partial<Query>) => void }) {
  const by = (CHARGEBACK_VIEW_LIST as readonly string[]).includes(props.q.by) ? (props.q.by as ChargebacksJson['by']) : 'reason';
  const r = useReport('chargebacks', { ...props.base, by });
  const d = r.data;
  const cur = d?.currency ?? 'USD';
  const c = (x: ChargebackCountsJson): Cell[] => [
    { view: count(x.chargebacks), csv: String(x.chargebacks) }, { view: money(x.amount, cur), csv: x.amount }, { view: count(x.fraud), csv: String(x.fraud) },
    { view: count(x.refunded), csv: String(x.refunded) }, { view: money(x.refundAmount, cur), csv: x.refundAmount },
  ];
  const cols: Column[] = [{ label: 'Chargebacks', numeric: true }, { label: `Amount (${cur})`, numeric: true }, { label: 'Fraud', numeric: true }, { label: 'Also refunded', numeric: true }, { label: `Refunded (${cur})`, numeric: true }];
  let columns: Column[] = [];
  let rows: Cell[][] = [];
  if (d) {
    if (by === 'reason') {
      columns = [{ label: 'Reason code' }, { label: 'Network' }, { label: 'Fraud?' }, { label: 'Meaning' }, ...cols, { label: 'Share', numeric: true }];
      rows = d.byReason.map((x) => [
        { view: x.reason ?? '(none)', csv: x.reason ?? '' }, { view: x.network ?? '', csv: x.network ?? '' },
        { view: x.isFraud === null ? '' : x.isFraud ? 'fraud' : 'non-fraud', csv: x.isFraud === null ? '' : String(x.isFraud) }, { view: x.description ?? '', csv: x.description ?? '' },
        ...c(x), { view: pct(x.share), csv: x.share === null ? '' : String(x.share) },
      ]);
    } else if (by === 'mid') {
      columns = [{ label: 'Connection' }, { label: 'MID' }, { label: 'MID name' }, { label: 'Sales', numeric: true }, ...cols, { label: 'Chargeback rate', numeric: true }];
      rows = d.byMid.map((x) => [
        { view: x.connection, csv: x.connection }, { view: x.mid ?? '(none)', csv: x.mid ?? '' }, { view: x.name ?? '', csv: x.name ?? '', className: 'group-name' }, { view: count(x.sales), csv: String(x.sales) },
        ...c(x), { view: pct(x.chargebackRate), csv: x.chargebackRate === null ? '' : String(x.chargebackRate) },
      ]);
    } else if (by === 'days') {
      columns = [{ label: 'Days from sale' }, ...cols];
      rows = d.byDays.map((x) => [{ view: x.from === null ? 'sale not in the data' : x.to === null ? `${x.from}+` : `${x.from}–${x.to}`, csv: x.from === null ? '' : x.to === null ? `${x.from}+` : `${x.from}-${x.to}` }, ...c(x)]);
    } else {
      columns = [{ label: 'Sale month' }, ...cols];
      rows = d.byCohort.map((x) => [{ view: x.cohort ?? 'sale not in the data', csv: x.cohort ?? '' }, ...c(x)]);
    }
  }
  return (
    <Ready page="chargebacks" loadedKey={r.loadedKey} wantKey={r.key} error={r.error} body={d}>
      <section className="card">
        <ViewPicker views={CHARGEBACK_VIEW_LIST} value={by} update={(v) => props.update({ by: v })} label="Rows by" />
        {d ? (
          <p className="muted small" data-testid="chargebacks-total">
            {count(d.total.chargebacks)} chargebacks, {money(d.total.amount, cur)} ({count(d.total.fraud)} fraud); {pct(d.total.chargebackRate)} of {count(d.total.sales)} sales;{' '}
            {count(d.total.refunded)} of the same sales also refunded ({money(d.total.refundAmount, cur)}); {count(d.total.reversals)} reversed; median {d.total.medianDays ?? '-'} days from sale.
          </p>
        ) : null}
      </section>
      <DataTable id={`chargebacks-${by}`} title={`Chargebacks by ${by}`} filename={`konduit-chargebacks-${by}-${props.base.from}_${props.base.to}.csv`} columns={columns} rows={rows} />
    </Ready>
  );
}

const BREAKDOWN_COLUMNS: { key: keyof FiguresJson; label: string; kind: 'money' | 'count' | 'rate' }[] = [
  { key: 'grossRevenue', label: 'Gross revenue', kind: 'money' },
  { key: 'refunds', label: 'Refunds & chargebacks', kind: 'money' },
  { key: 'chargebacks', label: 'Chargebacks alone', kind: 'money' },
  { key: 'netRevenue', label: 'Net revenue', kind: 'money' },
  { key: 'orders', label: 'Orders', kind: 'count' },
  { key: 'newCustomers', label: 'New customers', kind: 'count' },
  { key: 'aov', label: 'AOV', kind: 'money' },
  { key: 'initialApprovalRate', label: 'Initial approval', kind: 'rate' },
  { key: 'refundRate', label: 'Refund & chargeback rate', kind: 'rate' },
  { key: 'chargebackRate', label: 'Chargeback rate', kind: 'rate' },
];

function Breakdowns(props: { base: Base; q: Query; update: (p: Partial<Query>) => void }) {
  const { base, q } = props;
  const dims = FIELDS.filter((f) => f.id !== 'connection' && f.id !== 'cycle');
  const dim = dims.find((f) => f.id === q.dim)?.id ?? 'campaign';
  const r = useReport('summary', { ...base, basis: q.basis, groupBy: dim });
  const groups = r.data?.groups ?? [];
  const cur = r.data?.currency ?? 'USD';
  const several = severalConnections(groups);
  /** A group's id and name cells link to a filter on it (its key: "<connection>:<id>", this account's value only). */
  const linked = (g: (typeof groups)[number]): Cell[] =>
    groupCells(dim, g, several).map((c, i) =>
      i < (several ? 1 : 0) || g.id === null
        ? c
        : { ...c, view: <button type="button" className="linkish" onClick={() => props.update({ filters: [...q.filters.filter((f) => !f.startsWith(`${dim}:`)), `${dim}:${g.group}`] })}>{c.view}</button> },
    );
  return (
    <Ready page="breakdowns" loadedKey={r.loadedKey} wantKey={r.key} error={r.error} body={r.data}>
      <div className="tabs" role="tablist">
        {dims.map((f) => (
          <button key={f.id} role="tab" type="button" aria-selected={dim === f.id} className={dim === f.id ? 'on' : ''} onClick={() => props.update({ dim: f.id })}>
            {f.label}
          </button>
        ))}
      </div>
      <DataTable
        id={`breakdown-${dim}`}
        title={`By ${fieldLabel(dim).toLowerCase()}`}
        subtitle="Click a value to filter every report by it."
        filename={`konduit-by-${dim}-${q.from}_${q.to}.csv`}
        columns={[...groupColumns(dim, several), ...BREAKDOWN_COLUMNS.map((c) => ({ label: c.kind === 'money' ? `${c.label} (${cur})` : c.label, numeric: true })), { label: 'Net vs previous', numeric: true }]}
        rows={groups.map((g) => [
          ...linked(g),
          ...BREAKDOWN_COLUMNS.map((c): Cell => ({ view: fmt(c.kind, g.figures[c.key]?.current ?? null, cur), csv: String(g.figures[c.key]?.current ?? '') })),
          { view: g.figures.netRevenue ? <Delta c={g.figures.netRevenue} kind="money" goodUp /> : '–', csv: String(g.figures.netRevenue?.changeRatio ?? '') },
        ])}
      />
    </Ready>
  );
}
