// The guardian's home: each linked child with their next appointment.
import { api } from '../api';
import { currentEpisode, nextAppointments, upcomingWindow } from '../caseload';
import { planApi } from '../plan_api';
import { firstName } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { NextAppointment } from './client_home';

async function loadChildren() {
  const { from, to } = upcomingWindow(365);
  const [children, appointments] = await Promise.all([api.clients(), api.appointments(from, to).catch(() => [])]);
  const next = nextAppointments(appointments);
  // A child's plan shows only when the clinic and the plan share it with guardians; otherwise
  // the server answers 404 and the link is left out.
  return Promise.all(
    children.map(async (child) => {
      const record = child.episodes ? child : await api.client(child.id).catch(() => child);
      const episode = currentEpisode(record.episodes);
      const plan = episode ? await planApi.overview(episode.id).catch(() => undefined) : undefined;
      const planEpisode = plan && plan.versions.length > 0 ? plan.episode_id ?? episode?.id : undefined;
      return { child, next: next.get(child.id), planEpisode, planAwaitsAnswer: !!plan?.may_accept };
    }),
  );
}

export function GuardianHome({ ctx }: { ctx: AppContext }) {
  const home = useLoad(loadChildren);
  return (
    <div class="page narrow-page">
      <PageTitle title="Home">Hello, {firstName(ctx.user.display_name)}</PageTitle>
      {home.loading && !home.data && <Loading what="your family" />}
      {home.error && <Alert>{home.error.message}</Alert>}
      {home.data && home.data.length === 0 && <p>No child is linked to your account yet. Please contact the clinic.</p>}
      {home.data?.map(({ child, next, planEpisode, planAwaitsAnswer }) => (
        <section key={child.id} class="card card--accent" aria-labelledby={`child-${child.id}`}>
          <h2 id={`child-${child.id}`}>{child.display_name}</h2>
          <h3>Next appointment</h3>
          <NextAppointment appointment={next} withWhom={next?.therapist_name} />
          {planEpisode !== undefined && (
            <p>
              <a class="button" href={`/episodes/${planEpisode}/plan`}>
                {firstName(child.display_name)}'s plan
              </a>
              {planAwaitsAnswer && <span class="badge badge--due">Your agreement is asked for</span>}
            </p>
          )}
        </section>
      ))}
    </div>
  );
}
