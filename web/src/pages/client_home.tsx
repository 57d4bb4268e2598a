// The client's home: their next appointment and their therapist, in a calm, phone-first view.
import { api, type Appointment } from '../api';
import { currentEpisode, upcomingWindow } from '../caseload';
import { firstName, formatDateTime, modalityLabel } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

async function loadClientHome(userId: number) {
  const { from, to } = upcomingWindow(365);
  const [me, appointments] = await Promise.all([api.client(userId).catch(() => undefined), api.appointments(from, to)]);
  const next = appointments
    .filter((a) => a.status === 'scheduled' && Date.parse(a.starts_at) >= Date.now())
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1));
  const episode = currentEpisode(me?.episodes);
  const therapist = episode?.therapist_name ?? next[0]?.therapist_name;
  return { next: next[0] as Appointment | undefined, later: next.slice(1, 4), therapist };
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

export function ClientHome({ ctx }: { ctx: AppContext }) {
  const home = useLoad(() => loadClientHome(ctx.user.id), [ctx.user.id]);
  return (
    <div class="page narrow-page">
      <PageTitle title="Home">Hello, {firstName(ctx.user.display_name)}</PageTitle>
      {home.loading && !home.data && <Loading what="your appointments" />}
      {home.error && <Alert>{home.error.message}</Alert>}
      {home.data && (
        <>
          <section class="card card--accent" aria-labelledby="next-heading">
            <h2 id="next-heading">Your next appointment</h2>
            <NextAppointment appointment={home.data.next} />
          </section>
          <section class="card" aria-labelledby="therapist-heading">
            <h2 id="therapist-heading">Your therapist</h2>
            <p class="big">{home.data.therapist ?? 'Not assigned yet'}</p>
          </section>
          {home.data.later.length > 0 && (
            <section class="card" aria-labelledby="later-heading">
              <h2 id="later-heading">Coming up after that</h2>
              <ul class="appointments">
                {home.data.later.map((a) => (
                  <li key={a.id}>
                    <span>{formatDateTime(a.starts_at)}</span>
                    <span class="muted small">{modalityLabel(a.modality)}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </div>
  );
}
