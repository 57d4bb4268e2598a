// The treatment plan of an episode, for everyone who may see it. What the page offers follows
// the overview's may_edit (the care team: drafts, proposals, reviews), may_accept (the client,
// or a guardian when asked: the answer to the latest proposal) and guardian_view (only the
// shared sections, read-only but for check-ins on homework planned with the parents or carers);
// whether the reader checks in on a homework follows its may_check_in. The client ranks the
// problems, adds and rewords problems in their own words, rates their goals, checks in on
// homework and writes thought records; a parent or carer checks in on the homework planned with
// them. The therapist and supervisor also see what the client asked for when looking for a
// therapist, and the preparation they shared, to build the plan on.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asSentence } from '../api';
import { ClientAskedFor, SharedPreparation } from '../client_intake';
import { firstName, formatDate, formatDateTime } from '../format';
import type { AppContext } from '../main';
import {
  planApi,
  type Goal,
  type GoalProgress,
  type Homework,
  type HomeworkCompletion,
  type HomeworkState,
  type PlanContent,
  type PlanDiff,
  type PlanOverview,
  type PlanVersion,
  type ThoughtRecordView,
} from '../plan_api';
import { DraftGoalsWithheld, GoalsSection, PlanChanges, ProblemsSection, SummarySection, VersionHistory } from '../plan_view';
import {
  agreementWords,
  audienceOf,
  formatScore,
  formatTau,
  gasLevelMeanings,
  gasLevelName,
  newestVersion,
  normalizeContent,
  planStateLines,
  problemName,
  problemsInOrder,
  readerOf,
  shortText,
  type Reader,
} from '../plan_words';
import { isYoungChild } from '../family_api';
import { navigate } from '../router';
import { Alert, Field, Loading, PageTitle, SelectField, TextAreaField, useLoad } from '../ui';
import { ThoughtRecordForm, ThoughtRecordList } from './plan_thought_records';

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

// One button's or form's request: busy while it runs, its error afterwards.
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  async function run(action: () => Promise<void>): Promise<boolean> {
    if (busy) return false;
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, String(e)));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

function errorText(error: ApiError | undefined, field?: string): string | undefined {
  if (!error) return undefined;
  if (field) {
    const m = error.fieldMessage(field);
    if (m) return m;
  }
  return error.fields.length ? error.fields.map((f) => asSentence(f.message, f.field)).join(' ') : error.message;
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

function StateCard({
  overview,
  agreed,
  episodeId,
  userId,
  onChanged,
}: {
  overview: PlanOverview;
  agreed: PlanVersion | null;
  episodeId: number;
  userId: number;
  onChanged: (message?: string) => void;
}) {
  const lines = planStateLines(overview, agreed, userId);
  const newest = newestVersion(overview);
  const open = overview.open_number !== null ? overview.versions.find((v) => v.number === overview.open_number) : undefined;
  const start = useAction();
  const propose = useAction();
  const withdraw = useAction();
  const isCare = overview.may_edit;
  return (
    <section class="card card--accent plan-state" aria-labelledby="plan-state">
      <h2 id="plan-state">Where the plan stands</h2>
      {lines.map((l) => (
        <p key={l} class="plan-state__line">
          {l}
        </p>
      ))}
      {overview.agreed_number !== null && overview.review.due && (
        <p>
          <span class="badge badge--due">Plan review due</span> <span class="small">{overview.review.reason}</span>
        </p>
      )}
      {overview.agreed_number !== null && !overview.review.due && overview.review.due_at && isCare && (
        <p class="muted small">
          Next review by {formatDate(overview.review.due_at)} at the latest; {overview.review.sessions_since} session
          {overview.review.sessions_since === 1 ? '' : 's'} held since the plan was {overview.last_review_at ? `last reviewed on ${formatDate(overview.last_review_at)}` : 'agreed'}.
        </p>
      )}
      {start.error && <Alert>{errorText(start.error)}</Alert>}
      {propose.error && <Alert>{errorText(propose.error)}</Alert>}
      {withdraw.error && <Alert>{errorText(withdraw.error)}</Alert>}
      <div class="actions">
        {isCare && !open && (
          <button
            class="button button--primary"
            type="button"
            disabled={start.busy}
            onClick={() =>
              void start.run(async () => {
                const v = await planApi.startDraft(episodeId);
                navigate(`/episodes/${episodeId}/plan/versions/${v.number}/edit`);
              })
            }
          >
            {start.busy ? 'Starting…' : 'Start a new draft'}
          </button>
        )}
        {isCare && open?.status === 'draft' && (
          <a class="button" href={`/episodes/${episodeId}/plan/versions/${open.number}/edit`}>
            Edit draft<span class="visually-hidden"> (version {open.number})</span>
          </a>
        )}
        {isCare && open?.status === 'draft' && (
          <button
            class="button button--primary"
            type="button"
            disabled={propose.busy}
            aria-describedby="propose-means"
            onClick={() =>
              void propose.run(async () => {
                await planApi.propose(episodeId, open.number);
                onChanged(`Version ${open.number} is signed by you and shown to ${overview.client.name}.`);
              })
            }
          >
            {propose.busy ? 'Proposing…' : 'Propose to client'}
          </button>
        )}
        {isCare && open?.status === 'proposed' && (
          <button
            class="button"
            type="button"
            disabled={withdraw.busy}
            aria-describedby="withdraw-means"
            onClick={() =>
              void withdraw.run(async () => {
                await planApi.withdraw(episodeId, open.number);
                onChanged(`Version ${open.number} is withdrawn. Start a new draft to correct it.`);
              })
            }
          >
            {withdraw.busy ? 'Withdrawing…' : 'Withdraw this proposal'}
          </button>
        )}
        {overview.agreed_number !== null && (
          <a class="button" href={`/episodes/${episodeId}/plan/versions/${overview.agreed_number}/print`}>
            Print the signed version
          </a>
        )}
        {newest && open && (
          <a class="button" href={`/episodes/${episodeId}/plan/versions/${open.number}`}>
            See version {open.number}
          </a>
        )}
      </div>
      {isCare && open?.status === 'draft' && (
        <p class="hint" id="propose-means">
          Proposing signs version {open.number} with your name and shows it to {overview.client.name}, who can accept it, ask
          for changes or decline. It can no longer be edited after that.
        </p>
      )}
      {isCare && open?.status === 'proposed' && (
        <p class="hint" id="withdraw-means">
          Until {overview.client.name} answers, you can withdraw version {open.number} to correct it in a new draft.
        </p>
      )}
    </section>
  );
}

function DecisionCard({
  overview,
  reader,
  proposal,
  diff,
  base,
  episodeId,
  onChanged,
  child = false,
}: {
  overview: PlanOverview;
  reader: Reader;
  proposal: PlanVersion;
  diff?: PlanDiff;
  base?: PlanContent;
  episodeId: number;
  onChanged: (message?: string) => void;
  child?: boolean;
}) {
  const accept = useAction();
  const changes = useAction();
  const decline = useAction();
  const [comment, setComment] = useState('');
  const [commentError, setCommentError] = useState<string>();
  const [why, setWhy] = useState('');
  const n = proposal.number;
  const guardian = overview.guardian_view;
  return (
    <section class="card card--accent decision" aria-labelledby="decision-heading">
      <h2 id="decision-heading">Version {n} is waiting for your answer</h2>
      <p>
        {overview.therapist.name} proposed version {n} of the plan on {formatDateTime(proposal.proposed_at)} and signed it.{' '}
        {overview.current?.number === n
          ? `Read it below${diff ? `, with what changed since version ${diff.from}` : ''}, then tell them what you think.`
          : `Below is the version in force, version ${overview.current?.number}; here is what version ${n} changes.`}
      </p>
      {diff && (
        <PlanChanges
          rows={diff.rows}
          from={diff.from}
          to={diff.to}
          reader={reader}
          before={base}
          after={proposal.content}
          caption={`What changed since version ${diff.from}`}
        />
      )}
      {overview.current && overview.current.number !== n && (
        <p>
          <a href={`/episodes/${episodeId}/plan/versions/${n}`}>Read version {n} in full</a>
        </p>
      )}
      <h3>Accept</h3>
      {child ? (
        <p id="accept-means">
          If this feels right to you, press Accept. {overview.therapist.name} will see that you said yes. If something is not right, you can
          say so below.
        </p>
      ) : (
        <p id="accept-means">
          Accepting means you agree to this version; it will be signed with your name and today's date{guardian ? ' as guardian' : ''}.
          A signed version never changes: later changes become a new version that you are asked about again.
        </p>
      )}
      {accept.error && <Alert>{errorText(accept.error)}</Alert>}
      <button
        class="button button--primary"
        type="button"
        disabled={accept.busy}
        aria-describedby="accept-means"
        onClick={() =>
          void accept.run(async () => {
            await planApi.accept(episodeId, n);
            onChanged(`You accepted version ${n}. Thank you.`);
          })
        }
      >
        {accept.busy ? 'Accepting…' : `Accept version ${n}`}
      </button>
      <h3>Ask for changes</h3>
      <form
        class="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!comment.trim()) {
            setCommentError(`Write what you would like changed, so that ${overview.therapist.name} can revise the plan.`);
            return;
          }
          setCommentError(undefined);
          void changes.run(async () => {
            await planApi.requestChanges(episodeId, n, comment.trim());
            setComment('');
            onChanged(
              guardian
                ? `Your request is sent. ${overview.therapist.name} will revise the plan with ${overview.client.name} and talk it over with you.`
                : `Your request is sent. ${overview.therapist.name} will revise the plan with you.`,
            );
          });
        }}
      >
        <TextAreaField
          label="What would you like changed?"
          name="comment"
          required
          hint={guardian ? `${overview.therapist.name} and ${overview.client.name} will both read what you write.` : undefined}
          value={comment}
          onInput={setComment}
          error={commentError ?? changes.error?.fieldMessage('comment')}
        />
        {changes.error && !changes.error.fieldMessage('comment') && <Alert>{errorText(changes.error)}</Alert>}
        <div>
          <button class="button" type="submit" disabled={changes.busy}>
            {changes.busy ? 'Sending…' : 'Ask for changes'}
          </button>
        </div>
      </form>
      <details class="decline">
        <summary>Decline this version</summary>
        <form
          class="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void decline.run(async () => {
              await planApi.decline(episodeId, n, why.trim());
              onChanged(`You declined version ${n}.`);
            });
          }}
        >
          <p class="small">
            {guardian
              ? `Declining says you do not agree to this plan for ${overview.client.name}. ${overview.therapist.name} will talk it over with you.`
              : `Declining says this plan is not right for you. ${overview.therapist.name} will talk it over with you.`}
          </p>
          <TextAreaField label="Why not?" name="decline_comment" value={why} onInput={setWhy} error={decline.error?.fieldMessage('comment')} />
          {decline.error && !decline.error.fieldMessage('comment') && <Alert>{errorText(decline.error)}</Alert>}
          <div>
            <button class="button button--danger" type="submit" disabled={decline.busy}>
              {decline.busy ? 'Declining…' : `Decline version ${n}`}
            </button>
          </div>
        </form>
      </details>
    </section>
  );
}

function EditMyWords({
  episodeId,
  therapist,
  content,
  problemKey,
  onChanged,
}: {
  episodeId: number;
  therapist: string;
  content: PlanContent;
  problemKey: string;
  onChanged: (message?: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const words = content.problems.find((p) => p.key === problemKey)?.client_words ?? '';
  const [value, setValue] = useState(words);
  const save = useAction();
  if (!open) {
    return (
      <button
        class="button button--small"
        type="button"
        onClick={() => {
          setValue(words);
          setOpen(true);
        }}
      >
        Change my words<span class="visually-hidden"> for “{shortText(words)}”</span>
      </button>
    );
  }
  return (
    <form
      class="form inline-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save.run(async () => {
          const v = await planApi.editProblem(episodeId, problemKey, { client_words: value.trim() });
          setOpen(false);
          onChanged(`Saved in draft version ${v.number}. ${therapist} will see your words.`);
        });
      }}
    >
      <TextAreaField
        label="The problem in your own words"
        name="client_words"
        required
        value={value}
        onInput={setValue}
        error={save.error?.fieldMessage('client_words')}
      />
      {save.error && !save.error.fieldMessage('client_words') && <Alert>{errorText(save.error)}</Alert>}
      <div class="actions">
        <button class="button button--primary" type="submit" disabled={save.busy}>
          Save my words
        </button>
        <button class="button" type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// Problems added in the open draft since the version shown, so that the client sees what they
// added before it is agreed.
function NewInDraft({
  content,
  draft,
  episodeId,
  therapist,
  canEdit,
  onChanged,
}: {
  content: PlanContent;
  draft: PlanVersion;
  episodeId: number;
  therapist: string;
  canEdit: boolean;
  onChanged: (message?: string) => void;
}) {
  const added = draft.content.problems.filter((p) => p.key && !content.problems.some((q) => q.key === p.key));
  if (added.length === 0) return null;
  return (
    <div class="new-in-draft">
      <h3>
        New in {draft.status === 'draft' ? 'draft version' : 'version'} {draft.number}
      </h3>
      <ul class="plain-list">
        {added.map((p) => (
          <li key={p.key}>
            “{p.client_words}”
            {canEdit && draft.status === 'draft' && (
              <EditMyWords episodeId={episodeId} therapist={therapist} content={draft.content} problemKey={p.key!} onChanged={onChanged} />
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function AddProblem({ episodeId, therapist, onChanged }: { episodeId: number; therapist: string; onChanged: (message?: string) => void }) {
  const [value, setValue] = useState('');
  const [localError, setLocalError] = useState<string>();
  const save = useAction();
  return (
    <form
      class="form add-problem"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!value.trim()) {
          setLocalError('Write the problem in a few words of your own.');
          return;
        }
        setLocalError(undefined);
        void save.run(async () => {
          const v = await planApi.addProblem(episodeId, { client_words: value.trim() });
          setValue('');
          onChanged(`Added to draft version ${v.number}. ${therapist} will see it.`);
        });
      }}
    >
      <h3>Add a problem</h3>
      <TextAreaField
        label="A problem in your own words"
        name="new_problem"
        required
        hint="For example: “I can't get to sleep because I worry about work.”"
        value={value}
        onInput={setValue}
        error={localError ?? save.error?.fieldMessage('client_words')}
      />
      {save.error && !save.error.fieldMessage('client_words') && <Alert>{errorText(save.error)}</Alert>}
      <div>
        <button class="button" type="submit" disabled={save.busy}>
          Add the problem
        </button>
      </div>
    </form>
  );
}

function RankingSection({
  overview,
  reader,
  content,
  episodeId,
  onChanged,
}: {
  overview: PlanOverview;
  reader: Reader;
  content: PlanContent;
  episodeId: number;
  onChanged: (message?: string) => void;
}) {
  const who = audienceOf(overview);
  const active = problemsInOrder(content).filter((p) => p.status === 'active' && p.key);
  const activeKeys = active.map((p) => p.key!);
  const mine = who === 'care' ? overview.rankings.therapist : overview.rankings.client;
  const theirs = who === 'care' ? overview.rankings.client : overview.rankings.therapist;
  // Start from my saved order, then any active problem it does not have yet.
  const initial = [...(mine ?? []).filter((k) => activeKeys.includes(k)), ...activeKeys.filter((k) => !(mine ?? []).includes(k))];
  const [order, setOrder] = useState<string[]>(initial);
  const [moved, setMoved] = useState<string>();
  const [refocus, setRefocus] = useState<{ key: string; dir: 'up' | 'down' }>();
  const listRef = useRef<HTMLOListElement>(null);
  const save = useAction();
  // Keyboard users stay on the item they moved: focus follows it to its new place, and passes to
  // the other button when it reaches the top or the bottom.
  useEffect(() => {
    if (!refocus || !listRef.current) return;
    const find = (dir: string) => listRef.current!.querySelector<HTMLButtonElement>(`button[data-move="${refocus.key}-${dir}"]`);
    const button = find(refocus.dir);
    (button && !button.disabled ? button : find(refocus.dir === 'up' ? 'down' : 'up'))?.focus();
  }, [refocus]);
  // A new problem in the list since the order was loaded.
  const shown = [...order.filter((k) => activeKeys.includes(k)), ...activeKeys.filter((k) => !order.includes(k))];
  const move = (i: number, by: number) => {
    const next = [...shown];
    const [k] = next.splice(i, 1);
    next.splice(i + by, 0, k);
    setOrder(next);
    setRefocus({ key: k, dir: by < 0 ? 'up' : 'down' });
    setMoved(`“${shortText(problemName(content, k))}” is now number ${i + by + 1}.`);
  };
  const c = overview.consensus;
  const otherLabel = who === 'care' ? `${overview.client.name}'s order` : `${overview.therapist.name}'s order`;
  if (active.length === 0) return null;
  return (
    <section class="card plan-section" aria-labelledby="plan-ranking">
      <h2 id="plan-ranking">What matters most</h2>
      <p class="muted small">
        {who === 'guardian'
          ? `How ${overview.client.name} and ${overview.therapist.name} each put the problems in order.`
          : 'Each of you puts the problems in order, most important first. Seeing both orders helps you talk about where you agree.'}
      </p>
      <div class="rankings">
        {who !== 'guardian' && (
          <div class="ranking">
            <h3 id="my-order">Your order</h3>
            <ol class="ranking__list" aria-labelledby="my-order" ref={listRef}>
              {shown.map((k, i) => {
                const name = shortText(problemName(content, k));
                return (
                  <li key={k} class="ranking__item">
                    <span class="ranking__text">{problemName(content, k)}</span>
                    <span class="ranking__buttons">
                      <button
                        class="button button--small"
                        type="button"
                        data-move={`${k}-up`}
                        aria-label={`Move '${name}' up`}
                        disabled={i === 0}
                        onClick={() => move(i, -1)}
                      >
                        <span aria-hidden="true">↑</span>
                      </button>
                      <button
                        class="button button--small"
                        type="button"
                        data-move={`${k}-down`}
                        aria-label={`Move '${name}' down`}
                        disabled={i === shown.length - 1}
                        onClick={() => move(i, 1)}
                      >
                        <span aria-hidden="true">↓</span>
                      </button>
                    </span>
                  </li>
                );
              })}
            </ol>
            <p class="visually-hidden" role="status">
              {moved ?? ''}
            </p>
            {save.error && <Alert>{errorText(save.error, 'order')}</Alert>}
            <button
              class="button button--primary"
              type="button"
              disabled={save.busy}
              onClick={() =>
                void save.run(async () => {
                  await planApi.rank(episodeId, shown);
                  onChanged('Your order is saved.');
                })
              }
            >
              {save.busy ? 'Saving…' : 'Save my order'}
            </button>
            {!mine && <p class="muted small">Not saved yet.</p>}
          </div>
        )}
        {who === 'guardian' ? (
          <>
            <OrderList title={`${overview.client.name}'s order`} order={overview.rankings.client} content={content} />
            <OrderList title={`${overview.therapist.name}'s order`} order={overview.rankings.therapist} content={content} />
          </>
        ) : (
          <OrderList title={otherLabel} order={theirs} content={content} />
        )}
      </div>
      <div class="consensus">
        <h3>Do the orders agree?</h3>
        {/* In words for everyone; the statistic behind them is for the care team. */}
        <p>{agreementWords(c.tau, reader)}</p>
        {c.tau !== null && c.tau !== undefined && (
          <>
            {reader.audience === 'care' && (
              <p class="small">
                Agreement index (Kendall's tau): <strong>{formatTau(c.tau)}</strong> over {c.compared} problems. It runs from 1 (the
                same order) through 0 (no relation between the orders) to −1 (opposite orders).
              </p>
            )}
            {c.most_different.length > 0 && (
              <p class="small">
                Placed most differently: {c.most_different.map((k) => `“${shortText(problemName(content, k))}”`).join(', ')}.
              </p>
            )}
          </>
        )}
      </div>
    </section>
  );
}

function OrderList({ title, order, content }: { title: string; order: string[] | null; content: PlanContent }) {
  return (
    <div class="ranking">
      <h3>{title}</h3>
      {order && order.length > 0 ? (
        <ol class="ranking__list">
          {order.map((k) => (
            <li key={k} class="ranking__item">
              <span class="ranking__text">{problemName(content, k)}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">Not put in order yet.</p>
      )}
    </div>
  );
}

// Where a homework's words are named: its check-in buttons are labelled by them.
const taskId = (key: string) => `homework-${key}-task`;

const noCheckIns: HomeworkCompletion = { check_ins: 0, done: 0, rate: null };

function sameDay(iso: string | null | undefined, day: Date): boolean {
  if (!iso) return false;
  const d = new Date(iso);
  return d.getFullYear() === day.getFullYear() && d.getMonth() === day.getMonth() && d.getDate() === day.getDate();
}

// Whether the reader checks in on this homework (the client and the care team on any, a parent or
// carer on homework planned with them, nobody once the episode has ended).
function checksIn(homework: Homework, state?: HomeworkState): boolean {
  return !!homework.key && !!state?.may_check_in;
}

// The homework's words and due date. Where the reader does not check in, the latest word on it
// follows, as it always has.
function HomeworkTask({ homework, state }: { homework: Homework; state?: HomeworkState }) {
  const due = homework.due_date ? ` · due ${formatDate(homework.due_date)}` : '';
  return (
    <p class="homework__task">
      <span id={homework.key ? taskId(homework.key) : undefined}>{homework.description}</span>
      <span class="muted">
        {due}
        {state && !checksIn(homework, state) ? (state.done ? ' · done' : ' · not done yet') : ''}
      </span>
    </p>
  );
}

// The plan's homework completion, for the care team: every check-in since the plan was agreed.
function HomeworkCompletionLine({ completion }: { completion?: HomeworkCompletion }) {
  const c = completion ?? noCheckIns;
  const rate = c.rate ?? (c.check_ins > 0 ? c.done / c.check_ins : null);
  return (
    <div class="homework-completion">
      <p>
        <span class="label">Homework completion:</span>{' '}
        {c.check_ins === 0 || rate === null ? 'No check-ins yet' : `${Math.round(rate * 100)}% (${c.done} of ${c.check_ins} check-ins)`}
      </p>
      <p class="muted small">Every check-in on this plan's homework since it was agreed, whoever made it.</p>
    </div>
  );
}

// For homework planned with the parents or carers: how often each side said it was done.
function checkInCounts(state: HomeworkState, reader: Reader, child: boolean): string {
  const part = (c: HomeworkCompletion) => (c.check_ins === 0 ? 'none yet' : `${c.done} of ${c.check_ins} done`);
  const client = state.by_client ?? noCheckIns;
  const carers = state.by_caregivers ?? noCheckIns;
  if (reader.audience === 'client') {
    return child
      ? `Since we made the plan — you: ${part(client)} · your grown-up: ${part(carers)}`
      : `Check-ins since the plan was agreed — you: ${part(client)} · your parents or carers: ${part(carers)}`;
  }
  return `Check-ins since the plan was agreed — ${firstName(reader.client)}: ${part(client)} · parents and carers: ${part(carers)}`;
}

function lastCheckInLine(state: HomeworkState, child: boolean, now: Date): string {
  if (!state.last_check_in_at) return child ? '' : 'No check-ins yet.';
  const when = sameDay(state.last_check_in_at, now) ? 'today' : formatDate(state.last_check_in_at);
  const word = state.done ? 'done' : when === 'today' ? 'not today' : 'not done that day';
  return `${child ? 'Last time' : 'Last check-in'}: ${when} — ${word}.`;
}

// A check-in for today on one homework: done or not, with a note if the reader wants to add one.
// The two answers are a pair of buttons that read as a pair of choices, the one given today (by
// anyone) marked as chosen; giving one again the same day corrects that day's word. Under
// homework planned with the parents or carers, how often each side said it was done.
function HomeworkCheckIn({
  episodeId,
  homework,
  state,
  reader,
  child,
  onChanged,
}: {
  episodeId: number;
  homework: Homework;
  state?: HomeworkState;
  reader: Reader;
  child: boolean;
  onChanged: () => void;
}) {
  const save = useAction();
  const [note, setNote] = useState('');
  const [saved, setSaved] = useState('');
  // The chosen answer shows at once; the server's answer then confirms it (or the error undoes it).
  const [pending, setPending] = useState<boolean>();
  useEffect(() => setPending(undefined), [state?.done, state?.last_check_in_at]);
  const doneRef = useRef<HTMLButtonElement>(null);
  const notRef = useRef<HTMLButtonElement>(null);
  // The answers wait while one is saved; a keyboard user then finds themself back on the answer
  // they gave rather than at the top of the page.
  const pressed = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (save.busy || !pressed.current) return;
    const active = document.activeElement;
    if (!active || active === document.body) pressed.current.focus();
    pressed.current = null;
  }, [save.busy]);
  if (!state) return null;
  const withCarers = !!(state.caregiver_support || homework.caregiver_support);
  const anyCheckIns = (state.by_client?.check_ins ?? 0) + (state.by_caregivers?.check_ins ?? 0) > 0;
  const counts = withCarers && anyCheckIns ? <p class="homework__counts small">{checkInCounts(state, reader, child)}</p> : null;
  if (!checksIn(homework, state)) return counts;

  const key = homework.key!;
  const now = new Date();
  const today = sameDay(state.last_check_in_at, now) ? state.done : undefined;
  const answer = pending ?? today;
  const last = lastCheckInLine(state, child, now);
  const promptId = `homework-${key}-prompt`;
  const doneId = `homework-${key}-done`;
  const prompt =
    reader.audience === 'care' ? 'Check in for today' : reader.audience === 'guardian' ? 'How did it go today?' : 'Did you do it today?';
  // The server counts a note's length in bytes, which accented letters and emoji take more of.
  const noteError = save.error?.fieldMessage('note') ? 'The note is too long. Please make it a little shorter.' : undefined;
  // The arrow keys move between the two answers, as in any pair of choices, without giving one.
  const onArrow = (e: KeyboardEvent) => {
    if (!['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(e.key)) return;
    e.preventDefault();
    (document.activeElement === doneRef.current ? notRef.current : doneRef.current)?.focus();
  };
  const send = (done: boolean) => {
    pressed.current = done ? doneRef.current : notRef.current;
    setPending(done);
    setSaved('');
    void save
      .run(async () => {
        const text = note.trim();
        await planApi.tickHomework(episodeId, key, done, text || undefined);
        setNote('');
        setSaved('Thanks — saved for today.');
        onChanged();
      })
      .then((ok) => {
        if (!ok) setPending(undefined);
      });
  };
  return (
    <div class="check-in">
      {last && <p class="homework__last muted small">{last}</p>}
      {counts}
      <p class="check-in__prompt" id={promptId}>
        {prompt}
      </p>
      <TextAreaField label="Anything to add?" name={`homework-note-${key}`} rows={2} maxLength={500} value={note} onInput={setNote} error={noteError} />
      <div class="actions check-in__answers" role="radiogroup" aria-labelledby={promptId} onKeyDown={onArrow}>
        {/* Each answer is named by its own words and the homework's, so that it can be told apart
            from the answers to the plan's other homework. */}
        <button
          ref={doneRef}
          class={answer === true ? 'button button--primary check-in__answer' : 'button check-in__answer'}
          type="button"
          role="radio"
          aria-checked={answer === true}
          aria-labelledby={`${doneId} ${taskId(key)}`}
          disabled={save.busy}
          onClick={() => send(true)}
        >
          {answer === true && <span aria-hidden="true">✓</span>}
          <span id={doneId}>
            {child ? 'I did it today' : 'Done today'}
            <span class="visually-hidden"> —</span>
          </span>
        </button>
        <button
          ref={notRef}
          class={answer === false ? 'button button--primary check-in__answer' : 'button check-in__answer'}
          type="button"
          role="radio"
          aria-checked={answer === false}
          disabled={save.busy}
          onClick={() => send(false)}
        >
          {answer === false && <span aria-hidden="true">✓</span>}
          Not today<span class="visually-hidden"> — {homework.description}</span>
        </button>
      </div>
      {save.error && !noteError && <Alert>{errorText(save.error)}</Alert>}
      <p class="check-in__saved small" role="status">
        {saved}
      </p>
    </div>
  );
}

function SelfRating({
  episodeId,
  goal,
  progress,
  canRate,
  clientName,
  onChanged,
}: {
  episodeId: number;
  goal: Goal;
  progress?: GoalProgress;
  canRate: boolean;
  clientName: string;
  onChanged: () => void;
}) {
  const ratings = progress?.self_ratings ?? [];
  const last = ratings[ratings.length - 1];
  const [rating, setRating] = useState(String(last?.rating ?? 5));
  const [note, setNote] = useState('');
  const save = useAction();
  if (!canRate && ratings.length === 0) return null;
  return (
    <div class="self-rating">
      <h4>{canRate ? 'How far along are you?' : `${clientName}'s own rating`}</h4>
      {ratings.length > 0 && (
        <ul class="plain-list small">
          {[...ratings].reverse().slice(0, 5).map((r) => (
            <li key={r.at}>
              <strong>{r.rating} of 10</strong> on {formatDate(r.at)}
              {r.note ? ` — “${r.note}”` : ''}
            </li>
          ))}
        </ul>
      )}
      {canRate && goal.key && (
        <form
          class="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save.run(async () => {
              await planApi.rateGoal(episodeId, goal.key!, Number(rating), note.trim());
              setNote('');
              onChanged();
            });
          }}
        >
          <div class="row">
            <Field
              label="Your rating from 0 (not started) to 10 (goal reached)"
              name={`rating-${goal.key}`}
              type="number"
              inputMode="numeric"
              min={0}
              max={10}
              step={1}
              required
              value={rating}
              onInput={setRating}
              error={save.error?.fieldMessage('rating')}
            />
            <Field label="A note about it" name={`rating-note-${goal.key}`} value={note} onInput={setNote} error={save.error?.fieldMessage('note')} />
          </div>
          {save.error && !save.error.fieldMessage('rating') && !save.error.fieldMessage('note') && <Alert>{errorText(save.error)}</Alert>}
          <div>
            <button class="button" type="submit" disabled={save.busy}>
              Save my rating<span class="visually-hidden"> for “{shortText(goal.description)}”</span>
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function GasCard({ overview, content }: { overview: PlanOverview; content: PlanContent }) {
  const hasGas = content.goals.some((g) => g.benchmarks.some((b) => b.kind === 'gas'));
  if (!hasGas) return null;
  return (
    <section class="card plan-section" aria-labelledby="plan-gas">
      <h2 id="plan-gas">Goal attainment (GAS)</h2>
      {overview.gas_t_score === null ? (
        <p>No levels recorded yet. Record the level each scale reached at a review.</p>
      ) : (
        <p class="big">GAS T-score {formatScore(overview.gas_t_score)}</p>
      )}
      <p class="muted small">
        50 means the goals were reached as expected on average; every 10 points above or below is one standard deviation more or
        less than expected (Kiresuk–Sherman, ρ = 0.3, weighted by each scale's weight).
      </p>
    </section>
  );
}

function ThoughtRecordsCard({
  overview,
  content,
  episodeId,
  canWrite,
  onChanged,
}: {
  overview: PlanOverview;
  content: PlanContent;
  episodeId: number;
  canWrite: boolean;
  onChanged: () => void;
}) {
  const [tick, setTick] = useState(0);
  const records = useLoad<ThoughtRecordView[]>(
    () => (overview.thought_records > 0 || tick > 0 ? planApi.thoughtRecords(episodeId) : Promise.resolve([])),
    [episodeId, overview.thought_records, tick],
  );
  return (
    <section class="card plan-section" aria-labelledby="plan-thoughts">
      <h2 id="plan-thoughts">Thought records</h2>
      <p class="muted small">
        {canWrite
          ? 'When a moment is hard, write down what happened and what went through your mind, then look at the evidence. Your therapist will see it.'
          : `The thought records ${overview.client.name} has written (${overview.thought_records}).`}
      </p>
      {canWrite && (
        <ThoughtRecordForm
          content={content}
          onSave={async (record) => {
            await planApi.addThoughtRecord(episodeId, record);
            setTick((t) => t + 1);
            onChanged();
          }}
        />
      )}
      {records.error && <Alert>{records.error.message}</Alert>}
      {records.data && <ThoughtRecordList records={records.data} content={content} />}
    </section>
  );
}

function ReviewForm({
  overview,
  content,
  episodeId,
  onChanged,
}: {
  overview: PlanOverview;
  content: PlanContent;
  episodeId: number;
  onChanged: () => void;
}) {
  const gas = content.goals.flatMap((g) => g.benchmarks.filter((b) => b.kind === 'gas' && b.key).map((b) => ({ goal: g, benchmark: b })));
  const [notes, setNotes] = useState('');
  const [changes, setChanges] = useState('');
  const [levels, setLevels] = useState<Record<string, string>>({});
  const [localError, setLocalError] = useState<string>();
  const save = useAction();
  return (
    <section class="card plan-section" aria-labelledby="plan-review">
      <h2 id="plan-review">Record a review</h2>
      <p class="muted small">
        Review the agreed version {overview.agreed_number} together: ask {overview.client.name} to rate each goal, note what
        changes and record the level each goal attainment scale reached.
        {overview.last_review_at ? ` Last reviewed ${formatDate(overview.last_review_at)}.` : ''}
      </p>
      <form
        class="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!notes.trim()) {
            setLocalError('Write what you discussed at the review.');
            return;
          }
          setLocalError(undefined);
          const gas_levels: Record<string, number> = {};
          for (const [k, v] of Object.entries(levels)) if (v !== '') gas_levels[k] = Number(v);
          void save.run(async () => {
            await planApi.review(episodeId, { notes: notes.trim(), ...(changes.trim() ? { changes: changes.trim() } : {}), gas_levels });
            setNotes('');
            setChanges('');
            setLevels({});
            onChanged();
          });
        }}
      >
        <TextAreaField label="What you discussed" name="review_notes" required value={notes} onInput={setNotes} error={localError ?? save.error?.fieldMessage('notes')} />
        <TextAreaField
          label="What changes in the plan"
          name="review_changes"
          hint="Changes to goals or tasks become a new draft for the client to agree."
          value={changes}
          onInput={setChanges}
          error={save.error?.fieldMessage('changes')}
        />
        {gas.map(({ goal, benchmark }) => (
          <SelectField
            key={benchmark.key}
            label={`Level reached: ${shortText(goal.description, 50)} (${benchmark.key})`}
            name={`gas-${benchmark.key}`}
            value={levels[benchmark.key!] ?? ''}
            onInput={(v) => setLevels((l) => ({ ...l, [benchmark.key!]: v }))}
            error={save.error?.fieldMessage(`gas_levels/${benchmark.key}`)}
            options={[
              { value: '', label: 'Not rated this time' },
              ...(benchmark.kind === 'gas' ? benchmark.levels : []).map((text, i) => ({
                value: String(i - 2),
                label: `${gasLevelName(i - 2)} (${gasLevelMeanings[i]}): ${shortText(text, 60)}`,
              })),
            ]}
          />
        ))}
        {save.error && save.error.fields.length === 0 && <Alert>{save.error.message}</Alert>}
        <div>
          <button class="button button--primary" type="submit" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Record review'}
          </button>
        </div>
      </form>
    </section>
  );
}
