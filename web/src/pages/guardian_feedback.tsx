// A parent or carer's questions about their child: the parent-report questionnaires the child's
// therapist asks of them (the PSC-17, say), due before the child's next session. With more than one
// child linked they first choose whom the questions are about; with one they go straight there.
// The form, its draft kept on the server and its confirmation are the client's own, worded for
// the parent.
import { useState } from 'preact/hooks';
import { api, ApiError, type Appointment, type AssignedInstrument, type Client, type Episode, type FeedbackDraft, type InstrumentDefinition } from '../api';
import { currentEpisode } from '../caseload';
import { SentEarlier, sentHere } from '../feedback_form';
import { firstName, formatDateTime } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { DraftedForm } from './feedback';

// What a child's parent or carer is asked now: the child's open episode, their next session (the
// questions are about the time before it) and the questionnaires due from a guardian for it.
export interface GuardianQuestions {
  episode: Episode;
  next?: Appointment;
  due: AssignedInstrument[];
}

// `appointments`: the guardian's upcoming ones, across their children; the child's next session is
// found among them. Undefined while the child has no course of care open.
export async function guardianQuestionsFor(child: Client, appointments: Appointment[], now = Date.now()): Promise<GuardianQuestions | undefined> {
  const record = child.episodes ? child : await api.client(child.id);
  const episode = currentEpisode(record.episodes);
  if (!episode || episode.status === 'ended') return undefined;
  const next = appointments
    .filter((a) => a.episode_id === episode.id && a.status === 'scheduled' && Date.parse(a.starts_at) >= now)
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1))[0];
  const assigned = await api.episodeInstruments(episode.id, next?.id);
  // Due for the next session by each questionnaire's schedule, and answered by a parent or carer.
  const due = assigned.filter((a) => a.respondent === 'guardian' && a.due !== false);
  return { episode, next, due };
}

function upcoming(): Promise<Appointment[]> {
  const from = new Date().toISOString();
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
  child: Client;
  episodeId: number;
  therapistName?: string;
  next?: Appointment;
  instruments: InstrumentDefinition[];
  draft?: FeedbackDraft;
}

async function loadChildForm(childId: number): Promise<ChildForm> {
  const [child, appointments] = await Promise.all([api.client(childId), upcoming()]);
  const questions = await guardianQuestionsFor(child, appointments);
  if (!questions) {
    throw new ApiError(409, `${firstName(child.display_name)} has no course of care open, so there are no questions for you now.`);
  }
  const [instruments, draft] = await Promise.all([
    Promise.all(questions.due.map((a) => api.instrument(a.code))),
    api.feedbackDraft(questions.episode.id).catch(() => undefined),
  ]);
  return {
    child,
    episodeId: questions.episode.id,
    therapistName: questions.episode.therapist_name ?? questions.next?.therapist_name,
    next: questions.next,
    instruments,
    draft,
  };
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
          <p class="lede">
            About {first}
            {data.next ? `, before the session on ${formatDateTime(data.next.starts_at)}` : ''}. Your answers go to {therapist}, who will look at
            them with what {first} says. There are no right answers: what you notice at home helps most.
          </p>
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
              send={(instrument, answers) =>
                api.submitResponse(data.episodeId, {
                  instrument,
                  respondent: 'guardian',
                  answers,
                  ...(data.next ? { appointment_id: data.next.id } : {}),
                })
              }
            />
          )}
        </>
      )}
    </div>
  );
}
