// What an identity provider's people and clients become in Praetor: group mappings (people
// whose groups claim lists a value are members of a Praetor group, kept in line at each
// sign-in) and client bindings (tokens a provider client gets for itself act as a service
// account). Each lists what there is, adds one, and removes one.

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { BIND_IDENTITY_PROVIDER_CLIENT, MAP_IDENTITY_PROVIDER_GROUP, UNMAP_IDENTITY_PROVIDER_GROUP } from '../../api/documents';
import { splitProblem } from '../../api/errors';
import type { IdentityProvider } from '../../api/types';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { TextField } from './IdentityProviderFields';

interface Named {
  id: string;
  name: string;
}

const MAPPING_FIELDS = ['claimValue', 'group'] as const;
const BINDING_FIELDS = ['clientId', 'serviceAccount'] as const;

interface MappingsProps {
  provider: IdentityProvider;
  groups: Named[];
  onDone: (message: string) => void;
}

export function GroupMappings({ provider: p, groups, onDone }: MappingsProps) {
  const [, map] = useMutation(MAP_IDENTITY_PROVIDER_GROUP);
  const [, unmap] = useMutation(UNMAP_IDENTITY_PROVIDER_GROUP);
  const action = useAction();
  const [claimValue, setClaimValue] = useState('');
  const [chosen, setChosen] = useState('');
  const group = chosen || groups[0]?.name || '';
  const { byField, general } = splitProblem(action.problem, MAPPING_FIELDS);
  const prefix = `idp-${p.id}-mapping`;

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const value = claimValue.trim();
    if (await action.run(() => map({ id: p.id, claimValue: value, group }))) {
      setClaimValue('');
      onDone(`People of ${p.name} whose ${p.groupsClaim} claim lists ${value} are members of ${group} from their next sign-in.`);
    }
  };
  const remove = async (value: string, name: string) => {
    if (await action.run(() => unmap({ id: p.id, claimValue: value, group: name }))) {
      onDone(`Removed the mapping ${value} → ${name}: those memberships go at each person’s next sign-in.`);
    }
  };

  return (
    <section aria-labelledby={`${prefix}-title`}>
      <h4 id={`${prefix}-title`} className="section-title">
        Group mappings
      </h4>
      <p className="hint">
        People whose <code>{p.groupsClaim}</code> claim lists a provider group become members of the Praetor group at each sign-in, and stop
        being members when it no longer does; the group’s roles apply to them.
      </p>
      {p.groupMappings.length === 0 ? (
        <p className="muted small">No mappings: people signing in here get no group from the provider.</p>
      ) : (
        <div className="table-scroll">
          <table className="data" aria-label={`Group mappings of ${p.name}`}>
            <thead>
              <tr>
                <th scope="col">Provider group</th>
                <th scope="col">Praetor group</th>
                <th scope="col">Remove</th>
              </tr>
            </thead>
            <tbody>
              {p.groupMappings.map((m) => (
                <tr key={`${m.claimValue} ${m.group.id}`}>
                  <td>
                    <code>{m.claimValue}</code>
                  </td>
                  <td>{m.group.name}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-ghost"
                      disabled={action.busy}
                      aria-label={`Remove the mapping ${m.claimValue} → ${m.group.name}`}
                      onClick={() => void remove(m.claimValue, m.group.name)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="inline-form" aria-label={`Map a group of ${p.name}`} onSubmit={(e) => void add(e)}>
        <TextField
          id={`${prefix}-claim`}
          label="Provider group"
          className="mono"
          required
          maxLength={200}
          placeholder="platform-sre"
          value={claimValue}
          onChange={setClaimValue}
          error={byField.claimValue}
        />
        <div className="field">
          <label htmlFor={`${prefix}-group`}>Praetor group</label>
          <select
            id={`${prefix}-group`}
            required
            value={group}
            onChange={(e) => setChosen(e.target.value)}
            disabled={groups.length === 0}
            aria-invalid={byField.group ? true : undefined}
            aria-describedby={byField.group ? `${prefix}-group-error` : undefined}
          >
            {groups.map((g) => (
              <option key={g.id} value={g.name}>
                {g.name}
              </option>
            ))}
          </select>
          {byField.group && (
            <span className="field-error" id={`${prefix}-group-error`}>
              {byField.group}
            </span>
          )}
        </div>
        <button type="submit" className="btn" disabled={action.busy || groups.length === 0}>
          Map group
        </button>
        {groups.length === 0 && (
          <p className="hint">
            No groups yet: <a href="#groups">create one</a> first.
          </p>
        )}
        <ProblemNote problem={general} />
      </form>
    </section>
  );
}

interface BindingsProps {
  provider: IdentityProvider;
  accounts: Named[];
  onDone: (message: string) => void;
}

export function ClientBindings({ provider: p, accounts, onDone }: BindingsProps) {
  const [, bind] = useMutation(BIND_IDENTITY_PROVIDER_CLIENT);
  const action = useAction();
  const [clientId, setClientId] = useState('');
  const [chosen, setChosen] = useState('');
  const account = chosen || accounts[0]?.name || '';
  const { byField, general } = splitProblem(action.problem, BINDING_FIELDS);
  const prefix = `idp-${p.id}-binding`;

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const client = clientId.trim();
    if (await action.run(() => bind({ id: p.id, clientId: client, serviceAccount: account }))) {
      setClientId('');
      onDone(`Tokens the client ${client} of ${p.name} gets for itself act as ${account}.`);
    }
  };
  const remove = async (client: string) => {
    if (await action.run(() => bind({ id: p.id, clientId: client, serviceAccount: null }))) {
      onDone(`Tokens of the client ${client} no longer act as a service account.`);
    }
  };

  return (
    <section aria-labelledby={`${prefix}-title`}>
      <h4 id={`${prefix}-title`} className="section-title">
        Client bindings
      </h4>
      <p className="hint">
        An access token a provider client gets for itself (client credentials) acts on the API as the service account bound to the client, with
        its roles.
      </p>
      {!p.apiAudience && (
        <p className="notice tone-warn small">This provider accepts no API tokens: give it an API audience for its bindings to take effect.</p>
      )}
      {p.clientBindings.length === 0 ? (
        <p className="muted small">No bindings.</p>
      ) : (
        <div className="table-scroll">
          <table className="data" aria-label={`Client bindings of ${p.name}`}>
            <thead>
              <tr>
                <th scope="col">Client ID</th>
                <th scope="col">Service account</th>
                <th scope="col">Remove</th>
              </tr>
            </thead>
            <tbody>
              {p.clientBindings.map((b) => (
                <tr key={b.clientId}>
                  <td>
                    <code>{b.clientId}</code>
                  </td>
                  <td>{b.serviceAccount.name}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-ghost"
                      disabled={action.busy}
                      aria-label={`Remove the binding of client ${b.clientId}`}
                      onClick={() => void remove(b.clientId)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="inline-form" aria-label={`Bind a client of ${p.name}`} onSubmit={(e) => void add(e)}>
        <TextField
          id={`${prefix}-client`}
          label="Client ID"
          className="mono"
          required
          maxLength={100}
          value={clientId}
          onChange={setClientId}
          error={byField.clientId}
        />
        <div className="field">
          <label htmlFor={`${prefix}-account`}>Service account</label>
          <select
            id={`${prefix}-account`}
            required
            value={account}
            onChange={(e) => setChosen(e.target.value)}
            disabled={accounts.length === 0}
            aria-invalid={byField.serviceAccount ? true : undefined}
            aria-describedby={byField.serviceAccount ? `${prefix}-account-error` : undefined}
          >
            {accounts.map((s) => (
              <option key={s.id} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
          {byField.serviceAccount && (
            <span className="field-error" id={`${prefix}-account-error`}>
              {byField.serviceAccount}
            </span>
          )}
        </div>
        <button type="submit" className="btn" disabled={action.busy || accounts.length === 0}>
          Bind client
        </button>
        {accounts.length === 0 && (
          <p className="hint">
            No service accounts yet: <a href="#service-accounts">create one</a> first.
          </p>
        )}
        <ProblemNote problem={general} />
      </form>
    </section>
  );
}
