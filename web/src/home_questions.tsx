// Questions on the client's home that come outside the rhythm of sessions: the Support Check their
// therapist sent (answered in the usual feedback form), and, once a course of therapy has ended,
// the one Rapport Check about it as a whole ("looking back"), which is optional and asked once.
// Each card loads what it needs and shows only while the server says the questions are due.
import { api, type AssignedInstrument, type Episode } from './api';
import { firstName } from './format';
import { useLoad } from './ui';

function dueFor(assigned: AssignedInstrument[], purpose: AssignedInstrument['purpose']): boolean {
  return assigned.some((a) => a.respondent === 'client' && a.purpose === purpose && a.due === true);
}

// The Support Check sent by the therapist of the open episode, until it is answered.
export function SupportCheckCard({ episodeId, therapistName }: { episodeId?: number; therapistName?: string }) {
  const due = useLoad(
    () => (episodeId === undefined ? Promise.resolve(false) : api.episodeInstruments(episodeId).then((a) => dueFor(a, 'support'), () => false)),
    [episodeId],
  );
  if (!due.data) return null;
  const who = therapistName ?? 'Your therapist';
  return (
    <section class="card card--accent" aria-labelledby="support-ask-heading">
      <h2 id="support-ask-heading">A few questions from {therapistName ? firstName(therapistName) : 'your therapist'}</h2>
      <p>
        {who} would like to understand how things are for you at the moment: how working together feels, what might be getting in the way, and who is
        around you. There are no right answers, and it takes a couple of minutes.
      </p>
      <a class="button button--primary button--block" href="/feedback">
        Answer the questions
      </a>
    </section>
  );
}

// Each course of therapy that has ended whose Rapport Check about the whole course is still due.
async function dueToLookBack(episodes: Episode[]): Promise<Episode[]> {
  const due = await Promise.all(
    episodes.map((e) =>
      api.episodeInstruments(e.id).then(
        (a) => dueFor(a, 'rapport'),
        () => false,
      ),
    ),
  );
  return episodes.filter((_, i) => due[i]);
}

export function LookingBackCards({ episodes }: { episodes: Episode[] }) {
  const ended = episodes.filter((e) => e.status === 'ended');
  const due = useLoad(() => dueToLookBack(ended), [ended.map((e) => e.id).join(',')]);
  const list = due.data ?? [];
  return (
    <>
      {list.map((e) => {
        const headingId = `looking-back-${e.id}`;
        const who = e.therapist_name;
        return (
          <section key={e.id} class="card card--accent" aria-labelledby={headingId}>
            <h2 id={headingId}>
              Looking back on your therapy{list.length > 1 && who ? ` with ${who}` : ''}
            </h2>
            <p>
              Your therapy{who ? ` with ${who}` : ''} has ended. If you would like to, tell {who ? firstName(who) : 'your therapist'} how it felt as a
              whole: the same few questions as after a session, this time about all of it. We ask only once, and it is up to you.
            </p>
            <a class="button button--primary button--block" href={`/feedback?episode=${e.id}`}>
              Look back on your therapy{list.length > 1 && who ? ` with ${who}` : ''}
            </a>
          </section>
        );
      })}
    </>
  );
}
