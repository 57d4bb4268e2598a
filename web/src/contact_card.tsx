// How to reach a client and whom to call: shown to their care team (with the risk alert too) and
// kept up to date by the client themself or the team. Every field is optional; errors sit beside
// the field the server names.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';
import { formatDateTime } from './format';
import { contactMethodWords, recordsApi, type ContactDetails, type ContactMethod } from './records_api';
import { Alert, Field, FormErrorSummary, Loading, SelectField, useLoad } from './ui';

const kFields = ['preferred_name', 'pronouns', 'language', 'phone', 'contact_method', 'contact_times', 'emergency_contact/name', 'emergency_contact/relationship', 'emergency_contact/phone'];

function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, '')}`;
}

// The details as a list; "Not recorded" where nothing is known.
export function ContactList({ contact, emergencyFirst = false }: { contact: ContactDetails; emergencyFirst?: boolean }) {
  const none = <span class="muted">Not recorded</span>;
  const e = contact.emergency_contact;
  const phone = (
    <div>
      <dt>Phone</dt>
      <dd>{contact.phone ? <a href={telHref(contact.phone)}>{contact.phone}</a> : none}</dd>
    </div>
  );
  const emergency = (
    <div>
      <dt>Emergency contact</dt>
      <dd>
        {e.name ? (
          <>
            {e.name}
            {e.relationship ? ` (${e.relationship})` : ''}
            {e.phone && (
              <>
                {' · '}
                <a href={telHref(e.phone)}>{e.phone}</a>
              </>
            )}
          </>
        ) : (
          none
        )}
      </dd>
    </div>
  );
  return (
    <dl class="details">
      {emergencyFirst ? emergency : null}
      {phone}
      <div>
        <dt>Best way to reach them</dt>
        <dd>
          {contactMethodWords[contact.contact_method]}
          {contact.contact_times ? ` · ${contact.contact_times}` : ''}
        </dd>
      </div>
      {emergencyFirst ? null : emergency}
      {(contact.pronouns || contact.language || contact.preferred_name) && (
        <div>
          <dt>Name, pronouns and language</dt>
          <dd>{[contact.preferred_name && `Likes to be called ${contact.preferred_name}`, contact.pronouns, contact.language].filter(Boolean).join(' · ')}</dd>
        </div>
      )}
    </dl>
  );
}

// The card with the form. `self`: the client's own words ("you").
export function ContactCard({ clientId, self = false }: { clientId: number; self?: boolean }) {
  const loaded = useLoad(() => recordsApi.contact(clientId), [clientId]);
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState<ContactDetails>();
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (loaded.data) setForm(loaded.data);
  }, [loaded.data]);
  const err = (f: string) => error?.fields?.find((x) => x.field === f)?.message;
  const set = (patch: Partial<ContactDetails>) => setForm((f) => (f ? { ...f, ...patch } : f));
  const setEmergency = (patch: Partial<ContactDetails['emergency_contact']>) =>
    setForm((f) => (f ? { ...f, emergency_contact: { ...f.emergency_contact, ...patch } } : f));

  async function save(e: Event) {
    e.preventDefault();
    if (!form) return;
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const stored = await recordsApi.saveContact(clientId, form);
      setForm(stored);
      setEditing(false);
      setSaved(true);
      loaded.reload();
    } catch (x) {
      setError(x instanceof ApiError ? x : new ApiError(0, String(x)));
    } finally {
      setBusy(false);
    }
  }

  const heading = self ? 'How to reach you' : 'Contact and emergency contact';
  return (
    <section class="card" aria-labelledby={`contact-heading-${clientId}`}>
      <h2 id={`contact-heading-${clientId}`}>{heading}</h2>
      {self && <p class="muted small">Your care team uses these if they need to reach you, or someone close to you in an emergency.</p>}
      {loaded.loading && !loaded.data && <Loading what="contact details" />}
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      {saved && <Alert kind="success">Saved.</Alert>}
      {form && !editing && (
        <>
          <ContactList contact={form} />
          {form.updated_at && <p class="muted small">Last changed {formatDateTime(form.updated_at)}.</p>}
          <button class="button" type="button" onClick={() => (setEditing(true), setSaved(false))}>
            {self ? 'Change your contact details' : 'Change contact details'}
          </button>
        </>
      )}
      {form && editing && (
        <form onSubmit={save} noValidate aria-label={heading}>
          <FormErrorSummary error={error} fields={kFields} />
          <Field label={self ? 'What you like to be called' : 'Preferred name'} name="preferred_name" value={form.preferred_name} onInput={(v) => set({ preferred_name: v })} error={err('preferred_name')} autoComplete={self ? 'nickname' : 'off'} />
          <Field label="Pronouns" name="pronouns" value={form.pronouns} onInput={(v) => set({ pronouns: v })} error={err('pronouns')} hint="For example: she/her, he/him, they/them." />
          <Field label={self ? 'Language you prefer' : 'Preferred language'} name="language" value={form.language} onInput={(v) => set({ language: v })} error={err('language')} />
          <Field label="Phone" name="phone" type="tel" inputMode="tel" value={form.phone} onInput={(v) => set({ phone: v })} error={err('phone')} autoComplete={self ? 'tel' : 'off'} />
          <SelectField
            label="Best way to reach"
            name="contact_method"
            value={form.contact_method}
            onInput={(v) => set({ contact_method: v as ContactMethod })}
            options={Object.entries(contactMethodWords).map(([value, label]) => ({ value, label }))}
            error={err('contact_method')}
          />
          <Field label="Good times to reach" name="contact_times" value={form.contact_times} onInput={(v) => set({ contact_times: v })} error={err('contact_times')} hint="For example: weekday evenings after 6." />
          <fieldset class="fieldset">
            <legend>Emergency contact</legend>
            <Field label="Their name" name="emergency_name" value={form.emergency_contact.name} onInput={(v) => setEmergency({ name: v })} error={err('emergency_contact/name')} />
            <Field label="How they are related" name="emergency_relationship" value={form.emergency_contact.relationship} onInput={(v) => setEmergency({ relationship: v })} error={err('emergency_contact/relationship')} hint="For example: sister, partner, friend." />
            <Field label="Their phone" name="emergency_phone" type="tel" inputMode="tel" value={form.emergency_contact.phone} onInput={(v) => setEmergency({ phone: v })} error={err('emergency_contact/phone')} />
          </fieldset>
          <div class="actions">
            <button class="button button--primary" type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save contact details'}
            </button>
            <button class="button" type="button" onClick={() => (setEditing(false), setError(undefined), setForm(loaded.data))}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
