// Ruptures in the working relationship and their repair (docs/course.md, "Rupture and repair"):
// the therapist notes a rupture (after a rapport alert, a moment in a session, or otherwise), then
// once the repair conversation, and reads whether the Rapport Checks after it came back. A
// supervisor sees their supervisees' ruptures still waiting for a repair note. The shapes the
// server sends and their calls; everything goes through api.ts's request(), so the session cookie,
// CSRF token and problem+json handling are the same as everywhere else.
import { request, type FeedbackAlert } from './api';

export type RuptureSource = 'rapport-alert' | 'in-session' | 'other';

// What the therapist sends to note a rupture: `alert_id` with "rapport-alert" only.
export interface RuptureInput {
  source: RuptureSource;
  alert_id?: number;
  what_happened: string;
}

// The repair conversation: what was said, and what changes (optional).
export interface RepairInput {
  what_was_said: string;
  what_changes?: string;
}

// Written once, then kept as it is.
export interface Repair {
  what_was_said: string;
  what_changes: string;
  repaired_by: number | null;
  repaired_at: string | null;
  repaired_by_name?: string;
}

// Whether rapport came back after the repair, by the client's Rapport Checks (higher is better).
export interface RuptureRecovery {
  // The latest total before the rupture was noted; null when there was none.
  before: number | null;
  // The level that counts as recovered: the level before, never below the Check's cut-off.
  target: number;
  // The Checks after the repair, oldest first.
  after_repair: { at: string; total: number }[];
  // The first of those at or above the target; null while none is.
  recovered_at: string | null;
}

export interface Rupture {
  id: number;
  episode_id: number;
  noted_by: number;
  noted_by_name?: string;
  noted_at: string;
  source: RuptureSource;
  alert_id: number | null;
  what_happened: string;
  repair: Repair | null;
  recovery: RuptureRecovery;
}

// A rupture of a supervisee's client that has waited past the clinic's repair_within_hours.
export interface WaitingRupture {
  id: number;
  episode_id: number;
  noted_by: number;
  noted_at: string;
  source: RuptureSource;
  alert_id: number | null;
  what_happened: string;
  repair: null;
  client_name: string;
  therapist_name: string;
  therapist_id: number;
  // Whole hours since it was noted, by the server's clock.
  waiting_hours: number;
}

// At most this many characters in each text.
export const kMaxRuptureChars = 4000;

export const kRuptureSources: readonly { value: RuptureSource; label: string }[] = [
  { value: 'rapport-alert', label: 'A rapport alert' },
  { value: 'in-session', label: 'A moment in a session' },
  { value: 'other', label: 'Something else' },
];

// The alerts a rupture may be noted from: those the Rapport Check raises ("rapport_drop",
// "rapport_low", "rapport_first_low", "rapport_worth_exploring").
export function isRapportAlert(alert: Pick<FeedbackAlert, 'kind'>): boolean {
  return /^rapport/.test(alert.kind);
}

export const ruptureApi = {
  // The episode's therapist or their supervisor. 400 names "source", "alert_id" or
  // "what_happened"; 409 once the episode has ended.
  note: (episodeId: number, input: RuptureInput) => request<Rupture>('POST', `/episodes/${episodeId}/ruptures`, input),
  // Once: 409 when the rupture has its repair note already. 400 names "what_was_said" or "what_changes".
  repair: (ruptureId: number, input: RepairInput) => request<Rupture>('POST', `/ruptures/${ruptureId}/repair`, input),
  // The care team, oldest first.
  ofEpisode: (episodeId: number) => request<Rupture[]>('GET', `/episodes/${episodeId}/ruptures`),
  // Supervisors: their supervisees' ruptures without a repair note past the clinic's time.
  unrepaired: () => request<WaitingRupture[]>('GET', '/ruptures/unrepaired'),
};
