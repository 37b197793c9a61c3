// Scheduled plans in a real browser, as the demo administrator: a schedule of the demo's
// `release` template, every second with overlap QUEUE, proposing as a service account made here
// (the demo has none) with the operator role in the project, comes to a proposed plan within a
// few seconds and links to it; paused, its slots stop; then it is deleted. Afterwards the plans
// it proposed are cancelled and the test waits until the org-wide deploy rate limit (5 deploys a
// minute, which the other browser tests share) counts none of them any more.

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession, gql, shoot, shootElement, signIn, unlabelledControls } from './support';

const session = browserSession();

const FINISHED = ['REJECTED', 'EXPIRED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'KILLED'];

/** Deploys counted against the demo org's deploy rate limit in the last minute. */
async function deploysLastMinute(page: Page): Promise<number> {
  const { project } = await gql<{ project: { rateLimits: { name: string; proposalsLastMinute: number }[] } }>(
    page,
    'query($org: String!, $project: String!) { project(org: $org, slug: $project) { rateLimits { name proposalsLastMinute } } }',
    { org: 'demo', project: 'web' },
  );
  return project.rateLimits.find((l) => l.name === 'org:deploy-rate')?.proposalsLastMinute ?? 0;
}

describe('scheduled plans', () => {
  it('schedules a demo template every second as a service account, sees it propose, pauses and deletes it', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    const suffix = Date.now().toString(36);

    // The demo has no service account: make one that may propose in the project.
    const account = `e2e-schedule-${suffix}`;
    const { createServiceAccount } = await gql<{ createServiceAccount: { id: string } }>(
      page,
      'mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { id } }',
      { input: { org: 'demo', name: account, description: 'proposes the browser test’s schedule' } },
    );
    await gql(page, 'mutation($input: BindRoleInput!) { bindRole(input: $input) { id } }', {
      input: { org: 'demo', role: 'operator', subject: { serviceAccountId: createServiceAccount.id }, project: 'web' },
    });

    await page.goto('/orgs/demo/projects/web/plans');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await page.waitForURL(/\/orgs\/demo\/projects\/web\/schedules$/);
    await page.getByRole('heading', { name: 'Schedules', exact: true }).waitFor();

    const form = page.getByRole('form', { name: 'Schedule a plan' });
    const name = `e2e-every-second-${suffix}`;
    await form.getByLabel('Schedule name').fill(name);
    await form.getByLabel('Cron').fill('* * * * * *');
    // The zone starts as the browser's; any IANA zone reads an every-second cron the same.
    const zone = form.getByLabel('Time zone');
    expect(await zone.inputValue()).not.toBe('');
    await zone.fill('Europe/Berlin');
    // The template is chosen from the project's policy, its parameters filled as fields.
    const template = form.getByLabel('Plan template');
    await template.locator('option[value="release"]').waitFor({ state: 'attached' });
    await template.selectOption('release');
    expect(await form.locator('#schedule-template-hint').textContent()).toBe('Deploy to staging, then to production');
    await form.getByLabel(/^service/).selectOption('web');
    await form.getByLabel('While the last run is unfinished').selectOption('QUEUE');
    expect(await form.getByLabel('Catch up on missed slots').isChecked()).toBe(true);
    const proposesAs = form.getByLabel('Proposes as');
    await proposesAs.locator(`option[value="${account}"]`).waitFor({ state: 'attached' });
    await proposesAs.selectOption(account);
    expect(await unlabelledControls(page)).toEqual([]);
    await form.getByRole('button', { name: 'Create schedule' }).click();

    const item = page.getByRole('article', { name });
    await item.waitFor();
    expect(await page.getByTestId('schedule-done').textContent()).toMatch(new RegExp(`^Created the schedule ${name}; its first slot is `));
    const text = (await item.textContent())!;
    for (const part of ['* * * * * * in Europe/Berlin', 'release', '{"service":"web","version":1}', 'Propose anyway (it waits its turn)', account, 'active']) {
      expect(text).toContain(part);
    }

    // A slot comes every second; the first the deploy rate limit admits proposes a plan. Later
    // slots may be refused by that limit, so the outcome is watched closely rather than polled.
    await page.waitForFunction(
      (testId) => /^proposed pln_\w+ \(/.test(document.querySelector(`[data-testid="${testId}"] [data-testid="schedule-outcome"]`)?.textContent ?? ''),
      `schedule-${name}`,
      { timeout: 75_000, polling: 100 },
    );
    await item.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => item.locator('.badge').textContent()).toBe('paused');
    await expect.poll(() => page.getByTestId('schedule-done').textContent()).toBe(`Paused the schedule ${name}.`);
    expect(await item.textContent()).toContain('none while paused');
    const planLink = item.getByRole('link', { name: /^pln_/ });
    const planHref = (await planLink.getAttribute('href'))!;
    expect(planHref).toMatch(/^\/orgs\/demo\/projects\/web\/plans\/pln_\w+$/);
    await shootElement(item, 'schedule-paused');
    await shoot(page, 'schedules');

    // Paused, no slot runs: the last slot stays as it is (a slot already running when the pause
    // landed has had a moment to finish).
    const lastSlot = item.locator('dt', { hasText: /^Last slot$/ }).locator('xpath=following-sibling::dd');
    await page.waitForTimeout(1_500);
    const pausedAt = await lastSlot.textContent();
    await page.waitForTimeout(2_500);
    await page.reload();
    await item.waitFor();
    expect(await lastSlot.textContent()).toBe(pausedAt);

    // The last plan is the service account's proposal of the template.
    await planLink.click();
    await page.waitForURL((url) => url.pathname === planHref);
    await page.getByText(`${account} (service account)`).first().waitFor();
    await page.goBack();
    await item.waitFor();

    // Deleting names the schedule and takes a second click.
    await item.getByRole('button', { name: 'Delete…' }).click();
    const confirm = item.getByRole('dialog', { name: `Delete the schedule ${name}?` });
    expect(await confirm.textContent()).toContain('No slot of it (* * * * * * in Europe/Berlin) runs from now on');
    await confirm.getByRole('button', { name: 'Delete schedule' }).click();
    await item.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('schedule-done').textContent()).toBe(`Deleted the schedule ${name}.`);

    // Leave the org as the other tests expect it: the plans the schedule proposed (waiting for
    // approval of their production step) cancelled, and no deploy of theirs counted by the rate
    // limit any more (a hit counts for a minute).
    const { project } = await gql<{ project: { plans: { nodes: { id: string; status: string; proposer: { name: string }[] }[] } } }>(
      page,
      'query($org: String!, $project: String!) { project(org: $org, slug: $project) { plans(first: 50) { nodes { id status proposer { name } } } } }',
      { org: 'demo', project: 'web' },
    );
    const proposed = project.plans.nodes.filter((p) => p.proposer.some((a) => a.name === account));
    expect(proposed.map((p) => p.id)).toContain(planHref.split('/').pop());
    for (const p of proposed.filter((p) => !FINISHED.includes(p.status))) {
      await gql(page, 'mutation($input: CancelPlanInput!) { cancelPlan(input: $input) { id } }', {
        input: { planId: p.id, reason: 'browser test: its schedule is deleted' },
      });
    }
    await expect.poll(() => deploysLastMinute(page), { timeout: 75_000, interval: 2_000 }).toBe(0);
  }, 240_000);
});
