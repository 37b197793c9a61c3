// Tests of changing one's password: the new one is checked before it is sent (the current one
// given, 12+ characters, typed the same twice); the server's refusal of the current or the new
// password is shown beside that field; any other refusal is an alert; a change empties the form
// and says it is done.

import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangePasswordForm } from './AccountPage';

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
