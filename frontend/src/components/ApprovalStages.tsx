// The approval stages of a proposed plan: who may approve each, how many approvals it needs,
// which decisions were given, and which stage is waiting now. A finished plan shows what
// happened only: the stage that rejected it or ran out of time, never the stages after it that
// it no longer waits for.

import type { ApprovalStageStatus, PlanStatus } from '../api/types';
import { isTerminal, type Tone } from '../lib/plans';
import { Badge } from './Badge';
import { Ticks } from './PlanPreviewCard';
import { Time } from './Time';

export interface StageState {
  stage: ApprovalStageStatus;
  word: string;
  tone: Tone;
}

/** The stages a plan in `status` shows, each with the word and tone of where it stands. */
export function stageStates(stages: ApprovalStageStatus[], status: PlanStatus): StageState[] {
  const current = stages.find((s) => !s.satisfied)?.index;
  const final = isTerminal(status);
  return stages.flatMap<StageState>((stage) => {
    if (stage.satisfied) return [{ stage, word: 'satisfied', tone: 'ok' }];
    if (stage.approvals.some((a) => a.decision === 'REJECT')) return [{ stage, word: 'rejected', tone: 'bad' }];
    if (final) return status === 'EXPIRED' && stage.index === current ? [{ stage, word: 'expired', tone: 'bad' }] : [];
    if (status === 'PENDING_APPROVAL' && stage.index === current) return [{ stage, word: 'waiting', tone: 'warn' }];
    return [{ stage, word: 'not yet', tone: 'neutral' }];
  });
}

export function ApprovalStages({ stages, status }: { stages: ApprovalStageStatus[]; status: PlanStatus }) {
  if (stages.length === 0) return <p className="muted">This plan needs no approval.</p>;
  const shown = stageStates(stages, status);
  if (shown.length === 0) return <p className="muted">No approval was given before the plan ended.</p>;
  return (
    <ol className="stages approval-stages">
      {shown.map(({ stage: s, word, tone }) => {
        const given = s.approvals.filter((a) => a.decision === 'APPROVE').length;
        return (
          <li key={s.index} className={word === 'waiting' ? 'stage-current' : undefined} data-testid={`stage-${s.index}`}>
            <div className="row">
              <strong>{s.name}</strong>
              <span className="muted">
                {given} of {s.count} from {s.groups.join(' or ')}
              </span>
              <Badge tone={tone}>{word}</Badge>
            </div>
            {s.approvals.length > 0 && (
              <ul className="plain">
                {s.approvals.map((a, i) => (
                  <li key={`${a.approver}-${i}`}>
                    {a.decision === 'APPROVE' ? 'Approved' : 'Rejected'} by <strong>{a.approver}</strong> <Time iso={a.createdAt} />
                    {a.comment && (
                      <q className="comment">
                        <Ticks text={a.comment} />
                      </q>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}
