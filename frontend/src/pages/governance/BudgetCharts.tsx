// The Limits page's budget charts (recharts, SVG), in a module of their own so the chart library
// loads with the first chart, not with the app (see App.tsx): a budget's day with spent so far
// and the forecast line to the reset against the limit, and a project's past days of spend with
// the 95th percentile, the recommended limit and the current one. The cards around them give
// the text alternative; animations are off, so a screenshot or a test sees the finished drawing.

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { BudgetForecast, BudgetRecommendation } from '../../api/types';
import { dailyBars, dayLabel, forecastSeries } from '../../lib/budgets';
import { formatTime } from '../../lib/format';
import { roundSpend } from '../../lib/rollups';
import { COLOURS, levelLine, useWidth } from '../rollups/RollupCharts';

/** Hours of the viewer's clock. */
const clock = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

export function ForecastChart({ f, now }: { f: BudgetForecast; now: number }) {
  const [ref, width] = useWidth(480);
  const s = forecastSeries(f, now);
  const { limit, unit } = f.budget;
  // Five ticks over the day (every six hours on a day of 24).
  const ticks = [0, 1, 2, 3, 4].map((i) => Math.round(s.start + ((s.end - s.start) * i) / 4));
  return (
    <div ref={ref}>
      <LineChart width={width} height={190} data={s.points} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis type="number" dataKey="at" domain={[s.start, s.end]} ticks={ticks} tickFormatter={clock} />
        <YAxis width={48} allowDecimals />
        <Tooltip labelFormatter={(v) => formatTime(new Date(Number(v)).toISOString())} />
        <Legend />
        <Line name={`Spent and held (${unit})`} dataKey="spent" stroke={COLOURS.spend} strokeWidth={2} isAnimationActive={false} />
        <Line name={`Forecast (${unit})`} dataKey="forecast" stroke={COLOURS.agents} strokeWidth={2} strokeDasharray="5 3" isAnimationActive={false} />
        <ReferenceLine x={s.now} stroke="#5b6675" strokeDasharray="2 2" label={{ value: 'now', position: 'insideTopLeft', fontSize: 12 }} />
        {limit !== null && levelLine(limit, COLOURS.limit, 'limit', 'insideBottomRight', '6 4')}
      </LineChart>
    </div>
  );
}

export function DailySpendChart({ r, recommended }: { r: BudgetRecommendation; recommended: number }) {
  const [ref, width] = useWidth();
  const { unit, limit } = r.budget;
  return (
    <div ref={ref}>
      <BarChart width={width} height={220} data={dailyBars(r)} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={(d: string) => dayLabel(d)} minTickGap={12} />
        <YAxis width={48} allowDecimals />
        <Tooltip labelFormatter={(d) => dayLabel(String(d), true)} />
        <Legend />
        <Bar name={`Spent (${unit})`} dataKey="spent" fill={COLOURS.spend} isAnimationActive={false} />
        {levelLine(roundSpend(r.p95), COLOURS.refusals, 'p95', 'insideBottomLeft', '2 3')}
        {levelLine(recommended, COLOURS.succeeded, 'recommended', 'insideTopLeft', '6 3')}
        {limit !== null && levelLine(limit, COLOURS.limit, 'current limit', 'insideTopRight', '6 4')}
      </BarChart>
    </div>
  );
}
