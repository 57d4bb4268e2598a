// Joins the visible clients with their current episode and next appointment, which the
// caseload views show side by side.
import { api, type Appointment, type Client, type Episode } from './api';

export interface CaseloadRow {
  client: Client;
  episode?: Episode;
  next?: Appointment;
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

export async function loadCaseload(): Promise<CaseloadRow[]> {
  // Only a start: the next appointment may be far ahead, and the server sends the soonest first.
  const [clients, appointments] = await Promise.all([api.clients(), api.appointments(new Date().toISOString())]);
  // The list may omit episodes; then each client's record supplies them.
  const detailed = await Promise.all(
    clients.map((c) => (c.episodes ? Promise.resolve(c) : api.client(c.id).catch(() => c))),
  );
  const next = nextAppointments(appointments);
  return detailed
    .map((client) => ({ client, episode: currentEpisode(client.episodes), next: next.get(client.id) }))
    .sort((a, b) => a.client.display_name.localeCompare(b.client.display_name));
}
