// The suggested therapists for one client: up to three cards, each with who the therapist is, the
// reasons in plain words (built by the server from the same facts it matched on), wishes not met
// said gently, and the way to ask for a first appointment. When nobody meets the client's needs,
// which need left everyone out, with a way back to that answer. Clients never see a figure about
// outcomes; an admin sees the clinic's small outcome lean, when the clinic uses it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { firstName, modalityLabel } from './format';
import { isStaffOffer, licenceVerified, matchingApi, type AnyOffer, type Match, type MatchResult, type Needs, type ShownIdentity } from './matching_api';
import { blockingWords, kAgeBands, kChangeNeed, kHardNeeds, kLanguages, kNeedNames, leftOutWords, listWords, nameOf } from './matching_words';
import { Alert, Heading, Loading, TextAreaField, useLoad } from './ui';

export type Audience = 'client' | 'staff';

// What a client sees of a therapist's identity: only what the therapist chose to show.
export function shownIdentity(offer: AnyOffer): ShownIdentity {
  if (!isStaffOffer(offer)) return offer.identity ?? {};
  const id = offer.identity;
  const shown: ShownIdentity = {};
  if (id.age_band.shown && id.age_band.value) shown.age_band = id.age_band.value;
  if (id.gender_identity.shown && id.gender_identity.value) shown.gender_identity = id.gender_identity.value;
  if (id.cultural_background.shown && id.cultural_background.value) shown.cultural_background = id.cultural_background.value;
  if (id.faith.shown && id.faith.value) shown.faith = id.faith.value;
  if (id.lgbtq_affirming.shown && id.lgbtq_affirming.value !== null) shown.lgbtq_affirming = id.lgbtq_affirming.value;
  return shown;
}

function identityWords(identity: ShownIdentity): string[] {
  return [
    identity.gender_identity,
    identity.age_band ? nameOf(kAgeBands, identity.age_band).replace(/^In their/, 'in their') : undefined,
    identity.cultural_background,
    identity.faith,
    identity.lgbtq_affirming === true ? 'LGBTQ+ affirming' : undefined,
  ].filter((w): w is string => !!w);
}

function sentence(text: string): string {
  const t = text.trim();
  return t ? t.charAt(0).toUpperCase() + t.slice(1) : t;
}

// "+0.02": the outcome term's sign matters as much as its size.
function leanWords(outcome: number): string {
  return `${outcome > 0 ? '+' : outcome < 0 ? '−' : ''}${Math.abs(outcome).toFixed(2)}`;
}

export function Matches(props: {
  clientId: number;
  needs: Needs;
  audience: Audience;
  // The client's name, for staff.
  clientName?: string;
  headingLevel: number;
  // Changes whenever the matches should be asked for again.
  version: number;
  // Changes each time the preferences are saved: once the new matches are in, the heading takes
  // focus so that the person hears that their matches are here. 0: not yet.
  focusWhen: number;
  onAsked: (therapistName: string) => void;
  onChangeNeed: (field: string) => void;
}) {
  const loaded = useLoad(() => matchingApi.matches(props.clientId, 3), [props.clientId, props.version]);
  const heading = useRef<HTMLHeadingElement>(null);
  const focused = useRef(0);
  useEffect(() => {
    if (!loaded.data || loaded.loading || props.focusWhen === 0 || focused.current === props.focusWhen) return;
    focused.current = props.focusWhen;
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'start' });
  }, [loaded.data, loaded.loading, props.focusWhen]);

  // Why the list changed under the person's hand (a therapist no longer meets a need).
  const [stale, setStale] = useState<string>();
  const staleRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (stale) staleRef.current?.focus();
  }, [stale]);
  useEffect(() => setStale(undefined), [props.version]);
  const onStale = (message: string) => {
    setStale(message);
    loaded.reload();
  };

  const title = props.audience === 'client' ? 'Your matches' : `Matches for ${props.clientName ?? 'this client'}`;
  const result = loaded.data;
  return (
    <section class={props.headingLevel === 2 ? 'card card--accent matches' : 'subsection matches'} aria-labelledby={`matches-heading-${props.clientId}`}>
      <Heading level={props.headingLevel} id={`matches-heading-${props.clientId}`} tabIndex={-1} headingRef={heading}>
        {title}
      </Heading>
      <div tabIndex={-1} ref={staleRef}>
        {stale && <Alert kind="info">{stale} The list below is up to date.</Alert>}
      </div>
      {loaded.loading && !result && <Loading what="matches" />}
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      {result && result.matches.length > 0 && (
        <>
          <p>
            {props.audience === 'client'
              ? 'These therapists meet everything you need. They are suggestions: the choice is yours.'
              : 'Each meets every need the client gave. They are suggestions: the client chooses.'}
          </p>
          <FewerThanHoped result={result} audience={props.audience} />
          <ol class="match-list" aria-label="Suggested therapists, best fit first">
            {result.matches.map((m) => (
              <MatchCard key={m.therapist_id} match={m} clientId={props.clientId} audience={props.audience} level={props.headingLevel + 1} onAsked={props.onAsked} onStale={onStale} />
            ))}
          </ol>
        </>
      )}
      {result && result.matches.length === 0 && (
        <NoMatches result={result} needs={props.needs} audience={props.audience} onChangeNeed={props.onChangeNeed} />
      )}
    </section>
  );
}

// Fewer than three: who was left out, by which need, so that nothing is relaxed unseen.
function FewerThanHoped({ result, audience }: { result: MatchResult; audience: Audience }) {
  const needs = kHardNeeds.filter((n) => (result.left_out_by[n] ?? 0) > 0);
  if (result.matches.length >= 3 || needs.length === 0) return null;
  return (
    <div class="muted small">
      <p>Only {result.matches.length === 1 ? 'one therapist meets' : `${result.matches.length} therapists meet`} everything {audience === 'client' ? 'you need' : 'the client needs'}. Of the others:</p>
      <ul>
        {needs.map((n) => (
          <li key={n}>{audience === 'client' ? leftOutWords(n, result.left_out_by[n]!) : `${sentence(kNeedNames[n])}: ${result.left_out_by[n]} left out`}</li>
        ))}
      </ul>
    </div>
  );
}

function NoMatches({ result, needs, audience, onChangeNeed }: { result: MatchResult; needs: Needs; audience: Audience; onChangeNeed: (field: string) => void }) {
  // The needs that alone left everyone out; else, when it is their combination, every need that
  // left someone out.
  const blocking = result.blocking.length > 0 ? result.blocking : kHardNeeds.filter((n) => (result.left_out_by[n] ?? 0) > 0);
  const alone = result.blocking.length > 0;
  return (
    <div class="no-matches">
      <p>
        {audience === 'client'
          ? 'We could not find a therapist at the clinic who meets everything you need just now.'
          : `None of the ${result.considered} therapists considered meets every need the client gave.`}
      </p>
      {blocking.length > 0 && (
        <>
          <p>{alone ? (blocking.length === 1 ? 'This is what left everyone out:' : 'Each of these, on its own, left everyone out:') : 'No one answer left everyone out; together, these did:'}</p>
          <ul class="plain-list stack">
            {blocking.map((n) => {
              const change = kChangeNeed[n];
              return (
                <li key={n}>
                  <p>{alone ? blockingWords(n, needs) : leftOutWords(n, result.left_out_by[n] ?? 0)}</p>
                  {change && (
                    <button type="button" class="button button--small" onClick={() => onChangeNeed(change.field)}>
                      {change.label}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      <p>
        {audience === 'client'
          ? 'Change it only if the new answer would really work for you, and we will look again. Or keep your answers as they are, and talk with the clinic about what else might help.'
          : 'Change an answer only with the client, knowingly.'}
      </p>
    </div>
  );
}

function MatchCard({ match, clientId, audience, level, onAsked, onStale }: {
  match: Match;
  clientId: number;
  audience: Audience;
  level: number;
  onAsked: (therapistName: string) => void;
  onStale: (message: string) => void;
}) {
  const { offer } = match;
  const name = offer.display_name;
  const identity = identityWords(shownIdentity(offer));
  return (
    <li class="match-card">
      <Heading level={level} class="match-card__name">
        {name}
      </Heading>
      {offer.credentials && <p class="match-card__credentials">{offer.credentials}</p>}
      <p class="small">
        {licenceVerified(offer) ? (
          <span class="badge badge--calm">Licence checked by the clinic</span>
        ) : (
          <span class="muted">The clinic has not checked this licence yet.</span>
        )}
      </p>
      {identity.length > 0 && <p class="small muted">In their own words: {identity.join(' · ')}</p>}
      {offer.about && <p class="match-card__about">{offer.about}</p>}
      <Heading level={level + 1} id={`why-${clientId}-${match.therapist_id}`} class="match-card__why">
        Why we suggest {firstName(name)}
      </Heading>
      <ul class="reasons" aria-labelledby={`why-${clientId}-${match.therapist_id}`}>
        {match.reasons.map((r, i) => (
          <li key={`${i}:${r.kind}:${r.value}`}>{sentence(r.text)}</li>
        ))}
      </ul>
      {match.unmet.length > 0 && (
        <div class="unmet">
          <p class="small">Not everything {audience === 'client' ? 'you' : 'the client'} wished for:</p>
          <ul class="small">
            {match.unmet.map((u) => (
              <li key={u}>{sentence(u)}</li>
            ))}
          </ul>
        </div>
      )}
      <dl class="details">
        {offer.modalities.length > 0 && (
          <div>
            <dt>Ways to meet</dt>
            <dd>{sentence(listWords(offer.modalities.map((m) => modalityLabel(m).toLowerCase())))}</dd>
          </div>
        )}
        {offer.languages.length > 0 && (
          <div>
            <dt>Languages</dt>
            <dd>{listWords(offer.languages.map((l) => nameOf(kLanguages, l)))}</dd>
          </div>
        )}
        {offer.at_a_distance && (
          <div>
            <dt>At a distance</dt>
            <dd>{offer.at_a_distance}</dd>
          </div>
        )}
        {offer.fees && (
          <div>
            <dt>Fees</dt>
            <dd>{offer.fees}</dd>
          </div>
        )}
      </dl>
      {audience === 'staff' && typeof match.outcome === 'number' && (
        <p class="small muted outcome-lean">
          Outcome lean {leanWords(match.outcome)}
          <span class="visually-hidden">:</span> <span>(staff only; from the clinic’s own outcomes, it only orders people who fit about equally well)</span>
        </p>
      )}
      <AskForFirstAppointment clientId={clientId} therapistId={match.therapist_id} name={name} withNote={audience === 'client'} onAsked={onAsked} onStale={onStale} />
    </li>
  );
}

// `withNote`: only the client writes to their therapist; staff asking on their behalf do not.
function AskForFirstAppointment({ clientId, therapistId, name, withNote, onAsked, onStale }: {
  clientId: number;
  therapistId: number;
  name: string;
  withNote: boolean;
  onAsked: (therapistName: string) => void;
  onStale: (message: string) => void;
}) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const noteError = error?.fieldMessage('note');

  // The note, when it is what the server refused, else the alert, takes focus.
  useEffect(() => {
    if (error) box.current?.querySelector<HTMLElement>('[aria-invalid="true"], .ask__error')?.focus();
  }, [error]);

  async function ask() {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await matchingApi.askForFirstAppointment(clientId, therapistId, note.trim());
      onAsked(name);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, String(e));
      // Someone who no longer meets a need (their times changed, say) leaves the list, which is
      // asked for again; the reason is said above it.
      if (err.status === 409 && err.fieldMessage('therapist_id')) onStale(err.message);
      else setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="ask" ref={box}>
      {withNote && (
        <details class="details-disclosure ask__note" open={noteError ? true : undefined}>
          <summary>
            Add a note for {firstName(name)} <span class="optional">(optional)</span>
          </summary>
          <TextAreaField
            label={`A note for ${name}`}
            name="note"
            hint="Anything you would like them to know before they get in touch, such as times that are hard for you."
            rows={3}
            value={note}
            onInput={setNote}
            error={noteError}
          />
        </details>
      )}
      {error && !noteError && (
        <div class="ask__error" tabIndex={-1}>
          <Alert>{error.message}</Alert>
        </div>
      )}
      <button type="button" class="button button--primary button--block" aria-disabled={busy ? 'true' : undefined} onClick={() => void ask()}>
        {busy ? 'Asking…' : `Ask ${name} for a first appointment`}
      </button>
    </div>
  );
}
