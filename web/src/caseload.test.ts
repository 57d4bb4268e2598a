import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Appointment, type CaseloadLine, type DashboardRow, type Episode } from './api';
import { currentEpisode, loadCaseload, nextAppointments, upcomingWindow } from './caseload';

function episode(id: number, status: Episode['status'], startedAt: string): Episode {
  return { id, client_id: 1, therapist_id: 1, therapist_name: 'Dr. Jo Park', status, started_at: startedAt, ended_at: null };
}

// Without a client id, to show that such an appointment is left out.
type MaybeClientAppointment = Omit<Appointment, 'client_id'> & { client_id?: number };

function appointment(id: number, clientId: number | undefined, startsAt: string, status: Appointment['status'] = 'scheduled'): MaybeClientAppointment {
  return {
    id,
    episode_id: 1,
    client_id: clientId,
    client_name: 'Sam Rivera',
    therapist_id: 1,
    therapist_name: 'Dr. Jo Park',
    starts_at: startsAt,
    duration_minutes: 50,
    modality: 'video',
    status,
  };
}

describe('currentEpisode', () => {
  it('finds no episode for a client without any', () => {
    expect(currentEpisode(undefined)).toBeUndefined();
    expect(currentEpisode([])).toBeUndefined();
  });

  it('prefers an open episode to a later one that has ended', () => {
    const open = episode(1, 'active', '2023-05-01T09:00:00Z');
    const ended = episode(2, 'ended', '2024-05-01T09:00:00Z');
    expect(currentEpisode([ended, open])).toBe(open);
    expect(currentEpisode([open, ended])).toBe(open);
  });

  it('counts an episode still in intake as open', () => {
    const intake = episode(1, 'intake', '2023-01-01T09:00:00Z');
    expect(currentEpisode([episode(2, 'ended', '2024-01-01T09:00:00Z'), intake])).toBe(intake);
  });

  it('takes the latest started of several open episodes, whatever their order in the list', () => {
    const older = episode(1, 'active', '2024-01-01T09:00:00Z');
    const newer = episode(2, 'intake', '2024-03-01T09:00:00Z');
    expect(currentEpisode([older, newer])).toBe(newer);
    expect(currentEpisode([newer, older])).toBe(newer);
  });

  it('takes the latest started when every episode has ended', () => {
    const first = episode(1, 'ended', '2022-01-01T09:00:00Z');
    const last = episode(2, 'ended', '2023-06-01T09:00:00Z');
    const middle = episode(3, 'ended', '2023-01-01T09:00:00Z');
    expect(currentEpisode([first, last, middle])).toBe(last);
  });

  it('prefers the open episode of two that started at the same moment', () => {
    const open = episode(1, 'active', '2024-01-01T09:00:00Z');
    const ended = episode(2, 'ended', '2024-01-01T09:00:00Z');
    expect(currentEpisode([open, ended])).toBe(open);
    expect(currentEpisode([ended, open])).toBe(open);
  });

  it('leaves the list it was given in its order', () => {
    const list = [episode(1, 'ended', '2022-01-01T09:00:00Z'), episode(2, 'active', '2024-01-01T09:00:00Z')];
    currentEpisode(list);
    expect(list.map((e) => e.id)).toEqual([1, 2]);
  });
});

describe('nextAppointments', () => {
  const now = Date.parse('2025-06-15T12:00:00Z');

  it('finds nothing in an empty list', () => {
    expect(nextAppointments([], now).size).toBe(0);
  });

  it('keeps each client’s earliest appointment still to come', () => {
    const later = appointment(1, 7, '2025-07-01T09:00:00Z');
    const sooner = appointment(2, 7, '2025-06-20T09:00:00Z');
    const other = appointment(3, 8, '2025-06-16T09:00:00Z');
    const next = nextAppointments([later, sooner, other], now);
    expect([...next.entries()]).toEqual([
      [7, sooner],
      [8, other],
    ]);
  });

  it('leaves out appointments already begun, not scheduled, or without a client', () => {
    const next = nextAppointments(
      [
        appointment(1, 7, '2025-06-15T11:59:59Z'),
        appointment(2, 7, '2025-06-16T09:00:00Z', 'cancelled'),
        appointment(3, 7, '2025-06-17T09:00:00Z', 'completed'),
        appointment(4, 7, '2025-06-18T09:00:00Z', 'no-show'),
        appointment(5, undefined, '2025-06-16T09:00:00Z'),
        appointment(6, 7, '2025-06-19T09:00:00Z'),
      ],
      now,
    );
    expect([...next.keys()]).toEqual([7]);
    expect(next.get(7)?.id).toBe(6);
  });

  it('counts an appointment starting this very moment as still to come', () => {
    expect(nextAppointments([appointment(1, 7, '2025-06-15T12:00:00Z')], now).get(7)?.id).toBe(1);
  });

  it('keeps the first listed of two appointments at the same time', () => {
    const next = nextAppointments([appointment(1, 7, '2025-06-20T09:00:00Z'), appointment(2, 7, '2025-06-20T09:00:00Z')], now);
    expect(next.get(7)?.id).toBe(1);
  });

  it('measures from the present moment by default', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    try {
      expect(nextAppointments([appointment(1, 7, '2029-12-31T23:00:00Z')]).size).toBe(0);
      expect(nextAppointments([appointment(1, 7, '2030-01-01T01:00:00Z')]).size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('upcomingWindow', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs from now for 180 days unless told otherwise', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-06-15T12:00:00Z'));
    expect(upcomingWindow()).toEqual({ from: '2025-06-15T12:00:00.000Z', to: '2025-12-12T12:00:00.000Z' });
    expect(upcomingWindow(1)).toEqual({ from: '2025-06-15T12:00:00.000Z', to: '2025-06-16T12:00:00.000Z' });
    expect(upcomingWindow(0)).toEqual({ from: '2025-06-15T12:00:00.000Z', to: '2025-06-15T12:00:00.000Z' });
  });

  it('counts whole days of 24 hours in UTC, across a change of the clocks', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-08T12:00:00Z'));
    expect(upcomingWindow(2).to).toBe('2025-03-10T12:00:00.000Z');
  });
});

describe('loadCaseload', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const feedback: DashboardRow = {
    client_id: 1,
    client_name: 'Sam Rivera',
    episode_id: 11,
    episode_status: 'active',
    therapist_id: 1,
    therapist_name: 'Dr. Jo Park',
    open_alerts: 1,
    top_severity: 'high',
    last_outcome: null,
    last_rapport: null,
    outcome_trend: [],
    rapport_trend: [],
    last_feedback_at: null,
    next_appointment_at: null,
    plan_status: 'none',
    plan_review_due: false,
  };

  it('keeps the server’s order and fills in what a line leaves out', async () => {
    const lines: CaseloadLine[] = [
      { client: { id: 1, display_name: 'Sam Rivera', is_minor: false }, episode: episode(11, 'active', '2025-01-01T09:00:00Z'), next_appointment: null, feedback },
      {
        client: { id: 2, display_name: 'Ada Byron', is_minor: true },
        episode: episode(12, 'ended', '2024-01-01T09:00:00Z'),
        next_appointment: { id: 5, episode_id: 12, starts_at: '2025-07-01T09:00:00Z', duration_minutes: 50, modality: 'video', status: 'scheduled' },
        feedback: null,
      },
    ];
    vi.spyOn(api, 'caseload').mockResolvedValue({ clients: lines });
    const rows = await loadCaseload();
    expect(rows).toEqual([
      { client: { id: 1, display_name: 'Sam Rivera', is_minor: false, email: '' }, episode: lines[0]!.episode, next: undefined, feedback },
      { client: { id: 2, display_name: 'Ada Byron', is_minor: true, email: '' }, episode: lines[1]!.episode, next: lines[1]!.next_appointment, feedback: undefined },
    ]);
  });

  it('gives an empty caseload for no clients', async () => {
    vi.spyOn(api, 'caseload').mockResolvedValue({ clients: [] });
    expect(await loadCaseload()).toEqual([]);
  });
});
