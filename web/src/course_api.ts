// The end of a course of therapy: the shapes the server sends for an episode's ending and its
// discharge summary, and their calls under /api/v1/episodes/{id}. Everything goes through api.ts's
// request(), so the session cookie, CSRF token and problem+json handling are the same as
// everywhere else.
import { request } from './api';
import type { Achievement } from './plan_api';

export type EndReason =
  | 'goals-met'
  | 'mutual-agreement'
  | 'client-chose-to-stop'
  | 'no-contact'
  | 'transferred'
  | 'referred-out'
  | 'other';

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

// A place outside the clinic the client can turn to; only the name is needed.
export interface Referral {
  name: string;
  contact: string;
  why: string;
}

// What the therapist sends to end an episode. `ending_note` is needed when the reason is "other",
// one referral or more when it is "referred-out".
export interface EndingInput {
  reason: EndReason;
  ending_note?: string;
  what_helped?: string;
  what_did_not?: string;
  relapse_signs?: string;
  if_it_returns?: string;
  referrals?: Partial<Referral>[];
}

export interface Ending {
  reason: EndReason;
  reason_words: string;
  ending_note: string;
  what_helped: string;
  what_did_not: string;
  relapse_signs: string;
  if_it_returns: string;
  referrals: Referral[];
}

// The change between a questionnaire's first and last answer (Jacobson–Truax).
export interface MeasureChange {
  first: number;
  latest: number;
  difference: number;
  rci: number | null;
  reliable_threshold: number;
  reliable: boolean;
  improved: boolean;
  deteriorated: boolean;
  criteria?: string | null;
  cutoff_c?: number | null;
  category?: string | null;
}

// One questionnaire of the episode: the client's first and last total (the guardian's, for a
// questionnaire only a guardian answers) and a sentence that says what changed.
export interface Measure {
  instrument: string;
  title: string;
  higher_is: 'worse' | 'better';
  max: number;
  answers: number;
  first: number | null;
  last: number | null;
  first_at: string | null;
  last_at: string | null;
  change: MeasureChange | null;
  sentence: string;
}

export interface GoalOutcome {
  key: string;
  description: string;
  achievement: Achievement;
  achievement_words: string;
  // The latest goal attainment level, -2..2, when the goal has such a scale.
  gas_level: number | null;
}

// The client's one Rapport Check about the whole course, answered after it ended.
export interface LookingBack {
  total: number;
  max: number;
  submitted_at: string;
}

// The summary of a course of therapy; a draft (`draft`, no `ending`) while the episode is open,
// which only the care team may read.
export interface DischargeSummary {
  episode_id: number;
  draft: boolean;
  client_name: string;
  therapist_name: string;
  started_at: string;
  ended_at: string | null;
  sessions_attended: number;
  ending: Ending | null;
  measures: Measure[];
  goals: GoalOutcome[];
  gas_t_score: number | null;
  // Crisis lines for the client's country, each as one line of text.
  where_to_get_help: string[];
  // Null (or absent, from an older server) until the client has looked back.
  looking_back?: LookingBack | null;
}

export const courseApi = {
  // The episode's therapist or their supervisor. 400 names the fields; 409: already ended.
  endEpisode: (episodeId: number, ending: EndingInput) => request<DischargeSummary>('POST', `/episodes/${episodeId}/ending`, ending),
  // The care team at any time (a draft while open); the client once it has ended, else 409 with
  // a sentence to show.
  summary: (episodeId: number) => request<DischargeSummary>('GET', `/episodes/${episodeId}/discharge-summary`),
};
