// The calm first step, after a client has asked a therapist for a first appointment (and
// whenever they come back to it from their home): what a first session is like, questions they
// may want to ask, and a short preparation, kept for themself unless they choose to share it with
// their therapist before the first session.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, asSentence } from '../api';
import { firstName } from '../format';
import type { AppContext } from '../main';
import { kMaxFirstStepChars, matchingApi, unlessMissing, type FirstStep } from '../matching_api';
import { messageLength } from '../messages_api';
import { Alert, CheckboxField, FormErrorSummary, Loading, PageTitle, TextAreaField, useFocusFirstError, useLoad } from '../ui';

async function loadFirstStep(clientId: number) {
  const [step, me] = await Promise.all([unlessMissing(matchingApi.firstStep(clientId)), api.client(clientId).catch(() => undefined)]);
  // The therapist asked: the open episode, which starts in intake.
  const episode = (me?.episodes ?? []).find((e) => e.status !== 'ended');
  return { step, therapist: episode?.therapist_name };
}

export function FirstStepPage({ ctx }: { ctx: AppContext }) {
  const clientId = ctx.user.id;
  const page = useLoad(() => loadFirstStep(clientId), [clientId]);
  const justAsked = new URLSearchParams(location.search).get('asked') === '1';
  const therapist = page.data?.therapist;
  return (
    <div class="page narrow-page">
      <PageTitle title="Your first session">Getting ready for your first session</PageTitle>
      {page.loading && !page.data && <Loading what="your first step" />}
      {page.error && <Alert>{page.error.message}</Alert>}
      {page.data && (
        <>
          {justAsked ? (
            <Alert kind="success">
              <p>
                Your request has gone to {therapist ?? 'your therapist'}. They will be in touch to offer you a time for a first
                session, and you will see it on your home page.
              </p>
            </Alert>
          ) : (
            therapist && <p class="lede">You have asked {therapist} for a first appointment.</p>
          )}
          <p>There is nothing you need to do before then. If it helps, here is what to expect, and a place to gather your thoughts.</p>
          <WhatToExpect />
          <QuestionsToAsk />
          <Preparation clientId={clientId} initial={page.data.step} therapist={therapist} />
        </>
      )}
    </div>
  );
}

function WhatToExpect() {
  return (
    <section class="card" aria-labelledby="expect-heading">
      <h2 id="expect-heading">What a first session is like</h2>
      <p>
        A first session is a conversation, not a test. Your therapist will ask what brings you, what you hope might change,
        and a little about your life. You can say as much or as little as you like, and you can always say “I’d rather not
        talk about that yet”.
      </p>
      <p>
        They will also explain how they work, how sessions are kept private, and what happens if they are ever worried
        about your safety. Near the end you can decide together whether to carry on.
      </p>
      <p>
        It is normal to feel nervous, or to find it hard to put things into words. Therapists meet that every day. If
        the first person is not the right fit, it is fine to say so: finding someone you feel at ease with matters.
      </p>
    </section>
  );
}

const kQuestions = [
  'How do you usually work, and what would our sessions look like?',
  'Have you helped people with things like what I am going through?',
  'How will we know whether therapy is helping?',
  'How do you keep a good connection over video?',
  'What happens if I need to cancel, or want to stop?',
  'Who else will know what I tell you, and when?',
];

function QuestionsToAsk() {
  return (
    <section class="card" aria-labelledby="questions-heading">
      <h2 id="questions-heading">Questions you may want to ask</h2>
      <p>You are choosing them as much as they are getting to know you. Some people like to ask:</p>
      <ul>
        {kQuestions.map((q) => (
          <li key={q}>{q}</li>
        ))}
      </ul>
    </section>
  );
}

const kFields = ['brings', 'hopes', 'worries', 'shared'];

function Preparation({ clientId, initial, therapist }: { clientId: number; initial?: FirstStep; therapist?: string }) {
  const [brings, setBrings] = useState(initial?.brings ?? '');
  const [hopes, setHopes] = useState(initial?.hopes ?? '');
  const [worries, setWorries] = useState(initial?.worries ?? '');
  const [shared, setShared] = useState(initial?.shared ?? false);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<FirstStep>();
  const formRef = useRef<HTMLFormElement>(null);
  const savedRef = useRef<HTMLDivElement>(null);
  useFocusFirstError(formRef, error);
  useEffect(() => {
    if (saved) savedRef.current?.focus();
  }, [saved]);
  const who = therapist ? firstName(therapist) : 'your therapist';

  async function save(e: Event) {
    e.preventDefault();
    if (busy) return;
    setSaved(undefined);
    // Counted as the server counts, in characters, so that the message is the same either way.
    const tooLong = (Object.entries({ brings, hopes, worries }) as [string, string][])
      .filter(([, text]) => messageLength(text) > kMaxFirstStepChars)
      .map(([field, text]) => ({
        field,
        message: `This is ${messageLength(text) - kMaxFirstStepChars} characters too long: at most ${kMaxFirstStepChars.toLocaleString()}, please.`,
      }));
    if (tooLong.length > 0) {
      setError(new ApiError(400, 'Some answers are too long.', tooLong));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setSaved(await matchingApi.putFirstStep(clientId, { brings: brings.trim(), hopes: hopes.trim(), worries: worries.trim(), shared }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="prepare-heading">
      <h2 id="prepare-heading">Gathering your thoughts</h2>
      <p>
        Only if you would like to. A few words are plenty, and you can change them whenever you want. Unless you tick the
        box below, this stays with you.
      </p>
      <form class="form" ref={formRef} onSubmit={save} noValidate>
        <FormErrorSummary error={error} fields={kFields} />
        <TextAreaField label="What brings you to therapy" name="brings" rows={4} value={brings} onInput={setBrings} error={error?.fieldMessage('brings')} />
        <TextAreaField label="What you hope for" name="hopes" rows={4} value={hopes} onInput={setHopes} error={error?.fieldMessage('hopes')} />
        <TextAreaField
          label="What worries you about therapy"
          name="worries"
          hint="Many people have worries about starting. Your therapist would rather know, so that they can help with them."
          rows={4}
          value={worries}
          onInput={setWorries}
          error={error?.fieldMessage('worries')}
        />
        <CheckboxField
          label="Share this with my therapist before our first session"
          name="shared"
          checked={shared}
          onChange={setShared}
          hint={`If you tick this, ${who} can read what you wrote before you meet. You can untick it at any time.`}
        />
        {error?.fieldMessage('shared') && <p class="field-error">{asSentence(error.fieldMessage('shared')!)}</p>}
        <div tabIndex={-1} ref={savedRef}>
          {saved && (
            <Alert kind="success">
              {(saved.shared ?? shared) ? `Saved. ${who === 'your therapist' ? 'Your therapist' : who} can read it before your first session.` : 'Saved. It stays with you: nobody else can read it.'}
            </Alert>
          )}
        </div>
        <div>
          <button class="button button--primary button--block" type="submit" aria-disabled={busy ? 'true' : undefined}>
            {busy ? 'Saving…' : 'Save my thoughts'}
          </button>
        </div>
      </form>
    </section>
  );
}
