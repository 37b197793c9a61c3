// Limits of a project as they stand now: kill switches (and controls for those allowed),
// today's budgets of the project and the org as gauges with the day's forecast, the daily limit
// recommended from past spending (applied by those who may write policy), rate limits with
// their current use, execution windows open or closed, and agent autonomy (pause and resume).

import { useParams } from 'react-router';
import { GOVERNANCE } from '../../api/documents';
import type { Budget, RateLimitStatus } from '../../api/types';
import { Badge } from '../../components/Badge';
import { Gauge } from '../../components/Gauge';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { WeekChart } from '../../components/WeekChart';
import { formatTime, humanize, relativeTime } from '../../lib/format';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { LIMITS_EVENTS } from '../../lib/refresh';
import { useSession } from '../../session';
import { AutonomyCard } from './AutonomyCard';
import { BudgetForecastCard } from './BudgetForecastCard';
import { BudgetRecommendationCard } from './BudgetRecommendationCard';
import { KillSwitchCard } from './KillSwitchCard';
import { SpendChart } from './SpendChart';

/** Rate-limit windows slide: look again this often even when nothing happens in the org. */
const REFRESH_MS = 15_000;

export function GovernancePage() {
  const { org = '', project = '' } = useParams();
  const { viewer } = useSession();
  const { data, error, fetching, reload } = useLiveQuery(GOVERNANCE, { org, project }, REFRESH_MS, LIMITS_EVENTS);

  if (!data) return error ? <ProblemNote error={error} /> : fetching ? <Loading what="limits" /> : null;
  const p = data.project;
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Limits</h1>
          <p className="muted">
            What governance allows in <strong>{p.name}</strong> right now: kill switches, today's budget, rate limits, execution windows and
            agent autonomy.
          </p>
        </div>
      </div>
      <KillSwitchCard org={org} project={p.slug} data={data} instanceAdmin={viewer.instanceAdmin} onChanged={reload} />
      <div className="columns">
        <div className="column">
          <section className="card" aria-labelledby="budget-title">
            <h2 id="budget-title" className="card-title">
              Today's budget
            </h2>
            <BudgetGauge label={`Project ${p.name}`} budget={p.budget} />
            <BudgetGauge label="Organization (caps all projects)" budget={data.org.budget} />
            <SpendChart org={org} orgLimit={data.org.budget.limit} unit={data.org.budget.unit} />
          </section>
          <AutonomyCard org={org} project={p.slug} autonomy={p.autonomy} canPause={data.org.canPause} onChanged={reload} />
        </div>
        <div className="column">
          <BudgetForecastCard projectName={p.name} project={p.budgetForecast} org={data.org.budgetForecast} />
          <RateLimits limits={p.rateLimits} />
        </div>
      </div>
      <BudgetRecommendationCard org={org} project={p.slug} projectName={p.name} onChanged={reload} />
      <section className="card" aria-labelledby="windows-title">
        <h2 id="windows-title" className="card-title">
          Execution windows
        </h2>
        {p.windows.length === 0 ? (
          <p className="muted">No execution windows: actions may run at any time.</p>
        ) : (
          <WeekChart windows={p.windows} describeNext={(iso) => `${relativeTime(iso)} (${formatTime(iso)})`} />
        )}
      </section>
    </div>
  );
}

function BudgetGauge({ label, budget: b }: { label: string; budget: Budget }) {
  const caption = (
    <>
      Day {b.day} ({b.timezone}), resets {relativeTime(b.resetsAt)}
      {b.policy && <> · set by {b.policy}</>}
    </>
  );
  if (b.limit === null) {
    return (
      <div className="gauge" data-testid="budget-unlimited">
        <div className="gauge-head">
          <span className="gauge-label">{label}</span>
          <span className="gauge-value">
            {b.spent} {b.unit} spent{b.reserved > 0 && `, ${b.reserved} held`} · no limit of its own
          </span>
        </div>
        <div className="gauge-caption">{caption}</div>
      </div>
    );
  }
  return (
    <Gauge label={label} used={b.spent} held={b.reserved} limit={b.limit} unit={b.unit} alertAt={b.alertAt}>
      {b.remaining !== null && (
        <strong>
          {Math.round(b.remaining * 100) / 100} {b.unit} left
        </strong>
      )}{' '}
      · {caption}
    </Gauge>
  );
}

function RateLimits({ limits }: { limits: RateLimitStatus[] }) {
  return (
    <section className="card" aria-labelledby="rates-title">
      <h2 id="rates-title" className="card-title">
        Rate limits
      </h2>
      {limits.length === 0 && <p className="muted">No rate limits apply in this project.</p>}
      <ul className="plain rate-list">
        {limits.map((l) => (
          <li key={l.name} data-testid={`rate-${l.name}`}>
            <div className="row">
              <strong>{l.name}</strong>
              <Badge tone="neutral">per {humanize(l.scope)}</Badge>
              <code className="small">{l.actions.join(', ')}</code>
            </div>
            {l.perMinute !== null && (
              <>
                <Gauge label="Proposals in the last minute" used={l.proposalsLastMinute} limit={l.perMinute} />
                <Gauge label="Executions in the last minute" used={l.executionsLastMinute} limit={l.perMinute} />
              </>
            )}
            {l.perHour !== null && (
              <>
                <Gauge label="Proposals in the last hour" used={l.proposalsLastHour} limit={l.perHour} />
                <Gauge label="Executions in the last hour" used={l.executionsLastHour} limit={l.perHour} />
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
