// What an identity provider's people and clients become in Praetor: group mappings (people
// whose groups claim lists a value are members of a Praetor group, kept in line at each
// sign-in) and client bindings (tokens a provider client gets for itself act as a service
// account). Each lists what there is, adds one, and removes one.

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { BIND_IDENTITY_PROVIDER_CLIENT, MAP_IDENTITY_PROVIDER_GROUP, UNMAP_IDENTITY_PROVIDER_GROUP } from '../../api/documents';
import { splitProblem } from '../../api/errors';
import type { IdentityProvider } from '../../api/types';
import { SelectField, TextField } from '../../components/Field';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';

interface Named {
  id: string;
  name: string;
}

/** Praetor groups or service accounts as a select's options: chosen by name. */
const byName = (list: Named[]) => list.map((n) => ({ value: n.name, label: n.name }));

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
      <LinkTable
        label={`Group mappings of ${p.name}`}
        columns={['Provider group', 'Praetor group']}
        empty="No mappings: people signing in here get no group from the provider."
        busy={action.busy}
        links={p.groupMappings.map((m) => ({
          key: `${m.claimValue} ${m.group.id}`,
          value: m.claimValue,
          name: m.group.name,
          removeLabel: `Remove the mapping ${m.claimValue} → ${m.group.name}`,
          onRemove: () => void remove(m.claimValue, m.group.name),
        }))}
      />
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
        <SelectField
          id={`${prefix}-group`}
          label="Praetor group"
          required
          disabled={groups.length === 0}
          options={byName(groups)}
          value={group}
          onChange={setChosen}
          error={byField.group}
        />
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
      <LinkTable
        label={`Client bindings of ${p.name}`}
        columns={['Client ID', 'Service account']}
        empty="No bindings."
        busy={action.busy}
        links={p.clientBindings.map((b) => ({
          key: b.clientId,
          value: b.clientId,
          name: b.serviceAccount.name,
          removeLabel: `Remove the binding of client ${b.clientId}`,
          onRemove: () => void remove(b.clientId),
        }))}
      />
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
        <SelectField
          id={`${prefix}-account`}
          label="Service account"
          required
          disabled={accounts.length === 0}
          options={byName(accounts)}
          value={account}
          onChange={setChosen}
          error={byField.serviceAccount}
        />
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

/** One link between the provider and Praetor: a groups-claim value or a client ID, and what it is here. */
interface Link {
  key: string;
  /** The provider's side, shown as code. */
  value: string;
  /** The Praetor group or service account. */
  name: string;
  removeLabel: string;
  onRemove: () => void;
}

interface LinkTableProps {
  label: string;
  /** Headings of the provider's side and of Praetor's. */
  columns: [string, string];
  /** Said instead of the table when there are no links. */
  empty: string;
  links: Link[];
  busy: boolean;
}

function LinkTable({ label, columns, empty, links, busy }: LinkTableProps) {
  if (links.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <div className="table-scroll">
      <table className="data" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{columns[0]}</th>
            <th scope="col">{columns[1]}</th>
            <th scope="col">Remove</th>
          </tr>
        </thead>
        <tbody>
          {links.map((l) => (
            <tr key={l.key}>
              <td>
                <code>{l.value}</code>
              </td>
              <td>{l.name}</td>
              <td>
                <button type="button" className="btn btn-ghost" disabled={busy} aria-label={l.removeLabel} onClick={l.onRemove}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
