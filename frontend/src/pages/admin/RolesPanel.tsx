// Members and role bindings: who holds which role, org-wide or in one project; bind a role to a
// user (by e-mail), a group or a service account, and remove bindings. A removal can be undone
// for a minute: Undo binds the same role to the same subject in the same scope again through
// `bindRole` (a new, audited change; the server may refuse it if the viewer's rights changed).
// Only the latest removal is offered; leaving the page forgets it.

import { useCallback, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { BIND_ROLE, UNBIND_ROLE } from '../../api/documents';
import type { BindRoleInput } from '../../api/generated/graphql';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import { UndoNotice } from '../../components/UndoNotice';
import { rebindInput, removedWords, restoredWords, UNDO_WINDOW_MS, type RemovedBinding } from '../../lib/roleBindings';
import type { AdminData } from './AdminPage';
import { useAction } from '../../hooks/useAction';

export const ROLES = ['org_admin', 'org_member', 'project_admin', 'operator', 'approver', 'viewer'];

type SubjectKind = 'user' | 'group' | 'service_account';

/** What the panel reads of the organization. */
export type RolesOrg = Pick<AdminData, 'slug' | 'roleBind' | 'roleBindings' | 'groups' | 'serviceAccounts' | 'projects'>;

/** The latest removal, and how to bind it again (null when it cannot be). */
interface Removal {
  /** Tells one removal from the next, so a new one gets a fresh notice and countdown. */
  key: number;
  binding: RemovedBinding;
  /** The subject as people know it. */
  subject: string;
  input: BindRoleInput | null;
  until: string;
}

/** The notice after a removal: the removal (undoable or not), or its undoing done. */
type Notice = { kind: 'removed' | 'restored'; removal: Removal };

export function RolesPanel({ org, names, onChanged }: { org: RolesOrg; names: Map<string, string>; onChanged: () => void }) {
  const [role, setRole] = useState('viewer');
  const [kind, setKind] = useState<SubjectKind>('user');
  const [email, setEmail] = useState('');
  const [groupId, setGroupId] = useState(org.groups.nodes[0]?.id ?? '');
  const [saId, setSaId] = useState(org.serviceAccounts.nodes[0]?.id ?? '');
  const [scope, setScope] = useState('');
  const [, bind] = useMutation(BIND_ROLE);
  const [, unbind] = useMutation(UNBIND_ROLE);
  const action = useAction();
  const undo = useAction();
  const [notice, setNotice] = useState<Notice | null>(null);
  const removals = useRef(0);
  const remove = async (id: string, who: string) => {
    const data = await action.run(() => unbind({ id }));
    if (!data) return;
    const b = data.unbindRole;
    undo.clear();
    setNotice({
      kind: 'removed',
      removal: {
        key: ++removals.current,
        binding: b,
        // The server's label is an e-mail or a name, where the list may know a user only by id.
        subject: b.subject && b.subject !== '(removed)' ? b.subject : who,
        input: rebindInput(org.slug, b),
        until: new Date(Date.now() + UNDO_WINDOW_MS).toISOString(),
      },
    });
    onChanged();
  };
  const restore = async (removal: Removal) => {
    const input = removal.input;
    if (input && (await undo.run(() => bind({ input })))) {
      // A later removal's notice stays: the list shows this one back.
      setNotice((n) => (!n || n.removal.key === removal.key ? { kind: 'restored', removal } : n));
      onChanged();
    }
  };
  // Stable, so the notice's countdown effect does not run again on every render.
  const expired = useCallback(() => setNotice((n) => (n?.kind === 'removed' ? null : n)), []);
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
      {notice?.kind === 'removed' &&
        (notice.removal.input ? (
          <UndoNotice
            key={notice.removal.key}
            until={notice.removal.until}
            onUndo={() => void restore(notice.removal)}
            onExpired={expired}
            busy={undo.busy}
            testId="role-undo"
          >
            {removedWords(notice.removal.binding, notice.removal.subject)}
          </UndoNotice>
        ) : (
          <p className="notice tone-info" role="status" data-testid="role-undo">
            {removedWords(notice.removal.binding, notice.removal.subject)} It cannot be undone here: bind the role again with the form
            below.
          </p>
        ))}
      {notice?.kind === 'restored' && (
        <p className="notice tone-ok" role="status" data-testid="role-restored">
          {restoredWords(notice.removal.binding, notice.removal.subject)}
        </p>
      )}
      <ProblemNote problem={undo.problem} title="Not restored" />
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
                            ; their sessions and API keys are checked against the change on their next request. For a minute afterwards, Undo binds it again.
                          </p>
                        }
                        confirmLabel="Remove role"
                        onConfirm={() => void remove(b.id, who)}
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
