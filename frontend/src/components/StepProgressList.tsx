// Live step progress of a plan: each step's status, attempts, output or error, and a countdown
// while a `delay` step waits. Once the plan has ended, a step it never reached reads "not run",
// not "pending". The list is a polite live region so screen readers hear steps finish.

import type { PlanStep } from '../api/types';
import { humanize } from '../lib/format';
import { stepTone, type StepRow } from '../lib/plans';
import { Badge } from './Badge';
import { Countdown } from './Time';
import { JsonInline } from './JsonView';

interface Props {
  steps: PlanStep[];
  progress: StepRow[];
  /** The plan has ended: nothing still pending will run. */
  finished?: boolean;
  /** Until when each waiting step waits (from its StepWaiting event). */
  waitingUntil?: Map<string, string>;
}

export function StepProgressList({ steps, progress, finished = false, waitingUntil }: Props) {
  const byId = new Map(progress.map((p) => [p.id, p]));
  return (
    <ol className="progress-list" aria-live="polite" aria-label="Step progress">
      {steps.map((s, i) => {
        const p = byId.get(s.id);
        const status = p?.status ?? 'PENDING';
        return (
          <li key={s.id} className={`progress-item status-${status.toLowerCase()}`} data-testid={`progress-${s.id}`}>
            <span className={`progress-dot tone-${stepTone(status)}`} aria-hidden="true" />
            <span className="step-index">{i + 1}</span>
            <code>{s.action}</code>
            <span className="muted">{s.id}</span>
            <Badge tone={stepTone(status)}>{finished && status === 'PENDING' ? 'not run' : humanize(status)}</Badge>
            {status === 'WAITING' && !finished && waitingUntil?.get(s.id) && <Countdown until={waitingUntil.get(s.id)!} />}
            {p && p.attempts > 1 && <span className="muted">{p.attempts} attempts</span>}
            {p?.error && <span className="error-text">{p.error}</span>}
            {p?.output !== undefined && p?.output !== null && (
              <span className="progress-output">
                <span className="muted">output </span>
                <JsonInline value={p.output} max={100} />
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}
