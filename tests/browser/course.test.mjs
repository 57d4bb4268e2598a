// The end of a course of therapy. Sofia Lindqvist, the demo therapist, opens the episode of Mei
// Chen, one of her active clients, and follows "End this episode…". Sent with "Other" as the reason
// and no ending note, the form names the missing note beside its field, with the focus on it. With
// "Goals met", what helped and the early signs to watch for, it ends the episode and lands on the
// discharge summary, whose questionnaires show exactly the first and last totals the client gave
// (as the episode's progress has them) and whose words are the therapist's. The episode page then
// offers the summary instead of ending it again. Mei, signing in on a phone, finds her summary on
// her home and reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, assertFitsPhone, callApi, demoServerAndBrowser, kDemo, newPage, signIn, smallTouchTargets } from './harness.mjs';

const live = demoServerAndBrowser();

const kClient = { name: 'Mei Chen', email: 'mei.chen@demo.rapport' };
const kTherapistName = 'Sofia Lindqvist';
const kHelped = 'Noticing the worry early, and going for a walk before it grew.';
const kSigns = 'Sleeping badly for more than a few nights, and cancelling plans with friends.';

// The episode ended by the first test, for the client's.
let endedEpisode = 0;

// The series the summary compares: the client's own totals, oldest first, or the guardian's for
// a questionnaire only a guardian answered.
function firstAndLast(questionnaire) {
  for (const who of ['client', 'guardian']) {
    const points = questionnaire.points
      .filter((p) => p.respondent === who && typeof p.total === 'number')
      .sort((a, b) => (a.submitted_at < b.submitted_at ? -1 : a.submitted_at > b.submitted_at ? 1 : a.response_id - b.response_id));
    if (points.length > 0) return { first: points[0].total, last: points[points.length - 1].total };
  }
  return { first: null, last: null };
}

// A cell's text as it reads, a total or "none".
function asCell(total) {
  return total === null ? /none/ : new RegExp(`^${String(total).replace('.', '\\.')}$`);
}

const ending = (r) => r.request().method() === 'POST' && /\/api\/v1\/episodes\/\d+\/ending$/.test(r.url());

test('the therapist ends an episode, and the summary shows the first and last totals and their words', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();

  // Mei's episode is open, on Sofia's caseload.
  const caseload = await callApi(page, 'GET', '/caseload');
  assert.equal(caseload.status, 200);
  const line = caseload.body.clients.find((l) => l.client.display_name === kClient.name);
  assert.ok(line, `${kClient.name} is on the demo therapist's caseload`);
  assert.equal(line.episode.status, 'active', `${kClient.name}'s episode is active`);
  const episodeId = line.episode.id;

  const row = page.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: kClient.name });
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(`^${kClient.name}.*feedback and progress`) }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Discharge summary' }).count(), 0, 'no summary link while the episode is open');
  await page.getByRole('region', { name: 'Ending therapy' }).getByRole('link', { name: 'End this episode…' }).click();

  await page.getByRole('heading', { level: 1, name: `End therapy with ${kClient.name}` }).waitFor();
  assert.match(new URL(page.url()).pathname, new RegExp(`^/episodes/${episodeId}/ending$`));
  // The record is in view while writing.
  const record = page.getByRole('region', { name: 'The record so far' });
  await record.getByRole('heading', { level: 3, name: 'Questionnaires' }).waitFor();
  await record.getByRole('heading', { level: 3, name: 'Goals' }).waitFor();
  await assertAccessible(page, 'the ending form');

  // "Other" with no note: the server refuses it, and the note is named beside its field.
  const reasons = page.getByRole('group', { name: 'Why is therapy ending?' });
  await reasons.getByLabel('Other', { exact: true }).check();
  const refused = page.waitForResponse(ending);
  await page.getByRole('button', { name: 'End therapy and write the summary' }).click();
  assert.equal((await refused).status(), 400, 'an ending for "other" with no note is refused');
  const note = page.getByLabel('The ending conversation or message');
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await note.elementHandle());
  assert.equal(await note.evaluate((el) => el === document.activeElement), true, 'the ending note takes focus');
  const described = await note.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
  assert.match(described, /ending conversation/, 'the error beside the note says what is missing');
  await page.getByRole('alert').filter({ hasText: 'Please correct the fields marked below.' }).waitFor();
  await assertAccessible(page, 'the ending form with an error');

  // Goals met, with what helped and the early signs.
  await reasons.getByLabel('Goals met', { exact: true }).check();
  await page.getByLabel('What helped').fill(kHelped);
  await page.getByLabel('Early signs that things are slipping').fill(kSigns);
  const accepted = page.waitForResponse(ending);
  await page.getByRole('button', { name: 'End therapy and write the summary' }).click();
  const answer = await accepted;
  assert.equal(answer.status(), 201, `ending the episode: ${await answer.text()}`);

  await page.getByRole('heading', { level: 1, name: 'Discharge summary' }).waitFor();
  assert.match(new URL(page.url()).pathname, new RegExp(`^/episodes/${episodeId}/summary$`));
  assert.equal(await page.getByText('Draft: this episode has not ended.').count(), 0, 'an ended episode’s summary is no draft');
  const about = page.getByRole('region', { name: 'About this therapy' });
  await about.getByText('Goals met', { exact: true }).waitFor();
  await about.getByText(kTherapistName, { exact: true }).waitFor();
  const words = page.getByRole('region', { name: 'The therapist’s words' });
  await words.getByRole('heading', { level: 3, name: 'What helped' }).waitFor();
  await words.getByText(kHelped).waitFor();
  await words.getByRole('heading', { level: 3, name: 'Early signs to watch for' }).waitFor();
  await words.getByText(kSigns).waitFor();
  await page.getByRole('region', { name: 'Where to get help' }).waitFor();
  await page.getByRole('button', { name: 'Print' }).waitFor();

  // Each questionnaire's First and Last are the client's first and last totals on the progress page.
  const summary = await callApi(page, 'GET', `/episodes/${episodeId}/discharge-summary`);
  assert.equal(summary.status, 200);
  assert.equal(summary.body.draft, false);
  const progress = await callApi(page, 'GET', `/episodes/${episodeId}/progress`);
  assert.equal(progress.status, 200);
  const measures = summary.body.measures;
  assert.ok(measures.length > 0, `${kClient.name} answered questionnaires`);
  const table = page.getByRole('table', { name: 'Questionnaires, first and last' });
  const rows = table.getByRole('row');
  assert.equal(await rows.count(), measures.length + 1, 'a row per questionnaire under the column headers');
  const headers = (await table.getByRole('columnheader').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(headers, ['Questionnaire', 'First', 'Last', 'Change']);
  for (const [i, m] of measures.entries()) {
    const questionnaire = progress.body.instruments.find((q) => q.code === m.instrument);
    assert.ok(questionnaire, `${m.instrument} is on the progress page`);
    const expected = firstAndLast(questionnaire);
    const tr = rows.nth(i + 1);
    assert.ok((await tr.getByRole('rowheader').innerText()).startsWith(m.title), `row ${i + 1} is ${m.title}`);
    const cells = tr.getByRole('cell');
    assert.match((await cells.nth(0).textContent()).trim(), asCell(expected.first), `${m.title}: the first total`);
    assert.match((await cells.nth(1).textContent()).trim(), asCell(expected.last), `${m.title}: the last total`);
    assert.equal((await cells.nth(2).textContent()).trim(), m.sentence, `${m.title}: the change in a sentence`);
  }
  await assertAccessible(page, 'the discharge summary');
  await assertFitsPhone(page, 'the discharge summary');

  // Back on the episode: the summary, and no way to end it again.
  await page.getByRole('link', { name: kClient.name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(`^${kClient.name}.*feedback and progress`) }).waitFor();
  await page.getByRole('link', { name: 'Discharge summary' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'End this episode…' }).count(), 0, 'an ended episode cannot be ended again');
  assert.equal(await page.getByRole('region', { name: 'Ending therapy' }).count(), 0);
  endedEpisode = episodeId;
  await page.context().close();
});

test('the client finds the summary of their ended therapy on their home and reads it on a phone', async () => {
  assert.ok(endedEpisode, 'the therapist ended the episode in the test before');
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kClient.email);
  const summaries = page.getByRole('region', { name: 'Your summary of therapy' });
  await summaries.getByRole('link', { name: `Your summary of therapy with ${kTherapistName}` }).click();
  await page.getByRole('heading', { level: 1, name: 'Your summary' }).waitFor();
  assert.match(new URL(page.url()).pathname, new RegExp(`^/episodes/${endedEpisode}/summary$`));
  assert.equal(await page.getByText('Draft: this episode has not ended.').count(), 0);
  const words = page.getByRole('region', { name: 'From your therapist' });
  await words.getByText(kHelped).waitFor();
  await words.getByText(kSigns).waitFor();
  await page.getByRole('region', { name: 'Where to get help' }).waitFor();
  await assertAccessible(page, 'the client’s summary');
  await assertFitsPhone(page, 'the client’s summary');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the client’s summary');
  await page.context().close();
});

test('the client downloads their whole record from their home, as a PDF and as a FHIR Bundle', async () => {
  assert.ok(endedEpisode, 'the therapist ended the episode in the test before');
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kClient.email);
  const record = page.getByRole('region', { name: 'Your record' });
  const pdfLink = record.getByRole('link', { name: /Download your record \(PDF/ });
  await pdfLink.waitFor();
  await assertAccessible(page, 'the client home with the record card');
  // What the links give, fetched with the client's own session as the browser would.
  const pdf = await page.request.get(new URL(await pdfLink.getAttribute('href'), live.server.baseUrl).href);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  const bytes = await pdf.body();
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(bytes.subarray(-8).toString('latin1'), /%%EOF\s*$/);
  assert.match(bytes.toString('latin1'), /Your record at/, 'the title is in the text');
  const fhirLink = record.getByRole('link', { name: /for another service or app \(FHIR\)/ });
  const bundle = await page.request.get(new URL(await fhirLink.getAttribute('href'), live.server.baseUrl).href);
  assert.equal(bundle.status(), 200);
  const body = await bundle.json();
  assert.equal(body.resourceType, 'Bundle');
  assert.equal(body.type, 'collection');
  const types = new Set(body.entry.map((e) => e.resource.resourceType));
  for (const t of ['Patient', 'QuestionnaireResponse', 'Observation', 'Composition']) {
    assert.ok(types.has(t), `the Bundle holds a ${t}: ${[...types]}`);
  }
  await page.context().close();
});
