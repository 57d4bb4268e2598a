// One version of a plan on its own (with its signatures), what changed between two versions, and
// the print view: the version as it should look on paper or in a PDF saved from the browser.
import { useState } from 'preact/hooks';
import { formatDateTime } from '../format';
import type { AppContext } from '../main';
import { planApi, type PlanContent, type PlanDiff, type PlanOverview, type PlanVersion } from '../plan_api';
import { commentLabel, DraftGoalsWithheld, GoalsSection, PlanChanges, ProblemsSection, SignatureTable, SummarySection } from '../plan_view';
import { normalizeContent, readerOf, signedBy, versionDates, versionStatusLabel } from '../plan_words';
import { navigate } from '../router';
import { Alert, Loading, PageTitle, SelectField, useLoad } from '../ui';

async function loadVersion(episodeId: number, n: number): Promise<{ overview: PlanOverview; version: PlanVersion }> {
  const [overview, version] = await Promise.all([planApi.overview(episodeId), planApi.version(episodeId, n)]);
  return { overview, version: { ...version, content: normalizeContent(version.content) } };
}

function NotFound({ episodeId, message }: { episodeId: number; message: string }) {
  return (
    <div class="page">
      <PageTitle title="Plan version">Plan version</PageTitle>
      <Alert>{message}</Alert>
      <p>
        <a href={`/episodes/${episodeId}/plan`}>Back to the plan</a>
      </p>
    </div>
  );
}

function HomeCrumb({ ctx }: { ctx: AppContext }) {
  return <a href="/">{ctx.user.role === 'therapist' ? 'Caseload' : 'Home'}</a>;
}

export function PlanVersionPage({ ctx, episodeId, number }: { ctx: AppContext; episodeId: number; number: number }) {
  const data = useLoad(() => loadVersion(episodeId, number), [episodeId, number]);
  if (data.loading && !data.data) return <Loading what={`version ${number}`} />;
  if (data.error) {
    return <NotFound episodeId={episodeId} message={data.error.status === 404 ? 'This version does not exist or is not shared with you.' : data.error.message} />;
  }
  const { overview, version } = data.data!;
  const reader = readerOf(overview, ctx.user.role, ctx.user.id);
  const isCare = reader.audience === 'care';
  const agreed = overview.agreed_number;
  const title = `Plan version ${number}${isCare ? ` for ${overview.client.name}` : ''}`;
  return (
    <div class="page narrow-page plan-page">
      <p class="breadcrumb">
        <HomeCrumb ctx={ctx} /> <span aria-hidden="true">›</span> <a href={`/episodes/${episodeId}/plan`}>Treatment plan</a>{' '}
        <span aria-hidden="true">›</span> Version {number}
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      <section class="card card--accent" aria-labelledby="version-state">
        <h2 id="version-state">
          {versionStatusLabel(version.status)}
        </h2>
        <p class="muted small">{versionDates(version)}</p>
        {version.signatures.length > 0 && <p>Signed by {signedBy(version.signatures)}.</p>}
        {version.client_comment && (
          <p>
            <span class="label">{commentLabel(reader, version)}:</span> “{version.client_comment}”
          </p>
        )}
        <div class="actions">
          {overview.may_edit && version.status === 'draft' && (
            <a class="button button--primary" href={`/episodes/${episodeId}/plan/versions/${number}/edit`}>
              Edit draft
            </a>
          )}
          {agreed !== null && agreed !== number && (
            <a class="button" href={`/episodes/${episodeId}/plan/compare?from=${agreed}&to=${number}`}>
              Compare with the signed version
            </a>
          )}
          {agreed === null && number > 1 && (
            <a class="button" href={`/episodes/${episodeId}/plan/compare?from=${number - 1}&to=${number}`}>
              Compare with version {number - 1}
            </a>
          )}
          <a class="button" href={`/episodes/${episodeId}/plan/versions/${number}/print`}>
            Print view
          </a>
        </div>
      </section>
      {version.guardian_filtered && <Alert kind="info">Some parts of this plan are not shared with guardians, so they are not shown here.</Alert>}
      {!isCare && version.status === 'draft' ? (
        <>
          <ProblemsSection content={version.content} reader={reader} />
          <DraftGoalsWithheld reader={reader} />
        </>
      ) : (
        <>
          <SummarySection content={version.content} />
          <ProblemsSection content={version.content} reader={reader} />
          <GoalsSection content={version.content} reader={reader} showWeights={isCare} />
        </>
      )}
      <section class="card plan-section" aria-labelledby="version-signatures">
        <h2 id="version-signatures">Signatures</h2>
        <SignatureTable signatures={version.signatures} caption={`Signatures on version ${number}`} hash={isCare ? 'column' : 'footnote'} />
      </section>
    </div>
  );
}

// The differences between two versions, and both versions as this reader sees them, to name what
// changed by its words.
async function loadChanges(episodeId: number, from: number, to: number): Promise<{ diff: PlanDiff; before?: PlanContent; after?: PlanContent }> {
  const content = (n: number) =>
    planApi
      .version(episodeId, n)
      .then((v) => normalizeContent(v.content))
      .catch(() => undefined);
  const [diff, before, after] = await Promise.all([planApi.diff(episodeId, from, to), content(from), content(to)]);
  return { diff, before, after };
}

export function PlanComparePage({ ctx, episodeId }: { ctx: AppContext; episodeId: number }) {
  const query = new URLSearchParams(location.search);
  const [from, setFrom] = useState(Number(query.get('from')) || 0);
  const [to, setTo] = useState(Number(query.get('to')) || 0);
  const overview = useLoad(() => planApi.overview(episodeId), [episodeId]);
  const diff = useLoad(() => (from > 0 && to > 0 ? loadChanges(episodeId, from, to) : Promise.resolve(undefined)), [episodeId, from, to]);
  const choose = (which: 'from' | 'to') => (value: string) => {
    const n = Number(value);
    const f = which === 'from' ? n : from;
    const t = which === 'to' ? n : to;
    if (which === 'from') setFrom(n);
    else setTo(n);
    navigate(`/episodes/${episodeId}/plan/compare?from=${f}&to=${t}`, true);
  };
  const versions = overview.data?.versions ?? [];
  const options = versions.map((v) => ({ value: String(v.number), label: `Version ${v.number} (${versionStatusLabel(v.status).toLowerCase()})` }));
  return (
    <div class="page plan-page">
      <p class="breadcrumb">
        <HomeCrumb ctx={ctx} /> <span aria-hidden="true">›</span> <a href={`/episodes/${episodeId}/plan`}>Treatment plan</a>{' '}
        <span aria-hidden="true">›</span> Compare
      </p>
      <PageTitle title="Compare plan versions">Compare plan versions</PageTitle>
      {overview.error && <Alert>{overview.error.status === 404 ? 'This plan does not exist or is not shared with you.' : overview.error.message}</Alert>}
      {overview.data && (
        <section class="card" aria-labelledby="compare-choose">
          <h2 id="compare-choose">Which versions</h2>
          <div class="row">
            <SelectField label="Earlier version" name="from" value={String(from)} onInput={choose('from')} options={[{ value: '0', label: 'Choose' }, ...options]} />
            <SelectField label="Later version" name="to" value={String(to)} onInput={choose('to')} options={[{ value: '0', label: 'Choose' }, ...options]} />
          </div>
        </section>
      )}
      {diff.loading && !diff.data && from > 0 && to > 0 && <Loading what="the differences" />}
      {diff.error && <Alert>{diff.error.message}</Alert>}
      {diff.data && overview.data && (
        <section class="card plan-section" aria-labelledby="compare-rows">
          <h2 id="compare-rows">
            Differences between version {diff.data.diff.from} and version {diff.data.diff.to}
          </h2>
          <p class="muted small">Each row says in words whether something was added, removed or changed.</p>
          <PlanChanges
            rows={diff.data.diff.rows}
            from={diff.data.diff.from}
            to={diff.data.diff.to}
            reader={readerOf(overview.data, ctx.user.role, ctx.user.id)}
            before={diff.data.before}
            after={diff.data.after}
          />
          <p class="actions">
            <a class="button" href={`/episodes/${episodeId}/plan/versions/${diff.data.diff.from}`}>
              Version {diff.data.diff.from} in full
            </a>
            <a class="button" href={`/episodes/${episodeId}/plan/versions/${diff.data.diff.to}`}>
              Version {diff.data.diff.to} in full
            </a>
          </p>
        </section>
      )}
    </div>
  );
}

export function PlanPrintPage({ ctx, episodeId, number }: { ctx: AppContext; episodeId: number; number: number }) {
  const data = useLoad(() => loadVersion(episodeId, number), [episodeId, number]);
  if (data.loading && !data.data) return <Loading what={`version ${number}`} />;
  if (data.error) {
    return <NotFound episodeId={episodeId} message={data.error.status === 404 ? 'This version does not exist or is not shared with you.' : data.error.message} />;
  }
  const { overview, version } = data.data!;
  const reader = readerOf(overview, ctx.user.role, ctx.user.id);
  return (
    <div class="page print-page">
      <div class="no-print actions">
        <a class="button button--quiet" href={`/episodes/${episodeId}/plan`}>
          Back to the plan
        </a>
        <button class="button button--primary" type="button" onClick={() => window.print()}>
          Print or save as PDF
        </button>
      </div>
      <PageTitle title={`Treatment plan, version ${number}`}>Treatment plan — {overview.client.name}</PageTitle>
      <p>
        Version {number} · {versionStatusLabel(version.status)} · therapist {overview.therapist.name}
        <br />
        <span class="small">{versionDates(version)}</span>
      </p>
      {version.guardian_filtered && <p class="small">Some parts of this plan are not shared with guardians and are left out.</p>}
      {version.status === 'draft' && reader.audience !== 'care' ? (
        <>
          <ProblemsSection content={version.content} reader={reader} />
          <DraftGoalsWithheld reader={reader} />
        </>
      ) : (
        <>
          <SummarySection content={version.content} />
          <ProblemsSection content={version.content} reader={reader} />
          <GoalsSection content={version.content} reader={reader} />
        </>
      )}
      <section class="card plan-section print-signatures" aria-labelledby="print-signatures">
        <h2 id="print-signatures">Signatures</h2>
        {version.signatures.length === 0 ? (
          <p>This version has not been signed.</p>
        ) : (
          <>
            <SignatureTable signatures={version.signatures} caption={`Signatures on version ${number}`} hash="none" />
            {/* The content hash stays in small print: it lets anyone check that this is the signed wording. */}
            {version.content_hash && (
              <p class="footnote small muted">
                Verification code: <code class="hash">{version.content_hash}</code>. Each signature was made over exactly this
                version, and the code would change if a single word did
                {reader.audience === 'care' ? ' (it is the BLAKE2b-256 hash of the version’s content)' : ''}.
              </p>
            )}
          </>
        )}
        <p class="small muted">
          Printed {formatDateTime(new Date().toISOString())}.
        </p>
      </section>
    </div>
  );
}
