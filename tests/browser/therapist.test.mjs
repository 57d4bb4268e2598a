// The therapist's path: create a client (which opens an intake episode), see field errors,
// book an appointment, invite the client and choose the country of their crisis lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertAccessible,
  demoServerAndBrowser,
  horizontalOverflow,
  kDemo,
  newPage,
  signIn,
  smallTouchTargets,
} from './harness.mjs';

const live = demoServerAndBrowser();

test('a new client with a bad email shows the error next to the email field', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const form = page.getByRole('region', { name: 'New client' });
  await form.getByLabel('Full name').fill('Robin Example');
  await form.getByLabel('Email').fill('not-an-email');
  await form.getByRole('button', { name: 'Add client' }).click();
  const email = form.getByLabel('Email');
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await email.elementHandle());
  const describedBy = await email.getAttribute('aria-describedby');
  assert.ok(describedBy, 'the error is tied to the field');
  const message = await page.locator(`[id="${describedBy.split(' ').pop()}"]`).innerText();
  assert.match(message, /\S/);
  await assertAccessible(page, 'the new-client form with an error');
  await page.context().close();
});

test('the therapist creates a client, opens care and books an appointment', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const form = page.getByRole('region', { name: 'New client' });
  await form.getByLabel('Full name').fill('Robin Example');
  await form.getByLabel('Email').fill('robin.example@example.org');
  await form.getByRole('button', { name: 'Add client' }).click();

  await page.getByRole('heading', { level: 1, name: 'Robin Example' }).waitFor();
  const episodes = page.getByRole('region', { name: 'Episodes of care' });
  await episodes.getByText('Intake').first().waitFor();
  await assertAccessible(page, 'a new client page');

  await episodes.getByRole('button', { name: 'Start care' }).click();
  await episodes.getByText('Active').first().waitFor();

  const book = page.getByRole('region', { name: 'Book an appointment' });
  // A few days ahead, so that it is the client's next appointment whenever the test runs.
  const day = new Date(Date.now() + 3 * 86400_000);
  const date = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  await book.getByLabel('Date').fill(date);
  await book.getByLabel('Time').fill('09:30');
  await book.getByLabel('Duration in minutes').fill('45');
  await book.getByLabel('Modality').selectOption('video');
  await book.getByRole('button', { name: 'Book appointment' }).click();
  await book.getByRole('status').filter({ hasText: 'Booked for' }).waitFor();
  await episodes.getByText('45 min · Video').waitFor();

  const invite = page.getByRole('region', { name: /^Invite/ });
  await invite.getByRole('button', { name: 'Show a link to hand over in person' }).click();
  const link = await invite.getByLabel('Invitation link').inputValue();
  assert.match(link, /\/invite\/\S+$/);
  await assertAccessible(page, 'the client page after booking');

  // The client follows the link in their own browser, chooses a password and is signed in.
  const visitor = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await visitor.goto(link);
  await visitor.getByRole('heading', { level: 1, name: /Robin/ }).waitFor();
  await assertAccessible(visitor, 'the invitation page');
  await visitor.getByLabel('New password').fill('a calm walk by the river');
  await visitor.getByLabel('Repeat the password').fill('a calm walk by the river');
  await visitor.getByRole('button', { name: 'Set password and sign in' }).click();
  await visitor.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  const therapist = visitor.getByRole('region', { name: 'Your therapist' });
  assert.doesNotMatch(await therapist.innerText(), /Not assigned/);
  await visitor.context().close();

  // Back on the caseload the new client appears with their next appointment.
  await page.getByRole('link', { name: 'Caseload' }).first().click();
  const row = page.getByRole('listitem').filter({ hasText: 'Robin Example' });
  await row.getByText('Active').waitFor();
  await row.getByText(/^Next: .*Video$/).waitFor();
  await page.context().close();
});

test('an invalid duration is reported beside the duration field', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('region', { name: 'Clients' }).getByRole('link').first().click();
  await page.getByRole('heading', { level: 2, name: 'Episodes of care' }).waitFor();
  const book = page.getByRole('region', { name: 'Book an appointment' });
  await book.getByLabel('Duration in minutes').fill('1000');
  await book.getByRole('button', { name: 'Book appointment' }).click();
  const duration = book.getByLabel('Duration in minutes');
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await duration.elementHandle());
  await page.context().close();
});

test('the therapist home and a client page fit 360 px without sideways scrolling', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.therapist);
  await page.getByRole('region', { name: 'Clients' }).getByRole('link').first().waitFor();
  assert.equal(await horizontalOverflow(page), 0, 'therapist home');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the therapist home');
  await page.getByRole('region', { name: 'Clients' }).getByRole('link').first().click();
  await page.getByRole('heading', { level: 2, name: 'Episodes of care' }).waitFor();
  assert.equal(await horizontalOverflow(page), 0, 'client page');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the client page');
  await assertAccessible(page, 'a client page at 360 px');
  await page.context().close();
});

test('the therapist chooses the country whose crisis lines a client sees, and a refused code is named beside the field', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.therapist);
  const row = page.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: 'Jordan Reyes' });
  await row.getByRole('link', { name: 'Jordan Reyes', exact: true }).click();
  const details = page.getByRole('region', { name: 'Details' });
  const country = details.getByLabel('Country for crisis lines');
  await country.selectOption({ label: 'United Kingdom' });
  await details.getByRole('button', { name: 'Save country' }).click();
  await details.getByRole('status').filter({ hasText: 'Saved: Jordan sees the crisis lines for United Kingdom' }).waitFor();
  assert.equal(await horizontalOverflow(page), 0);
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets beside the country');
  await assertAccessible(page, 'a client page after choosing a country');
  // The server keeps it: a fresh load shows it.
  await page.reload();
  await details.getByRole('button', { name: 'Save country' }).waitFor();
  assert.equal(await country.inputValue(), 'GB');

  // A code the server does not know, as from an outdated page, comes back beside the field.
  await country.evaluate((select) => select.add(new Option('Nowhere', 'ZZ')));
  await country.selectOption('ZZ');
  await details.getByRole('button', { name: 'Save country' }).click();
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await country.elementHandle());
  const errorId = (await country.getAttribute('aria-describedby')).split(' ').pop();
  assert.match(await page.locator(`[id="${errorId}"]`).innerText(), /\S/);
  await assertAccessible(page, 'a client page with a refused country');

  // Back to the clinic's country, which "" stands for.
  await country.selectOption({ label: "The clinic's country" });
  await details.getByRole('button', { name: 'Save country' }).click();
  await details.getByRole('status').filter({ hasText: "Saved: Jordan sees the crisis lines for the clinic's country" }).waitFor();
  await page.context().close();
});

test('the therapist asks a guardian to be linked to a child client', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const child = page.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: 'Child' }).first();
  await child.getByRole('link').first().click();
  const form = page.getByRole('region', { name: 'Add a guardian' });
  await form.getByLabel("Guardian's full name").fill('Sam Example');
  await form.getByLabel("Guardian's email").fill('sam.example@example.org');
  await form.getByLabel('How their invitation reaches them').selectOption('in_person');
  await form.getByRole('button', { name: 'Add guardian' }).click();
  await form.getByRole('status').filter({ hasText: 'Sam Example was asked to be a guardian' }).waitFor();
  await form.getByLabel("Guardian's invitation link").waitFor();
  // Listed with what is still needed: nothing is shared yet.
  const guardians = page.getByRole('region', { name: 'Guardians' });
  await guardians.getByText('Sam Example', { exact: true }).waitFor();
  await guardians.getByText('waiting for them to accept', { exact: false }).first().waitFor();
  await assertAccessible(page, 'a child client page after adding a guardian');
  await page.context().close();
});

test('moving to a page by a link or Back puts focus on its heading, and a link drawn as a button keeps its contrast on hover', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const row = page.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: 'Jordan Reyes' });
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  const heading = page.getByRole('heading', { level: 1, name: /^Jordan.*feedback and progress/ });
  await heading.waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  // The filled "Treatment plan" link, hovered: white on the darker green, not green on green.
  const plan = page.getByRole('link', { name: 'Treatment plan', exact: true });
  await plan.hover();
  const colours = await plan.evaluate((el) => {
    const style = getComputedStyle(el);
    return { text: style.color, background: style.backgroundColor };
  });
  assert.equal(colours.text, 'rgb(255, 255, 255)', JSON.stringify(colours));
  assert.notEqual(colours.background, colours.text);
  await assertAccessible(page, 'an episode page with a filled link-button hovered');
  await plan.click();
  await page.getByRole('heading', { level: 1, name: /treatment plan/i }).waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  await page.goBack();
  await heading.waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1' && /feedback/.test(document.activeElement.textContent));
  await page.context().close();
});

test('the keyboard reaches the caseload through the skip link, with a visible focus ring', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('region', { name: 'Clients' }).getByRole('link').first().waitFor();
  // A fresh load, so that the keyboard starts at the top of the document.
  await page.reload();
  await page.getByRole('region', { name: 'Clients' }).getByRole('link').first().waitFor();
  await page.locator('.loading').waitFor({ state: 'detached' });
  await page.keyboard.press('Tab');
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return { text: el.textContent.trim(), outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
  let now = await focused();
  assert.equal(now.text, 'Skip to main content');
  assert.ok(now.outline !== 'none' && now.width >= 2, `skip link focus ring: ${JSON.stringify(now)}`);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  now = await focused();
  // Open alerts, when there are any, come before the caseload: they need attention first.
  const firstStop = await page.locator('main a, main button').first().innerText();
  assert.equal(now.text, firstStop, 'the first stop after the skip link is the first control in main');
  assert.ok(now.outline !== 'none' && now.width >= 2, `first control focus ring: ${JSON.stringify(now)}`);
  // The keyboard goes on to the first client, and Enter follows the link: no pointer needed.
  const firstClient = page.getByRole('region', { name: 'Clients' }).getByRole('link').first();
  const name = await firstClient.innerText();
  for (let i = 0; i < 60 && (await focused()).text !== name; i++) await page.keyboard.press('Tab');
  now = await focused();
  assert.equal(now.text, name, 'Tab reaches the first client');
  assert.ok(now.outline !== 'none' && now.width >= 2, `client link focus ring: ${JSON.stringify(now)}`);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.context().close();
});
