// The plan's homework as each reader sees it: the task, the care team's completion line, and the
// check-in for today with how often each side said it was done.
import { useEffect, useRef, useState } from 'preact/hooks';
import { firstName, formatDate } from '../format';
import { planApi, type Homework, type HomeworkCompletion, type HomeworkState } from '../plan_api';
import type { Reader } from '../plan_words';
import { Alert, TextAreaField } from '../ui';
import { errorText, useAction } from './plan_page_action';

// Where a homework's words are named: its check-in buttons are labelled by them.
const taskId = (key: string) => `homework-${key}-task`;

const noCheckIns: HomeworkCompletion = { check_ins: 0, done: 0, rate: null };

function sameDay(iso: string | null | undefined, day: Date): boolean {
  if (!iso) return false;
  const d = new Date(iso);
  return d.getFullYear() === day.getFullYear() && d.getMonth() === day.getMonth() && d.getDate() === day.getDate();
}

// Whether the reader checks in on this homework (the client and the care team on any, a parent or
// carer on homework planned with them, nobody once the episode has ended).
function checksIn(homework: Homework, state?: HomeworkState): boolean {
  return !!homework.key && !!state?.may_check_in;
}

// The homework's words and due date. Where the reader does not check in, the latest word on it
// follows, as it always has.
export function HomeworkTask({ homework, state }: { homework: Homework; state?: HomeworkState }) {
  const due = homework.due_date ? ` · due ${formatDate(homework.due_date)}` : '';
  return (
    <p class="homework__task">
      <span id={homework.key ? taskId(homework.key) : undefined}>{homework.description}</span>
      <span class="muted">
        {due}
        {state && !checksIn(homework, state) ? (state.done ? ' · done' : ' · not done yet') : ''}
      </span>
    </p>
  );
}

// The plan's homework completion, for the care team: every check-in since the plan was agreed.
export function HomeworkCompletionLine({ completion }: { completion?: HomeworkCompletion }) {
  const c = completion ?? noCheckIns;
  const rate = c.rate ?? (c.check_ins > 0 ? c.done / c.check_ins : null);
  return (
    <div class="homework-completion">
      <p>
        <span class="label">Homework completion:</span>{' '}
        {c.check_ins === 0 || rate === null ? 'No check-ins yet' : `${Math.round(rate * 100)}% (${c.done} of ${c.check_ins} check-ins)`}
      </p>
      <p class="muted small">Every check-in on this plan's homework since it was agreed, whoever made it.</p>
    </div>
  );
}

// For homework planned with the parents or carers: how often each side said it was done.
function checkInCounts(state: HomeworkState, reader: Reader, child: boolean): string {
  const part = (c: HomeworkCompletion) => (c.check_ins === 0 ? 'none yet' : `${c.done} of ${c.check_ins} done`);
  const client = state.by_client ?? noCheckIns;
  const carers = state.by_caregivers ?? noCheckIns;
  if (reader.audience === 'client') {
    return child
      ? `Since we made the plan — you: ${part(client)} · your grown-up: ${part(carers)}`
      : `Check-ins since the plan was agreed — you: ${part(client)} · your parents or carers: ${part(carers)}`;
  }
  return `Check-ins since the plan was agreed — ${firstName(reader.client)}: ${part(client)} · parents and carers: ${part(carers)}`;
}

function lastCheckInLine(state: HomeworkState, child: boolean, now: Date): string {
  if (!state.last_check_in_at) return child ? '' : 'No check-ins yet.';
  const when = sameDay(state.last_check_in_at, now) ? 'today' : formatDate(state.last_check_in_at);
  const word = state.done ? 'done' : when === 'today' ? 'not today' : 'not done that day';
  return `${child ? 'Last time' : 'Last check-in'}: ${when} — ${word}.`;
}

// A check-in for today on one homework: done or not, with a note if the reader wants to add one.
// The two answers are a pair of buttons that read as a pair of choices, the one given today (by
// anyone) marked as chosen; giving one again the same day corrects that day's word. Under
// homework planned with the parents or carers, how often each side said it was done.
export function HomeworkCheckIn({
  episodeId,
  homework,
  state,
  reader,
  child,
  onChanged,
}: {
  episodeId: number;
  homework: Homework;
  state?: HomeworkState;
  reader: Reader;
  child: boolean;
  onChanged: () => void;
}) {
  const save = useAction();
  const [note, setNote] = useState('');
  const [saved, setSaved] = useState('');
  // The chosen answer shows at once; the server's answer then confirms it (or the error undoes it).
  const [pending, setPending] = useState<boolean>();
  useEffect(() => setPending(undefined), [state?.done, state?.last_check_in_at]);
  const doneRef = useRef<HTMLButtonElement>(null);
  const notRef = useRef<HTMLButtonElement>(null);
  // The answers wait while one is saved; a keyboard user then finds themself back on the answer
  // they gave rather than at the top of the page.
  const pressed = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (save.busy || !pressed.current) return;
    const active = document.activeElement;
    if (!active || active === document.body) pressed.current.focus();
    pressed.current = null;
  }, [save.busy]);
  if (!state) return null;
  const withCarers = !!(state.caregiver_support || homework.caregiver_support);
  const anyCheckIns = (state.by_client?.check_ins ?? 0) + (state.by_caregivers?.check_ins ?? 0) > 0;
  const counts = withCarers && anyCheckIns ? <p class="homework__counts small">{checkInCounts(state, reader, child)}</p> : null;
  if (!checksIn(homework, state)) return counts;

  const key = homework.key!;
  const now = new Date();
  const today = sameDay(state.last_check_in_at, now) ? state.done : undefined;
  const answer = pending ?? today;
  const last = lastCheckInLine(state, child, now);
  const promptId = `homework-${key}-prompt`;
  const doneId = `homework-${key}-done`;
  const prompt =
    reader.audience === 'care' ? 'Check in for today' : reader.audience === 'guardian' ? 'How did it go today?' : 'Did you do it today?';
  // The server counts a note's length in bytes, which accented letters and emoji take more of.
  const noteError = save.error?.fieldMessage('note') ? 'The note is too long. Please make it a little shorter.' : undefined;
  // The arrow keys move between the two answers, as in any pair of choices, without giving one.
  const onArrow = (e: KeyboardEvent) => {
    if (!['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(e.key)) return;
    e.preventDefault();
    (document.activeElement === doneRef.current ? notRef.current : doneRef.current)?.focus();
  };
  const send = (done: boolean) => {
    pressed.current = done ? doneRef.current : notRef.current;
    setPending(done);
    setSaved('');
    void save
      .run(async () => {
        const text = note.trim();
        await planApi.tickHomework(episodeId, key, done, text || undefined);
        setNote('');
        setSaved('Thanks — saved for today.');
        onChanged();
      })
      .then((ok) => {
        if (!ok) setPending(undefined);
      });
  };
  return (
    <div class="check-in">
      {last && <p class="homework__last muted small">{last}</p>}
      {counts}
      <p class="check-in__prompt" id={promptId}>
        {prompt}
      </p>
      <TextAreaField label="Anything to add?" name={`homework-note-${key}`} rows={2} maxLength={500} value={note} onInput={setNote} error={noteError} />
      <div class="actions check-in__answers" role="radiogroup" aria-labelledby={promptId} onKeyDown={onArrow}>
        {/* Each answer is named by its own words and the homework's, so that it can be told apart
            from the answers to the plan's other homework. */}
        <button
          ref={doneRef}
          class={answer === true ? 'button button--primary check-in__answer' : 'button check-in__answer'}
          type="button"
          role="radio"
          aria-checked={answer === true}
          aria-labelledby={`${doneId} ${taskId(key)}`}
          disabled={save.busy}
          onClick={() => send(true)}
        >
          {answer === true && <span aria-hidden="true">✓</span>}
          <span id={doneId}>
            {child ? 'I did it today' : 'Done today'}
            <span class="visually-hidden"> —</span>
          </span>
        </button>
        <button
          ref={notRef}
          class={answer === false ? 'button button--primary check-in__answer' : 'button check-in__answer'}
          type="button"
          role="radio"
          aria-checked={answer === false}
          disabled={save.busy}
          onClick={() => send(false)}
        >
          {answer === false && <span aria-hidden="true">✓</span>}
          Not today<span class="visually-hidden"> — {homework.description}</span>
        </button>
      </div>
      {save.error && !noteError && <Alert>{errorText(save.error)}</Alert>}
      <p class="check-in__saved small" role="status">
        {saved}
      </p>
    </div>
  );
}
