// The draft's problems, in the client's words and the therapist's formulation, and the order of
// them that client and therapist agreed.
import { asSentence } from '../api';
import type { PlanOverview, ProblemStatus } from '../plan_api';
import { problemStatusLabels, shortText } from '../plan_words';
import { CheckboxField, Field, SelectField, TextAreaField } from '../ui';
import { fullOrderOf, type EditContent, type ErrorAt, type KeyLetter, type UpdateDraft } from './plan_editor_model';

export function ProblemsEditor({
  model,
  err,
  update,
  newKey,
}: {
  model: EditContent;
  err: ErrorAt;
  update: UpdateDraft;
  newKey: (letter: KeyLetter) => string;
}) {
  return (
    <section class="card plan-section" aria-labelledby="edit-problems">
      <h2 id="edit-problems">Problems</h2>
      {err('problems') && <p class="field-error">{asSentence(err('problems')!, 'Problems')}</p>}
      {model.problems.length === 0 && <p class="muted">No problems yet.</p>}
      {model.problems.map((p, i) => (
        <fieldset key={p.key || i} class="fieldset">
          <legend>
            Problem {i + 1}
            {p.key ? <span class="muted"> ({p.key})</span> : null}
          </legend>
          <TextAreaField
            label="In the client's own words"
            name={`problems-${i}-client_words`}
            required
            value={p.client_words}
            onInput={(v) => update((m) => (m.problems[i].client_words = v, m))}
            error={err(`problems/${i}/client_words`)}
          />
          <TextAreaField
            label="Your formulation"
            name={`problems-${i}-formulation`}
            value={p.formulation}
            onInput={(v) => update((m) => (m.problems[i].formulation = v, m))}
            error={err(`problems/${i}/formulation`)}
          />
          <div class="row">
            <Field
              label="Diagnosis (free text or ICD code)"
              name={`problems-${i}-diagnosis`}
              value={p.diagnosis}
              onInput={(v) => update((m) => (m.problems[i].diagnosis = v, m))}
              error={err(`problems/${i}/diagnosis`)}
            />
            <SelectField
              label="Problem status"
              name={`problems-${i}-status`}
              value={p.status}
              onInput={(v) => update((m) => (m.problems[i].status = v as ProblemStatus, m))}
              error={err(`problems/${i}/status`)}
              options={(['active', 'resolved', 'deferred'] as const).map((s) => ({ value: s, label: problemStatusLabels[s] }))}
            />
          </div>
          <CheckboxField
            label="Keep private from parents and carers"
            name={`problems-${i}-confidential`}
            checked={p.confidential}
            onChange={(c) => update((m) => (m.problems[i].confidential = c, m))}
            hint="No parent or carer sees this problem or its goals, unless you later share it for safety."
          />
          <button
            class="button button--small button--quiet"
            type="button"
            onClick={() => update((m) => ({ ...m, problems: m.problems.filter((_, j) => j !== i), agreed_order: m.agreed_order.filter((k) => k !== p.key) }))}
          >
            Remove problem {i + 1}
          </button>
        </fieldset>
      ))}
      <button
        class="button"
        type="button"
        onClick={() =>
          update((m) => ({ ...m, problems: [...m.problems, { key: newKey('p'), client_words: '', formulation: '', diagnosis: '', status: 'active', confidential: false }] }))
        }
      >
        Add a problem
      </button>
    </section>
  );
}

export function AgreedOrderEditor({ model, overview, err, update }: { model: EditContent; overview: PlanOverview; err: ErrorAt; update: UpdateDraft }) {
  const fullOrder = fullOrderOf(model);
  return (
    <section class="card plan-section" aria-labelledby="edit-order">
      <h2 id="edit-order">Agreed order</h2>
      <CheckboxField
        label="We have agreed the order of the problems"
        name="order_agreed"
        checked={model.order_agreed}
        onChange={(checked) => update((m) => ({ ...m, order_agreed: checked, agreed_order: checked ? fullOrder : m.agreed_order }))}
      />
      {err('agreed_order') && <p class="field-error">{asSentence(err('agreed_order')!, 'Agreed order')}</p>}
      {model.order_agreed && (
        <>
          <div class="actions">
            {overview.rankings.client && (
              <button class="button button--small" type="button" onClick={() => update((m) => ({ ...m, agreed_order: [...overview.rankings.client!] }))}>
                Use {overview.client.name}'s order
              </button>
            )}
            {overview.rankings.therapist && (
              <button class="button button--small" type="button" onClick={() => update((m) => ({ ...m, agreed_order: [...overview.rankings.therapist!] }))}>
                Use your order
              </button>
            )}
          </div>
          <ol class="ranking__list">
            {fullOrder.map((k, i) => {
              const name = shortText(model.problems.find((p) => p.key === k)?.client_words || k);
              const move = (by: number) =>
                update((m) => {
                  const next = [...fullOrder];
                  next.splice(i, 1);
                  next.splice(i + by, 0, k);
                  return { ...m, agreed_order: next };
                });
              return (
                <li key={k} class="ranking__item">
                  <span class="ranking__text">
                    {name}
                    {err(`agreed_order/${i}`) && <span class="field-error"> {asSentence(err(`agreed_order/${i}`)!)}</span>}
                  </span>
                  <span class="ranking__buttons">
                    <button class="button button--small" type="button" aria-label={`Move '${name}' up`} disabled={i === 0} onClick={() => move(-1)}>
                      <span aria-hidden="true">↑</span>
                    </button>
                    <button class="button button--small" type="button" aria-label={`Move '${name}' down`} disabled={i === fullOrder.length - 1} onClick={() => move(1)}>
                      <span aria-hidden="true">↓</span>
                    </button>
                  </span>
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}
