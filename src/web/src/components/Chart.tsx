/**
 * A uPlot line chart that fills its container's width and is drawn again when that width changes. Its
 * axis labels are HTML laid over the canvas, measured in the page's font: the x labels are thinned until
 * none overlaps (a phone shows fewer dates, never one smeared string), the y labels are in full when
 * they fit ("$1,250") and compact only when the axis has no room for them ("$1.3K"), and the hover
 * readout shows each value exactly. A period still running (or cut by the range) is shaded and labelled.
 * The chart is a picture for the eye: screen readers get its caption, and the table beside it holds the
 * same figures.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  /** The exact text of each value, for the hover readout (money from its decimal string); default: the axis format. */
  text?: (string | null)[];
}

/** How a y tick reads: in full, or compact when the axis has no room for full labels. */
export type TickFormat = (v: number, o: { compact: boolean; step: number }) => string;

/** A shaded stretch at the end (or start) of the x axis: periods the data only partly covers. */
export interface PartialSpan {
  /** Indexes of the partial points. */
  indexes: number[];
  /** What the shading says, e.g. "partial: to date". */
  label: string;
}

const FONT_PX = 12;
/** Space between two x labels, in CSS pixels. */
const X_GAP = 14;

/** "Nice" ticks (1, 2, 2.5, 5 x 10^k steps) covering lo..hi, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; step: number } {
  if (!(hi > lo)) return niceTicks(Number.isFinite(lo) ? lo : 0, (Number.isFinite(lo) ? lo : 0) + 1, count);
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = first; v < hi + step * 0.999; v += step) ticks.push(Math.round(v / step) * step);
  return { ticks, step };
}

let measureCtx: CanvasRenderingContext2D | null = null;
/** The width of `text` in `font`, in CSS pixels. */
function textWidth(text: string, font: string): number {
  measureCtx ??= document.createElement('canvas').getContext('2d');
  if (!measureCtx) return text.length * 7;
  measureCtx.font = font;
  return measureCtx.measureText(text).width;
}

/** Lines over a categorical x axis (labels by index). */
export function LineChart(props: {
  x: number[];
  xLabels: string[];
  series: Series[];
  height?: number;
  yFormat: TickFormat;
  partial?: PartialSpan | null;
  /** What the chart shows and where its figures are in text (screen readers read this, not the picture). */
  caption: string;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  // Layout effects: the width is read and the chart drawn before the browser paints the frame that shows
  // the figures (passive effects would leave a frame or two between the table and its chart).
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el || width === 0) return;
    const height = props.height ?? 260;
    const font = `${FONT_PX}px ${getComputedStyle(el).fontFamily}`;
    const all = props.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
    const { ticks, step } = niceTicks(Math.min(0, ...all), Math.max(0, ...all));
    // Full labels when the axis can give them the room; compact ones otherwise (and when they are distinct).
    const room = Math.max(56, Math.min(120, width * 0.22));
    // Every label is measured once per draw: the widths chosen here are the ones laid out below.
    const full = ticks.map((v) => props.yFormat(v, { compact: false, step }));
    const fullWidth = Math.max(...full.map((t) => textWidth(t, font)));
    const fits = fullWidth + 14 <= room;
    const yLabels = fits ? full : ticks.map((v) => props.yFormat(v, { compact: true, step }));
    const yAxisWidth = Math.ceil(fits ? fullWidth : Math.max(...yLabels.map((t) => textWidth(t, font)))) + 16;
    const n = props.x.length;
    const xWidths = props.xLabels.map((t) => textWidth(t, font));
    const widest = Math.max(0, ...xWidths);
    const blank = (_u: uPlot, vals: number[]) => vals.map(() => '');
    const opts: uPlot.Options = {
      width: Math.max(240, width),
      height,
      scales: { x: { time: false, range: n > 1 ? [0, n - 1] : [-0.5, 0.5] }, y: { range: [ticks[0] ?? 0, ticks[ticks.length - 1] ?? 1] } },
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { stroke: '#475569', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, size: 30, splits: () => props.x, values: blank },
        { stroke: '#475569', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, size: yAxisWidth, splits: () => ticks, values: blank },
      ],
      series: [
        { label: 'Period', value: (_u: uPlot, v: number) => props.xLabels[Math.round(v)] ?? '' },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: n < 40 },
          value: (_u: uPlot, v: number | null, _si: number, i: number | null) => (i !== null && s.text?.[i] != null ? (s.text[i] as string) : v === null ? '–' : props.yFormat(v, { compact: false, step: 0.01 })),
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const wrap = u.root.querySelector('.u-wrap') as HTMLElement | null;
            if (!wrap) return;
            wrap.querySelector('.axis-labels')?.remove();
            const layer = document.createElement('div');
            layer.className = 'axis-labels';
            const left = u.bbox.left / uPlot.pxRatio;
            const top = u.bbox.top / uPlot.pxRatio;
            const plotW = u.bbox.width / uPlot.pxRatio;
            const plotH = u.bbox.height / uPlot.pxRatio;
            // y labels, right-aligned against the plot.
            ticks.forEach((v, i) => {
              const s = document.createElement('span');
              s.className = 'y-label';
              s.textContent = yLabels[i] ?? '';
              s.style.top = `${top + u.valToPos(v, 'y')}px`;
              s.style.right = `${u.width - left + 8}px`;
              layer.appendChild(s);
            });
            // x labels: every `step`-th, so that the widest label and a gap fit between two of them. Each
            // is measured in the labels' font on a canvas, not read back from the page: reading a laid-out
            // width makes the browser lay the whole page out there and then (once per label, it was).
            // The chart's own width is uPlot's (its wrapper is sized to it), for the same reason.
            const fit = Math.max(1, Math.floor(plotW / (widest + X_GAP)));
            const every = Math.max(1, Math.ceil(n / fit));
            let lastRight = -Infinity;
            for (let i = 0; i < n; i += every) {
              const text = props.xLabels[i] ?? '';
              const w = Math.ceil(xWidths[i] ?? 0);
              const centre = left + u.valToPos(i, 'x');
              const l = Math.min(Math.max(centre - w / 2, 0), u.width - w);
              // Clamped at an edge, a label could still reach its neighbour: then it is left out.
              if (l < lastRight + X_GAP / 2) continue;
              const s = document.createElement('span');
              s.className = 'x-label';
              s.textContent = text;
              s.style.left = `${l}px`;
              s.style.top = `${top + plotH + 8}px`;
              layer.appendChild(s);
              lastRight = l + w;
            }
            wrap.appendChild(layer);
            // One shaded band per run of partial periods (the first, cut by the range; the last, still running).
            const runs: number[][] = [];
            for (const i of props.partial?.indexes ?? []) {
              const run = runs[runs.length - 1];
              if (run && run[run.length - 1] === i - 1) run.push(i);
              else runs.push([i]);
            }
            const half = n > 1 ? plotW / (n - 1) / 2 : plotW / 2;
            for (const run of runs) {
              const a = Math.max(0, u.valToPos(run[0]!, 'x') - half);
              const b = Math.min(plotW, u.valToPos(run[run.length - 1]!, 'x') + half);
              const band = document.createElement('div');
              band.className = 'partial-band';
              band.dataset.partial = run.join(',');
              band.style.left = `${left + a}px`;
              band.style.top = `${top}px`;
              band.style.width = `${Math.max(6, b - a)}px`;
              band.style.height = `${plotH}px`;
              band.title = props.partial?.label ?? '';
              layer.appendChild(band);
            }
          },
        ],
      },
    };
    const plot = new uPlot(opts, [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
    return () => plot.destroy();
  }, [width, props.x, props.xLabels, props.series, props.height, props.yFormat, props.partial]);

  return (
    <figure className="chart-figure" data-testid={props.testId}>
      <div className="chart" ref={box} aria-hidden="true" />
      <figcaption className="sr">{props.caption}</figcaption>
    </figure>
  );
}
