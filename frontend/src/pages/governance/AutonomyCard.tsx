// Agent autonomy in a project: the mode and bounds policy sets, unattended plans in the last
// hour against their cap, and pause / resume for approvers.

import { useState } from 'react';
import { useMutation, type OperationResult } from 'urql';
import { PAUSE_AUTONOMY, RESUME_AUTONOMY } from '../../api/documents';
import type { AutonomyInput } from '../../api/generated/graphql';
import type { AutonomyStatus } from '../../api/types';
import { Badge } from '../../components/Badge';
import { Gauge } from '../../components/Gauge';
import { ProblemNote } from '../../components/ProblemNote';
import { formatTime, humanize } from '../../lib/format';
import { useAction } from '../../hooks/useAction';

interface Props {
  org: string;
  project: string;
  autonomy: AutonomyStatus;
  canPause: boolean;
  onChanged: () => void;
}

export function AutonomyCard({ org, project, autonomy: a, canPause, onChanged }: Props) {
  const [reason, setReason] = useState('');
  const [, pause] = useMutation(PAUSE_AUTONOMY);
  const [, resume] = useMutation(RESUME_AUTONOMY);
  const action = useAction();
  const run = async (call: (variables: { input: AutonomyInput }) => Promise<OperationResult>) => {
    if (await action.run(() => call({ input: { org, project, reason } }))) {
      setReason('');
      onChanged();
    }
  };
  return (
    <section className="card" aria-labelledby="autonomy-title" data-testid="autonomy">
      <div className="card-header">
        <h2 id="autonomy-title" className="card-title">
          Agent autonomy
        </h2>
        {a.paused ? <Badge tone="warn">paused</Badge> : <Badge tone={a.mode === 'OFF' ? 'neutral' : 'info'}>{humanize(a.mode)}</Badge>}
      </div>
      {!a.configured ? (
        <p className="muted">No policy sets autonomy here: unattended plans are decided like any other.</p>
      ) : (
        <dl className="facts">
          <div>
            <dt>Mode</dt>
            <dd>{humanize(a.mode)}</dd>
          </div>
          <div>
            <dt>Max risk</dt>
            <dd>{a.maxRisk ? humanize(a.maxRisk) : '—'}</dd>
          </div>
          <div>
            <dt>Max cost per plan</dt>
            <dd>{a.maxCostPerPlan ?? '—'}</dd>
          </div>
        </dl>
      )}
      {a.maxPlansPerHour !== null ? (
        <Gauge label="Unattended plans in the last hour" used={a.unattendedPlansLastHour} limit={a.maxPlansPerHour} />
      ) : (
        <p className="muted small">{a.unattendedPlansLastHour} unattended plan(s) in the last hour.</p>
      )}
      {a.paused && (
        <p className="notice tone-warn">
          Paused by {a.pausedBy ?? 'someone'}
          {a.pausedAt && <> on {formatTime(a.pausedAt)}</>}
          {a.pauseReason && <>: {a.pauseReason}</>}. Unattended plans wait for a person.
        </p>
      )}
      {canPause && (
        <div className="inline-form">
          <div className="field">
            <label htmlFor="autonomy-reason">Reason (optional)</label>
            <input id="autonomy-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          {a.paused ? (
            <button type="button" className="btn" disabled={action.busy} onClick={() => void run(resume)}>
              Resume autonomy
            </button>
          ) : (
            <button type="button" className="btn" disabled={action.busy} onClick={() => void run(pause)}>
              Pause autonomy
            </button>
          )}
        </div>
      )}
      <ProblemNote problem={action.problem} />
    </section>
  );
}
