// One client as their therapist sees them: details (with the country whose crisis lines they are
// shown), the preparation they shared before the first session and what they asked for when
// looking for a therapist, episodes of care with their appointments, and the actions that start
// care: open an episode, book, invite the client, ask for a guardian, record consent to share
// with them. A client with guardians also has their family and consent card.
import { ClientAskedFor, SharedPreparation } from '../client_intake';
import { ContactCard } from '../contact_card';
import { FamilySection } from './family_section';
import { InvitationStatusLine } from '../invitation_status';
import { RecordReaders } from '../record_access';
import { useId, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  type Appointment,
  type ClientDetail,
  type Episode,
  type GuardianLink,
  type Invitation,
  type LinkDelivery,
  type Modality,
} from '../api';
import { currentEpisode } from '../caseload';
import { firstName, formatDate, formatDateTime, modalityLabel, statusLabel } from '../format';
import type { AppContext } from '../main';
import { RoomLink } from '../room/room_link';
import { Alert, Field, FormErrorSummary, Loading, PageTitle, SelectField, useForm, useLoad } from '../ui';

interface ClientRecord {
  client: ClientDetail;
  appointments: Map<number, Appointment[]>;
}

async function loadRecord(id: number): Promise<ClientRecord> {
  const client = await api.client(id);
  const lists = await Promise.all(client.episodes.map((e) => api.episodeAppointments(e.id).catch(() => [])));
  const appointments = new Map<number, Appointment[]>();
  (client.episodes ?? []).forEach((e, i) => {
    appointments.set(
      e.id,
      [...(lists[i] ?? [])].sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1)),
    );
  });
  return { client, appointments };
}

export function ClientPage({ ctx, clientId }: { ctx: AppContext; clientId: number }) {
  const record = useLoad(() => loadRecord(clientId), [clientId]);
  const created = new URLSearchParams(location.search).get('created') === '1';

  if (record.loading && !record.data) return <Loading what="the client's record" />;
  if (record.error) {
    return (
      <div class="page">
        <PageTitle title="Client">Client</PageTitle>
        <Alert>
          {record.error.status === 404 ? 'This client does not exist or is not on your caseload.' : record.error.message}
        </Alert>
        <p>
          <a href="/">Back to your caseload</a>
        </p>
      </div>
    );
  }
  const { client, appointments } = record.data!;
  const episodes = [...(client.episodes ?? [])].sort((a, b) => (a.started_at < b.started_at ? 1 : -1));
  const open = currentEpisode(episodes);
  const openEpisode = open && open.status !== 'ended' ? open : undefined;
  const isTherapist = ctx.user.role === 'therapist';
  // A supervisor also receives links still waiting for acceptance or consent; the details list
  // the guardians who share.
  const sharing = (client.guardians ?? []).filter((g) => g.status === 'active');

  return (
    <div class="page">
      <p class="breadcrumb">
        <a href="/">{isTherapist ? 'Caseload' : 'Home'}</a> <span aria-hidden="true">›</span> {client.display_name}
      </p>
      <PageTitle title={client.display_name}>{client.display_name}</PageTitle>
      {created && <Alert kind="success">The client was added. Next, open an episode of care.</Alert>}
      <div class="columns">
        <div class="stack">
          <section class="card" aria-labelledby="details-heading">
            <h2 id="details-heading">Details</h2>
            <dl class="details">
              <div>
                <dt>Email</dt>
                <dd>
                  {client.email || '—'}
                  {client.email_confirmed === false && <span class="muted small"> (invitation not yet accepted)</span>}
                </dd>
              </div>
              <div>
                <dt>Date of birth</dt>
                <dd>
                  {client.date_of_birth ? formatDate(client.date_of_birth) : 'Not recorded'}
                  {client.is_minor && <span class="badge badge--warm">Child</span>}
                </dd>
              </div>
              {(client.is_minor || sharing.length > 0) && !isTherapist && (
                <div>
                  <dt>Guardians</dt>
                  <dd>{sharing.length ? sharing.map((g) => g.display_name).join(', ') : 'None yet'}</dd>
                </div>
              )}
              {!isTherapist && (
                <div>
                  <dt>Country for crisis lines</dt>
                  <dd>{crisisCountryName(client.country ?? '')}</dd>
                </div>
              )}
            </dl>
            {isTherapist && <CrisisCountry client={client} />}
          </section>
          <SharedPreparation clientId={client.id} clientName={client.display_name} />
          <ClientAskedFor clientId={client.id} clientName={client.display_name} />
          <ContactCard clientId={client.id} />
          {/* Asked again whenever a link changes state (accepted, consent recorded, ended). */}
          {(client.guardians ?? []).length > 0 && (
            <FamilySection key={(client.guardians ?? []).map((g) => `${g.id}:${g.status}`).join(',')} clientId={client.id} />
          )}
          {!isTherapist && <RecordReaders clientId={client.id} clientName={client.display_name} />}
          <section class="card" aria-labelledby="episodes-heading">
            <h2 id="episodes-heading">Episodes of care</h2>
            {episodes.length === 0 && <p class="muted">No episode yet.</p>}
            {episodes.map((e) => (
              <EpisodeBlock
                key={e.id}
                episode={e}
                appointments={appointments.get(e.id) ?? []}
                canChange={isTherapist}
                onChanged={record.reload}
              />
            ))}
            {isTherapist && !openEpisode && <OpenEpisode clientId={client.id} onOpened={record.reload} />}
          </section>
        </div>
        {isTherapist && (
          <div class="stack">
            {openEpisode && <BookAppointment episode={openEpisode} onBooked={record.reload} />}
            <InviteClient client={client} />
            <Guardians client={client} onChanged={record.reload} />
            <AddGuardian client={client} onAdded={record.reload} />
          </div>
        )}
      </div>
    </div>
  );
}

// The countries whose crisis lines Rapport keeps. A client abroad, or living across a border from
// the clinic, needs the numbers that work where they are.
const kCrisisCountries: { value: string; label: string }[] = [
  { value: '', label: "The clinic's country" },
  { value: 'US', label: 'United States' },
  { value: 'CA', label: 'Canada' },
  { value: 'GB', label: 'United Kingdom' },
  { value: 'IE', label: 'Ireland' },
  { value: 'AU', label: 'Australia' },
  { value: 'NZ', label: 'New Zealand' },
  { value: 'DE', label: 'Germany' },
  { value: 'FR', label: 'France' },
  { value: 'NL', label: 'Netherlands' },
  { value: 'ES', label: 'Spain' },
  { value: 'IT', label: 'Italy' },
];

function crisisCountryName(code: string): string {
  return kCrisisCountries.find((c) => c.value === code)?.label ?? code;
}

function CrisisCountry({ client }: { client: ClientDetail }) {
  const form = useForm({ country: client.country ?? '' });
  const [saved, setSaved] = useState<string>();
  const first = firstName(client.display_name);
  // A code set elsewhere that this list lacks is still shown as it is, not as the clinic's country.
  const current = form.values.country;
  const options = kCrisisCountries.some((c) => c.value === current)
    ? kCrisisCountries
    : [...kCrisisCountries, { value: current, label: current }];
  const onSubmit = (e: Event) => {
    e.preventDefault();
    setSaved(undefined);
    void form.submit(async () => {
      const updated = await api.updateClient(client.id, { country: form.values.country });
      const code = updated.country ?? '';
      form.setValues({ country: code });
      setSaved(`Saved: ${first} sees the crisis lines for ${code ? crisisCountryName(code) : "the clinic's country"}.`);
    });
  };
  return (
    <form class="form crisis-country" onSubmit={onSubmit} noValidate>
      <FormErrorSummary error={form.error} fields={['country']} />
      {saved && <Alert kind="success">{saved}</Alert>}
      <SelectField
        label="Country for crisis lines"
        name="country"
        hint={`The crisis lines ${first} sees under “Get help now” and after a risk answer.`}
        value={current}
        onInput={(v) => {
          setSaved(undefined);
          form.set('country')(v);
        }}
        options={options}
        error={form.fieldError('country')}
      />
      <button class="button" type="submit" disabled={form.busy}>
        {form.busy ? 'Saving…' : 'Save country'}
      </button>
    </form>
  );
}

function EpisodeBlock(props: { episode: Episode; appointments: Appointment[]; canChange: boolean; onChanged: () => void }) {
  const { episode, appointments } = props;
  const now = Date.now();
  const upcoming = appointments.filter((a) => Date.parse(a.starts_at) >= now);
  const past = appointments.filter((a) => Date.parse(a.starts_at) < now).reverse();
  return (
    <article class="episode" aria-labelledby={`episode-${episode.id}`}>
      <h3 id={`episode-${episode.id}`}>
        Episode from {formatDate(episode.started_at)}
        {episode.ended_at ? ` to ${formatDate(episode.ended_at)}` : ''}{' '}
        <span class={`badge badge--${episode.status}`}>{statusLabel(episode.status)}</span>
      </h3>
      {episode.therapist_name && <p class="muted small">With {episode.therapist_name}</p>}
      <p>
        <a href={`/episodes/${episode.id}`}>Feedback and progress</a> · <a href={`/episodes/${episode.id}/plan`}>Treatment plan</a>
      </p>
      {appointments.length === 0 ? (
        <p class="muted small">No appointments booked.</p>
      ) : (
        <>
          {upcoming.length > 0 && <AppointmentList title="Upcoming" items={upcoming} />}
          {past.length > 0 && <AppointmentList title="Past" items={past.slice(0, 6)} />}
        </>
      )}
      {props.canChange && episode.status !== 'ended' && <EpisodeActions episode={episode} onChanged={props.onChanged} />}
    </article>
  );
}

function AppointmentList({ title, items }: { title: string; items: Appointment[] }) {
  return (
    <>
      <h4>{title}</h4>
      <ul class="appointments">
        {items.map((a) => (
          <li key={a.id}>
            <span>{formatDateTime(a.starts_at)}</span>
            <span class="muted small">
              {a.duration_minutes} min · {modalityLabel(a.modality)}
              {a.status !== 'scheduled' ? ` · ${statusLabel(a.status)}` : ''}
            </span>
            <RoomLink appointment={a} />
          </li>
        ))}
      </ul>
    </>
  );
}

function EpisodeActions({ episode, onChanged }: { episode: Episode; onChanged: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function start() {
    setBusy(true);
    setError(undefined);
    try {
      await api.updateEpisode(episode.id, 'active');
      onChanged();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="actions">
      {error && <Alert>{error}</Alert>}
      {episode.status === 'intake' && (
        <button class="button" type="button" disabled={busy} onClick={start}>
          Start care
        </button>
      )}
      {/* Ending records why and what helped, with the record in view: its own page. */}
      <a class="button button--quiet" href={`/episodes/${episode.id}/ending`}>
        End this episode…
      </a>
    </div>
  );
}

function OpenEpisode({ clientId, onOpened }: { clientId: number; onOpened: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function open() {
    setBusy(true);
    setError(undefined);
    try {
      await api.openEpisode(clientId);
      onOpened();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="actions">
      {error && <Alert>{error}</Alert>}
      <button class="button button--primary" type="button" onClick={open} disabled={busy}>
        {busy ? 'Opening…' : 'Open an episode'}
      </button>
    </div>
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function tomorrowAtTen(): { date: string; time: string } {
  const d = new Date(Date.now() + 86400_000);
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: '10:00' };
}

const modalities: { value: Modality; label: string }[] = [
  { value: 'in-person', label: 'In person' },
  { value: 'video', label: 'Video' },
  { value: 'phone', label: 'Phone' },
  { value: 'text', label: 'Text chat' },
];

function BookAppointment({ episode, onBooked }: { episode: Episode; onBooked: () => void }) {
  const start = tomorrowAtTen();
  const form = useForm({ date: start.date, time: start.time, duration_minutes: '50', modality: 'in-person' });
  const [booked, setBooked] = useState<string>();
  const onSubmit = (e: Event) => {
    e.preventDefault();
    setBooked(undefined);
    void form.submit(async () => {
      const v = form.values;
      const when = new Date(`${v.date}T${v.time}`);
      if (!v.date || !v.time || Number.isNaN(when.getTime())) {
        throw new ApiError(400, 'Please choose a date and a time.', [
          { field: 'starts_at', message: 'Choose a date and a time for the appointment.' },
        ]);
      }
      const appointment = await api.bookAppointment(episode.id, {
        starts_at: when.toISOString(),
        duration_minutes: Number(v.duration_minutes),
        modality: v.modality as Modality,
      });
      setBooked(`Booked for ${formatDateTime(appointment.starts_at ?? when.toISOString())}.`);
      onBooked();
    });
  };
  return (
    <section class="card" aria-labelledby="book-heading">
      <h2 id="book-heading">Book an appointment</h2>
      <form class="form" onSubmit={onSubmit} noValidate>
        <FormErrorSummary error={form.error} fields={['starts_at', 'duration_minutes', 'modality']} />
        {booked && <Alert kind="success">{booked}</Alert>}
        <div class="row">
          <Field
            label="Date"
            name="date"
            type="date"
            required
            value={form.values.date}
            onInput={form.set('date')}
            error={form.fieldError('starts_at')}
          />
          <Field label="Time" name="time" type="time" required value={form.values.time} onInput={form.set('time')} />
        </div>
        <div class="row">
          <Field
            label="Duration in minutes"
            name="duration_minutes"
            type="number"
            inputMode="numeric"
            min={5}
            max={480}
            step={5}
            required
            value={form.values.duration_minutes}
            onInput={form.set('duration_minutes')}
            error={form.fieldError('duration_minutes')}
          />
          <SelectField
            label="Modality"
            name="modality"
            value={form.values.modality}
            onInput={form.set('modality')}
            options={modalities}
            error={form.fieldError('modality')}
          />
        </div>
        <button class="button button--primary" type="submit" disabled={form.busy}>
          {form.busy ? 'Booking…' : 'Book appointment'}
        </button>
      </form>
    </section>
  );
}

export function CopyableLink({ url: path, expiresAt, label }: { url: string; expiresAt: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  const url = new URL(path, location.origin).toString();
  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      (document.getElementById(id) as HTMLInputElement | null)?.select();
    }
  }
  return (
    <div class="copy">
      <label for={id}>{label}</label>
      <div class="copy__row">
        <input id={id} type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
        <button class="button" type="button" onClick={copy}>
          Copy link
        </button>
      </div>
      <p class="muted small" role="status">
        {copied ? 'Copied. ' : ''}The link works once and expires {formatDateTime(expiresAt)}.
      </p>
    </div>
  );
}

function InviteClient({ client }: { client: ClientDetail }) {
  const [invitation, setInvitation] = useState<Invitation>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function invite(delivery: LinkDelivery) {
    setBusy(true);
    setError(undefined);
    try {
      setInvitation(await api.invite(client.id, delivery));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite {firstName(client.display_name)}</h2>
      <p class="muted small">
        The invitation goes to {client.email} by e-mail, so only they can choose their password. If you are with them
        now, you can instead show a link to hand over once; that is recorded, and their plan's signature will say so.
      </p>
      {error && <Alert>{error}</Alert>}
      {client.email_confirmed === false && !invitation && <InvitationStatusLine userId={client.id} name={firstName(client.display_name)} email={client.email} showSend={false} />}
      {invitation?.url ? (
        <CopyableLink url={invitation.url} expiresAt={invitation.expires_at} label="Invitation link" />
      ) : invitation ? (
        <Alert kind="success">The invitation is on its way to {client.email}.</Alert>
      ) : (
        <div class="actions">
          <button class="button" type="button" onClick={() => invite('email')} disabled={busy}>
            {busy ? 'Sending…' : 'Send invitation by e-mail'}
          </button>
          <button class="button secondary" type="button" onClick={() => invite('in_person')} disabled={busy}>
            Show a link to hand over in person
          </button>
        </div>
      )}
    </section>
  );
}

// What a guardian link's state means for the therapist, in words.
function guardianLinkStatus(link: GuardianLink): string {
  switch (link.status) {
    case 'awaiting_guardian':
      return `Asked on ${formatDate(link.requested_at)}; waiting for them to accept. Nothing is shared yet.`;
    case 'awaiting_consent':
      return 'Accepted. Nothing is shared until you record consent to share.';
    case 'active':
      return `Sharing since ${formatDate(link.consent_recorded_at ?? link.requested_at)}. Consent: ${link.consent_note}`;
  }
}

// The client's guardians in every state, with what is still needed before anything is shared.
function Guardians({ client, onChanged }: { client: ClientDetail; onChanged: () => void }) {
  const links = client.guardians ?? [];
  if (links.length === 0) return null;
  return (
    <section class="card" aria-labelledby="guardians-heading">
      <h2 id="guardians-heading">Guardians</h2>
      <ul class="plain-list stack">
        {links.map((link) => (
          <GuardianLinkItem key={link.id} link={link} onChanged={onChanged} />
        ))}
      </ul>
    </section>
  );
}

function GuardianLinkItem({ link, onChanged }: { link: GuardianLink; onChanged: () => void }) {
  const form = useForm({ note: '' });
  const [removeError, setRemoveError] = useState<string>();
  const [removing, setRemoving] = useState(false);
  const record = (e: Event) => {
    e.preventDefault();
    void form.submit(async () => {
      await api.recordGuardianConsent(link.id, form.values.note.trim());
      onChanged();
    });
  };
  const remove = async () => {
    setRemoving(true);
    setRemoveError(undefined);
    try {
      await api.removeGuardianLink(link.id);
      onChanged();
    } catch (err) {
      setRemoveError(err instanceof ApiError ? err.message : String(err));
      setRemoving(false);
    }
  };
  return (
    <li>
      <p>
        <strong>{link.display_name}</strong>
        {link.email && <span class="muted"> · {link.email}</span>}
      </p>
      <p class="small">{guardianLinkStatus(link)}</p>
      {link.exception_reason && <p class="small">Why this adult client has a guardian: {link.exception_reason}</p>}
      {!link.consent_recorded_at && (
        <form class="form" onSubmit={record} noValidate>
          <FormErrorSummary error={form.error} fields={['note']} />
          <Field
            label={`Consent to share with ${link.display_name}`}
            name="note"
            required
            hint="Whose consent, given how and when: for example, “Kit and both parents, in session on 3 June”."
            autoComplete="off"
            value={form.values.note}
            onInput={form.set('note')}
            error={form.fieldError('note')}
          />
          <button class="button secondary" type="submit" disabled={form.busy}>
            {form.busy ? 'Recording…' : 'Record consent'}
          </button>
        </form>
      )}
      {removeError && <Alert>{removeError}</Alert>}
      <button class="button secondary" type="button" onClick={() => void remove()} disabled={removing}>
        {removing ? 'Ending…' : `End the link with ${link.display_name}`}
      </button>
    </li>
  );
}

function AddGuardian({ client, onAdded }: { client: ClientDetail; onAdded: () => void }) {
  const form = useForm({ display_name: '', email: '', delivery: 'email', exception_reason: '' });
  const [added, setAdded] = useState<{ name: string; invitation: Invitation | null }>();
  const adult = !client.is_minor;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void form.submit(async () => {
      const answer = await api.addGuardian(client.id, {
        display_name: form.values.display_name.trim(),
        email: form.values.email.trim(),
        delivery: form.values.delivery as LinkDelivery,
        ...(adult ? { exception_reason: form.values.exception_reason.trim() } : {}),
      });
      setAdded({ name: answer.link.display_name, invitation: answer.invitation });
      form.setValues({ display_name: '', email: '', delivery: form.values.delivery, exception_reason: '' });
      onAdded();
    });
  };
  return (
    <section class="card" aria-labelledby="guardian-heading">
      <h2 id="guardian-heading">Add a guardian</h2>
      <p class="muted small">
        They are asked first: nothing is shared until they accept and you record consent to share.
      </p>
      <form class="form" onSubmit={onSubmit} noValidate>
        <FormErrorSummary error={form.error} fields={['display_name', 'email', 'exception_reason']} />
        {added && <Alert kind="success">{added.name} was asked to be a guardian.</Alert>}
        {added?.invitation?.url && <CopyableLink url={added.invitation.url} expiresAt={added.invitation.expires_at} label="Guardian's invitation link" />}
        {added && !added.invitation?.url && (
          <p class="muted small">They get an e-mail asking them to accept (and to set up their account if they have none).</p>
        )}
        <Field
          label="Guardian's full name"
          name="display_name"
          required
          autoComplete="off"
          value={form.values.display_name}
          onInput={form.set('display_name')}
          error={form.fieldError('display_name')}
        />
        <Field
          label="Guardian's email"
          name="email"
          type="email"
          required
          autoComplete="off"
          value={form.values.email}
          onInput={form.set('email')}
          error={form.fieldError('email')}
        />
        {adult && (
          <Field
            label="Why this client has a guardian"
            name="exception_reason"
            required
            hint={
              client.date_of_birth
                ? 'This client is not under the age of majority. Record the reason, for example a court-appointed guardian.'
                : 'This client has no date of birth recorded, so they count as an adult. Record the reason, or add their date of birth first.'
            }
            autoComplete="off"
            value={form.values.exception_reason}
            onInput={form.set('exception_reason')}
            error={form.fieldError('exception_reason')}
          />
        )}
        <SelectField
          label="How their invitation reaches them"
          name="delivery"
          hint="Only needed when they have no account yet. A link handed over in person is recorded as such."
          value={form.values.delivery}
          onInput={form.set('delivery')}
          options={[
            { value: 'email', label: 'By e-mail, to them only' },
            { value: 'in_person', label: 'Show me a link to hand over in person' },
          ]}
          error={form.fieldError('delivery')}
        />
        <button class="button" type="submit" disabled={form.busy}>
          {form.busy ? 'Adding…' : 'Add guardian'}
        </button>
      </form>
    </section>
  );
}
