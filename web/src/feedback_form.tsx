// The client's one-minute feedback form, shared by the signed-in "How was today's session?" page
// and the password-less feedback link: one section per questionnaire, native controls (ratings as
// rows of numbered radio buttons with their anchors as text, a young child's answers as faces,
// other choices as radio groups, each in a fieldset), errors beside their items, and the crisis
// information shown at once, first and for good, whenever a risk answer was given. On a phone it
// asks one question per screen, so that the check-in is a few taps rather than one long page; on a
// wider screen everything is on one page.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { asSentence, type Answers, type HelpInfo, type InstrumentDefinition, type InstrumentItem, type SubmitResult } from './api';
import { Face, kFaceCount } from './faces';
import {
  answerKey,
  isAnswerable,
  isAnswered,
  kReviewHeading,
  needsAnswer,
  questionId,
  useFeedbackForm,
  type FeedbackFormState,
  type Step,
} from './feedback_form_state';
import { EmergencyCall, HelpLines } from './help_view';
import { ReadAloud, spokenQuestion } from './read_aloud';
import { Alert } from './ui';

export { answerKey, sentHere, type SentHere } from './feedback_form_state';

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

// What one question takes, for the time the form states.
const kSecondsPerItem = 6;
const kStepLabel = 'feedback-step-label';

// Stated from what the form holds, so that it stays true when questionnaires are added.
function sizeText(count: number): string {
  const minutes = Math.max(1, Math.ceil((count * kSecondsPerItem) / 60));
  return `About ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} · ${count} ${count === 1 ? 'question' : 'questions'}`;
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

// One question as its kind of control. `at`: its place in the stepper, which moves on when a
// pointer picks an answer and gives the question's text focus as it appears.
function renderItem(form: FeedbackFormState, inst: InstrumentDefinition, item: InstrumentItem, at?: number) {
  const { answers, errors, set, picked } = form;
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
  const form = useFeedbackForm({ instruments, therapistName, send, initialAnswers, onAnswersChange });
  const { narrow, earlier, pageError, crisis, busy, done, steps, step, viaPointer, onSubmit } = form;

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
          <StepperBar form={form} />
          {step ? <StepScreen key={step.inst.code} form={form} step={step} /> : <ReviewScreen form={form} sendButton={sendButton} />}
        </form>
      ) : (
        <form class="feedback-form" onSubmit={onSubmit} noValidate>
          {pageError && <Alert>{pageError}</Alert>}
          {size}
          {instruments.map((inst) => (
            <QuestionnaireSection key={inst.code} form={form} inst={inst} />
          ))}
          {sendButton}
        </form>
      )}
    </>
  );
}

// Above each screen of the stepper: Back (from the second question on) and how far along it is.
function StepperBar({ form }: { form: FeedbackFormState }) {
  const { steps, index, step, back } = form;
  return (
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
  );
}

// One question of the stepper, under its questionnaire's title, with Next (or Skip, for an
// optional question left open).
function StepScreen({ form, step }: { form: FeedbackFormState; step: Step }) {
  const { answers, index, next } = form;
  return (
    <section class="card questionnaire" aria-labelledby={`qs-${step.inst.code}`}>
      <h2 id={`qs-${step.inst.code}`}>{step.inst.plain_title ?? step.inst.title}</h2>
      {step.inst.preamble && <p class="muted">{step.inst.preamble}</p>}
      {renderItem(form, step.inst, step.item, index)}
      <div class="stepper__nav">
        <button type="button" class="button stepper__next" onClick={next}>
          {!isAnswered(answers[step.key]) && !needsAnswer(step.item) ? 'Skip' : 'Next'}
        </button>
      </div>
    </section>
  );
}

// The stepper's last screen: how many questions were answered, and the send button.
function ReviewScreen({ form, sendButton }: { form: FeedbackFormState; sendButton: ComponentChildren }) {
  const { answers, steps } = form;
  return (
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
  );
}

// One questionnaire on the wider screen's single page: its questions, or that it was sent.
function QuestionnaireSection({ form, inst }: { form: FeedbackFormState; inst: InstrumentDefinition }) {
  return (
    <section class="card questionnaire" aria-labelledby={`qs-${inst.code}`}>
      <h2 id={`qs-${inst.code}`}>{inst.plain_title ?? inst.title}</h2>
      {form.sent.has(inst.code) ? (
        <p class="muted">Sent. Thank you.</p>
      ) : (
        <>
          {inst.preamble && <p class="muted">{inst.preamble}</p>}
          {inst.items.filter(isAnswerable).map((item) => renderItem(form, inst, item))}
        </>
      )}
    </section>
  );
}
