// Chat in a real browser against `praetor serve --demo`: an operator asks for a staging deploy
// and runs it; a production deploy proposed in chat is approved by carol and alice from their
// own sessions while bob watches, then run by typing "run it" and found in the audit log; a
// denied plan says why; two agents' proposals side by side with a model's reply streaming in;
// a dropped connection shown and caught up; a long conversation opened on its latest messages;
// the screen on a phone.

import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession, expandChecks, gql, overflowsHorizontally, shoot, shootForDocs, signIn, unlabelledControls, visitor } from './support';

const session = browserSession();

const unique = () => Date.now().toString(36);

/** Types a message into the conversation's box and sends it with Enter. */
async function say(page: Page, text: string) {
  const box = page.getByLabel('Message');
  await box.fill(text);
  await box.press('Enter');
}

/** Starts a conversation in `project` with its first message; returns its id. */
async function startConversation(page: Page, project: string, text: string): Promise<string> {
  await page.goto(`/orgs/demo/projects/${project}/chat`);
  await page.getByRole('heading', { name: 'New conversation' }).waitFor();
  await say(page, text);
  await page.waitForURL(/\/chat\/chs_[0-9a-f]+$/);
  return page.url().split('/').pop()!;
}

/** The card of the latest plan proposed in the conversation. */
function latestPlanCard(page: Page): Locator {
  return page.getByTestId('chat-plan').last();
}

async function planIdOf(card: Locator): Promise<string> {
  return (await card.getAttribute('data-plan-id'))!;
}

/** How long a test waits for an answer: it is worked out in the background after the message is stored. */
const ANSWER = { timeout: 15_000 };

function assistantMessages(page: Page): Locator {
  return page.getByRole('log', { name: 'Conversation' }).locator('[data-role="assistant"]');
}

/**
 * Whether "deploy web to <env>" (version 1, the alias's default) changes the project state: not
 * if an earlier run against the same server left it so; a fresh server (scripts/test-frontend
 * starts one) has no deployment yet.
 */
async function deployChanges(page: Page, env: string): Promise<boolean> {
  type Deployment = { env?: string; service?: string; version?: number };
  const { project } = await gql<{ project: { state: { deployments?: Record<string, Deployment> } } }>(page, '{ project(org: "demo", slug: "web") { state } }');
  const now = project.state.deployments?.[`web-${env}`];
  return !(now?.env === env && now.service === 'web' && now.version === 1);
}

async function expectDiff(scope: Locator, changes: boolean, path: string) {
  const diff = scope.getByRole('table', { name: 'Predicted state changes' });
  if (changes) expect(await diff.textContent()).toContain(path);
  else expect(await diff.count()).toBe(0);
}

describe('chat', () => {
  it('asks for a staging deploy with the keyboard, sees every check of the preview, runs it and watches it succeed', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    const { page } = bob;
    const changes = await deployChanges(page, 'staging');
    // Opening Chat from another screen puts the keyboard in the message box.
    await page.goto('/orgs/demo/projects/web/plans');
    await page.getByRole('link', { name: 'Chat', exact: true }).click();
    await page.getByRole('heading', { name: 'New conversation' }).waitFor();
    // The message box has the focus: just type, Enter sends.
    await page.keyboard.type('deploy web to staging');
    expect(await page.getByLabel('Message').inputValue()).toBe('deploy web to staging');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/chat\/chs_[0-9a-f]+$/);
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.locator('[data-role="user"]', { hasText: 'deploy web to staging' }).waitFor();
    await expect.poll(() => assistantMessages(page).last().textContent(), ANSWER).toContain('Proposed plan');
    // The request names the conversation.
    await expect.poll(() => page.locator('h1').first().textContent(), ANSWER).toBe('deploy web to staging');

    const card = latestPlanCard(page);
    await card.waitFor();
    const preview = card.getByRole('article', { name: /^Plan preview: Deploy web v\d+ to staging$/ });
    // A proposed plan's card leads with one line and folds its checks away.
    await expect.poll(() => preview.getByTestId('plan-summary').textContent()).toMatch(/^\d+ checks passed · /);
    await expandChecks(preview);
    const checks = preview.getByRole('table', { name: 'Checks of step step-1' });
    expect(await checks.locator('tbody tr td:first-child').allTextContents()).toEqual(
      expect.arrayContaining(['rbac', 'params', 'kill_switch', 'window', 'rate_limit', 'policy']),
    );
    expect(await checks.getByRole('row', { name: /^policy/ }).textContent()).toContain('staging-is-free (policies/examples/org.yaml:38)');
    expect(await checks.getByRole('row', { name: /agent-deploys/ }).textContent()).toContain('has room');
    await expectDiff(preview, changes, 'deployments.web-staging');
    expect(await preview.getByTestId('preview-cost').textContent()).toBe('2 credits');
    // The plan was proposed by bob through the chat's agent, and policy let it through.
    expect(await card.getByTestId('chat-plan-status').textContent()).toMatch(/approved.*alias \(agent\) for bob@demo\.test/);
    expect(await assistantMessages(page).last().textContent()).toContain('Policy allows it');
    expect(await unlabelledControls(page)).toEqual([]);

    await card.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => card.getByTestId('progress-step-1').textContent(), { timeout: 20_000 }).toContain('succeeded');
    await expect.poll(() => card.getByTestId('chat-plan-status').textContent()).toContain('succeeded');
    expect(await card.getByRole('button').count()).toBe(0);
    await expect.poll(() => page.getByRole('list', { name: 'Plan activity' }).last().textContent()).toContain('plan succeeded');
    expect(await page.getByRole('list', { name: 'Plan activity' }).first().textContent()).toContain('queued by bob@demo.test');
    await shoot(page, 'chat-staging');
  });

  it('a production deploy from chat is approved by carol then alice in their own sessions; bob says "run it" and finds it in the audit log', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test', { width: 1280, height: 1500 }));
    const changes = await deployChanges(bob.page, 'prod');
    const sessionId = await startConversation(bob.page, 'web', 'deploy web to prod');
    await expect.poll(() => assistantMessages(bob.page).last().textContent(), ANSWER).toContain('Proposed plan');
    const card = latestPlanCard(bob.page);
    await card.waitFor();
    const planId = await planIdOf(card);
    await expect.poll(() => card.getByTestId('plan-summary').textContent()).toMatch(/checks passed · needs sre-leads then change-board$/);
    await expandChecks(card);
    await expectDiff(card, changes, 'deployments.web-prod');
    await expect.poll(() => assistantMessages(bob.page).last().textContent(), ANSWER).toContain('It needs approval');
    // Bob proposed it: he may not approve it (the card says why), and it cannot run yet.
    await expect.poll(() => card.getByTestId('cannot-approve').textContent()).toContain('You cannot approve it now');
    expect(await card.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await card.getByRole('button', { name: 'Run' }).count()).toBe(0);
    await bob.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await bob.page.evaluate(() => window.scrollTo(0, 0));
    await shootForDocs(bob.page, 'chat');

    // Carol finds bob's conversation in the project's list; she may read it, not write in it.
    const carol = session.track(await signIn(session.browser, 'carol@demo.test'));
    await carol.page.getByRole('link', { name: 'Chat', exact: true }).click();
    await carol.page.locator(`a[href$="/chat/${sessionId}"]`).click();
    await carol.page.getByTestId('read-only').waitFor();
    expect(await carol.page.getByLabel('Message').count()).toBe(0);
    const carolCard = carol.page.locator(`[data-plan-id="${planId}"]`);
    await carolCard.getByLabel('Comment (optional)').fill('staging looked fine');
    await carolCard.getByRole('button', { name: 'Approve' }).click();
    // Stage two needs change-board, which carol is not in.
    await carolCard.getByRole('button', { name: 'Approve' }).waitFor({ state: 'detached' });
    await expect.poll(() => carolCard.getByTestId('cannot-approve').textContent()).toContain('change-board');
    await shoot(carol.page, 'chat-approver');

    // Bob's conversation shows it live.
    await expect.poll(() => bob.page.getByRole('list', { name: 'Plan activity' }).last().textContent()).toContain(
      'carol@demo.test approved stage 1: staging looked fine',
    );
    await expect.poll(() => card.getByTestId('stage-0').textContent()).toContain('satisfied');

    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    await alice.page.goto(`/orgs/demo/projects/web/chat/${sessionId}`);
    const aliceCard = alice.page.locator(`[data-plan-id="${planId}"]`);
    await aliceCard.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => aliceCard.getByTestId('chat-plan-status').textContent()).toContain('approved');

    await expect.poll(() => card.getByTestId('chat-plan-status').textContent()).toContain('approved');
    await card.getByRole('button', { name: 'Run' }).waitFor();
    await say(bob.page, 'run it');
    await expect.poll(() => assistantMessages(bob.page).last().textContent(), ANSWER).toContain(`Queued plan ${planId}`);
    await expect.poll(() => card.getByTestId('progress-step-1').textContent(), { timeout: 20_000 }).toContain('succeeded');
    await expect.poll(() => card.getByTestId('chat-plan-status').textContent()).toContain('succeeded');
    const activity = (await bob.page.getByRole('list', { name: 'Plan activity' }).allTextContents()).join('\n');
    expect(activity).toContain('alice@demo.test approved stage 2');
    expect(activity).toContain('queued by bob@demo.test');
    // Alice's copy followed along too.
    await expect.poll(() => aliceCard.getByTestId('chat-plan-status').textContent()).toContain('succeeded');

    await bob.page.getByRole('link', { name: 'Audit' }).click();
    await expect.poll(() => bob.page.getByTestId('chain-status').textContent()).toContain('Chain verified');
    await bob.page.getByLabel('Find in loaded entries').fill(planId);
    const rows = bob.page.locator(`tr[data-subject="${planId}"]`);
    await expect
      .poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind'))))
      .toEqual(expect.arrayContaining(['plan.proposed', 'plan.approved', 'plan.queued', 'plan.succeeded']));
    expect(await rows.filter({ hasText: 'carol@demo.test' }).count()).toBeGreaterThan(0);
    // Proposed by bob through the chat's agent: the chain names both.
    expect(await rows.filter({ hasText: 'alias' }).count()).toBeGreaterThan(0);
  });

  it('a denied plan says why: the project is frozen', async () => {
    // A project of its own, frozen by the admin, so nothing else is touched.
    const slug = `chat-frozen-${unique()}`;
    const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
    await gql(alice.page, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', {
      input: { org: 'demo', slug, name: `Frozen ${slug}` },
    });
    const { proposePlan } = await gql<{ proposePlan: { id: string } }>(
      alice.page,
      'mutation($input: ProposePlanInput!) { proposePlan(input: $input) { id } }',
      { input: { org: 'demo', project: slug, runWhenApproved: true, steps: [{ action: 'state.set', params: { key: 'freeze', value: true } }] } },
    );
    await expect
      .poll(async () => (await gql<{ plan: { status: string } }>(alice.page, 'query($id: ID!) { plan(id: $id) { status } }', { id: proposePlan.id })).plan.status, {
        timeout: 20_000,
      })
      .toBe('SUCCEEDED');

    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    await startConversation(bob.page, slug, 'restart api');
    const card = latestPlanCard(bob.page);
    await card.waitFor();
    await expect.poll(() => card.getByTestId('plan-summary').textContent()).toBe('Refused: The project is frozen (state.freeze)');
    await expandChecks(card);
    expect(await card.getByRole('table', { name: 'Checks of step step-1' }).getByRole('row', { name: /^policy/ }).textContent()).toContain(
      'change-freeze (policies/examples/org.yaml:18)',
    );
    await expect.poll(() => card.getByTestId('chat-plan-status').textContent()).toContain('rejected');
    expect(await card.getByRole('button').count()).toBe(0);
    await expect.poll(() => assistantMessages(bob.page).last().textContent(), ANSWER).toContain('It cannot run: The project is frozen (state.freeze)');
    await shoot(bob.page, 'chat-denied');
  });

  it.skipIf(!process.env.E2E_MODEL_URL)(
    "streams a model's reply, shows two agents' proposals side by side, and runs the one the owner chooses",
    async () => {
      // Two agents in a project of their own: the phrasebook (aliases) and a model (the
      // scripted endpoint scripts/test-frontend starts), the conversation's owner choosing.
      const id = unique();
      const slug = `chat-agents-${id}`;
      const [phrasebook, model] = [`phrasebook-${id}`, `model-${id}`];
      const alice = session.track(await signIn(session.browser, 'alice@demo.test'));
      await gql(alice.page, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', {
        input: { org: 'demo', slug, name: `Agents ${id}` },
      });
      // Alice sets them up from the chat screen: two agents, then the project's arbitration.
      await alice.page.goto(`/orgs/demo/projects/${slug}/chat`);
      const panel = alice.page.locator('details.chat-agents');
      await panel.locator('summary').click();
      for (const [name, planner] of [
        [phrasebook, 'ALIAS'],
        [model, 'LLM'],
      ] as const) {
        await panel.getByLabel('Agent name').fill(name);
        await panel.getByLabel('Planner').selectOption(planner);
        await panel.getByLabel('May propose (action globs, comma-separated)').fill('service.*');
        await panel.getByRole('button', { name: 'Create agent' }).click();
        await panel.getByRole('button', { name: `Turn ${name} off` }).waitFor();
      }
      await panel.getByRole('checkbox', { name: new RegExp(`^${phrasebook}`) }).check();
      await panel.getByRole('checkbox', { name: new RegExp(`^${model}`) }).check();
      expect(await panel.getByTestId('agent-order').textContent()).toBe(`Order: ${phrasebook} → ${model}`);
      await panel.getByLabel('Arbitration').selectOption('HUMAN_CHOICE');
      await panel.getByRole('button', { name: 'Save agents' }).click();
      await expect.poll(() => alice.page.getByRole('region', { name: 'New conversation' }).textContent()).toContain(`${model} (llm) · human-choice`);
      expect(await unlabelledControls(alice.page)).toEqual([]);
      await shoot(alice.page, 'chat-agents');

      const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
      const { page } = bob;
      await page.goto(`/orgs/demo/projects/${slug}/chat`);
      await expect.poll(() => page.getByRole('region', { name: 'New conversation' }).textContent()).toContain(`${model} (llm) · human-choice`);
      await say(page, 'restart api');
      await page.waitForURL(/\/chat\/chs_[0-9a-f]+$/);

      // The model's reply streams in before any proposal is stored (one snapshot of the page).
      const seen = async () =>
        page.evaluate(() => {
          const s = document.querySelector('[data-testid="streaming"]');
          return s
            ? { text: s.querySelector('.chat-msg-text')?.textContent ?? '', busy: s.getAttribute('aria-busy'), proposals: !!document.querySelector('[data-testid="proposals"]') }
            : null;
        });
      let streaming: Awaited<ReturnType<typeof seen>> = null;
      await expect.poll(async () => (streaming = await seen()), { timeout: 10_000 }).not.toBeNull();
      expect(streaming).toMatchObject({ busy: 'true', proposals: false });
      expect(streaming!.text).toMatch(/^Restarting api/);

      const board = page.getByTestId('proposals');
      await board.waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('streaming').count()).toBe(0);
      const [left, right] = [board.getByTestId(`proposal-${phrasebook}`), board.getByTestId(`proposal-${model}`)];
      expect(await left.textContent()).toContain('service.restart {service: "api"}');
      expect(await left.textContent()).toContain('1 credit');
      expect(await right.textContent()).toContain('Restarting api together with its worker, so both pick up the new configuration.');
      expect(await right.textContent()).toContain('2 credits');
      expect(await right.textContent()).toContain('2 state keys, 0 external calls');
      // Side by side: the same row, the phrasebook first (once the board has laid out: the
      // cards may still be filling in when it first appears).
      const boxes = async () => [await left.boundingBox(), await right.boundingBox()];
      await expect.poll(async () => { const [a, b] = await boxes(); return Math.abs(a!.y - b!.y); }).toBeLessThan(2);
      const [a, b] = await boxes();
      expect(a!.x + a!.width).toBeLessThanOrEqual(b!.x);
      await shoot(page, 'chat-proposals', false);

      await right.getByRole('button', { name: `Choose ${model}'s plan` }).click();
      const card = latestPlanCard(page);
      await card.waitFor();
      await expect.poll(() => right.textContent()).toContain('chosen');
      await expect.poll(() => left.getByRole('button', { name: /^Choose/ }).count()).toBe(0);
      expect(await card.getByTestId('chat-plan-status').textContent()).toContain(`${model} (agent) for bob@demo.test`);
      await card.getByRole('button', { name: 'Run' }).click();
      await expect.poll(() => card.getByTestId('chat-plan-status').textContent(), { timeout: 20_000 }).toContain('succeeded');
      expect(await card.getByTestId('progress-step-1').textContent()).toContain('succeeded');
      expect(await card.getByTestId('progress-step-2').textContent()).toContain('succeeded');
    },
  );

  it('shows the conversation reconnecting when the websocket drops, then catches up without repeats', async () => {
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
    await page.getByTestId('viewer-name').waitFor();
    await startConversation(page, 'web', 'help');
    await expect.poll(() => assistantMessages(page).count()).toBe(1);
    await page.getByTestId('chat-live').waitFor();

    refuse = true;
    await Promise.all(sockets.map((s) => s.close({ code: 1012, reason: 'test: dropped' })));
    await page.getByTestId('chat-reconnecting').waitFor();
    expect(await page.getByTestId('chat-live-down').textContent()).toContain('Reconnecting');
    // Shown by the message box, where the reader is, not only at the top of the page.
    const notice = await page.getByTestId('chat-reconnecting').boundingBox();
    expect(notice!.y).toBeGreaterThan(0);
    expect(notice!.y + notice!.height).toBeLessThanOrEqual(900);
    // Messages still go out over HTTP; the answer waits for the stream to come back.
    await say(page, 'status');
    await page.locator('[data-role="user"]', { hasText: 'status' }).waitFor();
    await page.getByTestId('thinking').waitFor();
    await shoot(page, 'chat-reconnecting', false);
    refuse = false;
    await page.getByTestId('chat-live').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('chat-reconnecting').count()).toBe(0);
    await expect.poll(() => assistantMessages(page).count(), { timeout: 10_000 }).toBe(2);
    expect(await assistantMessages(page).last().textContent()).toContain('There is no plan in this conversation yet');
    // Every stored event shows once, in order.
    const seqs = await page.locator('[data-testid^="msg-"]').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-testid')!.slice(4))));
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    expect(seqs).toHaveLength(4);
    expect(await page.getByTestId('thinking').count()).toBe(0);
  });

  it('opens a long conversation on its latest messages and shows earlier ones on request', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test'));
    const { page } = bob;
    const { createChatSession } = await gql<{ createChatSession: { id: string } }>(
      page,
      'mutation($input: CreateChatSessionInput!) { createChatSession(input: $input) { id } }',
      { input: { org: 'demo', project: 'web', title: `Long ${unique()}` } },
    );
    const id = createChatSession.id;
    // 28 questions and their answers: 56 events, more than a conversation opens with. Each
    // question waits for its answer, so they alternate (a question sent while the previous
    // answer is still being worked out would be stored before it).
    const lastSeq = async () => (await gql<{ chatSession: { lastSeq: number } }>(page, 'query($id: ID!) { chatSession(id: $id) { lastSeq } }', { id })).chatSession.lastSeq;
    for (let i = 0; i < 28; i++) {
      await gql(page, 'mutation($s: ID!, $t: String!) { sendChatMessage(sessionId: $s, text: $t) { seq } }', { s: id, t: 'status' });
      await expect.poll(lastSeq, { timeout: 15_000 }).toBe(2 * (i + 1));
    }

    await page.goto(`/orgs/demo/projects/web/chat/${id}`);
    const conversation = page.getByRole('log', { name: 'Conversation' });
    const asked = conversation.locator('[data-role="user"]');
    await expect.poll(() => asked.count()).toBe(25);
    expect(await page.getByTestId('msg-1').count()).toBe(0);
    const earlier = page.getByTestId('chat-earlier');
    expect(await earlier.textContent()).toBe('Show earlier messages');
    expect(await page.locator('.chat-earlier').textContent()).toContain('6 earlier events');
    await earlier.click();
    await expect.poll(() => asked.count()).toBe(28);
    await page.getByTestId('msg-1').waitFor();
    expect(await earlier.count()).toBe(0);
    // Still live after that: a new message and its answer arrive.
    await say(page, 'status');
    await expect.poll(() => asked.count()).toBe(29);
    await page.getByTestId('msg-58').waitFor();
  });

  it('fits a phone screen', async () => {
    const bob = session.track(await signIn(session.browser, 'bob@demo.test', { width: 390, height: 844 }));
    await startConversation(bob.page, 'web', 'restart api');
    const card = latestPlanCard(bob.page);
    await card.waitFor();
    await expect.poll(() => card.getByTestId('chat-plan-status').textContent()).toContain('approved');
    expect(await overflowsHorizontally(bob.page)).toBe(false);
    await shoot(bob.page, 'mobile-chat');
  });
});
