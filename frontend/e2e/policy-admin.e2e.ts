// Policy and administration in a real browser: the effective policy with rule origins, a draft
// whose diagnostics appear at their lines and columns in the editor (CodeMirror), applying a new
// version and finding its diff in the history; completion of schema keys and action names as
// one types, with the editor styled under the server's Content-Security-Policy and no violation
// of it; rolling back to an earlier version after a confirmation; an API key whose secret is
// shown exactly once; a role binding removed after a confirmation and put back with Undo; and
// an organization secret that is never shown at all, only its fingerprint.

import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession, gql, shoot, shootElement, signIn, unlabelledControls } from './support';

const session = browserSession();

interface OrgVersions {
  org: { policyVersions: { nodes: { version: number; hash: string; sources: { name: string; text: string }[] }[] } };
}

/** The organization's newest policy version, read through the API as the page's user. */
async function newestOrgVersion(page: Page) {
  const data = await gql<OrgVersions>(page, 'query { org(slug: "demo") { policyVersions(first: 1) { nodes { version hash sources { name text } } } } }');
  return data.org.policyVersions.nodes[0]!;
}

/**
 * Replaces the editor's whole text as pasting does. (Playwright's `fill` edits the
 * contenteditable through `execCommand`, which makes Chromium apply an inline style that the
 * Content-Security-Policy refuses; typing and pasting, which CodeMirror handles itself, do not.)
 */
async function pasteAll(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.focus();
  await page.keyboard.press('Control+A');
  await editor.evaluate((el, t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

/** Starts recording Content-Security-Policy violations in the page (read with `violations`). */
async function recordViolations(page: Page): Promise<() => Promise<string[]>> {
  const logged: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) logged.push(msg.text());
  });
  await page.evaluate(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  return async () => [...logged, ...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations))];
}

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
    const readOnly = bob.page.getByRole('textbox', { name: /^Policy source / });
    expect(await readOnly.getAttribute('contenteditable')).toBe('false');
    expect(await readOnly.getAttribute('aria-readonly')).toBe('true');
    await bob.page.getByRole('link', { name: 'In force' }).click();
    await shoot(bob.page, 'policy');
  });

  it('marks diagnostics at their lines, then applies a fix as a new version with its diff', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('link', { name: 'Draft editor' }).click();
    await page.getByRole('button', { name: /^org\.yaml/ }).click();
    const editor = page.getByRole('textbox', { name: 'Policy source policies/examples/org.yaml' });
    await editor.waitFor();
    const original = (await newestOrgVersion(page)).sources.find((s) => s.name === 'policies/examples/org.yaml')!.text;
    await expect.poll(() => page.getByTestId('diagnostics').textContent()).toMatch(/Valid: 0 error\(s\)/);

    const broken = original.replace('effect: require_approval', 'effect: maybe');
    const line = broken.split('\n').findIndex((l) => l.includes('effect: maybe')) + 1;
    await pasteAll(page, editor, broken);
    const diag = page.getByRole('button', { name: new RegExp(`^org\\.yaml:${line}:\\d+$`) });
    await diag.waitFor();
    expect(await page.getByTestId('diagnostics').textContent()).toContain('unknown variant `maybe`');
    // Marked in the editor: the line, the word at the diagnostic's column, a gutter marker.
    const marked = page.locator(`.cm-line.cm-diag-error[data-diag-line="${line}"]`);
    await marked.waitFor();
    expect(await page.locator('.cm-line.cm-diag-error').count()).toBe(1);
    expect(await marked.locator('.cm-lintRange-error').textContent()).toBe('maybe');
    expect(await page.locator('.cm-lint-marker-error').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Apply as new version' }).isDisabled()).toBe(true);
    await diag.click();
    // The caret is on the diagnostic's line, in the focused editor.
    await expect.poll(() => page.locator('.cm-activeLine').getAttribute('data-diag-line')).toBe(String(line));
    expect(await editor.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true);
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, 'policy-draft');

    const reason = `Production deploys are reviewed (${Date.now().toString(36)})`;
    await pasteAll(page, editor, original.replace('reason: Production deploys are reviewed', `reason: ${reason}`));
    await page.locator('.cm-diag-line').first().waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('diagnostics').textContent()).toMatch(/Valid: 0 error\(s\)/);
    await page.getByLabel('Change comment').fill('clearer reason for prod deploys');
    await page.getByRole('button', { name: 'Apply as new version' }).click();
    // Every scope of the bundle gets a version; the org's is the one edited here.
    const applied = page.getByText(/^Applied: org@\d+/);
    await applied.waitFor();
    const version = /org@\d+/.exec((await applied.textContent())!)![0];
    // The editor stays on the file that was edited, now unchanged against the new version.
    await expect.poll(() => editor.textContent()).toContain(reason);

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
  it('completes schema keys and action names as one types, styled and within the Content-Security-Policy', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    const violations = await recordViolations(page);
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('link', { name: 'Draft editor' }).click();
    await page.getByRole('button', { name: /^org\.yaml/ }).click();
    const editor = page.getByRole('textbox', { name: 'Policy source policies/examples/org.yaml' });
    await editor.waitFor();

    // CodeMirror's own styles and the editor's both apply, as style sheets adopted by the
    // editor's shadow root: no <style> element anywhere.
    expect(await page.locator('.cm-editor').evaluate((el) => getComputedStyle(el).display)).toBe('flex');
    expect(await page.locator('.cm-gutters').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(241, 244, 248)');
    expect(await page.locator('.cm-editor').evaluate((el) => getComputedStyle(el).height)).toBe('448px');
    expect(await page.getByTestId('policy-editor').evaluate((el) => el.shadowRoot!.adoptedStyleSheets.length)).toBe(2);
    expect(await page.getByTestId('policy-editor').evaluate((el) => document.querySelectorAll('style').length + el.shadowRoot!.querySelectorAll('style').length)).toBe(0);

    // A key of the mapping at the caret, from the schema: under `spec:`, `adaptiveBudget`.
    await pasteAll(page, editor, 'apiVersion: praetor.dev/v1\nkind: Policy\nmetadata:\n  name: e2e-draft\n  org: demo\nspec:\n');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('  adap');
    const options = page.locator('.cm-tooltip-autocomplete li');
    await expect.poll(() => options.allTextContents()).toEqual([expect.stringMatching(/^adaptiveBudget/)]);
    await shoot(page, 'policy-completion');
    // CodeMirror ignores Enter within 75 ms of the list changing (its interactionDelay).
    await page.waitForTimeout(150);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.cm-activeLine').textContent()).toBe('  adaptiveBudget: ');

    // Action names where a rule lists its actions, from the project's registered actions.
    await pasteAll(page, editor, 'kind: Policy\nspec:\n  rules:\n    - name: r\n      effect: deny\n      actions: [');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('scal');
    await expect.poll(() => options.allTextContents()).toContainEqual(expect.stringMatching(/^scale\.service/));
    await options.filter({ hasText: /^scale\.service/ }).click();
    await expect.poll(() => page.locator('.cm-activeLine').textContent()).toBe('      actions: [scale.service');

    // An enum's values open by themselves after its key.
    await page.keyboard.press('Escape');
    // Replace the line's text after its indentation (Home stops at the indentation).
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('effect: ');
    await expect.poll(() => options.allTextContents()).toEqual([expect.stringMatching(/^allow/), expect.stringMatching(/^require_approval/), expect.stringMatching(/^deny/)]);
    await page.keyboard.press('Escape');

    // Hovering a key shows the schema's description of it.
    await page.locator('.cm-line', { hasText: 'effect: deny' }).getByText('effect', { exact: true }).hover();
    await expect.poll(() => page.locator('.policy-hover').textContent()).toBe('effect one of allow, require_approval, deny');

    await page.getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => editor.textContent()).toContain('demo-baseline');
    expect(await violations()).toEqual([]);
  });

  it('rolls the organization back to an earlier version after a confirmation', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    // Two versions to choose between: the newest, and one more made here.
    const before = await newestOrgVersion(page);
    const marker = `e2e ${Date.now().toString(36)}`;
    const sources = before.sources.map((s) => ({ name: s.name, text: s.text.replace('description: Organization-wide guard rails', `description: Organization-wide guard rails (${marker})`) }));
    await gql(page, 'mutation($input: ApplyPolicyInput!) { applyPolicy(input: $input) { versions { version } } }', {
      input: { org: 'demo', sources, comment: marker },
    });
    const made = await newestOrgVersion(page);
    expect(made.version).toBe(before.version + 1);

    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('link', { name: 'History' }).click();
    const chosen = page.getByTestId(`policy-version-org-${before.version}`);
    await chosen.getByRole('button', { name: `Roll back to org@${before.version}…` }).click();
    const confirm = chosen.getByRole('dialog', { name: `Roll back to org@${before.version}?` });
    expect(await confirm.textContent()).toContain(`The documents of org@${before.version} become the policy in force again, instead of org@${made.version}.`);
    expect(await confirm.textContent()).toContain(`stored as a new version, org@${made.version + 1}`);
    await confirm.getByLabel('Why (optional)').fill(`undo ${marker}`);
    await shootElement(confirm, 'policy-rollback');
    await confirm.getByRole('button', { name: 'Roll back', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`Rolled back: org@${made.version + 1} has the documents of org@${before.version}.`);

    // The new version is in force, with the chosen version's documents.
    const rolled = page.getByTestId(`policy-version-org-${made.version + 1}`);
    expect(await rolled.textContent()).toContain('in force');
    expect(await rolled.textContent()).toContain(`rollback to version ${before.version}: undo ${marker}`);
    expect(await rolled.locator('code[title]').getAttribute('title')).toBe(before.hash);
    expect(await page.getByTestId(`policy-version-org-${made.version}`).textContent()).not.toContain('in force');
    expect(await newestOrgVersion(page)).toEqual({ ...before, version: made.version + 1 });
    // Its diff takes out the marker, numbered within org.yaml.
    await rolled.getByText(/Diff and files/).click();
    expect(await rolled.locator('tr.diff-file').first().textContent()).toBe('File policies/examples/org.yaml');
    const removed = rolled.locator('tr.diff-del', { hasText: marker });
    expect(await removed.locator('td.diff-num').first().textContent()).toBe(String(before.sources.find((s) => s.name === 'policies/examples/org.yaml')!.text.split('\n').findIndex((l) => l.includes('description: Organization-wide')) + 1));
    await page.getByRole('link', { name: 'In force' }).click();
    await expect.poll(() => page.getByTestId('policy-version').textContent()).toMatch(new RegExp(`^org@${made.version + 1}`));
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

    // The request waits in alice's inbox beside plans, counted in the header's badge, and she
    // approves it there.
    await page.getByRole('link', { name: /^Approvals/ }).click();
    const request = page.getByTestId(/^access-request-/).filter({ hasText: why });
    await request.waitFor({ timeout: 15_000 });
    expect(await request.textContent()).toContain('bob@demo.test asks to be approver in the project web for 2 hours');
    expect(Number(await page.getByTestId('inbox-count').textContent())).toBeGreaterThanOrEqual(1);
    await request.getByRole('button', { name: 'Approve' }).click();
    await request.waitFor({ state: 'detached', timeout: 15_000 });

    const grants = page.locator('#grants');
    await page.getByRole('link', { name: 'Admin' }).click();
    const grantRow = grants.getByRole('row', { name: new RegExp(why) });
    await expect.poll(() => grantRow.textContent(), { timeout: 15_000 }).toContain('active');
    expect(await grantRow.textContent()).toContain('asked by bob@demo.test');
    expect(await grantRow.textContent()).toContain('by alice@demo.test');
    // Revoking asks first, saying what will happen; Cancel leaves the grant active.
    await grantRow.getByRole('button', { name: 'Revoke' }).click();
    const ask = page.getByRole('dialog', { name: /^Revoke approver from / });
    expect(await ask.textContent()).toContain('loses the role');
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'detached' });
    expect(await grantRow.textContent()).toContain('active');
    await grantRow.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke grant' }).click();
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
    const confirm = page.getByRole('dialog', { name: `Revoke the key ${name}?` });
    expect(await confirm.textContent()).toContain('refused from now on');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => page.getByRole('row', { name: new RegExp(name) }).textContent()).toContain('revoked');
  });

  it('removes a role binding after a confirmation, and Undo puts the same binding back', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    // A group of its own, viewer in the project web, so no other test's access changes.
    const group = `undo-${Date.now().toString(36)}`;
    await page.getByLabel('New group').fill(group);
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByTestId(`group-${group}`).waitFor();
    const roles = page.getByRole('region', { name: 'Members and roles' });
    await roles.getByLabel('Role', { exact: true }).selectOption('viewer');
    await roles.getByLabel('Subject', { exact: true }).selectOption('group');
    await roles.getByLabel('Group', { exact: true }).selectOption({ label: group });
    await roles.getByLabel('Scope', { exact: true }).selectOption('web');
    await roles.getByRole('button', { name: 'Bind role' }).click();
    const binding = roles.getByRole('row').filter({ hasText: `${group} (group)` });
    await binding.waitFor();
    const cells = [`${group} (group)`, 'viewer', 'web', 'Remove'];
    expect(await binding.locator('td').allTextContents()).toEqual(cells);
    /** The group's bindings as the server has them. */
    const bound = async () => {
      const { org } = await gql<{ org: { roleBindings: { nodes: { id: string; role: string; subject: string; scope: string; project: { slug: string } | null }[] } } }>(
        page,
        'query { org(slug: "demo") { roleBindings(first: 50) { nodes { id role subject scope project { slug } } } } }',
      );
      return org.roleBindings.nodes.filter((b) => b.subject === group);
    };
    const [before] = await bound();

    await binding.getByRole('button', { name: `Remove role viewer from ${group}` }).click();
    const ask = page.getByRole('dialog', { name: `Remove the role viewer from ${group}?` });
    expect(await ask.textContent()).toContain('For a minute afterwards, Undo binds it again.');
    await ask.getByRole('button', { name: 'Remove role' }).click();
    const notice = roles.getByTestId('role-undo');
    await expect.poll(() => notice.textContent(), { timeout: 10_000 }).toContain(`Removed viewer from ${group} in the project web.`);
    expect(await notice.getAttribute('role')).toBe('status');
    expect(await notice.getByTestId('role-undo-left').textContent()).toMatch(/^(1:00|0:5\d) left to undo$/);
    await binding.waitFor({ state: 'detached' });
    expect(await bound()).toEqual([]);

    // Undo has the keyboard's focus (the removed row's button is gone): Enter puts it back.
    const undo = notice.getByRole('button', { name: 'Undo' });
    expect(await undo.evaluate((el) => el === document.activeElement)).toBe(true);
    await shootElement(roles, 'admin-role-undo');
    await page.keyboard.press('Enter');
    await expect.poll(() => roles.getByTestId('role-restored').textContent(), { timeout: 10_000 }).toBe(`Restored viewer to ${group} in the project web.`);
    expect(await notice.count()).toBe(0);
    await binding.waitFor();
    expect(await binding.locator('td').allTextContents()).toEqual(cells);
    // The same binding, made again (a new one, with its own audit entry).
    const after = await bound();
    expect(after.map(({ role, scope, project }) => ({ role, scope, project }))).toEqual([{ role: 'viewer', scope: 'PROJECT', project: { slug: 'web' } }]);
    expect(after[0]!.id).not.toBe(before!.id);

    // Still there after a reload; the notice is not.
    await page.reload();
    await binding.waitFor();
    expect(await binding.locator('td').allTextContents()).toEqual(cells);
    expect(await roles.getByTestId('role-restored').count()).toBe(0);
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
    await secrets.getByRole('dialog', { name: 'Delete the secret llm.api_key?' }).getByRole('button', { name: 'Delete secret' }).click();
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
