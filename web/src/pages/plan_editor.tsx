// The care team's editor for a draft version: every part of the plan's content, saved as a
// whole, as the therapist goes (after a pause in typing, on leaving a field, when the page is
// hidden or left) and whenever they ask. The server validates; its field errors
// ("goals/0/benchmarks/0/target") are shown beside the field they name. New items get their keys
// here, the next never used in the plan's history (as the server would choose), so a goal can
// address a problem added in the same edit.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asSentence } from '../api';
import type { AppContext } from '../main';
import { planApi, saveDraftOnLeave, type Comparator, type InstrumentSummary, type PlanContent, type PlanOverview, type PlanVersion, type ProblemStatus } from '../plan_api';
import { comparatorLabels, gasLevelMeanings, gasLevelNames, normalizeContent, problemStatusLabels, shortText, usedKeyNumbers, versionStatusLabel } from '../plan_words';
import { navigate, setLeaveGuard } from '../router';
import { Alert, CheckboxField, Field, Loading, PageTitle, SelectField, TextAreaField, useLoad } from '../ui';

interface EditBenchmark {
  key: string;
  kind: 'questionnaire' | 'gas';
  instrument: string;
  comparator: Comparator;
  target: string;
  weight: string;
  levels: string[];
}

interface EditGoal {
  key: string;
  problem_key: string;
  description: string;
  due_date: string;
  benchmarks: EditBenchmark[];
  interventions: { key: string; description: string; approach: string }[];
  // caregiver_support: '' when the homework is the client's own.
  homework: { key: string; description: string; due_date: string; caregiver_support: string }[];
  confidential: boolean;
}

interface EditContent {
  summary: string;
  problems: { key: string; client_words: string; formulation: string; diagnosis: string; status: ProblemStatus; confidential: boolean }[];
  order_agreed: boolean;
  agreed_order: string[];
  goals: EditGoal[];
  guardian: PlanContent['guardian'];
}

function toEdit(c: PlanContent): EditContent {
  return {
    summary: c.summary,
    problems: c.problems.map((p) => ({
      key: p.key ?? '',
      client_words: p.client_words,
      formulation: p.formulation ?? '',
      diagnosis: p.diagnosis ?? '',
      status: p.status,
      confidential: !!p.confidential,
    })),
    order_agreed: c.agreed_order.length > 0,
    agreed_order: [...c.agreed_order],
    goals: c.goals.map((g) => ({
      key: g.key ?? '',
      problem_key: g.problem_key,
      description: g.description,
      due_date: g.due_date,
      benchmarks: g.benchmarks.map((b) =>
        b.kind === 'gas'
          ? { key: b.key ?? '', kind: 'gas', instrument: '', comparator: 'below', target: '', weight: String(b.weight), levels: [...b.levels, '', '', '', '', ''].slice(0, 5) }
          : { key: b.key ?? '', kind: 'questionnaire', instrument: b.instrument, comparator: b.comparator, target: String(b.target), weight: '1', levels: ['', '', '', '', ''] },
      ),
      interventions: g.interventions.map((i) => ({ key: i.key ?? '', description: i.description, approach: i.approach ?? '' })),
      homework: g.homework.map((h) => ({ key: h.key ?? '', description: h.description, due_date: h.due_date, caregiver_support: h.caregiver_support ?? '' })),
      confidential: !!g.confidential,
    })),
    guardian: { ...c.guardian },
  };
}

function fullOrderOf(e: EditContent): string[] {
  const keys = e.problems.map((p) => p.key).filter(Boolean);
  const ordered = e.agreed_order.filter((k, i) => keys.includes(k) && e.agreed_order.indexOf(k) === i);
  return [...ordered, ...keys.filter((k) => !ordered.includes(k))];
}

// The content to send, or the fields that are not numbers (which JSON could not carry as such).
function fromEdit(e: EditContent): { content?: PlanContent; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const num = (text: string, path: string) => {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(n)) errors[path] = 'must be a number';
    return n;
  };
  const content: PlanContent = {
    summary: e.summary.trim(),
    problems: e.problems.map((p) => ({
      ...(p.key ? { key: p.key } : {}),
      client_words: p.client_words.trim(),
      formulation: p.formulation.trim(),
      diagnosis: p.diagnosis.trim(),
      status: p.status,
      // Sent only when set: a plan without private items reads (and is signed) as it always did.
      ...(p.confidential ? { confidential: true } : {}),
    })),
    // As shown: the order as arranged, then problems added since, in the order they were added.
    agreed_order: e.order_agreed ? fullOrderOf(e) : [],
    goals: e.goals.map((g, gi) => ({
      ...(g.key ? { key: g.key } : {}),
      problem_key: g.problem_key,
      description: g.description.trim(),
      due_date: g.due_date,
      benchmarks: g.benchmarks.map((b, bi) =>
        b.kind === 'gas'
          ? { ...(b.key ? { key: b.key } : {}), kind: 'gas' as const, weight: num(b.weight, `goals/${gi}/benchmarks/${bi}/weight`), levels: b.levels.map((l) => l.trim()) }
          : {
              ...(b.key ? { key: b.key } : {}),
              kind: 'questionnaire' as const,
              instrument: b.instrument,
              comparator: b.comparator,
              target: num(b.target, `goals/${gi}/benchmarks/${bi}/target`),
            },
      ),
      interventions: g.interventions.map((i) => ({ ...(i.key ? { key: i.key } : {}), description: i.description.trim(), approach: i.approach.trim() })),
      homework: g.homework.map((h) => ({
        ...(h.key ? { key: h.key } : {}),
        description: h.description.trim(),
        due_date: h.due_date,
        // Sent only when written: homework without it is the client's own, and reads (and is
        // signed) as it always did.
        ...(h.caregiver_support.trim() ? { caregiver_support: h.caregiver_support.trim() } : {}),
      })),
      ...(g.confidential ? { confidential: true } : {}),
    })),
    guardian: { ...e.guardian },
  };
  return Object.keys(errors).length ? { errors } : { content, errors };
}

interface EditorData {
  overview: PlanOverview;
  version: PlanVersion;
  history: PlanContent[];
  instruments: InstrumentSummary[];
}

async function loadEditor(episodeId: number, n: number): Promise<EditorData> {
  const [overview, version, instruments] = await Promise.all([
    planApi.overview(episodeId),
    planApi.version(episodeId, n),
    planApi.instruments().catch(() => [] as InstrumentSummary[]),
  ]);
  const others = overview.versions.filter((v) => v.number !== n);
  const history = await Promise.all(others.map((v) => planApi.version(episodeId, v.number).then((x) => normalizeContent(x.content)).catch(() => normalizeContent(null))));
  return { overview, version: { ...version, content: normalizeContent(version.content) }, history, instruments };
}

export function PlanEditorPage({ episodeId, number }: { ctx: AppContext; episodeId: number; number: number }) {
  const data = useLoad(() => loadEditor(episodeId, number), [episodeId, number]);
  if (data.loading && !data.data) return <Loading what="the draft" />;
  if (data.error) {
    return (
      <div class="page">
        <PageTitle title="Edit plan">Edit plan</PageTitle>
        <Alert>{data.error.status === 404 ? 'This version does not exist or is not on your caseload.' : data.error.message}</Alert>
        <p>
          <a href={`/episodes/${episodeId}/plan`}>Back to the plan</a>
        </p>
      </div>
    );
  }
  const { overview, version } = data.data!;
  if (!overview.may_edit || version.status !== 'draft') {
    return (
      <div class="page">
        <PageTitle title="Edit plan">Version {number} cannot be edited</PageTitle>
        <Alert>
          Version {number} is {versionStatusLabel(version.status).toLowerCase()}
          {overview.may_edit ? '. Only a draft can change: start a new draft from the plan page to revise it.' : '. Only the care team edits drafts.'}
        </Alert>
        <p>
          <a href={`/episodes/${episodeId}/plan`}>Back to the plan</a>
        </p>
      </div>
    );
  }
  return <Editor data={data.data!} episodeId={episodeId} />;
}

// Typing must pause this long before the draft is saved.
const kSaveAfterMs = 1500;
// A save that could not reach the server is tried again after this long.
const kRetryAfterMs = 10_000;
const kLeaveQuestion = 'Your latest changes to this draft are not saved yet. Leave this page anyway?';
const clockTime = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

// Why a save happens: a pause in typing or a field left ('auto'), the page being hidden or left
// ('hidden'), the page closing ('unload'), or the therapist's own Save or Propose.
type SaveMode = 'auto' | 'hidden' | 'unload' | 'button' | 'propose';

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: string } | { kind: 'failed'; reason: string };

function saveStateText(state: SaveState): string {
  switch (state.kind) {
    case 'saving':
      return 'Saving…';
    case 'saved':
      return `Draft saved at ${clockTime.format(new Date(state.at))}`;
    case 'failed':
      return `Not saved: ${state.reason}`;
    default:
      return '';
  }
}

function Editor({ data, episodeId }: { data: EditorData; episodeId: number }) {
  const { overview, instruments } = data;
  const [version, setVersion] = useState(data.version);
  const [model, setModel] = useState<EditContent>(() => toEdit(data.version.content));
  const counters = useRef<Record<string, number>>(usedKeyNumbers([...data.history, data.version.content]));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const marked = useRef(errors);
  marked.current = errors;
  const [failure, setFailure] = useState<string>();
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'idle' });
  // Set when a save the therapist asked for was turned down: the reasons are then summed up beside
  // the buttons until a save succeeds, and focus moves there once.
  const [summarised, setSummarised] = useState(false);
  const [focusSummary, setFocusSummary] = useState(0);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const n = version.number;

  // The content as last shown, for saves that a timer or the page's events start.
  const latest = useRef(model);
  latest.current = model;
  // The content as it was when last saved, and as it was when the server last turned it down (not
  // sent again until it changes).
  const savedAs = useRef<string | null>(null);
  savedAs.current ??= JSON.stringify(model);
  const refusedAs = useRef<string | null>(null);
  // Saves go one after another, so that an older one never lands after a newer one.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const pending = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  const shown = useRef(true);
  // Set once the draft is proposed: it can no longer change.
  const proposed = useRef(false);

  const unsaved = () => !proposed.current && (pending.current > 0 || JSON.stringify(latest.current) !== savedAs.current);

  useEffect(() => {
    if (!focusSummary) return;
    // From the button that asked (or from nowhere), never out of a field the therapist has
    // already moved into: the effect can run a moment after the refusal was drawn.
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.matches('input, textarea, select')) return;
    summaryRef.current?.focus();
  }, [focusSummary]);

  const newKey = (letter: 'p' | 'g' | 'b' | 'i' | 'h') => {
    counters.current[letter] = (counters.current[letter] ?? 0) + 1;
    return `${letter}${counters.current[letter]}`;
  };
  const update = (f: (m: EditContent) => EditContent) => {
    setModel((m) => f(structuredClone(m)));
  };
  const err = (path: string) => errors[path];

  // What the server (or the editor itself) turned down: beside the fields it names, in the status
  // line, and for a save the therapist asked for, summed up beside the buttons. A save the page
  // started itself only updates the marks already shown: a draft is often unfinished, and a new
  // mark appearing would move the page under the therapist's pointer as they reach for a button.
  function refused(error: ApiError, asked: boolean) {
    if (!shown.current) return;
    const map: Record<string, string> = {};
    for (const f of error.fields) map[f.field.replace(/^content\//, '')] = f.message;
    const shownMarks = asked ? map : Object.fromEntries(Object.entries(map).filter(([p]) => p in marked.current));
    // Not reaching the server says nothing of the fields: what is marked stays marked.
    if (error.status !== 0) setErrors(shownMarks);
    setFailure(error.fields.length ? undefined : error.message);
    const reason = !error.fields.length
      ? error.message
      : Object.keys(shownMarks).length
        ? 'please correct the marked fields.'
        : 'the draft is not finished yet. Save draft marks what is missing.';
    setSaveState({ kind: 'failed', reason });
    if (asked) {
      setSummarised(true);
      setFocusSummary((k) => k + 1);
    }
  }

  async function saveNow(mode: SaveMode): Promise<void> {
    if (proposed.current) return;
    const asked = mode === 'button' || mode === 'propose';
    const edited = latest.current;
    const snapshot = JSON.stringify(edited);
    if (!asked && (snapshot === savedAs.current || snapshot === refusedAs.current)) return;
    const { content, errors: local } = fromEdit(edited);
    if (!content) {
      refusedAs.current = snapshot;
      refused(new ApiError(400, '', Object.entries(local).map(([field, message]) => ({ field, message }))), asked);
      return;
    }
    if (shown.current) {
      setSaveState({ kind: 'saving' });
      if (asked) setBusy(true);
    }
    try {
      let v: PlanVersion;
      try {
        v = mode === 'hidden' || mode === 'unload' ? await saveDraftOnLeave(episodeId, n, content) : await planApi.saveDraft(episodeId, n, content);
      } catch (e) {
        const error = e instanceof ApiError ? e : new ApiError(0, String(e));
        if (error.fields.length) {
          refusedAs.current = snapshot;
        } else if (shown.current && error.status === 0) {
          // Not reached: tried again in a while, and whenever the draft changes.
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => void persist('auto'), kRetryAfterMs);
        }
        refused(error, asked);
        return;
      }
      savedAs.current = snapshot;
      refusedAs.current = null;
      const normalized = { ...v, content: normalizeContent(v.content) };
      counters.current = usedKeyNumbers([...data.history, normalized.content, content]);
      if (!shown.current) return;
      setVersion(normalized);
      setErrors({});
      setFailure(undefined);
      setSummarised(false);
      setSaveState({ kind: 'saved', at: v.updated_at });
      // Asked to save, the editor shows the draft as stored, unless the therapist typed on meanwhile.
      if (asked && latest.current === edited) {
        const stored = toEdit(normalized.content);
        latest.current = stored;
        savedAs.current = JSON.stringify(stored);
        setModel(stored);
      }
      if (mode === 'propose') {
        try {
          await planApi.propose(episodeId, n);
        } catch (e) {
          refused(e instanceof ApiError ? e : new ApiError(0, String(e)), true);
          setSaveState({ kind: 'saved', at: v.updated_at });
          return;
        }
        proposed.current = true;
        navigate(`/episodes/${episodeId}/plan`);
      }
    } finally {
      if (asked && shown.current) setBusy(false);
    }
  }

  // Saves the draft after any save already on its way. A save the page itself starts only sends
  // what changed since the last one; the therapist's Save always sends.
  function persist(mode: SaveMode): Promise<void> {
    window.clearTimeout(timer.current);
    const snapshot = JSON.stringify(latest.current);
    if (mode !== 'button' && mode !== 'propose' && (snapshot === savedAs.current || snapshot === refusedAs.current)) return queue.current;
    // A closing page cannot wait for a save on its way: this one goes at once.
    if (mode === 'unload') return saveNow(mode);
    pending.current += 1;
    const next = queue.current
      .then(() => saveNow(mode))
      .catch((e: unknown) => refused(new ApiError(0, String(e)), mode === 'button' || mode === 'propose'))
      .finally(() => {
        pending.current -= 1;
      });
    queue.current = next;
    return next;
  }

  // A pause in typing saves the draft.
  useEffect(() => {
    if (JSON.stringify(model) === savedAs.current) return;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void persist('auto'), kSaveAfterMs);
  }, [model]);

  // Leaving saves what is not saved yet. Before going elsewhere in the app, or closing or
  // reloading the tab, with changes not yet saved, the therapist is asked to confirm.
  useEffect(() => {
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') void persist('hidden');
    };
    const onPageHide = () => void persist('unload');
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!unsaved()) return;
      event.preventDefault();
      event.returnValue = '';
    };
    document.addEventListener('visibilitychange', onVisibility);
    addEventListener('pagehide', onPageHide);
    addEventListener('beforeunload', onBeforeUnload);
    setLeaveGuard(() => !unsaved() || window.confirm(kLeaveQuestion));
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      removeEventListener('pagehide', onPageHide);
      removeEventListener('beforeunload', onBeforeUnload);
      setLeaveGuard(null);
      shown.current = false;
      window.clearTimeout(timer.current);
      void persist('hidden');
    };
  }, []);

  function save(then?: 'propose') {
    if (busy) return;
    void persist(then ?? 'button');
  }

  const shownPaths = new Set<string>(['summary', 'agreed_order']);
  model.problems.forEach((_, i) => ['client_words', 'formulation', 'diagnosis', 'status', 'confidential'].forEach((f) => shownPaths.add(`problems/${i}/${f}`)));
  model.agreed_order.forEach((_, i) => shownPaths.add(`agreed_order/${i}`));
  model.goals.forEach((g, gi) => {
    ['problem_key', 'description', 'due_date', 'benchmarks', 'interventions', 'homework', 'confidential'].forEach((f) => shownPaths.add(`goals/${gi}/${f}`));
    g.benchmarks.forEach((_, bi) =>
      ['kind', 'instrument', 'comparator', 'target', 'weight', 'levels', 'levels/0', 'levels/1', 'levels/2', 'levels/3', 'levels/4'].forEach((f) =>
        shownPaths.add(`goals/${gi}/benchmarks/${bi}/${f}`),
      ),
    );
    g.interventions.forEach((_, ii) => ['description', 'approach'].forEach((f) => shownPaths.add(`goals/${gi}/interventions/${ii}/${f}`)));
    g.homework.forEach((_, hi) => ['description', 'due_date', 'caregiver_support'].forEach((f) => shownPaths.add(`goals/${gi}/homework/${hi}/${f}`)));
  });
  const orphaned = Object.entries(errors).filter(([p]) => !shownPaths.has(p));
  const problemOptions = model.problems.map((p, i) => ({ value: p.key, label: `${p.key || `new ${i + 1}`}: ${shortText(p.client_words || '(no words yet)', 50)}` }));
  const fullOrder = fullOrderOf(model);

  return (
    <div class="page plan-editor">
      <p class="breadcrumb">
        <a href="/">Caseload</a> <span aria-hidden="true">›</span> <a href={`/clients/${overview.client.id}`}>{overview.client.name}</a>{' '}
        <span aria-hidden="true">›</span> <a href={`/episodes/${episodeId}/plan`}>Treatment plan</a>
      </p>
      <PageTitle title={`Edit draft version ${n}`}>Draft version {n} for {overview.client.name}</PageTitle>
      <p class="lede">
        Nothing here is shown to {overview.client.name} for agreement until you propose it. Your changes are saved as a draft as you go.
      </p>
      <form
        class="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
        onFocusOut={() => void persist('auto')}
      >
        <section class="card plan-section" aria-labelledby="edit-summary">
          <h2 id="edit-summary">Summary</h2>
          <TextAreaField
            label="The plan in plain words"
            name="summary"
            rows={4}
            hint="What you will work on together and how, written for the client."
            value={model.summary}
            onInput={(v) => update((m) => ({ ...m, summary: v }))}
            error={err('summary')}
          />
        </section>

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
              clientName={overview.client.name}
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

        <section class="card plan-section" aria-labelledby="edit-sharing">
          <h2 id="edit-sharing">Sharing with guardians</h2>
          <p class="muted small">
            Only when the clinic shares plans with guardians at all. Thought records and rating notes are never shared, nor are problems and goals kept
            private above.
          </p>
          <CheckboxField label="Guardians may see the problems" name="guardian_problems" checked={model.guardian.problems} onChange={(c) => update((m) => (m.guardian.problems = c, m))} />
          <CheckboxField label="Guardians may see the goals and progress" name="guardian_goals" checked={model.guardian.goals} onChange={(c) => update((m) => (m.guardian.goals = c, m))} />
          <CheckboxField
            label="Guardians may see interventions and homework"
            name="guardian_homework"
            checked={model.guardian.homework}
            onChange={(c) => update((m) => (m.guardian.homework = c, m))}
          />
          <CheckboxField
            label="Ask a guardian to agree as well"
            name="guardian_ask"
            checked={model.guardian.ask_agreement}
            onChange={(c) => update((m) => (m.guardian.ask_agreement = c, m))}
          />
        </section>

        <div class="card editor-actions" tabIndex={-1} ref={summaryRef}>
          {summarised && failure && <Alert>{failure}</Alert>}
          {!failure && (summarised || orphaned.length > 0) && Object.keys(errors).length > 0 && (
            <Alert>
              <p>Please correct the fields marked above.</p>
              {orphaned.length > 0 && (
                <ul>
                  {orphaned.map(([p, message]) => (
                    <li key={p}>{asSentence(message, p)}</li>
                  ))}
                </ul>
              )}
            </Alert>
          )}
          <p class="hint" id="editor-save-state" role="status" aria-live="polite">
            {saveStateText(saveState)}
          </p>
          <div class="actions">
            <button class="button button--primary" type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save draft'}
            </button>
            <button class="button" type="button" disabled={busy} aria-describedby="editor-propose-means" onClick={() => save('propose')}>
              Save and propose to client
            </button>
            <a class="button button--quiet" href={`/episodes/${episodeId}/plan`}>
              Back to the plan
            </a>
          </div>
          <p class="hint" id="editor-propose-means">
            Proposing signs version {n} with your name and shows it to {overview.client.name}. It can no longer be edited after that.
          </p>
        </div>
      </form>
    </div>
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
  err: (path: string) => string | undefined;
  update: (f: (g: EditGoal) => void) => void;
  remove: () => void;
  newKey: (letter: 'p' | 'g' | 'b' | 'i' | 'h') => string;
  clientName: string;
}) {
  const gi = index;
  const path = (rest: string) => `goals/${gi}/${rest}`;
  const instrumentOptions = [
    { value: '', label: 'Choose a questionnaire' },
    ...instruments.map((q) => ({ value: q.code, label: q.title && q.title !== q.code ? `${q.code} — ${q.title}` : q.code })),
  ];
  const goalName = `Goal ${gi + 1}`;
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
      <button class="button button--small button--quiet" type="button" onClick={remove}>
        Remove goal {gi + 1}
      </button>
    </fieldset>
  );
}
