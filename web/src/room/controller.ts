// One person's part in a live session room: the socket, the waiting room, the WebRTC connections
// (the therapist with each admitted person; everyone else with the therapist only), the typed
// chat, the audio-only fallback, the rapport signals and the therapist's live strip. The page
// renders `view` and calls the methods; nothing here touches the DOM except the video element it
// is handed for motion energy.
import { FeatureSampler, type FeatureBatch } from './features';
import type { LocalMedia } from './media';
import { Peer, type LocalTracks, type Route } from './peer';
import { RoomSocket, type SocketState } from './connection';
import {
  isTyped,
  roomSocketUrl,
  type ClientMessage,
  type IceConfig,
  type PeerSignal,
  type Reaction,
  type ReactionKind,
  type RoomMember,
  type RoomPass,
  type ServerMessage,
  type SignalsState,
  type StripReading,
} from './room_api';

export type Phase = 'connecting' | 'waiting' | 'in' | 'reconnecting' | 'ended' | 'left' | 'replaced';
// How this person takes part: with camera and microphone, sound only, or typed chat only.
export type JoinMode = 'video' | 'audio' | 'typed';

export interface RemoteView {
  id: number;
  name: string;
  part: RoomMember['part'];
  stream: MediaStream;
  state: RTCPeerConnectionState;
  route?: Route;
  away: boolean;
}

export interface ChatLine {
  key: number;
  from: number;
  name: string;
  text: string;
  at: string;
  mine: boolean;
}

export interface ReactionLine extends Reaction {
  key: number;
}

export interface RoomView {
  phase: Phase;
  everConnected: boolean;
  retryInMs?: number;
  you: RoomMember | null;
  members: RoomMember[];
  session: { started_at: string; ended_at?: string | null } | null;
  chat: ChatLine[];
  remotes: RemoteView[];
  signals: SignalsState | null;
  signalsNote: string | null;
  // What this person asked for and the server has not confirmed yet.
  consentAsked: boolean | null;
  pauseAsked: boolean | null;
  stripAsked: boolean | null;
  strip: StripReading | null;
  reactions: ReactionLine[];
  reactionNote: string | null;
  videoPaused: boolean;
  cameraOn: boolean;
  microphoneOn: boolean;
  notice: string | null;
  clockOffsetMs: number;
  clockSynced: boolean;
  // Server time (ms) of the camera's first frame, once known.
  firstFrameAt: number | null;
  sampling: boolean;
}

const kLowBitrate = 150_000; // bits per second: below this, video starves the sound
const kLimitedBitrate = 300_000;
const kLowForMs = 5000;
const kStatsEveryMs = 1000;

export class RoomController {
  private socket: RoomSocket | undefined;
  private readonly peers = new Map<number, Peer>();
  private readonly listeners = new Set<() => void>();
  private sampler: FeatureSampler | undefined;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private lowSince = 0;
  private keys = 0;
  private wasConnected = new Map<number, boolean>();
  private rtcConfig: RTCConfiguration;
  private localVideo: HTMLVideoElement | null = null;
  private inspecting = false;
  private graceUntil = 0;
  // The peer each recent signal went to, by seq, so that a refused one marks its connection.
  private readonly signalSeqs = new Map<number, number>();
  view: RoomView;

  constructor(
    readonly pass: RoomPass,
    readonly media: LocalMedia,
    readonly mode: JoinMode,
  ) {
    this.rtcConfig = iceToConfig(pass.ice);
    this.view = {
      phase: 'connecting',
      everConnected: false,
      you: null,
      members: [],
      session: pass.session,
      chat: [],
      remotes: [],
      signals: null,
      signalsNote: null,
      consentAsked: null,
      pauseAsked: null,
      stripAsked: null,
      strip: null,
      reactions: [],
      reactionNote: null,
      videoPaused: false,
      cameraOn: !!media.video && mode === 'video',
      microphoneOn: !!media.audio && mode !== 'typed',
      notice: null,
      clockOffsetMs: 0,
      clockSynced: false,
      firstFrameAt: null,
      sampling: false,
    };
    this.view.firstFrameAt = this.firstFrameAt();
  }

  // --- Wiring to the page ---------------------------------------------------------------------

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<RoomView>): void {
    this.view = { ...this.view, ...patch };
    this.listeners.forEach((l) => l());
  }

  // The camera's first frame was noted (by the self-view, when the device check had not yet).
  frameNoted(): void {
    this.set({ firstFrameAt: this.firstFrameAt() });
  }

  // The self-view, which motion energy reads.
  setLocalVideo(video: HTMLVideoElement | null): void {
    this.localVideo = video;
  }

  // The media this person sends (none for typed chat only).
  private get tracks(): LocalTracks {
    const modality = this.pass.appointment.modality;
    const kinds: LocalTracks['kinds'] = isTyped(modality) || this.mode === 'typed' ? [] : modality === 'phone' ? ['audio'] : ['audio', 'video'];
    return {
      audio: this.mode === 'typed' ? null : this.media.audio,
      video: this.mode === 'video' && modality === 'video' ? this.media.video : null,
      stream: this.media.stream,
      kinds,
    };
  }

  private get withMedia(): boolean {
    return this.tracks.kinds.length > 0;
  }

  private firstFrameAt(): number | null {
    return this.media.firstFrameLocalMs === null ? null : Math.round(this.media.firstFrameLocalMs + (this.socket?.offsetMs ?? 0));
  }

  // --- The socket --------------------------------------------------------------------------------

  join(): void {
    if (this.socket) return;
    void this.media.audioContext?.resume().catch(() => undefined);
    this.socket = new RoomSocket(roomSocketUrl(this.pass.appointment.id), {
      message: (m) => this.onMessage(m),
      state: (s, info) => this.onSocketState(s, info.retryInMs),
      clock: (offset) => this.set({ clockOffsetMs: offset, clockSynced: true, firstFrameAt: this.firstFrameAt() }),
    });
    this.socket.connect();
    this.statsTimer = setInterval(() => void this.inspect(), kStatsEveryMs);
  }

  private onSocketState(state: SocketState, retryInMs?: number): void {
    const phase = this.view.phase;
    if (phase === 'ended' || phase === 'left' || phase === 'replaced') return;
    if (state === 'reconnecting') {
      this.set({ phase: 'reconnecting', retryInMs });
      this.updateSampler();
    } else if (state === 'connecting') {
      this.set({ phase: 'connecting', retryInMs });
    }
  }

  private send(message: ClientMessage): number | undefined {
    return this.socket?.send(message);
  }

  private onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome': {
        const reconnected = this.view.everConnected;
        this.rtcConfig = iceToConfig(m.ice);
        this.peers.forEach((p) => p.setConfig(this.rtcConfig));
        this.set({
          phase: m.you.presence === 'admitted' ? 'in' : 'waiting',
          everConnected: true,
          retryInMs: undefined,
          you: m.you,
          members: m.members,
          session: m.session ?? this.view.session,
          notice: null,
        });
        this.reconcile(reconnected);
        this.updateSampler();
        break;
      }
      case 'room': {
        const you = m.members.find((x) => x.id === this.view.you?.id) ?? this.view.you;
        const phase = this.view.phase === 'waiting' && you?.presence === 'admitted' ? 'in' : this.view.phase;
        this.set({ members: m.members, you, phase });
        this.reconcile(false);
        break;
      }
      case 'admitted': {
        const you = this.view.you ? { ...this.view.you, presence: 'admitted' as const } : null;
        this.set({ phase: 'in', you });
        this.reconcile(false);
        this.updateSampler();
        break;
      }
      case 'signal': {
        const peer = this.peers.get(m.from) ?? this.createPeerFor(m.from);
        peer?.handle(m.signal);
        break;
      }
      case 'chat':
        this.set({
          chat: [
            ...this.view.chat,
            { key: ++this.keys, from: m.from, name: m.name, text: m.text, at: m.at, mine: m.from === this.view.you?.id },
          ].slice(-500),
        });
        break;
      case 'session':
        this.set({ session: { started_at: m.started_at, ended_at: null } });
        break;
      case 'ended':
        this.finish('ended');
        break;
      case 'replaced':
        this.finish('replaced');
        break;
      case 'signals': {
        const signals: SignalsState = { on: m.on, consent: m.consent, paused_by: m.paused_by, strip: m.strip };
        this.set({ signals, consentAsked: null, pauseAsked: null, stripAsked: null, signalsNote: null, strip: signals.strip ? this.view.strip : null });
        this.updateSampler();
        break;
      }
      case 'strip':
        this.set({ strip: { sync: m.sync, lag_seconds: m.lag_seconds, leader: m.leader, client_share: m.client_share, at: m.at } });
        break;
      case 'reaction': {
        const line = { key: ++this.keys, kind: m.kind, at: m.at, offset_seconds: m.offset_seconds };
        this.set({ reactions: [line, ...this.view.reactions].slice(0, 20), reactionNote: null });
        break;
      }
      case 'error':
        this.onError(m.seq, m.code, m.field, m.detail);
        break;
      default:
        break;
    }
  }

  private onError(seq: number, code: string, field: string | null, detail: string): void {
    const type = this.socket?.typeOf(seq);
    const refusedSignalTo = this.signalSeqs.get(seq);
    if (refusedSignalTo !== undefined) {
      // The other person was not reachable just then: negotiate again once they are.
      const peer = this.peers.get(refusedSignalTo);
      if (peer) peer.lostSignal = true;
      return;
    }
    const why = detail ? sentence(detail) : '';
    switch (type) {
      case 'chat':
        this.set({ notice: `Your message was not sent. ${why}`.trim() });
        break;
      case 'admit':
        this.set({ notice: `That person could not be let in. ${why}`.trim() });
        break;
      case 'end':
        this.set({ notice: `The session could not be ended. ${why}`.trim() });
        break;
      case 'consent':
      case 'pause':
      case 'strip':
        this.set({ signalsNote: `That did not go through. ${why}`.trim(), consentAsked: null, pauseAsked: null, stripAsked: null });
        break;
      case 'reaction':
        this.set({ reactionNote: `That could not be sent. ${why}`.trim() });
        break;
      default:
        // Feature batches and signals: the call goes on; nothing the person can do.
        if (code !== 'out_of_order') console.warn('room: the server refused a message', { seq, code, field, detail });
    }
  }

  // --- Peers ------------------------------------------------------------------------------------

  // Whether this person and `m` are connected by media: both admitted, and one is the therapist.
  private pairs(m: RoomMember): boolean {
    const you = this.view.you;
    if (!you || !this.withMedia || m.id === you.id) return false;
    if (you.presence !== 'admitted' || m.presence !== 'admitted') return false;
    return you.part === 'therapist' || m.part === 'therapist';
  }

  private createPeerFor(id: number): Peer | undefined {
    const m = this.view.members.find((x) => x.id === id);
    if (!m || !this.pairs(m)) return undefined;
    const polite = this.view.you?.part !== 'therapist';
    const peer = new Peer(
      id,
      polite,
      this.rtcConfig,
      this.tracks,
      {
        send: (to: number, signal: PeerSignal) => {
          const seq = this.send({ type: 'signal', to, signal });
          if (seq === undefined) return false;
          this.signalSeqs.set(seq, to);
          if (this.signalSeqs.size > 500) this.signalSeqs.delete(this.signalSeqs.keys().next().value!);
          return true;
        },
        changed: () => this.refreshRemotes(),
      },
    );
    if (this.view.videoPaused) void peer.setSendingVideo(false);
    this.peers.set(id, peer);
    this.refreshRemotes();
    return peer;
  }

  // After a welcome or a change of who is in the room: a connection for each person this one
  // pairs with, and a new path (ICE restart) for those whose connection needs one because
  // either side's link to the server dropped.
  private reconcile(selfReconnected: boolean): void {
    for (const m of this.view.members) {
      if (!this.pairs(m)) continue;
      const was = this.wasConnected.get(m.id);
      this.wasConnected.set(m.id, m.connected);
      if (!m.connected) continue;
      const peer = this.peers.get(m.id);
      if (!peer) {
        this.createPeerFor(m.id);
        continue;
      }
      const back = selfReconnected || was === false;
      if (back && (peer.lostSignal || peer.connectionState !== 'connected')) peer.restart();
    }
    // People who left the room altogether (not just dropped for a moment).
    for (const [id, peer] of this.peers) {
      if (!this.view.members.some((m) => m.id === id)) {
        peer.close();
        this.peers.delete(id);
      }
    }
    this.refreshRemotes();
  }

  private refreshRemotes(): void {
    const remotes: RemoteView[] = [];
    for (const [id, peer] of this.peers) {
      const m = this.view.members.find((x) => x.id === id);
      remotes.push({
        id,
        name: m?.name ?? 'Someone',
        part: m?.part ?? 'client',
        stream: peer.remoteStream,
        state: peer.connectionState,
        route: peer.route,
        away: !m?.connected,
      });
    }
    this.set({ remotes });
  }

  // Once a second: each connection's route, a stalled path restarted, and whether video must give
  // way to sound.
  private async inspect(): Promise<void> {
    if (this.inspecting || this.peers.size === 0) return;
    this.inspecting = true;
    try {
      let low = false;
      let changed = false;
      for (const peer of this.peers.values()) {
        const before = peer.route;
        const seen = await peer.inspect().catch(() => undefined);
        if (!seen) continue;
        if (seen.route !== before) changed = true;
        const aob = seen.availableOutgoingBitrate;
        if ((aob !== undefined && aob < kLowBitrate) || (seen.videoLimitedByBandwidth && (aob === undefined || aob < kLimitedBitrate))) low = true;
        const member = this.view.members.find((m) => m.id === peer.remoteId);
        if (member?.connected && this.socket?.open && peer.needsRestart(5000, 12_000)) peer.restart();
      }
      if (changed) this.refreshRemotes();
      const now = Date.now();
      const sendingVideo = !!this.tracks.video && this.view.cameraOn && !this.view.videoPaused;
      if (low && sendingVideo && now >= this.graceUntil) {
        this.lowSince ||= now;
        if (now - this.lowSince >= kLowForMs) this.pauseVideo();
      } else {
        this.lowSince = 0;
      }
    } finally {
      this.inspecting = false;
    }
  }

  private pauseVideo(): void {
    this.lowSince = 0;
    this.peers.forEach((p) => void p.setSendingVideo(false));
    this.set({ videoPaused: true });
  }

  tryVideoAgain(): void {
    this.graceUntil = Date.now() + 10_000;
    this.peers.forEach((p) => void p.setSendingVideo(true));
    this.set({ videoPaused: false });
  }

  // --- The person's own controls ----------------------------------------------------------------

  setCamera(on: boolean): void {
    if (this.media.video) this.media.video.enabled = on;
    this.set({ cameraOn: on && !!this.media.video });
  }

  setMicrophone(on: boolean): void {
    if (this.media.audio) this.media.audio.enabled = on;
    this.set({ microphoneOn: on && !!this.media.audio });
  }

  admit(user: number): void {
    if (this.send({ type: 'admit', user }) === undefined) this.set({ notice: 'Not connected just now. Please try again in a moment.' });
  }

  // False when the message could not go (not connected): the page keeps the text.
  sendChat(text: string): boolean {
    if (this.send({ type: 'chat', text }) === undefined) {
      this.set({ notice: 'Not connected just now, so your message was not sent. It is still in the box.' });
      return false;
    }
    this.set({ notice: null });
    return true;
  }

  setConsent(given: boolean): void {
    if (this.send({ type: 'consent', given }) === undefined) {
      this.set({ signalsNote: 'Not connected just now. Please try again in a moment.' });
      return;
    }
    this.set({ consentAsked: given, signalsNote: null });
    // Stop at once when consent is taken back, before the server confirms.
    if (!given) this.updateSampler(true);
  }

  setPaused(paused: boolean): void {
    if (this.send({ type: 'pause', paused }) === undefined) {
      this.set({ signalsNote: 'Not connected just now. Please try again in a moment.' });
      return;
    }
    this.set({ pauseAsked: paused, signalsNote: null });
    if (paused) this.updateSampler(true);
  }

  setStrip(on: boolean): void {
    if (this.send({ type: 'strip', on }) === undefined) {
      this.set({ signalsNote: 'Not connected just now. Please try again in a moment.' });
      return;
    }
    this.set({ stripAsked: on, signalsNote: null });
  }

  react(kind: ReactionKind): void {
    if (this.send({ type: 'reaction', kind }) === undefined) {
      this.set({ reactionNote: 'Not connected just now, so that was not sent.' });
      return;
    }
    this.set({ reactionNote: null });
  }

  end(): void {
    if (this.send({ type: 'end' }) === undefined) this.set({ notice: 'Not connected just now, so the session could not be ended. Please try again in a moment.' });
  }

  leave(): void {
    this.finish('left');
  }

  // --- Rapport signals --------------------------------------------------------------------------

  private updateSampler(forceOff = false): void {
    const v = this.view;
    const part = v.you?.part;
    const want =
      !forceOff &&
      !!v.signals?.on &&
      v.phase === 'in' &&
      (part === 'therapist' || part === 'client') &&
      this.withMedia &&
      (!!this.tracks.audio || !!this.tracks.video);
    if (want && !this.sampler?.running) {
      this.sampler ??= new FeatureSampler({
        serverNow: () => this.socket?.serverNow() ?? Date.now(),
        video: () => (this.tracks.video && this.view.cameraOn ? this.localVideo : null),
        analyser: this.tracks.audio ? this.media.analyser : null,
        microphoneOn: () => this.view.microphoneOn,
        send: (batch: FeatureBatch) => this.send({ type: 'features', t: batch.t, motion: batch.motion, voice: batch.voice }) !== undefined,
      });
      void this.media.audioContext?.resume().catch(() => undefined);
      this.sampler.start();
    } else if (!want && this.sampler?.running) {
      this.sampler.stop();
    }
    if (v.sampling !== !!this.sampler?.running) this.set({ sampling: !!this.sampler?.running });
  }

  // The share of one core the signals have cost since they started (0..1).
  signalsCost(): number {
    return this.sampler?.cost() ?? 0;
  }

  // --- The end ------------------------------------------------------------------------------------

  private finish(phase: 'ended' | 'left' | 'replaced'): void {
    this.sampler?.stop();
    this.sampler = undefined;
    if (this.statsTimer !== undefined) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    this.socket?.stop();
    this.peers.forEach((p) => p.close());
    this.peers.clear();
    this.set({ phase, remotes: [], sampling: false });
  }

  dispose(): void {
    if (this.view.phase !== 'ended' && this.view.phase !== 'left' && this.view.phase !== 'replaced') this.finish('left');
    this.listeners.clear();
  }
}

export function iceToConfig(ice: IceConfig | undefined): RTCConfiguration {
  return {
    iceServers: ice?.ice_servers ?? [],
    iceTransportPolicy: ice?.ice_transport_policy === 'relay' ? 'relay' : 'all',
  };
}

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
