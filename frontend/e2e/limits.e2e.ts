// Governance limits in a real browser: today's budget and rate limits as gauges, execution
// windows, and a kill switch drill — engaged by the admin, seen by an operator whose preview is
// refused with KILL_SWITCH and on every screen, then released.

import { expect, it } from 'vitest';
import { browserSession, shoot, signIn, unlabelledControls } from './support';

const session = browserSession();

it('shows budgets, rate limits and windows, and a kill switch stops work in its project until released', async () => {
  // A project of its own, so the drill stops nothing else.
  const slug = `drill-${Date.now().toString(36)}`;
  const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
  const { page } = alice;
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByLabel('Project slug').fill(slug);
  await page.getByLabel('Project name').fill(`Drill ${slug}`);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: `Drill ${slug}` }).waitFor();
  await page.goto(`/orgs/demo/projects/${slug}/limits`);
  await page.getByRole('heading', { name: 'Limits', exact: true }).waitFor();

  const orgBudget = page.getByRole('meter', { name: 'Organization (caps all projects)' });
  expect(await orgBudget.getAttribute('aria-valuemax')).toBe('100');
  expect(await orgBudget.getAttribute('aria-valuetext')).toMatch(/^[\d.]+ credits of 100 credits/);
  expect(await page.getByTestId('spend-web').getByRole('img').getAttribute('aria-label')).toMatch(/^Web: [\d.]+ credits spent, [\d.]+ held$/);
  const rate = page.getByTestId('rate-org:deploy-rate');
  expect(await rate.getByRole('meter', { name: 'Proposals in the last minute' }).getAttribute('aria-valuemax')).toBe('5');
  expect(await rate.getByRole('meter', { name: 'Proposals in the last hour' }).getAttribute('aria-valuemax')).toBe('60');
  expect(await page.getByTestId('window-demo-baseline/prod-hours').textContent()).toMatch(/open now|closed/);
  expect(await page.getByTestId('autonomy').textContent()).toContain('supervised');
  expect(await unlabelledControls(page)).toEqual([]);
  await shoot(page, 'limits');

  const control = page.locator('.kill-control', { hasText: `project ${slug}` });
  await control.getByLabel('Reason').fill('e2e drill');
  await control.getByRole('button', { name: 'Engage…' }).click();
  await control.getByRole('button', { name: `Stop all work in the project ${slug}` }).click();
  await expect.poll(() => page.getByTestId('kill-banner').textContent()).toContain('e2e drill');
  await expect.poll(() => page.getByTestId('kill-switch').textContent()).toContain('engaged (project)');

  const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
  await bob.page.goto(`/orgs/demo/projects/${slug}/plans`);
  await expect.poll(() => bob.page.getByTestId('kill-banner').textContent()).toContain('Kill switch engaged (project) by alice@demo.test: e2e drill');
  await bob.page.getByRole('button', { name: 'New plan' }).click();
  await bob.page.getByLabel('Step 1: action').selectOption('service.restart');
  await bob.page.getByLabel(/^service/).fill('api');
  const preview = bob.page.getByRole('article', { name: 'Plan preview: Preview' });
  await expect.poll(() => preview.getByTestId('plan-summary').textContent()).toBe('Refused: kill switch engaged for the project by alice@demo.test: e2e drill');
  expect(await preview.getByRole('row', { name: /^kill_switch/ }).first().textContent()).toContain('Denied');
  await shoot(bob.page, 'kill-switch-preview');

  await control.getByRole('button', { name: 'Release' }).click();
  await page.getByTestId('kill-banner').waitFor({ state: 'detached' });
  await expect.poll(() => page.getByTestId('kill-switch').textContent()).toContain('not engaged');
  // The operator's screens follow: the banner goes, and the same preview is allowed again.
  await bob.page.getByTestId('kill-banner').waitFor({ state: 'detached' });
  await bob.page.getByLabel(/^service/).fill('web');
  await expect.poll(() => bob.page.getByRole('article', { name: 'Plan preview: Preview' }).getByText('Allowed').first().isVisible()).toBe(true);
});
