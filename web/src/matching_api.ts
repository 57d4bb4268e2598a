// Finding the right therapist: the shapes the server sends for a therapist's offer, a client's
// preferences, the ranked matches, the client's preparation for a first session and the clinic's
// outcome report (docs/matching.md, "The API"), and their calls.
import { ApiError, request, type Modality } from './api';

// How a therapist works, or how a client likes to work; "either" leaves it open.
export type Structure = 'either' | 'structured' | 'open';
export type Direction = 'either' | 'guided' | 'self-led';

// The needs that filter: a therapist who fails one is never offered.
export type HardNeed = 'accepting' | 'jurisdiction' | 'payer' | 'modality' | 'language' | 'times';

// A weekly stretch of time in the clinic's local time: day 0 is Monday, 6 Sunday; "HH:MM".
export interface WeeklyTime {
  day: number;
  start: string;
  end: string;
}

// A self-described identity attribute, shown to clients only when the therapist chose to.
export interface Described<T> {
  value: T;
  shown: boolean;
}

export interface OfferIdentity {
  age_band: Described<string>;
  gender_identity: Described<string>;
  cultural_background: Described<string>;
  faith: Described<string>;
  // null: not said.
  lgbtq_affirming: Described<boolean | null>;
}

// What a client may see of a therapist's identity: only what was chosen to be shown.
export interface ShownIdentity {
  age_band?: string;
  gender_identity?: string;
  cultural_background?: string;
  faith?: string;
  lgbtq_affirming?: boolean;
}

// What a therapist writes about themself and their practice.
export interface OfferInput {
  credentials: string;
  licence_number: string;
  // Where the licence holds, as an ISO 3166 code ("GB", "US-CA").
  jurisdiction: string;
  approaches: string[];
  focus_areas: string[];
  // ISO 639-1 codes.
  languages: string[];
  modalities: Modality[];
  at_a_distance: string;
  availability: WeeklyTime[];
  // "self-pay" or an insurer's name.
  payers: string[];
  fees: string;
  accepting_new_clients: boolean;
  structure: Structure;
  direction: Direction;
  about: string;
  identity: OfferIdentity;
}

interface OfferCommon {
  therapist_id: number;
  display_name: string;
  updated_at?: string;
}

// The offer as the therapist and the clinic's staff see it.
export interface TherapistOffer extends OfferCommon, OfferInput {
  // Set when an admin checked the licence; cleared when its number or jurisdiction changes.
  licence_verified_at: string | null;
}

// The offer as a client sees it: no licence number, and identity only where shown.
export interface ClientOffer extends OfferCommon, Omit<OfferInput, 'licence_number' | 'identity'> {
  licence_verified: boolean;
  identity: ShownIdentity;
}

export type AnyOffer = TherapistOffer | ClientOffer;

export function isStaffOffer(offer: AnyOffer): offer is TherapistOffer {
  return 'licence_verified_at' in offer;
}

export function licenceVerified(offer: AnyOffer): boolean {
  return isStaffOffer(offer) ? !!offer.licence_verified_at : !!offer.licence_verified;
}

// 0: does not matter, 1: would be nice, 2: matters a lot.
export type Weight = 0 | 1 | 2;

export interface Wish {
  value: string;
  weight: Weight;
}

export interface Needs {
  jurisdiction: string;
  // "" : any payer.
  payer: string;
  // Each list: any of these; empty: any.
  modalities: Modality[];
  languages: string[];
  times: WeeklyTime[];
}

export interface Wishes {
  gender: Wish;
  age_band: Wish;
  cultural_background: Wish;
  faith: Wish;
  // The weight of wishing for an LGBTQ+ affirming therapist.
  lgbtq_affirming: Weight;
  approach: Wish;
  focus_areas: string[];
  focus_weight: Weight;
}

// What a client sends: everything but their id and the time it was saved.
export interface PreferencesInput {
  needs: Needs;
  wishes: Wishes;
  identity_note: string;
  structure: Structure;
  direction: Direction;
  // How long a time must overlap to count.
  session_minutes: number;
}

export interface Preferences extends PreferencesInput {
  client_id: number;
  updated_at?: string;
}

// One fact behind a match and its plain words; `kind` names what was compared.
export interface MatchReason {
  kind: string;
  value: string;
  text: string;
}

export interface Match {
  therapist_id: number;
  offer: AnyOffer;
  fit: number;
  style: number;
  score: number;
  // Only for an admin, and only when the clinic uses its own outcomes in matching.
  outcome?: number;
  reasons: MatchReason[];
  // Wishes not met, in plain words.
  unmet: string[];
}

export interface MatchResult {
  matches: Match[];
  considered: number;
  // How many therapists each need left out (one may be left out by several).
  left_out_by: Partial<Record<HardNeed, number>>;
  // When nobody is left: the needs that alone left everyone out.
  blocking: HardNeed[];
}

// The episode a first appointment was asked for in.
export interface FirstAppointment {
  episode_id: number;
  therapist_id: number;
  status: 'intake' | 'active' | 'ended';
}

// The client's preparation for a first session; each text at most kMaxFirstStepChars.
export interface FirstStepInput {
  brings: string;
  hopes: string;
  worries: string;
  // Whether the therapist may read it before the first session.
  shared: boolean;
}

export interface FirstStep extends FirstStepInput {
  client_id?: number;
  updated_at?: string;
}

export const kMaxFirstStepChars = 2000;

// A rate, shrunk towards the clinic's, with its 95 % interval (fractions 0..1).
export interface RateFigure {
  events: number;
  n: number;
  raw: number;
  estimate: number;
  lower: number;
  upper: number;
}

// Mean change on the domain's questionnaire in points (positive is better), shrunk likewise.
export interface MeanFigure {
  n: number;
  raw: number;
  estimate: number;
  standard_error: number;
}

export interface OutcomeRow {
  // 0: the clinic as a whole.
  therapist_id: number;
  therapist: string;
  domain: string;
  ended: number;
  measured: number;
  // null below the clinic's minimum of episodes.
  improvement: RateFigure | null;
  deterioration: RateFigure | null;
  dropout: RateFigure | null;
  change: MeanFigure | null;
}

export interface OutcomeReport {
  min_episodes: number;
  domains: string[];
  rows: OutcomeRow[];
}

// The same report as a spreadsheet (a download, not a JSON call).
export const kOutcomeReportCsvPath = '/api/v1/reports/outcomes?format=csv';

// What is not saved yet (404: no preferences, no offer, no first step) is nothing, not a failure.
export async function unlessMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

export const matchingApi = {
  offer: (therapistId: number) => request<AnyOffer>('GET', `/therapists/${therapistId}/offer`),
  // Every active therapist's offer, in the view the reader may see.
  offers: () => request<{ offers: AnyOffer[] }>('GET', '/therapists/offers'),
  putOffer: (therapistId: number, offer: OfferInput) => request<TherapistOffer>('PUT', `/therapists/${therapistId}/offer`, offer),
  // Admins: the licence was checked today (true), or the check is withdrawn (false).
  verifyLicence: (therapistId: number, verified: boolean) =>
    request<TherapistOffer>('POST', `/therapists/${therapistId}/offer/verification`, { verified }),

  // 404 until the client has saved some.
  preferences: (clientId: number) => request<Preferences>('GET', `/clients/${clientId}/preferences`),
  putPreferences: (clientId: number, preferences: PreferencesInput) =>
    request<Preferences>('PUT', `/clients/${clientId}/preferences`, preferences),
  matches: (clientId: number, limit = 3) => request<MatchResult>('GET', `/clients/${clientId}/matches?limit=${limit}`),
  // Opens an episode in intake with that therapist. 409: the client already has an open episode;
  // 422: the therapist no longer meets one of the client's needs.
  askForFirstAppointment: (clientId: number, therapistId: number, note: string) =>
    request<FirstAppointment>('POST', `/clients/${clientId}/first-appointment`, { therapist_id: therapistId, note }),

  // 404 until saved; the client's therapists and supervisors get it only when shared.
  firstStep: (clientId: number) => request<FirstStep>('GET', `/clients/${clientId}/first-step`),
  putFirstStep: (clientId: number, step: FirstStepInput) => request<FirstStep>('PUT', `/clients/${clientId}/first-step`, step),

  outcomeReport: () => request<OutcomeReport>('GET', '/reports/outcomes'),
};
