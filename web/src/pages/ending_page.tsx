// Ending an episode: the therapist (or their supervisor) says why therapy is ending and writes the
// words the client keeps (what helped, what did not, early signs to watch for, what to do if they
// return, places to turn to), with the record so far (questionnaires first and last, goals) in view
// beside the form. Sending ends the episode and leads to the discharge summary.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, asSentence } from '../api';
import { courseApi, kEndReasons, kMaxReferrals, type DischargeSummary, type EndReason, type EndingInput } from '../course_api';
import { formatDate } from '../format';
import type { AppContext } from '../main';
import { navigate, setLeaveGuard, useLeaveGuard } from '../router';
import { Alert, Field, FormErrorSummary, Loading, PageTitle, RadioGroup, TextAreaField, useLoad } from '../ui';

// A place to refer to being written; `key` keeps each row's fields its own when one above is removed.
interface ReferralRow {
  key: number;
  name: string;
  contact: string;
  why: string;
}

type TextKey = 'ending_note' | 'what_helped' | 'what_did_not' | 'relapse_signs' | 'if_it_returns';

interface EndingDraft extends Record<TextKey, string> {
  reason: EndReason | '';
  referrals: ReferralRow[];
}

let nextKey = 1;
const newRow = (): ReferralRow => ({ key: nextKey++, name: '', contact: '', why: '' });
const filled = (r: ReferralRow) => !!(r.name.trim() || r.contact.trim() || r.why.trim());

const kTexts: TextKey[] = ['ending_note', 'what_helped', 'what_did_not', 'relapse_signs', 'if_it_returns'];

const kLeaveQuestion = 'What you have written here is not saved until therapy is ended. Leave this page and lose it?';

// Every field the form shows, for the error summary to list only those with no place beside a field.
function placedFields(sent: number): string[] {
  const rows = Array.from({ length: sent }, (_, i) => [`referrals/${i}`, `referrals/${i}/name`, `referrals/${i}/contact`, `referrals/${i}/why`]);
  return ['reason', 'referrals', ...kTexts, ...rows.flat()];
}

export function EndingPage({ ctx, episodeId }: { ctx: AppContext; episodeId: number }) {
  const record = useLoad(() => courseApi.summary(episodeId), [episodeId]);
  const s = record.data;
  const title = s ? `End therapy with ${s.client_name}` : 'End therapy';
  return (
    <div class="page ending-page">
      <p class="breadcrumb">
        <a href="/">{ctx.user.role === 'therapist' ? 'Caseload' : 'Home'}</a> <span aria-hidden="true">›</span>{' '}
        <a href={`/episodes/${episodeId}`}>{s?.client_name ?? 'Episode'}</a> <span aria-hidden="true">›</span> Ending therapy
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      {record.loading && !s && <Loading what="the record" />}
      {record.error && (
        <Alert>{record.error.status === 404 ? 'This episode does not exist or is not on your caseload.' : record.error.message}</Alert>
      )}
      {s && !s.draft && (
        <Alert kind="info">
          <p>This episode has already ended.</p>
          <p>
            <a href={`/episodes/${episodeId}/summary`}>Discharge summary</a>
          </p>
        </Alert>
      )}
      {s && s.draft && (
        <div class="ending-layout">
          <TheRecord summary={s} />
          <EndingForm episodeId={episodeId} clientName={s.client_name} />
        </div>
      )}
    </div>
  );
}

// What the record says so far, to write the ending with it in view.
function TheRecord({ summary: s }: { summary: DischargeSummary }) {
  return (
    <section class="card ending-record" aria-labelledby="record-heading">
      <h2 id="record-heading">The record so far</h2>
      <p class="small muted">
        Since {formatDate(s.started_at)} · {s.sessions_attended} session{s.sessions_attended === 1 ? '' : 's'} attended
      </p>
      <h3>Questionnaires</h3>
      {s.measures.length === 0 ? (
        <p class="muted">No questionnaires were answered.</p>
      ) : (
        <ul class="plain-list">
          {s.measures.map((m) => (
            <li key={m.instrument}>{m.sentence}</li>
          ))}
        </ul>
      )}
      <h3>Goals</h3>
      {s.goals.length === 0 ? (
        <p class="muted">The plan has no goals.</p>
      ) : (
        <ul class="plain-list">
          {s.goals.map((g) => (
            <li key={g.key}>
              {g.description}
              <span class="block label">{g.achievement_words}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function EndingForm({ episodeId, clientName }: { episodeId: number; clientName: string }) {
  const [d, setDraft] = useState<EndingDraft>({
    reason: '',
    ending_note: '',
    what_helped: '',
    what_did_not: '',
    relapse_signs: '',
    if_it_returns: '',
    referrals: [],
  });
  const [error, setError] = useState<ApiError>();
  // The keys of the rows sent with the last try, in order: the server names them by that index.
  const [sentKeys, setSentKeys] = useState<number[]>([]);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  // After a refusal, focus goes to the first field marked, or the first control of a marked group
  // (the "Add" button of a list of places that has none yet).
  useEffect(() => {
    if (!error || error.fields.length === 0) return;
    formRef.current
      ?.querySelector<HTMLElement>('[aria-invalid="true"], .fieldset--invalid input, .fieldset--invalid textarea, .fieldset--invalid button')
      ?.focus();
  }, [error]);

  // Written words are not lost to a stray link, Back or closing the tab without a word.
  const dirty = kTexts.some((k) => d[k].trim()) || d.referrals.some(filled);
  useLeaveGuard(dirty, kLeaveQuestion);

  const set = (change: Partial<EndingDraft>) => setDraft((old) => ({ ...old, ...change }));
  const text = (key: TextKey) => (value: string) => set({ [key]: value } as Partial<EndingDraft>);
  const at = (field: string) => error?.fieldMessage(field);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    if (!d.reason) {
      const message = 'Choose why therapy is ending.';
      setError(new ApiError(400, message, [{ field: 'reason', message }]));
      return;
    }
    // Rows left empty are not places; they are not sent.
    const sent = d.referrals.filter(filled);
    const body: EndingInput = {
      reason: d.reason,
      ending_note: d.ending_note,
      what_helped: d.what_helped,
      what_did_not: d.what_did_not,
      relapse_signs: d.relapse_signs,
      if_it_returns: d.if_it_returns,
      referrals: sent.map((r) => ({ name: r.name, contact: r.contact, why: r.why })),
    };
    setBusy(true);
    setError(undefined);
    try {
      await courseApi.endEpisode(episodeId, body);
      setLeaveGuard(null);
      // In place of this page: Back from the summary leads to the episode, not to a form already sent.
      navigate(`/episodes/${episodeId}/summary?ended=1`, true);
    } catch (err) {
      setSentKeys(sent.map((r) => r.key));
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  // The server's "is required" beside the ending note says why it is needed.
  const noteError = at('ending_note');
  const noteMessage =
    noteError && /required/i.test(noteError)
      ? 'With “Other” as the reason, write the ending conversation or the message you sent: it is what the summary gives as the reason.'
      : noteError;
  const reasonError = at('reason') ? 'Choose why therapy is ending.' : undefined;

  return (
    <form class="form ending-form" ref={formRef} onSubmit={submit} noValidate>
      <FormErrorSummary error={error} fields={placedFields(sentKeys.length)} />
      {error?.status === 409 && (
        <p>
          <a href={`/episodes/${episodeId}/summary`}>Discharge summary</a>
        </p>
      )}
      <section class="card" aria-labelledby="ending-reason-heading">
        <h2 id="ending-reason-heading">The ending</h2>
        <RadioGroup
          legend="Why is therapy ending?"
          name="reason"
          // Nothing chosen yet matches no option.
          value={d.reason as EndReason}
          options={kEndReasons}
          onChange={(reason: EndReason) =>
            // Referring out needs a place: a first row is ready to fill in.
            setDraft((old) => ({ ...old, reason, referrals: reason === 'referred-out' && old.referrals.length === 0 ? [newRow()] : old.referrals }))
          }
          error={reasonError}
        />
        <TextAreaField
          label="The ending conversation or message"
          name="ending_note"
          hint="What you said to each other in the last session, or the message you sent. Needed when the reason is “Other”."
          rows={4}
          required={d.reason === 'other'}
          value={d.ending_note}
          onInput={text('ending_note')}
          error={noteMessage}
        />
      </section>
      <section class="card" aria-labelledby="ending-words-heading">
        <h2 id="ending-words-heading">For {clientName}’s summary</h2>
        <p class="small">{clientName} reads these words in their summary and can keep it. Plain, warm words work best.</p>
        <TextAreaField
          label="What helped"
          name="what_helped"
          hint="What made a difference, in words they will recognise."
          rows={4}
          value={d.what_helped}
          onInput={text('what_helped')}
          error={at('what_helped')}
        />
        <TextAreaField
          label="What did not help"
          name="what_did_not"
          hint="So that any future help can start from what is already known."
          rows={3}
          value={d.what_did_not}
          onInput={text('what_did_not')}
          error={at('what_did_not')}
        />
        <TextAreaField
          label="Early signs that things are slipping"
          name="relapse_signs"
          hint="What they might notice first if things start to go back: sleep, worry, pulling away from people."
          rows={3}
          value={d.relapse_signs}
          onInput={text('relapse_signs')}
          error={at('relapse_signs')}
        />
        <TextAreaField
          label="What to do if they return"
          name="if_it_returns"
          hint="First steps they can take on their own, and when to get in touch again."
          rows={3}
          value={d.if_it_returns}
          onInput={text('if_it_returns')}
          error={at('if_it_returns')}
        />
        <ReferralRows
          rows={d.referrals}
          onChange={(referrals) => set({ referrals })}
          groupError={at('referrals')}
          errorAt={(key, part) => {
            const i = sentKeys.indexOf(key);
            return i < 0 ? undefined : at(`referrals/${i}/${part}`);
          }}
          rowError={(key) => {
            const i = sentKeys.indexOf(key);
            return i < 0 ? undefined : at(`referrals/${i}`);
          }}
        />
      </section>
      <section class="card" aria-labelledby="ending-send-heading">
        <h2 id="ending-send-heading">End therapy</h2>
        <p>Ending cannot be undone. Any sessions still booked are cancelled, and {clientName} can then read their summary.</p>
        <button class="button button--primary button--block" type="submit" aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Ending therapy…' : 'End therapy and write the summary'}
        </button>
      </section>
    </form>
  );
}

// Places outside the clinic, one small group each ("Place 1"), added and removed one at a time.
function ReferralRows(props: {
  rows: ReferralRow[];
  onChange: (rows: ReferralRow[]) => void;
  groupError?: string;
  errorAt: (key: number, part: 'name' | 'contact' | 'why') => string | undefined;
  rowError: (key: number) => string | undefined;
}) {
  const id = useId();
  const list = useRef<HTMLDivElement>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  // After adding, the new row's name takes focus; after removing, the row now in its place (or the
  // add button), so that the keyboard is never left on nothing.
  const focusAfter = useRef<number | null>(null);
  useEffect(() => {
    const want = focusAfter.current;
    if (want === null) return;
    focusAfter.current = null;
    const rows = list.current?.querySelectorAll<HTMLElement>('.referral-row') ?? [];
    const target = want < rows.length ? rows[want]?.querySelector<HTMLElement>('input') : addButton.current;
    (target ?? addButton.current)?.focus();
  }, [props.rows.length]);

  const update = (i: number, change: Partial<ReferralRow>) => props.onChange(props.rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const full = props.rows.length >= kMaxReferrals;
  return (
    <fieldset
      class={props.groupError ? 'fieldset fieldset--invalid' : 'fieldset'}
      aria-describedby={`${id}-hint${props.groupError ? ` ${id}-error` : ''}`}
    >
      <legend>Places to refer to</legend>
      <p class="hint" id={`${id}-hint`}>
        Services or people outside the clinic they can turn to. At least one is needed when the reason is “Referred to care outside the clinic”.
      </p>
      {props.rows.length > 0 && (
        <div class="time-rows" ref={list}>
          {props.rows.map((r, i) => {
            const rowError = props.rowError(r.key);
            return (
              <fieldset
                key={r.key}
                class={rowError ? 'fieldset fieldset--inner referral-row fieldset--invalid' : 'fieldset fieldset--inner referral-row'}
                aria-describedby={rowError ? `${id}-${r.key}-error` : undefined}
              >
                <legend>Place {i + 1}</legend>
                <Field label="Name" name={`referral-${i}-name`} required autoComplete="off" value={r.name} onInput={(name) => update(i, { name })} error={props.errorAt(r.key, 'name')} />
                <Field
                  label="Contact"
                  name={`referral-${i}-contact`}
                  hint="A phone number, address or website."
                  autoComplete="off"
                  value={r.contact}
                  onInput={(contact) => update(i, { contact })}
                  error={props.errorAt(r.key, 'contact')}
                />
                <TextAreaField
                  label="What they can help with"
                  name={`referral-${i}-why`}
                  rows={2}
                  value={r.why}
                  onInput={(why) => update(i, { why })}
                  error={props.errorAt(r.key, 'why')}
                />
                {rowError && (
                  <p class="field-error" id={`${id}-${r.key}-error`}>
                    {asSentence(rowError, `Place ${i + 1}`)}
                  </p>
                )}
                <div>
                  <button
                    type="button"
                    class="button button--small button--quiet"
                    onClick={() => {
                      focusAfter.current = i;
                      props.onChange(props.rows.filter((_, j) => j !== i));
                    }}
                  >
                    Remove
                    <span class="visually-hidden">
                      {' '}
                      place {i + 1}
                      {r.name.trim() ? ` (${r.name.trim()})` : ''}
                    </span>
                  </button>
                </div>
              </fieldset>
            );
          })}
        </div>
      )}
      {props.groupError && (
        <p class="field-error" id={`${id}-error`}>
          {asSentence(props.groupError)}
        </p>
      )}
      <div>
        <button
          type="button"
          class="button button--small"
          ref={addButton}
          disabled={full}
          onClick={() => {
            focusAfter.current = props.rows.length;
            props.onChange([...props.rows, newRow()]);
          }}
        >
          Add a place to refer to
        </button>
        {full && <p class="hint">Ten places is the most a summary lists.</p>}
      </div>
    </fieldset>
  );
}
