// Changing therapist (docs/course.md, "The Fit Check and what follows it" and "Changing therapist
// and referring"): what the client chose after a low Fit Check, a change request or a referral,
// the handover packet the client reviews and consents to, the intake coordinator's assignment,
// and the packet a new episode started with. Everything goes through api.ts's request(), so the
// session cookie, CSRF token and problem+json handling are the same as everywhere else.
import { request } from './api';
import type { GoalOutcome, Measure } from './course_api';

export type FitChoice = 'talk' | 'more-sessions' | 'change';

// Whether the client is offered the choice after a low Fit Check, what they chose last, and the
// episode's open change, if any.
export interface FitFollowup {
  offer: boolean;
  latest: { choice: FitChoice; chosen_at: string } | null;
  open_change_id: number | null;
}

export type PacketSection = 'plan' | 'measures' | 'what-helped' | 'preferences';

// In the order the packet shows them.
export const kPacketSections: readonly PacketSection[] = ['plan', 'measures', 'what-helped', 'preferences'];

// The handover packet. Only the keys of the sections in `shared` are present: a section the
// client did not share is not kept at all. For the client, while the change awaits their consent,
// it is the draft with every section, for them to review.
export interface HandoverPacket {
  client_name: string;
  from_therapist_name: string;
  started_at: string;
  sessions_attended: number;
  shared: PacketSection[];
  // plan
  goals?: GoalOutcome[];
  gas_t_score?: number | null;
  // measures
  measures?: Measure[];
  // what-helped
  what_helped?: string;
  what_did_not?: string;
  // preferences
  preferences?: string;
}

// The packet of the change that started an episode, as its new therapist reads it.
export interface Handover extends HandoverPacket {
  change_id: number;
  from_episode_id: number;
}

export type ChangeStatus = 'awaiting-consent' | 'consented' | 'done' | 'withdrawn';
export type ChangeKind = 'client-request' | 'referral';

export interface TherapistChange {
  id: number;
  episode_id: number;
  client_id: number;
  client_name: string;
  from_therapist_id: number;
  from_therapist_name: string;
  kind: ChangeKind;
  requested_at: string;
  // A referral's reason; empty for a client's own request.
  reason: string;
  to_therapist_id: number | null;
  to_therapist_name: string | null;
  // A referral outside the clinic: where to; empty otherwise.
  to_outside: string;
  status: ChangeStatus;
  consented_at: string | null;
  new_episode_id: number | null;
  new_therapist_name: string | null;
  decided_at: string | null;
  // Null in lists, and for staff before the client has consented.
  packet: HandoverPacket | null;
}

export const kMaxPacketWords = 4000;
export const kMaxReferralReason = 2000;

export interface ConsentInput {
  share: PacketSection[];
  what_helped?: string;
  what_did_not?: string;
  preferences?: string;
}

// A referral: within the clinic (to a colleague, or to whoever the coordinator chooses) or to a
// place outside it; never both.
export interface ReferralInput {
  reason: string;
  to_therapist_id?: number;
  to_outside?: string;
}

// One of the clinic's active therapists, as GET /therapists lists them.
export interface TherapistListing {
  id: number;
  display_name: string;
  credentials?: string;
  accepting_new_clients?: boolean;
}

export function isOpen(status: ChangeStatus): boolean {
  return status === 'awaiting-consent' || status === 'consented';
}

// The change a fit follow-up opened. The server answers the choice with the follow-up (which
// names the open change); an answer with the change itself is read as well.
export function changeIdFrom(answer: FitFollowup | TherapistChange | undefined): number | null {
  if (!answer) return null;
  if ('open_change_id' in answer) return answer.open_change_id;
  if ('id' in answer && typeof answer.id === 'number') return answer.id;
  return null;
}

// Where a change stands and who asked for it, as staff read them.
export function staffStatusWords(c: Pick<TherapistChange, 'status' | 'to_outside' | 'to_therapist_id'>): string {
  const words: Record<ChangeStatus, string> = {
    'awaiting-consent': 'Waiting for the client to choose what to share',
    consented: c.to_outside && !c.to_therapist_id ? 'Ready to complete' : 'Ready to assign',
    done: 'Done',
    withdrawn: 'Withdrawn',
  };
  return words[c.status];
}

export function kindWords(c: Pick<TherapistChange, 'kind' | 'from_therapist_name'>): string {
  return c.kind === 'referral' ? `Referral by ${c.from_therapist_name}` : 'The client’s own request';
}

export const changeApi = {
  // The client, for their own episode.
  fitFollowup: (episodeId: number) => request<FitFollowup>('GET', `/episodes/${episodeId}/fit-followup`),
  // 409 when nothing is on offer.
  chooseAfterFit: (episodeId: number, choice: FitChoice) =>
    request<FitFollowup>('POST', `/episodes/${episodeId}/fit-followup`, { choice }),
  // The client: no reason is asked. 409 when a change is already open or the episode has ended.
  askForChange: (episodeId: number) => request<TherapistChange>('POST', `/episodes/${episodeId}/therapist-changes`, {}),
  // The episode's therapist or their supervisor.
  refer: (episodeId: number, body: ReferralInput) =>
    request<TherapistChange>('POST', `/episodes/${episodeId}/therapist-changes`, body),
  // Admins: the clinic's; a client: their own; a therapist: the referrals they made.
  list: (status?: ChangeStatus) =>
    request<TherapistChange[]>('GET', `/therapist-changes${status ? `?status=${encodeURIComponent(status)}` : ''}`),
  get: (id: number) => request<TherapistChange>('GET', `/therapist-changes/${id}`),
  consent: (id: number, body: ConsentInput) => request<TherapistChange>('POST', `/therapist-changes/${id}/consent`, body),
  // Admins, once the client has consented. Without a therapist: a referral outside the clinic.
  assign: (id: number, therapistId: number | null) =>
    request<TherapistChange>('POST', `/therapist-changes/${id}/assignment`, therapistId === null ? {} : { therapist_id: therapistId }),
  withdraw: (id: number) => request<TherapistChange>('POST', `/therapist-changes/${id}/withdrawal`, {}),
  // The new episode's therapist, their supervisor and the client; 404 when the episode did not
  // start from a change.
  handover: (episodeId: number) => request<Handover>('GET', `/episodes/${episodeId}/handover`),
  therapists: () => request<TherapistListing[]>('GET', '/therapists'),
};
