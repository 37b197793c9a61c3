// Tests of the sign-in page's identity-provider part: the organization's short name looks up
// its providers (one link each, to the server's start of the sign-in, coming back to the
// address asked for), remembered for next time and looked up at once then; an organization
// without providers says so; a sign-in error in the address is shown as an alert and taken out
// of the address; the demo users stay.

import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignInPage } from './SignInPage';

const CONFIG = {
  devLogin: true,
  demo: true,
  demoUsers: [{ email: 'alice@demo.test', role: 'org_admin', about: 'organization administrator' }],
};

/** Answers the auth endpoints: `/auth/config`, and `/auth/providers` from `providers`. */
function serve(providers: Record<string, { id: string; name: string }[]>) {
  const asked: string[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://praetor.test');
    asked.push(`${url.pathname}${url.search}`);
    const body = url.pathname === '/auth/config' ? CONFIG : { providers: providers[url.searchParams.get('org') ?? ''] ?? [] };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { asked: () => asked.filter((a) => a.startsWith('/auth/providers')) };
}

function Where() {
  const l = useLocation();
  return <output data-testid="where">{`${l.pathname}${l.search}`}</output>;
}

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route
          path="*"
          element={
            <>
              <SignInPage onSignedIn={() => undefined} />
              <Where />
            </>
          }
        />
      </Routes>
    </MemoryRouter>,
  );
}

const lookUp = (org: string) => {
  fireEvent.change(screen.getByLabelText('Organization'), { target: { value: org } });
  fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
};

beforeEach(() => window.localStorage.clear());
afterEach(() => vi.unstubAllGlobals());

describe('SignInPage', () => {
  it('looks up the organization’s providers and links each to the sign-in start, coming back where asked', async () => {
    const server = serve({ acme: [{ id: 'idp_1', name: 'Okta' }, { id: 'idp_2', name: 'Entra ID' }] });
    renderAt('/orgs/acme/projects/web/plans?status=running');
    await screen.findByText('alice@demo.test');
    expect(screen.getByLabelText<HTMLInputElement>('Organization').value).toBe('');
    lookUp(' Acme ');

    const okta = await screen.findByRole('link', { name: 'Sign in with Okta' });
    const start = new URL(okta.getAttribute('href')!, 'http://praetor.test');
    expect(start.pathname).toBe('/auth/oidc/start');
    expect(Object.fromEntries(start.searchParams)).toEqual({ provider: 'idp_1', returnTo: '/orgs/acme/projects/web/plans?status=running' });
    expect(screen.getByRole('link', { name: 'Sign in with Entra ID' }).getAttribute('href')).toContain('provider=idp_2');
    expect(server.asked()).toEqual(['/auth/providers?org=acme']);
    expect(window.localStorage.getItem('praetor.signInOrg')).toBe('acme');
  });

  it('says when the organization has no provider, and does not remember it', async () => {
    serve({});
    renderAt('/');
    await screen.findByLabelText('Organization');
    lookUp('nobody');
    expect((await screen.findByTestId('no-providers')).textContent).toContain('No identity provider is set up for this organization');
    expect(screen.queryAllByRole('link', { name: /^Sign in with / })).toHaveLength(0);
    expect(window.localStorage.getItem('praetor.signInOrg')).toBeNull();
  });

  it('looks up the remembered organization at once; a changed name hides the old answer', async () => {
    window.localStorage.setItem('praetor.signInOrg', 'acme');
    const server = serve({ acme: [{ id: 'idp_1', name: 'Okta' }] });
    renderAt('/');
    await screen.findByRole('link', { name: 'Sign in with Okta' });
    expect(screen.getByLabelText<HTMLInputElement>('Organization').value).toBe('acme');
    expect(server.asked()).toEqual(['/auth/providers?org=acme']);

    fireEvent.change(screen.getByLabelText('Organization'), { target: { value: 'acme-eu' } });
    expect(screen.queryByRole('link', { name: 'Sign in with Okta' })).toBeNull();
  });

  it('shows the sign-in error from the address as an alert, and takes it out of the address', async () => {
    serve({});
    renderAt('/?signInError=sign-in+refused%3A+this+e-mail+domain+may+not+sign+in&code=UNAUTHENTICATED');
    const alert = screen.getByTestId('sign-in-error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toBe('Signing in failed: sign-in refused: this e-mail domain may not sign in UNAUTHENTICATED');
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('/'));
    // Still shown once the address no longer says it.
    expect(screen.getByTestId('sign-in-error').textContent).toContain('this e-mail domain may not sign in');
    await screen.findByText('alice@demo.test');
  });
});
