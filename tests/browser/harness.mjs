// Shared set-up for the browser tests: a real `rapport` server over a fresh demo database, and
// Debian's Chromium driven by playwright-core. Each test file starts its own server and browser
// and stops both at the end, so files can run in any order.
//
// Environment: RAPPORT_BIN (the rapport binary), RAPPORT_WEB (the built web app, web/dist).

import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startDemoServer } from '../demo_server.mjs';

// playwright-core and axe-core live in web/node_modules, installed by `npm ci` in web/.
const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const { source: axeSource } = require('axe-core');

export const kDemoPassword = 'demo-browser-password-2026';

export const kDemo = {
  admin: 'admin@demo.rapport',
  supervisor: 'supervisor@demo.rapport',
  therapist: 'therapist@demo.rapport',
  client: 'client@demo.rapport',
  guardian: 'guardian@demo.rapport',
};

function requireEnv(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (the CTest registration sets it)`);
  return value;
}

// The demo clinic on a free port, serving the built web app (RAPPORT_WEB). `extraArgs` and `env`
// are passed on to the server (see startDemoServer). Returns { baseUrl, stop }.
export async function startServer({ extraArgs = [], env = {} } = {}) {
  return startDemoServer({ password: kDemoPassword, web: requireEnv('RAPPORT_WEB'), extraArgs, env });
}

// Chromium from Debian, never a downloaded one. playwright gives each launch a fresh temporary
// profile directory. `extraArgs` are added to the usual ones (fake camera and microphone files
// for the session room's test).
export async function launchBrowser({ extraArgs = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.RAPPORT_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

// A new isolated browser context (own cookies) and page at the given viewport width.
export async function newPage(browser, baseUrl, width = 1280, height = 900) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  watchForProblems(page);
  return page;
}

// Script errors and Content-Security-Policy refusals seen on any watched page. The app must run
// under the server's self-only CSP with no inline scripts or styles.
const problems = [];

export function watchForProblems(page) {
  page.on('pageerror', (e) => problems.push(`${page.url()}: uncaught ${e}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(`${page.url()}: ${m.text()}`);
  });
}

export function assertNoPageProblems() {
  assert.deepEqual(problems, [], 'script errors or CSP refusals');
}

export async function signIn(page, email, password = kDemoPassword) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// A JSON call from inside the page, with the session's cookie and CSRF token.
export async function callApi(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const me = await (await fetch('/api/v1/me')).json();
      const r = await fetch(`/api/v1${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

// Runs axe-core on the current page; fails on any serious or critical violation, naming each
// rule and the elements it found. axe is put into the page once per document and run there
// directly, asking only for violations: the app has no frames, and each check then costs a
// fraction of a second rather than the seconds a fresh helper page per check would.
const kAxeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

export async function assertAccessible(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(
    async (tags) =>
      (await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })).violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      })),
    kAxeTags,
  );
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.targets.join('\n  ')}`).join('\n');
  assert.equal(bad.length, 0, `accessibility violations on ${what}:\n${report}`);
}

// True when the document is wider than the viewport, i.e. the page scrolls sideways.
export async function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

// Controls smaller than 44 px in either direction (links inside running text are exempt).
export async function smallTouchTargets(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, input, select, nav a, .list a, .breadcrumb a, .brand')]
      .filter((el) => el.getClientRects().length > 0 && el.type !== 'hidden')
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.height < 44 || r.width < 44)
      .map(({ el, r }) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('name') || '').trim()}" ${Math.round(r.width)}x${Math.round(r.height)}`),
  );
}

// Narrows the page to a 360 px phone, checks that nothing scrolls sideways, and restores it.
export async function assertFitsPhone(page, what) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
  const overflow = await horizontalOverflow(page);
  await page.setViewportSize(before);
  assert.equal(overflow, 0, `${what} scrolls sideways by ${overflow}px at 360 px`);
}

// The life of a browser test file: a server over a fresh demo clinic and a browser, started
// before the file's tests and stopped after them; the file fails if any page logged a problem.
// `serverOptions` ({ extraArgs, env } for startServer) may also be an async function that returns
// them, for options known only once something else has started (a mail sink's port).
// Returns the object that holds them once started: { server, browser }.
export function demoServerAndBrowser(serverOptions = {}) {
  const live = { server: null, browser: null };
  before(async () => {
    live.server = await startServer(typeof serverOptions === 'function' ? await serverOptions() : serverOptions);
    live.browser = await launchBrowser();
  });
  after(async () => {
    await live.browser?.close();
    await live.server?.stop();
    assertNoPageProblems();
  });
  return live;
}
