// "Join the session room" beside a video, phone or typed appointment that was not cancelled and
// whose room has not closed, wherever appointments are listed.
import { formatDateTime } from '../format';
import { hasRoomLink, roomPath } from './room_api';

interface Listed {
  id: number;
  modality: string;
  status: string;
  starts_at: string;
  duration_minutes: number;
}

// Whether the appointment's room is open now (from ten minutes before the start).
export function roomOpenNow(a: Listed, now = Date.now()): boolean {
  return hasRoomLink(a, now) && Date.parse(a.starts_at) - 10 * 60_000 <= now;
}

export function RoomLink({ appointment, primary = false, withWhen = true }: { appointment: Listed; primary?: boolean; withWhen?: boolean }) {
  if (!hasRoomLink(appointment)) return null;
  return (
    <a class={primary ? 'button button--primary room-link' : 'button button--small room-link'} href={roomPath(appointment.id)}>
      Join the session room
      {withWhen && <span class="visually-hidden"> for {formatDateTime(appointment.starts_at)}</span>}
    </a>
  );
}
