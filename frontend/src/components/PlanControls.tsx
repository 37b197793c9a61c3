// Approve / Reject / Run / Cancel for one plan, shown only when the viewer's rights and the
// plan's status allow them. Approving signs the plan hash the viewer is looking at; rejecting
// asks, in a dialog, for the reason (required: the proposer and the other approvers read it).

import { useId, useState } from 'react';
import { useMutation } from 'urql';
import { APPROVE_PLAN, CANCEL_PLAN, EXECUTE_PLAN, REJECT_PLAN } from '../api/documents';
import { problemOf, type Problem } from '../api/errors';
import { planControls, type PlanRights } from '../lib/plans';
import { ConfirmButton } from './ConfirmDialog';
import { ProblemNote } from './ProblemNote';

interface Props extends PlanRights {
  planId: string;
  planHash: string;
  onDone?: (what: 'approved' | 'rejected' | 'queued' | 'cancelled') => void;
}

export function PlanControls({ planId, planHash, onDone, ...rights }: Props) {
  const id = useId();
  const controls = planControls(rights);
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [approveState, approve] = useMutation(APPROVE_PLAN);
  const [rejectState, reject] = useMutation(REJECT_PLAN);
  const [executeState, execute] = useMutation(EXECUTE_PLAN);
  const [cancelState, cancel] = useMutation(CANCEL_PLAN);
  const busy = approveState.fetching || rejectState.fetching || executeState.fetching || cancelState.fetching;

  if (!controls.approve && !controls.reject && !controls.run && !controls.cancel) return null;

  const run = async (what: 'approved' | 'rejected' | 'queued' | 'cancelled', call: () => Promise<{ error?: Parameters<typeof problemOf>[0] }>) => {
    setProblem(null);
    const res = await call();
    if (res.error) setProblem(problemOf(res.error));
    else {
      setComment('');
      onDone?.(what);
    }
  };

  const decides = controls.approve || controls.reject || controls.cancel;
  return (
    <div className="plan-controls" role="group" aria-label="Plan actions">
      {decides && (
        <div className="field">
          <label htmlFor={`${id}-comment`}>{controls.cancel && !controls.approve && !controls.reject ? 'Reason (optional)' : 'Comment (optional)'}</label>
          <input id={`${id}-comment`} value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} />
        </div>
      )}
      <div className="row">
        {controls.approve && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy}
            onClick={() => void run('approved', () => approve({ input: { planId, planHash, comment } }))}
          >
            Approve
          </button>
        )}
        {controls.reject && (
          <ConfirmButton
            className="btn btn-danger"
            disabled={busy}
            title="Reject this plan?"
            consequence={<p>The plan ends here: it will not run, and no further approval can revive it. The proposer sees your reason.</p>}
            confirmLabel="Reject plan"
            reason={{ label: 'Why', required: true, initial: comment }}
            onConfirm={(reason) => void run('rejected', () => reject({ input: { planId, comment: reason } }))}
          >
            Reject
          </ConfirmButton>
        )}
        {controls.run && (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void run('queued', () => execute({ planId }))}>
            Run
          </button>
        )}
        {controls.cancel && (
          <button
            type="button"
            className="btn btn-ghost"
            disabled={busy}
            onClick={() => void run('cancelled', () => cancel({ input: { planId, reason: comment } }))}
          >
            Cancel plan
          </button>
        )}
      </div>
      <ProblemNote problem={problem} title="Not done" />
    </div>
  );
}
