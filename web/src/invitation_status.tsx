// Where a person's invitation stands (waiting, expired, accepted), when it was sent and when it
// expires, and a way to send it again by e-mail: links are sent to the person, never copied.
import { useState } from 'preact/hooks';
import { ApiError } from './api';
import { formatDateTime } from './format';
import { invitationsApi } from './records_api';
import { Alert, useLoad } from './ui';

const deliveryWords: Record<string, string> = {
  email: 'by e-mail',
  in_person: 'in person',
  cli: 'by the clinic’s operator',
};

// `showSend`: false where the page has its own ways to send (by e-mail or in person).
export function InvitationStatusLine({ userId, name, email, showSend = true }: { userId: number; name: string; email: string; showSend?: boolean }) {
  const status = useLoad(() => invitationsApi.status(userId), [userId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState(false);
  const s = status.data;
  if (!s || s.can_sign_in || s.state === 'accepted') return null;

  async function sendAgain() {
    setBusy(true);
    setError(undefined);
    try {
      await invitationsApi.sendAgain(userId);
      setSent(true);
      status.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  const words =
    s.state === 'pending'
      ? `Invitation waiting: sent ${deliveryWords[s.delivery] ?? ''} on ${formatDateTime(s.sent_at)}; it expires ${formatDateTime(s.expires_at)}.`
      : s.state === 'expired'
        ? `The invitation sent on ${formatDateTime(s.sent_at)} expired ${formatDateTime(s.expires_at)} before ${name} used it.`
        : `${name} has not been invited yet.`;
  return (
    <div class="invitation-status">
      <p class="small" role="status">
        <span class={s.state === 'expired' ? 'badge badge--warm' : 'badge badge--calm'}>{s.state === 'pending' ? 'Pending' : s.state === 'expired' ? 'Expired' : 'Not invited'}</span>{' '}
        {words}
        {sent ? ` A new invitation is on its way to ${email}.` : ''}
      </p>
      {error && <Alert>{error}</Alert>}
      {showSend && (
        <button class="button button--small" type="button" onClick={sendAgain} disabled={busy}>
          {busy ? 'Sending…' : s.state === 'none' ? `Send ${name} an invitation` : `Send the invitation again to ${email}`}
        </button>
      )}
    </div>
  );
}
