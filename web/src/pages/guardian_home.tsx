// The guardian's home: each linked child with their next appointment.
import { api } from '../api';
import { nextAppointments, upcomingWindow } from '../caseload';
import { firstName } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { NextAppointment } from './client_home';

async function loadChildren() {
  const { from, to } = upcomingWindow(365);
  const [children, appointments] = await Promise.all([api.clients(), api.appointments(from, to).catch(() => [])]);
  const next = nextAppointments(appointments);
  return children.map((child) => ({ child, next: next.get(child.id) }));
}

export function GuardianHome({ ctx }: { ctx: AppContext }) {
  const home = useLoad(loadChildren);
  return (
    <div class="page narrow-page">
      <PageTitle title="Home">Hello, {firstName(ctx.user.display_name)}</PageTitle>
      {home.loading && !home.data && <Loading what="your family" />}
      {home.error && <Alert>{home.error.message}</Alert>}
      {home.data && home.data.length === 0 && <p>No child is linked to your account yet. Please contact the clinic.</p>}
      {home.data?.map(({ child, next }) => (
        <section key={child.id} class="card card--accent" aria-labelledby={`child-${child.id}`}>
          <h2 id={`child-${child.id}`}>{child.display_name}</h2>
          <h3>Next appointment</h3>
          <NextAppointment appointment={next} withWhom={next?.therapist_name} />
        </section>
      ))}
    </div>
  );
}
