// The client's one-minute feedback form, shared by the signed-in "How was today's session?" page
// and the password-less feedback link: one section per questionnaire, native controls (ratings as
// rows of numbered radio buttons with their anchors as text, other choices as radio groups, each
// in a fieldset), errors beside their items, and the crisis information shown at once, first and
// for good, whenever a risk answer was given.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asSentence, type Answers, type HelpInfo, type InstrumentDefinition, type InstrumentItem, type SubmitResult } from './api';
import { EmergencyCall, HelpLines } from './help_view';
import { Alert } from './ui';

// Takes focus when it appears so that a screen reader announces it before anything else; it is
// never dismissible. What the clinic will do comes first, in the server's words, which say only
// what the clinic's hours and cover make true; then where to turn now.
export function CrisisPanel({ crisis }: { crisis: HelpInfo }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.scrollIntoView({ block: 'start' });
  }, []);
  return (
    <div class="crisis" role="alert" tabIndex={-1} ref={ref} aria-labelledby="crisis-heading">
      <h2 id="crisis-heading">{crisis.after_risk.headline}</h2>
      <p>{crisis.after_risk.body}</p>
      <h3>{crisis.title}</h3>
      <p>{crisis.body}</p>
      <EmergencyCall help={crisis} />
      <HelpLines lines={crisis.lines} headingLevel={4} />
    </div>
  );
}

function isAnswerable(item: InstrumentItem): boolean {
  return item.type === 'choice' || item.type === 'slider' || item.type === 'text';
}

function itemKey(code: string, item: InstrumentItem): string {
  return `${code}/${item.id}`;
}

interface ItemProps {
  code: string;
  item: InstrumentItem;
  value: number | string | undefined;
  error?: string;
  onChange: (value: number | string) => void;
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
function RatingItem({ code, item, value, error, onChange }: ItemProps) {
  const id = `q-${code}-${item.id}`.replace(/[^A-Za-z0-9_-]/g, '-');
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
      <legend class="question__text">{item.text}</legend>
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

function ChoiceItem({ code, item, value, error, onChange }: ItemProps) {
  const id = `q-${code}-${item.id}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return (
    <fieldset
      class={error ? 'question question--invalid choice' : 'question choice'}
      aria-describedby={error ? `${id}-error` : undefined}
      aria-invalid={error ? 'true' : undefined}
    >
      <legend class="question__text">{item.text}</legend>
      <div class="choice__options">
        {(item.options ?? []).map((o) => (
          <label key={o.value} class="choice__option">
            <input
              type="radio"
              name={id}
              value={String(o.value)}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
            />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      <ItemError id={`${id}-error`} error={error} />
    </fieldset>
  );
}

function TextItem({ code, item, value, error, onChange }: ItemProps) {
  const id = `q-${code}-${item.id}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return (
    <div class={error ? 'question question--invalid' : 'question'}>
      <label for={id} class="question__text">
        {item.text}
        {item.required === false && !/optional/i.test(item.text) ? <span class="optional"> (optional)</span> : null}
      </label>
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
}

// The whole flow: the form, then the confirmation. The crisis information sits above both once
// any submission carried it.
export function FeedbackForm({ instruments, therapistName, send }: FeedbackFormProps) {
  const [answers, setAnswers] = useState<Record<string, number | string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [pageError, setPageError] = useState<string>();
  const [sent, setSent] = useState<Set<string>>(new Set());
  const [crisis, setCrisis] = useState<HelpInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const firstError = useRef<string | null>(null);

  useEffect(() => {
    if (!firstError.current) return;
    const el = document.getElementById(firstError.current);
    firstError.current = null;
    el?.focus();
  }, [errors]);

  const set = (key: string) => (v: number | string) => {
    setAnswers((a) => ({ ...a, [key]: v }));
    setErrors((e) => {
      if (!e[key]) return e;
      const rest = { ...e };
      delete rest[key];
      return rest;
    });
  };

  // Required items left unanswered are caught here, beside the item, before anything is sent.
  function missing(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const inst of instruments) {
      if (sent.has(inst.code)) continue;
      for (const item of inst.items) {
        if (!isAnswerable(item) || item.type === 'text' || item.required === false) continue;
        if (answers[itemKey(inst.code, item)] === undefined) {
          out[itemKey(inst.code, item)] = item.type === 'slider' ? 'Please choose a number.' : 'Please choose an answer.';
        }
      }
    }
    return out;
  }

  function focusTarget(key: string): string {
    const [code, item] = [key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)];
    const inst = instruments.find((i) => i.code === code);
    const def = inst?.items.find((i) => i.id === item);
    const id = `q-${code}-${item}`.replace(/[^A-Za-z0-9_-]/g, '-');
    return def?.type === 'choice' ? `${id}-error` : id;
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setPageError(undefined);
    const local = missing();
    if (Object.keys(local).length) {
      firstError.current = focusTarget(Object.keys(local)[0]!);
      setErrors(local);
      setPageError('A few questions still need an answer. They are marked below.');
      return;
    }
    setBusy(true);
    const nowSent = new Set(sent);
    try {
      for (const inst of instruments) {
        if (nowSent.has(inst.code)) continue;
        const body: Answers = {};
        for (const item of inst.items) {
          const v = answers[itemKey(inst.code, item)];
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
            continue;
          }
          throw err;
        }
        nowSent.add(inst.code);
        // Shown the moment it arrives, even if a later questionnaire fails.
        if (result?.crisis) setCrisis(result.crisis);
      }
      setDone(true);
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(0, String(err));
      const next: Record<string, string> = {};
      const current = instruments.find((i) => !nowSent.has(i.code));
      for (const f of apiError.fields) {
        const m = /^answers\/(.+)$/.exec(f.field);
        if (m && current) next[`${current.code}/${m[1]}`] = f.message;
      }
      if (Object.keys(next).length) {
        firstError.current = focusTarget(Object.keys(next)[0]!);
        setPageError('Some answers need another look. They are marked below.');
      } else {
        setPageError(apiError.message);
      }
      setErrors(next);
    } finally {
      setSent(nowSent);
      setBusy(false);
    }
  }

  return (
    <>
      {crisis && <CrisisPanel crisis={crisis} />}
      {done ? (
        <div class="card card--accent confirmation" role="status">
          <h2>Sent</h2>
          <p class="big">Thank you — your answers have been sent to {therapistName || 'your therapist'}.</p>
          <p>
            <a href="/">Back to home</a>
          </p>
        </div>
      ) : (
        <form class="feedback-form" onSubmit={onSubmit} noValidate>
          {pageError && <Alert>{pageError}</Alert>}
          {instruments.map((inst) => (
            <section key={inst.code} class="card questionnaire" aria-labelledby={`qs-${inst.code}`}>
              <h2 id={`qs-${inst.code}`}>{inst.title}</h2>
              {sent.has(inst.code) ? (
                <p class="muted">Sent. Thank you.</p>
              ) : (
                <>
                  {inst.preamble && <p class="muted">{inst.preamble}</p>}
                  {inst.items.filter(isAnswerable).map((item) => {
                    const key = itemKey(inst.code, item);
                    const props: ItemProps = { code: inst.code, item, value: answers[key], error: errors[key], onChange: set(key) };
                    if (item.type === 'slider') return <RatingItem key={key} {...props} />;
                    if (item.type === 'choice') return <ChoiceItem key={key} {...props} />;
                    return <TextItem key={key} {...props} />;
                  })}
                </>
              )}
            </section>
          ))}
          <button class="button button--primary button--block" type="submit" disabled={busy}>
            {busy ? 'Sending…' : 'Send to my therapist'}
          </button>
        </form>
      )}
    </>
  );
}
