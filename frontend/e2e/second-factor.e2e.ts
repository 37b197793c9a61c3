// Two-step sign-in in a real browser against the demo server. A person invited by the demo
// administrator (one new address per run) chooses a password on the link and, on their account
// page, turns two-step sign-in on: the password, then the key shown as text (the QR code beside
// it) goes into an authenticator (here the `otpauth` package), whose code confirms it, and the
// ten recovery codes are shown once. Signed out, signing in with the password asks for a code;
// a wrong one is refused in the server's words, a recovery code lets them in, and is used up.
// At last they turn it off with a fresh code from the authenticator.
//
// The server takes a code once per 30-second step: the second code from the authenticator waits
// for a step after the one that turned it on. Refusals the test asks for on purpose (the code
// asked for, the wrong code) make the browser log "Failed to load resource" with their status:
// those, and only those, are not counted as errors.

import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession, forgiveRefusals, gql, shoot, shootElement, signIn, unlabelledControls, visitor } from './support';

const session = browserSession();

/** The authenticator app: codes for the key the account page showed. */
function authenticator(secret: string) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
}

/** Six digits that are not a code of the steps around now (the server may allow a step of drift). */
function wrongCode(totp: OTPAuth.TOTP): string {
  const near = [-30_000, 0, 30_000].map((d) => totp.generate({ timestamp: Date.now() + d }));
  for (let n = 0; ; n += 1) {
    const candidate = String((Number(near[1]) + 500_000 + n) % 1_000_000).padStart(6, '0');
    if (!near.includes(candidate)) return candidate;
  }
}

/** A code of a step after `used` (waiting for the next step when needed): each is taken once. */
async function freshCode(totp: OTPAuth.TOTP, used: number): Promise<{ code: string; step: number }> {
  while (totp.counter() <= used) await new Promise((r) => setTimeout(r, Math.min(totp.remaining() + 250, 31_000)));
  const step = totp.counter();
  return { code: totp.generate(), step };
}

async function openAccount(page: Page) {
  await page.getByTestId('viewer-name').click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
}

describe('two-step sign-in', () => {
  it('is turned on with an authenticator, asked for at sign-in, passed with a recovery code, and turned off', async () => {
    const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const email = `two-step-${suffix}@example.com`;
    const password = `correct horse ${suffix}`;

    // The demo administrator invites a new person; they choose a password on the link.
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { inviteMember } = await gql<{ inviteMember: { link: string } }>(
      alice.page,
      'mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { link } }',
      { input: { org: 'demo', email, role: 'operator', project: null } },
    );
    const person = session.track(await visitor(session.browser));
    const { page } = person;
    await page.goto(inviteMember.link);
    const accept = page.getByRole('form', { name: 'Choose your password' });
    await accept.getByLabel('Password', { exact: true }).fill(password);
    await accept.getByLabel('Repeat the password').fill(password);
    await accept.getByRole('button', { name: 'Join and sign in' }).click();
    await page.waitForURL(/\/orgs\/demo\/projects\/[^/]+\/chat$/);

    // On the account page, two-step sign-in is off; turning it on asks for the password first.
    await openAccount(page);
    const section = page.getByRole('region', { name: 'Two-step sign-in' });
    await expect.poll(() => section.getByTestId('second-factor-state').textContent()).toBe('Off Signing in takes your password alone.');
    await page.getByRole('form', { name: 'Change your password' }).waitFor();
    await section.getByRole('button', { name: 'Turn on' }).click();
    const ask = section.getByRole('form', { name: 'Turn on two-step sign-in' });
    await ask.getByLabel('Your password').fill(password);
    const next = ask.getByRole('button', { name: 'Continue' });
    await expect.poll(() => next.isEnabled()).toBe(true);
    await next.click();

    // The key, as a QR code and as text; the authenticator's code confirms it.
    const confirm = section.getByRole('form', { name: 'Confirm two-step sign-in' });
    await confirm.getByTestId('totp-qr').locator('svg').waitFor();
    const secret = (await confirm.getByTestId('totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}=*$/);
    expect(await unlabelledControls(page)).toEqual([]);
    await shootElement(section, 'account-two-step-setup');
    const totp = authenticator(secret);
    const enabling = await freshCode(totp, -1);
    await confirm.getByLabel('Code from the app').fill(enabling.code);
    const turnOn = confirm.getByRole('button', { name: 'Turn on' });
    await expect.poll(() => turnOn.isEnabled()).toBe(true);
    await turnOn.click();

    // The recovery codes, once.
    const box = section.getByTestId('recovery-codes');
    await box.waitFor();
    const codes = (await box.getByTestId('recovery-codes-secret').innerText()).split('\n').map((c) => c.trim()).filter(Boolean);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await box.textContent()).toContain('it will not be shown again');
    await shootElement(box, 'account-recovery-codes');
    await box.getByRole('button', { name: 'Done' }).click();
    await box.waitFor({ state: 'detached' });
    await expect.poll(() => section.getByTestId('second-factor-state').textContent()).toBe('On — 10 recovery codes left');
    expect(await page.content()).not.toContain(codes[0]!);

    // Signed out, the password alone is not enough: the page asks for a code.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Praetor' }).waitFor();
    const form = page.getByRole('form', { name: 'Sign in with a password' });
    await form.getByLabel('E-mail').fill(email);
    await form.getByLabel('Password').fill(password);
    const signInButton = form.getByRole('button', { name: 'Sign in' });
    await signInButton.click();
    const code = form.getByLabel('Code from your authenticator app');
    await code.waitFor();
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await code.getAttribute('inputmode')).toBe('text');
    expect(await form.getByLabel('Password').inputValue()).toBe(password);
    await shoot(page, 'sign-in-code-asked', false);

    // A wrong code is refused in the server's words, and the code asked for again.
    await code.fill(wrongCode(totp));
    await expect.poll(() => signInButton.isEnabled()).toBe(true);
    await signInButton.click();
    const refused = page.getByTestId('password-error');
    await refused.waitFor();
    expect(await refused.textContent()).toBe('wrong code: enter the current code from your authenticator app, or an unused recovery code');
    expect(await code.inputValue()).toBe('');
    expect(await page.getByTestId('viewer-name').count()).toBe(0);

    // A recovery code lets them in, once.
    await code.fill(codes[0]!);
    await expect.poll(() => signInButton.isEnabled()).toBe(true);
    await signInButton.click();
    await page.getByTestId('viewer-name').waitFor();
    await expect.poll(() => page.getByTestId('viewer-name').getAttribute('title')).toBe(email);
    await openAccount(page);
    await expect.poll(() => section.getByTestId('second-factor-state').textContent()).toBe('On — 9 recovery codes left');
    const reuse = await page.request.post('/auth/password', { data: { email, password, code: codes[0] } });
    expect(reuse.status()).toBe(401);
    expect(((await reuse.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('SECOND_FACTOR_WRONG');

    // Turned off with the password and a fresh code from the authenticator.
    await section.getByRole('button', { name: 'Turn off…' }).click();
    const off = section.getByRole('form', { name: 'Turn off two-step sign-in' });
    await off.getByLabel('Your password').fill(password);
    await off.getByLabel('Code from your authenticator app').fill((await freshCode(totp, enabling.step)).code);
    const turnOff = off.getByRole('button', { name: 'Turn off' });
    await expect.poll(() => turnOff.isEnabled()).toBe(true);
    await turnOff.click();
    await section.getByTestId('two-step-done').waitFor();
    await expect.poll(() => section.getByTestId('second-factor-state').textContent()).toBe('Off Signing in takes your password alone.');
    const passwordOnly = await page.request.post('/auth/password', { data: { email, password } });
    expect(passwordOnly.status()).toBe(200);

    forgiveRefusals(person, [401]);
  });
});
