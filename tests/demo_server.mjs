// A real `rapport serve` over a fresh demo clinic, for the tests that drive it from node (browser
// and FHIR tests). Each caller starts its own and stops it at the end.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

// Seeds the demo clinic, with every account's password `password`, into a new database and
// starts `rapport serve` (RAPPORT_BIN) on a free port, serving the web app from `web` (none: an
// empty folder). `extraArgs` go after serve's own arguments (`--smtp-url ...`, `--test-clock`)
// and `env` is added to the environment of both commands. Returns { baseUrl, stop }; stop()
// throws if the server died while in use.
export async function startDemoServer({ password, web, extraArgs = [], env: extraEnv = {} }) {
  const bin = process.env.RAPPORT_BIN;
  assert.ok(bin, 'RAPPORT_BIN must be set (the CTest registration sets it)');
  const dir = mkdtempSync(join(tmpdir(), 'rapport-test-'));
  const db = join(dir, 'r.db');
  const env = { ...process.env, RAPPORT_DEMO_PASSWORD: password, ...extraEnv };
  const demo = spawnSync(bin, ['demo', '--db', db], { env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(demo.status, 0, `rapport demo failed:\n${demo.stdout}\n${demo.stderr}`);

  const args = ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', web ?? dir, ...extraArgs];
  const child = spawn(bin, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${out}\n${stderr}`)), 60_000);
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
  // Request log lines go to stdout; keep draining so the pipe never fills and blocks the server.
  child.stdout.resume();
  // If the test process ends without calling stop() (a crash in set-up), take the server along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopping = false;
  let died = null;
  child.on('exit', (code, signal) => {
    if (!stopping) died = `server died during the tests (exit ${code}, signal ${signal}):\n${stderr.slice(-4000)}`;
  });

  async function stop() {
    stopping = true;
    process.removeListener('exit', killOnExit);
    if (died) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(died);
    }
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return { baseUrl, stop };
}
