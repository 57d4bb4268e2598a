// A young child's own say about a session. Leo Haddad, 9, has just seen his therapist; on a phone
// he opens "How was today?" from his home, has the first question read aloud, answers
// the Kids' Check by tapping faces, changes one answer by keyboard, sends it and is thanked. Every
// face is a large target with its words, the page fits the phone and passes axe, and it never
// shows the questionnaire's code. His mother Elena, who took part in his last sessions, says on
// her phone how they felt to her; his therapist reads her ratings beside Leo's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertAccessible,
  assertFitsPhone,
  callApi,
  demoServerAndBrowser,
  kDemo,
  newPage,
  signIn,
  smallTouchTargets,
} from './harness.mjs';
import { leftStep, stepName } from './checkin.mjs';

const live = demoServerAndBrowser();

const kLeo = { name: 'Leo Haddad', email: 'leo.haddad@demo.rapport' };
const kQuestions = [
  'Did you feel listened to today?',
  'Did we talk about the things that matter to you?',
  'Did you like what we did today?',
  'Would you like to come back next time?',
];
// From the saddest face to the happiest, as each radio is named.
const kFaces = ['No, not at all', 'Not really', 'A bit', 'Mostly', 'Yes, a lot'];
const kCode = 'KIDS-CHECK';

const responses = (r) => r.request().method() === 'POST' && /\/api\/v1\/episodes\/\d+\/responses$/.test(r.url());

// A session of Leo's at the clinic that began 40 minutes ago and ended 10 minutes ago, booked
// and marked as held by his therapist through the API, as a clinic does after the fact: the
// session his home then asks about. Returns the appointment.
async function leosSessionJustHeld() {
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const board = await callApi(therapist, 'GET', '/dashboard');
  const clients = await callApi(therapist, 'GET', '/clients');
  const leo = clients.body.find((c) => c.email === kLeo.email);
  const row = board.body.clients.find((c) => c.client_id === leo?.id);
  assert.ok(row, `${kLeo.name} on his therapist's dashboard: ${JSON.stringify(board.body)}`);
  const booked = await callApi(therapist, 'POST', `/episodes/${row.episode_id}/appointments`, {
    starts_at: new Date(Date.now() - 40 * 60_000).toISOString(),
    duration_minutes: 30,
    modality: 'in-person',
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  const held = await callApi(therapist, 'PATCH', `/appointments/${booked.body.id}`, { status: 'completed' });
  assert.equal(held.status, 200, JSON.stringify(held.body));
  await therapist.context().close();
  return booked.body;
}

// Nothing a child reads names the questionnaire by its code.
async function assertNoCode(page, what) {
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(!text.includes(kCode), `no questionnaire code on ${what}`);
  assert.equal(await page.getByText(kCode).count(), 0, `no questionnaire code on ${what}`);
}

test('a young child answers how the session felt on faces, on a phone, and is thanked', async () => {
  const booked = await leosSessionJustHeld();

  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kLeo.email);
  await page.getByRole('heading', { level: 2, name: 'Next time' }).waitFor();
  const ask = page.getByRole('region', { name: 'How was today?' });
  await ask.getByRole('link', { name: 'Tell Sofia how today went' }).click();
  await page.getByRole('heading', { level: 1, name: 'How was today’s session?' }).waitFor();
  assert.match(page.url(), new RegExp(`/feedback\\?appointment=${booked.id}$`));
  // Before the faces, how to answer them, in a child's words.
  await page.getByText('Tap a face for each question. There are no wrong answers.', { exact: false }).waitFor();

  // The Kids' Check alone, in a child's words, one question per screen.
  const form = page.locator('form.feedback-form');
  const question = form.locator('fieldset.question');
  await question.waitFor();
  await form.getByRole('heading', { level: 2, name: 'How today felt' }).waitFor();
  await form.getByText('Tap the face that shows how you feel.', { exact: false }).waitFor();
  assert.equal(await stepName(form), `Question 1 of ${kQuestions.length}`);
  assert.equal((await question.locator('legend').innerText()).trim(), kQuestions[0]);

  // Five faces from the saddest to the happiest, each a radio named by its words, drawn for the
  // eye alone, and each at least 64 px across and high.
  const radios = question.getByRole('radio');
  assert.equal(await radios.count(), kFaces.length, 'five faces to choose from');
  for (const [i, words] of kFaces.entries()) {
    assert.equal(await question.getByRole('radio', { name: words, exact: true }).count(), 1, `a face named "${words}"`);
    assert.equal((await radios.nth(i).evaluate((el) => el.labels[0].textContent)).trim(), words, `face ${i + 1} is "${words}"`);
  }
  assert.equal(await question.locator('label svg[aria-hidden="true"]').count(), kFaces.length, 'each face is drawn, hidden from a screen reader');
  assert.equal(await question.locator('input:checked').count(), 0, 'no face is chosen before the child picks one');
  const small = await radios.evaluateAll((els) =>
    els
      .map((el) => el.getBoundingClientRect())
      .filter((r) => r.width < 64 || r.height < 64)
      .map((r) => `${Math.round(r.width)}x${Math.round(r.height)}`),
  );
  assert.deepEqual(small, [], 'every face is at least 64 px across and high');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the Kids’ Check');
  await assertAccessible(page, 'the Kids’ Check at 360 px');
  await assertFitsPhone(page, 'the Kids’ Check');
  await assertNoCode(page, 'the Kids’ Check');

  // The question is read aloud by the browser's own voice, with its answers: what it says is
  // recorded here in place of the sound.
  await page.evaluate(() => {
    window.__spoken = [];
    window.speechSynthesis.speak = (utterance) => window.__spoken.push(utterance.text);
  });
  await question.getByRole('button', { name: 'Read aloud' }).click();
  const spoken = await page.evaluate(() => window.__spoken);
  assert.equal(spoken.length, 1, 'one question read aloud');
  assert.ok(spoken[0].startsWith(kQuestions[0]), `it reads the question: "${spoken[0]}"`);
  assert.ok(spoken[0].includes(kFaces.join('; ')), `and every answer, saddest first: "${spoken[0]}"`);

  // A tap on a face moves on by itself.
  const tapped = ['Yes, a lot', 'Mostly', 'Yes, a lot', 'A bit'];
  for (const [i, text] of kQuestions.entries()) {
    const here = `Question ${i + 1} of ${kQuestions.length}`;
    assert.equal(await stepName(form), here);
    assert.equal((await question.locator('legend').innerText()).trim(), text);
    await question.getByRole('radio', { name: tapped[i], exact: true }).click();
    await leftStep(form, here);
  }
  assert.equal(await stepName(form), 'Last step: send');

  // Back shows the last answer marked: framed, ticked and in bold, not by colour alone.
  await form.getByRole('button', { name: 'Back' }).click();
  await leftStep(form, 'Last step: send');
  const last = `Question ${kQuestions.length} of ${kQuestions.length}`;
  assert.equal(await stepName(form), last);
  const chosen = question.getByRole('radio', { name: 'A bit', exact: true });
  assert.equal(await chosen.isChecked(), true, 'the face tapped is still chosen');
  const marks = await question.getByRole('radio').evaluateAll((els) =>
    els.map((el) => {
      const label = el.labels[0];
      const style = getComputedStyle(label);
      return { checked: el.checked, shadow: style.boxShadow, weight: Number(style.fontWeight), tick: label.textContent.includes('✓') };
    }),
  );
  for (const [i, mark] of marks.entries()) {
    if (mark.checked) {
      assert.notEqual(mark.shadow, 'none', 'the chosen face is framed');
      assert.ok(mark.weight >= 600, 'its words are in bold');
      assert.ok(mark.tick, 'it is ticked');
    } else {
      assert.equal(mark.shadow, 'none', `"${kFaces[i]}" is not framed`);
      assert.ok(!mark.tick, `"${kFaces[i]}" is not ticked`);
    }
  }
  await assertAccessible(page, 'the Kids’ Check with a face chosen');

  // By keyboard: an arrow key moves to the next face and chooses it without moving on; Next does.
  await chosen.focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await question.getByRole('radio', { name: 'Mostly', exact: true }).isChecked(), true, 'the arrow key chose the next face');
  assert.equal(await stepName(form), last, 'a key does not move on by itself');
  await form.getByRole('button', { name: 'Next' }).press('Enter');
  await leftStep(form, last);
  assert.equal(await stepName(form), 'Last step: send');

  const sent = page.waitForResponse(responses);
  await form.getByRole('button', { name: 'Send to my therapist' }).click();
  const answer = await sent;
  assert.equal(answer.status(), 201, `sending the Kids' Check: ${await answer.text()}`);
  const body = JSON.parse(answer.request().postData());
  assert.equal(body.instrument, kCode);
  assert.equal(body.respondent, 'client');
  assert.equal(body.appointment_id, booked.id, 'the answers are about the session just held');
  // From 0 for the saddest face to 4 for the happiest, in the order of the questions.
  assert.deepEqual(Object.values(body.answers), [4, 3, 4, 3]);
  await page.getByRole('status').filter({ hasText: /Thank you — your answers have been sent to .+\./ }).waitFor();
  await page.getByText('Thank you, Leo! Sofia will read this before your next time together.').waitFor();
  await assertAccessible(page, 'the thank-you to a young child');
  await assertFitsPhone(page, 'the thank-you to a young child');
  await assertNoCode(page, 'the thank-you to a young child');

  // Home asks no more about that session.
  await page.getByRole('link', { name: 'Back to home' }).click();
  await page.getByRole('heading', { level: 2, name: 'Next time' }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'How was today?' }).count(), 0, 'nothing more is asked about that session');
  await page.context().close();
});

const kCarer = { code: 'CARER-CHECK', title: 'How the sessions feel to you', items: 6 };

test('a parent who took part says how the sessions feel to them, and the therapist reads it beside the child’s own', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.guardian);
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));

  // Elena took part in Leo's latest session and has not said yet how it felt to her.
  const clients = await callApi(page, 'GET', '/clients');
  const leo = clients.body.find((c) => c.display_name === kLeo.name);
  assert.ok(leo, `Leo is Elena's child: ${JSON.stringify(clients.body)}`);
  const record = await callApi(page, 'GET', `/clients/${leo.id}`);
  const episode = record.body.episodes.find((e) => e.status !== 'ended');
  const assigned = await callApi(page, 'GET', `/episodes/${episode.id}/instruments`);
  const own = assigned.body.find((a) => a.code === kCarer.code && a.respondent === 'guardian');
  assert.equal(own?.due, true, `her own questions are due: ${JSON.stringify(assigned.body)}`);
  assert.equal(typeof own.session_id, 'number', 'about the session she took part in');

  await page.goto('/feedback');
  await page.getByRole('heading', { level: 1, name: 'Questions about Leo' }).waitFor();
  const form = page.locator('form.feedback-form');
  await form.getByRole('progressbar').waitFor();
  const count = Number(/^Question 1 of (\d+)$/.exec(await stepName(form))?.[1]);
  assert.ok(count >= kCarer.items, `the stepper counts the questions: "${await stepName(form)}"`);

  // One question per screen, by keyboard: Space picks the focused number or answer, Enter on
  // Next moves on. Her own ratings are chosen; any other questions for her get their first answer,
  // and the optional comment is skipped.
  const ratings = [9, 8, 7, 2, 9, 8];
  const carer = form.getByRole('region', { name: kCarer.title });
  let rated = 0;
  for (let n = 1; n <= count; n++) {
    const here = `Question ${n} of ${count}`;
    assert.equal(await stepName(form), here);
    const choices = form.locator('fieldset.question');
    if ((await carer.count()) > 0 && (await choices.count()) > 0) {
      await carer.getByRole('heading', { level: 2, name: kCarer.title }).waitFor();
      await choices.getByRole('radio', { name: String(ratings[rated]), exact: true }).focus();
      rated++;
    } else if ((await choices.count()) > 0) {
      await choices.getByRole('radio').first().focus();
    }
    if ((await choices.count()) > 0) {
      await page.keyboard.press('Space');
      await form.getByRole('button', { name: 'Next' }).press('Enter');
    } else {
      await form.getByRole('button', { name: 'Skip' }).press('Enter');
    }
    await leftStep(form, here);
  }
  assert.equal(rated, kCarer.items, 'every one of her ratings was answered');
  assert.equal(await stepName(form), 'Last step: send');

  const sent = page.waitForResponse((r) => responses(r) && JSON.parse(r.request().postData() ?? '{}').instrument === kCarer.code);
  await form.getByRole('button', { name: /^Send to / }).click();
  const answer = await sent;
  assert.equal(answer.status(), 201, `sending how the sessions feel to her: ${await answer.text()}`);
  const body = JSON.parse(answer.request().postData());
  assert.equal(body.respondent, 'guardian');
  assert.equal(body.appointment_id, own.session_id, 'the answers are about the session she took part in');
  assert.deepEqual(Object.values(body.answers), ratings);
  // The fourth sentence is turned round: 2 of 10 counts as 8.
  const total = (await answer.json()).scores.total;
  assert.equal(total, 49);
  await page.getByRole('status').filter({ hasText: /Thank you — your answers have been sent to .+\./ }).waitFor();
  await page.context().close();

  // Leo's therapist reads Elena's ratings beside Leo's own, and sees that she took part.
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  await therapist.goto(`/episodes/${episode.id}`);
  const card = therapist.getByRole('region', { name: 'How the sessions feel: Leo and their parents or carers' });
  const elena = card.getByRole('row').filter({ hasText: 'Elena Haddad' });
  await elena.waitFor();
  const trail = (await elena.getByRole('listitem').allInnerTexts()).map((t) => Number(/^\d+/.exec(t.trim())?.[0]));
  assert.equal(trail.length, 3, `Elena's three ratings, oldest first: ${JSON.stringify(trail)}`);
  assert.equal(trail[2], total, 'the latest is the one she just sent');
  await card.getByText('not yet validated').first().waitFor();
  await card.getByRole('heading', { level: 3, name: 'Who took part' }).waitFor();
  await card.getByText('Elena Haddad took part').first().waitFor();
  await therapist.context().close();
});

// A young child's home in his own words. Leo signs in on a phone and is greeted by name; his next
// time with his therapist, what they are working on and what his grown-ups can see are all in a
// child's short words, with large buttons, and none of the clinic's own words.
test('a young child reads his home in a child’s words, on a phone', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kLeo.email);
  await page.getByRole('heading', { level: 1, name: 'Hi Leo!' }).waitFor();
  const next = page.getByRole('region', { name: 'Next time' });
  await next.getByText(/^Your next time with Sofia is on .+\.$/).waitFor();
  const plan = page.getByRole('link', { name: "What we're working on", exact: true });
  await plan.waitFor();
  await page.getByRole('region', { name: 'What your grown-ups can see' }).waitFor();
  await page.locator('.loading').waitFor({ state: 'detached' });

  // None of the clinic's own words in what he reads.
  const text = await page.locator('main').innerText();
  for (const word of [/episode/i, /questionnaire/i]) assert.doesNotMatch(text, word, `no "${word.source}" on a young child’s home`);

  // Every button on the page is at least 48 px high.
  const small = await page
    .locator('main .button')
    .evaluateAll((els) =>
      els
        .filter((el) => el.getClientRects().length > 0)
        .map((el) => ({ name: el.textContent.trim(), r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.height < 48)
        .map(({ name, r }) => `"${name}" ${Math.round(r.height)}px high`),
    );
  assert.deepEqual(small, [], 'large buttons on a young child’s home');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on a young child’s home');
  await assertAccessible(page, 'a young child’s home at 360 px');
  await assertFitsPhone(page, 'a young child’s home');

  await plan.click();
  await page.getByRole('heading', { level: 1, name: "What we're working on" }).waitFor();
  await page.context().close();
});
