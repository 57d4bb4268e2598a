// Finding a therapist, on a phone. River Jones, a demo client waiting to be matched (no
// preferences saved, no episode), finds "Find a therapist" on their home and says what they need:
// the United Kingdom, video, English, Tuesday evenings from 17:00 to 21:00, and help with anxiety,
// which matters a lot. Every demo therapist offers video in English on some Tuesday evenings in
// the United Kingdom, so River sees three matches, each with its reasons and never an outcome
// figure. River asks the first for a first appointment with a note, lands on the calm first step,
// and fills in and shares the preparation. That therapist, signing in elsewhere, finds River on
// their caseload and reads the preparation and what River asked for on River's page, before any
// session. A second test goes through the form by its labels and the keyboard alone, and finds a
// time left unfinished named beside its field, with the focus on it.
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

const kRiver = { email: 'river.jones@demo.rapport', name: 'River Jones' };
// The demo's therapists by the first name their matches show.
const kTherapists = [
  { name: /Sofia/, email: kDemo.therapist },
  { name: /Daniel/, email: 'daniel.nakamura@demo.rapport' },
  { name: /Priya/, email: 'priya.raman@demo.rapport' },
];
const kNote = 'Evenings after work are easiest for me.';
const kBrings = 'I have been worrying so much that I cannot sleep before work.';
const kHopes = 'To feel calmer on weekday mornings.';
const kWorries = 'That I will not know what to say.';

// The form's groups, by their legends.
function group(page, name) {
  return page.getByRole('group', { name, exact: true });
}

// River's answers, each control found by its label (or its group's legend) only.
async function fillRiversPreferences(page) {
  await page.getByLabel('Where you live', { exact: true }).selectOption('GB');
  await group(page, 'How you’d like to meet').getByLabel('Video', { exact: true }).check();
  await group(page, 'Languages').getByLabel('English', { exact: true }).check();
  await group(page, 'When suits you').getByRole('button', { name: 'Add a time' }).click();
  const time = group(page, 'Time 1');
  await time.getByLabel('Day', { exact: true }).selectOption({ label: 'Tuesday' });
  await time.getByLabel('From', { exact: true }).fill('17:00');
  await time.getByLabel('To', { exact: true }).fill('21:00');
  const brings = group(page, 'What brings you');
  await brings.getByLabel('Anxiety or worry', { exact: true }).check();
  await brings.getByRole('group', { name: 'How much does it matter that your therapist works with this?' }).getByLabel('Matters a lot').check();
}

// Headings that skip a level (an h2 followed by an h4) break a screen reader's outline.
async function headingLevels(page) {
  return page.evaluate(() => [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')].map((h) => Number(h.tagName[1])));
}

function assertHeadingsInOrder(levels, what) {
  assert.equal(levels[0], 1, `${what} starts with its h1`);
  levels.forEach((level, i) => {
    if (i > 0) assert.ok(level <= levels[i - 1] + 1, `${what}: heading levels skip from h${levels[i - 1]} to h${level}`);
  });
}

test('a client finds a therapist, asks for a first appointment and shares their preparation, which the therapist reads first', async () => {
  const river = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(river, kRiver.email);
  const find = river.getByRole('region', { name: 'Find a therapist' });
  await find.waitFor();
  await river.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your preferences' }).waitFor();
  await find.getByRole('link', { name: 'Find a therapist' }).click();
  await river.getByRole('heading', { level: 1, name: 'Find a therapist' }).waitFor();
  // The promise about needs, and that wishes never filter, in so many words.
  await river.getByText(/we never loosen a need without telling you/).waitFor();
  await river.getByText(/These are wishes, not filters/).waitFor();
  // Nothing saved yet: no matches before River has said anything.
  assert.equal(await river.getByRole('heading', { name: 'Your matches' }).count(), 0);

  await fillRiversPreferences(river);
  const saved = river.waitForResponse((r) => r.request().method() === 'PUT' && /\/clients\/\d+\/preferences$/.test(r.url()));
  await river.getByRole('button', { name: 'Save and see my matches' }).click();
  const put = await saved;
  assert.equal(put.status(), 200, `saving preferences: ${await put.text()}`);
  const stored = await put.json();
  assert.equal(stored.needs.jurisdiction, 'GB');
  assert.deepEqual(stored.needs.modalities, ['video']);
  assert.deepEqual(stored.needs.languages, ['en']);
  assert.deepEqual(stored.needs.times, [{ day: 1, start: '17:00', end: '21:00' }]);
  assert.deepEqual(stored.wishes.focus_areas, ['anxiety']);
  assert.equal(stored.wishes.focus_weight, 2);

  // Three matches, each with at least one reason; the heading takes focus as they arrive.
  const matches = river.getByRole('region', { name: 'Your matches' });
  await matches.getByRole('heading', { level: 2, name: 'Your matches' }).waitFor();
  const list = matches.getByRole('list', { name: 'Suggested therapists, best fit first' });
  await list.waitFor();
  const cards = list.locator(':scope > li');
  assert.equal(await cards.count(), 3, 'three therapists meet every need');
  await river.waitForFunction(() => document.activeElement?.textContent === 'Your matches');
  const names = [];
  for (let i = 0; i < 3; i++) {
    const card = cards.nth(i);
    const name = (await card.getByRole('heading', { level: 3 }).innerText()).trim();
    names.push(name);
    const reasons = card.getByRole('list', { name: /^Why we suggest / });
    assert.ok((await reasons.getByRole('listitem').count()) >= 1, `${name} comes with at least one reason`);
    await card.getByRole('button', { name: `Ask ${name} for a first appointment` }).waitFor();
  }
  // A client never sees an outcome figure, on the page or in what the server sends.
  assert.equal(await river.getByText(/outcome/i).count(), 0, 'no outcome figure on the client’s page');
  const me = (await callApi(river, 'GET', '/me')).body.user;
  const answer = await callApi(river, 'GET', `/clients/${me.id}/matches?limit=3`);
  assert.equal(answer.status, 200);
  assert.ok(answer.body.matches.every((m) => !('outcome' in m)), 'no outcome term for a client');
  await assertAccessible(river, 'the client’s matches');
  await assertFitsPhone(river, 'the client’s matches');
  assert.deepEqual(await smallTouchTargets(river), [], 'touch targets on the preferences and matches');
  assertHeadingsInOrder(await headingLevels(river), 'the matches page');

  // River asks the first, with a note.
  const chosen = names[0];
  const first = cards.nth(0);
  await first.getByText(/^Add a note for /).click();
  await first.getByLabel(`A note for ${chosen}`).fill(kNote);
  const asked = river.waitForResponse((r) => r.request().method() === 'POST' && /\/first-appointment$/.test(r.url()));
  await first.getByRole('button', { name: `Ask ${chosen} for a first appointment` }).click();
  const post = await asked;
  assert.ok(post.ok(), `asking for a first appointment: ${post.status()} ${await post.text()}`);
  const sent = JSON.parse(post.request().postData());
  assert.equal(sent.note, kNote);
  assert.equal((await post.json()).status, 'intake', 'asking opens an episode in intake');

  // The calm first step.
  await river.getByRole('heading', { level: 1, name: 'Getting ready for your first session' }).waitFor();
  await river.getByText(`Your request has gone to ${chosen}.`, { exact: false }).waitFor();
  await river.getByRole('heading', { level: 2, name: 'What a first session is like' }).waitFor();
  const questions = river.getByRole('region', { name: 'Questions you may want to ask' });
  await questions.getByRole('listitem').filter({ hasText: 'How do you keep a good connection over video?' }).waitFor();
  await river.getByLabel('What brings you to therapy').fill(kBrings);
  await river.getByLabel('What you hope for').fill(kHopes);
  await river.getByLabel('What worries you about therapy').fill(kWorries);
  await river.getByLabel('Share this with my therapist before our first session').check();
  const prepared = river.waitForResponse((r) => r.request().method() === 'PUT' && /\/first-step$/.test(r.url()));
  await river.getByRole('button', { name: 'Save my thoughts' }).click();
  assert.equal((await prepared).status(), 200);
  await river.getByText(/^Saved\. .* can read it before your first session\.$/).waitFor();
  await assertAccessible(river, 'the first step');
  await assertFitsPhone(river, 'the first step');
  assertHeadingsInOrder(await headingLevels(river), 'the first step');

  // Home again: the way back to the first step, and no more "Find a therapist".
  await river.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
  const ahead = river.getByRole('region', { name: 'Before your first session' });
  await ahead.getByRole('link', { name: 'Getting ready for your first session' }).waitFor();
  assert.equal(await river.getByRole('region', { name: 'Find a therapist' }).count(), 0);
  await river.context().close();

  // The therapist River asked, in a browser of their own, before any session.
  const who = kTherapists.find((t) => t.name.test(chosen));
  assert.ok(who, `${chosen} is one of the demo's therapists`);
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, who.email);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  // Exactly the name: the row's other links name River too ("Treatment plan of River Jones").
  const row = therapist.getByRole('region', { name: 'Clients' }).getByRole('link', { name: kRiver.name, exact: true });
  await row.waitFor();
  await row.click();
  await therapist.getByRole('heading', { level: 1, name: kRiver.name }).waitFor();
  await therapist.getByText('No appointments booked.').waitFor();
  const preparation = therapist.getByRole('region', { name: 'Before the first session' });
  await preparation.getByText(kBrings).waitFor();
  await preparation.getByText(kHopes).waitFor();
  await preparation.getByText(kWorries).waitFor();
  const askedFor = therapist.getByRole('region', { name: 'What River asked for' });
  await askedFor.getByText('Tuesday, 17:00 to 21:00').waitFor();
  await askedFor.getByText(/Help with anxiety or worry \(matters a lot\)/).waitFor();
  await assertAccessible(therapist, 'the client’s page with their preparation');
  await therapist.context().close();
});

test('the preferences form can be completed by its labels and the keyboard alone, and names a missing answer beside it', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kDemo.client);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your preferences' }).click();
  const form = page.locator('form.preferences');
  await form.waitFor();

  // Every control has a label of its own (or, for a button, its words); every box and radio
  // button sits in a fieldset whose legend asks the question.
  const problems = await form.evaluate((f) =>
    [...f.querySelectorAll('input, select, textarea, button')]
      .map((el) => {
        const name = el.tagName === 'BUTTON' ? el.textContent.trim() : [...(el.labels ?? [])].map((l) => l.textContent.trim()).join(' ');
        if (!name) return `no label: ${el.outerHTML.slice(0, 100)}`;
        if ((el.type === 'checkbox' || el.type === 'radio') && !el.closest('fieldset')?.querySelector(':scope > legend')?.textContent.trim()) {
          return `not in a group with a legend: ${name}`;
        }
        return null;
      })
      .filter(Boolean),
  );
  assert.deepEqual(problems, []);

  // By label and keyboard only: focus each control found by its label, answer with keys.
  // A closed select takes typed letters: "United K" chooses the United Kingdom.
  const where = page.getByLabel('Where you live', { exact: true });
  await where.focus();
  await page.keyboard.type('United K');
  assert.equal(await where.inputValue(), 'GB', 'where they live is chosen by typing');
  for (const [legend, label] of [
    ['How you’d like to meet', 'Video'],
    ['Languages', 'English'],
    ['What brings you', 'Anxiety or worry'],
  ]) {
    const box = group(page, legend).getByLabel(label, { exact: true });
    await box.focus();
    if (!(await box.isChecked())) await page.keyboard.press('Space');
    assert.equal(await box.isChecked(), true, `${label} is ticked by the keyboard`);
  }
  const weight = group(page, 'What brings you').getByRole('group', { name: 'How much does it matter that your therapist works with this?' });
  await weight.getByLabel('Doesn’t matter').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await weight.getByLabel('Matters a lot').isChecked(), true, 'the arrow keys choose how much it matters');
  const paying = group(page, 'Paying');
  await paying.getByLabel('I’ll pay for myself').focus();
  await page.keyboard.press('Space');
  assert.equal(await paying.getByLabel('I’ll pay for myself').isChecked(), true);

  // A time added by the keyboard, its day and start chosen, its end left out.
  const add = group(page, 'When suits you').getByRole('button', { name: 'Add a time' });
  const rows = await group(page, 'When suits you').getByRole('group').count();
  await add.focus();
  await page.keyboard.press('Enter');
  const time = group(page, `Time ${rows + 1}`);
  const day = time.getByLabel('Day', { exact: true });
  await day.waitFor();
  assert.equal(await day.evaluate((el) => el === document.activeElement), true, 'the new time’s day takes focus');
  await page.keyboard.type('Tu');
  assert.equal(await day.inputValue(), '1', 'Tuesday is chosen by typing');
  await time.getByLabel('From', { exact: true }).fill('17:00');

  // Sent by the keyboard: the missing end is named beside its field, which takes focus.
  await page.getByRole('button', { name: /^Save/ }).focus();
  await page.keyboard.press('Enter');
  const end = time.getByLabel('To', { exact: true });
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-invalid') === 'true');
  assert.equal(await end.evaluate((el) => el === document.activeElement), true, 'the time’s end takes focus');
  const described = await end.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
  assert.match(described, /Choose when this time ends\./);
  await page.getByRole('alert').filter({ hasText: 'Please correct the fields marked below.' }).waitFor();

  // Filled in, it saves.
  await end.fill('21:00');
  const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && /\/preferences$/.test(r.url()));
  await page.getByRole('button', { name: /^Save/ }).focus();
  await page.keyboard.press('Enter');
  assert.equal((await saved).status(), 200);
  await assertAccessible(page, 'the preferences form');
  assertHeadingsInOrder(await headingLevels(page), 'the preferences page');
  await page.context().close();
});
