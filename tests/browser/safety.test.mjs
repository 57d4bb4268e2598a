// A risk answer reaches a person: the administrator sets up the clinic's webhook, hours and
// on-call cover on the safety page; a client's risk answer then shows the treating therapist a
// banner at once (no reload), sends them an e-mail that names no client and calls the clinic's
// webhook with a valid signature; the client is told what happens, in the server's words. When
// nobody acknowledges in time, the supervisor and the on-call clinician are told; once the
// therapist acknowledges, nothing more is sent. "Get help now" is on every client page and shows
// the crisis lines of the clinic's country.
//
// The server runs with --smtp-url (a local sink that keeps each message as files) and
// --test-clock (POST /api/v1/test/clock moves the server's clock on, so no test waits minutes).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertAccessible, callApi, demoServerAndBrowser, kDemo, newPage, signIn } from './harness.mjs';
import { askWholeCheckInEverySession, bookSession, clearDraft, clientEpisodeId, leftStep, stepName } from './checkin.mjs';

const kWait = 10_000;
const kWebhookSecret = 'whsec_browser_test_secret';
const kDays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

// --- A mail sink and a webhook receiver, started before the server that uses them ------------

const mailDir = mkdtempSync(join(tmpdir(), 'rapport-mail-'));
let sink = null;
let receiver = null;

function startSmtpSink(dir) {
  const script = fileURLToPath(new URL('../support/smtp_sink.py', import.meta.url));
  const child = spawn('python3', [script, '--timeout', '600', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the SMTP sink did not start:\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), stop: () => child.kill('SIGTERM') });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the SMTP sink exited with ${code}:\n${stderr}`));
    });
  });
}

// Answers 200 to every call and keeps its exact body bytes and signature header.
async function startWebhookReceiver() {
  const calls = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      calls.push({ signature: String(req.headers['x-rapport-signature'] ?? ''), body: Buffer.concat(chunks) });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { calls, url: `http://127.0.0.1:${server.address().port}/rapport-alerts`, close: () => server.close() };
}

// "t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>": true when a v1 matches.
function validSignature(header, body, secret) {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
  if (!t || !/^\d+$/.test(t) || signatures.length === 0) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  return signatures.some((s) => {
    const given = Buffer.from(s, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const live = demoServerAndBrowser(async () => {
  sink = await startSmtpSink(mailDir);
  receiver = await startWebhookReceiver();
  return { extraArgs: ['--smtp-url', `smtp://127.0.0.1:${sink.port}`, '--test-clock'] };
});

after(() => {
  sink?.stop();
  receiver?.close();
  rmSync(mailDir, { recursive: true, force: true });
});

// --- Reading what the sink received -----------------------------------------------------------

// A message's readable text: headers as sent, and every part's body decoded from
// quoted-printable or base64, so that a check for a name cannot pass only because it was encoded.
function decodePart(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers = head.replace(/\r\n[ \t]+/g, ' ');
  const boundary = /content-type:\s*multipart\/[^\r\n]*boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  if (boundary) {
    const parts = body.split(`--${boundary}`).slice(1, -1);
    return [headers, ...parts.map((p) => decodePart(p.replace(/^\r\n/, '')))].join('\n');
  }
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    text = Buffer.from(bytes, 'latin1').toString('utf8');
  } else if (encoding === 'base64') {
    text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return `${headers}\n\n${text}`;
}

function mails() {
  return readdirSync(mailDir)
    .filter((f) => /^message-\d+\.json$/.test(f))
    .sort()
    .map((f) => {
      const meta = JSON.parse(readFileSync(join(mailDir, f), 'utf8'));
      const raw = readFileSync(join(mailDir, meta.data_file)).toString('latin1');
      return { file: f, to: meta.rcpt_tos.map((a) => a.toLowerCase()), text: decodePart(raw) };
    });
}

async function poll(what, check, timeout = kWait) {
  const until = Date.now() + timeout;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > until) assert.fail(`${what} within ${timeout / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const mailTo = (address, after = 0) => () => mails().slice(after).find((m) => m.to.includes(address.toLowerCase()));

// --- Talking to the server as a signed-in page does ----------------------------------------

async function advanceClock(minutes) {
  const r = await fetch(`${live.server.baseUrl}/api/v1/test/clock`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ advance_minutes: minutes }),
  });
  assert.ok(r.ok, `the test clock moved on (${r.status} ${await r.text()})`);
}

async function setClinicCountry(admin, country) {
  const got = await callApi(admin, 'GET', '/clinic/safety');
  assert.equal(got.status, 200, JSON.stringify(got.body));
  const put = await callApi(admin, 'PUT', '/clinic/safety', { settings: { ...got.body.settings, country } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
}

// Shared by the tests below, which run in order: the people of the demo clinic and the alert.
const flow = {};

test('the administrator sets the webhook, round-the-clock hours, the clinic country and an on-call shift on the safety page', async () => {
  const admin = await newPage(live.browser, live.server.baseUrl);
  await signIn(admin, kDemo.admin);
  await admin.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  const users = (await callApi(admin, 'GET', '/users')).body;
  const byEmail = (email) => users.find((u) => u.email === email);
  flow.therapist = byEmail(kDemo.therapist);
  flow.supervisor = byEmail(kDemo.supervisor);
  // The demo supervisor already supervises the therapist: another clinician is on call, so that
  // the escalation has two different people to reach.
  flow.onCall = users.find((u) => u.role === 'therapist' && u.email !== kDemo.therapist && u.active !== false);
  assert.ok(flow.therapist && flow.supervisor && flow.onCall, 'the demo clinic has a therapist, a supervisor and another therapist');

  await admin.getByRole('link', { name: 'Safety and alerts' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Safety and alerts' }).waitFor();

  const channels = admin.getByRole('region', { name: 'How alerts leave Rapport' });
  await channels.getByLabel('Webhook address').fill(receiver.url);
  await channels.getByLabel('Webhook secret').fill(kWebhookSecret);
  await channels.getByRole('button', { name: 'Save how alerts leave Rapport' }).click();
  await channels.getByText('A secret is set').waitFor({ timeout: kWait });

  // Open all day, every day: the escalation wait is the in-hours one whatever the real time.
  const hours = admin.getByRole('region', { name: 'Hours and escalation' });
  for (const day of kDays) {
    await hours.getByLabel(`Open on ${day}`).check();
    await hours.getByLabel(`${day} opening time`).fill('00:00');
    await hours.getByLabel(`${day} closing time`).fill('24:00');
  }
  await hours.getByLabel('Country for crisis lines').selectOption('GB');
  await hours.getByLabel('Minutes to wait while the clinic is open').fill('15');
  await hours.getByRole('button', { name: 'Save hours and escalation' }).click();
  await hours.getByText('Hours and escalation saved.').waitFor({ timeout: kWait });
  await hours.getByText('The clinic is open now.').waitFor();

  const rota = admin.getByRole('region', { name: 'On-call rota' });
  await rota.getByLabel('Clinician').selectOption({ label: flow.onCall.display_name });
  // From an hour ago to a day ahead, in the browser's own time zone as the field reads it.
  const [starts, ends] = await admin.evaluate(() => {
    const local = (ms) => {
      const d = new Date(ms);
      const p = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    };
    return [local(Date.now() - 3600_000), local(Date.now() + 24 * 3600_000)];
  });
  await rota.getByLabel('Starts').fill(starts);
  await rota.getByLabel('Ends').fill(ends);
  await rota.getByRole('button', { name: 'Add the shift' }).click();
  await rota.getByRole('listitem').filter({ hasText: flow.onCall.display_name }).getByText('On call now').waitFor({ timeout: kWait });
  await assertAccessible(admin, 'the safety page');

  await admin.goto('/');
  await admin.getByRole('link', { name: 'Mail outbox' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Mail outbox' }).waitFor();
  await admin.locator('.loading').waitFor({ state: 'detached' });
  await assertAccessible(admin, 'the mail outbox');
  await admin.context().close();
});

test('a risk answer shows the therapist a banner at once, e-mails them without the client name and calls the signed webhook; the client is told what happens', async () => {
  assert.ok(flow.therapist, 'set up by the test before');
  const therapist = await newPage(live.browser, live.server.baseUrl);
  // The live connection is ready once the server has answered its hello; listen from the start,
  // so that an answer quicker than the caseload is not missed.
  const ready = new Promise((resolve) => {
    therapist.on('websocket', (ws) => {
      if (!ws.url().endsWith('/api/v1/live')) return;
      ws.on('framereceived', (f) => {
        if (/"type"\s*:\s*"ready"/.test(String(f.payload))) resolve(true);
      });
    });
  });
  await signIn(therapist, kDemo.therapist);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  await poll('the live connection ready', () => Promise.race([ready, new Promise((r) => setTimeout(() => r(false), 200))]));
  // A session of the client's that began 40 minutes ago, whose check-in asks PHQ-9 again.
  const episodeId = await clientEpisodeId(therapist);
  await askWholeCheckInEverySession(therapist, episodeId);
  const booked = await bookSession(therapist, episodeId, -40 * 60_000, 30);
  let navigations = 0;
  therapist.on('framenavigated', (frame) => {
    if (frame === therapist.mainFrame()) navigations++;
  });
  const caseloadUrl = therapist.url();
  const mailsBefore = mails().length;
  const callsBefore = receiver.calls.length;

  const client = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(client, kDemo.client);
  await client.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  flow.clientName = (await callApi(client, 'GET', '/me')).body.user.display_name;
  await clearDraft(client);
  await client.goto(`/feedback?appointment=${booked.id}`);
  const form = client.locator('form.feedback-form');
  await form.getByRole('progressbar').waitFor();
  const panel = client.locator('.crisis[role="alert"]');
  assert.equal(await panel.count(), 0, 'no crisis information before a risk answer');
  // On the phone, one question per screen: 7 on every rating, the first option of every other
  // choice but PHQ-9 item 9, Skip on a comment, until the last screen with the send button.
  const send = form.getByRole('button', { name: 'Send to my therapist' });
  let itemNine = 0;
  for (let i = 0; !(await send.count()); i++) {
    assert.ok(i < 100, 'the stepper reaches the send button');
    const name = await stepName(form);
    const group = form.locator('fieldset.question');
    if (await group.count()) {
      const legend = await group.locator('legend').innerText();
      const rating = (await group.getAttribute('class')).includes('rating');
      // PHQ-9 item 9: thoughts that you would be better off dead, or of hurting yourself.
      if (!rating && /better off dead|hurting yourself/i.test(legend)) {
        await group.getByRole('radio', { name: 'More than half the days', exact: true }).click();
        itemNine++;
        // The kept draft holds a risk answer: the client sees where to turn at once, before sending.
        await panel.waitFor({ timeout: kWait });
      } else {
        await (rating ? group.getByRole('radio', { name: '7', exact: true }) : group.getByRole('radio').first()).click();
      }
    } else {
      await form.getByRole('button', { name: /^(Skip|Next)$/ }).click();
    }
    await leftStep(form, name);
  }
  assert.equal(itemNine, 1, 'the form asks PHQ-9 item 9 once');
  const answered = client.waitForResponse(
    async (r) => r.request().method() === 'POST' && /\/responses$/.test(r.url()) && !!(await r.json().catch(() => null))?.crisis,
    { timeout: kWait },
  );
  await send.click();
  const { crisis } = await (await answered).json();

  // The client: what will happen first, in the server's words, then where to turn now; shown
  // again once the answers are sent, and focused so that it is announced first.
  await client.getByText(/Thank you — your answers have been sent to .+\./).waitFor({ timeout: kWait });
  await panel.waitFor({ timeout: kWait });
  assert.equal(await client.evaluate(() => document.activeElement?.classList.contains('crisis')), true, 'the crisis information has focus');
  assert.equal((await panel.getByRole('heading', { level: 2 }).innerText()).trim(), crisis.after_risk.headline);
  await panel.getByText(crisis.after_risk.body).waitFor();
  assert.ok((await panel.locator('a[href^="tel:"]').count()) >= 1, 'numbers to call as tel: links');
  assert.equal(await client.getByText(/before your next session/).count(), 0, 'no promise of when the answers are read');

  // The therapist: a banner on the page already open, without a reload.
  const banner = therapist.getByRole('alert').filter({ hasText: 'Risk answer' }).first();
  await banner.waitFor({ timeout: kWait });
  assert.equal(navigations, 0, 'the banner came without any navigation');
  assert.equal(therapist.url(), caseloadUrl);
  const open = banner.getByRole('link', { name: 'Open the alert' });
  const href = await open.getAttribute('href');
  assert.match(href, /^\/alerts\/\d+$/);
  flow.alertId = Number(href.split('/').pop());
  flow.therapistPage = therapist;

  // E-mail to the therapist that names no client, and a correctly signed webhook call.
  const mail = await poll(`a mail to ${kDemo.therapist}`, mailTo(kDemo.therapist, mailsBefore));
  for (const name of [flow.clientName, ...flow.clientName.split(/\s+/)]) {
    assert.ok(!mail.text.includes(name), `the alert mail holds the client's name "${name}":\n${mail.text}`);
  }
  const call = await poll('a webhook call', () => receiver.calls.slice(callsBefore)[0]);
  assert.ok(validSignature(call.signature, call.body, kWebhookSecret), `a valid X-Rapport-Signature: "${call.signature}"`);

  await open.click();
  await therapist.getByRole('heading', { level: 1, name: /^Alert for / }).waitFor();
  await therapist.getByRole('region', { name: 'Who was told' }).getByRole('row').filter({ hasText: flow.therapist.display_name }).first().waitFor();
  await client.context().close();
});

test('an alert nobody acknowledges reaches the supervisor and the on-call clinician, shown under "Who was told"; once acknowledged, nothing more is sent', async () => {
  assert.ok(flow.alertId && flow.therapistPage, 'the alert of the test before');
  const page = flow.therapistPage;
  const mailsBefore = mails().length;

  // The clinic waits 15 minutes in hours before telling the next people.
  await advanceClock(16);
  await poll(`a mail to ${kDemo.supervisor}`, mailTo(kDemo.supervisor, mailsBefore));
  await poll(`a mail to ${flow.onCall.email}`, mailTo(flow.onCall.email, mailsBefore));

  const told = page.getByRole('region', { name: 'Who was told' });
  await poll('the supervisor and the on-call clinician under "Who was told"', async () => {
    await page.reload();
    await told.getByRole('table').waitFor();
    const text = await told.innerText();
    return text.includes(flow.supervisor.display_name) && text.includes(flow.onCall.display_name);
  });
  await assertAccessible(page, 'the alert page');

  const card = page.getByRole('region', { name: 'What happened' });
  await card.getByRole('button', { name: 'Acknowledge' }).click();
  await card.getByLabel('What did you do?').fill('Called the client; we went through the safety plan together.');
  await card.getByRole('button', { name: 'Save acknowledgement' }).click();
  await page.getByRole('region', { name: 'Follow-up' }).getByText(`by ${flow.therapist.display_name}`).waitFor({ timeout: kWait });

  // Another wait past the escalation time: the alert is acknowledged, so nobody more is told.
  const deliveries = (await callApi(page, 'GET', `/alerts/${flow.alertId}`)).body.deliveries.length;
  const mailsAcknowledged = mails().length;
  await advanceClock(16);
  // As long as the first escalation took to arrive: a step due now would have come by then.
  await new Promise((r) => setTimeout(r, kWait));
  const after = (await callApi(page, 'GET', `/alerts/${flow.alertId}`)).body;
  assert.equal(after.deliveries.length, deliveries, `no more deliveries: ${JSON.stringify(after.deliveries.slice(deliveries))}`);
  const mentions = mails()
    .slice(mailsAcknowledged)
    .filter((m) => m.text.includes(`/alerts/${flow.alertId}`));
  assert.deepEqual(mentions.map((m) => m.to), [], 'no more mail about the alert');
  await page.context().close();
});

test('"Get help now" is on every client page and shows the crisis lines of the clinic\'s country', async () => {
  const admin = await newPage(live.browser, live.server.baseUrl);
  await signIn(admin, kDemo.admin);
  await admin.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await setClinicCountry(admin, 'GB');

  const client = await newPage(live.browser, live.server.baseUrl, 360, 740);
  await signIn(client, kDemo.client);
  await client.getByRole('heading', { level: 2, name: 'Your next appointment' }).waitFor();
  const me = (await callApi(client, 'GET', '/me')).body.user;
  const record = (await callApi(client, 'GET', `/clients/${me.id}`)).body;
  const episode = record.episodes.find((e) => e.status !== 'ended') ?? record.episodes[0];
  const pages = [
    ['/', () => client.getByRole('heading', { level: 2, name: 'Your next appointment' })],
    // The feedback page once its questions have loaded: on a phone the stepper (whatever its
    // schedules leave due, possibly the Rapport Check alone), or word that nothing is due.
    ['/feedback', () => client.locator('form.feedback-form progress').or(client.getByText('There are no questions for you right now.'))],
    [`/episodes/${episode.id}/plan`, () => client.getByRole('heading', { level: 1 })],
  ];
  for (const [path, ready] of pages) {
    await client.goto(path);
    await ready().waitFor();
    const help = client.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Get help now' });
    assert.equal(await help.getAttribute('href'), '/help', `"Get help now" on ${path}`);
  }

  await client.getByRole('link', { name: 'Get help now' }).click();
  await client.getByRole('heading', { level: 1, name: 'Get help now' }).waitFor();
  await client.locator('a[href="tel:999"]').waitFor({ timeout: kWait });
  await client.locator('a[href="tel:116123"]').waitFor();
  await client.getByText('United Kingdom', { exact: false }).first().waitFor();
  await client.getByRole('heading', { level: 2, name: 'What happens when you tell us on a form' }).waitFor();
  await assertAccessible(client, 'the help page');

  await setClinicCountry(admin, 'US');
  await client.reload();
  await client.locator('a[href="tel:911"]').waitFor({ timeout: kWait });
  await client.locator('a[href="tel:988"]').first().waitFor();
  assert.equal(await client.locator('a[href="tel:999"]').count(), 0, 'no UK number for a US clinic');
  await admin.context().close();
  await client.context().close();
});
