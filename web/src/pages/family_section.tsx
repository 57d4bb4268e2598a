// A young person's family as their therapist or supervisor sees it: each parent or carer who
// shares (their relationship, legal authority, how they like to be reached and what they see of
// the record, with a form to change it), consent and assent as recorded and what is still missing
// for the young person's age, the plan items kept from every parent and carer, and the rare,
// irreversible step of showing one of them to one parent or carer because safety requires it.
import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import {
  bandWithArticle,
  consentKindOptions,
  consentKindWords,
  familyApi,
  kAuthorities,
  kConsentStateLabels,
  kContactChannels,
  kRelationships,
  kSectionLabels,
  kSections,
  labelOf,
  listInWords,
  missingConsentWords,
  sectionsInWords,
  type Authority,
  type ConsentKind,
  type ContactChannel,
  type Family,
  type GuardianEntry,
  type Relationship,
  type Section,
  type Sections,
} from '../family_api';
import { firstName, formatDate } from '../format';
import { shortText } from '../plan_words';
import {
  Alert,
  CheckboxField,
  CheckboxGroup,
  Field,
  FormErrorSummary,
  Loading,
  RadioGroup,
  SelectField,
  TextAreaField,
  errorUnder,
  fieldsUnder,
  useFocusFirstError,
  useForm,
  useLoad,
} from '../ui';

// A safety disclosure's reason must say enough to stand on its own in the record.
const kMinReasonChars = 20;

// A calendar date in the browser's own time zone, as a date input holds it.
function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function yearOn(date: string): string {
  const d = new Date(`${date}T12:00:00`);
  if (Number.isNaN(d.getTime())) return '';
  d.setFullYear(d.getFullYear() + 1);
  d.setDate(d.getDate() - 1);
  return localDate(d);
}

export function FamilySection({ clientId }: { clientId: number }) {
  const family = useLoad(() => familyApi.family(clientId), [clientId]);
  const data = family.data;
  return (
    <section class="card family" aria-labelledby="family-heading">
      <h2 id="family-heading">Family and consent</h2>
      {family.loading && !data && <Loading what="the family" />}
      {family.error && <Alert>{family.error.message}</Alert>}
      {data && (
        <>
          <p class="muted small">{ageLine(data)}</p>
          <h3>Parents and carers</h3>
          {data.guardians.length === 0 ? (
            <p class="muted">
              No parent or carer shares in {firstName(data.child_name)}'s care yet: a link still waits to be accepted, or for consent to share.
            </p>
          ) : (
            <ul class="family__guardians">
              {data.guardians.map((g) => (
                <GuardianItem key={g.link_id} family={data} guardian={g} onSaved={family.reload} />
              ))}
            </ul>
          )}
          <Consents family={data} onRecorded={family.reload} />
          <PrivateItems family={data} onShared={family.reload} />
        </>
      )}
    </section>
  );
}

function ageLine(f: Family): string {
  const first = firstName(f.child_name);
  if (f.age === null) return `${first}'s date of birth is not recorded, so they count as an adult.`;
  return `${first} is ${f.age}: ${bandWithArticle(f.age_band)}, by the clinic's ages. What each parent or carer sees follows from that unless you choose otherwise.`;
}

// Where what a guardian sees comes from, in a few words.
function seesBecause(f: Family, g: GuardianEntry): string {
  if (g.sees_by_policy) return `By the clinic's policy for ${bandWithArticle(f.age_band)}`;
  if (g.sections) return 'Chosen by the care team';
  if (g.authority === 'limited_by_court_order') return 'A court order limits them, and nothing is chosen yet';
  return 'The clinic shares only appointments with parents and carers';
}

function GuardianItem({ family, guardian: g, onSaved }: { family: Family; guardian: GuardianEntry; onSaved: () => void }) {
  const headingId = `guardian-${g.link_id}`;
  const seen = sectionsInWords(g.sees);
  return (
    <li>
      <article class="family__guardian" aria-labelledby={headingId}>
        <h4 id={headingId}>{g.guardian_name}</h4>
        <dl class="details details--long-terms">
          <div>
            <dt>Relationship</dt>
            <dd>{labelOf(kRelationships, g.relationship)}</dd>
          </div>
          <div>
            <dt>Legal authority</dt>
            <dd>
              {labelOf(kAuthorities, g.authority)}
              {g.authority === 'limited_by_court_order' && g.court_order && <span class="pre-line block small">“{g.court_order}”</span>}
            </dd>
          </div>
          <div>
            <dt>Contact</dt>
            <dd>
              {labelOf(kContactChannels, g.contact_channel)}
              {g.contact_note ? ` · ${g.contact_note}` : ''}
            </dd>
          </div>
          <div>
            <dt>Sees</dt>
            <dd>
              {seen ? `${seen.charAt(0).toUpperCase()}${seen.slice(1)}` : `Nothing of ${firstName(family.child_name)}'s care`}
              <span class="block muted small">{seesBecause(family, g)}</span>
            </dd>
          </div>
        </dl>
        {!g.recorded && <p class="muted small">Nothing recorded for them yet: these are the defaults.</p>}
        {g.recorded && g.updated_at && <p class="muted small">Last changed {formatDate(g.updated_at)}.</p>}
        <details class="details-disclosure">
          <summary>
            Edit<span class="visually-hidden"> what we hold for {g.guardian_name}</span>
          </summary>
          <StandingForm family={family} guardian={g} onSaved={onSaved} />
        </details>
      </article>
    </li>
  );
}

const kStandingFields = ['relationship', 'authority', 'contact_channel', 'court_order', 'contact_note', 'sections'];

function StandingForm({ family, guardian: g, onSaved }: { family: Family; guardian: GuardianEntry; onSaved: () => void }) {
  const form = useForm({
    relationship: g.relationship as string,
    authority: g.authority as string,
    contact_channel: g.contact_channel as string,
    court_order: g.court_order,
    contact_note: g.contact_note,
    follow: g.sections ? 'choose' : 'policy',
  });
  const [sections, setSections] = useState<Sections>(() => ({ ...(g.sections ?? g.sees) }));
  const [saved, setSaved] = useState<string>();
  const ref = useRef<HTMLFormElement>(null);
  useFocusFirstError(ref, form.error);
  const limited = form.values.authority === 'limited_by_court_order';
  const first = firstName(family.child_name);
  const chosen = kSections.filter((s) => sections[s]);
  const onSubmit = (e: Event) => {
    e.preventDefault();
    setSaved(undefined);
    if (limited && !form.values.court_order.trim()) {
      form.setError(new ApiError(400, 'Please correct the fields marked below.', [{ field: 'court_order', message: 'Say what the court order allows them to know.' }]));
      return;
    }
    void form.submit(async () => {
      const v = form.values;
      await familyApi.setStanding(g.link_id, {
        relationship: v.relationship as Relationship,
        authority: v.authority as Authority,
        contact_channel: v.contact_channel as ContactChannel,
        court_order: limited ? v.court_order.trim() : '',
        contact_note: v.contact_note.trim(),
        sections: v.follow === 'choose' ? { ...sections } : null,
      });
      setSaved(`Saved for ${g.guardian_name}.`);
      onSaved();
    });
  };
  return (
    <form class="form" ref={ref} onSubmit={onSubmit} noValidate>
      <FormErrorSummary error={form.error} fields={[...kStandingFields, ...fieldsUnder(form.error, ['sections'])]} />
      {saved && <Alert kind="success">{saved}</Alert>}
      <SelectField
        label={`Relationship to ${first}`}
        name={`relationship-${g.link_id}`}
        value={form.values.relationship}
        onInput={form.set('relationship')}
        options={[...kRelationships]}
        error={form.fieldError('relationship')}
      />
      <SelectField
        label="Legal authority"
        name={`authority-${g.link_id}`}
        value={form.values.authority}
        onInput={form.set('authority')}
        options={[...kAuthorities]}
        error={form.fieldError('authority')}
      />
      {limited && (
        <TextAreaField
          label="What the court order says"
          name={`court_order-${g.link_id}`}
          required
          hint="What it allows them to know or do, with the court and the date of the order."
          value={form.values.court_order}
          onInput={form.set('court_order')}
          error={form.fieldError('court_order')}
        />
      )}
      <SelectField
        label="How they like to be contacted"
        name={`contact_channel-${g.link_id}`}
        value={form.values.contact_channel}
        onInput={form.set('contact_channel')}
        options={[...kContactChannels]}
        error={form.fieldError('contact_channel')}
      />
      <Field
        label="Contact note"
        name={`contact_note-${g.link_id}`}
        hint="When to reach them, or what to avoid: for example “weekday evenings, not at work”."
        autoComplete="off"
        value={form.values.contact_note}
        onInput={form.set('contact_note')}
        error={form.fieldError('contact_note')}
      />
      <RadioGroup
        legend={`What ${g.guardian_name} sees`}
        name={`follow-${g.link_id}`}
        value={form.values.follow}
        options={[
          { value: 'policy', label: `Follow the clinic's policy for ${bandWithArticle(family.age_band)}` },
          { value: 'choose', label: 'Choose for this guardian' },
        ]}
        onChange={(v) => form.set('follow')(v)}
        hint={limited ? 'With a court order, following the policy shows them nothing: choose what the order allows.' : undefined}
      />
      {form.values.follow === 'choose' && (
        <CheckboxGroup<Section>
          legend={`Shared with ${g.guardian_name}`}
          name={`sections-${g.link_id}`}
          options={kSections.map((s) => ({ value: s, label: kSectionLabels[s] }))}
          values={chosen}
          onChange={(list) => setSections(Object.fromEntries(kSections.map((s) => [s, list.includes(s)])) as Sections)}
          error={errorUnder(form.error, 'sections')}
          hint={chosen.length === 0 ? 'With nothing ticked they see nothing of the record.' : undefined}
        />
      )}
      <div>
        <button class="button button--primary" type="submit" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Save changes'}
          <span class="visually-hidden"> for {g.guardian_name}</span>
        </button>
      </div>
    </form>
  );
}

// --- Consent and assent --------------------------------------------------------------------------

function Consents({ family, onRecorded }: { family: Family; onRecorded: () => void }) {
  const first = firstName(family.child_name);
  const newestFirst = [...family.consents].reverse();
  const missing = family.missing_consents;
  return (
    <div class="family__part" role="group" aria-labelledby="consents-heading">
      <h3 id="consents-heading">Consent and assent</h3>
      {missing.length > 0 ? (
        <div class="alert alert--warn">
          <p>
            Still to record for {bandWithArticle(family.age_band)}: {listInWords(missing.map((k) => missingConsentWords(k, family.child_name)))}.
          </p>
        </div>
      ) : (
        <p class="small">Everything needed for {bandWithArticle(family.age_band)} is recorded and current.</p>
      )}
      {newestFirst.length === 0 ? (
        <p class="muted">No consent or assent is recorded for {first} yet.</p>
      ) : (
        <ul class="family__records" aria-label="Consent and assent, newest first">
          {newestFirst.map((c) => (
            <li key={c.id} class={c.latest ? 'family__record family__record--latest' : 'family__record'}>
              <p>
                <strong>{consentKindWords(c.kind, family.child_name, c.given_by_name)}</strong>{' '}
                <span class={`badge badge--consent-${c.state}`}>{kConsentStateLabels[c.state] ?? c.state}</span>
                {c.latest ? <span class="badge">Latest</span> : <span class="muted small"> · replaced by a later record</span>}
              </p>
              <p class="small">
                Given on {formatDate(c.given_on)} · renew by {formatDate(c.renew_by)}
              </p>
              {c.note && <p class="small pre-line">“{c.note}”</p>}
              <p class="muted small">
                Recorded by {c.recorded_by_name} on {formatDate(c.recorded_at)}
              </p>
            </li>
          ))}
        </ul>
      )}
      <RecordConsent family={family} onRecorded={onRecorded} />
    </div>
  );
}

const kConsentFields = ['kind', 'guardian_link_id', 'given_on', 'renew_by', 'note'];

function RecordConsent({ family, onRecorded }: { family: Family; onRecorded: () => void }) {
  const today = localDate(new Date());
  const firstKind: ConsentKind = family.missing_consents[0] ?? 'guardian_consent';
  const form = useForm({
    kind: firstKind as string,
    guardian_link_id: String(family.guardians[0]?.link_id ?? ''),
    given_on: today,
    renew_by: yearOn(today),
    note: '',
  });
  const [recorded, setRecorded] = useState<string>();
  const ref = useRef<HTMLFormElement>(null);
  useFocusFirstError(ref, form.error);
  const forGuardian = form.values.kind === 'guardian_consent';
  const onSubmit = (e: Event) => {
    e.preventDefault();
    setRecorded(undefined);
    void form.submit(async () => {
      const v = form.values;
      const link = Number(v.guardian_link_id);
      if (forGuardian && !link) {
        throw new ApiError(400, 'Please correct the fields marked below.', [{ field: 'guardian_link_id', message: 'Choose whose consent this is.' }]);
      }
      const c = await familyApi.recordConsent(family.child_id, {
        kind: v.kind as ConsentKind,
        ...(forGuardian ? { guardian_link_id: link } : {}),
        given_on: v.given_on,
        renew_by: v.renew_by,
        note: v.note.trim(),
      });
      setRecorded(`Recorded: ${consentKindWords(c.kind, family.child_name, c.given_by_name)}, given on ${formatDate(c.given_on)}.`);
      form.setValues({ ...v, note: '' });
      onRecorded();
    });
  };
  return (
    <form class="form family__form" ref={ref} onSubmit={onSubmit} noValidate>
      <h4 id="record-consent-heading">Record consent or assent</h4>
      <FormErrorSummary error={form.error} fields={kConsentFields} />
      {recorded && <Alert kind="success">{recorded}</Alert>}
      <SelectField
        label="What is being recorded"
        name="consent_kind"
        value={form.values.kind}
        onInput={form.set('kind')}
        options={consentKindOptions(family.child_name)}
        error={form.fieldError('kind')}
      />
      {forGuardian && (
        <SelectField
          label="Whose consent"
          name="consent_guardian"
          value={form.values.guardian_link_id}
          onInput={form.set('guardian_link_id')}
          options={
            family.guardians.length > 0
              ? family.guardians.map((g) => ({ value: String(g.link_id), label: g.guardian_name }))
              : [{ value: '', label: 'No parent or carer shares yet' }]
          }
          error={form.fieldError('guardian_link_id')}
        />
      )}
      <div class="row">
        <Field label="Given on" name="given_on" type="date" required max={today} value={form.values.given_on} onInput={form.set('given_on')} error={form.fieldError('given_on')} />
        <Field
          label="Renew by"
          name="renew_by"
          type="date"
          required
          hint="At most three years on."
          value={form.values.renew_by}
          onInput={form.set('renew_by')}
          error={form.fieldError('renew_by')}
        />
      </div>
      <TextAreaField
        label="How it was given"
        name="consent_note"
        hint="For example: “signed form, in session with both parents”."
        value={form.values.note}
        onInput={form.set('note')}
        error={form.fieldError('note')}
      />
      <div>
        <button class="button" type="submit" disabled={form.busy}>
          {form.busy ? 'Recording…' : 'Record consent or assent'}
        </button>
      </div>
    </form>
  );
}

// --- Private items and safety disclosures ------------------------------------------------------

function PrivateItems({ family, onShared }: { family: Family; onShared: () => void }) {
  const first = firstName(family.child_name);
  const disclosedTo = (episodeId: number, key: string) =>
    family.disclosures.filter((d) => d.episode_id === episodeId && d.item === key).map((d) => d.guardian_name ?? 'a parent or carer');
  return (
    <div class="family__part" role="group" aria-labelledby="private-heading">
      <h3 id="private-heading">Private items</h3>
      <p class="muted small">Kept from every parent and carer. Mark a problem or a goal private in the plan editor.</p>
      {family.confidential.length === 0 ? (
        <p>Nothing in {first}'s plan is kept private from parents and carers.</p>
      ) : (
        <ul class="plain-list">
          {family.confidential.map((c) => {
            const shared = disclosedTo(c.episode_id, c.key);
            return (
              <li key={`${c.episode_id}-${c.key}`}>
                <span class="label">{c.kind === 'problem' ? 'Problem' : 'Goal'}:</span> “{c.words}”
                {shared.length > 0 && <span class="muted small"> · shared for safety with {listInWords(shared)}</span>}
              </li>
            );
          })}
        </ul>
      )}
      {family.confidential.length > 0 && family.guardians.length > 0 && <ShareForSafety family={family} onShared={onShared} />}
      {family.disclosures.length > 0 && (
        <>
          <h4>Shared for safety</h4>
          <ul class="family__records">
            {family.disclosures.map((d) => (
              <li key={d.id} class="family__record">
                <p>
                  Shared with <strong>{d.guardian_name ?? 'a parent or carer'}</strong> on {formatDate(d.disclosed_at)} by {d.disclosed_by_name}: “{d.item_words}”
                </p>
                <p class="small pre-line">
                  <span class="label">Why:</span> {d.reason}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

const kShareFields = ['item', 'guardian_link_id', 'reason'];

function ShareForSafety({ family, onShared }: { family: Family; onShared: () => void }) {
  const first = firstName(family.child_name);
  const items = family.confidential.map((c) => ({
    value: `${c.episode_id}/${c.key}`,
    label: `${c.kind === 'problem' ? 'Problem' : 'Goal'}: ${shortText(c.words, 70)}`,
  }));
  const form = useForm({
    item: items[0]?.value ?? '',
    guardian_link_id: String(family.guardians[0]?.link_id ?? ''),
    reason: '',
  });
  const [understood, setUnderstood] = useState(false);
  const [confirmError, setConfirmError] = useState<string>();
  const [shared, setShared] = useState<string>();
  const ref = useRef<HTMLFormElement>(null);
  useFocusFirstError(ref, form.error);
  const onSubmit = (e: Event) => {
    e.preventDefault();
    setShared(undefined);
    const reason = form.values.reason.trim();
    if (reason.length < kMinReasonChars) {
      setConfirmError(undefined);
      form.setError(
        new ApiError(400, 'Please correct the fields marked below.', [
          { field: 'reason', message: `Say why safety requires it, in at least ${kMinReasonChars} characters.` },
        ]),
      );
      return;
    }
    if (!understood) {
      form.setError(undefined);
      setConfirmError(`Tick the box to confirm that this cannot be undone and that ${first} will be told.`);
      document.getElementById('share-understood')?.querySelector('input')?.focus();
      return;
    }
    setConfirmError(undefined);
    void form.submit(async () => {
      const at = form.values.item.indexOf('/');
      const episodeId = Number(form.values.item.slice(0, at));
      const item = form.values.item.slice(at + 1);
      const d = await familyApi.disclose(episodeId, { guardian_link_id: Number(form.values.guardian_link_id), item, reason });
      setShared(`Shared with ${d.guardian_name ?? 'the parent or carer'}. ${first} will be told.`);
      form.setValues({ ...form.values, reason: '' });
      setUnderstood(false);
      onShared();
    });
  };
  return (
    <details class="details-disclosure family__share">
      <summary>Share a private item for safety</summary>
      <form class="form" ref={ref} onSubmit={onSubmit} noValidate>
        <div class="alert alert--warn">
          <p>
            Only when {first}'s safety, or someone else's, requires it. The parent or carer you choose sees this one item from then on. It
            cannot be undone, and {first} will be told what was shared, with whom and why.
          </p>
        </div>
        <FormErrorSummary error={form.error} fields={kShareFields} />
        {shared && <Alert kind="success">{shared}</Alert>}
        <SelectField label="Private item to share" name="share_item" value={form.values.item} onInput={form.set('item')} options={items} error={form.fieldError('item')} />
        <SelectField
          label="Share with"
          name="share_guardian"
          value={form.values.guardian_link_id}
          onInput={form.set('guardian_link_id')}
          options={family.guardians.map((g) => ({ value: String(g.link_id), label: g.guardian_name }))}
          error={form.fieldError('guardian_link_id')}
        />
        <TextAreaField
          label="Why safety requires it"
          name="share_reason"
          required
          rows={4}
          hint={`At least ${kMinReasonChars} characters. ${first} will read this reason.`}
          value={form.values.reason}
          onInput={form.set('reason')}
          error={form.fieldError('reason')}
        />
        <div id="share-understood" class={confirmError ? 'field field--invalid' : 'field'}>
          <CheckboxField
            label={`I understand that this cannot be undone and that ${first} will be told`}
            name="share_understood"
            checked={understood}
            onChange={(on) => {
              setUnderstood(on);
              if (on) setConfirmError(undefined);
            }}
          />
          {confirmError && (
            <p class="field-error" role="alert">
              {confirmError}
            </p>
          )}
        </div>
        <div>
          <button class="button button--danger" type="submit" disabled={form.busy}>
            {form.busy ? 'Sharing…' : 'Share this item for safety'}
          </button>
        </div>
      </form>
    </details>
  );
}
