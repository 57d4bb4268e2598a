// The treatment plan of an episode, for everyone who may see it. What the page offers follows
// the overview's may_edit (the care team: drafts, proposals, reviews), may_accept (the client,
// or a guardian when asked: the answer to the latest proposal) and guardian_view (only the
// shared sections, read-only but for check-ins on homework planned with the parents or carers);
// whether the reader checks in on a homework follows its may_check_in. The client ranks the
// problems, adds and rewords problems in their own words, rates their goals, checks in on
// homework and writes thought records; a parent or carer checks in on the homework planned with
// them. The therapist and supervisor also see what the client asked for when looking for a
// therapist, and the preparation they shared, to build the plan on.
import { useState } from 'preact/hooks';
import { ClientAskedFor, SharedPreparation } from '../client_intake';
import type { AppContext } from '../main';
import { planApi, type PlanContent, type PlanDiff, type PlanOverview, type PlanVersion } from '../plan_api';
import { DraftGoalsWithheld, GoalsSection, ProblemsSection, SummarySection, VersionHistory } from '../plan_view';
import { audienceOf, newestVersion, normalizeContent, readerOf } from '../plan_words';
import { isYoungChild } from '../family_api';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { DecisionCard, StateCard } from './plan_page_decision';
import { HomeworkCheckIn, HomeworkCompletionLine, HomeworkTask } from './plan_page_homework';
import { AddProblem, EditMyWords, NewInDraft, RankingSection } from './plan_page_problems';
import { GasCard, ReviewForm, SelfRating, ThoughtRecordsCard } from './plan_page_progress';

interface PlanPageData {
  overview: PlanOverview;
  current?: PlanContent;
  // The newest version when it is not the current one (an open draft or proposal beside an
  // agreed version): rankings and problem edits refer to it.
  newest?: PlanVersion;
  // For a proposal awaiting this reader's answer: what changed since the version before it, and
  // that version's content, to name what changed.
  proposalDiff?: PlanDiff;
  proposalBase?: PlanContent;
}

async function loadPlan(episodeId: number): Promise<PlanPageData> {
  const overview = await planApi.overview(episodeId);
  const newestSummary = newestVersion(overview);
  const current = overview.current ? normalizeContent(overview.current.content) : undefined;
  let newest: PlanVersion | undefined;
  if (newestSummary && overview.current && newestSummary.number !== overview.current.number) {
    newest = await planApi.version(episodeId, newestSummary.number).catch(() => undefined);
    if (newest) newest = { ...newest, content: normalizeContent(newest.content) };
  } else if (overview.current) {
    newest = { ...overview.current, content: current! };
  }
  let proposalDiff: PlanDiff | undefined;
  let proposalBase: PlanContent | undefined;
  if (newestSummary?.status === 'proposed' && newestSummary.number > 1) {
    const from = overview.agreed_number ?? newestSummary.number - 1;
    [proposalDiff, proposalBase] = await Promise.all([
      planApi.diff(episodeId, from, newestSummary.number).catch(() => undefined),
      planApi
        .version(episodeId, from)
        .then((v) => normalizeContent(v.content))
        .catch(() => undefined),
    ]);
  }
  return { overview, current, newest, proposalDiff, proposalBase };
}

export function PlanPage({ ctx, episodeId }: { ctx: AppContext; episodeId: number }) {
  const plan = useLoad(() => loadPlan(episodeId), [episodeId]);
  const young = useLoad(() => (ctx.user.role === 'client' ? isYoungChild(ctx.user.id) : Promise.resolve(false)), [ctx.user.id]);
  const child = young.data === true;
  const [notice, setNotice] = useState<string>();
  if (plan.loading && !plan.data) return <Loading what="the plan" />;
  if (plan.error && !plan.data) {
    return (
      <div class="page">
        <PageTitle title="Treatment plan">Treatment plan</PageTitle>
        <Alert>{plan.error.status === 404 ? 'This plan does not exist or is not shared with you.' : plan.error.message}</Alert>
        <p>
          <a href="/">Back to home</a>
        </p>
      </div>
    );
  }
  const { overview, current, newest, proposalDiff, proposalBase } = plan.data!;
  const who = audienceOf(overview);
  const reader = readerOf(overview, ctx.user.role, ctx.user.id);
  const done = (message?: string) => {
    setNotice(message);
    plan.reload();
  };
  const title = who === 'client' ? (child ? "What we're working on" : 'Your plan') : `${overview.client.name}: treatment plan`;
  const isCare = who === 'care';
  // A draft's summary and goals are the therapist's working copy until proposed.
  const draftWithheld = !isCare && overview.current?.status === 'draft';
  const agreed = overview.agreed_number !== null && overview.current?.number === overview.agreed_number ? overview.current : null;

  return (
    <div class={isCare ? 'page plan-page' : 'page narrow-page plan-page'}>
      <p class="breadcrumb">
        <a href="/">{ctx.user.role === 'therapist' ? 'Caseload' : 'Home'}</a> <span aria-hidden="true">›</span>{' '}
        {isCare ? (
          <>
            <a href={`/clients/${overview.client.id}`}>{overview.client.name}</a> <span aria-hidden="true">›</span>{' '}
            <a href={`/episodes/${episodeId}`}>Feedback and progress</a> <span aria-hidden="true">›</span>{' '}
          </>
        ) : null}
        Treatment plan
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      {notice && <Alert kind="success">{notice}</Alert>}
      {plan.error && <Alert>{plan.error.message}</Alert>}
      <StateCard overview={overview} agreed={agreed} episodeId={episodeId} userId={ctx.user.id} onChanged={done} />
      {overview.may_accept && newest?.status === 'proposed' && (
        <DecisionCard overview={overview} reader={reader} proposal={newest} diff={proposalDiff} base={proposalBase} episodeId={episodeId} onChanged={done} child={child} />
      )}
      {current && overview.current && (
        <>
          {overview.current.guardian_filtered && (
            <Alert kind="info">Some parts of this plan are not shared with guardians, so they are not shown here.</Alert>
          )}
          {!draftWithheld && <SummarySection content={current} />}
          <ProblemsSection
            content={current}
            reader={reader}
            action={
              who === 'client'
                ? (key) => <EditMyWords episodeId={episodeId} therapist={reader.therapist} content={newest?.content ?? current} problemKey={key} onChanged={done} />
                : undefined
            }
            footer={
              <>
                {newest && newest.number !== overview.current.number && (
                  <NewInDraft content={current} draft={newest} episodeId={episodeId} therapist={reader.therapist} canEdit={who === 'client'} onChanged={done} />
                )}
                {who === 'client' && <AddProblem episodeId={episodeId} therapist={reader.therapist} onChanged={done} />}
              </>
            }
          />
          {(who !== 'guardian' || current.problems.length > 0) && newest && (
            <RankingSection overview={overview} reader={reader} content={newest.content} episodeId={episodeId} onChanged={done} />
          )}
          {draftWithheld ? (
            <DraftGoalsWithheld reader={reader} />
          ) : (
            <GoalsSection
              content={current}
              reader={reader}
              overview={overview}
              showWeights={isCare}
              child={child}
              intro={isCare && overview.homework.length > 0 ? <HomeworkCompletionLine completion={overview.homework_completion} /> : undefined}
              slots={{
                homeworkItem: (_goal, h, state) => <HomeworkTask homework={h} state={state} />,
                homeworkExtra: (_goal, h, state) => (
                  <HomeworkCheckIn episodeId={episodeId} homework={h} state={state} reader={reader} child={child} onChanged={() => done()} />
                ),
                goalExtra: (goal, progress) => (
                  <SelfRating
                    episodeId={episodeId}
                    goal={goal}
                    progress={progress}
                    canRate={who === 'client'}
                    clientName={reader.client}
                    onChanged={() => done('Your rating is saved.')}
                  />
                ),
              }}
            />
          )}
          {isCare && <GasCard overview={overview} content={current} />}
        </>
      )}
      {!current && who === 'client' && overview.versions.length === 0 && (
        <section class="card" aria-labelledby="plan-start">
          <h2 id="plan-start">What would you like help with?</h2>
          <p>You can write down a problem in your own words now. {reader.therapist} will see it and build the plan with you.</p>
          <AddProblem episodeId={episodeId} therapist={reader.therapist} onChanged={done} />
        </section>
      )}
      {who !== 'guardian' && current && current.goals.length > 0 && (
        <ThoughtRecordsCard overview={overview} content={current} episodeId={episodeId} canWrite={who === 'client'} onChanged={() => done('Your thought record is saved.')} />
      )}
      {isCare && agreed && <ReviewForm overview={overview} content={normalizeContent(agreed.content)} episodeId={episodeId} onChanged={() => done('The review is recorded.')} />}
      {(ctx.user.role === 'therapist' || ctx.user.role === 'supervisor') && (
        <>
          <SharedPreparation clientId={overview.client.id} clientName={overview.client.name} />
          <ClientAskedFor clientId={overview.client.id} clientName={overview.client.name} />
        </>
      )}
      <VersionHistory overview={overview} episodeId={episodeId} reader={reader} />
    </div>
  );
}
