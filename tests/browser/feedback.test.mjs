// Formal feedback in the browser: the client's one-minute form at phone width and by keyboard
// alone, the risk path end to end (crisis information at once for the client, a critical alert
// that the therapist acknowledges with a note), and the therapist's dashboard and episode charts
// over the demo clinic's feedback histories.
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

// Books a video session for the demo client Jordan as their therapist would, starting
// `offsetMs` from now; returns the created appointment.
async function bookJordan(offsetMs, minutes) {
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const booked = await therapist.evaluate(
    async ({ offsetMs, minutes }) => {
      const me = await (await fetch('/api/v1/me')).json();
      const board = await (await fetch('/api/v1/dashboard')).json();
      const clients = await (await fetch('/api/v1/clients')).json();
      const jordan = clients.find((c) => c.email === 'client@demo.rapport');
      const row = board.clients.find((c) => c.client_id === jordan.id);
      const r = await fetch(`/api/v1/episodes/${row.episode_id}/appointments`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ starts_at: new Date(Date.now() + offsetMs).toISOString(), duration_minutes: minutes, modality: 'video' }),
      });
      return { status: r.status, body: await r.json() };
    },
    { offsetMs, minutes },
  );
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  await therapist.context().close();
  return booked;
}

async function openFeedbackForm(page) {
  await signIn(page, kDemo.client);
  await page.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  await page.goto('/feedback');
  await page.getByRole('heading', { level: 1, name: 'How are things going?' }).waitFor();
  await page.getByRole('button', { name: 'Send to my therapist' }).waitFor();
}

// Answers every question without a pointer: Space picks a radio group's first option (0 on a
// rating), and Enter on the button sends.
async function completeByKeyboard(page) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const here = await page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el.tagName.toLowerCase(), type: el.getAttribute('type'), inForm: !!el.closest('form'), text: el.textContent.trim() };
    });
    if (here.inForm) break;
  }
  for (let i = 0; i < 200; i++) {
    const here = await page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el.tagName.toLowerCase(), type: el.getAttribute('type'), text: el.textContent.trim() };
    });
    if (here.tag === 'button') {
      assert.equal(here.text, 'Send to my therapist');
      await page.keyboard.press('Enter');
      return;
    }
    if (here.type === 'radio') await page.keyboard.press('Space');
    else if (here.tag === 'textarea') await page.keyboard.type('More time for the plan.');
    await page.keyboard.press('Tab');
  }
  assert.fail('the keyboard never reached the send button');
}

// Runs first: later tests submit feedback, which would count for a session held before them.
test('after a session the client home asks "How was today’s session?" and the answers are tied to it', async () => {
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
  assert.match(page.url(), new RegExp(`/feedback\\?appointment=${booked.body.id}$`));
  const form = page.locator('form.feedback-form');
  await form.locator('fieldset.rating').first().waitFor();
  for (const group of await form.locator('fieldset.rating').all()) await group.getByRole('radio', { name: '9', exact: true }).check();
  for (const group of await form.locator('fieldset.choice').all()) await group.getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Send to my therapist' }).click();
  await page.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
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
  assert.match(page.url(), /\/feedback\?appointment=\d+$/);
  await page.getByText('Your therapist will look at these with you in the session.').waitFor();
  const form = page.locator('form.feedback-form');
  await form.getByRole('heading', { level: 2, name: /PHQ-9/ }).waitFor();
  await form.getByRole('heading', { level: 2, name: /GAD-7/ }).waitFor();
  // How the session went cannot be asked before it.
  assert.equal(await form.getByRole('heading', { level: 2, name: /Rapport Check/ }).count(), 0);
  assert.equal(await horizontalOverflow(page), 0);
  await assertAccessible(page, 'the check-in form at 360 px');
  await page.context().close();
});

test('the client form fits 360 px, has 44 px targets, passes axe and can be completed by keyboard alone', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await openFeedbackForm(page);
  const form = page.locator('form.feedback-form');
  // Rapport Check always; PHQ-9 as assigned to the demo client's episode.
  await form.getByRole('heading', { level: 2, name: 'Rapport Check' }).waitFor();
  await form.getByRole('heading', { level: 2, name: /PHQ-9/ }).waitFor();
  const ratings = form.locator('fieldset.rating');
  assert.ok((await ratings.count()) >= 5, 'ratings as radio groups');
  assert.ok((await form.locator('fieldset.choice > legend').count()) >= 9, 'choice items as fieldsets with legends');
  // Each rating shows its anchors as text, and no value until the client picks one.
  await form.getByText('0: Not true at all').first().waitFor();
  await form.getByText('10: Completely').first().waitFor();
  const firstRating = ratings.first();
  assert.equal(await firstRating.getByRole('radio').count(), 11, 'a rating offers every number from 0 to 10');
  assert.equal(await form.locator('fieldset.rating input:checked').count(), 0, 'no rating shows a value before the client picks one');
  const statusId = (await firstRating.getAttribute('aria-describedby')).split(' ')[0];
  assert.match(await page.locator(`[id="${statusId}"]`).innerText(), /^Not answered yet/);
  assert.equal(await horizontalOverflow(page), 0, 'the form scrolls sideways');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the feedback form');
  await assertAccessible(page, 'the feedback form at 360 px');

  // Sending with nothing answered marks the questions beside themselves.
  await page.getByRole('button', { name: 'Send to my therapist' }).click();
  await page.getByRole('alert').filter({ hasText: 'still need an answer' }).waitFor();
  assert.equal(await firstRating.getAttribute('aria-invalid'), 'true');
  const errorId = (await firstRating.getAttribute('aria-describedby')).split(' ').pop();
  assert.match(await page.locator(`[id="${errorId}"]`).innerText(), /choose a number/);
  await assertAccessible(page, 'the feedback form with errors');
  // The middle of the scale is an answer like any other: a tap on 5 picks it and clears the error.
  await firstRating.getByRole('radio', { name: '5', exact: true }).click();
  assert.equal(await firstRating.getByRole('radio', { name: '5', exact: true }).isChecked(), true);
  assert.match(await page.locator(`[id="${statusId}"]`).innerText(), /^Your answer: 5/);
  assert.equal(await firstRating.getAttribute('aria-invalid'), null);

  await page.reload();
  await page.getByRole('button', { name: 'Send to my therapist' }).waitFor();
  await completeByKeyboard(page);
  await page.getByText(/Thank you — your answers have been sent to .+\./).waitFor();
  // The first option of every item is "not at all": no risk, so no crisis information.
  assert.equal(await page.locator('.crisis').count(), 0);
  await assertAccessible(page, 'the feedback confirmation');
  await page.context().close();
});

test('a risk answer shows the client crisis information at once; the therapist acknowledges the critical alert with a note and resolves it', async () => {
  const client = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await openFeedbackForm(client);
  const form = client.locator('form.feedback-form');
  for (const group of await form.locator('fieldset.rating').all()) await group.getByRole('radio', { name: '7', exact: true }).check();
  for (const group of await form.locator('fieldset.choice').all()) {
    const legend = await group.locator('legend').innerText();
    // PHQ-9 item 9 above 0: thoughts of being better off dead or of self-harm.
    const option = /better off dead|hurting yourself/i.test(legend) ? 'More than half the days' : undefined;
    if (option) await group.getByLabel(option).check();
    else await group.getByRole('radio').first().check();
  }
  await client.getByRole('button', { name: 'Send to my therapist' }).click();

  const crisis = client.locator('.crisis[role="alert"]');
  await crisis.waitFor();
  // Focus moves to it so that it is announced first; it is above the confirmation and stays.
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

  const row = clients.getByRole('listitem').filter({ has: page.locator('svg.sparkline') }).first();
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
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const clients = page.getByRole('region', { name: 'Clients' });
  await clients.getByRole('link', { name: /Feedback and progress/ }).first().click();
  const send = page.getByRole('region', { name: 'Send feedback link' });
  await send.getByRole('button', { name: /Send feedback link/ }).first().click();
  const link = await send.getByLabel('Feedback link').inputValue();
  assert.match(link, /\/feedback\/\S+$/);
  await page.context().close();

  const visitor = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await visitor.goto(link);
  await visitor.getByRole('heading', { level: 1, name: /how was your session\?/i }).waitFor();
  await visitor.getByRole('button', { name: 'Send to my therapist' }).waitFor();
  assert.equal(await horizontalOverflow(visitor), 0);
  await assertAccessible(visitor, 'the feedback link form');
  const form = visitor.locator('form.feedback-form');
  for (const group of await form.locator('fieldset.rating').all()) await group.getByRole('radio', { name: '9', exact: true }).check();
  for (const group of await form.locator('fieldset.choice').all()) await group.getByRole('radio').first().check();
  await visitor.getByRole('button', { name: 'Send to my therapist' }).click();
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
  assert.match(await chart.getAttribute('aria-label'), /PHQ-9.* over \d+ answers/);
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
