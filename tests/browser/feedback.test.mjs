// Formal feedback in the browser: the client's one-minute form, on a phone one question per
// screen (taps counted, Back, the middle of a rating, the time it states) and by keyboard alone,
// the risk path end to end (crisis information at once for the client, a critical alert that the
// therapist acknowledges with a note), and the therapist's dashboard and episode charts over the
// demo clinic's feedback histories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertAccessible,
  callApi,
  demoServerAndBrowser,
  horizontalOverflow,
  kDemo,
  newPage,
  signIn,
  smallTouchTargets,
} from './harness.mjs';
import { askWholeCheckInEverySession, bookSession, clearDraft, clientEpisodeId, draftHolds, leftStep, stepName } from './checkin.mjs';

const live = demoServerAndBrowser();

// Runs `act(therapist, episodeId)` as Jordan's therapist, on a page of its own, with the demo
// client Jordan's open episode; returns what it returns.
async function asJordansTherapist(act) {
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const result = await act(therapist, await clientEpisodeId(therapist));
  await therapist.context().close();
  return result;
}

// Books a video session for the demo client Jordan as their therapist would, starting
// `offsetMs` from now; returns the created appointment.
function bookJordan(offsetMs, minutes) {
  return asJordansTherapist((therapist, episodeId) => bookSession(therapist, episodeId, offsetMs, minutes));
}

// The demo clinic gives Jordan a video check-in a few minutes after it starts (to meet in its
// room): moves it `hours` ahead, so that a session this test books sooner is Jordan's next.
function moveSeededCheckIn(hours) {
  return asJordansTherapist(async (therapist, episodeId) => {
    const listed = await callApi(therapist, 'GET', `/episodes/${episodeId}/appointments`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    // Only what starts within the hour: sessions other tests booked in the past stay put.
    const soon = listed.body.filter((a) => {
      const ahead = Date.parse(a.starts_at) - Date.now();
      return a.status === 'scheduled' && ahead > 0 && ahead < 3600_000;
    });
    for (const a of soon) {
      const moved = await callApi(therapist, 'PATCH', `/appointments/${a.id}`, {
        starts_at: new Date(Date.now() + hours * 3600_000).toISOString(),
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
    }
  });
}

// A session of Jordan's that began 40 minutes ago, whose check-in has not been given: what the
// form asks about. Booked by the tests that send their answers (each needs its own), and once for
// those that do not.
let openSession = null;
function sharedSession() {
  openSession ??= bookJordan(-40 * 60_000, 30);
  return openSession;
}


// As the client (signed in on `page`), sends the outcome questionnaires due for the session
// `booked` through the API, so that the form about it is the Rapport Check alone; returns the
// answers' HTTP statuses.
async function sendOutcomesThroughApi(page, booked) {
  return page.evaluate(async ({ episode, appointment }) => {
    const me = await (await fetch('/api/v1/me')).json();
    const out = [];
    const assigned = await (await fetch(`/api/v1/episodes/${episode}/instruments?appointment=${appointment}`)).json();
    const due = assigned.filter((a) => a.respondent === 'client' && a.purpose === 'outcome' && a.due !== false);
    for (const { code } of due) {
      const def = await (await fetch(`/api/v1/instruments/${encodeURIComponent(code)}`)).json();
      const answers = Object.fromEntries(def.items.filter((i) => i.type === 'choice').map((i) => [i.id, i.options[0].value]));
      const r = await fetch(`/api/v1/episodes/${episode}/responses`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ instrument: code, respondent: 'client', answers, appointment_id: appointment }),
      });
      out.push(r.status);
    }
    return out;
  }, { episode: booked.episode_id, appointment: booked.id });
}

// Every questionnaire the page sends from now on, by code, in the order sent.
function countSends(page) {
  const sent = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && /^\/api\/v1\/episodes\/\d+\/responses$/.test(new URL(r.url()).pathname)) sent.push(JSON.parse(r.postData()).instrument);
  });
  return sent;
}

// The client's form about the session `booked`, starting fresh.
async function openFeedbackForm(page, booked) {
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await clearDraft(page);
  await page.goto(`/feedback?appointment=${booked.id}`);
  await page.getByRole('heading', { level: 1, name: 'How was today’s session?' }).waitFor();
  await page.locator('form.feedback-form').getByRole('heading', { level: 2 }).first().waitFor();
}

// Every click or tap the test makes on the form goes through `tap`, so that taps are counted
// rather than inferred from timing.
function tapCounter() {
  const counter = {
    taps: 0,
    async tap(locator) {
      counter.taps += 1;
      await locator.click();
    },
  };
  return counter;
}

// Goes through the phone's stepper one screen at a time, with one tap a screen: the answer that
// `choose(question, isRating)` names (the first option when it names none), Skip on a comment, and
// Send on the last screen. `onStep(name)` runs on each screen first. Returns the screens' names.
async function answerStepByStep(page, counter, { choose = () => undefined, onStep = async () => {} } = {}) {
  const form = page.locator('form.feedback-form');
  const send = form.getByRole('button', { name: 'Send to my therapist' });
  const screens = [];
  for (let i = 0; i < 100; i++) {
    const name = await stepName(form);
    screens.push(name);
    await onStep(name);
    if (await send.count()) {
      await counter.tap(send);
      return screens;
    }
    const group = form.locator('fieldset.question');
    if (await group.count()) {
      const question = await group.locator('legend').innerText();
      const answer = choose(question, (await group.getAttribute('class')).includes('rating'));
      await counter.tap(answer === undefined ? group.getByRole('radio').first() : group.getByRole('radio', { name: answer, exact: true }));
    } else {
      await counter.tap(form.getByRole('button', { name: /^(Skip|Next)$/ }));
    }
    await leftStep(form, name);
  }
  assert.fail('the stepper never reached the send button');
}

// Answers every question without a pointer, one screen at a time: Space picks a radio group's
// first option (0 on a rating), Enter on Next (or Skip) moves on, and Enter on the button sends.
async function completeByKeyboard(page) {
  const form = page.locator('form.feedback-form');
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => !!document.activeElement.closest('form'))) break;
  }
  for (let i = 0; i < 400; i++) {
    const here = await page.evaluate(() => {
      const el = document.activeElement;
      const group = el.getAttribute('type') === 'radio' ? el.closest('fieldset') : null;
      return {
        tag: el.tagName.toLowerCase(),
        type: el.getAttribute('type'),
        text: el.textContent.trim(),
        groupAnswered: !!group?.querySelector('input:checked'),
      };
    });
    if (here.tag === 'button' && here.text === 'Send to my therapist') {
      await page.keyboard.press('Enter');
      return;
    }
    if (here.tag === 'button' && /^(Next|Skip)$/.test(here.text)) {
      const from = await stepName(form);
      await page.keyboard.press('Enter');
      await leftStep(form, from);
      // Focus is on the new question's text, which a screen reader reads out.
      await page.waitForFunction(() => document.activeElement.classList.contains('question__text') || document.activeElement.tagName === 'H2');
      continue;
    }
    if (here.type === 'radio' && !here.groupAnswered) await page.keyboard.press('Space');
    else if (here.tag === 'textarea') await page.keyboard.type('More time for the plan.');
    await page.keyboard.press('Tab');
  }
  assert.fail('the keyboard never reached the send button');
}

// Runs first: later tests submit feedback, which would count for a session held before them.
test('after a session the client home asks "How was today’s session?" and the answers are tied to it', async (t) => {
  await asJordansTherapist(askWholeCheckInEverySession);
  // A session that began 40 minutes ago, booked after the fact as clinics often do.
  const booked = await bookJordan(-40 * 60_000, 30);

  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  const ask = page.getByRole('region', { name: 'How was today’s session?' });
  await ask.waitFor();
  await assertAccessible(page, 'the client home asking for feedback');
  await ask.getByRole('link', { name: 'Give feedback' }).click();
  await page.getByRole('heading', { level: 1, name: 'How was today’s session?' }).waitFor();
  assert.match(page.url(), new RegExp(`/feedback\\?appointment=${booked.id}$`));
  const form = page.locator('form.feedback-form');
  await form.locator('fieldset.rating').first().waitFor();
  // The whole demo check-in on a phone: the Rapport Check and the outcome questionnaires not
  // answered before the session, one tap a screen.
  const counter = tapCounter();
  let seen = '';
  const screens = await answerStepByStep(page, counter, {
    choose: (_question, rating) => (rating ? '9' : undefined),
    onStep: async (name) => {
      assert.equal(await horizontalOverflow(page), 0, `${name} scrolls sideways`);
      // axe on the first screen of each questionnaire (choices as well as ratings) and the last.
      const title = await form.getByRole('heading', { level: 2 }).first().innerText();
      if (title !== seen) await assertAccessible(page, `${title} at 360 px`);
      seen = title;
    },
  });
  await page.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  t.diagnostic(`the full demo check-in on a phone: ${counter.taps} taps over ${screens.length} screens`);
  assert.equal(counter.taps, screens.length, 'one tap a screen');
  assert.match(screens.at(-2), new RegExp(`^Question ${screens.length - 1} of ${screens.length - 1}$`));
  // Home no longer asks about that session.
  await page.getByRole('link', { name: 'Back to home' }).click();
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await page.getByRole('region', { name: 'Your progress' }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'How was today’s session?' }).count(), 0);
  await page.context().close();
});

// Answers count for the appointment they name, so the first test's leave this one open.
test('before a session the client home offers the check-in, whose form asks the outcome questionnaires and not the Rapport Check', async () => {
  // A session 2 hours ahead: inside the 24 hours in which PHQ-9 and GAD-7 open before it.
  await moveSeededCheckIn(5);
  const booked = await bookJordan(2 * 3600_000, 50);

  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  const ask = page.getByRole('region', { name: 'Before your session' });
  await ask.waitFor();
  // Above the next appointment, which it is about.
  const above = await page.evaluate(() => {
    const a = document.getElementById('check-in-heading');
    const n = document.getElementById('next-heading');
    return !!(a && n && a.compareDocumentPosition(n) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert.ok(above, 'the check-in comes before the next appointment');
  assert.equal(await horizontalOverflow(page), 0);
  await assertAccessible(page, 'the client home offering the check-in');
  await ask.getByRole('link', { name: 'Fill in your check-in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Before your session' }).waitFor();
  assert.match(page.url(), new RegExp(`/feedback\\?appointment=${booked.id}$`));
  await page.getByText('Your therapist will look at these with you in the session.').waitFor();
  const form = page.locator('form.feedback-form');
  // On the phone the first screen is PHQ-9's first question.
  await form.getByRole('heading', { level: 2, name: 'Your mood' }).waitFor();
  assert.equal(await horizontalOverflow(page), 0);
  await assertAccessible(page, 'the check-in form at 360 px');
  // On a wider screen every questionnaire is on the page; how the session went cannot be asked
  // before it.
  await page.setViewportSize({ width: 1280, height: 900 });
  await form.getByRole('heading', { level: 2, name: 'Worry and nerves' }).waitFor();
  await form.getByRole('heading', { level: 2, name: 'Your mood' }).waitFor();
  assert.equal(await form.getByRole('heading', { level: 2, name: 'How your sessions feel' }).count(), 0);
  await page.context().close();
});

// The demo client signed in on a 360-pixel phone, with a session that began 40 minutes ago whose
// outcome questionnaires were sent before it (through the API): its form is the Rapport Check
// alone.
async function phoneWithRapportCheckOnly() {
  const booked = await bookJordan(-40 * 60_000, 30);
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  const statuses = await sendOutcomesThroughApi(page, booked);
  assert.deepEqual(statuses, statuses.map(() => 201));
  await clearDraft(page);
  return { booked, page };
}

test('on a 360-pixel phone a check-in of the Rapport Check alone takes at most eight taps', async (t) => {
  // After a session whose check-in (PHQ-9 and GAD-7, asked before it) was already given, the
  // form asks the Rapport Check alone. The check-in is sent here through the API as the client,
  // for a session that began 40 minutes ago, so that the form is the Rapport Check only.
  const { booked, page } = await phoneWithRapportCheckOnly();

  await page.goto(`/feedback?appointment=${booked.id}`);
  await page.getByRole('heading', { level: 1, name: 'How was today’s session?' }).waitFor();
  const form = page.locator('form.feedback-form');
  await form.getByRole('heading', { level: 2, name: 'How your sessions feel' }).waitFor();
  await form.getByText('About 1 minute · 7 questions').waitFor();
  const counter = tapCounter();
  // Every screen is checked: it fits the phone, its targets are 44 px, and axe passes.
  const screens = await answerStepByStep(page, counter, {
    choose: () => '8',
    onStep: async (name) => {
      assert.equal(await form.getByRole('heading', { level: 2, name: /Your mood|Worry and nerves/ }).count(), 0);
      assert.equal(await horizontalOverflow(page), 0, `${name} scrolls sideways`);
      assert.deepEqual(await smallTouchTargets(page), [], `touch targets on ${name}`);
      await assertAccessible(page, `the Rapport Check at 360 px, ${name}`);
    },
  });
  await page.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  t.diagnostic(`the Rapport Check alone on a phone: ${counter.taps} taps over ${screens.length} screens`);
  // Six ratings, Skip on the optional comment, and Send.
  assert.deepEqual(screens, [...Array.from({ length: 7 }, (_, i) => `Question ${i + 1} of 7`), 'Last step: send']);
  assert.ok(counter.taps <= 8, `${counter.taps} taps`);
  await page.context().close();
});

test('the middle value of a rating can be chosen', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await openFeedbackForm(page, await sharedSession());
  const form = page.locator('form.feedback-form');
  const first = form.locator('fieldset.rating');
  const start = await stepName(form);
  assert.match(start, /^Question 1 of \d+$/);
  const question = await first.locator('legend').innerText();
  const radios = first.getByRole('radio');
  const count = await radios.count();
  assert.equal(count % 2, 1, 'a rating with a middle');
  const middle = await radios.nth((count - 1) / 2).getAttribute('value');
  assert.equal(middle, '5');
  const counter = tapCounter();
  await counter.tap(first.getByRole('radio', { name: middle, exact: true }));
  // An answer: the stepper moves on by itself, and the answer is kept and stated.
  await leftStep(form, start);
  await counter.tap(form.getByRole('button', { name: 'Back' }));
  await form.locator('legend', { hasText: question }).waitFor();
  assert.equal(await first.getByRole('radio', { name: middle, exact: true }).isChecked(), true);
  const statusId = (await first.getAttribute('aria-describedby')).split(' ')[0];
  assert.match(await page.locator(`[id="${statusId}"]`).innerText(), /^Your answer: 5/);
  // It counts as answered: Next moves on with nothing marked missing.
  await counter.tap(form.getByRole('button', { name: 'Next' }));
  await leftStep(form, start);
  assert.equal(await form.locator('[aria-invalid="true"]').count(), 0);
  assert.equal(counter.taps, 3);
  await page.context().close();
});

test('Back returns to the previous question with its answer kept', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await openFeedbackForm(page, await sharedSession());
  const form = page.locator('form.feedback-form');
  const group = form.locator('fieldset.question');
  const counter = tapCounter();
  const total = Number(/^Question 1 of (\d+)$/.exec(await stepName(form))[1]);
  const at = (n) => `Question ${n} of ${total}`;
  const first = await group.locator('legend').innerText();
  await counter.tap(group.getByRole('radio', { name: '8', exact: true }));
  await leftStep(form, at(1));
  assert.equal(await stepName(form), at(2));
  const second = await group.locator('legend').innerText();
  assert.notEqual(second, first);
  // The second question is new: nothing chosen yet.
  assert.equal(await group.locator('input:checked').count(), 0);
  await counter.tap(group.getByRole('radio', { name: '3', exact: true }));
  await leftStep(form, at(2));

  await counter.tap(form.getByRole('button', { name: 'Back' }));
  await leftStep(form, at(3));
  assert.equal(await stepName(form), at(2));
  assert.equal(await group.locator('legend').innerText(), second);
  assert.equal(await group.getByRole('radio', { name: '3', exact: true }).isChecked(), true);
  // Focus is on the question, for a screen reader to read it out.
  await page.waitForFunction((q) => document.activeElement?.textContent.trim() === q, second);

  // Back by keyboard too.
  await form.getByRole('button', { name: 'Back' }).focus();
  await page.keyboard.press('Enter');
  await leftStep(form, at(2));
  assert.equal(await stepName(form), at(1));
  assert.equal(await group.getByRole('radio', { name: '8', exact: true }).isChecked(), true);
  // No Back on the first question.
  assert.equal(await form.getByRole('button', { name: 'Back' }).count(), 0);
  assert.equal(await horizontalOverflow(page), 0);
  await assertAccessible(page, 'the first question after going back');
  await page.context().close();
});

test('the form states how long it takes from what it contains', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 1280, 900);
  await openFeedbackForm(page, await sharedSession());
  const form = page.locator('form.feedback-form');
  const stated = form.getByText(/^About \d+ minutes? · \d+ questions?$/);
  const text = await stated.innerText();
  // A line of text, not a heading.
  assert.equal(await stated.evaluate((el) => el.tagName), 'P');
  const [, minutes, questions] = /^About (\d+) minutes? · (\d+) questions?$/.exec(text).map(Number);
  // On a wide screen every question is on the page: count them.
  const counted = await form.locator('fieldset.question, div.question').count();
  assert.equal(questions, counted);
  assert.equal(minutes, Math.max(1, Math.ceil((counted * 6) / 60)));
  // On a phone the same count, one question per screen.
  await page.setViewportSize({ width: 360, height: 740 });
  assert.equal(await stepName(form), `Question 1 of ${counted}`);
  assert.equal(await form.getByText(text, { exact: true }).count(), 1);
  await page.context().close();
});

test('the client form fits 360 px, has 44 px targets, passes axe and can be completed by keyboard alone', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await openFeedbackForm(page, await bookJordan(-40 * 60_000, 30));
  const form = page.locator('form.feedback-form');
  // Rapport Check first, one question per screen; PHQ-9 as assigned to the demo client's episode
  // comes later.
  await form.getByRole('heading', { level: 2, name: 'How your sessions feel' }).waitFor();
  assert.match(await stepName(form), /^Question 1 of \d+$/);
  const rating = form.locator('fieldset.rating');
  assert.equal(await rating.count(), 1, 'one question on the screen');
  // Each rating shows its anchors as text, and no value until the client picks one.
  await form.getByText('0: Not true at all').first().waitFor();
  await form.getByText('10: Completely').first().waitFor();
  assert.equal(await rating.getByRole('radio').count(), 11, 'a rating offers every number from 0 to 10');
  assert.equal(await form.locator('fieldset.rating input:checked').count(), 0, 'no rating shows a value before the client picks one');
  const statusId = (await rating.getAttribute('aria-describedby')).split(' ')[0];
  assert.match(await page.locator(`[id="${statusId}"]`).innerText(), /^Not answered yet/);
  assert.equal(await horizontalOverflow(page), 0, 'the form scrolls sideways');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the feedback form');
  await assertAccessible(page, 'the feedback form at 360 px');

  // Next with nothing chosen marks the question beside itself and stays on it.
  await form.getByRole('button', { name: 'Next' }).click();
  await form.locator('fieldset.rating[aria-invalid="true"]').waitFor();
  const errorId = (await rating.getAttribute('aria-describedby')).split(' ').pop();
  assert.match(await page.locator(`[id="${errorId}"]`).innerText(), /choose a number/);
  assert.match(await stepName(form), /^Question 1 of \d+$/);
  await assertAccessible(page, 'the feedback form with an error');
  // The arrow keys change the answer within the group without moving on, so that the keyboard can
  // reach every number; Next moves on.
  await rating.getByRole('radio').first().focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await form.locator('fieldset.rating:not([aria-invalid])').waitFor();
  assert.equal(await rating.getByRole('radio', { name: '2', exact: true }).isChecked(), true);
  const first = await stepName(form);
  assert.match(first, /^Question 1 of \d+$/);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Next');
  await page.keyboard.press('Enter');
  await leftStep(form, first);
  assert.match(await stepName(form), /^Question 2 of \d+$/);

  // The answer is kept as a draft: once it is saved, a reload resumes at the first question still
  // open, with the answer given before it.
  await draftHolds(page, 'RAPPORT-CHECK/rc_heard', 2);
  await page.reload();
  await form.getByRole('heading', { level: 2, name: 'How your sessions feel' }).waitFor();
  assert.equal(await stepName(form), first.replace(/^Question 1 /, 'Question 2 '));
  await form.getByRole('button', { name: 'Back' }).click();
  await leftStep(form, first.replace(/^Question 1 /, 'Question 2 '));
  assert.equal(await rating.getByRole('radio', { name: '2', exact: true }).isChecked(), true);
  await completeByKeyboard(page);
  await page.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  // The first option of every item is "not at all": no risk, so no crisis information.
  assert.equal(await page.locator('.crisis').count(), 0);
  await assertAccessible(page, 'the feedback confirmation');
  await page.context().close();
});

test('a risk answer shows the client crisis information at once; the therapist acknowledges the critical alert with a note and resolves it', async () => {
  const booked = await bookJordan(-40 * 60_000, 30);
  const client = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await openFeedbackForm(client, booked);
  await answerStepByStep(client, tapCounter(), {
    // PHQ-9 item 9 above 0: thoughts of being better off dead or of self-harm.
    choose: (question, rating) => (rating ? '7' : /better off dead|hurting yourself/i.test(question) ? 'More than half the days' : undefined),
  });

  const crisis = client.locator('.crisis[role="alert"]');
  await crisis.waitFor();
  await client.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  // Focus moves to it when the answers are sent, so that it is announced first; it is above the
  // confirmation and stays.
  assert.equal(await client.evaluate(() => document.activeElement?.classList.contains('crisis')), true);
  await crisis.getByRole('heading', { level: 2 }).waitFor();
  const tel = await crisis.locator('a[href^="tel:"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(tel.includes('tel:988'), `crisis lines as tel: links: ${tel}`);
  await client.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  const order = await client.evaluate(() => {
    const c = document.querySelector('.crisis');
    const t = document.querySelector('.confirmation');
    return !!(c && t && c.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert.ok(order, 'the crisis information comes before the confirmation');
  assert.equal(await horizontalOverflow(client), 0);
  await assertAccessible(client, 'the crisis information');
  await client.context().close();

  // The treating therapist, in their own browser, sees the critical alert first.
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  const panel = therapist.getByRole('region', { name: /Open alerts/ });
  const alert = panel.getByRole('article').filter({ hasText: 'Critical' }).filter({ hasText: /Risk answer on .*PHQ-9/ }).first();
  await alert.waitFor();
  await assertAccessible(therapist, 'the therapist dashboard with a critical alert');
  const before = await panel.getByRole('article').count();
  await alert.getByRole('button', { name: 'Acknowledge' }).click();
  // A note of what was done is required.
  await alert.getByRole('button', { name: 'Save acknowledgement' }).click();
  const note = alert.getByLabel('What did you do?');
  await therapist.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await note.elementHandle());
  await note.fill('Called the client the same day; reviewed the safety plan together.');
  await alert.getByRole('button', { name: 'Save acknowledgement' }).click();
  await therapist.waitForFunction(
    (n) => document.querySelectorAll('.card--alerts article').length < n,
    before,
  );

  // On the client's episode page the acknowledged alert keeps its note and can be resolved.
  const row = therapist.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: 'Jordan Reyes' });
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  await therapist.getByRole('heading', { level: 1, name: /^Jordan.*feedback and progress/ }).waitFor();
  await therapist.getByText(/Earlier alerts/).click();
  const done = therapist
    .getByRole('article')
    .filter({ hasText: /Risk answer on .*PHQ-9/ })
    .filter({ hasText: 'reviewed the safety plan together' })
    .first();
  await done.getByText(/^Acknowledged/).waitFor();
  await done.getByRole('button', { name: 'Resolve' }).click();
  await therapist
    .getByRole('article')
    .filter({ hasText: 'reviewed the safety plan together' })
    .getByText(/^Resolved/)
    .first()
    .waitFor();
  await assertAccessible(therapist, 'the episode page after resolving an alert');
  await therapist.context().close();
});

async function demoHasHistories(page) {
  return page.evaluate(async () => {
    const r = await fetch('/api/v1/dashboard', { credentials: 'same-origin' });
    if (!r.ok) return false;
    const d = await r.json();
    return d.clients.some((c) => c.outcome_trend.length >= 3 && c.rapport_trend.length >= 3);
  });
}

test('the therapist sees trend lines and an episode chart with cut-off, bands and a data table', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  assert.ok(await demoHasHistories(page), 'the demo clinic has feedback histories for the therapist');
  const clients = page.getByRole('region', { name: 'Clients' });
  const spark = clients.locator('svg.sparkline[role="img"]').first();
  await spark.waitFor();
  assert.match(await spark.getAttribute('aria-label'), /(improving|worsening|steady), from \d+(\.\d)? to \d+/);
  // The Rapport Check is the project's own and not yet validated: its scores say so, with the note.
  const caution = clients.getByText('not yet validated', { exact: true }).first();
  await caution.waitFor();
  assert.match(await caution.getAttribute('title'), /Not yet validated/);
  assert.ok((await clients.locator('svg.sparkline[aria-label^="Rapport (not yet validated)"]').count()) >= 1, 'the rapport trend line says so too');
  await assertAccessible(page, 'the caseload dashboard');

  // An adult's row: their outcome questionnaire is the PHQ-9.
  const row = clients.getByRole('listitem').filter({ has: page.locator('svg.sparkline') }).filter({ hasText: 'PHQ-9' }).first();
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  await page.getByRole('heading', { level: 1, name: /feedback and progress/ }).waitFor();
  const outcome = page.getByRole('region', { name: /PHQ-9/ });
  const chart = outcome.locator('.chart__canvas[role="img"]');
  await chart.locator('canvas').first().waitFor();
  const label = await chart.getAttribute('aria-label');
  assert.match(label, /PHQ-9.* over \d+ answers/);
  assert.match(label, /Cut-off 10/);
  // The same numbers for screen readers, one row per date.
  const table = outcome.locator('.visually-hidden table');
  assert.ok((await table.locator('tbody tr').count()) >= 3, 'a data table beside the chart');
  await outcome.getByText(/Reliable change from the first score/).waitFor();
  await outcome.getByText('Rapport (right scale)').waitFor();
  // The rapport line over the PHQ-9 chart is marked in its key and in the chart's description.
  await outcome.locator('figcaption').getByText('not yet validated', { exact: true }).waitFor();
  const described = await chart.getAttribute('aria-label');
  assert.match(described, /Rapport Check is not yet validated\./);
  assert.doesNotMatch(described, /PHQ-9 is not yet validated/);
  await page.getByRole('region', { name: 'Rapport Check' }).getByText(/Use it to start a conversation/).waitFor();
  // Answers item by item.
  await outcome.locator('details.response summary').first().click();
  await outcome.locator('table.answers tbody tr').first().waitFor();
  assert.ok((await outcome.locator('table.answers').first().locator('tbody tr').count()) >= 9, 'every PHQ-9 item');
  const csv = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  assert.match(csv, /^\/api\/v1\/episodes\/\d+\/export\.csv$/);
  const csvStatus = await page.evaluate(async (href) => (await fetch(href, { credentials: 'same-origin' })).status, csv);
  assert.equal(csvStatus, 200);
  await assertAccessible(page, 'the episode page with charts');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  assert.equal(await horizontalOverflow(page), 0, 'the episode page at 360 px');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the episode page');
  await page.goto('/');
  await page.getByRole('region', { name: 'Clients' }).locator('svg.sparkline').first().waitFor();
  assert.equal(await horizontalOverflow(page), 0, 'the dashboard at 360 px');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the dashboard');
  await page.context().close();
});

test('a feedback link sent by the therapist works without signing in, once', async () => {
  // For Jordan's latest session, whose check-in has not been given.
  await bookJordan(-40 * 60_000, 30);
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const clients = page.getByRole('region', { name: 'Clients' });
  const row = clients.getByRole('listitem').filter({ hasText: 'Jordan Reyes' });
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  const send = page.getByRole('region', { name: 'Send feedback link' });
  await send.getByRole('button', { name: /Send feedback link/ }).first().click();
  // It goes to the client; the link itself is there only for handing over in person.
  await send.getByText(/is on its way to the client/).waitFor();
  await send.getByText('Hand it over in person instead').click();
  const link = await send.getByLabel('Feedback link').inputValue();
  assert.match(link, /\/feedback\/\S+$/);
  await page.context().close();

  const visitor = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await visitor.goto(link);
  await visitor.getByRole('heading', { level: 1, name: /how was your session\?/i }).waitFor();
  await visitor.locator('form.feedback-form').getByRole('progressbar').waitFor();
  assert.equal(await horizontalOverflow(visitor), 0);
  await assertAccessible(visitor, 'the feedback link form');
  await answerStepByStep(visitor, tapCounter(), { choose: (_question, rating) => (rating ? '9' : undefined) });
  await visitor.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  // The link is spent: opening it again says so.
  await visitor.goto(link);
  await visitor.getByText(/expired or has already been used|nothing left to answer/).waitFor();
  await assertAccessible(visitor, 'a used feedback link');
  await visitor.context().close();
});

test('the client sees their own progress in plain words and in a chart with a text alternative', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.client);
  const progress = page.getByRole('region', { name: 'Your progress' });
  await progress.waitFor();
  assert.match(await progress.locator('p').first().innerText(), /\w+ \w+ \w+/);
  const chart = progress.locator('.chart__canvas[role="img"]').first();
  await chart.locator('canvas').waitFor();
  assert.match(await chart.getAttribute('aria-label'), /Your mood.* over \d+ answers/);
  assert.ok((await progress.locator('.visually-hidden table tbody tr').count()) >= 3);
  // Clients see no alerts and no clinical jargon such as cut-off bands of change, nor the caution
  // meant for staff about questionnaires not yet validated.
  assert.equal(await progress.getByText(/Reliable change/).count(), 0);
  assert.equal(await page.locator('.badge--unvalidated').count(), 0);
  assert.equal(await horizontalOverflow(page), 0);
  await assertAccessible(page, 'the client home with progress');
  await page.context().close();
});

test('the supervisor sees the open alerts of the therapists they supervise', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.supervisor);
  const panel = page.getByRole('region', { name: /Open alerts/ });
  await panel.waitFor();
  assert.ok((await panel.getByRole('article').count()) >= 1, 'the demo supervisees have open alerts');
  assert.equal(await panel.getByRole('button', { name: 'Acknowledge' }).count(), 0, 'the treating therapist acts on alerts');
  await assertAccessible(page, 'the supervisor home with alerts');
  await page.context().close();
});

// What the page shows once the check-in on it was sent and the client came back to it.
async function assertShowsSent(page, what) {
  const sentState = page.getByRole('status').filter({ has: page.getByRole('heading', { level: 2, name: 'Already sent' }) });
  await sentState.getByText(/^Already sent, thank you\./).waitFor();
  assert.equal(await page.locator('form.feedback-form').count(), 0, `${what}: no form to fill in again`);
  assert.equal(await page.getByRole('radio').count(), 0, `${what}: no question offered again`);
  assert.equal(await page.getByRole('progressbar').count(), 0, `${what}: no "Question 1 of …"`);
}

test('after sending a check-in on a phone, Back then Forward neither sends it again nor shows it empty', async () => {
  // A session that began 40 minutes ago whose outcome questionnaires were answered before it:
  // the form is the Rapport Check alone, sent in one request.
  const { booked, page } = await phoneWithRapportCheckOnly();
  const sent = countSends(page);

  await page.goto(`/feedback?appointment=${booked.id}`);
  const form = page.locator('form.feedback-form');
  await form.getByRole('heading', { level: 2, name: 'How your sessions feel' }).waitFor();
  await answerStepByStep(page, tapCounter(), { choose: () => '8' });
  await page.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  assert.deepEqual(sent, ['RAPPORT-CHECK']);

  await page.goBack();
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await page.goForward();
  await page.getByRole('heading', { level: 1, name: /session/ }).waitFor();
  assert.match(page.url(), new RegExp(`/feedback\\?appointment=${booked.id}$`));
  await assertShowsSent(page, 'Forward after sending');
  assert.equal(await horizontalOverflow(page), 0);
  await assertAccessible(page, 'the check-in already sent');
  assert.deepEqual(sent, ['RAPPORT-CHECK'], 'sent exactly once');
  await page.context().close();
});

test('after a check-in reached from the client home is sent, Back and Forward within the app and a reload show it sent', async () => {
  // A session that began a moment ago, after every answer the earlier tests gave: the home asks
  // about it (answers given after a session began count for it).
  const booked = await bookJordan(-1_000, 30);
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await clearDraft(page);
  const sent = countSends(page);
  // From the client's home, as they get there: Back and Forward stay within the app.
  await page.getByRole('region', { name: 'How was today’s session?' }).getByRole('link', { name: 'Give feedback' }).click();
  await page.getByRole('heading', { level: 1, name: 'How was today’s session?' }).waitFor();
  assert.match(page.url(), new RegExp(`/feedback\\?appointment=${booked.id}$`));
  await page.locator('form.feedback-form').getByRole('progressbar').waitFor();
  await answerStepByStep(page, tapCounter(), { choose: (_question, rating) => (rating ? '9' : undefined) });
  await page.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  const once = [...sent];
  assert.ok(once.includes('RAPPORT-CHECK'), `sent: ${once}`);
  assert.equal(new Set(once).size, once.length, `each questionnaire sent once: ${once}`);

  await page.goBack();
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await page.goForward();
  await page.getByRole('heading', { level: 1, name: /session/ }).waitFor();
  assert.match(page.url(), new RegExp(`/feedback\\?appointment=${booked.id}$`));
  await assertShowsSent(page, 'Forward within the app');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: /session/ }).waitFor();
  await assertShowsSent(page, 'a reload after sending');
  assert.deepEqual(sent, once, 'nothing sent again');
  await page.context().close();
});
