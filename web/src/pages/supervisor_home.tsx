// The supervisor's home: the alerts of the therapists they supervise (whose, how long open, how
// soon acknowledged), the ruptures still waiting for a repair note, a short history of critical
// alerts, and the clients grouped by therapist.
import { useCallback, useMemo } from 'preact/hooks';
import { api, type FeedbackAlert } from '../api';
import { AlertList, betweenWords, When } from '../alerts';
import { loadCaseload, type CaseloadRow } from '../caseload';
import { firstName } from '../format';
import { useLiveAlerts } from '../live';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { WaitingRuptures } from './ruptures_section';
import { CaseloadList } from './therapist_home';

// How many resolved critical alerts the history shows.
const kCriticalHistory = 10;

function groupByTherapist(rows: CaseloadRow[]): [string, CaseloadRow[]][] {
  const groups = new Map<string, CaseloadRow[]>();
  for (const row of rows) {
    const name = row.episode?.therapist_name || 'No therapist assigned';
    groups.set(name, [...(groups.get(name) ?? []), row]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

interface SupervisedAlerts {
  open: FeedbackAlert[];
  acknowledged: FeedbackAlert[];
  // Resolved critical alerts, newest first.
  critical: FeedbackAlert[];
}

// Older servers have no alerts yet; the overview still works without them.
async function loadAlerts(): Promise<SupervisedAlerts | undefined> {
  try {
    const [open, acknowledged, resolved] = await Promise.all([
      api.alerts('open'),
      api.alerts('acknowledged'),
      api.alerts('resolved').catch(() => [] as FeedbackAlert[]),
    ]);
    const critical = resolved
      .filter((a) => a.severity === 'critical')
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
      .slice(0, kCriticalHistory);
    return { open, acknowledged, critical };
  } catch {
    return undefined;
  }
}

// Therapists' names by id, from the clinic's list of therapists; the caseload adds the names of
// those whose clients it shows.
async function loadTherapistNames(): Promise<Map<number, string>> {
  const therapists = await api.therapists().catch(() => []);
  const names = new Map<number, string>();
  for (const t of therapists) if (t.display_name) names.set(t.id, t.display_name);
  return names;
}

function CriticalHistory({ alerts, therapist }: { alerts: FeedbackAlert[]; therapist: (id: number | undefined) => string | undefined }) {
  if (alerts.length === 0) return <p class="muted">No critical alert of the therapists you supervise has been resolved yet.</p>;
  return (
    <div class="table-wrap">
      <table class="data-table data-table--stacks critical-history">
        <caption class="visually-hidden">Resolved critical alerts, newest first: whose, when raised, and how long until acknowledged and resolved</caption>
        <thead>
          <tr>
            <th scope="col">Client</th>
            <th scope="col">Therapist</th>
            <th scope="col">Raised</th>
            <th scope="col">Acknowledged after</th>
            <th scope="col">Resolved after</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <tr key={a.id}>
              <th scope="row">
                <a href={`/alerts/${a.id}`}>
                  {a.client_name}
                  <span class="visually-hidden">: {a.title}</span>
                </a>
              </th>
              <td data-label="Therapist">{therapist(a.therapist_id) ?? 'Not known'}</td>
              <td data-label="Raised">
                <When iso={a.created_at} />
              </td>
              <td data-label="Acknowledged after">{betweenWords(a.created_at, a.acknowledged_at) || 'Not acknowledged'}</td>
              <td data-label="Resolved after">{betweenWords(a.created_at, a.resolved_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SupervisorHome({ ctx }: { ctx: AppContext }) {
  const caseload = useLoad(loadCaseload);
  const alerts = useLoad(loadAlerts);
  const names = useLoad(() => loadTherapistNames().catch(() => new Map<number, string>()));
  const known = useMemo(() => {
    const all = new Map<number, string>();
    for (const { episode } of caseload.data ?? []) {
      if (episode?.therapist_name) all.set(episode.therapist_id, episode.therapist_name);
    }
    for (const [id, name] of names.data ?? []) all.set(id, name);
    return all;
  }, [caseload.data, names.data]);
  const therapist = useCallback((id: number | undefined) => (id === undefined ? undefined : known.get(id)), [known]);
  const reload = useCallback(() => {
    alerts.reload();
    names.reload();
  }, [alerts.reload, names.reload]);
  useLiveAlerts(reload);
  const data = alerts.data;
  return (
    <div class="page">
      <PageTitle title="Supervision">Supervision overview</PageTitle>
      <p class="lede">Hello {firstName(ctx.user.display_name)}. These are the clients of the therapists you supervise.</p>
      <p>
        <a href="/reports/outcomes">Outcome report</a>
        <span class="muted small"> · how ended episodes went, for reflection in supervision</span>
      </p>
      {data && (
        <>
          <section class="card card--alerts" aria-labelledby="alerts-heading">
            <h2 id="alerts-heading">
              Open alerts <span class="count">{data.open.length}</span>
            </h2>
            <p class="muted small">
              Alerts stay with the treating therapist; this list lets you follow them up in supervision. The most
              severe come first and, within a severity, the one waiting longest.
            </p>
            <AlertList alerts={data.open} canAct={false} onChanged={reload} therapistName={therapist} empty="No open alerts for the therapists you supervise." />
          </section>
          {data.acknowledged.length > 0 && (
            <section class="card card--acknowledged" aria-labelledby="acknowledged-heading">
              <h2 id="acknowledged-heading">
                Acknowledged, not yet resolved <span class="count count--quiet">{data.acknowledged.length}</span>
              </h2>
              <AlertList alerts={data.acknowledged} canAct={false} onChanged={reload} therapistName={therapist} empty="" />
            </section>
          )}
          <WaitingRuptures />
          <section class="card card--critical-history" aria-labelledby="critical-history-heading">
            <h2 id="critical-history-heading">Critical alerts: recent history</h2>
            <p class="muted small">Resolved critical alerts, newest first, with how long each took to acknowledge and to resolve.</p>
            <CriticalHistory alerts={data.critical} therapist={therapist} />
          </section>
        </>
      )}
      {caseload.loading && !caseload.data && <Loading what="caseloads" />}
      {caseload.error && <Alert>{caseload.error.message}</Alert>}
      {caseload.data && caseload.data.length === 0 && <p class="muted">No clients to show yet.</p>}
      <div class="grid">
        {caseload.data &&
          groupByTherapist(caseload.data).map(([therapist, rows], i) => (
            <section key={therapist} class="card" aria-labelledby={`therapist-${i}`}>
              <h2 id={`therapist-${i}`}>
                {therapist} <span class="muted small">({rows.length} client{rows.length === 1 ? '' : 's'})</span>
              </h2>
              <CaseloadList rows={rows} />
            </section>
          ))}
      </div>
    </div>
  );
}
