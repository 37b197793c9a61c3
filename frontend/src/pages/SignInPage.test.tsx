// Tests of the sign-in page: the identity-provider part (the organization's short name looks up
// its providers, one link each, to the server's start of the sign-in, coming back to the
// address asked for, remembered for next time and looked up at once then; an organization
// without providers says so; a sign-in error in the address is shown as an alert and taken out
// of the address), signing in with a password (the server's refusal shown as an alert; from an
// invitation page, the address filled in and the way back kept; an account with a second factor
// asked for a code, sent with the same address and password, a wrong one refused in the
// server's words), an organization that takes no passwords hides the password form, and the
// demo users stay.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignInPage } from './SignInPage';

const CONFIG = {
  devLogin: true,
  demo: true,
  passwordLogin: true,
  demoUsers: [{ email: 'alice@demo.test', role: 'org_admin', about: 'organization administrator' }],
};

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Answers the auth endpoints: `/auth/config`, `/auth/providers` from `providers` (passwords
 * taken, except by the organizations in `noPasswords`), and a POST to `/auth/password` with
 * `signIn` (200 unless told otherwise; a list is answered in turn); records what was posted.
 */
function serve(providers: Record<string, { id: string; name: string }[]>, signIn: Answer | Answer[] = { status: 200, body: {} }, noPasswords: string[] = []) {
  const answers = ([] as Answer[]).concat(signIn);
  const asked: string[] = [];
  const posted: { path: string; body: unknown }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://praetor.test');
    if (init?.method === 'POST') {
      posted.push({ path: url.pathname, body: JSON.parse(String(init.body)) });
      const answer = answers[Math.min(posted.length, answers.length) - 1]!;
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
    }
    asked.push(`${url.pathname}${url.search}`);
    const org = url.searchParams.get('org') ?? '';
    const body = url.pathname === '/auth/config' ? CONFIG : { providers: providers[org] ?? [], passwords: !noPasswords.includes(org) };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { asked: () => asked.filter((a) => a.startsWith('/auth/providers')), posted };
}

const refusal = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

function Where() {
  const l = useLocation();
  return <output data-testid="where">{`${l.pathname}${l.search}`}</output>;
}

function renderAt(path: string, onSignedIn: () => void = () => undefined) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route
          path="*"
          element={
            <>
              <SignInPage onSignedIn={onSignedIn} />
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

  it('signs in with a password: sends the address and password, then tells the app', async () => {
    const server = serve({});
    const onSignedIn = vi.fn();
    renderAt('/orgs/demo/approvals', onSignedIn);
    const form = within(await screen.findByRole('form', { name: 'Sign in with a password' }));
    fireEvent.change(form.getByLabelText('E-mail'), { target: { value: ' erin@example.com ' } });
    fireEvent.change(form.getByLabelText('Password'), { target: { value: 'a long enough passphrase' } });
    expect(form.getByLabelText('Password').getAttribute('autocomplete')).toBe('current-password');
    fireEvent.click(form.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledTimes(1));
    expect(server.posted).toEqual([{ path: '/auth/password', body: { email: 'erin@example.com', password: 'a long enough passphrase' } }]);
    // The app shows the address asked for once signed in: the page does not move away from it.
    expect(screen.getByTestId('where').textContent).toBe('/orgs/demo/approvals');
  });

  it('shows a refused password sign-in in the server’s words, and empties the password', async () => {
    serve({}, { status: 403, body: { errors: [{ message: 'too many wrong passwords: this account is locked until 2030-01-01 10:00 UTC', extensions: { code: 'ACCOUNT_LOCKED' } }] } });
    const onSignedIn = vi.fn();
    renderAt('/', onSignedIn);
    const form = within(await screen.findByRole('form', { name: 'Sign in with a password' }));
    fireEvent.change(form.getByLabelText('E-mail'), { target: { value: 'erin@example.com' } });
    fireEvent.change(form.getByLabelText('Password'), { target: { value: 'wrong wrong wrong' } });
    fireEvent.click(form.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByTestId('password-error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toBe('too many wrong passwords: this account is locked until 2030-01-01 10:00 UTC');
    expect(form.getByLabelText<HTMLInputElement>('Password').value).toBe('');
    expect(form.getByLabelText<HTMLInputElement>('E-mail').value).toBe('erin@example.com');
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it('from an invitation page: fills in the address, and the provider sign-in comes back to the invitation', async () => {
    window.localStorage.setItem('praetor.signInOrg', 'acme');
    serve({ acme: [{ id: 'idp_1', name: 'Okta' }] });
    renderAt('/sign-in?returnTo=%2Finvite%2Ftok_1&email=erin%40example.com');
    const form = within(await screen.findByRole('form', { name: 'Sign in with a password' }));
    expect(form.getByLabelText<HTMLInputElement>('E-mail').value).toBe('erin@example.com');
    const okta = await screen.findByRole('link', { name: 'Sign in with Okta' });
    expect(new URL(okta.getAttribute('href')!, 'http://praetor.test').searchParams.get('returnTo')).toBe('/invite/tok_1');
  });

  it('asks for a code when the account has a second factor, and sends it with the same address and password', async () => {
    const server = serve({}, [
      { status: 401, body: refusal('a code from your authenticator app is needed', 'SECOND_FACTOR_REQUIRED') },
      { status: 200, body: {} },
    ]);
    const onSignedIn = vi.fn();
    renderAt('/', onSignedIn);
    const form = within(await screen.findByRole('form', { name: 'Sign in with a password' }));
    expect(form.queryByLabelText('Code from your authenticator app')).toBeNull();
    fireEvent.change(form.getByLabelText('E-mail'), { target: { value: 'erin@example.com' } });
    fireEvent.change(form.getByLabelText('Password'), { target: { value: 'a long enough passphrase' } });
    fireEvent.click(form.getByRole('button', { name: 'Sign in' }));

    const code = await form.findByLabelText('Code from your authenticator app');
    // Text, not numeric: a recovery code has letters (numeric pads cannot type them on some phones).
    expect(code.getAttribute('inputmode')).toBe('text');
    expect(code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(form.getByText(/Enter one of your recovery codes instead/).id).toBe(code.getAttribute('aria-describedby'));
    // Asking for a code is not a failure, and what was typed stays.
    expect(screen.queryByTestId('password-error')).toBeNull();
    expect(form.getByLabelText<HTMLInputElement>('Password').value).toBe('a long enough passphrase');
    expect(onSignedIn).not.toHaveBeenCalled();

    fireEvent.change(code, { target: { value: '123 456' } });
    fireEvent.click(form.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledTimes(1));
    expect(server.posted).toEqual([
      { path: '/auth/password', body: { email: 'erin@example.com', password: 'a long enough passphrase' } },
      { path: '/auth/password', body: { email: 'erin@example.com', password: 'a long enough passphrase', code: '123456' } },
    ]);
  });

  it('shows a wrong code in the server’s words, and asks again', async () => {
    const server = serve({}, [
      { status: 401, body: refusal('a code from your authenticator app is needed', 'SECOND_FACTOR_REQUIRED') },
      { status: 401, body: refusal('wrong code', 'SECOND_FACTOR_WRONG') },
      { status: 200, body: {} },
    ]);
    const onSignedIn = vi.fn();
    renderAt('/', onSignedIn);
    const form = within(await screen.findByRole('form', { name: 'Sign in with a password' }));
    fireEvent.change(form.getByLabelText('E-mail'), { target: { value: 'erin@example.com' } });
    fireEvent.change(form.getByLabelText('Password'), { target: { value: 'a long enough passphrase' } });
    fireEvent.click(form.getByRole('button', { name: 'Sign in' }));
    fireEvent.change(await form.findByLabelText('Code from your authenticator app'), { target: { value: '000000' } });
    fireEvent.click(form.getByRole('button', { name: 'Sign in' }));

    const alert = await screen.findByTestId('password-error');
    expect(alert.textContent).toBe('wrong code');
    expect(form.getByLabelText<HTMLInputElement>('Code from your authenticator app').value).toBe('');
    expect(form.getByLabelText<HTMLInputElement>('Password').value).toBe('a long enough passphrase');
    fireEvent.change(form.getByLabelText('Code from your authenticator app'), { target: { value: 'abcde-fghij' } });
    fireEvent.click(form.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledTimes(1));
    expect(server.posted.map((p) => (p.body as { code?: string }).code)).toEqual([undefined, '000000', 'abcde-fghij']);
  });

  it('hides the password form for an organization that signs in at its identity provider only', async () => {
    window.localStorage.setItem('praetor.signInOrg', 'acme');
    serve({ acme: [{ id: 'idp_1', name: 'Okta' }], beta: [{ id: 'idp_2', name: 'Entra ID' }] }, undefined, ['acme']);
    renderAt('/');
    await screen.findByRole('link', { name: 'Sign in with Okta' });
    // The form goes once the lookup's answer reaches the page (an effect after the links).
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Sign in with a password' })).toBeNull());
    expect(screen.getByTestId('no-passwords').textContent).toBe('acme signs in at its identity provider only: its people do not use a password in Praetor.');

    // Another organization, that takes passwords: the form is back.
    lookUp('beta');
    await screen.findByRole('link', { name: 'Sign in with Entra ID' });
    await waitFor(() => expect(screen.queryByTestId('no-passwords')).toBeNull());
    expect(screen.getByRole('form', { name: 'Sign in with a password' })).toBeTruthy();
  });
});
