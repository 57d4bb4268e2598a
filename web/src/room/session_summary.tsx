// A held session's summary in plain words, a line per thing measured: shared by the room (the
// therapist's summary once the session has ended) and the episode page (beside each session's
// Rapport Check).
import { useMemo } from 'preact/hooks';
import { ApiError } from '../api';
import { roomApi, type SessionSummary } from './room_api';
import { summaryLines } from './words';

// The summary of the session held in an appointment's room, or null when the server has none
// (404: no session there, or not one this reader may see).
export function loadSessionSummary(appointmentId: number): Promise<SessionSummary | null> {
  return roomApi.summary(appointmentId).catch((e: unknown) => {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  });
}

// `therapistName` names the therapist instead of "you", for a reader who is not the session's
// therapist (a supervisor).
export function SessionSummaryLines({ summary, clientName, therapistName }: { summary: SessionSummary; clientName: string; therapistName?: string }) {
  const lines = useMemo(() => summaryLines(summary, clientName, therapistName), [summary, clientName, therapistName]);
  return (
    <ul class="summary__lines">
      {lines.map((l) => (
        <li key={l}>{l}</li>
      ))}
    </ul>
  );
}
