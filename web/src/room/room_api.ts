// The session room's shapes: the room as GET /appointments/{id}/room describes it, the messages
// of the room socket (both ways), the sessions held on an episode, and the session summary the
// therapist reads after the session and beside its Rapport Check on the episode.
import { request } from '../api';
import type { Answer, Schemas } from '../schema';

export type RoomPass = Schemas['RoomPass'];
export type RoomPart = RoomPass['part'];
// The appointment's way of meeting, as the server spells it.
export type RoomModality = Schemas['Modality'];

export function isTyped(m: string): boolean {
  return m === 'text';
}

export function isInPerson(m: string): boolean {
  return m === 'in-person';
}

// What the browser hands to RTCPeerConnection.
export type IceConfig = RoomPass['ice'];

export interface RoomMember {
  id: number;
  name: string;
  part: RoomPart;
  presence: 'waiting' | 'admitted';
  connected: boolean;
}

export interface SignalsState {
  on: boolean;
  consent: { therapist: boolean; client: boolean };
  paused_by: null | 'therapist' | 'client';
  strip: boolean;
}

export type Leader = 'therapist' | 'client' | 'together' | 'none';

export interface StripReading {
  sync: number | null;
  lag_seconds: number | null;
  leader: Leader;
  client_share: number | null;
  at: string | number;
}

export type ReactionKind = 'helped' | 'not_right';

export interface Reaction {
  kind: ReactionKind;
  at: string | number;
  offset_seconds?: number | null;
}

// Signals a browser sends to another through the server: one description or one candidate.
export type PeerSignal = { description: { type: RTCSdpType; sdp?: string } } | { candidate: RTCIceCandidateInit | null };

export type ServerMessage =
  | { type: 'welcome'; you: RoomMember; members: RoomMember[]; appointment: { id: number; modality: RoomModality }; session: RoomPass['session']; ice: IceConfig }
  | { type: 'room'; members: RoomMember[] }
  | { type: 'admitted' }
  | { type: 'signal'; from: number; signal: PeerSignal }
  | { type: 'chat'; from: number; name: string; text: string; at: string }
  | { type: 'session'; started_at: string }
  | { type: 'ended' }
  | { type: 'replaced' }
  | { type: 'error'; seq: number; code: string; field: string | null; detail: string }
  | { type: 'clock'; sent: number; server: number }
  | ({ type: 'signals' } & SignalsState)
  | ({ type: 'strip' } & StripReading)
  | ({ type: 'reaction' } & Reaction);

// What a browser sends, before the socket adds the increasing "seq".
export type ClientMessage =
  | { type: 'hello'; csrf: string }
  | { type: 'admit'; user: number }
  | { type: 'signal'; to: number; signal: PeerSignal }
  | { type: 'chat'; text: string }
  | { type: 'end' }
  | { type: 'clock'; sent: number }
  | { type: 'consent'; given: boolean }
  | { type: 'pause'; paused: boolean }
  | { type: 'features'; t: number; motion: (number | null)[]; voice: (0 | 1)[] }
  | { type: 'reaction'; kind: ReactionKind }
  | { type: 'strip'; on: boolean };

// What a session held in an appointment's room left: its figures (each null when it was not
// measured) and the client's reactions.
export type SessionSummary = Answer<'/appointments/{id}/session-summary', 'get'>;

// A session held in an appointment's room (GET /episodes/{id}/room-sessions): its start and, once
// the therapist pressed End, its end.
export type HeldSession = Schemas['RoomSession'];

export const roomApi = {
  room: (appointmentId: number) => request<RoomPass>('GET', `/appointments/${appointmentId}/room`),
  inviteGuardian: (appointmentId: number, guardianId: number) =>
    request<RoomPass>('POST', `/appointments/${appointmentId}/room/guests`, { guardian_id: guardianId }),
  summary: (appointmentId: number) => request<SessionSummary>('GET', `/appointments/${appointmentId}/session-summary`),
  // Oldest first.
  sessionsOfEpisode: (episodeId: number) =>
    request<Answer<'/episodes/{id}/room-sessions', 'get'>>('GET', `/episodes/${episodeId}/room-sessions`).then((r) => r.sessions),
};

export function roomSocketUrl(appointmentId: number): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/appointments/${appointmentId}/room/socket`;
}

// Whether a room's link belongs beside an appointment: a video, phone or typed appointment that
// was not cancelled and whose room has not closed (it closes an hour after the appointment was
// due to end).
export function hasRoomLink(a: { modality: string; status: string; starts_at: string; duration_minutes: number }, now = Date.now()): boolean {
  if (isInPerson(a.modality) || a.status === 'cancelled' || a.status === 'no-show') return false;
  const ends = Date.parse(a.starts_at) + a.duration_minutes * 60_000;
  return Number.isFinite(ends) && now < ends + 60 * 60_000;
}

export function roomPath(appointmentId: number): string {
  return `/appointments/${appointmentId}/room`;
}
