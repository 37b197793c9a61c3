// Organization secrets (`secret.manage`): names and fingerprints, setting or replacing one, and
// deleting one after a confirmation. Values are write-only. The value field is deliberately
// uncontrolled: the value is never React state, so it is never re-rendered or mirrored into a
// `value` attribute of the page's HTML, and the field is emptied as soon as the server has it.

import { useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ADMIN_SECRETS, DELETE_SECRET, SET_SECRET } from '../../api/documents';
import type { Secret } from '../../api/types';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { useOrgQuery } from '../../hooks/useOrgQuery';
import { actorChain, formatTime } from '../../lib/format';
import type { AdminData } from './AdminPage';

/** Names Praetor itself reads, offered as suggestions with what they are for. */
export const KNOWN_SECRETS: readonly { name: string; purpose: string }[] = [
  { name: 'llm.api_key', purpose: 'API key of the chat’s LLM planner' },
  { name: 'actions.signing_secret', purpose: 'signs calls to external action handlers (32+ characters)' },
];

type Field = 'name' | 'value';

export function SecretsPanel({ org }: { org: Pick<AdminData, 'slug'> }) {
  const { data, error, reload } = useOrgQuery(ADMIN_SECRETS, org.slug);
  const [name, setName] = useState('');
  const valueRef = useRef<HTMLInputElement>(null);
  const [done, setDone] = useState<string | null>(null);
  const [, setSecret] = useMutation(SET_SECRET);
  const [, deleteSecret] = useMutation(DELETE_SECRET);
  const action = useAction();
  const secrets = data?.org.secrets ?? [];
  const existing = secrets.find((s) => s.name === name.trim());

  // A VALIDATION error about one input is shown beside it; any other problem above the form.
  const p = action.problem;
  const fieldError = (field: Field) => (p?.code === 'VALIDATION' && p.field === field ? p.message : null);
  const errors = { name: fieldError('name'), value: fieldError('value') };
  const general = errors.name || errors.value ? null : p;
  const describedBy = (field: Field, hint: boolean) =>
    [hint && `secret-${field}-hint`, errors[field] && `secret-${field}-error`].filter(Boolean).join(' ') || undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const field = valueRef.current;
    if (!field) return;
    setDone(null);
    const set = await action.run(() => setSecret({ input: { org: org.slug, name: name.trim(), value: field.value } }));
    if (set) {
      field.value = '';
      setName('');
      setDone(`Set ${set.setSecret.name} (fingerprint ${set.setSecret.fingerprint})`);
      reload();
    }
  };
  const remove = async (secret: string) => {
    setDone(null);
    const ok = await action.run(() => deleteSecret({ org: org.slug, name: secret }));
    if (ok) {
      setDone(`Deleted ${secret}`);
      reload();
    }
  };

  return (
    <section className="card" id="secrets" aria-labelledby="secrets-title">
      <h2 id="secrets-title" className="card-title">
        Secrets
      </h2>
      <p className="muted small">Values are write-only: once set, only a fingerprint is shown. Equal values have equal fingerprints.</p>
      <ProblemNote error={error} />
      {data && secrets.length === 0 && <p className="muted">No secrets yet.</p>}
      {secrets.length > 0 && (
        <div className="table-scroll">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Set at</th>
                <th scope="col">Set by</th>
                <th scope="col">Delete</th>
              </tr>
            </thead>
            <tbody>
              {secrets.map((s) => (
                <SecretRow key={s.name} secret={s} busy={action.busy} onDelete={() => void remove(s.name)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3 id="secrets-form-title" className="section-title">
        Set or replace a secret
      </h3>
      <form className="inline-form" aria-labelledby="secrets-form-title" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="secret-name">Secret name</label>
          <input
            id="secret-name"
            className="mono"
            required
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            list="secret-names"
            placeholder="llm.api_key"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={describedBy('name', true)}
          />
          <datalist id="secret-names">
            {KNOWN_SECRETS.map((k) => (
              <option key={k.name} value={k.name}>
                {k.purpose}
              </option>
            ))}
            {secrets
              .filter((s) => !KNOWN_SECRETS.some((k) => k.name === s.name))
              .map((s) => (
                <option key={s.name} value={s.name} />
              ))}
          </datalist>
          <span className="hint" id="secret-name-hint">
            a-z, 0-9, <code>.</code> <code>_</code> <code>-</code>. <code>llm.api_key</code> is the LLM planner key.
          </span>
          {errors.name && (
            <span className="field-error" id="secret-name-error">
              {errors.name}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="secret-value">Secret value</label>
          <input
            id="secret-value"
            ref={valueRef}
            type="password"
            required
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.value ? true : undefined}
            aria-describedby={describedBy('value', false)}
          />
          {errors.value && (
            <span className="field-error" id="secret-value-error">
              {errors.value}
            </span>
          )}
        </div>
        <button type="submit" className="btn" disabled={action.busy}>
          Set secret
        </button>
        <ProblemNote problem={general} />
      </form>
      <p className="muted small" data-testid="secret-replace-help">
        {existing
          ? `${existing.name} is set (fingerprint ${existing.fingerprint}): setting it replaces the current value.`
          : 'Setting a name that already exists replaces its value.'}
      </p>
      {done && (
        <p className="notice tone-ok" role="status" data-testid="secret-done">
          {done}
        </p>
      )}
    </section>
  );
}

interface RowProps {
  secret: Secret;
  busy: boolean;
  onDelete: () => void;
}

/** One secret; deleting it asks first (Escape or Cancel backs out). */
function SecretRow({ secret: s, busy, onDelete }: RowProps) {
  return (
    <tr>
      <td>
        <code>{s.name}</code>
      </td>
      <td>
        <code>{s.fingerprint}</code>
      </td>
      <td>
        <time dateTime={s.setAt}>{formatTime(s.setAt)}</time>
      </td>
      <td>{actorChain(s.setBy)}</td>
      <td>
        <ConfirmButton
          aria-label={`Delete secret ${s.name}`}
          disabled={busy}
          title={`Delete the secret ${s.name}?`}
          consequence={
            <p>
              Its value is deleted for good: whatever reads <code>{s.name}</code> no longer finds it. Setting it again needs the value.
            </p>
          }
          confirmLabel="Delete secret"
          onConfirm={onDelete}
        >
          Delete…
        </ConfirmButton>
      </td>
    </tr>
  );
}
