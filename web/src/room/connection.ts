// The room socket: opened with the session's cookie and proved with its CSRF token in the first
// message, every message numbered with an increasing "seq", and reopened with growing pauses
// (1 s, 2 s, 4 s ... 15 s) when it drops, until the room is left, ended or opened elsewhere.
// While the browser says it is offline no attempt is made; it tries at once when it is back.
//
// Also the server's clock: a few "clock" pings after each welcome, the one with the shortest
// round trip kept, so that the rapport signals of both people fall on the same 100 ms steps.
import { csrfTokenForLive } from '../api';
import type { ClientMessage, ServerMessage } from './room_api';

const kFirstPauseMs = 1000;
const kLongestPauseMs = 15_000;
const kClockPings = 5;
const kClockSpacingMs = 250;

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface SocketListener {
  message(message: ServerMessage): void;
  state(state: SocketState, info: { attempt: number; retryInMs?: number; everOpened: boolean }): void;
  // The clock's offset (server minus local, ms) changed.
  clock(offsetMs: number, roundTripMs: number): void;
}

export class RoomSocket {
  private ws: WebSocket | undefined;
  private seq = 0;
  private pause = kFirstPauseMs;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private attempt = 0;
  private everOpened = false;
  private welcomed = false;
  private clockTimers: ReturnType<typeof setTimeout>[] = [];
  private bestRoundTrip = Infinity;
  offsetMs = 0;
  clockAnswered = false;
  // The type of each message sent, by seq, for reading the server's errors.
  private readonly sent = new Map<number, ClientMessage['type']>();

  constructor(
    private readonly url: string,
    private readonly listener: SocketListener,
  ) {
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.welcomed;
  }

  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  connect(): void {
    if (this.stopped) return;
    this.timer = undefined;
    if (!navigator.onLine) {
      // Wait for 'online' rather than fail in a loop.
      this.listener.state('reconnecting', { attempt: this.attempt, everOpened: this.everOpened });
      return;
    }
    this.attempt += 1;
    this.listener.state(this.everOpened ? 'reconnecting' : 'connecting', { attempt: this.attempt, everOpened: this.everOpened });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.later();
      return;
    }
    this.ws = ws;
    this.welcomed = false;
    ws.onopen = () => {
      this.seq += 1;
      ws.send(JSON.stringify({ type: 'hello', seq: this.seq, csrf: csrfTokenForLive() }));
    };
    ws.onmessage = (e: MessageEvent) => {
      if (ws !== this.ws || typeof e.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(e.data) as ServerMessage;
      } catch {
        return;
      }
      if (!message || typeof message !== 'object' || typeof message.type !== 'string') return;
      if (message.type === 'welcome') {
        this.welcomed = true;
        this.everOpened = true;
        this.pause = kFirstPauseMs;
        this.attempt = 0;
        this.listener.state('open', { attempt: 0, everOpened: true });
        this.syncClock();
      }
      if (message.type === 'clock') {
        this.clockReply(message.sent, message.server);
        return;
      }
      this.listener.message(message);
      if (message.type === 'replaced' || message.type === 'ended') this.stop();
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.ws = undefined;
      this.welcomed = false;
      this.clockTimers.forEach(clearTimeout);
      this.clockTimers = [];
      if (this.stopped) return;
      this.later();
    };
  }

  // Sends a message with the next seq; returns the seq, or undefined when the socket is not open.
  send(message: ClientMessage): number | undefined {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.welcomed) return undefined;
    this.seq += 1;
    const seq = this.seq;
    ws.send(JSON.stringify({ ...message, seq }));
    if (message.type !== 'features' && message.type !== 'signal') {
      this.sent.set(seq, message.type);
      if (this.sent.size > 200) this.sent.delete(this.sent.keys().next().value!);
    }
    return seq;
  }

  // What kind of message an error's seq refers to (for the messages the page keeps track of).
  typeOf(seq: number): ClientMessage['type'] | undefined {
    return this.sent.get(seq);
  }

  // Drops the connection as if the network had (the browser went offline).
  private onOffline = () => {
    if (this.stopped || !this.ws) return;
    const ws = this.ws;
    this.ws = undefined;
    this.welcomed = false;
    ws.onclose = null;
    ws.onmessage = null;
    ws.close();
    this.later();
  };

  private onOnline = () => {
    if (this.stopped || this.ws) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.pause = kFirstPauseMs;
    this.connect();
  };

  private later(): void {
    if (this.stopped) return;
    const wait = this.pause;
    this.pause = Math.min(this.pause * 2, kLongestPauseMs);
    this.listener.state(this.everOpened ? 'reconnecting' : 'connecting', { attempt: this.attempt, retryInMs: wait, everOpened: this.everOpened });
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  private syncClock(): void {
    this.bestRoundTrip = Infinity;
    this.clockTimers.forEach(clearTimeout);
    this.clockTimers = [];
    for (let i = 0; i < kClockPings; i += 1) {
      this.clockTimers.push(setTimeout(() => this.send({ type: 'clock', sent: Date.now() }), i * kClockSpacingMs));
    }
  }

  private clockReply(sent: number, server: number): void {
    const received = Date.now();
    if (typeof sent !== 'number' || typeof server !== 'number') return;
    const roundTrip = received - sent;
    if (roundTrip < 0 || roundTrip > this.bestRoundTrip) return;
    this.bestRoundTrip = roundTrip;
    this.offsetMs = server - (sent + received) / 2;
    this.clockAnswered = true;
    this.listener.clock(this.offsetMs, roundTrip);
  }

  // Closes for good: the person left, or the session ended.
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.clockTimers.forEach(clearTimeout);
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close(1000);
    }
    this.listener.state('stopped', { attempt: this.attempt, everOpened: this.everOpened });
  }
}

// The connection check of the device check: the room socket can be opened from here. It is
// closed again before the first message, so that nobody is shown as arriving.
export function probeSocket(url: string, timeoutMs = 8000): Promise<boolean> {
  return new Promise((resolve) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      ws.onopen = () => ws.close();
      ws.onclose = null;
      resolve(false);
    }, timeoutMs);
    ws.onopen = () => {
      clearTimeout(timer);
      ws.onclose = null;
      ws.close(1000);
      resolve(true);
    };
    ws.onclose = () => {
      clearTimeout(timer);
      resolve(false);
    };
  });
}
