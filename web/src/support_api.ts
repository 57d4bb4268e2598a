// The Support Check (instrument "SUPPORT-CHECK", purpose "support"): the project's own questions,
// not yet validated, that a therapist sends a client who is not on track. The client answers them
// in their usual feedback form; the therapist then reads the answers area by area (working
// together, motivation, support, life events), with repair strategies from the literature beside
// each area of concern. The shapes the server sends and their calls; everything goes through
// api.ts's request(), so the session cookie, CSRF token and problem+json handling are the same as
// everywhere else.
import { request } from './api';

export const kSupportCheckCode = 'SUPPORT-CHECK';

export type SupportScale = 'alliance' | 'motivation' | 'support' | 'life_events';

// A strategy from the literature for an area of concern (rules/repair-strategies.json).
export interface SupportStrategy {
  title: string;
  text: string;
  citation: string;
}

// One area of the latest answers.
export interface SupportFinding {
  scale: SupportScale | string;
  label: string;
  // The mean answer per item: 0..10 for the ratings, 0..1 for the yes/no life events; null when
  // the client left the area unanswered.
  mean: number | null;
  item_max: number;
  concern: boolean;
  // Only for an area of concern.
  strategies?: SupportStrategy[];
}

export interface SupportCheck {
  // When it was last sent; null if never.
  requested_at: string | null;
  // Sent, and not answered since.
  waiting: boolean;
  // When the latest answers came; null if never.
  answered_at: string | null;
  // The latest answers, area by area (empty until answered).
  findings: SupportFinding[];
  // What the client wrote about recent life events, if anything.
  life_events_comment: string;
  // Always false for now: the questions are the project's own.
  validated: boolean;
}

export const supportApi = {
  // The care team.
  get: (episodeId: number) => request<SupportCheck>('GET', `/episodes/${episodeId}/support-check`),
  // The episode's therapist or their supervisor; 201 with the Support Check as it now stands.
  send: (episodeId: number) => request<SupportCheck>('POST', `/episodes/${episodeId}/support-check`, {}),
};
