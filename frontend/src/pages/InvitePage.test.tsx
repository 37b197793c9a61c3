// Tests of an invitation link's page: a used link says so and leads to sign-in; a link that
// sets a password checks it (length, repetition) before sending, shows the server's refusal
// beside the password, and once accepted goes to the organization the link named and starts the
// session over; a reset link asks for no display name; someone with an account already is sent
// to sign in (coming back here) or, signed in as the person invited, accepts without a password;
// signed in as someone else, they are offered to sign out and sign in as the invited person.

import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { getOperationAST } from 'graphql';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { Provider } from 'urql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InvitationInfo } from '../api/auth';
import type { Viewer } from '../api/types';
import { SessionContext, type SessionValue } from '../session';
import { mockClient } from '../test/mockClient';
import { InvitePage } from './InvitePage';

const JOIN: InvitationInfo = { email: 'erin@example.com', organization: 'Demo', purpose: 'join', setsPassword: true };

interface Answer {
  status: number;
  body: unknown;
}

const json = ({ status, body }: Answer) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const refusal = (status: number, code: string, message: string, field?: string): Answer => ({
  status,
  body: { errors: [{ message, extensions: { code, ...(field ? { field } : {}) } }] },
});

/**
 * Answers the link's endpoints: GET `/auth/invitation` with `info`, POST with `accept` (200
 * `{user, expiresAt}` unless told otherwise), `/auth/logout` with ok. Records what was posted.
 */
function serve(info: Answer, accept: Answer = { status: 200, body: { user: { id: 'usr_9' }, expiresAt: '2030-01-01T00:00:00Z' } }) {
  const posted: { path: string; body: unknown }[] = [];
  const asked: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), 'http://praetor.test');
      if (init?.method === 'POST') {
        posted.push({ path: url.pathname, body: JSON.parse(String(init.body)) });
        return json(url.pathname === '/auth/logout' ? { status: 200, body: { ok: true } } : accept);
      }
      asked.push(`${url.pathname}${url.search}`);
      return json(info);
    }),
  );
  return { posted, asked };
}

function Where() {
  const l = useLocation();
  return <output data-testid="where">{`${l.pathname}${l.search}`}</output>;
}

function viewerOf(email: string): SessionValue {
  const viewer = {
    kind: 'USER',
    id: 'usr_1',
    name: email,
    instanceAdmin: false,
    user: { id: 'usr_1', email, displayName: email.split('@')[0] },
    orgs: [],
  } as unknown as Viewer;
  return { viewer, signOut: async () => undefined };
}

function renderAt(token: string, signedInAs?: string) {
  const onSessionChanged = vi.fn();
  const mock = mockClient((op) =>
    getOperationAST(op.query)?.name?.value === 'ViewerOrgs'
      ? {
          viewer: {
            __typename: 'Viewer',
            id: 'usr_9',
            orgs: [
              { __typename: 'Org', id: 'org_1', slug: 'demo', name: 'Demo' },
              { __typename: 'Org', id: 'org_2', slug: 'other', name: 'Other' },
            ],
          },
        }
      : {},
  );
  const page = (
    <MemoryRouter initialEntries={[`/invite/${token}`]}>
      <Routes>
        <Route path="/invite/:token" element={<InvitePage onSessionChanged={onSessionChanged} />} />
        <Route path="*" element={<p>elsewhere</p>} />
      </Routes>
      <Where />
    </MemoryRouter>
  );
  render(
    <Provider value={mock.client}>
      {signedInAs ? <SessionContext.Provider value={viewerOf(signedInAs)}>{page}</SessionContext.Provider> : page}
    </Provider>,
  );
  return { onSessionChanged, operations: mock.operations };
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

afterEach(() => vi.unstubAllGlobals());

describe('InvitePage', () => {
  it('says that a used, withdrawn or expired link no longer works, with a way to sign in', async () => {
    const server = serve(refusal(404, 'NOT_FOUND', 'invitation (it was used, withdrawn or has expired) not found'));
    renderAt('tok_used');
    const gone = await screen.findByTestId('invite-gone');
    expect(gone.textContent).toContain('This link no longer works. It was already used, withdrawn, or it has expired.');
    expect(screen.getByRole('link', { name: 'Go to the sign-in page' }).getAttribute('href')).toBe('/');
    expect(server.asked).toEqual(['/auth/invitation?token=tok_used']);
    expect(screen.queryByLabelText('Password')).toBeNull();
  });

  it('checks the new password before sending it: at least 12 characters, typed the same twice', async () => {
    const server = serve({ status: 200, body: JOIN });
    renderAt('tok_1');
    await screen.findByRole('heading', { name: 'Join Demo' });
    expect(screen.getByLabelText<HTMLInputElement>('E-mail').value).toBe('erin@example.com');
    type('Password', 'too short');
    type('Repeat the password', 'too short');
    fireEvent.click(screen.getByRole('button', { name: 'Join and sign in' }));
    const password = screen.getByLabelText('Password');
    expect(await screen.findByText('Use at least 12 characters (this one has 9).')).toBeTruthy();
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(password.getAttribute('aria-describedby')).toBe('invite-password-hint invite-password-error');

    type('Password', 'a long enough passphrase');
    type('Repeat the password', 'a long enough passfrase');
    fireEvent.click(screen.getByRole('button', { name: 'Join and sign in' }));
    expect(await screen.findByText('The two passwords differ.')).toBeTruthy();
    expect(screen.getByLabelText('Repeat the password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBeNull();
    expect(server.posted).toEqual([]);
  });

  it('shows the server’s refusal of the password beside it', async () => {
    const server = serve({ status: 200, body: JOIN }, refusal(400, 'VALIDATION', 'invalid password: must not be your e-mail address', 'password'));
    renderAt('tok_1');
    await screen.findByLabelText('Password');
    type('Password', 'a long enough passphrase');
    type('Repeat the password', 'a long enough passphrase');
    fireEvent.click(screen.getByRole('button', { name: 'Join and sign in' }));
    expect((await screen.findByText('invalid password: must not be your e-mail address')).id).toBe('invite-password-error');
    expect(server.posted).toHaveLength(1);
    expect(screen.getByTestId('where').textContent).toBe('/invite/tok_1');
  });

  it('shows any other refusal as an alert, in the server’s words', async () => {
    serve(
      { status: 200, body: JOIN },
      refusal(403, 'FORBIDDEN', 'forbidden: an account with this e-mail address already exists: sign in as it, then open the link again'),
    );
    renderAt('tok_1');
    await screen.findByLabelText('Password');
    type('Password', 'a long enough passphrase');
    type('Repeat the password', 'a long enough passphrase');
    fireEvent.click(screen.getByRole('button', { name: 'Join and sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'forbidden: an account with this e-mail address already exists: sign in as it, then open the link again',
    );
  });

  it('sets the password with the display name, then goes to the organization the link named as a new session', async () => {
    const server = serve({ status: 200, body: JOIN });
    const { onSessionChanged, operations } = renderAt('tok_1');
    await screen.findByLabelText('Password');
    type('Display name (optional)', '  Erin Reyes ');
    type('Password', 'a long enough passphrase');
    type('Repeat the password', 'a long enough passphrase');
    fireEvent.click(screen.getByRole('button', { name: 'Join and sign in' }));
    await waitFor(() => expect(onSessionChanged).toHaveBeenCalledTimes(1));
    expect(server.posted).toEqual([
      { path: '/auth/invitation', body: { token: 'tok_1', password: 'a long enough passphrase', displayName: 'Erin Reyes' } },
    ]);
    expect(operations.map((op) => getOperationAST(op.query)?.name?.value)).toEqual(['ViewerOrgs']);
    expect(operations[0]!.context.requestPolicy).toBe('network-only');
    expect(screen.getByTestId('where').textContent).toBe('/orgs/demo');
  });

  it('on a reset link asks for the new password only, and says the current one works until then', async () => {
    const server = serve({ status: 200, body: { ...JOIN, purpose: 'reset' } });
    const { onSessionChanged } = renderAt('tok_r');
    await screen.findByRole('heading', { name: 'Choose a new password' });
    expect(screen.getByText(/The current one works until you choose it/)).toBeTruthy();
    expect(screen.queryByLabelText('Display name (optional)')).toBeNull();
    type('New password', 'another long passphrase');
    type('Repeat the password', 'another long passphrase');
    fireEvent.click(screen.getByRole('button', { name: 'Set the password and sign in' }));
    await waitFor(() => expect(onSessionChanged).toHaveBeenCalled());
    expect(server.posted[0]!.body).toEqual({ token: 'tok_r', password: 'another long passphrase' });
  });

  it('sends someone who has an account to sign in, coming back to this link as them', async () => {
    serve({ status: 200, body: { ...JOIN, setsPassword: false } });
    renderAt('tok_2');
    expect((await screen.findByTestId('invite-existing-account')).textContent).toBe(
      'There is an account for erin@example.com already. Sign in as erin@example.com first, then accept the invitation here.',
    );
    expect(screen.queryByLabelText('Password')).toBeNull();
    const link = screen.getByRole('link', { name: 'Sign in to accept' });
    expect(link.getAttribute('href')).toBe('/sign-in?returnTo=%2Finvite%2Ftok_2&email=erin%40example.com');
  });

  it('signed in as the person invited, accepts without a password and goes to the organization', async () => {
    const server = serve({ status: 200, body: { ...JOIN, organization: 'Other', setsPassword: false } }, { status: 200, body: { user: { id: 'usr_1' } } });
    const { onSessionChanged } = renderAt('tok_3', 'Erin@Example.com');
    fireEvent.click(await screen.findByRole('button', { name: 'Accept the invitation' }));
    await waitFor(() => expect(onSessionChanged).toHaveBeenCalledTimes(1));
    expect(server.posted).toEqual([{ path: '/auth/invitation', body: { token: 'tok_3' } }]);
    expect(screen.getByTestId('where').textContent).toBe('/orgs/other');
  });

  it('signed in as someone else, offers to sign out and sign in as the person invited', async () => {
    const server = serve({ status: 200, body: { ...JOIN, setsPassword: false } });
    const { onSessionChanged } = renderAt('tok_4', 'alice@demo.test');
    expect(await screen.findByText('You are signed in as alice@demo.test.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Sign out, then sign in as erin@example.com' }));
    await waitFor(() => expect(onSessionChanged).toHaveBeenCalledTimes(1));
    expect(server.posted).toEqual([{ path: '/auth/logout', body: {} }]);
    expect(screen.getByTestId('where').textContent).toBe('/sign-in?returnTo=%2Finvite%2Ftok_4&email=erin%40example.com');
  });

  it('says when a reset link cannot set the password of an account of several organizations', async () => {
    serve({ status: 200, body: { ...JOIN, purpose: 'reset', setsPassword: false } });
    renderAt('tok_5');
    expect((await screen.findByTestId('invite-cannot-reset')).textContent).toContain('that account belongs to other organizations too');
    expect(screen.queryByRole('button')).toBeNull();
  });
});
