// Finding the right therapist: the shapes the server sends for a therapist's offer, a client's
// preferences, the ranked matches, the client's preparation for a first session and the clinic's
// outcome report (docs/matching.md, "The API"), and their calls.
import { ApiError, request } from './api';
import type { Answer, RequestBody, Schemas } from './schema';

// How a therapist works, or how a client likes to work; "either" leaves it open.
// The offer as the therapist and the clinic's staff see it. `jurisdiction` is where the licence
// holds, as an ISO 3166 code ("GB", "US-CA"); `languages` ISO 639-1 codes; `payers` "self-pay" or
// an insurer's name; `licence_verified_at` set when an admin checked the licence, cleared when
// its number or jurisdiction changes; `updated_at` null until the therapist first saves it.
export type TherapistOffer = Schemas['TherapistOffer'];

// What a therapist writes about themself and their practice.
export type OfferInput = Omit<TherapistOffer, 'therapist_id' | 'display_name' | 'licence_verified_at' | 'updated_at'>;

export type Structure = TherapistOffer['structure'];
export type Direction = TherapistOffer['direction'];

export type HardNeed = Schemas['HardNeed'];

export type WeeklyTime = Schemas['WeeklySlot'];

// Each attribute in the therapist's own words, shown to clients only when `shown`;
// `lgbtq_affirming.value` null: not said.
export type OfferIdentity = TherapistOffer['identity'];

// What a client may see of a therapist's identity: only what was chosen to be shown.
export type ShownIdentity = Schemas['TherapistOfferForClient']['identity'];

// The offer as a client sees it: no licence number, and identity only where shown.
export type ClientOffer = Schemas['TherapistOfferForClient'];

export type AnyOffer = TherapistOffer | ClientOffer;

export function isStaffOffer(offer: AnyOffer): offer is TherapistOffer {
  return 'licence_verified_at' in offer;
}

export function licenceVerified(offer: AnyOffer): boolean {
  return isStaffOffer(offer) ? !!offer.licence_verified_at : !!offer.licence_verified;
}

// 0: does not matter, 1: would be nice, 2: matters a lot.
export type Wish = Schemas['Wish'];
export type Weight = Wish['weight'];

// A client's preferences. `needs.payer` "" : any payer; each list of `needs`: any of these, empty:
// any. `wishes.lgbtq_affirming` is the weight of wishing for an LGBTQ+ affirming therapist;
// `session_minutes` how long a time must overlap to count; `updated_at` null until the client
// first saves them.
export type Preferences = Schemas['ClientPreferences'];
export type Needs = Preferences['needs'];
export type Wishes = Preferences['wishes'];

// What a client sends: everything but their id and the time it was saved.
export type PreferencesInput = Omit<Preferences, 'client_id' | 'updated_at'>;

type MatchesAnswer = Schemas['Matches'];
// One fact behind a match and its plain words; `kind` names what was compared.
export type MatchReason = MatchesAnswer['matches'][number]['reasons'][number];

// `offer` is the staff's or the client's view, by who asks; `outcome` only for an admin of a
// clinic that turned outcome-informed matching on.
export type Match = Omit<MatchesAnswer['matches'][number], 'offer'> & { offer: AnyOffer };

// `left_out_by`: how many therapists each need left out (one may be left out by several);
// `blocking`: when nobody is left, the needs that alone left everyone out.
export type MatchResult = Omit<MatchesAnswer, 'matches'> & { matches: Match[] };

// The episode a first appointment was asked for in.
export type FirstAppointment = Answer<'/clients/{id}/first-appointment', 'post'>;

// The client's preparation for a first session; each text at most kMaxFirstStepChars.
export interface FirstStepInput {
  brings: string;
  hopes: string;
  worries: string;
  // Whether the therapist may read it before the first session.
  shared: boolean;
}

export type FirstStep = Schemas['FirstStep'];

export const kMaxFirstStepChars = 2000;

// One row per therapist (`therapist_id` 0: the clinic as a whole) and domain; each figure null
// below the clinic's minimum of episodes.
export type OutcomeReport = Schemas['OutcomeReport'];
export type OutcomeRow = OutcomeReport['rows'][number];
// A rate, shrunk towards the clinic's, with its 95 % interval (fractions 0..1).
export type RateFigure = NonNullable<Schemas['OutcomeRate']>;
// Mean change on the domain's questionnaire in points (positive is better), shrunk likewise.
export type MeanFigure = NonNullable<OutcomeRow['change']>;

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
  putOffer: (therapistId: number, offer: RequestBody<'/therapists/{id}/offer', 'put'>) =>
    request<TherapistOffer>('PUT', `/therapists/${therapistId}/offer`, offer),
  // Admins: the licence was checked today (true), or the check is withdrawn (false).
  verifyLicence: (therapistId: number, verified: boolean) =>
    request<TherapistOffer>('POST', `/therapists/${therapistId}/offer/verification`, { verified }),

  // 404 until the client has saved some.
  preferences: (clientId: number) => request<Preferences>('GET', `/clients/${clientId}/preferences`),
  putPreferences: (clientId: number, preferences: RequestBody<'/clients/{id}/preferences', 'put'>) =>
    request<Preferences>('PUT', `/clients/${clientId}/preferences`, preferences),
  matches: (clientId: number, limit = 3) => request<MatchResult>('GET', `/clients/${clientId}/matches?limit=${limit}`),
  // Opens an episode in intake with that therapist. 409: the client already has an open episode;
  // 422: the therapist no longer meets one of the client's needs.
  askForFirstAppointment: (clientId: number, therapistId: number, note: string) =>
    request<FirstAppointment>('POST', `/clients/${clientId}/first-appointment`, { therapist_id: therapistId, note }),

  // 404 until saved; the client's therapists and supervisors get it only when shared.
  firstStep: (clientId: number) => request<FirstStep>('GET', `/clients/${clientId}/first-step`),
  putFirstStep: (clientId: number, step: RequestBody<'/clients/{id}/first-step', 'put'>) =>
    request<FirstStep>('PUT', `/clients/${clientId}/first-step`, step),

  outcomeReport: () => request<OutcomeReport>('GET', '/reports/outcomes'),
};
