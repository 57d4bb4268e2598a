// A therapist's profile: what clients see when they look for a therapist, and what matching
// reads. The therapist edits their own (an admin may edit anyone's). The licence check is the
// clinic's, shown here as it stands; changing the licence number or where it holds means the
// clinic checks it again. Identity is self-described and optional, each part shown to clients
// only when the therapist ticks "Show this to clients"; a part kept hidden is never used.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { api, ApiError, type Modality } from '../api';
import { formatDate, modalityLabel } from '../format';
import type { AppContext } from '../main';
import { isStaffOffer, matchingApi, unlessMissing, type Direction, type OfferInput, type Structure, type TherapistOffer } from '../matching_api';
import {
  kAgeBands,
  kApproaches,
  kFocusAreas,
  kJurisdictions,
  kLanguages,
  kModalities,
  kSelfPay,
  kTherapistDirection,
  kTherapistStructure,
} from '../matching_words';
import {
  Alert,
  CheckboxField,
  CheckboxGroup,
  errorUnder,
  Field,
  fieldsUnder,
  FormErrorSummary,
  Loading,
  PageTitle,
  RadioGroup,
  SelectField,
  TextAreaField,
  useFocusFirstError,
  useLoad,
} from '../ui';
import { missingTimes, timePaths, timeRows, weeklyTimes, WeeklyTimesField, type TimeRow } from '../weekly_times';

type TextIdentity = 'age_band' | 'gender_identity' | 'cultural_background' | 'faith';
type Affirming = 'yes' | 'no' | '';

interface OfferDraft {
  credentials: string;
  licence_number: string;
  jurisdiction: string;
  approaches: string[];
  focus_areas: string[];
  languages: string[];
  modalities: Modality[];
  at_a_distance: string;
  availability: TimeRow[];
  self_pay: boolean;
  // Insurers, one a line.
  insurers: string;
  fees: string;
  accepting_new_clients: boolean;
  structure: Structure;
  direction: Direction;
  about: string;
  identity: Record<TextIdentity, { value: string; shown: boolean }>;
  affirming: { value: Affirming; shown: boolean };
}

function draftFrom(o: TherapistOffer | undefined): OfferDraft {
  const id = o?.identity;
  const text = (k: TextIdentity) => ({ value: id?.[k]?.value ?? '', shown: id?.[k]?.shown ?? false });
  const affirming = id?.lgbtq_affirming?.value;
  return {
    credentials: o?.credentials ?? '',
    licence_number: o?.licence_number ?? '',
    jurisdiction: o?.jurisdiction ?? '',
    approaches: o?.approaches ?? [],
    focus_areas: o?.focus_areas ?? [],
    languages: o?.languages ?? [],
    modalities: o?.modalities ?? [],
    at_a_distance: o?.at_a_distance ?? '',
    availability: timeRows(o?.availability ?? []),
    self_pay: (o?.payers ?? []).some((p) => p.toLowerCase() === kSelfPay),
    insurers: (o?.payers ?? []).filter((p) => p.toLowerCase() !== kSelfPay).join('\n'),
    fees: o?.fees ?? '',
    accepting_new_clients: o?.accepting_new_clients ?? true,
    structure: o?.structure ?? 'either',
    direction: o?.direction ?? 'either',
    about: o?.about ?? '',
    identity: { age_band: text('age_band'), gender_identity: text('gender_identity'), cultural_background: text('cultural_background'), faith: text('faith') },
    affirming: { value: affirming === true ? 'yes' : affirming === false ? 'no' : '', shown: id?.lgbtq_affirming?.shown ?? false },
  };
}

function offerFrom(d: OfferDraft): OfferInput {
  const insurers = d.insurers
    .split(/\n|,/)
    .map((s) => s.trim())
    .filter(Boolean);
  const text = (k: TextIdentity) => ({ value: d.identity[k].value.trim(), shown: d.identity[k].shown });
  return {
    credentials: d.credentials.trim(),
    licence_number: d.licence_number.trim(),
    jurisdiction: d.jurisdiction,
    approaches: d.approaches,
    focus_areas: d.focus_areas,
    languages: d.languages,
    modalities: d.modalities,
    at_a_distance: d.at_a_distance.trim(),
    availability: weeklyTimes(d.availability),
    payers: [...(d.self_pay ? [kSelfPay] : []), ...insurers],
    fees: d.fees.trim(),
    accepting_new_clients: d.accepting_new_clients,
    structure: d.structure,
    direction: d.direction,
    about: d.about.trim(),
    identity: {
      age_band: text('age_band'),
      gender_identity: text('gender_identity'),
      cultural_background: text('cultural_background'),
      faith: text('faith'),
      lgbtq_affirming: { value: d.affirming.value === 'yes' ? true : d.affirming.value === 'no' ? false : null, shown: d.affirming.shown },
    },
  };
}

const kListFields = ['approaches', 'focus_areas', 'languages', 'modalities', 'payers'];

function placedFields(d: OfferDraft): string[] {
  return [
    'credentials',
    'licence_number',
    'jurisdiction',
    'at_a_distance',
    'availability',
    ...timePaths(d.availability, 'availability'),
    'fees',
    'accepting_new_clients',
    'structure',
    'direction',
    'about',
    ...(['age_band', 'gender_identity', 'cultural_background', 'faith', 'lgbtq_affirming'] as const).flatMap((k) => [
      `identity/${k}`,
      `identity/${k}/value`,
      `identity/${k}/shown`,
    ]),
  ];
}

// No profile yet (404): the form starts empty.
async function loadOffer(therapistId: number): Promise<TherapistOffer | undefined> {
  const offer = await unlessMissing(matchingApi.offer(therapistId));
  return offer && isStaffOffer(offer) ? offer : undefined;
}

export function TherapistProfilePage({ ctx, therapistId }: { ctx: AppContext; therapistId?: number }) {
  const id = therapistId ?? ctx.user.id;
  const own = id === ctx.user.id;
  const loaded = useLoad(() => loadOffer(id), [id]);
  // Someone else's profile not written yet has no name in it: the clinic's list of therapists does.
  const therapists = useLoad(() => (own ? Promise.resolve([]) : api.therapists().catch(() => [])), [own]);
  const name = loaded.data?.display_name ?? (own ? ctx.user.display_name : therapists.data?.find((t) => t.id === id)?.display_name);
  const title = own ? 'Your profile' : `Profile of ${name ?? 'a therapist'}`;
  return (
    <div class="page narrow-page">
      <p class="breadcrumb">
        <a href="/">{ctx.user.role === 'therapist' ? 'Caseload' : 'Home'}</a> <span aria-hidden="true">›</span> {own ? 'Your profile' : 'Profile'}
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      <p class="lede">
        {own
          ? 'What clients read when they look for a therapist, and what matching uses to suggest you to people you can see.'
          : 'What clients read when they look for a therapist, and what matching uses.'}
      </p>
      {loaded.loading && !loaded.data && <Loading what="the profile" />}
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      {!loaded.loading && !loaded.error && <OfferForm therapistId={id} own={own} initial={loaded.data} name={name} />}
    </div>
  );
}

function LicenceStatus({ offer, own }: { offer?: TherapistOffer; own: boolean }) {
  const verified = offer?.licence_verified_at;
  return (
    <div class="licence-status" role="group" aria-label="Licence check">
      <p>
        <strong>Licence check: </strong>
        {verified ? `checked by the clinic on ${formatDate(verified)}.` : 'not checked by the clinic yet.'}
      </p>
      <p class="hint">
        {verified
          ? `Changing the number or where it holds means the clinic checks it again${own ? ', and you are not suggested to clients until then' : ''}.`
          : `The clinic checks ${own ? 'your' : 'the'} licence before clients are told it has been checked.`}
      </p>
    </div>
  );
}

function OfferForm({ therapistId, own, initial, name }: { therapistId: number; own: boolean; initial?: TherapistOffer; name?: string }) {
  const [d, setDraft] = useState<OfferDraft>(() => draftFrom(initial));
  const [offer, setOffer] = useState<TherapistOffer | undefined>(initial);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string>();
  const formRef = useRef<HTMLFormElement>(null);
  const savedRef = useRef<HTMLDivElement>(null);
  useFocusFirstError(formRef, error);
  const set = (change: Partial<OfferDraft>) => {
    setSaved(undefined);
    setDraft((old) => ({ ...old, ...change }));
  };
  const setIdentity = (k: TextIdentity, change: Partial<{ value: string; shown: boolean }>) =>
    set({ identity: { ...d.identity, [k]: { ...d.identity[k], ...change } } });
  const at = (field: string) => error?.fieldMessage(field);
  const identityError = (k: string) => at(`identity/${k}/value`) ?? at(`identity/${k}`);
  const you = own ? 'you' : 'they';

  async function save(e: Event) {
    e.preventDefault();
    if (busy) return;
    const missing = missingTimes(d.availability, 'availability');
    if (missing.length > 0) {
      setError(new ApiError(400, 'Some answers need a look before the profile can be saved.', missing));
      return;
    }
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      const wasVerified = !!offer?.licence_verified_at;
      const updated = await matchingApi.putOffer(therapistId, offerFrom(d));
      setOffer(updated);
      setSaved(
        wasVerified && !updated.licence_verified_at
          ? 'The profile is saved. The licence changed, so the clinic will check it again.'
          : 'The profile is saved.',
      );
      setTimeout(() => savedRef.current?.focus(), 0);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  const jurisdictions = [{ value: '', label: 'Choose where the licence holds' }, ...kJurisdictions.map((j) => ({ value: j.id, label: j.name }))];
  if (d.jurisdiction && !kJurisdictions.some((j) => j.id === d.jurisdiction)) jurisdictions.push({ value: d.jurisdiction, label: d.jurisdiction });
  const ageOptions = [{ value: '', label: 'Not said' }, ...kAgeBands.map((a) => ({ value: a.id, label: a.id === '60s-plus' ? '60 or older' : a.id }))];

  return (
    <form class="form offer-form" ref={formRef} onSubmit={save} noValidate>
      <FormErrorSummary error={error} fields={[...placedFields(d), ...fieldsUnder(error, kListFields)]} />
      <section class="card" aria-labelledby="offer-who">
        <h2 id="offer-who">Who {you} are</h2>
        {name && <p>Clients see the name {name}.</p>}
        <Field
          label="Credentials"
          name="credentials"
          required
          hint="For example “Clinical psychologist (HCPC registered)”."
          autoComplete="off"
          value={d.credentials}
          onInput={(credentials) => set({ credentials })}
          error={at('credentials')}
        />
        <Field
          label="Licence or registration number"
          name="licence_number"
          required
          autoComplete="off"
          hint="Clients do not see the number; they see whether the clinic has checked it."
          value={d.licence_number}
          onInput={(licence_number) => set({ licence_number })}
          error={at('licence_number')}
        />
        <SelectField
          label="Where the licence holds"
          name="jurisdiction"
          hint="Only clients who live here are suggested."
          value={d.jurisdiction}
          onInput={(jurisdiction) => set({ jurisdiction })}
          options={jurisdictions}
          error={at('jurisdiction')}
        />
        <LicenceStatus offer={offer} own={own} />
        <TextAreaField
          label="About"
          name="about"
          hint="A few warm sentences in your own words: how you work and what people can expect."
          rows={5}
          value={d.about}
          onInput={(about) => set({ about })}
          error={at('about')}
        />
      </section>

      <section class="card" aria-labelledby="offer-work">
        <h2 id="offer-work">How {you} work</h2>
        <CheckboxGroup
          legend="Approaches"
          name="approaches"
          options={kApproaches.map((a) => ({ value: a.id, label: a.name }))}
          values={d.approaches}
          onChange={(approaches) => set({ approaches })}
          error={errorUnder(error, 'approaches')}
        />
        <CheckboxGroup
          legend="What you work with"
          name="focus_areas"
          options={kFocusAreas.map((f) => ({ value: f.id, label: f.name }))}
          values={d.focus_areas}
          onChange={(focus_areas) => set({ focus_areas })}
          error={errorUnder(error, 'focus_areas')}
        />
        <RadioGroup
          legend={kTherapistStructure.question}
          name="structure"
          value={d.structure}
          options={kTherapistStructure.options}
          onChange={(structure) => set({ structure })}
          error={at('structure')}
        />
        <RadioGroup
          legend={kTherapistDirection.question}
          name="direction"
          value={d.direction}
          options={kTherapistDirection.options}
          onChange={(direction) => set({ direction })}
          error={at('direction')}
        />
      </section>

      <section class="card" aria-labelledby="offer-practical">
        <h2 id="offer-practical">Practical matters</h2>
        <CheckboxField
          label="Taking new clients"
          name="accepting_new_clients"
          checked={d.accepting_new_clients}
          onChange={(accepting_new_clients) => set({ accepting_new_clients })}
          hint="Untick it when your caseload is full: nobody new is suggested until you tick it again."
        />
        <CheckboxGroup
          legend="Ways to meet"
          name="modalities"
          options={kModalities.map((m) => ({ value: m, label: modalityLabel(m) }))}
          values={d.modalities}
          onChange={(modalities) => set({ modalities })}
          error={errorUnder(error, 'modalities')}
        />
        <TextAreaField
          label="How you keep a good connection at a distance"
          name="at_a_distance"
          hint="Clients often wonder about this. How you work over video, phone or typed sessions, and what helps."
          rows={4}
          value={d.at_a_distance}
          onInput={(at_a_distance) => set({ at_a_distance })}
          error={at('at_a_distance')}
        />
        <CheckboxGroup
          legend="Languages you work in"
          name="languages"
          options={kLanguages.map((l) => ({ value: l.id, label: l.name }))}
          values={d.languages}
          onChange={(languages) => set({ languages })}
          error={errorUnder(error, 'languages')}
        />
        <WeeklyTimesField
          legend="Times you offer"
          hint="The weekly times when you can see new clients, in the clinic’s time zone."
          path="availability"
          name="availability"
          rows={d.availability}
          onChange={(availability) => set({ availability })}
          errorAt={at}
        />
        <fieldset class={errorUnder(error, 'payers') ? 'fieldset fieldset--invalid' : 'fieldset'}>
          <legend>Paying</legend>
          <CheckboxField label="Clients paying for themselves" name="self_pay" checked={d.self_pay} onChange={(self_pay) => set({ self_pay })} />
          <TextAreaField
            label="Insurers you work with"
            name="insurers"
            hint="One a line, as clients would write them."
            rows={3}
            value={d.insurers}
            onInput={(insurers) => set({ insurers })}
            error={errorUnder(error, 'payers')}
          />
        </fieldset>
        <Field
          label="Fees"
          name="fees"
          hint="In words, for example “£90 a session; a few lower-fee places”."
          autoComplete="off"
          value={d.fees}
          onInput={(fees) => set({ fees })}
          error={at('fees')}
        />
      </section>

      <section class="card" aria-labelledby="offer-identity">
        <h2 id="offer-identity">
          About {own ? 'you' : 'them'}, if {you} choose <span class="optional">(optional)</span>
        </h2>
        <p>
          Some clients wish for a therapist who shares something of who they are. Everything here is self-described and
          optional. Each part is shown to clients only if {you} tick “Show this to clients”, and a part that is not
          shown is never used in matching. It is a wish for clients, never a filter.
        </p>
        <IdentityPart legend="Age" shown={d.identity.age_band.shown} onShown={(shown) => setIdentity('age_band', { shown })}>
          <SelectField
            label="Age band"
            name="age_band"
            value={d.identity.age_band.value}
            onInput={(value) => setIdentity('age_band', { value })}
            options={ageOptions}
            error={identityError('age_band')}
          />
        </IdentityPart>
        <IdentityPart legend="Gender identity" shown={d.identity.gender_identity.shown} onShown={(shown) => setIdentity('gender_identity', { shown })}>
          <Field
            label="Gender identity, in your own words"
            name="gender_identity"
            hint="Clients choose from “woman”, “man” and “non-binary”; using one of those words lets a wish match."
            autoComplete="off"
            value={d.identity.gender_identity.value}
            onInput={(value) => setIdentity('gender_identity', { value })}
            error={identityError('gender_identity')}
          />
        </IdentityPart>
        <IdentityPart legend="Cultural background" shown={d.identity.cultural_background.shown} onShown={(shown) => setIdentity('cultural_background', { shown })}>
          <Field
            label="Cultural background, in your own words"
            name="cultural_background"
            autoComplete="off"
            value={d.identity.cultural_background.value}
            onInput={(value) => setIdentity('cultural_background', { value })}
            error={identityError('cultural_background')}
          />
        </IdentityPart>
        <IdentityPart legend="Faith" shown={d.identity.faith.shown} onShown={(shown) => setIdentity('faith', { shown })}>
          <Field
            label="Faith, in your own words"
            name="faith"
            autoComplete="off"
            value={d.identity.faith.value}
            onInput={(value) => setIdentity('faith', { value })}
            error={identityError('faith')}
          />
        </IdentityPart>
        <IdentityPart legend="LGBTQ+ affirming" shown={d.affirming.shown} onShown={(shown) => set({ affirming: { ...d.affirming, shown } })}>
          <RadioGroup
            legend="Do you describe your practice as LGBTQ+ affirming?"
            name="lgbtq_affirming"
            value={d.affirming.value}
            options={[
              { value: 'yes', label: 'Yes' },
              { value: 'no', label: 'No' },
              { value: '', label: 'I’d rather not say' },
            ]}
            onChange={(value: Affirming) => set({ affirming: { ...d.affirming, value } })}
            error={identityError('lgbtq_affirming')}
            plain
          />
        </IdentityPart>
      </section>

      <div tabIndex={-1} ref={savedRef}>
        {saved && <Alert kind="success">{saved}</Alert>}
      </div>
      <div>
        <button class="button button--primary button--block" type="submit" aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Saving…' : own ? 'Save your profile' : 'Save the profile'}
        </button>
      </div>
    </form>
  );
}

// One self-described part of identity, with its own choice to show it.
function IdentityPart(props: { legend: string; shown: boolean; onShown: (shown: boolean) => void; children: ComponentChildren }) {
  return (
    <fieldset class="fieldset fieldset--inner">
      <legend>{props.legend}</legend>
      {props.children}
      <CheckboxField label="Show this to clients" name="shown" checked={props.shown} onChange={props.onShown} />
    </fieldset>
  );
}
