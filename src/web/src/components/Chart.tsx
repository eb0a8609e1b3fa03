/** A uPlot line chart that fills its container's width and redraws on resize. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: number[];
}

/** Lines over a numeric or categorical x axis (labels by index). */
export function LineChart(props: { x: number[]; xLabels?: string[]; series: Series[]; height?: number; yFormat?: (v: number) => string; xTime?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: props.height ?? 260,
      scales: { x: { time: props.xTime ?? false } },
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      axes: [
        {
          stroke: '#64748b',
          grid: { stroke: '#eef2f7' },
          ticks: { stroke: '#e2e8f0' },
          // Categorical x (periods, horizons): ticks on whole indexes only, thinned to about 8 labels.
          ...(props.xLabels
            ? {
                splits: () => {
                  const step = Math.max(1, Math.ceil(props.x.length / 8));
                  return props.x.filter((_, i) => i % step === 0);
                },
                values: (_u: uPlot, vals: number[]) => vals.map((v) => props.xLabels?.[Math.round(v)] ?? ''),
              }
            : {}),
        },
        {
          stroke: '#64748b',
          grid: { stroke: '#eef2f7' },
          ticks: { stroke: '#e2e8f0' },
          // Wide enough for the longest tick label (a currency's symbol may be long: "MX$1.3K", "CLP 25K").
          size: (_u: uPlot, vals: string[] | null) => Math.max(48, Math.max(0, ...(vals ?? []).map((v) => String(v).length)) * 7 + 18),
          values: (_u: uPlot, vals: number[]) => vals.map((v) => (props.yFormat ? props.yFormat(v) : String(v))),
        },
      ],
      series: [
        props.xLabels ? { label: 'x', value: (_u: uPlot, v: number) => props.xLabels?.[Math.round(v)] ?? '' } : { label: 'x' },
        ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, points: { show: props.x.length < 40 }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : props.yFormat ? props.yFormat(v) : String(v)) })),
      ],
    };
    const plot = new uPlot(opts, [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: props.height ?? 260 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [props.x, props.xLabels, props.series, props.height, props.yFormat, props.xTime]);
  return <div className="chart" ref={box} />;
}
