// For a child in therapy, how the sessions feel to the child and to each parent or carer who takes
// part in them, side by side on the therapist's episode page: the child's own Rapport Check (the
// Kids' Check for a young child) and each caregiver's own, so that a therapist sees whether it is
// the working relationship with a parent that is slipping while the child's holds. Below it, who
// took part in the sessions of the last two weeks and the next two, and, for the episode's
// therapist, a way to record a parent or carer as taking part: they are asked afterwards how the
// session felt to them.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Appointment, type AssignedInstrument, type EpisodeProgress, type ProgressPoint, type QuestionnaireProgress } from '../api';
import { familyApi, type GuardianEntry } from '../family_api';
import { firstName, formatDateTime, formatDayMonth, modalityLabel } from '../format';
import { roomApi } from '../room/room_api';
import { Alert, Loading, useLoad } from '../ui';
import { NotValidated, unvalidated, type ValidationMap } from '../validation';

// The questionnaires in which a child's parents or carers say how the sessions feel to them: a
// rapport questionnaire assigned to guardians, or one that guardians have answered.
export function caregiverRapportCodes(progress: EpisodeProgress, assigned: AssignedInstrument[]): Set<string> {
  const codes = new Set<string>();
  for (const a of assigned) if (a.purpose === 'rapport' && a.respondent === 'guardian') codes.add(a.code);
  for (const q of progress.instruments) {
    if (q.purpose === 'rapport' && q.points.some((p) => p.guardian || p.respondent === 'guardian')) codes.add(q.code);
  }
  return codes;
}

// How many of a person's latest ratings show, oldest first.
const kTrailLength = 5;
// Sessions this many days either side of today are listed under "Who took part".
const kTookPartDays = 14;

interface Row {
  key: string;
  who: string;
  what: string;
  q: QuestionnaireProgress;
  // Scored answers, oldest first.
  points: ProgressPoint[];
}

function scored(points: ProgressPoint[]): ProgressPoint[] {
  return points.filter((p) => typeof p.total === 'number').sort((a, b) => (a.submitted_at < b.submitted_at ? -1 : 1));
}

// What is worth a second look in a person's latest rating: below the cut-off, or a fall since
// the one before of at least the questionnaire's reliable change (a tenth of its range where it
// names none).
function concerns(q: QuestionnaireProgress, points: ProgressPoint[]): string[] {
  const latest = points[points.length - 1]?.total;
  if (typeof latest !== 'number') return [];
  const out: string[] = [];
  const worseIsHigher = q.higher_is === 'worse';
  if (typeof q.cutoff === 'number' && (worseIsHigher ? latest >= q.cutoff : latest < q.cutoff)) {
    out.push(`${worseIsHigher ? 'At or above' : 'Below'} the cut-off of ${q.cutoff}: worth talking about`);
  }
  const before = points[points.length - 2]?.total;
  if (typeof before === 'number') {
    const fall = worseIsHigher ? latest - before : before - latest;
    const enough = q.reliable_threshold ?? Math.max(1, (q.max - q.min) / 10);
    if (fall >= enough) out.push(`Dropped by ${Math.round(fall * 10) / 10} since the one before`);
  }
  return out;
}

function RatingRow({ row }: { row: Row }) {
  const { q, points } = row;
  const latest = points[points.length - 1];
  const trail = points.slice(-kTrailLength);
  const flags = concerns(q, points);
  return (
    <tr>
      <th scope="row">
        {row.who}
        <span class="block small muted">{row.what}</span>
      </th>
      <td data-label="Latest" class="carer-rapport__score">
        {latest ? `${latest.total} of ${q.max}` : <span class="muted">No answers yet</span>}
      </td>
      <td data-label="Band">{latest?.band || '—'}</td>
      <td data-label="Recent, oldest first">
        {trail.length === 0 ? (
          '—'
        ) : (
          <ol class="rating-trail">
            {trail.map((p) => (
              <li key={p.response_id}>
                {p.total}
                <span class="visually-hidden"> on {formatDayMonth(p.submitted_at)}</span>
              </li>
            ))}
          </ol>
        )}
      </td>
      <td data-label="Worth a look">
        {flags.length === 0 ? (
          <span class="muted">{latest ? 'Nothing to flag' : '—'}</span>
        ) : (
          flags.map((f) => (
            <strong key={f} class="block rating-flag">
              <span aria-hidden="true">⚠ </span>
              {f}
            </strong>
          ))
        )}
      </td>
    </tr>
  );
}

// The child's own rapport questionnaires, then each caregiver's ratings grouped by who gave them,
// then the child's other parents and carers, who have not answered yet.
function rowsOf(progress: EpisodeProgress, codes: Set<string>, guardians: GuardianEntry[], child: string): Row[] {
  const rows: Row[] = [];
  for (const q of progress.instruments) {
    if (q.purpose !== 'rapport' || codes.has(q.code)) continue;
    rows.push({ key: `child-${q.code}`, who: child, what: `${q.title}, ${child}'s own`, q, points: scored(q.points) });
  }
  const answered = new Set<number>();
  const carer = progress.instruments.filter((q) => codes.has(q.code));
  for (const q of carer) {
    const byGuardian = new Map<number, { name: string; points: ProgressPoint[] }>();
    for (const p of scored(q.points)) {
      if (!p.guardian) continue;
      const group = byGuardian.get(p.guardian.id) ?? { name: p.guardian.name, points: [] };
      group.name = p.guardian.name;
      group.points.push(p);
      byGuardian.set(p.guardian.id, group);
    }
    for (const [id, group] of byGuardian) {
      answered.add(id);
      rows.push({ key: `carer-${q.code}-${id}`, who: group.name, what: q.title, q, points: group.points });
    }
  }
  const first = carer[0];
  if (first) {
    for (const g of guardians) {
      if (answered.has(g.guardian_id)) continue;
      rows.push({ key: `carer-${first.code}-${g.guardian_id}`, who: g.guardian_name, what: first.title, q: first, points: [] });
    }
  }
  return rows;
}

interface Props {
  clientId?: number;
  progress: EpisodeProgress;
  codes: Set<string>;
  appointments: Appointment[];
  // The episode's own therapist, who records who took part.
  mayRecord: boolean;
  validation: ValidationMap;
}

export function CaregiverRapportCard({ clientId, progress, codes, appointments, mayRecord, validation }: Props) {
  const family = useLoad(() => (clientId ? familyApi.family(clientId) : Promise.resolve(undefined)), [clientId]);
  const child = firstName(progress.client_name);
  const guardians = family.data?.guardians ?? [];
  const rows = rowsOf(progress, codes, guardians, child);
  const shown = [...new Set(rows.map((r) => r.q.code))]
    .map((code) => progress.instruments.find((q) => q.code === code)!)
    .filter((q) => unvalidated(validation, q.code));
  return (
    <section class="card carer-rapport" aria-labelledby="carer-rapport-heading">
      <h2 id="carer-rapport-heading">How the sessions feel: {child} and their parents or carers</h2>
      <p>
        {child}'s own ratings beside each parent's or carer's show whether it is the working relationship with a parent or carer that is slipping,
        even while {child}'s own holds.
      </p>
      {shown.map((q) => (
        <p key={q.code} class="small validation-note">
          {q.title}:<NotValidated v={unvalidated(validation, q.code)} withNote />
        </p>
      ))}
      {rows.length === 0 ? (
        <p class="muted">No ratings yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="data-table data-table--stacks carer-rapport__table">
            <caption>
              How the sessions feel to {child} and to each parent or carer: the latest rating and up to {kTrailLength} recent ones
            </caption>
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Latest</th>
                <th scope="col">Band</th>
                <th scope="col">Recent, oldest first</th>
                <th scope="col">Worth a look</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <RatingRow key={r.key} row={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {family.error && <p class="small muted">The list of {child}'s parents and carers could not be loaded: {family.error.message}</p>}
      {mayRecord && !family.error && (
        <WhoTookPart child={child} guardians={guardians} loading={family.loading && !family.data} appointments={appointments} />
      )}
    </section>
  );
}

// Not cancelled and not missed, within two weeks of today, oldest first.
function sessionsNearNow(appointments: Appointment[], now = Date.now()): Appointment[] {
  const span = kTookPartDays * 86400_000;
  return appointments
    .filter((a) => a.status !== 'cancelled' && a.status !== 'no-show')
    .filter((a) => Math.abs(Date.parse(a.starts_at) - now) <= span)
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1));
}

// Each session's guests: the parents and carers taking part. A session whose list could not be
// read carries the reason instead.
async function guestsOf(sessions: Appointment[]): Promise<Map<number, Set<number> | ApiError>> {
  const lists = await Promise.all(
    sessions.map((a) =>
      roomApi.room(a.id).then(
        (pass) => new Set(pass.guests.map((g) => g.guardian_id)),
        (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, String(e))),
      ),
    ),
  );
  return new Map(sessions.map((a, i) => [a.id, lists[i]!]));
}

function tookPartId(appointmentId: number, guardianId: number): string {
  return `took-part-${appointmentId}-${guardianId}`;
}

function WhoTookPart({
  child,
  guardians,
  loading,
  appointments,
}: {
  child: string;
  guardians: GuardianEntry[];
  loading: boolean;
  appointments: Appointment[];
}) {
  const sessions = sessionsNearNow(appointments);
  const guests = useLoad(() => guestsOf(sessions), [sessions.map((a) => a.id).join(',')]);
  // Recorded on this page since it loaded, by appointment.
  const [added, setAdded] = useState<Map<number, Set<number>>>(new Map());
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const [said, setSaid] = useState<string>();
  // The line that replaced the button takes focus, so that the keyboard does not lose its place.
  const [focus, setFocus] = useState<string>();
  useEffect(() => {
    if (!focus) return;
    document.getElementById(focus)?.focus();
    setFocus(undefined);
  }, [focus]);

  // Two sessions on one day are told apart by their time as well.
  const when = (a: Appointment) =>
    sessions.some((b) => b.id !== a.id && formatDayMonth(b.starts_at) === formatDayMonth(a.starts_at))
      ? formatDateTime(a.starts_at)
      : formatDayMonth(a.starts_at);

  async function record(a: Appointment, g: GuardianEntry) {
    const key = tookPartId(a.id, g.guardian_id);
    setBusy(key);
    setError(undefined);
    setSaid(undefined);
    try {
      const pass = await roomApi.inviteGuardian(a.id, g.guardian_id);
      setAdded((m) => new Map(m).set(a.id, new Set(pass.guests.map((x) => x.guardian_id))));
      setSaid(`${g.guardian_name} is recorded as taking part on ${when(a)}.`);
      setFocus(key);
    } catch (e) {
      const message = e instanceof ApiError ? e.message : String(e);
      setError(
        e instanceof ApiError && e.status === 403
          ? `Only ${child}'s therapist can record who took part in a session. ${message}`
          : `${g.guardian_name} could not be recorded as taking part on ${when(a)}. ${message}`,
      );
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <div class="took-part">
      <h3>Who took part</h3>
      <p class="small muted">
        The sessions of the last two weeks and the next two. Record a parent or carer who joins a session, in person or not: afterwards they are
        asked how it felt to them. For a video, phone or text session this also lets them into its room.
      </p>
      {error && <Alert>{error}</Alert>}
      <p role="status" class="small">
        {said}
      </p>
      {loading || (guests.loading && !guests.data) ? (
        <Loading what="who took part" />
      ) : sessions.length === 0 ? (
        <p class="muted">No sessions in the last two weeks or the next two.</p>
      ) : guardians.length === 0 ? (
        <p class="muted">No parent or carer is linked to {child} yet.</p>
      ) : (
        <ul class="took-part__sessions">
          {sessions.map((a) => {
            const listed = guests.data?.get(a.id);
            const failed = listed instanceof ApiError ? listed : undefined;
            const ids = added.get(a.id) ?? (listed instanceof Set ? listed : new Set<number>());
            const past = Date.parse(a.starts_at) <= Date.now();
            return (
              <li key={a.id}>
                <h4>
                  {formatDateTime(a.starts_at)} <span class="muted small">· {modalityLabel(a.modality)}</span>
                </h4>
                {failed && <p class="small muted">Who took part could not be loaded for this session: {failed.message}</p>}
                <ul class="took-part__people">
                  {guardians.map((g) => {
                    const id = tookPartId(a.id, g.guardian_id);
                    return (
                      <li key={g.guardian_id}>
                        {ids.has(g.guardian_id) ? (
                          <span id={id} tabIndex={-1} class="took-part__state">
                            <span aria-hidden="true">✓ </span>
                            {g.guardian_name} {past ? 'took part' : 'is taking part'}
                          </span>
                        ) : (
                          <>
                            <span>{g.guardian_name}</span>
                            <button
                              class="button button--small"
                              type="button"
                              disabled={busy !== undefined || !!failed}
                              onClick={() => void record(a, g)}
                            >
                              {busy === id ? 'Recording…' : `Record ${g.guardian_name} as taking part`}
                              <span class="visually-hidden"> on {when(a)}</span>
                            </button>
                          </>
                        )}
                      </li>
                    );
                  })}
                </ul>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
