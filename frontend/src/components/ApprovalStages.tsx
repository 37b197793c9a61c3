// The approval stages of a proposed plan: who may approve each, how many approvals it needs,
// which decisions were given, and which stage is waiting now.

import type { ApprovalStageStatus, PlanStatus } from '../api/types';
import { formatTime } from '../lib/format';
import { Badge } from './Badge';

export function ApprovalStages({ stages, status }: { stages: ApprovalStageStatus[]; status: PlanStatus }) {
  if (stages.length === 0) return <p className="muted">This plan needs no approval.</p>;
  const current = stages.find((s) => !s.satisfied)?.index;
  return (
    <ol className="stages approval-stages">
      {stages.map((s) => {
        const given = s.approvals.filter((a) => a.decision === 'APPROVE').length;
        const waiting = status === 'PENDING_APPROVAL' && s.index === current;
        return (
          <li key={s.index} className={waiting ? 'stage-current' : undefined} data-testid={`stage-${s.index}`}>
            <div className="row">
              <strong>{s.name}</strong>
              <span className="muted">
                {given} of {s.count} from {s.groups.join(' or ')}
              </span>
              {s.satisfied ? (
                <Badge tone="ok">satisfied</Badge>
              ) : waiting ? (
                <Badge tone="warn">waiting</Badge>
              ) : (
                <Badge tone="neutral">not yet</Badge>
              )}
            </div>
            {s.approvals.length > 0 && (
              <ul className="plain">
                {s.approvals.map((a, i) => (
                  <li key={`${a.approver}-${i}`}>
                    {a.decision === 'APPROVE' ? 'Approved' : 'Rejected'} by <strong>{a.approver}</strong>{' '}
                    <span className="muted">{formatTime(a.createdAt)}</span>
                    {a.comment && <q className="comment">{a.comment}</q>}
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
