// Read-only pieces of a plan shared by the plan page, the version view and the print view: the
// summary, problems in agreed order, goals with benchmarks and their progress, interventions and
// homework (with what a parent or carer does for homework planned with them), signatures, the
// version history and what changed between two versions. The plan page passes slots for the
// parts a client acts on (checking in on homework, rating a goal). Each piece is worded for its
// reader: clients and guardians read no diagnosis, no questionnaire codes and no item keys.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { formatDate, formatDateTime } from './format';
import {
  planApi,
  type Benchmark,
  type BenchmarkProgress,
  type DiffRow,
  type Goal,
  type GoalProgress,
  type Homework,
  type HomeworkState,
  type PlanContent,
  type PlanOverview,
  type Signature,
  type VersionSummary,
} from './plan_api';
import {
  changeInWords,
  changeLabels,
  commentLabel,
  emptyContent,
  clientWordsLabel,
  formatScore,
  formulationLabel,
  gasLevelMeanings,
  goalIsPrivate,
  gasLevelName,
  problemName,
  problemStatusLabels,
  problemsInOrder,
  questionnaireTarget,
  roleWords,
  versionDates,
  versionStatusLabel,
  wordChanges,
  type ChangeInWords,
  type Reader,
  type SequenceChange,
} from './plan_words';

// --- Questionnaire names ----------------------------------------------------------------------

let namesCache: Promise<Map<string, string>> | undefined;

// Every questionnaire's everyday name by its code, asked for once per page load. A failure is not
// kept, so the next page asks again.
function loadQuestionnaireNames(): Promise<Map<string, string>> {
  namesCache ??= planApi
    .instruments()
    .then((list) => new Map(list.map((q) => [q.code, q.plain_title || q.title])))
    .catch((e: unknown) => {
      namesCache = undefined;
      throw e;
    });
  return namesCache;
}

// A questionnaire's name for this reader: its code for the care team, its everyday name for a
// client or guardian (never the code, even before the names have arrived).
export function useQuestionnaireName(reader: Reader): (code: string) => string {
  const [names, setNames] = useState<Map<string, string>>();
  const care = reader.audience === 'care';
  useEffect(() => {
    if (care) return;
    let live = true;
    loadQuestionnaireNames().then(
      (n) => live && setNames(n),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [care]);
  return (code: string) => (care ? code : (names?.get(code) ?? 'a questionnaire'));
}

// Shown to the client and guardians in place of a draft's summary and goals: a draft is the
// therapist's working copy apart from its problem list, which the client helps to write.
export function DraftGoalsWithheld({ reader }: { reader: Reader }) {
  const you = reader.audience === 'client' ? 'you' : reader.client;
  return (
    <section class="card plan-section" aria-labelledby="plan-draft-goals">
      <h2 id="plan-draft-goals">Goals</h2>
      <p>
        {reader.therapist} is still writing the goals and how {you} will work on them. They will show here when the plan is
        proposed, and {reader.audience === 'client' ? 'you can then accept it or ask for changes' : 'you can then read them'}.
      </p>
    </section>
  );
}

export function SummarySection({ content, headingLevel = 2 }: { content: PlanContent; headingLevel?: 2 | 3 }) {
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section class="card plan-section" aria-labelledby="plan-summary">
      <H id="plan-summary">Summary</H>
      {content.summary ? <p class="pre-line">{content.summary}</p> : <p class="muted">No summary written yet.</p>}
    </section>
  );
}

// Beside a problem or goal that no parent or carer sees. A guardian never receives one (only one
// disclosed to them for safety, which is no longer private from them), so reads no mark.
export function PrivateBadge({ reader }: { reader: Reader }) {
  if (reader.audience === 'guardian') return null;
  return (
    <span class="badge badge--private">
      {reader.audience === 'care' ? 'Private: not shown to parents or carers' : 'Private: not shown to your parents or carers'}
    </span>
  );
}

export function ProblemsSection({
  content,
  reader,
  action,
  footer,
}: {
  content: PlanContent;
  reader: Reader;
  action?: (key: string) => ComponentChildren;
  footer?: ComponentChildren;
}) {
  const problems = problemsInOrder(content);
  const settled = content.agreed_order.length > 0;
  return (
    <section class="card plan-section" aria-labelledby="plan-problems">
      <h2 id="plan-problems">Problems</h2>
      <p class="muted small">
        {settled ? 'In the order agreed together, most important first.' : 'The order has not been agreed yet.'}
      </p>
      {problems.length === 0 ? (
        <p class="muted">No problems written down yet.</p>
      ) : (
        <ol class="plan-problems">
          {problems.map((p) => (
            <li key={p.key ?? p.client_words} class="plan-problem">
              <p class="plan-problem__words">
                <span class="label">{clientWordsLabel(reader)}:</span> “{p.client_words}”
              </p>
              {p.formulation ? (
                <p>
                  <span class="label">{formulationLabel(reader)}:</span> {p.formulation}
                </p>
              ) : null}
              {/* A diagnosis is for the care team only. */}
              {reader.audience === 'care' && p.diagnosis ? (
                <p>
                  <span class="label">Diagnosis:</span> {p.diagnosis}
                </p>
              ) : null}
              <p class="small">
                <span class={`badge badge--problem-${p.status}`}>{problemStatusLabels[p.status] ?? p.status}</span>
                {p.confidential ? (
                  <>
                    {' '}
                    <PrivateBadge reader={reader} />
                  </>
                ) : null}
              </p>
              {action && p.key ? action(p.key) : null}
            </li>
          ))}
        </ol>
      )}
      {footer}
    </section>
  );
}

// `tracked`: progress is shown (the living plan); a version on its own (the version and print
// views) describes the plan as agreed, without progress.
export function BenchmarkView({
  benchmark,
  reader,
  progress,
  showWeight,
  tracked = true,
}: {
  benchmark: Benchmark;
  reader: Reader;
  progress?: BenchmarkProgress;
  showWeight?: boolean;
  tracked?: boolean;
}) {
  const questionnaire = useQuestionnaireName(reader);
  if (benchmark.kind === 'questionnaire') {
    const name = questionnaire(benchmark.instrument);
    const target = questionnaireTarget(benchmark, reader, name);
    const fraction = progress?.fraction;
    const percent = typeof fraction === 'number' ? Math.round(fraction * 100) : undefined;
    return (
      <div class="benchmark">
        <p class="benchmark__title">
          <span class="label">Questionnaire target:</span> {target}
        </p>
        {progress && typeof progress.latest === 'number' ? (
          <p>
            Latest {formatScore(progress.latest)}
            {progress.latest_at ? ` on ${formatDate(progress.latest_at)}` : ''}
            {typeof progress.baseline === 'number' ? `, starting from ${formatScore(progress.baseline)}` : ''}.{' '}
            {progress.met ? <strong>Target met.</strong> : 'Target not met yet.'}
          </p>
        ) : tracked ? (
          <p class="muted">
            {reader.audience === 'care' ? `No ${name} answers yet` : `No answers to “${name}” yet`}: progress fills in from the questionnaires.
          </p>
        ) : null}
        {percent !== undefined && (
          <p class="progress-line">
            <progress max={100} value={percent} aria-label={`Progress towards “${target}”`} />
            <span>{percent}% of the way from the start to the target</span>
          </p>
        )}
      </div>
    );
  }
  const latest = progress && typeof progress.latest === 'number' ? progress.latest : undefined;
  return (
    <div class="benchmark">
      <p class="benchmark__title">
        <span class="label">Goal attainment scale</span>
        {showWeight ? ` (weight ${formatScore(benchmark.weight)})` : ''}
        {latest !== undefined ? `: latest rating ${gasLevelName(latest)}` : tracked ? ': not rated yet' : ''}
      </p>
      <ol class="gas-levels">
        {benchmark.levels.map((text, i) => {
          const isLatest = latest === i - 2;
          return (
            <li key={i} class={isLatest ? 'gas-level gas-level--latest' : 'gas-level'} aria-current={isLatest ? 'true' : undefined}>
              <span class="gas-level__name">{gasLevelName(i - 2)}</span>
              <span>
                <span class="visually-hidden">({gasLevelMeanings[i]}) </span>
                {text}
                {isLatest && <strong class="gas-level__mark"> ← latest rating</strong>}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function achievementClass(a: string): string {
  return `badge badge--achievement-${a}`;
}

// How a parent or carer supports a homework planned with them, as a label: a young child reads
// it in a child's words.
export function caregiverSupportLabel(reader: Reader, child = false): string {
  if (reader.audience === 'client') return child ? 'Your grown-up helps' : 'Planned with your parents or carers';
  return 'Planned with parents or carers';
}

// Under a homework planned with the parents or carers: what they do to support it.
export function CaregiverSupport({ homework, reader, child = false }: { homework: Homework; reader: Reader; child?: boolean }) {
  const text = homework.caregiver_support?.trim();
  if (!text) return null;
  return (
    <p class="homework__support small">
      <span class="label">{caregiverSupportLabel(reader, child)}:</span> {text}
    </p>
  );
}

interface GoalSlots {
  // Replaces the plain homework line (the plan page names the homework its check-in is for).
  homeworkItem?: (goal: Goal, homework: Homework, state?: HomeworkState) => ComponentChildren;
  // Under the homework and what a parent or carer does for it (the plan page's check-in).
  homeworkExtra?: (goal: Goal, homework: Homework, state?: HomeworkState) => ComponentChildren;
  // Under the goal (the client's self-rating).
  goalExtra?: (goal: Goal, progress?: GoalProgress) => ComponentChildren;
}

// `child`: the reader is a young child, who reads a child's words. `intro`: under the heading
// (the care team's homework completion on the plan page).
export function GoalsSection({
  content,
  reader,
  overview,
  slots,
  showWeights,
  child = false,
  intro,
}: {
  content: PlanContent;
  reader: Reader;
  overview?: PlanOverview;
  slots?: GoalSlots;
  showWeights?: boolean;
  child?: boolean;
  intro?: ComponentChildren;
}) {
  const progressOf = (key?: string) => overview?.goals.find((g) => g.key === key);
  return (
    <section class="card plan-section" aria-labelledby="plan-goals">
      <h2 id="plan-goals">Goals</h2>
      {intro}
      {content.goals.length === 0 && <p class="muted">No goals written down yet.</p>}
      {content.goals.map((goal, gi) => {
        const progress = progressOf(goal.key);
        const headingId = `goal-${goal.key ?? gi}`;
        return (
          <article key={goal.key ?? gi} class="plan-goal" aria-labelledby={headingId}>
            <h3 id={headingId}>{goal.description || 'Goal'}</h3>
            {goalIsPrivate(content, goal) && (
              <p class="small">
                <PrivateBadge reader={reader} />
              </p>
            )}
            <p class="muted small">
              {content.problems.some((p) => p.key === goal.problem_key) ? `For the problem “${problemName(content, goal.problem_key)}”` : `Goal ${gi + 1}`}
              {goal.due_date ? ` · due ${formatDate(goal.due_date)}` : ''}
              {progress?.priority ? ` · priority ${progress.priority}` : ''}
            </p>
            {progress && (
              <p>
                <span class="label">How it is going:</span>{' '}
                <span class={achievementClass(progress.achievement)}>{progress.achievement_display || progress.achievement}</span>
              </p>
            )}
            {goal.benchmarks.length > 0 && (
              <>
                <h4>How we will know</h4>
                {goal.benchmarks.map((b, bi) => (
                  <BenchmarkView
                    key={b.key ?? bi}
                    benchmark={b}
                    reader={reader}
                    progress={progress?.benchmarks.find((p) => p.key === b.key)}
                    tracked={overview !== undefined}
                    showWeight={showWeights}
                  />
                ))}
              </>
            )}
            {goal.interventions.length > 0 && (
              <>
                <h4>What we will do</h4>
                <ul class="plain-list">
                  {goal.interventions.map((i, ii) => (
                    <li key={i.key ?? ii}>
                      {i.description}
                      {i.approach ? <span class="muted"> ({i.approach})</span> : null}
                    </li>
                  ))}
                </ul>
              </>
            )}
            {goal.homework.length > 0 && (
              <>
                <h4>Homework</h4>
                <ul class="plain-list homework-list">
                  {goal.homework.map((h, hi) => {
                    const state = overview?.homework.find((s) => s.key === h.key);
                    return (
                      <li key={h.key ?? hi} class="homework">
                        {slots?.homeworkItem ? (
                          slots.homeworkItem(goal, h, state)
                        ) : (
                          <>
                            {h.description}
                            <span class="muted">
                              {h.due_date ? ` · due ${formatDate(h.due_date)}` : ''}
                              {state ? (state.done ? ' · done' : ' · not done yet') : ''}
                            </span>
                          </>
                        )}
                        <CaregiverSupport homework={h} reader={reader} child={child} />
                        {slots?.homeworkExtra?.(goal, h, state)}
                      </li>
                    );
                  })}
                </ul>
              </>
            )}
            {slots?.goalExtra?.(goal, progress)}
          </article>
        );
      })}
    </section>
  );
}

// `hash`: where each signature's content hash shows. The care team reads it in its own column;
// clients and guardians read it as small print (a verification code) under the date; the print
// view leaves it to one footnote under the table.
export function SignatureTable({
  signatures,
  caption = 'Signatures',
  hash = 'column',
}: {
  signatures: Signature[];
  caption?: string;
  hash?: 'column' | 'footnote' | 'none';
}) {
  if (signatures.length === 0) return <p class="muted">Not signed yet.</p>;
  return (
    // Focusable so that a keyboard can scroll it when a narrow screen makes it wider than the page.
    <div class="table-wrap" tabIndex={0} role="region" aria-label={`${caption} (table)`}>
      <table class="plan-table signatures">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Signed</th>
            {hash === 'column' && <th scope="col">Content hash</th>}
          </tr>
        </thead>
        <tbody>
          {signatures.map((s) => (
            <tr key={`${s.role}-${s.user_id}`}>
              <td>
                {s.name}
                {s.account_link_handed_over_by != null && (
                  <p class="muted small">
                    Their account was set up from a link handed over in person by staff.
                  </p>
                )}
              </td>
              <td>{roleWords[s.role] ?? s.role}</td>
              <td>
                {formatDateTime(s.signed_at)}
                {hash === 'footnote' && (
                  <span class="footnote small muted">
                    Verification code: <code class="hash">{s.content_hash}</code>
                  </span>
                )}
              </td>
              {hash === 'column' && (
                <td>
                  <code class="hash">{s.content_hash}</code>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function VersionHistory({ overview, episodeId, reader }: { overview: PlanOverview; episodeId: number; reader: Reader }) {
  const versions = [...overview.versions].sort((a, b) => b.number - a.number);
  const agreed = overview.agreed_number;
  return (
    <section class="card plan-section" aria-labelledby="plan-history">
      <h2 id="plan-history">Version history</h2>
      {versions.length === 0 ? (
        <p class="muted">No versions yet.</p>
      ) : (
        <ol class="list versions" reversed>
          {versions.map((v: VersionSummary) => (
            <li key={v.number} class="list-item version-row">
              <div class="list-item__main">
                <p class="list-item__title">
                  <a href={`/episodes/${episodeId}/plan/versions/${v.number}`}>Version {v.number}</a>{' '}
                  <span class={`badge badge--plan-${v.status}`}>{versionStatusLabel(v.status)}</span>
                </p>
                <p class="muted small">{versionDates(v)}</p>
                {v.client_comment && (
                  <p class="small">
                    <span class="label">{commentLabel(reader, v)}:</span> “{v.client_comment}”
                  </p>
                )}
                {agreed !== null && agreed !== v.number && (
                  <p class="small">
                    <a href={`/episodes/${episodeId}/plan/compare?from=${agreed}&to=${v.number}`}>
                      Compare with the signed version<span class="visually-hidden"> (version {v.number} against version {agreed})</span>
                    </a>
                  </p>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

// Whose comment on a version it is, as a label (the client's, the reader's own, or a parent's or
// carer's).
export { commentLabel } from './plan_words';

// Words taken out and put in. Struck through and underlined, not told by colour alone; a screen
// reader, which may not announce either, hears which is which.
function TakenOut({ text }: { text: string }) {
  return (
    <>
      <span class="visually-hidden">taken out: </span>
      <del>{text}</del>
    </>
  );
}

function PutIn({ text }: { text: string }) {
  return (
    <>
      <span class="visually-hidden">put in: </span>
      <ins>{text}</ins>
    </>
  );
}

function ChangedWords({ change, words }: { change: DiffRow['change']; words: ChangeInWords }) {
  if (words.order) {
    return (
      <ul class="plain-list plan-changes__order">
        {words.order.flatMap((run: SequenceChange<string>, r) =>
          run.items.map((name, i) => (
            <li key={`${r}-${i}`}>{run.kind === 'out' ? <TakenOut text={name} /> : run.kind === 'in' ? <PutIn text={name} /> : name}</li>
          )),
        )}
      </ul>
    );
  }
  if (change === 'added') return <PutIn text={words.after} />;
  if (change === 'removed') return <TakenOut text={words.before} />;
  const parts = wordChanges(words.before, words.after);
  return (
    <>
      {parts.map((p, i) => (
        <span key={i}>
          {i > 0 ? ' ' : ''}
          {p.kind === 'out' ? <TakenOut text={p.text} /> : p.kind === 'in' ? <PutIn text={p.text} /> : p.text}
        </span>
      ))}
    </>
  );
}

// What changed from one version to another, row by row, each part of the plan named by its place
// and words, with the words taken out and put in marked. `before` and `after` are the two
// versions as this reader sees them; without them items are named only by their kind.
export function PlanChanges({
  rows,
  from,
  to,
  reader,
  before,
  after,
  caption,
}: {
  rows: DiffRow[];
  from: number;
  to: number;
  reader: Reader;
  before?: PlanContent;
  after?: PlanContent;
  caption?: string;
}) {
  const questionnaire = useQuestionnaireName(reader);
  if (rows.length === 0) return <p>Versions {from} and {to} have the same content.</p>;
  const ctx = { reader, before: before ?? emptyContent(), after: after ?? emptyContent(), questionnaire };
  const shown = rows.flatMap((row) => {
    const words = changeInWords(row, ctx);
    return words ? [{ row, words }] : [];
  });
  if (shown.length === 0) return <p>Nothing changed in the parts of the plan shown here.</p>;
  const title = caption ?? `Differences from version ${from} to version ${to}`;
  return (
    <div class="plan-changes-wrap">
      <p class="small muted">Words taken out are struck through; words put in are underlined.</p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={`${title} (table)`}>
        <table class="plan-table plan-changes">
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Part of the plan</th>
              <th scope="col">What changed</th>
            </tr>
          </thead>
          <tbody>
            {shown.map(({ row, words }, i) => (
              <tr key={i} class={`diff--${row.change}`}>
                <th scope="row">
                  <span class="plan-changes__what">{words.what}</span>
                  {words.about && <span class="plan-changes__about small muted">“{words.about}”</span>}
                  <span class={`change change--${row.change}`}>{changeLabels[row.change] ?? row.change}</span>
                </th>
                <td class="plan-changes__words">
                  <ChangedWords change={row.change} words={words} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
