/**
 * Forecast (docs/forecasts.md): per group, the sBG retention fit of its subscriptions and each monthly
 * cohort's LTV projected at 6, 12 and 24 months, and the BG/NBD + Gamma-Gamma forecast of its one-time
 * buyers (net value per customer by cohort), from GET /api/reports/forecast (the same body as `konduit
 * report forecast --format json`). A selector shows one group or all of them. Projected values are drawn apart everywhere: dashed lines over a hatched interval band in the
 * charts (the legend's marker of a projected series is dashed), "*" and a hatched, italic cell in the
 * tables, a Projected column in the CSV export.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ForecastGroupJson, ForecastJson } from '../../../report/json';
import { getReport, qs } from '../api';
import { DataTable, type Cell } from '../components/DataTable';
import { count, money, moneyTick, pct } from '../format';

const PALETTE = ['#4f46e5', '#0891b2', '#059669', '#ca8a04', '#ea580c', '#e11d48', '#9333ea', '#475569'];
/** The dash of a projected line. */
const PROJECTED_DASH = [6, 4];

/** A diagonal hatch in `color`, for the projected part of an interval band. */
function hatch(color: string): CanvasPattern | string {
  const c = document.createElement('canvas');
  c.width = 8;
  c.height = 8;
  const g = c.getContext('2d');
  if (!g) return `${color}22`;
  g.strokeStyle = `${color}55`;
  g.lineWidth = 1.5;
  g.beginPath();
  g.moveTo(0, 8);
  g.lineTo(8, 0);
  g.stroke();
  return g.createPattern(c, 'repeat') ?? `${color}22`;
}

interface PlotSeries {
  label: string;
  color: string;
  values: (number | null)[];
  projected?: boolean;
  /** A bound of an interval: a thin line, filled towards its partner `band`. */
  bound?: boolean;
}

/**
 * Lines over a numeric x axis; each pair in `bands` (indexes into `series`, upper first) is filled, hatched
 * when the upper bound is projected. The container lists the series and how each is drawn
 * (data-series), so a reader without the canvas (and the browser test) can tell projected from observed.
 */
function ForecastChart(props: { id: string; x: number[]; xLabel: (v: number) => string; series: PlotSeries[]; bands: [number, number][]; yFormat: (v: number) => string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 280,
      scales: { x: { time: false } },
      // A projected series' legend marker is dashed like its line.
      legend: { show: true, markers: { dash: (u: uPlot, i: number) => (u.series[i]?.dash ? 'dashed' : 'solid') } },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, values: (_u: uPlot, vals: number[]) => vals.map(props.xLabel) },
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, size: 64, values: (_u: uPlot, vals: number[]) => vals.map(props.yFormat) },
      ],
      series: [
        { label: 'x', value: (_u: uPlot, v: number | null) => (v === null ? '–' : props.xLabel(v)) },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.bound ? `${s.color}88` : s.color,
          width: s.bound ? 1 : 2,
          dash: s.projected ? PROJECTED_DASH : undefined,
          points: { show: !s.bound && props.x.length < 40 },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : props.yFormat(v)),
        })),
      ],
      bands: props.bands.map(([hi, lo]) => ({ series: [hi + 1, lo + 1] as [number, number], fill: props.series[hi]?.projected ? hatch(props.series[hi]?.color ?? '#4f46e5') : `${props.series[hi]?.color ?? '#4f46e5'}22` })),
    };
    const plot = new uPlot(opts, [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 280 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [props.x, props.series, props.bands, props.xLabel, props.yFormat]);
  const banded = new Map(props.bands.flatMap(([hi, lo]) => [[hi, props.series[hi]?.projected ? 'hatched' : 'solid'], [lo, props.series[hi]?.projected ? 'hatched' : 'solid']] as const));
  const described = JSON.stringify(props.series.map((s, i) => ({ label: s.label, projected: s.projected === true, dash: s.projected ? PROJECTED_DASH : null, bound: s.bound === true, band: banded.get(i) ?? null })));
  return <div className="chart" ref={box} data-chart={props.id} data-series={described} />;
}

/** The x positions where `projected` starts, so a projected line begins at the last observed point. */
function split<T>(points: T[], projected: (p: T) => boolean, value: (p: T) => number | null): { observed: (number | null)[]; future: (number | null)[] } {
  const first = points.findIndex(projected);
  return {
    observed: points.map((p, i) => (first >= 0 && i >= first ? null : value(p))),
    future: points.map((p, i) => (first >= 0 && i >= first - 1 ? value(p) : null)),
  };
}

function groupTitle(g: ForecastGroupJson): string {
  if (g.group === null) return 'All customers';
  if (g.rest !== undefined) return g.name ?? g.group;
  return g.name && g.name !== g.id ? `${g.name} (${g.group})` : g.group;
}

/** The survival curve of one group: observed (Kaplan-Meier), fitted, projected (dashed), and its interval band. */
function SurvivalChart(props: { g: ForecastGroupJson }) {
  const { g } = props;
  const chart = useMemo(() => {
    const pts = g.survival;
    const fitted = split(pts, (s) => s.projected, (s) => s.fitted * 100);
    const hi = split(pts, (s) => s.projected, (s) => s.interval[1] * 100);
    const lo = split(pts, (s) => s.projected, (s) => s.interval[0] * 100);
    const series: PlotSeries[] = [
      { label: 'Observed', color: '#0f172a', values: pts.map((s) => (s.observed === null ? null : s.observed * 100)) },
      { label: 'Fitted', color: '#4f46e5', values: fitted.observed },
      { label: 'Projected', color: '#4f46e5', values: fitted.future, projected: true },
      { label: '95% upper', color: '#4f46e5', values: hi.observed, bound: true },
      { label: '95% lower', color: '#4f46e5', values: lo.observed, bound: true },
      { label: '95% upper (projected)', color: '#4f46e5', values: hi.future, bound: true, projected: true },
      { label: '95% lower (projected)', color: '#4f46e5', values: lo.future, bound: true, projected: true },
    ];
    return { x: pts.map((s) => s.cycle), series, bands: [[3, 4], [5, 6]] as [number, number][] };
  }, [g]);
  return <ForecastChart id="survival" x={chart.x} xLabel={(v) => `Cycle ${v}`} series={chart.series} bands={chart.bands} yFormat={(v) => `${v.toFixed(0)}%`} />;
}

/** A cohort's value per customer at each horizon, observed or projected with its interval. */
interface LtvCohort {
  cohort: string;
  ltv: { value: string | null; projected: boolean; interval: [string, string] | null }[];
}

/** LTV per customer by months since acquisition: each cohort's observed points, then its projection (dashed). */
function LtvChart(props: { id: string; cohorts: LtvCohort[]; horizons: number[]; currency: string }) {
  const { cohorts, horizons, currency } = props;
  const chart = useMemo(() => {
    // The most recent cohorts with something projected, at most six.
    const shown = cohorts.filter((c) => c.ltv.some((l) => l.projected && l.value !== null)).slice(-6);
    const series: PlotSeries[] = [];
    const bands: [number, number][] = [];
    shown.forEach((c, i) => {
      const color = PALETTE[i % PALETTE.length] ?? '#4f46e5';
      const v = split(c.ltv, (l) => l.projected, (l) => (l.value === null ? null : Number(l.value)));
      series.push({ label: c.cohort, color, values: v.observed }, { label: `${c.cohort} projected`, color, values: v.future, projected: true });
      const first = c.ltv.findIndex((l) => l.projected);
      const bound = (k: 0 | 1) => c.ltv.map((l, j) => (j < first - 1 ? null : l.interval ? Number(l.interval[k]) : l.value === null ? null : Number(l.value)));
      series.push({ label: `${c.cohort} upper`, color, values: bound(1), bound: true, projected: true }, { label: `${c.cohort} lower`, color, values: bound(0), bound: true, projected: true });
      bands.push([series.length - 2, series.length - 1]);
    });
 return { x: horizons, series, bands };
  }, [cohorts, horizons]);
  if (chart.series.length === 0) return <p className="empty">Every cohort's horizons have passed: nothing to project.</p>;
  return <ForecastChart id={props.id} x={chart.x} xLabel={(v) => `${v} mo`} series={chart.series} bands={chart.bands} yFormat={(v) => moneyTick(v, currency, { compact: false, step: 1 })} />;
}

/** The selector's value that shows every group. */
const ALL = '__all__';

/** A group's one-time buyers: the fits in words, and each cohort's net value per customer, projected dashed and hatched. */
function OneTime(props: { o: NonNullable<ForecastGroupJson['oneTime']>; horizons: number[]; currency: string }) {
  const { o, horizons, currency } = props;
  const f = o.fit;
  return (
    <div data-onetime="">
      <h3 className="small">One-time buyers: net value per customer by cohort</h3>
      <p className="muted small">
        {`${count(o.customers)} customers who never subscribed, ${count(o.repeatBuyers)} bought again (${count(o.repeatPurchases)} repeat purchases). `}
        {f
          ? `BG/NBD (days): r ${f.bgnbd.r.toFixed(3)}, alpha ${f.bgnbd.alpha.toFixed(2)}, a ${f.bgnbd.a.toFixed(3)}, b ${f.bgnbd.b.toFixed(3)}; Gamma-Gamma: mean repeat purchase ${f.meanSpend === null ? 'infinite' : `${money(f.meanSpend, currency)}*`}. ` +
            o.newCustomer.map((c) => `${c.months} mo: ${c.purchases.toFixed(2)}* repeat purchases per new customer`).join(', ') + '.'
          : o.error}
      </p>
      {o.warnings.map((w) => (
        <div className="alert" key={w}>{w}</div>
      ))}
      {f ? <LtvChart id="onetime-ltv" cohorts={o.cohorts} horizons={horizons} currency={currency} /> : null}
    </div>
  );
}

/** The forecast page's content under the reports' toolbar. */
export function Forecast(props: { base: { from: string; to: string; tz: string; filter: string[]; currency?: string }; groupBy: string }) {
  const params = { ...props.base, groupBy: props.groupBy || undefined };
  const key = qs(params);
  const [state, setState] = useState<{ data: ForecastJson | null; error: string | null; loadedKey: string | null }>({ data: null, error: null, loadedKey: null });
  // The group shown: its id ('' for the whole store), or ALL.
  const [chosen, setChosen] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    getReport('forecast', params)
      .then((data) => live && setState({ data, error: null, loadedKey: key }))
      .catch((e: Error) => live && setState({ data: null, error: e.message, loadedKey: key }));
    return () => {
      live = false;
    };
    // `key` stands for `params`.
  }, [key]);
  const d = state.data;
  const ready = state.loadedKey === key;
  const groups = d?.groups ?? [];
  const ids = groups.map((g) => g.group ?? '');
  const shown = chosen !== null && (chosen === ALL || ids.includes(chosen)) ? chosen : (ids[0] ?? '');
  const visible = shown === ALL ? groups : groups.filter((g) => (g.group ?? '') === shown);
  const cur = d?.currency ?? 'USD';
  const star = (text: string, projected: boolean) => (projected ? `${text}*` : text);
  const ltvCell = (l: ForecastJson['groups'][number]['cohorts'][number]['ltv'][number]): Cell => ({
    view: l.value === null ? '–' : star(money(l.value, cur), l.projected),
    csv: l.value ?? '',
    className: l.projected ? 'projected' : undefined,
    title: l.projected ? `Projected: ${money(l.observed, cur)} observed so far + expected rebills; 95% interval ${l.interval ? `${money(l.interval[0], cur)}–${money(l.interval[1], cur)}` : 'unknown'}` : 'Observed: the horizon has passed for every customer',
  });
  const oneTimeCell = (l: NonNullable<ForecastGroupJson['oneTime']>['cohorts'][number]['ltv'][number]): Cell => ({
    view: l.value === null ? '–' : star(money(l.value, cur), l.projected),
    csv: l.value ?? '',
    // A group without a fit has no value to mark: its cell is a dash.
    className: l.projected && l.value !== null ? 'projected' : undefined,
    title: l.value === null ? 'No forecast for this group (see its note above)' : l.projected ? `Projected: ${money(l.observed, cur)} observed so far + expected repeat purchases; 95% interval ${l.interval ? `${money(l.interval[0], cur)}–${money(l.interval[1], cur)}` : 'unknown'}` : 'Observed: the horizon has passed for every customer',
  });
  return (
    <div data-page="forecast" data-ready={ready ? 'true' : 'false'} data-query={state.loadedKey ?? ''} className={ready ? '' : 'loading'}>
      {state.error ? <div className="alert alert-error">{state.error}</div> : null}
      {groups.length > 1 ? (
        <div className="group-picker">
          <label className="inline">
            <span>Show</span>
            <select data-testid="forecast-group" value={shown} onChange={(e) => setChosen(e.target.value)}>
              {groups.map((g) => (
                <option key={g.group ?? ''} value={g.group ?? ''}>{groupTitle(g)}</option>
              ))}
              <option value={ALL}>All {count(groups.length)} groups</option>
            </select>
          </label>
        </div>
      ) : null}
      {visible.map((g) => (
        <section className="card" key={g.group ?? ''} data-group={g.group ?? ''}>
          <header className="card-head">
            <h2>{groupTitle(g)}</h2>
            <span className="muted small">
              {g.fit
                ? `sBG fit on ${count(g.subscriptions)} subscriptions: alpha ${g.fit.alpha.toFixed(3)}, beta ${g.fit.beta.toFixed(3)}, expected paid cycles ${g.fit.expectedPaidCycles.value.toFixed(2)}* (95% ${g.fit.expectedPaidCycles.interval[0].toFixed(2)}–${g.fit.expectedPaidCycles.interval[1].toFixed(2)}). Dashed and hatched: projected.`
                : g.error}
            </span>
          </header>
          {g.models.length > 0 ? (
            <ul className="small models">
              {g.models.map((m) => <li key={m}>{m}</li>)}
            </ul>
          ) : null}
          {g.warnings.map((w) => (
            <div className="alert" key={w}>{w}</div>
          ))}
          {g.subscriptions > 0 ? (
            <>
              <h3 className="small">Survival by billing cycle</h3>
              <SurvivalChart g={g} />
              <h3 className="small">LTV per customer by cohort</h3>
              <LtvChart id="ltv" cohorts={g.cohorts} horizons={d?.horizons ?? []} currency={cur} />
            </>
          ) : null}
          {g.oneTime ? <OneTime o={g.oneTime} horizons={d?.horizons ?? []} currency={cur} /> : null}
        </section>
      ))}
      <DataTable
        id="forecast"
        title="Projected LTV per customer"
        subtitle="* projected: observed net LTV so far plus the expected net revenue of live subscriptions' future rebills (docs/forecasts.md); the interval is a 95% seeded prediction interval (the fit's uncertainty and the cohort's own randomness)."
        filename={`konduit-forecast-${props.base.from}_${props.base.to}.csv`}
        columns={[
          ...(d?.groupBy ? [{ label: 'Group' }] : []),
          { label: 'Cohort' },
          { label: 'Customers', numeric: true },
          { label: 'Subscriptions', numeric: true },
          { label: `Net to date (${cur})`, numeric: true },
          ...(d?.horizons ?? []).flatMap((h) => [{ label: `LTV ${h} mo (${cur})`, numeric: true }, { label: `${h} mo projected`, csvOnly: true }, { label: `${h} mo low`, csvOnly: true }, { label: `${h} mo high`, csvOnly: true }]),
        ]}
        rows={(d?.groups ?? []).flatMap((g) =>
          g.cohorts.map((c) => [
            ...(d?.groupBy ? [{ view: groupTitle(g), csv: g.group ?? '' }] : []),
            { view: c.cohort, csv: c.cohort },
            { view: count(c.customers), csv: String(c.customers) },
            { view: count(c.subscriptions), csv: String(c.subscriptions) },
            { view: money(c.netToDate, cur), csv: c.netToDate },
            ...c.ltv.flatMap((l) => [ltvCell(l), { view: '', csv: String(l.projected) }, { view: '', csv: l.interval?.[0] ?? '' }, { view: '', csv: l.interval?.[1] ?? '' }]),
          ]),
        )}
      />
      <DataTable
        id="forecast-onetime"
        title="One-time buyers: projected net value per customer"
        subtitle="* projected: observed net so far plus the expected net of repeat purchases still to come (BG/NBD + Gamma-Gamma, docs/forecasts.md); the interval is a 95% seeded bootstrap prediction interval."
        filename={`konduit-forecast-onetime-${props.base.from}_${props.base.to}.csv`}
        columns={[
          ...(d?.groupBy ? [{ label: 'Group' }] : []),
          { label: 'Cohort' },
          { label: 'Customers', numeric: true },
          { label: 'Bought again', numeric: true },
          { label: `Net to date (${cur})`, numeric: true },
          ...(d?.horizons ?? []).flatMap((h) => [{ label: `Value ${h} mo (${cur})`, numeric: true }, { label: `${h} mo projected`, csvOnly: true }, { label: `${h} mo low`, csvOnly: true }, { label: `${h} mo high`, csvOnly: true }]),
        ]}
        rows={(d?.groups ?? []).flatMap((g) =>
          (g.oneTime?.cohorts ?? []).map((c) => [
            ...(d?.groupBy ? [{ view: groupTitle(g), csv: g.group ?? '' }] : []),
            { view: c.cohort, csv: c.cohort },
            { view: count(c.customers), csv: String(c.customers) },
            { view: count(c.repeatBuyers), csv: String(c.repeatBuyers) },
            { view: money(c.netToDate, cur), csv: c.netToDate },
            ...c.ltv.flatMap((l) => [oneTimeCell(l), { view: '', csv: String(l.projected) }, { view: '', csv: l.interval?.[0] ?? '' }, { view: '', csv: l.interval?.[1] ?? '' }]),
          ]),
        )}
      />
      <DataTable
        id="forecast-survival"
        title="Survival by billing cycle"
        filename={`konduit-forecast-survival-${props.base.from}_${props.base.to}.csv`}
        columns={[...(d?.groupBy ? [{ label: 'Group' }] : []), { label: 'Cycle', numeric: true }, { label: 'Observed', numeric: true }, { label: 'Fitted', numeric: true }, { label: '95% interval', numeric: true }, { label: 'Projected', csvOnly: true }]}
        rows={(d?.groups ?? []).flatMap((g) =>
          g.survival.map((s) => [
            ...(d?.groupBy ? [{ view: groupTitle(g), csv: g.group ?? '' }] : []),
            { view: star(String(s.cycle), s.projected), csv: String(s.cycle) },
            { view: s.observed === null ? '' : pct(s.observed, 1), csv: s.observed === null ? '' : String(s.observed) },
            { view: star(pct(s.fitted, 1), s.projected), csv: String(s.fitted), className: s.projected ? 'projected' : undefined },
            { view: `${pct(s.interval[0], 1)}–${pct(s.interval[1], 1)}`, csv: `${s.interval[0]}-${s.interval[1]}`, className: s.projected ? 'projected' : undefined },
            { view: '', csv: String(s.projected) },
          ]),
        )}
      />
    </div>
  );
}
