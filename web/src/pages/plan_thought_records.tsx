// The CBT thought record (seven columns) as the client fills it in, linked to one of their
// goals, and the list of records that client and therapist read.
import { useState } from 'preact/hooks';
import { ApiError, asSentence } from '../api';
import { formatDateTime } from '../format';
import type { FeelingRating, PlanContent, ThoughtRecord, ThoughtRecordView } from '../plan_api';
import { shortText } from '../plan_words';
import { Alert, Field, SelectField, TextAreaField } from '../ui';

interface FeelingRow {
  feeling: string;
  intensity: string;
}

const blankRow = (): FeelingRow => ({ feeling: '', intensity: '' });

function FeelingRows({
  rows,
  setRows,
  prefix,
  legend,
  fieldError,
  listName,
}: {
  rows: FeelingRow[];
  setRows: (rows: FeelingRow[]) => void;
  prefix: string;
  legend: string;
  fieldError: (path: string) => string | undefined;
  listName: string;
}) {
  const set = (i: number, part: keyof FeelingRow) => (value: string) => setRows(rows.map((r, j) => (j === i ? { ...r, [part]: value } : r)));
  return (
    <fieldset class="fieldset">
      <legend>{legend}</legend>
      {fieldError(listName) && <p class="field-error">{asSentence(fieldError(listName)!)}</p>}
      {rows.map((r, i) => (
        <div class="row" key={i}>
          <Field
            label={`${prefix} ${i + 1}`}
            name={`${listName}-${i}-feeling`}
            value={r.feeling}
            onInput={set(i, 'feeling')}
            required={i === 0 && listName === 'feelings'}
            error={fieldError(`${listName}/${i}/feeling`)}
          />
          <Field
            label={`How strong, 0 to 100 (${prefix.toLowerCase()} ${i + 1})`}
            name={`${listName}-${i}-intensity`}
            type="number"
            inputMode="numeric"
            min={0}
            max={100}
            step={1}
            value={r.intensity}
            onInput={set(i, 'intensity')}
            required={i === 0 && listName === 'feelings'}
            error={fieldError(`${listName}/${i}/intensity`)}
          />
        </div>
      ))}
      {rows.length < 10 && (
        <button class="button button--small" type="button" onClick={() => setRows([...rows, blankRow()])}>
          Add another feeling<span class="visually-hidden"> ({legend.toLowerCase()})</span>
        </button>
      )}
    </fieldset>
  );
}

function toRatings(rows: FeelingRow[]): FeelingRating[] {
  return rows
    .filter((r) => r.feeling.trim() || r.intensity.trim())
    .map((r) => ({ feeling: r.feeling.trim(), intensity: r.intensity.trim() === '' ? Number.NaN : Number(r.intensity) }));
}

export function ThoughtRecordForm({ content, onSave }: { content: PlanContent; onSave: (record: ThoughtRecord) => Promise<void> }) {
  const goals = content.goals.filter((g) => g.key);
  const [open, setOpen] = useState(false);
  const [goalKey, setGoalKey] = useState(goals[0]?.key ?? '');
  const [text, setText] = useState({ situation: '', automatic_thoughts: '', evidence_for: '', evidence_against: '', balanced_thought: '' });
  const [feelings, setFeelings] = useState<FeelingRow[]>([blankRow()]);
  const [after, setAfter] = useState<FeelingRow[]>([blankRow()]);
  const [error, setError] = useState<ApiError>();
  const [local, setLocal] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const set = (k: keyof typeof text) => (v: string) => setText((t) => ({ ...t, [k]: v }));
  const fieldError = (path: string) => local[path] ?? error?.fieldMessage(path);

  if (!open) {
    return (
      <div class="actions">
        {saved && <Alert kind="success">Your thought record is saved.</Alert>}
        <button
          class="button button--primary"
          type="button"
          onClick={() => {
            setOpen(true);
            setSaved(false);
          }}
        >
          Write a thought record
        </button>
      </div>
    );
  }

  async function submit(e: Event) {
    e.preventDefault();
    const missing: Record<string, string> = {};
    if (!text.situation.trim()) missing.situation = 'Describe the situation.';
    if (!text.automatic_thoughts.trim()) missing.automatic_thoughts = 'Write what went through your mind.';
    const f = toRatings(feelings);
    if (f.length === 0) missing['feelings/0/feeling'] = 'Name at least one feeling.';
    f.forEach((r, i) => {
      if (!r.feeling) missing[`feelings/${i}/feeling`] = 'Name the feeling.';
      if (!Number.isInteger(r.intensity) || r.intensity < 0 || r.intensity > 100) missing[`feelings/${i}/intensity`] = 'Give a whole number from 0 to 100.';
    });
    const a = toRatings(after);
    a.forEach((r, i) => {
      if (!r.feeling) missing[`feelings_after/${i}/feeling`] = 'Name the feeling.';
      if (!Number.isInteger(r.intensity) || r.intensity < 0 || r.intensity > 100) missing[`feelings_after/${i}/intensity`] = 'Give a whole number from 0 to 100.';
    });
    setLocal(missing);
    if (Object.keys(missing).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSave({
        goal_key: goalKey,
        situation: text.situation.trim(),
        automatic_thoughts: text.automatic_thoughts.trim(),
        feelings: f,
        evidence_for: text.evidence_for.trim(),
        evidence_against: text.evidence_against.trim(),
        balanced_thought: text.balanced_thought.trim(),
        feelings_after: a,
      });
      setText({ situation: '', automatic_thoughts: '', evidence_for: '', evidence_against: '', balanced_thought: '' });
      setFeelings([blankRow()]);
      setAfter([blankRow()]);
      setOpen(false);
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  const shown = ['goal_key', 'situation', 'automatic_thoughts', 'evidence_for', 'evidence_against', 'balanced_thought'];
  const orphaned = error?.fields.filter((f) => !shown.includes(f.field) && !/^feelings(_after)?\/\d+\/(feeling|intensity)$/.test(f.field)) ?? [];
  return (
    <form class="form thought-record" noValidate onSubmit={submit} aria-label="New thought record">
      <SelectField
        label="The goal it belongs to"
        name="goal_key"
        value={goalKey}
        onInput={setGoalKey}
        error={fieldError('goal_key')}
        options={goals.map((g) => ({ value: g.key!, label: shortText(g.description, 70) }))}
      />
      <TextAreaField label="Situation" name="situation" hint="Where were you, with whom, what happened?" required value={text.situation} onInput={set('situation')} error={fieldError('situation')} />
      <TextAreaField
        label="Automatic thoughts"
        name="automatic_thoughts"
        hint="What went through your mind?"
        required
        value={text.automatic_thoughts}
        onInput={set('automatic_thoughts')}
        error={fieldError('automatic_thoughts')}
      />
      <FeelingRows rows={feelings} setRows={setFeelings} prefix="Feeling" legend="Feelings at the time" fieldError={fieldError} listName="feelings" />
      <TextAreaField label="Evidence for the thought" name="evidence_for" value={text.evidence_for} onInput={set('evidence_for')} error={fieldError('evidence_for')} />
      <TextAreaField label="Evidence against the thought" name="evidence_against" value={text.evidence_against} onInput={set('evidence_against')} error={fieldError('evidence_against')} />
      <TextAreaField
        label="Balanced thought"
        name="balanced_thought"
        hint="A fairer way of seeing it, taking all the evidence into account."
        value={text.balanced_thought}
        onInput={set('balanced_thought')}
        error={fieldError('balanced_thought')}
      />
      <FeelingRows rows={after} setRows={setAfter} prefix="Feeling now" legend="Feelings re-rated afterwards" fieldError={fieldError} listName="feelings_after" />
      {error && (orphaned.length > 0 || error.fields.length === 0) && (
        <Alert>
          <p>{error.fields.length ? 'Please correct these:' : error.message}</p>
          {orphaned.length > 0 && (
            <ul>
              {orphaned.map((f) => (
                <li key={f.field}>{asSentence(f.message, f.field)}</li>
              ))}
            </ul>
          )}
        </Alert>
      )}
      <div class="actions">
        <button class="button button--primary" type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save thought record'}
        </button>
        <button class="button" type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Feelings({ list }: { list: FeelingRating[] }) {
  if (list.length === 0) return <span class="muted">—</span>;
  return <>{list.map((f) => `${f.feeling} ${f.intensity}`).join(', ')}</>;
}

export function ThoughtRecordList({ records, content }: { records: ThoughtRecordView[]; content: PlanContent }) {
  if (records.length === 0) return <p class="muted">No thought records yet.</p>;
  return (
    <div class="thought-records">
      {records.map((r) => {
        const goal = content.goals.find((g) => g.key === r.record.goal_key);
        return (
          <details key={r.id} class="response thought-record-view">
            <summary>
              {formatDateTime(r.at)} · {shortText(r.record.situation, 50)}
            </summary>
            <dl class="details">
              <div>
                <dt>Goal</dt>
                <dd>{goal ? goal.description : 'A goal no longer in the plan'}</dd>
              </div>
              <div>
                <dt>Situation</dt>
                <dd class="pre-line">{r.record.situation}</dd>
              </div>
              <div>
                <dt>Automatic thoughts</dt>
                <dd class="pre-line">{r.record.automatic_thoughts}</dd>
              </div>
              <div>
                <dt>Feelings (0–100)</dt>
                <dd>
                  <Feelings list={r.record.feelings} />
                </dd>
              </div>
              <div>
                <dt>Evidence for</dt>
                <dd class="pre-line">{r.record.evidence_for || '—'}</dd>
              </div>
              <div>
                <dt>Evidence against</dt>
                <dd class="pre-line">{r.record.evidence_against || '—'}</dd>
              </div>
              <div>
                <dt>Balanced thought</dt>
                <dd class="pre-line">{r.record.balanced_thought || '—'}</dd>
              </div>
              <div>
                <dt>Feelings afterwards</dt>
                <dd>
                  <Feelings list={r.record.feelings_after} />
                </dd>
              </div>
            </dl>
          </details>
        );
      })}
    </div>
  );
}
