// What a client is offered after a low Fit Check, and their own way to ask for a different
// therapist, on their home (and after sending the Fit Check): privately, and never asked why.
//
// - "How the fit feels": talk about it with the therapist, try a few more sessions, or ask for a
//   different therapist (which leads to the change's page, to choose what is shared).
// - "Ask for a different therapist": always within reach, quietly, once care has begun.
// - A change under way, or just arranged: where it stands and the way to its page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { currentEpisode } from './caseload';
import { changeApi, changeIdFrom, type FitChoice, type TherapistChange } from './change_api';
import { formatDate } from './format';
import { navigateByButton } from './router';
import { Alert, useLoad } from './ui';

function messageOf(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e);
}

// The offer after a low Fit Check. `onAnswered` once the client chose to talk or to try more
// sessions (a change leads away to its page).
export function FitCard({ episodeId, therapistName, onAnswered }: { episodeId: number; therapistName?: string; onAnswered?: () => void }) {
  const who = therapistName ?? 'your therapist';
  const [busy, setBusy] = useState<FitChoice>();
  const [error, setError] = useState<string>();
  const [answered, setAnswered] = useState<string>();
  const answerRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (answered) answerRef.current?.focus();
  }, [answered]);

  async function choose(choice: FitChoice) {
    if (busy) return;
    setBusy(choice);
    setError(undefined);
    try {
      const after = await changeApi.chooseAfterFit(episodeId, choice);
      if (choice === 'change') {
        const id = changeIdFrom(after);
        if (id !== null) {
          navigateByButton(`/therapist-changes/${id}`);
          return;
        }
        setAnswered('Your request for a different therapist has gone to the clinic. You will find it on your home page.');
      } else if (choice === 'talk') {
        setAnswered(`Thank you. We have let ${who} know you would like to talk about how the work fits you. You can bring it up too, whenever you like.`);
      } else {
        setAnswered('Thank you. Nothing has been sent to anyone. If you change your mind, you can ask for a different therapist at any time.');
      }
      onAnswered?.();
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 409
          ? 'There is nothing to choose about just now: you may have answered already, on this page or another.'
          : messageOf(e),
      );
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section class="card card--accent" aria-labelledby="fit-heading">
      <h2 id="fit-heading">How the fit feels</h2>
      {answered ? (
        <div ref={answerRef} tabIndex={-1}>
          <Alert kind="success">{answered}</Alert>
        </div>
      ) : (
        <>
          <p>Thank you for telling us that the start with {who} does not feel quite right. That happens, and it is good that you said so.</p>
          <p>
            What you choose here is private: {who} hears about it only if you choose to talk, or once a new therapist is arranged. You do not need to give a
            reason.
          </p>
          {error && <Alert>{error}</Alert>}
          <div class="fit-choices" role="group" aria-labelledby="fit-question">
            <p id="fit-question" class="label">
              What would you like to do?
            </p>
            <button class="button button--block" type="button" aria-disabled={busy ? 'true' : undefined} onClick={() => choose('talk')}>
              Talk about it with my therapist
            </button>
            <button class="button button--block" type="button" aria-disabled={busy ? 'true' : undefined} onClick={() => choose('more-sessions')}>
              Try a few more sessions
            </button>
            <button class="button button--block" type="button" aria-disabled={busy ? 'true' : undefined} onClick={() => choose('change')}>
              Ask for a different therapist
            </button>
          </div>
          <p class="small muted">
            Asking for a different therapist goes to the clinic’s intake coordinator, not to {who}. First you see what could go to your next therapist,
            and you choose what to share.
          </p>
        </>
      )}
    </section>
  );
}

// The quiet way to ask, at any time: one question in the page, no reason asked.
export function AskForDifferentTherapist({ episodeId, therapistName }: { episodeId: number; therapistName?: string }) {
  const who = therapistName ?? 'your therapist';
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const yesRef = useRef<HTMLButtonElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yesRef.current?.focus();
  }, [asking]);

  async function ask() {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const change = await changeApi.askForChange(episodeId);
      navigateByButton(`/therapist-changes/${change.id}`);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  }

  if (!asking) {
    return (
      <p>
        <button class="button button--quiet" type="button" ref={startRef} onClick={() => setAsking(true)}>
          Ask for a different therapist
        </button>
      </p>
    );
  }
  return (
    <div class="confirm" role="group" aria-labelledby="ask-question">
      <p id="ask-question">
        Would you like to see someone else? You do not need to give a reason. First you will see what could go to your next therapist and choose what to
        share; nothing is shared until you agree, and {who} hears of it only once a new therapist is arranged.
      </p>
      {error && <Alert>{error}</Alert>}
      <button class="button button--primary" type="button" ref={yesRef} aria-disabled={busy ? 'true' : undefined} onClick={ask}>
        {busy ? 'Asking…' : 'Yes, ask for a different therapist'}
      </button>
      <button
        class="button button--quiet"
        type="button"
        disabled={busy}
        onClick={() => {
          setAsking(false);
          setError(undefined);
          setTimeout(() => startRef.current?.focus(), 0);
        }}
      >
        Not now
      </button>
    </div>
  );
}

// A change still open: what the client does next, or that the clinic is on it.
export function ChangeUnderWay({ change: c }: { change: TherapistChange }) {
  const waitingOnClient = c.status === 'awaiting-consent';
  return (
    <section class={waitingOnClient ? 'card card--accent' : 'card'} aria-labelledby="change-heading">
      <h2 id="change-heading">Your change of therapist</h2>
      {c.kind === 'referral' ? (
        <p>
          {c.from_therapist_name} suggests you continue with {c.to_therapist_name ?? (c.to_outside || 'another therapist')}.
        </p>
      ) : (
        <p>You asked for a different therapist on {formatDate(c.requested_at)}.</p>
      )}
      {waitingOnClient ? (
        <>
          <p>Next, look over what could go to your next therapist and choose what to share. Nothing is shared until you say so.</p>
          <a class="button button--primary button--block" href={`/therapist-changes/${c.id}`}>
            Look over and choose what to share
          </a>
        </>
      ) : (
        <>
          <p>Thank you for choosing what to share. The clinic is now finding your next therapist and will let you know.</p>
          <a class="button button--block" href={`/therapist-changes/${c.id}`}>
            Your change of therapist
          </a>
        </>
      )}
    </section>
  );
}

// A change arranged in the last few weeks: who the client continues with.
export function ChangeArranged({ change: c }: { change: TherapistChange }) {
  return (
    <section class="card" aria-labelledby="arranged-heading">
      <h2 id="arranged-heading">Your new therapist</h2>
      <p>
        {c.new_therapist_name
          ? `Your care now continues with ${c.new_therapist_name}. They can read only what you chose to share.`
          : `Your care now continues with ${c.to_outside || 'care outside the clinic'}. What you chose to share is ready to give them.`}
      </p>
      <p>
        <a href={`/therapist-changes/${c.id}`}>What you shared</a>
      </p>
    </section>
  );
}

const kArrangedShownMs = 28 * 86400_000;

// The client's changes as the home shows them: the one still open, and one arranged lately for
// the episode now open (or, with none open, one that referred them outside the clinic).
export function changesForHome(changes: TherapistChange[], openEpisodeId: number | undefined, now = Date.now()) {
  const byNewest = [...changes].sort((a, b) => (a.requested_at < b.requested_at ? 1 : -1));
  const open = byNewest.find((c) => (c.status === 'awaiting-consent' || c.status === 'consented') && (openEpisodeId === undefined || c.episode_id === openEpisodeId));
  const arranged = byNewest.find(
    (c) =>
      c.status === 'done' &&
      !!c.decided_at &&
      now - Date.parse(c.decided_at) <= kArrangedShownMs &&
      (openEpisodeId === undefined ? c.new_episode_id === null : c.new_episode_id === openEpisodeId),
  );
  return { open, arranged };
}

// After the Fit Check was sent: the same offer as on the home, when there is one.
export function FitOfferAfterFeedback({ userId }: { userId: number }) {
  const offer = useLoad(async () => {
    const me = await api.client(userId);
    const episode = currentEpisode(me.episodes);
    if (!episode || episode.status === 'ended') return null;
    const fit = await changeApi.fitFollowup(episode.id);
    return fit.offer ? { episodeId: episode.id, therapistName: episode.therapist_name } : null;
  }, [userId]);
  if (!offer.data) return null;
  return <FitCard episodeId={offer.data.episodeId} therapistName={offer.data.therapistName} />;
}
