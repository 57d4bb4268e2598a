// The browser's own CPU cost of the rapport signals: motion energy from the camera at 10 Hz and
// voice activity from the microphone, computed by the session room page (web/src/room/features.ts)
// on a 640 x 480 camera. Goal: at most 5 % of one core.
//
// A real `rapport serve` over a fresh demo clinic, and the demo therapist and client each in a
// Debian Chromium of their own (as tests/browser/room.test.mjs sets them up), with fake 640 x 480
// cameras (a block moving at varying speed, 30 fps) and speech-like microphones written by
// tests/browser/fake_media.mjs. Both join the video check-in, the call connects peer to peer and
// both agree to the signals. Then, in ROUNDS rounds, two windows of SECONDS each:
//
// - signals on: both pages compute and send the features;
// - the reference: the same room, the same call and the same devices, with the signals paused by
//   the client (the pages compute nothing), so that the difference is the features' own cost.
//
// The order alternates from round to round (reference first, then signals first, ...) so that a
// drift of the machine or of the call does not favour either. CPU is every process of each
// Chromium (found by walking the process tree down from the browser's own pid) summed from
// /proc/<pid>/stat utime + stime over the window, in % of one core (the crash reporter's helper,
// which leaves the tree and sleeps, is not counted), and split by kind of process and, within the
// renderer, by thread. The call's video encoding and decoding make that total drift by a few
// points from one minute to the next, more than the features cost, so beside it are two finer
// figures: the renderer's main thread (where the page's script runs) from /proc, and the CPU time
// of the page's main thread by Chromium's own counters (DevTools Performance.getMetrics in thread
// time: TaskDuration, and ScriptDuration within it), whose difference per feature step is the
// page's cost of a step. Also shown: the steps each page sent (about 10 a second while on, none
// while paused) and the call's video as sent and received, so that a call that lowered its
// resolution or frame rate in one condition would show. The room's code keeps its own count of the
// time the signals take (`RoomController.signalsCost()`), but nothing outside it can read it.
//
//   node bench/web/features_cpu.mjs [BUILD_DIR] [SECONDS] [ROUNDS]
//
// BUILD_DIR holds src/app/rapport (default build/release); web/dist must be built (`npm run build`
// in web/). RAPPORT_CHROMIUM overrides /usr/bin/chromium.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { startDemoServer } from '../../tests/demo_server.mjs';
import { kDemo, kDemoPassword, launchBrowser, newPage, signIn } from '../../tests/browser/harness.mjs';
import { fakeDeviceArgs, writeFakeMedia } from '../../tests/browser/fake_media.mjs';

const here = new URL('.', import.meta.url).pathname;
const build = resolve(process.argv[2] ?? join(here, '../../build/release'));
const seconds = Number(process.argv[3] ?? 60);
const rounds = Number(process.argv[4] ?? 3);
const web = join(here, '../../web/dist');
const bin = join(build, 'src/app/rapport');
const kWidth = 640;
const kHeight = 480;
// Before the first window: the call's bandwidth estimate and encoder settle.
const kWarmUpSeconds = 30;
// After each switch, before its window: the pages and the call settle into the new state.
const kSettleSeconds = 5;
const kWait = 30_000;
const kTherapistName = 'Sofia Lindqvist';
const kClientShown = 'Jordan';
const cores = availableParallelism();
const kClockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// --- CPU of a process tree, from /proc ------------------------------------------------------------

// utime + stime (ticks) and the command name from a /proc/.../stat file; null when it is gone.
function statOf(path) {
  try {
    const stat = readFileSync(path, 'latin1');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    return { name: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

// pid -> { ppid, ticks (all its threads) } for every process now.
function allProcesses() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = statOf(`/proc/${name}/stat`);
    if (s) out.set(Number(name), s);
  }
  return out;
}

// What a Chromium process does, from its command line: browser, renderer, gpu, zygote, or the
// utility's service (network, audio, video_capture, ...).
function kindOf(pid) {
  let args;
  try {
    // Chromium rewrites its command line into one string: split on spaces as well.
    args = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split(/[\0 ]/);
  } catch {
    return 'gone';
  }
  const type = args.find((a) => a.startsWith('--type='))?.slice(7);
  if (!type) return 'browser';
  if (type === 'utility') {
    const sub = args.find((a) => a.startsWith('--utility-sub-type='))?.slice(19) ?? '';
    return `utility ${sub.split('.')[0]}`;
  }
  return type === 'gpu-process' ? 'gpu' : type;
}

// The threads of a renderer, tid -> { name, ticks }: where in the page's process the time goes
// (its main thread, the call's video encoder and decoder, the media threads).
function threadTicks(pid) {
  const out = new Map();
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const s = statOf(`/proc/${pid}/task/${tid}/stat`);
    // The main thread carries the process's name: call it what it is.
    if (s) out.set(tid, { name: tid === String(pid) ? 'main' : s.name, ticks: s.ticks });
  }
  return out;
}

// `root` and all its descendants now: pid -> { ticks, kind, threads (renderers only) }.
function treeTicks(root) {
  const all = allProcesses();
  const children = new Map();
  for (const [pid, p] of all) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  const tree = new Map();
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    const p = all.get(pid);
    if (!p) continue;
    const kind = kindOf(pid);
    tree.set(pid, { ticks: p.ticks, kind, threads: kind === 'renderer' ? threadTicks(pid) : null });
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

// % of one core used between two treeTicks() readings `ms` apart: in all, by kind of process,
// and by thread name within the renderers. A process or thread born in the window counts from
// zero; one that ended in it is lost (processes lost so: `ended`).
function cpuBetween(before, after, ms) {
  const pct = (t) => (100 * t) / kClockTicks / (ms / 1000);
  const byKind = {};
  const byThread = {};
  let total = 0;
  for (const [pid, p] of after) {
    const was = before.get(pid);
    const used = p.ticks - (was?.ticks ?? 0);
    byKind[p.kind] = (byKind[p.kind] ?? 0) + pct(used);
    total += used;
    for (const [tid, t] of p.threads ?? []) {
      byThread[t.name] = (byThread[t.name] ?? 0) + pct(t.ticks - (was?.threads?.get(tid)?.ticks ?? 0));
    }
  }
  const ended = [...before.keys()].filter((pid) => !after.has(pid)).length;
  return { total: pct(total), byKind, byThread, ended };
}

// --- One person in their own browser ----------------------------------------------------------------

// Keeps each RTCPeerConnection the page makes, so that the bench can read the call's own stats
// at the edges of a window. Nothing else in the page changes.
function keepPeerConnections() {
  const Original = window.RTCPeerConnection;
  if (!Original) return;
  window.__benchPeers = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      window.__benchPeers.push(this);
    }
  };
}

// The pid of the Chromium that playwright-core just started: a child of this process, and not
// one already taken (playwright's Browser does not expose it; `launchBrowser` is the tests' own).
const taken = new Set();
function newChromium() {
  const mine = [...allProcesses()].filter(([pid, p]) => p.ppid === process.pid && !taken.has(pid));
  const found = mine.filter(([pid]) => /chrom/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0]));
  if (found.length !== 1) throw new Error(`expected one new Chromium under this process, found ${found.length}`);
  taken.add(found[0][0]);
  return found[0][0];
}

async function person(baseUrl, files, { width, height, who }) {
  const browser = await launchBrowser({ extraArgs: fakeDeviceArgs(files) });
  const pid = newChromium();
  const page = await newPage(browser, baseUrl, width, height);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`${who}: uncaught ${e}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // The sign-in page asks who is signed in before anyone is.
    if (/\/api\/v1\/me$/.test(m.location()?.url ?? '') && /401/.test(m.text())) return;
    problems.push(`${who}: ${m.text()} (${m.location()?.url ?? 'no address'})`);
  });
  // The feature steps this page sent (each batch holds up to ten).
  const sent = { steps: 0, motion: 0, voiced: 0 };
  page.on('websocket', (ws) =>
    ws.on('framesent', (frame) => {
      if (typeof frame.payload !== 'string' || !frame.payload.includes('"features"')) return;
      const m = JSON.parse(frame.payload);
      if (m.type !== 'features') return;
      sent.steps += m.motion.length;
      sent.motion += m.motion.filter((v) => v !== null).length;
      sent.voiced += m.voice.filter((v) => v === 1).length;
    }),
  );
  await page.addInitScript(keepPeerConnections);
  const cdp = await page.context().newCDPSession(page);
  // Durations in the thread's CPU time, not wall time: on a busy machine a task's wall time
  // includes the time it waited for a core.
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  return { who, browser, page, cdp, sent, problems, pid };
}

// CPU seconds of the page's main thread spent in tasks and, of those, in script, since the page
// opened (Chromium's own counters).
async function mainThread(p) {
  const { metrics } = await p.cdp.send('Performance.getMetrics');
  const value = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: value('TaskDuration'), script: value('ScriptDuration') };
}

// The call's video as sent and as received: frames, size and why it was limited, if it was.
async function callStats(p) {
  return p.page.evaluate(async () => {
    const out = { sentFrames: 0, receivedFrames: 0, sentSize: null, limitedBy: null };
    for (const pc of window.__benchPeers ?? []) {
      if (pc.connectionState !== 'connected') continue;
      const report = await pc.getStats();
      report.forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video') {
          out.sentFrames += s.framesSent ?? 0;
          if (s.frameWidth) out.sentSize = `${s.frameWidth}x${s.frameHeight}`;
          out.limitedBy = s.qualityLimitationReason ?? null;
        }
        if (s.type === 'inbound-rtp' && s.kind === 'video') out.receivedFrames += s.framesDecoded ?? 0;
      });
    }
    return out;
  });
}

// How the page reads its camera for motion energy: as a VideoFrame (the cheap way) when the
// browser gives the self-view's picture in a format the page knows, else through a canvas.
async function cameraReading(page) {
  return page.locator('video.self-view').evaluate(async (v) => {
    if (typeof VideoFrame === 'undefined') return 'canvas (no VideoFrame)';
    const frame = new VideoFrame(v);
    try {
      await frame.copyTo(new Uint8Array(frame.allocationSize()));
      return `VideoFrame, ${frame.format}, ${frame.codedWidth}x${frame.codedHeight}`;
    } catch (e) {
      return `canvas (VideoFrame.copyTo failed: ${e})`;
    } finally {
      frame.close();
    }
  });
}

// --- The room --------------------------------------------------------------------------------------

// The demo clinic on a fresh database. The binary may be missing, or half written, for a moment
// while it is being rebuilt: then wait a minute and try again, a few times.
async function startServer() {
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (!existsSync(bin)) throw new Error(`no ${bin}`);
      process.env.RAPPORT_BIN = bin;
      return await startDemoServer({ password: kDemoPassword, web });
    } catch (e) {
      if (attempt === 5) throw e;
      console.log(`(the server did not start: ${String(e.message ?? e).split('\n')[0]}; trying again in a minute)`);
      await sleep(60_000);
    }
  }
}

async function deviceCheckAndJoin(page) {
  await page.getByRole('heading', { name: 'Before you join' }).waitFor({ timeout: kWait });
  await page.waitForFunction(() => {
    const v = document.querySelector('video.self-preview');
    return v && v.readyState >= 2 && v.videoWidth > 0;
  }, null, { timeout: kWait });
  await page.getByText('We can hear you.').waitFor({ timeout: kWait });
  await page.getByText('The session room can be reached.').waitFor({ timeout: kWait });
  await page.getByRole('button', { name: 'Join the session', exact: true }).click();
}

// Frames of the other person's video keep arriving on this page.
async function remoteVideoPlaying(page, name) {
  const video = page.getByLabel(`Video of ${name}`);
  await video.waitFor({ timeout: kWait });
  await page.waitForFunction(
    (label) => {
      const v = document.querySelector(`video[aria-label="${label}"]`);
      return v && v.readyState >= 2 && v.getVideoPlaybackQuality().totalVideoFrames > 30;
    },
    `Video of ${name}`,
    { timeout: kWait },
  );
}

// Signs both in, opens the demo's video check-in from their home pages, passes the device
// check, lets the client in and has both agree to the signals.
async function enterRoom(therapist, client) {
  const T = therapist.page;
  const C = client.page;
  await Promise.all([signIn(T, kDemo.therapist), signIn(C, kDemo.client)]);
  const link = C.getByRole('region', { name: 'Your session room is open' }).getByRole('link', { name: /Join the session room/ }).first();
  await link.waitFor({ timeout: kWait });
  const href = await link.getAttribute('href');
  await Promise.all([T.goto(href), C.goto(href)]);
  await Promise.all([deviceCheckAndJoin(T), deviceCheckAndJoin(C)]);
  await T.getByRole('button', { name: `Let ${kClientShown} in` }).click();
  await C.getByText(`In the session with ${kTherapistName}.`).waitFor({ timeout: kWait });
  await remoteVideoPlaying(T, kClientShown);
  await remoteVideoPlaying(C, kTherapistName);
  for (const page of [T, C]) await page.getByRole('switch', { name: 'I agree to rapport signals in this session' }).check();
  for (const page of [T, C]) await page.getByText(/^Rapport signals are on/).waitFor({ timeout: kWait });
}

// The client pauses or resumes the signals; both pages show the new state.
async function setSignals(therapist, client, on) {
  const button = client.page.getByRole('button', { name: on ? 'Resume signals' : 'Pause signals' });
  await button.click();
  const state = on ? /^Rapport signals are on/ : /^Rapport signals are paused by/;
  for (const p of [therapist, client]) await p.page.getByText(state).waitFor({ timeout: kWait });
}

// The whole machine's busy CPU time in ticks (all cores; not idle, not waiting for the disk), so
// that a window shows how much else ran beside the two browsers. The kernel counts it by sampling
// and each process's own time exactly, so "the rest of the machine" below is good to a few points
// (it can come out slightly negative on an idle machine).
function machineBusy() {
  const f = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return f.reduce((s, x) => s + x, 0) - f[3] - f[4];
}

// Processes whose name is `name` (pgrep -c).
function pgrepCount(name) {
  try {
    return Number(execFileSync('pgrep', ['-c', name], { encoding: 'utf8' }).trim());
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

// One window: CPU of each browser's processes, each page's main thread, the steps each page
// sent and the call's video, from its start to its end; and the machine around them.
async function measureWindow(people) {
  // Each browser's own clock: its processes are read, then its page's counters (which take a
  // few milliseconds to come back), at both ends.
  const reading = async (p) => ({ ticks: treeTicks(p.pid), at: performance.now(), main: await mainThread(p), call: await callStats(p), sent: { ...p.sent } });
  const before = [];
  for (const p of people) before.push(await reading(p));
  const compilers = pgrepCount('cc1plus');
  const busy = { ticks: machineBusy(), at: performance.now() };
  await sleep(seconds * 1000);
  const machine = (100 * (machineBusy() - busy.ticks)) / kClockTicks / ((performance.now() - busy.at) / 1000);
  const out = { machine, compiling: compilers + pgrepCount('cc1plus') > 0, load: loadavg()[0] };
  for (const [i, p] of people.entries()) {
    const a = await reading(p);
    const b = before[i];
    const elapsed = (a.at - b.at) / 1000;
    out[p.who] = {
      cpu: cpuBetween(b.ticks, a.ticks, elapsed * 1000),
      mainTask: (100 * (a.main.task - b.main.task)) / elapsed,
      mainScript: (100 * (a.main.script - b.main.script)) / elapsed,
      taskSeconds: a.main.task - b.main.task,
      scriptSeconds: a.main.script - b.main.script,
      steps: a.sent.steps - b.sent.steps,
      motion: a.sent.motion - b.sent.motion,
      voiced: a.sent.voiced - b.sent.voiced,
      sentFps: (a.call.sentFrames - b.call.sentFrames) / elapsed,
      receivedFps: (a.call.receivedFrames - b.call.receivedFrames) / elapsed,
      sentSize: a.call.sentSize,
      limitedBy: a.call.limitedBy,
    };
  }
  return out;
}

// --- The run ---------------------------------------------------------------------------------------

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;

if (!existsSync(join(web, 'index.html'))) throw new Error(`no ${web}: run \`npm run build\` in web/ first`);
// A 30 s loop: each 640 x 480 camera file is some 400 MB, in a temporary folder removed at the end.
const fake = writeFakeMedia({ width: kWidth, height: kHeight, seconds: 30 });
let server = null;
const people = [];
try {
  server = await startServer();
  const therapist = await person(server.baseUrl, fake.files.therapist, { width: 1280, height: 900, who: 'therapist' });
  people.push(therapist);
  // The client is on a phone, as in the room's browser test.
  const client = await person(server.baseUrl, fake.files.client, { width: 390, height: 844, who: 'client' });
  people.push(client);
  await enterRoom(therapist, client);
  const reading = { therapist: await cameraReading(therapist.page), client: await cameraReading(client.page) };
  console.log(`camera ${kWidth}x${kHeight} at ${fake.fps} fps; the pages read it as: therapist ${reading.therapist}; client ${reading.client}`);
  console.log(`warming up ${kWarmUpSeconds} s with the signals on, then ${rounds} rounds of two ${seconds} s windows`);
  await sleep(kWarmUpSeconds * 1000);

  const windows = { on: [], reference: [] };
  let on = true;
  for (let r = 0; r < rounds; r += 1) {
    const order = r % 2 === 0 ? ['reference', 'on'] : ['on', 'reference'];
    for (const condition of order) {
      const want = condition === 'on';
      if (on !== want) await setSignals(therapist, client, want);
      on = want;
      await sleep(kSettleSeconds * 1000);
      const w = await measureWindow(people);
      // The room must still be connected, and the pages must have sent steps exactly while on.
      const expected = (seconds * 1000) / 100;
      for (const who of ['therapist', 'client']) {
        const steps = w[who].steps;
        if (want ? steps < 0.8 * expected : steps > 0) {
          throw new Error(`round ${r + 1}, ${condition}: the ${who}'s page sent ${steps} feature steps (expected ${want ? `about ${expected}` : 'none'}); is the server still up?`);
        }
      }
      windows[condition].push(w);
      const line = (who) => {
        const x = w[who];
        return (
          `${who} ${f1(x.cpu.total)} % (renderer ${f1(x.cpu.byKind.renderer ?? 0)}), main thread ${f1(x.mainTask)} % (script ${f1(x.mainScript)}), ` +
          `${x.steps} steps (${x.motion} with motion), video ${f1(x.sentFps)} fps sent at ${x.sentSize ?? '?'} (${x.limitedBy ?? '?'}), ${f1(x.receivedFps)} received` +
          (x.cpu.ended ? `, ${x.cpu.ended} processes ended meanwhile` : '')
        );
      };
      console.log(`round ${r + 1}, ${condition === 'on' ? 'signals on' : 'reference (paused)'}: ${line('client')}; ${line('therapist')}; the rest of the machine ${f1(w.machine - w.client.cpu.total - w.therapist.cpu.total)} % (of ${cores * 100}), load ${f2(w.load)}${w.compiling ? ', a compiler ran' : ''}`);
    }
  }

  // The summary: per round and on average, for each browser.
  console.log(`\nCPU of each browser's processes, % of one core, ${seconds} s windows (goal: the signals cost at most 5 %):`);
  for (const who of ['client', 'therapist']) {
    const diffs = [];
    for (let r = 0; r < rounds; r += 1) {
      const a = windows.on[r][who];
      const b = windows.reference[r][who];
      const d = a.cpu.total - b.cpu.total;
      diffs.push(d);
      // The main thread's extra CPU time per feature step, all of it and in script.
      const perStep = ((a.taskSeconds - b.taskSeconds) * 1000) / a.steps;
      const scriptPerStep = ((a.scriptSeconds - b.scriptSeconds) * 1000) / a.steps;
      console.log(
        `  ${who}, round ${r + 1}: signals on ${f1(a.cpu.total)}, reference ${f1(b.cpu.total)}, difference ${f1(d)}; ` +
          `renderer ${f1(a.cpu.byKind.renderer ?? 0)} vs ${f1(b.cpu.byKind.renderer ?? 0)}; ` +
          `main thread ${f1(a.mainTask)} vs ${f1(b.mainTask)} (script ${f1(a.mainScript)} vs ${f1(b.mainScript)}): ` +
          `${f2(perStep)} ms a step, ${f2(scriptPerStep)} ms of it script`,
      );
    }
    const onMean = mean(windows.on.map((w) => w[who].cpu.total));
    const refMean = mean(windows.reference.map((w) => w[who].cpu.total));
    console.log(`  ${who}, mean: signals on ${f1(onMean)}, reference ${f1(refMean)}, difference ${f1(onMean - refMean)} (per round ${diffs.map(f1).join(', ')})`);
  }
  console.log('\nBy process kind, mean of the rounds (signals on / reference):');
  for (const who of ['client', 'therapist']) {
    const kinds = new Set([...windows.on, ...windows.reference].flatMap((w) => Object.keys(w[who].cpu.byKind)));
    const parts = [...kinds].sort().map((k) => `${k} ${f1(mean(windows.on.map((w) => w[who].cpu.byKind[k] ?? 0)))} / ${f1(mean(windows.reference.map((w) => w[who].cpu.byKind[k] ?? 0)))}`);
    console.log(`  ${who}: ${parts.join('; ')}`);
  }
  // The renderer threads whose share moved most between the conditions, and the main thread.
  console.log('\nRenderer threads, mean of the rounds (signals on / reference), the main thread and the ten that moved most:');
  for (const who of ['client', 'therapist']) {
    const names = new Set([...windows.on, ...windows.reference].flatMap((w) => Object.keys(w[who].cpu.byThread)));
    const rows = [...names].map((n) => {
      const a = mean(windows.on.map((w) => w[who].cpu.byThread[n] ?? 0));
      const b = mean(windows.reference.map((w) => w[who].cpu.byThread[n] ?? 0));
      return { n, a, b };
    });
    rows.sort((x, y) => (y.n === 'main') - (x.n === 'main') || Math.abs(y.a - y.b) - Math.abs(x.a - x.b));
    console.log(`  ${who}: ${rows.slice(0, 11).map((r) => `${r.n} ${f1(r.a)} / ${f1(r.b)}`).join('; ')}`);
  }
  const problems = people.flatMap((p) => p.problems);
  if (problems.length) console.log(`\nthe pages reported:\n  ${problems.join('\n  ')}`);
} finally {
  for (const p of people) await p.browser.close().catch(() => undefined);
  await server?.stop();
  fake.remove();
}
