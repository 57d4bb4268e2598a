// Rapport signals, computed on this device: ten times a second, on steps of the server's clock,
// how much the person moved (motion energy of the camera picture) and whether they spoke (voice
// activity of the microphone). Only these numbers leave the device, in batches of up to a second.
//
// Motion energy: the camera picture made small (160 x 120) and grey; a pixel changed when
// its grey level moved by more than kMotionThreshold since the previous step, and counts only if
// at least one of its four neighbours changed too (a lone changed pixel is sensor noise). The
// value is the fraction of all pixels that changed; null while the camera is off.
//
// Voice activity: the microphone's loudness over the last 100 ms; voiced above kVoiceDbfs, and
// for kHangSteps steps after (speech has short gaps between syllables).
import { levelDbfs } from './media';

export const kStepMs = 100;
export const kBatchSteps = 10;
export const kMotionThreshold = 12;
export const kVoiceDbfs = -50;
const kHangSteps = 3; // 300 ms
const kWidth = 160;
const kHeight = 120;

export interface FeatureBatch {
  t: number;
  motion: (number | null)[];
  voice: (0 | 1)[];
}

// Motion energy between successive pictures of one video element; buffers are reused. The
// picture is read as a VideoFrame where the browser can (its luma plane is the grey picture
// already, and reading it costs a fraction of a millisecond even at 1280 x 720), otherwise drawn
// small into a canvas and turned grey (several milliseconds a picture at 640 x 480 without a GPU).
export class MotionMeter {
  private canvas: HTMLCanvasElement | OffscreenCanvas | null = null;
  private context: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null = null;
  private previous = new Uint8Array(kWidth * kHeight);
  private current = new Uint8Array(kWidth * kHeight);
  private changed = new Uint8Array(kWidth * kHeight);
  private frameBuffer: Uint8Array<ArrayBuffer> | null = null;
  private useFrames = typeof VideoFrame !== 'undefined';
  private primed = false;
  // Limited-range luma (16..235) to full-range grey (0..255).
  private static readonly kFullRange = Uint8Array.from({ length: 256 }, (_, y) => Math.max(0, Math.min(255, Math.round(((y - 16) * 255) / 219))));

  // Forgets the previous picture (the camera was off, or signals paused).
  reset(): void {
    this.primed = false;
  }

  // The fraction of pixels that changed since the previous call, or null when there is no
  // picture to compare (the first call, or no frame yet).
  async measure(video: HTMLVideoElement | null): Promise<number | null> {
    if (!video || video.readyState < 2 || video.videoWidth === 0) {
      this.primed = false;
      return null;
    }
    let read = false;
    if (this.useFrames) {
      try {
        read = await this.readFrame(video);
      } catch {
        read = false;
      }
      // A browser whose frames cannot be read this way: the canvas from now on.
      if (!read) this.useFrames = false;
    }
    if (!read && !this.readCanvas(video)) {
      this.primed = false;
      return null;
    }
    const grey = this.current;
    let value: number | null = null;
    if (this.primed) value = changedFraction(this.previous, grey, this.changed, kWidth, kHeight, kMotionThreshold);
    this.current = this.previous;
    this.previous = grey;
    this.primed = true;
    return value;
  }

  // The picture's luma (or, for RGB frames, its grey), averaged down to kWidth x kHeight.
  private async readFrame(video: HTMLVideoElement): Promise<boolean> {
    const frame = new VideoFrame(video);
    try {
      const format = frame.format;
      const yuv = format === 'I420' || format === 'I420A' || format === 'I422' || format === 'I444' || format === 'NV12';
      const rgb = format === 'RGBA' || format === 'RGBX' || format === 'BGRA' || format === 'BGRX';
      if (!yuv && !rgb) return false;
      const rect = frame.visibleRect;
      const width = rect?.width ?? frame.codedWidth;
      const height = rect?.height ?? frame.codedHeight;
      const size = frame.allocationSize();
      if (!this.frameBuffer || this.frameBuffer.length < size) this.frameBuffer = new Uint8Array(size);
      const layout = await frame.copyTo(this.frameBuffer);
      const plane = layout[0];
      if (!plane) return false;
      const scale = yuv && frame.colorSpace?.fullRange !== true ? MotionMeter.kFullRange : null;
      const red = format === 'BGRA' || format === 'BGRX' ? 2 : 0;
      downsample(this.frameBuffer, plane.offset, plane.stride, width, height, yuv ? 1 : 4, red, scale, this.current);
      return true;
    } finally {
      frame.close();
    }
  }

  private readCanvas(video: HTMLVideoElement): boolean {
    if (!this.context) {
      this.canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(kWidth, kHeight) : Object.assign(document.createElement('canvas'), { width: kWidth, height: kHeight });
      this.context = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    }
    const ctx = this.context;
    if (!ctx) return false;
    ctx.drawImage(video, 0, 0, kWidth, kHeight);
    const rgba = ctx.getImageData(0, 0, kWidth, kHeight).data;
    const grey = this.current;
    for (let i = 0, p = 0; i < grey.length; i += 1, p += 4) {
      grey[i] = (77 * rgba[p]! + 150 * rgba[p + 1]! + 29 * rgba[p + 2]!) >> 8;
    }
    return true;
  }
}

// Averages a picture (one 8-bit plane, or 4-byte RGB pixels with red at `red`) down to the
// kWidth x kHeight grey `out`, reading at most 4 x 4 samples per output pixel.
function downsample(src: Uint8Array, offset: number, stride: number, width: number, height: number, bytes: number, red: number, scale: Uint8Array | null, out: Uint8Array): void {
  for (let oy = 0; oy < kHeight; oy += 1) {
    const y0 = Math.floor((oy * height) / kHeight);
    const y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * height) / kHeight));
    const ystep = Math.max(1, Math.floor((y1 - y0) / 4));
    for (let ox = 0; ox < kWidth; ox += 1) {
      const x0 = Math.floor((ox * width) / kWidth);
      const x1 = Math.max(x0 + 1, Math.floor(((ox + 1) * width) / kWidth));
      const xstep = Math.max(1, Math.floor((x1 - x0) / 4));
      let sum = 0;
      let n = 0;
      for (let y = y0; y < y1; y += ystep) {
        const row = offset + y * stride;
        for (let x = x0; x < x1; x += xstep) {
          if (bytes === 1) {
            sum += src[row + x]!;
          } else {
            const p = row + x * 4;
            sum += (77 * src[p + red]! + 150 * src[p + 1]! + 29 * src[p + 2 - red]!) >> 8;
          }
          n += 1;
        }
      }
      const v = Math.round(sum / n);
      out[oy * kWidth + ox] = scale ? scale[v]! : v;
    }
  }
}

// The fraction of pixels whose grey level changed by more than `threshold` between `a` and `b`
// and that have at least one changed 4-neighbour. `mask` is scratch space of the same size.
export function changedFraction(a: Uint8Array, b: Uint8Array, mask: Uint8Array, width: number, height: number, threshold: number): number {
  const n = width * height;
  for (let i = 0; i < n; i += 1) {
    const d = a[i]! - b[i]!;
    mask[i] = d > threshold || d < -threshold ? 1 : 0;
  }
  let count = 0;
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    for (let x = 0; x < width; x += 1) {
      const i = row + x;
      if (!mask[i]) continue;
      if ((x > 0 && mask[i - 1]) || (x < width - 1 && mask[i + 1]) || (y > 0 && mask[i - width]) || (y < height - 1 && mask[i + width])) {
        count += 1;
      }
    }
  }
  return count / n;
}

export interface SamplerSources {
  serverNow: () => number;
  // The local camera picture, or null while the camera is off.
  video: () => HTMLVideoElement | null;
  analyser: AnalyserNode | null;
  microphoneOn: () => boolean;
  // Sends one batch; false when it could not go (the connection is down).
  send: (batch: FeatureBatch) => boolean;
}

// Samples at every 100 ms step of the server's clock while started, and sends each second's
// samples as one batch. A step the timer missed ends the batch; the next starts at the step after.
export class FeatureSampler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private batch: FeatureBatch | null = null;
  private lastStep = -1;
  private lastVoicedStep = -Infinity;
  private readonly motion = new MotionMeter();
  private readonly audio: Float32Array<ArrayBuffer> | null;
  // Milliseconds this device spent computing, for the curious (see cost()).
  private busyMs = 0;
  private startedAt = 0;
  // Changes at each start and stop, so that a tick still reading a picture knows it is stale.
  private generation = 0;

  constructor(private readonly sources: SamplerSources) {
    this.audio = sources.analyser ? new Float32Array(sources.analyser.fftSize) : null;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.generation += 1;
    this.motion.reset();
    this.lastStep = -1;
    this.startedAt = performance.now();
    this.busyMs = 0;
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.generation += 1;
    this.flush();
  }

  // The share of one core spent on the signals since start (0..1).
  cost(): number {
    const elapsed = performance.now() - this.startedAt;
    return elapsed > 0 ? this.busyMs / elapsed : 0;
  }

  private schedule(): void {
    const now = this.sources.serverNow();
    // A little after the step begins, so that the step is surely the next one.
    const wait = kStepMs - (now % kStepMs) + 2;
    this.timer = setTimeout(() => void this.tick(), wait);
  }

  private async tick(): Promise<void> {
    const generation = this.generation;
    const began = performance.now();
    const step = Math.floor(this.sources.serverNow() / kStepMs);
    if (step > this.lastStep) {
      if (this.batch && step !== this.batch.t / kStepMs + this.batch.motion.length) this.flush();
      // A gap: the motion compared over it would not be one step's.
      if (this.lastStep >= 0 && step !== this.lastStep + 1) this.motion.reset();
      this.lastStep = step;
      // The sound first: reading the picture may take a moment.
      const voice = this.voice(step);
      const motion = await this.motion.measure(this.sources.video()).catch(() => null);
      if (generation !== this.generation) return; // stopped (or restarted) meanwhile
      this.batch ??= { t: step * kStepMs, motion: [], voice: [] };
      this.batch.motion.push(motion === null ? null : Math.round(motion * 1e5) / 1e5);
      this.batch.voice.push(voice);
      if (this.batch.motion.length >= kBatchSteps) this.flush();
    }
    this.busyMs += performance.now() - began;
    this.schedule();
  }

  private voice(step: number): 0 | 1 {
    const analyser = this.sources.analyser;
    if (!analyser || !this.audio || !this.sources.microphoneOn()) return 0;
    if (levelDbfs(analyser, this.audio, kStepMs / 1000) > kVoiceDbfs) this.lastVoicedStep = step;
    return step - this.lastVoicedStep < kHangSteps + 1 ? 1 : 0;
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = null;
    if (batch && batch.motion.length > 0) this.sources.send(batch);
  }
}
