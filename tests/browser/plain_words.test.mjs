// Words a client understands: the adult client, a 9-year-old child and a guardian each open every
// page they can reach from their home, on a 360 px phone, and read it. No page shows an internal
// key ("Goal 1 (g1)", "Homework h6"), a questionnaire code, "Session 0", the name of the statistic
// behind "do the orders agree?", a diagnosis code or a content hash outside the small verification
// footnote; none scrolls sideways. What changed between two versions marks the words taken out
// and put in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, callApi, demoServerAndBrowser, kDemo, newPage, signIn } from './harness.mjs';

const live = demoServerAndBrowser();

const kChild = 'leo.haddad@demo.rapport';
const kPhone = { width: 360, height: 740 };
// Enough for everything a person can reach in the demo clinic, with room to spare.
const kMaxPages = 40;

// What must never be read by a client or a guardian, each with a name for the report.
const kForbidden = [
  // A plan item's key on its own: "(g1)", " g1 ", "Goal 1 (g1)", "Homework h6", "p2:", but not a
  // time ("4pm"), a code word ("PHQ") or a word that merely starts with one of the letters.
  { what: 'an internal key', re: /(?<![\w.@/-])[pgbhim]\d{1,3}(?![\w@/-])/ },
  { what: 'a questionnaire code', re: /RAPPORT-CHECK|FIT-CHECK|PHQ-9|GAD-7|PSC-17|\bASQ\b/ },
  { what: '"Session 0"', re: /\bSession 0\b/i },
  { what: 'the statistic behind the agreement', re: /Kendall|\btau\b/i },
  // ICD-10 style: a capital letter, two digits and an optional decimal part ("F32.1", "F93").
  { what: 'a diagnosis code', re: /(?<![\w-])[A-Z]\d{2}(?:\.\d{1,2})?(?![\w-])/ },
  { what: 'a diagnosis', re: /\bDiagnosis:/ },
];
const kHash = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/;

// Counts the page's requests still on their way, so that a visit can wait for the page to settle.
function trackRequests(page) {
  let inflight = 0;
  page.on('request', () => (inflight += 1));
  page.on('requestfinished', () => (inflight -= 1));
  page.on('requestfailed', () => (inflight -= 1));
  return () => inflight;
}

// Until nothing has been loading for a short while: no request on its way, no "Loading …".
async function settle(page, inflight) {
  const deadline = Date.now() + 10_000;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 4) {
    const busy = inflight() > 0 || (await page.locator('.loading').count()) > 0;
    quiet = busy ? 0 : quiet + 1;
    await page.waitForTimeout(50);
  }
}

// Everything a reader can see on the page (folded-away parts opened), the text of every choice
// in a list, and the text outside the verification footnote where a hash would be looked for.
async function readPage(page) {
  return page.evaluate(() => {
    document.querySelectorAll('details').forEach((d) => {
      d.open = true;
    });
    const options = [...document.querySelectorAll('option')].map((o) => o.textContent).join('\n');
    const labels = [...document.querySelectorAll('[aria-label]')].map((el) => el.getAttribute('aria-label')).join('\n');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const outsideFootnote = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentElement?.closest('.footnote, script, style')) outsideFootnote.push(n.textContent);
    }
    return {
      text: `${document.body.innerText}\n${options}\n${labels}`,
      outsideFootnote: outsideFootnote.join(' '),
      scrollWidth: document.documentElement.scrollWidth,
      links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
    };
  });
}

function around(text, index, length) {
  return text.slice(Math.max(0, index - 40), index + length + 40).replace(/\s+/g, ' ').trim();
}

// What is wrong on one page, each as a line naming the page and the text found.
function findProblems(where, seen) {
  const found = [];
  for (const { what, re } of kForbidden) {
    const global = new RegExp(re.source, `${re.flags}g`);
    for (const m of seen.text.matchAll(global)) found.push(`${where}: ${what} "${m[0]}" in "… ${around(seen.text, m.index, m[0].length)} …"`);
  }
  const hash = kHash.exec(seen.outsideFootnote);
  if (hash) found.push(`${where}: a content hash outside the verification footnote ("${hash[0].slice(0, 12)}…")`);
  if (seen.scrollWidth > kPhone.width + 1) found.push(`${where}: scrolls sideways (${seen.scrollWidth}px wide at ${kPhone.width}px)`);
  return found;
}

// Links within the app that a visit may follow: same origin, not the API, not signing out.
function followable(href, origin) {
  const url = new URL(href);
  if (url.origin !== origin || url.pathname.startsWith('/api/')) return undefined;
  if (/sign-?out|log-?out|^\/sign-in/.test(url.pathname)) return undefined;
  return url.pathname + url.search;
}

// Signs in at phone width and reads every page reachable from home, breadth first; also the
// feedback, account and help pages, and the changes between each version and the one before.
// Returns { visited, problems }.
async function crawl(email) {
  const page = await newPage(live.browser, live.server.baseUrl, kPhone.width, kPhone.height);
  const inflight = trackRequests(page);
  await signIn(page, email);
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
  const origin = new URL(live.server.baseUrl).origin;
  const queue = ['/', '/feedback', '/account', '/help'];
  const queued = new Set(queue);
  const visited = [];
  const problems = [];
  const enqueue = (path) => {
    if (!path || queued.has(path) || queued.size >= kMaxPages) return;
    queued.add(path);
    queue.push(path);
  };
  while (queue.length > 0) {
    const path = queue.shift();
    await page.goto(path);
    await settle(page, inflight);
    visited.push(path);
    const seen = await readPage(page);
    problems.push(...findProblems(`${email} ${path}`, seen));
    for (const href of seen.links) enqueue(followable(href, origin));
    const version = /^\/episodes\/(\d+)\/plan\/versions\/(\d+)$/.exec(path);
    if (version && Number(version[2]) > 1) {
      enqueue(`/episodes/${version[1]}/plan/compare?from=${Number(version[2]) - 1}&to=${version[2]}`);
    }
  }
  await page.context().close();
  return { visited, problems };
}

async function readsPlainly(email, mustVisit) {
  const { visited, problems } = await crawl(email);
  for (const re of mustVisit) assert.ok(visited.some((p) => re.test(p)), `${email} reached no page like ${re} (visited ${visited.join(', ')})`);
  assert.deepEqual(problems, [], `${email} visited ${visited.length} pages:\n${visited.join('\n')}`);
}

test('the adult client reads every page they can reach in plain words, at 360 px', async () => {
  await readsPlainly(kDemo.client, [/^\/episodes\/\d+\/plan$/, /\/plan\/versions\/\d+\/print$/, /\/plan\/compare\?/]);
});

test('a 9-year-old client reads every page they can reach in plain words, at 360 px', async () => {
  await readsPlainly(kChild, [/^\/episodes\/\d+\/plan$/, /\/plan\/versions\/\d+$/]);
});

test('a guardian reads every page they can reach in plain words, at 360 px', async () => {
  await readsPlainly(kDemo.guardian, [/^\/episodes\/\d+\/plan$/, /\/plan\/versions\/\d+$/]);
});

test('what changed between two versions marks the words taken out and put in, at 360 px', async () => {
  // The client's plan, and the therapist proposing a third version that rewords a goal.
  const client = await newPage(live.browser, live.server.baseUrl, kPhone.width, kPhone.height);
  const inflight = trackRequests(client);
  await signIn(client, kDemo.client);
  await client.getByRole('region', { name: 'Your plan' }).getByRole('link', { name: 'My plan' }).click();
  await client.waitForURL(/\/episodes\/\d+\/plan$/);
  const episodeId = Number(/\/episodes\/(\d+)\/plan$/.exec(new URL(client.url()).pathname)[1]);

  const therapist = await newPage(live.browser, live.server.baseUrl);
  await signIn(therapist, kDemo.therapist);
  await therapist.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
  const overview = await callApi(therapist, 'GET', `/episodes/${episodeId}/plan`);
  assert.equal(overview.status, 200, JSON.stringify(overview.body));
  const agreed = overview.body.agreed_number;
  const content = structuredClone(overview.body.current.content);
  const goal = content.goals.find((g) => /30 minutes/.test(g.description));
  assert.ok(goal, 'the demo plan has a sleep goal');
  goal.description = goal.description.replace('30 minutes', '20 minutes');
  const draft = await callApi(therapist, 'POST', `/episodes/${episodeId}/plan/versions`, { content });
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  const proposed = await callApi(therapist, 'POST', `/episodes/${episodeId}/plan/versions/${draft.body.number}/propose`, {});
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  await therapist.context().close();

  const problems = [];
  for (const path of [`/episodes/${episodeId}/plan`, `/episodes/${episodeId}/plan/compare?from=${agreed}&to=${draft.body.number}`]) {
    await client.goto(path);
    await settle(client, inflight);
    const changes = client.locator('table.plan-changes').first();
    await changes.waitFor();
    await client.getByText('Words taken out are struck through; words put in are underlined.').first().waitFor();
    assert.deepEqual(await changes.locator('del').allInnerTexts(), ['30'], `${path}: the word taken out`);
    assert.deepEqual(await changes.locator('ins').allInnerTexts(), ['20'], `${path}: the word put in`);
    // Struck through and underlined, not told by colour alone; a screen reader hears which is which.
    const looks = await changes.evaluate((table) => {
      const del = table.querySelector('del');
      const ins = table.querySelector('ins');
      return {
        del: getComputedStyle(del).textDecorationLine,
        ins: getComputedStyle(ins).textDecorationLine,
        said: table.textContent,
        text: table.innerText,
        scrollWidth: document.documentElement.scrollWidth,
      };
    });
    assert.match(looks.del, /line-through/);
    assert.match(looks.ins, /underline/);
    assert.match(looks.said, /taken out/);
    assert.match(looks.said, /put in/);
    // The rest of these pages is read by the tests above; here, the changes themselves.
    problems.push(...findProblems(`${kDemo.client} ${path}`, { text: looks.text, outsideFootnote: looks.said, scrollWidth: looks.scrollWidth }));
    if (path.includes('/compare')) await assertAccessible(client, 'what changed between two versions, at 360 px');
  }
  assert.deepEqual(problems, []);
  await client.context().close();
});
