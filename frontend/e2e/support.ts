// Browser-test support: launches the system Chromium through playwright-core, signs demo
// users in through the sign-in page (each in its own browser context), fails a test on any
// console error or page error, and keeps screenshots under test-results/screenshots/ (and the
// README's pictures under docs/ when UPDATE_DOCS=1).

import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

export const BASE_URL = (process.env.PRAETOR_URL ?? '').replace(/\/$/, '');
if (!BASE_URL) throw new Error('PRAETOR_URL is not set: start `praetor serve --demo` and point PRAETOR_URL at it (scripts/test-frontend does)');

const here = dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = join(here, '..', 'test-results', 'screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface User {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

/** A test file's browser and the users its tests sign in. */
export interface Session {
  /** Launched before the file's first test. */
  readonly browser: Browser;
  /** Registers a user: its context is closed after the test, which fails on any error it saw. */
  track: (u: User) => User;
}

/**
 * One browser for the calling test file: launched before its tests, closed after them. After
 * each test the users it tracked are closed, and the test fails if any saw a console or page
 * error. Call once, at the top of the file.
 */
export function browserSession(): Session {
  let browser: Browser | undefined;
  const users: User[] = [];
  beforeAll(async () => {
    browser = await launch();
  });
  afterEach(async () => {
    const errors = users.flatMap((u) => u.errors);
    await Promise.all(users.splice(0).map((u) => u.context.close()));
    expect(errors, 'console or page errors').toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('the browser is launched in beforeAll: use it inside a test');
      return browser;
    },
    track: (u) => (users.push(u), u),
  };
}

/** A fresh browser context (own cookies) with error capture; not signed in. */
export async function visitor(browser: Browser, viewport = { width: 1366, height: 900 }): Promise<User> {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  return { context, page, errors };
}

/**
 * Drops the browser's log lines of refusals a test caused on purpose (`statuses`: a wrong
 * password, a used link), which Chromium logs as "Failed to load resource" with the status.
 */
export function forgiveRefusals(user: User, statuses: number[]): void {
  const expected = (e: string) => statuses.some((s) => e === `console: Failed to load resource: the server responded with a status of ${s} ${reason(s)}`);
  const rest = user.errors.filter((e) => !expected(e));
  user.errors.splice(0, user.errors.length, ...rest);
}

const reason = (status: number) => ({ 400: '(Bad Request)', 401: '(Unauthorized)', 403: '(Forbidden)', 404: '(Not Found)' })[status] ?? '';

/** Signs a demo user in by clicking their entry on the sign-in page. */
export async function signIn(browser: Browser, email: string, viewport?: { width: number; height: number }): Promise<User> {
  const user = await visitor(browser, viewport);
  await user.page.goto('/');
  await user.page.getByRole('button', { name: new RegExp(email.replace('.', '\\.')) }).click();
  await user.page.getByTestId('viewer-name').waitFor();
  return user;
}

export async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** A screenshot shown in the README: kept with the others, copied to docs/ when asked to. */
export async function shootForDocs(page: Page, name: string): Promise<void> {
  await shoot(page, name, false);
  if (process.env.UPDATE_DOCS === '1') copyFileSync(join(SCREENSHOTS, `${name}.png`), join(here, '..', 'docs', `${name}.png`));
}

/** A GraphQL call as the signed-in user of `page` (for setting up what a test needs). */
export async function gql<T>(page: Page, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await page.request.post('/graphql', { data: { query, variables } });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!res.ok() || body.errors?.length || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors ?? res.status())}`);
  return body.data;
}

/** Opens a plan card's folded list of checks and steps (a proposed plan's card starts folded). */
export async function expandChecks(card: Locator): Promise<void> {
  const details = card.locator('details.plan-checks');
  if ((await details.getAttribute('open')) === null) await details.locator('> summary').click();
}

/** A screenshot of one element. */
export async function shootElement(target: Locator, name: string): Promise<void> {
  await target.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Every input, select and textarea on the page that has no accessible label. */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea')]
      .filter((el) => el.type !== 'hidden')
      .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

/** The page scrolls sideways (a layout that does not fit its viewport). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}
