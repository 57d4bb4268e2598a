// The guardian's home: requests to be linked to a child, to accept or decline, and each linked
// child with their next appointment.
import { useState } from 'preact/hooks';
import { api, ApiError, type GuardianLink } from '../api';
import { currentEpisode, nextAppointments, upcomingWindow } from '../caseload';
import { planApi } from '../plan_api';
import { firstName } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { formatDate } from '../format';
import { NextAppointment } from './client_home';
import { RoomLink } from '../room/room_link';

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
  const home = useLoad(loadChildren);
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
      {home.data?.map(({ child, next, planEpisode, planAwaitsAnswer }) => (
        <section key={child.id} class="card card--accent" aria-labelledby={`child-${child.id}`}>
          <h2 id={`child-${child.id}`}>{child.display_name}</h2>
          <h3>Next appointment</h3>
          <NextAppointment appointment={next} withWhom={next?.therapist_name} />
          {next && (
            <p>
              <RoomLink appointment={next} />
            </p>
          )}
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
