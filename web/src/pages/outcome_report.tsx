// The outcome report for an admin (the clinic) and a supervisor (the clinic's rows and their
// supervisees'): per problem area, how ended episodes went, the clinic first and then each
// therapist, every figure shrunk towards the clinic's with its uncertainty. It is for reflection
// and supervision, not a league table: rows are in the server's order, never ranked.
import type { AppContext } from '../main';
import { kOutcomeReportCsvPath, matchingApi, type MeanFigure, type OutcomeRow, type RateFigure } from '../matching_api';
import { kFocusAreas, nameOf } from '../matching_words';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

const kNotEnough = 'Not enough ended episodes yet';

function percent(x: number): string {
  return `${Math.round(x * 100)}`;
}

// "46 % (31–62 %)": the estimate with its 95 % interval.
export function rateWords(f: RateFigure | null): string {
  if (!f) return kNotEnough;
  return `${percent(f.estimate)} % (${percent(f.lower)}–${percent(f.upper)} %)`;
}

// "4.1 ± 0.8": the estimate and its standard error, in points.
export function changeWords(f: MeanFigure | null): string {
  if (!f) return kNotEnough;
  return `${f.estimate.toFixed(1)} ± ${f.standard_error.toFixed(1)}`;
}

// The clinic's row first, then the therapists in the order the server gave.
function rowsOf(rows: OutcomeRow[], domain: string): OutcomeRow[] {
  const mine = rows.filter((r) => r.domain === domain);
  return [...mine.filter((r) => r.therapist_id === 0), ...mine.filter((r) => r.therapist_id !== 0)];
}

export function OutcomeReportPage(_props: { ctx: AppContext }) {
  const report = useLoad(() => matchingApi.outcomeReport());
  const data = report.data;
  return (
    <div class="page">
      <p class="breadcrumb">
        <a href="/">Home</a> <span aria-hidden="true">›</span> Outcome report
      </p>
      <PageTitle title="Outcome report">Outcome report</PageTitle>
      <section class="card" aria-labelledby="reading-heading">
        <h2 id="reading-heading">Reading these figures</h2>
        <p>
          For each problem area, how the clinic’s ended episodes went: reliable improvement, reliable deterioration and
          dropout, and the mean change on the area’s questionnaire (in points; more is better). Each therapist’s figures are
          shrunk towards the clinic’s, more so the fewer episodes they rest on, and each comes with its uncertainty: a
          95 % interval for rates, a standard error for change.
        </p>
        <p>
          They are for reflection and supervision, not a league table. Overlapping intervals mean the data cannot tell
          therapists apart, and differences in who people see can explain much of what remains.
        </p>
        {data && <p class="muted small">A therapist’s figures show once they rest on at least {data.min_episodes} ended episodes.</p>}
        <p>
          <a class="button" href={kOutcomeReportCsvPath} download="outcome-report.csv">
            Download as CSV
          </a>
        </p>
      </section>
      {report.loading && !data && <Loading what="the outcome report" />}
      {report.error && <Alert>{report.error.message}</Alert>}
      {data && data.domains.length === 0 && <p class="muted">No ended episodes with outcome questionnaires yet.</p>}
      {data?.domains.map((domain) => (
        <DomainTable key={domain} domain={domain} rows={rowsOf(data.rows, domain)} />
      ))}
    </div>
  );
}

function DomainTable({ domain, rows }: { domain: string; rows: OutcomeRow[] }) {
  const name = nameOf(kFocusAreas, domain);
  const headingId = `outcomes-${domain}`;
  return (
    <section class="card outcome-domain" aria-labelledby={headingId}>
      <h2 id={headingId}>{name}</h2>
      <div class="table-wrap">
        <table class="data-table data-table--stacks outcome-table">
          <caption class="visually-hidden">
            {name}: the clinic first, then each therapist. Rates with their 95 % interval; mean change with its standard error.
          </caption>
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Reliable improvement</th>
              <th scope="col">Reliable deterioration</th>
              <th scope="col">Dropout</th>
              <th scope="col">Mean change (points)</th>
              <th scope="col">Ended</th>
              <th scope="col">Measured</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.therapist_id} class={r.therapist_id === 0 ? 'outcome-table__clinic' : undefined}>
                <th scope="row">{r.therapist}</th>
                <td data-label="Reliable improvement">{rateWords(r.improvement)}</td>
                <td data-label="Reliable deterioration">{rateWords(r.deterioration)}</td>
                <td data-label="Dropout">{rateWords(r.dropout)}</td>
                <td data-label="Mean change (points)">{changeWords(r.change)}</td>
                <td data-label="Ended">{r.ended}</td>
                <td data-label="Measured">{r.measured}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
