// Policy changes that need a second person, in a real browser: in an organization of its own
// (so the demo organization's policy stays as the other specs expect), whose policy asks for
// approval of policy changes, alice applies a change in the draft editor and is told it waits;
// she cannot approve her own change (the button is off, with the server's reason) but may
// withdraw it; carol, a second admin there, approves it and the new version is in force in the
// history. A rollback then waits for approval the same way.

import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession, gql, shoot, signIn } from './support';

const session = browserSession();

/** The organization's policy: changes to it are reviewed, and a daily budget of `daily`. */
function policy(org: string, daily: number): string {
  return `apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: { name: base, org: "${org}" }\nspec:\n  policyChanges: { requireApproval: true }\n  budget: { daily: ${daily}, unit: USD }\n`;
}

/** Replaces the editor's whole text as pasting does (see policy-admin.e2e.ts for why not `fill`). */
async function pasteAll(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.focus();
  await page.keyboard.press('Control+A');
  await editor.evaluate((el, t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

describe('policy changes that need a second person', () => {
  it('keeps an applied change until another admin approves it', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const suffix = Date.now().toString(36);
    const org = `e2e-review-${suffix}`;

    // An organization of its own, with carol as a second admin, and a policy that asks for a
    // second person (in force at once: nothing asked for approval before it).
    await gql(alice.page, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }', { input: { slug: org, name: `Reviewed ${suffix}` } });
    await gql(alice.page, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { org, slug: 'web', name: 'Web' } });
    await gql(alice.page, 'mutation($input: BindRoleInput!) { bindRole(input: $input) { id } }', {
      input: { org, role: 'org_admin', subject: { userEmail: 'carol@demo.test' } },
    });
    const first = await gql<{ applyPolicy: { versions: { version: number }[]; pendingProposal: { id: string } | null } }>(
      alice.page,
      'mutation($input: ApplyPolicyInput!) { applyPolicy(input: $input) { versions { version } pendingProposal { id } } }',
      { input: { org, sources: [{ name: 'base.yaml', text: policy(org, 100) }], comment: 'reviewed from now on' } },
    );
    expect(first.applyPolicy).toEqual({ versions: [{ version: 1 }], pendingProposal: null });

    // alice changes the budget in the editor: it is proposed, not applied.
    const { page } = alice;
    await page.goto(`/orgs/${org}/projects/web/policy?tab=draft`);
    const editor = page.getByRole('textbox', { name: 'Policy source base.yaml' });
    await editor.waitFor();
    await expect.poll(() => page.getByTestId('diagnostics').textContent()).toMatch(/Valid: 0 error\(s\)/);
    await pasteAll(page, editor, policy(org, 250));
    await expect.poll(() => editor.textContent()).toContain('daily: 250');
    await expect.poll(() => page.getByTestId('diagnostics').textContent()).toMatch(/Valid: 0 error\(s\)/);
    await page.getByLabel('Change comment').fill('more budget for the launch');
    await page.getByRole('button', { name: 'Apply as new version' }).click();
    const waiting = page.getByRole('status').filter({ hasText: 'Waiting for a second person’s approval' });
    await waiting.waitFor();
    expect(await waiting.textContent()).toContain('nothing is in force until someone else with policy.write approves it');
    expect(await page.getByText(/^Applied: /).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Apply as new version' }).isDisabled()).toBe(true);

    // The proposal is listed; its proposer may not approve it, only withdraw it.
    const section = page.getByRole('region', { name: 'Proposed changes' });
    const mine = section.locator('.version', { hasText: 'more budget for the launch' });
    await mine.waitFor();
    expect(await mine.textContent()).toContain('proposed by alice@demo.test');
    expect(await mine.locator('tr.diff-add', { hasText: 'daily: 250' }).count()).toBe(1);
    expect(await mine.locator('tr.diff-del', { hasText: 'daily: 100' }).count()).toBe(1);
    const own = mine.getByRole('button', { name: 'Approve' });
    expect(await own.isDisabled()).toBe(true);
    expect(await own.getAttribute('title')).toMatch(/^You cannot approve your own policy change/);
    expect(await mine.textContent()).toMatch(/You cannot approve your own policy change/);
    expect(await mine.getByRole('button', { name: 'Withdraw' }).count()).toBe(1);
    expect(await mine.getByRole('button', { name: 'Reject' }).count()).toBe(0);
    await shoot(page, 'policy-proposal-waiting');

    // Nothing is in force yet.
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByTestId('policy-version-org-1').waitFor();
    expect(await page.getByTestId('policy-version-org-2').count()).toBe(0);

    // carol, the second admin, approves it: version 2 is in force, authored by alice.
    const carol = session.track(await signIn(session.browser, 'carol@demo.test'));
    await carol.page.goto(`/orgs/${org}/projects/web/policy?tab=history`);
    const theirs = carol.page.getByRole('region', { name: 'Proposed changes' }).locator('.version', { hasText: 'more budget for the launch' });
    await theirs.waitFor();
    expect(await theirs.getByRole('button', { name: 'Reject' }).count()).toBe(1);
    const approve = theirs.getByRole('button', { name: 'Approve' });
    expect(await approve.isDisabled()).toBe(false);
    await approve.click();
    await carol.page.getByRole('status').filter({ hasText: 'Approved: org@2 now in force.' }).waitFor();
    const v2 = carol.page.getByTestId('policy-version-org-2');
    await v2.waitFor();
    expect(await v2.textContent()).toContain('in force');
    expect(await v2.textContent()).toContain('more budget for the launch');
    expect(await v2.textContent()).toContain('alice@demo.test');
    // Nothing waits any more.
    expect(await theirs.count()).toBe(0);
    await shoot(carol.page, 'policy-proposal-approved');

    // alice's page hears of it: the proposal is gone and version 2 is in her history.
    await page.getByTestId('policy-version-org-2').waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'Proposed changes' }).count()).toBe(0);

    // A rollback waits the same way: said as a notice, not a failure, and listed.
    const v1 = page.getByTestId('policy-version-org-1');
    await v1.getByRole('button', { name: 'Roll back to org@1…' }).click();
    const dialog = v1.getByRole('dialog', { name: 'Roll back to org@1?' });
    await dialog.getByLabel('Why (optional)').fill('back to the old budget');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    const notice = v1.getByRole('status').filter({ hasText: 'Waiting for a second person’s approval' });
    await notice.waitFor();
    expect(await v1.getByRole('alert').count()).toBe(0);
    await page.getByRole('region', { name: 'Proposed changes' }).locator('.version', { hasText: 'back to the old budget' }).waitFor();
    expect(await page.getByTestId('policy-version-org-3').count()).toBe(0);
  });
});
