// The caseload: each visible client with their current episode, next appointment and, while the
// episode is open, its feedback, all in one answer from the server.
import { api, type Appointment, type Client, type DashboardRow, type Episode } from './api';

export interface CaseloadRow {
  client: Client;
  episode?: Episode;
  next?: Appointment;
  feedback?: DashboardRow;
}

// The episode that describes the client now: an open one if any, else the most recent.
export function currentEpisode(episodes: Episode[] | undefined): Episode | undefined {
  if (!episodes?.length) return undefined;
  const byStart = [...episodes].sort((a, b) => (a.started_at < b.started_at ? 1 : -1));
  return byStart.find((e) => e.status !== 'ended') ?? byStart[0];
}

export function nextAppointments(appointments: Appointment[], now = Date.now()): Map<number, Appointment> {
  const next = new Map<number, Appointment>();
  for (const a of appointments) {
    if (a.status !== 'scheduled' || Date.parse(a.starts_at) < now || a.client_id === undefined) continue;
    const seen = next.get(a.client_id);
    if (!seen || a.starts_at < seen.starts_at) next.set(a.client_id, a);
  }
  return next;
}

export function upcomingWindow(days = 180): { from: string; to: string } {
  const now = Date.now();
  return { from: new Date(now).toISOString(), to: new Date(now + days * 86400_000).toISOString() };
}

// In the server's order: open alerts by severity first, then by name.
export async function loadCaseload(): Promise<CaseloadRow[]> {
  const { clients } = await api.caseload();
  return clients.map((line) => ({
    client: { ...line.client, email: '' },
    episode: line.episode,
    next: line.next_appointment ?? undefined,
    feedback: line.feedback ?? undefined,
  }));
}
