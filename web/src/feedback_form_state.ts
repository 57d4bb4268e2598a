// The feedback form's answers as the client gives them, the place in the questions on a phone,
// and the sending of each questionnaire, with what was sent kept with the page's history entry.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Answers, type HelpInfo, type InstrumentDefinition, type InstrumentItem, type SubmitResult } from './api';
import type { FeedbackFormProps } from './feedback_form';
import { keepWithEntry, keptWithEntry } from './router';

// What this page's form has sent, kept with the page's entry in the browser's history: Back,
// Forward or a reload then bring back the sent state rather than the questions, empty, to answer
// and send again. `done` once every questionnaire was sent; `crisis` if a risk answer brought the
// crisis information, which is shown again; `therapistName` as the confirmation named them.
export interface SentHere {
  codes: string[];
  done: boolean;
  crisis: HelpInfo | null;
  therapistName?: string;
}

const kSentKey = 'feedbackSent';

export function sentHere(): SentHere | undefined {
  const kept = keptWithEntry<SentHere>(kSentKey);
  return kept && Array.isArray(kept.codes) ? kept : undefined;
}

// On a phone the form asks one question per screen; the app lays out for a phone below this width.
const kNarrowScreen = '(max-width: 40rem)';
// Long enough to see the chosen answer marked before the next question takes its place.
const kAdvanceDelayMs = 250;
// The stepper's last screen, after every question.
const kReview = '#review';
export const kReviewHeading = 'feedback-review-heading';

// How an answer is keyed, in the form and in a saved draft.
export function answerKey(code: string, itemId: string): string {
  return `${code}/${itemId}`;
}

export function questionId(code: string, itemId: string): string {
  return `q-${code}-${itemId}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

export function isAnswerable(item: InstrumentItem): boolean {
  return item.type === 'choice' || item.type === 'slider' || item.type === 'text';
}

// Ratings and choices are required unless marked optional; a comment never is.
export function needsAnswer(item: InstrumentItem): boolean {
  return (item.type === 'choice' || item.type === 'slider') && item.required !== false;
}

export function isAnswered(value: number | string | undefined): boolean {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '');
}

function unansweredMessage(item: InstrumentItem): string {
  return item.type === 'slider' ? 'Please choose a number.' : 'Please choose an answer.';
}

export interface Step {
  key: string;
  inst: InstrumentDefinition;
  item: InstrumentItem;
}

function stepsOf(instruments: InstrumentDefinition[], sent: Set<string>): Step[] {
  return instruments
    .filter((inst) => !sent.has(inst.code))
    .flatMap((inst) => inst.items.filter(isAnswerable).map((item) => ({ key: answerKey(inst.code, item.id), inst, item })));
}

// Where a restored draft picks up: the first question with answers to choose from still open
// (optional ones too: the PHQ-9's items may be left out, but a client coming back means to go on
// where they were); failing that, the one after the last answer given. Without a draft, the first
// question.
function resumeAt(steps: Step[], answers: Record<string, number | string>): string {
  if (!steps.some((s) => isAnswered(answers[s.key]))) return steps[0]?.key ?? kReview;
  const choosing = (item: InstrumentItem) => item.type === 'choice' || item.type === 'slider';
  const open = steps.find((s) => choosing(s.item) && !isAnswered(answers[s.key]));
  if (open) return open.key;
  let last = -1;
  steps.forEach((s, i) => {
    if (isAnswered(answers[s.key])) last = i;
  });
  return steps[last + 1]?.key ?? kReview;
}

function narrowQuery(): MediaQueryList | null {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(kNarrowScreen) : null;
}

// Follows the screen as a phone turns or a window is resized; the answers and the place in the
// questions are kept either way.
function useNarrowScreen(): boolean {
  const [narrow, setNarrow] = useState(() => narrowQuery()?.matches ?? false);
  useEffect(() => {
    const query = narrowQuery();
    if (!query) return;
    const update = () => setNarrow(query.matches);
    update();
    if (typeof query.addEventListener === 'function') {
      query.addEventListener('change', update);
      return () => query.removeEventListener('change', update);
    }
    query.addListener(update);
    return () => query.removeListener(update);
  }, []);
  return narrow;
}

// Required items left unanswered are caught here, beside the item, before anything is sent.
function missingAnswers(steps: Step[], answers: Record<string, number | string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of steps) {
    if (needsAnswer(s.item) && !isAnswered(answers[s.key])) out[s.key] = unansweredMessage(s.item);
  }
  return out;
}

// The item's first control, which a screen reader reads with its question and its error.
function focusTarget(key: string): string {
  const at = key.lastIndexOf('/');
  return questionId(key.slice(0, at), key.slice(at + 1));
}

// One questionnaire's answers as sent: comments trimmed, and nothing for an item left open.
function answersOf(inst: InstrumentDefinition, answers: Record<string, number | string>): Answers {
  const body: Answers = {};
  for (const item of inst.items) {
    const v = answers[answerKey(inst.code, item.id)];
    if (v === undefined || (typeof v === 'string' && !v.trim())) continue;
    body[item.id] = typeof v === 'string' ? v.trim() : v;
  }
  return body;
}

// Sends each questionnaire not yet in `nowSent`, in order, adding each to it as it goes and
// keeping the record after each one; stops at the first failure, which it throws.
async function sendEach(
  instruments: InstrumentDefinition[],
  answers: Record<string, number | string>,
  send: FeedbackFormProps['send'],
  nowSent: Set<string>,
  onCrisis: (crisis: HelpInfo) => void,
  keep: (all: boolean) => void,
): Promise<void> {
  for (const inst of instruments) {
    if (nowSent.has(inst.code)) continue;
    const body = answersOf(inst, answers);
    let result: SubmitResult;
    try {
      result = await send(inst.code, body);
    } catch (err) {
      // Already sent (a second tab, a retry after a lost reply): nothing to do again.
      if (err instanceof ApiError && err.status === 409) {
        nowSent.add(inst.code);
        keep(false);
        continue;
      }
      throw err;
    }
    nowSent.add(inst.code);
    // Shown the moment it arrives, even if a later questionnaire fails.
    if (result?.crisis) onCrisis(result.crisis);
    keep(false);
  }
}

// The server's field errors ("answers/<item>") for the questionnaire that failed, keyed as answers.
function refusedAnswers(apiError: ApiError, failed: InstrumentDefinition | undefined): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  for (const f of apiError.fields) {
    const m = /^answers\/(.+)$/.exec(f.field);
    if (m && failed) fieldErrors[answerKey(failed.code, m[1]!)] = f.message;
  }
  return fieldErrors;
}

// The answers given and the errors beside them. `firstError` names the control that takes focus
// once the errors it belongs to are shown.
function useAnswers(initialAnswers: FeedbackFormProps['initialAnswers'], onAnswersChange: FeedbackFormProps['onAnswersChange']) {
  const [answers, setAnswers] = useState<Record<string, number | string>>(() => ({ ...initialAnswers }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const firstError = useRef<string | null>(null);
  const restoring = useRef(true);

  // Focus moves in a layout effect, straight after the render that shows its target: an ordinary
  // effect waits for the next frame, and a key pressed in between would land where focus was.
  useLayoutEffect(() => {
    if (!firstError.current) return;
    const el = document.getElementById(firstError.current);
    firstError.current = null;
    el?.focus();
  }, [errors]);

  useEffect(() => {
    if (restoring.current) {
      restoring.current = false;
      return;
    }
    onAnswersChange?.(answers);
  }, [answers]);

  const set = (key: string) => (v: number | string) => {
    setAnswers((a) => (a[key] === v ? a : { ...a, [key]: v }));
    setErrors((e) => {
      if (!e[key]) return e;
      const rest = { ...e };
      delete rest[key];
      return rest;
    });
  };

  return { answers, errors, setErrors, firstError, set };
}

// The place in the questions on a phone: moving to another question, which takes focus, and
// moving on by itself a moment after a pointer picks an answer.
function useStepper(steps: Step[], current: string, setCurrent: (key: string) => void) {
  // Set when the client moves to another question, so that focus follows; not on a restore.
  const moved = useRef(false);
  // Whether the latest press was a pointer's (mouse, touch, pen) rather than a key's.
  const viaPointer = useRef(false);
  const advanceTimer = useRef<number | undefined>(undefined);

  const found = steps.findIndex((s) => s.key === current);
  const index = found < 0 ? steps.length : found;
  const step = steps[index];
  const focusId = step ? `${questionId(step.inst.code, step.item.id)}-text` : kReviewHeading;

  // The new question's text takes focus, so that a screen reader reads it out.
  useLayoutEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    document.getElementById(focusId)?.focus();
  }, [current]);

  useEffect(
    () => () => {
      window.clearTimeout(advanceTimer.current);
    },
    [],
  );

  function goTo(key: string) {
    window.clearTimeout(advanceTimer.current);
    moved.current = true;
    setCurrent(key);
  }

  const keyAfter = (at: number) => steps[at + 1]?.key ?? kReview;

  function back() {
    if (index > 0) goTo(steps[index - 1]!.key);
  }

  // A tap or click on an answer moves on by itself. A key never does: the arrow keys change the
  // choice as they move through a group, so keyboard users move on with the Next button.
  const picked = (key: string, at: number) => () => {
    if (!viaPointer.current || current !== key) return;
    window.clearTimeout(advanceTimer.current);
    advanceTimer.current = window.setTimeout(() => goTo(keyAfter(at)), kAdvanceDelayMs);
  };

  return { index, step, viaPointer, goTo, keyAfter, back, picked };
}

export type FeedbackFormOptions = Pick<FeedbackFormProps, 'instruments' | 'therapistName' | 'send' | 'initialAnswers' | 'onAnswersChange'>;

// Everything the form holds between renders: the answers, the place in the questions, what has
// been sent, and the crisis information a submission brought.
export function useFeedbackForm({ instruments, therapistName, send, initialAnswers, onAnswersChange }: FeedbackFormOptions) {
  const narrow = useNarrowScreen();
  // Sent from this page before the client went Back and came Forward again (or reloaded it).
  const [earlier] = useState(sentHere);
  const { answers, errors, setErrors, firstError, set } = useAnswers(initialAnswers, onAnswersChange);
  const [pageError, setPageError] = useState<string>();
  const [sent, setSent] = useState<Set<string>>(() => new Set(earlier?.codes ?? []));
  const [crisis, setCrisis] = useState<HelpInfo | null>(earlier?.crisis ?? null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(earlier?.done ?? false);
  const [current, setCurrent] = useState<string>(() => resumeAt(stepsOf(instruments, sent), initialAnswers ?? {}));
  // False once the client has left the page, whose history entry is then no longer the current one.
  const shown = useRef(true);

  const steps = stepsOf(instruments, sent);
  const { index, step, viaPointer, goTo, keyAfter, back, picked } = useStepper(steps, current, setCurrent);

  useEffect(
    () => () => {
      shown.current = false;
    },
    [],
  );

  // A required question left open is marked beside itself rather than passed.
  function next() {
    if (!step) return;
    if (needsAnswer(step.item) && !isAnswered(answers[step.key])) {
      firstError.current = focusTarget(step.key);
      setErrors((e) => ({ ...e, [step.key]: unansweredMessage(step.item) }));
      return;
    }
    goTo(keyAfter(index));
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (busy) return;
    // Enter in a question of the stepper (its form has no send button until the last screen).
    if (narrow && step) {
      next();
      return;
    }
    setPageError(undefined);
    const local = missingAnswers(steps, answers);
    if (Object.keys(local).length) {
      const first = Object.keys(local)[0]!;
      firstError.current = focusTarget(first);
      setErrors(local);
      setCurrent(first);
      setPageError('A few questions still need an answer. They are marked below.');
      return;
    }
    setBusy(true);
    const nowSent = new Set(sent);
    let nowCrisis = crisis;
    // Each questionnaire is recorded as sent the moment it is, so that coming back to the page
    // never offers it again.
    const keep = (all: boolean) => {
      const record: SentHere = { codes: [...nowSent], done: all, crisis: nowCrisis, therapistName };
      if (shown.current) keepWithEntry(kSentKey, record);
    };
    const arrived = (c: HelpInfo) => {
      nowCrisis = c;
      setCrisis(c);
    };
    try {
      await sendEach(instruments, answers, send, nowSent, arrived, keep);
      keep(true);
      setDone(true);
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(0, String(err));
      const fieldErrors = refusedAnswers(apiError, instruments.find((i) => !nowSent.has(i.code)));
      const first = Object.keys(fieldErrors)[0];
      if (first) {
        firstError.current = focusTarget(first);
        // The stepper shows the first answer the server turned down, with its error beside it.
        setCurrent(first);
        setPageError('Some answers need another look. They are marked below.');
      } else {
        setPageError(apiError.message);
      }
      setErrors(fieldErrors);
    } finally {
      setSent(nowSent);
      setBusy(false);
    }
  }

  return { narrow, earlier, answers, errors, set, pageError, sent, crisis, busy, done, steps, index, step, viaPointer, next, back, picked, onSubmit };
}

export type FeedbackFormState = ReturnType<typeof useFeedbackForm>;
