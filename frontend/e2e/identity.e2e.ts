// Signing in at an organization's identity provider, in a real browser against a real OpenID
// Connect provider (tests/idp/idp.mjs: panva's oidc-provider on 127.0.0.1, started here with a
// web client whose redirect URI is this server's callback, and one person, dana@example.com,
// in the provider group `platform-sre`; the demo server allows providers on private addresses).
//
// The demo administrator makes a group with the operator role, adds the provider through the
// admin panel (a wrong issuer is refused beside its field first) and maps `platform-sre` onto
// the group. Then, in a fresh browser, Dana, unknown to Praetor, opens a deep link, finds the
// provider by the organization's short name, signs in at the provider's own form and lands on
// that link as herself with the operator's rights. Signing out ends her session at the
// provider too and comes back to the sign-in page, which remembers the organization; the
// callback replayed (its state works once) comes back with the reason shown. Disabling the
// provider takes it off the sign-in page; deleting it ends the sessions begun at it and the
// group memberships synced from it.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_URL, browserSession, gql, overflowsHorizontally, shoot, shootElement, signIn, unlabelledControls, visitor } from './support';

const session = browserSession();

const IDP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'idp');
const CALLBACK = `${BASE_URL}/auth/oidc/callback`;
/** Where the provider sends people back after signing out there: registered with it below. */
const SIGNED_OUT = `${BASE_URL}/`;
const CLIENT = { id: 'praetor-e2e', secret: 'praetor-e2e-client-secret-0123456789' };
const DANA = { email: 'dana@example.com', name: 'Dana Scully', password: 'dana-password', group: 'platform-sre' };

interface Idp {
  issuer: string;
  stop: () => void;
}

/** Starts the test IdP on a free port and waits until it listens. */
async function startIdp(): Promise<Idp> {
  if (!existsSync(join(IDP_DIR, 'node_modules', 'oidc-provider', 'package.json'))) {
    throw new Error('tests/idp has no packages: run `npm ci` in tests/idp (scripts/test-frontend does)');
  }
  const config = {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [CALLBACK],
        post_logout_redirect_uris: [SIGNED_OUT],
        grant_types: ['authorization_code', 'refresh_token'],
      },
    ],
    users: [{ sub: 'dana', email: DANA.email, email_verified: true, name: DANA.name, groups: [DANA.group], password: DANA.password }],
  };
  const child: ChildProcess = spawn(process.execPath, ['idp.mjs'], {
    cwd: IDP_DIR,
    env: { ...process.env, IDP_CONFIG: JSON.stringify(config), PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the test IdP did not start within 20 s: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the test IdP exited (${code}): ${stderr}`));
    });
  });
  return { issuer: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let idp: Idp;
beforeAll(async () => {
  idp = await startIdp();
});
afterAll(() => idp?.stop());

async function openAdmin(page: Page) {
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Administration' }).waitFor();
}

/** The members of group `name`, as the administrator of `page` sees them. */
async function membersOf(page: Page, name: string): Promise<string[]> {
  // By id: a page of groups with their members would pass the complexity limit.
  const { org } = await gql<{ org: { groups: { nodes: { id: string; name: string }[] } } }>(
    page,
    'query { org(slug: "demo") { groups(first: 100) { nodes { id name } } } }',
  );
  const id = org.groups.nodes.find((g) => g.name === name)!.id;
  const { node } = await gql<{ node: { members: { email: string }[] } }>(
    page,
    'query($id: ID!) { node(id: $id) { ... on Group { members { email } } } }',
    { id },
  );
  return node.members.map((m) => m.email);
}

/** The providers the sign-in page would offer for the demo organization. */
async function offered(page: Page): Promise<string[]> {
  const res = await page.request.get('/auth/providers?org=demo');
  return ((await res.json()) as { providers: { name: string }[] }).providers.map((p) => p.name);
}

describe('identity providers', () => {
  it('an admin adds a provider and maps a group; a new person signs in there with the group’s role', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const admin = alice.page;
    await openAdmin(admin);
    const suffix = Date.now().toString(36);
    const group = `idp-sre-${suffix}`;
    const name = `Test IdP ${suffix}`;

    // A group whose members are operators across the organization.
    await admin.getByLabel('New group').fill(group);
    await admin.getByRole('button', { name: 'Create group' }).click();
    await admin.getByTestId(`group-${group}`).waitFor();
    const roles = admin.getByRole('region', { name: 'Members and roles' });
    await roles.getByLabel('Role', { exact: true }).selectOption('operator');
    await roles.getByLabel('Subject', { exact: true }).selectOption('group');
    await roles.getByLabel('Group', { exact: true }).selectOption({ label: group });
    await roles.getByRole('button', { name: 'Bind role' }).click();
    const binding = roles.getByRole('row').filter({ hasText: `${group} (group)` });
    await binding.waitFor();
    expect(await binding.locator('td').allTextContents()).toEqual([`${group} (group)`, 'operator', 'whole organization', 'Remove']);

    // The provider, through the panel: a wrong issuer is refused beside its field.
    const panel = admin.getByRole('region', { name: 'Identity providers' });
    const form = panel.getByRole('form', { name: 'Add an identity provider' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    const issuer = form.getByLabel('Issuer URL');
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    await issuer.fill(nowhere);
    await form.getByLabel('Client ID', { exact: true }).fill(CLIENT.id);
    const secret = form.getByLabel('Client secret');
    await secret.fill(CLIENT.secret);
    // The test IdP sends the groups claim only when the `groups` scope is asked for.
    expect(await form.getByLabel('Scopes').inputValue()).toBe('email profile');
    await form.getByLabel('Scopes').fill('email profile groups');
    expect(await form.getByLabel('Groups claim').inputValue()).toBe('groups');
    await form.getByLabel('Allowed e-mail domains').fill('example.com, demo.test');
    await form.getByLabel('Create people at their first sign-in').check();
    await form.getByRole('button', { name: 'Add identity provider' }).click();
    await expect.poll(() => issuer.getAttribute('aria-invalid')).toBe('true');
    const refused = panel.locator('#idp-issuer-error');
    expect(await refused.textContent()).toContain(`${nowhere}/.well-known/openid-configuration`);
    expect(await refused.evaluate((el) => el.closest('.field') === document.getElementById('idp-issuer')!.closest('.field'))).toBe(true);
    expect(await panel.getByRole('article').filter({ hasText: name }).count()).toBe(0);
    await shootElement(form, 'admin-identity-provider-refused');

    await issuer.fill(idp.issuer);
    // The secret was kept in the field; the browser never shows it.
    expect(await secret.getAttribute('type')).toBe('password');
    await form.getByRole('button', { name: 'Add identity provider' }).click();
    const item = panel.getByRole('article', { name });
    await item.waitFor();
    expect(await panel.getByTestId('idp-done').textContent()).toBe(
      `Added the identity provider ${name}. Register its redirect URI, ${CALLBACK}, and its sign-out redirect URI, ${SIGNED_OUT}, at the provider.`,
    );
    expect(await issuer.inputValue()).toBe('');
    expect(await secret.inputValue()).toBe('');
    const facts = Object.fromEntries(
      await item
        .locator('dl.facts > div')
        .evaluateAll((rows) => rows.map((r) => [r.querySelector('dt')!.textContent, r.querySelector('dd')!.textContent])),
    );
    expect(facts).toMatchObject({
      Issuer: idp.issuer,
      'Client ID': CLIENT.id,
      Scopes: 'openid email groups profile',
      'Groups claim': 'groups',
      'E-mail domains': 'demo.test example.com',
      'New people': 'created at first sign-in',
      'API tokens': 'not accepted',
    });
    expect(facts['Client secret']).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(await item.locator('.badge').textContent()).toBe('enabled');
    expect(await item.getByTestId('idp-redirect-uri').textContent()).toBe(CALLBACK);
    expect(await item.getByTestId('idp-sign-out-uri').textContent()).toBe(SIGNED_OUT);
    expect(await admin.content()).not.toContain(CLIENT.secret);

    // `platform-sre` at the provider is the group here.
    await item.getByLabel('Provider group').fill(DANA.group);
    await item.getByLabel('Praetor group').selectOption(group);
    await item.getByRole('button', { name: 'Map group' }).click();
    const mappings = item.getByRole('table', { name: `Group mappings of ${name}` });
    await mappings.waitFor();
    expect(await mappings.locator('tbody tr').allTextContents()).toEqual([`${DANA.group}${group}Remove`]);
    expect(await unlabelledControls(admin)).toEqual([]);
    await shootElement(panel, 'admin-identity-providers');

    // On a phone the panel fits the screen.
    await admin.setViewportSize({ width: 390, height: 844 });
    expect(await overflowsHorizontally(admin)).toBe(false);
    await admin.setViewportSize({ width: 1366, height: 900 });

    // Dana, unknown to Praetor, follows a deep link: the sign-in page finds the provider by the
    // organization's short name (an unknown one has none) and sends her to it.
    const dana = session.track(await visitor(session.browser));
    const { page } = dana;
    // The test IdP has no icon: answered here, the browser logs no failed load on its pages.
    await dana.context.route(`${idp.issuer}/favicon.ico`, (route) => route.fulfill({ status: 204 }));
    let callback = '';
    page.on('request', (r) => {
      if (r.url().startsWith(CALLBACK)) callback = r.url();
    });
    await page.goto('/orgs/demo/projects/payments/plans');
    const orgField = page.getByLabel('Organization', { exact: true });
    expect(await orgField.inputValue()).toBe('');
    await orgField.fill('no-such-org');
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.getByTestId('no-providers').textContent()).toContain('No identity provider is set up for this organization');
    await orgField.fill('demo');
    await page.getByRole('button', { name: 'Continue' }).click();
    const signInLink = page.getByRole('link', { name: `Sign in with ${name}` });
    await signInLink.waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, 'sign-in-identity-provider', false);
    await signInLink.click();

    // The provider's own sign-in form.
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('#login').fill(DANA.email);
    await page.locator('#password').fill(DANA.password);
    await page.locator('#submit').click();

    // Back where she was going, as herself, with the operator's rights the group gives.
    await page.waitForURL(`${BASE_URL}/orgs/demo/projects/payments/plans`);
    expect(callback).toMatch(/[?&]state=/);
    await expect.poll(() => page.getByTestId('viewer-name').textContent()).toBe(DANA.name);
    expect(await page.getByTestId('viewer-name').getAttribute('title')).toBe(DANA.email);
    await page.getByRole('heading', { name: 'Plans', exact: true }).waitFor();
    await page.getByRole('button', { name: 'New plan' }).waitFor();
    expect(await page.getByRole('link', { name: 'Chat' }).count()).toBe(1);
    // The switcher's name is its label and its current choice ("Project Payments").
    const project = page.getByRole('combobox', { name: /^Project/ });
    expect(await project.locator('option').allTextContents()).toEqual(expect.arrayContaining(['Web', 'Payments']));
    expect(await project.inputValue()).toBe('payments');
    expect(await membersOf(admin, group)).toEqual([DANA.email]);
    await shoot(page, 'signed-in-at-identity-provider', false);

    // Signing out ends her session at the provider too, which sends her back to the sign-in
    // page: it remembers the organization and offers its provider at once.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${BASE_URL}/`);
    await signInLink.waitFor();
    expect(await orgField.inputValue()).toBe('demo');

    // The callback again: its state was used, so the server refuses it, and the sign-in page
    // says why, then takes the reason out of the address.
    await page.goto(callback);
    const alert = page.getByTestId('sign-in-error');
    await alert.waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toContain('this sign-in is unknown or was already used; start again');
    expect(await alert.textContent()).toContain('UNAUTHENTICATED');
    await expect.poll(() => page.url()).toBe(`${BASE_URL}/`);
    expect(await page.getByRole('heading', { name: 'Sign in to Praetor' }).count()).toBe(1);
    await shoot(page, 'sign-in-error', false);

    // A disabled provider is not offered; enabled again, it is.
    await item.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => item.locator('.badge').textContent()).toBe('disabled');
    expect(await offered(page)).not.toContain(name);
    await item.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => item.locator('.badge').textContent()).toBe('enabled');
    expect(await offered(page)).toContain(name);

    // Signed in there again (the provider asks again: its session ended), then the provider is
    // deleted: her session ends, and the membership synced from it goes.
    await signInLink.click();
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('#login').fill(DANA.email);
    await page.locator('#password').fill(DANA.password);
    await page.locator('#submit').click();
    await expect.poll(() => page.getByTestId('viewer-name').textContent()).toBe(DANA.name);
    // Off the app before its session is ended under it.
    await page.goto('about:blank');
    await item.getByRole('button', { name: 'Delete…' }).click();
    const confirm = item.getByRole('dialog', { name: `Delete the identity provider ${name}?` });
    const warning = (await confirm.textContent())!;
    expect(warning).toContain('sessions begun at it end now');
    expect(warning).toContain('the group memberships synced from it are removed');
    await confirm.getByRole('button', { name: 'Delete identity provider' }).click();
    await panel.getByRole('article', { name }).waitFor({ state: 'detached' });
    expect(await panel.getByTestId('idp-done').textContent()).toBe(`Deleted the identity provider ${name}.`);
    expect(await membersOf(admin, group)).toEqual([]);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to Praetor' }).waitFor();
    expect(await offered(page)).not.toContain(name);
  });
});
