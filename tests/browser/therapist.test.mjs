// The therapist's path: create a client (which opens an intake episode), see field errors,
// book an appointment, invite the client and choose the country of their crisis lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertAccessible,
  assertFitsPhone,
  callApi,
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

test('beside a session’s Rapport Check on the episode page is the summary of that session held in the room', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  // Mei Chen meets her therapist by video; the demo keeps signal figures for each session held.
  const row = page.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: 'Mei Chen' });
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  await page.getByRole('heading', { level: 1, name: /^Mei Chen.*feedback and progress/ }).waitFor();
  const episodeId = Number(/\/episodes\/(\d+)/.exec(page.url())[1]);
  const held = (await callApi(page, 'GET', `/episodes/${episodeId}/room-sessions`)).body.sessions;
  const newest = held.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at))[0];
  const summary = (await callApi(page, 'GET', `/appointments/${newest.appointment_id}/session-summary`)).body;
  const rapport = (await callApi(page, 'GET', `/episodes/${episodeId}/progress`)).body.instruments.find((q) => q.purpose === 'rapport');
  const check = rapport.points.find((p) => p.appointment_id === newest.appointment_id);
  assert.ok(check && summary.movement_synchrony?.earlier_sessions > 0 && summary.talk_share, 'the demo holds a Rapport Check and figures for the newest session');

  const sessions = page.getByRole('region', { name: 'Sessions in the room' });
  await sessions.getByText(/supporting evidence .* never an alert on their own/).waitFor();
  // The newest session comes first: its score and, beside it, its own figures in words.
  const first = sessions.getByRole('article').first();
  await first.getByRole('heading', { level: 3, name: /Video$/ }).waitFor();
  await first.getByRole('heading', { level: 4, name: 'Rapport Check' }).waitFor();
  await first.getByText(new RegExp(`^${check.total} of ${rapport.max}\\b`)).waitFor();
  const r = (x) => x.toFixed(2);
  const m = summary.movement_synchrony;
  await first.getByText(new RegExp(`^Moved in step: \\w+ \\(r ${r(m.strength)}\\); .*In Mei’s ${m.earlier_sessions} earlier sessions: r ${r(m.earlier_mean_strength)} on average\\.$`)).waitFor();
  const pct = (share) => `${Math.round(share * 100)} %`;
  await first.getByText(`Talk: Mei ${pct(summary.talk_share.client)}, you ${pct(summary.talk_share.therapist)}.`).waitFor();
  await assertAccessible(page, 'an episode page with sessions held in the room');
  await assertFitsPhone(page, 'an episode page with sessions held in the room');
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

// --- Alerts on the daily screens --------------------------------------------------------------

const kSeverities = ['critical', 'high', 'medium', 'low', 'info'];

// The order the people acting on alerts need: most severe first, then the longest waiting.
function urgencyOrder(alerts) {
  return [...alerts]
    .sort(
      (a, b) =>
        kSeverities.indexOf(a.severity) - kSeverities.indexOf(b.severity) ||
        Date.parse(a.created_at) - Date.parse(b.created_at) ||
        a.id - b.id,
    )
    .map((a) => a.id);
}

// The alerts a region shows, top to bottom, by the alert each card's "Details" link opens.
async function alertIdsShown(region) {
  const hrefs = await region.getByRole('link', { name: /^Details of the alert for / }).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  return hrefs.map((h) => Number(/^\/alerts\/(\d+)$/.exec(h)?.[1]));
}

// The demo client (Jordan) answers the PHQ-9 with a risk answer; their therapist gets a critical
// alert. Returns the alert as the therapist's API lists it.
async function raiseCriticalAlert(therapistPage) {
  const client = await newPage(live.browser, live.server.baseUrl);
  await signIn(client, kDemo.client);
  await client.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  const me = (await callApi(client, 'GET', '/me')).body.user;
  const record = await callApi(client, 'GET', `/clients/${me.id}`);
  const episode = record.body.episodes.find((e) => e.status !== 'ended');
  assert.ok(episode, 'the demo client has an open episode');
  const answers = Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((i) => [`phq9_${i}`, 1]));
  const sent = await callApi(client, 'POST', `/episodes/${episode.id}/responses`, {
    instrument: 'PHQ-9',
    respondent: 'client',
    answers: { ...answers, phq9_9: 2, phq9_difficulty: 1 },
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  await client.context().close();
  const open = (await callApi(therapistPage, 'GET', '/alerts?state=open')).body;
  const critical = open.filter((a) => a.severity === 'critical' && a.episode_id === episode.id).sort((a, b) => b.id - a.id)[0];
  assert.ok(critical, 'the risk answer raised a critical alert');
  return critical;
}

test('alerts on the caseload are sorted by severity, then oldest first', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const open = page.getByRole('region', { name: /^Open alerts/ });
  const acknowledged = page.getByRole('region', { name: /^Acknowledged, not yet resolved/ });
  await open.getByRole('article').first().waitFor();
  await acknowledged.getByRole('article').first().waitFor();
  for (const [region, state] of [
    [open, 'open'],
    [acknowledged, 'acknowledged'],
  ]) {
    const listed = await callApi(page, 'GET', `/alerts?state=${state}`);
    assert.equal(listed.status, 200);
    if (state === 'open') assert.ok(new Set(listed.body.map((a) => a.severity)).size >= 2, 'the demo has open alerts of several severities');
    assert.deepEqual(await alertIdsShown(region), urgencyOrder(listed.body), `${state} alerts: most severe first, then oldest first`);
  }
  // The server lists newest first; the page does not simply follow it.
  const newestFirst = (await callApi(page, 'GET', '/alerts?state=open')).body.map((a) => a.id);
  assert.notDeepEqual(await alertIdsShown(open), newestFirst);

  // The clients follow the same order: the most severe open alert first.
  const clients = page.getByRole('region', { name: 'Clients' });
  const ranks = await clients.getByRole('listitem').evaluateAll((items, severities) =>
    items
      .filter((li) => li.parentElement?.classList.contains('dashboard'))
      .map((li) => {
        const badge = [...li.querySelectorAll('.badge')].find((b) => /badge--sev-/.test(b.className));
        return badge ? severities.findIndex((s) => badge.classList.contains(`badge--sev-${s}`)) : severities.length;
      }),
    kSeverities,
  );
  assert.ok(ranks.length > 0);
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), `client rows by severity: ${ranks}`);
  await assertAccessible(page, 'the caseload with sorted alerts');
  await page.context().close();
});

test('when the alerts cannot be loaded the caseload says so, and Try again brings them back', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  const alerts = /\/api\/v1\/alerts\?state=/;
  await page.route(alerts, (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'The database is unavailable; try again.', status: 503 }),
    }),
  );
  await signIn(page, kDemo.therapist);
  const told = page.getByRole('alert').filter({ hasText: 'Your alerts could not be loaded' });
  await told.waitFor();
  assert.equal(await page.getByRole('region', { name: /^Open alerts/ }).count(), 0);
  await assertAccessible(page, 'the caseload when its alerts could not be loaded');

  await page.unroute(alerts);
  await told.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('region', { name: /^Open alerts/ }).getByRole('article').first().waitFor();
  assert.equal(await told.count(), 0, 'the message goes once the alerts are shown');
  await page.context().close();
});

test('an acknowledged alert stays on the caseload with Resolve one click away until it is resolved', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const alert = await raiseCriticalAlert(page);
  const name = alert.client_name;
  const link = `a[href="/alerts/${alert.id}"]`;
  await page.reload();

  // The critical alert comes first among the open alerts.
  const open = page.getByRole('region', { name: /^Open alerts/ });
  const card = open.getByRole('article').filter({ has: page.locator(link) });
  await card.waitFor();
  assert.equal((await alertIdsShown(open))[0], alert.id, 'the critical alert is first');
  await card.getByText(/^Open (less than a minute|\d+ minutes?), not acknowledged yet$/).waitFor();
  await card.getByRole('button', { name: `Acknowledge alert for ${name}` }).click();
  await card.getByLabel('What did you do?').fill('Phoned Jordan straight away; went through the safety plan together.');
  await card.getByRole('button', { name: 'Save acknowledgement' }).click();

  // It moves to the acknowledged alerts on the same page, says who acknowledged it and when, and
  // the keyboard is on it.
  const acknowledged = page.getByRole('region', { name: /^Acknowledged, not yet resolved/ });
  const moved = acknowledged.getByRole('article').filter({ has: page.locator(link) });
  await moved.getByText(/^Acknowledged by Sofia Lindqvist, just now \(after (less than a minute|\d+ minutes?)\)/).waitFor();
  await page.waitForFunction((id) => document.activeElement?.id === `alert-${id}`, alert.id);
  assert.equal(await open.locator(link).count(), 0, 'no longer among the open alerts');
  const when = moved.locator('time').nth(1);
  assert.ok(Number.isFinite(Date.parse(await when.getAttribute('datetime'))), 'the exact time is in the time element');
  assert.match(await when.getAttribute('title'), /\d/);

  // Still there on a fresh load, with Resolve on the card.
  await page.reload();
  await moved.getByText(/^Open (less than a minute|\d+ minutes?), not resolved yet$/).waitFor();
  await moved.getByText('Phoned Jordan straight away', { exact: false }).waitFor();
  await assertAccessible(page, 'the caseload with an acknowledged alert');
  await assertFitsPhone(page, 'the caseload with an acknowledged alert');
  await moved.getByLabel(`Resolution note for the alert for ${name}`).fill('Seen the next morning: safe, and the plan is working.');
  await moved.getByRole('button', { name: `Resolve alert for ${name}` }).click();
  await page.getByRole('status').filter({ hasText: `The alert for ${name} is resolved.` }).waitFor();
  assert.equal(await page.locator(`main ${link}`).count(), 0, 'a resolved alert leaves the caseload');
  await page.reload();
  await page.getByRole('region', { name: 'Clients' }).getByRole('link').first().waitFor();
  await acknowledged.getByRole('article').first().waitFor();
  assert.equal(await page.locator(`main ${link}`).count(), 0, 'and stays off it');

  // The alert's page tells who did what, when, and with which note, by name.
  await page.goto(`/alerts/${alert.id}`);
  const followUp = page.getByRole('region', { name: 'Follow-up' });
  await followUp.getByText(/^By Sofia Lindqvist/).first().waitFor();
  const record = await followUp.innerText();
  assert.match(record, /Raised\s+.*\d.*\((just now|\d+ minutes? ago)\)/);
  assert.match(record, /Acknowledged\s+By Sofia Lindqvist, .*\d.*\((just now|\d+ minutes? ago)\)\s+(less than a minute|\d+ minutes?) after it was raised\s+“Phoned Jordan straight away; went through the safety plan together\.”/);
  assert.match(record, /Resolved\s+By Sofia Lindqvist, .*\d.*\((just now|\d+ minutes? ago)\)\s+(less than a minute|\d+ minutes?) after it was raised\s+“Seen the next morning: safe, and the plan is working\.”/);
  assert.equal(await followUp.locator('time[datetime]').count(), 3);
  const what = page.getByRole('region', { name: 'What happened' });
  await what.getByText(/^Acknowledged by Sofia Lindqvist, /).waitFor();
  await what.getByText(/^Resolved by Sofia Lindqvist, /).waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), /\bUser \d+/, 'no bare user numbers');
  await assertAccessible(page, 'a resolved alert page');
  await page.context().close();
});

test('the supervisor sees each alert\'s therapist, how long it has been open and the history of critical alerts', async () => {
  // A critical alert resolved by its therapist (the test before makes one; made here if not).
  const therapistPage = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapistPage, kDemo.therapist);
  await therapistPage.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const resolvedBefore = (await callApi(therapistPage, 'GET', '/alerts?state=resolved')).body;
  if (!resolvedBefore.some((a) => a.severity === 'critical')) {
    const alert = await raiseCriticalAlert(therapistPage);
    assert.equal((await callApi(therapistPage, 'POST', `/alerts/${alert.id}/acknowledge`, { note: 'Called the client.' })).status, 200);
    assert.equal((await callApi(therapistPage, 'POST', `/alerts/${alert.id}/resolve`, {})).status, 200);
  }
  await therapistPage.context().close();

  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.supervisor);
  await page.getByRole('heading', { level: 1, name: 'Supervision overview' }).waitFor();
  const therapists = new Map((await callApi(page, 'GET', '/therapists')).body.map((t) => [t.id, t.display_name]));

  // Each open alert names its therapist and how long it has been open, most severe first.
  const open = page.getByRole('region', { name: /^Open alerts/ });
  await open.getByRole('article').first().waitFor();
  const openAlerts = (await callApi(page, 'GET', '/alerts?state=open')).body;
  assert.ok(new Set(openAlerts.map((a) => a.therapist_id)).size >= 2, 'the supervisees have open alerts');
  assert.deepEqual(await alertIdsShown(open), urgencyOrder(openAlerts));
  for (const a of openAlerts) {
    const card = open.getByRole('article').filter({ has: page.locator(`a[href="/alerts/${a.id}"]`) });
    const text = await card.innerText();
    assert.match(text, new RegExp(`with ${therapists.get(a.therapist_id)}`), `alert ${a.id} names its therapist`);
    assert.match(text, /Open (less than a minute|\d+ (minute|hour|day|week|month)s?( \d+ minutes?)?), not acknowledged yet/, `alert ${a.id} says how long it has been open`);
  }

  // An acknowledged one also says who acknowledged it and how soon.
  const acknowledged = page.getByRole('region', { name: /^Acknowledged, not yet resolved/ });
  const ackCard = acknowledged.getByRole('article').first();
  await ackCard.getByText(/^Acknowledged by Sofia Lindqvist, .* ago \(after 3 hours\)/).waitFor();
  assert.match(await ackCard.innerText(), /with Sofia Lindqvist/);
  await ackCard.getByText(/^Open \d+ (day|week|month)s?, not resolved yet$/).waitFor();
  assert.equal(await page.getByRole('button', { name: /^(Acknowledge|Resolve)/ }).count(), 0, 'the treating therapist acts on alerts');

  // The history of critical alerts: resolved ones, newest first, with therapist, client, when
  // raised, and how long to acknowledge and to resolve.
  const history = page.getByRole('region', { name: 'Critical alerts: recent history' });
  const rows = history.locator('tbody tr');
  await rows.first().waitFor();
  const critical = (await callApi(page, 'GET', '/alerts?state=resolved')).body
    .filter((a) => a.severity === 'critical')
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id);
  assert.equal(await rows.count(), Math.min(critical.length, 10));
  const first = rows.first();
  await first.getByRole('link', { name: new RegExp(`^${critical[0].client_name}`) }).waitFor();
  const cells = await first.locator('td').allInnerTexts();
  assert.equal(cells[0], therapists.get(critical[0].therapist_id));
  assert.match(cells[1], /just now|ago/);
  assert.match(cells[2], /^(less than a minute|\d+ (minute|hour|day|week|month)s?)$/);
  assert.match(cells[3], /^(less than a minute|\d+ (minute|hour|day|week|month)s?)$/);
  assert.ok(Number.isFinite(Date.parse(await first.locator('time').getAttribute('datetime'))));
  await assertAccessible(page, 'the supervisor home with alerts and the critical history');
  await assertFitsPhone(page, 'the supervisor home');
  await page.context().close();
});

test('the caseload says what each trend line is', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.therapist);
  const clients = page.getByRole('region', { name: 'Clients' });
  await clients.locator('svg.sparkline').first().waitFor();
  await clients.getByText(/^Outcome \(PHQ-9( or [A-Z0-9-]+)* total, lower is better\)$/).waitFor();
  await clients.getByText(/^Rapport Check \(.*higher is better\)$/).waitFor();
  // Read out as text too, before the clients it describes.
  const tree = await clients.ariaSnapshot();
  assert.match(tree, /Trend lines:/);
  assert.match(tree, /Outcome \(PHQ-9.*lower is better\)/);
  assert.match(tree, /Rapport Check \(.*higher is better\)/);
  assert.equal(await horizontalOverflow(page), 0);
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the caseload with alerts');
  await assertAccessible(page, 'the caseload with the trend legend');
  await page.context().close();
});

test('the caseload arrives in one request, not one per client', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  const asked = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/api/')) asked.push(path);
  });
  await signIn(page, kDemo.therapist);
  const clients = page.getByRole('region', { name: 'Clients' });
  await clients.getByRole('listitem').first().waitFor();
  const shown = await clients.getByRole('listitem').count();
  const caseload = asked.filter((p) => p === '/api/v1/caseload');
  const perClient = asked.filter((p) => /^\/api\/v1\/clients\/\d+$/.test(p));
  assert.equal(caseload.length, 1, `asked: ${asked.join(', ')}`);
  assert.deepEqual(perClient, [], 'no client is fetched on its own');
  assert.ok(!asked.includes('/api/v1/clients') && !asked.includes('/api/v1/dashboard'), asked.join(', '));
  const answer = await callApi(page, 'GET', '/caseload');
  assert.equal(answer.status, 200);
  assert.equal(shown, answer.body.clients.length, 'every client of the answer is on the page');
  await page.context().close();
});
