// Looking after an account: changing one's password, asking for a link when it is forgotten, and
// the admin deactivating an account or clearing its failed sign-ins. All driven by role and label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, assertFitsPhone, demoServerAndBrowser, kDemo, kDemoPassword, newPage, signIn } from './harness.mjs';

const live = demoServerAndBrowser();

// Demo accounts that no other test in this file relies on: each test changes its own.
const kDaniel = { email: 'daniel.nakamura@demo.rapport', name: 'Daniel Nakamura' };
const kPriya = { email: 'priya.raman@demo.rapport', name: 'Priya Raman' };
const kMei = { email: 'mei.chen@demo.rapport', name: 'Mei Chen' };

const kSentMessage = /If this address belongs to an account, a link to choose a new password is on its way/;

// Signs in and waits until the app has left the sign-in page.
async function signedIn(page, email, password = kDemoPassword) {
  await signIn(page, email, password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).waitFor();
}

// Waits until `check` (async) returns true; the page renders after an event, not during it.
async function until(check, what, timeout = 5000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    assert.ok(Date.now() < end, `timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const isInvalid = async (field) => (await field.getAttribute('aria-invalid')) === 'true';
const hasFocus = (locator) => locator.evaluate((el) => el === document.activeElement);

// The text that describes a field: its hint and its error.
async function description(page, field) {
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
  const texts = [];
  for (const id of ids) texts.push(await page.locator(`[id="${id}"]`).innerText());
  return texts.join(' ');
}

// Sign-in fails: an alert, and the person stays on the sign-in page. Returns the alert's text.
async function signInRefused(page, email, password) {
  await signIn(page, email, password);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(new URL(page.url()).pathname, /^\/sign-in/);
  return alert.innerText();
}

test('a therapist changes their password on the account page, and only the new one signs in', async () => {
  const newPassword = 'quiet-harbour-lantern-2026';
  const page = await newPage(live.browser, live.server.baseUrl);
  await signedIn(page, kDaniel.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  const card = page.getByRole('region', { name: 'Change your password' });
  await card.waitFor();
  const current = card.getByLabel('Current password', { exact: true });
  const fresh = card.getByLabel('New password', { exact: true });
  const repeat = card.getByLabel('Repeat the new password', { exact: true });
  const change = card.getByRole('button', { name: 'Change password' });
  assert.equal(await current.getAttribute('autocomplete'), 'current-password');
  assert.equal(await fresh.getAttribute('autocomplete'), 'new-password');
  assert.equal(await repeat.getAttribute('autocomplete'), 'new-password');

  let sent = 0;
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/v1/me/password') sent++;
  });

  // Two different new passwords: said beside the repeat, and nothing is sent.
  await current.fill('not-my-password-at-all');
  await fresh.fill(newPassword);
  await repeat.fill(`${newPassword}-typo`);
  await change.click();
  await until(() => isInvalid(repeat), 'the repeated password is marked');
  assert.match(await description(page, repeat), /not the same/i);
  assert.ok(await hasFocus(repeat), 'focus goes to the field to correct');
  assert.equal(sent, 0, 'a mismatch is caught before sending');

  // A wrong current password is marked on that field, with the reason beside it.
  await repeat.fill(newPassword);
  await until(async () => !(await isInvalid(repeat)), 'the repeated password is no longer marked');
  await change.click();
  await card.getByRole('alert').waitFor();
  assert.equal(await current.getAttribute('aria-invalid'), 'true');
  assert.match(await description(page, current), /not your current password/i);
  assert.equal(await fresh.getAttribute('aria-invalid'), null);
  assert.equal(sent, 1);
  await assertAccessible(page, 'the account page with a wrong current password');
  await assertFitsPhone(page, 'the account page');

  // The right one: the server's message in a status, and the fields emptied.
  await current.fill(kDemoPassword);
  await change.click();
  const done = card.getByRole('status');
  await done.waitFor();
  assert.match(
    await done.innerText(),
    /Your password has been changed, and every other session of your account has been signed out/,
  );
  assert.equal(await current.getAttribute('aria-invalid'), null);
  for (const field of [current, fresh, repeat]) assert.equal(await field.inputValue(), '');
  await assertAccessible(page, 'the account page after changing the password');

  // Signed out, the old password no longer works and the new one does.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL('**/sign-in');
  assert.match(await signInRefused(page, kDaniel.email, kDemoPassword), /incorrect/i);
  await signedIn(page, kDaniel.email, newPassword);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  await page.context().close();
});

test('forgot password: the link from sign-in sends the same answer for a known and an unknown address', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/forgot-password');
  const email = page.getByLabel('Email', { exact: true });
  const send = page.getByRole('button', { name: 'Send me a link' });

  // A malformed address is named beside the field.
  await email.fill('not an address');
  await send.click();
  await page.getByRole('alert').waitFor();
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.match(await description(page, email), /email/i);

  const answerFor = async (address) => {
    await email.fill(address);
    // Changing the address takes away the answer for the one before.
    await page.getByRole('status').waitFor({ state: 'detached' });
    await send.click();
    const status = page.getByRole('status');
    await status.waitFor();
    return status.innerText();
  };
  const known = await answerFor(kDemo.client);
  assert.match(known, kSentMessage);
  assert.equal(await email.getAttribute('aria-invalid'), null);
  const unknown = await answerFor('nobody-by-this-name@example.org');
  assert.equal(unknown, known, 'the answer does not tell whether an account exists');
  await assertAccessible(page, 'the forgot-password page');
  await assertFitsPhone(page, 'the forgot-password page');

  // The page also opens directly, signed out, and leads back to sign-in.
  await page.goto('/forgot-password');
  await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  await page.getByRole('link', { name: 'Back to sign-in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in to Rapport' }).waitFor();
  await page.context().close();
});

test('the admin deactivates a user after confirming; the user is shown as Deactivated and cannot sign in', async () => {
  // The user is signed in somewhere: that session ends too.
  const priya = await newPage(live.browser, live.server.baseUrl);
  await signedIn(priya, kPriya.email);

  const page = await newPage(live.browser, live.server.baseUrl);
  await signedIn(page, kDemo.admin);
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  const people = page.getByRole('region', { name: 'People' });
  const deactivate = people.getByRole('button', { name: `Deactivate ${kPriya.name}`, exact: true });
  await deactivate.waitFor();
  // Nobody can deactivate their own account from here.
  assert.equal(await people.getByRole('button', { name: 'Deactivate Morgan Ellis', exact: true }).count(), 0);

  // The first press only asks; Cancel leaves the account as it was.
  await deactivate.click();
  const question = people.getByRole('group', { name: `Deactivate ${kPriya.name}?` });
  await question.waitFor();
  assert.match(await question.innerText(), /signed out everywhere and cannot sign in again/);
  const cancel = question.getByRole('button', { name: 'Cancel' });
  await until(() => hasFocus(cancel), 'the question takes focus');
  await assertAccessible(page, 'the admin home asking to confirm a deactivation');
  await assertFitsPhone(page, 'the admin home asking to confirm a deactivation');
  await cancel.click();
  await question.waitFor({ state: 'detached' });
  await until(() => hasFocus(deactivate), 'focus returns to the Deactivate button');

  await deactivate.click();
  await people.getByRole('button', { name: `Yes, deactivate ${kPriya.name}`, exact: true }).click();
  const done = people.getByRole('status').filter({ hasText: `${kPriya.name} was deactivated` });
  await done.waitFor();
  const row = people.getByRole('listitem').filter({ hasText: kPriya.email });
  await row.getByText('Deactivated', { exact: true }).waitFor();
  assert.equal(await deactivate.count(), 0, 'a deactivated user has no Deactivate button');
  await assertAccessible(page, 'the admin home after a deactivation');

  // Her session has ended, and she cannot sign in again.
  await priya.reload();
  await priya.waitForURL('**/sign-in**');
  assert.match(await signInRefused(priya, kPriya.email, kDemoPassword), /incorrect/i);
  await priya.context().close();
  await page.context().close();
});

test('the admin clears failed sign-ins, and the user can sign in again at once', async () => {
  // Wrong passwords until the account must wait; then even the right one is refused.
  const mei = await newPage(live.browser, live.server.baseUrl);
  let waiting = false;
  for (let i = 0; i < 8 && !waiting; i++) {
    waiting = /several failed sign-ins/i.test(await signInRefused(mei, kMei.email, `wrong-password-${i}`));
  }
  assert.ok(waiting, 'the account has been made to wait');
  assert.match(await signInRefused(mei, kMei.email, kDemoPassword), /several failed sign-ins/i);

  const page = await newPage(live.browser, live.server.baseUrl);
  await signedIn(page, kDemo.admin);
  const people = page.getByRole('region', { name: 'People' });
  await people.getByRole('button', { name: `Clear failed sign-ins for ${kMei.name}`, exact: true }).click();
  const done = people.getByRole('status');
  await done.waitFor();
  assert.equal(await done.innerText(), `Failed sign-ins for ${kMei.name} were cleared; they can sign in again at once.`);
  await assertAccessible(page, 'the admin home after clearing failed sign-ins');
  await page.context().close();

  await signedIn(mei, kMei.email);
  await mei.getByRole('heading', { level: 1, name: /^Hello/ }).waitFor();
  await mei.context().close();
});
