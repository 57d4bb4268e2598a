// The live connection that brings a new alert to whatever page a clinician has open, and a new
// secure message to the page that shows its thread: one WebSocket per signed-in staff member or
// client, proved with the session's CSRF token, reopened with growing pauses (1 s, 2 s, 4 s ...
// 30 s) whenever it drops, and closed on sign-out. Alerts it brings become banners (kept here, so
// that they survive navigation) and are passed to any page that wants to refresh what it shows.
// Clients are never sent alerts; messages come to whoever the server tells of them.
import { useEffect, useState } from 'preact/hooks';
import { csrfTokenForLive, type LiveAlertEvent, type LiveMessage, type LiveMessageEvent } from './api';

const kFirstPauseMs = 1000;
const kLongestPauseMs = 30_000;

type AlertListener = (event: LiveAlertEvent) => void;
const alertListeners = new Set<AlertListener>();
type MessageListener = (event: LiveMessageEvent) => void;
const messageListeners = new Set<MessageListener>();
// Told when the connection is back after a drop: events sent meanwhile were missed.
const reconnectListeners = new Set<() => void>();

// --- Banners ----------------------------------------------------------------------------------

export function bannerKey(event: LiveAlertEvent): string {
  return `${event.alert_id}/${event.step}`;
}

let banners: LiveAlertEvent[] = [];
const bannerListeners = new Set<() => void>();

function setBanners(next: LiveAlertEvent[]): void {
  banners = next;
  bannerListeners.forEach((l) => l());
}

// Newest first. The same alert at the same step is shown once, however often it arrives.
function addBanner(event: LiveAlertEvent): void {
  const key = bannerKey(event);
  setBanners([event, ...banners.filter((b) => bannerKey(b) !== key)]);
}

export function dismissBanner(key: string): void {
  setBanners(banners.filter((b) => bannerKey(b) !== key));
}

export function dismissAllBanners(): void {
  setBanners([]);
}

// Once a clinician opens an alert, its banners have done their work.
export function dismissBannersOf(alertId: number): void {
  if (banners.some((b) => b.alert_id === alertId)) setBanners(banners.filter((b) => b.alert_id !== alertId));
}

export function useBanners(): LiveAlertEvent[] {
  const [shown, setShown] = useState(banners);
  useEffect(() => {
    const update = () => setShown(banners);
    bannerListeners.add(update);
    update();
    return () => {
      bannerListeners.delete(update);
    };
  }, []);
  return shown;
}

// Calls `listener` for every alert that arrives while the calling component is shown.
export function useLiveAlerts(listener: AlertListener): void {
  useEffect(() => {
    alertListeners.add(listener);
    return () => {
      alertListeners.delete(listener);
    };
  }, [listener]);
}

// Calls `listener` for every new message that arrives while the calling component is shown, and
// `reconnected` (if given) when the connection comes back after a drop, so that the component can
// fetch what it may have missed.
export function useLiveMessages(listener: MessageListener, reconnected?: () => void): void {
  useEffect(() => {
    messageListeners.add(listener);
    if (reconnected) reconnectListeners.add(reconnected);
    return () => {
      messageListeners.delete(listener);
      if (reconnected) reconnectListeners.delete(reconnected);
    };
  }, [listener, reconnected]);
}

// --- The connection ----------------------------------------------------------------------------

function parse(data: unknown): LiveMessage | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const message = JSON.parse(data) as { type?: unknown };
    return message && (message.type === 'ready' || message.type === 'alert' || message.type === 'message')
      ? (message as LiveMessage)
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlert(message: LiveMessage): message is LiveAlertEvent {
  return message.type === 'alert' && typeof (message as LiveAlertEvent).alert_id === 'number';
}

function isMessage(message: LiveMessage): message is LiveMessageEvent {
  return message.type === 'message' && typeof (message as LiveMessageEvent).episode_id === 'number';
}

// Opens the connection and keeps it open until the returned function is called (sign-out, or a
// different person signing in), which also clears the banners: they belonged to that person.
export function startLive(): () => void {
  let socket: WebSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pause = kFirstPauseMs;
  let stopped = false;
  let wasReady = false;

  const reopenLater = () => {
    if (stopped) return;
    timer = setTimeout(open, pause);
    pause = Math.min(pause * 2, kLongestPauseMs);
  };

  function open() {
    timer = undefined;
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/live`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      reopenLater();
      return;
    }
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', csrf: csrfTokenForLive() }));
    ws.onmessage = (e: MessageEvent) => {
      const message = parse(e.data);
      if (!message) return;
      if (message.type === 'ready') {
        pause = kFirstPauseMs;
        if (wasReady) reconnectListeners.forEach((l) => l());
        wasReady = true;
        return;
      }
      if (isMessage(message)) {
        messageListeners.forEach((l) => l(message));
        return;
      }
      if (!isAlert(message)) return;
      addBanner(message);
      alertListeners.forEach((l) => l(message));
    };
    // An error is always followed by close, where the reconnecting happens.
    ws.onclose = () => {
      if (socket === ws) socket = undefined;
      reopenLater();
    };
  }

  open();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    const ws = socket;
    socket = undefined;
    if (ws) {
      ws.onopen = null;
      ws.onclose = null;
      ws.onmessage = null;
      ws.close();
    }
    dismissAllBanners();
  };
}
