// The collaborative treatment plan in two browsers at once: the therapist drafts a plan for a new
// client and proposes it; the client, in their own browser, asks for a change with a comment;
// the therapist sees the comment, revises and proposes again; the client sees what changed and
// accepts; both then see the signed version with both signatures and its history. Along the
// way: a server field error beside its field in the editor, axe on the plan page and the editor,
// the ranking by keyboard, a homework tick, and the print view with its signatures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertAccessible,
  assertFitsPhone,
  demoServerAndBrowser,
  kDemo,
  newPage,
  signIn,
  smallTouchTargets,
} from './harness.mjs';

const live = demoServerAndBrowser();

const kClientName = 'Sam Rivers';
const kSleep = 'I lie awake worrying about work';
const kFriends = 'I have stopped seeing my friends';

function isoDate(daysAhead) {
  const d = new Date(Date.now() + daysAhead * 86400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// As the therapist signed in on `therapist`, adds a client and starts their care; returns the
// client record's "Episodes of care" region.
async function addClientInCare(therapist, name, email) {
  const form = therapist.getByRole('region', { name: 'New client' });
  await form.getByLabel('Full name').fill(name);
  await form.getByLabel('Email').fill(email);
  await form.getByRole('button', { name: 'Add client' }).click();
  await therapist.getByRole('heading', { level: 1, name }).waitFor();
  const episodes = therapist.getByRole('region', { name: 'Episodes of care' });
  await episodes.getByRole('button', { name: 'Start care' }).click();
  await episodes.getByText('Active').first().waitFor();
  return episodes;
}

// The therapist adds a client, starts care and invites them; the client sets a password in
// their own browser and lands on their home. Returns the therapist's page (on the client's
// record) and the client's page.
async function newClientInTwoBrowsers() {
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  await addClientInCare(therapist, kClientName, 'sam.rivers@example.org');
  const invite = therapist.getByRole('region', { name: /^Invite/ });
  await invite.getByRole('button', { name: 'Show a link to hand over in person' }).click();
  const link = await invite.getByLabel('Invitation link').inputValue();

  const client = await newPage(live.browser, live.server.baseUrl, 390, 844);
  await client.goto(link);
  await client.getByLabel('New password').fill('a quiet evening with a book');
  await client.getByLabel('Repeat the password').fill('a quiet evening with a book');
  await client.getByRole('button', { name: 'Set password and sign in' }).click();
  await client.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  return { therapist, client };
}

function stateCard(page) {
  return page.getByRole('region', { name: 'Where the plan stands' });
}

async function openClientPlan(client) {
  await client.goto('/');
  const card = client.getByRole('region', { name: 'Your plan' });
  await card.getByRole('link', { name: 'My plan' }).click();
  await client.getByRole('heading', { level: 1, name: 'Your plan' }).waitFor();
}

test('therapist and client agree a plan over two versions, and both see it signed with its history', async () => {
  const { therapist, client } = await newClientInTwoBrowsers();

  // The therapist reaches the plan from the episode page and starts the first draft.
  await therapist.getByRole('region', { name: 'Episodes of care' }).getByRole('link', { name: 'Feedback and progress' }).first().click();
  await therapist.getByRole('link', { name: 'Treatment plan' }).click();
  await therapist.getByRole('heading', { level: 1, name: `${kClientName}: treatment plan` }).waitFor();
  await stateCard(therapist).getByText('No plan yet.', { exact: false }).waitFor();
  const planUrl = new URL(therapist.url()).pathname;
  assert.match(planUrl, /^\/episodes\/\d+\/plan$/);
  await assertAccessible(therapist, 'the plan page before any version');
  await therapist.getByRole('button', { name: 'Start a new draft' }).click();
  await therapist.getByRole('heading', { level: 1, name: `Draft version 1 for ${kClientName}` }).waitFor();
  assert.equal(new URL(therapist.url()).pathname, `${planUrl}/versions/1/edit`);

  // Every part of the content is entered through labelled fields.
  await therapist.getByLabel('The plan in plain words').fill('We will work on sleep first, then on seeing friends again.');
  await therapist.getByRole('button', { name: 'Add a problem' }).click();
  const p1 = therapist.getByRole('group', { name: /^Problem 1/ });
  await p1.getByLabel("In the client's own words").fill(kSleep);
  await p1.getByLabel('Your formulation').fill('Worry maintained by rumination at bedtime.');
  await therapist.getByRole('button', { name: 'Add a problem' }).click();
  const p2 = therapist.getByRole('group', { name: /^Problem 2/ });
  await p2.getByLabel("In the client's own words").fill(kFriends);
  await therapist.getByLabel('We have agreed the order of the problems').check();
  await therapist.getByRole('button', { name: 'Add a goal' }).click();
  const goal = therapist.getByRole('group', { name: /^Goal 1/ });
  await goal.getByLabel('The problem it addresses').selectOption({ index: 1 });
  await goal.getByLabel('The goal, specific and measurable').fill('Fall asleep within 30 minutes on most nights');
  await goal.getByLabel('Goal due date').fill(isoDate(84));
  await goal.getByRole('button', { name: /^Add a questionnaire target/ }).click();
  const benchmark = goal.getByRole('group', { name: /^Benchmark 1 of goal 1/ });
  await benchmark.getByLabel('Questionnaire').selectOption('PHQ-9');
  await benchmark.getByLabel('Total score must be').selectOption('below');
  // PHQ-9 totals cannot go below 0: the server says so beside the target.
  await benchmark.getByLabel('Target score').fill('0');
  await goal.getByRole('button', { name: /^Add homework/ }).click();
  await goal.getByLabel('Homework task (1)').fill('Write worries down at 6 pm');
  await goal.getByLabel('Homework due date (1)').fill(isoDate(7));
  await therapist.getByRole('button', { name: 'Save draft' }).click();
  const target = benchmark.getByLabel('Target score');
  await therapist.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await target.elementHandle());
  const errorId = (await target.getAttribute('aria-describedby')).split(' ').pop();
  assert.match(await therapist.locator(`[id="${errorId}"]`).innerText(), /\S/);
  await assertAccessible(therapist, 'the draft editor with a field error');
  await target.fill('10');
  await therapist.getByRole('button', { name: 'Save draft' }).click();
  await therapist.getByRole('status').filter({ hasText: 'Draft saved' }).waitFor();
  assert.equal(await target.getAttribute('aria-invalid'), null);
  await assertAccessible(therapist, 'the draft editor');
  await assertFitsPhone(therapist, 'the draft editor');

  // While it is a draft the client sees its problem list, which they help to write, but not yet
  // the goals: those come with the proposal.
  await openClientPlan(client);
  await stateCard(client).getByText('Draft', { exact: false }).first().waitFor();
  await client.getByRole('region', { name: 'Problems' }).getByText(kSleep, { exact: false }).first().waitFor();
  await client.getByRole('region', { name: 'Goals' }).getByText('still writing the goals', { exact: false }).waitFor();
  assert.equal(await client.getByText('Fall asleep within 30 minutes on most nights').count(), 0, 'no draft goal shown');

  // Back on the plan page the therapist proposes, which signs the version.
  await therapist.getByRole('link', { name: 'Back to the plan' }).click();
  await stateCard(therapist).getByText('Draft — version 1', { exact: false }).waitFor();
  await therapist.getByRole('region', { name: 'Problems' }).getByText(kSleep, { exact: false }).first().waitFor();
  await therapist.getByRole('button', { name: 'Propose to client' }).click();
  await stateCard(therapist).getByText(`Proposed — version 1 is waiting for ${kClientName}'s answer.`).waitFor();

  // The client, in their own browser, asks for a change.
  await openClientPlan(client);
  await stateCard(client).getByText('Waiting for your answer', { exact: false }).waitFor();
  const decision = client.getByRole('region', { name: 'Version 1 is waiting for your answer' });
  await decision.getByText('it will be signed with your name', { exact: false }).waitFor();
  await client.getByRole('region', { name: 'Problems' }).getByText(kSleep, { exact: false }).first().waitFor();
  await assertAccessible(client, 'the plan page awaiting the client’s answer');
  await assertFitsPhone(client, 'the plan page');
  assert.deepEqual(await smallTouchTargets(client), [], 'touch targets on the plan page');
  // The comment is required.
  await decision.getByRole('button', { name: 'Ask for changes' }).click();
  const comment = decision.getByLabel('What would you like changed?');
  await client.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await comment.elementHandle());
  await comment.fill('Please add something about my evenings.');
  await decision.getByRole('button', { name: 'Ask for changes' }).click();
  await client.getByRole('status').filter({ hasText: 'Your request is sent' }).waitFor();
  await stateCard(client).getByText('You asked for changes to version 1', { exact: false }).waitFor();

  // The therapist sees the comment, starts a revision, edits it and proposes it.
  await therapist.reload();
  await stateCard(therapist).getByText(`${kClientName} asked for changes to version 1: “Please add something about my evenings.”`).waitFor();
  const history = therapist.getByRole('region', { name: 'Version history' });
  await history.getByText('“Please add something about my evenings.”').waitFor();
  await therapist.getByRole('button', { name: 'Start a new draft' }).click();
  await therapist.getByRole('heading', { level: 1, name: `Draft version 2 for ${kClientName}` }).waitFor();
  const summary = therapist.getByLabel('The plan in plain words');
  await summary.fill('We will work on sleep first, with a wind-down routine for the evenings, then on seeing friends again.');
  // A goal attainment scale beside the questionnaire target, described level by level.
  const goal2 = therapist.getByRole('group', { name: /^Goal 1/ });
  await goal2.getByRole('button', { name: /^Add a goal attainment scale/ }).click();
  const gas = goal2.getByRole('group', { name: /^Benchmark 2 of goal 1/ });
  const levels = ['Awake past 2 am most nights', 'Asleep by 1 am most nights', 'Asleep within 30 minutes most nights', 'Asleep within 20 minutes', 'Asleep within 15 minutes every night'];
  for (const [i, text] of levels.entries()) await gas.getByLabel(/^Level /).nth(i).fill(text);
  await gas.getByLabel('Weight').fill('2');
  await therapist.getByRole('button', { name: 'Save and propose to client' }).click();
  await therapist.getByRole('heading', { level: 1, name: `${kClientName}: treatment plan` }).waitFor();
  await stateCard(therapist).getByText(`Proposed — version 2 is waiting for ${kClientName}'s answer.`).waitFor();

  // The client sees what changed since version 1 and accepts.
  await client.reload();
  const decision2 = client.getByRole('region', { name: 'Version 2 is waiting for your answer' });
  await decision2.waitFor();
  const changes = decision2.getByRole('table', { name: 'What changed since version 1' });
  const summaryRow = changes.getByRole('row').filter({ hasText: 'Summary' });
  await summaryRow.getByText('Changed', { exact: true }).waitFor();
  await summaryRow.getByText(/wind-down routine/).waitFor();
  await assertAccessible(client, 'the plan page with the differences');
  await decision2.getByRole('button', { name: 'Accept version 2' }).click();
  await client.getByRole('status').filter({ hasText: 'You accepted version 2' }).waitFor();

  // Both see the agreed version, signed by both, and the history.
  const agreedLine = new RegExp(`^Agreed — version 2, signed by .*Sofia Lindqvist.* and .*${kClientName}|^Agreed — version 2, signed by .*${kClientName}.* and .*Sofia Lindqvist`);
  await stateCard(client).getByText(agreedLine).waitFor();
  await therapist.reload();
  await stateCard(therapist).getByText(agreedLine).waitFor();
  for (const page of [therapist, client]) {
    const h = page.getByRole('region', { name: 'Version history' });
    const v1 = h.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Version 1', exact: true }) });
    const v2 = h.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Version 2', exact: true }) });
    await v1.getByText('Changes requested').waitFor();
    await v2.getByText('Agreed', { exact: true }).waitFor();
  }
  await assertAccessible(therapist, 'the agreed plan for the therapist');

  await client.getByRole('region', { name: 'Version history' }).getByRole('link', { name: 'Version 2', exact: true }).click();
  await client.getByRole('heading', { level: 1, name: 'Plan version 2' }).waitFor();
  const signatures = client.getByRole('table', { name: 'Signatures on version 2' });
  await signatures.getByRole('row').filter({ hasText: 'Sofia Lindqvist' }).getByText('Therapist').waitFor();
  await signatures.getByRole('row').filter({ hasText: kClientName }).getByText('Client').waitFor();
  // The client's account came from a link the therapist handed over in person: the signature says so.
  await signatures
    .getByRole('row')
    .filter({ hasText: kClientName })
    .getByText('Their account was set up from a link handed over in person by staff.')
    .waitFor();
  const hashes = await signatures.locator('code.hash').allInnerTexts();
  assert.equal(hashes.length, 2);
  assert.equal(hashes[0], hashes[1], 'both signed the same content');
  assert.match(hashes[0], /^[0-9a-f]{64}$/);

  // The client puts the problems in their own order by keyboard alone and saves it.
  await openClientPlan(client);
  const ranking = client.getByRole('region', { name: 'What matters most' });
  const up = ranking.getByRole('button', { name: `Move '${kFriends}' up` });
  await up.focus();
  await client.keyboard.press('Enter');
  const mine = ranking.getByRole('list', { name: 'Your order' });
  await client.waitForFunction(
    ({ el, first }) => el.querySelector('li')?.textContent?.includes(first),
    { el: await mine.elementHandle(), first: kFriends },
  );
  // Focus stays with the moved problem: at the top, on its "down" button.
  assert.equal(await client.evaluate(() => document.activeElement?.getAttribute('aria-label')), `Move '${kFriends}' down`);
  await ranking.getByRole('button', { name: 'Save my order' }).click();
  await client.getByRole('status').filter({ hasText: 'Your order is saved.' }).waitFor();

  // The client ticks their homework; it stays ticked.
  const homework = client.getByRole('region', { name: 'Goals' }).getByLabel(/^Write worries down at 6 pm/);
  await homework.check();
  await client.waitForFunction((el) => !el.disabled, await homework.elementHandle());
  await client.reload();
  await client.getByRole('region', { name: 'Goals' }).getByLabel(/^Write worries down at 6 pm/).waitFor();
  assert.equal(await client.getByRole('region', { name: 'Goals' }).getByLabel(/^Write worries down at 6 pm/).isChecked(), true);

  // At a review the therapist records the level the scale reached: the GAS T-score follows.
  await therapist.reload();
  const review = therapist.getByRole('region', { name: 'Record a review' });
  await review.getByLabel('What you discussed').fill('Sleep is better on weeknights.');
  await review.getByLabel(/^Level reached:/).selectOption('0');
  await review.getByRole('button', { name: 'Record review' }).click();
  await therapist.getByRole('status').filter({ hasText: 'The review is recorded.' }).waitFor();
  await therapist.getByRole('region', { name: 'Goal attainment (GAS)' }).getByText('GAS T-score 50').waitFor();
  await therapist.getByRole('region', { name: 'Goals' }).getByText('latest rating 0', { exact: false }).waitFor();

  // The client adds a problem in their own words: it opens a new draft for the therapist.
  const problems = client.getByRole('region', { name: 'Problems' });
  await problems.getByLabel('A problem in your own words').fill('I snap at my partner when I am tired');
  await problems.getByRole('button', { name: 'Add the problem' }).click();
  await client.getByRole('status').filter({ hasText: /^Added to draft version 3/ }).waitFor();
  // Until it is agreed it shows as new in the draft, where the client may still reword it.
  await problems.getByRole('button', { name: 'Change my words for “I snap at my partner when I am tired”' }).click();
  await problems.getByLabel('The problem in your own words').fill('I snap at my partner when I am tired or hungry');
  await problems.getByRole('button', { name: 'Save my words' }).click();
  await problems.getByText('“I snap at my partner when I am tired or hungry”').waitFor();

  // The client rates their progress on the goal from 0 to 10.
  const goals = client.getByRole('region', { name: 'Goals' });
  await goals.getByLabel(/^Your rating from 0/).fill('6');
  await goals.getByLabel(/^A note about it/).fill('Three good nights this week');
  await goals.getByRole('button', { name: /^Save my rating/ }).click();
  await client.getByRole('status').filter({ hasText: 'Your rating is saved.' }).waitFor();
  await goals.getByText('6 of 10').waitFor();
  await therapist.reload();
  await stateCard(therapist).getByText('Draft — version 3', { exact: false }).waitFor();
  await therapist.getByRole('link', { name: 'See version 3' }).click();
  await therapist.getByRole('region', { name: 'Problems' }).getByText('I snap at my partner when I am tired or hungry', { exact: false }).waitFor();
  await therapist.goBack();
  await stateCard(therapist).waitFor();

  // The client writes a CBT thought record for their goal; the therapist reads it.
  const thoughts = client.getByRole('region', { name: 'Thought records' });
  await thoughts.getByRole('button', { name: 'Write a thought record' }).click();
  const record = thoughts.getByRole('form', { name: 'New thought record' });
  await record.getByLabel('Situation').fill('Lying in bed on Sunday night');
  await record.getByLabel('Automatic thoughts').fill('I will fail the presentation');
  await record.getByLabel('Feeling 1', { exact: true }).fill('anxious');
  await record.getByLabel('How strong, 0 to 100 (feeling 1)').fill('80');
  await record.getByLabel('Evidence for the thought').fill('I stumbled once last year');
  await record.getByLabel('Evidence against the thought').fill('The last five went well');
  await record.getByLabel('Balanced thought').fill('I am prepared and it usually goes fine');
  await record.getByLabel(/^Feeling now 1/).fill('anxious');
  await record.getByLabel(/^How strong, 0 to 100 \(feeling now 1\)/).fill('40');
  await record.getByRole('button', { name: 'Save thought record' }).click();
  await thoughts.getByText('Your thought record is saved.').waitFor();
  await thoughts.getByText(/Lying in bed on Sunday night/).first().waitFor();
  await therapist.reload();
  const seen = therapist.getByRole('region', { name: 'Thought records' });
  await seen.locator('summary').filter({ hasText: 'Lying in bed' }).click();
  await seen.getByText('anxious 80').waitFor();
  await seen.getByText('I am prepared and it usually goes fine').waitFor();

  // The print view shows the signatures and offers to print; on paper there is no navigation.
  await therapist.getByRole('link', { name: 'Print the signed version' }).click();
  await therapist.getByRole('heading', { level: 1, name: `Treatment plan — ${kClientName}` }).waitFor();
  const printed = therapist.getByRole('table', { name: 'Signatures on version 2' });
  await printed.getByRole('row').filter({ hasText: 'Sofia Lindqvist' }).waitFor();
  await printed.getByRole('row').filter({ hasText: kClientName }).waitFor();
  await therapist.evaluate(() => {
    window.printCalls = 0;
    window.print = () => {
      window.printCalls += 1;
    };
  });
  await therapist.getByRole('button', { name: 'Print or save as PDF' }).click();
  assert.equal(await therapist.evaluate(() => window.printCalls), 1);
  await assertAccessible(therapist, 'the print view');
  await assertFitsPhone(therapist, 'the print view');
  await therapist.emulateMedia({ media: 'print' });
  assert.equal(await therapist.locator('.site-header').isVisible(), false, 'no navigation on paper');
  assert.equal(await therapist.getByRole('button', { name: 'Print or save as PDF' }).isVisible(), false);
  await printed.waitFor();
  const ink = await therapist.evaluate(() => getComputedStyle(document.body).color);
  assert.equal(ink, 'rgb(0, 0, 0)', 'black on white');
  await therapist.emulateMedia({ media: 'screen' });

  await therapist.context().close();
  await client.context().close();
});

test('the caseload marks a plan due for review and links each client to their plan', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const clients = page.getByRole('region', { name: 'Clients' });
  // The demo clinic has an agreed plan that is due for review among this therapist's clients.
  const due = clients.getByRole('listitem').filter({ has: page.getByText('Plan review due', { exact: true }) }).first();
  await due.waitFor();
  await due.getByRole('link', { name: /^Treatment plan of / }).click();
  await page.getByRole('heading', { level: 1, name: /: treatment plan$/ }).waitFor();
  const state = stateCard(page);
  await state.getByText(/^Agreed — version \d+, signed by /).waitFor();
  await state.getByText('Plan review due', { exact: true }).waitFor();
  await assertAccessible(page, 'a demo client’s plan due for review');
  await page.context().close();
});

test('a guardian sees only the shared parts of a child\'s plan, read-only, and agrees when asked', async () => {
  // A child client with a guardian who accepts their invitation and the link, and a therapist who
  // then records consent to share.
  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  const form = therapist.getByRole('region', { name: 'New client' });
  await form.getByLabel('Full name').fill('Ari Young');
  await form.getByLabel('Email').fill('ari.young@example.org');
  await form.getByLabel('Date of birth').fill('2014-05-01');
  await form.getByRole('button', { name: 'Add client' }).click();
  await therapist.getByRole('heading', { level: 1, name: 'Ari Young' }).waitFor();
  const clientUrl = therapist.url();
  const episodes = therapist.getByRole('region', { name: 'Episodes of care' });
  await episodes.getByRole('button', { name: 'Start care' }).click();
  await episodes.getByText('Active').first().waitFor();
  const add = therapist.getByRole('region', { name: 'Add a guardian' });
  await add.getByLabel("Guardian's full name").fill('Lee Young');
  await add.getByLabel("Guardian's email").fill('lee.young@example.org');
  await add.getByLabel('How their invitation reaches them').selectOption('in_person');
  await add.getByRole('button', { name: 'Add guardian' }).click();
  const link = await add.getByLabel("Guardian's invitation link").inputValue();

  // The therapist proposes a plan that shares problems and goals, not homework, and asks for a
  // guardian's agreement.
  await episodes.getByRole('link', { name: 'Treatment plan' }).first().click();
  await stateCard(therapist).waitFor();
  const episodeId = Number(/\/episodes\/(\d+)\/plan$/.exec(new URL(therapist.url()).pathname)[1]);
  const proposed = await therapist.evaluate(async ({ episodeId, due }) => {
    const me = await (await fetch('/api/v1/me')).json();
    const send = async (method, path, body) => {
      const r = await fetch(`/api/v1/episodes/${episodeId}/plan${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    };
    const content = {
      summary: 'Calmer mornings before school.',
      problems: [{ key: 'p1', client_words: 'Mornings are a fight', formulation: 'Separation worry peaks before school.', diagnosis: '', status: 'active' }],
      agreed_order: [],
      goals: [
        {
          key: 'g1',
          problem_key: 'p1',
          description: 'Get to school on time four days a week',
          due_date: due,
          benchmarks: [{ key: 'b1', kind: 'gas', weight: 1, levels: ['No school days', 'One or two days', 'Three days', 'Four days', 'Every day'] }],
          interventions: [{ key: 'i1', description: 'Graded steps at the school gate', approach: 'CBT' }],
          homework: [{ key: 'h1', description: 'Practise the morning plan', due_date: due }],
        },
      ],
      guardian: { problems: true, goals: true, homework: false, ask_agreement: true },
    };
    const draft = await send('POST', '/versions', { content });
    if (draft.status !== 201) return draft;
    return send('POST', `/versions/${draft.body.number}/propose`, {});
  }, { episodeId, due: isoDate(60) });
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));

  // The guardian is asked first: nothing of Ari shows until they accept and consent is recorded.
  const guardian = await newPage(live.browser, live.server.baseUrl, 390, 844);
  await guardian.goto(link);
  await guardian.getByLabel('New password').fill('a long walk with the dog');
  await guardian.getByLabel('Repeat the password').fill('a long walk with the dog');
  await guardian.getByRole('button', { name: 'Set password and sign in' }).click();
  const requests = guardian.getByRole('region', { name: 'Requests to link you as a guardian' });
  await requests.getByText('Ari Young', { exact: false }).first().waitFor();
  assert.equal(await guardian.getByRole('region', { name: 'Ari Young' }).count(), 0);
  await assertAccessible(guardian, 'a request to link a guardian');
  await assertFitsPhone(guardian, 'a request to link a guardian');
  await requests.getByRole('button', { name: 'Accept for Ari Young' }).click();
  await guardian.getByText('The clinic will share once consent is recorded', { exact: false }).waitFor();
  assert.equal(await guardian.getByRole('region', { name: 'Ari Young' }).count(), 0);

  await therapist.goto(clientUrl);
  const guardians = therapist.getByRole('region', { name: 'Guardians' });
  await guardians.getByText('Nothing is shared until you record consent', { exact: false }).waitFor();
  await guardians.getByLabel('Consent to share with Lee Young').fill('Ari and Lee, in session today');
  await guardians.getByRole('button', { name: 'Record consent' }).click();
  await guardians.getByText('Consent: Ari and Lee, in session today', { exact: false }).waitFor();
  await assertAccessible(therapist, 'a client with a guardian');
  await therapist.context().close();

  await guardian.reload();
  const child = guardian.getByRole('region', { name: 'Ari Young' });
  await child.getByRole('link', { name: "Ari's plan" }).click();
  await guardian.getByRole('heading', { level: 1, name: 'Ari Young: treatment plan' }).waitFor();
  await guardian.getByRole('region', { name: 'Problems' }).getByText('Mornings are a fight', { exact: false }).waitFor();
  await guardian.getByRole('region', { name: 'Goals' }).getByText('Get to school on time four days a week').waitFor();
  await guardian.getByText('Some parts of this plan are not shared with guardians', { exact: false }).waitFor();
  // Homework is not shared; thought records never are; nothing can be edited.
  assert.equal(await guardian.getByText('Practise the morning plan').count(), 0);
  assert.equal(await guardian.getByRole('region', { name: 'Thought records' }).count(), 0);
  assert.equal(await guardian.getByRole('button', { name: /^Change my words|^Save my order|^Start a new draft/ }).count(), 0);
  // Their agreement is asked for: like the client, they may accept, ask for changes or decline;
  // the only place to write is their answer.
  const decision = guardian.getByRole('region', { name: 'Version 1 is waiting for your answer' });
  await decision.getByText('as guardian', { exact: false }).waitFor();
  await decision.getByRole('button', { name: 'Ask for changes' }).waitFor();
  assert.equal(await guardian.getByRole('textbox').count(), await decision.getByRole('textbox').count());
  await assertAccessible(guardian, 'the guardian’s view of a plan');
  await assertFitsPhone(guardian, 'the guardian’s view of a plan');
  await decision.getByRole('button', { name: 'Accept version 1' }).click();
  await guardian.getByRole('status').filter({ hasText: 'You accepted version 1' }).waitFor();
  await decision.waitFor({ state: 'detached' });
  await guardian.context().close();
});

test('the admin sets how often plans fall due for review, with an out-of-range value named beside its field', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.admin);
  const settings = page.getByRole('region', { name: 'Clinic settings' });
  const sessions = settings.getByLabel('Review a plan after this many sessions');
  await sessions.waitFor();
  await sessions.fill('0');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await sessions.elementHandle());
  await assertAccessible(page, 'the clinic settings with an error');
  await sessions.fill('4');
  await settings.getByLabel('or after this many days').fill('60');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await settings.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
  await page.reload();
  await settings.getByLabel('Review a plan after this many sessions').waitFor();
  await page.waitForFunction(
    (el) => el.value === '4',
    await settings.getByLabel('Review a plan after this many sessions').elementHandle(),
  );
  assert.equal(await settings.getByLabel('or after this many days').inputValue(), '60');
  await page.context().close();
});

test('the therapist withdraws a proposal the client has not answered and corrects it in a new draft', async () => {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const clients = page.getByRole('region', { name: 'Clients' });
  // Hana Sato's first plan is still a draft in the demo clinic.
  await clients.getByRole('link', { name: /^Treatment plan of Hana Sato/ }).click();
  await page.getByRole('heading', { level: 1, name: /: treatment plan$/ }).waitFor();
  const state = stateCard(page);
  await state.getByRole('button', { name: 'Propose to client' }).click();
  const withdraw = state.getByRole('button', { name: 'Withdraw this proposal' });
  await withdraw.waitFor();
  await assertAccessible(page, 'a proposal the therapist may withdraw');
  await withdraw.click();
  await page.getByText(/^Version \d+ is withdrawn\. Start a new draft to correct it\.$/).waitFor();
  await state.getByRole('button', { name: 'Start a new draft' }).click();
  await page.getByRole('button', { name: 'Save draft' }).waitFor();
  await page.context().close();
});

// A new client of the therapist's with a first draft of their plan open in the editor, on a page
// of its own.
async function editorForNewClient(name, email) {
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.therapist);
  const episodes = await addClientInCare(page, name, email);
  await episodes.getByRole('link', { name: 'Treatment plan' }).first().click();
  await stateCard(page).waitFor();
  await page.getByRole('button', { name: 'Start a new draft' }).click();
  await page.getByRole('heading', { level: 1, name: `Draft version 1 for ${name}` }).waitFor();
  return page;
}

// Holds the editor's saves of the draft on their way to the server, as a slow connection would,
// until release() lets them through.
async function holdDraftSaves(page) {
  let release;
  const released = new Promise((resolve) => {
    release = resolve;
  });
  await page.route('**/api/v1/episodes/*/plan/versions/*', async (route) => {
    if (route.request().method() === 'PUT') await released;
    await route.fallback();
  });
  return { release };
}

// Whether closing or reloading the tab now would make the browser ask first.
function wouldAskBeforeUnload(page) {
  return page.evaluate(() => {
    const event = new Event('beforeunload', { cancelable: true });
    dispatchEvent(event);
    return event.defaultPrevented;
  });
}

// Every dialog the page raises, dismissed (Cancel, for a confirmation).
function dismissDialogs(page) {
  const raised = [];
  page.on('dialog', async (dialog) => {
    raised.push({ type: dialog.type(), message: dialog.message() });
    await dialog.dismiss();
  });
  return raised;
}

const savedStatus = (page) => page.getByRole('status').filter({ hasText: /^Draft saved at \d/ });

test('the plan editor saves the draft as the therapist types, and a reload brings the words back', async () => {
  const page = await editorForNewClient('Robin Hale', 'robin.hale@example.org');
  const dialogs = dismissDialogs(page);
  const hold = await holdDraftSaves(page);
  const words = 'Evenings first: an hour to wind down without screens, then sleep.';
  await page.getByLabel('The plan in plain words').fill(words);
  // Not saved yet: closing the tab would ask.
  assert.equal(await wouldAskBeforeUnload(page), true, 'asks before closing with changes not saved');
  hold.release();
  // A pause in typing saves it; the status line says so, politely.
  await savedStatus(page).waitFor();
  assert.equal(await savedStatus(page).getAttribute('aria-live'), 'polite');
  assert.equal(await wouldAskBeforeUnload(page), false, 'nothing to ask once saved');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Draft version 1 for Robin Hale' }).waitFor();
  assert.equal(await page.getByLabel('The plan in plain words').inputValue(), words);
  assert.deepEqual(dialogs, [], 'no dialog on a reload with everything saved');
  await assertAccessible(page, 'the draft editor after a reload');
  await page.context().close();
});

test('leaving the plan editor with changes not yet saved asks first; once saved it does not', async () => {
  const page = await editorForNewClient('Kit Marlow', 'kit.marlow@example.org');
  const dialogs = dismissDialogs(page);
  const hold = await holdDraftSaves(page);
  const summary = page.getByLabel('The plan in plain words');
  const words = 'Small steps back into the library, one afternoon a week.';
  await summary.fill(words);

  // A link in the app: a confirmation, and Cancel keeps the therapist on the editor with the words.
  const asked = page.waitForEvent('dialog');
  await page.getByRole('link', { name: 'Back to the plan' }).click();
  await asked;
  assert.equal(dialogs.length, 1);
  assert.equal(dialogs[0].type, 'confirm');
  assert.match(dialogs[0].message, /not saved yet\. Leave this page anyway\?$/);
  assert.match(new URL(page.url()).pathname, /\/plan\/versions\/1\/edit$/);
  await page.getByRole('heading', { level: 1, name: 'Draft version 1 for Kit Marlow' }).waitFor();
  assert.equal(await summary.inputValue(), words);

  // The browser's Back: the same question, and Cancel stays too.
  const askedAgain = page.waitForEvent('dialog');
  await page.evaluate(() => history.back());
  await askedAgain;
  assert.equal(dialogs.length, 2);
  assert.equal(dialogs[1].type, 'confirm');
  await page.waitForFunction(() => location.pathname.endsWith('/plan/versions/1/edit'));
  await page.getByRole('heading', { level: 1, name: 'Draft version 1 for Kit Marlow' }).waitFor();
  assert.equal(await summary.inputValue(), words);

  // Once the draft is saved, leaving asks nothing.
  hold.release();
  await savedStatus(page).waitFor();
  await page.getByRole('link', { name: 'Back to the plan' }).click();
  await page.getByRole('heading', { level: 1, name: 'Kit Marlow: treatment plan' }).waitFor();
  assert.equal(dialogs.length, 2, `no question once everything is saved: ${JSON.stringify(dialogs.slice(2))}`);
  await page.context().close();
});

test('a pause in typing leaves an unfinished draft unmarked; Save draft marks what is missing', async () => {
  const page = await editorForNewClient('Noor Quinn', 'noor.quinn@example.org');
  await page.getByRole('button', { name: 'Add a problem' }).click();
  await page.getByRole('group', { name: /^Problem 1/ }).getByLabel("In the client's own words").fill('I cannot face the bus');
  await page.getByRole('button', { name: 'Add a goal' }).click();
  const goal = page.getByRole('group', { name: /^Goal 1/ });
  await goal.getByLabel('The problem it addresses').selectOption({ index: 1 });
  await goal.getByLabel('The goal, specific and measurable').fill('Take the bus to work twice a week');
  await goal.getByLabel('Goal due date').fill(isoDate(56));
  // The goal has no benchmark yet, so the draft cannot be stored; the page says so in its status
  // line but marks nothing, so nothing moves as the therapist reaches for "Add a questionnaire target".
  await page.getByRole('status').filter({ hasText: 'Not saved: the draft is not finished yet.' }).waitFor();
  const form = page.locator('form');
  assert.equal(await form.locator('[aria-invalid="true"]').count(), 0);
  assert.equal(await form.locator('.field-error').count(), 0);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await goal.locator('.field-error').filter({ hasText: /at least one benchmark/ }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Not saved: please correct the marked fields.' }).waitFor();
  // Once shown, a mark follows the automatic saves too: adding the benchmark clears it.
  await goal.getByRole('button', { name: /^Add a questionnaire target/ }).click();
  const benchmark = goal.getByRole('group', { name: /^Benchmark 1 of goal 1/ });
  await benchmark.getByLabel('Questionnaire').selectOption('PHQ-9');
  await benchmark.getByLabel('Target score').fill('10');
  await savedStatus(page).waitFor();
  assert.equal(await goal.locator('.field-error').count(), 0);
  await assertAccessible(page, 'the draft editor after an automatic save');
  await page.context().close();
});
