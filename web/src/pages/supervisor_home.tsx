// The supervisor's home: the clients of the therapists they supervise, grouped by therapist.
import { loadCaseload, type CaseloadRow } from '../caseload';
import { firstName } from '../format';
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
  return (
    <div class="page">
      <PageTitle title="Supervision">Supervision overview</PageTitle>
      <p class="lede">Hello {firstName(ctx.user.display_name)}. These are the clients of the therapists you supervise.</p>
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
