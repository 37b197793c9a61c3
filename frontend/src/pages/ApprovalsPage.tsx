// The approvals inbox: plans of the org waiting for a stage this viewer can approve now, each
// with its one-line summary and Approve / Reject right under it (in reach on a phone), then its
// stages and its checks folded away. It refreshes with the org's activity.

import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { APPROVAL_REQUESTS } from '../api/documents';
import { ApprovalStages } from '../components/ApprovalStages';
import { PlanControls } from '../components/PlanControls';
import { PlanPreviewCard } from '../components/PlanPreviewCard';
import { Loading, ProblemNote } from '../components/ProblemNote';
import { Time } from '../components/Time';
import { actorChain } from '../lib/format';
import { useWorkspace } from '../session';

export function ApprovalsPage() {
  const { org = '' } = useParams();
  const { activity } = useWorkspace();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: APPROVAL_REQUESTS,
    variables: { org },
    requestPolicy: 'cache-and-network',
  });
  useEffect(() => {
    if (activity > 0) refetch({ requestPolicy: 'network-only' });
  }, [activity, refetch]);
  const requests = data?.approvalRequests ?? [];
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Approvals</h1>
          <p className="muted">Plans waiting for a stage you can approve now. Approving signs the plan hash shown.</p>
        </div>
      </div>
      <ProblemNote error={error} />
      {!data && fetching && <Loading what="approval requests" />}
      {data && requests.length === 0 && (
        <p className="card placeholder" data-testid="inbox-empty">
          Nothing is waiting for you.
        </p>
      )}
      <ul className="plain inbox">
        {requests.map((p) => (
          <li key={p.id} data-testid={`request-${p.id}`}>
            <PlanPreviewCard
              title={p.title}
              preview={p.preview}
              steps={p.steps}
              planHash={p.planHash}
              status={p.status}
              stages={p.approvalStages}
              actions={
                <PlanControls
                  planId={p.id}
                  planHash={p.planHash}
                  status={p.status}
                  eligibleToApprove
                  canReject={p.canReject}
                  canExecute={false}
                  canCancel={false}
                  onDone={() => refetch({ requestPolicy: 'network-only' })}
                />
              }
            >
              <p className="muted">
                <Link to={`/orgs/${org}/projects/${p.project.slug}/plans/${p.id}`}>Open plan</Link> · project {p.project.name} · proposed by{' '}
                {actorChain(p.proposer)} <Time iso={p.createdAt} relative />
                {p.expiresAt && (
                  <>
                    {' '}
                    · expires <Time iso={p.expiresAt} />
                  </>
                )}
              </p>
              <ApprovalStages stages={p.approvalStages} status={p.status} />
            </PlanPreviewCard>
          </li>
        ))}
      </ul>
    </div>
  );
}
