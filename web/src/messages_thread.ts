// One episode's thread as the messages card holds it: fetched when shown, again when something
// arrives by the live connection or the tab comes back to the front; marked read once its latest
// message is on screen; the earlier messages shown on request; and the message being written, sent
// and announced.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asSentence, type User } from './api';
import { useLiveMessages } from './live';
import { kMaxMessageChars, messageLength, messagesApi, type EpisodeMessage, type MessageThread } from './messages_api';
import { setLeaveGuard } from './router';

// How many of the latest messages show at first; "Show earlier messages" adds this many more.
const kShownAtFirst = 20;
// A thread not refreshed for this long is fetched again when its tab comes back to the front
// (a phone that slept, a connection that dropped without saying so).
const kStaleMs = 60_000;

// The server's words about the box ("write a message first", "is too long (...)") as a sentence
// about the reader's message.
export function bodyError(message: string): string {
  const t = message.trim();
  return /^(is|are|has|holds|must|may|can|contains)\b/.test(t) ? asSentence(t, 'Your message') : asSentence(t);
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

// Messages typed and not yet sent, by the component holding them: leaving the page for another in
// the app asks first, so that words are not lost to a stray tap.
const unsent = new Set<symbol>();
const kLeaveQuestion = 'Your message is not sent yet. Leave this page and lose it?';

function useUnsentGuard(hasText: boolean): void {
  const key = useRef(Symbol('unsent message'));
  useEffect(() => {
    const k = key.current;
    if (hasText) unsent.add(k);
    else unsent.delete(k);
    setLeaveGuard(unsent.size > 0 ? () => window.confirm(kLeaveQuestion) : null);
  }, [hasText]);
  useEffect(
    () => () => {
      if (unsent.delete(key.current) && unsent.size === 0) setLeaveGuard(null);
    },
    [],
  );
}

// The polite live region: a new message, a message sent, a message not sent.
function useAnnouncer() {
  const [said, setSaid] = useState({ text: '', n: 0 });
  const say = useCallback((t: string) => setSaid((s) => ({ text: t, n: s.n + 1 })), []);
  return { said, say };
}

// The thread as last fetched. `hidden` once the server says it is not the viewer's to read;
// `markedUpTo` is the latest message this page has marked read, forgotten when the episode changes.
function useThreadLoad(episodeId: number, say: (text: string) => void) {
  const [thread, setThread] = useState<MessageThread>();
  const [loadError, setLoadError] = useState<ApiError>();
  const [hidden, setHidden] = useState(false);
  const loadedAt = useRef(0);
  const known = useRef<Set<number> | null>(null);
  const markedUpTo = useRef(0);
  // One fetch at a time; a reason to fetch that comes meanwhile (a live event) fetches once more.
  const loading = useRef(false);
  const again = useRef(false);
  const shownEpisode = useRef(episodeId);
  shownEpisode.current = episodeId;

  const load = useCallback(async (): Promise<void> => {
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = true;
    again.current = false;
    try {
      const t = await messagesApi.thread(episodeId);
      if (shownEpisode.current !== episodeId) return;
      loadedAt.current = Date.now();
      // A message from the other person that this page has not shown before is announced.
      if (known.current) {
        const arrived = t.messages.filter((m) => !m.mine && !known.current!.has(m.id));
        if (arrived.length > 0) {
          const from = arrived[arrived.length - 1]!.sender.name;
          say(arrived.length === 1 ? `New message from ${from}.` : `${arrived.length} new messages from ${from}.`);
        }
      }
      known.current = new Set(t.messages.map((m) => m.id));
      setThread(t);
      setLoadError(undefined);
    } catch (e) {
      if (shownEpisode.current !== episodeId) return;
      const error = e instanceof ApiError ? e : new ApiError(0, String(e));
      // Not theirs to read (403), or no such episode for them (404): the section is not shown.
      if (error.status === 403 || error.status === 404) setHidden(true);
      else setLoadError(error);
    } finally {
      loading.current = false;
    }
    if (again.current) await load();
  }, [episodeId, say]);

  useEffect(() => {
    known.current = null;
    markedUpTo.current = 0;
    // A fetch for the episode shown before no longer holds this one back.
    loading.current = false;
    again.current = false;
    setThread(undefined);
    setHidden(false);
    void load();
  }, [load]);

  // A new message on this episode, or a live connection back after a drop, fetches the thread.
  const onLive = useCallback((event: { episode_id: number }) => {
    if (event.episode_id === episodeId) void load();
  }, [episodeId, load]);
  const onReconnect = useCallback(() => void load(), [load]);
  useLiveMessages(onLive, onReconnect);

  // Back to the front after a while away: fetch again, in case the connection missed something.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible' && Date.now() - loadedAt.current > kStaleMs) void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [load]);

  return { thread, loadError, hidden, load, markedUpTo };
}

// Read receipts: once the latest message is on screen in a tab in front, and the other person
// has written something not yet marked read, the server is told "read up to here". The returned
// ref goes on the latest message's item.
function useReadMarks(episodeId: number, thread: MessageThread | undefined, isParty: boolean, markedUpTo: { current: number }) {
  const lastItem = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (!thread || !isParty) return;
    const last = thread.messages[thread.messages.length - 1];
    const waiting = thread.messages.some((m) => !m.mine && m.read_at === null && m.id > markedUpTo.current);
    if (!last || !waiting || markedUpTo.current >= last.id) return;
    let onScreen = typeof IntersectionObserver === 'undefined';
    let done = false;
    const mark = () => {
      if (done || !onScreen || document.visibilityState !== 'visible') return;
      done = true;
      const before = markedUpTo.current;
      markedUpTo.current = last.id;
      messagesApi.markRead(episodeId, last.id).catch(() => {
        // Tried again on the next refresh.
        markedUpTo.current = before;
      });
    };
    let observer: IntersectionObserver | undefined;
    if (typeof IntersectionObserver !== 'undefined' && lastItem.current) {
      observer = new IntersectionObserver((entries) => {
        onScreen = entries.some((e) => e.isIntersecting);
        mark();
      });
      observer.observe(lastItem.current);
    }
    document.addEventListener('visibilitychange', mark);
    mark();
    return () => {
      observer?.disconnect();
      document.removeEventListener('visibilitychange', mark);
    };
  }, [thread, isParty, episodeId]);
  return lastItem;
}

// How many of the latest messages are shown. After "Show earlier messages", the keyboard and a
// screen reader carry on from the first added.
function useEarlierMessages() {
  const [shown, setShown] = useState(kShownAtFirst);
  const list = useRef<HTMLOListElement>(null);
  // The message to focus once "Show earlier messages" has added it.
  const focusId = useRef<number>();

  useEffect(() => {
    if (focusId.current === undefined) return;
    list.current?.querySelector<HTMLElement>(`[data-message-id="${focusId.current}"]`)?.focus();
    focusId.current = undefined;
  }, [shown]);

  const showEarlier = (messages: EpisodeMessage[], firstShown: number) => {
    focusId.current = messages[Math.max(0, firstShown - kShownAtFirst)]?.id;
    setShown(shown + kShownAtFirst);
  };

  return { shown, list, showEarlier };
}

// The message being written, checked here before it is sent, and what became of it.
function useSendMessage(episodeId: number, thread: MessageThread | undefined, say: (text: string) => void, load: () => Promise<void>) {
  const [text, setText] = useState('');
  const [fieldError, setFieldError] = useState<string>();
  const [sendError, setSendError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  useUnsentGuard(text.trim() !== '');

  async function send(e: Event) {
    e.preventDefault();
    if (busy || !thread) return;
    setSendError(undefined);
    const length = messageLength(text);
    let problem: string | undefined;
    if (length === 0) problem = 'Write a message first.';
    else if (length > kMaxMessageChars) {
      problem = `Your message is ${plural(length - kMaxMessageChars, 'character', 'characters')} too long (at most ${kMaxMessageChars}). Send it in parts, or keep it for your next session.`;
    }
    if (problem) {
      setFieldError(problem);
      say(`Not sent. ${problem}`);
      box.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await messagesApi.send(episodeId, text);
      setText('');
      setFieldError(undefined);
      say('Message sent.');
      await load();
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError(0, String(err));
      const field = error.fieldMessage('body');
      if (field) {
        const sentence = bodyError(field);
        setFieldError(sentence);
        say(`Not sent. ${sentence}`);
        box.current?.focus();
      } else {
        // The words stay in the box, to send again or copy.
        setSendError(error.message);
        say(`Your message was not sent. ${error.message}`);
      }
    } finally {
      setBusy(false);
    }
  }

  return { text, setText, fieldError, setFieldError, sendError, busy, box, send };
}

// The thread, the viewer's part in it, and the message they are writing. A supervisor is not a
// party: they read without marking anything read.
export function useMessageThread(episodeId: number, viewer: Pick<User, 'id' | 'role'>) {
  const { said, say } = useAnnouncer();
  const { thread, loadError, hidden, load, markedUpTo } = useThreadLoad(episodeId, say);
  const isParty = !!thread && (viewer.id === thread.client.id || viewer.id === thread.therapist.id);
  const isClient = !!thread && viewer.id === thread.client.id;
  const lastItem = useReadMarks(episodeId, thread, isParty, markedUpTo);
  const earlier = useEarlierMessages();
  const compose = useSendMessage(episodeId, thread, say, load);
  return { said, thread, loadError, hidden, isParty, isClient, lastItem, ...earlier, ...compose };
}

export type ThreadState = ReturnType<typeof useMessageThread>;
