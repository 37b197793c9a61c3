// API keys: list (all with api_key.read, else your own), create a personal or service account
// key — its secret is shown once, right here — and revoke.

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { CREATE_API_KEY, REVOKE_API_KEY } from '../../api/documents';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import { formatTime, humanize, relativeTime } from '../../lib/format';
import type { AdminData } from './AdminPage';
import { useAction } from '../../hooks/useAction';

export function ApiKeysPanel({ org, names, onChanged }: { org: AdminData; names: Map<string, string>; onChanged: () => void }) {
  const [name, setName] = useState('');
  const [owner, setOwner] = useState('');
  const [expires, setExpires] = useState('');
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [, create] = useMutation(CREATE_API_KEY);
  const [, revoke] = useMutation(REVOKE_API_KEY);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = {
      org: org.slug,
      name: name.trim(),
      serviceAccountId: owner || null,
      expiresAt: expires ? new Date(`${expires}T23:59:59`).toISOString() : null,
    };
    const done = await action.run(() => create({ input }));
    if (done) {
      setSecret({ name: done.createApiKey.apiKey.name, secret: done.createApiKey.secret });
      setCopied(false);
      setName('');
      onChanged();
    }
  };
  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section className="card" id="api-keys" aria-labelledby="keys-title">
      <h2 id="keys-title" className="card-title">
        API keys
      </h2>
      {secret && (
        <div className="notice tone-warn secret" role="status" data-testid="new-key">
          <p>
            <strong>New key “{secret.name}”.</strong> Copy it now: it is shown only this once and cannot be recovered.
          </p>
          <div className="row">
            <code className="secret-value" data-testid="new-key-secret">
              {secret.secret}
            </code>
            <button type="button" className="btn" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setSecret(null)}>
              I have stored it
            </button>
          </div>
        </div>
      )}
      <div className="table-scroll">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Owner</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {org.apiKeys.nodes.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>
                  {names.get(k.ownerId) ?? k.ownerId} <span className="muted small">({humanize(k.ownerKind)})</span>
                </td>
                <td>{formatTime(k.createdAt)}</td>
                <td>{k.expiresAt ? formatTime(k.expiresAt) : <span className="muted">never</span>}</td>
                <td>{k.lastUsedAt ? relativeTime(k.lastUsedAt) : <span className="muted">never</span>}</td>
                <td>
                  {k.revokedAt ? (
                    <Badge tone="bad">revoked</Badge>
                  ) : (
                    <ConfirmButton
                      aria-label={`Revoke key ${k.name}`}
                      title={`Revoke the key ${k.name}?`}
                      consequence={<p>Anything that calls Praetor with this key is refused from now on. A revoked key cannot be restored: a new key has a new secret.</p>}
                      confirmLabel="Revoke key"
                      onConfirm={() => void action.run(() => revoke({ id: k.id })).then((ok) => ok && onChanged())}
                    >
                      Revoke
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="key-name">Key name</label>
          <input id="key-name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="deploy pipeline" />
        </div>
        <div className="field">
          <label htmlFor="key-owner">For</label>
          <select id="key-owner" value={owner} onChange={(e) => setOwner(e.target.value)}>
            <option value="">Me (personal key)</option>
            {org.keyCreate &&
              org.serviceAccounts.nodes.map((s) => (
                <option key={s.id} value={s.id}>
                  Service account {s.name}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="key-expires">Expires (optional)</label>
          <input id="key-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </div>
        <button type="submit" className="btn" disabled={action.busy}>
          Create key
        </button>
      </form>
      <p className="muted small">
        {owner
          ? 'A service account key lives as long as the account allows.'
          : 'A personal key expires no later than your sign-in; for an integration, make a service account key.'}
      </p>
      <ProblemNote problem={action.problem} />
    </section>
  );
}
