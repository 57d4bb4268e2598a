// The words of matching: the vocabulary's stable ids (docs/matching.md and the server's lists)
// with their plain names, and sentences about needs, wishes and times for clients and staff.
import type { Modality } from './api';
import { modalityLabel } from './format';
import type { Direction, HardNeed, Needs, Structure, WeeklyTime, Weight } from './matching_api';

export interface Term {
  id: string;
  name: string;
}

export function nameOf(terms: readonly Term[], id: string): string {
  return terms.find((t) => t.id === id)?.name ?? id;
}

// Where a licence holds, and so where a client may be seen from.
export const kJurisdictions: readonly Term[] = [
  { id: 'GB', name: 'United Kingdom' },
  { id: 'GB-SCT', name: 'Scotland' },
  { id: 'IE', name: 'Ireland' },
  { id: 'US-CA', name: 'California, United States' },
  { id: 'US-NY', name: 'New York, United States' },
];

export const kLanguages: readonly Term[] = [
  { id: 'en', name: 'English' },
  { id: 'es', name: 'Spanish' },
  { id: 'fr', name: 'French' },
  { id: 'pl', name: 'Polish' },
  { id: 'ar', name: 'Arabic' },
  { id: 'ur', name: 'Urdu' },
  { id: 'zh', name: 'Mandarin' },
];

export const kModalities: readonly Modality[] = ['in-person', 'video', 'phone', 'text'];

export const kFocusAreas: readonly Term[] = [
  { id: 'depression', name: 'Low mood or depression' },
  { id: 'anxiety', name: 'Anxiety or worry' },
  { id: 'trauma', name: 'Trauma or frightening memories' },
  { id: 'relationships', name: 'Relationships' },
  { id: 'grief', name: 'Grief and loss' },
  { id: 'stress', name: 'Stress' },
  { id: 'self-esteem', name: 'Self-esteem' },
  { id: 'ocd', name: 'Obsessions or compulsions (OCD)' },
  { id: 'eating', name: 'Eating' },
  { id: 'addiction', name: 'Alcohol, drugs or other addictions' },
  { id: 'child-and-family', name: 'Children and family' },
  { id: 'identity', name: 'Identity' },
  { id: 'work', name: 'Work' },
];

export const kApproaches: readonly Term[] = [
  { id: 'cbt', name: 'Cognitive behavioural therapy (CBT)' },
  { id: 'act', name: 'Acceptance and commitment therapy (ACT)' },
  { id: 'dbt', name: 'Dialectical behaviour therapy (DBT)' },
  { id: 'emdr', name: 'EMDR' },
  { id: 'psychodynamic', name: 'Psychodynamic therapy' },
  { id: 'person-centred', name: 'Person-centred counselling' },
  { id: 'systemic', name: 'Systemic and family therapy' },
  { id: 'schema', name: 'Schema therapy' },
  { id: 'cft', name: 'Compassion-focused therapy (CFT)' },
  { id: 'ipt', name: 'Interpersonal therapy (IPT)' },
  { id: 'mbct', name: 'Mindfulness-based cognitive therapy (MBCT)' },
  { id: 'solution-focused', name: 'Solution-focused therapy' },
  { id: 'play', name: 'Play therapy' },
];

export const kAgeBands: readonly Term[] = [
  { id: '20s', name: 'In their 20s' },
  { id: '30s', name: 'In their 30s' },
  { id: '40s', name: 'In their 40s' },
  { id: '50s', name: 'In their 50s' },
  { id: '60s-plus', name: '60 or older' },
];

// The gender a client may wish for, in the words therapists are asked to describe themselves by.
export const kGenders: readonly Term[] = [
  { id: 'woman', name: 'A woman' },
  { id: 'man', name: 'A man' },
  { id: 'non-binary', name: 'A non-binary person' },
];

export const kDays: readonly string[] = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export const kWeights: readonly { value: Weight; label: string }[] = [
  { value: 0, label: 'Doesn’t matter' },
  { value: 1, label: 'Would be nice' },
  { value: 2, label: 'Matters a lot' },
];

export function weightWords(weight: Weight): string {
  return kWeights.find((w) => w.value === weight)?.label ?? '';
}

export const kSelfPay = 'self-pay';

// The two ways of working, asked of clients as plain questions.
export const kClientStructure: { question: string; options: { value: Structure; label: string }[] } = {
  question: 'Do you like sessions to follow a plan, or to go where you take them?',
  options: [
    { value: 'structured', label: 'Follow a plan, with a clear shape to each session' },
    { value: 'open', label: 'Go where I take them' },
    { value: 'either', label: 'Either suits me' },
  ],
};

export const kClientDirection: { question: string; options: { value: Direction; label: string }[] } = {
  question: 'Would you like your therapist to guide you, or to follow your lead?',
  options: [
    { value: 'guided', label: 'Guide me, with ideas and things to try' },
    { value: 'self-led', label: 'Follow my lead' },
    { value: 'either', label: 'Either suits me' },
  ],
};

export const kTherapistStructure: { question: string; options: { value: Structure; label: string }[] } = {
  question: 'How structured are your sessions?',
  options: [
    { value: 'structured', label: 'Mostly structured, following a plan' },
    { value: 'open', label: 'Mostly open, following what the client brings' },
    { value: 'either', label: 'Either, depending on the client' },
  ],
};

export const kTherapistDirection: { question: string; options: { value: Direction; label: string }[] } = {
  question: 'How much do you guide?',
  options: [
    { value: 'guided', label: 'I guide, with suggestions and things to try' },
    { value: 'self-led', label: 'I follow the client’s lead' },
    { value: 'either', label: 'Either, depending on the client' },
  ],
};

// How a client who asked for this way of working reads it back on a staff page.
export function structureWords(s: Structure): string {
  return s === 'structured' ? 'Sessions that follow a plan' : s === 'open' ? 'Sessions that go where they take them' : 'Either kind of session';
}

export function directionWords(d: Direction): string {
  return d === 'guided' ? 'A therapist who guides' : d === 'self-led' ? 'A therapist who follows their lead' : 'Guiding or following, either';
}

// "Tuesday, 17:00 to 21:00".
export function timeWords(t: WeeklyTime): string {
  return `${kDays[t.day] ?? `Day ${t.day + 1}`}, ${t.start} to ${t.end}`;
}

// "English, Spanish and French".
export function listWords(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function payerWords(payer: string): string {
  if (!payer) return 'Any way of paying';
  return payer.toLowerCase() === kSelfPay ? 'Paying for themselves' : `Through ${payer}`;
}

// Why nobody is offered, for a client: one calm sentence per need that alone left everyone out.
export function blockingWords(need: HardNeed, chosen: Needs): string {
  switch (need) {
    case 'accepting':
      return 'Nobody at the clinic is taking new clients just now.';
    case 'jurisdiction':
      return `Nobody at the clinic is licensed to see people in ${nameOf(kJurisdictions, chosen.jurisdiction) || 'the place you chose'}.`;
    case 'payer':
      return chosen.payer.toLowerCase() === kSelfPay
        ? 'Nobody at the clinic takes clients paying for themselves just now.'
        : `Nobody at the clinic works with ${chosen.payer || 'that way of paying'}.`;
    case 'modality':
      return `Nobody at the clinic offers ${listWords(chosen.modalities.map((m) => modalityLabel(m).toLowerCase())) || 'those'} sessions.`;
    case 'language':
      return `Nobody at the clinic works in ${listWords(chosen.languages.map((l) => nameOf(kLanguages, l))) || 'those languages'}.`;
    case 'times':
      return 'Nobody at the clinic has times that fit the times you gave.';
  }
}

// The short name of a need, for staff and for the button that changes it.
export const kNeedNames: Record<HardNeed, string> = {
  accepting: 'taking new clients',
  jurisdiction: 'where they live',
  payer: 'paying',
  modality: 'how to meet',
  language: 'language',
  times: 'times',
};

// The button that takes a client to the answer to change, and the form field it goes to.
export const kChangeNeed: Record<HardNeed, { label: string; field: string } | undefined> = {
  accepting: undefined,
  jurisdiction: { label: 'Check where you live', field: 'jurisdiction' },
  payer: { label: 'Change how you’d pay', field: 'payer' },
  modality: { label: 'Change how you’d like to meet', field: 'modalities' },
  language: { label: 'Change languages', field: 'languages' },
  times: { label: 'Change when suits you', field: 'times' },
};

// "3 were left out by language".
export function leftOutWords(need: HardNeed, n: number): string {
  const who = n === 1 ? '1 therapist' : `${n} therapists`;
  switch (need) {
    case 'accepting':
      return `${who} ${n === 1 ? 'is' : 'are'} not taking new clients just now.`;
    case 'jurisdiction':
      return `${who} cannot see people where you live.`;
    case 'payer':
      return `${who} ${n === 1 ? 'does' : 'do'} not work with the way you would pay.`;
    case 'modality':
      return `${who} ${n === 1 ? 'does' : 'do'} not offer the ways you would like to meet.`;
    case 'language':
      return `${who} ${n === 1 ? 'does' : 'do'} not work in the languages you chose.`;
    case 'times':
      return `${who} ${n === 1 ? 'has' : 'have'} no times that fit yours.`;
  }
}

export const kHardNeeds: readonly HardNeed[] = ['accepting', 'jurisdiction', 'payer', 'modality', 'language', 'times'];
