// Webhooks and inbound triggers in a real browser, as the demo administrator: a trigger made
// for the demo's `release` template (proposing as a service account made here, the demo has
// none, that may read but not propose) shows its secret once, and that secret, not another,
// signs requests: they pass the signature check and reach the proposal, which RBAC refuses.
// Disabling refuses them; rotating stops the old secret at once. A webhook endpoint at a private address is refused
// beside the URL field (the demo server allows only public ones); one at a public IP literal is
// made, its secret shown once, and "Send test" puts a `webhook.test` delivery in its log.
// Nothing is really delivered there, so only what does not depend on the network is asserted.

import { createHmac, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BASE_URL, browserSession, gql, overflowsHorizontally, shoot, shootElement, signIn, unlabelledControls } from './support';

const session = browserSession();

/** POSTs `{}` to a trigger signed with `secret` the Standard Webhooks way; answers status and code. */
async function callTrigger(page: Page, url: string, secret: string): Promise<{ status: number; code: string }> {
  const id = `e2e-${randomBytes(8).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const body = '{}';
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  const res = await page.request.post(url, {
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` },
    data: body,
  });
  const answer = (await res.json().catch(() => ({}))) as { code?: string };
  return { status: res.status(), code: answer.code ?? '' };
}

async function openAdmin(page: Page) {
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Administration' }).waitFor();
}

describe('inbound triggers', () => {
  it('makes a trigger for a demo template, shows its secret once, and the secret signs requests', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    await openAdmin(page);
    const suffix = Date.now().toString(36);

    // The demo has no service account: make one for the trigger to propose as.
    const account = `e2e-trigger-${suffix}`;
    await page.getByLabel('Service account name').fill(account);
    await page.getByRole('button', { name: 'Create service account' }).click();

    const triggers = page.getByRole('region', { name: 'Inbound triggers' });
    const proposesAs = triggers.getByLabel('Proposes as');
    await proposesAs.locator(`option[value="${account}"]`).waitFor({ state: 'attached' });
    // It may read the project but not propose: a request that passes the signature check is
    // then refused by RBAC, which tells it apart from one that does not.
    const { org } = await gql<{ org: { serviceAccounts: { nodes: { id: string; name: string }[] } } }>(
      page,
      'query($org: String!) { org(slug: $org) { serviceAccounts(first: 100) { nodes { id name } } } }',
      { org: 'demo' },
    );
    const accountId = org.serviceAccounts.nodes.find((s) => s.name === account)!.id;
    await gql(page, 'mutation($input: BindRoleInput!) { bindRole(input: $input) { id } }', {
      input: { org: 'demo', role: 'viewer', subject: { serviceAccountId: accountId }, project: 'web' },
    });
    const name = `release-${suffix}`;
    await triggers.getByLabel('Trigger name').fill(name);
    await triggers.getByLabel('Project', { exact: true }).selectOption('web');
    // The template is chosen from the project's policy: the demo's `release` runbook.
    const template = triggers.getByLabel('Plan template');
    await template.locator('option[value="release"]').waitFor({ state: 'attached' });
    await template.selectOption('release');
    expect(await triggers.locator('#trigger-template-hint').textContent()).toBe('Deploy to staging, then to production');
    await proposesAs.selectOption(account);

    // Arguments that are not a JSON object are refused beside their field; nothing is sent.
    const args = triggers.getByLabel('Fixed arguments (JSON object)');
    await args.fill('{"service": web}');
    await triggers.getByRole('button', { name: 'Create trigger' }).click();
    expect(await triggers.locator('#trigger-args-error').textContent()).toMatch(/^not valid JSON: /);
    expect(await args.getAttribute('aria-invalid')).toBe('true');
    expect(await triggers.getByRole('article', { name }).count()).toBe(0);
    await args.fill('{"service": "web"}');
    await triggers.getByRole('button', { name: 'Create trigger' }).click();

    const box = triggers.getByRole('dialog', { name: `Secret of the new trigger ${name}` });
    const secret = (await box.getByTestId('trigger-secret-secret').textContent())!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(await box.textContent()).toContain('Store it now: it will not be shown again');
    const url = (await box.getByTestId('trigger-url').textContent())!;
    expect(url).toMatch(new RegExp(`^${BASE_URL.replace(/[.]/g, '\\.')}/hooks/trg_\\w+$`));
    const item = triggers.getByRole('article', { name });
    await item.waitFor();
    const text = (await item.textContent())!;
    for (const part of [url, 'web', 'release', account, 'enabled', '{"service":"web"}']) expect(text).toContain(part);
    expect(await unlabelledControls(page)).toEqual([]);
    await shootElement(triggers, 'admin-triggers');

    // The secret shown is the one the server checks: signed with it, a request gets past the
    // signature to the proposal, which the account's role refuses; signed with any other, it
    // is refused as unsigned.
    expect(await callTrigger(page, url, secret)).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await callTrigger(page, url, `whsec_${randomBytes(32).toString('base64')}`)).toEqual({ status: 401, code: 'BAD_SIGNATURE' });

    await box.getByRole('button', { name: 'I have stored it' }).click();
    expect(await box.count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await triggers.getByRole('article', { name }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // Rotating takes a confirmation that says the old secret stops at once, and it does.
    await item.getByRole('button', { name: 'Rotate secret…' }).click();
    const confirm = item.getByRole('dialog', { name: `Rotate the secret of trigger ${name}?` });
    expect(await confirm.textContent()).toContain('The current secret stops working at once');
    await confirm.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = triggers.getByRole('dialog', { name: `New secret of the trigger ${name}` });
    const fresh = (await rotated.getByTestId('trigger-secret-secret').textContent())!;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(secret);
    expect(await callTrigger(page, url, secret)).toEqual({ status: 401, code: 'BAD_SIGNATURE' });
    expect(await callTrigger(page, url, fresh)).toEqual({ status: 403, code: 'FORBIDDEN' });
    await rotated.getByRole('button', { name: 'I have stored it' }).click();

    // A disabled trigger refuses even a well-signed request.
    await item.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => item.locator('.badge').textContent()).toBe('disabled');
    expect(await callTrigger(page, url, fresh)).toEqual({ status: 409, code: 'DISABLED' });
    await item.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => item.locator('.badge').textContent()).toBe('enabled');

    // Deleting names the trigger; afterwards its URL answers 404.
    await item.getByRole('button', { name: 'Delete…' }).click();
    const del = item.getByRole('dialog', { name: `Delete the trigger ${name}?` });
    expect(await del.textContent()).toContain(`Requests to ${url} are refused from now on.`);
    await del.getByRole('button', { name: 'Delete trigger' }).click();
    await triggers.getByRole('article', { name }).waitFor({ state: 'detached' });
    expect(await callTrigger(page, url, fresh)).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('webhooks', () => {
  it('refuses a private address beside the URL field, and logs a test delivery to a public endpoint', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    await openAdmin(page);
    const hooks = page.getByRole('region', { name: 'Webhooks' });
    const urlField = hooks.locator('#webhook-url');
    await hooks.getByLabel('plan.failed', { exact: true }).check();
    await hooks.getByLabel('plan.proposed', { exact: true }).check();

    // The demo server delivers only to public addresses.
    await urlField.fill('http://127.0.0.1:9/hook');
    await hooks.getByRole('button', { name: 'Create endpoint' }).click();
    await expect.poll(() => urlField.getAttribute('aria-invalid')).toBe('true');
    const refused = hooks.locator('#webhook-url-error');
    expect(await refused.textContent()).toContain('a private, loopback or link-local address');
    expect(await refused.evaluate((el) => el.closest('.field') === document.getElementById('webhook-url')!.closest('.field'))).toBe(true);
    expect(await hooks.getByRole('alert').count()).toBe(0);
    expect(await hooks.getByRole('dialog').count()).toBe(0);
    await shootElement(hooks.getByRole('form', { name: 'Add an endpoint' }), 'admin-webhook-refused');

    // A public IP literal needs no DNS and is taken.
    const url = `https://93.184.216.34/praetor-${Date.now().toString(36)}`;
    await urlField.fill(url);
    await hooks.getByRole('button', { name: 'Create endpoint' }).click();
    const box = hooks.getByRole('dialog', { name: `Signing secret of the new endpoint ${url}` });
    const secret = (await box.getByTestId('webhook-secret-secret').textContent())!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(await box.textContent()).toContain('Store it now: it will not be shown again');
    expect(await urlField.getAttribute('aria-invalid')).toBeNull();
    const item = hooks.getByRole('article', { name: url });
    await item.waitFor();
    const text = (await item.textContent())!;
    for (const part of ['enabled', 'whole organization', 'plan.failed', 'plan.proposed', 'hmac:']) expect(text).toContain(part);
    await box.getByRole('button', { name: 'I have stored it' }).click();
    expect(await box.count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    // "Send test" queues a `webhook.test` delivery and opens the log on it.
    await item.getByRole('button', { name: 'Send test' }).click();
    const done = hooks.getByTestId('webhook-done');
    await expect.poll(() => done.textContent()).toMatch(/^Test delivery msg_\w+ queued for /);
    const id = /msg_\w+/.exec((await done.textContent())!)![0];
    const log = item.getByRole('region', { name: `Delivery log of ${url}` });
    const delivery = log.getByTestId(`delivery-${id}`);
    await delivery.waitFor();
    expect(await delivery.getByTestId('delivery-id').textContent()).toBe(id);
    expect(await delivery.textContent()).toContain('webhook.test');
    await delivery.getByRole('button', { name: 'Attempts and payload' }).click();
    expect(await delivery.locator('.json-block').textContent()).toContain('"webhook.test"');
    expect(await unlabelledControls(page)).toEqual([]);
    await shootElement(hooks, 'admin-webhooks');

    // On a phone the panel fits the screen (wide parts scroll inside it).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowsHorizontally(page)).toBe(false);
    await item.scrollIntoViewIfNeeded();
    await shoot(page, 'mobile-admin-webhooks', false);
    await page.setViewportSize({ width: 1366, height: 900 });

    // Deleting names the URL and takes a second click.
    await item.getByRole('button', { name: 'Delete…' }).click();
    const confirm = item.getByRole('dialog', { name: `Delete the endpoint ${url}?` });
    expect(await confirm.textContent()).toContain(`Delete the endpoint ${url}?`);
    await confirm.getByRole('button', { name: 'Delete endpoint' }).click();
    await hooks.getByRole('article', { name: url }).waitFor({ state: 'detached' });
    await expect.poll(() => done.textContent()).toBe(`Deleted the endpoint ${url}.`);
  });
});
