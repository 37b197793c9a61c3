// Tests of the identity providers panel: each provider with its settings, secret fingerprint
// and the addresses to register (this server's origin and the callback path, and the origin and
// the sign-out return path, each with a button that copies it); adding one
// sends the lists parsed from the text fields, and the server's refusal of the issuer shows
// beside that field; editing sends only what changed; a new client secret goes out once and is
// answered by its fingerprint; a group mapping names the group chosen; a client binding names
// the service account, and removing one sends none; deleting says what goes with the provider
// and takes a second click. Local accounts: a switch, turned off only after a confirmation that
// says who loses access (a refusal shown in the server's words), turned on at once.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { Provider, type Operation } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { IdentityProvider } from '../../api/types';
import { mockServer } from '../../test/mockClient';
import { IdentityProvidersPanel } from './IdentityProvidersPanel';

const okta: IdentityProvider = {
  id: 'idp_1',
  name: 'Okta',
  issuer: 'https://example.okta.com',
  clientId: 'praetor-web',
  scopes: ['email', 'groups', 'profile'],
  groupsClaim: 'groups',
  allowedDomains: ['example.com'],
  createUsers: true,
  apiAudience: null,
  deviceClientId: null,
  enabled: true,
  callbackPath: '/auth/oidc/callback',
  signOutReturnPath: '/',
  secretFingerprint: 'hmac:0123456789abcdef',
  createdAt: '2025-03-01T10:00:00Z',
  updatedAt: '2025-03-02T10:00:00Z',
  groupMappings: [{ claimValue: 'platform-sre', group: { id: 'grp_1', name: 'sre-leads' } }],
  clientBindings: [],
};

const name = (op: Operation) => getOperationAST(op.query)?.name?.value ?? '';
const typed = (p: IdentityProvider) => ({
  __typename: 'IdentityProvider',
  ...p,
  groupMappings: p.groupMappings.map((m) => ({ __typename: 'GroupMapping', ...m, group: { __typename: 'Group', ...m.group } })),
  clientBindings: p.clientBindings.map((b) => ({
    __typename: 'ClientBinding',
    ...b,
    serviceAccount: { __typename: 'ServiceAccount', ...b.serviceAccount },
  })),
});

function renderPanel(mutate: (op: Operation) => ExecutionResult = () => ({ data: {} }), provider: IdentityProvider = okta, localAccounts = true) {
  const mock = mockServer((op) => {
    if (name(op) === 'AdminIdentityProviders') {
      return {
        data: {
          org: {
            __typename: 'Org',
            id: 'org_1',
            localAccounts,
            identityProviders: [typed(provider)],
            groups: {
              __typename: 'GroupConnection',
              nodes: ['sre-leads', 'change-board'].map((n, i) => ({ __typename: 'Group', id: `grp_${i + 1}`, name: n })),
            },
            serviceAccounts: { __typename: 'ServiceAccountConnection', nodes: [{ __typename: 'ServiceAccount', id: 'sa_1', name: 'ci-bot' }] },
          },
        },
      };
    }
    return mutate(op);
  });
  const view = render(
    <Provider value={mock.client}>
      <IdentityProvidersPanel org={{ slug: 'demo' }} />
    </Provider>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation').map((op) => [name(op), op.variables]);
  return { ...view, mutations };
}

const form = () => within(screen.getByRole('form', { name: 'Add an identity provider' }));

describe('IdentityProvidersPanel', () => {
  it('lists each provider with its settings, secret fingerprint, redirect URI and group mappings', async () => {
    renderPanel();
    const item = await screen.findByRole('article', { name: 'Okta' });
    const facts = Object.fromEntries([...item.querySelectorAll('dl.facts dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
    expect(facts).toMatchObject({
      Issuer: 'https://example.okta.com',
      'Client ID': 'praetor-web',
      'Client secret': 'hmac:0123456789abcdef',
      Scopes: 'openid email groups profile',
      'E-mail domains': 'example.com',
      'New people': 'created at first sign-in',
      'API tokens': 'not accepted',
    });
    expect(within(item).getByText('enabled').className).toContain('tone-ok');
    expect(within(item).getByTestId('idp-redirect-uri').textContent).toBe(`${window.location.origin}/auth/oidc/callback`);
    expect(within(item).getByTestId('idp-sign-out-uri').textContent).toBe(`${window.location.origin}/`);
    const rows = within(within(item).getByRole('table', { name: 'Group mappings of Okta' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['platform-sresre-leadsRemove']);
  });

  it('shows the sign-out redirect URI to register, made of the server’s path, and copies it', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    try {
      renderPanel(undefined, { ...okta, signOutReturnPath: '/signed-out' });
      const item = await screen.findByRole('article', { name: 'Okta' });
      const uri = within(item).getByLabelText('Sign-out redirect URI (post-logout redirect URI) to register at the provider');
      expect(uri.textContent).toBe(`${window.location.origin}/signed-out`);
      const copy = within(item).getByRole('button', { name: 'Copy the sign-out redirect URI of Okta' });
      fireEvent.click(copy);
      await waitFor(() => expect(copy.textContent).toBe('Copied'));
      expect(writeText).toHaveBeenCalledWith(`${window.location.origin}/signed-out`);
      // The redirect URI beside it is copied by its own button, still untouched.
      expect(within(item).getByRole('button', { name: 'Copy the redirect URI of Okta' }).textContent).toBe('Copy');
    } finally {
      Reflect.deleteProperty(navigator, 'clipboard');
    }
  });

  it('adds a provider with the lists parsed, and shows a refused issuer beside its field', async () => {
    const { mutations } = renderPanel(() => ({
      errors: [new GraphQLError('discovery failed: connection refused', { extensions: { code: 'VALIDATION', field: 'issuer' } })],
    }));
    await screen.findByRole('article', { name: 'Okta' });
    const f = form();
    expect(f.getByLabelText<HTMLInputElement>('Scopes').value).toBe('email profile');
    expect(f.getByLabelText<HTMLInputElement>('Groups claim').value).toBe('groups');
    expect(f.getByLabelText('Client secret').getAttribute('type')).toBe('password');
    fireEvent.change(f.getByLabelText('Name'), { target: { value: 'Entra ID' } });
    fireEvent.change(f.getByLabelText('Issuer URL'), { target: { value: 'https://login.example.com/tenant/v2.0' } });
    fireEvent.change(f.getByLabelText('Client ID'), { target: { value: 'abc-123' } });
    fireEvent.change(f.getByLabelText('Client secret'), { target: { value: 'shh' } });
    fireEvent.change(f.getByLabelText('Scopes'), { target: { value: 'email, profile groups' } });
    fireEvent.change(f.getByLabelText('Allowed e-mail domains'), { target: { value: 'example.com example.org' } });
    fireEvent.click(f.getByLabelText('Create people at their first sign-in'));
    fireEvent.click(f.getByRole('button', { name: 'Add identity provider' }));

    await waitFor(() => expect(document.getElementById('idp-issuer-error')?.textContent).toBe('discovery failed: connection refused'));
    const issuer = f.getByLabelText('Issuer URL');
    expect(issuer.getAttribute('aria-invalid')).toBe('true');
    expect(issuer.getAttribute('aria-describedby')!.split(' ')).toContain('idp-issuer-error');
    expect(f.queryByRole('alert')).toBeNull();
    expect(mutations()).toEqual([
      [
        'CreateIdentityProvider',
        {
          input: {
            org: 'demo',
            name: 'Entra ID',
            issuer: 'https://login.example.com/tenant/v2.0',
            clientId: 'abc-123',
            clientSecret: 'shh',
            scopes: ['email', 'profile', 'groups'],
            groupsClaim: 'groups',
            allowedDomains: ['example.com', 'example.org'],
            createUsers: true,
            apiAudience: null,
            deviceClientId: null,
          },
        },
      ],
    ]);
  });

  it('empties the form after adding, secret included', async () => {
    const entra = { ...okta, id: 'idp_2', name: 'Entra ID', groupMappings: [] };
    renderPanel(() => ({ data: { createIdentityProvider: typed(entra) } }));
    await screen.findByRole('article', { name: 'Okta' });
    const f = form();
    const fields = [
      ['Name', 'Entra ID'],
      ['Issuer URL', 'https://login.example.com'],
      ['Client ID', 'abc'],
      ['Client secret', 'shh-its-secret'],
    ];
    for (const [label, value] of fields) {
      fireEvent.change(f.getByLabelText(label), { target: { value } });
    }
    fireEvent.click(f.getByRole('button', { name: 'Add identity provider' }));
    await waitFor(() => expect(screen.getByTestId('idp-done').textContent).toContain('Added the identity provider Entra ID'));
    expect(screen.getByTestId('idp-done').textContent).toBe(
      `Added the identity provider Entra ID. Register its redirect URI, ${window.location.origin}/auth/oidc/callback, and its sign-out redirect URI, ${window.location.origin}/, at the provider.`,
    );
    expect(f.getByLabelText<HTMLInputElement>('Client secret').value).toBe('');
    expect(f.getByLabelText<HTMLInputElement>('Name').value).toBe('');
    expect(document.body.innerHTML).not.toContain('shh-its-secret');
  });

  it('edits only what changed', async () => {
    const { mutations } = renderPanel(() => ({ data: { updateIdentityProvider: typed({ ...okta, createUsers: false }) } }));
    const item = await screen.findByRole('article', { name: 'Okta' });
    fireEvent.click(within(item).getByRole('button', { name: 'Edit settings' }));
    const edit = within(within(item).getByRole('form', { name: 'Edit identity provider Okta' }));
    expect(edit.getByRole('button', { name: 'Save settings' })).toHaveProperty('disabled', true);
    fireEvent.click(edit.getByLabelText('Create people at their first sign-in'));
    fireEvent.change(edit.getByLabelText('Scopes'), { target: { value: 'profile groups email' } });
    fireEvent.click(edit.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(mutations()).toEqual([['UpdateIdentityProvider', { id: 'idp_1', input: { createUsers: false } }]]));
  });

  it('maps a provider group onto the group chosen, by its name', async () => {
    const { mutations } = renderPanel(() => ({ data: { mapIdentityProviderGroup: typed(okta) } }));
    const item = await screen.findByRole('article', { name: 'Okta' });
    fireEvent.change(within(item).getByLabelText('Provider group'), { target: { value: ' release-managers ' } });
    fireEvent.change(within(item).getByLabelText('Praetor group'), { target: { value: 'change-board' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Map group' }));
    await waitFor(() =>
      expect(mutations()).toEqual([['MapIdentityProviderGroup', { id: 'idp_1', claimValue: 'release-managers', group: 'change-board' }]]),
    );
  });

  it('replaces the client secret, answering only its new fingerprint', async () => {
    const rotated = { ...okta, secretFingerprint: 'hmac:fedcba9876543210' };
    const { mutations } = renderPanel(() => ({ data: { updateIdentityProvider: typed(rotated) } }));
    const item = await screen.findByRole('article', { name: 'Okta' });
    fireEvent.click(within(item).getByRole('button', { name: 'Replace client secret' }));
    const replace = within(within(item).getByRole('form', { name: 'Replace the client secret of Okta' }));
    expect(replace.getByLabelText('New client secret').getAttribute('type')).toBe('password');
    fireEvent.change(replace.getByLabelText('New client secret'), { target: { value: 'rotated-at-the-provider' } });
    fireEvent.click(replace.getByRole('button', { name: 'Replace secret' }));
    const done = 'Replaced the client secret of Okta (now hmac:fedcba9876543210).';
    await waitFor(() => expect(screen.getByTestId('idp-done').textContent).toBe(done));
    expect(mutations()).toEqual([['UpdateIdentityProvider', { id: 'idp_1', input: { clientSecret: 'rotated-at-the-provider' } }]]);
    expect(within(item).queryByRole('form', { name: 'Replace the client secret of Okta' })).toBeNull();
    expect(document.body.innerHTML).not.toContain('rotated-at-the-provider');
  });

  it('binds a client to a service account, and unbinds one with a null account', async () => {
    const bound = { ...okta, clientBindings: [{ clientId: 'ci-runner', serviceAccount: { id: 'sa_1', name: 'ci-bot' } }] };
    const { mutations } = renderPanel(() => ({ data: { bindIdentityProviderClient: typed(bound) } }), bound);
    const item = await screen.findByRole('article', { name: 'Okta' });
    // Without an API audience the provider's tokens are refused, bindings included: it says so.
    expect(within(item).getByText(/accepts no API tokens/)).toBeTruthy();
    const rows = within(within(item).getByRole('table', { name: 'Client bindings of Okta' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['ci-runnerci-botRemove']);

    const bind = within(within(item).getByRole('form', { name: 'Bind a client of Okta' }));
    fireEvent.change(bind.getByLabelText('Client ID'), { target: { value: ' deploy-runner ' } });
    fireEvent.click(bind.getByRole('button', { name: 'Bind client' }));
    await waitFor(() => expect(mutations()).toHaveLength(1));
    // The panel is busy until the first change has been read back; its buttons wait for that.
    const remove = within(item).getByRole('button', { name: 'Remove the binding of client ci-runner' }) as HTMLButtonElement;
    await waitFor(() => expect(remove.disabled).toBe(false));
    fireEvent.click(remove);
    await waitFor(() =>
      expect(mutations()).toEqual([
        ['BindIdentityProviderClient', { id: 'idp_1', clientId: 'deploy-runner', serviceAccount: 'ci-bot' }],
        ['BindIdentityProviderClient', { id: 'idp_1', clientId: 'ci-runner', serviceAccount: null }],
      ]),
    );
  });

  it('deletes only after a confirmation that says sessions end and synced memberships go', async () => {
    const { mutations } = renderPanel(() => ({ data: { deleteIdentityProvider: true } }));
    const item = await screen.findByRole('article', { name: 'Okta' });
    fireEvent.click(within(item).getByRole('button', { name: 'Delete…' }));
    const confirm = within(item).getByRole('dialog', { name: 'Delete the identity provider Okta?' });
    expect(confirm.textContent).toContain('sessions begun at it end now');
    expect(confirm.textContent).toContain('the group memberships synced from it are removed');
    expect(mutations()).toEqual([]);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete identity provider' }));
    await waitFor(() => expect(screen.getByTestId('idp-done').textContent).toBe('Deleted the identity provider Okta.'));
    expect(mutations()).toEqual([['DeleteIdentityProvider', { id: 'idp_1' }]]);
  });

  it('turns local accounts off only after a confirmation that says who loses access', async () => {
    const { mutations } = renderPanel(() => ({ data: { setLocalAccounts: { __typename: 'Org', id: 'org_1', localAccounts: false } } }));
    const toggle = await screen.findByRole('switch', { name: 'Local accounts (passwords)' });
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    fireEvent.click(toggle);
    const confirm = screen.getByRole('dialog', { name: 'Turn local accounts off?' });
    expect(confirm.textContent).toContain('People who signed in with a password lose access to this organization');
    expect(confirm.textContent).toContain('invitation and reset links are no longer made');
    expect(confirm.textContent).toContain('you must be signed in at one');
    expect(mutations()).toEqual([]);
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(confirm).getByRole('button', { name: 'Turn local accounts off' }));
    await waitFor(() =>
      expect(screen.getByTestId('idp-done').textContent).toBe('Local accounts are off: people of this organization sign in at its identity providers only.'),
    );
    expect(mutations()).toEqual([['SetLocalAccounts', { org: 'demo', enabled: false }]]);
    expect(screen.queryByRole('dialog', { name: 'Turn local accounts off?' })).toBeNull();
  });

  it('shows why turning local accounts off was refused, in the server’s words', async () => {
    renderPanel(() => ({
      errors: [
        new GraphQLError('invalid localAccounts: you signed in with a password: sign in at an identity provider first', {
          extensions: { code: 'VALIDATION', field: 'localAccounts' },
        }),
      ],
    }));
    fireEvent.click(await screen.findByRole('switch', { name: 'Local accounts (passwords)' }));
    fireEvent.click(screen.getByRole('button', { name: 'Turn local accounts off' }));
    const alert = await within(screen.getByTestId('local-accounts')).findByRole('alert');
    expect(alert.textContent).toBe('invalid localAccounts: you signed in with a password: sign in at an identity provider first VALIDATION');
    expect(screen.queryByTestId('idp-done')).toBeNull();
  });

  it('turns local accounts on at once', async () => {
    const { mutations } = renderPanel(() => ({ data: { setLocalAccounts: { __typename: 'Org', id: 'org_1', localAccounts: true } } }), okta, false);
    const toggle = await screen.findByRole('switch', { name: 'Local accounts (passwords)' });
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(toggle);
    await waitFor(() => expect(screen.getByTestId('idp-done').textContent).toContain('Local accounts are on'));
    expect(screen.queryByRole('dialog', { name: 'Turn local accounts off?' })).toBeNull();
    expect(mutations()).toEqual([['SetLocalAccounts', { org: 'demo', enabled: true }]]);
  });
});
