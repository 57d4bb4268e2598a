// The therapist's home: alerts first (open ones, then acknowledged ones still to resolve, each
// by severity and then the longest waiting), then the caseload ordered by what needs attention,
// with a small trend line of outcome and rapport per client, and a form to add a new client.
import { WaitingRequests } from '../appointment_requests';
import { Fragment } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, type DashboardRow, type FeedbackAlert } from '../api';
import { AlertList, SeverityBadge, severityOrder } from '../alerts';
import { loadCaseload, type CaseloadRow } from '../caseload';
import { Sparkline } from '../chart';
import { firstName, formatDateTime, modalityLabel, statusLabel } from '../format';
import { useLiveAlerts } from '../live';
import type { AppContext } from '../main';
import { navigate } from '../router';
import { Alert, Field, FormErrorSummary, Loading, PageTitle, useForm, useLoad } from '../ui';
import { NotValidated, rapportValidation, unvalidated, useValidation } from '../validation';
import { RoomLink, roomOpenNow } from '../room/room_link';

// One caseload line: the dashboard's view of the client's feedback (when the episode is open)
// joined with their record and next appointment.
export interface BoardRow {
  care: CaseloadRow;
  feedback?: DashboardRow;
}

// The server's order: open alerts by severity first, then clients without an open episode.
export async function loadBoard(): Promise<BoardRow[]> {
  const caseload = await loadCaseload();
  return caseload.map((care) => ({ care, feedback: care.feedback }));
}

// Clients with open alerts first, the most severe first and, within a severity, the one whose
// alert has waited longest; then the rest in the dashboard's order.
export function orderBoard(rows: BoardRow[], open: FeedbackAlert[]): BoardRow[] {
  const first = new Map<number, { rank: number; at: number }>();
  for (const a of open) {
    const rank = severityOrder(a.severity);
    const at = Date.parse(a.created_at) || 0;
    const seen = first.get(a.client_id);
    if (!seen || rank < seen.rank || (rank === seen.rank && at < seen.at)) first.set(a.client_id, { rank, at });
  }
  return rows
    .map((row, i) => {
      const top = row.feedback?.top_severity;
      const key = first.get(row.care.client.id) ?? (top ? { rank: severityOrder(top), at: Number.POSITIVE_INFINITY } : undefined);
      return { row, i, key };
    })
    .sort((a, b) => {
      if (a.key && b.key) return a.key.rank - b.key.rank || a.key.at - b.key.at || a.i - b.i;
      if (a.key) return -1;
      if (b.key) return 1;
      return a.i - b.i;
    })
    .map(({ row }) => row);
}

export interface ActiveAlerts {
  open: FeedbackAlert[];
  acknowledged: FeedbackAlert[];
}

// Alerts not yet resolved: open ones, and acknowledged ones still to resolve.
export async function loadActiveAlerts(): Promise<ActiveAlerts> {
  const [open, acknowledged] = await Promise.all([api.alerts('open'), api.alerts('acknowledged')]);
  return { open, acknowledged };
}

// What a step just taken on this page changed, shown at once, before the lists load again.
function withChanges(loaded: ActiveAlerts | undefined, changes: Map<number, FeedbackAlert>): ActiveAlerts {
  const all = [...(loaded?.open ?? []), ...(loaded?.acknowledged ?? [])].map((a) => {
    const changed = changes.get(a.id);
    return changed ? { ...a, ...changed } : a;
  });
  return { open: all.filter((a) => a.state === 'open'), acknowledged: all.filter((a) => a.state === 'acknowledged') };
}

export function TherapistHome({ ctx }: { ctx: AppContext }) {
  const board = useLoad(loadBoard);
  const alerts = useLoad(loadActiveAlerts);
  const first = firstName(ctx.user.display_name);
  const [changes, setChanges] = useState(() => new Map<number, FeedbackAlert>());
  const [focusId, setFocusId] = useState<number>();
  const [resolved, setResolved] = useState<{ name: string; at: number }>();
  // A fresh load supersedes what this page changed.
  useEffect(() => setChanges(new Map()), [alerts.data]);
  const active = useMemo(() => withChanges(alerts.data, changes), [alerts.data, changes]);
  const reload = useCallback(() => {
    alerts.reload();
    board.reload();
  }, [alerts.reload, board.reload]);
  const onChanged = useCallback(
    (changed?: FeedbackAlert) => {
      if (changed) {
        setChanges((m) => new Map(m).set(changed.id, changed));
        if (changed.state === 'acknowledged') setFocusId(changed.id);
        if (changed.state === 'resolved') setResolved({ name: changed.client_name, at: Date.now() });
      }
      reload();
    },
    [reload],
  );
  // Once a resolved alert has left the list, the keyboard goes on from the list it was in.
  useEffect(() => {
    if (!resolved) return;
    const next = ['acknowledged-heading', 'alerts-heading', 'caseload-heading']
      .map((id) => document.getElementById(id))
      .find((el) => el !== null);
    next?.focus();
  }, [resolved]);
  // A new alert changes who needs attention first: fetch both again as it arrives.
  useLiveAlerts(reload);
  const rows = useMemo(() => (board.data ? orderBoard(board.data, active.open) : undefined), [board.data, active.open]);
  return (
    <div class="page">
      <PageTitle title="Caseload">Your caseload</PageTitle>
      <p class="lede">Hello {first}. Who needs your attention comes first.</p>
      <p>
        <a href="/profile">Your profile</a>
        <span class="muted small"> · what clients read when they look for a therapist</span>
      </p>
      <div role="status" class="alerts-status">
        {resolved && <p class="alert alert--success">The alert for {resolved.name} is resolved.</p>}
      </div>
      {alerts.error && (
        <Alert>
          Your alerts could not be loaded, so an alert may be missing from this page: {alerts.error.message}{' '}
          <button class="button button--small" type="button" onClick={alerts.reload}>
            Try again
          </button>
        </Alert>
      )}
      {active.open.length > 0 && (
        <section class="card card--alerts" aria-labelledby="alerts-heading">
          <h2 id="alerts-heading" tabIndex={-1}>
            Open alerts <span class="count">{active.open.length}</span>
          </h2>
          <AlertList alerts={active.open} canAct onChanged={onChanged} empty="No open alerts." />
        </section>
      )}
      {active.acknowledged.length > 0 && (
        <section class="card card--acknowledged" aria-labelledby="acknowledged-heading">
          <h2 id="acknowledged-heading" tabIndex={-1}>
            Acknowledged, not yet resolved <span class="count count--quiet">{active.acknowledged.length}</span>
          </h2>
          <p class="muted small">Resolve each one once nothing more needs doing about it.</p>
          <AlertList alerts={active.acknowledged} canAct onChanged={onChanged} focusId={focusId} empty="" />
        </section>
      )}
      <OpenRooms />
      <WaitingRequests />
      <div class="columns">
        <section class="card" aria-labelledby="caseload-heading">
          <h2 id="caseload-heading" tabIndex={-1}>
            Clients
          </h2>
          {board.loading && !board.data && <Loading what="your caseload" />}
          {board.error && <Alert>{board.error.message}</Alert>}
          {rows && <DashboardList rows={rows} />}
        </section>
        <NewClientForm />
      </div>
    </div>
  );
}

// Video, phone and typed sessions whose rooms are open now (from ten minutes before the start
// until an hour after the end), so that the therapist goes in from the home page.
function OpenRooms() {
  const rooms = useLoad(async () => {
    const now = Date.now();
    const list = await api.appointments(new Date(now - 3 * 3600_000).toISOString(), new Date(now + 15 * 60_000).toISOString()).catch(() => []);
    return list.filter((a) => roomOpenNow(a)).sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1));
  });
  const open = rooms.data ?? [];
  if (open.length === 0) return null;
  return (
    <section class="card card--accent" aria-labelledby="rooms-heading">
      <h2 id="rooms-heading">Session rooms open now</h2>
      <ul class="appointments">
        {open.map((a) => (
          <li key={a.id}>
            <span>
              {a.client_name ?? 'Client'} · {formatDateTime(a.starts_at)} <span class="muted small">{modalityLabel(a.modality)}</span>
            </span>
            <RoomLink appointment={a} />
          </li>
        ))}
      </ul>
    </section>
  );
}

// The plan's state on a caseload line, when it needs the therapist: agreed plans say nothing.
const planStatusWords: Record<string, string> = {
  draft: 'in draft',
  proposed: 'waiting for the client',
  changes_requested: 'changes requested',
  declined: 'declined',
  withdrawn: 'withdrawn',
};

// What each small trend line is: the outcome questionnaire's total (lower is better) and the
// Rapport Check (higher is better), with the colour each is drawn in.
function TrendKey({ rows }: { rows: BoardRow[] }) {
  const outcome = rows.filter((r) => (r.feedback?.outcome_trend.length ?? 0) > 0);
  const rapport = rows.some((r) => (r.feedback?.rapport_trend.length ?? 0) > 0);
  if (outcome.length === 0 && !rapport) return null;
  // In a steady order, whichever client's row comes first.
  const codes = [...new Set(outcome.map((r) => r.feedback?.last_outcome?.code).filter((c): c is string => !!c))].sort();
  return (
    <p class="trend-key small">
      <span class="trend-key__title">Trend lines:</span>
      {outcome.length > 0 && (
        <span class="key key--spark-outcome">Outcome ({codes.length ? codes.join(' or ') : 'questionnaire'} total, lower is better)</span>
      )}
      {rapport && <span class="key key--spark-rapport">Rapport Check (how sessions went, higher is better)</span>}
    </p>
  );
}

export function DashboardList({ rows, showTherapist = false }: { rows: BoardRow[]; showTherapist?: boolean }) {
  const validation = useValidation();
  const rapport = rapportValidation(validation);
  const rapportCaution = rapport && !rapport.validated ? rapport : undefined;
  if (rows.length === 0) return <p class="muted">No clients yet. Add your first client with the form.</p>;
  return (
    <>
      <TrendKey rows={rows} />
      <ul class="list dashboard">
        {rows.map(({ care: { client, episode, next }, feedback: r }) => {
          const status = r?.episode_status ?? episode?.status;
          const outcomeCaution = unvalidated(validation, r?.last_outcome?.code);
          const scores = [
            r?.open_alerts ? `${r.open_alerts} open alert${r.open_alerts === 1 ? '' : 's'}` : null,
            r?.last_outcome && typeof r.last_outcome.total === 'number' ? (
              <>
                {r.last_outcome.code} {r.last_outcome.total}
                {r.last_outcome.band ? ` (${r.last_outcome.band})` : ''}
                <NotValidated v={outcomeCaution} />
              </>
            ) : null,
            r?.last_rapport && typeof r.last_rapport.total === 'number' ? (
              <>
                Rapport {r.last_rapport.total}
                {typeof r.last_rapport.max === 'number' ? ` of ${r.last_rapport.max}` : ''}
                <NotValidated v={rapportCaution} />
              </>
            ) : null,
            showTherapist && r?.therapist_name ? `with ${r.therapist_name}` : null,
          ].filter((x) => x !== null);
          return (
            <li key={client.id} class="list-item dashboard__row">
              <div class="list-item__main">
                <p class="list-item__title">
                  <a href={`/clients/${client.id}`}>{client.display_name}</a>
                  {client.is_minor && <span class="badge badge--warm">Child</span>}
                  {r?.top_severity && <SeverityBadge severity={r.top_severity} />}
                  {r?.plan_review_due && <span class="badge badge--due">Plan review due</span>}
                </p>
                {scores.length > 0 && (
                  <p class="muted small">
                    {scores.map((part, i) => (
                      <Fragment key={i}>
                        {i > 0 && ' · '}
                        {part}
                      </Fragment>
                    ))}
                  </p>
                )}
                <p class="muted small">
                  {next ? (
                    <>
                      Next: {formatDateTime(next.starts_at)} · {modalityLabel(next.modality)}
                    </>
                  ) : r?.next_appointment_at ? (
                    `Next: ${formatDateTime(r.next_appointment_at)}`
                  ) : (
                    'No appointment booked'
                  )}
                </p>
                {next && roomOpenNow(next) && (
                  <p class="small">
                    <RoomLink appointment={next} />
                  </p>
                )}
                {r && (
                  <p class="small">
                    <a href={`/episodes/${r.episode_id}`}>
                      Feedback and progress<span class="visually-hidden"> of {client.display_name}</span>
                    </a>
                    {' · '}
                    <a href={`/episodes/${r.episode_id}/plan`}>
                      Treatment plan<span class="visually-hidden"> of {client.display_name}</span>
                    </a>
                    {r.plan_status && r.plan_status !== 'none' && r.plan_status !== 'agreed' && (
                      <span class="muted"> (plan {planStatusWords[r.plan_status] ?? r.plan_status})</span>
                    )}
                  </p>
                )}
              </div>
              {r && (r.outcome_trend.length > 0 || r.rapport_trend.length > 0) && (
                <div class="dashboard__trends">
                  <Sparkline
                    values={r.outcome_trend}
                    label={`${r.last_outcome?.code ?? 'Outcome'}${outcomeCaution && r.outcome_trend.length ? ' (not yet validated)' : ''}`}
                    higherIs="worse"
                  />
                  <Sparkline
                    values={r.rapport_trend}
                    label={`Rapport${rapportCaution && r.rapport_trend.length ? ' (not yet validated)' : ''}`}
                    higherIs="better"
                    max={r.last_rapport?.max ?? undefined}
                  />
                </div>
              )}
              <span class={`badge badge--${status ?? 'none'}`}>{status ? statusLabel(status) : 'No episode'}</span>
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function CaseloadList({ rows }: { rows: CaseloadRow[] }) {
  if (rows.length === 0) return <p class="muted">No clients yet. Add your first client with the form.</p>;
  return (
    <ul class="list">
      {rows.map(({ client, episode, next }) => (
        <li key={client.id} class="list-item">
          <div class="list-item__main">
            <p class="list-item__title">
              <a href={`/clients/${client.id}`}>{client.display_name}</a>
              {client.is_minor && <span class="badge badge--warm">Child</span>}
            </p>
            <p class="muted small">
              {next ? (
                <>
                  Next: {formatDateTime(next.starts_at)} · {modalityLabel(next.modality)}
                </>
              ) : (
                'No appointment booked'
              )}
            </p>
          </div>
          <span class={`badge badge--${episode?.status ?? 'none'}`}>
            {episode ? statusLabel(episode.status) : 'No episode'}
          </span>
        </li>
      ))}
    </ul>
  );
}

function NewClientForm() {
  const form = useForm({ display_name: '', email: '', date_of_birth: '' });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void form.submit(async () => {
      const v = form.values;
      const client = await api.createClient({
        display_name: v.display_name.trim(),
        email: v.email.trim(),
        ...(v.date_of_birth ? { date_of_birth: v.date_of_birth } : {}),
      });
      navigate(`/clients/${client.id}?created=1`);
    });
  };
  return (
    <section class="card" aria-labelledby="new-client-heading">
      <h2 id="new-client-heading">New client</h2>
      <form class="form" onSubmit={onSubmit} noValidate>
        <FormErrorSummary error={form.error} fields={['display_name', 'email', 'date_of_birth']} />
        <Field
          label="Full name"
          name="display_name"
          required
          autoComplete="off"
          value={form.values.display_name}
          onInput={form.set('display_name')}
          error={form.fieldError('display_name')}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          required
          autoComplete="off"
          value={form.values.email}
          onInput={form.set('email')}
          error={form.fieldError('email')}
        />
        <Field
          label="Date of birth"
          name="date_of_birth"
          type="date"
          hint="Needed for children, so that a guardian can be added."
          value={form.values.date_of_birth}
          onInput={form.set('date_of_birth')}
          error={form.fieldError('date_of_birth')}
        />
        <button class="button button--primary" type="submit" disabled={form.busy}>
          {form.busy ? 'Adding…' : 'Add client'}
        </button>
      </form>
    </section>
  );
}
