// The two ways a client gives feedback: signed in, after a session (or at any time), and from a
// personal feedback link without a password. Both use the same one-minute form.
import { api, ApiError, type Appointment, type Client, type InstrumentDefinition } from '../api';
import { currentEpisode } from '../caseload';
import { FeedbackForm } from '../feedback_form';
import { firstName, formatDateTime } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

// Fit Check is sent on its own after a first appointment; the after-session form is the Rapport
// Check and the outcome questionnaires assigned.
function forAfterSession(codes: { code: string; purpose: string; respondent: string }[]) {
  const mine = codes.filter((c) => c.respondent === 'client' && c.purpose !== 'fit');
  // The session first: how today went is what the client has in mind.
  return [...mine].sort((a, b) => Number(b.purpose === 'rapport') - Number(a.purpose === 'rapport'));
}

interface SessionForm {
  client: Client;
  episodeId: number;
  instruments: InstrumentDefinition[];
  appointment?: Appointment;
}

async function loadSessionForm(userId: number, appointmentId?: number): Promise<SessionForm> {
  const client = await api.client(userId);
  const episode = currentEpisode(client.episodes);
  if (!episode) throw new ApiError(404, 'You have no open course of care to give feedback on yet.');
  const assigned = forAfterSession(await api.episodeInstruments(episode.id));
  const instruments = await Promise.all(assigned.map((a) => api.instrument(a.code)));
  let appointment: Appointment | undefined;
  if (appointmentId) {
    const list = await api.episodeAppointments(episode.id).catch(() => [] as Appointment[]);
    appointment = list.find((a) => a.id === appointmentId);
  }
  return { client: { ...client, therapist_name: episode.therapist_name }, episodeId: episode.id, instruments, appointment };
}

export function SessionFeedbackPage({ ctx }: { ctx: AppContext }) {
  const appointmentParam = Number(new URLSearchParams(location.search).get('appointment')) || undefined;
  const form = useLoad(() => loadSessionForm(ctx.user.id, appointmentParam), [ctx.user.id, appointmentParam]);
  const title = appointmentParam ? 'How was today’s session?' : 'How are things going?';
  return (
    <div class="page narrow-page">
      <PageTitle title={title}>{title}</PageTitle>
      {form.loading && !form.data && <Loading what="your questions" />}
      {form.error && <Alert>{form.error.message}</Alert>}
      {form.data && (
        <>
          <p class="lede">
            {form.data.appointment ? `About your session on ${formatDateTime(form.data.appointment.starts_at)}. ` : ''}
            It takes about a minute. Your answers go to {form.data.client.therapist_name ?? 'your therapist'}.
          </p>
          {form.data.instruments.length === 0 ? (
            <p class="muted">There are no questions for you right now.</p>
          ) : (
            <FeedbackForm
              instruments={form.data.instruments}
              therapistName={form.data.client.therapist_name}
              send={(instrument, answers) =>
                api.submitResponse(form.data!.episodeId, {
                  instrument,
                  respondent: 'client',
                  answers,
                  ...(appointmentParam ? { appointment_id: appointmentParam } : {}),
                })
              }
            />
          )}
        </>
      )}
    </div>
  );
}

export function FeedbackLinkPage({ token }: { token: string }) {
  const link = useLoad(() => api.feedbackLink(token), [token]);
  if (link.loading && !link.data) return <Loading what="your questions" />;
  if (link.error) {
    return (
      <div class="page narrow-page">
        <PageTitle title="Feedback">Feedback</PageTitle>
        <Alert>
          <p>
            {link.error.status === 404
              ? 'This feedback link has expired or has already been used. Your therapist can send you a new one.'
              : link.error.message}
          </p>
        </Alert>
      </div>
    );
  }
  const info = link.data!;
  const name = info.client_first_name ? firstName(info.client_first_name) : undefined;
  return (
    <div class="page narrow-page">
      <PageTitle title="How was your session?">{name ? `Hello ${name}, how was your session?` : 'How was your session?'}</PageTitle>
      <p class="lede">It takes about a minute. Your answers go to {info.therapist_name ?? 'your therapist'}.</p>
      {info.instruments.length === 0 ? (
        <p class="muted">There is nothing left to answer on this link. Thank you.</p>
      ) : (
        <FeedbackForm
          instruments={forAfterLink(info.instruments)}
          therapistName={info.therapist_name}
          send={(instrument, answers) => api.submitViaLink(token, { instrument, answers })}
        />
      )}
    </div>
  );
}

function forAfterLink(list: InstrumentDefinition[]): InstrumentDefinition[] {
  return [...list].sort((a, b) => Number(b.purpose === 'rapport') - Number(a.purpose === 'rapport'));
}
