// The goals of the draft, each with its benchmarks (questionnaire targets or goal attainment
// scales), interventions and homework.
import { asSentence } from '../api';
import type { Comparator, InstrumentSummary } from '../plan_api';
import { comparatorLabels, gasLevelMeanings, gasLevelNames, shortText } from '../plan_words';
import { CheckboxField, Field, SelectField, TextAreaField } from '../ui';
import type { EditContent, EditGoal, ErrorAt, KeyLetter, UpdateDraft } from './plan_editor_model';

// How a goal's parts change it: in place, on a copy of the draft.
type UpdateGoal = (f: (g: EditGoal) => void) => void;

// What each part of one goal's editor needs.
interface GoalPartProps {
  goal: EditGoal;
  gi: number;
  err: ErrorAt;
  update: UpdateGoal;
  newKey: (letter: KeyLetter) => string;
}

export function GoalsEditor({
  model,
  instruments,
  err,
  update,
  newKey,
  clientName,
}: {
  model: EditContent;
  instruments: InstrumentSummary[];
  err: ErrorAt;
  update: UpdateDraft;
  newKey: (letter: KeyLetter) => string;
  clientName: string;
}) {
  const problemOptions = model.problems.map((p, i) => ({ value: p.key, label: `${p.key || `new ${i + 1}`}: ${shortText(p.client_words || '(no words yet)', 50)}` }));
  return (
    <section class="card plan-section" aria-labelledby="edit-goals">
      <h2 id="edit-goals">Goals</h2>
      {err('goals') && <p class="field-error">{asSentence(err('goals')!, 'Goals')}</p>}
      {model.goals.length === 0 && <p class="muted">No goals yet.</p>}
      {model.goals.map((g, gi) => (
        <GoalEditor
          key={g.key || gi}
          goal={g}
          index={gi}
          problemOptions={problemOptions}
          problemPrivate={model.problems.some((p) => p.key === g.problem_key && p.confidential)}
          instruments={instruments}
          err={err}
          update={(f) => update((m) => (f(m.goals[gi]), m))}
          remove={() => update((m) => ({ ...m, goals: m.goals.filter((_, j) => j !== gi) }))}
          newKey={newKey}
          clientName={clientName}
        />
      ))}
      <button
        class="button"
        type="button"
        onClick={() =>
          update((m) => ({
            ...m,
            goals: [
              ...m.goals,
              {
                key: newKey('g'),
                problem_key: m.problems[0]?.key ?? '',
                description: '',
                due_date: '',
                benchmarks: [],
                interventions: [],
                homework: [],
                confidential: false,
              },
            ],
          }))
        }
      >
        Add a goal
      </button>
    </section>
  );
}

function GoalEditor({
  goal,
  index,
  problemOptions,
  problemPrivate,
  instruments,
  err,
  update,
  remove,
  newKey,
  clientName,
}: {
  goal: EditGoal;
  index: number;
  problemOptions: { value: string; label: string }[];
  // The problem it addresses is kept from parents and carers, and so the goal is too.
  problemPrivate: boolean;
  instruments: InstrumentSummary[];
  err: ErrorAt;
  update: UpdateGoal;
  remove: () => void;
  newKey: (letter: KeyLetter) => string;
  clientName: string;
}) {
  const gi = index;
  const path = (rest: string) => `goals/${gi}/${rest}`;
  const goalName = `Goal ${gi + 1}`;
  const parts = { goal, gi, err, update, newKey };
  return (
    <fieldset class="fieldset goal-editor">
      <legend>
        {goalName}
        {goal.key ? <span class="muted"> ({goal.key})</span> : null}
      </legend>
      <SelectField
        label="The problem it addresses"
        name={`goals-${gi}-problem`}
        value={goal.problem_key}
        onInput={(v) => update((g) => (g.problem_key = v))}
        error={err(path('problem_key'))}
        options={[{ value: '', label: 'Choose a problem' }, ...problemOptions]}
      />
      <TextAreaField
        label="The goal, specific and measurable"
        name={`goals-${gi}-description`}
        required
        value={goal.description}
        onInput={(v) => update((g) => (g.description = v))}
        error={err(path('description'))}
      />
      <Field label="Goal due date" name={`goals-${gi}-due`} type="date" required value={goal.due_date} onInput={(v) => update((g) => (g.due_date = v))} error={err(path('due_date'))} />
      <CheckboxField
        label="Keep private from parents and carers"
        name={`goals-${gi}-confidential`}
        checked={goal.confidential || problemPrivate}
        disabled={problemPrivate}
        onChange={(c) => update((g) => (g.confidential = c))}
        hint={problemPrivate ? 'Its problem is private, so this goal is too.' : 'No parent or carer sees this goal, unless you later share it for safety.'}
      />

      <BenchmarksEditor {...parts} instruments={instruments} />

      <InterventionsEditor {...parts} />

      <HomeworkEditor {...parts} clientName={clientName} />
      <button class="button button--small button--quiet" type="button" onClick={remove}>
        Remove goal {gi + 1}
      </button>
    </fieldset>
  );
}

function BenchmarksEditor({ goal, gi, err, update, newKey, instruments }: GoalPartProps & { instruments: InstrumentSummary[] }) {
  const path = (rest: string) => `goals/${gi}/${rest}`;
  const instrumentOptions = [
    { value: '', label: 'Choose a questionnaire' },
    ...instruments.map((q) => ({ value: q.code, label: q.title && q.title !== q.code ? `${q.code} — ${q.title}` : q.code })),
  ];
  return (
    <>
      <h3>Benchmarks</h3>
      {err(path('benchmarks')) && <p class="field-error">{asSentence(err(path('benchmarks'))!, 'Benchmarks')}</p>}
      {goal.benchmarks.map((b, bi) => {
        const bp = (rest: string) => path(`benchmarks/${bi}/${rest}`);
        return (
          <fieldset key={b.key || bi} class="fieldset fieldset--inner">
            <legend>
              Benchmark {bi + 1} of goal {gi + 1}: {b.kind === 'gas' ? 'goal attainment scale' : 'questionnaire target'}
            </legend>
            {b.kind === 'questionnaire' ? (
              <div class="row row--3">
                <SelectField
                  label="Questionnaire"
                  name={`goals-${gi}-b-${bi}-instrument`}
                  value={b.instrument}
                  onInput={(v) => update((g) => (g.benchmarks[bi].instrument = v))}
                  error={err(bp('instrument'))}
                  options={instrumentOptions.some((o) => o.value === b.instrument) ? instrumentOptions : [...instrumentOptions, { value: b.instrument, label: b.instrument }]}
                />
                <SelectField
                  label="Total score must be"
                  name={`goals-${gi}-b-${bi}-comparator`}
                  value={b.comparator}
                  onInput={(v) => update((g) => (g.benchmarks[bi].comparator = v as Comparator))}
                  error={err(bp('comparator'))}
                  options={(Object.keys(comparatorLabels) as Comparator[]).map((c) => ({ value: c, label: comparatorLabels[c] }))}
                />
                <Field
                  label="Target score"
                  name={`goals-${gi}-b-${bi}-target`}
                  type="number"
                  inputMode="decimal"
                  required
                  value={b.target}
                  onInput={(v) => update((g) => (g.benchmarks[bi].target = v))}
                  error={err(bp('target'))}
                />
              </div>
            ) : (
              <>
                {err(bp('levels')) && <p class="field-error">{asSentence(err(bp('levels'))!, 'Levels')}</p>}
                {b.levels.map((text, li) => (
                  <Field
                    key={li}
                    label={`Level ${gasLevelNames[li]}: ${gasLevelMeanings[li]}`}
                    name={`goals-${gi}-b-${bi}-level-${li}`}
                    required
                    value={text}
                    onInput={(v) => update((g) => (g.benchmarks[bi].levels[li] = v))}
                    error={err(bp(`levels/${li}`))}
                  />
                ))}
                <Field
                  label="Weight"
                  name={`goals-${gi}-b-${bi}-weight`}
                  type="number"
                  inputMode="decimal"
                  hint="How much this scale counts in the GAS T-score; 1 unless some goals matter more."
                  required
                  value={b.weight}
                  onInput={(v) => update((g) => (g.benchmarks[bi].weight = v))}
                  error={err(bp('weight'))}
                />
              </>
            )}
            <button class="button button--small button--quiet" type="button" onClick={() => update((g) => g.benchmarks.splice(bi, 1))}>
              Remove benchmark {bi + 1} of goal {gi + 1}
            </button>
          </fieldset>
        );
      })}
      <div class="actions">
        <button
          class="button button--small"
          type="button"
          onClick={() =>
            update((g) =>
              g.benchmarks.push({ key: newKey('b'), kind: 'questionnaire', instrument: '', comparator: 'below', target: '', weight: '1', levels: ['', '', '', '', ''] }),
            )
          }
        >
          Add a questionnaire target<span class="visually-hidden"> to goal {gi + 1}</span>
        </button>
        <button
          class="button button--small"
          type="button"
          onClick={() =>
            update((g) => g.benchmarks.push({ key: newKey('b'), kind: 'gas', instrument: '', comparator: 'below', target: '', weight: '1', levels: ['', '', '', '', ''] }))
          }
        >
          Add a goal attainment scale<span class="visually-hidden"> to goal {gi + 1}</span>
        </button>
      </div>
    </>
  );
}

function InterventionsEditor({ goal, gi, err, update, newKey }: GoalPartProps) {
  const path = (rest: string) => `goals/${gi}/${rest}`;
  return (
    <>
      <h3>Interventions</h3>
      {goal.interventions.map((iv, ii) => (
        <div key={iv.key || ii} class="row row--item">
          <Field
            label={`What we will do (${ii + 1})`}
            name={`goals-${gi}-i-${ii}-description`}
            required
            value={iv.description}
            onInput={(v) => update((g) => (g.interventions[ii].description = v))}
            error={err(path(`interventions/${ii}/description`))}
          />
          <Field
            label={`Approach (${ii + 1})`}
            name={`goals-${gi}-i-${ii}-approach`}
            hint="For example CBT, behavioural activation, graded exposure."
            value={iv.approach}
            onInput={(v) => update((g) => (g.interventions[ii].approach = v))}
            error={err(path(`interventions/${ii}/approach`))}
          />
          <button class="button button--small button--quiet" type="button" onClick={() => update((g) => g.interventions.splice(ii, 1))}>
            Remove intervention {ii + 1}<span class="visually-hidden"> of goal {gi + 1}</span>
          </button>
        </div>
      ))}
      <div>
        <button class="button button--small" type="button" onClick={() => update((g) => g.interventions.push({ key: newKey('i'), description: '', approach: '' }))}>
          Add an intervention<span class="visually-hidden"> to goal {gi + 1}</span>
        </button>
      </div>
    </>
  );
}

function HomeworkEditor({ goal, gi, err, update, newKey, clientName }: GoalPartProps & { clientName: string }) {
  const path = (rest: string) => `goals/${gi}/${rest}`;
  return (
    <>
      <h3>Homework</h3>
      {goal.homework.map((h, hi) => (
        <div key={h.key || hi} class="row row--item">
          <Field
            label={`Homework task (${hi + 1})`}
            name={`goals-${gi}-h-${hi}-description`}
            required
            value={h.description}
            onInput={(v) => update((g) => (g.homework[hi].description = v))}
            error={err(path(`homework/${hi}/description`))}
          />
          <Field
            label={`Homework due date (${hi + 1})`}
            name={`goals-${gi}-h-${hi}-due`}
            type="date"
            required
            value={h.due_date}
            onInput={(v) => update((g) => (g.homework[hi].due_date = v))}
            error={err(path(`homework/${hi}/due_date`))}
          />
          <div class="row__full">
            <TextAreaField
              label="How a parent or carer helps"
              name={`goals-${gi}-h-${hi}-caregiver-support`}
              rows={2}
              maxLength={1000}
              hint={`For example “Do the breathing together after the bath, and praise trying.” Parents and carers can check in on it when homework is shared with them. Leave it empty when the homework is ${clientName}'s own.`}
              value={h.caregiver_support}
              onInput={(v) => update((g) => (g.homework[hi].caregiver_support = v))}
              error={err(path(`homework/${hi}/caregiver_support`))}
            />
          </div>
          <button class="button button--small button--quiet" type="button" onClick={() => update((g) => g.homework.splice(hi, 1))}>
            Remove homework {hi + 1}<span class="visually-hidden"> of goal {gi + 1}</span>
          </button>
        </div>
      ))}
      <div>
        <button class="button button--small" type="button" onClick={() => update((g) => g.homework.push({ key: newKey('h'), description: '', due_date: '', caregiver_support: '' }))}>
          Add homework<span class="visually-hidden"> to goal {gi + 1}</span>
        </button>
      </div>
    </>
  );
}
