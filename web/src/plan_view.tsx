// Read-only pieces of a plan shared by the plan page, the version view and the print view: the
// summary, problems in agreed order, goals with benchmarks and their progress, interventions and
// homework, signatures, the version history and the differences between two versions. The plan
// page passes slots for the parts a client acts on (ticking homework, rating a goal).
import type { ComponentChildren } from 'preact';
import { formatDate, formatDateTime } from './format';
import type {
  Benchmark,
  BenchmarkProgress,
  DiffRow,
  Goal,
  GoalProgress,
  Homework,
  HomeworkState,
  PlanContent,
  PlanOverview,
  Signature,
  VersionSummary,
} from './plan_api';
import {
  changeLabels,
  comparatorLabels,
  fieldLabel,
  formatScore,
  gasLevelMeanings,
  gasLevelName,
  problemName,
  problemStatusLabels,
  problemsInOrder,
  roleWords,
  sectionLabels,
  versionDates,
  versionStatusLabel,
} from './plan_words';

// Shown to the client and guardians in place of a draft's summary and goals: a draft is the
// therapist's working copy apart from its problem list, which the client helps to write.
export function DraftGoalsWithheld() {
  return (
    <section class="card plan-section" aria-labelledby="plan-draft-goals">
      <h2 id="plan-draft-goals">Goals</h2>
      <p>
        The therapist is still writing the goals and how you will work on them. They will show here when the plan is
        proposed, and you can then accept it or ask for changes.
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

export function ProblemsSection({
  content,
  action,
  footer,
}: {
  content: PlanContent;
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
                <span class="label">In the client's words:</span> “{p.client_words}”
              </p>
              {p.formulation ? (
                <p>
                  <span class="label">Therapist's formulation:</span> {p.formulation}
                </p>
              ) : null}
              {p.diagnosis ? (
                <p>
                  <span class="label">Diagnosis:</span> {p.diagnosis}
                </p>
              ) : null}
              <p class="small">
                <span class={`badge badge--problem-${p.status}`}>{problemStatusLabels[p.status] ?? p.status}</span>
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
  progress,
  showWeight,
  tracked = true,
}: {
  benchmark: Benchmark;
  progress?: BenchmarkProgress;
  showWeight?: boolean;
  tracked?: boolean;
}) {
  if (benchmark.kind === 'questionnaire') {
    const target = `${benchmark.instrument} total ${comparatorLabels[benchmark.comparator] ?? benchmark.comparator} ${formatScore(benchmark.target)}`;
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
          <p class="muted">No {benchmark.instrument} answers yet: progress fills in from the questionnaires.</p>
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

interface GoalSlots {
  // Replaces the plain homework line (the plan page puts a checkbox there).
  homeworkItem?: (goal: Goal, homework: Homework, state?: HomeworkState) => ComponentChildren;
  // Under the goal (the client's self-rating).
  goalExtra?: (goal: Goal, progress?: GoalProgress) => ComponentChildren;
}

export function GoalsSection({
  content,
  overview,
  slots,
  showWeights,
}: {
  content: PlanContent;
  overview?: PlanOverview;
  slots?: GoalSlots;
  showWeights?: boolean;
}) {
  const progressOf = (key?: string) => overview?.goals.find((g) => g.key === key);
  return (
    <section class="card plan-section" aria-labelledby="plan-goals">
      <h2 id="plan-goals">Goals</h2>
      {content.goals.length === 0 && <p class="muted">No goals written down yet.</p>}
      {content.goals.map((goal, gi) => {
        const progress = progressOf(goal.key);
        const headingId = `goal-${goal.key ?? gi}`;
        return (
          <article key={goal.key ?? gi} class="plan-goal" aria-labelledby={headingId}>
            <h3 id={headingId}>{goal.description || 'Goal'}</h3>
            <p class="muted small">
              For the problem “{problemName(content, goal.problem_key)}”
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
                      <li key={h.key ?? hi}>
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

export function SignatureTable({ signatures, caption = 'Signatures' }: { signatures: Signature[]; caption?: string }) {
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
            <th scope="col">Content hash</th>
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
              <td>{formatDateTime(s.signed_at)}</td>
              <td>
                <code class="hash">{s.content_hash}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function VersionHistory({ overview, episodeId }: { overview: PlanOverview; episodeId: number }) {
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
                    <span class="label">Client's comment:</span> “{v.client_comment}”
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

export function DiffTable({ rows, from, to, caption }: { rows: DiffRow[]; from: number; to: number; caption?: string }) {
  if (rows.length === 0) return <p>Versions {from} and {to} have the same content.</p>;
  const title = caption ?? `Differences from version ${from} to version ${to}`;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={`${title} (table)`}>
      <table class="plan-table diff">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">Change</th>
            <th scope="col">Version {from}</th>
            <th scope="col">Version {to}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} class={`diff--${r.change}`}>
              <th scope="row">
                {sectionLabels[r.section] ?? r.section}
                {r.key ? ` ${r.key}` : ''}
                {r.field && r.field !== r.section ? ` › ${fieldLabel(r.field).toLowerCase()}` : ''}
              </th>
              <td>
                <span class={`change change--${r.change}`}>{changeLabels[r.change] ?? r.change}</span>
              </td>
              <td class="diff__before">{r.before || <span class="muted">(none)</span>}</td>
              <td class="diff__after">{r.after || <span class="muted">(none)</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
