// The approvals inbox: plans of the org waiting for a stage this viewer can approve now, each
// with its one-line summary and Approve / Reject right under it (in reach on a phone), then its
// stages and its checks folded away; then the access requests (time-boxed role grants) this
// viewer can decide. It is read again after audit entries of plans, roles, grants, groups and
// policy (once per burst; a hidden tab when it is shown again).

import { Link, useParams } from 'react-router';
import { useMutation, useQuery, type OperationResult } from 'urql';
import { APPROVAL_REQUESTS, APPROVE_ROLE_GRANT, REJECT_ROLE_GRANT } from '../api/documents';
import type { RoleGrant } from '../api/types';
import { ApprovalStages } from '../components/ApprovalStages';
import { PlanControls } from '../components/PlanControls';
import { PlanPreviewCard } from '../components/PlanPreviewCard';
import { Loading, ProblemNote } from '../components/ProblemNote';
import { Time } from '../components/Time';
import { useAction } from '../hooks/useAction';
import { useRefreshOnActivity } from '../hooks/useActivityRefresh';
import { actorChain } from '../lib/format';
import { accessRequests } from '../lib/inbox';
import { INBOX_EVENTS } from '../lib/refresh';

export function ApprovalsPage() {
  const { org = '' } = useParams();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: APPROVAL_REQUESTS,
    variables: { org },
    requestPolicy: 'cache-and-network',
  });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  useRefreshOnActivity(INBOX_EVENTS, reload);
  const requests = data?.approvalRequests ?? [];
  const access = accessRequests(data?.org.roleGrants ?? []);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Approvals</h1>
          <p className="muted">
            Plans waiting for a stage you can approve now, and requests for temporary access you can decide. Approving a plan signs the plan
            hash shown.
          </p>
        </div>
      </div>
      <ProblemNote error={error} />
      {!data && fetching && <Loading what="approval requests" />}
      {data && requests.length === 0 && access.length === 0 && (
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
                  onDone={reload}
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
      {access.length > 0 && (
        <section aria-labelledby="access-requests">
          <h2 id="access-requests">Access requests</h2>
          <ul className="plain inbox">
            {access.map((g) => (
              <li key={g.id}>
                <AccessRequest grant={g} onDone={reload} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** A request for temporary access, with Approve and Reject at the top. */
function AccessRequest({ grant: g, onDone }: { grant: RoleGrant; onDone: () => void }) {
  const [, approve] = useMutation(APPROVE_ROLE_GRANT);
  const [, reject] = useMutation(REJECT_ROLE_GRANT);
  const action = useAction();
  const decide = (call: (variables: { id: string }) => Promise<OperationResult>) => void action.run(() => call({ id: g.id })).then((ok) => ok && onDone());
  const hours = (Date.parse(g.validUntil) - Date.parse(g.validFrom)) / 3600_000;
  const length = hours >= 1 ? `${Number(hours.toFixed(1))} hour${hours === 1 ? '' : 's'}` : `${Math.round(hours * 60)} minutes`;
  return (
    <article className="card" data-testid={`access-request-${g.id}`}>
      <p className="card-title">
        {g.subject} asks to be {g.role} in {g.scope === 'ORG' ? 'the whole organization' : `the project ${g.project}`} for {length}
      </p>
      <div className="row">
        <button type="button" className="btn" disabled={action.busy} onClick={() => decide(approve)}>
          Approve
        </button>
        <button type="button" className="btn btn-danger" disabled={action.busy} onClick={() => decide(reject)}>
          Reject
        </button>
      </div>
      <p className="muted">
        “{g.reason}” · asked by {g.requestedBy} <Time iso={g.createdAt} relative /> · starts when approved
        {Date.parse(g.validFrom) > Date.now() && (
          <>
            {' '}
            or at <Time iso={g.validFrom} />, whichever is later
          </>
        )}
      </p>
      <ProblemNote problem={action.problem} />
    </article>
  );
}
