// The sign-in page: errors shown to the person, a phone-width layout, and accessibility.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, horizontalOverflow, kDemo, launchBrowser, newPage, signIn, startServer } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the sign-in page has a skip link, landmarks, one h1 and lang="en"', async () => {
  const page = await newPage(browser, server.baseUrl);
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

test('a wrong password shows an alert and keeps the person on the sign-in page', async () => {
  const page = await newPage(browser, server.baseUrl);
  await signIn(page, kDemo.therapist, 'not-the-right-password');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /\S/);
  assert.match(new URL(page.url()).pathname, /^\/sign-in/);
  await assertAccessible(page, 'the sign-in page with an error');
  await page.context().close();
});

test('the keyboard alone can sign in', async () => {
  const page = await newPage(browser, server.baseUrl);
  await page.goto('/sign-in');
  await page.getByLabel('Email').focus();
  await page.keyboard.type(kDemo.client);
  await page.keyboard.press('Tab');
  await page.keyboard.type((await import('./harness.mjs')).kDemoPassword);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await page.context().close();
});

test('the sign-in page does not scroll sideways at 360 px', async () => {
  const page = await newPage(browser, server.baseUrl, 360, 740);
  await page.goto('/sign-in');
  await page.getByLabel('Email').waitFor();
  assert.equal(await horizontalOverflow(page), 0);
  const button = await page.getByRole('button', { name: 'Sign in' }).boundingBox();
  assert.ok(button && button.height >= 44, `the sign-in button is ${button?.height}px tall`);
  await page.context().close();
});
