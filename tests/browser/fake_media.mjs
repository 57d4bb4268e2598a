// Fake camera and microphone files for the session room's browser test, written into a temporary
// folder at run time (nothing binary is committed). Chromium plays them in a loop as its camera
// (--use-file-for-fake-video-capture, a .y4m) and microphone (--use-file-for-fake-audio-capture,
// a 16-bit PCM .wav), starting from the first frame when the page asks for the device.
//
// Video: a bright, faintly textured block moves left and right over a dark, noise-free background.
// Its SPEED follows a smooth pseudo-random signal s(t) (seeded, periodic over the file's length so
// that the loop has no seam). The client's file is the therapist's delayed by kLagSeconds: the
// client's block moves at time t as the therapist's moved at t - 1 s, so the client follows the
// therapist by 1 s at positive correlation. The motion energy a page measures (changed pixels per
// 100 ms) grows with the speed: the block's leading and trailing edges sweep more pixels. Each
// frame also carries its own number in colour along the bottom edge (kCounterBits), invisible to
// the grey picture, so that a test can tell where the camera stands in the file.
//
// Audio: speech-like sound (a voiced harmonic tone with a little vibrato, amplitude-modulated at
// syllable rate, about -20 dBFS) alternating with true digital silence in 4 s turns: the
// therapist speaks for the first 2.4 s of each turn, the client from 2.6 s to 3.8 s (as the
// page's voice activity measures it). Each file is one person's microphone, so the designed talk
// shares are 60 % and 30 % of the time, and the client's share of all talk is 30 / (60 + 30) = 1/3.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const kLagSeconds = 1.0;
// Turns of 4 s: the therapist talks, a short pause, the client answers, a pause. Short turns keep
// the share steady whatever stretch of the files a session happens to cover.
const kTurnSeconds = 4;
// Voice activity as the page measures it runs on a little after the sound stops (a 300 ms
// hang-over after the last 100 ms that held sound, measured at about 0.35 s): each spoken stretch is
// this much shorter in the file, so that the MEASURED shares are the designed ones.
export const kVoiceRunOnSeconds = 0.35;
const kTherapistVoiced = [0, 2.4]; // seconds within each turn, as measured
const kClientVoiced = [2.6, 3.8];

export const kDesign = {
  lagSeconds: kLagSeconds,
  therapistVoicedFraction: (kTherapistVoiced[1] - kTherapistVoiced[0]) / kTurnSeconds,
  clientVoicedFraction: (kClientVoiced[1] - kClientVoiced[0]) / kTurnSeconds,
  get clientShare() {
    return this.clientVoicedFraction / (this.clientVoicedFraction + this.therapistVoicedFraction);
  },
};

// The frame counter's bits (see writeY4m) and where a page reads them: block b's centre is at
// (8b + 4, height - 4) in the picture.
export const kCounterBits = 12;

// mulberry32: a small seeded generator, so that every run draws the same files.
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// s(t) in [0, 1]: a sum of sines whose periods divide the file's length (1.5 s to 15 s), so it is
// smooth, irregular to the eye and exactly periodic over `seconds`.
function speedSignal(seconds, seed) {
  const random = seeded(seed);
  const parts = [];
  for (let k = Math.round(seconds / 15); k <= Math.round(seconds / 1.5); k += 1) {
    if (random() < 0.45) continue;
    parts.push({ w: (2 * Math.PI * k) / seconds, phase: random() * 2 * Math.PI, amp: 0.4 + random() });
  }
  const raw = (t) => parts.reduce((sum, p) => sum + p.amp * Math.sin(p.w * t + p.phase), 0);
  let lo = Infinity;
  let hi = -Infinity;
  for (let t = 0; t < seconds; t += 0.01) {
    const v = raw(t);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return (t) => (raw(t) - lo) / (hi - lo);
}

// Writes one y4m file of `frames` frames, each frame i drawn from the master sequence's frame
// (i + shift) mod frames.
function writeY4m(path, { width, height, fps, frames, xAt, shift }) {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
    const ySize = width * height;
    const cSize = (width / 2) * (height / 2);
    const frame = Buffer.alloc(6 + ySize + 2 * cSize);
    frame.write('FRAME\n', 0, 'latin1');
    frame.fill(128, 6 + ySize); // no colour
    const block = { w: 40, h: 48, top: Math.round((height - 48) / 2) };
    const background = 24;
    const bright = 204;
    for (let i = 0; i < frames; i += 1) {
      const x0 = xAt((((i + shift) % frames) + frames) % frames);
      const Y = frame.subarray(6, 6 + ySize);
      Y.fill(background);
      for (let y = block.top; y < block.top + block.h; y += 1) {
        const row = y * width;
        for (let x = Math.floor(x0); x <= Math.ceil(x0 + block.w) && x < width; x += 1) {
          // Coverage of pixel [x, x+1) by the block [x0, x0 + w): soft edges for sub-pixel motion.
          const cover = Math.max(0, Math.min(x + 1, x0 + block.w) - Math.max(x, x0));
          if (cover <= 0) continue;
          // A faint weave that moves with the block (+-4 grey levels: below any change threshold).
          const u = Math.floor(x - x0);
          const texture = ((u >> 2) + (y >> 2)) % 2 === 0 ? 4 : -4;
          Y[row + x] = Math.round(background + cover * (bright + texture - background));
        }
      }
      // The file's own frame number, for the test to read the camera's true position: 12 bits
      // in the colour (U) of 8 x 8 blocks along the bottom edge, bluish for 1, yellowish for 0.
      // Colour only: the grey picture that motion energy reads does not change.
      const U = frame.subarray(6 + ySize, 6 + ySize + cSize);
      const cw = width / 2;
      for (let bit = 0; bit < kCounterBits; bit += 1) {
        const on = (i >> bit) & 1;
        for (let y = height / 2 - 4; y < height / 2; y += 1) {
          U.fill(on ? 176 : 80, y * cw + bit * 4, y * cw + bit * 4 + 4);
        }
      }
      writeSync(fd, frame);
    }
  } finally {
    closeSync(fd);
  }
}

// A 16-bit PCM mono WAV of `seconds` at `rate`; the person speaks from `from` to `to` s of each turn.
function writeWav(path, { seconds, rate, f0, voiced: [from, measuredTo], seed }) {
  const to = measuredTo - kVoiceRunOnSeconds;
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  const random = seeded(seed);
  const syllable = 4 + random(); // syllables per second
  const level = 0.1 * Math.SQRT2; // peak of a sine at -20 dBFS RMS, before the envelope
  const harmonics = [1, 0.6, 0.35, 0.2, 0.12];
  const norm = Math.sqrt(harmonics.reduce((s, a) => s + a * a, 0));
  let phase = 0;
  for (let i = 0; i < n; i += 1) {
    const t = i / rate;
    let v = 0;
    const u = t % kTurnSeconds;
    if (u >= from && u < to) {
      // 10 ms fades at the edges of each spoken stretch, so that nothing clicks.
      const edge = Math.min(1, (u - from) / 0.01, (to - u) / 0.01);
      const envelope = 0.6 + 0.4 * Math.sin(2 * Math.PI * syllable * t); // never below 0.2
      const f = f0 * (1 + 0.03 * Math.sin(2 * Math.PI * 5.5 * t));
      phase += (2 * Math.PI * f) / rate;
      const tone = harmonics.reduce((s, a, k) => s + a * Math.sin((k + 1) * phase), 0) / norm;
      v = level * edge * envelope * tone;
    }
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

// Writes the four files into a new temporary folder. Returns their paths, the design they follow
// and remove() to delete the folder.
export function writeFakeMedia({ seconds = 92, fps = 30, width = 160, height = 120, seed = 20261205 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-fake-media-'));
  const frames = seconds * fps;
  const s = speedSignal(seconds, seed);
  // Distance travelled, folded into a back-and-forth path over the frame's free width. The speed
  // is scaled so that the whole file travels a whole number of round trips: no jump at the loop.
  const travel = width - 40;
  const dt = 1 / fps;
  let total = 0;
  for (let i = 0; i < frames; i += 1) total += s(i * dt) * dt;
  const meanSpeed = 90; // pixels per second, on average
  const roundTrips = Math.max(1, Math.round((meanSpeed * seconds) / (2 * travel)));
  const scale = (roundTrips * 2 * travel) / total;
  const distance = new Float64Array(frames);
  let d = 0;
  for (let i = 0; i < frames; i += 1) {
    distance[i] = d;
    d += s(i * dt) * dt * scale;
  }
  const xAt = (i) => {
    const m = distance[i] % (2 * travel);
    return m <= travel ? m : 2 * travel - m;
  };
  const lagFrames = Math.round(kLagSeconds * fps);
  const files = {
    therapist: { video: join(dir, 'therapist.y4m'), audio: join(dir, 'therapist.wav') },
    client: { video: join(dir, 'client.y4m'), audio: join(dir, 'client.wav') },
  };
  writeY4m(files.therapist.video, { width, height, fps, frames, xAt, shift: 0 });
  // Client frame i shows what the therapist's showed at frame i - lag.
  writeY4m(files.client.video, { width, height, fps, frames, xAt, shift: -lagFrames });
  writeWav(files.therapist.audio, { seconds, rate: 48000, f0: 120, voiced: kTherapistVoiced, seed: seed + 1 });
  writeWav(files.client.audio, { seconds, rate: 48000, f0: 210, voiced: kClientVoiced, seed: seed + 2 });
  return { dir, files, design: kDesign, fps, seconds, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// Chromium's arguments for one person's fake devices.
export function fakeDeviceArgs({ video, audio }) {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
    `--use-file-for-fake-audio-capture=${audio}`,
    '--autoplay-policy=no-user-gesture-required',
  ];
}
