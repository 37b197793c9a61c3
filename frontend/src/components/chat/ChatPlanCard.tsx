// A plan proposed in a conversation: its one-line summary, then the frozen preview (steps, every
// check with its verdict and reason, cost, risk, predicted state diff) folded away, its status and
// step progress as the session's events report them (with the plan page's countdown while a
// `delay` step waits), the approval stages, and Approve / Reject / Run / Cancel for this viewer
// (the plan's rights, and whether its waiting stage is theirs to approve now).

import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { CHAT_PLAN } from '../../api/documents';
import type { ChatPlanView } from '../../lib/chat';
import { actorChain, humanize, shortHash } from '../../lib/format';
import { isTerminal } from '../../lib/plans';
import { ApprovalStages } from '../ApprovalStages';
import { PlanControls } from '../PlanControls';
import { PlanPreviewCard, Ticks } from '../PlanPreviewCard';
import { ProblemNote } from '../ProblemNote';
import { StepProgressList } from '../StepProgressList';

interface Props {
  plan: ChatPlanView;
  org: string;
  project: string;
}

const REFRESH_MS = 150;

export function ChatPlanCard({ plan, org, project }: Props) {
  const [{ data, error }, refetch] = useQuery({
    query: CHAT_PLAN,
    variables: { id: plan.planId },
    requestPolicy: 'cache-and-network',
  });
  // New events about the plan: fetch its stages and rights again, once per burst.
  const seen = useRef(plan.lastSeq);
  useEffect(() => {
    if (plan.lastSeq === seen.current) return;
    seen.current = plan.lastSeq;
    const t = setTimeout(() => refetch({ requestPolicy: 'network-only' }), REFRESH_MS);
    return () => clearTimeout(t);
  }, [plan.lastSeq, refetch]);

  const rights = data?.plan;
  const status = plan.status;
  const title = rights?.title || plan.steps.map((s) => s.action).join(', ') || plan.planId;
  const showProgress = plan.progress.length > 0 || status === 'QUEUED' || status === 'RUNNING' || isTerminal(status);
  const stages = rights?.approvalStages ?? [];

  const footer = (
    <div className="stack">
      <div className="row chat-plan-status" data-testid="chat-plan-status">
        <span className="muted small">
          {humanize(status)} · proposed by {actorChain(plan.proposer)} · <code title={plan.planId}>{shortHash(plan.planId, 16)}</code>
        </span>
        <Link className="small" to={`/orgs/${org}/projects/${project}/plans/${plan.planId}`}>
          Open plan page
        </Link>
      </div>
      {stages.length > 0 && (
        <section aria-label="Approval stages">
          <h4 className="section-title">Approvals</h4>
          <ApprovalStages stages={stages} status={status} />
        </section>
      )}
      {showProgress && (
        <section aria-label="Progress">
          <h4 className="section-title">Progress</h4>
          <StepProgressList steps={plan.steps} progress={plan.progress} finished={isTerminal(status)} waitingUntil={plan.waitingUntil} />
          {plan.finished?.detail && <p className="muted small">{plan.finished.detail}</p>}
        </section>
      )}
      {rights && status === 'PENDING_APPROVAL' && !rights.viewerCanApproveNow.can && rights.viewerCanApproveNow.reason && (
        <p className="muted small" data-testid="cannot-approve">
          You cannot approve it now: <Ticks text={rights.viewerCanApproveNow.reason} />.
        </p>
      )}
      <ProblemNote error={error} title="Cannot load your rights on this plan" />
    </div>
  );
  const controls = rights && !isTerminal(status) && (
    <PlanControls
      planId={plan.planId}
      planHash={plan.planHash || rights.planHash}
      status={status}
      eligibleToApprove={rights.viewerCanApproveNow.can}
      canReject={rights.canReject}
      canExecute={rights.canExecute}
      canCancel={rights.canCancel}
      onDone={() => refetch({ requestPolicy: 'network-only' })}
    />
  );

  return (
    <div className="chat-plan" data-testid="chat-plan" data-plan-id={plan.planId} data-status={status}>
      {plan.preview ? (
        <PlanPreviewCard
          title={title}
          preview={plan.preview}
          steps={plan.steps}
          planHash={plan.planHash}
          status={status}
          stages={rights?.approvalStages ?? null}
          level={3}
          actions={controls || undefined}
        >
          {footer}
        </PlanPreviewCard>
      ) : (
        <section className="card" aria-label={`Plan ${title}`}>
          {controls}
          {footer}
        </section>
      )}
    </div>
  );
}
