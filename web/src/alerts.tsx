// Alerts as a therapist acts on them: what happened, why it matters, what to do next, and the
// two steps that close one: "Acknowledge" (with a note of what was done) and "Resolve".
import { useId, useState } from 'preact/hooks';
import { api, ApiError, type FeedbackAlert, type Severity } from './api';
import { formatDateTime } from './format';
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
