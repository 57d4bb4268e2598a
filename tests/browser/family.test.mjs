// A young person's family in the demo clinic. Elena Haddad, Leo's mother, opens the questions
// about Leo from her home on a phone, has a question read aloud, answers the parent-report
// questionnaire partly by keyboard and partly by tapping, sends it and is thanked. Ama Mensah, 14, reads on her home what her father
// Kwame can see and the goal kept just between her and her therapist; Kwame opens Ama's plan and
// that goal's words are nowhere on it. Leo's therapist changes how Marcus Haddad, Leo's father,
// likes to be contacted and records Leo's assent through the family card, and sees both listed.
// Marcus, whose contact a court order limits, sees Leo's next appointment and no plan. Kwame
// checks in, on his phone and with a note, on the homework of Ama's plan planned with him, and
// cannot check in on the homework that is Ama's own. Leo's therapist sends Elena a feedback link
// for Leo's next session; Elena opens it signed out on her phone, reads the questions worded for
// her, answers them and is thanked by name, and her answers are kept as hers.
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
const kAma = { name: 'Ama Mensah', email: 'ama.mensah@demo.rapport' };
const kKwame = { name: 'Kwame Mensah', email: 'kwame.mensah@demo.rapport' };
const kMarcus = { name: 'Marcus Haddad', email: 'marcus.haddad@demo.rapport' };

const responses = (r) => r.request().method() === 'POST' && /\/api\/v1\/episodes\/\d+\/responses$/.test(r.url());

// The signed-in person's own user id.
// Answers every question of the stepped form, one screen at a time: the first `byKeyboard` by
// keyboard (Space picks the focused answer, Enter on Next moves on), the rest by touch (a tap on
// an answer moves on by itself); an optional comment is skipped.
async function answerEveryQuestion(page, form, byKeyboard) {
  const first = await stepName(form);
  const total = Number(/^Question 1 of (\d+)$/.exec(first)?.[1]);
  assert.ok(total >= 1, `the stepper counts the questions: "${first}"`);
  for (let n = 1; n <= total; n++) {
    const here = `Question ${n} of ${total}`;
    assert.equal(await stepName(form), here);
    const question = form.locator('fieldset.question');
    if ((await question.getByRole('radio').count()) === 0) {
      await form.getByRole('button', { name: 'Skip' }).press('Enter');
    } else if (n <= byKeyboard) {
      await question.getByRole('radio').first().focus();
      await page.keyboard.press('Space');
      await form.getByRole('button', { name: 'Next' }).press('Enter');
    } else {
      await question.getByRole('radio').nth(n % 3).click();
    }
    await leftStep(form, here);
  }
}

async function myId(page) {
  const me = await callApi(page, 'GET', '/me');
  assert.equal(me.status, 200, JSON.stringify(me.body));
  return me.body.user.id;
}

// Ama's family as she reads it herself, and the goal of her plan kept from her parents: its words
// as the server gives them, not as this test might guess them.
async function amasPrivateGoal() {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kAma.email);
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
  const id = await myId(page);
  const family = await callApi(page, 'GET', `/clients/${id}/family`);
  assert.equal(family.status, 200, JSON.stringify(family.body));
  const goal = family.body.confidential.find((c) => c.kind === 'goal');
  assert.ok(goal, `Ama's plan keeps a goal from her parents: ${JSON.stringify(family.body.confidential)}`);
  await page.context().close();
  return { clientId: id, family: family.body, goal };
}

test('a parent answers the questions about their child on a phone, by keyboard and by touch, and is thanked', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.guardian);
  const leo = page.getByRole('region', { name: kLeo.name });
  const open = leo.getByRole('link', { name: 'Answer the questions about Leo' });
  await open.waitFor();
  await assertAccessible(page, 'the guardian home with questions due');
  await assertFitsPhone(page, 'the guardian home with questions due');
  await open.click();

  await page.getByRole('heading', { level: 1, name: 'Questions about Leo' }).waitFor();
  assert.match(new URL(page.url()).pathname + new URL(page.url()).search, /^\/feedback\?child=\d+$/);
  const form = page.locator('form.feedback-form');
  await form.locator('fieldset.question').first().waitFor();
  // Addressed to the parent, about Leo; no questionnaire code.
  await page.getByText(/^About Leo\b/).waitFor();
  assert.equal(await page.getByText('PSC-17').count(), 0, 'no questionnaire code for a parent');
  await assertAccessible(page, 'the questions about Leo at 360 px');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the questions about Leo');

  // Each question can be read aloud by the browser's own voice: what it says is recorded here
  // in place of the sound.
  await page.evaluate(() => {
    window.__spoken = [];
    window.speechSynthesis.speak = (utterance) => window.__spoken.push(utterance.text);
  });
  const question1 = form.locator('fieldset.question').first();
  await question1.getByRole('button', { name: 'Read aloud' }).click();
  const spoken = await page.evaluate(() => window.__spoken);
  const legend = (await question1.locator('legend').innerText()).trim();
  assert.equal(spoken.length, 1, 'one question read aloud');
  assert.ok(spoken[0].startsWith(legend), `it reads the question: "${spoken[0]}"`);
  assert.match(spoken[0], /The answers are: /, 'and the answers to choose from');

  // The first three by keyboard, the rest by touch.
  await answerEveryQuestion(page, form, 3);
  assert.equal(await stepName(form), 'Last step: send');
  const send = form.getByRole('button', { name: /^Send to / });
  const sent = page.waitForResponse(responses);
  await send.click();
  const answer = await sent;
  assert.equal(answer.status(), 201, `sending the questions about Leo: ${await answer.text()}`);
  assert.equal(JSON.parse(answer.request().postData()).respondent, 'guardian');
  await page.getByRole('status').filter({ hasText: /Thank you — your answers have been sent to .+\./ }).waitFor();
  await assertAccessible(page, 'the thank-you to a parent');

  // Home asks no more until the next session.
  await page.getByRole('link', { name: 'Back to home' }).click();
  await leo.getByRole('heading', { level: 3, name: 'Next appointment' }).waitFor();
  assert.equal(await leo.getByRole('link', { name: 'Answer the questions about Leo' }).count(), 0, 'nothing more is asked before the next session');
  await page.context().close();
});

test('a young person reads what their parent can see and the goal kept between them and their therapist', async () => {
  const { family, goal } = await amasPrivateGoal();
  assert.ok(
    family.guardians.some((g) => g.guardian_name === kKwame.name),
    `Kwame is among Ama's parents and carers: ${JSON.stringify(family.guardians.map((g) => g.guardian_name))}`,
  );
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kAma.email);
  const card = page.getByRole('region', { name: 'What your parents or carers can see' });
  await card.getByText(kKwame.name).waitFor();
  // In everyday words, not the record's sections.
  const kwame = card.getByRole('listitem').filter({ hasText: kKwame.name });
  assert.match(await kwame.innerText(), /can see|cannot see anything/);
  await card.getByRole('heading', { level: 3, name: 'Kept just between you and your therapist' }).waitFor();
  await card.getByText(goal.words, { exact: false }).waitFor();
  await assertAccessible(page, 'the young person’s home with what their parents see');
  await assertFitsPhone(page, 'the young person’s home with what their parents see');
  await page.context().close();
});

test('a parent opens their teenager’s plan and the private goal is nowhere on it', async () => {
  const { goal } = await amasPrivateGoal();
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kKwame.email);
  const ama = page.getByRole('region', { name: kAma.name });
  await ama.getByRole('link', { name: "Ama's plan" }).click();
  // A parent reads their child by the name the child goes by.
  await page.getByRole('heading', { level: 1, name: /^Ama\b.*: treatment plan$/ }).waitFor();
  await page.getByRole('region', { name: 'Version history' }).waitFor();
  await page.locator('.loading').waitFor({ state: 'detached' });
  const episodeId = Number(/^\/episodes\/(\d+)\/plan$/.exec(new URL(page.url()).pathname)?.[1]);
  assert.ok(episodeId, `the plan's address names its episode: ${page.url()}`);

  const shown = await page.evaluate(() => document.body.innerText);
  assert.ok(!shown.includes(goal.words), 'the private goal is not on the plan page');
  assert.equal(await page.getByText('Private:', { exact: false }).count(), 0, 'a parent reads no private marks');
  // Nor in anything the page was given, nor on any version of the plan.
  const overview = await callApi(page, 'GET', `/episodes/${episodeId}/plan`);
  assert.equal(overview.status, 200, JSON.stringify(overview.body));
  assert.ok(!JSON.stringify(overview.body).includes(goal.words), 'the private goal is not in the plan as sent to a parent');
  for (const v of overview.body.versions) {
    await page.goto(`/episodes/${episodeId}/plan/versions/${v.number}`);
    await page.getByRole('heading', { level: 1, name: `Plan version ${v.number}` }).waitFor();
    await page.locator('.loading').waitFor({ state: 'detached' });
    const text = await page.evaluate(() => document.body.innerText);
    assert.ok(!text.includes(goal.words), `the private goal is not on version ${v.number}`);
  }
  await page.context().close();
});

test('a parent checks in on the homework planned with them, with a note, on a phone', async () => {
  const kOwn = 'Answer one question in maths this week';
  const kWithDad = 'Tell Dad one thing that happened at school each evening';
  const kSupport = 'Ask Ama about one good moment of her school day at dinner, and listen without trying to fix anything';
  const kNote = 'She told me about the science quiz and laughed about it.';
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kKwame.email);
  await page.getByRole('region', { name: kAma.name }).getByRole('link', { name: "Ama's plan" }).click();
  await page.getByRole('heading', { level: 1, name: /^Ama\b.*: treatment plan$/ }).waitFor();
  await page.locator('.loading').waitFor({ state: 'detached' });
  const episodeId = Number(/^\/episodes\/(\d+)\/plan$/.exec(new URL(page.url()).pathname)?.[1]);
  assert.ok(episodeId, `the plan's address names its episode: ${page.url()}`);

  const goals = page.getByRole('region', { name: 'Goals' });
  const own = goals.getByRole('listitem').filter({ hasText: kOwn });
  const withDad = goals.getByRole('listitem').filter({ hasText: kWithDad });
  // The homework planned with him says what he does; Ama's own has nothing for him to check in on.
  await withDad.getByText(`Planned with parents or carers: ${kSupport}`).waitFor();
  await own.waitFor();
  assert.equal(await own.getByRole('radio').count(), 0, 'no check-in on Ama’s own homework');
  assert.equal(await own.getByRole('button').count(), 0, 'no buttons on Ama’s own homework');
  assert.equal(await own.getByRole('textbox').count(), 0, 'nothing to write on Ama’s own homework');
  await withDad.getByText('No check-ins yet.').waitFor();
  await assertAccessible(page, 'a parent’s check-in on the plan');
  await assertFitsPhone(page, 'a parent’s check-in on the plan');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the plan');

  // A note, then "Done today" by keyboard.
  await withDad.getByLabel('Anything to add? (optional)').fill(kNote);
  const done = withDad.getByRole('radio', { name: `Done today — ${kWithDad}` });
  assert.equal(await done.isChecked(), false);
  const saving = page.waitForResponse((r) => r.request().method() === 'PUT' && /\/api\/v1\/episodes\/\d+\/plan\/homework\/[^/]+$/.test(r.url()));
  await done.focus();
  await page.keyboard.press('Enter');
  const saved = await saving;
  assert.equal(saved.status(), 200, `checking in: ${await saved.text()}`);
  assert.deepEqual(JSON.parse(saved.request().postData()), { done: true, note: kNote });
  await withDad.getByRole('status').filter({ hasText: 'Thanks — saved for today.' }).waitFor();
  await withDad.getByText(/parents and carers: 1 of 1 done/).waitFor();
  await withDad.getByText('Last check-in: today — done.').waitFor();
  assert.equal(await done.isChecked(), true, 'today’s answer is marked as given');
  assert.equal(await withDad.getByLabel('Anything to add? (optional)').inputValue(), '', 'the note is sent and the field is empty again');
  // The keyboard is back on the answer given.
  assert.equal(await done.evaluate((el) => el === document.activeElement), true, 'focus stays on “Done today”');
  await assertAccessible(page, 'a parent’s check-in, saved');

  // The plan as the server tells it: one check-in by a parent or carer, done.
  const overview = await callApi(page, 'GET', `/episodes/${episodeId}/plan`);
  assert.equal(overview.status, 200, JSON.stringify(overview.body));
  const item = overview.body.homework.find((h) => h.description === kWithDad);
  assert.ok(item, `the homework planned with Kwame is in the plan: ${JSON.stringify(overview.body.homework)}`);
  assert.equal(item.caregiver_support, kSupport);
  assert.deepEqual({ check_ins: item.by_caregivers.check_ins, done: item.by_caregivers.done }, { check_ins: 1, done: 1 });
  assert.equal(item.done, true);
  assert.equal(overview.body.homework.find((h) => h.description === kOwn)?.may_check_in, false, 'Ama’s own homework is hers to check in on');
  await page.context().close();
});

test('the therapist changes a parent’s contact and records assent through the family card', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const caseload = await callApi(page, 'GET', '/caseload');
  assert.equal(caseload.status, 200);
  const line = caseload.body.clients.find((l) => l.client.display_name === kLeo.name);
  assert.ok(line, `${kLeo.name} is on the demo therapist's caseload`);
  await page.goto(`/clients/${line.client.id}`);
  await page.getByRole('heading', { level: 1, name: kLeo.name }).waitFor();

  const family = page.getByRole('region', { name: 'Family and consent' });
  const marcus = family.getByRole('article', { name: kMarcus.name });
  await marcus.waitFor();
  await marcus.locator('dl').getByText('Limited by a court order').waitFor();
  await assertAccessible(page, 'the family card');

  // Marcus would rather have a text message, after six on weekdays.
  await marcus.locator('summary').click();
  await marcus.getByLabel('How they like to be contacted').selectOption({ label: 'Text message' });
  await marcus.getByLabel('Contact note').fill('After six on weekdays');
  // A court order limits him: what it says stays on record, and is required.
  const order = marcus.getByLabel('What the court order says');
  assert.notEqual((await order.inputValue()).trim(), '', 'the court order is on record');
  const saving = page.waitForResponse((r) => r.request().method() === 'PUT' && /\/api\/v1\/guardian-links\/\d+\/standing$/.test(r.url()));
  await marcus.getByRole('button', { name: `Save changes for ${kMarcus.name}` }).click();
  const saved = await saving;
  assert.equal(saved.status(), 200, `saving Marcus's standing: ${await saved.text()}`);
  await marcus.getByRole('status').filter({ hasText: `Saved for ${kMarcus.name}.` }).waitFor();
  await marcus.locator('dl').getByText('Text message · After six on weekdays').waitFor();
  await assertAccessible(page, 'the family card after a change');

  // Leo's assent, in his own words, today.
  await family.getByLabel('What is being recorded').selectOption('assent');
  assert.equal(await family.getByLabel('Whose consent').count(), 0, 'no guardian to choose for assent');
  await family.getByLabel('How it was given').fill('Leo said yes in his own words, with his mum there.');
  const recording = page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v1\/clients\/\d+\/consents$/.test(r.url()));
  await family.getByRole('button', { name: 'Record consent or assent' }).click();
  const recorded = await recording;
  assert.equal(recorded.status(), 201, `recording Leo's assent: ${await recorded.text()}`);
  const records = family.getByRole('list', { name: 'Consent and assent, newest first' });
  const newest = records.getByRole('listitem').first();
  await newest.getByText("Leo's assent").waitFor();
  await newest.getByText('Latest', { exact: true }).waitFor();
  await newest.getByText('Leo said yes in his own words', { exact: false }).waitFor();
  assert.equal((await callApi(page, 'GET', `/clients/${line.client.id}/family`)).body.missing_consents.includes('assent'), false);
  await assertFitsPhone(page, 'the family card');
  await page.context().close();
});

test('a parent whom a court order limits sees the next appointment and no plan', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kMarcus.email);
  const leo = page.getByRole('region', { name: kLeo.name });
  await leo.getByRole('heading', { level: 3, name: 'Next appointment' }).waitFor();
  await page.locator('.loading').waitFor({ state: 'detached' });
  await leo.locator('.next__when').waitFor();
  assert.equal(await leo.getByText('No upcoming appointment is booked yet.').count(), 0, 'Leo’s next appointment shows');
  assert.equal(await page.getByRole('link', { name: /plan/i }).count(), 0, 'no link to the plan');

  // Nor does the server give it: the plan of the episode his next appointment belongs to.
  const children = await callApi(page, 'GET', '/clients');
  const child = children.body.find((c) => c.display_name === kLeo.name);
  assert.ok(child, 'Leo is Marcus’s child');
  const span = new URLSearchParams({ from: new Date().toISOString(), to: new Date(Date.now() + 60 * 86400_000).toISOString() });
  const appointments = await callApi(page, 'GET', `/appointments?${span}`);
  assert.equal(appointments.status, 200, JSON.stringify(appointments.body));
  const next = appointments.body.find((a) => a.client_id === child.id);
  assert.ok(next, 'Marcus is told of Leo’s next appointment');
  const plan = await callApi(page, 'GET', `/episodes/${next.episode_id}/plan`);
  assert.notEqual(plan.status, 200, 'the plan is not Marcus’s to read');
  await assertAccessible(page, 'the home of a parent a court order limits');
  await page.context().close();
});

test('a parent answers the questions about their child from a feedback link, on a phone, without signing in', async () => {
  // Leo's therapist, Sofia Lindqvist, sends his mother Elena a link for Leo's next session.
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const caseload = await callApi(therapist, 'GET', '/caseload');
  assert.equal(caseload.status, 200, JSON.stringify(caseload.body));
  const line = caseload.body.clients.find((l) => l.client.display_name === kLeo.name);
  assert.ok(line, `${kLeo.name} is on the demo therapist's caseload`);
  const leoId = line.client.id;
  const episodeId = line.episode.id;
  const family = await callApi(therapist, 'GET', `/clients/${leoId}/family`);
  assert.equal(family.status, 200, JSON.stringify(family.body));
  const elena = family.body.guardians.find((g) => g.guardian_name === 'Elena Haddad');
  assert.ok(elena, `Elena is among Leo's parents and carers: ${JSON.stringify(family.body.guardians.map((g) => g.guardian_name))}`);

  // Leo's next session whose questions Elena has not answered yet: the first test of this file
  // answered them, signed in, for the very next one.
  const appointments = await callApi(therapist, 'GET', `/episodes/${episodeId}/appointments`);
  assert.equal(appointments.status, 200, JSON.stringify(appointments.body));
  const before = await callApi(therapist, 'GET', `/episodes/${episodeId}/progress`);
  assert.equal(before.status, 200, JSON.stringify(before.body));
  const answeredByElena = new Set(
    (before.body.instruments.find((q) => q.code === 'PSC-17')?.points ?? [])
      .filter((p) => p.guardian?.id === elena.guardian_id)
      .map((p) => p.appointment_id),
  );
  const next = appointments.body
    .filter((a) => a.status === 'scheduled' && Date.parse(a.starts_at) > Date.now() && !answeredByElena.has(a.id))
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1))[0];
  assert.ok(next, `Leo has a next session to ask Elena about: ${JSON.stringify(appointments.body)}`);

  // The episode page offers the choice of whom a link is for, Elena by name among them.
  await therapist.goto(`/episodes/${episodeId}`);
  const card = therapist.getByRole('region', { name: 'Send feedback link' });
  const forWhom = card.getByLabel('Who is it for?');
  await forWhom.waitFor();
  const options = await forWhom.locator('option').allInnerTexts();
  assert.ok(options.some((o) => o.startsWith('Leo')), `Leo is offered: ${JSON.stringify(options)}`);
  assert.ok(options.some((o) => o.startsWith('Elena Haddad')), `Elena is offered: ${JSON.stringify(options)}`);

  const created = await callApi(therapist, 'POST', `/appointments/${next.id}/feedback-link`, { guardian_id: elena.guardian_id });
  assert.equal(created.status, 201, `a link for Elena: ${JSON.stringify(created.body)}`);
  const link = created.body.url;
  assert.match(link, /^\/feedback\/\S+$/);
  const token = link.slice('/feedback/'.length);
  const info = await callApi(therapist, 'GET', `/feedback-links/${token}`);
  assert.equal(info.status, 200, JSON.stringify(info.body));
  assert.equal(info.body.respondent, 'guardian');
  assert.equal(info.body.guardian_name, 'Elena Haddad');
  assert.ok(
    info.body.instruments.some((i) => i.code === 'PSC-17'),
    `the link asks Elena the PSC-17: ${JSON.stringify(info.body.instruments.map((i) => i.code))}`,
  );

  // Elena opens it on her phone, signed out.
  const visitor = await newPage(live.browser, live.server.baseUrl, 360, 740);
  const sends = [];
  visitor.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/v1\/feedback-links\/[^/]+\/responses$/.test(r.url())) sends.push(JSON.parse(r.postData()));
  });
  await visitor.goto(link);
  await visitor.getByRole('heading', { level: 1, name: 'Questions about Leo' }).waitFor();
  // Worded for her, not for Leo.
  await visitor.getByText(/^For Elena: your answers go to Sofia Lindqvist, who will look at them with what Leo says\. There are no right answers/).waitFor();
  assert.equal(await visitor.getByRole('heading', { name: /how was your session/i }).count(), 0, 'not the client’s wording');
  const form = visitor.locator('form.feedback-form');
  await form.locator('fieldset.question').first().waitFor();
  assert.equal(await visitor.getByText('PSC-17').count(), 0, 'no questionnaire code for a parent');
  await assertAccessible(visitor, 'a parent’s feedback link');
  await assertFitsPhone(visitor, 'a parent’s feedback link');
  assert.deepEqual(await smallTouchTargets(visitor), [], 'touch targets on a parent’s feedback link');

  // The first by keyboard, the rest by touch.
  await answerEveryQuestion(visitor, form, 1);
  assert.equal(await stepName(form), 'Last step: send');
  const sent = visitor.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v1\/feedback-links\/[^/]+\/responses$/.test(r.url()));
  await form.getByRole('button', { name: 'Send to Sofia Lindqvist' }).click();
  const answer = await sent;
  assert.equal(answer.status(), 201, `sending Elena's answers through the link: ${await answer.text()}`);
  const thanks = visitor.getByRole('status').filter({ hasText: /Thank you — your answers have been sent to Sofia Lindqvist\./ });
  await thanks.waitFor();
  await thanks.getByText('Thank you, Elena, for taking the time. Sofia Lindqvist will look at your answers with what Leo says.').waitFor();
  assert.ok(sends.length >= 1 && sends.some((b) => b.instrument === 'PSC-17'), `the PSC-17 was sent: ${JSON.stringify(sends)}`);
  assert.ok(sends.every((b) => !('respondent' in b)), 'the link says whose answers they are; the request does not');
  await assertAccessible(visitor, 'the thank-you on a parent’s feedback link');
  await visitor.context().close();

  // Kept as Elena's, about Leo's next session.
  const after = await callApi(therapist, 'GET', `/episodes/${episodeId}/progress`);
  assert.equal(after.status, 200, JSON.stringify(after.body));
  const points = after.body.instruments.find((q) => q.code === 'PSC-17')?.points ?? [];
  const hers = points.find((p) => p.appointment_id === next.id && p.guardian?.name?.startsWith('Elena Haddad'));
  assert.ok(hers, `a PSC-17 from Elena for Leo's next session: ${JSON.stringify(points.map((p) => [p.appointment_id, p.guardian]))}`);
  assert.equal(hers.respondent, 'guardian');
  await therapist.context().close();
});
