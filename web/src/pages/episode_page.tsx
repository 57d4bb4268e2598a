// One episode's feedback as the therapist reads it: a chart per questionnaire over sessions
// (cut-off, reliable-change band, expected course, rapport on the same time axis, alerts), the
// alerts themselves, every response item by item, the CSV export, and a feedback link to send.
import { useState } from 'preact/hooks';
import {
  api,
  ApiError,
  type Appointment,
  type AssignedInstrument,
  type EpisodeProgress,
  type ProgressPoint,
  type QuestionnaireProgress,
  type RecoveryJudgement,
  type ResponseDetail,
  type Schedule,
} from '../api';
import { AlertList } from '../alerts';
import { ProgressChart } from '../chart';
import { formatDateTime, modalityLabel, statusLabel } from '../format';
import type { AppContext } from '../main';
import { hasRoomLink } from '../room/room_api';
import { RoomLink } from '../room/room_link';
import { Alert, Loading, PageTitle, SelectField, useLoad } from '../ui';
import { NotValidated, unvalidated, useValidation, type ValidationMap } from '../validation';
import { CopyableLink } from './client_page';

interface EpisodeView {
  progress: EpisodeProgress;
  appointments: Appointment[];
  clientId?: number;
}

async function loadEpisode(id: number): Promise<EpisodeView> {
  const [progress, appointments, episode] = await Promise.all([
    api.progress(id),
    api.episodeAppointments(id).catch(() => [] as Appointment[]),
    api.episode(id).catch(() => undefined),
  ]);
  return { progress, appointments, clientId: episode?.client_id };
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

function SendFeedbackLink({ appointments }: { appointments: Appointment[] }) {
  const now = Date.now();
  // The sessions a client might be asked about: the last few held and the next one.
  const past = appointments
    .filter((a) => a.status !== 'cancelled' && Date.parse(a.starts_at) <= now)
    .sort((a, b) => (a.starts_at < b.starts_at ? 1 : -1))
    .slice(0, 3);
  const [link, setLink] = useState<{ appointment: number; url: string; expires_at: string }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<number>();
  async function send(a: Appointment) {
    setBusy(a.id);
    setError(undefined);
    try {
      const created = await api.createFeedbackLink(a.id);
      setLink({ appointment: a.id, ...created });
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 412
          ? 'Your clinic does not allow feedback links. The client can give feedback after signing in.'
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
      {error && <Alert>{error}</Alert>}
      {past.length === 0 ? (
        <p class="muted">No session has taken place yet.</p>
      ) : (
        <ul class="appointments">
          {past.map((a) => (
            <li key={a.id}>
              <span>
                {formatDateTime(a.starts_at)} <span class="muted small">{modalityLabel(a.modality)}</span>
              </span>
              <button class="button button--small" type="button" disabled={busy !== undefined} onClick={() => send(a)}>
                Send feedback link<span class="visually-hidden"> for {formatDateTime(a.starts_at)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {link && (
        <>
          <Alert kind="success">
            The link for the session on {formatDateTime(past.find((a) => a.id === link.appointment)?.starts_at)} is on its way to the client. It expires{' '}
            {formatDateTime(link.expires_at)}.
          </Alert>
          <details class="details-disclosure">
            <summary>Hand it over in person instead</summary>
            <CopyableLink invitation={{ url: link.url, expires_at: link.expires_at }} label="Feedback link" />
          </details>
        </>
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
      {assigned.data?.map((a) => (
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
  const { progress, appointments, clientId } = view.data!;
  const rapport = progress.instruments.find((q) => q.purpose === 'rapport');
  const isTherapist = ctx.user.role === 'therapist';
  const open = progress.alerts.filter((a) => a.state === 'open');
  // The room of the session under way or starting within a day.
  const nextRoom = appointments
    .filter((a) => hasRoomLink(a) && Date.parse(a.starts_at) < Date.now() + 86400_000)
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1))[0];
  const closed = progress.alerts.filter((a) => a.state !== 'open');
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
      </p>
      <section class="card card--alerts" aria-labelledby="episode-alerts">
        <h2 id="episode-alerts">Alerts</h2>
        <AlertList alerts={open} canAct={isTherapist} onChanged={view.reload} showClient={false} empty="No open alerts." />
        {closed.length > 0 && (
          <details class="closed-alerts">
            <summary>Earlier alerts ({closed.length})</summary>
            <AlertList alerts={closed} canAct={isTherapist} onChanged={view.reload} showClient={false} empty="" />
          </details>
        )}
      </section>
      {progress.recovery && <Recovery judgement={progress.recovery} />}
      {progress.instruments.length === 0 && <p class="muted">No questionnaires answered yet.</p>}
      {progress.instruments.map((q) => (
        <Questionnaire key={q.code} episodeId={episodeId} q={q} rapport={rapport} progress={progress} validation={validation} />
      ))}
      {isTherapist && <QuestionnaireSchedules episodeId={episodeId} />}
      {isTherapist && <SendFeedbackLink appointments={appointments} />}
    </div>
  );
}
