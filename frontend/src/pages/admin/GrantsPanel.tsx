// Time-boxed access: role grants that end by themselves. Admins grant them to anyone; anyone
// may ask for one for themselves. Policy may require a second person's approval, so a grant
// can be pending; admins approve, reject or revoke.

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, type OperationResult } from 'urql';
import { APPROVE_ROLE_GRANT, GRANT_TEMPORARY_ROLE, REJECT_ROLE_GRANT, REVOKE_ROLE_GRANT, ROLE_GRANTS } from '../../api/documents';
import type { GrantStatus, RoleGrant } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { formatTime, humanize, relativeTime } from '../../lib/format';
import type { Tone } from '../../lib/plans';
import type { AdminData } from './AdminPage';
import { ROLES } from './RolesPanel';

const TONE: Record<GrantStatus, Tone> = { PENDING: 'warn', SCHEDULED: 'info', ACTIVE: 'ok', EXPIRED: 'neutral', REJECTED: 'bad', REVOKED: 'bad' };
const HOURS = [1, 2, 4, 8];

export function GrantsPanel({ org, viewerEmail }: { org: AdminData; viewerEmail: string | null }) {
  const [showClosed, setShowClosed] = useState(false);
  const [{ data, error }, refetch] = useQuery({
    query: ROLE_GRANTS,
    variables: { org: org.slug, open: !showClosed },
    requestPolicy: 'cache-and-network',
  });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('operator');
  const [scope, setScope] = useState(org.projects.nodes[0]?.slug ?? '');
  const [hours, setHours] = useState(2);
  const [reason, setReason] = useState('');
  const [created, setCreated] = useState<RoleGrant | null>(null);
  const [, grant] = useMutation(GRANT_TEMPORARY_ROLE);
  const [, approve] = useMutation(APPROVE_ROLE_GRANT);
  const [, reject] = useMutation(REJECT_ROLE_GRANT);
  const [, revoke] = useMutation(REVOKE_ROLE_GRANT);
  const action = useAction();
  // Without role.bind one may only ask for oneself.
  const who = org.roleBind ? email.trim() : (viewerEmail ?? '');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const until = new Date(Date.now() + hours * 3600_000).toISOString();
    const done = await action.run(() =>
      grant({ input: { org: org.slug, role, subject: { userEmail: who }, project: scope || null, until, reason: reason.trim() } }),
    );
    if (done) {
      setCreated(done.grantTemporaryRole);
      setReason('');
      reload();
    }
  };
  const decide = (call: (variables: { id: string }) => Promise<OperationResult>, id: string) => void action.run(() => call({ id })).then((ok) => ok && reload());
  const grants = data?.org.roleGrants ?? [];

  return (
    <section className="card" id="grants" aria-labelledby="grants-title">
      <div className="card-header">
        <h2 id="grants-title" className="card-title">
          Temporary access
        </h2>
        <label className="check">
          <input type="checkbox" checked={showClosed} onChange={(e) => setShowClosed(e.target.checked)} /> Show ended grants too
        </label>
      </div>
      <ProblemNote error={error} />
      {grants.length === 0 && <p className="muted">No {showClosed ? '' : 'open '}grants.</p>}
      {grants.length > 0 && (
        <div className="table-scroll">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Role</th>
                <th scope="col">Scope</th>
                <th scope="col">Valid</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                {org.roleBind && <th scope="col">Decide</th>}
              </tr>
            </thead>
            <tbody>
              {grants.map((g) => (
                <tr key={g.id} data-testid={`grant-${g.id}`}>
                  <td>
                    {g.subject} <div className="muted small">asked by {g.requestedBy}</div>
                  </td>
                  <td>{g.role}</td>
                  <td>{g.scope === 'ORG' ? 'whole organization' : g.project}</td>
                  <td className="small">
                    {formatTime(g.validFrom)} → {formatTime(g.validUntil)}
                    <div className="muted">ends {relativeTime(g.validUntil)}</div>
                  </td>
                  <td>
                    <Badge tone={TONE[g.status]}>{humanize(g.status)}</Badge>
                    {g.decidedBy && <div className="muted small">by {g.decidedBy}</div>}
                  </td>
                  <td>{g.reason}</td>
                  {org.roleBind && (
                    <td>
                      <div className="row">
                        {g.status === 'PENDING' && !g.viewerCanDecide && <span className="muted small">another administrator decides</span>}
                        {g.status === 'PENDING' && g.viewerCanDecide && (
                          <>
                            <button type="button" className="btn" onClick={() => decide(approve, g.id)}>
                              Approve
                            </button>
                            <button type="button" className="btn btn-danger" onClick={() => decide(reject, g.id)}>
                              Reject
                            </button>
                          </>
                        )}
                        {(g.status === 'ACTIVE' || g.status === 'SCHEDULED') && (
                          <ConfirmButton
                            className="btn btn-danger"
                            title={`Revoke ${g.role} from ${g.subject}?`}
                            consequence={
                              <p>
                                {g.subject} loses the role {g.role} now instead of at the end of its window; the grant shows as revoked. Asking again
                                starts a new request.
                              </p>
                            }
                            confirmLabel="Revoke grant"
                            onConfirm={() => decide(revoke, g.id)}
                          >
                            Revoke
                          </ConfirmButton>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        {org.roleBind ? (
          <div className="field">
            <label htmlFor="grant-email">User e-mail</label>
            <input id="grant-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
        ) : (
          <p className="muted small">You may ask for temporary access for yourself ({viewerEmail}); an administrator decides.</p>
        )}
        <div className="field">
          <label htmlFor="grant-role">Role</label>
          <select id="grant-role" value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="grant-scope">Scope</label>
          <select id="grant-scope" value={scope} onChange={(e) => setScope(e.target.value)}>
            <option value="">Whole organization</option>
            {org.projects.nodes.map((p) => (
              <option key={p.slug} value={p.slug}>
                Project {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="grant-hours">For</label>
          <select id="grant-hours" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {HOURS.map((h) => (
              <option key={h} value={h}>
                {h} hour{h === 1 ? '' : 's'}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="grant-reason">Reason</label>
          <input id="grant-reason" required value={reason} onChange={(e) => setReason(e.target.value)} placeholder="on call for INC-123" />
        </div>
        <button type="submit" className="btn" disabled={action.busy || !who}>
          {org.roleBind ? 'Grant' : 'Ask for access'}
        </button>
      </form>
      {created && (
        <p className="muted small" role="status">
          {created.subject} {created.status === 'PENDING' ? 'waits for a second person to approve' : `is ${humanize(created.status)}`}: {created.role} until{' '}
          {formatTime(created.validUntil)}.
        </p>
      )}
      <ProblemNote problem={action.problem} />
    </section>
  );
}
