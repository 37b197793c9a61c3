// Identity providers (`identity.manage`): the OpenID Connect providers people of the
// organization sign in at, from the sign-in page with the organization's short name. Lists each
// with its settings, the fingerprint of its client secret and the two addresses to register at
// it (the redirect URI, and the sign-out redirect URI it sends people back to after signing out
// there); adds one (the server fetches the issuer's discovery document, so a wrong issuer is
// refused beside its field). Per provider: enable or disable, edit its settings, replace its
// client secret, delete it after a confirmation that says what goes with it, and its group
// mappings and client bindings (./IdentityProviderLinks.tsx). Above them, whether the
// organization takes passwords too (./LocalAccountsSetting.tsx).
//
// Mutations that carry the client secret go through the client directly, not `useMutation`,
// whose state would keep the last operation (and so the secret) for as long as the panel shows.

import { useState, type FormEvent, type ReactNode } from 'react';
import { useClient, useMutation } from 'urql';
import { ADMIN_IDENTITY_PROVIDERS, CREATE_IDENTITY_PROVIDER, DELETE_IDENTITY_PROVIDER, UPDATE_IDENTITY_PROVIDER } from '../../api/documents';
import { splitProblem } from '../../api/errors';
import type { IdentityProvider } from '../../api/types';
import { Badge } from '../../components/Badge';
import { ConfirmButton } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';
import { useCopy } from '../../hooks/useCopy';
import { useOrgQuery } from '../../hooks/useOrgQuery';
import { changedSettings, createInput, NEW_PROVIDER, redirectUri, settingsOf, type ProviderSettings } from '../../lib/identity';
import { formatTime } from '../../lib/format';
import { LocalAccountsSetting } from './LocalAccountsSetting';
import { ProviderSettingsFields, SecretField, SETTINGS_FIELDS } from './IdentityProviderFields';
import { ClientBindings, GroupMappings } from './IdentityProviderLinks';

/** What the panel needs of the organization (the admin page's data has it). */
export interface IdentityOrg {
  slug: string;
}

const CREATE_FIELDS = [...SETTINGS_FIELDS, 'clientSecret'] as const;

const redirectOf = (p: Pick<IdentityProvider, 'callbackPath'>) => redirectUri(window.location.origin, p.callbackPath);
/** Where the provider sends people back after they sign out there (its post-logout redirect URI). */
const signOutReturnOf = (p: Pick<IdentityProvider, 'signOutReturnPath'>) => redirectUri(window.location.origin, p.signOutReturnPath);

export function IdentityProvidersPanel({ org }: { org: IdentityOrg }) {
  const { data, error, reload } = useOrgQuery(ADMIN_IDENTITY_PROVIDERS, org.slug);
  const [done, setDone] = useState<string | null>(null);
  const providers = data?.org.identityProviders ?? [];
  const groups = data?.org.groups.nodes ?? [];
  const accounts = data?.org.serviceAccounts.nodes ?? [];
  const finished = (message: string) => {
    setDone(message);
    reload();
  };

  return (
    <section className="card" id="identity-providers" aria-labelledby="idp-title">
      <h2 id="idp-title" className="card-title">
        Identity providers
      </h2>
      <p className="muted small">
        People of this organization sign in at these OpenID Connect providers: on the sign-in page they enter the organization’s short name,{' '}
        <code>{org.slug}</code>, and choose one. Their provider groups, mapped onto Praetor groups, give them the groups’ roles.
      </p>
      <ProblemNote error={error} />
      {done && (
        <p className="notice tone-ok" role="status" data-testid="idp-done">
          {done}
        </p>
      )}
      {data && (
        <LocalAccountsSetting
          org={org.slug}
          enabled={data.org.localAccounts}
          enabledProviders={providers.filter((p) => p.enabled).length}
          onDone={finished}
        />
      )}
      {data && providers.length === 0 && <p className="muted">No identity providers yet.</p>}
      {providers.length > 0 && (
        <ul className="plain endpoints">
          {providers.map((p) => (
            <li key={p.id}>
              <ProviderItem provider={p} groups={groups} accounts={accounts} onDone={finished} />
            </li>
          ))}
        </ul>
      )}
      <CreateProviderForm
        org={org}
        onCreated={(p) =>
          finished(
            `Added the identity provider ${p.name}. Register its redirect URI, ${redirectOf(p)}, and its sign-out redirect URI, ${signOutReturnOf(p)}, at the provider.`,
          )
        }
      />
    </section>
  );
}

function CreateProviderForm({ org, onCreated }: { org: IdentityOrg; onCreated: (p: IdentityProvider) => void }) {
  const client = useClient();
  const action = useAction();
  const [settings, setSettings] = useState<ProviderSettings>(NEW_PROVIDER);
  const [secret, setSecret] = useState('');
  const { byField, general } = splitProblem(action.problem, CREATE_FIELDS);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = createInput(org.slug, settings, secret);
    const created = await action.run(() => client.mutation(CREATE_IDENTITY_PROVIDER, { input }).toPromise());
    if (created) {
      setSettings(NEW_PROVIDER);
      setSecret('');
      onCreated(created.createIdentityProvider);
    }
  };

  return (
    <>
      <h3 id="idp-form-title" className="section-title">
        Add an identity provider
      </h3>
      <p className="hint">
        Register Praetor at the provider first, as a web application using the authorization code flow: it gives the client ID and secret.
      </p>
      <form className="stack" aria-labelledby="idp-form-title" onSubmit={(e) => void submit(e)}>
        <ProviderSettingsFields
          prefix="idp"
          value={settings}
          onChange={setSettings}
          errors={byField}
          secret={<SecretField id="idp-clientSecret" label="Client secret" value={secret} onChange={setSecret} error={byField.clientSecret} />}
        />
        <div className="row">
          <button type="submit" className="btn" disabled={action.busy}>
            Add identity provider
          </button>
          {action.busy && <span className="muted small">Checking the issuer…</span>}
        </div>
        <ProblemNote problem={general} />
      </form>
    </>
  );
}

interface ItemProps {
  provider: IdentityProvider;
  groups: { id: string; name: string }[];
  accounts: { id: string; name: string }[];
  onDone: (message: string) => void;
}

type Open = 'edit' | 'secret' | null;

function ProviderItem({ provider: p, groups, accounts, onDone }: ItemProps) {
  const [, update] = useMutation(UPDATE_IDENTITY_PROVIDER);
  const [, remove] = useMutation(DELETE_IDENTITY_PROVIDER);
  const action = useAction();
  const [open, setOpen] = useState<Open>(null);
  const nameId = `idp-${p.id}-name`;
  const toggle = (what: Exclude<Open, null>) => setOpen((o) => (o === what ? null : what));

  const setEnabled = async (enabled: boolean) => {
    if (await action.run(() => update({ id: p.id, input: { enabled } }))) {
      onDone(enabled ? `Enabled ${p.name}: it is offered on the sign-in page again.` : `Disabled ${p.name}: nobody can sign in with it now.`);
    }
  };
  const destroy = async () => {
    const gone = await action.run(() => remove({ id: p.id }));
    if (gone) onDone(`Deleted the identity provider ${p.name}.`);
  };

  return (
    <article className="endpoint idp" aria-labelledby={nameId}>
      <div className="row">
        <strong id={nameId}>{p.name}</strong>
        {p.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="bad">disabled</Badge>}
      </div>
      <dl className="facts">
        <Fact term="Issuer">
          <code>{p.issuer}</code>
        </Fact>
        <Fact term="Client ID">
          <code>{p.clientId}</code>
        </Fact>
        <Fact term="Client secret">
          <code>{p.secretFingerprint ?? '—'}</code>
        </Fact>
        <Fact term="Scopes">
          <code>{['openid', ...p.scopes.filter((s) => s !== 'openid')].join(' ')}</code>
        </Fact>
        <Fact term="Groups claim">
          <code>{p.groupsClaim}</code>
        </Fact>
        <Fact term="E-mail domains">{p.allowedDomains.length > 0 ? <code>{p.allowedDomains.join(' ')}</code> : 'any'}</Fact>
        <Fact term="New people">{p.createUsers ? 'created at first sign-in' : 'refused (only people Praetor knows)'}</Fact>
        <Fact term="API tokens">
          {p.apiAudience ? (
            <>
              audience <code>{p.apiAudience}</code>
            </>
          ) : (
            'not accepted'
          )}
        </Fact>
        <Fact term="Command line">
          {p.deviceClientId && p.apiAudience ? (
            <>
              praetor login through client <code>{p.deviceClientId}</code>
            </>
          ) : (
            'API keys only'
          )}
        </Fact>
        <Fact term="Changed">
          <time dateTime={p.updatedAt}>{formatTime(p.updatedAt)}</time>
        </Fact>
      </dl>
      <UriToRegister
        id={`idp-${p.id}-redirect`}
        term="Redirect URI"
        uri={redirectOf(p)}
        copyLabel={`Copy the redirect URI of ${p.name}`}
        testId="idp-redirect-uri"
      />
      <UriToRegister
        id={`idp-${p.id}-sign-out`}
        term="Sign-out redirect URI"
        aka="post-logout redirect URI"
        uri={signOutReturnOf(p)}
        copyLabel={`Copy the sign-out redirect URI of ${p.name}`}
        testId="idp-sign-out-uri"
      />
      <div className="row">
        <button type="button" className="btn" disabled={action.busy} onClick={() => void setEnabled(!p.enabled)}>
          {p.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" className="btn btn-ghost" aria-expanded={open === 'edit'} onClick={() => toggle('edit')}>
          Edit settings
        </button>
        <button type="button" className="btn btn-ghost" aria-expanded={open === 'secret'} onClick={() => toggle('secret')}>
          Replace client secret
        </button>
        <ConfirmButton
          disabled={action.busy}
          title={`Delete the identity provider ${p.name}?`}
          consequence={
            <p>
              Nobody can sign in at <code>{p.issuer}</code> any more, <strong>sessions begun at it end now</strong>, and the group memberships
              synced from it are removed. Its group mappings and client bindings are deleted with it; the people stay.
            </p>
          }
          confirmLabel="Delete identity provider"
          onConfirm={() => {
            setOpen(null);
            void destroy();
          }}
        >
          Delete…
        </ConfirmButton>
      </div>
      <ProblemNote problem={action.problem} />
      {open === 'edit' && (
        <EditProviderForm
          provider={p}
          onSaved={(message) => {
            setOpen(null);
            onDone(message);
          }}
          onCancel={() => setOpen(null)}
        />
      )}
      {open === 'secret' && (
        <ReplaceSecretForm
          provider={p}
          onSaved={(fingerprint) => {
            setOpen(null);
            onDone(`Replaced the client secret of ${p.name}${fingerprint ? ` (now ${fingerprint})` : ''}.`);
          }}
          onCancel={() => setOpen(null)}
        />
      )}
      <GroupMappings provider={p} groups={groups} onDone={onDone} />
      <ClientBindings provider={p} accounts={accounts} onDone={onDone} />
    </article>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

interface UriProps {
  /** Prefix of the ids, unique on the page. */
  id: string;
  /** What the address is, and another name providers' settings give it. */
  term: string;
  aka?: string;
  uri: string;
  copyLabel: string;
  testId: string;
}

/** An address to register at the provider, with a button that copies it. */
function UriToRegister({ id, term, aka, uri, copyLabel, testId }: UriProps) {
  const copy = useCopy(uri);
  return (
    <div className="field">
      <span className="small" id={`${id}-label`}>
        <strong>{term}</strong>
        {aka && ` (${aka})`} to register at the provider
      </span>
      <div className="row">
        <code className="endpoint-url" ref={copy.target} aria-labelledby={`${id}-label`} data-testid={testId}>
          {uri}
        </code>
        <button type="button" className="btn btn-ghost" aria-label={copyLabel} onClick={() => void copy.copy()}>
          {copy.state === 'copied' ? 'Copied' : 'Copy'}
        </button>
        <span className="small" aria-live="polite">
          {copy.note}
        </span>
      </div>
    </div>
  );
}

interface EditProps {
  provider: IdentityProvider;
  onSaved: (message: string) => void;
  onCancel: () => void;
}

function EditProviderForm({ provider: p, onSaved, onCancel }: EditProps) {
  const [, update] = useMutation(UPDATE_IDENTITY_PROVIDER);
  const action = useAction();
  const [settings, setSettings] = useState(() => settingsOf(p));
  const { byField, general } = splitProblem(action.problem, SETTINGS_FIELDS);
  const input = changedSettings(p, settings);
  const unchanged = Object.keys(input).length === 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (unchanged) return onCancel();
    if (await action.run(() => update({ id: p.id, input }))) onSaved(`Saved the settings of ${settings.name.trim() || p.name}.`);
  };

  return (
    <form className="stack endpoint-edit" aria-label={`Edit identity provider ${p.name}`} onSubmit={(e) => void submit(e)}>
      <ProviderSettingsFields prefix={`idp-${p.id}-edit`} value={settings} onChange={setSettings} errors={byField} />
      <div className="row">
        <button type="submit" className="btn" disabled={action.busy || unchanged}>
          Save settings
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        {action.busy && input.issuer !== undefined && <span className="muted small">Checking the issuer…</span>}
      </div>
      <ProblemNote problem={general} />
    </form>
  );
}

interface SecretProps {
  provider: IdentityProvider;
  onSaved: (fingerprint: string | null) => void;
  onCancel: () => void;
}

/** A new client secret (after one was rotated at the provider); the old one is gone at once. */
function ReplaceSecretForm({ provider: p, onSaved, onCancel }: SecretProps) {
  const client = useClient();
  const action = useAction();
  const [secret, setSecret] = useState('');
  const { byField, general } = splitProblem(action.problem, ['clientSecret'] as const);
  const id = `idp-${p.id}-secret`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const saved = await action.run(() => client.mutation(UPDATE_IDENTITY_PROVIDER, { id: p.id, input: { clientSecret: secret } }).toPromise());
    setSecret('');
    if (saved) onSaved(saved.updateIdentityProvider.secretFingerprint);
  };

  return (
    <form className="stack endpoint-edit" aria-label={`Replace the client secret of ${p.name}`} onSubmit={(e) => void submit(e)}>
      <div className="field-grid">
        <SecretField id={id} label="New client secret" value={secret} onChange={setSecret} error={byField.clientSecret} />
      </div>
      <div className="row">
        <button type="submit" className="btn" disabled={action.busy}>
          Replace secret
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ProblemNote problem={general} />
    </form>
  );
}
