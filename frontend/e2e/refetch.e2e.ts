// How many requests one chat message costs: bob has four tabs open (a conversation of project
// web, web's plans, the approvals inbox and web's limits), the tabs go quiet, then he proposes a
// plan in the conversation ("restart api") and every POST /graphql of the four tabs in the next
// few seconds is counted by operation name (requests only: the websocket's frames are not).
// Repeated for a few rounds; the counts are printed and written to
// test-results/refetch-counts.json. Measured twice: all four tabs visible (as headless Chromium
// shows every tab), then the three other tabs in the background (their `visibilityState` made
// 'hidden', as in a browser window where the chat tab is the one in front), shown again after
// the rounds. It checks that the other tabs still show the new plan, never a number (counts
// depend on timing).
//
//   REFETCH_ROUNDS (default 3) rounds, REFETCH_WINDOW_MS (default 5000) counted after each send.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Request } from 'playwright-core';
import { expect, it } from 'vitest';
import { browserSession, signIn, type User } from './support';

const session = browserSession();

const ROUNDS = Number(process.env.REFETCH_ROUNDS ?? 3);
const WINDOW_MS = Number(process.env.REFETCH_WINDOW_MS ?? 5_000);
/** The tabs are idle once no request was made for this long. */
const QUIET_MS = 2_000;
const QUIET_MAX_MS = 30_000;

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'refetch-counts.json');

/** The operation a POST /graphql asks for: its `operationName`, else the name in its text. */
function operationOf(request: Request): string {
  try {
    const body = JSON.parse(request.postData() ?? '{}') as { operationName?: string; query?: string };
    return body.operationName ?? body.query?.match(/^\s*(?:query|mutation)\s+(\w+)/)?.[1] ?? '(anonymous)';
  } catch {
    return '(unreadable)';
  }
}

function isGraphqlPost(request: Request): boolean {
  return request.method() === 'POST' && new URL(request.url()).pathname === '/graphql';
}

/** Another tab of the same signed-in user, its errors counted with the first tab's. */
async function tab(user: User, path: string): Promise<Page> {
  const page = await user.context.newPage();
  // Whether the tab is in the background is the test's to say (`hide`).
  await page.addInitScript(() => {
    const w = window as unknown as { testHidden?: boolean };
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (w.testHidden ? 'hidden' : 'visible') });
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => !!w.testHidden });
  });
  page.setDefaultTimeout(15_000);
  page.on('console', (msg) => {
    if (msg.type() === 'error') user.errors.push(`console (${path}): ${msg.text()}`);
  });
  page.on('pageerror', (err) => user.errors.push(`page error (${path}): ${err.message}`));
  await page.goto(path);
  return page;
}

/** Puts a tab in the background (or brings it back), as switching tabs does. */
async function hide(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    (window as unknown as { testHidden?: boolean }).testHidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

type Counts = Record<string, number>;
const results: Record<string, { rounds: Counts[]; shown?: Counts }> = {};

async function measure(name: string, background: boolean) {
  const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
  const chat = bob.page;
  await chat.goto('/orgs/demo/projects/web/chat');
  await chat.getByRole('heading', { name: 'New conversation' }).waitFor();
  await chat.getByLabel('Message').fill('help');
  await chat.getByLabel('Message').press('Enter');
  await chat.waitForURL(/\/chat\/chs_[0-9a-f]+$/);
  await chat.getByRole('log', { name: 'Conversation' }).locator('[data-role="assistant"]').first().waitFor();

  const plans = await tab(bob, '/orgs/demo/projects/web/plans');
  await plans.getByRole('heading', { name: 'All plans' }).waitFor();
  const approvals = await tab(bob, '/orgs/demo/approvals');
  await approvals.getByRole('heading', { name: 'Approvals', exact: true }).waitFor();
  const limits = await tab(bob, '/orgs/demo/projects/web/limits');
  await limits.getByRole('heading', { name: 'Limits', exact: true }).waitFor();
  const others = [plans, approvals, limits];
  if (background) for (const p of others) await hide(p, true);

  let counting = false;
  let lastRequest = Date.now();
  let counts: Counts = {};
  bob.context.on('request', (request) => {
    if (!isGraphqlPost(request)) return;
    lastRequest = Date.now();
    if (!counting) return;
    const op = operationOf(request);
    counts[op] = (counts[op] ?? 0) + 1;
  });
  const quiet = async () => {
    // Idle: nothing asked for a while (the limits page's 15 s timer may still fire in the window).
    const started = Date.now();
    while (Date.now() - lastRequest < QUIET_MS && Date.now() - started < QUIET_MAX_MS) await chat.waitForTimeout(250);
  };

  const rounds: Counts[] = [];
  const proposed: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await quiet();
    const cards = chat.getByTestId('chat-plan');
    const before = await cards.count();
    counts = {};
    counting = true;
    const box = chat.getByLabel('Message');
    await box.fill('restart api');
    await box.press('Enter');
    await chat.waitForTimeout(WINDOW_MS);
    counting = false;
    rounds.push(counts);

    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(before + 1);
    const planId = await cards.last().getAttribute('data-plan-id');
    expect(planId).toMatch(/^pln_/);
    proposed.push(planId!);
    // The proposal reached the plans tab live (a tab in the background once it is shown).
    if (!background) await plans.locator(`a[href$="/plans/${planId}"]`).waitFor();
  }
  results[name] = { rounds };

  if (background) {
    // Shown again, each tab catches up once.
    await quiet();
    counts = {};
    counting = true;
    for (const p of others) await hide(p, false);
    for (const id of proposed) await plans.locator(`a[href$="/plans/${id}"]`).waitFor();
    await chat.waitForTimeout(WINDOW_MS);
    counting = false;
    results[name]!.shown = counts;
  }
}

function report() {
  const lines: string[] = [];
  for (const [name, { rounds, shown }] of Object.entries(results)) {
    const ops = [...new Set([...rounds.flatMap((r) => Object.keys(r)), ...Object.keys(shown ?? {})])].sort();
    const total = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
    lines.push(`${name}: POST /graphql within ${WINDOW_MS} ms of one chat message, per round${shown ? ' | when the tabs are shown again' : ''}`);
    for (const op of ops) lines.push(`  ${op.padEnd(28)} ${rounds.map((r) => String(r[op] ?? 0).padStart(3)).join(' ')}${shown ? ` | ${shown[op] ?? 0}` : ''}`);
    lines.push(`  ${'total'.padEnd(28)} ${rounds.map((r) => String(total(r)).padStart(3)).join(' ')}${shown ? ` | ${total(shown)}` : ''}`);
  }
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify({ windowMs: WINDOW_MS, rounds: ROUNDS, results }, null, 2)}\n`);
  console.log(lines.join('\n'));
}

it('counts the requests one chat message causes across four open tabs', async () => {
  await measure('four tabs visible', false);
  report();
});

it('counts them with the three other tabs in the background, which catch up when shown', async () => {
  await measure('three tabs in the background', true);
  report();
});
