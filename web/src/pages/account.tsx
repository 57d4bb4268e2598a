// My account: the devices I am signed in on, ending any of them, and signing out; changing my
// password; for therapists and supervisors, also how Rapport tells them about alerts.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type NotificationPreferences, type Severity } from '../api';
import type { AppContext } from '../main';
import { CalendarFeedCard } from '../appointment_requests';
import { ContactCard } from '../contact_card';
import { formatDateTime, roleLabels } from '../format';
import { Alert, CheckboxField, Field, FormErrorSummary, Loading, PageTitle, SelectField, useForm, useLoad } from '../ui';

function describeAgent(ua: string | undefined): string {
  if (!ua) return 'Unknown browser';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

export function AccountPage({ ctx }: { ctx: AppContext }) {
  const sessions = useLoad(() => api.sessions());
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function end(id: number, current: boolean) {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await api.endSession(id);
      if (current) {
        ctx.signedOut();
        return;
      }
      setNotice('The session was ended. That device is signed out.');
      sessions.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function signOut() {
    setBusy(true);
    try {
      await api.logout();
    } catch {
      // Signed out locally either way; the server session expires on its own.
    }
    ctx.signedOut();
  }

  return (
    <div class="page">
      <PageTitle title="Account">Your account</PageTitle>
      <section class="card" aria-labelledby="me-heading">
        <h2 id="me-heading">Signed in as</h2>
        <dl class="details">
          <div>
            <dt>Name</dt>
            <dd>{ctx.user.display_name}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{ctx.user.email}</dd>
          </div>
          <div>
            <dt>Role</dt>
            <dd>{roleLabels[ctx.user.role] ?? ctx.user.role}</dd>
          </div>
        </dl>
        <button class="button" type="button" onClick={signOut} disabled={busy}>
          Sign out
        </button>
      </section>
      {ctx.user.role === 'client' && <ContactCard clientId={ctx.user.id} self />}
      {(ctx.user.role === 'client' || ctx.user.role === 'therapist') && <CalendarFeedCard />}
      <ChangePassword onChanged={sessions.reload} />
      {(ctx.user.role === 'therapist' || ctx.user.role === 'supervisor') && <AlertPreferences />}
      <section class="card" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Where you are signed in</h2>
        <p class="muted">If you see a device you do not recognise, end its session and tell your clinic.</p>
        {error && <Alert>{error}</Alert>}
        {notice && <Alert kind="success">{notice}</Alert>}
        {sessions.loading && !sessions.data && <Loading what="sessions" />}
        {sessions.error && <Alert>{sessions.error.message}</Alert>}
        {sessions.data && (
          <ul class="list">
            {sessions.data.map((s) => (
              <li key={s.id} class="list-item">
                <div>
                  <p class="list-item__title">
                    {describeAgent(s.user_agent)}
                    {s.current && <span class="badge badge--calm">This device</span>}
                  </p>
                  <p class="muted small">
                    Signed in {formatDateTime(s.created_at)} · last active {formatDateTime(s.last_seen_at)}
                    {s.source ? ` · from ${s.source}` : ''}
                  </p>
                </div>
                <button class="button button--small" type="button" disabled={busy} onClick={() => end(s.id, s.current)}>
                  {s.current ? 'Sign out here' : 'End session'}
                  <span class="visually-hidden"> {describeAgent(s.user_agent)}, signed in {formatDateTime(s.created_at)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

// Changing the password asks for the current one, so that a browser left signed in is not enough
// to take over the account. The new one is typed twice; the two are compared here before sending.
function ChangePassword({ onChanged }: { onChanged: () => void }) {
  const form = useForm({ current_password: '', new_password: '', repeat: '' });
  const [done, setDone] = useState<string>();
  // The repeat is judged once it has been typed, and on sending even when left empty.
  const [checkRepeat, setCheckRepeat] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const { current_password, new_password, repeat } = form.values;
  const repeatError =
    (checkRepeat || repeat !== '') && repeat !== new_password
      ? repeat === ''
        ? 'Please type the new password a second time.'
        : 'The two new passwords are not the same.'
      : undefined;
  const edit = (name: 'current_password' | 'new_password' | 'repeat') => (value: string) => {
    setDone(undefined);
    form.set(name)(value);
  };

  const onSubmit = (e: Event) => {
    e.preventDefault();
    setDone(undefined);
    if (new_password !== repeat) {
      setCheckRepeat(true);
      formRef.current?.querySelector<HTMLInputElement>('input[name="repeat"]')?.focus();
      return;
    }
    void form.submit(async () => {
      const changed = await api.changePassword({ current_password, new_password });
      form.setValues({ current_password: '', new_password: '', repeat: '' });
      setCheckRepeat(false);
      setDone(changed?.message || 'Your password has been changed.');
      onChanged();
    });
  };

  return (
    <section class="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Change your password</h2>
      <p class="muted">Anywhere else you are signed in will be signed out; you stay signed in here.</p>
      <form class="form" ref={formRef} noValidate onSubmit={onSubmit}>
        <FormErrorSummary error={form.error} fields={['current_password', 'new_password', 'password']} />
        {done && <Alert kind="success">{done}</Alert>}
        <Field
          label="Current password"
          name="current_password"
          type="password"
          autoComplete="current-password"
          required
          value={current_password}
          onInput={edit('current_password')}
          error={form.fieldError('current_password')}
        />
        <Field
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 12 characters. A few unrelated words make a strong password."
          value={new_password}
          onInput={edit('new_password')}
          error={form.fieldError('new_password') ?? form.fieldError('password')}
        />
        <Field
          label="Repeat the new password"
          name="repeat"
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onInput={edit('repeat')}
          error={repeatError}
        />
        <div>
          <button class="button button--primary" type="submit" disabled={form.busy}>
            {form.busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}

const kEmailFrom: { value: Severity; label: string }[] = [
  { value: 'info', label: 'Every alert' },
  { value: 'low', label: 'Low, medium, high and critical' },
  { value: 'medium', label: 'Medium, high and critical' },
  { value: 'high', label: 'High and critical' },
  { value: 'critical', label: 'Critical only' },
];

function AlertPreferences() {
  const loaded = useLoad(api.notificationPreferences);
  const [prefs, setPrefs] = useState<NotificationPreferences>();
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (loaded.data) setPrefs(loaded.data);
  }, [loaded.data]);
  const change = (part: Partial<NotificationPreferences>) => {
    setSaved(false);
    setPrefs((p) => (p ? { ...p, ...part } : p));
  };

  async function submit(e: Event) {
    e.preventDefault();
    if (!prefs || busy) return;
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      setPrefs(await api.putNotificationPreferences(prefs));
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="told-heading">
      <h2 id="told-heading">How Rapport tells you about alerts</h2>
      <p>
        <strong>A client's risk answer and every critical alert always come on screen and by e-mail</strong>, whatever
        you choose here: nobody can miss them. For other alerts, choose what suits you.
      </p>
      {loaded.loading && !loaded.data && <Loading what="your choices" />}
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      {prefs && (
        <form class="form" noValidate onSubmit={submit}>
          <FormErrorSummary error={error} fields={['email_min_severity']} />
          <CheckboxField
            label="Show new alerts on screen while I have Rapport open"
            name="live"
            checked={prefs.live}
            onChange={(live) => change({ live })}
          />
          <CheckboxField label="E-mail me about new alerts" name="email" checked={prefs.email} onChange={(email) => change({ email })} />
          <SelectField
            label="Which alerts to e-mail"
            name="email_min_severity"
            value={prefs.email_min_severity}
            onInput={(v) => change({ email_min_severity: v as Severity })}
            options={kEmailFrom}
            error={error?.fieldMessage('email_min_severity')}
          />
          {saved && <Alert kind="success">Your choices are saved.</Alert>}
          <div>
            <button class="button button--primary" type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save my choices'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
