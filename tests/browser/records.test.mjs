// The record's basics and what is done with it, in the browser: the client keeps their contact
// details and the risk alert shows them; the client asks to move an appointment and the therapist
// moves it; the admin searches the audit log for every read of one client's record by one
// person; and after a risk answer the client's home is not upbeat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, assertFitsPhone, callApi, demoServerAndBrowser, kDemo, newPage, signIn } from './harness.mjs';
import { clientEpisodeId } from './checkin.mjs';

const live = demoServerAndBrowser();

async function signedIn(email, width = 1280, height = 900) {
  const page = await newPage(live.browser, live.server.baseUrl, width, height);
  await signIn(page, email);
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => {});
  return page;
}

async function myId(page) {
  return (await callApi(page, 'GET', '/me')).body.user.id;
}

test('the client keeps their contact details, a bad number is named, and the risk alert shows them', async () => {
  const client = await signedIn(kDemo.client, 360, 740);
  const clientId = await myId(client);
  await client.goto('/account');
  const card = client.getByRole('region', { name: 'How to reach you' });
  await card.getByRole('button', { name: 'Change your contact details' }).click();
  await card.getByLabel(/^Phone/).fill('call me');
  await card.getByRole('button', { name: 'Save contact details' }).click();
  await card.locator('.field-error').first().waitFor();
  assert.match(await card.locator('.field--invalid').first().innerText(), /Phone/);
  assert.equal((await callApi(client, 'GET', `/clients/${clientId}/contact`)).body.phone, '', 'nothing stored');

  await card.getByLabel(/^Phone/).fill('+44 20 7946 0958');
  await card.getByLabel('Their name').fill('Ana Reyes');
  await card.getByLabel('How they are related').fill('sister');
  await card.getByLabel('Their phone').fill('020 7946 0000');
  await card.getByLabel('Pronouns').fill('they/them');
  await card.getByRole('button', { name: 'Save contact details' }).click();
  await card.getByText('Saved.').waitFor();
  await card.getByText('Ana Reyes (sister)').waitFor();
  await assertAccessible(client, 'the account page with contact details');
  await assertFitsPhone(client, 'the account page with contact details');

  // A risk answer, and the therapist's alert page says how to reach them and whom to call.
  const episodes = (await callApi(client, 'GET', `/clients/${clientId}`)).body.episodes.filter((e) => !e.ended_at);
  const answers = Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((i) => [`phq9_${i}`, 1]));
  answers.phq9_9 = 1;
  const sent = await callApi(client, 'POST', `/episodes/${episodes[0].id}/responses`, { instrument: 'PHQ-9', respondent: 'client', answers });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));

  const therapist = await signedIn(kDemo.therapist);
  const alerts = (await callApi(therapist, 'GET', '/alerts?state=open')).body;
  const risk = alerts.find((a) => a.client_id === clientId && a.kind === 'risk');
  assert.ok(risk, `an open risk alert for the client: ${JSON.stringify(alerts)}`);
  await therapist.goto(`/alerts/${risk.id}`);
  const reach = therapist.getByRole('region', { name: /How to reach/ });
  await reach.getByRole('link', { name: '+44 20 7946 0958' }).waitFor();
  await reach.getByText('Ana Reyes (sister)').waitFor();
  assert.equal(await reach.getByRole('link', { name: '020 7946 0000' }).getAttribute('href'), 'tel:02079460000');

  // The client's home says what is true and nothing upbeat.
  await client.goto('/');
  const progress = client.getByRole('region', { name: 'Your progress' });
  await progress.waitFor();
  const words = await progress.innerText();
  assert.match(words, /alerted/);
  assert.doesNotMatch(words, /improved|better than when you started/i);
  await client.context().close();
  await therapist.context().close();
});

test('the client asks to move their next appointment and the therapist moves it', async () => {
  const client = await signedIn(kDemo.client, 360, 740);
  const next = client.getByRole('region', { name: 'Your next appointment' });
  await next.getByRole('button', { name: 'Ask to move it' }).click();
  const form = next.getByRole('form', { name: 'Ask to move' });
  await form.getByText(/hours’ notice/).waitFor();
  // Moving needs the client's words: the error sits by the field.
  await form.getByRole('button', { name: 'Send: please move' }).click();
  await form.locator('.field-error').waitFor();
  await form.getByLabel('Which days or times would suit you?').fill('Any afternoon next week');
  await form.getByRole('button', { name: 'Send: please move' }).click();
  await next.getByRole('status').filter({ hasText: 'You asked to move this appointment' }).waitFor();
  await assertAccessible(client, 'the client home with a request waiting');
  await assertFitsPhone(client, 'the client home with a request waiting');

  const therapist = await signedIn(kDemo.therapist);
  const requests = therapist.getByRole('region', { name: 'Appointment requests' });
  const request = requests.getByRole('group', { name: /asks to move an appointment/ });
  await request.getByText('“Any afternoon next week”').waitFor();
  await assertAccessible(therapist, 'the caseload with an appointment request');
  const when = new Date(Date.now() + 9 * 24 * 3600 * 1000);
  when.setMinutes(0, 0, 0);
  const local = new Date(when.getTime() - when.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await request.getByLabel('New date and time').fill(local);
  await request.getByRole('button', { name: 'Move the appointment' }).click();
  await requests.waitFor({ state: 'detached' });

  await client.reload();
  await client.getByRole('region', { name: 'Your next appointment' }).getByText(/moved this appointment|Ask to move it/).first().waitFor();
  const mine = (await callApi(client, 'GET', '/appointments')).body;
  assert.ok(mine.some((a) => Math.abs(Date.parse(a.starts_at) - when.getTime()) < 60_000), 'the appointment is at its new time');
  await client.context().close();
  await therapist.context().close();
});

test('the admin finds every read of one client’s record by one person, and who has looked', async () => {
  // The therapist looks at the client's record.
  const therapist = await signedIn(kDemo.therapist);
  const episodeId = await clientEpisodeId(therapist);
  const clients = (await callApi(therapist, 'GET', '/clients')).body;
  const jordan = clients.find((c) => c.email === kDemo.client);
  await therapist.goto(`/clients/${jordan.id}`);
  await therapist.getByRole('heading', { level: 1, name: jordan.display_name }).waitFor();
  await therapist.goto(`/episodes/${episodeId}`);
  await therapist.getByRole('heading', { level: 1 }).waitFor();
  const sofia = (await callApi(therapist, 'GET', '/me')).body.user;
  await therapist.context().close();

  const admin = await signedIn(kDemo.admin);
  await admin.goto('/audit');
  const search = admin.getByRole('form', { name: 'Search the audit log' });
  await search.getByLabel('Client').selectOption({ label: jordan.display_name });
  await search.getByLabel('Person').selectOption(String(sofia.id));
  await search.getByLabel('Action').selectOption('read');
  await search.getByRole('button', { name: 'Search' }).click();
  await admin.waitForURL(`**/audit?client=${jordan.id}&person=${sofia.id}&action=read`);
  // The whole search, as the server holds it.
  const all = (await callApi(admin, 'GET', `/audit?client=${jordan.id}&person=${sofia.id}&action=read&limit=200`)).body.entries;
  // The page shows the search's results once they have replaced the unfiltered list it showed
  // before: as many entries as the search holds (a page of 25 at most), each a read by that person.
  const entries = admin.getByRole('list', { name: 'Audit entries' });
  await admin.waitForFunction(
    ([n, who]) => {
      const list = document.querySelector('[aria-label="Audit entries"]');
      const items = list ? [...list.querySelectorAll(':scope > li')] : [];
      return items.length === n && items.every((li) => li.innerText.includes(who) && li.innerText.includes('looked at'));
    },
    [Math.min(all.length, 25), sofia.display_name],
  );
  // Every entry shown is a read by that person of that client's record, in words.
  const shown = await entries.getByRole('listitem').allInnerTexts();
  for (const text of shown) {
    assert.match(text, new RegExp(`${sofia.display_name}.*looked at.*${jordan.display_name}`, 's'), text);
  }
  // And every such read is found: the page holds what the server's whole search holds.
  assert.equal(shown.length, Math.min(all.length, 25));
  assert.ok(all.length >= 2, 'the reads just made are among them');
  // Who has looked at the record, for the admin.
  const readers = admin.getByRole('region', { name: /Who has looked at/ });
  await readers.getByRole('rowheader', { name: sofia.display_name }).waitFor();
  assert.match(await admin.getByRole('link', { name: 'Download these entries (CSV)' }).getAttribute('href'), /client=\d+&person=\d+&action=read/);
  await assertAccessible(admin, 'the audit search');
  await assertFitsPhone(admin, 'the audit search');
  await admin.context().close();
});
