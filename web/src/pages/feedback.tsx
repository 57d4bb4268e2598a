// The two ways a client gives feedback: signed in, before or after a session (or at any time), and
// from a personal feedback link without a password. Both use the same form. Signed in, the same
// page also asks, once, the Rapport Check about a course of therapy that has ended ("looking
// back", `?episode=N`). A young child is told, in a child's words, how to answer and thanked by
// name once the answers are sent. A link can also be for one of a child's parents or carers: it
// then asks their own questions about the child, worded for them.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  asksBeforeSession,
  type Answers,
  type Appointment,
  type ClientDetail,
  type DraftAnswers,
  type Episode,
  type FeedbackDraft,
  type FeedbackLinkInfo,
  type HelpInfo,
  type InstrumentDefinition,
  type SubmitResult,
} from '../api';
import { currentEpisode } from '../caseload';
import type { ComponentChildren } from 'preact';
import { FeedbackForm, SentEarlier, sentHere } from '../feedback_form';
import { FitOfferAfterFeedback } from '../fit_followup';
import { isYoungChild } from '../family_api';
import { firstName, formatDateTime, formatDayMonth } from '../format';
import type { AppContext } from '../main';
import { keepWithEntry, keptWithEntry } from '../router';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { answeredFor } from './client_home';

type SaveState = 'idle' | 'saving' | 'saved' | 'failed';

// Keeps the answers on the server as they are given, so that a refresh, the idle sign-out or
// another device finds them again: one request at a time, always the latest answers. Answers to
// questionnaires this form does not show stay in the draft as they were.
function useDraft(initial: FeedbackDraft | undefined, shown: InstrumentDefinition[], save: (answers: DraftAnswers) => Promise<FeedbackDraft>) {
  const codes = new Set(shown.map((i) => i.code));
  const inForm = (key: string) => codes.has(key.slice(0, key.lastIndexOf('/')));
  const all = initial?.answers ?? {};
  const restored = Object.fromEntries(Object.entries(all).filter(([k]) => inForm(k)));
  const elsewhere = Object.fromEntries(Object.entries(all).filter(([k]) => !inForm(k)));
  const [state, setState] = useState<SaveState>('idle');
  const [crisis, setCrisis] = useState<HelpInfo | null>(initial?.crisis ?? null);
  const latest = useRef<DraftAnswers | null>(null);
  const busy = useRef(false);
  const saving = useRef<Promise<void>>(Promise.resolve());
  function flush() {
    if (busy.current) return;
    busy.current = true;
    saving.current = keep();
  }
  async function keep() {
    try {
      while (latest.current) {
        const next = latest.current;
        latest.current = null;
        setState('saving');
        try {
          const saved = await save({ ...elsewhere, ...next });
          // A risk answer taken back takes its notice with it: nobody will be told of it.
          setCrisis(saved.crisis ?? null);
          setState('saved');
        } catch {
          setState('failed');
        }
      }
    } finally {
      busy.current = false;
    }
  }
  return {
    restored,
    crisis,
    state,
    changed: (answers: Record<string, number | string>) => {
      latest.current = answers;
      flush();
    },
    // Settles once the latest answers are kept. Sending waits for it: a draft saved after the
    // answers were sent would bring them back into the draft, to be offered and sent again.
    settled: () => saving.current,
  };
}

function SaveStatus({ state }: { state: SaveState }) {
  const words: Record<SaveState, string> = {
    idle: 'Your answers are kept as you go, so you can come back to them.',
    saving: 'Keeping your answers…',
    saved: 'Your answers are kept. You can come back to them on any device.',
    failed: 'Your answers could not be kept just now. They are still here; please keep going.',
  };
  return (
    <p class="muted small" role="status">
      {words[state]}
    </p>
  );
}

// Asked only while the server says they are due: the Fit Check once the client has met their
// therapist, the Support Check from the therapist's request until it is answered.
const kDueOnlyWhenSaid = new Set(['fit', 'support']);

// The Rapport Check and the outcome questionnaires assigned that their schedules ask this time;
// the Fit Check and the Support Check only when the server says they are due.
function forSessionForms(codes: { code: string; purpose: string; respondent: string; due?: boolean }[]) {
  const mine = codes.filter((c) => c.respondent === 'client' && (kDueOnlyWhenSaid.has(c.purpose) ? c.due === true : c.due !== false));
  // The session first: how today went is what the client has in mind.
  return [...mine].sort((a, b) => Number(b.purpose === 'rapport') - Number(a.purpose === 'rapport'));
}

// Before the session, only what is to be talked over in it; afterwards the session's own
// questions, and any of the others the client did not get to beforehand.
function forMoment(list: InstrumentDefinition[], beforeStart: boolean, answered: Set<string>): InstrumentDefinition[] {
  return list.filter((d) => (asksBeforeSession(d.timing) ? !answered.has(d.code) : !beforeStart));
}

interface SessionForm {
  // With the name of the current episode's therapist.
  client: ClientDetail & { therapist_name: string };
  episodeId: number;
  instruments: InstrumentDefinition[];
  appointment?: Appointment;
  beforeStart: boolean;
  // How many questionnaires were already answered about the appointment.
  answered: number;
  draft?: FeedbackDraft;
  // A young child, who reads a child's words before the questions and after sending.
  child: boolean;
}

async function loadSessionForm(userId: number, appointmentId?: number): Promise<SessionForm> {
  const [client, child] = await Promise.all([api.client(userId), isYoungChild(userId)]);
  const episode = currentEpisode(client.episodes);
  if (!episode) throw new ApiError(404, 'You have no open course of care to give feedback on yet.');
  // Nothing more is asked about the sessions of a course that has ended (only, once, how it felt
  // as a whole: `?episode=N`, offered on the home).
  if (episode.status === 'ended') throw new ApiError(409, 'Your therapy has ended, so there are no questions about sessions now.');
  const [assigned, appointments, progress, draft] = await Promise.all([
    api.episodeInstruments(episode.id, appointmentId),
    appointmentId ? api.episodeAppointments(episode.id).catch(() => [] as Appointment[]) : [],
    appointmentId ? api.progress(episode.id).catch(() => undefined) : undefined,
    api.feedbackDraft(episode.id).catch(() => undefined),
  ]);
  const definitions = await Promise.all(forSessionForms(assigned).map((a) => api.instrument(a.code)));
  const appointment = appointments.find((a) => a.id === appointmentId);
  const beforeStart = !!appointment && Date.parse(appointment.starts_at) > Date.now();
  const answered = appointmentId ? answeredFor(progress, appointmentId) : new Set<string>();
  // Without an appointment the client is telling how things are going: everything assigned.
  const instruments = appointmentId ? forMoment(definitions, beforeStart, answered) : definitions;
  return {
    client: { ...client, therapist_name: episode.therapist_name },
    episodeId: episode.id,
    instruments,
    appointment,
    beforeStart,
    answered: answered.size,
    draft,
    child,
  };
}

// A young child's thank-you, by name, below the confirmation that the answers were sent.
function ChildThanks({ name, therapistName }: { name: string; therapistName?: string }) {
  const them = therapistName ? firstName(therapistName) : 'Your therapist';
  return (
    <p class="kid-thanks">
      Thank you, {name}! {them} will read this before your next time together.
    </p>
  );
}

// The same, once it is known whether the client is a young child.
function ChildThanksIfYoung({ ctx, therapistName }: { ctx: AppContext; therapistName?: string }) {
  const young = useLoad(() => isYoungChild(ctx.user.id), [ctx.user.id]);
  return young.data === true ? <ChildThanks name={firstName(ctx.user.display_name)} therapistName={therapistName} /> : null;
}

// What a young child reads before the questions: how to answer, and who reads the answers.
function childLede(form: SessionForm): string {
  const faces = form.instruments.some((i) => i.faces === true);
  const them = form.client.therapist_name ? firstName(form.client.therapist_name) : 'Your therapist';
  return `${faces ? 'Tap a face for each question. ' : ''}There are no wrong answers. ${
    form.beforeStart ? `${them} will talk about them with you.` : `${them} will read what you say.`
  }`;
}

export function SessionFeedbackPage({ ctx }: { ctx: AppContext }) {
  const [earlier] = useState(sentHere);
  const params = new URLSearchParams(location.search);
  const lookingBack = Number(params.get('episode')) || undefined;
  if (earlier?.done) {
    const title = lookingBack ? kLookingBackTitle : params.get('appointment') ? 'Your session' : 'How are things going?';
    return (
      <div class="page narrow-page">
        <PageTitle title={title}>{title}</PageTitle>
        <SentEarlier therapistName={earlier.therapistName} crisis={earlier.crisis} />
        {!lookingBack && <ChildThanksIfYoung ctx={ctx} therapistName={earlier.therapistName} />}
        {!lookingBack && <FitOfferAfterFeedback userId={ctx.user.id} />}
      </div>
    );
  }
  if (lookingBack) return <LookingBack ctx={ctx} episodeId={lookingBack} />;
  return <SessionFeedback ctx={ctx} />;
}

function SessionFeedback({ ctx }: { ctx: AppContext }) {
  const appointmentParam = Number(new URLSearchParams(location.search).get('appointment')) || undefined;
  const form = useLoad(() => loadSessionForm(ctx.user.id, appointmentParam), [ctx.user.id, appointmentParam]);
  // Until the appointment is known the page does not say which side of the session it is on.
  const title = !appointmentParam
    ? 'How are things going?'
    : !form.data
      ? 'Your session'
      : form.data.beforeStart
        ? 'Before your session'
        : 'How was today’s session?';
  return (
    <div class="page narrow-page">
      <PageTitle title={title}>{title}</PageTitle>
      {form.loading && !form.data && <Loading what="your questions" />}
      {form.error && <Alert kind={form.error.status === 409 ? 'info' : 'error'}>{form.error.message}</Alert>}
      {form.data && (
        <>
          {form.data.child && form.data.instruments.length > 0 ? (
            <p class="lede kid-lede">{childLede(form.data)}</p>
          ) : (
            <p class="lede">
              {form.data.appointment ? `About your session on ${formatDateTime(form.data.appointment.starts_at)}. ` : ''}
              {form.data.beforeStart
                ? 'Your therapist will look at these with you in the session.'
                : `Your answers go to ${form.data.client.therapist_name ?? 'your therapist'}.`}
            </p>
          )}
          {form.data.instruments.length === 0 && form.data.answered > 0 ? (
            // Sent before, from here or from another device.
            <>
              <SentEarlier therapistName={form.data.client.therapist_name} />
              {form.data.child && <ChildThanks name={firstName(ctx.user.display_name)} therapistName={form.data.client.therapist_name} />}
              <FitOfferAfterFeedback userId={ctx.user.id} />
            </>
          ) : form.data.instruments.length === 0 ? (
            <p class="muted">There are no questions for you right now.</p>
          ) : (
            <SessionQuestions form={form.data} appointmentId={appointmentParam} childName={firstName(ctx.user.display_name)} />
          )}
        </>
      )}
    </div>
  );
}

// The form with its draft kept on the server: the signed-in pages and the link differ only in where
// the draft and the answers go.
export function DraftedForm(props: {
  instruments: InstrumentDefinition[];
  therapistName?: string;
  initial?: FeedbackDraft;
  save: (answers: DraftAnswers) => Promise<FeedbackDraft>;
  send: (instrument: string, answers: Answers) => Promise<SubmitResult>;
  afterSent?: ComponentChildren;
  sentNote?: string;
  sendLabel?: string;
}) {
  const draft = useDraft(props.initial, props.instruments, props.save);
  const send = async (instrument: string, answers: Answers) => {
    await draft.settled();
    return props.send(instrument, answers);
  };
  return (
    <>
      <SaveStatus state={draft.state} />
      <FeedbackForm
        instruments={props.instruments}
        therapistName={props.therapistName}
        initialAnswers={draft.restored}
        onAnswersChange={draft.changed}
        crisis={draft.crisis}
        send={send}
        afterSent={props.afterSent}
        sentNote={props.sentNote}
        sendLabel={props.sendLabel}
      />
    </>
  );
}

function SessionQuestions({ form, appointmentId, childName }: { form: SessionForm; appointmentId?: number; childName: string }) {
  // After a Fit Check, whatever follows a low one: the same choice as on the home.
  const fitOffer = form.instruments.some((i) => i.purpose === 'fit') ? <FitOfferAfterFeedback userId={form.client.id} /> : undefined;
  return (
    <DraftedForm
      instruments={form.instruments}
      therapistName={form.client.therapist_name}
      initial={form.draft}
      // A young child is thanked by name as well.
      afterSent={
        form.child ? (
          <>
            <ChildThanks name={childName} therapistName={form.client.therapist_name} />
            {fitOffer}
          </>
        ) : (
          fitOffer
        )
      }
      save={(answers) => api.saveFeedbackDraft(form.episodeId, answers)}
      send={(instrument, answers) =>
        api.submitResponse(form.episodeId, {
          instrument,
          respondent: 'client',
          answers,
          ...(appointmentId ? { appointment_id: appointmentId } : {}),
        })
      }
    />
  );
}

// --- Looking back on a course that has ended ----------------------------------------------------

const kLookingBackTitle = 'Looking back on your therapy';

// The Rapport Check's sentences speak of "today": once the course has ended, they are read about
// all of it. The questions and their answers stay the questionnaire's own.
function aboutTheWholeCourse(definition: InstrumentDefinition): InstrumentDefinition {
  return {
    ...definition,
    plain_title: 'Your therapy as a whole',
    preamble:
      'Think of all your sessions together, from the first to the last. Where a sentence says “today”, think of your therapy as a whole. Choose a number to show how true each sentence is for you. There are no right answers, and honest ones help most.',
  };
}

interface LookingBackForm {
  episode: Episode;
  // The Rapport Check, while the server says it is due for this ended course; absent once answered.
  instrument?: InstrumentDefinition;
  // Whether the course has a Rapport Check at all (if not, there is nothing to look back with).
  hasRapport: boolean;
  draft?: FeedbackDraft;
}

async function loadLookingBack(userId: number, episodeId: number): Promise<LookingBackForm> {
  const client = await api.client(userId);
  const episode = (client.episodes ?? []).find((e) => e.id === episodeId);
  if (!episode) throw new ApiError(404, 'This course of therapy is not one of yours.');
  if (episode.status !== 'ended') return { episode, hasRapport: false };
  const assigned = await api.episodeInstruments(episodeId);
  const rapport = assigned.filter((a) => a.respondent === 'client' && a.purpose === 'rapport');
  const due = rapport.find((a) => a.due === true);
  if (!due) return { episode, hasRapport: rapport.length > 0 };
  const [definition, draft] = await Promise.all([api.instrument(due.code), api.feedbackDraft(episodeId).catch(() => undefined)]);
  return { episode, instrument: aboutTheWholeCourse(definition), hasRapport: true, draft };
}

function LookingBack({ ctx, episodeId }: { ctx: AppContext; episodeId: number }) {
  const form = useLoad(() => loadLookingBack(ctx.user.id, episodeId), [ctx.user.id, episodeId]);
  const data = form.data;
  const therapist = data?.episode.therapist_name;
  return (
    <div class="page narrow-page">
      <PageTitle title={kLookingBackTitle}>{kLookingBackTitle}</PageTitle>
      {form.loading && !data && <Loading what="your questions" />}
      {form.error && <Alert>{form.error.message}</Alert>}
      {data && data.episode.status !== 'ended' && (
        <>
          <Alert kind="info">Your therapy is still going on. Looking back on it as a whole comes once it has ended.</Alert>
          <p>
            <a href="/">Back to home</a>
          </p>
        </>
      )}
      {data && data.episode.status === 'ended' && !data.instrument && (
        data.hasRapport ? (
          <SentEarlier therapistName={therapist} note="You looked back on this therapy already. It is asked only once." />
        ) : (
          <>
            <p class="muted">There are no questions for you about this therapy.</p>
            <p>
              <a href="/">Back to home</a>
            </p>
          </>
        )
      )}
      {data?.instrument && (
        <>
          <p class="lede">
            These questions are about your therapy{therapist ? ` with ${therapist}` : ''} as a whole, not just the last session. We ask them only once,
            and answering is up to you. Your answers go to {therapist ?? 'your therapist'} and are kept with your summary.
          </p>
          <DraftedForm
            instruments={[data.instrument]}
            therapistName={therapist}
            initial={data.draft}
            save={(answers) => api.saveFeedbackDraft(episodeId, answers)}
            // About the whole course: no session named.
            send={(instrument, answers) => api.submitResponse(episodeId, { instrument, respondent: 'client', answers })}
          />
        </>
      )}
    </div>
  );
}

export function FeedbackLinkPage({ token }: { token: string }) {
  const [earlier] = useState(sentHere);
  const [parent] = useState(() => keptWithEntry<ParentLinkWords>(kParentLinkKey));
  if (earlier?.done) {
    // The link is spent once everything on it is sent: no need to ask the server.
    const title = parent?.title ?? 'How was your session?';
    return (
      <div class="page narrow-page">
        <PageTitle title={title}>{title}</PageTitle>
        <SentEarlier therapistName={earlier.therapistName} crisis={earlier.crisis} note="There is nothing left to answer on this link." />
      </div>
    );
  }
  return <FeedbackLink token={token} />;
}

function FeedbackLink({ token }: { token: string }) {
  const link = useLoad(
    async () => {
      const [info, draft] = await Promise.all([api.feedbackLink(token), api.linkDraft(token).catch(() => undefined)]);
      return { ...info, draft };
    },
    [token],
  );
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
  if (info.respondent === 'guardian') return <ParentLink token={token} info={info} />;
  const name = info.client_first_name ? firstName(info.client_first_name) : undefined;
  return (
    <div class="page narrow-page">
      <PageTitle title="How was your session?">{name ? `Hello ${name}, how was your session?` : 'How was your session?'}</PageTitle>
      <p class="lede">Your answers go to {info.therapist_name ?? 'your therapist'}.</p>
      {info.instruments.length === 0 ? (
        <p class="muted">There is nothing left to answer on this link. Thank you.</p>
      ) : (
        <DraftedForm
          instruments={forAfterLink(info.instruments)}
          therapistName={info.therapist_name}
          initial={info.draft}
          save={(answers) => api.saveLinkDraft(token, answers)}
          send={(instrument, answers) => api.submitViaLink(token, { instrument, answers })}
        />
      )}
    </div>
  );
}

// --- A link for a parent or carer ---------------------------------------------------------------

// The words of a parent's link that its page still needs once everything on it is sent, kept with
// the page's entry in the browser's history: Back, Forward or a reload then still speak to the
// parent, though the spent link no longer tells whom it was for.
interface ParentLinkWords {
  title: string;
}

const kParentLinkKey = 'feedbackLinkForParent';

// "Your answers go to …" after "For Elena: ", or starting the sentence when the parent's name is
// not known.
function forParent(parent: string | undefined, sentence: string): string {
  return parent ? `For ${parent}: ${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}` : sentence;
}

// What the parent reads above the questions and in the thank-you: about the child before their
// next session, about a session the parent took part in (how it felt to them), or both.
function parentWords(info: FeedbackLinkInfo) {
  const child = info.client_first_name ? firstName(info.client_first_name) : undefined;
  const parent = info.guardian_name ? firstName(info.guardian_name) : undefined;
  const therapist = info.therapist_name ?? (child ? `${child}'s therapist` : "your child's therapist");
  const about = child ?? 'your child';
  // A parent's own check about a session comes only on the link of that session.
  const tookPart = info.instruments.some((i) => i.purpose === 'rapport');
  const asked = info.instruments.some((i) => i.purpose !== 'rapport');
  const session = info.appointment_starts_at ? `the session on ${formatDayMonth(info.appointment_starts_at)}` : 'the recent session';
  let lede: string;
  let thanks: string;
  if (tookPart && !asked) {
    lede = forParent(
      parent,
      `About ${session} that you took part in with ${about}. Your answers go to ${therapist}, who will read them before you next meet. There are no right answers, and honest ones help most.`,
    );
    thanks = `${therapist} will read your answers before you next meet.`;
  } else if (tookPart) {
    lede = forParent(
      parent,
      `About ${about}, and about ${session} that you took part in. Your answers go to ${therapist}, who will look at them with what ${about} says. There are no right answers: what you notice at home, and how the sessions feel to you, is what helps most.`,
    );
    thanks = `${therapist} will look at your answers with what ${about} says.`;
  } else {
    lede = forParent(
      parent,
      `Your answers go to ${therapist}, who will look at them with what ${about} says. There are no right answers: what you notice at home helps most.`,
    );
    thanks = `${therapist} will look at your answers with what ${about} says.`;
  }
  return {
    title: child ? `Questions about ${child}` : 'Questions about your child',
    therapist,
    lede,
    thanks: parent ? `Thank you, ${parent}, for taking the time. ${thanks}` : `Thank you for taking the time. ${thanks}`,
    none: `There is nothing left to answer on this link. Thank you${parent ? `, ${parent}` : ''}.`,
  };
}

function ParentLink({ token, info }: { token: string; info: FeedbackLinkInfo & { draft?: FeedbackDraft } }) {
  const words = parentWords(info);
  useEffect(() => {
    keepWithEntry(kParentLinkKey, { title: words.title } satisfies ParentLinkWords);
  }, [token, words.title]);
  return (
    <div class="page narrow-page">
      <PageTitle title={words.title}>{words.title}</PageTitle>
      <p class="lede">{words.lede}</p>
      {info.instruments.length === 0 ? (
        <p class="muted">{words.none}</p>
      ) : (
        <DraftedForm
          // In the order the parent is asked them when signed in.
          instruments={info.instruments}
          therapistName={words.therapist}
          initial={info.draft}
          sendLabel={`Send to ${words.therapist}`}
          sentNote={words.thanks}
          save={(answers) => api.saveLinkDraft(token, answers)}
          // Kept as the parent's own answers: the link says whose they are.
          send={(instrument, answers) => api.submitViaLink(token, { instrument, answers })}
        />
      )}
    </div>
  );
}

function forAfterLink(list: InstrumentDefinition[]): InstrumentDefinition[] {
  return [...list].sort((a, b) => Number(b.purpose === 'rapport') - Number(a.purpose === 'rapport'));
}
