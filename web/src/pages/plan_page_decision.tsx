// Where the plan stands, with what the care team does next (start, propose or withdraw a
// version), and the answer to a proposal that awaits the reader's: accept, ask for changes or
// decline.
import { useState } from 'preact/hooks';
import { formatDate, formatDateTime } from '../format';
import { planApi, type PlanContent, type PlanDiff, type PlanOverview, type PlanVersion } from '../plan_api';
import { PlanChanges } from '../plan_view';
import { newestVersion, planStateLines, type Reader } from '../plan_words';
import { navigate } from '../router';
import { Alert, TextAreaField } from '../ui';
import { errorText, useAction } from './plan_page_action';

export function StateCard({
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

export function DecisionCard({
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
