// Tests of the account page. Changing one's password: the new one is checked before it is sent
// (the current one given, 12+ characters, typed the same twice); the server's refusal of the
// current or the new password is shown beside that field; any other refusal is an alert; a
// change empties the form and says it is done. The password form and two-step sign-in are
// offered only to people with a password; the notification settings to everyone (their own
// tests are in ./NotificationSettings.test.tsx). Two-step sign-in: turned on with the password,
// then the secret (as a QR code and as text) and a code from the app, answered by the recovery
// codes shown once; turned off with the password and a code; refusals beside their fields.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Provider } from 'urql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Viewer } from '../api/types';
import { SessionContext } from '../session';
import { mockClient } from '../test/mockClient';
import { settingsData } from '../test/notifications';
import { AccountPage, ChangePasswordForm } from './AccountPage';

/** Answers `/auth/password/change` with `status` and `body`; records what was posted. */
function serve(status = 200, body: unknown = { ok: true }) {
  const posted: unknown[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
      posted.push(JSON.parse(String(init?.body)));
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }),
  );
  return posted;
}

const refusal = (message: string, code: string, field?: string) => ({ errors: [{ message, extensions: { code, ...(field ? { field } : {}) } }] });
const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const fill = (current: string, next: string, repeat = next) => {
  type('Current password', current);
  type('New password', next);
  type('Repeat the new password', repeat);
  fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
};

afterEach(() => vi.unstubAllGlobals());

describe('ChangePasswordForm', () => {
  it('checks the fields before sending anything', async () => {
    const posted = serve();
    render(<ChangePasswordForm email="bob@demo.test" />);
    fill('', 'bob@demo.test', 'bob@demo.test ');
    expect(await screen.findByText('Enter your current password.')).toBeTruthy();
    expect(screen.getByText('Do not use your e-mail address as the password.').id).toBe('password-new-error');
    expect(screen.getByText('The two passwords differ.').id).toBe('password-repeat-error');
    expect(posted).toEqual([]);
  });

  it('shows the server’s refusal of the current password beside it', async () => {
    const posted = serve(400, refusal('invalid current: is not your current password', 'VALIDATION', 'current'));
    render(<ChangePasswordForm email="bob@demo.test" />);
    fill('not the one at all', 'a brand new passphrase');
    expect((await screen.findByText('invalid current: is not your current password')).id).toBe('password-current-error');
    expect(screen.getByLabelText('Current password').getAttribute('aria-invalid')).toBe('true');
    expect(posted).toEqual([{ current: 'not the one at all', new: 'a brand new passphrase' }]);
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('shows the server’s refusal of the new password beside it, and other refusals as an alert', async () => {
    serve(400, refusal('invalid password: must be 12 to 256 characters', 'VALIDATION', 'password'));
    const { unmount } = render(<ChangePasswordForm email="bob@demo.test" />);
    fill('the current passphrase', 'a brand new passphrase');
    expect((await screen.findByText('invalid password: must be 12 to 256 characters')).id).toBe('password-new-error');
    unmount();

    serve(401, refusal('sign in first', 'UNAUTHENTICATED'));
    render(<ChangePasswordForm email="bob@demo.test" />);
    fill('the current passphrase', 'a brand new passphrase');
    expect((await screen.findByRole('alert')).textContent).toBe('sign in first');
  });

  it('changes the password, empties the form and says so', async () => {
    const posted = serve();
    render(<ChangePasswordForm email="bob@demo.test" />);
    fill('the current passphrase', 'a brand new passphrase');
    expect((await screen.findByRole('status')).textContent).toContain('Your password was changed.');
    expect(posted).toEqual([{ current: 'the current passphrase', new: 'a brand new passphrase' }]);
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('New password').value).toBe(''));
    expect(screen.getByLabelText<HTMLInputElement>('Current password').value).toBe('');
    expect(screen.getByLabelText<HTMLInputElement>('Repeat the new password').value).toBe('');
  });
});

/** An answer of the fake server: a status (200 unless told) and a JSON body. */
interface Answer {
  status?: number;
  body: unknown;
}

/**
 * Answers the auth endpoints from `routes` (`GET /auth/account`, `POST /auth/totp/setup`, …):
 * a list is answered in turn, its last answer repeated. Records every request.
 */
function serveRoutes(routes: Record<string, Answer | Answer[]>) {
  const requests: { route: string; body?: unknown }[] = [];
  const served: Record<string, number> = {};
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const route = `${init?.method ?? 'GET'} ${new URL(String(input), 'http://praetor.test').pathname}`;
      requests.push(init?.body === undefined ? { route } : { route, body: JSON.parse(String(init.body)) });
      const answers = ([] as Answer[]).concat(routes[route] ?? { status: 404, body: refusal('no such route', 'NOT_FOUND') });
      const n = served[route] ?? 0;
      served[route] = n + 1;
      const answer = answers[Math.min(n, answers.length - 1)]!;
      return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200, headers: { 'content-type': 'application/json' } });
    }),
  );
  return { requests, posted: () => requests.filter((r) => r.route.startsWith('POST')) };
}

const account = (hasPassword: boolean, secondFactor = false, recoveryCodesLeft = 0): Answer => ({ body: { hasPassword, secondFactor, recoveryCodesLeft } });

function renderAccountPage() {
  const viewer = {
    kind: 'USER',
    id: 'usr_1',
    name: 'Erin',
    instanceAdmin: false,
    user: { id: 'usr_1', email: 'erin@example.com', displayName: 'Erin' },
    orgs: [],
  } as unknown as Viewer;
  // GraphQL (the notification settings) goes through urql, not the stubbed fetch.
  const { client } = mockClient(() => settingsData());
  return render(
    <Provider value={client}>
      <SessionContext.Provider value={{ viewer, signOut: async () => undefined }}>
        <AccountPage />
      </SessionContext.Provider>
    </Provider>,
  );
}

const twoStep = () => within(screen.getByRole('region', { name: 'Two-step sign-in' }));
const CODES = Array.from({ length: 10 }, (_, i) => `code${i}-abcde`);
const SETUP = { secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Praetor:erin%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Praetor' };

describe('AccountPage', () => {
  it('offers the password form and two-step sign-in only to people with a password', async () => {
    serveRoutes({ 'GET /auth/account': account(false) });
    const { unmount } = renderAccountPage();
    expect((await screen.findByTestId('no-password')).textContent).toContain('You sign in at your organization’s identity provider');
    expect(screen.queryByRole('form', { name: 'Change your password' })).toBeNull();
    expect(screen.queryByRole('region', { name: 'Two-step sign-in' })).toBeNull();
    // What to be told by e-mail is everyone's choice, however they sign in.
    expect(await screen.findByRole('checkbox', { name: 'E-mail me about plans waiting for my approval' })).toBeTruthy();
    unmount();

    serveRoutes({ 'GET /auth/account': account(true) });
    renderAccountPage();
    await screen.findByRole('form', { name: 'Change your password' });
    expect(twoStep().getByTestId('second-factor-state').textContent).toBe('Off Signing in takes your password alone.');
    expect(screen.queryByTestId('no-password')).toBeNull();
  });

  it('turns two-step sign-in on: password, then the QR code and key, then a code; shows the recovery codes once', async () => {
    const server = serveRoutes({
      'GET /auth/account': [account(true), account(true, true, 10)],
      'POST /auth/totp/setup': [{ status: 400, body: refusal('invalid password: is not your password', 'VALIDATION', 'password') }, { body: SETUP }],
      'POST /auth/totp/enable': [
        { status: 400, body: refusal('invalid code: is not the current code', 'VALIDATION', 'code') },
        { body: { recoveryCodes: CODES } },
      ],
    });
    renderAccountPage();
    await screen.findByTestId('second-factor-state');
    fireEvent.click(twoStep().getByRole('button', { name: 'Turn on' }));

    // The password: a wrong one is refused beside it.
    const ask = within(twoStep().getByRole('form', { name: 'Turn on two-step sign-in' }));
    fireEvent.change(ask.getByLabelText('Your password'), { target: { value: 'not it' } });
    fireEvent.click(ask.getByRole('button', { name: 'Continue' }));
    expect((await screen.findByText('invalid password: is not your password')).id).toBe('totp-setup-password-error');
    fireEvent.change(ask.getByLabelText('Your password'), { target: { value: 'the right passphrase' } });
    fireEvent.click(ask.getByRole('button', { name: 'Continue' }));

    // The secret, as a QR code of its URI and as text.
    const confirm = within(await twoStep().findByRole('form', { name: 'Confirm two-step sign-in' }));
    const qr = confirm.getByTestId('totp-qr').querySelector('svg');
    expect(qr).not.toBeNull();
    expect(qr!.querySelector('title')?.textContent).toBe('QR code for your authenticator app');
    expect(qr!.querySelectorAll('path').length).toBeGreaterThan(0);
    expect(confirm.getByTestId('totp-secret').textContent).toBe('JBSWY3DPEHPK3PXP');
    const code = confirm.getByLabelText('Code from the app');
    expect(code.getAttribute('inputmode')).toBe('numeric');
    expect(code.getAttribute('autocomplete')).toBe('one-time-code');

    // A wrong code is refused beside its field; the right one turns it on.
    fireEvent.change(code, { target: { value: '000000' } });
    fireEvent.click(confirm.getByRole('button', { name: 'Turn on' }));
    expect((await screen.findByText('invalid code: is not the current code')).id).toBe('totp-enable-code-error');
    fireEvent.change(confirm.getByLabelText('Code from the app'), { target: { value: '123 456' } });
    fireEvent.click(confirm.getByRole('button', { name: 'Turn on' }));

    const box = await screen.findByTestId('recovery-codes');
    expect(within(box).getByTestId('recovery-codes-secret').textContent).toBe(CODES.join('\n'));
    expect(box.textContent).toContain('Your 10 recovery codes');
    expect(box.textContent).toContain('it will not be shown again');
    expect(server.posted()).toEqual([
      { route: 'POST /auth/totp/setup', body: { password: 'not it' } },
      { route: 'POST /auth/totp/setup', body: { password: 'the right passphrase' } },
      { route: 'POST /auth/totp/enable', body: { code: '000000' } },
      { route: 'POST /auth/totp/enable', body: { code: '123456' } },
    ]);

    fireEvent.click(within(box).getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('recovery-codes')).toBeNull();
    expect(document.body.innerHTML).not.toContain('code0-abcde');
    await waitFor(() => expect(twoStep().getByTestId('second-factor-state').textContent).toBe('On — 10 recovery codes left'));
  });

  it('turns two-step sign-in off with the password and a code; a wrong code is refused beside it', async () => {
    const server = serveRoutes({
      'GET /auth/account': [account(true, true, 3), account(true)],
      'POST /auth/totp/disable': [
        { status: 400, body: refusal('invalid code: is neither the current code nor a recovery code', 'VALIDATION', 'code') },
        { body: { ok: true } },
      ],
    });
    renderAccountPage();
    await waitFor(() => expect(twoStep().getByTestId('second-factor-state').textContent).toBe('On — 3 recovery codes left'));
    expect(twoStep().queryByRole('button', { name: 'Turn on' })).toBeNull();
    fireEvent.click(twoStep().getByRole('button', { name: 'Turn off…' }));
    const off = within(twoStep().getByRole('form', { name: 'Turn off two-step sign-in' }));
    fireEvent.change(off.getByLabelText('Your password'), { target: { value: 'the right passphrase' } });
    fireEvent.change(off.getByLabelText('Code from your authenticator app'), { target: { value: '111111' } });
    fireEvent.click(off.getByRole('button', { name: 'Turn off' }));
    expect((await screen.findByText('invalid code: is neither the current code nor a recovery code')).id).toBe('totp-disable-code-error');
    expect(off.getByLabelText<HTMLInputElement>('Your password').value).toBe('the right passphrase');

    fireEvent.change(off.getByLabelText('Code from your authenticator app'), { target: { value: ' abcde-fghij ' } });
    fireEvent.click(off.getByRole('button', { name: 'Turn off' }));
    expect((await twoStep().findByTestId('two-step-done')).textContent).toContain('Two-step sign-in is off');
    await waitFor(() => expect(twoStep().getByTestId('second-factor-state').textContent).toBe('Off Signing in takes your password alone.'));
    expect(server.posted()).toEqual([
      { route: 'POST /auth/totp/disable', body: { password: 'the right passphrase', code: '111111' } },
      { route: 'POST /auth/totp/disable', body: { password: 'the right passphrase', code: 'abcde-fghij' } },
    ]);
    expect(server.requests.filter((r) => r.route === 'GET /auth/account')).toHaveLength(2);
  });
});
