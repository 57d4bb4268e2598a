// What a client is looking for in a therapist, in three parts: what they need (where they live,
// how they would pay, how they would like to meet, languages, times: needs that filter and are
// never loosened without telling them), what they would like (wishes with how much each
// matters: they order the suggestions and never leave anyone out) and how they like to work.
// The client fills it in; an admin may fill it in with them.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError, type Modality } from './api';
import { modalityLabel } from './format';
import {
  matchingApi,
  type Direction,
  type Preferences,
  type PreferencesInput,
  type Structure,
  type Weight,
  type Wish,
} from './matching_api';
import {
  kAgeBands,
  kApproaches,
  kClientDirection,
  kClientStructure,
  kFocusAreas,
  kGenders,
  kJurisdictions,
  kLanguages,
  kModalities,
  kSelfPay,
  kWeights,
  type Term,
} from './matching_words';
import { CheckboxGroup, errorUnder, Field, fieldsUnder, FormErrorSummary, Heading, RadioGroup, SelectField, TextAreaField, useFocusFirstError } from './ui';
import { missingTimes, timePaths, timeRows, weeklyTimes, WeeklyTimesField, type TimeRow } from './weekly_times';

type Pay = 'self-pay' | 'insurer' | 'any';
type WishKey = 'gender' | 'age_band' | 'cultural_background' | 'faith' | 'approach';

export interface PreferencesDraft {
  jurisdiction: string;
  pay: Pay;
  insurer: string;
  modalities: Modality[];
  languages: string[];
  times: TimeRow[];
  focus_areas: string[];
  focus_weight: Weight;
  gender: Wish;
  age_band: Wish;
  cultural_background: Wish;
  faith: Wish;
  lgbtq_affirming: Weight;
  approach: Wish;
  identity_note: string;
  structure: Structure;
  direction: Direction;
  session_minutes: number;
}

const kNoWish: Wish = { value: '', weight: 0 };

export function draftFrom(p: Preferences | undefined): PreferencesDraft {
  const payer = p?.needs.payer ?? '';
  return {
    jurisdiction: p?.needs.jurisdiction ?? '',
    pay: !payer ? 'any' : payer.toLowerCase() === kSelfPay ? 'self-pay' : 'insurer',
    insurer: payer && payer.toLowerCase() !== kSelfPay ? payer : '',
    modalities: p?.needs.modalities ?? [],
    languages: p?.needs.languages ?? [],
    times: timeRows(p?.needs.times ?? []),
    focus_areas: p?.wishes.focus_areas ?? [],
    focus_weight: p?.wishes.focus_weight ?? 0,
    gender: p?.wishes.gender ?? kNoWish,
    age_band: p?.wishes.age_band ?? kNoWish,
    cultural_background: p?.wishes.cultural_background ?? kNoWish,
    faith: p?.wishes.faith ?? kNoWish,
    lgbtq_affirming: p?.wishes.lgbtq_affirming ?? 0,
    approach: p?.wishes.approach ?? kNoWish,
    identity_note: p?.identity_note ?? '',
    structure: p?.structure ?? 'either',
    direction: p?.direction ?? 'either',
    session_minutes: p?.session_minutes ?? 50,
  };
}

// A wish with nothing chosen weighs nothing, whatever its buttons last said.
function wish(w: Wish): Wish {
  const value = w.value.trim();
  return { value, weight: value ? w.weight : 0 };
}

export function preferencesFrom(d: PreferencesDraft): PreferencesInput {
  return {
    needs: {
      jurisdiction: d.jurisdiction,
      payer: d.pay === 'self-pay' ? kSelfPay : d.pay === 'insurer' ? d.insurer.trim() : '',
      modalities: d.modalities,
      languages: d.languages,
      times: weeklyTimes(d.times),
    },
    wishes: {
      gender: wish(d.gender),
      age_band: wish(d.age_band),
      cultural_background: wish(d.cultural_background),
      faith: wish(d.faith),
      lgbtq_affirming: d.lgbtq_affirming,
      approach: wish(d.approach),
      focus_areas: d.focus_areas,
      focus_weight: d.focus_areas.length ? d.focus_weight : 0,
    },
    identity_note: d.identity_note.trim(),
    structure: d.structure,
    direction: d.direction,
    session_minutes: d.session_minutes,
  };
}

// What the form can tell before anything is sent, under the server's own field names.
function checkDraft(d: PreferencesDraft): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  if (!d.jurisdiction) {
    errors.push({ field: 'needs/jurisdiction', message: 'Choose where you live, so that we only suggest therapists who can see you there.' });
  }
  if (d.pay === 'insurer' && !d.insurer.trim()) {
    errors.push({ field: 'needs/payer', message: 'Write the name of your insurer, or choose another way of paying.' });
  }
  return [...errors, ...missingTimes(d.times, 'needs/times')];
}

// Lists whose items the server may name one by one ("needs/languages/1").
const kListFields = ['needs/modalities', 'needs/languages', 'wishes/focus_areas'];

const kWishKeys: WishKey[] = ['gender', 'age_band', 'cultural_background', 'faith', 'approach'];

// Every field path the form shows, so that the summary lists only errors that have no place.
function placedFields(d: PreferencesDraft): string[] {
  return [
    'needs/jurisdiction',
    'needs/payer',
    'needs/modalities',
    'needs/languages',
    'needs/times',
    ...timePaths(d.times, 'needs/times'),
    'wishes/focus_areas',
    'wishes/focus_weight',
    'wishes/lgbtq_affirming',
    ...kWishKeys.flatMap((k) => [`wishes/${k}`, `wishes/${k}/value`, `wishes/${k}/weight`]),
    'identity_note',
    'structure',
    'direction',
  ];
}

// The choices of a select, with "No preference" first and a value chosen elsewhere kept.
function wishOptions(terms: readonly Term[], current: string) {
  const options = [{ value: '', label: 'No preference' }, ...terms.map((t) => ({ value: t.id, label: t.name }))];
  return current && !terms.some((t) => t.id === current) ? [...options, { value: current, label: current }] : options;
}

// "How much does this matter?" for one wish.
function WeightChoice(props: { name: string; value: Weight; onChange: (w: Weight) => void; error?: string; legend?: string }) {
  return (
    <RadioGroup
      legend={props.legend ?? 'How much does this matter?'}
      name={props.name}
      value={props.value}
      options={kWeights}
      onChange={props.onChange}
      error={props.error}
      compact
      plain
    />
  );
}

export function PreferencesForm(props: {
  clientId: number;
  initial?: Preferences;
  onSaved: (saved: Preferences) => void;
  submitLabel: string;
  headingLevel?: 2 | 3;
}) {
  const level = props.headingLevel ?? 2;
  const [d, setDraft] = useState<PreferencesDraft>(() => draftFrom(props.initial));
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, error);

  const set = (change: Partial<PreferencesDraft>) => setDraft((old) => ({ ...old, ...change }));
  const at = (field: string) => error?.fieldMessage(field);
  // Choosing something for a wish that weighed nothing makes it "would be nice" to start with.
  const setWish = (key: WishKey, value: string) =>
    setDraft((old) => ({ ...old, [key]: { value, weight: value && old[key].weight === 0 ? 1 : old[key].weight } }));
  const setWishWeight = (key: WishKey, weight: Weight) => setDraft((old) => ({ ...old, [key]: { ...old[key], weight } }));

  async function save(e: Event) {
    e.preventDefault();
    if (busy) return;
    const missing = checkDraft(d);
    if (missing.length > 0) {
      setError(new ApiError(400, 'Some answers need a look before we can save.', missing));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      props.onSaved(await matchingApi.putPreferences(props.clientId, preferencesFrom(d)));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  // Inside another card (an admin's page) the parts are subsections rather than cards of their own.
  const part = level === 2 ? 'card' : 'subsection';
  const jurisdictions = [{ value: '', label: 'Choose where you live' }, ...kJurisdictions.map((j) => ({ value: j.id, label: j.name }))];
  if (d.jurisdiction && !kJurisdictions.some((j) => j.id === d.jurisdiction)) jurisdictions.push({ value: d.jurisdiction, label: d.jurisdiction });

  return (
    <form class="form preferences" ref={formRef} onSubmit={save} noValidate>
      <FormErrorSummary error={error} fields={[...placedFields(d), ...fieldsUnder(error, kListFields)]} />
      <section class={part}>
        <Heading level={level}>What you need</Heading>
        <p>
          These are needs. We only suggest therapists who meet every one of them. If nobody does, we tell you which
          need left everyone out and you decide whether to change it: we never loosen a need without telling you.
        </p>
        <SelectField
          label="Where you live"
          name="jurisdiction"
          hint="Therapists can only see people where their licence holds."
          value={d.jurisdiction}
          onInput={(jurisdiction) => set({ jurisdiction })}
          options={jurisdictions}
          error={at('needs/jurisdiction')}
        />
        <CheckboxGroup
          legend="How you’d like to meet"
          name="modalities"
          hint="Tick every way that would work for you. Leave them all unticked if any way is fine."
          options={kModalities.map((m) => ({ value: m, label: modalityLabel(m) }))}
          values={d.modalities}
          onChange={(modalities) => set({ modalities })}
          error={errorUnder(error, 'needs/modalities')}
        />
        <CheckboxGroup
          legend="Languages"
          name="languages"
          hint="Tick the languages you could have therapy in. Leave them all unticked if any of these is fine."
          options={kLanguages.map((l) => ({ value: l.id, label: l.name }))}
          values={d.languages}
          onChange={(languages) => set({ languages })}
          error={errorUnder(error, 'needs/languages')}
        />
        <WeeklyTimesField
          legend="When suits you"
          hint="Add the times in a usual week when you could come. With no times added, any time is fine."
          path="needs/times"
          name="times"
          rows={d.times}
          onChange={(times) => set({ times })}
          errorAt={at}
        />
        <RadioGroup
          legend="Paying"
          name="payer"
          value={d.pay}
          options={[
            { value: 'self-pay', label: 'I’ll pay for myself' },
            { value: 'insurer', label: 'Through my insurer' },
            { value: 'any', label: 'I’m not sure yet' },
          ]}
          onChange={(pay: Pay) => set({ pay })}
          error={d.pay === 'insurer' ? undefined : at('needs/payer')}
        />
        {d.pay === 'insurer' && (
          <Field
            label="Your insurer’s name"
            name="insurer"
            required
            autoComplete="off"
            value={d.insurer}
            onInput={(insurer) => set({ insurer })}
            error={at('needs/payer')}
          />
        )}
      </section>

      <section class={part}>
        <Heading level={level}>What you’d like</Heading>
        <p>
          These are wishes, not filters. They help us put first the people who fit you best, but nobody is left out
          because of them. Therapists describe themselves in their own words, and share only what they choose.
        </p>
        <CheckboxGroup
          legend="What brings you"
          name="focus_areas"
          hint="Tick anything you would like help with."
          options={kFocusAreas.map((f) => ({ value: f.id, label: f.name }))}
          values={d.focus_areas}
          onChange={(focus_areas) =>
            setDraft((old) => ({ ...old, focus_areas, focus_weight: focus_areas.length && old.focus_weight === 0 ? 1 : old.focus_weight }))
          }
          error={errorUnder(error, 'wishes/focus_areas')}
        >
          {d.focus_areas.length > 0 && (
            <WeightChoice
              name="weight-focus"
              legend="How much does it matter that your therapist works with this?"
              value={d.focus_weight}
              onChange={(focus_weight) => set({ focus_weight })}
              error={at('wishes/focus_weight')}
            />
          )}
        </CheckboxGroup>
        <WishGroup
          legend="Your therapist’s gender"
          wishKey="gender"
          value={d.gender}
          onWeight={setWishWeight}
          at={at}
          control={
            <SelectField label="Gender" name="gender" value={d.gender.value} onInput={(v) => setWish('gender', v)} options={wishOptions(kGenders, d.gender.value)} error={at('wishes/gender/value') ?? at('wishes/gender')} />
          }
        />
        <WishGroup
          legend="Your therapist’s age"
          wishKey="age_band"
          value={d.age_band}
          onWeight={setWishWeight}
          at={at}
          control={
            <SelectField label="Age" name="age_band" value={d.age_band.value} onInput={(v) => setWish('age_band', v)} options={wishOptions(kAgeBands, d.age_band.value)} error={at('wishes/age_band/value') ?? at('wishes/age_band')} />
          }
        />
        <WishGroup
          legend="Your therapist’s cultural background"
          wishKey="cultural_background"
          value={d.cultural_background}
          onWeight={setWishWeight}
          at={at}
          control={
            <Field
              label="Cultural background"
              name="cultural_background"
              hint="In your own words, for example “South Asian” or “Irish”."
              autoComplete="off"
              value={d.cultural_background.value}
              onInput={(v) => setWish('cultural_background', v)}
              error={at('wishes/cultural_background/value') ?? at('wishes/cultural_background')}
            />
          }
        />
        <WishGroup
          legend="Your therapist’s faith"
          wishKey="faith"
          value={d.faith}
          onWeight={setWishWeight}
          at={at}
          control={
            <Field
              label="Faith"
              name="faith"
              hint="In your own words, for example “Muslim” or “Christian”."
              autoComplete="off"
              value={d.faith.value}
              onInput={(v) => setWish('faith', v)}
              error={at('wishes/faith/value') ?? at('wishes/faith')}
            />
          }
        />
        <WeightChoice
          name="weight-lgbtq"
          legend="A therapist who is LGBTQ+ affirming: how much does this matter?"
          value={d.lgbtq_affirming}
          onChange={(lgbtq_affirming) => set({ lgbtq_affirming })}
          error={at('wishes/lgbtq_affirming')}
        />
        <WishGroup
          legend="A particular kind of therapy"
          wishKey="approach"
          value={d.approach}
          onWeight={setWishWeight}
          at={at}
          control={
            <SelectField
              label="Kind of therapy"
              name="approach"
              hint="If you have heard of one that suits you. Many people have not, and that is fine."
              value={d.approach.value}
              onInput={(v) => setWish('approach', v)}
              options={wishOptions(kApproaches, d.approach.value)}
              error={at('wishes/approach/value') ?? at('wishes/approach')}
            />
          }
        />
        <TextAreaField
          label="What matters to you about culture and identity"
          name="identity_note"
          hint="Anything you would like a therapist to understand about your culture, faith, identity or background. The staff who help match you, and your therapist, will read it."
          rows={4}
          value={d.identity_note}
          onInput={(identity_note) => set({ identity_note })}
          error={at('identity_note')}
        />
      </section>

      <section class={part}>
        <Heading level={level}>How you like to work</Heading>
        <RadioGroup
          legend={kClientStructure.question}
          name="structure"
          value={d.structure}
          options={kClientStructure.options}
          onChange={(structure) => set({ structure })}
          error={at('structure')}
        />
        <RadioGroup
          legend={kClientDirection.question}
          name="direction"
          value={d.direction}
          options={kClientDirection.options}
          onChange={(direction) => set({ direction })}
          error={at('direction')}
        />
      </section>

      <div>
        <button class="button button--primary button--block" type="submit" aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Saving…' : props.submitLabel}
        </button>
      </div>
    </form>
  );
}

// One wish: what is wished for and, once something is chosen, how much it matters.
function WishGroup(props: {
  legend: string;
  wishKey: WishKey;
  value: Wish;
  control: ComponentChildren;
  onWeight: (key: WishKey, weight: Weight) => void;
  at: (field: string) => string | undefined;
}) {
  const weightError = props.at(`wishes/${props.wishKey}/weight`);
  return (
    <fieldset class="fieldset wish">
      <legend>{props.legend}</legend>
      {props.control}
      {(props.value.value.trim() || weightError) && (
        <WeightChoice name={`weight-${props.wishKey}`} value={props.value.weight} onChange={(w) => props.onWeight(props.wishKey, w)} error={weightError} />
      )}
    </fieldset>
  );
}

// Takes the person to one answer of the form (from "Change languages" beside matches that found
// nobody): its first control, or the first row of a list of times.
export function focusPreferenceField(field: string): void {
  const el = document.querySelector<HTMLElement>(`form.preferences [name="${field}"], form.preferences [name="${field}-0-day"]`);
  el?.scrollIntoView({ block: 'center' });
  el?.focus();
}
