/**
 * Acquisition economics (docs/metrics.md, "Unit economics"): the sources of customers ranked by payback,
 * for a media buyer to read in ten seconds: which source pays back, how soon, at what CAC and LTV:CAC,
 * with the cohorts behind each a click away. Every figure is the server's (GET /api/reports/economics,
 * the same body as `konduit report economics --format json`); the page only formats and ranks nothing
 * itself. The query lives in the URL (source, cohort period, range, currency).
 */
import { Fragment, useEffect, useState } from 'react';
import type { EconomicsJson, EconomicsRowJson } from '../../../report/json';
import { api, getReport, qs, type Connection } from '../api';
import { downloadCsv } from '../csv';
import { count, money, monthStart, today } from '../format';
import { navigate, useLocation } from '../router';
import { useViewerZone } from '../zone';

const SOURCES = [
  { id: 'affiliate', label: 'Affiliate' },
  { id: 'subaffiliate', label: 'Sub-affiliate' },
  { id: 'campaign', label: 'Campaign' },
  { id: 'utm', label: 'UTM source' },
] as const;
type SourceId = (typeof SOURCES)[number]['id'];

const RANGES = [
  { id: '3m', label: 'Last 3 months', months: 2 },
  { id: '6m', label: 'Last 6 months', months: 5 },
  { id: '12m', label: 'Last 12 months', months: 11 },
  { id: '24m', label: 'Last 24 months', months: 23 },
];

/** The margin LTV horizons the table may show: those some source has a value at (the CSV exports them all). */
const SHOWN = [7, 30, 90, 180, 365];

type Source = EconomicsJson['sources'][number];

/** LTV:CAC as "2.35×"; '–' without spend. */
const times = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${v.toFixed(2)}×`);

/** The last horizon with a value, and its cell. */
function lastCell(x: EconomicsRowJson, horizons: number[]) {
  for (let i = horizons.length - 1; i >= 0; i--) {
    const c = x.ltv[String(horizons[i])];
    if (c) return c;
  }
  return null;
}

/** What payback says, with its colour. */
function payback(x: EconomicsRowJson): { text: string; pill: string; title: string } {
  const last = x.paybackThrough;
  switch (x.paybackStatus) {
    case 'reached':
      return { text: `Day ${x.payback?.day}`, pill: 'pill-green', title: 'Margin LTV reached CAC by this day after the first sale (observed)' };
    case 'projected':
      return { text: `Day ${x.payback?.day}*`, pill: 'pill-amber', title: 'Projected: not yet observed for every customer; the older cohorts’ curve says margin LTV reaches CAC by this day' };
    case 'not_reached':
      return last === null
        ? { text: 'Never', pill: 'pill-red', title: 'Spend brought no customer' }
        : { text: `Not by day ${last}`, pill: 'pill-red', title: `Margin LTV stays below CAC through day ${last}, the last day observed or projected` };
    case 'unknown':
      return { text: 'Unknown', pill: '', title: 'Too young to tell, and no older cohort to project from' };
    default:
      return { text: 'No spend', pill: '', title: 'No ad spend is recorded against this source: no CAC to pay back' };
  }
}

/** The query as the URL holds it. */
function readQuery(search: URLSearchParams, zone: string) {
  const source = (SOURCES.find((s) => s.id === search.get('source'))?.id ?? 'affiliate') as SourceId;
  const range = search.get('range') ?? (search.get('from') ? 'custom' : '12m');
  const t = today(zone);
  const preset = RANGES.find((r) => r.id === range);
  return {
    source,
    range,
    by: search.get('by') === 'week' ? 'week' : 'month',
    from: preset ? monthStart(t, preset.months) : (search.get('from') ?? monthStart(t, 11)),
    to: preset ? t : (search.get('to') ?? t),
    currency: search.get('currency') ?? '',
  } as const;
}

export function EconomicsPage() {
  const zone = useViewerZone();
  const { search } = useLocation();
  const q = readQuery(search, zone);
  const update = (patch: Record<string, string>) => {
    const u = new URLSearchParams(search);
    for (const [k, v] of Object.entries(patch)) (v ? u.set(k, v) : u.delete(k));
    if (patch.range && patch.range !== 'custom') {
      u.delete('from');
      u.delete('to');
    }
    navigate(`/reports/economics?${u.toString()}`, true);
  };
  const [bases, setBases] = useState<string[]>([]);
  useEffect(() => {
    api<{ connections: Connection[] }>('GET', '/api/connections')
      .then((r) => setBases([...new Set(r.connections.map((c) => c.baseCurrency ?? 'USD'))].sort()))
      .catch(() => undefined);
  }, []);
  const currency = q.currency || (bases.length > 1 ? (bases[0] ?? '') : '');
  const params = { from: q.from, to: q.to, tz: zone, source: q.source, by: q.by, currency: currency || undefined };
  const key = qs(params);
  const [state, setState] = useState<{ body: EconomicsJson | null; error: string | null; key: string | null }>({ body: null, error: null, key: null });
  useEffect(() => {
    let live = true;
    getReport('economics', params)
      .then((body) => live && setState({ body, error: null, key }))
      .catch((e: Error) => live && setState({ body: null, error: e.message, key }));
    return () => {
      live = false;
    };
  }, [key]);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (g: string) => setOpen((s) => {
    const n = new Set(s);
    if (n.has(g)) n.delete(g);
    else n.add(g);
    return n;
  });
  const body = state.body;
  const ready = state.key === key;
  const cur = body?.currency ?? (currency || 'USD');
  const horizons = body?.horizons ?? [];
  const shown = SHOWN.filter((h) => horizons.includes(h) && (body?.sources.some((s) => s.total.ltv[String(h)]) ?? false));
  const label = SOURCES.find((s) => s.id === q.source)?.label ?? 'Source';
  const currencies = [...new Set([cur, ...(body?.otherCurrencies.map((c) => c.currency) ?? []), ...bases])].sort();

  const cells = (x: EconomicsRowJson) => {
    const pb = payback(x);
    const last = lastCell(x, horizons);
    return (
      <>
        <td><span className={`pill ${pb.pill}`} title={pb.title} data-payback-status={x.paybackStatus}>{pb.text}</span></td>
        <td className="num" data-ltv-cac={last?.ltvToCac ?? ''} title={x.paybackThrough === null ? undefined : `At day ${x.paybackThrough}${last?.projected ? ', projected' : ''}`}>{times(last?.ltvToCac)}{last?.projected && last.ltvToCac !== null ? '*' : ''}</td>
        <td className="num" data-cac={x.cac ?? ''}>{money(x.cac, cur)}</td>
        <td className="num" data-customers={x.customers}>{count(x.customers)}</td>
        <td className="num" data-spend={x.spend ?? ''}>{money(x.spend, cur)}</td>
        {shown.map((h) => {
          const c = x.ltv[String(h)];
          return (
            <td key={h} className={`num ${c && !c.complete ? 'incomplete' : ''}`} data-ltv={h} data-value={c?.value ?? ''} title={c?.projected ? 'Projected from older cohorts' : c && !c.complete ? 'Not final: some customers are younger than this' : undefined}>
              {c ? `${money(c.value, cur)}${c.projected ? '*' : !c.complete ? '~' : ''}` : '–'}
            </td>
          );
        })}
        {(body?.roasHorizons ?? []).map((h) => {
          const r = x.roas[String(h)];
          return <td key={h} className={`num ${r && !r.complete ? 'incomplete' : ''}`} data-roas={h} data-value={r?.value ?? ''}>{times(r?.value)}{r && !r.complete && r.value !== null ? '~' : ''}</td>;
        })}
      </>
    );
  };

  const exportCsv = () => {
    if (!body) return;
    const columns = ['Rank', label, 'Name', 'Cohort', 'Customers', `Spend (${cur})`, `CAC (${cur})`, ...horizons.map((h) => `Margin LTV ${h}d (${cur})`), 'Payback day', 'Payback status', ...body.roasHorizons.map((h) => `ROAS ${h}d`)];
    const line = (s: Source, x: EconomicsRowJson) => [
      String(s.rank), s.id ?? '(none)', s.name ?? '', x.cohort ?? 'all', String(x.customers), x.spend ?? '', x.cac ?? '',
      ...horizons.map((h) => x.ltv[String(h)]?.value ?? ''), x.payback ? String(x.payback.day) : '', x.paybackStatus, ...body.roasHorizons.map((h) => String(x.roas[String(h)]?.value ?? '')),
    ];
    downloadCsv(`economics-${q.source}-${q.from}-${q.to}.csv`, columns, body.sources.flatMap((s) => [line(s, s.total), ...s.cohorts.map((c) => line(s, c))]));
  };

  const withSpend = body?.sources.filter((s) => s.total.spend !== null) ?? [];
  const paying = withSpend.filter((s) => s.total.payback !== null);
  const best = paying[0];

  return (
    <div className="page">
      <header className="page-head">
        <h1>Acquisition economics</h1>
        <p className="muted">Sources ranked by how soon their customers’ margin pays back what it cost to acquire them. Click a source for the cohorts behind it.</p>
      </header>
      <div className="toolbar card">
        <div className="toolbar-row">
          <label className="row gap">
            <span className="muted small">Source</span>
            <select name="source" value={q.source} onChange={(e) => update({ source: e.target.value })}>
              {SOURCES.map((s) => <option key={s.id} value={s.id}>{s.label}</option>)}
            </select>
          </label>
          <label className="row gap">
            <span className="muted small">Customers acquired</span>
            <select name="range" value={q.range} onChange={(e) => update({ range: e.target.value, ...(e.target.value === 'custom' ? { from: q.from, to: q.to } : {}) })}>
              {RANGES.map((r) => <option key={r.id} value={r.id}>{r.label}</option>)}
              <option value="custom">Custom</option>
            </select>
          </label>
          {q.range === 'custom' ? (
            <>
              <input type="date" name="from" aria-label="From" value={q.from} onChange={(e) => update({ range: 'custom', from: e.target.value, to: q.to })} />
              <input type="date" name="to" aria-label="To" value={q.to} onChange={(e) => update({ range: 'custom', from: q.from, to: e.target.value })} />
            </>
          ) : null}
          <div className="segmented" role="group" aria-label="Cohort period">
            {(['month', 'week'] as const).map((b) => (
              <button key={b} type="button" className={q.by === b ? 'on' : ''} data-by={b} onClick={() => update({ by: b === 'month' ? '' : b })}>By {b}</button>
            ))}
          </div>
          {currencies.length > 1 ? (
            <label className="row gap">
              <span className="muted small">Currency</span>
              <select name="currency" value={cur} onChange={(e) => update({ currency: e.target.value })}>
                {currencies.map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            </label>
          ) : null}
        </div>
      </div>
      <div data-page="economics" data-ready={ready ? 'true' : 'false'} data-query={state.key ?? ''} className={ready ? '' : 'loading'}>
        {state.error ? <div className="alert alert-error">{state.error}</div> : null}
        {body?.warnings.map((w) => <div key={w.code} className="alert alert-warn" role="status" data-warning={w.code}>{w.message}</div>)}
        {body ? (
          <p className="headline" data-testid="economics-headline">
            {withSpend.length === 0
              ? `No ad spend recorded against any ${label.toLowerCase()}: import it (konduit costs import) to see CAC and payback.`
              : `${paying.length} of ${withSpend.length} ${label.toLowerCase()} sources with spend pay back${best ? `; the fastest, ${best.name ?? best.id}, by day ${best.total.payback?.day}${best.total.payback?.projected ? ' (projected)' : ''} at ${times(best.total.ltv[String(best.total.payback?.day)]?.ltvToCac)} LTV:CAC` : ''}.`}
          </p>
        ) : null}
        <section className="card" data-table="economics">
          <header className="card-head">
            <div>
              <h2>{label}s by payback</h2>
              <p className="muted small">Margin LTV: revenue less product, fulfilment, fees and payouts, per customer, by days after the first sale. * projected, ~ not final. All amounts in {cur}.</p>
            </div>
            <button type="button" className="btn btn-ghost btn-sm" data-export="economics" disabled={!body || body.sources.length === 0} onClick={exportCsv}>Export CSV</button>
          </header>
          {body && body.sources.length === 0 ? <p className="empty">No customers acquired in this range.</p> : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={`${label}s by payback`}>
              <table>
                <thead>
                  <tr>
                    <th>#</th><th>{label}</th><th>Payback</th><th className="num">LTV:CAC</th><th className="num">CAC</th><th className="num">Customers</th><th className="num">Spend</th>
                    {shown.map((h) => <th key={h} className="num">LTV {h}d</th>)}
                    {(body?.roasHorizons ?? []).map((h) => <th key={h} className="num">ROAS {h}d</th>)}
                  </tr>
                </thead>
                <tbody>
                  {body?.sources.map((s) => (
                    <Fragment key={s.group}>
                      <tr className="source-row clickable" data-source={s.group} data-rank={s.rank} onClick={() => toggle(s.group)}>
                        <td>{s.rank}</td>
                        <td>
                          <strong>{s.name ?? s.id ?? '(none)'}</strong>{s.name && s.id && s.name !== s.id ? <span className="muted small"> #{s.id}</span> : null}{' '}
                          <button type="button" className="btn btn-ghost btn-sm" aria-expanded={open.has(s.group)} data-expand={s.group} onClick={(e) => { e.stopPropagation(); toggle(s.group); }}>
                            {open.has(s.group) ? '▾' : '▸'} {s.cohorts.length} cohort{s.cohorts.length === 1 ? '' : 's'}
                          </button>
                        </td>
                        {cells(s.total)}
                      </tr>
                      {open.has(s.group) ? s.cohorts.map((c) => (
                        <tr key={`${s.group}|${c.cohort}`} className="cohort-row" data-source={s.group} data-cohort={c.cohort ?? ''}>
                          <td />
                          <td className="muted">{c.cohort}</td>
                          {cells(c)}
                        </tr>
                      )) : null}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
