// The end of a course of therapy: the shapes the server sends for an episode's ending and its
// discharge summary, and their calls under /api/v1/episodes/{id}. Everything goes through api.ts's
// request(), so the session cookie, CSRF token and problem+json handling are the same as
// everywhere else.
import { request } from './api';
import type { Schemas } from './schema';

export type EndReason = Schemas['EndReason'];

// The reasons in the order a therapist is offered them, in the server's own words.
export const kEndReasons: readonly { value: EndReason; label: string }[] = [
  { value: 'goals-met', label: 'Goals met' },
  { value: 'mutual-agreement', label: 'Ended by mutual agreement' },
  { value: 'client-chose-to-stop', label: 'The client chose to stop' },
  { value: 'no-contact', label: 'No contact' },
  { value: 'transferred', label: 'Transferred to another therapist' },
  { value: 'referred-out', label: 'Referred to care outside the clinic' },
  { value: 'other', label: 'Other' },
];

// The same reasons as the client reads them about themself.
export const kEndReasonsForClient: Record<EndReason, string> = {
  'goals-met': 'You reached your goals',
  'mutual-agreement': 'You and your therapist agreed to end',
  'client-chose-to-stop': 'You chose to stop',
  'no-contact': 'We lost touch',
  transferred: 'You moved to another therapist',
  'referred-out': 'You were referred to care outside the clinic',
  other: 'Other',
};

// At most this many characters in each text, and this many places to refer to.
export const kMaxEndingChars = 4000;
export const kMaxReferrals = 10;

// What the therapist sends to end an episode. `ending_note` is needed when the reason is "other",
// one referral or more when it is "referred-out".
export type EndingInput = Schemas['EndingWords'];

// An ending as the server sends it back: every text (empty when not given) and the reason in words.
export type Ending = Schemas['Ending'];
export type Referral = Ending['referrals'][number];

// The change between a questionnaire's first and last answer (Jacobson–Truax).
export type MeasureChange = NonNullable<Schemas['Change']>;

// One questionnaire of the episode: the client's first and last total (the guardian's, for a
// questionnaire only a guardian answers) and a sentence that says what changed.
export type Measure = Schemas['MeasureSummary'];

export type GoalOutcome = DischargeSummary['goals'][number];

// The client's one Rapport Check about the whole course, answered after it ended.
export type LookingBack = NonNullable<DischargeSummary['looking_back']>;

// The summary of a course of therapy; a draft (`draft`, no `ending`) while the episode is open,
// which only the care team may read. `looking_back` is null until the client has looked back.
export type DischargeSummary = Schemas['DischargeSummary'];

export const courseApi = {
  // The episode's therapist or their supervisor. 400 names the fields; 409: already ended.
  endEpisode: (episodeId: number, ending: EndingInput) => request<DischargeSummary>('POST', `/episodes/${episodeId}/ending`, ending),
  // The care team at any time (a draft while open); the client once it has ended, else 409 with
  // a sentence to show.
  summary: (episodeId: number) => request<DischargeSummary>('GET', `/episodes/${episodeId}/discharge-summary`),
};
