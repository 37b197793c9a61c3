// Service accounts (identities for integrations), and creating one.

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { CREATE_SERVICE_ACCOUNT } from '../../api/documents';
import { ProblemNote } from '../../components/ProblemNote';
import { formatTime } from '../../lib/format';
import type { AdminData } from './AdminPage';
import { useAction } from '../../hooks/useAction';

export function ServiceAccountsPanel({ org, onChanged }: { org: AdminData; onChanged: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [, create] = useMutation(CREATE_SERVICE_ACCOUNT);
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
    <section className="card" id="service-accounts" aria-labelledby="sa-title">
      <h2 id="sa-title" className="card-title">
        Service accounts
      </h2>
      {org.hidden.has('serviceAccounts') ? (
        <p className="muted">You may not see the service accounts of this organization.</p>
      ) : (
        org.serviceAccounts.nodes.length === 0 && <p className="muted">None yet.</p>
      )}
      <ul className="plain">
        {org.serviceAccounts.nodes.map((s) => (
          <li key={s.id}>
            <strong>{s.name}</strong> <span className="muted small">created {formatTime(s.createdAt)}</span>
            {s.description && <div className="muted small">{s.description}</div>}
          </li>
        ))}
      </ul>
      {org.saCreate && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor="sa-name">Service account name</label>
            <input id="sa-name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-bot" />
          </div>
          <div className="field">
            <label htmlFor="sa-description">Service account description</label>
            <input id="sa-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          <button type="submit" className="btn" disabled={action.busy}>
            Create service account
          </button>
          <ProblemNote problem={action.problem} />
        </form>
      )}
    </section>
  );
}
