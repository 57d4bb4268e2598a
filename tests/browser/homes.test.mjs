// Every demo role signs in and lands on its own home, which passes an accessibility audit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertAccessible,
  assertFitsPhone,
  demoServerAndBrowser,
  horizontalOverflow,
  kDemo,
  newPage,
  signIn,
} from './harness.mjs';

const live = demoServerAndBrowser();

test('the therapist sees their caseload with the demo client on it', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const clients = page.getByRole('region', { name: 'Clients' });
  await clients.getByRole('listitem').first().waitFor();
  assert.ok((await clients.getByRole('listitem').count()) >= 2, 'the demo therapist treats at least two clients');
  await assert.doesNotReject(page.getByRole('region', { name: 'New client' }).waitFor());
  await assertAccessible(page, 'the therapist home');
  await assertFitsPhone(page, 'the therapist home');
  await page.context().close();
});

test('the supervisor sees clients grouped by therapist', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.supervisor);
  await page.getByRole('heading', { level: 1, name: 'Supervision overview' }).waitFor();
  // The demo supervisor supervises all three therapists: one group each (open alerts, when
  // there are any, arrive in their own section and may come first).
  await page.waitForFunction(() => document.querySelectorAll('.grid h2').length >= 3);
  await assertAccessible(page, 'the supervisor home');
  await assertFitsPhone(page, 'the supervisor home');
  await page.context().close();
});

test('the client sees their next appointment and therapist, also at 360 px', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Your therapist' }).waitFor();
  await page.locator('.loading').waitFor({ state: 'detached' });
  assert.equal(await horizontalOverflow(page), 0);
  await assertAccessible(page, 'the client home');
  await page.context().close();
});

test('the guardian sees their child', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.guardian);
  await page.getByRole('heading', { level: 3, name: 'Next appointment' }).first().waitFor();
  assert.equal(await page.getByRole('heading', { level: 2 }).count() >= 1, true);
  await assertAccessible(page, 'the guardian home');
  await assertFitsPhone(page, 'the guardian home');
  await page.context().close();
});

test('the admin sees users and browses the audit log', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.admin);
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await page.getByText(kDemo.therapist).waitFor();
  await assertAccessible(page, 'the admin home');
  await assertFitsPhone(page, 'the admin home');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  await page.locator('ol.audit li').first().waitFor();
  await assertAccessible(page, 'the audit log');
  await assertFitsPhone(page, 'the audit log');
  // Newest first, and "Older entries" pages back in time.
  const seqs = async () => (await page.locator('.audit__seq').allInnerTexts()).map((t) => Number(t.slice(1)));
  const first = await seqs();
  assert.ok(first.length > 1 && first.every((s, i) => i === 0 || s < first[i - 1]), `newest first: ${first}`);
  await page.getByRole('button', { name: 'Older entries' }).click();
  await page.getByText('(page 2)').waitFor();
  // The heading can change before the list does, and page 1 may re-render meanwhile: wait (up to
  // 10 s, then fail) for a list made only of entries older than page 1's last.
  await page.waitForFunction(
    (oldest) => {
      const shown = [...document.querySelectorAll('.audit__seq')].map((e) => Number(e.textContent.slice(1)));
      return shown.length > 0 && shown.every((s) => s < oldest);
    },
    first[first.length - 1],
    { timeout: 10_000 },
  );
  const second = await seqs();
  assert.ok(second[0] < first[first.length - 1], 'page 2 continues where page 1 ended');
  await page.context().close();
});

test('the admin adds a therapist whose invitation goes to them by e-mail, never to the admin', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.admin);
  const form = page.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Full name').fill('Noor Haddad');
  await form.getByLabel('Email').fill('noor.haddad@example.org');
  await form.getByLabel('Role').selectOption('therapist');
  await form.getByRole('button', { name: 'Add user' }).click();
  await form.getByRole('status').filter({ hasText: 'Noor Haddad was added' }).waitFor();
  const said = await form.getByRole('status').innerText();
  assert.match(said, /on its way to them by e-mail/);
  assert.doesNotMatch(said, /\/invite\//);
  // The line that starts with the address, not the button (once the invitation's status has
  // loaded) that also names it.
  await page.getByRole('region', { name: 'People' }).getByText(/^noor\.haddad@example\.org/).waitFor();
  await assertAccessible(page, 'the admin home after adding a user');
  await page.context().close();
});

test('the account page lists this device and signs out', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByText('This device').waitFor();
  await assertAccessible(page, 'the account page');
  await assertFitsPhone(page, 'the account page');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL('**/sign-in');
  // The session is gone on the server too: a reload stays on sign-in.
  await page.goto('/account');
  await page.waitForURL('**/sign-in?next=%2Faccount');
  await page.context().close();
});
