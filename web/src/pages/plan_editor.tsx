// The care team's editor for a draft version: every part of the plan's content, saved as a
// whole, as the therapist goes (after a pause in typing, on leaving a field, when the page is
// hidden or left) and whenever they ask. The server validates; its field errors
// ("goals/0/benchmarks/0/target") are shown beside the field they name. New items get their keys
// here, the next never used in the plan's history (as the server would choose), so a goal can
// address a problem added in the same edit.
import { asSentence } from '../api';
import type { AppContext } from '../main';
import { planApi, type InstrumentSummary } from '../plan_api';
import { normalizeContent, versionStatusLabel } from '../plan_words';
import { Alert, CheckboxField, Loading, PageTitle, TextAreaField, useLoad } from '../ui';
import { usePlanDraft, type EditorData, type PlanDraft, type SaveState } from './plan_editor_draft';
import { GoalsEditor } from './plan_editor_goals';
import { orphanedErrors, type EditContent, type UpdateDraft } from './plan_editor_model';
import { AgreedOrderEditor, ProblemsEditor } from './plan_editor_problems';

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

const clockTime = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

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
  const draft = usePlanDraft(data, episodeId);
  const { model, update, err, newKey, save, persist } = draft;
  const n = draft.version.number;

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
        <ProblemsEditor model={model} err={err} update={update} newKey={newKey} />
        <AgreedOrderEditor model={model} overview={overview} err={err} update={update} />
        <GoalsEditor model={model} instruments={instruments} err={err} update={update} newKey={newKey} clientName={overview.client.name} />
        <GuardianSharingEditor model={model} update={update} />
        <EditorActions draft={draft} episodeId={episodeId} clientName={overview.client.name} />
      </form>
    </div>
  );
}

function GuardianSharingEditor({ model, update }: { model: EditContent; update: UpdateDraft }) {
  return (
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
  );
}

// The save state, the buttons, and (after a save the therapist asked for was turned down) why.
function EditorActions({ draft, episodeId, clientName }: { draft: PlanDraft; episodeId: number; clientName: string }) {
  const { summaryRef, summarised, failure, errors, saveState, busy, save } = draft;
  const n = draft.version.number;
  const orphaned = orphanedErrors(draft.model, errors);
  return (
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
        Proposing signs version {n} with your name and shows it to {clientName}. It can no longer be edited after that.
      </p>
    </div>
  );
}
