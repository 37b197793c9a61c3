// Everyday use in a real browser: a plan page led by its one-line summary with no raw ISO time
// on it; a chat whose transcript scrolls while its header and message box stay put, with a
// counter near the message limit; a phone (390 × 844) on which carol approves bob's plan from
// the inbox without sideways scrolling, the Approve button on the card's first screen; and a
// rejection that cannot be sent without a reason.

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession, gql, overflowsHorizontally, shoot, signIn } from './support';

const session = browserSession();

/** A production deploy proposed by the signed-in user of `page` (needs sre-leads then change-board). */
async function proposeProdDeploy(page: Page): Promise<string> {
  const version = (Math.floor(Date.now() / 1000) % 100_000) + 1000;
  const { proposePlan } = await gql<{ proposePlan: { id: string; status: string } }>(
    page,
    'mutation($input: ProposePlanInput!) { proposePlan(input: $input) { id status } }',
    { input: { org: 'demo', project: 'web', steps: [{ action: 'deploy.web', params: { service: 'web', env: 'prod', version } }] } },
  );
  expect(proposePlan.status).toBe('PENDING_APPROVAL');
  return proposePlan.id;
}

/** Visible text of the page that looks like an ISO 8601 instant. */
async function isoOnPage(page: Page): Promise<string[]> {
  return page.evaluate(() => document.body.innerText.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g) ?? []);
}

describe('everyday use', () => {
  it('a plan page leads with one line and shows no raw ISO time, its checks folded until asked for', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    const { page } = bob;
    const planId = await proposeProdDeploy(page);
    await page.goto(`/orgs/demo/projects/web/plans/${planId}`);
    const summary = page.getByTestId('plan-summary');
    await expect.poll(() => summary.textContent()).toMatch(/^\d+ of \d+ checks passed · needs sre-leads then change-board$/);
    // One status, no stale verdict beside it.
    expect(await page.getByTestId('plan-status').textContent()).not.toContain('Verdict');
    // Proposed at "today 14:05" (words), not an ISO string; the same with the checks open.
    await page.getByText(/proposed by bob@demo\.test · today \d/).waitFor();
    expect(await isoOnPage(page)).toEqual([]);
    const details = page.locator('details.plan-checks');
    expect(await details.getAttribute('open')).toBeNull();
    await details.locator('> summary').click();
    await page.getByRole('table', { name: 'Checks of step step-1' }).waitFor();
    expect(await isoOnPage(page)).toEqual([]);
    await shoot(page, 'plan-summary');
  });

  it('the chat transcript scrolls while the header and the message box stay, and the box counts near its limit', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test', { width: 1280, height: 720 }));
    const { page } = bob;
    await page.goto('/orgs/demo/projects/web/chat');
    const box = page.getByLabel('Message');
    await box.fill('help');
    await box.press('Enter');
    await page.waitForURL(/\/chat\/chs_[0-9a-f]+$/);
    const log = page.getByRole('log', { name: 'Conversation' });
    // Enough of a conversation to overflow the window.
    for (let i = 2; i <= 4; i++) {
      await expect.poll(() => log.locator('[data-role="assistant"]').count(), { timeout: 15_000 }).toBe(i - 1);
      await box.fill('help');
      await box.press('Enter');
    }
    await expect.poll(() => log.locator('[data-role="assistant"]').count(), { timeout: 15_000 }).toBe(4);
    const scroller = page.getByTestId('chat-scroll');
    const metrics = () =>
      scroller.evaluate((el) => ({
        inner: el.scrollHeight > el.clientHeight,
        page: document.documentElement.scrollHeight <= window.innerHeight + 1,
      }));
    await expect.poll(metrics).toEqual({ inner: true, page: true });
    await scroller.evaluate((el) => el.scrollTo(0, 0));
    await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBe(0);
    const inView = async (selector: string) =>
      page.locator(selector).first().evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      });
    expect(await inView('.app-header')).toBe(true);
    expect(await inView('.chat-header')).toBe(true);
    expect(await inView('.chat-composer')).toBe(true);

    // The counter shows from 3,600 characters; past 4,000 the message is refused, not cut.
    expect(await page.getByTestId('chat-counter').count()).toBe(0);
    await box.fill('a'.repeat(3600));
    await expect.poll(() => page.getByTestId('chat-counter').textContent()).toBe('3,600 / 4,000');
    await box.fill('a'.repeat(4050));
    await expect.poll(() => page.getByTestId('chat-counter').textContent()).toContain('50 too many');
    expect(await box.inputValue()).toHaveLength(4050);
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await shoot(page, 'chat-counter', false);
  });

  it('on a phone, carol opens the inbox from a compact header and approves bob’s plan without scrolling sideways', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    const planId = await proposeProdDeploy(bob.page);

    const phone = { width: 390, height: 844 };
    const carol = session.track(await signIn(session.browser, 'carol@demo.test', phone));
    const { page } = carol;
    // Plans wait for carol: she lands in the inbox.
    await page.waitForURL(/\/orgs\/demo\/approvals$/);
    const header = await page.locator('.app-header').boundingBox();
    expect(header!.height).toBeLessThan(80);
    // Every link, Limits and Admin included, is in the menu.
    await page.getByRole('button', { name: 'Menu' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Chat', 'Plans', 'Approvals', 'Limits', 'Admin']) expect(await nav.getByRole('link', { name, exact: false }).first().isVisible(), name).toBe(true);
    await page.getByRole('button', { name: 'Menu' }).click();

    const card = page.getByTestId(`request-${planId}`);
    await card.waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    const cardBox = (await card.boundingBox())!;
    const approve = card.getByRole('button', { name: 'Approve' });
    const approveBox = (await approve.boundingBox())!;
    expect(approveBox.y + approveBox.height - cardBox.y).toBeLessThan(phone.height);
    await expect.poll(() => card.getByTestId('plan-summary').textContent()).toMatch(/needs sre-leads then change-board$/);
    await shoot(page, 'mobile-approvals', false);
    await approve.click();
    await card.waitFor({ state: 'detached' });

    // The plan page reads on the phone too, without sideways scrolling, its checks stacked.
    await page.goto(`/orgs/demo/projects/web/plans/${planId}`);
    await expect.poll(() => page.getByTestId('plan-summary').textContent()).toMatch(/approved by carol@demo\.test|needs change-board$/);
    await page.locator('details.plan-checks > summary').click();
    expect(await overflowsHorizontally(page)).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shoot(page, 'mobile-plan');
  });

  it('rejecting needs a reason, and the plan then shows who rejected it and why', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    const planId = await proposeProdDeploy(bob.page);
    const carol = session.track(await signIn(session.browser, 'carol@demo.test'));
    const { page } = carol;
    await page.goto(`/orgs/demo/projects/web/plans/${planId}`);
    await page.getByRole('button', { name: 'Reject' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reject this plan?' });
    expect(await dialog.textContent()).toContain('it will not run');
    await dialog.getByRole('button', { name: 'Reject plan' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('Give a reason');
    const status = await gql<{ plan: { status: string } }>(page, 'query($id: ID!) { plan(id: $id) { status } }', { id: planId });
    expect(status.plan.status).toBe('PENDING_APPROVAL');
    await dialog.getByLabel('Why (required)').fill('the release train left');
    await dialog.getByRole('button', { name: 'Reject plan' }).click();
    await expect.poll(() => page.getByTestId('plan-summary').textContent()).toBe('Rejected by carol@demo.test at sre-leads: “the release train left”');
    // A final plan shows what happened: no stage still "not yet", no step "pending".
    const body = await page.locator('main').innerText();
    expect(body).not.toMatch(/not yet|\bpending\b|runs when approved/);
    expect(await page.getByTestId('progress-step-1').textContent()).toContain('not run');
  });
});
