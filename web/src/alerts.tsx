// Alerts as a therapist acts on them: what happened, why it matters, what to do next, and the
// two steps that close one: "Acknowledge" (with a note of what was done) and "Resolve"; and the
// banners that bring a new alert to whatever page is open.
import { useId, useState } from 'preact/hooks';
import { api, ApiError, type FeedbackAlert, type LiveAlertEvent, type Severity } from './api';
import { formatDateTime } from './format';
import { bannerKey, dismissAllBanners, dismissBanner, useBanners } from './live';
import { Alert } from './ui';

export const severityLabels: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'For information',
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span class={`badge badge--sev-${severity}`}>{severityLabels[severity] ?? severity}</span>;
}

function AcknowledgeForm({ alert, onDone, onCancel }: { alert: FeedbackAlert; onDone: () => void; onCancel: () => void }) {
  const id = useId();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (!note.trim()) {
      setError('Write what you did, for example "Called the client; safety plan reviewed".');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.acknowledgeAlert(alert.id, note.trim());
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.fieldMessage('note') ?? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="form ack" onSubmit={submit} noValidate>
      <div class={error ? 'field field--invalid' : 'field'}>
        <label for={id}>What did you do?</label>
        <textarea
          id={id}
          rows={3}
          value={note}
          required
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)}
        />
        {error && (
          <p class="field-error" id={`${id}-error`}>
            {error}
          </p>
        )}
      </div>
      <div class="actions">
        <button class="button button--primary" type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save acknowledgement'}
        </button>
        <button class="button" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function AlertCard({ alert, canAct, onChanged, showClient = true }: { alert: FeedbackAlert; canAct: boolean; onChanged: () => void; showClient?: boolean }) {
  const [acknowledging, setAcknowledging] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function resolve() {
    setBusy(true);
    setError(undefined);
    try {
      await api.resolveAlert(alert.id);
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  const headingId = `alert-${alert.id}`;
  return (
    <article class={`alert-card alert-card--${alert.severity}`} aria-labelledby={headingId}>
      <h3 id={headingId}>
        <SeverityBadge severity={alert.severity} /> {alert.title}
      </h3>
      <p class="muted small">
        {showClient && (
          <>
            <a href={`/episodes/${alert.episode_id}`}>{alert.client_name}</a>
            {alert.therapist_name ? ` · with ${alert.therapist_name}` : ''} ·{' '}
          </>
        )}
        {formatDateTime(alert.created_at)}
      </p>
      <p>{alert.explanation}</p>
      <p>
        <strong>Next step:</strong> {alert.next_step}
      </p>
      {alert.state !== 'open' && (
        <p class="muted small">
          {alert.state === 'acknowledged' ? 'Acknowledged' : 'Resolved'}
          {alert.acknowledged_by_name ? ` by ${alert.acknowledged_by_name}` : ''}
          {alert.acknowledge_note ? `: “${alert.acknowledge_note}”` : ''}
        </p>
      )}
      {error && <Alert>{error}</Alert>}
      {canAct && alert.state !== 'resolved' && (
        acknowledging ? (
          <AcknowledgeForm alert={alert} onCancel={() => setAcknowledging(false)} onDone={() => { setAcknowledging(false); onChanged(); }} />
        ) : (
          <div class="actions">
            {alert.state === 'open' && (
              <button class="button button--primary" type="button" onClick={() => setAcknowledging(true)} aria-describedby={headingId}>
                Acknowledge
              </button>
            )}
            {alert.state === 'acknowledged' && (
              <button class="button" type="button" disabled={busy} onClick={resolve} aria-describedby={headingId}>
                Resolve
              </button>
            )}
          </div>
        )
      )}
    </article>
  );
}

export function AlertList({ alerts, canAct, onChanged, showClient = true, empty }: { alerts: FeedbackAlert[]; canAct: boolean; onChanged: () => void; showClient?: boolean; empty: string }) {
  if (alerts.length === 0) return <p class="muted">{empty}</p>;
  return (
    <div class="alert-list">
      {alerts.map((a) => (
        <AlertCard key={a.id} alert={a} canAct={canAct} onChanged={onChanged} showClient={showClient} />
      ))}
    </div>
  );
}

const kBannersShown = 3;

function bannerWords(event: LiveAlertEvent): string {
  const what = `${severityLabels[event.severity] ?? 'New'} alert${event.title ? `: ${event.title}` : ''}`;
  return event.client_name ? `${what} for ${event.client_name}` : what;
}

// New alerts, newest first, at the top of whatever page is open. Each is its own role="alert",
// so a screen reader announces it as it arrives without taking the reader's focus away. A later
// step means nobody has acknowledged someone else's alert yet, and says so first.
export function LiveAlertBanners({ canOpen }: { canOpen: boolean }) {
  const banners = useBanners();
  if (banners.length === 0) return null;
  const shown = banners.slice(0, kBannersShown);
  const more = banners.length - shown.length;
  return (
    <div class="live-alerts">
      {shown.map((event) => {
        const key = bannerKey(event);
        const about = event.client_name ? ` for ${event.client_name}` : '';
        return (
          <div key={key} class={`live-alert live-alert--${event.severity}`} role="alert">
            <div class="live-alert__text">
              {event.step > 0 ? (
                <>
                  <p class="live-alert__what">Urgent: an alert for a client of another therapist has not been acknowledged</p>
                  <p>{bannerWords(event)}</p>
                </>
              ) : (
                <p class="live-alert__what">{bannerWords(event)}</p>
              )}
            </div>
            <div class="live-alert__actions">
              {canOpen && (
                <a class="button button--small button--primary" href={`/alerts/${event.alert_id}`} onClick={() => dismissBanner(key)}>
                  Open the alert<span class="visually-hidden">{about}</span>
                </a>
              )}
              <button class="button button--small" type="button" onClick={() => dismissBanner(key)}>
                Dismiss<span class="visually-hidden"> the alert{about}</span>
              </button>
            </div>
          </div>
        );
      })}
      {more > 0 && (
        <p class="live-alerts__more">
          and {more} more
          <button class="button button--small button--quiet" type="button" onClick={dismissAllBanners}>
            Dismiss all
          </button>
        </p>
      )}
    </div>
  );
}
