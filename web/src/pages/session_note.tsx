// The note of one session, for the episode's therapist and their supervisor. The therapist writes
// it under the headings of its template (the prompt of each as its hint) with this session's
// questionnaire totals and the plan's goals in view beside the form, saves it as a draft and signs
// it after an in-page confirmation. A signed note is never changed: it reads as text under its
// headings with who signed it and when, and the therapist or the supervisor can add to it. A
// supervisor reads a draft but does not write in it.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, ApiError, asSentence, type EpisodeProgress } from '../api';
import { formatDateTime, statusLabel } from '../format';
import type { AppContext } from '../main';
import { notesApi, type NoteAppointment, type NoteTemplate, type NoteView, type SessionNote } from '../notes_api';
import { planApi, type PlanOverview } from '../plan_api';
import { achievementClass } from '../plan_view';
import { normalizeContent } from '../plan_words';
import { setLeaveGuard, useLeaveGuard } from '../router';
import { Alert, FormErrorSummary, Loading, PageTitle, TextAreaField, useFocusFirstError, useLoad } from '../ui';
import { NotValidated, unvalidated, useValidation } from '../validation';

const kLeaveQuestion = 'What you have written here is not saved. Leave this page and lose it?';

interface NotePageData {
  view: NoteView;
  // Either may be missing (no plan yet, or it could not be read): the note can still be written.
  progress?: EpisodeProgress;
  plan?: PlanOverview;
}

async function loadNotePage(appointmentId: number): Promise<NotePageData> {
  const view = await notesApi.note(appointmentId);
  const episodeId = view.appointment.episode_id;
  const [progress, plan] = await Promise.all([
    api.progress(episodeId).catch(() => undefined),
    planApi.overview(episodeId).catch(() => undefined),
  ]);
  return { view, progress, plan };
}

const asApiError = (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, String(e)));


export function SessionNotePage({ ctx, appointmentId }: { ctx: AppContext; appointmentId: number }) {
  const loaded = useLoad(() => loadNotePage(appointmentId), [appointmentId]);
  const d = loaded.data;
  const when = d ? formatDateTime(d.view.appointment.starts_at) : '';
  const clientName = d?.progress?.client_name;
  const heading = d ? `Session note, ${when}` : 'Session note';
  return (
    <div class="page note-page">
      <p class="breadcrumb">
        <a href="/">{ctx.user.role === 'therapist' ? 'Caseload' : 'Home'}</a> <span aria-hidden="true">›</span>{' '}
        {d && (
          <>
            <a href={`/episodes/${d.view.appointment.episode_id}`}>{clientName ?? 'Episode'}</a> <span aria-hidden="true">›</span>{' '}
          </>
        )}
        Session note
      </p>
      <PageTitle title={clientName ? `${heading} · ${clientName}` : heading}>{heading}</PageTitle>
      {loaded.loading && !d && <Loading what="the note" />}
      {loaded.error && (
        <Alert>{loaded.error.status === 404 ? 'This session does not exist or is not on your caseload.' : loaded.error.message}</Alert>
      )}
      {d && (
        <div class="note-layout">
          <ThisSession appointment={d.view.appointment} progress={d.progress} plan={d.plan} />
          {/* A fresh start whenever the note read from the server changes (after a refusal, say). */}
          <TheNote key={d.view.note?.updated_at ?? 'none'} view={d.view} mayWrite={ctx.user.role === 'therapist'} reload={loaded.reload} />
        </div>
      )}
    </div>
  );
}

// This session's questionnaire totals and the plan's goals, to write the note with them in view.
function ThisSession({ appointment, progress, plan }: { appointment: NoteAppointment; progress?: EpisodeProgress; plan?: PlanOverview }) {
  const validation = useValidation();
  const answered = (progress?.instruments ?? []).flatMap((q) =>
    q.points.filter((p) => p.appointment_id === appointment.id).map((p) => ({ q, p, respondent: (p as { respondent?: string }).respondent })),
  );
  const content = plan?.current ? normalizeContent(plan.current.content) : undefined;
  const goals = plan?.goals ?? [];
  return (
    <section class="card note-session" aria-labelledby="this-session-heading">
      <h2 id="this-session-heading">This session</h2>
      <p class="small muted">
        {formatDateTime(appointment.starts_at)} · {statusLabel(appointment.status)}
      </p>
      <h3>Questionnaires</h3>
      {!progress ? (
        <p class="muted">The questionnaires could not be loaded.</p>
      ) : answered.length === 0 ? (
        <p class="muted">No questionnaires were answered for this session.</p>
      ) : (
        <ul class="plain-list">
          {answered.map(({ q, p, respondent }) => (
            <li key={p.response_id}>
              <span class="label">{q.title}</span>
              {respondent && respondent !== 'client' ? ` (answered by the ${respondent})` : ''}:{' '}
              {typeof p.total === 'number' ? `${p.total} of ${q.max}` : 'not scored'}
              {p.band ? `, ${p.band}` : ''}
              <NotValidated v={unvalidated(validation, q.code)} />
            </li>
          ))}
        </ul>
      )}
      <h3>Goals</h3>
      {!plan ? (
        <p class="muted">There is no treatment plan to show.</p>
      ) : goals.length === 0 ? (
        <p class="muted">The plan has no goals yet.</p>
      ) : (
        <ul class="plain-list">
          {goals.map((g, i) => (
            <li key={g.key}>
              {content?.goals.find((c) => c.key === g.key)?.description || `Goal ${i + 1}`}
              <span class="block">
                <span class={achievementClass(g.achievement)}>{g.achievement_display || statusLabel(g.achievement)}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
      <p class="small">
        <a href={`/episodes/${appointment.episode_id}/plan`}>Treatment plan</a>
      </p>
    </section>
  );
}

// The note in whichever state it is: none yet, a draft (written by its therapist, read by a
// supervisor) or signed, with what was added to it.
function TheNote({ view, mayWrite, reload }: { view: NoteView; mayWrite: boolean; reload: () => void }) {
  const [note, setNote] = useState<SessionNote | null>(view.note);
  const [justSigned, setJustSigned] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const signed = note?.state === 'signed';
  // The form that was focused has gone: focus goes to the signed note.
  useEffect(() => {
    if (justSigned) headingRef.current?.focus();
  }, [justSigned]);

  return (
    <div class="note-main">
      <section class="card note-card" aria-labelledby="note-heading">
        <h2 id="note-heading" tabIndex={-1} ref={headingRef}>
          {signed ? 'The signed note' : 'The note'}
        </h2>
        {signed && note ? (
          <>
            {justSigned && <Alert kind="success">The note is signed. It can no longer be changed; you can add to it below.</Alert>}
            <NoteSections note={note} />
            <p class="note-signed">
              Signed by {note.signed_by_name ?? note.author_name} on {formatDateTime(note.signed_at)}
            </p>
          </>
        ) : mayWrite ? (
          <NoteForm
            appointmentId={view.appointment.id}
            template={note?.template ?? view.template}
            note={note}
            onSaved={setNote}
            onSigned={(n) => {
              setNote(n);
              setJustSigned(true);
            }}
            reload={reload}
          />
        ) : note ? (
          <>
            <Alert kind="info">
              A draft by {note.author_name}, not signed yet. Last changed {formatDateTime(note.updated_at)}.
            </Alert>
            <NoteSections note={note} />
          </>
        ) : (
          <p class="muted">No note has been written for this session yet.</p>
        )}
      </section>
      {signed && note && <Addenda appointmentId={view.appointment.id} note={note} onAdded={setNote} />}
    </div>
  );
}

// A note's words under its own headings, read-only.
function NoteSections({ note }: { note: SessionNote }) {
  return (
    <>
      {note.template.sections.map((s) => {
        const text = note.sections[s.key] ?? '';
        return (
          <div key={s.key} class="note-section">
            <h3>{s.title}</h3>
            {text.trim() ? <p class="pre-line">{text}</p> : <p class="muted">Nothing written.</p>}
          </div>
        );
      })}
    </>
  );
}

function NoteForm(props: {
  appointmentId: number;
  template: NoteTemplate;
  note: SessionNote | null;
  onSaved: (note: SessionNote) => void;
  onSigned: (note: SessionNote) => void;
  reload: () => void;
}) {
  const { appointmentId, template, note } = props;
  const start = () => Object.fromEntries(template.sections.map((s) => [s.key, note?.sections[s.key] ?? ''])) as Record<string, string>;
  // What the server holds, and what is in the boxes.
  const [saved, setSaved] = useState<Record<string, string>>(start);
  const [texts, setTexts] = useState<Record<string, string>>(start);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [status, setStatus] = useState('');
  const formRef = useRef<HTMLFormElement>(null);
  const signRef = useRef<HTMLButtonElement>(null);
  const notYetRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useFocusFirstError(formRef, error);

  const dirty = template.sections.some((s) => texts[s.key] !== saved[s.key]);
  useLeaveGuard(dirty, kLeaveQuestion);

  // The question takes the buttons' place; "Not yet" is focused rather than the lasting answer.
  useEffect(() => {
    if (confirming) notYetRef.current?.focus();
  }, [confirming]);

  const at = (key: string) => error?.fieldMessage(`sections/${key}`);
  // "sections": nothing written at all, when signing. Shown beside the headings as a group.
  const groupError = error?.fieldMessage('sections');
  const placed = ['sections', ...template.sections.map((s) => `sections/${s.key}`)];

  async function put(): Promise<SessionNote> {
    const sent = { ...texts };
    const n = await notesApi.saveDraft(appointmentId, sent);
    setSaved(sent);
    props.onSaved(n);
    return n;
  }

  async function saveDraft(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    setStatus('');
    try {
      await put();
      setStatus('Draft saved.');
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  async function sign() {
    if (busy) return;
    setStatus('');
    if (template.sections.every((s) => !(texts[s.key] ?? '').trim())) {
      const message = 'Write at least one part of the note before signing it.';
      setConfirming(false);
      setError(new ApiError(400, message, [{ field: 'sections', message }]));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      // What is in the boxes is what gets signed.
      if (!note || dirty) await put();
      const n = await notesApi.sign(appointmentId);
      setLeaveGuard(null);
      props.onSigned(n);
    } catch (err) {
      const failure = asApiError(err);
      setConfirming(false);
      setError(failure);
      // With no field to move to, focus returns to the button that asked.
      if (failure.fields.length === 0) setTimeout(() => signRef.current?.focus(), 0);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form note-form" ref={formRef} onSubmit={saveDraft} noValidate>
      <FormErrorSummary error={error} fields={placed} />
      {error?.status === 409 && (
        <p>
          <button class="button" type="button" onClick={props.reload}>
            Show the note as it is now
          </button>
        </p>
      )}
      <fieldset
        class={groupError ? 'fieldset fieldset--invalid' : 'fieldset'}
        aria-describedby={`${id}-hint${groupError ? ` ${id}-error` : ''}`}
      >
        <legend>Written as {template.name}</legend>
        <p class="hint" id={`${id}-hint`}>
          Write what fits under each heading. Save a draft as often as you like; once signed, the note cannot be changed.
        </p>
        {template.sections.map((s) => (
          <TextAreaField
            key={s.key}
            label={s.title}
            name={`section-${s.key}`}
            hint={s.prompt || undefined}
            rows={6}
            value={texts[s.key] ?? ''}
            onInput={(value) => setTexts((old) => ({ ...old, [s.key]: value }))}
            error={at(s.key)}
          />
        ))}
        {groupError && (
          <p class="field-error" id={`${id}-error`}>
            {asSentence(groupError)}
          </p>
        )}
      </fieldset>
      <p role="status" class="small">
        {status}
        {status && note ? ` Last saved ${formatDateTime(note.updated_at)}.` : ''}
      </p>
      {/* Keyed, so that the button pressed is never reused for another: the answer renders before
          the click is done, and "Sign" turned into "Save draft" would send the form. */}
      {confirming ? (
        <div key="confirm" class="confirm" role="group" aria-label="Confirm signing" aria-describedby={`${id}-confirm`}>
          <p id={`${id}-confirm`}>A signed note cannot be changed; you can add to it later.</p>
          <button class="button button--primary" type="button" onClick={sign} aria-disabled={busy ? 'true' : undefined}>
            {busy ? 'Signing…' : 'Sign'}
          </button>
          <button
            class="button"
            type="button"
            ref={notYetRef}
            onClick={() => {
              setConfirming(false);
              // After the render that brings the button back.
              setTimeout(() => signRef.current?.focus(), 0);
            }}
          >
            Not yet
          </button>
        </div>
      ) : (
        <div key="actions" class="actions">
          <button class="button" type="submit" aria-disabled={busy ? 'true' : undefined}>
            {busy ? 'Saving…' : 'Save draft'}
          </button>
          <button
            class="button button--primary"
            type="button"
            ref={signRef}
            onClick={() => {
              if (busy) return;
              setError(undefined);
              setStatus('');
              setConfirming(true);
            }}
          >
            Sign the note
          </button>
        </div>
      )}
    </form>
  );
}

// What was added to a signed note, oldest first, and the form to add more.
function Addenda({ appointmentId, note, onAdded }: { appointmentId: number; note: SessionNote; onAdded: (note: SessionNote) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState('');
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, error);
  useLeaveGuard(text.trim() !== '', kLeaveQuestion);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setAdded('');
    if (!text.trim()) {
      const message = 'Write the addendum before adding it.';
      setError(new ApiError(400, message, [{ field: 'text', message }]));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const n = await notesApi.addAddendum(appointmentId, text);
      setText('');
      onAdded(n);
      setAdded('Your addendum was added to the note.');
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card note-addenda" aria-labelledby="addenda-heading">
      <h2 id="addenda-heading">Addenda</h2>
      {note.addenda.length === 0 ? (
        <p class="muted">Nothing has been added to this note.</p>
      ) : (
        <AddendaList addenda={note.addenda} />
      )}
      <form class="form" ref={formRef} aria-labelledby="addendum-form-heading" onSubmit={submit} noValidate>
        <h3 id="addendum-form-heading">Add an addendum</h3>
        <FormErrorSummary error={error} fields={['text']} />
        <TextAreaField
          label="Addendum"
          name="addendum"
          required
          rows={4}
          hint="It is kept with the note, with your name and the time, and cannot be changed either."
          value={text}
          onInput={setText}
          error={error?.fieldMessage('text')}
        />
        <p role="status" class="small">
          {added}
        </p>
        <div>
          <button class="button" type="submit" aria-disabled={busy ? 'true' : undefined}>
            {busy ? 'Adding…' : 'Add addendum'}
          </button>
        </div>
      </form>
    </section>
  );
}

// What was added to a signed note, oldest first, each with who added it and when.
export function AddendaList({ addenda }: { addenda: SessionNote['addenda'] }) {
  return (
    <ol class="plain-list">
      {addenda.map((a) => (
        <li key={a.id}>
          <p class="small muted">
            {a.author_name}, {formatDateTime(a.created_at)}
          </p>
          <p class="pre-line">{a.text}</p>
        </li>
      ))}
    </ol>
  );
}
