// Safety and alerts, as the clinic's administrator sets them up: when the clinic is open and how
// long an urgent alert may wait for someone before it goes to the next people; where alerts
// leave Rapport (the clinic's webhook, the sender of its e-mail); who is on call; and the crisis
// lines clients see, per country. What a client is told after a risk answer follows from these,
// so every field says what it changes.
import { useEffect, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  asSentence,
  kWeekdays,
  type ClinicChannels,
  type CrisisLine,
  type CrisisSet,
  type CrisisSetEntry,
  type OnCallShift,
  type SafetyOverview,
  type SafetySettings,
  type User,
  type Weekday,
} from '../api';
import { formatDateTime } from '../format';
import type { AppContext } from '../main';
import { Alert, CheckboxField, Field, FormErrorSummary, Loading, PageTitle, SelectField, TextAreaField, useLoad } from '../ui';

// The server may name a field by its path in the saved object ("hours/monday/end") or with the
// request's wrapper in front ("settings/hours/monday/end"); either belongs beside the field.
function errorAt(error: ApiError | undefined, path: string, wrapper: string): string | undefined {
  return error?.fieldMessage(path) ?? error?.fieldMessage(`${wrapper}/${path}`);
}

function bothPaths(paths: string[], wrapper: string): string[] {
  return paths.flatMap((p) => [p, `${wrapper}/${p}`]);
}

const dayNames: Record<Weekday, string> = {
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
};

// --- Hours and escalation -------------------------------------------------------------------

interface DayForm {
  open: boolean;
  start: string;
  end: string;
}

interface SettingsForm {
  time_zone: string;
  country: string;
  days: Record<Weekday, DayForm>;
  in_hours: string;
  out_of_hours: string;
  on_call: boolean;
  contact_within: string;
}

function toForm(s: SafetySettings): SettingsForm {
  const days = {} as Record<Weekday, DayForm>;
  for (const day of kWeekdays) {
    const interval = s.hours?.[day];
    days[day] = interval ? { open: true, start: interval.start, end: interval.end } : { open: false, start: '09:00', end: '17:00' };
  }
  return {
    time_zone: s.time_zone,
    country: s.country,
    days,
    in_hours: String(s.escalate_after_minutes_in_hours),
    out_of_hours: String(s.escalate_after_minutes_out_of_hours),
    on_call: s.on_call_out_of_hours,
    contact_within: String(s.contact_within_minutes),
  };
}

// The whole object, as the server wants it; anything it sent that this form does not know is
// sent back untouched.
function fromForm(base: SafetySettings, f: SettingsForm): SafetySettings {
  const hours: SafetySettings['hours'] = {};
  for (const day of kWeekdays) {
    const d = f.days[day];
    hours[day] = d.open ? { start: d.start.trim(), end: d.end.trim() } : null;
  }
  return {
    ...base,
    time_zone: f.time_zone.trim(),
    country: f.country,
    hours,
    // Sent as typed: the server names a value out of range beside its field.
    escalate_after_minutes_in_hours: Number(f.in_hours),
    escalate_after_minutes_out_of_hours: Number(f.out_of_hours),
    on_call_out_of_hours: f.on_call,
    contact_within_minutes: Number(f.contact_within),
  };
}

const kSettingsPaths = [
  'time_zone',
  'country',
  'hours',
  ...kWeekdays.flatMap((d) => [`hours/${d}`, `hours/${d}/start`, `hours/${d}/end`]),
  'escalate_after_minutes_in_hours',
  'escalate_after_minutes_out_of_hours',
  'contact_within_minutes',
];

function HoursAndEscalation({
  overview,
  countries,
  onSaved,
}: {
  overview: SafetyOverview;
  countries: { value: string; label: string }[];
  onSaved: (o: SafetyOverview) => void;
}) {
  const [form, setForm] = useState<SettingsForm>(() => toForm(overview.settings));
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const err = (path: string) => errorAt(error, path, 'settings');
  const set = (part: Partial<SettingsForm>) => {
    setSaved(false);
    setForm((f) => ({ ...f, ...part }));
  };
  const setDay = (day: Weekday, part: Partial<DayForm>) => {
    setSaved(false);
    setForm((f) => ({ ...f, days: { ...f.days, [day]: { ...f.days[day], ...part } } }));
  };
  const countryOptions = countries.some((c) => c.value === form.country)
    ? countries
    : [{ value: form.country, label: form.country || 'Choose a country' }, ...countries];

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const next = await api.putSafety(fromForm(overview.settings, form));
      setForm(toForm(next.settings));
      onSaved(next);
      setSaved(true);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, String(caught)));
    } finally {
      setBusy(false);
    }
  }

  const hoursError = err('hours');
  return (
    <section class="card" aria-labelledby="hours-heading">
      <h2 id="hours-heading">Hours and escalation</h2>
      <p>
        {overview.hours_in_words} ({overview.settings.time_zone}).{' '}
        <strong>{overview.open_now ? 'The clinic is open now.' : 'The clinic is closed now.'}</strong>
      </p>
      <p class="muted">
        A client who gives a risk answer is told what will happen from these settings, so keep them true.
      </p>
      <form class="form" noValidate onSubmit={submit}>
        <FormErrorSummary error={error} fields={bothPaths(kSettingsPaths, 'settings')} />
        <div class="row">
          <Field
            label="Time zone"
            name="time_zone"
            required
            autoComplete="off"
            hint="The clinic's hours are read in it. A name such as Europe/London or America/New_York."
            value={form.time_zone}
            onInput={(v) => set({ time_zone: v })}
            error={err('time_zone')}
          />
          <SelectField
            label="Country for crisis lines"
            name="country"
            value={form.country}
            onInput={(v) => set({ country: v })}
            options={countryOptions}
            error={err('country')}
          />
        </div>
        <fieldset class="fieldset" aria-describedby={hoursError ? 'hours-error' : undefined}>
          <legend>Opening hours</legend>
          <p class="hint">Times as HH:MM in the clinic's time zone; 24:00 closes at midnight.</p>
          {kWeekdays.map((day) => {
            const d = form.days[day];
            const dayError = err(`hours/${day}`);
            return (
              <div key={day} class="day">
                <CheckboxField label={`Open on ${dayNames[day]}`} name={`open-${day}`} checked={d.open} onChange={(open) => setDay(day, { open })} />
                {d.open && (
                  <div class="row">
                    <Field
                      label={`${dayNames[day]} opening time`}
                      name={`${day}-start`}
                      required
                      inputMode="numeric"
                      autoComplete="off"
                      value={d.start}
                      onInput={(start) => setDay(day, { start })}
                      error={err(`hours/${day}/start`)}
                    />
                    <Field
                      label={`${dayNames[day]} closing time`}
                      name={`${day}-end`}
                      required
                      inputMode="numeric"
                      autoComplete="off"
                      value={d.end}
                      onInput={(end) => setDay(day, { end })}
                      error={err(`hours/${day}/end`)}
                    />
                  </div>
                )}
                {dayError && <p class="field-error">{asSentence(dayError, dayNames[day])}</p>}
              </div>
            );
          })}
          {hoursError && (
            <p class="field-error" id="hours-error">
              {asSentence(hoursError, 'The clinic')}
            </p>
          )}
        </fieldset>
        <fieldset class="fieldset">
          <legend>When nobody acknowledges an urgent alert (a risk answer or a critical alert)</legend>
          <p class="hint">
            The treating therapist is told at once. If nobody acknowledges the alert in time, their supervisors and the
            on-call clinician are told, then every supervisor and administrator.
          </p>
          <div class="row">
            <Field
              label="Minutes to wait while the clinic is open"
              name="escalate_after_minutes_in_hours"
              type="number"
              inputMode="numeric"
              min={1}
              max={240}
              required
              value={form.in_hours}
              onInput={(v) => set({ in_hours: v })}
              error={err('escalate_after_minutes_in_hours')}
            />
            <Field
              label="Minutes to wait while it is closed"
              name="escalate_after_minutes_out_of_hours"
              type="number"
              inputMode="numeric"
              min={1}
              max={240}
              required
              value={form.out_of_hours}
              onInput={(v) => set({ out_of_hours: v })}
              error={err('escalate_after_minutes_out_of_hours')}
            />
          </div>
          <CheckboxField
            label="Someone from the on-call rota covers the hours when the clinic is closed"
            name="on_call_out_of_hours"
            checked={form.on_call}
            onChange={(on_call) => set({ on_call })}
            hint="Only say so if the rota below has someone on call for those hours: clients are told."
          />
          <Field
            label="Minutes within which the clinic contacts a client after a risk answer"
            name="contact_within_minutes"
            type="number"
            inputMode="numeric"
            min={5}
            max={1440}
            required
            hint="Clients are told this, so choose a time the clinic can keep."
            value={form.contact_within}
            onInput={(v) => set({ contact_within: v })}
            error={err('contact_within_minutes')}
          />
        </fieldset>
        {saved && <Alert kind="success">Hours and escalation saved.</Alert>}
        <div>
          <button class="button button--primary" type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save hours and escalation'}
          </button>
        </div>
      </form>
    </section>
  );
}

// --- Channels -------------------------------------------------------------------------------

function Channels({ channels, mailRelay, onSaved }: { channels: ClinicChannels; mailRelay: boolean; onSaved: (c: ClinicChannels) => void }) {
  const [url, setUrl] = useState(channels.webhook_url);
  const [secret, setSecret] = useState('');
  const [from, setFrom] = useState(channels.mail_from);
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const { channels: next } = await api.putChannels({
        webhook_url: url.trim(),
        // Left empty, the secret already set stays.
        ...(secret ? { webhook_secret: secret } : {}),
        mail_from: from.trim(),
      });
      setSecret('');
      setUrl(next.webhook_url);
      setFrom(next.mail_from);
      onSaved(next);
      setSaved(true);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, String(caught)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="channels-heading">
      <h2 id="channels-heading">How alerts leave Rapport</h2>
      <p>
        Clinicians hear of alerts on screen and by e-mail.{' '}
        {mailRelay ? (
          'A mail relay is set, so e-mails are sent.'
        ) : (
          <>
            No mail relay is set, so e-mails are kept in the <a href="/clinic/outbox">mail outbox</a>.
          </>
        )}
      </p>
      <form class="form" noValidate onSubmit={submit}>
        <FormErrorSummary error={error} fields={['webhook_url', 'webhook_secret', 'mail_from']} />
        <Field
          label="Webhook address"
          name="webhook_url"
          type="url"
          autoComplete="off"
          hint="Rapport also sends each urgent alert here (every risk answer, every critical alert), signed, for a pager or text-message gateway. Leave empty for none."
          value={url}
          onInput={(v) => {
            setSaved(false);
            setUrl(v);
          }}
          error={error?.fieldMessage('webhook_url')}
        />
        <Field
          label="Webhook secret"
          name="webhook_secret"
          type="password"
          autoComplete="new-password"
          hint={
            channels.has_webhook_secret
              ? 'A secret is set. Leave this empty to keep it, or type a new one to replace it.'
              : 'Shared with the receiver, which checks the signature of every call with it.'
          }
          value={secret}
          onInput={(v) => {
            setSaved(false);
            setSecret(v);
          }}
          error={error?.fieldMessage('webhook_secret')}
        />
        <Field
          label="Send e-mail from"
          name="mail_from"
          type="email"
          autoComplete="off"
          hint="Leave empty to use the server's own address."
          value={from}
          onInput={(v) => {
            setSaved(false);
            setFrom(v);
          }}
          error={error?.fieldMessage('mail_from')}
        />
        {saved && <Alert kind="success">Saved.</Alert>}
        <div>
          <button class="button button--primary" type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save how alerts leave Rapport'}
          </button>
        </div>
      </form>
    </section>
  );
}

// --- On-call rota ---------------------------------------------------------------------------

const kRotaDays = 14;
const kDayMs = 86400_000;

// "2026-12-04T18:30" in the browser's time zone, as <input type="datetime-local"> reads it.
function localInputValue(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// Empty or unreadable input goes to the server as typed, which names the field.
function toIso(local: string): string {
  const ms = Date.parse(local);
  return Number.isNaN(ms) ? local : new Date(ms).toISOString();
}

async function loadRota() {
  const now = Date.now();
  // A shift that covers now may have begun yesterday evening.
  const [shifts, users] = await Promise.all([
    api.onCall(new Date(now - kDayMs).toISOString(), new Date(now + kRotaDays * kDayMs).toISOString()),
    api.users(),
  ]);
  return {
    shifts: shifts.shifts.filter((s) => Date.parse(s.ends_at) > now).sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1)),
    clinicians: users.filter((u: User) => (u.role === 'therapist' || u.role === 'supervisor') && u.active !== false),
  };
}

function OnCallRota() {
  const rota = useLoad(loadRota);
  const [userId, setUserId] = useState('');
  const [starts, setStarts] = useState(() => localInputValue(Date.now()));
  const [ends, setEnds] = useState(() => localInputValue(Date.now() + 12 * 3600_000));
  const [error, setError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const first = rota.data?.clinicians[0];
    if (first && !userId) setUserId(String(first.id));
  }, [rota.data]);

  async function act(action: () => Promise<string>) {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await action());
      rota.reload();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, String(caught)));
    } finally {
      setBusy(false);
    }
  }

  const add = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const shift = await api.addShift({ user_id: Number(userId), starts_at: toIso(starts), ends_at: toIso(ends) });
      return `${shift.user_name || 'The clinician'} is on call from ${formatDateTime(shift.starts_at)} to ${formatDateTime(shift.ends_at)}.`;
    });
  };
  const remove = (shift: OnCallShift) =>
    act(async () => {
      await api.removeShift(shift.id);
      return `The shift of ${shift.user_name} was removed.`;
    });

  const now = Date.now();
  return (
    <section class="card" aria-labelledby="rota-heading">
      <h2 id="rota-heading">On-call rota</h2>
      <p class="muted">The next {kRotaDays} days. The on-call clinician hears of an urgent alert (a risk answer or a critical alert) that nobody has acknowledged in time.</p>
      {rota.loading && !rota.data && <Loading what="the rota" />}
      {rota.error && <Alert>{rota.error.message}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {rota.data && rota.data.shifts.length === 0 && <p>Nobody is on call in the next {kRotaDays} days.</p>}
      {rota.data && rota.data.shifts.length > 0 && (
        <ul class="list">
          {rota.data.shifts.map((s) => (
            <li key={s.id} class="list-item">
              <div class="list-item__main">
                <p class="list-item__title">
                  {s.user_name}
                  {Date.parse(s.starts_at) <= now && Date.parse(s.ends_at) > now && <span class="badge badge--active">On call now</span>}
                </p>
                <p class="muted small">
                  {formatDateTime(s.starts_at)} to {formatDateTime(s.ends_at)}
                </p>
              </div>
              <button class="button button--small" type="button" disabled={busy} onClick={() => void remove(s)}>
                Remove<span class="visually-hidden"> the shift of {s.user_name} from {formatDateTime(s.starts_at)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {rota.data && (
        <form class="form rota-form" noValidate onSubmit={add}>
          <h3>Add a shift</h3>
          <FormErrorSummary error={error} fields={['user_id', 'starts_at', 'ends_at']} />
          <SelectField
            label="Clinician"
            name="user_id"
            value={userId}
            onInput={setUserId}
            options={rota.data.clinicians.map((u) => ({ value: String(u.id), label: u.display_name }))}
            error={error?.fieldMessage('user_id')}
          />
          <div class="row">
            <Field label="Starts" name="starts_at" type="datetime-local" required value={starts} onInput={setStarts} error={error?.fieldMessage('starts_at')} />
            <Field label="Ends" name="ends_at" type="datetime-local" required value={ends} onInput={setEnds} error={error?.fieldMessage('ends_at')} />
          </div>
          <div>
            <button class="button button--primary" type="submit" disabled={busy || !userId}>
              {busy ? 'Saving…' : 'Add the shift'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

// --- Crisis lines ---------------------------------------------------------------------------

const kEmptyLine: CrisisLine = { name: '', description: '', phone: '', tel: '', sms: '', hours: '24/7', audience: 'everyone', url: '' };

const kSetPaths = ['country', 'country_name', 'emergency_number', 'source', 'checked', 'lines'];
const kLinePaths = ['name', 'description', 'phone', 'tel', 'sms', 'hours', 'audience', 'url'];

function CrisisSetEditor({ entry, onDone, onCancel }: { entry: CrisisSetEntry; onDone: (message: string) => void; onCancel: () => void }) {
  const [set, setSet] = useState<CrisisSet>(() => ({ ...entry.set, lines: entry.set.lines.map((l) => ({ ...l })) }));
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const err = (path: string) => errorAt(error, path, 'set');
  const change = (part: Partial<CrisisSet>) => setSet((s) => ({ ...s, ...part }));
  const changeLine = (i: number, part: Partial<CrisisLine>) =>
    setSet((s) => ({ ...s, lines: s.lines.map((l, j) => (j === i ? { ...l, ...part } : l)) }));
  const known = bothPaths(
    [...kSetPaths, ...set.lines.flatMap((_, i) => [`lines/${i}`, ...kLinePaths.map((p) => `lines/${i}/${p}`)])],
    'set',
  );

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const trimmed: CrisisSet = {
        ...set,
        lines: set.lines.map((l) => ({ ...l, tel: l.tel.replace(/\s/g, ''), sms: l.sms.replace(/\s/g, '') })),
      };
      await api.putCrisisSet(entry.country, trimmed);
      onDone(`The crisis lines for ${set.country_name || entry.country_name} are saved. Clients there see them from now on.`);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, String(caught)));
    } finally {
      setBusy(false);
    }
  }

  const linesError = err('lines');
  return (
    <form class="form crisis-editor" noValidate onSubmit={submit} aria-labelledby="crisis-editor-heading">
      <h3 id="crisis-editor-heading">
        Crisis lines for {entry.country_name} ({entry.country})
      </h3>
      <FormErrorSummary error={error} fields={known} />
      <div class="row">
        <Field label="Country name" name="country_name" required value={set.country_name} onInput={(v) => change({ country_name: v })} error={err('country_name')} />
        <Field
          label="Emergency number"
          name="emergency_number"
          required
          inputMode="tel"
          value={set.emergency_number}
          onInput={(v) => change({ emergency_number: v })}
          error={err('emergency_number')}
        />
      </div>
      {set.lines.map((line, i) => (
        <fieldset key={i} class="fieldset fieldset--inner">
          <legend>
            Line {i + 1}
            {line.name ? `: ${line.name}` : ''}
          </legend>
          <Field label="Name" name={`lines-${i}-name`} required value={line.name} onInput={(v) => changeLine(i, { name: v })} error={err(`lines/${i}/name`)} />
          <TextAreaField
            label="What it offers"
            name={`lines-${i}-description`}
            rows={2}
            value={line.description}
            onInput={(v) => changeLine(i, { description: v })}
            error={err(`lines/${i}/description`)}
          />
          <Field
            label="Number as people read it"
            name={`lines-${i}-phone`}
            hint='For example "116 123" or "Text SHOUT to 85258".'
            value={line.phone}
            onInput={(v) => changeLine(i, { phone: v })}
            error={err(`lines/${i}/phone`)}
          />
          <div class="row">
            <Field
              label="Number to call"
              name={`lines-${i}-tel`}
              inputMode="tel"
              hint="Digits only; empty if it takes no calls."
              value={line.tel}
              onInput={(v) => changeLine(i, { tel: v })}
              error={err(`lines/${i}/tel`)}
            />
            <Field
              label="Number to text"
              name={`lines-${i}-sms`}
              inputMode="tel"
              hint="Digits only; empty if it takes no texts."
              value={line.sms}
              onInput={(v) => changeLine(i, { sms: v })}
              error={err(`lines/${i}/sms`)}
            />
          </div>
          <div class="row">
            <Field label="Hours" name={`lines-${i}-hours`} required value={line.hours} onInput={(v) => changeLine(i, { hours: v })} error={err(`lines/${i}/hours`)} />
            <SelectField
              label="For"
              name={`lines-${i}-audience`}
              value={line.audience}
              onInput={(v) => changeLine(i, { audience: v as CrisisLine['audience'] })}
              options={[
                { value: 'everyone', label: 'Everyone' },
                { value: 'young people', label: 'Young people' },
              ]}
              error={err(`lines/${i}/audience`)}
            />
          </div>
          <Field
            label="Website"
            name={`lines-${i}-url`}
            type="url"
            hint="https only; empty for none."
            value={line.url}
            onInput={(v) => changeLine(i, { url: v })}
            error={err(`lines/${i}/url`)}
          />
          <div>
            <button class="button button--small" type="button" onClick={() => setSet((s) => ({ ...s, lines: s.lines.filter((_, j) => j !== i) }))}>
              Remove this line<span class="visually-hidden"> (line {i + 1}{line.name ? `, ${line.name}` : ''})</span>
            </button>
          </div>
        </fieldset>
      ))}
      {linesError && <p class="field-error">{asSentence(linesError, 'The lines')}</p>}
      <div>
        <button class="button" type="button" onClick={() => setSet((s) => ({ ...s, lines: [...s.lines, { ...kEmptyLine }] }))}>
          Add a line
        </button>
      </div>
      <div class="row">
        <Field
          label="Where the numbers were checked"
          name="source"
          required
          value={set.source}
          onInput={(v) => change({ source: v })}
          error={err('source')}
        />
        <Field
          label="When they were checked"
          name="checked"
          required
          hint="Year and month, for example 2026-12."
          value={set.checked}
          onInput={(v) => change({ checked: v })}
          error={err('checked')}
        />
      </div>
      <div class="actions">
        <button class="button button--primary" type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save the lines'}
        </button>
        <button class="button" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function CrisisLines({ sets, reload }: { sets: CrisisSetEntry[]; reload: () => void }) {
  const [editing, setEditing] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const entry = sets.find((s) => s.country === editing);

  async function reset(s: CrisisSetEntry) {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await api.resetCrisisSet(s.country);
      setNotice(`Clients in ${s.country_name} see the lines shipped with Rapport again.`);
      if (editing === s.country) setEditing(undefined);
      reload();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="lines-heading">
      <h2 id="lines-heading">Crisis lines</h2>
      <p class="muted">
        Clients see the lines of their own country on "Get help now" and after a risk answer; a client with no country set
        sees those of the clinic's country. Rapport ships checked lines; a clinic may keep its own instead.
      </p>
      {notice && <Alert kind="success">{notice}</Alert>}
      {error && <Alert>{error}</Alert>}
      <ul class="list">
        {sets.map((s) => (
          <li key={s.country} class="list-item">
            <div class="list-item__main">
              <p class="list-item__title">
                {s.country_name} <span class="muted">({s.country})</span>
                <span class={s.own ? 'badge badge--warm' : 'badge'}>{s.own ? "Your clinic's lines" : 'Shipped with Rapport'}</span>
              </p>
              <p class="muted small">
                Emergency {s.set.emergency_number} · {s.set.lines.length} line{s.set.lines.length === 1 ? '' : 's'}
                {s.set.checked ? ` · checked ${s.set.checked}` : ''}
              </p>
            </div>
            <div class="actions">
              <button
                class="button button--small"
                type="button"
                aria-expanded={editing === s.country}
                onClick={() => {
                  setNotice(undefined);
                  setEditing(editing === s.country ? undefined : s.country);
                }}
              >
                Edit the lines<span class="visually-hidden"> for {s.country_name}</span>
              </button>
              {s.own && (
                <button class="button button--small" type="button" disabled={busy} onClick={() => void reset(s)}>
                  Use the shipped lines again<span class="visually-hidden"> for {s.country_name}</span>
                </button>
              )}
            </div>
            {entry && entry.country === s.country && (
              <div class="list-item__editor">
                <CrisisSetEditor
                  key={entry.country}
                  entry={entry}
                  onCancel={() => setEditing(undefined)}
                  onDone={(message) => {
                    setEditing(undefined);
                    setNotice(message);
                    reload();
                  }}
                />
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

// --- The page ---------------------------------------------------------------------------------

export function ClinicSafetyPage(_props: { ctx: AppContext }) {
  const overview = useLoad(api.safety);
  const sets = useLoad(() => api.crisisSets().then((r) => r.sets));
  const [current, setCurrent] = useState<SafetyOverview>();
  useEffect(() => {
    if (overview.data) setCurrent(overview.data);
  }, [overview.data]);
  const countries = (sets.data ?? []).map((s) => ({ value: s.country, label: `${s.country_name} (${s.country})` }));

  return (
    <div class="page narrow-page safety-page">
      <p class="breadcrumb">
        <a href="/">Home</a>
      </p>
      <PageTitle title="Safety and alerts">Safety and alerts</PageTitle>
      <p class="lede">
        How a client's risk answer reaches a person: when the clinic is open, who is told when, and which numbers clients
        see. The <a href="/clinic/outbox">mail outbox</a> keeps e-mail while no mail relay is set.
      </p>
      {overview.loading && !current && <Loading what="the safety settings" />}
      {overview.error && <Alert>{overview.error.message}</Alert>}
      {current && (
        <>
          {/* Waits for the countries so that the form starts from the full list. */}
          {(sets.data || sets.error) && (
            <HoursAndEscalation overview={current} countries={countries} onSaved={(o) => setCurrent(o)} />
          )}
          <Channels channels={current.channels} mailRelay={current.mail_relay} onSaved={(channels) => setCurrent((o) => (o ? { ...o, channels } : o))} />
        </>
      )}
      <OnCallRota />
      {sets.loading && !sets.data && <Loading what="the crisis lines" />}
      {sets.error && <Alert>{sets.error.message}</Alert>}
      {sets.data && <CrisisLines sets={sets.data} reload={sets.reload} />}
    </div>
  );
}
