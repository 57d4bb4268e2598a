// Answers in progress are never lost: on a phone the client answers half of the PHQ-9, reloads
// the page and finds them; later, signed out for being idle, they sign in again and find them
// still. The server runs on a test clock (POST /api/v1/test/clock) so that no test waits half an
// hour for the idle sign-out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callApi, demoServerAndBrowser, kDemo, kDemoPassword, newPage, signIn } from './harness.mjs';
import { askWholeCheckInEverySession, bookSession, clearDraft, clientEpisodeId, draftHolds, leftStep, stepName } from './checkin.mjs';

const live = demoServerAndBrowser({ extraArgs: ['--test-clock'] });

async function advanceClock(minutes) {
  const r = await fetch(`${live.server.baseUrl}/api/v1/test/clock`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ advance_minutes: minutes }),
  });
  assert.ok(r.ok, `the test clock moved on (${r.status} ${await r.text()})`);
}

// On the PHQ-9's current screen, taps "Several days" (worth 1), which moves on.
async function answerSeveralDays(form) {
  const from = await stepName(form);
  await form.locator('fieldset.question').getByRole('radio', { name: 'Several days', exact: true }).click();
  await leftStep(form, from);
}

test('half a PHQ-9 on a phone survives a refresh and, after the idle sign-out, signing in again', async () => {
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const episodeId = await clientEpisodeId(therapist);
  await askWholeCheckInEverySession(therapist, episodeId);
  // Two hours ahead: the check-in before it is open, PHQ-9 first.
  const booked = await bookSession(therapist, episodeId, 2 * 3600_000, 50);
  await therapist.context().close();

  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await clearDraft(page);
  const address = `/feedback?appointment=${booked.id}`;
  await page.goto(address);
  const form = page.locator('form.feedback-form');
  await form.getByRole('heading', { level: 2, name: 'Your mood' }).waitFor();
  for (let i = 0; i < 3; i++) await answerSeveralDays(form);
  await draftHolds(page, 'PHQ-9/phq9_3', 1);
  const fourth = await stepName(form);
  assert.match(fourth, /^Question 4 of \d+$/);

  // A refresh resumes at the fourth question, the third still answered.
  await page.reload();
  await form.getByRole('heading', { level: 2, name: 'Your mood' }).waitFor();
  assert.equal(await stepName(form), fourth);
  await form.getByRole('button', { name: 'Back' }).click();
  await leftStep(form, fourth);
  assert.equal(await form.locator('fieldset.question').getByRole('radio', { name: 'Several days', exact: true }).isChecked(), true);
  const third = await stepName(form);
  await form.getByRole('button', { name: 'Next' }).click();
  await leftStep(form, third);

  // Idle past the half hour: the next thing the page asks of the server finds the session ended,
  // and the client is asked to sign in again.
  await advanceClock(31);
  assert.equal((await callApi(page, 'GET', '/me')).status, 401);
  await page.goto(address);
  await page.waitForURL((url) => url.pathname === '/sign-in');
  await page.getByLabel('Email').fill(kDemo.client);
  await page.getByLabel('Password').fill(kDemoPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/feedback' && url.search === `?appointment=${booked.id}`);
  await form.getByRole('heading', { level: 2, name: 'Your mood' }).waitFor();
  assert.equal(await stepName(form), fourth, 'the form resumes where the client was');
  for (const item of [1, 2, 3]) await draftHolds(page, `PHQ-9/phq9_${item}`, 1);
  await page.context().close();
});
