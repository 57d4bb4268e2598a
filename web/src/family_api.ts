// The adults around a young person in therapy: each guardian's relationship, legal authority and
// how they like to be reached; what each one sees of the record (by the clinic's policy for the
// young person's age, or as the care team chose); consent and assent, dated and renewed; the plan
// items kept from every guardian, and the rare safety disclosures that show one of them to one
// guardian. The shapes the server sends, their calls, and the words each value is read in.
// Everything goes through api.ts's request(), so the session cookie, CSRF token and problem+json
// handling are the same as everywhere else.
import { request } from './api';
import { firstName } from './format';
import type { RequestBody, Schemas } from './schema';

export type Family = Schemas['Family'];
export type AgeBand = Family['age_band'];

// Each guardian: relationship, legal authority, how they like to be reached; `court_order` is
// what the order says ('' unless limited by one); `sections` the care team's choice (null: the
// clinic's policy for the age band); `recorded` false while the care team has recorded nothing
// for this guardian (the defaults stand); `sees` what they actually see now. A guardian reading
// receives only their own entry.
export type GuardianEntry = Schemas['GuardianStanding'];
export type Relationship = GuardianEntry['relationship'];
export type Authority = GuardianEntry['authority'];
export type ContactChannel = GuardianEntry['contact_channel'];

export const kSections = ['appointments', 'plan', 'measures', 'messages', 'summaries'] as const;
export type Section = (typeof kSections)[number];
export type Sections = Schemas['GuardianSectionsSent'];

// Consents in the order recorded; `latest` marks the record that counts now (the newest of its
// kind, or of its guardian's).
export type ConsentEntry = Schemas['CareConsent'];
export type ConsentKind = ConsentEntry['kind'];
export type ConsentState = ConsentEntry['state'];

export type ConfidentialItem = Family['confidential'][number];
export type Disclosure = Schemas['SafetyDisclosure'];

export type StandingBody = RequestBody<'/guardian-links/{id}/standing', 'put'>;
export type ConsentBody = RequestBody<'/clients/{id}/consents', 'post'>;
export type DisclosureBody = RequestBody<'/episodes/{id}/safety-disclosures', 'post'>;

export const familyApi = {
  family: (clientId: number) => request<Family>('GET', `/clients/${clientId}/family`),
  setStanding: (linkId: number, body: StandingBody) => request<GuardianEntry>('PUT', `/guardian-links/${linkId}/standing`, body),
  recordConsent: (clientId: number, body: ConsentBody) => request<ConsentEntry>('POST', `/clients/${clientId}/consents`, body),
  disclose: (episodeId: number, body: DisclosureBody) =>
    request<Disclosure>('POST', `/episodes/${episodeId}/safety-disclosures`, body),
};

// --- In words ------------------------------------------------------------------------------------

export const kRelationships: readonly { value: Relationship; label: string }[] = [
  { value: 'parent', label: 'Parent' },
  { value: 'step_parent', label: 'Step-parent' },
  { value: 'grandparent', label: 'Grandparent' },
  { value: 'foster_carer', label: 'Foster carer' },
  { value: 'other_relative', label: 'Another relative' },
  { value: 'other', label: 'Someone else (a social worker, a legal guardian)' },
];

export const kAuthorities: readonly { value: Authority; label: string }[] = [
  { value: 'parental_responsibility', label: 'Parental responsibility' },
  { value: 'shared_custody', label: 'Shares custody with another parent' },
  { value: 'limited_by_court_order', label: 'Limited by a court order' },
  { value: 'none', label: 'No legal authority (involved in care)' },
];

export const kContactChannels: readonly { value: ContactChannel; label: string }[] = [
  { value: 'email', label: 'E-mail' },
  { value: 'phone', label: 'Phone call' },
  { value: 'text', label: 'Text message' },
  { value: 'post', label: 'Letter by post' },
];

export function labelOf<T extends string>(options: readonly { value: T; label: string }[], value: T): string {
  return options.find((o) => o.value === value)?.label ?? value;
}

// The sections as the care team reads them.
export const kSectionLabels: Record<Section, string> = {
  appointments: 'Appointments',
  plan: 'The treatment plan',
  measures: 'Questionnaires and progress',
  messages: 'Messages (to read only)',
  summaries: 'The summary when therapy ends',
};

// The same, short, in a running sentence ("Sees: appointments, the plan and …").
const kSectionWords: Record<Section, string> = {
  appointments: 'appointments',
  plan: 'the plan',
  measures: 'questionnaires',
  messages: 'messages',
  summaries: 'the summary at the end',
};

// The same as the young person reads them about themself.
const kSectionWordsForClient: Record<Section, string> = {
  appointments: 'your appointments',
  plan: 'your plan',
  measures: 'how your questionnaires are going',
  messages: 'your messages with your therapist',
  summaries: 'the summary at the end',
};

// "a, b and c".
export function listInWords(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function seenSections(sees: Sections): Section[] {
  return kSections.filter((s) => sees[s]);
}

export function sectionsInWords(sees: Sections, forClient = false): string {
  const words = forClient ? kSectionWordsForClient : kSectionWords;
  return listInWords(seenSections(sees).map((s) => words[s]));
}

export const kBandLabels: Record<AgeBand, string> = {
  child: 'Child',
  adolescent: 'Adolescent',
  consenting_minor: 'Consenting minor',
  adult: 'Adult',
};

// "a child", "an adolescent", … in a sentence.
export function bandWithArticle(band: AgeBand): string {
  switch (band) {
    case 'child':
      return 'a child';
    case 'adolescent':
      return 'an adolescent';
    case 'consenting_minor':
      return 'a young person who consents for themself';
    case 'adult':
      return 'an adult';
  }
}

// What a consent record is, naming whose it is.
export function consentKindWords(kind: ConsentKind, childName: string, givenBy?: string | null): string {
  switch (kind) {
    case 'guardian_consent':
      return givenBy ? `Consent from ${givenBy}` : "A parent or carer's consent";
    case 'assent':
      return `${firstName(childName)}'s assent`;
    case 'own_consent':
      return `${firstName(childName)}'s own consent`;
  }
}

// The kinds as a form offers them.
export function consentKindOptions(childName: string): { value: ConsentKind; label: string }[] {
  const first = firstName(childName);
  return [
    { value: 'guardian_consent', label: "A parent or carer's consent" },
    { value: 'assent', label: `${first}'s assent (agreeing to take part)` },
    { value: 'own_consent', label: `${first}'s own consent` },
  ];
}

// What is still missing, in a phrase ("a parent or carer's consent").
export function missingConsentWords(kind: ConsentKind, childName: string): string {
  const first = firstName(childName);
  switch (kind) {
    case 'guardian_consent':
      return "a parent or carer's consent";
    case 'assent':
      return `${first}'s assent`;
    case 'own_consent':
      return `${first}'s own consent`;
  }
}

export const kConsentStateLabels: Record<ConsentState, string> = {
  current: 'Current',
  renewal_due: 'Renewal due',
  lapsed: 'Lapsed',
};

// Whether the signed-in client is a young child (the clinic's "child" age band), whose pages use
// a child's words: their plan is "what we're working on", with no legal wording. False when the
// answer cannot be had: the adult wording is then shown, as before.
export async function isYoungChild(clientId: number): Promise<boolean> {
  try {
    return (await familyApi.family(clientId)).age_band === 'child';
  } catch {
    return false;
  }
}

