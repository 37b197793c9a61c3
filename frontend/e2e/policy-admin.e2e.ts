// Policy and administration in a real browser: the effective policy with rule origins, a draft
// whose diagnostics appear at their lines, applying a new version and finding its diff in the
// history; an API key whose secret is shown exactly once; and an organization secret that is
// never shown at all, only its fingerprint.

import { describe, expect, it } from 'vitest';
import { browserSession, shoot, shootElement, signIn, unlabelledControls } from './support';

const session = browserSession();

describe('policy', () => {
  it('shows the rules in force with their origin and the governance limits', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    await bob.page.getByRole('link', { name: 'Policy' }).click();
    await expect.poll(() => bob.page.getByTestId('policy-version').textContent()).toMatch(/^org@\d+$/);
    const rule = bob.page.getByRole('row', { name: /prod-deploys-need-approval/ });
    expect(await rule.textContent()).toContain('require approval');
    expect(await rule.textContent()).toContain('policies/examples/org.yaml:');
    expect(await rule.textContent()).toContain('sre-leads x1 → change-board|cto-office x1');
    const gov = bob.page.getByRole('region', { name: 'Limits, budgets and windows' });
    expect(await gov.textContent()).toContain('100 credits a day');
    expect(await gov.textContent()).toContain('deploy-rate: 5/min, 60/h');
    expect(await gov.getByRole('img', { name: /prod-hours: open mon, tue, wed, thu, fri from 08:00 to 20:00/ }).count()).toBe(1);
    // An operator reads policy but has no editor to apply with.
    await bob.page.getByRole('link', { name: 'Draft editor' }).click();
    await bob.page.getByText('You may read policy but not change it').waitFor();
    expect(await bob.page.getByRole('button', { name: 'Apply as new version' }).count()).toBe(0);
    await bob.page.getByRole('link', { name: 'In force' }).click();
    await shoot(bob.page, 'policy');
  });

  it('marks diagnostics at their lines, then applies a fix as a new version with its diff', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('link', { name: 'Draft editor' }).click();
    await page.getByRole('button', { name: /^org\.yaml/ }).click();
    const editor = page.getByLabel('Policy source policies/examples/org.yaml');
    const original = await editor.inputValue();
    await expect.poll(() => page.getByTestId('diagnostics').textContent()).toMatch(/Valid: 0 error\(s\)/);

    const broken = original.replace('effect: require_approval', 'effect: maybe');
    const line = broken.split('\n').findIndex((l) => l.includes('effect: maybe')) + 1;
    await editor.fill(broken);
    const diag = page.getByRole('button', { name: new RegExp(`^org\\.yaml:${line}:\\d+$`) });
    await diag.waitFor();
    expect(await page.getByTestId('diagnostics').textContent()).toContain('unknown variant `maybe`');
    expect(await page.locator(`.layer-line.line-error[data-line="${line}"]`).count()).toBe(1);
    expect(await page.locator('.layer-line.line-error').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Apply as new version' }).isDisabled()).toBe(true);
    await diag.click();
    const caretLine = await editor.evaluate((el: HTMLTextAreaElement) => el.value.slice(0, el.selectionStart).split('\n').length);
    expect(caretLine).toBe(line);
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, 'policy-draft');

    const reason = `Production deploys are reviewed (${Date.now().toString(36)})`;
    await editor.fill(original.replace('reason: Production deploys are reviewed', `reason: ${reason}`));
    await expect.poll(() => page.getByTestId('diagnostics').textContent()).toMatch(/Valid: 0 error\(s\)/);
    await page.getByLabel('Change comment').fill('clearer reason for prod deploys');
    await page.getByRole('button', { name: 'Apply as new version' }).click();
    // Every scope of the bundle gets a version; the org's is the one edited here.
    const applied = page.getByText(/^Applied: org@\d+/);
    await applied.waitFor();
    const version = /org@\d+/.exec((await applied.textContent())!)![0];
    // The editor stays on the file that was edited, now unchanged against the new version.
    expect(await page.getByLabel('Policy source policies/examples/org.yaml').inputValue()).toContain(reason);

    await page.getByRole('link', { name: 'History' }).click();
    const entry = page.locator('.version', { hasText: version });
    expect(await entry.textContent()).toContain('clearer reason for prod deploys');
    expect(await entry.textContent()).toContain('alice@demo.test');
    await entry.getByText(/Diff and files/).click();
    const added = entry.locator('tr.diff-add', { hasText: reason });
    expect(await added.count()).toBe(1);
    expect(await entry.locator('tr.diff-del', { hasText: 'reason: Production deploys are reviewed' }).count()).toBe(1);
    await shoot(page, 'policy-history');

    // The rules in force now carry the new reason.
    await page.getByRole('link', { name: 'In force' }).click();
    await expect.poll(() => page.getByRole('row', { name: /prod-deploys-need-approval/ }).textContent()).toContain(reason);
  });
});

describe('admin', () => {
  it('shows groups and roles, grants time-boxed access, and shows a new API key exactly once', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    expect(await page.getByTestId('group-sre-leads').textContent()).toContain('carol@demo.test');
    expect(await page.getByRole('row', { name: /carol@demo\.test/ }).first().textContent()).toContain('approver');
    expect(await unlabelledControls(page)).toEqual([]);
    // Alice administers the instance too: its scheduled jobs, each run once among the nodes.
    const expire = page.getByTestId('job-approvals.expire');
    await expect.poll(() => expire.textContent()).toContain('succeeded');
    expect(await expire.textContent()).toContain('plan(s) expired');

    // Temporary access: bob asks for himself, alice (another person) approves, then revokes.
    const why = `e2e on call ${Date.now().toString(36)}`;
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    await bob.page.getByRole('link', { name: 'Admin' }).click();
    const asked = bob.page.locator('#grants');
    await asked.waitFor();
    expect(await bob.page.locator('#scheduled-jobs').count()).toBe(0);
    await asked.getByLabel('Role').selectOption('approver');
    await asked.getByLabel('Scope').selectOption('web');
    await asked.getByLabel('Reason').fill(why);
    await asked.getByRole('button', { name: 'Ask for access' }).click();
    await expect.poll(() => asked.getByRole('status').textContent()).toContain('bob@demo.test waits for a second person to approve');

    const grants = page.locator('#grants');
    await page.reload();
    const grantRow = grants.getByRole('row', { name: new RegExp(why) });
    await expect.poll(() => grantRow.textContent()).toContain('pending');
    expect(await grantRow.textContent()).toContain('asked by bob@demo.test');
    await grantRow.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => grantRow.textContent()).toContain('active');
    expect(await grantRow.textContent()).toContain('by alice@demo.test');
    await grantRow.getByRole('button', { name: 'Revoke' }).click();
    await grantRow.waitFor({ state: 'detached' });
    await grants.getByLabel('Show ended grants too').check();
    await expect.poll(() => grants.getByRole('row', { name: new RegExp(why) }).textContent()).toContain('revoked');

    const name = `e2e key ${Date.now().toString(36)}`;
    await page.getByLabel('Key name').fill(name);
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key-secret').textContent())!;
    expect(secret).toMatch(/^prk_/);
    const row = page.getByRole('row', { name: new RegExp(name) });
    await row.waitFor();
    const prefix = (await row.locator('td').nth(1).textContent())!.replace('…', '');
    expect(secret.startsWith(prefix)).toBe(true);
    expect(prefix.length).toBeLessThan(secret.length);
    await shoot(page, 'admin');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByTestId('new-key').count()).toBe(0);
    await page.reload();
    await page.getByRole('row', { name: new RegExp(name) }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // Revoking marks it revoked.
    await page.getByRole('button', { name: `Revoke key ${name}` }).click();
    await expect.poll(() => page.getByRole('row', { name: new RegExp(name) }).textContent()).toContain('revoked');
  });

  it('sets the LLM planner key as an organization secret and shows only its fingerprint, never the value', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    const secrets = page.getByRole('region', { name: 'Secrets', exact: true });
    await secrets.waitFor();

    const value = `sk-e2e-${Date.now().toString(36)}-never-shown`;
    await secrets.getByLabel('Secret name').fill('llm.api_key');
    await secrets.getByLabel('Secret value').fill(value);
    await secrets.getByRole('button', { name: 'Set secret', exact: true }).click();
    const done = secrets.getByRole('status');
    await expect.poll(() => done.textContent()).toMatch(/^Set llm\.api_key \(fingerprint hmac:[0-9a-f]+\)$/);
    const fingerprint = /hmac:[0-9a-f]+/.exec((await done.textContent())!)![0];
    expect(await secrets.getByLabel('Secret value').inputValue()).toBe('');
    const row = secrets.getByRole('row', { name: /llm\.api_key/ });
    await expect.poll(() => row.textContent()).toContain(fingerprint);
    expect(await row.textContent()).toContain('alice@demo.test');
    expect(await page.content()).not.toContain(value);
    expect(await unlabelledControls(page)).toEqual([]);
    await shootElement(secrets, 'admin-secrets');

    // Read again from the server: still the fingerprint, still no value.
    await page.reload();
    await expect.poll(() => page.getByRole('region', { name: 'Secrets', exact: true }).getByRole('row', { name: /llm\.api_key/ }).textContent()).toContain(fingerprint);
    expect(await page.content()).not.toContain(value);

    // On a phone the panel fits its card (the table scrolls inside it).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await secrets.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await page.setViewportSize({ width: 1366, height: 900 });

    // Deleting takes a second click; afterwards the instance's own planner key is used again.
    await secrets.getByRole('button', { name: 'Delete secret llm.api_key', exact: true }).click();
    await secrets.getByRole('button', { name: 'Really delete secret llm.api_key' }).click();
    await expect.poll(() => secrets.getByRole('status').textContent()).toBe('Deleted llm.api_key');
    await secrets.getByRole('row', { name: /llm\.api_key/ }).waitFor({ state: 'detached' });

    // Secrets are for those who may manage them: an operator does not see the panel.
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    await bob.page.getByRole('link', { name: 'Admin' }).click();
    await bob.page.getByRole('heading', { name: 'Administration' }).waitFor();
    await bob.page.locator('.card').first().waitFor();
    expect(await bob.page.getByRole('region', { name: 'Secrets', exact: true }).count()).toBe(0);
  });
});
