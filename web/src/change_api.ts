// Changing therapist (docs/course.md, "The Fit Check and what follows it" and "Changing therapist
// and referring"): what the client chose after a low Fit Check, a change request or a referral,
// the handover packet the client reviews and consents to, the intake coordinator's assignment,
// and the packet a new episode started with. Everything goes through api.ts's request(), so the
// session cookie, CSRF token and problem+json handling are the same as everywhere else.
import { request } from './api';
import type { Answer, RequestBody, Schemas } from './schema';

// Whether the client is offered the choice after a low Fit Check, what they chose last, and the
// episode's open change, if any.
export type FitFollowup = Schemas['FitFollowup'];
export type FitChoice = NonNullable<FitFollowup['latest']>['choice'];

// The handover packet. Only the keys of the sections in `shared` are present: a section the
// client did not share is not kept at all. For the client, while the change awaits their consent,
// it is the draft with every section, for them to review.
export type HandoverPacket = Schemas['HandoverPacket'];
export type PacketSection = HandoverPacket['shared'][number];

// In the order the packet shows them.
export const kPacketSections: readonly PacketSection[] = ['plan', 'measures', 'what-helped', 'preferences'];

// The packet of the change that started an episode, as its new therapist reads it.
export type Handover = Answer<'/episodes/{id}/handover', 'get'>;

// A change of therapist. `reason` is a referral's (empty for a client's own request);
// `to_outside` a referral outside the clinic; `packet` null in lists, and for staff before the
// client has consented.
export type TherapistChange = Schemas['TherapistChange'];
export type ChangeStatus = TherapistChange['status'];
export type ChangeKind = TherapistChange['kind'];

export const kMaxPacketWords = 4000;
export const kMaxReferralReason = 2000;

export type ConsentInput = RequestBody<'/therapist-changes/{id}/consent', 'post'>;

// A referral: within the clinic (to a colleague, or to whoever the coordinator chooses) or to a
// place outside it; never both.
export type ReferralInput = RequestBody<'/episodes/{id}/therapist-changes', 'post'>;

// One of the clinic's active therapists, as GET /therapists lists them.
export type TherapistListing = Answer<'/therapists', 'get'>[number];

export function isOpen(status: ChangeStatus): boolean {
  return status === 'awaiting-consent' || status === 'consented';
}

// The change a fit follow-up opened: the server answers the choice with the follow-up, which
// names the open change.
export function changeIdFrom(answer: FitFollowup | undefined): number | null {
  return answer?.open_change_id ?? null;
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
