// Groups and their members: create a group, add or remove members by e-mail.

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ADD_GROUP_MEMBER, CREATE_GROUP, REMOVE_GROUP_MEMBER } from '../../api/documents';
import type { Group } from '../../api/types';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import type { AdminData } from './AdminPage';
import { useAction } from '../../hooks/useAction';

export function GroupsPanel({ org, onChanged, onMore }: { org: AdminData; onChanged: () => void; onMore?: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [, create] = useMutation(CREATE_GROUP);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => create({ input: { org: org.slug, name: name.trim(), description } }))) {
      setName('');
      setDescription('');
      onChanged();
    }
  };
  return (
    <section className="card" id="groups" aria-labelledby="groups-title">
      <h2 id="groups-title" className="card-title">
        Groups
      </h2>
      {org.hidden.has('groups') ? (
        <p className="muted">You may not see the groups of this organization.</p>
      ) : (
        org.groups.nodes.length === 0 && <p className="muted">No groups.</p>
      )}
      <ul className="plain group-list">
        {org.groups.nodes.map((g) => (
          <GroupItem key={g.id} group={g} canManage={org.groupManage} onChanged={onChanged} />
        ))}
      </ul>
      {onMore && (
        <button type="button" className="btn btn-ghost" onClick={onMore}>
          More groups
        </button>
      )}
      {org.groupCreate && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor="group-name">New group</label>
            <input id="group-name" required pattern="[a-z0-9\-]+" value={name} onChange={(e) => setName(e.target.value)} placeholder="sre-leads" />
          </div>
          <div className="field">
            <label htmlFor="group-description">Group description</label>
            <input id="group-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          <button type="submit" className="btn" disabled={action.busy}>
            Create group
          </button>
          <ProblemNote problem={action.problem} />
        </form>
      )}
    </section>
  );
}

function GroupItem({ group, canManage, onChanged }: { group: Group; canManage: boolean; onChanged: () => void }) {
  const [email, setEmail] = useState('');
  const [, add] = useMutation(ADD_GROUP_MEMBER);
  const [, remove] = useMutation(REMOVE_GROUP_MEMBER);
  const action = useAction();
  const inputId = `add-member-${group.id}`;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => add({ input: { groupId: group.id, email: email.trim() } }))) {
      setEmail('');
      onChanged();
    }
  };
  return (
    <li className="group" data-testid={`group-${group.name}`}>
      <div className="row">
        <strong>{group.name}</strong>
        {group.description && <span className="muted">{group.description}</span>}
      </div>
      <ul className="chips" aria-label={`Members of ${group.name}`}>
        {group.members.length === 0 && <li className="muted">no members</li>}
        {group.members.map((m) => (
          <li key={m.id} className="chip">
            {m.email}
            {canManage && (
              <ConfirmButton
                className="chip-remove"
                aria-label={`Remove ${m.email} from ${group.name}`}
                title={`Remove ${m.email} from ${group.name}?`}
                consequence={
                  <p>
                    {m.email} no longer approves for {group.name} nor holds the roles bound to it; approvals they already gave stay recorded.
                  </p>
                }
                confirmLabel="Remove member"
                onConfirm={() => void action.run(() => remove({ input: { groupId: group.id, email: m.email } })).then((ok) => ok && onChanged())}
              >
                ×
              </ConfirmButton>
            )}
          </li>
        ))}
      </ul>
      {canManage && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor={inputId}>Add member to {group.name}</label>
            <input id={inputId} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} placeholder="name@example.com" />
          </div>
          <button type="submit" className="btn" disabled={action.busy}>
            Add
          </button>
        </form>
      )}
      <ProblemNote problem={action.problem} />
    </li>
  );
}
