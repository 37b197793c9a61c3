// Members and role bindings: who holds which role, org-wide or in one project; bind a role to a
// user (by e-mail), a group or a service account, and remove bindings.

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { BIND_ROLE, UNBIND_ROLE } from '../../api/documents';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import type { AdminData } from './AdminPage';
import { useAction } from '../../hooks/useAction';

export const ROLES = ['org_admin', 'org_member', 'project_admin', 'operator', 'approver', 'viewer'];

type SubjectKind = 'user' | 'group' | 'service_account';

export function RolesPanel({ org, names, onChanged }: { org: AdminData; names: Map<string, string>; onChanged: () => void }) {
  const [role, setRole] = useState('viewer');
  const [kind, setKind] = useState<SubjectKind>('user');
  const [email, setEmail] = useState('');
  const [groupId, setGroupId] = useState(org.groups.nodes[0]?.id ?? '');
  const [saId, setSaId] = useState(org.serviceAccounts.nodes[0]?.id ?? '');
  const [scope, setScope] = useState('');
  const [, bind] = useMutation(BIND_ROLE);
  const [, unbind] = useMutation(UNBIND_ROLE);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const subject = kind === 'user' ? { userEmail: email.trim() } : kind === 'group' ? { groupId } : { serviceAccountId: saId };
    if (await action.run(() => bind({ input: { org: org.slug, role, subject, project: scope || null } }))) {
      setEmail('');
      onChanged();
    }
  };
  const bindings = [...org.roleBindings.nodes].sort((a, b) => a.role.localeCompare(b.role));
  return (
    <section className="card" id="roles" aria-labelledby="roles-title">
      <h2 id="roles-title" className="card-title">
        Members and roles
      </h2>
      <div className="table-scroll">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Role</th>
              <th scope="col">Scope</th>
              {org.roleBind && <th scope="col">Remove</th>}
            </tr>
          </thead>
          <tbody>
            {bindings.map((b) => {
              const who = names.get(b.subjectId) ?? b.subjectId;
              return (
                <tr key={b.id}>
                  <td>
                    {who} <span className="muted small">({b.subjectKind.replace('_', ' ')})</span>
                  </td>
                  <td>
                    <Badge tone="info">{b.role}</Badge>
                  </td>
                  <td>{b.scope === 'ORG' ? 'whole organization' : b.project?.slug}</td>
                  {org.roleBind && (
                    <td>
                      <ConfirmButton
                        aria-label={`Remove role ${b.role} from ${who}`}
                        title={`Remove the role ${b.role} from ${who}?`}
                        consequence={
                          <p>
                            {who} loses at once what the role {b.role} allowed in {b.scope === 'ORG' ? 'the whole organization' : `the project ${b.project?.slug}`}
                            ; their sessions and API keys are checked against the change on their next request. Binding the role again gives it back.
                          </p>
                        }
                        confirmLabel="Remove role"
                        onConfirm={() => void action.run(() => unbind({ id: b.id })).then((ok) => ok && onChanged())}
                      >
                        Remove
                      </ConfirmButton>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {org.roleBind && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor="bind-role">Role</label>
            <select id="bind-role" value={role} onChange={(e) => setRole(e.target.value)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="bind-kind">Subject</label>
            <select id="bind-kind" value={kind} onChange={(e) => setKind(e.target.value as SubjectKind)}>
              <option value="user">User</option>
              <option value="group">Group</option>
              <option value="service_account">Service account</option>
            </select>
          </div>
          {kind === 'user' && (
            <div className="field">
              <label htmlFor="bind-email">User e-mail</label>
              <input id="bind-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </div>
          )}
          {kind === 'group' && (
            <div className="field">
              <label htmlFor="bind-group">Group</label>
              <select id="bind-group" value={groupId} onChange={(e) => setGroupId(e.target.value)}>
                {org.groups.nodes.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          {kind === 'service_account' && (
            <div className="field">
              <label htmlFor="bind-sa">Service account</label>
              <select id="bind-sa" value={saId} onChange={(e) => setSaId(e.target.value)}>
                {org.serviceAccounts.nodes.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor="bind-scope">Scope</label>
            <select id="bind-scope" value={scope} onChange={(e) => setScope(e.target.value)}>
              <option value="">Whole organization</option>
              {org.projects.nodes.map((p) => (
                <option key={p.slug} value={p.slug}>
                  Project {p.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="btn" disabled={action.busy}>
            Bind role
          </button>
        </form>
      )}
      <ProblemNote problem={action.problem} />
    </section>
  );
}
