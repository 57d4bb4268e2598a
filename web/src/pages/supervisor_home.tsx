// The supervisor's home: the clients of the therapists they supervise, grouped by therapist.
import { api } from '../api';
import { AlertList } from '../alerts';
import { loadCaseload, type CaseloadRow } from '../caseload';
import { firstName } from '../format';
import { useLiveAlerts } from '../live';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { CaseloadList } from './therapist_home';

function groupByTherapist(rows: CaseloadRow[]): [string, CaseloadRow[]][] {
  const groups = new Map<string, CaseloadRow[]>();
  for (const row of rows) {
    const name = row.episode?.therapist_name || row.client.therapist_name || 'No therapist assigned';
    groups.set(name, [...(groups.get(name) ?? []), row]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function SupervisorHome({ ctx }: { ctx: AppContext }) {
  const caseload = useLoad(loadCaseload);
  // Older servers have no alerts yet; the overview still works without them.
  const alerts = useLoad(() => api.alerts('open').catch(() => undefined));
  useLiveAlerts(alerts.reload);
  return (
    <div class="page">
      <PageTitle title="Supervision">Supervision overview</PageTitle>
      <p class="lede">Hello {firstName(ctx.user.display_name)}. These are the clients of the therapists you supervise.</p>
      {alerts.data && (
        <section class="card card--alerts" aria-labelledby="alerts-heading">
          <h2 id="alerts-heading">
            Open alerts <span class="count">{alerts.data.length}</span>
          </h2>
          <p class="muted small">Alerts stay with the treating therapist; this list lets you follow them up in supervision.</p>
          <AlertList alerts={alerts.data} canAct={false} onChanged={alerts.reload} empty="No open alerts for the therapists you supervise." />
        </section>
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
