// Ruptures in the working relationship and their repair (docs/course.md, "Rupture and repair"):
// the therapist notes a rupture (after a rapport alert, a moment in a session, or otherwise), then
// once the repair conversation, and reads whether the Rapport Checks after it came back. A
// supervisor sees their supervisees' ruptures still waiting for a repair note. The shapes the
// server sends and their calls; everything goes through api.ts's request(), so the session cookie,
// CSRF token and problem+json handling are the same as everywhere else.
import { request, type FeedbackAlert } from './api';
import type { RequestBody, Schemas } from './schema';

export type Rupture = Schemas['Rupture'];
export type RuptureSource = Rupture['source'];

// What the therapist sends to note a rupture: `alert_id` with "rapport-alert" only.
export type RuptureInput = RequestBody<'/episodes/{id}/ruptures', 'post'>;

// The repair conversation: what was said, and what changes (optional).
export type RepairInput = RequestBody<'/ruptures/{id}/repair', 'post'>;

// Written once, then kept as it is.
export type Repair = NonNullable<Rupture['repair']>;

// Whether rapport came back after the repair, by the client's Rapport Checks (higher is better):
// the latest total before the rupture (null when there was none), the level that counts as
// recovered (never below the Check's cut-off), the Checks after the repair (oldest first) and the
// first of them at or above that level (null while none is).
export type RuptureRecovery = Rupture['recovery'];

// A rupture of a supervisee's client that has waited past the clinic's repair_within_hours.
export type WaitingRupture = Schemas['WaitingRupture'];

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
