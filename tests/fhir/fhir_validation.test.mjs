// Every kind of FHIR resource `rapport serve` offers, fetched as the demo therapist from a real
// server over a fresh demo database, validated against the FHIR R4 structure definitions by
// the `fhir` npm package (offline). Any validation error, or any unexpected property, fails.
//
// Environment: RAPPORT_BIN (the rapport binary; the CTest registration sets it).

import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDemoServer } from '../demo_server.mjs';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { Fhir } = require('fhir');

const kPassword = 'demo-fhir-password-2026';
const kTherapist = 'therapist@demo.rapport';
const kFhirJson = 'application/fhir+json';

const fhir = new Fhir();
let server;

// The session cookie of a sign-in, for reads.
async function signIn(email) {
  return (await session(email)).cookie;
}

// Signs in and keeps what writes need: the session cookie and the CSRF token.
async function session(email) {
  const r = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: kPassword }),
  });
  assert.equal(r.status, 200, `sign-in as ${email}`);
  const body = await r.json();
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: body.csrf_token };
}

async function send(who, method, path, body) {
  const r = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { Cookie: who.cookie, 'X-CSRF-Token': who.csrf, 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function get(cookie, path) {
  const r = await fetch(`${server.baseUrl}${path}`, { headers: cookie ? { Cookie: cookie } : {} });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
}

// Validates one resource; returns the error messages (warnings about unexpected properties
// count as errors too, so nothing outside R4 slips through).
function problems(resource) {
  const result = fhir.validate(resource, { errorOnUnexpected: true });
  return result.messages
    .filter((m) => m.severity === 'error' || m.severity === 'fatal')
    .map((m) => `${m.location}: ${m.message}`);
}

function assertValid(resource, what) {
  assert.ok(resource && resource.resourceType, `${what}: not a resource`);
  const errors = problems(resource);
  assert.deepEqual(errors, [], `${what} is not valid R4:\n${errors.join('\n')}\n${JSON.stringify(resource, null, 1).slice(0, 3000)}`);
}

before(async () => {
  server = await startDemoServer({ password: kPassword });
});

after(async () => {
  if (server) await server.stop();
});

test('the validator rejects what is not R4', () => {
  // The check must be able to fail: an invented property and a malformed date.
  assert.notDeepEqual(problems({ resourceType: 'Patient', id: '1', birthDate: 'soon', mood: 'ok' }), []);
  assert.notDeepEqual(problems({ resourceType: 'Observation', id: 'x', code: { text: 'a' } }), [],
    'status is required');
  assert.notDeepEqual(
    problems({ resourceType: 'CarePlan', id: '1-1', status: 'superseded', intent: 'plan', subject: { reference: 'Patient/1' } }),
    [], 'a CarePlan status outside the R4 value set');
});

test('every FHIR resource the server offers validates against R4', async () => {
  const cookie = await signIn(kTherapist);
  const counts = {};
  const check = async (path, expectedType) => {
    const r = await get(cookie, path);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    assert.ok(r.type.startsWith(kFhirJson), `${path}: content type ${r.type}`);
    assert.equal(r.body.resourceType, expectedType, path);
    assertValid(r.body, path);
    counts[expectedType] = (counts[expectedType] ?? 0) + 1;
    return r.body;
  };

  await check('/fhir/metadata', 'CapabilityStatement');

  const instruments = (await get(cookie, '/api/v1/instruments')).body;
  assert.ok(instruments.length >= 5, 'the shipped questionnaires');
  const all = await check('/fhir/Questionnaire', 'Bundle');
  assert.equal(all.total, instruments.length);
  const byName = await check('/fhir/Questionnaire?name=phq', 'Bundle');
  assert.deepEqual(
    byName.entry.map((e) => e.resource.id),
    ['PHQ-9'],
  );
  for (const i of instruments) {
    const q = await check(`/fhir/Questionnaire/${encodeURIComponent(i.code)}`, 'Questionnaire');
    assert.equal(q.id, i.code);
  }

  const clients = (await get(cookie, '/api/v1/clients')).body;
  assert.ok(clients.length > 0, 'the demo therapist has clients');
  let responses = 0;
  let observations = 0;
  let signalObservations = 0;
  let loincPhq9 = 0;
  for (const c of clients) {
    await check(`/fhir/Patient/${c.id}`, 'Patient');
    const qr = await check(`/fhir/QuestionnaireResponse?subject=Patient/${c.id}`, 'Bundle');
    const obs = await check(`/fhir/Observation?subject=Patient/${c.id}`, 'Bundle');
    for (const bundle of [qr, obs]) {
      assert.equal(bundle.type, 'searchset');
      // One page: all of it when it fits, else the first hundred with a link to the next.
      assert.equal((bundle.entry ?? []).length, Math.min(bundle.total, 100));
      assert.equal(bundle.link.some((l) => l.relation === 'next'), bundle.total > 100);
      for (const e of bundle.entry ?? []) {
        assert.match(e.fullUrl, /^http:\/\/.+\/fhir\/(QuestionnaireResponse|Observation)\/.+$/);
        assert.ok(e.fullUrl.endsWith(`/${e.resource.resourceType}/${e.resource.id}`), e.fullUrl);
        // Each entry on its own as well, in case the validator is lenient inside bundles.
        assertValid(e.resource, e.fullUrl);
        assert.equal(e.resource.subject.reference, `Patient/${c.id}`);
      }
    }
    responses += (qr.entry ?? []).length;
    for (const e of obs.entry ?? []) {
      const o = e.resource;
      if (o.category[0].coding[0].code === 'rapport-signals') {
        // A held session's figures: tied to its Encounter, never derived from an answer.
        signalObservations += 1;
        assert.match(o.encounter.reference, /^Encounter\/\d+$/);
        assert.ok('valueQuantity' in o, e.fullUrl);
        continue;
      }
      observations += 1;
      assert.equal(o.category[0].coding[0].code, 'survey');
      assert.match(o.derivedFrom[0].reference, /^QuestionnaireResponse\/\d+$/);
      assert.ok('valueInteger' in o || 'valueQuantity' in o, e.fullUrl);
      if (o.code.coding[0].system === 'http://loinc.org' && o.code.coding[0].code === '44261-6') loincPhq9 += 1;
    }
    const phq9 = await check(
      `/fhir/Observation?subject=Patient/${c.id}&code=${encodeURIComponent('http://loinc.org|44261-6')}`,
      'Bundle',
    );
    for (const e of phq9.entry ?? []) assert.equal(e.resource.code.coding[0].code, '44261-6');
  }
  assert.ok(responses > 0, 'the demo histories give QuestionnaireResponses');
  assert.ok(signalObservations > 0, "the demo's held video sessions give signal Observations");

  // Sessions held in rooms (the demo's video and phone appointments) are virtual Encounters.
  let encounters = 0;
  for (const c of clients) {
    const bundle = await check(`/fhir/Encounter?subject=Patient/${c.id}`, 'Bundle');
    for (const e of bundle.entry ?? []) {
      encounters += 1;
      assertValid(e.resource, e.fullUrl);
      assert.equal(e.resource.class.code, 'VR');
      assert.equal(e.resource.status, 'finished');
      assert.equal(e.resource.subject.reference, `Patient/${c.id}`);
      assert.ok(e.resource.period.start < e.resource.period.end, e.fullUrl);
    }
    if (encounters > 0 && (bundle.entry ?? []).length > 0) {
      const one = await check(`/fhir/Encounter/${bundle.entry[0].resource.id}`, 'Encounter');
      assert.deepEqual(one, bundle.entry[0].resource);
    }
  }
  assert.ok(encounters > 0, 'the demo therapist held video sessions');
  assert.ok(observations > 0, 'and Observations');
  assert.ok(loincPhq9 > 0, 'PHQ-9 totals are coded with LOINC 44261-6');

  // Errors are OperationOutcomes, valid too.
  const missing = await get(cookie, '/fhir/Questionnaire/NOT-A-QUESTIONNAIRE');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.resourceType, 'OperationOutcome');
  assertValid(missing.body, 'OperationOutcome (404)');
  const bad = await get(cookie, '/fhir/Observation?subject=Practitioner/1');
  assert.equal(bad.status, 400);
  assertValid(bad.body, 'OperationOutcome (400)');
  const anonymous = await get(null, '/fhir/Patient/1');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.resourceType, 'OperationOutcome');
  assertValid(anonymous.body, 'OperationOutcome (401)');
  console.log(`validated: ${JSON.stringify(counts)}`);
});

test('a long search comes in pages that together hold every result once', async () => {
  const cookie = await signIn(kTherapist);
  const clients = (await get(cookie, '/api/v1/clients')).body;
  let longest = { total: 0 };
  for (const c of clients) {
    const first = await get(cookie, `/fhir/Observation?subject=Patient/${c.id}&_count=1`);
    assert.equal(first.status, 200);
    if (first.body.total > longest.total) longest = { id: c.id, total: first.body.total };
  }
  assert.ok(longest.total > 7, 'a demo client with a history');
  const seen = new Set();
  let next = `/fhir/Observation?subject=Patient/${longest.id}&_count=7`;
  let pages = 0;
  while (next) {
    const page = await get(cookie, next);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assertValid(page.body, next);
    assert.equal(page.body.total, longest.total, 'every page states the whole total');
    assert.ok((page.body.entry ?? []).length <= 7);
    for (const e of page.body.entry ?? []) {
      assert.ok(!seen.has(e.resource.id), `${e.resource.id} twice`);
      seen.add(e.resource.id);
    }
    const link = page.body.link.find((l) => l.relation === 'next');
    next = link ? new URL(link.url).pathname + new URL(link.url).search : null;
    pages += 1;
  }
  assert.equal(seen.size, longest.total);
  assert.equal(pages, Math.ceil(longest.total / 7));
  for (const bad of ['_count=0', '_count=1001', '_count=ten', '_offset=-1']) {
    const r = await get(cookie, `/fhir/Observation?subject=Patient/${longest.id}&${bad}`);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.resourceType, 'OperationOutcome');
    assertValid(r.body, `OperationOutcome for ${bad}`);
  }
});

test('an admin reads no clinical FHIR resources', async () => {
  const cookie = await signIn('admin@demo.rapport');
  const clients = (await get(await signIn(kTherapist), '/api/v1/clients')).body;
  const r = await get(cookie, `/fhir/Observation?subject=Patient/${clients[0].id}`);
  assert.ok(r.status === 403 || r.status === 404, `status ${r.status}`);
  assert.equal(r.body.resourceType, 'OperationOutcome');
});

// The treatment plan as FHIR: a plan made here through the API (so that every field is known),
// agreed, revised and agreed again, and every CarePlan, Goal, Condition and Provenance of the
// demo therapist's clients (the demo has plans in every state) checked against R4.
test('treatment plans validate as CarePlan, Goal, Condition and Provenance', async () => {
  const therapist = await session(kTherapist);
  const clients = (await get(therapist.cookie, '/api/v1/clients')).body;

  // A new client of the demo therapist, so that everything about their plan is known whatever
  // plans the demo seeded; they accept their invitation and so have a session of their own.
  const created = await send(therapist, 'POST', '/api/v1/clients', {
    display_name: 'Robin Ashworth',
    email: 'robin.ashworth@example.test',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const chosen = { client: created.body, episode: created.body.episodes[0].id };
  const invitation = await send(therapist, 'POST', `/api/v1/clients/${chosen.client.id}/invitations`, {
    delivery: 'in_person',
  });
  assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
  const token = invitation.body.url.split('/').pop();
  const joined = await fetch(`${server.baseUrl}/api/v1/invitations/${token}/accept`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ password: kPassword }),
  });
  assert.equal(joined.status, 200, 'the client accepts the invitation');
  const client = {
    cookie: joined.headers.get('set-cookie').split(';')[0],
    csrf: (await joined.json()).csrf_token,
  };
  const plan = `/api/v1/episodes/${chosen.episode}/plan`;

  // Problems first, so that the goals can name the keys the server gave them.
  const first = await send(therapist, 'POST', `${plan}/versions`, {
    content: {
      summary: 'Low mood first, then sleep.',
      problems: [
        { client_words: 'I feel low most days', formulation: 'Low mood kept going by withdrawal', diagnosis: 'F32.1', status: 'active' },
        { client_words: 'I cannot sleep', formulation: '', diagnosis: '', status: 'active' },
      ],
      agreed_order: [],
      goals: [],
      guardian: { problems: false, goals: false, homework: false, ask_agreement: false },
    },
  });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const n1 = first.body.number;
  const [low, sleep] = first.body.content.problems.map((p) => p.key);
  const content = {
    ...first.body.content,
    agreed_order: [low, sleep],
    goals: [
      {
        problem_key: low,
        description: 'PHQ-9 total below 10 by the end of March',
        due_date: '2027-03-31',
        benchmarks: [
          { kind: 'questionnaire', instrument: 'PHQ-9', comparator: 'below', target: 10 },
          { kind: 'gas', weight: 1, levels: ['In bed most days', 'Up, no activity', 'One activity a day', 'Two a day', 'Old routine back'] },
        ],
        interventions: [{ description: 'Behavioural activation', approach: 'CBT' }],
        homework: [{ description: 'Activity diary every evening', due_date: '2026-12-10' }],
      },
      {
        problem_key: sleep,
        description: 'Asleep within 30 minutes on most nights',
        due_date: '2027-02-28',
        benchmarks: [{ kind: 'gas', weight: 2, levels: ['Over an hour', '45 minutes', '30 minutes', '20 minutes', '10 minutes'] }],
        interventions: [{ description: 'Stimulus control', approach: 'CBT-I' }],
        homework: [],
      },
    ],
  };
  const saved = await send(therapist, 'PUT', `${plan}/versions/${n1}`, { content });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal((await send(therapist, 'POST', `${plan}/versions/${n1}/propose`)).status, 200);

  const accepted = await send(client, 'POST', `${plan}/versions/${n1}/accept`);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.status, 'agreed');

  // A revision, agreed too: the first version is superseded (revoked in FHIR).
  const second = await send(therapist, 'POST', `${plan}/versions`);
  assert.equal(second.status, 201, JSON.stringify(second.body));
  const n2 = second.body.number;
  const revised = { ...second.body.content, summary: 'Low mood first, then sleep; reviewed.' };
  assert.equal((await send(therapist, 'PUT', `${plan}/versions/${n2}`, { content: revised })).status, 200);
  assert.equal((await send(therapist, 'POST', `${plan}/versions/${n2}/propose`)).status, 200);
  assert.equal((await send(client, 'POST', `${plan}/versions/${n2}/accept`)).status, 200);

  const counts = {};
  const check = async (path, expectedType) => {
    const r = await get(therapist.cookie, path);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    assert.ok(r.type.startsWith(kFhirJson), `${path}: content type ${r.type}`);
    assert.equal(r.body.resourceType, expectedType, path);
    assertValid(r.body, path);
    if (expectedType === 'Bundle') {
      assert.equal(r.body.type, 'searchset');
      assert.equal(r.body.total, (r.body.entry ?? []).length);
      for (const e of r.body.entry ?? []) {
        assertValid(e.resource, e.fullUrl);
        assert.ok(e.fullUrl.endsWith(`/${e.resource.resourceType}/${e.resource.id}`), e.fullUrl);
        counts[e.resource.resourceType] = (counts[e.resource.resourceType] ?? 0) + 1;
      }
    }
    return r.body;
  };

  const patient = `Patient/${chosen.client.id}`;
  const carePlans = await check(`/fhir/CarePlan?subject=${patient}`, 'Bundle');
  const byId = new Map((carePlans.entry ?? []).map((e) => [e.resource.id, e.resource]));
  const id1 = `${chosen.episode}-${n1}`;
  const id2 = `${chosen.episode}-${n2}`;
  assert.ok(byId.has(id1) && byId.has(id2), `both versions: ${[...byId.keys()]}`);
  assert.equal(byId.get(id1).status, 'revoked');
  assert.equal(byId.get(id2).status, 'active');
  assert.deepEqual(byId.get(id2).replaces, [{ reference: `CarePlan/${id1}` }]);
  assert.equal(byId.get(id2).intent, 'plan');
  assert.equal(byId.get(id2).subject.reference, patient);
  assert.equal(byId.get(id2).addresses.length, 2);
  assert.equal(byId.get(id2).goal.length, 2);
  assert.ok(byId.get(id2).activity.some((a) => a.detail.scheduledString === '2026-12-10'));
  for (const id of [id1, id2]) {
    const one = await check(`/fhir/CarePlan/${id}`, 'CarePlan');
    assert.equal(one.id, id);
    const provenance = await check(`/fhir/Provenance?target=CarePlan/${id}`, 'Bundle');
    assert.equal(provenance.total, 2, 'the therapist and the client signed');
    const codes = provenance.entry.map((e) => e.resource.signature[0].type[0].code).sort();
    assert.deepEqual(codes, ['1.2.840.10065.1.12.1.1', '1.2.840.10065.1.12.1.7']);
    for (const e of provenance.entry) {
      assert.deepEqual(e.resource.target, [{ reference: `CarePlan/${id}` }]);
      assert.equal(Buffer.from(e.resource.signature[0].data, 'base64').length, 32);
    }
  }

  const goals = await check(`/fhir/Goal?subject=${patient}`, 'Bundle');
  assert.equal(goals.total, 2);
  let loincTarget = 0;
  for (const e of goals.entry) {
    const g = e.resource;
    assert.equal(g.lifecycleStatus, 'active');
    assert.equal(g.achievementStatus.coding[0].system, 'http://terminology.hl7.org/CodeSystem/goal-achievement');
    assert.equal(g.priority.coding[0].system, 'http://terminology.hl7.org/CodeSystem/goal-priority');
    for (const t of g.target) {
      const coding = t.measure.coding[0];
      if (coding.system === 'http://loinc.org' && coding.code === '44261-6') {
        loincTarget += 1;
        assert.deepEqual([t.detailQuantity.comparator, t.detailQuantity.value], ['<', 10]);
      }
    }
    await check(`/fhir/Goal/${g.id}`, 'Goal');
  }
  assert.equal(loincTarget, 1, 'the PHQ-9 target is measured by LOINC 44261-6');

  const conditions = await check(`/fhir/Condition?subject=${patient}`, 'Bundle');
  assert.equal(conditions.total, 2);
  for (const e of conditions.entry) {
    assert.equal(e.resource.category[0].coding[0].code, 'problem-list-item');
    assert.equal(e.resource.clinicalStatus.coding[0].code, 'active');
    await check(`/fhir/Condition/${e.resource.id}`, 'Condition');
  }
  const signed = await check(`/fhir/Provenance?patient=${patient}`, 'Bundle');
  assert.ok(signed.total >= 4, 'both versions, two signatures each');

  // The demo's own plans, in every state, for every client of the demo therapist.
  for (const c of clients) {
    if (c.id === chosen.client.id) continue;
    for (const type of ['CarePlan', 'Goal', 'Condition']) {
      await check(`/fhir/${type}?subject=Patient/${c.id}`, 'Bundle');
    }
    await check(`/fhir/Provenance?patient=Patient/${c.id}`, 'Bundle');
  }
  assert.ok(counts.CarePlan >= 2 && counts.Goal >= 2 && counts.Condition >= 2 && counts.Provenance >= 4,
    JSON.stringify(counts));
  console.log(`validated plan resources: ${JSON.stringify(counts)}`);

  // The plan's resources are listed in the CapabilityStatement.
  const metadata = await check('/fhir/metadata', 'CapabilityStatement');
  const types = metadata.rest[0].resource.map((r) => r.type);
  for (const t of ['CarePlan', 'Goal', 'Condition', 'Provenance']) assert.ok(types.includes(t), t);
});

// The client's own record (GET /api/v1/clients/{id}/record): a collection Bundle of everything
// the client has been shown, validated whole and entry by entry. Jordan has messages with an
// open course; Grace's course has ended, so hers holds the discharge summary.
test("a client's own record validates as a collection Bundle", async () => {
  const types = {};
  for (const email of ['client@demo.rapport', 'grace.obrien@demo.rapport']) {
    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: kPassword }),
    });
    assert.equal(login.status, 200, `sign-in as ${email}`);
    const cookie = login.headers.get('set-cookie').split(';')[0];
    const me = (await login.json()).user;
    const record = await get(cookie, `/api/v1/clients/${me.id}/record`);
    assert.equal(record.status, 200, `${email}: ${JSON.stringify(record.body)}`);
    assert.ok(record.type.startsWith(kFhirJson), `content type ${record.type}`);
    assert.equal(record.body.resourceType, 'Bundle');
    assert.equal(record.body.type, 'collection');
    assertValid(record.body, `${email}'s record`);
    const urls = new Set();
    for (const e of record.body.entry) {
      assertValid(e.resource, e.fullUrl);
      assert.ok(e.fullUrl.endsWith(`/fhir/${e.resource.resourceType}/${e.resource.id}`), e.fullUrl);
      assert.ok(!urls.has(e.fullUrl), `${e.fullUrl} twice`);
      urls.add(e.fullUrl);
      types[e.resource.resourceType] = (types[e.resource.resourceType] ?? 0) + 1;
    }
    // Only the client themself: a therapist is refused.
    const therapist = await get(await signIn(kTherapist), `/api/v1/clients/${me.id}/record`);
    assert.equal(therapist.status, 403);
  }
  for (const t of ['Patient', 'QuestionnaireResponse', 'Observation', 'Communication', 'Composition']) {
    assert.ok(types[t] > 0, `${t} in ${JSON.stringify(types)}`);
  }
  console.log(`validated record resources: ${JSON.stringify(types)}`);
});
