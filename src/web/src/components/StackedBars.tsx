/**
 * Stacked bars over categories (retention's cycles): one bar per category, its parts stacked from the
 * axis up in the order given, each part a count. An SVG drawn in a fixed coordinate box that scales to its
 * container's width. Each part says its figure on hover (its title), and carries it as data-* attributes;
 * screen readers get the caption, and the table beside the chart holds the same figures.
 */
import { niceTicks } from './Chart';

export interface BarPart {
  /** A stable key (the data-part attribute). */
  key: string;
  label: string;
  color: string;
  /** One count per category. */
  values: number[];
}

const W = 720;
const LEFT = 56;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 26;

export function StackedBars(props: { categories: string[]; parts: BarPart[]; caption: string; testId?: string; height?: number }) {
  const H = props.height ?? 260;
  const n = props.categories.length;
  const totals = props.categories.map((_, i) => props.parts.reduce((a, p) => a + (p.values[i] ?? 0), 0));
  const { ticks } = niceTicks(0, Math.max(1, ...totals));
  const top = ticks[ticks.length - 1] ?? 1;
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const y = (v: number) => TOP + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(1, n);
  const barW = Math.max(2, Math.min(48, slot * 0.7));
  // Category labels thinned to about one per 40 units of width, so they never overlap.
  const every = Math.max(1, Math.ceil((n * 40) / plotW));
  return (
    <figure className="bars" data-testid={props.testId}>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={props.caption}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={LEFT} x2={W - RIGHT} y1={y(t)} y2={y(t)} stroke="#eef2f7" />
            <text x={LEFT - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" fontSize={11} fill="#475569">
              {t.toLocaleString('en-US')}
            </text>
          </g>
        ))}
        {props.categories.map((c, i) => {
          const x = LEFT + slot * i + (slot - barW) / 2;
          let base = 0;
          return (
            <g key={c} data-category={c}>
              {props.parts.map((p) => {
                const v = p.values[i] ?? 0;
                const y0 = y(base);
                base += v;
                return v > 0 ? (
                  <rect key={p.key} data-part={p.key} data-value={v} x={x} y={y(base)} width={barW} height={Math.max(0, y0 - y(base))} fill={p.color}>
                    <title>{`${c} · ${p.label}: ${v.toLocaleString('en-US')}`}</title>
                  </rect>
                ) : null;
              })}
              {i % every === 0 ? (
                <text x={x + barW / 2} y={H - 8} textAnchor="middle" fontSize={11} fill="#475569">
                  {c}
                </text>
              ) : null}
            </g>
          );
        })}
        <line x1={LEFT} x2={W - RIGHT} y1={y(0)} y2={y(0)} stroke="#94a3b8" />
      </svg>
      <figcaption className="legend">
        {props.parts.map((p) => (
          <span key={p.key} className="legend-item">
            <span className="swatch" style={{ background: p.color }} aria-hidden="true" />
            {p.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
