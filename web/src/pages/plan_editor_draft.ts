// The draft as the editor keeps it saved: a save after a pause in typing, on leaving a field,
// when the page is hidden or left, and whenever the therapist asks, one after another, and what
// the therapist is told of each (marks beside fields, the status line, a summary by the buttons).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { planApi, saveDraftOnLeave, type InstrumentSummary, type PlanContent, type PlanOverview, type PlanVersion } from '../plan_api';
import { normalizeContent, usedKeyNumbers } from '../plan_words';
import { navigate, setLeaveGuard } from '../router';
import { fromEdit, toEdit, type EditContent, type KeyLetter } from './plan_editor_model';

export interface EditorData {
  overview: PlanOverview;
  version: PlanVersion;
  history: PlanContent[];
  instruments: InstrumentSummary[];
}

// Typing must pause this long before the draft is saved.
const kSaveAfterMs = 1500;
// A save that could not reach the server is tried again after this long.
const kRetryAfterMs = 10_000;
const kLeaveQuestion = 'Your latest changes to this draft are not saved yet. Leave this page anyway?';

// Why a save happens: a pause in typing or a field left ('auto'), the page being hidden or left
// ('hidden'), the page closing ('unload'), or the therapist's own Save or Propose.
type SaveMode = 'auto' | 'hidden' | 'unload' | 'button' | 'propose';

export type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: string } | { kind: 'failed'; reason: string };

// What the therapist is told of saves. Once the page is gone (shown is false) nothing is drawn.
function useSaveFeedback(shown: { current: boolean }) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const marked = useRef(errors);
  marked.current = errors;
  const [failure, setFailure] = useState<string>();
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'idle' });
  // Set when a save the therapist asked for was turned down: the reasons are then summed up beside
  // the buttons until a save succeeds, and focus moves there once.
  const [summarised, setSummarised] = useState(false);
  const [focusSummary, setFocusSummary] = useState(0);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!focusSummary) return;
    // From the button that asked (or from nowhere), never out of a field the therapist has
    // already moved into: the effect can run a moment after the refusal was drawn.
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.matches('input, textarea, select')) return;
    summaryRef.current?.focus();
  }, [focusSummary]);

  // What the server (or the editor itself) turned down: beside the fields it names, in the status
  // line, and for a save the therapist asked for, summed up beside the buttons. A save the page
  // started itself only updates the marks already shown: a draft is often unfinished, and a new
  // mark appearing would move the page under the therapist's pointer as they reach for a button.
  function refused(error: ApiError, asked: boolean) {
    if (!shown.current) return;
    const map: Record<string, string> = {};
    for (const f of error.fields) map[f.field.replace(/^content\//, '')] = f.message;
    const shownMarks = asked ? map : Object.fromEntries(Object.entries(map).filter(([p]) => p in marked.current));
    // Not reaching the server says nothing of the fields: what is marked stays marked.
    if (error.status !== 0) setErrors(shownMarks);
    setFailure(error.fields.length ? undefined : error.message);
    const reason = !error.fields.length
      ? error.message
      : Object.keys(shownMarks).length
        ? 'please correct the marked fields.'
        : 'the draft is not finished yet. Save draft marks what is missing.';
    setSaveState({ kind: 'failed', reason });
    if (asked) {
      setSummarised(true);
      setFocusSummary((k) => k + 1);
    }
  }

  // A save on its way; the buttons wait for one the therapist asked for.
  function saving(asked: boolean) {
    setSaveState({ kind: 'saving' });
    if (asked) setBusy(true);
  }

  // A save that landed clears every mark and summary.
  function saved(at: string) {
    setErrors({});
    setFailure(undefined);
    setSummarised(false);
    setSaveState({ kind: 'saved', at });
  }

  return { errors, failure, saveState, setSaveState, summarised, busy, setBusy, summaryRef, refused, saving, saved };
}

// Leaving saves what is not saved yet. Before going elsewhere in the app, or closing or
// reloading the tab, with changes not yet saved, the therapist is asked to confirm.
function useSaveOnLeave(persist: (mode: SaveMode) => Promise<void>, unsaved: () => boolean, shown: { current: boolean }, timer: { current: number | undefined }) {
  useEffect(() => {
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') void persist('hidden');
    };
    const onPageHide = () => void persist('unload');
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!unsaved()) return;
      event.preventDefault();
      event.returnValue = '';
    };
    document.addEventListener('visibilitychange', onVisibility);
    addEventListener('pagehide', onPageHide);
    addEventListener('beforeunload', onBeforeUnload);
    setLeaveGuard(() => !unsaved() || window.confirm(kLeaveQuestion));
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      removeEventListener('pagehide', onPageHide);
      removeEventListener('beforeunload', onBeforeUnload);
      setLeaveGuard(null);
      shown.current = false;
      window.clearTimeout(timer.current);
      void persist('hidden');
    };
  }, []);
}

// The draft being edited, how its parts change it, and its saves.
export function usePlanDraft(data: EditorData, episodeId: number) {
  const [version, setVersion] = useState(data.version);
  const [model, setModel] = useState<EditContent>(() => toEdit(data.version.content));
  const counters = useRef<Record<string, number>>(usedKeyNumbers([...data.history, data.version.content]));
  const shown = useRef(true);
  const feedback = useSaveFeedback(shown);
  const { refused, saving, saved, setSaveState, setBusy } = feedback;
  const n = version.number;

  // The content as last shown, for saves that a timer or the page's events start.
  const latest = useRef(model);
  latest.current = model;
  // The content as it was when last saved, and as it was when the server last turned it down (not
  // sent again until it changes).
  const savedAs = useRef<string | null>(null);
  savedAs.current ??= JSON.stringify(model);
  const refusedAs = useRef<string | null>(null);
  // Saves go one after another, so that an older one never lands after a newer one.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const pending = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  // Set once the draft is proposed: it can no longer change.
  const proposed = useRef(false);

  const unsaved = () => !proposed.current && (pending.current > 0 || JSON.stringify(latest.current) !== savedAs.current);

  const newKey = (letter: KeyLetter) => {
    counters.current[letter] = (counters.current[letter] ?? 0) + 1;
    return `${letter}${counters.current[letter]}`;
  };
  const update = (f: (m: EditContent) => EditContent) => {
    setModel((m) => f(structuredClone(m)));
  };

  async function saveNow(mode: SaveMode): Promise<void> {
    if (proposed.current) return;
    const asked = mode === 'button' || mode === 'propose';
    const edited = latest.current;
    const snapshot = JSON.stringify(edited);
    if (!asked && (snapshot === savedAs.current || snapshot === refusedAs.current)) return;
    const { content, errors: local } = fromEdit(edited);
    if (!content) {
      refusedAs.current = snapshot;
      refused(new ApiError(400, '', Object.entries(local).map(([field, message]) => ({ field, message }))), asked);
      return;
    }
    if (shown.current) saving(asked);
    try {
      let v: PlanVersion;
      try {
        v = mode === 'hidden' || mode === 'unload' ? await saveDraftOnLeave(episodeId, n, content) : await planApi.saveDraft(episodeId, n, content);
      } catch (e) {
        const error = e instanceof ApiError ? e : new ApiError(0, String(e));
        if (error.fields.length) {
          refusedAs.current = snapshot;
        } else if (shown.current && error.status === 0) {
          // Not reached: tried again in a while, and whenever the draft changes.
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => void persist('auto'), kRetryAfterMs);
        }
        refused(error, asked);
        return;
      }
      savedAs.current = snapshot;
      refusedAs.current = null;
      const normalized = { ...v, content: normalizeContent(v.content) };
      counters.current = usedKeyNumbers([...data.history, normalized.content, content]);
      if (!shown.current) return;
      setVersion(normalized);
      saved(v.updated_at);
      // Asked to save, the editor shows the draft as stored, unless the therapist typed on meanwhile.
      if (asked && latest.current === edited) {
        const stored = toEdit(normalized.content);
        latest.current = stored;
        savedAs.current = JSON.stringify(stored);
        setModel(stored);
      }
      if (mode === 'propose') {
        try {
          await planApi.propose(episodeId, n);
        } catch (e) {
          refused(e instanceof ApiError ? e : new ApiError(0, String(e)), true);
          setSaveState({ kind: 'saved', at: v.updated_at });
          return;
        }
        proposed.current = true;
        navigate(`/episodes/${episodeId}/plan`);
      }
    } finally {
      if (asked && shown.current) setBusy(false);
    }
  }

  // Saves the draft after any save already on its way. A save the page itself starts only sends
  // what changed since the last one; the therapist's Save always sends.
  function persist(mode: SaveMode): Promise<void> {
    window.clearTimeout(timer.current);
    const snapshot = JSON.stringify(latest.current);
    if (mode !== 'button' && mode !== 'propose' && (snapshot === savedAs.current || snapshot === refusedAs.current)) return queue.current;
    // A closing page cannot wait for a save on its way: this one goes at once.
    if (mode === 'unload') return saveNow(mode);
    pending.current += 1;
    const next = queue.current
      .then(() => saveNow(mode))
      .catch((e: unknown) => refused(new ApiError(0, String(e)), mode === 'button' || mode === 'propose'))
      .finally(() => {
        pending.current -= 1;
      });
    queue.current = next;
    return next;
  }

  // A pause in typing saves the draft.
  useEffect(() => {
    if (JSON.stringify(model) === savedAs.current) return;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void persist('auto'), kSaveAfterMs);
  }, [model]);

  useSaveOnLeave(persist, unsaved, shown, timer);

  function save(then?: 'propose') {
    if (feedback.busy) return;
    void persist(then ?? 'button');
  }

  const err = (path: string): string | undefined => feedback.errors[path];
  return { ...feedback, version, model, update, newKey, err, persist, save };
}

export type PlanDraft = ReturnType<typeof usePlanDraft>;
