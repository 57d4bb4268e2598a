// Appointments from both sides: the client asks to cancel or move one (told the clinic's notice
// rule first), sees the answer, and subscribes to their appointments in their own calendar; the
// care team sees waiting requests and answers them.
import { useState } from 'preact/hooks';
import { ApiError, type Appointment } from './api';
import { formatDateTime } from './format';
import { appointmentsApi, type AppointmentRequest } from './records_api';
import { Alert, Field, TextAreaField, useLoad } from './ui';

function stateWords(r: AppointmentRequest): string {
  const what = r.kind === 'cancel' ? 'cancel' : 'move';
  switch (r.state) {
    case 'pending':
      return `You asked to ${what} this appointment on ${formatDateTime(r.created_at)}. Your therapist will answer soon.`;
    case 'accepted':
      return r.kind === 'cancel' ? 'Your therapist cancelled this appointment, as you asked.' : `Your therapist moved this appointment, as you asked.`;
    case 'declined':
      return `Your therapist could not ${what} it${r.reply ? `: ${r.reply}` : '.'}`;
    case 'withdrawn':
      return `You took back your request to ${what} it.`;
  }
}

// For the client, under their next appointment: ask to cancel or move it, or see the answer.
export function ChangeAppointment({ appointment }: { appointment: Appointment }) {
  const requests = useLoad(() => appointmentsApi.requests(appointment.id), [appointment.id]);
  const [asking, setAsking] = useState<'cancel' | 'move'>();
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const latest = (requests.data ?? [])[(requests.data ?? []).length - 1];
  const pending = latest?.state === 'pending' ? latest : undefined;
  const noticeHours = latest?.notice_hours ?? 24;
  const hoursAway = (Date.parse(appointment.starts_at) - Date.now()) / 3_600_000;

  async function send(e: Event) {
    e.preventDefault();
    if (!asking) return;
    setBusy(true);
    setError(undefined);
    try {
      await appointmentsApi.ask(appointment.id, asking, note);
      setAsking(undefined);
      setNote('');
      requests.reload();
    } catch (x) {
      setError(x instanceof ApiError ? x : new ApiError(0, String(x)));
    } finally {
      setBusy(false);
    }
  }

  async function withdraw() {
    if (!pending) return;
    setBusy(true);
    try {
      await appointmentsApi.withdraw(pending.id);
      requests.reload();
    } catch (x) {
      setError(x instanceof ApiError ? x : new ApiError(0, String(x)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="appointment-change">
      {latest && (
        <p class="small" role="status">
          {stateWords(latest)}
        </p>
      )}
      {error && !asking && <Alert>{error.message}</Alert>}
      {pending && (
        <button class="button button--small" type="button" onClick={withdraw} disabled={busy}>
          Take back my request
        </button>
      )}
      {!pending && !asking && (
        <div class="actions">
          <button class="button button--small" type="button" onClick={() => setAsking('move')}>
            Ask to move it
          </button>
          <button class="button button--small" type="button" onClick={() => setAsking('cancel')}>
            Ask to cancel it
          </button>
        </div>
      )}
      {asking && (
        <form onSubmit={send} noValidate aria-label={asking === 'cancel' ? 'Ask to cancel' : 'Ask to move'}>
          <p class="small">
            {hoursAway < noticeHours
              ? `Your clinic asks for ${noticeHours} hours’ notice. It is shorter than that now; you can still ask, and your therapist will let you know.`
              : `Your clinic asks for ${noticeHours} hours’ notice, so there is time.`}
          </p>
          {error && <Alert>{error.fields.length ? 'Please correct the field below.' : error.message}</Alert>}
          <TextAreaField
            label={asking === 'move' ? 'Which days or times would suit you?' : 'Anything you want to say (optional)'}
            name="note"
            value={note}
            onInput={setNote}
            error={error?.fields.find((f) => f.field === 'note')?.message}
          />
          <div class="actions">
            <button class="button button--primary" type="submit" disabled={busy}>
              {busy ? 'Sending…' : asking === 'cancel' ? 'Send: please cancel' : 'Send: please move'}
            </button>
            <button class="button" type="button" onClick={() => (setAsking(undefined), setError(undefined))}>
              Keep the appointment
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

// For the client's account page: a calendar address to subscribe to, shown once when made.
export function CalendarFeedCard() {
  const [path, setPath] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function reset() {
    setBusy(true);
    setError(undefined);
    try {
      setPath((await appointmentsApi.resetCalendar()).path);
    } catch (x) {
      setError(x instanceof ApiError ? x.message : String(x));
    } finally {
      setBusy(false);
    }
  }
  const url = path ? new URL(path, location.origin).toString() : '';
  return (
    <section class="card" aria-labelledby="calendar-heading">
      <h2 id="calendar-heading">Your appointments in your calendar</h2>
      <p class="small">
        Your calendar app can show your appointments and keep them up to date. Make a private address, then add it to your calendar as a
        subscription (“Add calendar from URL”). Anyone with the address can see when your appointments are, so keep it to yourself; making a
        new one stops the old one at once.
      </p>
      {error && <Alert>{error}</Alert>}
      {url && (
        <div class="copy">
          <label for="calendar-url">Your private calendar address</label>
          <input id="calendar-url" type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
          <p class="muted small">Shown only now. Copy it into your calendar app.</p>
        </div>
      )}
      <button class="button" type="button" onClick={reset} disabled={busy}>
        {path ? 'Make a new address' : 'Make my calendar address'}
      </button>
    </section>
  );
}

// For the care team: requests waiting for an answer.
export function WaitingRequests() {
  const waiting = useLoad(() => appointmentsApi.waiting().catch(() => [] as AppointmentRequest[]));
  const list = waiting.data ?? [];
  if (list.length === 0) return null;
  return (
    <section class="card card--accent" aria-labelledby="requests-heading">
      <h2 id="requests-heading">Appointment requests</h2>
      <ul class="plain-list stack">
        {list.map((r) => (
          <li key={r.id}>
            <AnswerRequest request={r} onAnswered={waiting.reload} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function AnswerRequest({ request: r, onAnswered }: { request: AppointmentRequest; onAnswered: () => void }) {
  const [reply, setReply] = useState('');
  const [startsAt, setStartsAt] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const err = (f: string) => error?.fields.find((x) => x.field === f)?.message;
  async function answer(accept: boolean) {
    setBusy(true);
    setError(undefined);
    try {
      const starts = startsAt ? new Date(startsAt).toISOString() : undefined;
      await appointmentsApi.decide(r.id, { accept, reply, starts_at: accept && r.kind === 'move' ? starts : undefined });
      onAnswered();
    } catch (x) {
      setError(x instanceof ApiError ? x : new ApiError(0, String(x)));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="request" role="group" aria-label={`${r.client_name} asks to ${r.kind} an appointment`}>
      <p>
        <strong>{r.client_name}</strong> asks to {r.kind === 'cancel' ? 'cancel' : 'move'} the appointment on {formatDateTime(r.appointment_starts_at)}
        {r.short_notice && <span class="badge badge--warm"> Short notice</span>}
      </p>
      {r.note && <p class="quote">“{r.note}”</p>}
      {error && !error.fields.length && <Alert>{error.message}</Alert>}
      {r.kind === 'move' && (
        <Field label="New date and time" name={`starts-${r.id}`} type="datetime-local" value={startsAt} onInput={setStartsAt} error={err('starts_at')} />
      )}
      <TextAreaField label="Your answer to the client" name={`reply-${r.id}`} value={reply} onInput={setReply} error={err('reply')} hint="Needed when you cannot agree." />
      <div class="actions">
        <button class="button button--primary" type="button" onClick={() => answer(true)} disabled={busy}>
          {r.kind === 'cancel' ? 'Cancel the appointment' : 'Move the appointment'}
        </button>
        <button class="button" type="button" onClick={() => answer(false)} disabled={busy}>
          Decline
        </button>
      </div>
    </div>
  );
}
