// The client's home: feedback on their latest session when it is still to give, the Support
// Check their therapist sent, looking back on a course that has ended, what follows a low Fit
// Check and any change of therapist under way, their next appointment and therapist (with
// the quiet way to ask for someone else), messages with their therapist, their own progress, and,
// for a young person with parents or carers linked, what each of them can see, in a calm,
// phone-first view. A young child reads all of it in a child's short, warm words, with large
// buttons.
import { ChangeAppointment } from '../appointment_requests';
import {
  api,
  asksBeforeSession,
  instrumentValidation,
  type Appointment,
  type AssignedInstrument,
  type Episode,
  type EpisodeProgress,
  type InstrumentValidation,
} from '../api';
import { useMemo, useState } from 'preact/hooks';
import { currentEpisode, upcomingWindow } from '../caseload';
import { changeApi, type FitFollowup, type TherapistChange } from '../change_api';
import { AskForDifferentTherapist, ChangeArranged, ChangeUnderWay, changesForHome, FitCard } from '../fit_followup';
import { ProgressChart } from '../chart';
import { familyApi, isYoungChild, listInWords, sectionsInWords, seenSections, type Section, type Sections } from '../family_api';
import { LookingBackCards, SupportCheckCard } from '../home_questions';
import { firstName, formatDate, formatDateTime, formatDayMonth, modalityLabel } from '../format';
import type { AppContext } from '../main';
import { Messages } from '../messages';
import { planApi, type PlanOverview } from '../plan_api';
import { newestVersion, planStateLines } from '../plan_words';
import { RoomLink, roomOpenNow } from '../room/room_link';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

const kFeedbackWindowMs = 14 * 86400_000;

// --- A young child's words ------------------------------------------------------------------------

const kChildWeekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const kChildTime = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

// "Tuesday, 3 December at 4:00 pm": the whole day's name, and no year.
export function whenForAChild(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${kChildWeekday.format(d)}, ${formatDayMonth(iso)} at ${kChildTime.format(d)}`;
}

// How the child and their therapist will meet, in a sentence.
function meetingForAChild(modality: Appointment['modality']): string {
  switch (modality) {
    case 'in-person':
      return 'You will meet at the clinic.';
    case 'video':
      return 'You will see each other on a video call.';
    case 'phone':
      return 'You will talk on the phone.';
    case 'text':
      return 'You will chat by typing messages.';
    default:
      return `${modalityLabel(modality)}.`;
  }
}

// The therapist as a child calls them: their first name.
function therapistForAChild(name?: string): string {
  return name ? firstName(name) : 'your therapist';
}

// What a parent or carer can see, as the child reads it about themself.
const kSectionWordsForAChild: Record<Section, string> = {
  appointments: 'when you see your therapist',
  plan: 'what you and your therapist are working on',
  measures: 'your answers to the questions',
  messages: 'your messages',
  summaries: 'what helped, written at the end',
};

function sectionsForAChild(sees: Sections, therapist: string): string {
  return listInWords(seenSections(sees).map((s) => kSectionWordsForAChild[s].replace('your therapist', therapist)));
}

// The latest session that has taken place in the last two weeks and has no feedback yet.
export function sessionAwaitingFeedback(appointments: Appointment[], progress: EpisodeProgress | undefined, now = Date.now()): Appointment | undefined {
  const answered = new Set<number>();
  let lastAnswerAt = 0;
  for (const q of progress?.instruments ?? []) {
    for (const p of q.points) {
      if (typeof p.appointment_id === 'number') answered.add(p.appointment_id);
      lastAnswerAt = Math.max(lastAnswerAt, Date.parse(p.submitted_at) || 0);
    }
  }
  const held = appointments
    .filter((a) => (a.status === 'completed' || a.status === 'scheduled') && Date.parse(a.starts_at) <= now)
    .filter((a) => now - Date.parse(a.starts_at) <= kFeedbackWindowMs)
    .sort((a, b) => (a.starts_at < b.starts_at ? 1 : -1));
  const latest = held[0];
  if (!latest || answered.has(latest.id)) return undefined;
  // Answers that do not name their appointment still count when given after the session began.
  if (lastAnswerAt >= Date.parse(latest.starts_at)) return undefined;
  return latest;
}

// The questionnaires already answered for one appointment.
export function answeredFor(progress: EpisodeProgress | undefined, appointmentId: number): Set<string> {
  const codes = (progress?.instruments ?? []).filter((q) => q.points.some((p) => p.appointment_id === appointmentId));
  return new Set(codes.map((q) => q.code));
}

// The next session, once a questionnaire to be talked over in it has opened and is not yet answered.
export function sessionAwaitingCheckIn(
  next: Appointment | undefined,
  assigned: AssignedInstrument[],
  definitions: Map<string, InstrumentValidation>,
  progress: EpisodeProgress | undefined,
  now = Date.now(),
): Appointment | undefined {
  if (!next) return undefined;
  const startsAt = Date.parse(next.starts_at);
  const answered = answeredFor(progress, next.id);
  const open = assigned.some((a) => {
    const timing = definitions.get(a.code)?.timing;
    if (a.respondent !== 'client' || a.due === false || answered.has(a.code) || !asksBeforeSession(timing)) return false;
    return now >= startsAt - (timing?.opens_hours_before ?? 0) * 3600_000;
  });
  return open ? next : undefined;
}

// The episodes whose messages the home shows: every one still open (a client may see two
// therapists), else the latest, whose messages can still be read.
export function messageEpisodes(episodes: Episode[] | undefined): Episode[] {
  const byStart = [...(episodes ?? [])].sort((a, b) => (a.started_at < b.started_at ? -1 : 1));
  const open = byStart.filter((e) => e.status !== 'ended');
  return open.length > 0 ? open : byStart.slice(-1);
}

export function endedEpisodes(episodes: Episode[] | undefined): Episode[] {
  const ended = (episodes ?? []).filter((e) => e.status === 'ended');
  return ended.sort((a, b) => ((a.ended_at ?? a.started_at) < (b.ended_at ?? b.started_at) ? 1 : -1));
}

async function loadClientHome(userId: number) {
  const { to } = upcomingWindow(365);
  // From a little in the past, so that a session under way (its room still open) is found too.
  const from = new Date(Date.now() - 3 * 3600_000).toISOString();
  const [me, appointments, child] = await Promise.all([
    api.client(userId).catch(() => undefined),
    api.appointments(from, to),
    // A young child reads the page in a child's words.
    isYoungChild(userId),
  ]);
  const roomOpen = appointments.filter((a) => roomOpenNow(a)).sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1))[0];
  const next = appointments
    .filter((a) => a.status === 'scheduled' && Date.parse(a.starts_at) >= Date.now())
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1));
  const episode = currentEpisode(me?.episodes);
  const therapist = episode?.therapist_name ?? next[0]?.therapist_name;
  const open = (me?.episodes ?? []).find((e) => e.status !== 'ended');
  // After a low Fit Check, the choice on offer; and the client's own changes of therapist. Asked
  // for alongside the rest.
  const changeParts = Promise.all([
    open ? changeApi.fitFollowup(open.id).catch(() => undefined) : Promise.resolve(undefined as FitFollowup | undefined),
    me ? changeApi.list().catch(() => [] as TherapistChange[]) : Promise.resolve([] as TherapistChange[]),
  ]);
  // Each part is read on its own: one that cannot be read is left out, and the home still shows
  // appointments.
  const [progress, past, plan, assigned, definitions] = episode
    ? await Promise.all([
        api.progress(episode.id).catch(() => undefined),
        // The episode's own list includes sessions already held; the clinic-wide one looks ahead.
        api.episodeAppointments(episode.id).catch(() => [] as Appointment[]),
        planApi.overview(episode.id).catch(() => undefined),
        // Due for the next session by each questionnaire's schedule.
        api.episodeInstruments(episode.id, next[0]?.id).catch(() => [] as AssignedInstrument[]),
        instrumentValidation().catch(() => new Map<string, InstrumentValidation>()),
      ])
    : [undefined, [] as Appointment[], undefined, [] as AssignedInstrument[], new Map<string, InstrumentValidation>()];
  const [fit, changes] = await changeParts;
  // A course that has ended is asked nothing more about its sessions.
  const awaiting = episode?.status === 'ended' ? undefined : sessionAwaitingFeedback(past, progress);
  const checkIn = sessionAwaitingCheckIn(next[0], assigned, definitions, progress);
  return {
    next: next[0] as Appointment | undefined,
    roomOpen,
    checkIn,
    later: next.slice(1, 4),
    therapist,
    progress,
    awaiting,
    hasEpisode: !!episode,
    episodeId: episode?.id,
    plan,
    messageEpisodes: messageEpisodes(me?.episodes),
    // Without an open episode the client is offered the way to find a therapist; in intake, the
    // way back to getting ready for the first session.
    open,
    fit,
    changes: changesForHome(changes, open?.id),
    // Whether the record could be read at all: if not, nothing is said about finding anyone.
    known: !!me,
    // Each course of therapy that has ended has a summary to read, the latest first.
    ended: endedEpisodes(me?.episodes),
    child,
  };
}

// The plan in a sentence or two, and the way to it; first among the cards when the client's
// answer is awaited. A young child reads it as "what we're working on".
function MyPlan({ episodeId, plan, child = false }: { episodeId: number; plan?: PlanOverview; child?: boolean }) {
  const agreed = plan?.current && plan.current.number === plan.agreed_number ? plan.current : null;
  if (child) return <ChildsPlan episodeId={episodeId} plan={plan} agreed={!!agreed} />;
  const lines = plan ? planStateLines(plan, agreed) : [];
  return (
    <section class={plan?.may_accept ? 'card card--accent' : 'card'} aria-labelledby="plan-heading">
      <h2 id="plan-heading">Your plan</h2>
      {lines.map((l) => (
        <p key={l}>{l}</p>
      ))}
      <a class={plan?.may_accept ? 'button button--primary button--block' : 'button button--block'} href={`/episodes/${episodeId}/plan`}>
        My plan
      </a>
    </section>
  );
}

function ChildsPlan({ episodeId, plan, agreed }: { episodeId: number; plan?: PlanOverview; agreed: boolean }) {
  const them = therapistForAChild(plan?.therapist.name);
  const line = !plan
    ? `See what you and ${them} are working on together.`
    : plan.may_accept
      ? `${them} wrote down what you will work on together. Have a look, and say if it feels right.`
      : agreed
        ? `What you and ${them} are working on together.`
        : newestVersion(plan)
          ? `${them} is still writing it down.`
          : `${them} will write it down with you soon.`;
  return (
    <section class={plan?.may_accept ? 'card card--accent' : 'card'} aria-labelledby="plan-heading">
      <h2 id="plan-heading">Working together</h2>
      <p>{line.charAt(0).toUpperCase() + line.slice(1)}</p>
      <a class={plan?.may_accept ? 'button button--primary button--block' : 'button button--block'} href={`/episodes/${episodeId}/plan`}>
        What we're working on
      </a>
    </section>
  );
}

// Each questionnaire by its everyday name. The chart names its line by the questionnaire's code;
// the client reads "Your score" there instead.
function MyProgress({ progress, child = false }: { progress: EpisodeProgress; child?: boolean }) {
  const charted = useMemo(
    () =>
      progress.instruments
        .filter((q) => q.purpose === 'outcome' && q.points.some((p) => typeof p.total === 'number'))
        .map((q) => ({ key: q.code, q: { ...q, title: q.plain_title ?? q.title } })),
    [progress],
  );
  return (
    <section class="card" aria-labelledby="progress-heading">
      <h2 id="progress-heading">{child ? 'How things are going' : 'Your progress'}</h2>
      {progress.summary && <p>{progress.summary}</p>}
      {charted.map(({ key, q }) => (
        <div key={key} class="progress-item">
          <h3>{q.title}</h3>
          {/* The summary already says this in words; repeat it only when there is no summary. */}
          {!progress.summary && q.plain_words && <p>{q.plain_words}</p>}
          <ProgressChart q={q} height={200} label="Your score" />
          <p class="muted small">
            {q.higher_is === 'better' ? 'Higher is better.' : 'Lower is better.'}
            {typeof q.cutoff !== 'number'
              ? ''
              : child
                ? ' The dashed line shows where things can start to feel hard.'
                : ` The dashed line at ${q.cutoff} is where scores usually count as a concern.`}
          </p>
        </div>
      ))}
    </section>
  );
}

// The summaries of therapy that has ended: what helped, what to watch for and where to turn.
function Summaries({ episodes, child = false }: { episodes: Episode[]; child?: boolean }) {
  if (child) {
    return (
      <section class="card" aria-labelledby="summaries-heading">
        <h2 id="summaries-heading">What helped</h2>
        <p>What helped, and what to do if things get hard again. It is yours to keep.</p>
        <ul class="kid-links">
          {episodes.map((e) => (
            <li key={e.id}>
              <a class="button button--block" href={`/episodes/${e.id}/summary`}>
                What helped{e.therapist_name ? `, with ${therapistForAChild(e.therapist_name)}` : ''}
                {e.ended_at ? ` (finished ${formatDayMonth(e.ended_at)})` : ''}
              </a>
            </li>
          ))}
        </ul>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="summaries-heading">
      <h2 id="summaries-heading">{episodes.length === 1 ? 'Your summary of therapy' : 'Your summaries of therapy'}</h2>
      <p>What helped, what to watch for and where to turn, written when your therapy ended. It is yours to keep and print.</p>
      <ul class="plain-list">
        {episodes.map((e) => (
          <li key={e.id}>
            <a href={`/episodes/${e.id}/summary`}>
              Your summary of therapy{e.therapist_name ? ` with ${e.therapist_name}` : ''}
            </a>
            {e.ended_at && <span class="muted small"> · ended {formatDate(e.ended_at)}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

// The client's whole record, theirs to download at any time: a PDF to read or print, and the same
// as a FHIR Bundle for another service or app.
function MyRecord({ userId, child = false, therapist }: { userId: number; child?: boolean; therapist?: string }) {
  if (child) {
    return (
      <section class="card" aria-labelledby="record-heading">
        <h2 id="record-heading">Your record</h2>
        <p>
          Everything about your time with {therapistForAChild(therapist)}: what you are working on, your answers and your messages. You can
          print it with a grown-up.
        </p>
        <ul class="kid-links">
          <li>
            <a class="button button--block" href={`/api/v1/clients/${userId}/record.pdf`} download="rapport-record.pdf">
              Get it to read or print
            </a>
          </li>
          <li>
            <a class="button button--block" href={`/api/v1/clients/${userId}/record`} download="rapport-record.fhir.json">
              Get it for another app
            </a>
          </li>
        </ul>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="record-heading">
      <h2 id="record-heading">Your record</h2>
      <p>Everything the clinic keeps about your therapy that you have seen: your plans, your answers and scores, your messages and your summaries.</p>
      <ul class="plain-list">
        <li>
          <a href={`/api/v1/clients/${userId}/record.pdf`} download="rapport-record.pdf">
            Download your record (PDF, to read or print)
          </a>
        </li>
        <li>
          <a href={`/api/v1/clients/${userId}/record`} download="rapport-record.fhir.json">
            Download it for another service or app (FHIR)
          </a>
        </li>
      </ul>
    </section>
  );
}

// What each parent or carer can see of the young person's therapy, what stays between them and
// their therapist, and anything shared for their safety, so that nothing is shared behind their back.
function WhatFamilySees({ userId, therapist, child = false }: { userId: number; therapist?: string; child?: boolean }) {
  // Not every client has a family on record: then (or if it cannot be read) the card is left out.
  const family = useLoad(() => familyApi.family(userId).catch(() => undefined), [userId]);
  const f = family.data;
  if (!f || f.guardians.length === 0) return null;
  const yours = therapist ?? 'your therapist';
  if (child) {
    const them = therapistForAChild(therapist);
    return (
      <section class="card" aria-labelledby="family-sees-heading">
        <h2 id="family-sees-heading">What your grown-ups can see</h2>
        <p>Your grown-ups are the people who look after you. This is what each of them can see.</p>
        <ul class="plain-list">
          {f.guardians.map((g) => {
            const seen = sectionsForAChild(g.sees, them);
            return (
              <li key={g.link_id}>
                <strong>{g.guardian_name}</strong> {seen ? `can see ${seen}.` : `cannot see anything about your time with ${them}.`}
              </li>
            );
          })}
        </ul>
        {f.confidential.length > 0 ? (
          <>
            <h3>Just between you and {them}</h3>
            <ul class="plain-list">
              {f.confidential.map((c) => (
                <li key={`${c.episode_id}-${c.key}`}>“{c.words}”</li>
              ))}
            </ul>
          </>
        ) : (
          <p>Nothing is kept private yet. If you want to keep something just between you and {them}, you can ask.</p>
        )}
        {f.disclosures.length > 0 && (
          <>
            <h3>Told to keep you safe</h3>
            <ul class="plain-list">
              {f.disclosures.map((d) => (
                <li key={d.id}>
                  {them.charAt(0).toUpperCase() + them.slice(1)} told {d.guardian_name ? firstName(d.guardian_name) : 'one of your grown-ups'} on{' '}
                  {formatDayMonth(d.disclosed_at)}, to keep you safe: “{d.item_words}”.
                  <DisclosureReason reason={d.reason} />
                </li>
              ))}
            </ul>
          </>
        )}
        <p>If this worries you, talk to {them}. You can ask what is shared and why.</p>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="family-sees-heading">
      <h2 id="family-sees-heading">What your parents or carers can see</h2>
      <ul class="plain-list">
        {f.guardians.map((g) => {
          const seen = sectionsInWords(g.sees, true);
          return (
            <li key={g.link_id}>
              <strong>{g.guardian_name}</strong> {seen ? `can see ${seen}.` : 'cannot see anything about your therapy.'}
            </li>
          );
        })}
      </ul>
      {f.confidential.length > 0 ? (
        <>
          <h3>Kept just between you and your therapist</h3>
          <ul class="plain-list">
            {f.confidential.map((c) => (
              <li key={`${c.episode_id}-${c.key}`}>“{c.words}”</li>
            ))}
          </ul>
        </>
      ) : (
        <p>Nothing in your plan is kept private yet. If there is something you would like kept just between you and {yours}, you can ask.</p>
      )}
      {f.disclosures.length > 0 && (
        <>
          <h3>Shared for your safety</h3>
          <ul class="plain-list">
            {f.disclosures.map((d) => (
              <li key={d.id}>
                Shared with {d.guardian_name ? firstName(d.guardian_name) : 'a parent or carer'} for your safety on {formatDate(d.disclosed_at)}: “{d.item_words}”.
                <DisclosureReason reason={d.reason} />
              </li>
            ))}
          </ul>
        </>
      )}
      <p class="muted small">If anything about this worries you, talk to {yours}: you can ask what is shared and why.</p>
    </section>
  );
}

function FindATherapist() {
  return (
    <section class="card card--accent" aria-labelledby="find-heading">
      <h2 id="find-heading">Find a therapist</h2>
      <p>Tell us what you need and what you would like, and we will suggest therapists at the clinic who fit. You choose whom to ask.</p>
      <a class="button button--primary button--block" href="/find-a-therapist">
        Find a therapist
      </a>
    </section>
  );
}

// `transferred`: the episode began from a change of therapist rather than the client's own request.
function FirstSessionAhead({ therapist, transferred = false, child = false }: { therapist?: string; transferred?: boolean; child?: boolean }) {
  if (child) {
    const them = therapist ? firstName(therapist) : 'your new therapist';
    return (
      <section class="card" aria-labelledby="first-session-heading">
        <h2 id="first-session-heading">Before you meet {them}</h2>
        <p>Soon you will meet {them} for the first time. You can read what it will be like.</p>
        <a class="button button--block" href="/first-step">
          What it will be like
        </a>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="first-session-heading">
      <h2 id="first-session-heading">Before your first session</h2>
      <p>
        {transferred
          ? `Your first session with ${therapist ?? 'your new therapist'} is still to come.`
          : `You asked ${therapist ?? 'a therapist'} for a first appointment.`}{' '}
        While you wait, you can read what to expect and gather your thoughts.
      </p>
      <a class="button button--block" href="/first-step">
        Getting ready for your first session
      </a>
    </section>
  );
}

export function NextAppointment({ appointment, withWhom }: { appointment?: Appointment; withWhom?: string }) {
  if (!appointment) return <p>No upcoming appointment is booked yet.</p>;
  return (
    <div class="next">
      <p class="next__when">{formatDateTime(appointment.starts_at)}</p>
      <p class="muted">
        {appointment.duration_minutes} minutes · {modalityLabel(appointment.modality)}
        {withWhom ? ` · with ${withWhom}` : ''}
      </p>
    </div>
  );
}

// The next time a young child sees their therapist, in a sentence.
function NextTimeForAChild({ appointment, therapist }: { appointment?: Appointment; therapist?: string }) {
  if (!appointment) return <p class="big">There is no next time booked yet.</p>;
  const them = therapistForAChild(appointment.therapist_name ?? therapist);
  return (
    <div class="next">
      <p class="next__when">
        Your next time with {them} is on {whenForAChild(appointment.starts_at)}.
      </p>
      <p>
        {meetingForAChild(appointment.modality)} It lasts {appointment.duration_minutes} minutes.
      </p>
    </div>
  );
}

export function ClientHome({ ctx }: { ctx: AppContext }) {
  const home = useLoad(() => loadClientHome(ctx.user.id), [ctx.user.id]);
  // The client answered the Fit Check's offer on this page (to talk, or to try more sessions).
  const [fitAnswered, setFitAnswered] = useState(false);
  const open = home.data?.open;
  const openChange = home.data?.changes.open;
  const arranged = home.data?.changes.arranged;
  const offerFit = !!open && !openChange && !!home.data?.fit?.offer;
  // The quiet way to ask for someone else: once there is a therapist to leave, and nothing else
  // about it is already on the page.
  const mayAsk = !!open && !openChange && (!offerFit || fitAnswered);
  // A young child reads the page in a child's words, with large buttons.
  const child = home.data?.child === true;
  const them = therapistForAChild(home.data?.therapist);
  return (
    <div class={child ? 'page narrow-page kid-home' : 'page narrow-page'}>
      <PageTitle title="Home">{child ? `Hi ${firstName(ctx.user.display_name)}!` : <>Hello, {firstName(ctx.user.display_name)}</>}</PageTitle>
      {home.loading && !home.data && <Loading what="your appointments" />}
      {home.error && <Alert>{home.error.message}</Alert>}
      {home.data && (
        <>
          {home.data.known && !home.data.open && <FindATherapist />}
          {open?.status === 'intake' && (
            <FirstSessionAhead
              therapist={open.therapist_name ?? home.data.therapist}
              transferred={!!arranged && arranged.new_episode_id === open.id}
              child={child}
            />
          )}
          {home.data.roomOpen && child && (
            <section class="card card--accent" aria-labelledby="room-heading">
              <h2 id="room-heading">Time to see {them}</h2>
              <p>Your room is open. You can check your camera and microphone before you go in.</p>
              <RoomLink appointment={home.data.roomOpen} primary withWhen={false} />
            </section>
          )}
          {home.data.roomOpen && !child && (
            <section class="card card--accent" aria-labelledby="room-heading">
              <h2 id="room-heading">Your session room is open</h2>
              <p>
                Your {modalityLabel(home.data.roomOpen.modality).toLowerCase()} session on {formatDateTime(home.data.roomOpen.starts_at)}
                {home.data.therapist ? ` with ${home.data.therapist}` : ''}. You can check your camera and microphone before you go in.
              </p>
              <RoomLink appointment={home.data.roomOpen} primary withWhen={false} />
            </section>
          )}
          {home.data.awaiting && child && (
            <section class="card card--accent" aria-labelledby="feedback-heading">
              <h2 id="feedback-heading">How was today?</h2>
              <p>Answer a few quick questions. It only takes a minute.</p>
              <a class="button button--primary button--block" href={`/feedback?appointment=${home.data.awaiting.id}`}>
                Tell {them} how today went
              </a>
            </section>
          )}
          {home.data.awaiting && !child && (
            <section class="card card--accent" aria-labelledby="feedback-heading">
              <h2 id="feedback-heading">How was today’s session?</h2>
              <p>
                Your session on {formatDateTime(home.data.awaiting.starts_at)}. A minute of feedback helps{' '}
                {home.data.therapist ?? 'your therapist'} make the next one fit you better.
              </p>
              <a class="button button--primary button--block" href={`/feedback?appointment=${home.data.awaiting.id}`}>
                Give feedback
              </a>
            </section>
          )}
          {open && <SupportCheckCard episodeId={open.id} therapistName={open.therapist_name ?? home.data.therapist} />}
          <LookingBackCards episodes={home.data.ended} />
          {openChange && <ChangeUnderWay change={openChange} />}
          {offerFit && open && <FitCard episodeId={open.id} therapistName={open.therapist_name ?? home.data.therapist} onAnswered={() => setFitAnswered(true)} />}
          {arranged && <ChangeArranged change={arranged} />}
          {home.data.episodeId !== undefined && home.data.plan?.may_accept && <MyPlan episodeId={home.data.episodeId} plan={home.data.plan} child={child} />}
          {home.data.checkIn && child && (
            <section class="card" aria-labelledby="check-in-heading">
              <h2 id="check-in-heading">Before you see {them}</h2>
              <p>Some questions about how things are. {them.charAt(0).toUpperCase() + them.slice(1)} will look at your answers with you.</p>
              <a class="button button--block" href={`/feedback?appointment=${home.data.checkIn.id}`}>
                Answer the questions
              </a>
            </section>
          )}
          {home.data.checkIn && !child && (
            <section class="card" aria-labelledby="check-in-heading">
              <h2 id="check-in-heading">Before your session</h2>
              <p>
                A few questions for your session on {formatDateTime(home.data.checkIn.starts_at)}.{' '}
                {home.data.therapist ?? 'Your therapist'} will look at your answers with you.
              </p>
              <a class="button button--block" href={`/feedback?appointment=${home.data.checkIn.id}`}>
                Fill in your check-in
              </a>
            </section>
          )}
          <section class="card card--accent" aria-labelledby="next-heading">
            <h2 id="next-heading">{child ? 'Next time' : 'Your next appointment'}</h2>
            {child ? <NextTimeForAChild appointment={home.data.next} therapist={home.data.therapist} /> : <NextAppointment appointment={home.data.next} />}
            {home.data.next && home.data.next.id !== home.data.roomOpen?.id && (
              <p>
                <RoomLink appointment={home.data.next} />
              </p>
            )}
            {home.data.next && <ChangeAppointment appointment={home.data.next} />}
          </section>
          <section class="card" aria-labelledby="therapist-heading">
            <h2 id="therapist-heading">{child ? 'Who you see' : 'Your therapist'}</h2>
            <p class="big">{home.data.therapist ?? (child ? 'Nobody yet' : 'Not assigned yet')}</p>
            {mayAsk && open && <AskForDifferentTherapist episodeId={open.id} therapistName={open.therapist_name ?? home.data.therapist} />}
          </section>
          {home.data.ended.length > 0 && <Summaries episodes={home.data.ended} child={child} />}
          {home.data.messageEpisodes.map((e, i, all) => (
            <Messages key={e.id} episodeId={e.id} viewer={ctx.user} therapistName={e.therapist_name} withExport={i === all.length - 1} />
          ))}
          {home.data.later.length > 0 && (
            <section class="card" aria-labelledby="later-heading">
              <h2 id="later-heading">{child ? 'After that' : 'Coming up after that'}</h2>
              <ul class="appointments">
                {home.data.later.map((a) => (
                  <li key={a.id}>
                    <span>{child ? whenForAChild(a.starts_at) : formatDateTime(a.starts_at)}</span>
                    <span class="muted small">{modalityLabel(a.modality)}</span>
                    <RoomLink appointment={a} />
                  </li>
                ))}
              </ul>
            </section>
          )}
          {home.data.episodeId !== undefined && !home.data.plan?.may_accept && <MyPlan episodeId={home.data.episodeId} plan={home.data.plan} child={child} />}
          {home.data.progress && <MyProgress progress={home.data.progress} child={child} />}
          {/* Always offered: where the clinic does not share notes, the page says so kindly. */}
          {home.data.episodeId !== undefined && child && (
            <p>
              <a class="button button--block" href={`/episodes/${home.data.episodeId}/notes`}>
                Notes from your times with {them}
              </a>
            </p>
          )}
          {home.data.episodeId !== undefined && !child && (
            <p>
              <a href={`/episodes/${home.data.episodeId}/notes`}>Your session notes</a>
            </p>
          )}
          <WhatFamilySees userId={ctx.user.id} therapist={home.data.therapist} child={child} />
          {home.data.hasEpisode && <MyRecord userId={ctx.user.id} child={child} therapist={home.data.therapist} />}
          {/* Only while a course is open: an ended one is asked nothing more about its sessions. */}
          {home.data.hasEpisode && open && !home.data.awaiting && child && (
            <p>
              <a class="button button--block" href="/feedback">
                Tell {them} how things are going
              </a>
            </p>
          )}
          {home.data.hasEpisode && open && !home.data.awaiting && !child && (
            <p>
              <a href="/feedback">Tell your therapist how things are going</a>
            </p>
          )}
        </>
      )}
    </div>
  );
}

// Why something kept private was shared with a parent or carer, in the therapist's words.
function DisclosureReason({ reason }: { reason: string }) {
  return (
    <span class="block pre-line">
      <span class="label">Why:</span> {reason}
    </span>
  );
}
