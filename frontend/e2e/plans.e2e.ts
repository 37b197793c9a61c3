// The governed plan flow in a real browser against `praetor serve --demo`: an operator proposes
// and runs plans, two approvers approve a production deploy from their own sessions while the
// operator watches live, the run lands in the audit log, a denied plan shows why, and the app
// shows and recovers from a dropped live connection.

import { describe, expect, it } from 'vitest';
import { browserSession, overflowsHorizontally, shoot, shootElement, signIn, unlabelledControls, type User, visitor } from './support';

const session = browserSession();

/** Opens the composer on the current plans page and picks an action. */
async function compose(u: User, action: string, fields: Record<string, string>) {
  const { page } = u;
  await page.getByRole('button', { name: 'New plan' }).click();
  await page.getByLabel('Step 1: action').selectOption(action);
  for (const [name, value] of Object.entries(fields)) {
    const input = page.getByLabel(new RegExp(`^${name}( \\*)?$`));
    if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
  return page.getByRole('article', { name: 'Plan preview: Preview' });
}

async function proposeAndOpen(u: User): Promise<string> {
  await u.page.getByRole('button', { name: 'Propose plan' }).click();
  await u.page.waitForURL(/\/plans\/pln_[0-9a-f]+$/);
  return u.page.url().split('/').pop()!;
}

describe('plans', () => {
  it('signs in with the keyboard, previews a staging deploy with every check, runs it and replays it', async () => {
    const bob = session.track(await visitor(session.browser));
    const { page } = bob;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to Praetor' }).waitFor();
    await shoot(page, 'sign-in');
    // Demo users come first: Tab twice reaches bob, with a visible focus ring.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { text: el.textContent ?? '', outline: style.outlineStyle, width: style.outlineWidth };
    });
    expect(focused.text).toContain('bob@demo.test');
    expect(focused.outline).toBe('solid');
    expect(focused.width).toBe('3px');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('viewer-name').textContent()).toBe('bob');
    // Nothing waits for bob's approval: he lands in the project's chat, where his work starts.
    await page.waitForURL(/\/orgs\/demo\/projects\/web\/chat$/);
    await page.getByRole('link', { name: 'Plans', exact: true }).click();
    await page.waitForURL(/\/orgs\/demo\/projects\/web\/plans$/);

    // A new version each run, so the predicted state change is never a no-op.
    const version = String((Math.floor(Date.now() / 1000) % 1000) + 1);
    const preview = await compose(bob, 'deploy.web', { service: 'web', env: 'staging', version });
    await expect.poll(() => preview.getByText('Allowed').first().isVisible()).toBe(true);
    const checks = preview.getByRole('table', { name: 'Checks of step step-1' });
    await expect.poll(() => checks.locator('tbody tr td:first-child').allTextContents()).toEqual(
      expect.arrayContaining(['rbac', 'params', 'kill_switch', 'window', 'rate_limit', 'policy']),
    );
    expect(await checks.getByRole('row', { name: /^policy/ }).textContent()).toContain('staging-is-free (policies/examples/org.yaml:38)');
    expect(await checks.getByRole('row', { name: /deploy-rate/ }).textContent()).toContain('has room');
    // The plan as a whole is checked against today's budget.
    expect(await preview.getByRole('region', { name: 'Plan checks' }).textContent()).toMatch(/budget.*the cost of 2 fits/);
    const diff = preview.getByRole('table', { name: 'Predicted state changes' });
    expect(await diff.textContent()).toContain('deployments.web-staging');
    expect(await preview.getByTestId('preview-cost').textContent()).toBe('2 credits');
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, 'plan-composer');

    const planId = await proposeAndOpen(bob);
    await expect.poll(() => page.getByTestId('plan-status').textContent()).toContain('approved');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => page.getByTestId('progress-step-1').textContent(), { timeout: 20_000 }).toContain('succeeded');
    await expect.poll(() => page.getByTestId('plan-status').textContent()).toContain('succeeded');
    await expect.poll(() => page.getByTestId('replay').textContent()).toContain('identical');
    expect(await page.getByRole('list', { name: 'Event timeline' }).textContent()).toContain('Plan succeeded');

    await page.getByRole('link', { name: 'Plans', exact: true }).first().click();
    const row = page.getByRole('row', { name: new RegExp(planId) });
    await expect.poll(() => row.textContent()).toContain('succeeded');
    await shoot(page, 'plans');
  });

  it('a production deploy waits for sre-leads then change-board, approved in other sessions while the operator watches live', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    await bob.page.goto('/orgs/demo/projects/web/plans');
    await compose(bob, 'deploy.web', { service: 'web', env: 'prod', version: String((Math.floor(Date.now() / 1000) % 1000) + 1) });
    const preview = bob.page.getByRole('article', { name: 'Plan preview: Preview' });
    await expect.poll(() => preview.getByTestId('plan-summary').textContent()).toMatch(/checks passed · needs sre-leads then change-board$/);
    expect(await preview.getByRole('region', { name: 'Approvals needed' }).textContent()).toContain('sre-leads: 1 of sre-leads');
    await expect.poll(() => preview.getByRole('table', { name: 'Predicted state changes' }).textContent()).toContain('deployments.web-prod');
    await bob.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await shootElement(bob.page.locator('form.composer'), 'plan-preview');
    const planId = await proposeAndOpen(bob);
    const planUrl = bob.page.url();
    await expect.poll(() => bob.page.getByTestId('plan-status').textContent()).toContain('pending approval');
    // The proposer may not approve his own plan: no Approve button for bob.
    expect(await bob.page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await bob.page.getByTestId('stage-0').textContent()).toContain('waiting');

    const carol = session.track(await signIn(session.browser, 'carol@demo.test'));
    await carol.page.getByRole('link', { name: /Approvals/ }).click();
    const request = carol.page.getByTestId(`request-${planId}`);
    await request.waitFor();
    expect(await request.textContent()).toMatch(/Deploy web v\d+ to prod/);
    const waiting = await carol.page.locator('[data-testid^="request-"]').count();
    await expect.poll(() => carol.page.getByTestId('inbox-count').textContent()).toBe(String(waiting));
    await shoot(carol.page, 'approvals');
    await request.getByLabel('Comment (optional)').fill('staging looked fine');
    await request.getByRole('button', { name: 'Approve' }).click();
    // Stage two needs change-board, which carol is not in: the plan leaves her inbox.
    await request.waitFor({ state: 'detached' });

    // Bob's page follows the plan live.
    await expect.poll(() => bob.page.getByTestId('stage-0').textContent()).toContain('Approved by carol@demo.test');
    expect(await bob.page.getByTestId('stage-0').textContent()).toContain('satisfied');

    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    await alice.page.goto(planUrl);
    await alice.page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => alice.page.getByTestId('plan-status').textContent()).toContain('approved');

    await expect.poll(() => bob.page.getByTestId('plan-status').textContent()).toContain('approved');
    // A second tab on the audit log: the run's entries must stream in without a reload.
    const audit = await bob.context.newPage();
    audit.on('console', (msg) => msg.type() === 'error' && bob.errors.push(`audit tab console: ${msg.text()}`));
    audit.on('pageerror', (err) => bob.errors.push(`audit tab page error: ${err.message}`));
    await audit.goto('/orgs/demo/audit');
    await audit.getByTestId('chain-status').waitFor();
    await audit.getByText('Live', { exact: true }).waitFor();
    await bob.page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => bob.page.getByTestId('progress-step-1').textContent(), { timeout: 20_000 }).toContain('succeeded');
    await expect.poll(() => bob.page.getByTestId('plan-status').textContent()).toContain('succeeded');
    const timeline = await bob.page.getByRole('list', { name: 'Event timeline' }).textContent();
    expect(timeline).toContain('Approved by carol@demo.test');
    expect(timeline).toContain('Approved by alice@demo.test');
    expect(timeline).toContain('Step step-1 succeeded');
    await expect.poll(() => bob.page.getByTestId('replay').textContent()).toContain('identical');
    await shoot(bob.page, 'plan-detail');
    const streamed = audit.locator(`tr.row-fresh[data-subject="${planId}"]`);
    await expect.poll(() => streamed.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')))).toEqual(
      expect.arrayContaining(['plan.queued', 'plan.started', 'plan.step_succeeded', 'plan.succeeded']),
    );
    await audit.close();

    // The run is in the audit log, and the chain verifies.
    await bob.page.getByRole('link', { name: 'Audit' }).click();
    await expect.poll(() => bob.page.getByTestId('chain-status').textContent()).toContain('Chain verified');
    await bob.page.getByLabel('Find in loaded entries').fill(planId);
    const rows = bob.page.locator(`tr[data-subject="${planId}"]`);
    await expect.poll(async () => (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')))).includes('plan.succeeded')).toBe(true);
    expect(await rows.filter({ hasText: 'carol@demo.test' }).count()).toBeGreaterThan(0);
    expect(await bob.page.locator('tbody tr').evaluateAll((trs) => trs.every((tr) => tr.getAttribute('data-subject') !== null))).toBe(true);
    await shoot(bob.page, 'audit');
  });

  it('a denied plan says why: the project is frozen', async () => {
    // A project of its own (made by the admin), so freezing it touches nothing else.
    const slug = `frozen-${Date.now().toString(36)}`;
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    await alice.page.getByRole('link', { name: 'Admin' }).click();
    await alice.page.getByLabel('Project slug').fill(slug);
    await alice.page.getByLabel('Project name').fill(`Frozen ${slug}`);
    await alice.page.getByRole('button', { name: 'Create project' }).click();
    await alice.page.getByRole('link', { name: `Frozen ${slug}` }).waitFor();

    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    const { page } = bob;
    await page.goto('/orgs/demo/projects/web/plans');
    await page.getByLabel('Project').selectOption(slug);
    await page.waitForURL(new RegExp(`/projects/${slug}/plans$`));
    // Freeze the project (allowed), running it as soon as it is proposed.
    const freeze = await compose(bob, 'state.set', { key: 'freeze', value: 'true' });
    await expect.poll(() => freeze.getByRole('table', { name: 'Predicted state changes' }).textContent()).toContain('freeze');
    await page.getByLabel('Run as soon as it is approved').check();
    await proposeAndOpen(bob);
    await expect.poll(() => page.getByTestId('plan-status').textContent(), { timeout: 20_000 }).toContain('succeeded');

    await page.getByRole('link', { name: 'Plans', exact: true }).first().click();
    // Not a deploy: deploys share an org-wide rate limit the other tests use.
    const preview = await compose(bob, 'service.restart', { service: 'api' });
    await expect.poll(() => preview.getByTestId('plan-summary').textContent()).toBe('Refused: The project is frozen (state.freeze)');
    expect(await preview.getByRole('table', { name: 'Checks of step step-1' }).getByRole('row', { name: /^policy/ }).textContent()).toContain(
      'change-freeze (policies/examples/org.yaml:18)',
    );
    await shoot(page, 'denied-preview');
    await proposeAndOpen(bob);
    await expect.poll(() => page.getByTestId('plan-status').textContent()).toContain('rejected');
    // A finished plan shows what happened: no verdict badge beside its status.
    expect(await page.getByTestId('plan-status').textContent()).not.toContain('Verdict');
    expect(await page.getByTestId('plan-summary').textContent()).toBe('Refused: The project is frozen (state.freeze)');
    expect(await page.getByRole('button', { name: 'Run' }).count()).toBe(0);
    await shoot(page, 'denied-plan');
  });

  it('shows that live updates are reconnecting when the websocket drops, and recovers', async () => {
    const bob = session.track(await visitor(session.browser));
    const { page } = bob;
    let refuse = false;
    const sockets: { close: (o?: { code?: number; reason?: string }) => Promise<void> }[] = [];
    await page.routeWebSocket(/\/graphql\/ws$/, (ws) => {
      if (refuse) {
        setTimeout(() => void ws.close({ code: 1013, reason: 'test: refused' }), 100);
        return;
      }
      ws.connectToServer();
      sockets.push(ws);
    });
    await page.goto('/');
    await page.getByRole('button', { name: /bob@demo\.test/ }).click();
    await page.getByText('Live', { exact: true }).waitFor();
    expect(await page.getByTestId('reconnecting').count()).toBe(0);
    refuse = true;
    await Promise.all(sockets.map((s) => s.close({ code: 1012, reason: 'test: dropped' })));
    await page.getByTestId('reconnecting').waitFor();
    expect(await page.getByTestId('reconnecting').textContent()).toContain('reconnecting');
    await shoot(page, 'reconnecting', false);
    refuse = false;
    await page.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 20_000 });
    await page.getByText('Live', { exact: true }).waitFor();

    // A close the client must not retry (internal error) is shown as stopped, with a reload.
    await sockets[sockets.length - 1]!.close({ code: 1011, reason: 'test: internal error' });
    await page.getByTestId('live-failed').waitFor();
    expect(await page.getByTestId('reconnecting').count()).toBe(0);
    await page.getByTestId('live-failed').getByRole('button', { name: 'Reload' }).click();
    await page.getByText('Live', { exact: true }).waitFor();
    expect(await page.getByTestId('live-failed').count()).toBe(0);
  });

  it('fits a phone screen', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test', { width: 390, height: 844 }));
    await bob.page.goto('/orgs/demo/projects/web/plans');
    await bob.page.getByRole('heading', { name: 'Plans', exact: true }).waitFor();
    await bob.page.getByRole('row').nth(1).waitFor();
    expect(await overflowsHorizontally(bob.page)).toBe(false);
    await shoot(bob.page, 'mobile-plans');
    // Every other screen fits too: wide tables scroll inside their cards, not the page.
    for (const [path, ready] of [
      ['/orgs/demo/approvals', 'Approvals'],
      ['/orgs/demo/audit', 'Audit log'],
      ['/orgs/demo/projects/web/policy?tab=draft', 'Policy'],
      ['/orgs/demo/projects/web/limits', 'Limits'],
      ['/orgs/demo/admin', 'Administration'],
    ] as const) {
      await bob.page.goto(path);
      await bob.page.getByRole('heading', { name: ready, exact: true }).waitFor();
      await bob.page.locator('.card').first().waitFor();
      expect(await overflowsHorizontally(bob.page), path).toBe(false);
    }
  });

  it('signs out, and a deep link opened while signed out lands on its page after signing in', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    await bob.page.getByRole('button', { name: 'Sign out' }).click();
    await bob.page.getByRole('heading', { name: 'Sign in to Praetor' }).waitFor();
    // The server answers the app for any route; the app asks for a session first.
    const response = await bob.page.goto('/orgs/demo/audit?q=plan.');
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await bob.page.getByRole('button', { name: /carol@demo\.test/ }).click();
    await bob.page.getByRole('heading', { name: 'Audit log' }).waitFor();
    expect(bob.page.url()).toMatch(/\/orgs\/demo\/audit\?q=plan\.$/);
    expect(await bob.page.getByTestId('viewer-name').textContent()).toBe('carol');
    // The new session has its own live connection.
    await bob.page.getByText('Live', { exact: true }).waitFor();
    expect(await bob.page.getByLabel('Find in loaded entries').inputValue()).toBe('plan.');
  });
});
