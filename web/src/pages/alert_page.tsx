// One alert as the care team follows it up: what happened and what to do, who has been told, by
// which way and whether it reached them, and who acknowledged it. Acknowledge and resolve are the
// same steps as on the caseload.
import { useCallback, useEffect } from 'preact/hooks';
import { api, type AlertDelivery, type AlertDetail, type DeliveryChannel, type LiveAlertEvent } from '../api';
import { AlertCard, betweenWords, durationWords, useNow, When } from '../alerts';
import { ContactList } from '../contact_card';
import { formatDateTime } from '../format';
import { dismissBannersOf, useLiveAlerts } from '../live';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { NotFoundPage } from './not_found';

// While the alert waits for someone, its deliveries and escalations change by the minute.
const kRefreshWhileOpenMs = 15_000;

const channelWords: Record<DeliveryChannel, string> = {
  live: 'on screen',
  email: 'e-mail',
  webhook: 'clinic pager (webhook)',
};

export function deliveryStateWords(d: AlertDelivery): string {
  switch (d.state) {
    case 'sent':
      return 'delivered';
    case 'held':
      return 'waiting for the mail relay (held in the clinic outbox)';
    case 'skipped':
      return d.channel === 'live' ? 'no page open' : 'not sent';
    case 'failed':
      return d.last_error ? `failed: ${d.last_error}` : 'failed';
    case 'sending':
      return 'being sent';
    case 'pending':
      return d.last_error ? `waiting to try again (last try: ${d.last_error})` : 'waiting to be sent';
  }
  return d.state;
}

function whoWords(d: AlertDelivery): string {
  if (d.recipient_name) return d.recipient_name;
  if (d.channel === 'webhook') return "The clinic's pager";
  // A person whose name is not known (an account since removed): never a bare number.
  return d.recipient_id ? 'A member of staff' : '—';
}

function whyWords(step: number): string {
  return step === 0 ? 'When the alert was raised' : `Not acknowledged yet: step ${step} of the escalation`;
}

function Deliveries({ deliveries }: { deliveries: AlertDelivery[] }) {
  if (deliveries.length === 0) return <p class="muted">Nobody has been told through Rapport yet.</p>;
  const rows = [...deliveries].sort((a, b) => a.step - b.step || (a.created_at < b.created_at ? -1 : 1));
  return (
    <div class="table-wrap">
      <table class="data-table data-table--stacks">
        <caption class="visually-hidden">Who was told, by which way, when, and whether it reached them</caption>
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">How</th>
            <th scope="col">When</th>
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d, i) => (
            <tr key={i}>
              <th scope="row">{whoWords(d)}</th>
              <td data-label="How">{channelWords[d.channel] ?? d.channel}</td>
              <td data-label="When">
                {formatDateTime(d.delivered_at ?? d.created_at)}
                <span class="muted small block">{whyWords(d.step)}</span>
              </td>
              <td data-label="What happened" class={d.state === 'failed' ? 'delivery--failed' : undefined}>
                {deliveryStateWords(d)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// The alert's record, step by step: when it was raised; who acknowledged it, when, how long after
// and with what note; the same for resolving it. Exact times, with how long ago beside them.
function FollowUp({ detail }: { detail: AlertDetail }) {
  const { alert } = detail;
  const acknowledgedBy = detail.acknowledged_by_name ?? alert.acknowledged_by_name;
  const resolvedBy = detail.resolved_by_name ?? alert.resolved_by_name;
  const now = useNow();
  return (
    <dl class="details details--long-terms">
      <div>
        <dt>Raised</dt>
        <dd>
          <When iso={alert.created_at} exact />
        </dd>
      </div>
      <div>
        <dt>Acknowledged</dt>
        <dd>
          {alert.acknowledged_at ? (
            <>
              {acknowledgedBy ? `By ${acknowledgedBy}, ` : ''}
              <When iso={alert.acknowledged_at} exact />
              <span class="block muted small">{betweenWords(alert.created_at, alert.acknowledged_at)} after it was raised</span>
            </>
          ) : alert.state === 'open' ? (
            `Not yet: open ${durationWords(now - Date.parse(alert.created_at))}`
          ) : (
            'Not acknowledged'
          )}
          {alert.acknowledge_note && <span class="block">“{alert.acknowledge_note}”</span>}
        </dd>
      </div>
      <div>
        <dt>Resolved</dt>
        <dd>
          {alert.resolved_at ? (
            <>
              {resolvedBy ? `By ${resolvedBy}, ` : ''}
              <When iso={alert.resolved_at} exact />
              <span class="block muted small">{betweenWords(alert.created_at, alert.resolved_at)} after it was raised</span>
            </>
          ) : (
            'Not yet'
          )}
          {alert.resolve_note && <span class="block">“{alert.resolve_note}”</span>}
        </dd>
      </div>
    </dl>
  );
}

export function AlertPage({ ctx, alertId }: { ctx: AppContext; alertId: number }) {
  const detail = useLoad(() => api.alert(alertId), [alertId]);
  const { reload } = detail;
  useEffect(() => dismissBannersOf(alertId), [alertId]);
  useLiveAlerts(
    useCallback(
      (e: LiveAlertEvent) => {
        if (e.alert_id === alertId) reload();
      },
      [alertId, reload],
    ),
  );
  const state = detail.data?.alert.state;
  useEffect(() => {
    if (state !== 'open') return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, kRefreshWhileOpenMs);
    return () => clearInterval(timer);
  }, [state, reload]);

  if (detail.error?.status === 404) return <NotFoundPage />;
  const data = detail.data;
  return (
    <div class="page narrow-page alert-page">
      <p class="breadcrumb">
        <a href="/">{ctx.user.role === 'therapist' ? 'Caseload' : 'Home'}</a>
        {data && (
          <>
            {' / '}
            <a href={`/episodes/${data.alert.episode_id}`}>{data.alert.client_name}</a>
          </>
        )}
      </p>
      <PageTitle title="Alert">{data ? `Alert for ${data.alert.client_name}` : 'Alert'}</PageTitle>
      {detail.loading && !data && <Loading what="the alert" />}
      {detail.error && <Alert>{detail.error.message}</Alert>}
      {data && (
        <>
          <section class="card" aria-labelledby="what-heading">
            <h2 id="what-heading">What happened</h2>
            <AlertCard
              alert={{
                ...data.alert,
                acknowledged_by_name: data.acknowledged_by_name ?? data.alert.acknowledged_by_name,
                resolved_by_name: data.resolved_by_name ?? data.alert.resolved_by_name,
              }}
              canAct
              onChanged={reload}
              linkToPage={false}
            />
          </section>
          {data.contact && (
            <section class="card" aria-labelledby="reach-heading">
              <h2 id="reach-heading">How to reach {data.alert.client_name}</h2>
              <ContactList contact={data.contact} emergencyFirst={data.alert.severity === 'critical'} />
            </section>
          )}
          <section class="card" aria-labelledby="told-heading">
            <h2 id="told-heading">Who was told</h2>
            <Deliveries deliveries={data.deliveries} />
          </section>
          <section class="card" aria-labelledby="followup-heading">
            <h2 id="followup-heading">Follow-up</h2>
            <FollowUp detail={data} />
          </section>
        </>
      )}
    </div>
  );
}
