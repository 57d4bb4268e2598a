// A parent or carer's questions about their child: the parent-report questionnaires the child's
// therapist asks of them (the PSC-17, say), due before the child's next session, and, after a
// session they took part in, how it felt to them (their own Rapport Check). With more than one
// child linked they first choose whom the questions are about; with one they go straight there.
// The form, its draft kept on the server and its confirmation are the client's own, worded for
// the parent.
import { useState } from 'preact/hooks';
import { api, ApiError, type Appointment, type AssignedInstrument, type Client, type ClientDetail, type Episode, type FeedbackDraft, type InstrumentDefinition } from '../api';
import { currentEpisode } from '../caseload';
import { SentEarlier, sentHere } from '../feedback_form';
import { firstName, formatDateTime, formatDayMonth } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { DraftedForm } from './feedback';

// What a child's parent or carer is asked now: the child's open episode, their next session (the
// parent-report questions are about the time before it) and the questionnaires due from a
// guardian, among them how a session they took part in felt to them.
export interface GuardianQuestions {
  episode: Episode;
  next?: Appointment;
  due: AssignedInstrument[];
}

// `appointments`: the guardian's upcoming ones, across their children; the child's next session is
// found among them. Undefined while the child has no course of care open.
export async function guardianQuestionsFor(child: ClientDetail, appointments: Appointment[], now = Date.now()): Promise<GuardianQuestions | undefined> {
  const episode = currentEpisode(child.episodes);
  if (!episode || episode.status === 'ended') return undefined;
  const next = appointments
    .filter((a) => a.episode_id === episode.id && a.status === 'scheduled' && Date.parse(a.starts_at) >= now)
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1))[0];
  const assigned = await api.episodeInstruments(episode.id, next?.id);
  // Due for the next session by each questionnaire's schedule, and answered by a parent or carer.
  const due = assigned.filter((a) => a.respondent === 'guardian' && a.due !== false);
  return { episode, next, due };
}

// Whether a questionnaire asks about a session the parent took part in (how it felt to them),
// rather than about the time before the next one.
export function aboutSessionTakenPart(a: AssignedInstrument): boolean {
  return typeof a.session_id === 'number';
}

// The guardian's appointments from a little over a week ago (a session they took part in is asked
// about for a week) to a year ahead.
function nearby(): Promise<Appointment[]> {
  const from = new Date(Date.now() - 8 * 86400_000).toISOString();
  const to = new Date(Date.now() + 365 * 86400_000).toISOString();
  return api.appointments(from, to).catch(() => [] as Appointment[]);
}

const kChooseTitle = 'Questions about your child';

export function GuardianFeedbackPage({ ctx }: { ctx: AppContext }) {
  const chosen = Number(new URLSearchParams(location.search).get('child')) || undefined;
  const children = useLoad(() => (chosen ? Promise.resolve([] as Client[]) : api.clients()), [chosen, ctx.user.id]);
  if (chosen) return <ChildQuestions childId={chosen} />;
  if (children.loading && !children.data) return <Loading what="your family" />;
  if (children.error) {
    return (
      <div class="page narrow-page">
        <PageTitle title={kChooseTitle}>{kChooseTitle}</PageTitle>
        <Alert>{children.error.message}</Alert>
      </div>
    );
  }
  const list = children.data ?? [];
  if (list.length === 1) return <ChildQuestions childId={list[0]!.id} />;
  return (
    <div class="page narrow-page">
      <PageTitle title={kChooseTitle}>{kChooseTitle}</PageTitle>
      {list.length === 0 ? (
        <p>No child is linked to your account yet. Please contact the clinic.</p>
      ) : (
        <section class="card" aria-labelledby="choose-child-heading">
          <h2 id="choose-child-heading">Whom are the questions about?</h2>
          <ul class="plain-list">
            {list.map((c) => (
              <li key={c.id}>
                <a href={`/feedback?child=${c.id}`}>Questions about {firstName(c.display_name)}</a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

interface ChildForm {
  child: ClientDetail;
  episodeId: number;
  therapistName?: string;
  next?: Appointment;
  instruments: InstrumentDefinition[];
  // By questionnaire code: the session it asks about, for the questions about a session the
  // parent took part in.
  sessionOf: Map<string, number>;
  // That session, when it is among the parent's appointments (for its date).
  session?: Appointment;
  draft?: FeedbackDraft;
}

async function loadChildForm(childId: number): Promise<ChildForm> {
  const [child, appointments] = await Promise.all([api.client(childId), nearby()]);
  const questions = await guardianQuestionsFor(child, appointments);
  if (!questions) {
    throw new ApiError(409, `${firstName(child.display_name)} has no course of care open, so there are no questions for you now.`);
  }
  const [instruments, draft] = await Promise.all([
    Promise.all(questions.due.map((a) => api.instrument(a.code))),
    api.feedbackDraft(questions.episode.id).catch(() => undefined),
  ]);
  const sessionOf = new Map<string, number>();
  for (const a of questions.due) if (aboutSessionTakenPart(a)) sessionOf.set(a.code, a.session_id!);
  const sessionId = [...sessionOf.values()][0];
  return {
    child,
    episodeId: questions.episode.id,
    therapistName: questions.episode.therapist_name ?? questions.next?.therapist_name,
    next: questions.next,
    instruments,
    sessionOf,
    session: sessionId === undefined ? undefined : appointments.find((a) => a.id === sessionId),
    draft,
  };
}

// The words above the questions: about the child before their next session, about a session the
// parent took part in, or both.
function Lede({ data, first, therapist }: { data: ChildForm; first: string; therapist: string }) {
  const asked = data.instruments.some((i) => !data.sessionOf.has(i.code));
  const tookPart = data.instruments.some((i) => data.sessionOf.has(i.code));
  const session = data.session ? `the session on ${formatDayMonth(data.session.starts_at)}` : `the recent session with ${first}`;
  const before = data.next ? `, before the session on ${formatDateTime(data.next.starts_at)}` : '';
  if (tookPart && !asked) {
    return (
      <p class="lede">
        About {session} that you took part in{data.session ? ` with ${first}` : ''}. Your answers go to {therapist}, who will read them before you
        next meet. There are no right answers, and honest ones help most.
      </p>
    );
  }
  if (tookPart) {
    return (
      <p class="lede">
        About {first}
        {before}, and about {session} that you took part in. Your answers go to {therapist}, who will look at them with what {first} says. There
        are no right answers: what you notice at home, and how the sessions feel to you, is what helps most.
      </p>
    );
  }
  return (
    <p class="lede">
      About {first}
      {before}. Your answers go to {therapist}, who will look at them with what {first} says. There are no right answers: what you notice at home
      helps most.
    </p>
  );
}

function ChildQuestions({ childId }: { childId: number }) {
  const [earlier] = useState(sentHere);
  const form = useLoad(() => loadChildForm(childId), [childId]);
  const data = form.data;
  const first = data ? firstName(data.child.display_name) : undefined;
  const title = first ? `Questions about ${first}` : 'Questions about your child';
  if (earlier?.done) {
    return (
      <div class="page narrow-page">
        <PageTitle title={title}>{title}</PageTitle>
        <SentEarlier therapistName={earlier.therapistName} crisis={earlier.crisis} />
      </div>
    );
  }
  const therapist = data?.therapistName ?? (first ? `${first}'s therapist` : 'the therapist');
  return (
    <div class="page narrow-page">
      <PageTitle title={title}>{title}</PageTitle>
      {form.loading && !data && <Loading what="your questions" />}
      {form.error && (
        <Alert kind={form.error.status === 409 ? 'info' : 'error'}>
          {form.error.status === 404 ? 'This child is not linked to your account.' : form.error.message}
        </Alert>
      )}
      {data && first && (
        <>
          <Lede data={data} first={first} therapist={therapist} />
          {data.instruments.length === 0 ? (
            <>
              <p>There are no questions for you about {first} right now. Thank you.</p>
              <p>
                <a href="/">Back to home</a>
              </p>
            </>
          ) : (
            <DraftedForm
              instruments={data.instruments}
              therapistName={therapist}
              initial={data.draft}
              sendLabel={`Send to ${therapist}`}
              save={(answers) => api.saveFeedbackDraft(data.episodeId, answers)}
              send={(instrument, answers) => {
                // How a session felt is about that session; the other questions about the next one.
                const appointment = data.sessionOf.get(instrument) ?? data.next?.id;
                return api.submitResponse(data.episodeId, {
                  instrument,
                  respondent: 'guardian',
                  answers,
                  ...(appointment !== undefined ? { appointment_id: appointment } : {}),
                });
              }}
            />
          )}
        </>
      )}
    </div>
  );
}
