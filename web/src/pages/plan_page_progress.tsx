// Progress on the plan: the client's own rating of each goal, the goal attainment score, the
// thought records, and the care team's review of the agreed version.
import { useState } from 'preact/hooks';
import { formatDate } from '../format';
import { planApi, type Goal, type GoalProgress, type PlanContent, type PlanOverview, type ThoughtRecordView } from '../plan_api';
import { formatScore, gasLevelMeanings, gasLevelName, shortText } from '../plan_words';
import { Alert, Field, SelectField, TextAreaField, useLoad } from '../ui';
import { errorText, useAction } from './plan_page_action';
import { ThoughtRecordForm, ThoughtRecordList } from './plan_thought_records';

export function SelfRating({
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

export function GasCard({ overview, content }: { overview: PlanOverview; content: PlanContent }) {
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

export function ThoughtRecordsCard({
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

export function ReviewForm({
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
