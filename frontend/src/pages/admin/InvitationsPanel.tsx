// Invitations and members' passwords (local accounts). With `role.bind`: invite someone by
// e-mail with a built-in role (org-wide or in one project), and the pending links (invitations
// and reset links not yet used or expired) with Revoke after a confirmation. With
// `identity.manage`: a password reset link for a member, lifting the lockout of one who gave
// a wrong password too often, and removing the second factor of one who lost it. A link is shown once, as a full address to copy and hand over:
// Praetor sends no e-mail, and keeps only the link's hash.
//
// The mutations that answer a link go through the client directly, not `useMutation`, whose
// state would keep the last answer (and so the link) for as long as the panel shows.

import { useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery, type CombinedError } from 'urql';
import {
  ADMIN_INVITATIONS,
  ADMIN_MEMBER_EMAILS,
  INVITE_MEMBER,
  ISSUE_PASSWORD_RESET,
  REMOVE_SECOND_FACTOR,
  REVOKE_INVITATION,
  UNLOCK_ACCOUNT,
} from '../../api/documents';
import { splitProblem } from '../../api/errors';
import type { Invitation, InvitationPurpose } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { SelectField, TextField } from '../../components/Field';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { useOrgQuery } from '../../hooks/useOrgQuery';
import { invitationUrl } from '../../lib/accounts';
import { formatTime, relativeTime } from '../../lib/format';
import { OneTimeSecret } from './OneTimeSecret';
import { ROLES } from './RolesPanel';

/** What the panel needs of the organization (the admin page's data has it). */
export interface InvitationsOrg {
  slug: string;
  /** `role.bind` org-wide: invite, list and revoke links. */
  roleBind: boolean;
  /** `identity.manage`: reset links and unlocking. */
  identityManage: boolean;
  projects: { nodes: { slug: string; name: string }[] };
}

/** A link just made, shown once beside the form that made it. */
interface Made {
  invitation: Invitation;
  url: string;
}

export function InvitationsPanel({ org }: { org: InvitationsOrg }) {
  const [{ data, error }, refetch] = useQuery({
    query: ADMIN_INVITATIONS,
    variables: { org: org.slug },
    pause: !org.roleBind && !org.identityManage,
    requestPolicy: 'cache-and-network',
  });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const [made, setMade] = useState<Made | null>(null);
  const show = (m: Made) => {
    setMade(m);
    reload();
  };
  const shown = (purpose: InvitationPurpose) => (made?.invitation.purpose === purpose ? <MadeLink made={made} onDismiss={() => setMade(null)} /> : null);

  return (
    <section className="card" id="invitations" aria-labelledby="invitations-title">
      <h2 id="invitations-title" className="card-title">
        Invitations
      </h2>
      <p className="muted small">
        People without an identity provider join with a link: they choose a password on it and get the role it names. Praetor sends no e-mail; hand
        each link over yourself. A link works once, for a limited time.
      </p>
      {org.roleBind && (
        <>
          <InviteForm org={org} onMade={show} />
          {shown('JOIN')}
        </>
      )}
      {org.identityManage && (
        <>
          <MemberPasswords org={org} onMade={show} />
          {shown('RESET')}
        </>
      )}
      {/* Invitations with role.bind, reset links with identity.manage: the server lists what the caller may revoke. */}
      <PendingInvitations org={org} invitations={data?.org.invitations ?? null} error={error} onChanged={reload} />
    </section>
  );
}

function MadeLink({ made: { invitation: i, url }, onDismiss }: { made: Made; onDismiss: () => void }) {
  const join = i.purpose === 'JOIN';
  return (
    <OneTimeSecret
      title={join ? `Invitation link for ${i.email}` : `Password reset link for ${i.email}`}
      secret={url}
      testId={join ? 'invitation-link' : 'reset-link'}
      onDismiss={onDismiss}
    >
      <p className="small">
        {join
          ? `Send it to ${i.email}: whoever opens it first joins as ${i.email}${i.role ? ` with the role ${i.role}` : ''}.`
          : `Send it to ${i.email}: whoever opens it first chooses their new password (the current one works until then).`}{' '}
        It works once, until {formatTime(i.expiresAt)}. Lost, revoke it and make another.
      </p>
    </OneTimeSecret>
  );
}

const INVITE_FIELDS = ['email', 'role', 'project'] as const;

function InviteForm({ org, onMade }: { org: InvitationsOrg; onMade: (m: Made) => void }) {
  const client = useClient();
  const action = useAction();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('operator');
  const [project, setProject] = useState('');
  const { byField, general } = splitProblem(action.problem, INVITE_FIELDS);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = { org: org.slug, email: email.trim(), role, project: project || null };
    const done = await action.run(() => client.mutation(INVITE_MEMBER, { input }).toPromise());
    if (done) {
      setEmail('');
      onMade({ invitation: done.inviteMember.invitation, url: invitationUrl(window.location.origin, done.inviteMember.link) });
    }
  };

  return (
    <>
      <h3 id="invite-form-title" className="section-title">
        Invite someone
      </h3>
      <form className="stack" aria-labelledby="invite-form-title" onSubmit={(e) => void submit(e)}>
        <div className="field-grid">
          <TextField id="invitation-email" label="E-mail" type="email" required value={email} onChange={setEmail} error={byField.email} />
          <SelectField id="invitation-role" label="Role" value={role} onChange={setRole} options={ROLES.map((r) => ({ value: r, label: r }))} error={byField.role} />
          <SelectField
            id="invitation-project"
            label="Scope"
            value={project}
            onChange={setProject}
            options={[{ value: '', label: 'Whole organization' }, ...org.projects.nodes.map((p) => ({ value: p.slug, label: `Project ${p.name}` }))]}
            error={byField.project}
          />
        </div>
        <div className="row">
          <button type="submit" className="btn" disabled={action.busy}>
            Make an invitation link
          </button>
        </div>
        <ProblemNote problem={general} />
      </form>
    </>
  );
}

interface PendingProps {
  org: InvitationsOrg;
  /** Null until loaded. */
  invitations: Invitation[] | null;
  error: CombinedError | undefined;
  onChanged: () => void;
}

function PendingInvitations({ org, invitations, error, onChanged }: PendingProps) {
  const [, revoke] = useMutation(REVOKE_INVITATION);
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);

  const withdraw = async (i: Invitation) => {
    setDone(null);
    const ok = await action.run(() => revoke({ org: org.slug, id: i.id }));
    if (ok) {
      setDone(`Revoked the ${purposeLabel(i.purpose)} for ${i.email}: its link no longer works.`);
      onChanged();
    }
  };

  return (
    <>
      <h3 id="pending-title" className="section-title">
        Links not yet used
      </h3>
      <ProblemNote error={error} />
      {done && (
        <p className="notice tone-ok" role="status" data-testid="invitation-done">
          {done}
        </p>
      )}
      {invitations && invitations.length === 0 && <p className="muted">No pending links.</p>}
      {invitations && invitations.length > 0 && (
        <div className="table-scroll">
          <table className="data" aria-labelledby="pending-title">
            <thead>
              <tr>
                <th scope="col">Purpose</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Expires</th>
                <th scope="col">Revoke</th>
              </tr>
            </thead>
            <tbody>
              {invitations.map((i) => (
                <tr key={i.id} data-testid={`invitation-${i.id}`}>
                  <td>
                    <Badge tone={i.purpose === 'JOIN' ? 'info' : 'warn'}>{purposeLabel(i.purpose)}</Badge>
                  </td>
                  <td>{i.email}</td>
                  <td>
                    {i.role ?? '—'}
                    {i.project && <span className="muted"> in {i.project.name}</span>}
                  </td>
                  <td className="small">
                    <time dateTime={i.expiresAt}>{formatTime(i.expiresAt)}</time>
                    <div className="muted">{relativeTime(i.expiresAt)}</div>
                  </td>
                  <td>
                    <ConfirmButton
                      aria-label={`Revoke the ${purposeLabel(i.purpose)} for ${i.email}`}
                      disabled={action.busy}
                      title={`Revoke the ${purposeLabel(i.purpose)} for ${i.email}?`}
                      consequence={<p>Its link stops working now; a new link can be made later.</p>}
                      confirmLabel="Revoke link"
                      onConfirm={() => void withdraw(i)}
                    >
                      Revoke…
                    </ConfirmButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ProblemNote problem={action.problem} />
    </>
  );
}

const purposeLabel = (purpose: InvitationPurpose) => (purpose === 'RESET' ? 'password reset' : 'invitation');

/**
 * A member's password: a reset link, lifting a lockout, or removing a lost second factor (after a
 * confirmation). By e-mail, members suggested.
 */
function MemberPasswords({ org, onMade }: { org: InvitationsOrg; onMade: (m: Made) => void }) {
  const client = useClient();
  const [, unlock] = useMutation(UNLOCK_ACCOUNT);
  const [, removeFactor] = useMutation(REMOVE_SECOND_FACTOR);
  const action = useAction();
  const [email, setEmail] = useState('');
  const [done, setDone] = useState<string | null>(null);
  // Suggestions only: without them the field still takes any address.
  const { data } = useOrgQuery(ADMIN_MEMBER_EMAILS, org.slug);
  const members = data?.org.members.nodes.map((m) => m.user) ?? [];
  const { byField, general } = splitProblem(action.problem, ['email'] as const);
  const who = email.trim();

  const reset = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const made = await action.run(() => client.mutation(ISSUE_PASSWORD_RESET, { org: org.slug, email: who }).toPromise());
    if (made) {
      setEmail('');
      onMade({ invitation: made.issuePasswordReset.invitation, url: invitationUrl(window.location.origin, made.issuePasswordReset.link) });
    }
  };
  const lift = async () => {
    setDone(null);
    if (await action.run(() => unlock({ org: org.slug, email: who }))) {
      setEmail('');
      setDone(`Unlocked ${who}: the wrong passwords given before no longer count, and they can sign in again.`);
    }
  };
  const removeSecondFactor = async () => {
    setDone(null);
    const removed = await action.run(() => removeFactor({ org: org.slug, email: who }));
    if (removed) {
      setEmail('');
      setDone(`Removed the second factor of ${who}: they sign in with their password alone, and may turn two-step sign-in on again.`);
    }
  };

  return (
    <>
      <h3 id="member-passwords-title" className="section-title">
        Members’ passwords
      </h3>
      <p className="hint">
        A reset link lets a member of this organization (and of no other) choose a new password. An account locks for a while after repeated wrong
        passwords; unlocking lets them try again now. A member who lost their authenticator app and recovery codes needs their second factor
        removed.
      </p>
      <form className="stack" aria-labelledby="member-passwords-title" onSubmit={(e) => void reset(e)}>
        <div className="field-grid">
          <TextField
            id="member-password-email"
            label="Member’s e-mail"
            type="email"
            required
            list="member-emails"
            value={email}
            onChange={setEmail}
            error={byField.email}
          />
          <datalist id="member-emails">
            {members.map((m) => (
              <option key={m.id} value={m.email}>
                {m.displayName}
              </option>
            ))}
          </datalist>
        </div>
        <div className="row">
          <button type="submit" className="btn" disabled={action.busy}>
            Make a reset link
          </button>
          <button type="button" className="btn btn-ghost" disabled={action.busy || !who} onClick={() => void lift()}>
            Unlock
          </button>
          <ConfirmButton
            disabled={action.busy || !who}
            title={`Remove the second factor of ${who}?`}
            consequence={
              <p>
                Their authenticator app and recovery codes are removed: until they turn two-step sign-in on again, their password alone signs them
                in. Make sure it is really them who asks.
              </p>
            }
            confirmLabel="Remove second factor"
            onConfirm={() => void removeSecondFactor()}
          >
            Remove second factor…
          </ConfirmButton>
        </div>
        {done && (
          <p className="notice tone-ok" role="status" data-testid="unlock-done">
            {done}
          </p>
        )}
        <ProblemNote problem={general} />
      </form>
    </>
  );
}
