// The daily limit Praetor recommends for a project from its spending, with the evidence: each
// past day's spend as bars against the 95th percentile, the recommendation and the current
// limit; the figures it came from and why. Those with `policy.write` in the project apply it
// (an optional comment, then a confirmation) as a new version of the project's policy; the
// value sent is the one they confirmed, so a recommendation that changed meanwhile is refused
// with CONFLICT rather than applied unseen.

import { lazy, Suspense, useId, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { APPLY_BUDGET_RECOMMENDATION, BUDGET_RECOMMENDATION } from '../../api/documents';
import type { BudgetRecommendation } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Loading, ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { headroomText, recommendationSummary } from '../../lib/budgets';
import { policyScope } from '../../lib/format';
import { roundSpend } from '../../lib/rollups';

// The chart library loads with the first chart, not with the app.
const DailySpendChart = lazy(() => import('./BudgetCharts').then((m) => ({ default: m.DailySpendChart })));

interface Props {
  org: string;
  project: string;
  projectName: string;
  /** Called after the recommendation was applied: the project's budget changed. */
  onChanged: () => void;
}

export function BudgetRecommendationCard({ org, project, projectName, onChanged }: Props) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: BUDGET_RECOMMENDATION, variables: { org, project }, requestPolicy: 'cache-and-network' });
  const r = data?.project.budgetRecommendation;
  // Kept here, not in the form: once applied, the limit is the recommendation and the form goes.
  const [done, setDone] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="recommendation-title" data-testid="budget-recommendation">
      <h2 id="recommendation-title" className="card-title">
        Recommended daily limit
      </h2>
      {!r ? (
        error ? (
          <ProblemNote error={error} />
        ) : (
          fetching && <Loading what="the recommendation" />
        )
      ) : r.recommended === null ? (
        <p className="muted" data-testid="recommendation-reason">
          No recommendation: {r.reason}.
        </p>
      ) : (
        <>
          <Evidence r={r} recommended={r.recommended} />
          {r.budget.limit === r.recommended ? (
            <p className="muted small" data-testid="recommendation-in-force">
              The project's daily limit already is the recommendation.
            </p>
          ) : (
            data.org.canApply && (
              <ApplyControl
                org={org}
                project={project}
                projectName={projectName}
                recommended={r.recommended}
                r={r}
                onStart={() => setDone(null)}
                onApplied={(message) => {
                  setDone(message);
                  refetch({ requestPolicy: 'network-only' });
                  onChanged();
                }}
              />
            )
          )}
        </>
      )}
      {done && (
        <p className="muted small" role="status" data-testid="recommendation-applied">
          {done}
        </p>
      )}
    </section>
  );
}

function Evidence({ r, recommended }: { r: BudgetRecommendation; recommended: number }) {
  const { unit, limit, policy } = r.budget;
  return (
    <>
      <p className="recommendation-figure" data-testid="recommendation-value">
        <strong>
          {recommended} {unit} a day
        </strong>{' '}
        <span className="muted">
          (now: {limit === null ? 'no limit of its own' : `${limit} ${unit}${policy ? `, set by ${policy}` : ''}`})
        </span>
      </p>
      <p className="small" data-testid="recommendation-reason">
        <span className="muted">Why:</span> {r.reason}.
      </p>
      <dl className="facts" data-testid="recommendation-figures">
        <div>
          <dt>Median day (p50)</dt>
          <dd>{roundSpend(r.p50)}</dd>
        </div>
        <div>
          <dt>95th percentile (p95)</dt>
          <dd>{roundSpend(r.p95)}</dd>
        </div>
        <div>
          <dt>Largest day</dt>
          <dd>{roundSpend(r.max)}</dd>
        </div>
        <div>
          <dt>Over</dt>
          <dd>{r.historyDays} days</dd>
        </div>
        <div>
          <dt>Headroom</dt>
          <dd>{headroomText(r.headroom)}</dd>
        </div>
        {r.orgLimit !== null && (
          <div>
            <dt>Organization's limit</dt>
            <dd>{r.orgLimit}</dd>
          </div>
        )}
      </dl>
      <DailyChart r={r} recommended={recommended} />
    </>
  );
}

function DailyChart({ r, recommended }: { r: BudgetRecommendation; recommended: number }) {
  return (
    <figure className="chart" aria-labelledby="recommendation-chart-caption">
      <figcaption id="recommendation-chart-caption" className="muted small">
        Each past day's spend in {r.budget.unit}, oldest first; dashed lines: the 95th percentile, the recommendation
        {r.budget.limit !== null && ' and the current limit'}.
      </figcaption>
      <div className="chart-body" role="img" aria-label={recommendationSummary(r)} data-testid="recommendation-chart">
        <Suspense fallback={<div style={{ height: 220 }} />}>
          <DailySpendChart r={r} recommended={recommended} />
        </Suspense>
      </div>
    </figure>
  );
}

interface ApplyProps {
  org: string;
  project: string;
  projectName: string;
  recommended: number;
  r: BudgetRecommendation;
  onStart: () => void;
  onApplied: (message: string) => void;
}

function ApplyControl({ org, project, projectName, recommended, r, onStart, onApplied }: ApplyProps) {
  const id = useId();
  const [comment, setComment] = useState('');
  // The value shown when "Apply…" was pressed: the one confirmed and sent, even if a later
  // answer shows another (the server then refuses with CONFLICT).
  const [confirming, setConfirming] = useState<number | null>(null);
  const [, apply] = useMutation(APPLY_BUDGET_RECOMMENDATION);
  const action = useAction();
  const { unit, limit } = r.budget;
  const submit = async (daily: number) => {
    setConfirming(null);
    const res = await action.run(() => apply({ input: { org, project, daily, comment: comment.trim() } }));
    if (res?.applyBudgetRecommendation.pendingProposal) {
      // The organization's policy asks a second person to approve policy changes.
      setComment('');
      onApplied(
        `Proposed: the daily limit of ${projectName} becomes ${daily} ${unit} once someone else with policy.write ` +
          'approves it (the Policy page lists it under “Proposed changes”).',
      );
    } else if (res) {
      const versions = res.applyBudgetRecommendation.versions.map((v) => `${policyScope(v)}@${v.version}`);
      const warnings = res.applyBudgetRecommendation.warnings.length;
      setComment('');
      onApplied(
        `Applied: the daily limit of ${projectName} is now ${daily} ${unit}` +
          (versions.length > 0 ? ` (policy version ${versions.join(', ')})` : ' (nothing changed: no new version)') +
          (warnings > 0 ? `, with ${warnings} warning(s) from verification.` : '.'),
      );
    }
  };
  return (
    <div className="recommendation-apply">
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`${id}-comment`}>Comment (optional)</label>
          <input id={`${id}-comment`} value={comment} onChange={(e) => setComment(e.target.value)} placeholder="kept in the policy version" />
        </div>
        <button
          type="button"
          className="btn"
          disabled={action.busy || confirming !== null}
          onClick={() => {
            onStart();
            action.clear();
            setConfirming(recommended);
          }}
        >
          Apply…
        </button>
      </div>
      {confirming !== null && (
        <ConfirmDialog
          title={`Set the daily limit of ${projectName} to ${confirming} ${unit}?`}
          consequence={
            <p>
              {limit === null ? 'It has no limit of its own now. ' : `It is ${limit} ${unit} now. `}
              The new limit is stored as a new version of the project's policy, in the generated document <code>budget-recommendation.yaml</code>;
              plans that would take the day's spend over it are refused.
            </p>
          }
          confirmLabel={`Set ${confirming} ${unit} a day`}
          onConfirm={() => void submit(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
      <ProblemNote problem={action.problem} />
    </div>
  );
}
