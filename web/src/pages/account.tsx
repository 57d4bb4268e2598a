// My account: the devices I am signed in on, ending any of them, and signing out.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { AppContext } from '../main';
import { formatDateTime, roleLabels } from '../format';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

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
