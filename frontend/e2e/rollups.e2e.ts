// Rollups in a real browser, as the demo administrator: in a project of its own, two plans of
// `state.set` steps run (not deploys: the demo's org-wide deploy rate limit of 5 a minute is
// shared with the other browser tests) and a third is denied once the project is frozen. The
// Rollups page, reached from the navigation and filtered to the last 24 hours and that project,
// shows them within a fold or two (the server folds every 15 s): the summary, every chart with
// its series, the per-project table, a CSV of the series, and every organization for an
// instance administrator. An operator without that right sees no such section.

import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession, gql, overflowsHorizontally, shoot, signIn, unlabelledControls } from './support';

const session = browserSession();

async function propose(page: Page, project: string, steps: { action: string; params: Record<string, unknown> }[]): Promise<string> {
  const { proposePlan } = await gql<{ proposePlan: { id: string } }>(page, 'mutation($input: ProposePlanInput!) { proposePlan(input: $input) { id } }', {
    input: { org: 'demo', project, title: 'rollups browser test', runWhenApproved: true, steps },
  });
  return proposePlan.id;
}

async function statusOf(page: Page, id: string): Promise<string> {
  return (await gql<{ plan: { status: string } }>(page, 'query($id: ID!) { plan(id: $id) { status } }', { id })).plan.status;
}

/** The number of SVG series elements (`selector`) in a chart. */
const seriesIn = (page: Page, chart: string, selector: string) => page.getByTestId(chart).locator(selector).count();

describe('rollups', () => {
  it('shows a project’s plans, refusals and spend over the last 24 hours within a fold, and exports them', async () => {
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    const { page } = alice;
    const slug = `rollups-${Date.now().toString(36)}`;
    await gql(page, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', {
      input: { org: 'demo', slug, name: `Rollups ${slug}` },
    });

    // Two plans that run, the second freezing the project; then one that the freeze denies.
    for (const value of [false, true]) {
      const id = await propose(page, slug, [{ action: 'state.set', params: { key: 'freeze', value } }]);
      await expect.poll(() => statusOf(page, id), { timeout: 20_000 }).toBe('SUCCEEDED');
    }
    const denied = await propose(page, slug, [{ action: 'service.restart', params: { service: 'api' } }]);
    await expect.poll(() => statusOf(page, denied)).toBe('REJECTED');

    // A fresh load, so the project switcher and the filter know the new project.
    await page.goto('/orgs/demo/audit');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rollups' }).click();
    await page.waitForURL(/\/orgs\/demo\/rollups$/);
    await page.getByRole('heading', { name: 'Rollups', exact: true }).waitFor();
    await page.getByLabel('Range', { exact: true }).selectOption('24h');
    await page.getByLabel('Projects').selectOption(slug);
    await page.waitForURL((url) => url.searchParams.get('range') === '24h' && url.searchParams.get('project') === slug);
    // The address changes before the page renders the new range: read its text until it does.
    await expect.poll(() => page.getByTestId('rollup-range').textContent()).toContain('by hour');
    expect(await unlabelledControls(page)).toEqual([]);

    // Rollups are folded every 15 s: ask again until the plans are counted.
    const plans = page.getByTestId('summary-plans');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return (await plans.isVisible()) ? plans.textContent() : '';
        },
        { timeout: 30_000, interval: 2_000 },
      )
      .toBe('Plans proposed3');
    await expect.poll(() => page.getByTestId('summary-success').textContent(), { timeout: 20_000 }).toBe('Success rate100 %2 of 2 that ran');
    await expect.poll(() => page.getByTestId('summary-refusals').textContent(), { timeout: 20_000 }).toMatch(/^Refusals[1-9]/);
    expect(await page.getByTestId('rollups-empty').count()).toBe(0);

    // Every chart with its series: three lines of plans, three stacked origins, one area of
    // spend, a bar per refusal code. The plans needed no approval: no latency to draw.
    expect(await seriesIn(page, 'chart-plans', '.recharts-line')).toBe(3);
    expect(await seriesIn(page, 'chart-plans', 'path.recharts-line-curve')).toBe(3);
    expect(await seriesIn(page, 'chart-latency', '.recharts-line')).toBe(0);
    expect(await page.getByTestId('chart-latency').textContent()).toContain('No approvals in this range.');
    expect(await seriesIn(page, 'chart-origins', '.recharts-bar')).toBe(3);
    expect(await seriesIn(page, 'chart-spend', '.recharts-area')).toBe(1);
    expect(await seriesIn(page, 'chart-refusals', '.recharts-bar-rectangle')).toBeGreaterThan(0);
    // People proposed all three: their bars have height in the current hour.
    const humanBars = await page
      .getByTestId('chart-origins')
      .locator('.recharts-bar')
      .first()
      .locator('path.recharts-rectangle')
      .evaluateAll((paths) => paths.filter((p) => (p as SVGPathElement).getBBox().height > 0).length);
    expect(humanBars).toBeGreaterThan(0);

    const row = page.getByTestId(`rollup-project-${slug}`);
    await expect.poll(() => row.locator('td').first().textContent()).toBe('3');
    expect(await row.getAttribute('class')).toBe('row-fresh');

    // Alice is an instance administrator: every organization, the demo among them.
    const instance = page.getByTestId('instance-rollups');
    await instance.waitFor();
    const demo = instance.getByTestId('instance-org-demo');
    await demo.waitFor();
    expect(Number(await demo.locator('td').first().textContent())).toBeGreaterThanOrEqual(3);
    expect(await seriesIn(page, 'chart-instance-plans', '.recharts-line')).toBe(3);

    // The CSV: a row per hour of the range, the plans adding up, a column per refusal code.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    // A range ending at midnight UTC names its end by the date alone.
    expect(download.suggestedFilename()).toMatch(/^rollups-demo-\d{4}-\d{2}-\d{2}(T\d{4}Z)?-\d{4}-\d{2}-\d{2}(T\d{4}Z)?\.csv$/);
    const lines = readFileSync(await download.path(), 'utf8').trim().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 3)).toEqual(['start', 'plansProposed', 'plansSucceeded']);
    expect(header.some((h) => /^refusals_[A-Z_]+$/.test(h))).toBe(true);
    expect(lines).toHaveLength(1 + 24);
    expect(lines.slice(1).reduce((n, line) => n + Number(line.split(',')[1]), 0)).toBe(3);

    expect(await overflowsHorizontally(page)).toBe(false);
    // The header's navigation stays on one line at 1366 px, the Rollups link with the others.
    const navTops = await page.locator('.app-nav a').evaluateAll((links) => new Set(links.map((a) => Math.round(a.getBoundingClientRect().top))).size);
    expect(navTops).toBe(1);
    await shoot(page, 'rollups');
  }, 120_000);

  it('shows an operator the organization’s rollups but not every organization', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    const { page } = bob;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rollups' }).click();
    await page.getByTestId('summary-plans').waitFor();
    expect(await seriesIn(page, 'chart-plans', '.recharts-line')).toBe(3);
    // The page has loaded all it asks for; no section for a viewer who is not an instance administrator.
    await page.getByTestId('rollup-projects').waitFor();
    expect(await page.getByTestId('instance-rollups').count()).toBe(0);
    expect(await page.getByText('All organizations').count()).toBe(0);
  });
});
