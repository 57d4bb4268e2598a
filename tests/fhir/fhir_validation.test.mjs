// Every kind of FHIR resource `rapport serve` offers, fetched as the demo therapist from a real
// server over a fresh demo database, validated against the FHIR R4 structure definitions by
// the `fhir` npm package (offline). Any validation error, or any unexpected property, fails.
//
// Environment: RAPPORT_BIN (the rapport binary; the CTest registration sets it).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { Fhir } = require('fhir');

const kPassword = 'demo-fhir-password-2026';
const kTherapist = 'therapist@demo.rapport';
const kFhirJson = 'application/fhir+json';

const fhir = new Fhir();
let server;

async function startServer() {
  const bin = process.env.RAPPORT_BIN;
  assert.ok(bin, 'RAPPORT_BIN must be set (the CTest registration sets it)');
  const dir = mkdtempSync(join(tmpdir(), 'rapport-fhir-'));
  const db = join(dir, 'r.db');
  const env = { ...process.env, RAPPORT_DEMO_PASSWORD: kPassword };
  const demo = spawnSync(bin, ['demo', '--db', db], { env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(demo.status, 0, `rapport demo failed:\n${demo.stdout}\n${demo.stderr}`);
  const child = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', dir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${stderr}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}\n${stderr}`));
    });
  });
  child.stdout.resume();
  return {
    baseUrl,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function signIn(email) {
  const r = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: kPassword }),
  });
  assert.equal(r.status, 200, `sign-in as ${email}`);
  return r.headers.get('set-cookie').split(';')[0];
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
  server = await startServer();
});

after(async () => {
  if (server) await server.stop();
});

test('the validator rejects what is not R4', () => {
  // The check must be able to fail: an invented property and a malformed date.
  assert.notDeepEqual(problems({ resourceType: 'Patient', id: '1', birthDate: 'soon', mood: 'ok' }), []);
  assert.notDeepEqual(problems({ resourceType: 'Observation', id: 'x', code: { text: 'a' } }), [],
    'status is required');
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
  for (const i of instruments) {
    const q = await check(`/fhir/Questionnaire/${encodeURIComponent(i.code)}`, 'Questionnaire');
    assert.equal(q.id, i.code);
  }

  const clients = (await get(cookie, '/api/v1/clients')).body;
  assert.ok(clients.length > 0, 'the demo therapist has clients');
  let responses = 0;
  let observations = 0;
  let loincPhq9 = 0;
  for (const c of clients) {
    await check(`/fhir/Patient/${c.id}`, 'Patient');
    const qr = await check(`/fhir/QuestionnaireResponse?subject=Patient/${c.id}`, 'Bundle');
    const obs = await check(`/fhir/Observation?subject=Patient/${c.id}`, 'Bundle');
    for (const bundle of [qr, obs]) {
      assert.equal(bundle.type, 'searchset');
      assert.equal(bundle.total, (bundle.entry ?? []).length);
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
      observations += 1;
      const o = e.resource;
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

test('an admin reads no clinical FHIR resources', async () => {
  const cookie = await signIn('admin@demo.rapport');
  const clients = (await get(await signIn(kTherapist), '/api/v1/clients')).body;
  const r = await get(cookie, `/fhir/Observation?subject=Patient/${clients[0].id}`);
  assert.ok(r.status === 403 || r.status === 404, `status ${r.status}`);
  assert.equal(r.body.resourceType, 'OperationOutcome');
});
