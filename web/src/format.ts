// Dates and times as people read them, in the browser's own locale and time zone.

const dateTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
// Within the current year the year is noise.
const dateTimeThisYear = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: 'numeric',
  minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
// A bare date read in UTC, where it was placed: the same calendar day in every zone.
const calendarDate = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.getFullYear() === new Date().getFullYear() ? dateTimeThisYear.format(d) : dateTime.format(d);
}

// How to greet someone: their first name, skipping a title such as "Dr.".
export function firstName(displayName: string): string {
  const words = displayName.trim().split(/\s+/);
  const titles = /^(dr|mr|mrs|ms|mx|prof|sir|dame)\.?$/i;
  return words.find((w) => !titles.test(w)) ?? displayName;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  // A bare date (date of birth, a goal's due date) is a calendar date, not an instant: placed and
  // read in UTC, so that a reader east of UTC+12 sees the same day.
  const bare = iso.length === 10;
  const d = new Date(bare ? `${iso}T12:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (bare ? calendarDate : dateOnly).format(d);
}

const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long' });

// "3 December": the day of a session near now, where the year goes without saying.
export function formatDayMonth(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dayMonth.format(d);
}

export function modalityLabel(m: string): string {
  switch (m) {
    case 'in-person':
      return 'In person';
    case 'video':
      return 'Video';
    case 'phone':
      return 'Phone';
    case 'text':
      return 'Text chat';
    default:
      return m;
  }
}

export function statusLabel(s: string): string {
  if (!s) return '';
  const t = s.replace(/[-_]/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export const roleLabels: Record<string, string> = {
  admin: 'Administrator',
  supervisor: 'Supervisor',
  therapist: 'Therapist',
  client: 'Client',
  guardian: 'Guardian',
};
