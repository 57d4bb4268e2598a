// Ruptures in the working relationship and their repair, as the care team reads and writes them
// (docs/course.md, "Rupture and repair"). On the episode page: a small timeline per rupture, noted
// (when, by whom, what happened) → repair (what was said, what changes; or the form that writes
// it, once) → recovery (whether the Rapport Checks after the repair came back), and the form that
// notes a rupture, which an open rapport alert's "Note a rupture" opens with that alert chosen.
// On the supervisor's home: the ruptures of their supervisees still waiting for a repair note.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, type FeedbackAlert, type QuestionnaireProgress, type Role, type User } from '../api';
import { durationWords } from '../alerts';
import { formatDate, formatDateTime } from '../format';
import {
  isRapportAlert,
  kMaxRuptureChars,
  kRuptureSources,
  ruptureApi,
  type Rupture,
  type RuptureSource,
  type WaitingRupture,
} from '../rupture_api';
import { Alert, FormErrorSummary, Loading, RadioGroup, SelectField, TextAreaField, useFocusFirstError, useLoad } from '../ui';

// The care team notes and repairs ruptures; the server checks that this is their episode.
export function mayNoteRuptures(role: Role): boolean {
  return role === 'therapist' || role === 'supervisor';
}

// --- From an alert to the form ------------------------------------------------------------------

// An open rapport alert's button says which alert; the section's form, wherever it is on the page,
// opens with that alert chosen.
const kNoteFromAlert = 'rapport:note-rupture';

function NoteRuptureFromAlert({ alert }: { alert: FeedbackAlert }) {
  return (
    <button
      class="button"
      type="button"
      onClick={() => window.dispatchEvent(new CustomEvent<number>(kNoteFromAlert, { detail: alert.id }))}
    >
      Note a rupture<span class="visually-hidden"> from the alert “{alert.title}”</span>
    </button>
  );
}

// For AlertList's `extra`: "Note a rupture" beside each open rapport alert, for the care team of
// an episode still open; undefined when there is nothing to offer.
export function noteRuptureAction(user: User, ended: boolean): ((alert: FeedbackAlert) => ComponentChildren) | undefined {
  if (!mayNoteRuptures(user.role) || ended) return undefined;
  return (alert) => (alert.state === 'open' && isRapportAlert(alert) ? <NoteRuptureFromAlert alert={alert} /> : null);
}

// --- Words -------------------------------------------------------------------------------------

function score(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function On({ iso }: { iso: string }) {
  return <time dateTime={iso}>{formatDate(iso)}</time>;
}

function sourceWords(r: Rupture, alert: FeedbackAlert | undefined) {
  switch (r.source) {
    case 'rapport-alert':
      return alert ? (
        <>
          a rapport alert, <a href={`/alerts/${alert.id}`}>“{alert.title}”</a> (raised {formatDateTime(alert.created_at)})
        </>
      ) : (
        'a rapport alert'
      );
    case 'in-session':
      return 'a moment in a session';
    default:
      return 'something else';
  }
}

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, String(e));
}

// --- Noting a rupture --------------------------------------------------------------------------

function alertLabel(a: FeedbackAlert): string {
  return `${a.title}, ${formatDateTime(a.created_at)}${a.state === 'open' ? ' (open)' : a.state === 'acknowledged' ? ' (acknowledged)' : ' (resolved)'}`;
}

function NoteRuptureForm({
  episodeId,
  rapportAlerts,
  chosen,
  onNoted,
  onCancel,
}: {
  episodeId: number;
  // Newest first.
  rapportAlerts: FeedbackAlert[];
  // An alert's button opened the form (again): that alert, and a count that changes each time.
  chosen?: { alertId: number; times: number };
  onNoted: (r: Rupture) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const hasAlerts = rapportAlerts.length > 0;
  const firstOpen = rapportAlerts.find((a) => a.state === 'open') ?? rapportAlerts[0];
  const [source, setSource] = useState<RuptureSource>(chosen || firstOpen?.state === 'open' ? 'rapport-alert' : 'in-session');
  const [alertId, setAlertId] = useState<string>(String(chosen?.alertId ?? firstOpen?.id ?? ''));
  const [what, setWhat] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstError(form, error);

  // Opened, or an alert's button pressed while open: that alert, and the keyboard goes on in
  // "What happened"; opened by its own button: the first question.
  useEffect(() => {
    if (chosen) {
      setSource('rapport-alert');
      setAlertId(String(chosen.alertId));
      form.current?.querySelector<HTMLTextAreaElement>('textarea')?.focus();
    } else {
      form.current?.querySelector<HTMLInputElement>('input[type="radio"]:checked, input[type="radio"]')?.focus();
    }
  }, [chosen?.times]);

  const sources = kRuptureSources.filter((s) => hasAlerts || s.value !== 'rapport-alert');

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const text = what.trim();
    const fields = [];
    if (!text) fields.push({ field: 'what_happened', message: 'Write what happened, in a sentence or two.' });
    else if (text.length > kMaxRuptureChars) fields.push({ field: 'what_happened', message: `Keep it to ${kMaxRuptureChars.toLocaleString()} characters.` });
    if (source === 'rapport-alert' && !alertId) fields.push({ field: 'alert_id', message: 'Choose the rapport alert.' });
    if (fields.length) {
      setError(new ApiError(400, 'Please correct the fields marked below.', fields));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const noted = await ruptureApi.note(episodeId, {
        source,
        ...(source === 'rapport-alert' ? { alert_id: Number(alertId) } : {}),
        what_happened: text,
      });
      onNoted(noted);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form rupture-form" ref={form} onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Note a rupture</h3>
      <FormErrorSummary error={error} fields={['source', 'alert_id', 'what_happened']} />
      <RadioGroup
        legend="Where it came from"
        name={`${id}-source`}
        value={source}
        options={sources}
        onChange={setSource}
        hint={hasAlerts ? undefined : 'There is no rapport alert in this episode to choose from.'}
        error={error?.fieldMessage('source')}
      />
      {source === 'rapport-alert' && hasAlerts && (
        <SelectField
          label="Which rapport alert"
          name="alert_id"
          value={alertId}
          onInput={setAlertId}
          options={rapportAlerts.map((a) => ({ value: String(a.id), label: alertLabel(a) }))}
          error={error?.fieldMessage('alert_id')}
        />
      )}
      <TextAreaField
        label="What happened"
        name="what_happened"
        required
        rows={4}
        hint="In your own words: what you noticed, and what the client said or showed. Up to 4,000 characters."
        value={what}
        onInput={setWhat}
        error={error?.fieldMessage('what_happened')}
      />
      <div class="actions">
        <button class="button button--primary" type="submit" aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Saving…' : 'Note the rupture'}
        </button>
        <button class="button" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// --- Writing the repair ------------------------------------------------------------------------

function RepairForm({ rupture, onRepaired, onConflict }: { rupture: Rupture; onRepaired: (r: Rupture) => void; onConflict: () => void }) {
  const id = useId();
  const [said, setSaid] = useState('');
  const [changes, setChanges] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstError(form, error);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const fields = [];
    if (!said.trim()) fields.push({ field: 'what_was_said', message: 'Write what was said in the repair conversation.' });
    else if (said.trim().length > kMaxRuptureChars) fields.push({ field: 'what_was_said', message: `Keep it to ${kMaxRuptureChars.toLocaleString()} characters.` });
    if (changes.trim().length > kMaxRuptureChars) fields.push({ field: 'what_changes', message: `Keep it to ${kMaxRuptureChars.toLocaleString()} characters.` });
    if (fields.length) {
      setError(new ApiError(400, 'Please correct the fields marked below.', fields));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const repaired = await ruptureApi.repair(rupture.id, {
        what_was_said: said.trim(),
        ...(changes.trim() ? { what_changes: changes.trim() } : {}),
      });
      onRepaired(repaired);
    } catch (err) {
      const failure = asApiError(err);
      // Written meanwhile (by the supervisor, or on another device): shown as it was kept.
      if (failure.status === 409) onConflict();
      else setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form rupture-repair" ref={form} onSubmit={submit} noValidate aria-labelledby={`${id}-title`} aria-describedby={`${id}-final`}>
      <p class="label" id={`${id}-title`}>
        Write the repair note
      </p>
      <p class="hint" id={`${id}-final`}>
        After talking it over with the client. Once saved, the repair note is kept as written and cannot be changed.
      </p>
      <FormErrorSummary error={error} fields={['what_was_said', 'what_changes']} />
      <TextAreaField
        label="What was said"
        name="what_was_said"
        required
        rows={4}
        hint="How you and the client talked about the rupture."
        value={said}
        onInput={setSaid}
        error={error?.fieldMessage('what_was_said')}
      />
      <TextAreaField
        label="What changes"
        name="what_changes"
        rows={3}
        hint="What you agreed to do differently, if anything."
        value={changes}
        onInput={setChanges}
        error={error?.fieldMessage('what_changes')}
      />
      <div class="actions">
        <button class="button button--primary" type="submit" aria-disabled={busy ? 'true' : undefined} aria-describedby={`${id}-final`}>
          {busy ? 'Saving…' : 'Save the repair note'}
        </button>
      </div>
    </form>
  );
}

// --- One rupture's timeline --------------------------------------------------------------------

function RecoveryStep({ rupture, max, title }: { rupture: Rupture; max: number; title: string }) {
  const { recovery, repair } = rupture;
  const target = score(recovery.target);
  const basis =
    recovery.before !== null && recovery.before >= recovery.target
      ? `the level before the rupture`
      : `the ${title}’s cut-off`;
  let verdict;
  if (!repair) {
    verdict = <p class="muted">Followed from the first {title} after the repair note.</p>;
  } else if (recovery.recovered_at) {
    const back = recovery.after_repair.find((p) => p.at === recovery.recovered_at);
    verdict = (
      <p class="rupture__verdict rupture__verdict--back">
        Rapport back to {back ? score(back.total) : target} of {max} on <On iso={recovery.recovered_at} />
      </p>
    );
  } else if (recovery.after_repair.length > 0) {
    const latest = recovery.after_repair[recovery.after_repair.length - 1]!;
    verdict = (
      <p class="rupture__verdict">
        Not yet back to {target} of {max}: latest {score(latest.total)}, on <On iso={latest.at} />
      </p>
    );
  } else {
    verdict = <p class="rupture__verdict">No {title} since the repair yet</p>;
  }
  return (
    <>
      {verdict}
      <p class="small muted">
        {recovery.before !== null ? `Before the rupture: ${score(recovery.before)} of ${max}. ` : `No ${title} before the rupture. `}
        Back means {target} of {max} or more ({basis}).
      </p>
      {repair && recovery.after_repair.length > 0 && (
        <ul class="plain-list small" aria-label={`${title} totals since the repair`}>
          {recovery.after_repair.map((p) => (
            <li key={p.at}>
              <On iso={p.at} />: {score(p.total)} of {max}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function RuptureItem({
  rupture,
  alert,
  max,
  title,
  canWrite,
  focus,
  onFocused,
  onRepaired,
  onConflict,
}: {
  rupture: Rupture;
  alert?: FeedbackAlert;
  max: number;
  title: string;
  canWrite: boolean;
  // Where focus goes once shown: the rupture (just noted) or its repair (just written).
  focus?: 'rupture' | 'repair';
  onFocused: () => void;
  onRepaired: (r: Rupture) => void;
  onConflict: () => void;
}) {
  const headingId = `rupture-${rupture.id}`;
  const heading = useRef<HTMLHeadingElement>(null);
  const repairHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!focus) return;
    const target = focus === 'repair' ? repairHeading.current : heading.current;
    target?.focus();
    onFocused();
  }, [focus, rupture.repair]);
  const repair = rupture.repair;
  return (
    <li>
      <article class="rupture" aria-labelledby={headingId}>
        <h3 id={headingId} ref={heading} tabIndex={-1}>
          Rupture noted {formatDateTime(rupture.noted_at)}
        </h3>
        <ol class="rupture-steps">
          <li class="rupture-step rupture-step--done">
            <h4>Noted</h4>
            <p class="small muted">
              {rupture.noted_by_name ? `${rupture.noted_by_name}, ` : ''}
              <time dateTime={rupture.noted_at}>{formatDateTime(rupture.noted_at)}</time> · From {sourceWords(rupture, alert)}
            </p>
            <p class="pre-line">{rupture.what_happened}</p>
          </li>
          <li class={repair ? 'rupture-step rupture-step--done' : 'rupture-step rupture-step--waiting'}>
            <h4 ref={repairHeading} tabIndex={-1}>
              Repair
            </h4>
            {repair ? (
              <>
                <p class="small muted">
                  {repair.repaired_by_name ? `Written by ${repair.repaired_by_name}` : 'Written'}
                  {repair.repaired_at ? (
                    <>
                      , <time dateTime={repair.repaired_at}>{formatDateTime(repair.repaired_at)}</time>
                    </>
                  ) : null}
                  . Kept as written.
                </p>
                <dl class="details details--stacked">
                  <div>
                    <dt>What was said</dt>
                    <dd class="pre-line">{repair.what_was_said}</dd>
                  </div>
                  <div>
                    <dt>What changes</dt>
                    <dd class="pre-line">{repair.what_changes || 'Nothing written.'}</dd>
                  </div>
                </dl>
              </>
            ) : canWrite ? (
              <RepairForm rupture={rupture} onRepaired={onRepaired} onConflict={onConflict} />
            ) : (
              <p class="muted">No repair note yet.</p>
            )}
          </li>
          <li class={rupture.recovery.recovered_at ? 'rupture-step rupture-step--done' : 'rupture-step'}>
            <h4>Recovery</h4>
            <RecoveryStep rupture={rupture} max={max} title={title} />
          </li>
        </ol>
      </article>
    </li>
  );
}

// --- The episode page's section ----------------------------------------------------------------

export function RupturesSection({
  episodeId,
  alerts,
  rapport,
  ended,
  user,
}: {
  episodeId: number;
  // Every alert of the episode, as the page has them.
  alerts: FeedbackAlert[];
  // The Rapport Check's progress, for its maximum and title.
  rapport?: QuestionnaireProgress;
  ended: boolean;
  user: User;
}) {
  const loaded = useLoad(() => ruptureApi.ofEpisode(episodeId), [episodeId]);
  // What was noted or repaired here since the list was last loaded, over the list as loaded.
  const [local, setLocal] = useState<Rupture[]>();
  const [noting, setNoting] = useState(false);
  const [chosen, setChosen] = useState<{ alertId: number; times: number }>();
  const [focus, setFocus] = useState<{ id: number; where: 'rupture' | 'repair' }>();
  const [status, setStatus] = useState('');
  const noteButton = useRef<HTMLButtonElement>(null);
  const [focusNoteButton, setFocusNoteButton] = useState(false);
  useEffect(() => setLocal(undefined), [loaded.data]);
  const items = local ?? loaded.data ?? [];
  const setItems = (change: (all: Rupture[]) => Rupture[]) => setLocal((now) => change(now ?? loaded.data ?? []));
  useEffect(() => {
    if (!focusNoteButton) return;
    noteButton.current?.focus();
    setFocusNoteButton(false);
  }, [focusNoteButton]);
  const canWrite = mayNoteRuptures(user.role);
  // An open rapport alert's "Note a rupture".
  useEffect(() => {
    if (!canWrite || ended) return undefined;
    const onNote = (e: Event) => {
      const alertId = (e as CustomEvent<number>).detail;
      setStatus('');
      setNoting(true);
      setChosen((c) => ({ alertId, times: (c?.times ?? 0) + 1 }));
    };
    window.addEventListener(kNoteFromAlert, onNote);
    return () => window.removeEventListener(kNoteFromAlert, onNote);
  }, [canWrite, ended]);

  const rapportAlerts = alerts.filter(isRapportAlert).sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id);
  const alertOf = (r: Rupture) => (r.alert_id === null ? undefined : alerts.find((a) => a.id === r.alert_id));
  const max = rapport?.max ?? 60;
  const title = rapport?.title ?? 'Rapport Check';

  return (
    <section class="card" id="ruptures" aria-labelledby="ruptures-heading">
      <h2 id="ruptures-heading">Ruptures and repair</h2>
      <p class="muted small">
        When a rapport alert arrives or a moment in a session did not feel right, note the rupture. After talking it over with the client, write the repair:
        it is kept as written. Recovery follows from the client’s {title} answers after the repair.
      </p>
      <p role="status" class="small">
        {status}
      </p>
      {loaded.loading && !loaded.data && <Loading what="the ruptures" />}
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      {loaded.data &&
        (items.length === 0 ? (
          <p class="muted">No rupture has been noted in this episode.</p>
        ) : (
          <ol class="ruptures">
            {items.map((r) => (
              <RuptureItem
                key={r.id}
                rupture={r}
                alert={alertOf(r)}
                max={max}
                title={title}
                canWrite={canWrite}
                focus={focus?.id === r.id ? focus.where : undefined}
                onFocused={() => setFocus(undefined)}
                onConflict={() => {
                  setFocus({ id: r.id, where: 'repair' });
                  setStatus('This rupture already had its repair note; it is shown as it was kept.');
                  loaded.reload();
                }}
                onRepaired={(changed) => {
                  setItems((all) => all.map((x) => (x.id === changed.id ? { ...x, ...changed } : x)));
                  setFocus({ id: changed.id, where: 'repair' });
                  setStatus('Repair note saved. It is kept as written.');
                }}
              />
            ))}
          </ol>
        ))}
      {canWrite && !ended && loaded.data && (
        noting ? (
          <NoteRuptureForm
            episodeId={episodeId}
            rapportAlerts={rapportAlerts}
            chosen={chosen}
            onNoted={(r) => {
              setNoting(false);
              setChosen(undefined);
              setItems((all) => [...all.filter((x) => x.id !== r.id), r]);
              setFocus({ id: r.id, where: 'rupture' });
              setStatus('Rupture noted.');
            }}
            onCancel={() => {
              setNoting(false);
              setChosen(undefined);
              setFocusNoteButton(true);
            }}
          />
        ) : (
          <div class="actions">
            <button
              ref={noteButton}
              class="button button--primary"
              type="button"
              onClick={() => {
                setStatus('');
                setChosen(undefined);
                setNoting(true);
              }}
            >
              Note a rupture
            </button>
          </div>
        )
      )}
      {ended && <p class="muted small">This course of therapy has ended: no new rupture can be noted.</p>}
    </section>
  );
}

// --- The supervisor's list ---------------------------------------------------------------------

// How much of what happened the overview shows; the episode page has the rest.
const kExcerptChars = 300;

function excerpt(text: string): string {
  return text.length <= kExcerptChars ? text : `${text.slice(0, kExcerptChars).trimEnd()}…`;
}

export function WaitingRuptures() {
  const waiting = useLoad(() => ruptureApi.unrepaired());
  const list = waiting.data ?? [];
  return (
    <section class="card card--ruptures" aria-labelledby="waiting-ruptures-heading">
      <h2 id="waiting-ruptures-heading">
        Ruptures waiting for a repair note {waiting.data && <span class="count count--quiet">{list.length}</span>}
      </h2>
      <p class="muted small">
        Ruptures the therapists you supervise noted longer ago than the clinic allows for a repair note, with none written yet. Worth raising in
        supervision; the longest waiting come first.
      </p>
      {waiting.loading && !waiting.data && <Loading what="the ruptures waiting for a repair note" />}
      {waiting.error && <Alert>{waiting.error.message}</Alert>}
      {waiting.data &&
        (list.length === 0 ? (
          <p class="muted">No rupture is waiting for a repair note.</p>
        ) : (
          <ul class="ruptures">
            {list.map((r: WaitingRupture) => (
              <li key={r.id}>
                <article class="rupture" aria-labelledby={`waiting-rupture-${r.id}`}>
                  <h3 id={`waiting-rupture-${r.id}`}>
                    <a href={`/episodes/${r.episode_id}`}>
                      {r.client_name}
                      <span class="visually-hidden">: rupture noted {formatDateTime(r.noted_at)}</span>
                    </a>
                  </h3>
                  <p class="small">
                    With {r.therapist_name} · <strong>waiting {durationWords(r.waiting_hours * 3600_000)}</strong> · noted{' '}
                    <time dateTime={r.noted_at}>{formatDateTime(r.noted_at)}</time>
                  </p>
                  <p class="pre-line">{excerpt(r.what_happened)}</p>
                </article>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
