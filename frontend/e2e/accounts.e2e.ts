// Local accounts in a real browser against the demo server. The demo administrator invites a
// new address (one per run) as an operator through the Invitations panel and copies the link,
// shown once. In a fresh browser the invitee opens it signed out, chooses a password (a repeat
// that differs is caught first) and lands signed in, in the organization, with the operator's
// rights: plans may be proposed, roles not bound. Signed out, they sign in again with the
// password on the sign-in page (a wrong one is refused in the server's words), change it on
// their account page (a wrong current password is refused beside its field), and find the used
// link saying it no longer works. A reset link made for a demo member sets their password the
// same way, and a revoked invitation stops working at once.
//
// Refusals the test asks for on purpose (a wrong password, the used link) make the browser log
// "Failed to load resource" with their status: those, and only those, are not counted as errors.

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BASE_URL, browserSession, forgiveRefusals, gql, overflowsHorizontally, shoot, shootElement, signIn, unlabelledControls, visitor } from './support';

const session = browserSession();

async function openAdmin(page: Page) {
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Administration' }).waitFor();
}

describe('local accounts', () => {
  it('an invited operator chooses a password, signs in with it, and the used link says so', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const admin = alice.page;
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
    await openAdmin(admin);
    const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const email = `invitee-${suffix}@example.com`;
    const displayName = `Erin ${suffix}`;
    const password = `correct horse ${suffix}`;

    // The invitation, through the panel: the link is shown once, as a full address, and copied.
    const panel = admin.getByRole('region', { name: 'Invitations' });
    const form = panel.getByRole('form', { name: 'Invite someone' });
    await form.getByLabel('E-mail').fill(email);
    await form.getByLabel('Role').selectOption('operator');
    expect(await form.getByLabel('Scope').inputValue()).toBe('');
    await form.getByRole('button', { name: 'Make an invitation link' }).click();
    const box = panel.getByTestId('invitation-link');
    await box.waitFor();
    const link = (await box.getByTestId('invitation-link-secret').textContent())!;
    expect(link).toMatch(new RegExp(`^${BASE_URL.replace(/[.:/]/g, '\\$&')}/invite/[A-Za-z0-9_-]{20,}$`));
    expect(await box.textContent()).toContain(`joins as ${email} with the role operator`);
    const copy = box.getByRole('button', { name: 'Copy' });
    await copy.click();
    await expect.poll(() => box.getByRole('button', { name: /^Cop/ }).textContent()).toBe('Copied');
    expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(link);
    const pending = panel.getByRole('table', { name: 'Links not yet used' }).getByRole('row').filter({ hasText: email });
    await pending.waitFor();
    expect((await pending.locator('td').allTextContents()).slice(0, 3)).toEqual(['invitation', email, 'operator']);
    expect(await unlabelledControls(admin)).toEqual([]);
    await shootElement(panel, 'admin-invitations');
    await box.getByRole('button', { name: 'I have stored it' }).click();
    await box.waitFor({ state: 'detached' });
    expect(await admin.content()).not.toContain(link);

    // The invitee, in a browser of their own, signed out.
    const erin = session.track(await visitor(session.browser));
    const { page } = erin;
    await page.goto(link);
    await page.getByRole('heading', { name: 'Join Demo' }).waitFor();
    const accept = page.getByRole('form', { name: 'Choose your password' });
    expect(await accept.getByLabel('E-mail').inputValue()).toBe(email);
    await accept.getByLabel('Display name (optional)').fill(displayName);
    await accept.getByLabel('Password', { exact: true }).fill(password);
    await accept.getByLabel('Repeat the password').fill(`${password}!`);
    await accept.getByRole('button', { name: 'Join and sign in' }).click();
    expect(await page.locator('#invite-repeat-error').textContent()).toBe('The two passwords differ.');
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, 'invitation-accept', false);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowsHorizontally(page)).toBe(false);
    await page.setViewportSize({ width: 1366, height: 900 });
    await accept.getByLabel('Repeat the password').fill(password);
    await accept.getByRole('button', { name: 'Join and sign in' }).click();

    // Signed in, in the organization, as themselves, with the operator's rights.
    await page.waitForURL(/\/orgs\/demo\/projects\/[^/]+\/chat$/);
    await expect.poll(() => page.getByTestId('viewer-name').textContent()).toBe(displayName);
    expect(await page.getByTestId('viewer-name').getAttribute('title')).toBe(email);
    await page.getByRole('link', { name: 'Plans', exact: true }).click();
    await page.getByRole('heading', { name: 'Plans', exact: true }).waitFor();
    await page.getByRole('button', { name: 'New plan' }).waitFor();
    const { org } = await gql<{ org: { propose: boolean; bind: boolean } }>(
      page,
      'query { org(slug: "demo") { propose: viewerCan(operation: "plan.propose") bind: viewerCan(operation: "role.bind") } }',
    );
    expect(org).toEqual({ propose: true, bind: false });
    await openAdmin(page);
    await page.getByRole('region', { name: 'Members and roles' }).waitFor();
    expect(await page.getByRole('region', { name: 'Invitations' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Bind role' }).count()).toBe(0);
    await shoot(page, 'invitation-accepted', false);

    // The administrator's list no longer has the link.
    await admin.reload();
    await admin.getByRole('table', { name: 'Links not yet used' }).or(admin.getByText('No pending links.')).first().waitFor();
    expect(await panel.getByRole('row').filter({ hasText: email }).count()).toBe(0);

    // Signed out, then in again with the password; a wrong one is refused first.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Praetor' }).waitFor();
    const signInForm = page.getByRole('form', { name: 'Sign in with a password' });
    await signInForm.getByLabel('E-mail').fill(email);
    await signInForm.getByLabel('Password').fill(`${password}-wrong`);
    await signInForm.getByRole('button', { name: 'Sign in' }).click();
    const refused = page.getByTestId('password-error');
    await refused.waitFor();
    expect(await refused.getAttribute('role')).toBe('alert');
    expect(await refused.textContent()).toBe('wrong e-mail address or password');
    expect(await signInForm.getByLabel('Password').inputValue()).toBe('');
    await shoot(page, 'sign-in-password-refused', false);
    await signInForm.getByLabel('Password').fill(password);
    await signInForm.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('viewer-name').textContent()).toBe(displayName);
    await page.waitForURL(/\/orgs\/demo\/projects\/[^/]+\/chat$/);

    // The account page, from the name: a wrong current password is refused beside it.
    await page.getByTestId('viewer-name').click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const change = page.getByRole('form', { name: 'Change your password' });
    const next = `battery staple ${suffix}`;
    await change.getByLabel('Current password').fill('not my password at all');
    await change.getByLabel('New password', { exact: true }).fill(next);
    await change.getByLabel('Repeat the new password').fill(next);
    await change.getByRole('button', { name: 'Change password' }).click();
    expect(await page.locator('#password-current-error').textContent()).toBe('invalid current: is not your current password');
    await change.getByLabel('Current password').fill(password);
    await change.getByRole('button', { name: 'Change password' }).click();
    await change.getByRole('status').waitFor();
    expect(await change.getByLabel('New password', { exact: true }).inputValue()).toBe('');
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, 'account-password-changed', false);
    // The new password signs in; the old one no longer does.
    const attempt = (p: string) => page.request.post('/auth/password', { data: { email, password: p }, headers: { origin: BASE_URL } });
    expect((await attempt(password)).status()).toBe(401);
    expect((await attempt(next)).status()).toBe(200);

    // The used link says so.
    await page.goto(link);
    const gone = page.getByTestId('invite-gone');
    await gone.waitFor();
    expect(await gone.textContent()).toContain('This link no longer works. It was already used, withdrawn, or it has expired.');
    await page.getByRole('link', { name: 'Go to the start page' }).waitFor();
    await shoot(page, 'invitation-used', false);

    forgiveRefusals(erin, [400, 401, 404]);
  });

  it('a reset link sets a member’s password; unlocking says so; a revoked invitation stops working', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const admin = alice.page;
    await openAdmin(admin);
    const panel = admin.getByRole('region', { name: 'Invitations' });
    const passwords = panel.getByRole('form', { name: 'Members’ passwords' });
    const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

    // The members are suggested by address.
    await passwords.locator('#member-emails option[value="bob@demo.test"]').waitFor({ state: 'attached' });
    await passwords.getByLabel('Member’s e-mail').fill('bob@demo.test');
    await passwords.getByRole('button', { name: 'Unlock' }).click();
    expect(await panel.getByTestId('unlock-done').textContent()).toContain('Unlocked bob@demo.test');
    await passwords.getByLabel('Member’s e-mail').fill('bob@demo.test');
    await passwords.getByRole('button', { name: 'Make a reset link' }).click();
    const box = panel.getByTestId('reset-link');
    await box.waitFor();
    const link = (await box.getByTestId('reset-link-secret').textContent())!;
    expect(await box.textContent()).toContain('Password reset link for bob@demo.test');
    const row = panel.getByRole('table', { name: 'Links not yet used' }).getByRole('row').filter({ hasText: 'bob@demo.test' }).first();
    await row.waitFor();
    expect((await row.locator('td').allTextContents()).slice(0, 3)).toEqual(['password reset', 'bob@demo.test', '—']);
    await box.getByRole('button', { name: 'I have stored it' }).click();

    // Bob, signed out, chooses a new password and is signed in as himself.
    const bob = session.track(await visitor(session.browser));
    await bob.page.goto(link);
    await bob.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    const form = bob.page.getByRole('form', { name: 'Choose a new password' });
    expect(await form.getByLabel('Display name (optional)').count()).toBe(0);
    const password = `bob's new passphrase ${suffix}`;
    await form.getByLabel('New password').fill(password);
    await form.getByLabel('Repeat the password').fill(password);
    await form.getByRole('button', { name: 'Set the password and sign in' }).click();
    await bob.page.waitForURL(/\/orgs\/demo\/projects\/[^/]+\/chat$/);
    expect(await bob.page.getByTestId('viewer-name').getAttribute('title')).toBe('bob@demo.test');
    const attempt = await bob.page.request.post('/auth/password', { data: { email: 'bob@demo.test', password } });
    expect(attempt.status()).toBe(200);

    // An invitation revoked after the confirmation: its link stops working.
    const invite = panel.getByRole('form', { name: 'Invite someone' });
    const email = `revoked-${suffix}@example.com`;
    await invite.getByLabel('E-mail').fill(email);
    await invite.getByLabel('Role').selectOption('viewer');
    await invite.getByRole('button', { name: 'Make an invitation link' }).click();
    const made = panel.getByTestId('invitation-link');
    const revokedLink = (await made.getByTestId('invitation-link-secret').textContent())!;
    await made.getByRole('button', { name: 'I have stored it' }).click();
    await panel.getByRole('button', { name: `Revoke the invitation for ${email}` }).click();
    const confirm = panel.getByRole('dialog', { name: `Revoke the invitation for ${email}?` });
    await shootElement(confirm, 'admin-invitation-revoke');
    await confirm.getByRole('button', { name: 'Revoke link' }).click();
    expect(await panel.getByTestId('invitation-done').textContent()).toBe(`Revoked the invitation for ${email}: its link no longer works.`);
    await expect.poll(() => panel.getByRole('row').filter({ hasText: email }).count()).toBe(0);
    const stranger = session.track(await visitor(session.browser));
    await stranger.page.goto(revokedLink);
    await stranger.page.getByTestId('invite-gone').waitFor();
    await stranger.page.getByRole('link', { name: 'Go to the sign-in page' }).click();
    await stranger.page.getByRole('heading', { name: 'Sign in to Praetor' }).waitFor();

    forgiveRefusals(stranger, [404]);
  });
});
