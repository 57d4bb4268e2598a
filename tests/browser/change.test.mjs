// Changing therapist after a low Fit Check. Tomás Álvarez, a demo client of Daniel Nakamura, rates
// the fit low (a Fit Check sent as him through the API: the demo gives no client a Fit Check still
// due, and which sessions lie behind a client depends on the day the clinic was seeded). On his
// phone his home now offers, privately, to talk about it, to try a few more sessions or to ask for
// a different therapist; he asks, and lands on the review of what could go to his next therapist,
// section by section, each ticked to begin with. He unticks his questionnaires, writes what helped
// and what he would like from his next therapist, and shares what he ticked: only those sections
// are kept. Daniel cannot see the request. Morgan Ellis, the clinic's admin and intake coordinator,
// finds it on her home, reads what was shared and assigns Priya Raman (never Daniel, who is not
// offered). Priya opens the new episode and reads the handover: the plan, what helped and his
// wishes, and no questionnaires. Daniel's episode ended as "transferred", and Tomás finds his new
// therapist and the summary of his therapy with Daniel on his home.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, assertFitsPhone, callApi, demoServerAndBrowser, kDemo, newPage, signIn, smallTouchTargets } from './harness.mjs';

const live = demoServerAndBrowser();

const kClient = { name: 'Tomás Álvarez', preferred: 'Tomás', email: 'tomas.alvarez@demo.rapport' };
const kOld = { name: 'Daniel Nakamura', email: 'daniel.nakamura@demo.rapport' };
const kNew = { name: 'Priya Raman', email: 'priya.raman@demo.rapport' };
const kHelped = 'Writing the worries down at the same time every evening, and then leaving them there.';
const kPreferences = 'Someone who gives me one small thing to try each week, and evening sessions if possible.';
// Everything the client may share, and what Tomás shares: all but his questionnaires.
const kAllSections = ['plan', 'measures', 'what-helped', 'preferences'];
const kShared = ['plan', 'what-helped', 'preferences'];

// What each test leaves for the next.
const state = { oldEpisodeId: 0, changeId: 0, clientName: '', newEpisodeId: 0 };

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const post = (re) => (r) => r.request().method() === 'POST' && re.test(new URL(r.url()).pathname);

test('after a low Fit Check the client asks privately for another therapist and chooses what to share', async () => {
  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kClient.email);
  await page.getByRole('heading', { level: 1, name: `Hello, ${kClient.preferred}` }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Your therapist' }).waitFor();

  const me = await callApi(page, 'GET', '/me');
  assert.equal(me.status, 200);
  const record = await callApi(page, 'GET', `/clients/${me.body.user.id}`);
  assert.equal(record.status, 200, JSON.stringify(record.body));
  const episode = record.body.episodes.find((e) => e.status !== 'ended');
  assert.ok(episode, `${kClient.name} has an open episode`);
  assert.equal(episode.therapist_name, kOld.name, `${kClient.name} sees ${kOld.name}`);
  state.oldEpisodeId = episode.id;

  // His first Fit Check went well: nothing is offered, and the quiet way to ask is there.
  const before = await callApi(page, 'GET', `/episodes/${episode.id}/fit-followup`);
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.equal(before.body.offer, false, 'no offer after a good Fit Check');
  assert.equal(before.body.open_change_id, null);
  assert.equal(await page.getByRole('region', { name: 'How the fit feels' }).count(), 0);
  await page.getByRole('region', { name: 'Your therapist', exact: true }).getByRole('button', { name: 'Ask for a different therapist' }).waitFor();

  // A low Fit Check: "not sure at all" about going on, and yes, he would like to talk about a different fit.
  const fit = await callApi(page, 'POST', `/episodes/${episode.id}/responses`, {
    instrument: 'FIT-CHECK',
    respondent: 'client',
    answers: { fit_continue: 2, fit_talk: 1 },
  });
  assert.ok(fit.status === 200 || fit.status === 201, `the Fit Check is taken: ${fit.status} ${JSON.stringify(fit.body)}`);
  const after = await callApi(page, 'GET', `/episodes/${episode.id}/fit-followup`);
  assert.equal(after.status, 200);
  assert.equal(after.body.offer, true, 'a low Fit Check brings the offer');

  // The home offers the three choices, and no second way to ask beside the therapist's name.
  await page.goto('/');
  const offer = page.getByRole('region', { name: 'How the fit feels' });
  await offer.waitFor();
  const choices = offer.getByRole('group', { name: 'What would you like to do?' });
  await choices.getByRole('button', { name: 'Talk about it with my therapist' }).waitFor();
  await choices.getByRole('button', { name: 'Try a few more sessions' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Ask for a different therapist' }).count(), 1, 'one way to ask while the offer is shown');
  assert.equal(await offer.getByRole('textbox').count(), 0, 'no reason is asked');
  await assertAccessible(page, 'the client’s home with the Fit Check’s offer');
  await assertFitsPhone(page, 'the client’s home with the Fit Check’s offer');

  const chosen = page.waitForResponse(post(/\/api\/v1\/episodes\/\d+\/fit-followup$/));
  await choices.getByRole('button', { name: 'Ask for a different therapist' }).click();
  const choice = await chosen;
  assert.equal(choice.status(), 200, `choosing: ${await choice.text()}`);

  await page.getByRole('heading', { level: 1, name: 'Your change of therapist' }).waitFor();
  const at = /^\/therapist-changes\/(\d+)$/.exec(new URL(page.url()).pathname);
  assert.ok(at, `the review page's address: ${page.url()}`);
  state.changeId = Number(at[1]);
  // The button pressed is gone with the home: the new page's heading takes the focus.
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');

  // The draft, as the server drafted it from his record, with every section.
  const draft = await callApi(page, 'GET', `/therapist-changes/${state.changeId}`);
  assert.equal(draft.status, 200, JSON.stringify(draft.body));
  assert.equal(draft.body.status, 'awaiting-consent');
  assert.equal(draft.body.kind, 'client-request');
  assert.equal(draft.body.episode_id, episode.id);
  assert.deepEqual(draft.body.packet.shared, kAllSections, 'the client reviews every section');
  state.clientName = draft.body.client_name;
  const goals = draft.body.packet.goals;
  const measures = draft.body.packet.measures;
  assert.ok(goals.length > 0, `${kClient.name}'s agreed plan has goals`);
  assert.ok(measures.length > 0, `${kClient.name} answered questionnaires`);

  const plan = page.getByRole('region', { name: 'Your plan and goals' });
  await plan.getByText(goals[0].description).waitFor();
  const questionnaires = page.getByRole('region', { name: 'Your questionnaires' });
  await questionnaires.getByText(new RegExp(`^${escape(measures[0].title)}:`)).waitFor();
  for (const name of ['Your plan and goals', 'Your questionnaires', 'What helped and what did not', 'What you would like from your next therapist']) {
    const box = page.getByRole('region', { name }).getByRole('checkbox', { name: /^Share this/ });
    assert.equal(await box.isChecked(), true, `"${name}" is ticked to begin with`);
  }
  await page.getByText(/Only what is ticked is shared, and nothing is shared until you press “Share what I ticked”/).waitFor();
  await page.getByRole('button', { name: 'Withdraw my request' }).waitFor();
  await assertAccessible(page, 'the client’s review of what is shared');
  await assertFitsPhone(page, 'the client’s review of what is shared');
  assert.deepEqual(await smallTouchTargets(page), [], 'touch targets on the client’s review');

  // Everything but his questionnaires, with his own words.
  await questionnaires.getByRole('checkbox', { name: /^Share this/ }).uncheck();
  await page.getByRole('textbox', { name: /^What helped/ }).fill(kHelped);
  await page.getByRole('textbox', { name: /^What you would like from your next therapist/ }).fill(kPreferences);
  const consent = page.getByRole('region', { name: 'Share what you ticked' });
  await consent.getByText('You are keeping to yourself your questionnaires.', { exact: false }).waitFor();

  const sharing = page.waitForResponse(post(/\/api\/v1\/therapist-changes\/\d+\/consent$/));
  await consent.getByRole('button', { name: 'Share what I ticked' }).click();
  const shared = await sharing;
  assert.equal(shared.status(), 200, `consenting: ${await shared.text()}`);
  const consented = await shared.json();
  assert.equal(consented.status, 'consented');
  assert.deepEqual(consented.packet.shared, kShared, 'only the ticked sections are shared');
  assert.equal('measures' in consented.packet, false, 'the questionnaires are not kept in the packet');
  assert.equal(consented.packet.what_helped, kHelped);
  assert.equal(consented.packet.preferences, kPreferences);

  await page.getByRole('status').filter({ hasText: /^Thank you\. You shared/ }).waitFor();
  const what = page.getByRole('region', { name: 'What you shared' });
  await what.getByText(kPreferences).waitFor();
  await what.getByText(kHelped).waitFor();
  assert.equal(await what.getByRole('heading', { name: 'Your questionnaires' }).count(), 0, 'the withheld section is not shown as shared');
  await what.getByText('You chose to keep to yourself: your questionnaires.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Share what I ticked' }).count(), 0, 'nothing left to share');
  await assertAccessible(page, 'the client’s change after sharing');
  await assertFitsPhone(page, 'the client’s change after sharing');
  await page.context().close();

  // The therapist he is leaving neither sees the request nor finds it in a list.
  const daniel = await newPage(live.browser, live.server.baseUrl);
  await signIn(daniel, kOld.email);
  await daniel.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const hidden = await callApi(daniel, 'GET', `/therapist-changes/${state.changeId}`);
  assert.equal(hidden.status, 404, `the old therapist is not shown the request: ${JSON.stringify(hidden.body)}`);
  const listed = await callApi(daniel, 'GET', '/therapist-changes');
  assert.equal(listed.status, 200);
  assert.equal(listed.body.some((c) => c.id === state.changeId), false, 'nor in their list');
  await daniel.context().close();
});

test('the intake coordinator reads what was shared and assigns a new therapist', async () => {
  assert.ok(state.changeId, 'the client asked in the test before');
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kDemo.admin);
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();

  const changes = page.getByRole('region', { name: 'Changes of therapist' });
  await changes.getByRole('link', { name: new RegExp(`^${escape(state.clientName)}`) }).click();
  await page.getByRole('heading', { level: 1, name: `Change of therapist: ${state.clientName}` }).waitFor();
  assert.match(new URL(page.url()).pathname, new RegExp(`^/therapist-changes/${state.changeId}$`));

  const shared = page.getByRole('region', { name: `What ${state.clientName} shared` });
  await shared.getByText(kPreferences).waitFor();
  await shared.getByText(kHelped).waitFor();
  for (const name of ['Plan and goals', 'What helped and what did not', 'What they would like from their next therapist']) {
    await shared.getByRole('heading', { level: 3, name }).waitFor();
  }
  assert.equal(await shared.getByRole('heading', { name: 'Questionnaires' }).count(), 0, 'the withheld section is not there');

  // Any therapist of the clinic but the one he is leaving.
  const therapists = await callApi(page, 'GET', '/therapists');
  assert.equal(therapists.status, 200);
  const priya = therapists.body.find((t) => t.display_name === kNew.name);
  assert.ok(priya, `${kNew.name} is a therapist of the clinic`);
  const assign = page.getByRole('region', { name: 'Choose the new therapist' });
  const select = assign.getByLabel('New therapist');
  const offered = await select.locator('option').allInnerTexts();
  assert.ok(offered.some((o) => o.startsWith(kNew.name)), `${kNew.name} is offered`);
  assert.equal(offered.some((o) => o.includes(kOld.name)), false, `${kOld.name} is not offered`);
  await assertAccessible(page, 'the coordinator’s change page');
  await assertFitsPhone(page, 'the coordinator’s change page');

  await select.selectOption(String(priya.id));
  const assigning = page.waitForResponse(post(/\/api\/v1\/therapist-changes\/\d+\/assignment$/));
  await assign.getByRole('button', { name: 'Assign' }).click();
  const answer = await assigning;
  assert.equal(answer.status(), 200, `assigning: ${await answer.text()}`);
  const done = await answer.json();
  assert.equal(done.status, 'done');
  assert.equal(done.new_therapist_name, kNew.name);
  assert.equal(typeof done.new_episode_id, 'number');
  state.newEpisodeId = done.new_episode_id;

  await page.getByRole('status').filter({ hasText: `care now continues with ${kNew.name}` }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'Choose the new therapist' }).count(), 0, 'nothing left to assign');
  await assertAccessible(page, 'the coordinator’s change page once assigned');
  await page.context().close();
});

test('the new therapist reads the handover: what was shared, and not what was kept back', async () => {
  assert.ok(state.newEpisodeId, 'the coordinator assigned in the test before');
  const page = await newPage(live.browser, live.server.baseUrl);
  await signIn(page, kNew.email);
  await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();

  const caseload = await callApi(page, 'GET', '/caseload');
  assert.equal(caseload.status, 200);
  const line = caseload.body.clients.find((l) => l.episode.id === state.newEpisodeId);
  assert.ok(line, `${kClient.name}'s new episode is on ${kNew.name}'s caseload`);
  assert.equal(line.episode.status, 'intake', 'the new episode starts in intake');

  const handover = await callApi(page, 'GET', `/episodes/${state.newEpisodeId}/handover`);
  assert.equal(handover.status, 200, JSON.stringify(handover.body));
  assert.deepEqual(handover.body.shared, kShared);
  assert.equal('measures' in handover.body, false, 'no questionnaires in the handover');
  assert.equal(handover.body.from_episode_id, state.oldEpisodeId);

  await page.goto(`/episodes/${state.newEpisodeId}`);
  await page.getByRole('heading', { level: 1, name: new RegExp(`^${escape(state.clientName)}.*feedback and progress`) }).waitFor();
  const section = page.getByRole('region', { name: 'Handover' });
  await section.getByText(/chose what to share/).waitFor();
  for (const name of ['Plan and goals', 'What helped and what did not', 'What they would like from their next therapist']) {
    await section.getByRole('heading', { level: 3, name }).waitFor();
  }
  await section.getByText(kPreferences).waitFor();
  await section.getByText(kHelped).waitFor();
  assert.equal(await section.getByRole('heading', { name: 'Questionnaires' }).count(), 0, 'the questionnaires he kept back are not shown');
  assert.equal(await section.getByRole('table').count(), 0, 'no table of questionnaires');
  await assertAccessible(page, 'the new episode with its handover');
  await assertFitsPhone(page, 'the new episode with its handover');
  await page.context().close();
});

test('the old episode ended as transferred, and the client finds his new therapist', async () => {
  assert.ok(state.newEpisodeId, 'the coordinator assigned in the test before');
  const daniel = await newPage(live.browser, live.server.baseUrl);
  await signIn(daniel, kOld.email);
  await daniel.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const summary = await callApi(daniel, 'GET', `/episodes/${state.oldEpisodeId}/discharge-summary`);
  assert.equal(summary.status, 200, JSON.stringify(summary.body));
  assert.equal(summary.body.draft, false, 'the old episode has ended');
  assert.equal(summary.body.ending.reason, 'transferred');
  // Nor does he read the handover of the episode that followed.
  const handover = await callApi(daniel, 'GET', `/episodes/${state.newEpisodeId}/handover`);
  assert.equal(handover.status, 404, 'the old therapist does not read the handover');

  await daniel.goto(`/episodes/${state.oldEpisodeId}/summary`);
  await daniel.getByRole('heading', { level: 1, name: 'Discharge summary' }).waitFor();
  const about = daniel.getByRole('region', { name: 'About this therapy' });
  await about.getByText('Transferred to another therapist', { exact: true }).waitFor();
  await about.getByText(new RegExp(escape(kNew.name))).waitFor();
  await daniel.context().close();

  const page = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(page, kClient.email);
  await page.getByRole('heading', { level: 1, name: `Hello, ${kClient.preferred}` }).waitFor();
  await page.getByRole('region', { name: 'Your therapist', exact: true }).getByText(kNew.name, { exact: true }).waitFor();
  await page.getByRole('region', { name: 'Your new therapist' }).getByText(new RegExp(`continues with ${escape(kNew.name)}`)).waitFor();
  assert.equal(await page.getByRole('region', { name: 'How the fit feels' }).count(), 0, 'the offer is answered');
  await assertAccessible(page, 'the client’s home after the change');
  await assertFitsPhone(page, 'the client’s home after the change');

  await page.getByRole('region', { name: 'Your summary of therapy' }).getByRole('link', { name: `Your summary of therapy with ${kOld.name}` }).click();
  await page.getByRole('heading', { level: 1, name: 'Your summary' }).waitFor();
  await page.getByRole('region', { name: 'Your therapy' }).getByText('You moved to another therapist', { exact: true }).waitFor();
  await page.context().close();
});
