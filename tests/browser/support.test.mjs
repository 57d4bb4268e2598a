// The Support Check and looking back on a course that has ended.
//
// Sofia Lindqvist, the demo therapist, opens Jordan Reyes's episode from her caseload and sends the
// Support Check from its section (the button stands out exactly when an open "not on track" alert
// is on the page); the section then says it is waiting for the answers. Jordan, on a 360-pixel
// phone, finds "A few questions from Sofia" on his home, follows it to his feedback form and
// answers it one question per screen: low on every "working together" question, "Yes" to a recent
// life event, with a comment (any other questionnaire due in the same form is answered too). Sofia
// then reads, area by area, "Working together" marked worth talking about, with repair strategies
// each citing its source (Safran & Muran among them), Jordan's comment, and the Support Check
// marked not yet validated.
//
// Sofia ends Hana Sato's course (through the API). Hana, on a phone, finds "Looking back on your
// therapy" on her home, answers the Rapport Check about the whole course (48 of 60), is thanked,
// and the card is gone; the server takes it only once. Her summary, and Sofia's, shows "Looking
// back on the whole course: 48 of 60".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, assertFitsPhone, callApi, demoServerAndBrowser, kDemo, newPage, signIn } from './harness.mjs';
import { clearDraft, clientEpisodeId, leftStep, stepName } from './checkin.mjs';

const live = demoServerAndBrowser();

const kTherapistName = 'Sofia Lindqvist';
const kJordan = 'Jordan Reyes';
const kHana = { name: 'Hana Sato', email: 'hana.sato@demo.rapport' };
const kComment = 'My father went into hospital two weeks ago and I have been looking after my mum.';

const isPost = (pattern) => (r) => r.request().method() === 'POST' && pattern.test(new URL(r.url()).pathname);

// Resolves once the page has had an answer about the episode's questionnaires (what the home's
// cards are drawn from), and the frame after it is drawn.
async function instrumentsRead(page, episodeId, navigate) {
  const read = page.waitForResponse(
    (r) => r.request().method() === 'GET' && new URL(r.url()).pathname === `/api/v1/episodes/${episodeId}/instruments`,
  );
  await navigate();
  await read;
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

// Goes through the phone's stepper one screen at a time until the last one, then sends.
// `answerFor(question)` (which may be async) names the answer: a radio's label ("3", "Yes"), text for a comment,
// or undefined for the first choice (a comment is skipped). Returns the questions asked.
async function answerOnPhone(page, answerFor) {
  const form = page.locator('form.feedback-form');
  const send = form.getByRole('button', { name: 'Send to my therapist' });
  const asked = [];
  for (let i = 0; i < 100; i++) {
    const name = await stepName(form);
    if (await send.count()) {
      await send.click();
      return asked;
    }
    const group = form.locator('fieldset.question');
    if (await group.count()) {
      const question = (await group.locator('legend').innerText()).trim();
      asked.push(question);
      const answer = await answerFor(question);
      // A tap on an answer moves on by itself.
      await (answer === undefined ? group.getByRole('radio').first() : group.getByRole('radio', { name: String(answer), exact: true })).click();
    } else {
      const question = (await form.locator('.question__text').innerText()).trim();
      asked.push(question);
      const answer = await answerFor(question);
      if (typeof answer === 'string') await form.getByRole('textbox').fill(answer);
      await form.getByRole('button', { name: /^(Skip|Next)$/ }).click();
    }
    await leftStep(form, name);
  }
  assert.fail('the stepper never reached the send button');
}

// The definition's item whose text a question on screen shows (a comment's label may add
// "(optional)").
function itemShown(definition, question) {
  return definition.items.find((item) => question === item.text || question.startsWith(item.text));
}

function scaleOf(definition, itemId) {
  return definition.scales.find((s) => s.items.includes(itemId))?.id;
}

async function signInAsTherapist() {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  return page;
}

async function supportSection(page) {
  const section = page.getByRole('region', { name: 'Support Check' });
  await section.waitFor();
  await section.getByText(/^Loading the Support Check/).waitFor({ state: 'detached' });
  return section;
}

test('the therapist sends the Support Check, the client answers it on a phone, and the therapist reads it with cited strategies', async () => {
  // --- Sofia sends it --------------------------------------------------------------------------
  const page = await signInAsTherapist();
  const episodeId = await clientEpisodeId(page);
  const progress = await callApi(page, 'GET', `/episodes/${episodeId}/progress`);
  assert.equal(progress.status, 200, JSON.stringify(progress.body));
  const offTrack = progress.body.alerts.some((a) => a.kind === 'not_on_track' && a.state === 'open');
  const before = await callApi(page, 'GET', `/episodes/${episodeId}/support-check`);
  assert.equal(before.status, 200, `the Support Check of ${kJordan}'s episode: ${JSON.stringify(before.body)}`);
  assert.equal(before.body.waiting, false, 'no Support Check is waiting in the demo');

  const row = page.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: kJordan });
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  await page.getByRole('heading', { level: 1, name: /feedback and progress/ }).waitFor();
  const section = await supportSection(page);
  await section.getByText('not yet validated', { exact: true }).waitFor();
  await section.getByText(/suggestions to think with/).waitFor();
  const send = section.getByRole('button', { name: 'Send the Support Check' });
  await send.waitFor();
  assert.equal(
    await send.evaluate((el) => el.classList.contains('button--primary')),
    offTrack,
    offTrack ? 'the button stands out while "not on track" is open' : 'the button is offered quietly without a "not on track" alert',
  );
  if (!before.body.requested_at) await section.getByRole('status').filter({ hasText: 'Not sent in this episode yet.' }).waitFor();
  await assertAccessible(page, 'the episode page with the Support Check to send');

  const sending = page.waitForResponse(isPost(/^\/api\/v1\/episodes\/\d+\/support-check$/));
  await send.click();
  const sent = await sending;
  assert.equal(sent.status(), 201, `sending the Support Check: ${await sent.text()}`);
  const request = await sent.json();
  assert.ok(request.requested_at, 'sent at a time');
  assert.equal(request.waiting, true);
  assert.equal(request.validated, false, 'the Support Check is not yet validated');

  const waiting = section.getByRole('status').filter({ hasText: /^Sent on .+; waiting for the answers\.$/ });
  await waiting.waitFor();
  assert.equal(await waiting.locator('time').getAttribute('datetime'), request.requested_at, 'the time shown is the request’s');
  await page.waitForFunction((el) => el === document.activeElement, await waiting.elementHandle());
  assert.equal(await section.getByRole('button', { name: 'Send the Support Check' }).count(), 0, 'not sent again while waiting');
  await assertAccessible(page, 'the episode page with the Support Check waiting');
  await assertFitsPhone(page, 'the episode page with the Support Check waiting');
  await page.context().close();

  // --- Jordan answers it on his phone ----------------------------------------------------------
  const client = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(client, kDemo.client);
  await client.getByRole('heading', { level: 1, name: /^Hello, / }).waitFor();
  await clearDraft(client);
  const definition = (await callApi(client, 'GET', '/instruments/SUPPORT-CHECK')).body;
  assert.equal(definition.purpose, 'support');
  const scales = definition.scales.map((s) => s.id);
  for (const scale of ['alliance', 'life_events']) assert.ok(scales.includes(scale), `the Support Check has a "${scale}" scale: ${scales}`);
  const assigned = await callApi(client, 'GET', `/episodes/${episodeId}/instruments`);
  assert.ok(
    assigned.body.some((a) => a.code === 'SUPPORT-CHECK' && a.purpose === 'support' && a.due === true),
    `the Support Check is due for Jordan: ${JSON.stringify(assigned.body)}`,
  );

  const card = client.getByRole('region', { name: `A few questions from ${kTherapistName.split(' ')[0]}` });
  await card.waitFor();
  await assertAccessible(client, 'the client’s home with the Support Check');
  await assertFitsPhone(client, 'the client’s home with the Support Check');
  await card.getByRole('link', { name: 'Answer the questions' }).click();
  await client.getByRole('heading', { level: 1, name: 'How are things going?' }).waitFor();
  const form = client.locator('form.feedback-form');
  await form.getByRole('progressbar').waitFor();

  // Low on working together (the other way round where an item counts backwards), "Yes" to a life
  // event with a comment, all right elsewhere; other questionnaires in the form: their first answer.
  let first = true;
  const asked = await answerOnPhone(client, async (question) => {
    const item = itemShown(definition, question);
    if (!item) return undefined;
    if (first) {
      // The Support Check's own section of the form, under its everyday name.
      first = false;
      await form.getByRole('heading', { level: 2, name: definition.plain_title ?? definition.title }).waitFor();
      await assertAccessible(client, 'the Support Check’s first question at 360 px');
    }
    const scale = scaleOf(definition, item.id);
    if (item.type === 'text') return kComment;
    if (item.type === 'choice') {
      if (scale !== 'life_events') return undefined;
      const yes = item.options.find((o) => /^yes/i.test(o.label)) ?? item.options.at(-1);
      return yes.label;
    }
    const low = scale === 'alliance';
    const value = low ? item.min + 1 : item.max - 2;
    return item.reverse ? item.max + item.min - value : value;
  });
  const supportItems = definition.items.filter((i) => ['choice', 'slider', 'text'].includes(i.type));
  const supportAsked = asked.filter((q) => itemShown(definition, q));
  assert.equal(supportAsked.length, supportItems.length, `every Support Check question was asked: ${JSON.stringify(asked)}`);
  await client.getByText(`Thank you — your answers have been sent to ${kTherapistName}.`).waitFor();
  await assertAccessible(client, 'the feedback form once sent');

  // Answered: no longer due, and the card is gone.
  const after = await callApi(client, 'GET', `/episodes/${episodeId}/instruments`);
  assert.ok(!after.body.some((a) => a.code === 'SUPPORT-CHECK' && a.due === true), 'the Support Check is no longer due');
  await instrumentsRead(client, episodeId, () => client.goto('/'));
  await client.getByRole('heading', { level: 1, name: /^Hello, / }).waitFor();
  assert.equal(await client.getByRole('region', { name: /^A few questions from/ }).count(), 0, 'the card is gone once answered');
  await client.context().close();

  // --- Sofia reads it --------------------------------------------------------------------------
  const therapist = await signInAsTherapist();
  const read = await callApi(therapist, 'GET', `/episodes/${episodeId}/support-check`);
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.equal(read.body.waiting, false, 'answered');
  assert.ok(read.body.answered_at, 'answered at a time');
  assert.equal(read.body.validated, false);
  assert.equal(read.body.life_events_comment, kComment);
  const alliance = read.body.findings.find((f) => f.scale === 'alliance');
  assert.ok(alliance, `a "working together" finding: ${JSON.stringify(read.body.findings)}`);
  assert.match(alliance.label, /working together/i);
  assert.equal(alliance.concern, true, 'low answers on working together are a concern');
  assert.ok(
    alliance.strategies.some((s) => /Safran/.test(s.citation) && /Muran/.test(s.citation)),
    `a strategy citing Safran & Muran: ${JSON.stringify(alliance.strategies)}`,
  );
  assert.equal(read.body.findings.find((f) => f.scale === 'life_events')?.concern, true, 'a recent life event is worth talking about');

  await therapist.goto(`/episodes/${episodeId}`);
  await therapist.getByRole('heading', { level: 1, name: /feedback and progress/ }).waitFor();
  const answers = await supportSection(therapist);
  await answers.getByRole('status').filter({ hasText: /^Answered on .+\.$/ }).waitFor();
  await answers.getByText('not yet validated', { exact: true }).waitFor();
  await answers.getByRole('heading', { level: 3, name: /’s answers, / }).waitFor();
  const area = answers.getByRole('listitem').filter({ has: therapist.getByText(`${alliance.label}:`, { exact: true }) });
  const mean = Number.isInteger(alliance.mean) ? String(alliance.mean) : alliance.mean.toFixed(1);
  await area.getByText(`${mean} of ${alliance.item_max} on average — worth talking about`).waitFor();
  const help = area.getByRole('list', { name: /^What may help/ });
  assert.equal(await help.getByRole('listitem').count(), alliance.strategies.length, 'each strategy for working together is listed');
  for (const s of alliance.strategies) {
    const strategy = help.getByRole('listitem').filter({ hasText: s.title });
    await strategy.getByText(s.text).waitFor();
    assert.equal((await strategy.locator('cite').innerText()).trim(), s.citation, `“${s.title}” cites its source`);
  }
  await help.locator('cite').filter({ hasText: /Safran/ }).filter({ hasText: /Muran/ }).first().waitFor();
  await answers.getByText(kComment).waitFor();
  await assertAccessible(therapist, 'the Support Check’s answers');
  await assertFitsPhone(therapist, 'the Support Check’s answers');
  // Sendable again, now that it is answered.
  await answers.getByRole('button', { name: 'Send the Support Check' }).waitFor();
  await therapist.context().close();
});

test('after the course ends the client looks back on it once, and the summary shows it', async () => {
  // --- Sofia ends Hana's course ----------------------------------------------------------------
  const page = await signInAsTherapist();
  const caseload = await callApi(page, 'GET', '/caseload');
  assert.equal(caseload.status, 200);
  const line = caseload.body.clients.find((l) => l.client.display_name === kHana.name);
  assert.ok(line, `${kHana.name} is on the demo therapist's caseload`);
  const episodeId = line.episode.id;
  const ended = await callApi(page, 'POST', `/episodes/${episodeId}/ending`, { reason: 'mutual-agreement' });
  assert.equal(ended.status, 201, `ending ${kHana.name}'s course: ${JSON.stringify(ended.body)}`);
  assert.equal(ended.body.looking_back ?? null, null, 'nothing looked back on yet');
  await page.context().close();

  // --- Hana looks back on her phone ------------------------------------------------------------
  const client = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(client, kHana.email);
  await client.getByRole('heading', { level: 1, name: 'Hello, Hana' }).waitFor();
  const card = client.getByRole('region', { name: 'Looking back on your therapy' });
  await card.waitFor();
  await card.getByText(/how it felt as a whole/).waitFor();
  await card.getByText(/We ask only once, and it is up to you\./).waitFor();
  // Nothing more about sessions for a course that has ended.
  assert.equal(await client.getByRole('link', { name: 'Tell your therapist how things are going' }).count(), 0);
  await assertAccessible(client, 'the client’s home with looking back');
  await assertFitsPhone(client, 'the client’s home with looking back');

  await card.getByRole('link', { name: 'Look back on your therapy' }).click();
  await client.getByRole('heading', { level: 1, name: 'Looking back on your therapy' }).waitFor();
  assert.equal(new URL(client.url()).pathname, '/feedback');
  assert.equal(new URL(client.url()).searchParams.get('episode'), String(episodeId));
  await client.getByText(/about your therapy with Sofia Lindqvist as a whole, not just the last session\. We ask them only once/).waitFor();
  const form = client.locator('form.feedback-form');
  await form.getByRole('heading', { level: 2, name: 'Your therapy as a whole' }).waitFor();
  await assertAccessible(client, 'looking back at 360 px');
  await assertFitsPhone(client, 'looking back');

  // 8 on each sentence, 2 on the one that counts backwards: 48 of 60.
  const rapport = (await callApi(client, 'GET', '/instruments/RAPPORT-CHECK')).body;
  const posting = client.waitForResponse(isPost(/^\/api\/v1\/episodes\/\d+\/responses$/));
  const asked = await answerOnPhone(client, (question) => {
    const item = itemShown(rapport, question);
    assert.ok(item, `only the Rapport Check is asked: “${question}”`);
    if (item.type !== 'slider') return 'Looking back, the first few weeks helped the most.';
    return item.reverse ? 2 : 8;
  });
  assert.equal(asked.length, rapport.items.filter((i) => ['choice', 'slider', 'text'].includes(i.type)).length);
  const posted = await posting;
  assert.equal(posted.status(), 201, `looking back: ${await posted.text()}`);
  const body = JSON.parse(posted.request().postData());
  assert.equal(body.instrument, 'RAPPORT-CHECK');
  assert.equal(body.appointment_id, undefined, 'about the whole course, not one session');
  await client.getByText(`Thank you — your answers have been sent to ${kTherapistName}.`).waitFor();
  await assertAccessible(client, 'the thanks after looking back');

  // Once only.
  const again = await callApi(client, 'POST', `/episodes/${episodeId}/responses`, { instrument: 'RAPPORT-CHECK', respondent: 'client', answers: body.answers });
  assert.equal(again.status, 409, `looking back a second time: ${JSON.stringify(again.body)}`);
  const instruments = await callApi(client, 'GET', `/episodes/${episodeId}/instruments`);
  assert.ok(!instruments.body.some((a) => a.code === 'RAPPORT-CHECK' && a.due === true), 'no longer due');

  // The card is gone from the home.
  await instrumentsRead(client, episodeId, () => client.getByRole('link', { name: 'Back to home' }).click());
  await client.getByRole('heading', { level: 1, name: 'Hello, Hana' }).waitFor();
  const summaries = client.getByRole('region', { name: 'Your summary of therapy' });
  await summaries.waitFor();
  assert.equal(await client.getByRole('region', { name: 'Looking back on your therapy' }).count(), 0, 'the card is gone once answered');

  // Her summary shows it.
  const summary = await callApi(client, 'GET', `/episodes/${episodeId}/discharge-summary`);
  assert.equal(summary.status, 200, JSON.stringify(summary.body));
  assert.equal(summary.body.looking_back?.total, 48, JSON.stringify(summary.body.looking_back));
  assert.equal(summary.body.looking_back.max, 60);
  await summaries.getByRole('link', { name: `Your summary of therapy with ${kTherapistName}` }).click();
  await client.getByRole('heading', { level: 1, name: 'Your summary' }).waitFor();
  const changed = client.getByRole('region', { name: 'How things changed' });
  await changed.getByText('Looking back on the whole course:').waitFor();
  assert.match(await changed.locator('.looking-back p').first().innerText(), /^Looking back on the whole course: 48 of 60$/);
  await assertAccessible(client, 'the client’s summary with looking back');
  await assertFitsPhone(client, 'the client’s summary with looking back');
  await client.context().close();

  // And Sofia's.
  const therapist = await signInAsTherapist();
  await therapist.goto(`/episodes/${episodeId}/summary`);
  await therapist.getByRole('heading', { level: 1, name: 'Discharge summary' }).waitFor();
  const theirs = therapist.getByRole('region', { name: 'How things changed' });
  await theirs.getByText('Looking back on the whole course:').waitFor();
  assert.match(await theirs.locator('.looking-back p').first().innerText(), /^Looking back on the whole course: 48 of 60/);
  await assertAccessible(therapist, 'the therapist’s summary with looking back');
  await therapist.context().close();
});
