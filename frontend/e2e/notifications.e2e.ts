// Notifications in a real browser: carol, an approver, has a page open when bob proposes a plan
// that needs her approval; her bell counts it live (no reload), its panel says "Approval
// waiting: …" and leads to the plan, read; she approves, and bob's bell, in his own session,
// says it was approved. On a phone the panel fits the screen. Carol's e-mail choices on her
// account page are kept across a reload (or, on an instance without SMTP, shown disabled with
// the reason). With the test script's SMTP server (aiosmtpd, whose Maildir is E2E_MAILDIR), the
// approval request also reaches carol by e-mail.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession, gql, overflowsHorizontally, shoot, signIn } from './support';

const session = browserSession();

/** Where the test script's SMTP server keeps what it receives (unset: no SMTP server). */
const MAILDIR = process.env.E2E_MAILDIR;

/** The messages the SMTP server received for `to`, as text. */
function mailTo(to: string): string[] {
  if (!MAILDIR) return [];
  let files: string[] = [];
  try {
    files = readdirSync(join(MAILDIR, 'new'));
  } catch {
    return [];
  }
  return files.map((f) => readFileSync(join(MAILDIR, 'new', f), 'utf8')).filter((m) => m.split('\n').includes(`To: ${to}`));
}

/** Notifications arrive within a second or so of what they tell of. */
const LIVE = { timeout: 15_000, interval: 200 };

/** Marks everything of the signed-in user of `page` read, so earlier tests' notifications do not count. */
async function markAllRead(page: Page): Promise<void> {
  await gql(page, 'mutation { markNotificationsRead(input: { all: true }) }');
}

/** A restart in payments (needs one approval, of sre-leads: carol), with a title of its own. */
async function proposeRestart(page: Page): Promise<{ id: string; title: string }> {
  const service = `notify-${Date.now().toString(36)}`;
  const { proposePlan } = await gql<{ proposePlan: { id: string; status: string; title: string } }>(
    page,
    'mutation($input: ProposePlanInput!) { proposePlan(input: $input) { id status title } }',
    { input: { org: 'demo', project: 'payments', steps: [{ action: 'service.restart', params: { service } }] } },
  );
  expect(proposePlan.status).toBe('PENDING_APPROVAL');
  expect(proposePlan.title).toBe(`Restart ${service}`);
  return proposePlan;
}

const bell = (page: Page) => page.getByTestId('notification-bell');
const bellLabel = (page: Page) => bell(page).getAttribute('aria-label');
const badge = async (page: Page) => {
  const count = page.getByTestId('notification-count');
  return (await count.count()) === 0 ? null : count.textContent();
};

describe('notifications', () => {
  it('carol’s bell counts bob’s plan live, leads her to it, and bob hears that she approved it', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test', { width: 390, height: 844 }));
    const carol = session.track(await signIn(session.browser, 'carol@demo.test'));
    await markAllRead(bob.page);
    await markAllRead(carol.page);
    await carol.page.goto('/orgs/demo/projects/web/plans');
    await carol.page.getByRole('heading', { name: 'Plans', exact: true }).waitFor();
    await expect.poll(() => bellLabel(carol.page), LIVE).toBe('Notifications, 0 unread');
    expect(await badge(carol.page)).toBeNull();
    // A mark on the page's window: a reload would lose it.
    await carol.page.evaluate(() => Object.assign(window, { notReloaded: true }));

    const plan = await proposeRestart(bob.page);
    await expect.poll(() => badge(carol.page), LIVE).toBe('1');
    expect(await bellLabel(carol.page)).toBe('Notifications, 1 unread');
    expect(await carol.page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded)).toBe(true);

    if (MAILDIR) {
      // And by e-mail, through the SMTP server, with a link to the plan.
      const subject = `Subject: Approval waiting: ${plan.title}`;
      await expect.poll(() => mailTo('carol@demo.test').find((m) => m.includes(subject)), LIVE).toBeDefined();
      const mail = mailTo('carol@demo.test').find((m) => m.includes(subject))!;
      expect(mail.replace(/=\r?\n/g, '')).toContain(`/orgs/demo/plans/${plan.id}`);
    }

    await bell(carol.page).click();
    const panel = carol.page.getByRole('dialog', { name: 'Notifications' });
    const entry = panel.getByRole('link', { name: new RegExp(`Approval waiting: ${plan.title}`) });
    await entry.waitFor();
    expect(await panel.getByRole('listitem').first().textContent()).toMatch(new RegExp(`^Unread: Approval waiting: ${plan.title}`));
    await shoot(carol.page, 'notifications-panel', false);
    await entry.click();
    await carol.page.waitForURL(new RegExp(`/orgs/demo/projects/payments/plans/${plan.id}$`));
    await panel.waitFor({ state: 'detached' });
    await expect.poll(() => badge(carol.page), LIVE).toBeNull();
    expect(await bellLabel(carol.page)).toBe('Notifications, 0 unread');

    await carol.page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => carol.page.getByTestId('plan-status').textContent(), LIVE).toContain('approved');

    // Bob, on a phone, in his own session: the approval reaches his bell.
    await bob.page.goto('/orgs/demo/projects/payments/plans');
    await expect.poll(() => badge(bob.page), LIVE).toBe('1');
    await bell(bob.page).click();
    const bobsPanel = bob.page.getByRole('dialog', { name: 'Notifications' });
    await bobsPanel.getByRole('link', { name: new RegExp(`Approved: ${plan.title}`) }).waitFor();
    // The panel fits the phone's screen; the page does not scroll sideways.
    const box = (await bobsPanel.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    expect(await overflowsHorizontally(bob.page)).toBe(false);
    await shoot(bob.page, 'notifications-phone', false);

    await bobsPanel.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => badge(bob.page), LIVE).toBeNull();
    expect(await bobsPanel.getByText('Unread:', { exact: false }).count()).toBe(0);
    // Escape closes the panel and gives the focus back to the bell.
    await bob.page.keyboard.press('Escape');
    await bobsPanel.waitFor({ state: 'detached' });
    expect(await bell(bob.page).evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('carol’s e-mail choices are kept across a reload', async () => {
    const carol = session.track(await signIn(session.browser, 'carol@demo.test'));
    const { page } = carol;
    const { viewer } = await gql<{ viewer: { emailNotifications: boolean; notificationSettings: { label: string; email: boolean }[] } }>(
      page,
      '{ viewer { emailNotifications notificationSettings { label email } } }',
    );
    await page.goto('/orgs/demo/account');
    const section = page.getByRole('region', { name: 'Notifications' });
    const first = viewer.notificationSettings[0]!;
    const label = `E-mail me about ${first.label[0]!.toLowerCase()}${first.label.slice(1)}`;
    const box = section.getByRole('checkbox', { name: label });
    await box.waitFor();
    expect(await section.getByRole('checkbox').count()).toBe(viewer.notificationSettings.length);
    expect(await box.isChecked()).toBe(first.email);

    // The test script runs an SMTP server when it can (always under CI).
    expect(viewer.emailNotifications).toBe(Boolean(MAILDIR));
    if (!viewer.emailNotifications) {
      // No SMTP server: the choices are shown, disabled, with the reason.
      expect(await section.textContent()).toContain('This instance sends no e-mail (no SMTP server is configured).');
      for (const each of await section.getByRole('checkbox').all()) expect(await each.isDisabled()).toBe(true);
      await shoot(page, 'notification-settings-no-smtp');
      return;
    }

    // Turned off, and still off after a reload; then back as it was.
    if (!first.email) {
      await box.check();
      await expect.poll(() => box.isEnabled()).toBe(true);
    }
    await box.uncheck();
    await expect.poll(() => box.isEnabled()).toBe(true);
    await page.reload();
    await box.waitFor();
    expect(await box.isChecked()).toBe(false);
    await shoot(page, 'notification-settings');
    await box.check();
    await expect.poll(() => box.isEnabled()).toBe(true);
    await page.reload();
    await box.waitFor();
    expect(await box.isChecked()).toBe(true);
  });
});
