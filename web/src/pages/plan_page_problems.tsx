// The client's own part in the plan's problems: rewording them, adding new ones, seeing what
// they added to the open draft, and putting the problems in order beside the other side's order.
import { useEffect, useRef, useState } from 'preact/hooks';
import { planApi, type PlanContent, type PlanOverview, type PlanVersion } from '../plan_api';
import { agreementWords, audienceOf, formatTau, problemName, problemsInOrder, shortText, type Reader } from '../plan_words';
import { Alert, TextAreaField } from '../ui';
import { errorText, useAction } from './plan_page_action';

export function EditMyWords({
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
export function NewInDraft({
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

export function AddProblem({ episodeId, therapist, onChanged }: { episodeId: number; therapist: string; onChanged: (message?: string) => void }) {
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

export function RankingSection({
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
