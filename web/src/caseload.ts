// The caseload: each visible client with their current episode, next appointment and, while the
// episode is open, its feedback, all in one answer from the server.
import { api, type Appointment, type CaseloadLine, type Client, type DashboardRow, type Episode } from './api';

export interface CaseloadRow {
  // The caseload sends no e-mail address: it is left empty.
  client: CaseloadLine['client'] & Pick<Client, 'email'>;
  episode?: CaseloadLine['episode'];
  next?: NonNullable<CaseloadLine['next_appointment']>;
  feedback?: DashboardRow;
}

// The episode that describes the client now: an open one if any, else the most recent.
export function currentEpisode<E extends Pick<Episode, 'started_at' | 'status'>>(episodes: E[] | undefined): E | undefined {
  if (!episodes?.length) return undefined;
  const byStart = [...episodes].sort((a, b) => (a.started_at < b.started_at ? 1 : -1));
  return byStart.find((e) => e.status !== 'ended') ?? byStart[0];
}

export function nextAppointments<A extends Pick<Appointment, 'status' | 'starts_at'> & { client_id?: number }>(
  appointments: A[],
  now = Date.now(),
): Map<number, A> {
  const next = new Map<number, A>();
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
