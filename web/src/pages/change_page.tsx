// One change of therapist, at /therapist-changes/{id}.
//
// For the client: "Your change of therapist". While it awaits them, the draft of what would go to
// their next therapist, section by section, each with "Share this" (ticked to begin with), their
// own words (what helped, what did not, what they would like from their next therapist), and
// "Share what I ticked": only what is ticked is shared, and nothing before they press it. They may
// withdraw instead. Afterwards, where it stands and what was shared.
//
// For staff: the intake coordinator (an admin) sees the request, the packet once the client has
// shared it, and chooses the new therapist (or completes a referral outside the clinic); a
// therapist who referred sees their referral and may withdraw it while it is open.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import {
  changeApi,
  isOpen,
  kindWords,
  staffStatusWords,
  kPacketSections,
  type ConsentInput,
  type HandoverPacket,
  type PacketSection,
  type TherapistChange,
  type TherapistListing,
} from '../change_api';
import { firstName, formatDate } from '../format';
import { PacketAbout, SectionBody, SharedSections, sectionList, sectionTitle } from '../handover_view';
import type { AppContext } from '../main';
import { setLeaveGuard, useLeaveGuard } from '../router';
import { Alert, FormErrorSummary, Loading, PageTitle, SelectField, TextAreaField, useLoad } from '../ui';

export function ChangePage({ ctx, changeId }: { ctx: AppContext; changeId: number }) {
  const forClient = ctx.user.role === 'client';
  const loaded = useLoad(() => changeApi.get(changeId), [changeId]);
  // The change as it now stands: after consent, assignment or withdrawal, the server's answer.
  const [current, setCurrent] = useState<TherapistChange>();
  useEffect(() => setCurrent(undefined), [changeId]);
  const change = current ?? loaded.data;
  const title = forClient ? 'Your change of therapist' : change ? `Change of therapist: ${change.client_name}` : 'Change of therapist';
  if (loaded.loading && !change) return <Loading what="the change of therapist" />;
  if (!change) {
    return (
      <div class="page narrow-page">
        <Crumbs ctx={ctx} />
        <PageTitle title={title}>{title}</PageTitle>
        <Alert>
          {loaded.error?.status === 404 ? 'This change of therapist does not exist or is not shared with you.' : loaded.error?.message ?? 'It could not be loaded.'}
        </Alert>
        <p>
          <a href="/">{forClient ? 'Back to your home page' : 'Back to home'}</a>
        </p>
      </div>
    );
  }
  return (
    <div class="page narrow-page change-page">
      <Crumbs ctx={ctx} change={change} />
      <PageTitle title={title}>{title}</PageTitle>
      {forClient ? (
        <ClientChange change={change} onChanged={setCurrent} />
      ) : (
        <StaffChange ctx={ctx} change={change} onChanged={setCurrent} />
      )}
    </div>
  );
}

function Crumbs({ ctx, change }: { ctx: AppContext; change?: TherapistChange }) {
  const role = ctx.user.role;
  const sep = (
    <>
      {' '}
      <span aria-hidden="true">›</span>{' '}
    </>
  );
  if (role === 'client') {
    return (
      <p class="breadcrumb">
        <a href="/">Home</a>
        {sep}Your change of therapist
      </p>
    );
  }
  if (role === 'admin') {
    return (
      <p class="breadcrumb">
        <a href="/">Home</a>
        {sep}
        <a href="/therapist-changes">Changes of therapist</a>
        {sep}
        {change?.client_name ?? 'Change of therapist'}
      </p>
    );
  }
  return (
    <p class="breadcrumb">
      <a href="/">{role === 'therapist' ? 'Caseload' : 'Home'}</a>
      {sep}
      {change ? <a href={`/episodes/${change.episode_id}`}>{change.client_name}</a> : 'Episode'}
      {sep}Referral
    </p>
  );
}

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, String(e));
}

// Where the client's next therapist comes from, in their words.
function nextTherapistWords(c: TherapistChange): string {
  if (c.new_therapist_name) return c.new_therapist_name;
  if (c.to_therapist_name) return c.to_therapist_name;
  if (c.to_outside) return c.to_outside;
  return 'your next therapist';
}

// --- The client --------------------------------------------------------------------------------

// What a step just did, said once it is taken; the message takes focus, as the form it replaces
// is gone.
function useSaid() {
  const [said, setSaid] = useState<string>();
  const saidRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (said) saidRef.current?.focus();
  }, [said]);
  return [said, setSaid, saidRef] as const;
}

function ClientChange({ change: c, onChanged }: { change: TherapistChange; onChanged: (c: TherapistChange) => void }) {
  // The outcome of the client's own step, said once it is taken.
  const [said, setSaid, saidRef] = useSaid();
  const done = (next: TherapistChange, words: string) => {
    setLeaveGuard(null);
    onChanged(next);
    setSaid(words);
  };
  return (
    <>
      {said && (
        <div ref={saidRef} tabIndex={-1} class="change-outcome">
          <Alert kind="success">{said}</Alert>
        </div>
      )}
      <ClientAbout change={c} />
      {c.status === 'awaiting-consent' && c.packet && <Review change={c} packet={c.packet} onDone={done} />}
      {c.status === 'awaiting-consent' && !c.packet && <Alert>What would be shared could not be drafted just now. Please try again later.</Alert>}
      {c.status !== 'awaiting-consent' && c.status !== 'withdrawn' && c.packet && (
        <section class="card" aria-labelledby="shared-heading">
          <h2 id="shared-heading">What you shared</h2>
          <p>Your next therapist sees only this. What you kept to yourself was never stored with it.</p>
          <PacketAbout packet={c.packet} forClient />
          <SharedSections packet={c.packet} forClient level={3} notShared />
        </section>
      )}
      {isOpen(c.status) && <Withdraw change={c} forClient onDone={done} />}
    </>
  );
}

// Why there is a change, and where it stands.
function ClientAbout({ change: c }: { change: TherapistChange }) {
  const from = c.from_therapist_name;
  return (
    <section class="card card--accent" aria-labelledby="about-heading">
      <h2 id="about-heading">{c.kind === 'referral' ? 'A suggestion from your therapist' : 'You asked for a different therapist'}</h2>
      {c.kind === 'client-request' ? (
        <>
          <p>
            You asked on {formatDate(c.requested_at)}. Thank you for saying so: finding the right fit matters, and you do not need to give a
            reason.
          </p>
          {isOpen(c.status) && <p>{from} is told only once your new therapist is arranged.</p>}
        </>
      ) : (
        <>
          <p>
            {from} suggests you continue with {c.to_therapist_name ?? (c.to_outside || 'another therapist')}
            {c.to_outside && !c.to_therapist_name ? ', outside the clinic' : ''}.
          </p>
          {c.reason && (
            <>
              <h3>Why</h3>
              <p class="pre-line break">{c.reason}</p>
            </>
          )}
        </>
      )}
      <ClientStatus change={c} />
    </section>
  );
}

function ClientStatus({ change: c }: { change: TherapistChange }) {
  switch (c.status) {
    case 'awaiting-consent':
      return <p class="label">Next: look over what could go to your next therapist, and choose what to share.</p>;
    case 'consented':
      return (
        <p class="label">
          You chose what to share on {formatDate(c.consented_at)}. The clinic is now finding your next therapist and will let you know.
        </p>
      );
    case 'done':
      return (
        <p class="label">
          {c.new_therapist_name
            ? `Arranged: your care continues with ${c.new_therapist_name}.`
            : `Arranged: your care continues with ${nextTherapistWords(c)}.`}
        </p>
      );
    case 'withdrawn':
      return (
        <p class="label">
          Withdrawn on {formatDate(c.decided_at)}. You continue with {c.from_therapist_name}. You can ask again at any time from your home page.
        </p>
      );
  }
}

type WordsKey = 'what_helped' | 'what_did_not' | 'preferences';

const kLeaveQuestion = 'What you have written here is not saved until you share it. Leave this page and lose it?';

// The draft, section by section, with what the client writes and ticks, and the consent.
function Review({ change: c, packet, onDone }: { change: TherapistChange; packet: HandoverPacket; onDone: (c: TherapistChange, words: string) => void }) {
  const [share, setShare] = useState<PacketSection[]>(() => [...kPacketSections]);
  const [words, setWords] = useState<Record<WordsKey, string>>(() => ({
    what_helped: packet.what_helped ?? '',
    what_did_not: packet.what_did_not ?? '',
    preferences: packet.preferences ?? '',
  }));
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!error || error.fields.length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);

  const written =
    words.what_helped !== (packet.what_helped ?? '') || words.what_did_not !== (packet.what_did_not ?? '') || words.preferences !== (packet.preferences ?? '');
  useLeaveGuard(written, kLeaveQuestion);

  const ticked = (s: PacketSection) => share.includes(s);
  const tick = (s: PacketSection, on: boolean) => setShare((old) => kPacketSections.filter((x) => (x === s ? on : old.includes(x))));
  const write = (key: WordsKey) => (value: string) => setWords((old) => ({ ...old, [key]: value }));
  const at = (field: string) => error?.fieldMessage(field);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    // The words of a section not ticked are not even sent.
    const body: ConsentInput = { share };
    if (ticked('what-helped')) {
      body.what_helped = words.what_helped;
      body.what_did_not = words.what_did_not;
    }
    if (ticked('preferences')) body.preferences = words.preferences;
    setBusy(true);
    setError(undefined);
    try {
      const next = await changeApi.consent(c.id, body);
      onDone(
        next,
        share.length > 0
          ? `Thank you. You shared ${sectionList(share, true)}. The clinic will now find your next therapist and let you know.`
          : 'Thank you. You chose not to share any of the sections. The clinic will now find your next therapist and let you know.',
      );
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  const kept = kPacketSections.filter((s) => !ticked(s));
  return (
    <form ref={formRef} class="form change-review" onSubmit={submit} noValidate>
      <section class="card" aria-labelledby="review-heading">
        <h2 id="review-heading">What could go to your next therapist</h2>
        <p>
          Here it is, section by section, so that your next therapist does not have to start from nothing. Untick anything you would rather keep to
          yourself.
        </p>
        <p class="label">
          Only what is ticked is shared, and nothing is shared until you press “Share what I ticked”.
        </p>
        <PacketAbout packet={packet} forClient />
      </section>
      <FormErrorSummary error={error} fields={['what_helped', 'what_did_not', 'preferences']} />
      {kPacketSections.map((s) => (
        <section key={s} class="card share-section" aria-labelledby={`section-${s}`}>
          <h2 id={`section-${s}`}>{sectionTitle(s, true)}</h2>
          {s === 'plan' && <p class="small muted">The goals you set with {packet.from_therapist_name}, and how far you have come with each.</p>}
          {s === 'measures' && <p class="small muted">The questionnaires you filled in: your first and your latest answers.</p>}
          {s === 'what-helped' ? (
            <>
              <p class="small muted">In your own words. You can leave these empty.</p>
              <TextAreaField
                label="What helped"
                name="what_helped"
                rows={3}
                value={words.what_helped}
                onInput={write('what_helped')}
                error={at('what_helped')}
              />
              <TextAreaField
                label="What did not help"
                name="what_did_not"
                rows={3}
                value={words.what_did_not}
                onInput={write('what_did_not')}
                error={at('what_did_not')}
              />
            </>
          ) : s === 'preferences' ? (
            <TextAreaField
              label="What you would like from your next therapist"
              name="preferences"
              hint="Anything that would help it fit you better: a way of working, homework or none, times of day, anything else."
              rows={4}
              value={words.preferences}
              onInput={write('preferences')}
              error={at('preferences')}
            />
          ) : (
            <SectionBody packet={packet} section={s} forClient level={2} />
          )}
          <ShareBox section={s} checked={ticked(s)} onChange={(on) => tick(s, on)} />
        </section>
      ))}
      <section class="card card--accent" aria-labelledby="consent-heading">
        <h2 id="consent-heading">Share what you ticked</h2>
        {share.length > 0 ? <p>You are sharing {sectionList(share, true)}.</p> : <p>You are not sharing any of the sections.</p>}
        {kept.length > 0 && <p>You are keeping to yourself {sectionList(kept, true)}. It is not stored with what is shared.</p>}
        <p class="small muted">Your next therapist also sees your name, when your therapy began and how many sessions you had.</p>
        <button class="button button--primary button--block" type="submit" aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Sharing…' : 'Share what I ticked'}
        </button>
      </section>
    </form>
  );
}

function ShareBox({ section, checked, onChange }: { section: PacketSection; checked: boolean; onChange: (on: boolean) => void }) {
  const id = `share-${section}`;
  return (
    <div class="check share-box">
      <input id={id} type="checkbox" name="share" value={section} checked={checked} onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)} />
      <label for={id}>
        Share this<span class="visually-hidden">: {sectionTitle(section, true)}</span>
      </label>
    </div>
  );
}

// Taking a change back, after an in-page question: the client's own request, or a referral (by the
// client, or by the therapist who made it).
function Withdraw({ change: c, forClient, onDone }: { change: TherapistChange; forClient: boolean; onDone: (c: TherapistChange, words: string) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const keepRef = useRef<HTMLButtonElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) keepRef.current?.focus();
  }, [asking]);
  const label = forClient ? (c.kind === 'referral' ? 'Decline the referral' : 'Withdraw my request') : 'Withdraw the referral';
  const question = forClient
    ? `${label}? You stay with ${c.from_therapist_name}, and nothing is shared.`
    : `Withdraw the referral of ${c.client_name}? Nothing is shared, and they stay with ${c.from_therapist_name}.`;
  async function withdraw() {
    setBusy(true);
    setError(undefined);
    try {
      const next = await changeApi.withdraw(c.id);
      onDone(
        next,
        forClient
          ? `Done. You continue with ${c.from_therapist_name}, and nothing was shared. You can ask again at any time.`
          : `The referral was withdrawn. ${c.client_name} continues with ${c.from_therapist_name}.`,
      );
    } catch (e) {
      setError(asApiError(e).message);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  }
  return (
    <section class="card" aria-labelledby="withdraw-heading">
      <h2 id="withdraw-heading">{forClient ? 'Changed your mind?' : 'Withdraw'}</h2>
      {error && <Alert>{error}</Alert>}
      {asking ? (
        <div class="confirm" role="group" aria-labelledby="withdraw-question">
          <p id="withdraw-question">{question}</p>
          <button class="button" type="button" disabled={busy} onClick={withdraw}>
            Yes, {label.charAt(0).toLowerCase() + label.slice(1)}
          </button>
          <button
            class="button button--quiet"
            type="button"
            ref={keepRef}
            disabled={busy}
            onClick={() => {
              setAsking(false);
              setTimeout(() => startRef.current?.focus(), 0);
            }}
          >
            {forClient ? 'No, keep it' : 'Keep the referral'}
          </button>
        </div>
      ) : (
        <>
          <p>{forClient ? `If you would rather stay with ${c.from_therapist_name}, you can take this back. Nothing is shared.` : 'While it is open, you can take the referral back.'}</p>
          <button class="button" type="button" ref={startRef} onClick={() => setAsking(true)}>
            {label}
          </button>
        </>
      )}
    </section>
  );
}

// --- Staff ---------------------------------------------------------------------------------------

function Row({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function StaffChange({ ctx, change: c, onChanged }: { ctx: AppContext; change: TherapistChange; onChanged: (c: TherapistChange) => void }) {
  const isAdmin = ctx.user.role === 'admin';
  const [said, setSaid, saidRef] = useSaid();
  const done = (next: TherapistChange, words: string) => {
    onChanged(next);
    setSaid(words);
  };
  const client = c.client_name;
  return (
    <>
      {said && (
        <div ref={saidRef} tabIndex={-1} class="change-outcome">
          <Alert kind="success">{said}</Alert>
        </div>
      )}
      <section class="card card--accent" aria-labelledby="request-heading">
        <h2 id="request-heading">The request</h2>
        <dl class="details details--long-terms">
          <Row term="Client">{client}</Row>
          <Row term="Therapist now">{c.from_therapist_name}</Row>
          <Row term="Asked by">{kindWords(c)}</Row>
          <Row term="Asked on">{formatDate(c.requested_at)}</Row>
          {c.kind === 'referral' && <Row term="Referred to">{c.to_therapist_name ?? (c.to_outside ? `${c.to_outside} (outside the clinic)` : 'Anyone suitable in the clinic')}</Row>}
          <Row term="Where it stands">{staffStatusWords(c)}</Row>
          {c.consented_at && <Row term="Client agreed on">{formatDate(c.consented_at)}</Row>}
          {c.status === 'done' && (
            <Row term="Care continues with">{c.new_therapist_name ?? (c.to_outside ? `${c.to_outside} (outside the clinic)` : '—')}</Row>
          )}
          {c.decided_at && <Row term={c.status === 'withdrawn' ? 'Withdrawn on' : 'Arranged on'}>{formatDate(c.decided_at)}</Row>}
        </dl>
        {c.kind === 'referral' && c.reason && (
          <>
            <h3>Reason for the referral</h3>
            <p class="pre-line break">{c.reason}</p>
          </>
        )}
        {c.status === 'awaiting-consent' && (
          <p>
            {firstName(client)} has not yet looked over what would be shared. Nothing is shared, and nothing can be arranged, until they have
            {isAdmin ? '; you will be told when they have.' : '.'}
          </p>
        )}
        {c.status === 'done' && c.new_episode_id !== null && isAdmin && (
          <p>A new episode has started in intake with {c.new_therapist_name ?? 'the new therapist'}; the previous one ended as transferred.</p>
        )}
      </section>
      {c.packet && c.status !== 'awaiting-consent' && (
        <section class="card" aria-labelledby="packet-heading">
          <h2 id="packet-heading">What {client} shared</h2>
          <p class="small">
            {client} chose what to share with their next therapist. Only those sections are kept; the rest was never stored.
          </p>
          <PacketAbout packet={c.packet} forClient={false} />
          <SharedSections packet={c.packet} forClient={false} level={3} />
        </section>
      )}
      {isAdmin && c.status === 'consented' && <AssignForm change={c} onDone={done} />}
      {!isAdmin && c.kind === 'referral' && isOpen(c.status) && <Withdraw change={c} forClient={false} onDone={done} />}
    </>
  );
}

// The intake coordinator chooses who takes the client on: any active therapist of the clinic but
// the one they are leaving, the referral's colleague first; or, for a referral outside the clinic,
// no one here.
function AssignForm({ change: c, onDone }: { change: TherapistChange; onDone: (c: TherapistChange, words: string) => void }) {
  const therapists = useLoad(() => changeApi.therapists(), []);
  const outside = !!c.to_outside;
  const [chosen, setChosen] = useState<string>(c.to_therapist_id ? String(c.to_therapist_id) : '');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (error?.fields.length) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);
  const choices: TherapistListing[] = (therapists.data ?? []).filter((t) => t.id !== c.from_therapist_id);
  const options = [
    { value: '', label: outside ? `No one here: refer to ${c.to_outside}` : 'Choose a therapist' },
    ...choices.map((t) => ({
      value: String(t.id),
      label: t.accepting_new_clients === false ? `${t.display_name} (not taking new clients)` : t.display_name,
    })),
  ];
  const completing = outside && chosen === '';

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    if (chosen === '' && !outside) {
      const message = 'Choose the new therapist.';
      setError(new ApiError(400, message, [{ field: 'therapist_id', message }]));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const next = await changeApi.assign(c.id, chosen === '' ? null : Number(chosen));
      onDone(
        next,
        next.new_therapist_name
          ? `${c.client_name}’s care now continues with ${next.new_therapist_name}. The previous episode ended as transferred, and a new one has started in intake.`
          : `The referral is complete: ${c.client_name}’s care continues with ${c.to_outside}. The episode ended as referred out.`,
      );
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="assign-heading">
      <h2 id="assign-heading">Choose the new therapist</h2>
      <p class="small">
        Assigning ends the episode with {c.from_therapist_name} as transferred, cancels its future sessions and starts a new episode in intake. The new
        therapist sees only what {c.client_name} chose to share.
      </p>
      {therapists.loading && !therapists.data && <Loading what="the clinic’s therapists" />}
      {therapists.error && <Alert>{therapists.error.message}</Alert>}
      <form ref={formRef} class="form" onSubmit={submit} noValidate>
        <FormErrorSummary error={error} fields={['therapist_id']} />
        <SelectField
          label="New therapist"
          name="therapist_id"
          value={chosen}
          onInput={setChosen}
          options={options}
          hint={
            c.to_therapist_name
              ? `${c.from_therapist_name} suggested ${c.to_therapist_name}.`
              : outside
                ? `${c.from_therapist_name} referred ${c.client_name} to ${c.to_outside}, outside the clinic.`
                : undefined
          }
          error={error?.fieldMessage('therapist_id')}
        />
        <button class="button button--primary" type="submit" aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Arranging…' : completing ? 'Complete the referral' : 'Assign'}
        </button>
      </form>
    </section>
  );
}
