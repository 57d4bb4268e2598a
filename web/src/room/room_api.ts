// The session room's shapes: the room as GET /appointments/{id}/room describes it, the messages
// of the room socket (both ways), the sessions held on an episode, and the session summary the
// therapist reads after the session and beside its Rapport Check on the episode.
import { request } from '../api';

export type RoomPart = 'therapist' | 'client' | 'guardian';
// The appointment's way of meeting, as the server spells it. Older words ("typed", "in_person")
// are accepted as the same thing.
export type RoomModality = 'video' | 'phone' | 'text' | 'typed' | 'in-person' | 'in_person';

export function isTyped(m: string): boolean {
  return m === 'text' || m === 'typed';
}

export function isInPerson(m: string): boolean {
  return m === 'in-person' || m === 'in_person';
}

export interface IceConfig {
  ice_servers: RTCIceServer[];
  ice_transport_policy: RTCIceTransportPolicy;
  expires_at?: number;
}

export interface RoomPass {
  appointment: {
    id: number;
    episode_id: number;
    starts_at: string;
    duration_minutes: number;
    modality: RoomModality;
    status: string;
  };
  part: RoomPart;
  name: string;
  client: { id: number; name: string };
  therapist: { id: number; name: string };
  opens_at: string;
  closes_at: string;
  open: boolean;
  closed_reason: string | null;
  session: { started_at: string; ended_at: string | null } | null;
  guests: { guardian_id: number; name: string; invited_at: string }[];
  ice: IceConfig;
}

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

export interface SessionSummary {
  appointment_id: number;
  modality: string;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  signals: { consented: boolean };
  movement_synchrony: null | {
    strength: number;
    peak_lag_seconds: number;
    leader: Leader;
    windows: number;
    earlier_sessions: number;
    earlier_mean_strength: number | null;
  };
  talk_share: null | { client: number; therapist: number };
  turns: null | {
    client: number;
    therapist: number;
    overlaps: number;
    interruptions: { client: number; therapist: number };
    median_latency_seconds: { client: number | null; therapist: number | null };
  };
  typed: null | {
    messages: { client: number; therapist: number };
    style_matching: number | null;
    median_reply_seconds: { client: number | null; therapist: number | null };
  };
  reactions: Reaction[];
}

// A session held in an appointment's room (GET /episodes/{id}/room-sessions): its start and, once
// the therapist pressed End, its end.
export interface HeldSession {
  appointment_id: number;
  episode_id: number;
  modality: RoomModality;
  started_at: string;
  ended_at: string | null;
}

export const roomApi = {
  room: (appointmentId: number) => request<RoomPass>('GET', `/appointments/${appointmentId}/room`),
  inviteGuardian: (appointmentId: number, guardianId: number) =>
    request<RoomPass>('POST', `/appointments/${appointmentId}/room/guests`, { guardian_id: guardianId }),
  summary: (appointmentId: number) => request<SessionSummary>('GET', `/appointments/${appointmentId}/session-summary`),
  // Oldest first.
  sessionsOfEpisode: (episodeId: number) =>
    request<{ sessions: HeldSession[] }>('GET', `/episodes/${episodeId}/room-sessions`).then((r) => r.sessions),
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
