// Proposed policy changes: where the policy in force asks for a second person
// (`spec.policyChanges.requireApproval`), a change applied or rolled back in the organization or
// this project waits here until someone else with policy.write approves it (then it is stored as
// new versions) or rejects it; its proposer may withdraw it instead. Nothing is shown when
// nothing waits.

import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { APPROVE_POLICY_PROPOSAL, POLICY_PROPOSALS, REJECT_POLICY_PROPOSAL } from '../../api/documents';
import { problemOf, type Problem } from '../../api/errors';
import type { PolicyProposal } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import { Time } from '../../components/Time';
import { UnifiedDiff } from '../../components/UnifiedDiff';
import { actorChain, policyScope } from '../../lib/format';

interface Props {
  org: string;
  project: string;
  /** The signed-in person's id: their own proposals offer Withdraw instead of Reject. */
  viewerId: string;
  /** Changes when proposals may have changed (a proposal made here, policy activity). */
  refreshKey?: number;
  /** A proposal was approved: new versions are in force. */
  onDecided?: () => void;
}

export function ProposalsPanel({ org, project, viewerId, refreshKey = 0, onDecided }: Props) {
  const [{ data, error }, refetch] = useQuery({ query: POLICY_PROPOSALS, variables: { org }, requestPolicy: 'cache-and-network' });
  const [done, setDone] = useState<string | null>(null);
  // The first key is what the query above reads; later ones ask again.
  const [seenKey, setSeenKey] = useState(refreshKey);
  useEffect(() => {
    if (refreshKey === seenKey) return;
    setSeenKey(refreshKey);
    refetch({ requestPolicy: 'network-only' });
  }, [refreshKey, seenKey, refetch]);
  // The list holds the whole organization's; this page shows the org's and this project's.
  const pending = (data?.org.policyProposals ?? []).filter((p) => p.status === 'PENDING' && (p.scope === 'ORG' || p.project === project));
  if (error) return <ProblemNote error={error} title="Cannot read proposed changes" />;
  if (pending.length === 0 && !done) return null;
  const decided = (message: string, applied: boolean) => {
    setDone(message);
    refetch({ requestPolicy: 'network-only' });
    if (applied) onDecided?.();
  };
  return (
    <section className="card" aria-labelledby="proposals-title" data-testid="policy-proposals">
      <h2 id="proposals-title" className="card-title">
        Proposed changes
      </h2>
      {done && (
        <p className="notice tone-ok" role="status">
          {done}
        </p>
      )}
      {pending.length > 0 && (
        <p className="muted small">Nothing here is in force until someone other than its proposer, with policy.write, approves it.</p>
      )}
      <ol className="plain versions">
        {pending.map((p) => (
          <Proposal key={p.id} proposal={p} own={p.proposedBy[0]?.id === viewerId} onDecided={decided} />
        ))}
      </ol>
    </section>
  );
}

function Proposal({ proposal: p, own, onDecided }: { proposal: PolicyProposal; own: boolean; onDecided: (message: string, applied: boolean) => void }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [approveState, approve] = useMutation(APPROVE_POLICY_PROPOSAL);
  const [rejectState, reject] = useMutation(REJECT_POLICY_PROPOSAL);
  const busy = approveState.fetching || rejectState.fetching;
  const scope = policyScope(p);
  const doApprove = async () => {
    setProblem(null);
    const res = await approve({ id: p.id, comment: '' });
    if (res.error) setProblem(problemOf(res.error));
    else if (res.data) {
      const made = res.data.approvePolicyProposal.versions;
      onDecided(made.length === 0 ? 'Approved: nothing changed, no new version.' : `Approved: ${made.map((v) => `${policyScope(v)}@${v.version}`).join(', ')} now in force.`, true);
    }
  };
  const doReject = async (comment: string) => {
    setProblem(null);
    const res = await reject({ id: p.id, comment });
    if (res.error) setProblem(problemOf(res.error));
    else if (res.data) onDecided(own ? `Withdrawn: the proposed change to ${scope} policy.` : `Rejected: the proposed change to ${scope} policy.`, false);
  };
  return (
    <li className="version" data-testid={`policy-proposal-${p.id}`}>
      <div className="row">
        <Badge tone="warn">{scope}</Badge>
        <strong>{p.comment || 'no comment'}</strong>
        <span className="muted">
          proposed by {actorChain(p.proposedBy)} · <Time iso={p.createdAt} />
        </span>
      </div>
      <details open>
        <summary>Changes against the version in force</summary>
        <UnifiedDiff diff={p.diff} label={`Proposed change to ${scope}`} />
      </details>
      <div className="row">
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy || !p.viewerCanApprove}
          title={p.viewerCanApprove ? undefined : (p.viewerCannotApproveReason ?? undefined)}
          onClick={() => void doApprove()}
        >
          Approve
        </button>
        {own ? (
          <ConfirmButton
            disabled={busy}
            title="Withdraw this proposed change?"
            consequence={<p>The change is dropped: it will not be applied, and nobody can approve it any more. The policy in force stays as it is.</p>}
            confirmLabel="Withdraw"
            reason={{ label: 'Why' }}
            onConfirm={(reason) => void doReject(reason)}
          >
            Withdraw
          </ConfirmButton>
        ) : (
          <ConfirmButton
            className="btn btn-danger"
            disabled={busy}
            title="Reject this proposed change?"
            consequence={<p>The change is not applied, and nobody can approve it any more. Its proposer sees your reason.</p>}
            confirmLabel="Reject change"
            reason={{ label: 'Why', required: true }}
            onConfirm={(reason) => void doReject(reason)}
          >
            Reject
          </ConfirmButton>
        )}
      </div>
      {!p.viewerCanApprove && p.viewerCannotApproveReason && <p className="muted small">{p.viewerCannotApproveReason}</p>}
      <ProblemNote problem={problem} title="Not done" />
    </li>
  );
}
