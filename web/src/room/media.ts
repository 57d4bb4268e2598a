// This device's camera and microphone for the session room: asked for once, in the device check,
// and the same stream carried into the room (asking again would restart the camera). Also the
// microphone's level, a test sound for the speakers, and when the camera's first frame was taken.

export type DeviceTrouble = 'refused' | 'missing' | 'busy' | 'failed';

export interface LocalMedia {
  stream: MediaStream | null;
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  cameraTrouble?: DeviceTrouble;
  microphoneTrouble?: DeviceTrouble;
  // One AudioContext for the level meter, the test sound and voice activity.
  audioContext: AudioContext | null;
  analyser: AnalyserNode | null;
  // Local clock (epoch ms) of the camera's first frame; the page adds the server's clock offset.
  firstFrameLocalMs: number | null;
}

export function emptyMedia(): LocalMedia {
  return { stream: null, audio: null, video: null, audioContext: null, analyser: null, firstFrameLocalMs: null };
}

function trouble(e: unknown): DeviceTrouble {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'refused';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'missing';
  if (name === 'NotReadableError' || name === 'AbortError') return 'busy';
  return 'failed';
}

const kVideoConstraints: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 480 },
  frameRate: { ideal: 30, max: 30 },
};

// Asks for the camera (when `wantVideo`) and the microphone together, so that the browser asks
// once; when that fails, for each alone, so that one missing device does not cost the other.
export async function openDevices(wantVideo: boolean): Promise<LocalMedia> {
  const media = emptyMedia();
  if (!navigator.mediaDevices?.getUserMedia) {
    media.microphoneTrouble = 'failed';
    if (wantVideo) media.cameraTrouble = 'failed';
    return media;
  }
  let stream: MediaStream | null = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: wantVideo ? kVideoConstraints : false });
  } catch (both) {
    if (trouble(both) === 'refused' && !wantVideo) {
      media.microphoneTrouble = 'refused';
      return media;
    }
    stream = new MediaStream();
    try {
      const audio = await navigator.mediaDevices.getUserMedia({ audio: true });
      audio.getAudioTracks().forEach((t) => stream!.addTrack(t));
    } catch (e) {
      media.microphoneTrouble = trouble(e);
    }
    if (wantVideo) {
      try {
        const video = await navigator.mediaDevices.getUserMedia({ video: kVideoConstraints });
        video.getVideoTracks().forEach((t) => stream!.addTrack(t));
      } catch (e) {
        media.cameraTrouble = trouble(e);
      }
    }
  }
  media.stream = stream.getTracks().length > 0 ? stream : null;
  media.audio = stream.getAudioTracks()[0] ?? null;
  media.video = stream.getVideoTracks()[0] ?? null;
  if (!media.audio && !media.microphoneTrouble) media.microphoneTrouble = 'missing';
  if (wantVideo && !media.video && !media.cameraTrouble) media.cameraTrouble = 'missing';
  if (media.audio) {
    try {
      const context = new AudioContext();
      const source = context.createMediaStreamSource(new MediaStream([media.audio]));
      const analyser = context.createAnalyser();
      // At least 100 ms of sound in the buffer, whatever the sample rate.
      analyser.fftSize = 1 << Math.ceil(Math.log2(context.sampleRate * 0.1));
      source.connect(analyser);
      media.audioContext = context;
      media.analyser = analyser;
      void context.resume().catch(() => undefined);
    } catch {
      // No Web Audio: no level meter and no voice activity; the call itself still works.
    }
  }
  return media;
}

export function stopMedia(media: LocalMedia): void {
  media.stream?.getTracks().forEach((t) => t.stop());
  void media.audioContext?.close().catch(() => undefined);
  media.stream = null;
  media.audio = null;
  media.video = null;
  media.audioContext = null;
  media.analyser = null;
}

// The microphone's loudness over the last `seconds`, in dBFS (-Infinity for silence). `buffer`
// is reused between calls.
export function levelDbfs(analyser: AnalyserNode, buffer: Float32Array<ArrayBuffer>, seconds = 0.1): number {
  analyser.getFloatTimeDomainData(buffer);
  const n = Math.min(buffer.length, Math.max(1, Math.round(analyser.context.sampleRate * seconds)));
  let sum = 0;
  for (let i = buffer.length - n; i < buffer.length; i += 1) sum += buffer[i]! * buffer[i]!;
  return sum > 0 ? 10 * Math.log10(sum / n) : -Infinity;
}

export function analyserBuffer(analyser: AnalyserNode): Float32Array<ArrayBuffer> {
  return new Float32Array(analyser.fftSize);
}

// A soft two-note chime, about a second long, for checking the speakers.
export async function playTestSound(context: AudioContext | null): Promise<void> {
  const ctx = context ?? new AudioContext();
  await ctx.resume().catch(() => undefined);
  const now = ctx.currentTime;
  [523.25, 659.25].forEach((frequency, i) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = frequency;
    const start = now + i * 0.35;
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.25, start + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.001, start + 0.6);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.65);
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  if (!context) void ctx.close();
}

// Notes, on the local clock, when the camera's first frame was taken, from the first frame that
// `video` shows: its capture time less its media time (how long after the camera started it was
// taken), so that frames the camera took before the page could show one are counted too. Without
// those, the time the frame was shown. Calls `found` once.
export function watchFirstFrame(video: HTMLVideoElement, media: LocalMedia, found: () => void): () => void {
  if (media.firstFrameLocalMs !== null || !media.video) return () => undefined;
  let cancelled = false;
  const note = (localMs: number) => {
    if (cancelled || media.firstFrameLocalMs !== null) return;
    media.firstFrameLocalMs = localMs;
    found();
  };
  if (typeof video.requestVideoFrameCallback === 'function') {
    const handle = video.requestVideoFrameCallback((now, metadata) => {
      const shown = metadata.captureTime ?? now;
      const sinceStart = metadata.mediaTime;
      // Only a plausible media time (the camera started at most 10 s before) is trusted.
      const taken = metadata.captureTime !== undefined && sinceStart >= 0 && sinceStart < 10 ? shown - sinceStart * 1000 : shown;
      note(performance.timeOrigin + taken);
    });
    return () => {
      cancelled = true;
      video.cancelVideoFrameCallback(handle);
    };
  }
  const onData = () => note(Date.now());
  video.addEventListener('loadeddata', onData, { once: true });
  return () => {
    cancelled = true;
    video.removeEventListener('loadeddata', onData);
  };
}

// Plays a media element, quietly: a refusal (autoplay) leaves it to a button.
export async function playQuietly(element: HTMLMediaElement): Promise<boolean> {
  try {
    await element.play();
    return true;
  } catch {
    return false;
  }
}
