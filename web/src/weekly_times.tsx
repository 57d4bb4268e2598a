// Weekly times as rows of a day and a stretch of hours, added and removed one at a time: the times
// a client can come, and the times a therapist offers. Each row is its own small group ("Time 1")
// so that its Day, From and To are read with it; errors sit beside the part they are about.
import { useEffect, useId, useRef } from 'preact/hooks';
import { asSentence } from './api';
import type { WeeklyTime } from './matching_api';
import { kDays, timeWords } from './matching_words';
import { Field, SelectField } from './ui';

// A row being edited; `key` keeps each row's fields its own when one above is removed.
export interface TimeRow {
  key: number;
  day: string;
  start: string;
  end: string;
}

let nextKey = 1;

export function timeRows(times: readonly WeeklyTime[]): TimeRow[] {
  return times.map((t) => ({ key: nextKey++, day: String(t.day), start: t.start, end: t.end }));
}

export function newTimeRow(): TimeRow {
  return { key: nextKey++, day: '1', start: '', end: '' };
}

export function weeklyTimes(rows: readonly TimeRow[]): WeeklyTime[] {
  return rows.map((r) => ({ day: Number(r.day), start: r.start, end: r.end }));
}

// Rows not filled in, as field errors under `path` ("needs/times/0/start"), so that they are
// named before anything is sent.
export function missingTimes(rows: readonly TimeRow[], path: string): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  rows.forEach((r, i) => {
    if (!r.start) errors.push({ field: `${path}/${i}/start`, message: 'Choose when this time starts.' });
    if (!r.end) errors.push({ field: `${path}/${i}/end`, message: 'Choose when this time ends.' });
  });
  return errors;
}

// Every field path the rows show, for the form's summary to know which errors are placed.
export function timePaths(rows: readonly TimeRow[], path: string): string[] {
  return rows.flatMap((_, i) => [`${path}/${i}`, `${path}/${i}/day`, `${path}/${i}/start`, `${path}/${i}/end`]);
}

const kDayOptions = kDays.map((d, i) => ({ value: String(i), label: d }));

export function WeeklyTimesField(props: {
  legend: string;
  hint: string;
  // Where the server names these rows' errors ("needs/times", "availability").
  path: string;
  // The name of the "Add a time" button, which the form uses to bring someone here.
  name: string;
  rows: TimeRow[];
  onChange: (rows: TimeRow[]) => void;
  errorAt: (field: string) => string | undefined;
}) {
  const id = useId();
  const list = useRef<HTMLDivElement>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  // After adding, the new row's day takes focus; after removing, the row now in its place (or
  // the add button), so that the keyboard is never left on nothing.
  const focusAfter = useRef<{ index: number } | null>(null);
  useEffect(() => {
    const want = focusAfter.current;
    if (!want) return;
    focusAfter.current = null;
    const rows = list.current?.querySelectorAll<HTMLElement>('.time-row select');
    const target = rows && want.index < rows.length ? rows[want.index] : addButton.current;
    target?.focus();
  }, [props.rows.length]);

  const groupError = props.errorAt(props.path);
  const update = (i: number, change: Partial<TimeRow>) => props.onChange(props.rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  return (
    <fieldset class={groupError ? 'fieldset fieldset--invalid' : 'fieldset'} aria-describedby={`${id}-hint${groupError ? ` ${id}-error` : ''}`}>
      <legend>{props.legend}</legend>
      <p class="hint" id={`${id}-hint`}>
        {props.hint}
      </p>
      <div class="time-rows" ref={list}>
        {props.rows.map((r, i) => {
          const at = `${props.path}/${i}`;
          const rowError = props.errorAt(at);
          const rowErrorId = `${id}-${r.key}-error`;
          const filled = r.start && r.end ? timeWords({ day: Number(r.day), start: r.start, end: r.end }) : undefined;
          return (
            <fieldset
              key={r.key}
              class={rowError ? 'fieldset fieldset--inner time-row fieldset--invalid' : 'fieldset fieldset--inner time-row'}
              aria-describedby={rowError ? rowErrorId : undefined}
            >
              <legend>Time {i + 1}</legend>
              <SelectField label="Day" name={`${props.name}-${i}-day`} value={r.day} onInput={(day) => update(i, { day })} options={kDayOptions} error={props.errorAt(`${at}/day`)} />
              <div class="row">
                <Field label="From" name={`${props.name}-${i}-start`} type="time" required value={r.start} onInput={(start) => update(i, { start })} error={props.errorAt(`${at}/start`)} />
                <Field label="To" name={`${props.name}-${i}-end`} type="time" required value={r.end} onInput={(end) => update(i, { end })} error={props.errorAt(`${at}/end`)} />
              </div>
              {rowError && (
                <p class="field-error" id={rowErrorId}>
                  {asSentence(rowError, `Time ${i + 1}`)}
                </p>
              )}
              <div>
                <button
                  type="button"
                  class="button button--small button--quiet"
                  onClick={() => {
                    focusAfter.current = { index: i };
                    props.onChange(props.rows.filter((_, j) => j !== i));
                  }}
                >
                  Remove time {i + 1}
                  {filled && <span class="visually-hidden"> ({filled})</span>}
                </button>
              </div>
            </fieldset>
          );
        })}
      </div>
      {groupError && (
        <p class="field-error" id={`${id}-error`}>
          {asSentence(groupError, props.legend)}
        </p>
      )}
      <div>
        <button
          type="button"
          class="button button--small"
          name={props.name}
          ref={addButton}
          onClick={() => {
            focusAfter.current = { index: props.rows.length };
            props.onChange([...props.rows, newTimeRow()]);
          }}
        >
          Add a time
        </button>
      </div>
    </fieldset>
  );
}
