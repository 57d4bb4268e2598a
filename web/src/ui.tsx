// Shared building blocks: labelled fields whose errors sit beside them, alerts, page headings
// that take focus after navigation, and a hook for the load / error / data cycle.
import type { ComponentChildren, JSX, RefObject } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, asSentence } from './api';
import { takeHeadingFocus } from './router';

interface FieldProps {
  label: string;
  name: string;
  type?: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
  hint?: string;
  required?: boolean;
  autoComplete?: string;
  inputMode?: JSX.HTMLAttributes['inputMode'];
  min?: string | number;
  max?: string | number;
  step?: string | number;
  maxLength?: number;
}

export function Field(props: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ');
  const error = props.error ? asSentence(props.error, props.label) : undefined;
  return (
    <div class={props.error ? 'field field--invalid' : 'field'}>
      <label for={id}>
        {props.label}
        {props.required ? null : <span class="optional"> (optional)</span>}
      </label>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
        required={props.required}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        min={props.min}
        max={props.max}
        step={props.step}
        maxLength={props.maxLength}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      />
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

interface SelectProps {
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  options: { value: string; label: string }[];
  error?: string;
  hint?: string;
}

export function SelectField(props: SelectProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div class={props.error ? 'field field--invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      <select
        id={id}
        name={props.name}
        value={props.value}
        onChange={(e) => props.onInput((e.currentTarget as HTMLSelectElement).value)}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.error && (
        <p class="field-error" id={errorId}>
          {asSentence(props.error, props.label)}
        </p>
      )}
    </div>
  );
}

export function Alert({ kind = 'error', children }: { kind?: 'error' | 'success' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`alert alert--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

// The page's one h1. It takes focus after client-side navigation so that screen-reader users
// hear where they arrived, as they would on a full page load; `focus` also after the app's own
// move to it (a form sent, whose page is gone with the focus in it).
export function PageTitle({ children, title, focus }: { children: ComponentChildren; title: string; focus?: boolean }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Rapport`;
    const moved = takeHeadingFocus();
    if (focus || moved || (document.activeElement && document.activeElement !== document.body)) {
      ref.current?.focus();
    }
  }, [title]);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) =>
        live && setState({ error: error instanceof ApiError ? error : new ApiError(0, String(error)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

// Form state: values, the error set returned by the last submission, and a busy flag that keeps
// a double click from sending twice.
export function useForm<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState<T>(initial);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (name: keyof T) => (value: string) => setValues((v) => ({ ...v, [name]: value }));
  const fieldError = (name: string) => error?.fieldMessage(name);
  async function submit(action: () => Promise<void>) {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, String(e)));
    } finally {
      setBusy(false);
    }
  }
  return { values, setValues, set, error, setError, busy, submit, fieldError };
}

export function FormErrorSummary({ error, fields }: { error?: ApiError; fields: string[] }) {
  if (!error) return null;
  // Errors for fields this form does not show would otherwise vanish: list them in the alert.
  const orphaned = error.fields.filter((f) => !fields.includes(f.field));
  const message = error.fields.length && orphaned.length === 0 ? 'Please correct the fields marked below.' : error.message;
  return (
    <Alert>
      <p>{message}</p>
      {orphaned.length > 0 && (
        <ul>
          {orphaned.map((f) => (
            <li key={f.field + f.message}>{asSentence(f.message, f.field ? f.field.replace(/_/g, ' ') : undefined)}</li>
          ))}
        </ul>
      )}
    </Alert>
  );
}

interface TextAreaProps {
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
  hint?: string;
  required?: boolean;
  rows?: number;
  maxLength?: number;
}

// A labelled multi-line field; its error sits beside it exactly as Field's does.
export function TextAreaField(props: TextAreaProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div class={props.error ? 'field field--invalid' : 'field'}>
      <label for={id}>
        {props.label}
        {props.required ? null : <span class="optional"> (optional)</span>}
      </label>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        maxLength={props.maxLength}
        value={props.value}
        required={props.required}
        onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.error && (
        <p class="field-error" id={errorId}>
          {asSentence(props.error, props.label)}
        </p>
      )}
    </div>
  );
}

// A labelled checkbox with the whole row as its 44 px target.
export function CheckboxField(props: { label: string; name: string; checked: boolean; onChange: (checked: boolean) => void; disabled?: boolean; hint?: string }) {
  const id = useId();
  return (
    <div class="check">
      <input
        id={id}
        type="checkbox"
        name={props.name}
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p class="hint check__hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

// A group of checkboxes under one question: a fieldset whose legend names the group, each box
// with its own label, and the group's error beside it (named by the fieldset's description).
export function CheckboxGroup<T extends string>(props: {
  legend: string;
  name: string;
  options: readonly { value: T; label: string }[];
  values: readonly T[];
  onChange: (values: T[]) => void;
  error?: string;
  hint?: string;
  // More of the same question after the boxes (how much the choice matters, say).
  children?: ComponentChildren;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ');
  const toggle = (value: T, on: boolean) =>
    props.onChange(on ? [...props.values.filter((v) => v !== value), value] : props.values.filter((v) => v !== value));
  return (
    <fieldset class={props.error ? 'fieldset fieldset--invalid' : 'fieldset'} aria-describedby={describedBy || undefined}>
      <legend>{props.legend}</legend>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      <div class="check-list">
        {props.options.map((o) => (
          <CheckboxField key={o.value} label={o.label} name={props.name} checked={props.values.includes(o.value)} onChange={(on) => toggle(o.value, on)} />
        ))}
      </div>
      {props.error && (
        <p class="field-error" id={errorId}>
          {asSentence(props.error, props.legend)}
        </p>
      )}
      {props.children}
    </fieldset>
  );
}

// One answer of a few, as native radio buttons in a fieldset whose legend asks the question; the
// whole option is the target. `name` must be unique on the page. `compact` lays short options
// side by side where there is room.
export function RadioGroup<T extends string | number>(props: {
  legend: ComponentChildren;
  name: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  error?: string;
  hint?: string;
  compact?: boolean;
  plain?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ');
  const classes = ['fieldset', props.plain ? 'fieldset--plain' : '', props.error ? 'fieldset--invalid' : ''].filter(Boolean).join(' ');
  return (
    <fieldset class={classes} aria-describedby={describedBy || undefined}>
      <legend>{props.legend}</legend>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      <div class={props.compact ? 'choice__options choice__options--compact' : 'choice__options'}>
        {props.options.map((o) => (
          <label key={String(o.value)} class="choice__option">
            <input type="radio" name={props.name} value={String(o.value)} checked={props.value === o.value} onChange={() => props.onChange(o.value)} />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      {props.error && (
        <p class="field-error" id={errorId}>
          {asSentence(props.error)}
        </p>
      )}
    </fieldset>
  );
}

// After a form comes back with field errors, the first field marked invalid (or the first control
// of an invalid group) takes focus, so that keyboard and screen-reader users land on what to fix.
export function useFocusFirstError(container: RefObject<HTMLElement>, error: ApiError | undefined): void {
  useEffect(() => {
    if (!error || error.fields.length === 0) return;
    container.current
      ?.querySelector<HTMLElement>('[aria-invalid="true"], .fieldset--invalid input, .fieldset--invalid select, .fieldset--invalid textarea')
      ?.focus();
  }, [error]);
}

// A heading whose level follows where its section is placed (a page of its own, or inside
// another page's card), so that the outline stays in order either way.
export function Heading(props: { level: number; id?: string; children: ComponentChildren; class?: string; tabIndex?: number; headingRef?: RefObject<HTMLHeadingElement> }) {
  const Tag = `h${Math.min(6, Math.max(2, props.level))}` as 'h2';
  return (
    <Tag id={props.id} class={props.class} tabIndex={props.tabIndex} ref={props.headingRef}>
      {props.children}
    </Tag>
  );
}

// A list's error, whether the server names the list ("languages") or one of its items
// ("languages/2"): shown once, beside the list.
export function errorUnder(error: ApiError | undefined, field: string): string | undefined {
  return error?.fieldMessage(field) ?? error?.fields.find((f) => f.field.startsWith(`${field}/`))?.message;
}

// The fields of an error that a form shows beside its lists, for FormErrorSummary's `fields`.
export function fieldsUnder(error: ApiError | undefined, lists: string[]): string[] {
  return (error?.fields ?? []).map((f) => f.field).filter((f) => lists.some((l) => f === l || f.startsWith(`${l}/`)));
}
