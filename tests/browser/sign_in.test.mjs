// The sign-in page: errors shown to the person, a phone-width layout, and accessibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertAccessible,
  demoServerAndBrowser,
  horizontalOverflow,
  kDemo,
  kDemoPassword,
  newPage,
  signIn,
} from './harness.mjs';

const live = demoServerAndBrowser();

test('the sign-in page has a skip link, landmarks, one h1 and lang="en"', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await page.goto('/');
  await page.waitForURL('**/sign-in');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await assert.doesNotReject(page.getByRole('banner').waitFor());
  await assert.doesNotReject(page.getByRole('main').waitFor());
  assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1);
  // The first Tab lands on the skip link, which moves focus into main.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  assert.ok(await skip.evaluate((el) => el === document.activeElement));
  await assertAccessible(page, 'the sign-in page');
  await page.context().close();
});

test('an empty form names the missing fields beside them', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  const email = page.getByLabel('Email');
  const password = page.getByLabel('Password');
  // The server judges the fields; whichever it names is marked invalid with its own message.
  await page.waitForFunction(() => document.querySelectorAll('[aria-invalid="true"]').length > 0);
  let marked = 0;
  for (const [field, label] of [
    [email, 'Email'],
    [password, 'Password'],
  ]) {
    if ((await field.getAttribute('aria-invalid')) !== 'true') continue;
    marked++;
    const id = (await field.getAttribute('aria-describedby')).split(' ').pop();
    assert.match(await page.locator(`[id="${id}"]`).innerText(), new RegExp(label, 'i'));
  }
  assert.ok(marked > 0);
  await page.context().close();
});

test('a wrong password shows an alert and keeps the person on the sign-in page', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist, 'not-the-right-password');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /\S/);
  assert.match(new URL(page.url()).pathname, /^\/sign-in/);
  await assertAccessible(page, 'the sign-in page with an error');
  await page.context().close();
});

test('the keyboard alone can sign in', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await page.goto('/sign-in');
  await page.getByLabel('Email').focus();
  await page.keyboard.type(kDemo.client);
  await page.keyboard.press('Tab');
  await page.keyboard.type(kDemoPassword);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await page.context().close();
});

test('the sign-in page does not scroll sideways at 360 px', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await page.goto('/sign-in');
  await page.getByLabel('Email').waitFor();
  assert.equal(await horizontalOverflow(page), 0);
  const button = await page.getByRole('button', { name: 'Sign in' }).boundingBox();
  assert.ok(button && button.height >= 44, `the sign-in button is ${button?.height}px tall`);
  await page.context().close();
});

// Last in this file: it makes the supervisor's account wait (from any browser that has not signed
// in to it before).
test('repeated failures make the account wait and say so in plain words, even for the right password', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await page.goto('/sign-in');
  for (let i = 0; i < 6; i++) {
    const status = await page.evaluate(async (email) => {
      const r = await fetch('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: 'wrong-password-again' }),
      });
      return r.status;
    }, kDemo.supervisor);
    assert.ok(status === 401 || status === 429, `attempt ${i + 1} answered ${status}`);
  }
  await signIn(page, kDemo.supervisor, kDemoPassword);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /several failed sign-ins.*wait \d+ minutes? and try again/i);
  assert.match(new URL(page.url()).pathname, /^\/sign-in/);
  await assertAccessible(page, 'the sign-in page while the account must wait');
  await page.context().close();
});
