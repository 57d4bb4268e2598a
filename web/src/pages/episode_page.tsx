// One episode's feedback as the therapist reads it: a chart per questionnaire over sessions
// (cut-off, reliable-change band, expected course, rapport on the same time axis, alerts), the
// alerts themselves, every response item by item, each session held in the room with its Rapport
// Check beside its summary, the CSV export, a feedback link to send (to the client or to one of
// their parents or carers), the way to each past session's note, the handover the episode started
// with (if it began from a change of therapist), the Support Check for a client who is not on
// track, and referring the client on. For a child whose parents or carers take part in sessions,
// how the sessions feel to each of them beside the child's own, and who took part.
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  type Appointment,
  type AssignedInstrument,
  type Episode,
  type EpisodeProgress,
  type FeedbackAlert,
  type ProgressPoint,
  type QuestionnaireProgress,
  type RecoveryJudgement,
  type ResponseDetail,
  type Schedule,
} from '../api';
import { AlertList } from '../alerts';
import { HandoverSection, ReferralCard } from '../episode_change';
import { ProgressChart } from '../chart';
import { familyApi, type Relationship } from '../family_api';
import { firstName, formatDateTime, modalityLabel, statusLabel } from '../format';
import type { AppContext } from '../main';
import { Messages } from '../messages';
import { sessionIsPast } from '../notes_api';
import { hasRoomLink, roomApi, type HeldSession } from '../room/room_api';
import { RoomLink } from '../room/room_link';
import { loadSessionSummary, SessionSummaryLines } from '../room/session_summary';
import { Alert, Loading, PageTitle, SelectField, useLoad } from '../ui';
import { NotValidated, unvalidated, useValidation, type ValidationMap } from '../validation';
import { CopyableLink } from './client_page';
import { mayNoteRuptures, noteRuptureAction, RupturesSection } from './ruptures_section';
import { SupportSection } from './support_section';
import { CaregiverRapportCard, caregiverRapportCodes } from './caregiver_rapport';

interface EpisodeView {
  progress: EpisodeProgress;
  appointments: Appointment[];
  // The questionnaires assigned, with who answers each.
  assigned: AssignedInstrument[];
  clientId?: number;
  therapistId?: number;
  therapistName?: string;
  status?: Episode['status'];
}

async function loadEpisode(id: number): Promise<EpisodeView> {
  const [progress, appointments, episode, assigned] = await Promise.all([
    api.progress(id),
    api.episodeAppointments(id).catch(() => [] as Appointment[]),
    api.episode(id).catch(() => undefined),
    api.episodeInstruments(id).catch(() => [] as AssignedInstrument[]),
  ]);
  return {
    progress,
    appointments,
    assigned,
    clientId: episode?.client_id,
    therapistId: episode?.therapist_id,
    therapistName: episode?.therapist_name,
    status: episode?.status,
  };
}

function Answers({ episodeId, point }: { episodeId: number; point: ProgressPoint }) {
  const [open, setOpen] = useState(false);
  const detail = useLoad<ResponseDetail | undefined>(
    () => (open ? api.response(episodeId, point.response_id) : Promise.resolve(undefined)),
    [open, episodeId, point.response_id],
  );
  return (
    <details class="response" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>
        Session {point.session_number} · {formatDateTime(point.submitted_at)} ·{' '}
        {typeof point.total === 'number' ? `${point.total}${point.band ? ` (${point.band})` : ''}` : 'not scored'}
        {point.guardian ? ` · ${point.guardian.name}` : ''}
      </summary>
      {open && detail.loading && <Loading what="the answers" />}
      {detail.error && <Alert>{detail.error.message}</Alert>}
      {detail.data && (
        <table class="answers">
          <caption class="visually-hidden">Answers item by item</caption>
          <thead>
            <tr>
              <th scope="col">Question</th>
              <th scope="col">Answer</th>
            </tr>
          </thead>
          <tbody>
            {detail.data.items.map((item) => (
              <tr key={item.id}>
                <th scope="row">{item.text}</th>
                <td>
                  {item.value === null || item.value === undefined || item.value === ''
                    ? '—'
                    : item.label
                      ? `${item.label} (${item.value})`
                      : String(item.value)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

// The verdict in words, then the four conditions behind it, so that "not recovered" says why.
export function recoveryVerdict(r: RecoveryJudgement): string {
  if (r.reliable_recovery) return 'Reliable recovery';
  if (r.reliably_deteriorated) return 'Reliable deterioration on at least one';
  if (!r.case_at_start) return 'Not a case at the start, so recovery does not apply';
  if (r.reliably_improved) return 'Reliably improved, not yet below caseness on both';
  return 'No reliable change yet';
}

function Recovery({ judgement }: { judgement: RecoveryJudgement }) {
  const yes = (b: boolean) => (b ? 'Yes' : 'No');
  return (
    <section class="card" aria-labelledby="recovery-heading">
      <h2 id="recovery-heading">Recovery across PHQ-9 and GAD-7</h2>
      <p>
        <strong>{recoveryVerdict(judgement)}</strong>, from the first and latest score on each (NHS Talking Therapies
        definition).
      </p>
      <dl class="details details--long-terms">
        <dt>At or above caseness on either at the start</dt>
        <dd>{yes(judgement.case_at_start)}</dd>
        <dt>Below caseness on both now</dt>
        <dd>{yes(judgement.below_caseness_at_end)}</dd>
        <dt>Reliable improvement on at least one</dt>
        <dd>{yes(judgement.reliably_improved)}</dd>
        <dt>Reliable deterioration on either</dt>
        <dd>{yes(judgement.reliably_deteriorated)}</dd>
      </dl>
    </section>
  );
}

function Questionnaire({
  episodeId,
  q,
  rapport,
  progress,
  validation,
}: {
  episodeId: number;
  q: QuestionnaireProgress;
  rapport?: QuestionnaireProgress;
  progress: EpisodeProgress;
  validation: ValidationMap;
}) {
  // Every alert of the episode is marked at its time: the charts share one time axis.
  const alerts = progress.alerts;
  const points = [...q.points].reverse();
  const caution = unvalidated(validation, q.code);
  return (
    <section class="card" aria-labelledby={`q-${q.code}`}>
      <h2 id={`q-${q.code}`}>{q.title}</h2>
      {/* Above the scores, so that the chart, the change and every total below are read with it. */}
      {caution && (
        <p class="small validation-note">
          <NotValidated v={caution} withNote />
        </p>
      )}
      {q.change && (
        <p>
          From {q.change.first} to {q.change.latest}
          {q.change.category ? ` · ${statusLabel(q.change.category)}` : ''}
          {q.change.reliable !== undefined ? (q.change.reliable ? ' · a reliable change' : ' · within measurement error') : ''}
        </p>
      )}
      <ProgressChart q={q} rapport={q.purpose === 'rapport' ? undefined : rapport} alerts={alerts} validation={validation} detailed />
      {points.length > 0 && (
        <>
          <h3>Answers</h3>
          <div class="responses">
            {points.map((p) => (
              <Answers key={p.response_id} episodeId={episodeId} point={p} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

// Whom a feedback link can be for: the client, or one of their parents or carers by name.
interface LinkRecipient {
  guardianId: number;
  name: string;
  relationship: Relationship;
}

// The client's parents and carers, for the choice of whom a link is for. None when the client
// has none, or when they cannot be had just now: the link then goes to the client, as before.
async function linkRecipients(clientId: number | undefined): Promise<LinkRecipient[]> {
  if (clientId === undefined) return [];
  try {
    const family = await familyApi.family(clientId);
    return family.guardians.map((g) => ({ guardianId: g.guardian_id, name: g.guardian_name, relationship: g.relationship }));
  } catch {
    return [];
  }
}

// The relationship in a running sentence: "Elena Haddad (parent)".
const kRelationshipWords: Partial<Record<Relationship, string>> = {
  parent: 'parent',
  step_parent: 'step-parent',
  grandparent: 'grandparent',
  foster_carer: 'foster carer',
  other_relative: 'relative',
};

function SendFeedbackLink({ appointments, clientId, clientName }: { appointments: Appointment[]; clientId?: number; clientName: string }) {
  const now = Date.now();
  const family = useLoad(() => linkRecipients(clientId), [clientId]);
  const guardians = family.data ?? [];
  // "client", or a guardian's user id.
  const [forWhom, setForWhom] = useState('client');
  const chosen = guardians.find((g) => String(g.guardianId) === forWhom);
  // The sessions a client might be asked about: the last few held. A parent or carer is asked
  // about their child before the next session as well, and about a recent session they took part in.
  const held = appointments
    .filter((a) => a.status !== 'cancelled' && Date.parse(a.starts_at) <= now)
    .sort((a, b) => (a.starts_at < b.starts_at ? 1 : -1))
    .slice(0, 3);
  const next = appointments
    .filter((a) => a.status === 'scheduled' && Date.parse(a.starts_at) > now)
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1))[0];
  const offered = chosen && next ? [next, ...held] : held;
  const [link, setLink] = useState<{ appointment: Appointment; to?: string; url: string; expires_at: string }>();
  const [error, setError] = useState<string>();
  const [choiceError, setChoiceError] = useState<string>();
  const [busy, setBusy] = useState<number>();
  async function send(a: Appointment) {
    setBusy(a.id);
    setError(undefined);
    setChoiceError(undefined);
    setLink(undefined);
    try {
      const created = await api.createFeedbackLink(a.id, chosen?.guardianId);
      setLink({ appointment: a, to: chosen?.name, ...created });
    } catch (e) {
      // The parent or carer chosen can no longer be sent one (no longer linked, say).
      const onChoice = e instanceof ApiError && !!e.fieldMessage('guardian_id');
      if (onChoice) setChoiceError('Choose someone who can be sent a link.');
      setError(
        e instanceof ApiError && e.status === 412
          ? 'Your clinic does not allow feedback links. The client can give feedback after signing in.'
          : onChoice
            ? `A link cannot go to ${chosen?.name ?? 'this parent or carer'} just now. Please choose again, or ask the clinic to check their details.`
            : e instanceof ApiError
              ? e.message
              : String(e),
      );
    } finally {
      setBusy(undefined);
    }
  }
  return (
    <section class="card" aria-labelledby="link-heading">
      <h2 id="link-heading">Send feedback link</h2>
      <p class="muted small">
        A personal link lets the client answer without signing in. It goes to them by e-mail and on their Rapport pages; it works once and
        expires after a week.
      </p>
      {guardians.length > 0 && (
        <SelectField
          label="Who is it for?"
          name="link-for"
          value={forWhom}
          onInput={(v) => {
            setForWhom(v);
            setChoiceError(undefined);
          }}
          hint={`A parent or carer answers their own questions about ${firstName(clientName)}, before the next session or about a session they took part in.`}
          error={choiceError}
          options={[
            { value: 'client', label: `${clientName} (the client)` },
            ...guardians.map((g) => {
              const words = kRelationshipWords[g.relationship];
              return { value: String(g.guardianId), label: words ? `${g.name} (${words})` : g.name };
            }),
          ]}
        />
      )}
      {error && <Alert>{error}</Alert>}
      {offered.length === 0 ? (
        <p class="muted">No session has taken place yet.</p>
      ) : (
        <ul class="appointments">
          {offered.map((a) => (
            <li key={a.id}>
              <span>
                {formatDateTime(a.starts_at)} <span class="muted small">{a === next ? 'Next session · ' : ''}{modalityLabel(a.modality)}</span>
              </span>
              <button class="button button--small" type="button" disabled={busy !== undefined} onClick={() => send(a)}>
                Send feedback link<span class="visually-hidden"> for {formatDateTime(a.starts_at)}{chosen ? ` to ${chosen.name}` : ''}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {link && (
        <>
          <Alert kind="success">
            The link for the session on {formatDateTime(link.appointment.starts_at)} is on its way to {link.to ?? 'the client'}. It expires{' '}
            {formatDateTime(link.expires_at)}.
          </Alert>
          <details class="details-disclosure">
            <summary>Hand it over in person instead</summary>
            <CopyableLink url={link.url} expiresAt={link.expires_at} label="Feedback link" />
          </details>
        </>
      )}
    </section>
  );
}

// The sessions that have taken place, newest first, each with the way to its note. The latest few
// show; the rest are a click away.
const kNotesShown = 5;

function SessionNotes({ appointments }: { appointments: Appointment[] }) {
  const past = appointments.filter((a) => sessionIsPast(a)).sort((a, b) => (a.starts_at < b.starts_at ? 1 : -1));
  const item = (a: Appointment) => (
    <li key={a.id}>
      <span>
        {formatDateTime(a.starts_at)} <span class="muted small">{modalityLabel(a.modality)}</span>
      </span>
      <a href={`/appointments/${a.id}/note`} aria-label={`Session note, ${formatDateTime(a.starts_at)}`}>
        Session note
      </a>
    </li>
  );
  return (
    <section class="card" aria-labelledby="notes-heading">
      <h2 id="notes-heading">Session notes</h2>
      {past.length === 0 ? (
        <p class="muted">No session has taken place yet.</p>
      ) : (
        <>
          <ul class="appointments">{past.slice(0, kNotesShown).map(item)}</ul>
          {past.length > kNotesShown && (
            <details class="details-disclosure">
              <summary>Earlier sessions ({past.length - kNotesShown})</summary>
              <ul class="appointments">{past.slice(kNotesShown).map(item)}</ul>
            </details>
          )}
        </>
      )}
    </section>
  );
}

// How many held sessions show at first, newest first; each shown loads its own summary.
const kHeldSessionsShown = 3;
const kHeldSessionsMore = 5;

// One session held in the room: its Rapport Check (with any alert raised on that answer) and,
// beside it, what the room measured.
function HeldSessionItem({
  session,
  check,
  rapport,
  alerts,
  clientName,
  therapistName,
  validation,
}: {
  session: HeldSession;
  check?: ProgressPoint;
  rapport?: QuestionnaireProgress;
  alerts: FeedbackAlert[];
  clientName: string;
  therapistName?: string;
  validation: ValidationMap;
}) {
  const summary = useLoad(() => loadSessionSummary(session.appointment_id), [session.appointment_id]);
  const id = `held-${session.appointment_id}`;
  const title = rapport?.title ?? 'Rapport Check';
  const raised = check ? alerts.filter((a) => a.response_id === check.response_id) : [];
  return (
    <li>
      <article class="held-session" aria-labelledby={id}>
        {/* Focusable by script only: "Show earlier sessions" moves focus to the first one shown. */}
        <h3 id={id} tabIndex={-1}>
          {formatDateTime(session.started_at)} · {modalityLabel(session.modality)}
        </h3>
        {!session.ended_at && <p class="small muted">Not ended yet: the figures so far.</p>}
        <div class="held-session__parts">
          <div class="held-session__check">
            <h4>{title}</h4>
            {check && typeof check.total === 'number' ? (
              <p class="held-session__score">
                {check.total}
                {rapport ? ` of ${rapport.max}` : ''}
                {check.band ? ` (${check.band})` : ''}
                <NotValidated v={unvalidated(validation, rapport?.code)} />
              </p>
            ) : (
              <p class="muted">Not answered for this session.</p>
            )}
            {raised.map((a) => (
              <p key={a.id} class="small">
                Alert on this answer: <a href={`/alerts/${a.id}`}>{a.title}</a> ({a.state})
              </p>
            ))}
          </div>
          <div class="held-session__signals">
            <h4>What the room measured</h4>
            {summary.loading && <Loading what="the summary" />}
            {summary.error && <Alert>{summary.error.message}</Alert>}
            {!summary.loading && summary.data === null && <p class="muted">There is no summary for this session.</p>}
            {summary.data && <SessionSummaryLines summary={summary.data} clientName={clientName} therapistName={therapistName} />}
          </div>
        </div>
      </article>
    </li>
  );
}

// The sessions held in the rooms of this episode, newest first, each with its Rapport Check beside
// the session's summary. Nothing shows for an episode without such sessions (all in person).
function HeldSessions({
  episodeId,
  rapport,
  alerts,
  clientName,
  therapistName,
  validation,
}: {
  episodeId: number;
  rapport?: QuestionnaireProgress;
  alerts: FeedbackAlert[];
  clientName: string;
  therapistName?: string;
  validation: ValidationMap;
}) {
  const held = useLoad(() => roomApi.sessionsOfEpisode(episodeId), [episodeId]);
  const [shown, setShown] = useState(kHeldSessionsShown);
  // After "Show earlier sessions", focus goes to the first session it added, so that the keyboard
  // and a screen reader carry on from there.
  const list = useRef<HTMLOListElement>(null);
  const focusAt = useRef<number>();
  useEffect(() => {
    if (focusAt.current === undefined) return;
    list.current?.querySelectorAll<HTMLElement>('.held-session h3')[focusAt.current]?.focus();
    focusAt.current = undefined;
  }, [shown]);
  if (!held.error && (!held.data || held.data.length === 0)) return null;
  const sessions = [...(held.data ?? [])].sort((a, b) => (a.started_at < b.started_at ? 1 : -1));
  // The Rapport Check answered for each appointment (the latest, if answered twice).
  const checks = new Map<number, ProgressPoint>();
  for (const p of rapport?.points ?? []) {
    if (typeof p.appointment_id !== 'number') continue;
    const before = checks.get(p.appointment_id);
    if (!before || before.submitted_at < p.submitted_at) checks.set(p.appointment_id, p);
  }
  const hidden = sessions.length - shown;
  return (
    <section class="card" aria-labelledby="held-sessions-heading">
      <h2 id="held-sessions-heading">Sessions in the room</h2>
      <p class="small">
        For each session held by video, phone or text: the client’s {rapport?.title ?? 'Rapport Check'}, and beside it what the room measured if{' '}
        {therapistName ? 'therapist and client' : 'you'} both agreed to rapport signals. The signals are supporting evidence for the Rapport Check and its
        alerts, never an alert on their own.
      </p>
      {held.error && <Alert>{held.error.message}</Alert>}
      <ol class="held-sessions" ref={list}>
        {sessions.slice(0, shown).map((s) => (
          <HeldSessionItem
            key={s.appointment_id}
            session={s}
            check={checks.get(s.appointment_id)}
            rapport={rapport}
            alerts={alerts}
            clientName={clientName}
            therapistName={therapistName}
            validation={validation}
          />
        ))}
      </ol>
      {hidden > 0 && (
        <p>
          <button
            class="button"
            type="button"
            onClick={() => {
              focusAt.current = shown;
              setShown(shown + kHeldSessionsMore);
            }}
          >
            Show {Math.min(hidden, kHeldSessionsMore)} earlier session{Math.min(hidden, kHeldSessionsMore) === 1 ? '' : 's'}
          </button>
        </p>
      )}
    </section>
  );
}

// The choices a therapist has for how often a questionnaire is asked; "default" goes back to the
// questionnaire's own.
const kScheduleChoices: { value: string; label: string; schedule: Schedule | null }[] = [
  { value: 'default', label: 'Its default', schedule: null },
  { value: 's1', label: 'Every session', schedule: { every_sessions: 1 } },
  { value: 's2', label: 'Every 2 sessions', schedule: { every_sessions: 2 } },
  { value: 'w1', label: 'Every week', schedule: { every_weeks: 1 } },
  { value: 'w2', label: 'Every 2 weeks', schedule: { every_weeks: 2 } },
  { value: 'w4', label: 'Every 4 weeks', schedule: { every_weeks: 4 } },
  { value: 'once', label: 'Once', schedule: { once: true } },
];

function choiceOf(a: AssignedInstrument): string {
  if (!a.chosen_schedule || !a.schedule) return 'default';
  const s = a.schedule;
  const found = kScheduleChoices.find((c) => c.schedule && JSON.stringify(c.schedule) === JSON.stringify(s));
  return found?.value ?? 'default';
}

// How often each questionnaire is asked in this episode, so that most check-ins stay short: the
// Rapport Check every session, outcome measures less often.
function QuestionnaireSchedules({ episodeId }: { episodeId: number }) {
  const assigned = useLoad(() => api.episodeInstruments(episodeId), [episodeId]);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  async function change(a: AssignedInstrument, value: string) {
    const choice = kScheduleChoices.find((c) => c.value === value);
    if (!choice) return;
    setError(undefined);
    setSaved(undefined);
    try {
      await api.setInstrumentSchedule(episodeId, a.code, a.respondent, choice.schedule);
      setSaved(`${a.title} is now asked ${choice.schedule ? choice.label.toLowerCase() : 'by its default'}.`);
      assigned.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }
  return (
    <section class="card" aria-labelledby="schedules-heading">
      <h2 id="schedules-heading">How often questionnaires are asked</h2>
      <p class="muted small">Fewer questions keep check-ins short. The Rapport Check belongs to every session.</p>
      {error && <Alert>{error}</Alert>}
      <p role="status" class="small">
        {saved}
      </p>
      {/* The Support Check is asked when the therapist sends it, not on a schedule. */}
      {assigned.data?.filter((a) => a.purpose !== 'support').map((a) => (
        <SelectField
          key={`${a.code}-${a.respondent}`}
          label={`How often ${a.title} is asked${a.respondent === 'client' ? '' : ` (answered by the ${a.respondent})`}`}
          name={`schedule-${a.code}-${a.respondent}`}
          value={choiceOf(a)}
          hint={a.chosen_schedule ? undefined : `Default: ${a.schedule_words ?? 'every session'}`}
          onInput={(v) => void change(a, v)}
          options={kScheduleChoices.map((c) => ({ value: c.value, label: c.label }))}
        />
      ))}
    </section>
  );
}

export function EpisodePage({ ctx, episodeId }: { ctx: AppContext; episodeId: number }) {
  const view = useLoad(() => loadEpisode(episodeId), [episodeId]);
  const validation = useValidation();
  if (view.loading && !view.data) return <Loading what="the episode" />;
  if (view.error) {
    return (
      <div class="page">
        <PageTitle title="Episode">Episode</PageTitle>
        <Alert>{view.error.status === 404 ? 'This episode does not exist or is not on your caseload.' : view.error.message}</Alert>
        <p>
          <a href="/">Back to your caseload</a>
        </p>
      </div>
    );
  }
  const { progress, appointments, assigned, clientId, therapistId, therapistName, status } = view.data!;
  // A child's parents and carers have their own Rapport Check; the client's is the other one.
  const caregiverCodes = caregiverRapportCodes(progress, assigned);
  const rapport = progress.instruments.find((q) => q.purpose === 'rapport' && !caregiverCodes.has(q.code));
  const isTherapist = ctx.user.role === 'therapist';
  const open = progress.alerts.filter((a) => a.state === 'open');
  // The room of the session under way or starting within a day.
  const nextRoom = appointments
    .filter((a) => hasRoomLink(a) && Date.parse(a.starts_at) < Date.now() + 86400_000)
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1))[0];
  const closed = progress.alerts.filter((a) => a.state !== 'open');
  // Beside the Rapport Check's own section, so that its scores and the sessions' summaries are
  // read together. The session's therapist reads "you"; a supervisor reads the therapist's name.
  const heldSessions = (
    <HeldSessions
      episodeId={episodeId}
      rapport={rapport}
      alerts={progress.alerts}
      clientName={progress.client_name}
      therapistName={therapistId !== undefined && therapistId !== ctx.user.id ? therapistName : undefined}
      validation={validation}
    />
  );
  // Beside the child's own Rapport Check too: how the sessions feel to them and to each parent.
  const caregivers =
    caregiverCodes.size > 0 ? (
      <CaregiverRapportCard
        clientId={clientId}
        progress={progress}
        codes={caregiverCodes}
        appointments={appointments}
        mayRecord={therapistId !== undefined && therapistId === ctx.user.id && status !== 'ended'}
        validation={validation}
      />
    ) : null;
  return (
    <div class="page">
      <p class="breadcrumb">
        <a href="/">{isTherapist ? 'Caseload' : 'Home'}</a> <span aria-hidden="true">›</span>{' '}
        {clientId ? <a href={`/clients/${clientId}`}>{progress.client_name}</a> : progress.client_name}
      </p>
      <PageTitle title={`${progress.client_name}: feedback`}>{progress.client_name}: feedback and progress</PageTitle>
      <p class="actions">
        <a class="button button--primary" href={`/episodes/${episodeId}/plan`}>
          Treatment plan
        </a>
        <a class="button" href={`/api/v1/episodes/${episodeId}/export.csv`} download={`episode-${episodeId}.csv`}>
          Download CSV
        </a>
        {nextRoom && <RoomLink appointment={nextRoom} />}
        {status === 'ended' && (
          <a class="button" href={`/episodes/${episodeId}/summary`}>
            Discharge summary
          </a>
        )}
      </p>
      {/* What the client chose to share when they came from another therapist: read first. */}
      <HandoverSection episodeId={episodeId} />
      <section class="card card--alerts" aria-labelledby="episode-alerts">
        <h2 id="episode-alerts">Alerts</h2>
        <AlertList alerts={open} canAct={isTherapist} onChanged={view.reload} showClient={false} empty="No open alerts." extra={noteRuptureAction(ctx.user, status === 'ended')} />
        {closed.length > 0 && (
          <details class="closed-alerts">
            <summary>Earlier alerts ({closed.length})</summary>
            <AlertList alerts={closed} canAct={isTherapist} onChanged={view.reload} showClient={false} empty="" />
          </details>
        )}
      </section>
      {mayNoteRuptures(ctx.user.role) && <RupturesSection episodeId={episodeId} alerts={progress.alerts} rapport={rapport} ended={status === 'ended'} user={ctx.user} />}
      <SupportSection episodeId={episodeId} alerts={progress.alerts} clientName={progress.client_name} ended={status === 'ended'} role={ctx.user.role} />
      <Messages episodeId={episodeId} viewer={ctx.user} />
      <SessionNotes appointments={appointments} />
      {progress.recovery && <Recovery judgement={progress.recovery} />}
      {progress.instruments.length === 0 && <p class="muted">No questionnaires answered yet.</p>}
      {/* The Support Check is read in its own section, beside its repair strategies. */}
      {progress.instruments.filter((q) => q.purpose !== 'support').map((q) => (
        <Fragment key={q.code}>
          <Questionnaire episodeId={episodeId} q={q} rapport={rapport} progress={progress} validation={validation} />
          {q === rapport && caregivers}
          {q === rapport && heldSessions}
        </Fragment>
      ))}
      {!rapport && caregivers}
      {!rapport && heldSessions}
      {isTherapist && <QuestionnaireSchedules episodeId={episodeId} />}
      {isTherapist && <SendFeedbackLink appointments={appointments} clientId={clientId} clientName={progress.client_name} />}
      {status !== undefined && status !== 'ended' && (
        <ReferralCard episodeId={episodeId} clientName={progress.client_name} therapistId={therapistId} />
      )}
      {status !== undefined && status !== 'ended' && (
        <section class="card" aria-labelledby="ending-heading">
          <h2 id="ending-heading">Ending therapy</h2>
          <p class="muted small">When therapy comes to an end, say why and write the summary the client keeps: what helped, signs to watch for and where to turn.</p>
          <a class="button" href={`/episodes/${episodeId}/ending`}>
            End this episode…
          </a>
        </section>
      )}
    </div>
  );
}
