// Secure messages between sessions, in two browsers at once. The demo seeds three messages on
// Jordan's episode with Sofia: Jordan's first (read by Sofia), Sofia's reply (read by Jordan) and
// Jordan's last, which Sofia has not opened yet. Jordan sees the thread on their home with the
// crisis lines beside the box and "Not read yet" on the last; Sofia opens the episode, sees it
// as new, and from then on it shows as read to Jordan. Jordan writes; Sofia's open page shows it
// through the live connection. An empty message and one the server refuses show their error
// beside the box and add nothing. "Download my messages" gives Jordan a JSON file of them. A
// supervisor reads the thread without a box; a guardian's home has none of Jordan's messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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

const kTherapist = 'Sofia Lindqvist';
const kFirst = 'work has been full on this week';
const kReply = 'Of course, Jordan.';
const kLast = 'Thank you. I filled the diary in most nights, even the bad ones.';
const kNewLines = ['Could we look at the diary together on Thursday?', 'Tuesday was hard to write down.'];

// The thread's region on Jordan's home and its list of messages.
function clientThread(page) {
  const region = page.getByRole('region', { name: `Messages with ${kTherapist}` });
  return { region, list: region.getByRole('list', { name: /^Messages, oldest first/ }) };
}

function staffThread(page) {
  const region = page.getByRole('region', { name: 'Messages', exact: true });
  return { region, list: region.getByRole('list', { name: /^Messages, oldest first/ }) };
}

function message(list, words) {
  return list.getByRole('listitem').filter({ hasText: words });
}

// POSTs of new messages made by a page, to prove that a refused message never left it.
function countSends(page) {
  const sent = { n: 0 };
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/v1\/episodes\/\d+\/messages$/.test(r.url())) sent.n++;
  });
  return sent;
}

test('client and therapist write to each other between sessions, with read receipts, live updates and the export', async () => {
  // Jordan, on a phone.
  const jordan = await newPage(live.browser, live.server.baseUrl, 390, 844);
  const jordanSends = countSends(jordan);
  await signIn(jordan, kDemo.client);
  const mine = clientThread(jordan);
  await mine.list.waitFor();
  await message(mine.list, kReply).getByText(kTherapist).waitFor();
  await message(mine.list, kFirst).getByText('You', { exact: true }).waitFor();
  await message(mine.list, kFirst).getByText(/^Read /).waitFor();
  await message(mine.list, kLast).getByText('Not read yet').waitFor();
  assert.equal(await mine.list.getByRole('listitem').count(), 3);
  // Sofia's reply carries no receipt for Jordan: receipts are on one's own messages.
  assert.equal(await message(mine.list, kReply).getByText(/^(Read|Not read)/).count(), 0);

  // Beside the box: when messages are read, and the crisis lines of Jordan's country.
  const box = mine.region.getByRole('textbox', { name: `Message to ${kTherapist}` });
  await box.waitFor();
  const note = mine.region.getByRole('group', { name: 'When messages are read' });
  await note.getByText(/not watched around the clock/).waitFor();
  await note.getByText(/If you are in danger now/).waitFor();
  const help = (await callApi(jordan, 'GET', '/help')).body;
  await note.getByRole('link', { name: `Call ${help.emergency_number}` }).waitFor();
  assert.ok(help.lines.length > 0, 'the demo client has crisis lines');
  for (const line of help.lines) await note.getByRole('heading', { level: 4, name: line.name }).waitFor();
  await note.getByRole('link', { name: 'Get help now' }).waitFor();
  await assertAccessible(jordan, 'the client home with messages');
  await assertFitsPhone(jordan, 'the client home with messages');
  assert.deepEqual(await smallTouchTargets(jordan), [], 'touch targets on the client home');

  // Sofia opens Jordan's episode: the thread, with Jordan's last message new to her.
  const sofia = await newPage(live.browser, live.server.baseUrl);
  await signIn(sofia, kDemo.therapist);
  const row = sofia.getByRole('region', { name: 'Clients' }).getByRole('listitem').filter({ hasText: 'Jordan Reyes' });
  const marked = sofia.waitForResponse((r) => r.request().method() === 'POST' && /\/messages\/read$/.test(r.url()));
  await row.getByRole('link', { name: /Feedback and progress/ }).click();
  await sofia.getByRole('heading', { level: 1, name: /^Jordan.*feedback and progress/ }).waitFor();
  const episodeId = Number(/\/episodes\/(\d+)/.exec(sofia.url())[1]);
  const hers = staffThread(sofia);
  await hers.region.getByText('1 new message').waitFor();
  const last = message(hers.list, kLast);
  await last.getByText('New', { exact: true }).waitFor();
  await message(hers.list, kReply).getByText('You', { exact: true }).waitFor();
  await message(hers.list, kReply).getByText(/^Read /).waitFor();
  // Only once the thread is on her screen is it marked read.
  await last.scrollIntoViewIfNeeded();
  const receipt = await marked;
  assert.equal(receipt.status(), 200);
  assert.deepEqual(await receipt.json(), { marked: 1 });
  await assertAccessible(sofia, 'the episode page with messages');

  // Jordan's page, reloaded, shows the last message as read.
  await jordan.reload();
  await message(mine.list, kLast).getByText(/^Read /).waitFor();

  // An empty message: an error beside the box, and nothing is sent.
  const send = mine.region.getByRole('button', { name: 'Send' });
  await send.click();
  await mine.region.getByText('Write a message first.', { exact: true }).waitFor();
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  assert.match((await box.evaluate((el) => el.getAttribute('aria-describedby'))) ?? '', /\S/);
  assert.equal(await box.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby').split(' ').pop()).textContent), 'Write a message first.');
  assert.equal(jordanSends.n, 0, 'an empty message is not sent');
  // One the server refuses (a character that reverses text): its words beside the box.
  await box.fill('Hello \u202Eevil');
  await send.click();
  await mine.region.getByText('Your message holds a character that hides or reverses text.', { exact: true }).waitFor();
  assert.equal(jordanSends.n, 1);
  assert.equal(await mine.list.getByRole('listitem').count(), 3, 'a refused message is not added');
  await mine.region.getByRole('status').filter({ hasText: /Not sent/ }).waitFor({ state: 'attached' });

  // Jordan writes, by keyboard, with a line break; Sofia's open page shows it at once.
  await box.fill('');
  await box.focus();
  await jordan.keyboard.type(kNewLines[0]);
  await jordan.keyboard.press('Shift+Enter');
  await jordan.keyboard.type(kNewLines[1]);
  await mine.region.getByText(`${kNewLines.join('\n').length} of 4000 characters`).waitFor();
  await jordan.keyboard.press('Tab');
  await jordan.keyboard.press('Enter');
  const sentItem = message(mine.list, kNewLines[0]);
  await sentItem.getByText('Not read yet').waitFor();
  await mine.region.getByRole('status').filter({ hasText: 'Message sent.' }).waitFor({ state: 'attached' });
  assert.equal(await box.inputValue(), '', 'the box is empty once sent');
  const shownText = await sentItem.locator('.message__body').evaluate((el) => el.innerText);
  assert.equal(shownText, kNewLines.join('\n'), 'the line break is kept');

  const arrived = message(hers.list, kNewLines[0]);
  await arrived.waitFor();
  await arrived.getByText('Jordan', { exact: false }).first().waitFor();
  await hers.region.getByRole('status').filter({ hasText: /^New message from Jordan/ }).waitFor({ state: 'attached' });
  // The words are text, never markup.
  assert.equal(await arrived.locator('.message__body').evaluate((el) => el.children.length), 0);

  // Sofia answers; with Sofia's page in front and the thread on screen, Jordan's message is read.
  const sofiaBox = hers.region.getByRole('textbox', { name: /^Message to Jordan/ });
  await sofiaBox.fill('Yes, let’s do that.');
  await hers.region.getByRole('button', { name: 'Send' }).click();
  await message(hers.list, 'Yes, let’s do that.').getByText('Not read yet').waitFor();
  await message(mine.list, 'Yes, let’s do that.').waitFor();

  // "Download my messages": a JSON file of Jordan's messages.
  const [download] = await Promise.all([
    jordan.waitForEvent('download'),
    mine.region.getByRole('link', { name: 'Download my messages' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'rapport-messages.json');
  const file = JSON.parse(await readFile(await download.path(), 'utf8'));
  const episode = file.episodes.find((e) => e.episode_id === episodeId);
  assert.ok(episode, 'the export holds Jordan’s episode with Sofia');
  const bodies = episode.messages.map((m) => m.body);
  assert.ok(bodies.some((b) => b.includes(kFirst)));
  assert.ok(bodies.includes(kLast));
  assert.ok(bodies.includes(kNewLines.join('\n')));
  assert.ok(bodies.includes('Yes, let’s do that.'));

  await jordan.context().close();
  await sofia.context().close();

  // The supervisor reads along: the thread without a box, and the server's reason why.
  const supervisor = await newPage(live.browser, live.server.baseUrl);
  await signIn(supervisor, kDemo.supervisor);
  await supervisor.getByRole('heading', { level: 1, name: 'Supervision overview' }).waitFor();
  await supervisor.goto(`/episodes/${episodeId}`);
  const theirs = staffThread(supervisor);
  await message(theirs.list, kLast).getByText(/^Read by Sofia Lindqvist/).waitFor();
  await theirs.region.getByText('Only the client and their therapist write messages here.').waitFor();
  assert.equal(await theirs.region.getByRole('textbox').count(), 0);
  await supervisor.context().close();

  // Jordan's messages are nobody else's: a guardian's home shows none of them (at most their own
  // child's, to read), and the server would not give them.
  const guardian = await newPage(live.browser, live.server.baseUrl);
  await signIn(guardian, kDemo.guardian);
  await guardian.getByRole('heading', { level: 3, name: 'Next appointment' }).first().waitFor();
  assert.equal(await guardian.getByRole('region', { name: `Messages with ${kTherapist}` }).count(), 0);
  assert.equal(await guardian.getByText(kLast).count(), 0);
  assert.ok([403, 404].includes((await callApi(guardian, 'GET', `/episodes/${episodeId}/messages`)).status), 'not a guardian’s to read');
  await guardian.context().close();
});
