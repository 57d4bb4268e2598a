// The discharge summary of one course of therapy, for the care team (a draft while the episode is
// open) and for the client once it has ended (and a parent or carer with whom the summary is
// shared, who reads it in the same everyday words, about the young person): who and when, why it
// ended, the questionnaires first and last, the client's look back on the whole course once given,
// the goals, the therapist's words and where to get help. It prints as a plain document.
import type { ComponentChildren } from 'preact';
import { courseApi, kEndReasonsForClient, type DischargeSummary, type Ending, type LookingBack, type Measure } from '../course_api';
import { firstName, formatDate, formatDateTime } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { NotValidated, unvalidated, useValidation } from '../validation';

// A total as the server sent it; none, said in words for a screen reader.
function Score({ value }: { value: number | null }) {
  if (value === null) {
    return (
      <>
        <span aria-hidden="true">—</span>
        <span class="visually-hidden">none</span>
      </>
    );
  }
  return <>{String(value)}</>;
}

function answeredWhen(m: Measure): string {
  if (m.answers === 0) return 'Not answered';
  if (m.answers === 1 || !m.last_at || m.first_at === m.last_at) return `Answered once, ${formatDate(m.first_at)}`;
  return `Answered ${m.answers} times, ${formatDate(m.first_at)} to ${formatDate(m.last_at)}`;
}

function number(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

// A questionnaire in everyday words, for the client: where it started, where it is now, which
// way is better, and whether the change is more than the week-to-week wobble.
export function measureForClient(m: Measure): string {
  const scale = `out of ${number(m.max)}; ${m.higher_is === 'worse' ? 'lower' : 'higher'} is better`;
  if (m.answers === 0 || m.first === null) return `${m.title}: not answered yet.`;
  if (m.answers === 1 || m.last === null) return `${m.title}: answered once, ${number(m.first)} (${scale}).`;
  const change = m.change?.improved ? ' That is a real improvement.' : m.change?.deteriorated ? ' That is a real change for the worse.' : '';
  return `${m.title}: ${number(m.first)} at the start and ${number(m.last)} most recently (${scale}).${change}`;
}

// The questionnaires first and last: a table with reliable change for staff, everyday sentences
// for the client. Also the handover packet's.
// `aboutSomeoneElse`: everyday sentences for a reader who did not answer them (a parent or carer).
export function Measures({ measures, forClient, aboutSomeoneElse = false }: { measures: Measure[]; forClient: boolean; aboutSomeoneElse?: boolean }) {
  if (measures.length === 0) {
    return <p class="muted">{forClient && !aboutSomeoneElse ? 'You have not answered any questionnaires yet.' : 'No questionnaires were answered.'}</p>;
  }
  if (forClient) {
    return (
      <ul class="plain-list">
        {measures.map((m) => (
          <li key={m.instrument}>{measureForClient(m)}</li>
        ))}
      </ul>
    );
  }
  return (
    <div class="table-wrap">
      <table class="data-table data-table--stacks summary-measures">
        <caption>Questionnaires, first and last</caption>
        <thead>
          <tr>
            <th scope="col">Questionnaire</th>
            <th scope="col" class="summary-measures__score">
              First
            </th>
            <th scope="col" class="summary-measures__score">
              Last
            </th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {measures.map((m) => (
            <tr key={m.instrument}>
              <th scope="row">
                {m.title}
                <span class="block small muted">
                  Out of {m.max}; {m.higher_is === 'worse' ? 'lower' : 'higher'} is better. {answeredWhen(m)}.
                </span>
              </th>
              <td class="summary-measures__score" data-label="First">
                <Score value={m.first} />
              </td>
              <td class="summary-measures__score" data-label="Last">
                <Score value={m.last} />
              </td>
              <td class="summary-measures__change" data-label="Change">
                {m.sentence}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// The Rapport Check the client answered once, after the end, about the course as a whole. Staff
// read it with the questionnaire's caution.
function LookingBackLine({ lookingBack, forClient, whose }: { lookingBack: LookingBack; forClient: boolean; whose?: string }) {
  const validation = useValidation();
  return (
    <div class="looking-back">
      <p>
        <strong>Looking back on the whole course:</strong> {String(lookingBack.total)} of {lookingBack.max}
        {!forClient && <NotValidated v={unvalidated(validation, 'RAPPORT-CHECK')} />}
      </p>
      <p class="small muted">
        {whose ? `${whose} answers about the therapy as a whole` : forClient ? 'Your answers about your therapy as a whole' : 'The client’s Rapport Check about the therapy as a whole'}, given after it ended, on{' '}
        <time dateTime={lookingBack.submitted_at}>{formatDate(lookingBack.submitted_at)}</time>. Higher is better.
      </p>
    </div>
  );
}

function Goals({ summary: s, forClient, aboutSomeoneElse = false }: { summary: DischargeSummary; forClient: boolean; aboutSomeoneElse?: boolean }) {
  const level = (n: number) => (n > 0 ? `+${n}` : String(n));
  return (
    <section class="card" aria-labelledby="summary-goals">
      <h2 id="summary-goals">Goals</h2>
      {s.goals.length === 0 ? (
        <p class="muted">{forClient && !aboutSomeoneElse ? 'Your plan had no goals written down.' : 'The plan had no goals.'}</p>
      ) : (
        <ul class="plain-list summary-goals">
          {s.goals.map((g) => (
            <li key={g.key}>
              {g.description}
              <span class="block">
                <span class="label">{g.achievement_words}</span>
                {!forClient && g.gas_level !== null && <span class="muted"> (goal attainment level {level(g.gas_level)})</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
      {!forClient && s.gas_t_score !== null && (
        <p class="small muted">Goal attainment T-score {Math.round(s.gas_t_score)} (50 means the goals were met as expected).</p>
      )}
    </section>
  );
}

// One part of the therapist's words, only when something was written.
function Words({ heading, text }: { heading: string; text: string }) {
  if (!text.trim()) return null;
  return (
    <>
      <h3>{heading}</h3>
      <p class="pre-line">{text}</p>
    </>
  );
}

function TherapistWords({ ending, forClient, draft, aboutSomeoneElse = false }: { ending: Ending | null; forClient: boolean; draft: boolean; aboutSomeoneElse?: boolean }) {
  const written = ending && (ending.what_helped || ending.what_did_not || ending.relapse_signs || ending.if_it_returns || ending.referrals.length > 0);
  return (
    <section class="card" aria-labelledby="summary-words">
      <h2 id="summary-words">{aboutSomeoneElse ? 'From the therapist' : forClient ? 'From your therapist' : 'The therapist’s words'}</h2>
      {draft && <p class="muted">These are written when therapy ends.</p>}
      {!draft && !written && <p class="muted">Nothing more was written.</p>}
      {ending && (
        <>
          <Words heading="What helped" text={ending.what_helped} />
          <Words heading="What did not help" text={ending.what_did_not} />
          <Words heading="Early signs to watch for" text={ending.relapse_signs} />
          <Words heading="If they come back" text={ending.if_it_returns} />
          {ending.referrals.length > 0 && (
            <>
              <h3>Places to turn to</h3>
              <ul class="plain-list referrals">
                {ending.referrals.map((r, i) => (
                  <li key={i}>
                    <span class="label">{r.name}</span>
                    {r.contact && <span class="block">{r.contact}</span>}
                    {r.why && <span class="block muted">{r.why}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

function Crumbs({ episodeId, summary, forClient, ctx }: { episodeId: number; summary?: DischargeSummary; forClient: boolean; ctx: AppContext }) {
  const home = forClient ? 'Home' : ctx.user.role === 'therapist' ? 'Caseload' : 'Home';
  const here = ctx.user.role === 'guardian' ? 'Summary of therapy' : forClient ? 'Your summary' : 'Discharge summary';
  return (
    <p class="breadcrumb">
      <a href="/">{home}</a> <span aria-hidden="true">›</span>{' '}
      {!forClient && (
        <>
          <a href={`/episodes/${episodeId}`}>{summary?.client_name ?? 'Episode'}</a> <span aria-hidden="true">›</span>{' '}
        </>
      )}
      {here}
    </p>
  );
}

function Row({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function DischargeSummaryPage({ ctx, episodeId }: { ctx: AppContext; episodeId: number }) {
  // A parent or carer reads the client's everyday words, about the young person rather than to them.
  const forGuardian = ctx.user.role === 'guardian';
  const forClient = ctx.user.role === 'client' || forGuardian;
  const justEnded = !forClient && new URLSearchParams(location.search).get('ended') === '1';
  const data = useLoad(() => courseApi.summary(episodeId), [episodeId]);
  const heading = forGuardian ? 'Summary of therapy' : forClient ? 'Your summary' : 'Discharge summary';
  if (data.loading && !data.data) return <Loading what="the summary" />;
  if (data.error) {
    return (
      <div class="page narrow-page">
        <Crumbs episodeId={episodeId} forClient={forClient} ctx={ctx} />
        <PageTitle title={heading}>{heading}</PageTitle>
        {/* A client whose therapy goes on hears why there is no summary yet, in the server's words. */}
        <Alert kind={data.error.status === 409 ? 'info' : 'error'}>
          {data.error.status === 404 ? 'This summary does not exist or is not shared with you.' : data.error.message}
        </Alert>
        <p>
          <a href={forClient ? '/' : `/episodes/${episodeId}`}>{forClient ? 'Back to your home page' : 'Back to the episode'}</a>
        </p>
      </div>
    );
  }
  const s = data.data!;
  const reason = s.ending ? (forClient && !forGuardian ? kEndReasonsForClient[s.ending.reason] ?? s.ending.reason_words : s.ending.reason_words) : undefined;
  const whose = forGuardian ? `${firstName(s.client_name)}'s` : undefined;
  return (
    <div class="page narrow-page print-page summary-page">
      <div class="no-print">
        <Crumbs episodeId={episodeId} summary={s} forClient={forClient} ctx={ctx} />
      </div>
      <PageTitle title={forClient && !forGuardian ? heading : `${heading}: ${s.client_name}`} focus={justEnded}>
        {forGuardian ? `${whose} summary of therapy` : heading}
      </PageTitle>
      {justEnded && !s.draft && (
        <div class="no-print">
          <Alert kind="success">
            Therapy with {s.client_name} has ended. Any sessions still booked were cancelled, and {s.client_name} can now read this summary.
          </Alert>
        </div>
      )}
      {s.draft && (
        <div class="alert alert--info summary-draft">
          <p>
            <strong>Draft: this episode has not ended.</strong> The summary is finished when therapy ends; {s.client_name} cannot read it until then.
          </p>
        </div>
      )}
      <p class="actions no-print">
        <button class="button" type="button" onClick={() => window.print()}>
          Print
        </button>
        {!forClient && s.draft && (
          <a class="button" href={`/episodes/${episodeId}/ending`}>
            End this episode…
          </a>
        )}
      </p>
      <section class="card card--accent" aria-labelledby="summary-about">
        <h2 id="summary-about">{forClient && !forGuardian ? 'Your therapy' : 'About this therapy'}</h2>
        <dl class="details details--long-terms">
          <Row term="Client">{s.client_name}</Row>
          <Row term="Therapist">{s.therapist_name}</Row>
          <Row term="Began">{formatDate(s.started_at)}</Row>
          <Row term="Ended">{s.ended_at ? formatDate(s.ended_at) : 'Not yet'}</Row>
          <Row term="Sessions attended">{s.sessions_attended}</Row>
          {reason && <Row term="Why therapy ended">{reason}</Row>}
        </dl>
        {s.ending?.ending_note && (
          <>
            <h3>How therapy ended</h3>
            <p class="pre-line">{s.ending.ending_note}</p>
          </>
        )}
      </section>
      <section class="card" aria-labelledby="summary-measures">
        <h2 id="summary-measures">How things changed</h2>
        <Measures measures={s.measures} forClient={forClient} aboutSomeoneElse={forGuardian} />
        {s.looking_back && <LookingBackLine lookingBack={s.looking_back} forClient={forClient} whose={whose} />}
      </section>
      <Goals summary={s} forClient={forClient} aboutSomeoneElse={forGuardian} />
      <TherapistWords ending={s.ending} forClient={forClient} draft={s.draft} aboutSomeoneElse={forGuardian} />
      <section class="card" aria-labelledby="summary-help">
        <h2 id="summary-help">Where to get help</h2>
        <p>{forClient ? 'If things get hard again, you do not have to wait. You can reach:' : 'If things get hard again, the client can reach:'}</p>
        {s.where_to_get_help.length > 0 && (
          <ul class="plain-list">
            {s.where_to_get_help.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
        <p>In an emergency, call your local emergency number.</p>
        {forClient && (
          <p class="no-print">
            <a href="/help">Get help now</a>
          </p>
        )}
      </section>
      <p class="small print-only">Printed {formatDateTime(new Date().toISOString())}.</p>
    </div>
  );
}
