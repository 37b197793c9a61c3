// The day's forecast of the project's budget and of the organization's (when it has a limit):
// what will have been spent and held by the reset against the limit, when it runs out if it
// does (in the viewer's time), how the forecast was made and how far to trust it, and a chart
// of spent so far and the forecast line to the reset with the limit marked.

import { lazy, Suspense, useId } from 'react';
import type { BudgetForecast } from '../../api/types';
import { beforeReset, confidenceText, forecastSummary, methodText, outcomeOf, projectedText, type Outcome } from '../../lib/budgets';
import { relativeTime } from '../../lib/format';
import { Time } from '../../components/Time';

// The chart library loads with the first chart, not with the app.
const ForecastChart = lazy(() => import('./BudgetCharts').then((m) => ({ default: m.ForecastChart })));

interface Props {
  projectName: string;
  project: BudgetForecast;
  org: BudgetForecast;
}

export function BudgetForecastCard({ projectName, project, org }: Props) {
  return (
    <section className="card" aria-labelledby="forecast-title" data-testid="budget-forecast">
      <h2 id="forecast-title" className="card-title">
        Today's forecast
      </h2>
      <p className="muted small">Spent and held by the time the budget's day turns over, projected from today so far and past days.</p>
      <ForecastOf title={`Project ${projectName}`} testId="forecast-project" f={project} />
      {org.budget.limit !== null && <ForecastOf title="Organization" testId="forecast-org" f={org} />}
    </section>
  );
}

function ForecastOf({ title, testId, f }: { title: string; testId: string; f: BudgetForecast }) {
  const id = useId();
  const outcome = outcomeOf(f);
  return (
    <section className="forecast" aria-labelledby={id} data-testid={testId}>
      <h3 id={id} className="section-title">
        {title}
      </h3>
      <OutcomeNote outcome={outcome} f={f} testId={`${testId}-outcome`} />
      <dl className="facts">
        <div>
          <dt>By the reset</dt>
          <dd data-testid={`${testId}-projected`}>{projectedText(f)}</dd>
        </div>
        <div>
          <dt>Confidence</dt>
          <dd data-testid={`${testId}-confidence`}>{confidenceText(f)}</dd>
        </div>
      </dl>
      <p className="small" data-testid={`${testId}-method`}>
        <span className="muted">Method:</span> {methodText(f.method, f.historyDays)}.
      </p>
      <ForecastChartFigure f={f} outcome={outcome} testId={`${testId}-chart`} />
    </section>
  );
}


function OutcomeNote({ outcome, f, testId }: { outcome: Outcome; f: BudgetForecast; testId: string }) {
  const reset = (
    <>
      the reset <Time iso={f.budget.resetsAt} /> ({relativeTime(f.budget.resetsAt)})
    </>
  );
  switch (outcome.kind) {
    case 'used-up':
      return (
        <p className="notice tone-bad" data-testid={testId}>
          <strong>Used up:</strong> spent and held reach the limit of {f.budget.limit} {f.budget.unit}; plans that would spend more are refused until {reset}.
        </p>
      );
    case 'runs-out':
      return (
        <p className="notice tone-warn" data-testid={testId}>
          <strong>Runs out at <Time iso={outcome.at} /></strong> ({relativeTime(outcome.at)}), {beforeReset(outcome.secondsBefore)}, if spending goes on as
          forecast.
        </p>
      );
    case 'lasts':
      return (
        <p className="muted" data-testid={testId}>
          Does not run out before {reset}.
        </p>
      );
    case 'no-limit':
      return (
        <p className="muted" data-testid={testId}>
          No limit of its own to run out of; the day resets at <Time iso={f.budget.resetsAt} />.
        </p>
      );
  }
}

function ForecastChartFigure({ f, outcome, testId }: { f: BudgetForecast; outcome: Outcome; testId: string }) {
  const now = Date.now();
  return (
    <div className="chart-body" role="img" aria-label={forecastSummary(f, outcome, now)} data-testid={testId}>
      <Suspense fallback={<div style={{ height: 190 }} />}>
        <ForecastChart f={f} now={now} />
      </Suspense>
    </div>
  );
}
