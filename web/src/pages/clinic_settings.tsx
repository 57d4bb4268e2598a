// The clinic's settings as an administrator changes them: whether guardians may see more than a
// child's appointments at all, whether feedback links may be sent, and how often an agreed
// treatment plan falls due for review (after so many sessions or so many days, whichever comes
// first), and the age under which a client may have guardians without a recorded exception, and how
// much notice a client is asked to give to cancel or move an appointment, and whether matching
// leans on the clinic's own outcomes (and from how many ended episodes a therapist's outcomes
// count), and whether clients may read their signed session notes and which template new notes are
// written in, and the course of therapy's timings: when the Fit Check is sent after the first
// session, how long a rupture may wait for its repair note before the supervisor sees it, and after
// how many days without contact the therapist is asked to follow up; and the ages at which a young
// person counts as an adolescent and consents for themself, with what parents and carers see of the
// record at each age unless the care team chooses otherwise for one of them.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asSentence, request } from '../api';
import { kBandLabels, kSectionLabels, kSections, type Section } from '../family_api';
import { notesApi, type NoteTemplate, type NoteTemplates } from '../notes_api';
import type { Schemas } from '../schema';
import { Alert, CheckboxField, Field, Loading, RadioGroup, useLoad } from '../ui';

export type ClinicSettings = Schemas['ClinicSettings'];
type ClinicSettingsChange = Schemas['ClinicSettingsChange'];

// The bands under the age of majority whose parents and carers the policy speaks for.
const kPolicyBands = ['child', 'adolescent', 'consenting_minor'] as const;
type PolicyBand = (typeof kPolicyBands)[number];
export type GuardianPolicy = ClinicSettings['guardian_policy'];

// The server's defaults, the policy's state until the settings arrive (the form shows only then).
const kDefaultPolicy: GuardianPolicy = {
  child: { appointments: true, plan: true, measures: true, messages: true, summaries: true },
  adolescent: { appointments: true, plan: true, measures: true, messages: false, summaries: true },
  consenting_minor: { appointments: true, plan: false, measures: false, messages: false, summaries: false },
};

// Short names for the table's rows; the column headers and each box's own label name the band.
const kPolicyRowLabels: Record<Section, string> = {
  appointments: 'Appointments',
  plan: 'Plan',
  measures: 'Questionnaires',
  messages: 'Messages',
  summaries: 'Summary',
};

// Where a long word may break, with a hyphen, in the narrow columns of a phone.
const kSoftHyphen = '\u00ad';
const kBreakable: Record<string, string> = {
  Appointments: `Appoint${kSoftHyphen}ments`,
  Questionnaires: `Question${kSoftHyphen}naires`,
  Adolescent: `Adoles${kSoftHyphen}cent`,
  'Consenting minor': `Con${kSoftHyphen}sent${kSoftHyphen}ing minor`,
};
const breakable = (text: string) => kBreakable[text] ?? text;

const settingsApi = {
  get: () => request<ClinicSettings>('GET', '/clinic/settings'),
  put: (settings: ClinicSettingsChange) => request<ClinicSettings>('PUT', '/clinic/settings', settings),
};

export function ClinicSettingsCard() {
  const loaded = useLoad(settingsApi.get);
  const [share, setShare] = useState(true);
  const [links, setLinks] = useState(true);
  const [sessions, setSessions] = useState('');
  const [days, setDays] = useState('');
  const [majority, setMajority] = useState('');
  const [notice, setNotice] = useState('');
  const [outcomes, setOutcomes] = useState(false);
  const [minEpisodes, setMinEpisodes] = useState('');
  const [notesOpen, setNotesOpen] = useState(false);
  const [fitAfter, setFitAfter] = useState('');
  const [repairWithin, setRepairWithin] = useState('');
  const [noContact, setNoContact] = useState('');
  const [adolescentFrom, setAdolescentFrom] = useState('');
  const [consentAge, setConsentAge] = useState('');
  const [policy, setPolicy] = useState<GuardianPolicy>(kDefaultPolicy);
  // The templates for notes, chosen from beside the setting.
  const templates = useLoad(notesApi.templates);
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const s = loaded.data;
    if (!s) return;
    setShare(s.share_with_guardians);
    setLinks(s.allow_link_feedback);
    setSessions(String(s.plan_review_sessions));
    setDays(String(s.plan_review_days));
    setMajority(String(s.age_of_majority));
    setNotice(String(s.cancel_notice_hours));
    setOutcomes(s.outcome_informed_matching);
    setMinEpisodes(String(s.min_outcome_episodes));
    setNotesOpen(s.clients_may_read_notes);
    setFitAfter(String(s.fit_check_after_hours));
    setRepairWithin(String(s.repair_within_hours));
    setNoContact(String(s.no_contact_after_days));
    setAdolescentFrom(String(s.adolescent_from_age));
    setConsentAge(String(s.minor_consent_age));
    setPolicy(s.guardian_policy);
  }, [loaded.data]);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await settingsApi.put({
        share_with_guardians: share,
        allow_link_feedback: links,
        // Sent as typed: the server names a value out of range beside its field.
        plan_review_sessions: Number(sessions),
        plan_review_days: Number(days),
        age_of_majority: Number(majority),
        cancel_notice_hours: Number(notice),
        outcome_informed_matching: outcomes,
        min_outcome_episodes: Number(minEpisodes),
        clients_may_read_notes: notesOpen,
        fit_check_after_hours: Number(fitAfter),
        repair_within_hours: Number(repairWithin),
        no_contact_after_days: Number(noContact),
        adolescent_from_age: Number(adolescentFrom),
        minor_consent_age: Number(consentAge),
        guardian_policy: policy,
      });
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Clinic settings</h2>
      {loaded.loading && !loaded.data && <Loading what="the settings" />}
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      {loaded.data && (
        <form class="form" noValidate onSubmit={submit}>
          <CheckboxField
            label="Parents and carers may see more than appointments"
            name="share_with_guardians"
            checked={share}
            onChange={setShare}
            hint="What each of them sees follows the table below (and, for the plan, what each plan shares). Without this, every parent and carer sees appointments only."
          />
          <CheckboxField label="Therapists may send feedback links" name="allow_link_feedback" checked={links} onChange={setLinks} />
          <div class="row">
            <Field
              label="Review a plan after this many sessions"
              name="plan_review_sessions"
              type="number"
              inputMode="numeric"
              min={1}
              max={52}
              required
              value={sessions}
              onInput={setSessions}
              error={error?.fieldMessage('plan_review_sessions')}
            />
            <Field
              label="or after this many days"
              name="plan_review_days"
              type="number"
              inputMode="numeric"
              min={1}
              max={730}
              required
              value={days}
              onInput={setDays}
              error={error?.fieldMessage('plan_review_days')}
            />
          </div>
          <Field
            label="Age of majority"
            name="age_of_majority"
            type="number"
            inputMode="numeric"
            min={14}
            max={21}
            required
            hint="Clients under this age may have guardians. An older client has one only with a recorded reason."
            value={majority}
            onInput={setMajority}
            error={error?.fieldMessage('age_of_majority')}
          />
          <fieldset class="fieldset">
            <legend>Young people and their parents or carers</legend>
            <div class="row">
              <Field
                label="Adolescent from the age of"
                name="adolescent_from_age"
                type="number"
                inputMode="numeric"
                min={8}
                max={21}
                required
                hint="From 8 to 21. Younger clients count as children."
                value={adolescentFrom}
                onInput={setAdolescentFrom}
                error={error?.fieldMessage('adolescent_from_age')}
              />
              <Field
                label="Consents for themself from the age of"
                name="minor_consent_age"
                type="number"
                inputMode="numeric"
                min={8}
                max={21}
                required
                hint="From 8 to 21, not above the age of majority. From this age their own consent is recorded, not a parent's."
                value={consentAge}
                onInput={setConsentAge}
                error={error?.fieldMessage('minor_consent_age')}
              />
            </div>
            <GuardianPolicyTable policy={policy} onChange={setPolicy} error={policyError(error)} />
          </fieldset>
          <Field
            label="Notice to cancel or move an appointment, in hours"
            name="cancel_notice_hours"
            type="number"
            inputMode="numeric"
            min={0}
            max={168}
            required
            hint="Clients are told this rule when they ask. Asking later is still possible; the request is marked short notice."
            value={notice}
            onInput={setNotice}
            error={error?.fieldMessage('cancel_notice_hours')}
          />
          <fieldset class="fieldset">
            <legend>Matching clients with therapists</legend>
            <CheckboxField
              label="Use our own outcomes in matching"
              name="outcome_informed_matching"
              checked={outcomes}
              onChange={setOutcomes}
              hint="Among therapists who fit a client about equally well, those whose clients with similar problems have done well come a little earlier. It never overrides fit, and clients never see it."
            />
            <Field
              label="Minimum ended episodes before a therapist's outcomes count"
              name="min_outcome_episodes"
              type="number"
              inputMode="numeric"
              min={3}
              max={200}
              required
              hint="From 3 to 200. Fewer episodes than this, and a therapist has no figures in the outcome report and no outcome lean."
              value={minEpisodes}
              onInput={setMinEpisodes}
              error={error?.fieldMessage('min_outcome_episodes')}
            />
          </fieldset>
          <fieldset class="fieldset">
            <legend>Session notes</legend>
            <CheckboxField
              label="Clients may ask to read their signed session notes"
              name="clients_may_read_notes"
              checked={notesOpen}
              onChange={setNotesOpen}
              hint="Clients then find the notes their therapist has signed, and anything added to them, from their home page. Drafts are never shown."
            />
            {templates.data && <NoteTemplateChoice loaded={templates.data} />}
            {templates.error && <Alert>The note templates could not be loaded: {templates.error.message}</Alert>}
          </fieldset>
          <fieldset class="fieldset">
            <legend>The course of therapy</legend>
            <Field
              label="Send the Fit Check this many hours after the first session"
              name="fit_check_after_hours"
              type="number"
              inputMode="numeric"
              min={1}
              max={336}
              required
              hint="In hours, from 1 to 336 (two weeks). Once, after the first session ends, the client is asked how the work fits them."
              value={fitAfter}
              onInput={setFitAfter}
              error={error?.fieldMessage('fit_check_after_hours')}
            />
            <Field
              label="Time for a repair note after a rupture, in hours"
              name="repair_within_hours"
              type="number"
              inputMode="numeric"
              min={24}
              max={720}
              required
              hint="In hours, from 24 to 720 (30 days). A rupture still without a repair note after this long shows on the therapist's supervisor's overview."
              value={repairWithin}
              onInput={setRepairWithin}
              error={error?.fieldMessage('repair_within_hours')}
            />
            <Field
              label="Ask for a kind follow-up after this many days without contact"
              name="no_contact_after_days"
              type="number"
              inputMode="numeric"
              min={14}
              max={365}
              required
              hint="In days, from 14 to 365. With no session, message or check-in for this long, the therapist is asked to get in touch with the client, kindly."
              value={noContact}
              onInput={setNoContact}
              error={error?.fieldMessage('no_contact_after_days')}
            />
          </fieldset>
          {error && (error.fields.length === 0 || unplaced(error).length > 0) && (
            <Alert>{error.fields.length === 0 ? error.message : unplaced(error).map((f) => asSentence(f.message, f.field.replace(/_/g, ' '))).join(' ')}</Alert>
          )}
          {saved && <Alert kind="success">Settings saved.</Alert>}
          <div>
            <button class="button button--primary" type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

// The fields this card names beside their inputs; any other the server names goes in the alert.
const kPlacedFields = [
  'share_with_guardians',
  'allow_link_feedback',
  'plan_review_sessions',
  'plan_review_days',
  'age_of_majority',
  'cancel_notice_hours',
  'outcome_informed_matching',
  'min_outcome_episodes',
  'clients_may_read_notes',
  'fit_check_after_hours',
  'repair_within_hours',
  'no_contact_after_days',
  'adolescent_from_age',
  'minor_consent_age',
];

function unplaced(error: ApiError) {
  return error.fields.filter((f) => !kPlacedFields.includes(f.field) && !f.field.startsWith('guardian_policy'));
}

function policyError(error: ApiError | undefined): string | undefined {
  const f = error?.fields.find((x) => x.field === 'guardian_policy' || x.field.startsWith('guardian_policy/'));
  return f ? asSentence(f.message) : undefined;
}

// What parents and carers see at each age, as a table: a row per part of the record, a column per
// age band, and in each cell a box labelled with both ("Adolescent: plan"). Wider than a phone, it
// scrolls on its own rather than the page.
function GuardianPolicyTable({ policy, onChange, error }: { policy: GuardianPolicy; onChange: (p: GuardianPolicy) => void; error?: string }) {
  const set = (band: PolicyBand, section: Section, on: boolean) => onChange({ ...policy, [band]: { ...policy[band], [section]: on } });
  return (
    <div class="policy">
      <p class="hint" id="guardian-policy-hint">
        What a parent or carer sees of a young person's record at each age, unless the care team chooses otherwise for them. Messages are
        only ever read, never written. A court order limiting a parent shows them nothing until the care team chooses.
      </p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="What parents and carers see (table)">
        <table class="policy-table" aria-describedby="guardian-policy-hint">
          <caption>What parents and carers see</caption>
          <thead>
            <tr>
              <th scope="col">Part of the record</th>
              {kPolicyBands.map((band) => (
                <th key={band} scope="col">
                  {breakable(kBandLabels[band])}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {kSections.map((section) => (
              <tr key={section}>
                <th scope="row" title={kSectionLabels[section]}>
                  {breakable(kPolicyRowLabels[section])}
                </th>
                {kPolicyBands.map((band) => (
                  <td key={band}>
                    <input
                      type="checkbox"
                      name={`guardian_policy-${band}-${section}`}
                      aria-label={`${kBandLabels[band]}: ${kPolicyRowLabels[section].toLowerCase()}`}
                      checked={policy[band][section]}
                      onChange={(e) => set(band, section, (e.currentTarget as HTMLInputElement).checked)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {error && <p class="field-error">{error}</p>}
    </div>
  );
}

// A template by its name, with its headings when the name does not already give them.
function templateLabel(t: NoteTemplate): string {
  const titles = t.sections.map((s) => s.title);
  return titles.length === 0 || t.name.includes(titles[0]!) ? t.name : `${t.name}: ${titles.join(', ')}`;
}

// The template new notes are written in, saved as soon as it is chosen (not with the settings
// above it): notes already started keep the headings they began with.
function NoteTemplateChoice({ loaded }: { loaded: NoteTemplates }) {
  const [chosen, setChosen] = useState(loaded.clinic_template.code);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string>();
  // Only the answer to the latest choice counts (arrow keys move through the options quickly).
  const latest = useRef(0);
  async function choose(code: string) {
    const template = loaded.templates.find((t) => t.code === code);
    if (!template) return;
    const before = chosen;
    const asked = ++latest.current;
    setChosen(code);
    setStatus('');
    setError(undefined);
    try {
      const saved = await notesApi.setClinicTemplate(template);
      if (asked === latest.current) setStatus(`New session notes now use ${saved.name}. Notes already started keep their own headings.`);
    } catch (err) {
      if (asked !== latest.current) return;
      setChosen(before);
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }
  return (
    <>
      <RadioGroup
        legend="Progress-note template"
        name="note_template"
        value={chosen}
        options={loaded.templates.map((t) => ({ value: t.code, label: templateLabel(t) }))}
        onChange={(code) => void choose(code)}
        hint="The headings a new note is written under. Saved as soon as you choose."
        error={error}
      />
      <p role="status" class="small">
        {status}
      </p>
    </>
  );
}
