// The caseload page in a real browser (Debian's chromium): a therapist with 300 clients of 40
// sessions each (seeded by `http_bench --keep`), signed in once; then the page opened again and
// again, timing from navigation to the full list on screen, and counting the API requests it
// made. The reference, in the same run, is the same page shell without its list: the time until
// its heading is on screen.
//
//   node bench/http/caseload_page.mjs RELEASE_BUILD_DIR [RUNS]
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const build = resolve(process.argv[2] ?? join(here, '../../build/release'));
const runs = Number(process.argv[3] ?? 7);
const clients = 300;
const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const dir = mkdtempSync(join(tmpdir(), 'rapport-caseload-page-'));
const seeded = spawnSync(join(build, 'bench/http/http_bench'), ['--keep', dir, '--clients', String(clients), '--sessions', '40'], {
  encoding: 'utf8',
});
if (seeded.status !== 0) throw new Error(`seeding failed:\n${seeded.stdout}\n${seeded.stderr}`);

const server = spawn(
  join(build, 'src/app/rapport'),
  ['serve', '--db', join(dir, 'bench.db'), '--listen', '127.0.0.1:0', '--web', join(here, '../../web/dist')],
  { stdio: ['ignore', 'pipe', 'ignore'] },  // its request log would drown the figures
);
const baseUrl = await new Promise((ok, fail) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/[^\s]+)/.exec(out);
    if (m) ok(m[1].replace(/\/$/, ''));
  });
  server.on('exit', (code) => fail(new Error(`server exited with ${code}: ${out}`)));
});
server.stdout.resume();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await chromium.launch({ executablePath: process.env.RAPPORT_CHROMIUM || '/usr/bin/chromium' });
try {
  const page = await (await browser.newContext({ baseURL: baseUrl })).newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill('caseload@bench.rapport');
  await page.getByLabel('Password').fill('benchmark password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();

  const full = [];
  const shell = [];
  let requests = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/')) requests.push(path);
  });
  for (let i = 0; i < runs; ++i) {
    requests = [];
    const started = performance.now();
    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
    shell.push(performance.now() - started);
    const list = page.getByRole('region', { name: 'Clients' }).getByRole('listitem');
    await page.waitForFunction((n) => document.querySelectorAll('.dashboard__row').length >= n, clients);
    full.push(performance.now() - started);
    if ((await list.count()) < clients) throw new Error('the list is short');
  }
  const caseloadRequests = requests.filter((p) => p === '/api/v1/caseload').length;
  const perClient = requests.filter((p) => /^\/api\/v1\/clients\/\d+$/.test(p)).length;
  console.log(`caseload page, ${clients} clients x 40 sessions, ${runs} runs:`);
  console.log(`  full list on screen: median ${median(full).toFixed(0)} ms (min ${Math.min(...full).toFixed(0)}, max ${Math.max(...full).toFixed(0)})`);
  console.log(`  page shell (heading) on screen: median ${median(shell).toFixed(0)} ms`);
  console.log(`  API requests in the last load: ${requests.length} (${caseloadRequests} to /api/v1/caseload, ${perClient} per client)`);
  console.log(`  ratio full list / shell: ${(median(full) / median(shell)).toFixed(2)}`);
} finally {
  await browser.close();
  // The server writes its last audit checkpoint beside the database as it stops: wait for it.
  const stopped = new Promise((ok) => server.once('exit', ok));
  server.kill('SIGTERM');
  await stopped;
  rmSync(dir, { recursive: true, force: true });
}
