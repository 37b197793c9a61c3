// An organization's rollups (needs `audit.read`): what its activity added up to over a range,
// by hour or UTC day, across its projects or in one. A range picker (presets and custom dates)
// and a project filter, kept in the URL so a view can be linked to; the range's summary; charts
// of plans, spend (with the project's daily budget), refusals by code, approval latency and who
// proposes; each project's total; a CSV of the series shown; and, for instance administrators,
// every organization. The server folds rollups from the audit chain every 15 s: the page asks
// again as often.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ORG_ROLLUPS, ROLLUP_BUDGETS } from '../../api/documents';
import type { RollupPoint } from '../../api/types';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import {
  csvFileName,
  customRange,
  formatDuration,
  isPreset,
  PRESETS,
  presetRange,
  rangeLatency,
  rollupsCsv,
  roundSpend,
  successRate,
  totalsOf,
  utcDate,
  type Preset,
  type Range,
  type Totals,
} from '../../lib/rollups';
import { useSession, useWorkspace } from '../../session';
import { InstanceSection } from './InstanceSection';
import { ProjectTable } from './ProjectTable';
import { LatencyChart, OriginsChart, PlansChart, RefusalsChart, SpendChart } from './RollupCharts';

/** How often the page asks again: the server folds new activity this often. */
export const REFRESH_MS = 15_000;
const DEFAULT_PRESET = '7d' satisfies Preset;

export function RollupsPage() {
  const { org = '' } = useParams();
  const { org: orgInfo } = useWorkspace();
  const { viewer } = useSession();
  const [search, setSearch] = useSearchParams();
  const rangeParam = search.get('range');
  const preset: Preset = isPreset(rangeParam) ? rangeParam : DEFAULT_PRESET;
  const project = search.get('project') ?? '';
  const fromDate = search.get('from') ?? '';
  const toDate = search.get('to') ?? '';

  // `now` moves on with each refresh; a preset's range only changes when a new period begins.
  const [now, setNow] = useState(() => new Date());
  const [tick, setTick] = useState(0);
  const chosen = useMemo(
    () => (preset === 'custom' ? customRange(fromDate, toDate) : presetRange(preset, now)),
    [preset, fromDate, toDate, now],
  );
  const range: Range | null = 'error' in chosen ? null : chosen;

  const [{ data, error, fetching }, refetch] = useQuery({
    query: ORG_ROLLUPS,
    variables: { org, from: range?.from ?? '', to: range?.to ?? '', granularity: range?.granularity ?? 'DAY', project: project || null },
    pause: !range,
    requestPolicy: 'cache-and-network',
  });
  // Budgets only label and mark the charts: without them (or their right) the charts still show.
  const [budgets] = useQuery({ query: ROLLUP_BUDGETS, variables: { org, project, withProject: !!project } });
  const paused = !range;
  const refresh = useCallback(() => {
    setNow(new Date());
    setTick((t) => t + 1);
    if (!paused) refetch({ requestPolicy: 'network-only' });
  }, [paused, refetch]);
  useEffect(() => {
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  // Two changes in a row (a range, then a project) before the page renders again must build on
  // each other: the router's setter reads the parameters of the last render, so the latest are
  // kept here too.
  const latest = useRef(search);
  const rendered = useRef(search);
  if (rendered.current !== search) {
    rendered.current = search;
    latest.current = search;
  }
  const setParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(latest.current);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    latest.current = next;
    setSearch(next, { replace: true });
  };
  const choosePreset = (value: Preset) => {
    if (value !== 'custom') return setParams({ range: value, from: null, to: null });
    // Custom dates start as the range shown: its first and last UTC day.
    const shown = range ?? presetRange(DEFAULT_PRESET, now);
    setParams({ range: value, from: utcDate(shown.from), to: utcDate(Date.parse(shown.to) - 1) });
  };

  const unit = budgets.data?.org.budget.unit ?? 'credits';
  const dailyLimit = project ? (budgets.data?.project?.budget.limit ?? null) : null;
  const points = data?.org.rollups ?? [];
  const totals = useMemo(() => totalsOf(points), [points]);
  const projectName = orgInfo.projects.nodes.find((p) => p.slug === project)?.name ?? project;

  const download = () => {
    if (!range) return;
    const url = URL.createObjectURL(new Blob([rollupsCsv(points)], { type: 'text/csv;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = csvFileName(org, range);
    document.body.append(link);
    link.click();
    link.remove();
    // The download has the file by the time this runs; the URL is not needed after.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Rollups</h1>
          <p className="muted">
            What {project ? <>project <strong>{projectName}</strong></> : <strong>{orgInfo.name}</strong>} added up to, from the audit chain.
            Updated every 15 seconds.
          </p>
        </div>
        <div className="row">
          <button type="button" className="btn btn-ghost" onClick={refresh}>
            Refresh
          </button>
          <button type="button" className="btn" onClick={download} disabled={!data || !range}>
            Export CSV
          </button>
        </div>
      </div>

      <form className="filters card" aria-label="Rollup filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="rollup-range">Range</label>
          <select id="rollup-range" value={preset} onChange={(e) => choosePreset(e.target.value as Preset)}>
            {PRESETS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        {preset === 'custom' && (
          <>
            <div className="field">
              <label htmlFor="rollup-from">From</label>
              <input id="rollup-from" type="date" value={fromDate} aria-describedby="rollup-dates-hint" onChange={(e) => setParams({ from: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor="rollup-to">To</label>
              <input id="rollup-to" type="date" value={toDate} aria-describedby="rollup-dates-hint" onChange={(e) => setParams({ to: e.target.value })} />
            </div>
          </>
        )}
        <div className="field">
          <label htmlFor="rollup-project">Projects</label>
          <select id="rollup-project" value={project} onChange={(e) => setParams({ project: e.target.value })}>
            <option value="">All projects</option>
            {orgInfo.projects.nodes.map((p) => (
              <option key={p.slug} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <p className="muted small range-note" id="rollup-dates-hint" data-testid="rollup-range">
          {range ? describeRange(range) : null}
          {preset === 'custom' && ' Custom dates are UTC days, both included; up to two days are shown by hour.'}
        </p>
        {'error' in chosen && (
          <p className="field-error" role="alert">
            {chosen.error}
          </p>
        )}
      </form>

      {!data && (error ? <ProblemNote error={error} /> : fetching ? <Loading what="rollups" /> : null)}
      {data && error && <ProblemNote error={error} />}
      {data && range && (
        <>
          <Summary totals={totals} points={points} unit={unit} />
          {isQuiet(totals) ? (
            <p className="notice tone-info" role="status" data-testid="rollups-empty">
              No activity in this range yet — rollups are updated every 15 seconds.
            </p>
          ) : (
            <div className="chart-grid">
              <PlansChart points={points} granularity={range.granularity} />
              <SpendChart points={points} granularity={range.granularity} unit={unit} dailyLimit={dailyLimit} />
              <RefusalsChart points={points} />
              <LatencyChart points={points} granularity={range.granularity} />
              <OriginsChart points={points} granularity={range.granularity} />
            </div>
          )}
          <ProjectTable
            rows={data.org.rollupsByProject}
            unit={unit}
            selected={project}
            caption={
              range.granularity === 'HOUR'
                ? 'Every project over the whole UTC days the range touches (totals are kept by day).'
                : 'Every project over the range.'
            }
          />
        </>
      )}
      {range && <InstanceSection range={range} instanceAdmin={viewer.instanceAdmin} refresh={tick} />}
    </div>
  );
}

/** Nothing happened: no counter moved in any period. */
const isQuiet = (t: Totals): boolean => Object.values(t).every((v) => v === 0);

function describeRange(range: Range): string {
  const hourly = range.granularity === 'HOUR';
  const at = (iso: string) =>
    new Date(iso).toLocaleString(undefined, hourly ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
  const last = hourly ? range.to : new Date(Date.parse(range.to) - 1).toISOString();
  return hourly ? `From ${at(range.from)} to ${at(last)}, by hour.` : `From ${at(range.from)} through ${at(last)} (UTC days), by day.`;
}

function Summary({ totals: t, points, unit }: { totals: Totals; points: readonly RollupPoint[]; unit: string }) {
  const rate = successRate(t);
  const latency = rangeLatency(points);
  const ran = t.plansSucceeded + t.plansFailed + t.plansKilled;
  return (
    <dl className="stats" aria-label="Summary of the range">
      <Stat label="Plans proposed" testId="summary-plans" value={t.plansProposed} />
      <Stat
        label="Success rate"
        testId="summary-success"
        value={rate === null ? '—' : `${Math.round(rate * 100)} %`}
        detail={ran === 0 ? 'none finished running' : `${t.plansSucceeded} of ${ran} that ran`}
      />
      <Stat label="Spend" testId="summary-spend" value={`${roundSpend(t.spend)} ${unit}`} />
      <Stat label="Refusals" testId="summary-refusals" value={t.refusals} />
      <Stat
        label="Approvals"
        testId="summary-approvals"
        value={t.approvals}
        detail={
          latency
            ? `${latency.exact ? '' : '≈ '}p50 ${formatDuration(latency.p50)} · p95 ${formatDuration(latency.p95)}`
            : 'no latency to show'
        }
        title={latency && !latency.exact ? 'Estimated from each period’s p50 and p95, weighted by its approvals' : undefined}
      />
      <Stat label="Chat messages" testId="summary-chat" value={t.chatMessages} detail={`${t.chatSessions} session${t.chatSessions === 1 ? '' : 's'}`} />
      <Stat
        label="Kill-switch time"
        testId="summary-kill"
        value={formatDuration(t.killSwitchSeconds)}
        detail={`${t.killSwitchesEngaged} engaged`}
      />
    </dl>
  );
}

function Stat({ label, value, detail, testId, title }: { label: string; value: string | number; detail?: string; testId: string; title?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <dt>{label}</dt>
      <dd className="stat-value">{value}</dd>
      {detail && (
        <dd className="stat-detail muted small" title={title}>
          {detail}
        </dd>
      )}
    </div>
  );
}
