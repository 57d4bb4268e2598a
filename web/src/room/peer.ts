// One WebRTC connection between this browser and one other person in the room, negotiated by the
// "perfect negotiation" pattern: either side may offer at any time; when two offers cross, the
// polite side (everyone but the therapist) gives way. Offers, answers and candidates travel as
// "signal" messages through the room socket; the media goes straight between the browsers, or
// through the clinic's TURN relay.
//
// The therapist's side offers first: it sends its media at once. The polite side adds its own
// media when it answers that offer (so that the two offers do not cross at the start, which can
// leave a rolled-back side without ICE candidates), or by itself after kPoliteWaitMs when no
// offer came (the therapist's side still holds a connection from before a reload).
//
// A person who reloads the page comes back with a new connection of their own. Their next
// description then carries a new SDP session id; this side starts afresh to meet it, rather than
// trying to continue a connection the other side no longer has.
import type { PeerSignal } from './room_api';

export type Route = 'direct' | 'relay';

const kPoliteWaitMs = 2000;
const kRestartEveryMs = 8000;

export interface LocalTracks {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  stream: MediaStream | null;
  // The kinds of media the appointment carries (phone: audio only).
  kinds: ('audio' | 'video')[];
}

export interface PeerHost {
  // Sends a signal to the other person; false when it could not go (the socket is down).
  send(to: number, signal: PeerSignal): boolean;
  changed(): void;
}

// The SDP session id (the o= line's second field): the same for every description one
// RTCPeerConnection makes.
function sessionIdOf(sdp: string | undefined): string | undefined {
  return sdp ? /^o=\S+ (\d+) /m.exec(sdp)?.[1] : undefined;
}

export class Peer {
  pc!: RTCPeerConnection;
  remoteStream = new MediaStream();
  route: Route | undefined;
  // Set when a signal could not be delivered: negotiate again once both are back.
  lostSignal = false;
  private remoteSession: string | undefined;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private queue: Promise<void> = Promise.resolve();
  private videoSender: RTCRtpSender | null = null;
  private sendingVideo = true;
  private closed = false;
  private disconnectedSince = 0;
  private tracksAdded = false;
  private stateSince = Date.now();
  private lastRestart = 0;
  private politeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly remoteId: number,
    readonly polite: boolean,
    private config: RTCConfiguration,
    private readonly local: LocalTracks,
    private readonly host: PeerHost,
  ) {
    this.create(!polite);
    if (polite) {
      this.politeTimer = setTimeout(() => {
        if (!this.closed && !this.pc.remoteDescription) this.addTracks();
      }, kPoliteWaitMs);
    }
  }

  get connectionState(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  // A new RTCPeerConnection; with this side's media at once, or once it answers (see above).
  private create(withTracks: boolean): void {
    const pc = new RTCPeerConnection(this.config);
    this.pc = pc;
    this.remoteStream = new MediaStream();
    this.route = undefined;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.settingRemoteAnswer = false;
    this.videoSender = null;
    this.tracksAdded = false;
    this.stateSince = Date.now();
    if (withTracks) this.addTracks();
    pc.ontrack = ({ track }) => {
      if (pc !== this.pc) return;
      this.remoteStream.getTracks().filter((t) => t.kind === track.kind && t !== track).forEach((t) => this.remoteStream.removeTrack(t));
      if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
      // A new stream object, so that the page sets it on its media element again.
      this.remoteStream = new MediaStream(this.remoteStream.getTracks());
      track.onunmute = () => this.host.changed();
      track.onended = () => this.host.changed();
      this.host.changed();
    };
    pc.onnegotiationneeded = async () => {
      if (pc !== this.pc) return;
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription) this.send({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      } catch (e) {
        console.warn('room: could not make an offer', e);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (pc !== this.pc || !candidate) return;
      this.send({ candidate: candidate.toJSON() });
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      const state = pc.connectionState;
      this.stateSince = Date.now();
      if (state === 'disconnected') this.disconnectedSince ||= Date.now();
      else this.disconnectedSince = 0;
      if (state === 'failed') this.restart();
      this.host.changed();
    };
  }

  // This side's media on the connection. The therapist's side also asks to receive what it does
  // not send, so that a person without a camera (or microphone) still sees and hears the other;
  // the polite side answers with what it has (transceivers of its own would not pair with the
  // offer's).
  private addTracks(): void {
    if (this.tracksAdded) return;
    this.tracksAdded = true;
    const pc = this.pc;
    const { audio, video, stream, kinds } = this.local;
    const base = stream ?? new MediaStream();
    if (audio && kinds.includes('audio')) pc.addTrack(audio, base);
    if (video && kinds.includes('video')) {
      this.videoSender = pc.addTrack(video, base);
      if (!this.sendingVideo) void this.videoSender.replaceTrack(null);
    }
    if (!this.polite) {
      if (!audio && kinds.includes('audio')) pc.addTransceiver('audio', { direction: 'recvonly' });
      if (!video && kinds.includes('video')) pc.addTransceiver('video', { direction: 'recvonly' });
    }
  }

  private send(signal: PeerSignal): void {
    if (!this.host.send(this.remoteId, signal)) this.lostSignal = true;
  }

  // Takes one signal from the other person; signals are handled one at a time, in order.
  handle(signal: PeerSignal): void {
    this.queue = this.queue.then(() => this.apply(signal)).catch((e: unknown) => console.warn('room: a signal could not be applied', e));
  }

  private async apply(signal: PeerSignal): Promise<void> {
    if (this.closed) return;
    if ('description' in signal) {
      const description = signal.description;
      const session = sessionIdOf(description.sdp);
      if (session && this.remoteSession && session !== this.remoteSession) {
        // The other side started a new connection (a reload): start afresh to meet it.
        this.pc.close();
        this.remoteSession = undefined;
        // The polite side answers an offer with its media; otherwise this side offers anew.
        this.create(!this.polite || description.type !== 'offer');
        this.host.changed();
        // An answer to an offer of the old connection means nothing to the new one, which
        // makes its own offer.
        if (description.type !== 'offer') return;
      }
      const pc = this.pc;
      const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswer);
      const collision = description.type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      this.settingRemoteAnswer = description.type === 'answer';
      try {
        await pc.setRemoteDescription(description as RTCSessionDescriptionInit);
      } finally {
        this.settingRemoteAnswer = false;
      }
      if (session) this.remoteSession = session;
      if (description.type === 'offer') {
        // The polite side's media goes into its answer (the offer's transceivers take it).
        this.addTracks();
        await pc.setLocalDescription();
        if (pc.localDescription) this.send({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      }
    } else if (signal.candidate) {
      try {
        await this.pc.addIceCandidate(signal.candidate);
      } catch (e) {
        if (!this.ignoreOffer) throw e;
      }
    }
  }

  // Looks for a new path (after either side's connection to the server came back, or the media
  // path failed): an ICE restart, negotiated like any other change.
  restart(): void {
    if (this.closed) return;
    this.lostSignal = false;
    this.lastRestart = Date.now();
    this.stateSince = Date.now();
    if (!this.tracksAdded) {
      // Nothing negotiated yet from this side: offering its media is the way to start.
      this.addTracks();
      return;
    }
    this.queue = this.queue
      .then(async () => {
        if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
        this.pc.restartIce();
      })
      .catch((e: unknown) => console.warn('room: could not restart ICE', e));
  }

  // True when the connection needs a new start: down (disconnected) for more than `downMs`,
  // failed, or still not connected `stuckMs` after it began or last restarted; never more often
  // than every kRestartEveryMs.
  needsRestart(downMs: number, stuckMs: number): boolean {
    const now = Date.now();
    if (now - this.lastRestart < kRestartEveryMs) return false;
    const state = this.pc.connectionState;
    if (state === 'failed' || this.lostSignal) return true;
    if (state === 'disconnected') return this.disconnectedSince > 0 && now - this.disconnectedSince > downMs;
    return (state === 'new' || state === 'connecting') && now - this.stateSince > stuckMs;
  }

  // New STUN/TURN credentials (each welcome brings fresh ones).
  setConfig(config: RTCConfiguration): void {
    this.config = config;
    try {
      this.pc.setConfiguration(config);
    } catch {
      // A policy change needs a new connection; the next restart or reload takes it.
    }
  }

  // Stops (or resumes) sending this side's camera, keeping the camera itself on for the self-view.
  async setSendingVideo(on: boolean): Promise<void> {
    this.sendingVideo = on;
    if (this.videoSender) await this.videoSender.replaceTrack(on ? this.local.video : null);
  }

  // The route the media takes and what the network allows for sending, from the statistics.
  async inspect(): Promise<{ route?: Route; availableOutgoingBitrate?: number; videoLimitedByBandwidth: boolean }> {
    const stats = await this.pc.getStats();
    let pairId: string | undefined;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    let pair: (RTCIceCandidatePairStats & { availableOutgoingBitrate?: number }) | undefined;
    stats.forEach((s) => {
      if (s.type !== 'candidate-pair') return;
      if (pairId ? s.id === pairId : s.nominated && s.state === 'succeeded') pair = s;
    });
    let route: Route | undefined;
    if (pair) {
      const local = stats.get(pair.localCandidateId) as { candidateType?: string } | undefined;
      const remote = stats.get(pair.remoteCandidateId) as { candidateType?: string } | undefined;
      if (local?.candidateType || remote?.candidateType) {
        route = local?.candidateType === 'relay' || remote?.candidateType === 'relay' ? 'relay' : 'direct';
      }
    }
    let videoLimitedByBandwidth = false;
    stats.forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video' && s.qualityLimitationReason === 'bandwidth') videoLimitedByBandwidth = true;
    });
    this.route = route;
    return { route, availableOutgoingBitrate: pair?.availableOutgoingBitrate, videoLimitedByBandwidth };
  }

  close(): void {
    this.closed = true;
    if (this.politeTimer !== undefined) clearTimeout(this.politeTimer);
    this.pc.close();
  }
}
