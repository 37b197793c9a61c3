// The rollups dashboard's charts (recharts, SVG): plans over time, spend (with a project's daily
// budget as a line), refusals by code, approval latency, and who proposes. Each is a figure
// with a caption; series differ in dash or legend as well as colour. Charts get a measured
// width rather than recharts' ResponsiveContainer, so they render where nothing is laid out (a
// first paint, jsdom in the tests) at a fallback width; animations are off, so a screenshot or
// a test sees the finished drawing.

import { useCallback, useEffect, useId, useState, type ReactNode } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { RollupGranularity, RollupPoint } from '../../api/types';
import { formatDuration, refusalsByCode, roundSpend } from '../../lib/rollups';

/** Colours with at least 3:1 contrast on white (the card), apart in hue. */
export const COLOURS = {
  proposed: '#1d4ed8',
  succeeded: '#0d6832',
  failed: '#a3161a',
  spend: '#1a4c8b',
  refusals: '#874600',
  humans: '#1d4ed8',
  agents: '#7c3aed',
  integrations: '#0f766e',
  limit: '#a3161a',
} as const;

const HEIGHT = 240;
/** The width drawn at before the container is measured (or where it measures nothing). */
const FALLBACK_WIDTH = 560;

/**
 * The width of the element the returned ref is put on, followed as it resizes; the fallback
 * while it measures 0 (not laid out yet, or jsdom) or where ResizeObserver is missing.
 */
export function useWidth(fallback = FALLBACK_WIDTH): [(el: HTMLElement | null) => void, number] {
  const [el, setEl] = useState<HTMLElement | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!el) return;
    const measure = () => setWidth(Math.floor(el.getBoundingClientRect().width));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [el]);
  return [useCallback((node: HTMLElement | null) => setEl(node), []), width > 0 ? width : fallback];
}

/** A chart's frame: a figure captioned by its title (and a line of explanation). */
export function ChartFigure({ title, hint, testId, children }: { title: string; hint?: ReactNode; testId: string; children: (width: number) => ReactNode }) {
  const id = useId();
  const [ref, width] = useWidth();
  return (
    <figure className="card chart" aria-labelledby={id} data-testid={testId}>
      <figcaption>
        <h2 id={id} className="card-title">
          {title}
        </h2>
        {hint && <p className="muted small">{hint}</p>}
      </figcaption>
      <div ref={ref} className="chart-body">
        {children(width)}
      </div>
    </figure>
  );
}

/** Axis ticks: hours in the browser's time, days as the UTC days they are. */
export function tickLabel(start: string, granularity: RollupGranularity): string {
  const d = new Date(start);
  return granularity === 'HOUR'
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** A period in a tooltip: the hour with its date, or the UTC day with its year. */
export function periodLabel(start: string, granularity: RollupGranularity): string {
  const d = new Date(start);
  return granularity === 'HOUR'
    ? d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : `${d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' })} (UTC)`;
}

interface SeriesProps {
  points: readonly RollupPoint[];
  granularity: RollupGranularity;
}

interface AxesOptions {
  /** The value axis's title. */
  yLabel?: string;
  /** Values with fractions (spend, minutes) rather than counts. */
  decimals?: boolean;
  /** How a value reads in the tooltip. */
  format?: (value: number) => string;
  /** The series' names in the order drawn, for the legend (recharts sorts it by name). */
  order?: readonly string[];
}

/** What every time chart shares: the axis of periods, a grid, a tooltip and the legend. */
function timeAxes(granularity: RollupGranularity, { yLabel, decimals = false, format, order }: AxesOptions = {}) {
  return [
    <CartesianGrid key="grid" strokeDasharray="3 3" vertical={false} />,
    <XAxis key="x" dataKey="start" tickFormatter={(v: string) => tickLabel(v, granularity)} minTickGap={16} />,
    <YAxis
      key="y"
      allowDecimals={decimals}
      width={56}
      label={yLabel ? { value: yLabel, angle: -90, position: 'insideLeft', style: { textAnchor: 'middle' } } : undefined}
    />,
    <Tooltip
      key="tip"
      labelFormatter={(v) => periodLabel(String(v), granularity)}
      formatter={format ? (v) => (typeof v === 'number' ? format(v) : '—') : undefined}
    />,
    <Legend key="legend" itemSorter={order ? (item) => order.indexOf(String(item.value)) : 'value'} />,
  ];
}

/** Dots on each period while they can be told apart; a long series is a plain line. */
const dotsFor = (points: readonly unknown[]) => points.length <= 31;

export function PlansChart({ points, granularity, title = 'Plans', testId = 'chart-plans' }: SeriesProps & { title?: string; testId?: string }) {
  const dot = dotsFor(points);
  return (
    <ChartFigure title={title} hint="Proposed in each period; succeeded and failed as they finished." testId={testId}>
      {(width) => (
        <LineChart width={width} height={HEIGHT} data={points as RollupPoint[]} title={title}>
          {timeAxes(granularity, { order: ['Proposed', 'Succeeded', 'Failed'] })}
          <Line name="Proposed" dataKey="plansProposed" stroke={COLOURS.proposed} strokeWidth={2} dot={dot} isAnimationActive={false} />
          <Line name="Succeeded" dataKey="plansSucceeded" stroke={COLOURS.succeeded} strokeWidth={2} dot={dot} isAnimationActive={false} />
          <Line
            name="Failed"
            dataKey="plansFailed"
            stroke={COLOURS.failed}
            strokeWidth={2}
            strokeDasharray="5 3"
            dot={dot}
            isAnimationActive={false}
          />
        </LineChart>
      )}
    </ChartFigure>
  );
}

export function SpendChart({ points, granularity, unit, dailyLimit }: SeriesProps & { unit: string; dailyLimit: number | null }) {
  const title = 'Spend';
  // A daily limit against hourly spend would mislead: it is drawn by day only.
  const limit = granularity === 'DAY' ? dailyLimit : null;
  const data = points.map((p) => ({ start: p.start, spend: roundSpend(p.spend) }));
  return (
    <ChartFigure
      title={title}
      hint={
        limit !== null
          ? `In ${unit}. The dashed line is the project’s daily budget (${limit} ${unit}; its days turn over in the budget’s time zone).`
          : `In ${unit}.`
      }
      testId="chart-spend"
    >
      {(width) => (
        <AreaChart width={width} height={HEIGHT} data={data} title={title}>
          {timeAxes(granularity, { decimals: true })}
          <Area name={`Spend (${unit})`} dataKey="spend" stroke={COLOURS.spend} fill={COLOURS.spend} fillOpacity={0.18} strokeWidth={2} isAnimationActive={false} />
          {limit !== null && levelLine(limit, COLOURS.limit, 'daily limit', 'insideTopRight', '6 4')}
        </AreaChart>
      )}
    </ChartFigure>
  );
}

export function RefusalsChart({ points }: { points: readonly RollupPoint[] }) {
  const title = 'Refusals by code';
  const data = refusalsByCode(points);
  return (
    <ChartFigure title={title} hint="Proposals refused or denied in the range, by the code they were refused with." testId="chart-refusals">
      {(width) =>
        data.length === 0 ? (
          <p className="placeholder">No refusals in this range.</p>
        ) : (
          <BarChart width={width} height={Math.max(120, 48 + data.length * 32)} data={data} layout="vertical" title={title}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" allowDecimals={false} />
            <YAxis type="category" dataKey="code" width={Math.min(200, Math.round(width / 3))} tick={{ fontSize: 12 }} />
            <Tooltip />
            <Bar name="Refusals" dataKey="count" fill={COLOURS.refusals} isAnimationActive={false} />
          </BarChart>
        )
      }
    </ChartFigure>
  );
}

export function LatencyChart({ points, granularity }: SeriesProps) {
  const title = 'Approval latency';
  const minutes = (s: number | null | undefined) => (s == null ? null : Math.round((s / 60) * 100) / 100);
  const data = points.map((p) => ({ start: p.start, p50: minutes(p.approvalLatencyP50Seconds), p95: minutes(p.approvalLatencyP95Seconds) }));
  return (
    <ChartFigure
      title={title}
      hint="Minutes from an approval being asked for to its being given, in the periods that had approvals (each value is the upper bound of its histogram bucket)."
      testId="chart-latency"
    >
      {(width) =>
        data.every((d) => d.p50 === null) ? (
          <p className="placeholder">No approvals in this range.</p>
        ) : (
          <LineChart width={width} height={HEIGHT} data={data} title={title}>
            {timeAxes(granularity, { yLabel: 'minutes', decimals: true, format: (m) => formatDuration(m * 60), order: ['p50', 'p95'] })}
            <Line name="p50" dataKey="p50" stroke={COLOURS.proposed} strokeWidth={2} isAnimationActive={false} />
            <Line name="p95" dataKey="p95" stroke={COLOURS.refusals} strokeWidth={2} strokeDasharray="5 3" isAnimationActive={false} />
          </LineChart>
        )
      }
    </ChartFigure>
  );
}

export function OriginsChart({ points, granularity }: SeriesProps) {
  const title = 'Who proposes';
  return (
    <ChartFigure title={title} hint="Plans proposed by people, by agents (for a person or not), and by integrations (service accounts, triggers, schedules)." testId="chart-origins">
      {(width) => (
        <BarChart width={width} height={HEIGHT} data={points as RollupPoint[]} title={title}>
          {timeAxes(granularity, { order: ['People', 'Agents', 'Integrations'] })}
          <Bar name="People" dataKey="byHumans" stackId="origin" fill={COLOURS.humans} isAnimationActive={false} />
          <Bar name="Agents" dataKey="byAgents" stackId="origin" fill={COLOURS.agents} isAnimationActive={false} />
          <Bar name="Integrations" dataKey="byIntegrations" stackId="origin" fill={COLOURS.integrations} isAnimationActive={false} />
        </BarChart>
      )}
    </ChartFigure>
  );
}

type Position = 'insideTopLeft' | 'insideTopRight' | 'insideBottomLeft' | 'insideBottomRight';

/**
 * A dashed level across a chart (a limit, a percentile), labelled `name value`; the axis reaches
 * it even when the data stays far under it. Called as a function: recharts reads its chart's
 * children by type.
 */
export function levelLine(value: number, stroke: string, name: string, position: Position, dash: string) {
  return (
    <ReferenceLine
      y={value}
      stroke={stroke}
      strokeDasharray={dash}
      strokeWidth={2}
      ifOverflow="extendDomain"
      label={{ value: `${name} ${value}`, position, fill: stroke, fontSize: 12 }}
    />
  );
}
