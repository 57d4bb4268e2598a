// Alerts as a therapist acts on them: what happened, why it matters, what to do next, and the
// two steps that close one: "Acknowledge" (with a note of what was done) and "Resolve"; who did
// each and when, in plain words; and the banners that bring a new alert to whatever page is open.
import type { ComponentChildren, RefObject } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
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

// --- Order: what needs action first ------------------------------------------------------------

const severityRank: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const stateRank: Record<FeedbackAlert['state'], number> = { open: 0, acknowledged: 1, resolved: 2 };

export function severityOrder(severity: Severity | null | undefined): number {
  return severity ? (severityRank[severity] ?? 5) : 6;
}

function timeOf(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : 0;
}

// Open before acknowledged before resolved (in lists that mix them); then the most severe; then
// the one that has waited longest, because it needs action first.
export function compareAlerts(a: FeedbackAlert, b: FeedbackAlert): number {
  return (
    (stateRank[a.state] ?? 3) - (stateRank[b.state] ?? 3) ||
    severityOrder(a.severity) - severityOrder(b.severity) ||
    timeOf(a.created_at) - timeOf(b.created_at) ||
    a.id - b.id
  );
}

export function sortAlerts(alerts: readonly FeedbackAlert[]): FeedbackAlert[] {
  return [...alerts].sort(compareAlerts);
}

// --- Time in plain words -------------------------------------------------------------------------

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

// "25 minutes", "1 hour 10 minutes", "3 hours", "4 days", "2 weeks": rounded down, as an age is.
export function durationWords(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 3) return minutes % 60 ? `${plural(hours, 'hour')} ${plural(minutes % 60, 'minute')}` : plural(hours, 'hour');
  if (hours < 48) return plural(hours, 'hour');
  const days = Math.floor(hours / 24);
  if (days < 14) return plural(days, 'day');
  if (days < 60) return plural(Math.floor(days / 7), 'week');
  return plural(Math.floor(days / 30), 'month');
}

// How long from one moment to another, in words; empty when either is missing.
export function betweenWords(from: string | null | undefined, to: string | null | undefined): string {
  if (!from || !to) return '';
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) ? durationWords(b - a) : '';
}

export function agoWords(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return now - t < 60_000 ? 'just now' : `${durationWords(now - t)} ago`;
}

// One clock for every relative time on the page, moving on twice a minute.
const tickers = new Set<(now: number) => void>();
let tickTimer: ReturnType<typeof setInterval> | undefined;

export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    tickers.add(setNow);
    setNow(Date.now());
    tickTimer ??= setInterval(() => {
      const t = Date.now();
      for (const tick of tickers) tick(t);
    }, 30_000);
    return () => {
      tickers.delete(setNow);
      if (tickers.size === 0 && tickTimer !== undefined) {
        clearInterval(tickTimer);
        tickTimer = undefined;
      }
    };
  }, []);
  return now;
}

// "2 hours ago", with the exact time in the element (for assistive technology and on hover).
export function When({ iso, exact = false }: { iso: string | null | undefined; exact?: boolean }) {
  const now = useNow();
  if (!iso) return null;
  const full = formatDateTime(iso);
  return (
    <time dateTime={iso} title={full}>
      {exact ? `${full} (${agoWords(iso, now)})` : agoWords(iso, now)}
    </time>
  );
}

// --- Who acknowledged and who resolved --------------------------------------------------------

export interface AlertPeople {
  acknowledgedBy?: string | null;
  resolvedBy?: string | null;
}

// Alert lists carry no names; the alert's own record does. Asked once per alert and step.
const peopleCache = new Map<string, Promise<AlertPeople>>();

function loadPeople(alert: FeedbackAlert, key: string): Promise<AlertPeople> {
  let found = peopleCache.get(key);
  if (!found) {
    found = api.alert(alert.id).then(
      (d) => ({
        acknowledgedBy: d.acknowledged_by_name ?? d.alert.acknowledged_by_name,
        resolvedBy: d.resolved_by_name ?? d.alert.resolved_by_name,
      }),
      () => {
        peopleCache.delete(key);
        return {};
      },
    );
    peopleCache.set(key, found);
  }
  return found;
}

// The names of whoever acknowledged and resolved the alert. An alert inside a closed <details>
// (earlier alerts) is looked up only once it is opened.
export function useAlertPeople(alert: FeedbackAlert, where: RefObject<HTMLElement>): AlertPeople {
  const missing =
    (!!alert.acknowledged_at && !alert.acknowledged_by_name) || (!!alert.resolved_at && !alert.resolved_by_name);
  const key = `${alert.id}:${alert.state}:${alert.acknowledged_at ?? ''}:${alert.resolved_at ?? ''}`;
  const [loaded, setLoaded] = useState<{ key: string; people: AlertPeople }>();
  useEffect(() => {
    if (!missing) return undefined;
    let live = true;
    const load = () => {
      void loadPeople(alert, key).then((people) => {
        if (live) setLoaded({ key, people });
      });
    };
    const details = where.current?.closest('details');
    if (details && !details.open) {
      const onToggle = () => {
        if (!details.open) return;
        details.removeEventListener('toggle', onToggle);
        load();
      };
      details.addEventListener('toggle', onToggle);
      return () => {
        live = false;
        details.removeEventListener('toggle', onToggle);
      };
    }
    load();
    return () => {
      live = false;
    };
  }, [key, missing]);
  const people = loaded?.key === key ? loaded.people : {};
  return {
    acknowledgedBy: alert.acknowledged_by_name || people.acknowledgedBy,
    resolvedBy: alert.resolved_by_name || people.resolvedBy,
  };
}

function Note({ text }: { text: string | null | undefined }) {
  return text ? <span class="alert-history__note">“{text}”</span> : null;
}

// Raised, acknowledged (by whom, when, after how long, with the note), resolved (the same), or
// how long it has been waiting.
export function AlertHistory({ alert, people }: { alert: FeedbackAlert; people: AlertPeople }) {
  const now = useNow();
  const open = durationWords(now - timeOf(alert.created_at));
  return (
    <ul class="alert-history">
      <li>
        Raised <When iso={alert.created_at} />
      </li>
      {alert.acknowledged_at ? (
        <li>
          Acknowledged{people.acknowledgedBy ? ` by ${people.acknowledgedBy}` : ''}, <When iso={alert.acknowledged_at} /> (after{' '}
          {betweenWords(alert.created_at, alert.acknowledged_at)})
          <Note text={alert.acknowledge_note} />
        </li>
      ) : (
        alert.state === 'open' && <li class="alert-history__waiting">Open {open}, not acknowledged yet</li>
      )}
      {alert.resolved_at ? (
        <li>
          Resolved{people.resolvedBy ? ` by ${people.resolvedBy}` : ''}, <When iso={alert.resolved_at} /> (
          {betweenWords(alert.created_at, alert.resolved_at)} after it was raised)
          <Note text={alert.resolve_note} />
        </li>
      ) : (
        alert.state === 'acknowledged' && <li class="alert-history__waiting">Open {open}, not resolved yet</li>
      )}
    </ul>
  );
}

// --- Acting on an alert ------------------------------------------------------------------------

function AcknowledgeForm({ alert, onDone, onCancel }: { alert: FeedbackAlert; onDone: (changed: FeedbackAlert) => void; onCancel: () => void }) {
  const id = useId();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  // Opened by its button, which it replaces: the keyboard goes on in the note.
  useEffect(() => field.current?.focus(), []);
  async function submit(e: Event) {
    e.preventDefault();
    if (!note.trim()) {
      setError('Write what you did, for example "Called the client; safety plan reviewed".');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const changed = await api.acknowledgeAlert(alert.id, note.trim());
      onDone(changed);
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
          ref={field}
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

// Resolving takes one click; a note of how it ended may go with it.
function ResolveForm({ alert, describedBy, onDone }: { alert: FeedbackAlert; describedBy: string; onDone: (changed: FeedbackAlert) => void }) {
  const id = useId();
  const [note, setNote] = useState('');
  const [error, setError] = useState<{ field: boolean; message: string }>();
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const changed = await api.resolveAlert(alert.id, note.trim() || undefined);
      onDone(changed);
    } catch (err) {
      const onNote = err instanceof ApiError ? err.fieldMessage('note') : undefined;
      setError(onNote ? { field: true, message: `The note ${onNote}.` } : { field: false, message: err instanceof ApiError ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }
  const fieldError = error?.field ? error.message : undefined;
  return (
    <form class="resolve" onSubmit={submit} noValidate>
      {error && !error.field && <Alert>{error.message}</Alert>}
      <div class={fieldError ? 'field field--invalid resolve__note' : 'field resolve__note'}>
        <label for={id}>
          Resolution note<span class="visually-hidden"> for the alert for {alert.client_name}</span>
          <span class="optional"> (optional)</span>
        </label>
        <input
          id={id}
          type="text"
          autoComplete="off"
          maxLength={4000}
          value={note}
          aria-invalid={fieldError ? 'true' : undefined}
          aria-describedby={fieldError ? `${id}-error` : undefined}
          onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)}
        />
        {fieldError && (
          <p class="field-error" id={`${id}-error`}>
            {fieldError}
          </p>
        )}
      </div>
      <button class="button button--primary" type="submit" disabled={busy} aria-describedby={describedBy}>
        {busy ? 'Resolving…' : 'Resolve'}
        <span class="visually-hidden"> alert for {alert.client_name}</span>
      </button>
    </form>
  );
}

export interface AlertCardProps {
  alert: FeedbackAlert;
  canAct: boolean;
  // Called after the alert was acknowledged or resolved here, with its new state.
  onChanged: (changed?: FeedbackAlert) => void;
  showClient?: boolean;
  // The treating therapist's name, when the alert does not carry it.
  therapistName?: string;
  // A link to the alert's own page (who was told, the full record).
  linkToPage?: boolean;
  // Focus the card's heading once shown (it moved here after being acknowledged).
  focusOnShow?: boolean;
  // More for the page to offer on this alert ("Note a rupture"), below the card's own actions.
  extra?: (alert: FeedbackAlert) => ComponentChildren;
}

export function AlertCard({ alert, canAct, onChanged, showClient = true, therapistName, linkToPage = true, focusOnShow = false, extra }: AlertCardProps) {
  const card = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const people = useAlertPeople(alert, card);
  const acknowledgeButton = useRef<HTMLButtonElement>(null);
  const [acknowledging, setAcknowledging] = useState(false);
  const [focusHeading, setFocusHeading] = useState(focusOnShow);
  const [focusButton, setFocusButton] = useState(false);
  useEffect(() => {
    if (!focusHeading) return;
    heading.current?.focus();
    setFocusHeading(false);
  }, [focusHeading]);
  useEffect(() => {
    if (!focusButton) return;
    acknowledgeButton.current?.focus();
    setFocusButton(false);
  }, [focusButton]);
  const headingId = `alert-${alert.id}`;
  const therapist = alert.therapist_name || therapistName;
  const more = extra?.(alert);
  const changed = (next: FeedbackAlert) => {
    setAcknowledging(false);
    setFocusHeading(true);
    onChanged(next);
  };
  return (
    <article ref={card} class={`alert-card alert-card--${alert.severity}`} aria-labelledby={headingId} data-alert-id={alert.id}>
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        <SeverityBadge severity={alert.severity} /> {alert.title}
      </h3>
      {(showClient || linkToPage) && (
        <p class="muted small alert-card__meta">
          {showClient && (
            <>
              <a href={`/episodes/${alert.episode_id}`}>{alert.client_name}</a>
              {therapist ? ` · with ${therapist}` : ''}
            </>
          )}
          {showClient && linkToPage && ' · '}
          {linkToPage && (
            <a href={`/alerts/${alert.id}`}>
              Details<span class="visually-hidden"> of the alert for {alert.client_name}</span>
            </a>
          )}
        </p>
      )}
      <p>{alert.explanation}</p>
      <p>
        <strong>Next step:</strong> {alert.next_step}
      </p>
      <AlertHistory alert={alert} people={people} />
      {canAct && alert.state === 'open' && (
        acknowledging ? (
          <AcknowledgeForm
            alert={alert}
            onCancel={() => {
              setAcknowledging(false);
              setFocusButton(true);
            }}
            onDone={changed}
          />
        ) : (
          <div class="actions">
            <button ref={acknowledgeButton} class="button button--primary" type="button" onClick={() => setAcknowledging(true)} aria-describedby={headingId}>
              Acknowledge<span class="visually-hidden"> alert for {alert.client_name}</span>
            </button>
          </div>
        )
      )}
      {canAct && alert.state === 'acknowledged' && <ResolveForm alert={alert} describedBy={headingId} onDone={changed} />}
      {more ? <div class="actions">{more}</div> : null}
    </article>
  );
}

export function AlertList({
  alerts,
  canAct,
  onChanged,
  showClient = true,
  empty,
  therapistName,
  focusId,
  extra,
}: {
  alerts: FeedbackAlert[];
  canAct: boolean;
  onChanged: (changed?: FeedbackAlert) => void;
  showClient?: boolean;
  empty: string;
  therapistName?: (therapistId: number | undefined) => string | undefined;
  focusId?: number;
  extra?: (alert: FeedbackAlert) => ComponentChildren;
}) {
  if (alerts.length === 0) return <p class="muted">{empty}</p>;
  return (
    <div class="alert-list">
      {sortAlerts(alerts).map((a) => (
        <AlertCard
          key={a.id}
          alert={a}
          canAct={canAct}
          onChanged={onChanged}
          showClient={showClient}
          therapistName={therapistName?.(a.therapist_id)}
          focusOnShow={a.id === focusId}
          extra={extra}
        />
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
