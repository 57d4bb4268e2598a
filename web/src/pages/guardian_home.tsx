// The guardian's home: requests to be linked to a child, to accept or decline, and each linked
// child with their next appointment, the questions asked of the parent before it, what the clinic
// shares with them, the child's plan, the summary once therapy has ended, and the child's messages
// to read where they are shared.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, type Appointment, type GuardianLink } from '../api';
import { currentEpisode, nextAppointments, upcomingWindow } from '../caseload';
import { familyApi, type Sections, sectionsInWords } from '../family_api';
import { planApi } from '../plan_api';
import { firstName, formatDateTime } from '../format';
import type { AppContext } from '../main';
import { Messages } from '../messages';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { formatDate } from '../format';
import { NextAppointment } from './client_home';
import { aboutSessionTakenPart, guardianQuestionsFor } from './guardian_feedback';
import { RoomLink } from '../room/room_link';

async function loadChildren(userId: number) {
  const { from, to } = upcomingWindow(365);
  const [children, appointments] = await Promise.all([api.clients(), api.appointments(from, to).catch(() => [] as Appointment[])]);
  const next = nextAppointments(appointments);
  return Promise.all(
    children.map(async (child) => {
      const record = await api.client(child.id).catch(() => undefined);
      const episode = currentEpisode(record?.episodes);
      // What the clinic shares with this guardian (they receive only their own entry), and the
      // questions due from them: before the child's next session, or about one they took part in.
      const [family, questions] = await Promise.all([
        familyApi.family(child.id).catch(() => undefined),
        record ? guardianQuestionsFor(record, appointments).catch(() => undefined) : undefined,
      ]);
      const sees: Sections | undefined = (family?.guardians.find((g) => g.guardian_id === userId) ?? family?.guardians[0])?.sees;
      // A child's plan shows only when the clinic and the plan share it with guardians; otherwise
      // the server answers 404 and the link is left out.
      const plan = episode && sees?.plan !== false ? await planApi.overview(episode.id).catch(() => undefined) : undefined;
      const planEpisode = plan && plan.versions.length > 0 ? plan.episode_id ?? episode?.id : undefined;
      return {
        child,
        next: next.get(child.id),
        planEpisode,
        planAwaitsAnswer: !!plan?.may_accept,
        sees,
        questions: questions && questions.due.length > 0 ? questions : undefined,
        // Only while their messages are shared with this guardian.
        messagesEpisode: episode && sees?.messages ? episode : undefined,
        // Once therapy has ended, where summaries are shared with this guardian.
        summaryEpisode: episode?.status === 'ended' && sees?.summaries ? episode : undefined,
      };
    }),
  );
}

// A request to be linked as a child's guardian: nothing is shared until the guardian accepts.
function LinkRequest({ link, onAnswered }: { link: GuardianLink; onAnswered: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const answer = async (accept: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      if (accept) await api.acceptGuardianLink(link.id);
      else await api.removeGuardianLink(link.id);
      onAnswered();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <li>
      <p>
        {link.requested_by_name || 'The clinic'} asked on {formatDate(link.requested_at)} to link you as a guardian of{' '}
        <strong>{link.child_name}</strong>.
      </p>
      {error && <Alert>{error}</Alert>}
      <div class="actions">
        <button class="button" type="button" disabled={busy} onClick={() => void answer(true)}>
          Accept for {link.child_name}
        </button>
        <button class="button secondary" type="button" disabled={busy} onClick={() => void answer(false)}>
          Decline for {link.child_name}
        </button>
      </div>
    </li>
  );
}

export function GuardianHome({ ctx }: { ctx: AppContext }) {
  const home = useLoad(() => loadChildren(ctx.user.id), [ctx.user.id]);
  const links = useLoad(api.myGuardianLinks);
  const asked = links.data?.links.filter((l) => l.status === 'awaiting_guardian') ?? [];
  const waiting = links.data?.links.filter((l) => l.status === 'awaiting_consent') ?? [];
  const reload = () => {
    links.reload();
    home.reload();
  };
  return (
    <div class="page narrow-page">
      <PageTitle title="Home">Hello, {firstName(ctx.user.display_name)}</PageTitle>
      {asked.length > 0 && (
        <section class="card" aria-labelledby="requests-heading">
          <h2 id="requests-heading">Requests to link you as a guardian</h2>
          <p class="muted small">Nothing about the child is shared with you until you accept and the clinic records consent.</p>
          <ul class="plain-list">
            {asked.map((link) => (
              <LinkRequest key={link.id} link={link} onAnswered={reload} />
            ))}
          </ul>
        </section>
      )}
      {waiting.map((link) => (
        <p key={link.id} class="muted">
          You accepted the link with {link.child_name}. The clinic will share once consent is recorded.
        </p>
      ))}
      {home.loading && !home.data && <Loading what="your family" />}
      {home.error && <Alert>{home.error.message}</Alert>}
      {home.data && home.data.length === 0 && asked.length === 0 && waiting.length === 0 && (
        <p>No child is linked to your account yet. Please contact the clinic.</p>
      )}
      {home.data?.map(({ child, next, planEpisode, planAwaitsAnswer, sees, questions, messagesEpisode, summaryEpisode }) => {
        const first = firstName(child.display_name);
        const therapist = questions?.episode.therapist_name ?? next?.therapist_name ?? messagesEpisode?.therapist_name;
        const shared = sees ? sectionsInWords(sees) : '';
        return (
          <Fragment key={child.id}>
            <section class="card card--accent" aria-labelledby={`child-${child.id}`}>
              <h2 id={`child-${child.id}`}>{child.display_name}</h2>
              <h3>Next appointment</h3>
              <NextAppointment appointment={next} withWhom={next?.therapist_name} />
              {next && (
                <p>
                  <RoomLink appointment={next} />
                </p>
              )}
              {questions && (
                <>
                  {questions.due.every(aboutSessionTakenPart) ? (
                    <>
                      <h3>After the session you took part in</h3>
                      <p>
                        A few questions about how the session with {first} felt to you. {therapist ?? `${first}'s therapist`} would like to hear, and
                        will read your answers before you next meet.
                      </p>
                    </>
                  ) : (
                    <>
                      <h3>Before the next session</h3>
                      <p>
                        A few questions about how {first} has been
                        {questions.next ? `, for the session on ${formatDateTime(questions.next.starts_at)}` : ''}
                        {questions.due.some(aboutSessionTakenPart) ? ', and how the last session you took part in felt to you' : ''}.{' '}
                        {therapist ?? `${first}'s therapist`} will look at your answers with what {first} says.
                      </p>
                    </>
                  )}
                  <p>
                    <a class="button button--primary" href={`/feedback?child=${child.id}`}>
                      Answer the questions about {first}
                    </a>
                  </p>
                </>
              )}
              {planEpisode !== undefined && (
                <p>
                  <a class="button" href={`/episodes/${planEpisode}/plan`}>
                    {first}'s plan
                  </a>
                  {planAwaitsAnswer && <span class="badge badge--due">Your agreement is asked for</span>}
                </p>
              )}
              {summaryEpisode && (
                <p>
                  <a href={`/episodes/${summaryEpisode.id}/summary`}>{first}'s summary of therapy</a>
                  {summaryEpisode.ended_at && <span class="muted small"> · ended {formatDate(summaryEpisode.ended_at)}</span>}
                </p>
              )}
              {sees && (
                <p class="muted small">
                  {shared ? `The clinic shares with you: ${shared}.` : `The clinic shares nothing of ${first}'s care with you at present.`} What {first}{' '}
                  tells their therapist in confidence stays between them, unless safety requires otherwise.
                </p>
              )}
            </section>
            {messagesEpisode && (
              <Messages
                episodeId={messagesEpisode.id}
                viewer={ctx.user}
                title={`Messages between ${first} and ${messagesEpisode.therapist_name ?? 'their therapist'}`}
              />
            )}
          </Fragment>
        );
      })}
    </div>
  );
}
