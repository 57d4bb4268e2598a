// The client's one-minute feedback form, shared by the signed-in "How was today's session?" page
// and the password-less feedback link: one section per questionnaire, native controls (ratings as
// rows of numbered radio buttons with their anchors as text, a young child's answers as faces,
// other choices as radio groups, each in a fieldset), errors beside their items, and the crisis
// information shown at once, first and for good, whenever a risk answer was given. On a phone it
// asks one question per screen, so that the check-in is a few taps rather than one long page; on a
// wider screen everything is on one page.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asSentence, type Answers, type HelpInfo, type InstrumentDefinition, type InstrumentItem, type SubmitResult } from './api';
import { Face, kFaceCount } from './faces';
import { EmergencyCall, HelpLines } from './help_view';
import { ReadAloud, spokenQuestion } from './read_aloud';
import { keepWithEntry, keptWithEntry } from './router';
import { Alert } from './ui';

// Takes focus when it appears so that a screen reader announces it before anything else; it is
// never dismissible. What the clinic will do comes first, in the server's words, which say only
// what the clinic's hours and cover make true; then where to turn now.
// `unsent`: the risk answer is only in the kept draft, so nobody has been told yet, and the server's
// words about who was told would not be true; the panel says what is.
export function CrisisPanel({ crisis, unsent = false }: { crisis: HelpInfo; unsent?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.scrollIntoView({ block: 'start' });
  }, []);
  return (
    <div class="crisis" role="alert" tabIndex={-1} ref={ref} aria-labelledby="crisis-heading">
      <h2 id="crisis-heading">{unsent ? 'Your answers are not sent yet' : crisis.after_risk.headline}</h2>
      <p>
        {unsent
          ? 'When you send them, your therapist is told straight away. If they are not sent, your clinic will still be told in about ten minutes.'
          : crisis.after_risk.body}
      </p>
      <h3>{crisis.title}</h3>
      <p>{crisis.body}</p>
      <EmergencyCall help={crisis} />
      <HelpLines lines={crisis.lines} headingLevel={4} />
    </div>
  );
}

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

// The card that says the answers went. `earlier`: they were sent before the client came back to
// the page, and nothing was sent again.
export function SentCard({ therapistName, earlier = false, note }: { therapistName?: string; earlier?: boolean; note?: string }) {
  const who = therapistName || 'your therapist';
  return (
    <div class="card card--accent confirmation" role="status">
      <h2>{earlier ? 'Already sent' : 'Sent'}</h2>
      <p class="big">
        {earlier ? `Already sent, thank you. Your answers reached ${who}; they are not sent again.` : `Thank you — your answers have been sent to ${who}.`}
      </p>
      {note && <p>{note}</p>}
      <p>
        <a href="/">Back to home</a>
      </p>
    </div>
  );
}

// The page as it was left once everything was sent, for a client who comes back to it; `note`
// says more about where they are.
export function SentEarlier({ therapistName, crisis, note }: { therapistName?: string; crisis?: HelpInfo | null; note?: string }) {
  return (
    <>
      {crisis && <CrisisPanel crisis={crisis} />}
      <SentCard therapistName={therapistName} note={note} earlier />
    </>
  );
}

// On a phone the form asks one question per screen; the app lays out for a phone below this width.
const kNarrowScreen = '(max-width: 40rem)';
// What one question takes, for the time the form states.
const kSecondsPerItem = 6;
// Long enough to see the chosen answer marked before the next question takes its place.
const kAdvanceDelayMs = 250;
// The stepper's last screen, after every question.
const kReview = '#review';
const kReviewHeading = 'feedback-review-heading';
const kStepLabel = 'feedback-step-label';

// How an answer is keyed, in the form and in a saved draft.
export function answerKey(code: string, itemId: string): string {
  return `${code}/${itemId}`;
}

function questionId(code: string, itemId: string): string {
  return `q-${code}-${itemId}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

function isAnswerable(item: InstrumentItem): boolean {
  return item.type === 'choice' || item.type === 'slider' || item.type === 'text';
}

// Ratings and choices are required unless marked optional; a comment never is.
function needsAnswer(item: InstrumentItem): boolean {
  return (item.type === 'choice' || item.type === 'slider') && item.required !== false;
}

function isAnswered(value: number | string | undefined): boolean {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '');
}

function unansweredMessage(item: InstrumentItem): string {
  return item.type === 'slider' ? 'Please choose a number.' : 'Please choose an answer.';
}

// Stated from what the form holds, so that it stays true when questionnaires are added.
function sizeText(count: number): string {
  const minutes = Math.max(1, Math.ceil((count * kSecondsPerItem) / 60));
  return `About ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} · ${count} ${count === 1 ? 'question' : 'questions'}`;
}

interface Step {
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

interface ItemProps {
  code: string;
  item: InstrumentItem;
  value: number | string | undefined;
  error?: string;
  onChange: (value: number | string) => void;
  // Any click on an answer; the stepper moves on when a pointer made it.
  onPick?: () => void;
  // In the stepper the question's text takes focus when the question appears.
  stepFocus?: boolean;
}

function ItemError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p class="field-error" id={id}>
      {asSentence(error)}
    </p>
  );
}

// Every value the definition allows, from min to max by step. Counted in steps rather than summed,
// so that a step such as 0.1 does not drift (0.1 + 0.2 is not 0.3 in floating point).
function ratingValues(min: number, max: number, step: number): number[] {
  const by = step > 0 ? step : 1;
  const count = max >= min ? Math.floor((max - min) / by + 1e-9) + 1 : 0;
  return Array.from({ length: count }, (_, i) => Number((min + i * by).toFixed(6)));
}

// A rating (type "slider" in the definition) as a row of numbered radio buttons rather than a
// range input: a range always shows a value, so an untouched one looked answered, and its middle
// could not be chosen by tapping it. Nothing is selected until the client picks a number; the
// status line says "Not answered yet" until then, and afterwards the answer with the anchor words.
function RatingItem({ code, item, value, error, onChange, onPick, stepFocus }: ItemProps) {
  const id = questionId(code, item.id);
  const min = item.min ?? 0;
  const max = item.max ?? 10;
  const low = item.low_label || 'Low';
  const high = item.high_label || 'High';
  const answered = typeof value === 'number';
  const scale = `on a scale from ${min}, ${low}, to ${max}, ${high}`;
  return (
    <fieldset
      class={error ? 'question question--invalid rating' : 'question rating'}
      aria-describedby={`${id}-status${error ? ` ${id}-error` : ''}`}
      aria-invalid={error ? 'true' : undefined}
    >
      <legend class="question__text" id={`${id}-text`} tabIndex={stepFocus ? -1 : undefined}>
        {item.text}
      </legend>
      <ReadAloud text={spokenQuestion(item.text, [`${min}, ${low}`, `${max}, ${high}`])} describedBy={`${id}-text`} />
      <div class="rating__options">
        {ratingValues(min, max, item.step ?? 1).map((v, i) => (
          <label key={v} class="rating__option">
            <input
              // The first takes focus when the item is reported unanswered.
              id={i === 0 ? id : undefined}
              type="radio"
              name={id}
              value={String(v)}
              checked={value === v}
              onChange={() => onChange(v)}
              onClick={onPick}
            />
            <span>{v}</span>
          </label>
        ))}
      </div>
      <p class="rating__anchors">
        <span>
          {min}: {low}
        </span>
        <span>
          {max}: {high}
        </span>
      </p>
      <p class={answered ? 'rating__status' : 'rating__status rating__status--open'} id={`${id}-status`} aria-live="polite">
        {answered ? (
          <>
            Your answer: {value}
            <span class="visually-hidden">, {scale}</span>
          </>
        ) : (
          <>
            Not answered yet
            <span class="visually-hidden">. Choose a number {scale}</span>
          </>
        )}
      </p>
      <ItemError id={`${id}-error`} error={error} />
    </fieldset>
  );
}

function ChoiceItem({ code, item, value, error, onChange, onPick, stepFocus }: ItemProps) {
  const id = questionId(code, item.id);
  return (
    <fieldset
      class={error ? 'question question--invalid choice' : 'question choice'}
      aria-describedby={error ? `${id}-error` : undefined}
      aria-invalid={error ? 'true' : undefined}
    >
      <legend class="question__text" id={`${id}-text`} tabIndex={stepFocus ? -1 : undefined}>
        {item.text}
      </legend>
      <ReadAloud text={spokenQuestion(item.text, (item.options ?? []).map((o) => o.label))} describedBy={`${id}-text`} />
      <div class="choice__options">
        {(item.options ?? []).map((o, i) => (
          <label key={o.value} class="choice__option">
            <input
              // The first takes focus when the item is reported unanswered.
              id={i === 0 ? id : undefined}
              type="radio"
              name={id}
              value={String(o.value)}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
              onClick={onPick}
            />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      <ItemError id={`${id}-error`} error={error} />
    </fieldset>
  );
}

// A young child's question, answered on five faces from the saddest to the happiest, each with
// its words under it: the words name the radio for a screen reader, the face is for the eye. As in
// a rating, the radio covers its whole face, so that the face is what a finger taps while the
// native control still takes focus and the arrow keys. The chosen face is framed and ticked, so
// that it stands out without relying on colour.
function FacesItem({ code, item, value, error, onChange, onPick, stepFocus }: ItemProps) {
  const id = questionId(code, item.id);
  const options = item.options ?? [];
  return (
    <fieldset
      class={error ? 'question question--invalid faces' : 'question faces'}
      aria-describedby={error ? `${id}-error` : undefined}
      aria-invalid={error ? 'true' : undefined}
    >
      <legend class="question__text" id={`${id}-text`} tabIndex={stepFocus ? -1 : undefined}>
        {item.text}
      </legend>
      <ReadAloud text={spokenQuestion(item.text, options.map((o) => o.label))} describedBy={`${id}-text`} />
      <div class="faces__options">
        {options.map((o, i) => {
          const chosen = value === o.value;
          return (
            <label key={o.value} class={chosen ? 'faces__option faces__option--chosen' : 'faces__option'}>
              <input
                // The first takes focus when the item is reported unanswered.
                id={i === 0 ? id : undefined}
                type="radio"
                name={id}
                value={String(o.value)}
                checked={chosen}
                onChange={() => onChange(o.value)}
                onClick={onPick}
              />
              <Face level={i} />
              <span class="faces__words">{o.label}</span>
              {chosen && (
                <span class="faces__tick" aria-hidden="true">
                  ✓
                </span>
              )}
            </label>
          );
        })}
      </div>
      <ItemError id={`${id}-error`} error={error} />
    </fieldset>
  );
}

// Faces only where the question has exactly as many answers as there are faces; any other
// question of such a questionnaire keeps the plain list rather than faces that do not fit it.
function onFaces(inst: InstrumentDefinition, item: InstrumentItem): boolean {
  return inst.faces === true && item.type === 'choice' && (item.options?.length ?? 0) === kFaceCount;
}

function TextItem({ code, item, value, error, onChange, stepFocus }: ItemProps) {
  const id = questionId(code, item.id);
  return (
    <div class={error ? 'question question--invalid' : 'question'}>
      <label for={id} id={`${id}-text`} tabIndex={stepFocus ? -1 : undefined} class="question__text">
        {item.text}
        {item.required === false && !/optional/i.test(item.text) ? <span class="optional"> (optional)</span> : null}
      </label>
      <ReadAloud text={item.text} describedBy={`${id}-text`} />
      <textarea
        id={id}
        rows={3}
        maxLength={item.max_length || 2000}
        value={typeof value === 'string' ? value : ''}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onInput={(e) => onChange((e.currentTarget as HTMLTextAreaElement).value)}
      />
      <ItemError id={`${id}-error`} error={error} />
    </div>
  );
}

export interface FeedbackFormProps {
  instruments: InstrumentDefinition[];
  therapistName?: string;
  // Sends one questionnaire; a failure is an ApiError whose fields are "answers/<item>".
  send: (instrument: string, answers: Answers) => Promise<SubmitResult>;
  // Answers given earlier (a saved draft), keyed `${instrumentCode}/${itemId}`; restored on mount.
  initialAnswers?: Record<string, number | string>;
  // Called after every change of an answer with all current answers (same keys), so the page can
  // save a draft; not called for the initial restore.
  onAnswersChange?: (answers: Record<string, number | string>) => void;
  // Crisis information already known before sending (a risk answer in a saved draft): shown at
  // once, above the form. One that a submission brings is shown afresh and takes focus as before.
  crisis?: HelpInfo | null;
  // Shown below the confirmation once everything is sent (what follows a low Fit Check).
  afterSent?: ComponentChildren;
  // A few words more inside the confirmation itself, read out with it (a parent's thank-you).
  sentNote?: string;
  // The send button's words, for a reader whose therapist it is not (a parent answering about
  // their child); "Send to my therapist" otherwise.
  sendLabel?: string;
}

// The whole flow: the form, then the confirmation. The crisis information sits above both once
// a submission (or a saved draft) carried it. On a phone the questions come one per screen, a tap on an answer
// moving on to the next, with a Back button and a last screen to send from; on a wider screen
// they are all on one page.
export function FeedbackForm({
  instruments,
  therapistName,
  send,
  initialAnswers,
  onAnswersChange,
  crisis: draftCrisis,
  afterSent,
  sentNote,
  sendLabel = 'Send to my therapist',
}: FeedbackFormProps) {
  // Sent from this page before the client went Back and came Forward again (or reloaded it).
  const [earlier] = useState(sentHere);
  const [answers, setAnswers] = useState<Record<string, number | string>>(() => ({ ...initialAnswers }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [pageError, setPageError] = useState<string>();
  const [sent, setSent] = useState<Set<string>>(() => new Set(earlier?.codes ?? []));
  const [crisis, setCrisis] = useState<HelpInfo | null>(earlier?.crisis ?? null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(earlier?.done ?? false);
  const [current, setCurrent] = useState<string>(() => resumeAt(stepsOf(instruments, sent), initialAnswers ?? {}));
  const narrow = useNarrowScreen();
  const firstError = useRef<string | null>(null);
  // Set when the client moves to another question, so that focus follows; not on a restore.
  const moved = useRef(false);
  // Whether the latest press was a pointer's (mouse, touch, pen) rather than a key's.
  const viaPointer = useRef(false);
  const advanceTimer = useRef<number | undefined>(undefined);
  const restoring = useRef(true);
  // False once the client has left the page, whose history entry is then no longer the current one.
  const shown = useRef(true);

  const steps = stepsOf(instruments, sent);
  const found = steps.findIndex((s) => s.key === current);
  const index = found < 0 ? steps.length : found;
  const step = steps[index];
  const focusId = step ? `${questionId(step.inst.code, step.item.id)}-text` : kReviewHeading;

  // Focus moves in a layout effect, straight after the render that shows its target: an ordinary
  // effect waits for the next frame, and a key pressed in between would land where focus was.
  useLayoutEffect(() => {
    if (!firstError.current) return;
    const el = document.getElementById(firstError.current);
    firstError.current = null;
    el?.focus();
  }, [errors]);

  // The new question's text takes focus, so that a screen reader reads it out.
  useLayoutEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    document.getElementById(focusId)?.focus();
  }, [current]);

  useEffect(() => {
    if (restoring.current) {
      restoring.current = false;
      return;
    }
    onAnswersChange?.(answers);
  }, [answers]);

  useEffect(
    () => () => {
      shown.current = false;
      window.clearTimeout(advanceTimer.current);
    },
    [],
  );

  const set = (key: string) => (v: number | string) => {
    setAnswers((a) => (a[key] === v ? a : { ...a, [key]: v }));
    setErrors((e) => {
      if (!e[key]) return e;
      const rest = { ...e };
      delete rest[key];
      return rest;
    });
  };

  function goTo(key: string) {
    window.clearTimeout(advanceTimer.current);
    moved.current = true;
    setCurrent(key);
  }

  const keyAfter = (at: number) => steps[at + 1]?.key ?? kReview;

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

  // Required items left unanswered are caught here, beside the item, before anything is sent.
  function missing(): Record<string, string> {
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

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (busy) return;
    // Enter in a question of the stepper (its form has no send button until the last screen).
    if (narrow && step) {
      next();
      return;
    }
    setPageError(undefined);
    const local = missing();
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
    try {
      for (const inst of instruments) {
        if (nowSent.has(inst.code)) continue;
        const body: Answers = {};
        for (const item of inst.items) {
          const v = answers[answerKey(inst.code, item.id)];
          if (v === undefined || (typeof v === 'string' && !v.trim())) continue;
          body[item.id] = typeof v === 'string' ? v.trim() : v;
        }
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
        if (result?.crisis) {
          nowCrisis = result.crisis;
          setCrisis(result.crisis);
        }
        keep(false);
      }
      keep(true);
      setDone(true);
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(0, String(err));
      const fieldErrors: Record<string, string> = {};
      const failed = instruments.find((i) => !nowSent.has(i.code));
      for (const f of apiError.fields) {
        const m = /^answers\/(.+)$/.exec(f.field);
        if (m && failed) fieldErrors[answerKey(failed.code, m[1]!)] = f.message;
      }
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

  function renderItem(inst: InstrumentDefinition, item: InstrumentItem, at?: number) {
    const key = answerKey(inst.code, item.id);
    const props: ItemProps = { code: inst.code, item, value: answers[key], error: errors[key], onChange: set(key) };
    if (at !== undefined) {
      props.onPick = picked(key, at);
      props.stepFocus = true;
    }
    if (item.type === 'slider') return <RatingItem key={key} {...props} />;
    if (onFaces(inst, item)) return <FacesItem key={key} {...props} />;
    if (item.type === 'choice') return <ChoiceItem key={key} {...props} />;
    return <TextItem key={key} {...props} />;
  }

  const sendButton = (
    <button class="button button--primary button--block" type="submit" disabled={busy}>
      {busy ? 'Sending…' : sendLabel}
    </button>
  );
  const size = <p class="feedback-form__size">{sizeText(steps.length)}</p>;

  return (
    <>
      {crisis ? <CrisisPanel key="sent" crisis={crisis} /> : draftCrisis && <CrisisPanel key="draft" crisis={draftCrisis} unsent />}
      {done ? (
        <>
          <SentCard therapistName={therapistName} earlier={!!earlier?.done} note={sentNote} />
          {afterSent}
        </>
      ) : narrow ? (
        <form
          class="feedback-form feedback-form--steps"
          onSubmit={onSubmit}
          onPointerDown={() => {
            viaPointer.current = true;
          }}
          onKeyDown={() => {
            viaPointer.current = false;
          }}
          noValidate
        >
          {pageError && <Alert>{pageError}</Alert>}
          {size}
          <div class="stepper__bar">
            {index > 0 && (
              <button type="button" class="button button--quiet stepper__back" onClick={back}>
                <span aria-hidden="true">←</span> Back
              </button>
            )}
            <div class="stepper__progress">
              <span class="stepper__count" id={kStepLabel}>
                {step ? `Question ${index + 1} of ${steps.length}` : 'Last step: send'}
              </span>
              <progress max={Math.max(steps.length, 1)} value={step ? index + 1 : steps.length} aria-labelledby={kStepLabel} />
            </div>
          </div>
          {step ? (
            <section key={step.inst.code} class="card questionnaire" aria-labelledby={`qs-${step.inst.code}`}>
              <h2 id={`qs-${step.inst.code}`}>{step.inst.plain_title ?? step.inst.title}</h2>
              {step.inst.preamble && <p class="muted">{step.inst.preamble}</p>}
              {renderItem(step.inst, step.item, index)}
              <div class="stepper__nav">
                <button type="button" class="button stepper__next" onClick={next}>
                  {!isAnswered(answers[step.key]) && !needsAnswer(step.item) ? 'Skip' : 'Next'}
                </button>
              </div>
            </section>
          ) : (
            <section class="card questionnaire stepper__review" aria-labelledby={kReviewHeading}>
              <h2 id={kReviewHeading} tabIndex={-1}>
                Ready to send
              </h2>
              <p>
                You answered {steps.filter((s) => isAnswered(answers[s.key])).length} of {steps.length}{' '}
                {steps.length === 1 ? 'question' : 'questions'}. Use Back to change an answer.
              </p>
              {sendButton}
            </section>
          )}
        </form>
      ) : (
        <form class="feedback-form" onSubmit={onSubmit} noValidate>
          {pageError && <Alert>{pageError}</Alert>}
          {size}
          {instruments.map((inst) => (
            <section key={inst.code} class="card questionnaire" aria-labelledby={`qs-${inst.code}`}>
              <h2 id={`qs-${inst.code}`}>{inst.plain_title ?? inst.title}</h2>
              {sent.has(inst.code) ? (
                <p class="muted">Sent. Thank you.</p>
              ) : (
                <>
                  {inst.preamble && <p class="muted">{inst.preamble}</p>}
                  {inst.items.filter(isAnswerable).map((item) => renderItem(inst, item))}
                </>
              )}
            </section>
          ))}
          {sendButton}
        </form>
      )}
    </>
  );
}
