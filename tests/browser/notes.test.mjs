// Session notes. Sofia Lindqvist, the demo therapist, opens the episode of Jordan Reyes (the demo
// client), one of her active clients, and follows "Session note, …" beside the latest session
// held. With this session's questionnaire totals and the plan's goals in view beside the form,
// she writes under the first two headings of the clinic's template (DAP: Data, Assessment, Plan),
// saves a draft, finds it kept after a reload, and signs it after the in-page confirmation. The
// boxes give way to the signed text with who signed it and when; the server then refuses to
// change it (409) and the text stays as signed; an addendum is added and listed with it. Jordan,
// signing in on a phone, is first told that the clinic does not share notes (403); once the admin
// lets clients read their signed notes, Jordan's notes page shows the signed note, and never a
// draft the therapist left on another session.
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

const live = demoServerAndBrowser();

// Jordan's pages call them by the name they go by.
const kClient = { name: 'Jordan Reyes', preferred: 'Jordan', email: kDemo.client };
const kTherapistName = 'Sofia Lindqvist';
const kData = 'Jordan arrived on time and said the week had been calmer; slept six hours most nights.';
const kAssessment = 'Worry time is helping; avoidance of the team meeting is still the main problem.';
const kAddendum = 'Jordan called the next day: the team meeting went ahead and went well.';
const kDraft = 'An unfinished draft about an earlier session, which Jordan must never read.';

// What the first test leaves for the second: the episode and the session whose note was signed.
const signed = { episodeId: 0, appointmentId: 0 };

const noteCall = (method, suffix = '') => (r) =>
  r.request().method() === method && new RegExp(`/api/v1/appointments/\\d+/note${suffix}$`).test(r.url());

// The sessions that have taken place, newest first, as the episode page lists them for notes.
function pastSessions(appointments, now = Date.now()) {
  return appointments
    .filter((a) => a.status === 'completed' || (a.status === 'scheduled' && Date.parse(a.starts_at) + a.duration_minutes * 60_000 <= now))
    .sort((a, b) => (a.starts_at < b.starts_at ? 1 : -1));
}

test('the therapist writes a session note beside the session’s scores, saves a draft, signs it and adds to it', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();

  const caseload = await callApi(page, 'GET', '/caseload');
  assert.equal(caseload.status, 200);
  const line = caseload.body.clients.find((l) => l.client.display_name === kClient.name);
  assert.ok(line, `${kClient.name} is on the demo therapist's caseload`);
  assert.equal(line.episode.status, 'active', `${kClient.name}'s episode is active`);
  const episodeId = line.episode.id;
  const listed = await callApi(page, 'GET', `/episodes/${episodeId}/appointments`);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const past = pastSessions(listed.body);
  assert.ok(past.length >= 2, `${kClient.name} has sessions behind them`);
  // The latest session that was held: the demo's diary has the odd cancelled or missed one, and
  // which falls last depends on the day the clinic was seeded.
  const session = past.find((a) => a.status === 'completed');
  assert.ok(session, `${kClient.name} has a completed session`);

  const row = page.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: kClient.name });
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(`^${kClient.preferred}.*feedback and progress`) }).waitFor();
  const notes = page.getByRole('region', { name: 'Session notes' });
  // The link of that session, among the past sessions' links, newest first.
  const links = notes.getByRole('link', { name: /^Session note, .+/ });
  const hrefs = await links.evaluateAll((all) => all.map((a) => a.getAttribute('href')));
  const at = hrefs.indexOf(`/appointments/${session.id}/note`);
  if (at < 0) {
    // Beyond the first few, the earlier sessions are folded away.
    await notes.getByText(/^Earlier sessions/).click();
  }
  const shown = await links.evaluateAll((all) => all.map((a) => a.getAttribute('href')));
  await links.nth(shown.indexOf(`/appointments/${session.id}/note`)).click();

  await page.getByRole('heading', { level: 1, name: /^Session note, .+/ }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/appointments/${session.id}/note`, 'the latest held session’s note opens');

  // This session's totals and the plan's goals are in view beside the form.
  const thisSession = page.getByRole('region', { name: 'This session' });
  await thisSession.getByRole('heading', { level: 3, name: 'Questionnaires' }).waitFor();
  await thisSession.getByRole('heading', { level: 3, name: 'Goals' }).waitFor();
  const progress = await callApi(page, 'GET', `/episodes/${episodeId}/progress`);
  assert.equal(progress.status, 200);
  for (const q of progress.body.instruments) {
    for (const p of q.points.filter((p) => p.appointment_id === session.id && typeof p.total === 'number')) {
      await thisSession.getByRole('listitem').filter({ hasText: q.title }).filter({ hasText: `${p.total} of ${q.max}` }).first().waitFor();
    }
  }
  // Nothing written yet, under the clinic's template.
  const before = await callApi(page, 'GET', `/appointments/${session.id}/note`);
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.ok(before.body.note === null || before.body.note.state === 'draft', 'the session’s note is not signed yet');
  const template = before.body.note?.template ?? before.body.template;
  assert.deepEqual(
    template.sections.map((s) => s.title),
    ['Data', 'Assessment', 'Plan'],
    'the demo clinic writes notes as DAP',
  );
  // The server names each section's text by its key.
  const key = (title) => template.sections.find((s) => s.title === title).key;
  await assertAccessible(page, 'the session note form');

  // A draft, kept across a reload.
  await page.getByLabel('Data').fill(kData);
  await page.getByLabel('Assessment').fill(kAssessment);
  const saving = page.waitForResponse(noteCall('PUT'));
  await page.getByRole('button', { name: 'Save draft' }).click();
  const saved = await saving;
  assert.equal(saved.status(), 200, `saving the draft: ${await saved.text()}`);
  await page.getByRole('status').filter({ hasText: 'Draft saved.' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: /^Session note, .+/ }).waitFor();
  await page.getByLabel('Data').waitFor();
  assert.equal(await page.getByLabel('Data').inputValue(), kData, 'the Data section is kept');
  assert.equal(await page.getByLabel('Assessment').inputValue(), kAssessment, 'the Assessment section is kept');
  const draft = await callApi(page, 'GET', `/appointments/${session.id}/note`);
  assert.equal(draft.body.note.state, 'draft');

  // Signing asks first; "Sign" signs.
  await page.getByRole('button', { name: 'Sign the note' }).click();
  const confirm = page.getByRole('group', { name: 'Confirm signing' });
  await confirm.getByText('A signed note cannot be changed; you can add to it later.').waitFor();
  const signing = page.waitForResponse(noteCall('POST', '/signature'));
  await confirm.getByRole('button', { name: 'Sign', exact: true }).click();
  const answer = await signing;
  assert.equal(answer.status(), 200, `signing: ${await answer.text()}`);

  const heading = page.getByRole('heading', { level: 2, name: 'The signed note' });
  await heading.waitFor();
  await page.waitForFunction((el) => el === document.activeElement, await heading.elementHandle());
  assert.equal(await page.getByRole('textbox', { name: /^(Data|Assessment|Plan)/ }).count(), 0, 'the sections can no longer be edited');
  assert.equal(await page.getByRole('button', { name: 'Save draft' }).count(), 0);
  const note = page.getByRole('region', { name: 'The signed note' });
  await note.getByRole('heading', { level: 3, name: 'Data' }).waitFor();
  await note.getByText(kData).waitFor();
  await note.getByText(kAssessment).waitFor();
  await note.getByText(new RegExp(`^Signed by ${kTherapistName} on .+`)).waitFor();

  // The server will not change a signed note.
  const refused = await callApi(page, 'PUT', `/appointments/${session.id}/note`, { sections: { [key('Data')]: 'Changed afterwards.' } });
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  const after = await callApi(page, 'GET', `/appointments/${session.id}/note`);
  assert.equal(after.body.note.state, 'signed');
  assert.equal(after.body.note.sections[key('Data')], kData, 'the signed text is unchanged');
  assert.equal(after.body.note.sections[key('Assessment')], kAssessment);

  // An addendum, listed with the note.
  const addenda = page.getByRole('region', { name: 'Addenda' });
  const form = page.getByRole('form', { name: 'Add an addendum' });
  await form.getByLabel('Addendum', { exact: true }).fill(kAddendum);
  const adding = page.waitForResponse(noteCall('POST', '/addenda'));
  await form.getByRole('button', { name: 'Add addendum' }).click();
  const added = await adding;
  assert.equal(added.status(), 201, `adding an addendum: ${await added.text()}`);
  const item = addenda.getByRole('listitem').filter({ hasText: kAddendum });
  await item.waitFor();
  await item.getByText(new RegExp(`^${kTherapistName}, .+`)).waitFor();
  assert.equal(await form.getByLabel('Addendum', { exact: true }).inputValue(), '', 'the box is empty again');
  await assertAccessible(page, 'the signed session note');
  await assertFitsPhone(page, 'the signed session note');

  // A draft on an earlier session, for the client's test: never shown to the client.
  let earlier;
  for (const a of past.slice(1)) {
    const read = await callApi(page, 'GET', `/appointments/${a.id}/note`);
    if (read.status === 200 && read.body.note?.state !== 'signed') {
      earlier = a;
      break;
    }
  }
  assert.ok(earlier, 'an earlier session without a signed note');
  const other = await callApi(page, 'PUT', `/appointments/${earlier.id}/note`, { sections: { [key('Data')]: kDraft } });
  assert.equal(other.status, 200, JSON.stringify(other.body));
  assert.equal(other.body.state, 'draft');

  signed.episodeId = episodeId;
  signed.appointmentId = session.id;
  await page.context().close();
});

test('the client reads their signed notes only once the clinic allows it, and never a draft', async () => {
  assert.ok(signed.episodeId, 'the therapist signed a note in the test before');
  const client = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(client, kClient.email);
  await client.getByRole('heading', { level: 1, name: /^Hello/ }).waitFor();

  // The demo clinic does not open notes to clients.
  const closed = await callApi(client, 'GET', `/episodes/${signed.episodeId}/notes`);
  assert.equal(closed.status, 403, JSON.stringify(closed.body));
  await client.getByRole('link', { name: 'Your session notes' }).click();
  await client.getByRole('heading', { level: 1, name: 'Your session notes' }).waitFor();
  assert.equal(new URL(client.url()).pathname, `/episodes/${signed.episodeId}/notes`);
  // The server's own words, as information rather than a failure.
  assert.ok(closed.body?.detail, 'the refusal says why');
  await client.getByRole('status').filter({ hasText: closed.body.detail }).waitFor();
  assert.equal(await client.getByRole('alert').count(), 0, 'not shared is not shown as a failure');
  assert.equal(await client.getByText(kData).count(), 0);
  await assertAccessible(client, 'the client’s notes, not shared');

  // The admin lets clients read their signed notes.
  const admin = await newPage(live.browser, live.server.baseUrl);
  await signIn(admin, kDemo.admin);
  const settings = admin.getByRole('region', { name: 'Clinic settings' });
  const notesGroup = settings.getByRole('group', { name: 'Session notes' });
  const open = notesGroup.getByLabel('Clients may ask to read their signed session notes');
  await open.waitFor();
  assert.equal(await open.isChecked(), false, 'closed to clients by default');
  await open.check();
  const saving = admin.waitForResponse((r) => r.request().method() === 'PUT' && /\/api\/v1\/clinic\/settings$/.test(r.url()));
  await settings.getByRole('button', { name: 'Save settings' }).click();
  assert.equal((await saving).status(), 200);
  await settings.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
  await assertAccessible(admin, 'the clinic settings with session notes');
  await admin.context().close();

  // Now the signed note, its addendum, and no draft.
  await client.reload();
  await client.getByRole('heading', { level: 1, name: 'Your session notes' }).waitFor();
  const article = client.getByRole('article').filter({ hasText: kData });
  await article.waitFor();
  await article.getByText(kAssessment).waitFor();
  await article.getByText(kAddendum).waitFor();
  await article.getByRole('heading', { level: 3, name: 'Data' }).waitFor();
  assert.equal(await client.getByText(kDraft).count(), 0, 'a draft is never shown to the client');
  const shared = await callApi(client, 'GET', `/episodes/${signed.episodeId}/notes`);
  assert.equal(shared.status, 200, JSON.stringify(shared.body));
  assert.ok(shared.body.notes.length >= 1);
  assert.ok(
    shared.body.notes.every((n) => n.state === 'signed'),
    'the client is sent signed notes only',
  );
  assert.ok(shared.body.notes.some((n) => n.appointment_id === signed.appointmentId));
  await assertAccessible(client, 'the client’s session notes');
  await assertFitsPhone(client, 'the client’s session notes');
  assert.deepEqual(await smallTouchTargets(client), [], 'touch targets on the client’s session notes');
  await client.context().close();
});
