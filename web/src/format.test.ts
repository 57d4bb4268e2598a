// The tests run in British English and New York time (vitest.config.ts): instants are shown in
// the reader's own zone, five hours behind UTC in winter and four in summer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { firstName, formatDate, formatDateTime, formatDayMonth, modalityLabel, roleLabels, statusLabel } from './format';

describe('the pinned test environment', () => {
  it('formats in British English and New York time', () => {
    const options = new Intl.DateTimeFormat().resolvedOptions();
    expect(options.locale).toBe('en-GB');
    expect(options.timeZone).toBe('America/New_York');
  });
});

describe('formatDateTime', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-06-15T12:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows an instant of an earlier year with its weekday, date, year and local time', () => {
    expect(formatDateTime('2024-03-05T14:30:00Z')).toBe('Tue, 5 Mar 2024, 9:30');
  });

  it('leaves the year out within the current year', () => {
    expect(formatDateTime('2025-07-04T18:05:00Z')).toBe('Fri 4 Jul, 14:05');
  });

  it('follows daylight saving time in the reader’s zone', () => {
    expect(formatDateTime('2025-01-10T15:00:00Z')).toBe('Fri 10 Jan, 10:00');
    expect(formatDateTime('2025-05-10T15:00:00Z')).toBe('Sat 10 May, 11:00');
  });

  it('shows the year when the instant falls in the previous year locally, though not in UTC', () => {
    expect(formatDateTime('2025-01-01T03:00:00Z')).toBe('Tue, 31 Dec 2024, 22:00');
  });

  it('takes the current year from the reader’s clock, not from UTC', () => {
    // 03:00 UTC on New Year's Day is still 2024 in New York.
    vi.setSystemTime(new Date('2025-01-01T03:00:00Z'));
    expect(formatDateTime('2024-12-31T15:00:00Z')).toBe('Tue 31 Dec, 10:00');
    expect(formatDateTime('2025-01-01T15:00:00Z')).toBe('Wed, 1 Jan 2025, 10:00');
  });

  it('shows nothing for a missing value', () => {
    expect(formatDateTime(null)).toBe('');
    expect(formatDateTime(undefined)).toBe('');
    expect(formatDateTime('')).toBe('');
  });

  it('gives back text that is not a date unchanged', () => {
    expect(formatDateTime('next Tuesday')).toBe('next Tuesday');
  });
});

describe('formatDate', () => {
  it('shows a bare calendar date as that same day', () => {
    expect(formatDate('2024-09-01')).toBe('1 Sept 2024');
    expect(formatDate('1990-01-01')).toBe('1 Jan 1990');
  });

  it('shows a bare calendar date as that same day to a reader east of UTC+12', async () => {
    try {
      for (const east of ['Pacific/Auckland', 'Pacific/Kiritimati']) {
        // The formatters take the zone when the module loads: load it afresh in that zone.
        vi.stubEnv('TZ', east);
        vi.resetModules();
        const { formatDate: there } = await import('./format');
        expect(there('1990-05-17'), east).toBe('17 May 1990');
        expect(there('2024-12-31'), east).toBe('31 Dec 2024');
      }
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('shows an instant on the day it falls in the reader’s zone', () => {
    expect(formatDate('2024-01-01T02:00:00Z')).toBe('31 Dec 2023');
    expect(formatDate('2024-01-01T12:00:00Z')).toBe('1 Jan 2024');
  });

  it('shows nothing for a missing value', () => {
    expect(formatDate(null)).toBe('');
    expect(formatDate(undefined)).toBe('');
    expect(formatDate('')).toBe('');
  });

  it('gives back text that is not a date unchanged, also when it is as long as a date', () => {
    expect(formatDate('soon')).toBe('soon');
    expect(formatDate('2024-13-45')).toBe('2024-13-45');
  });
});

describe('formatDayMonth', () => {
  it('shows the day and the whole month name without a year', () => {
    expect(formatDayMonth('2024-12-03T15:00:00Z')).toBe('3 December');
  });

  it('shows the day in the reader’s zone', () => {
    expect(formatDayMonth('2024-12-03T03:00:00Z')).toBe('2 December');
  });

  it('shows nothing for a missing value and gives back other text unchanged', () => {
    expect(formatDayMonth(null)).toBe('');
    expect(formatDayMonth('')).toBe('');
    expect(formatDayMonth('tomorrow')).toBe('tomorrow');
  });
});

describe('firstName', () => {
  it('takes the first word of a name', () => {
    expect(firstName('Sofia Lindqvist')).toBe('Sofia');
  });

  it('skips titles, with or without a full stop and in any case', () => {
    expect(firstName('Dr. Amir Haddad')).toBe('Amir');
    expect(firstName('dr amir haddad')).toBe('amir');
    expect(firstName('Prof Dr Ada Byron')).toBe('Ada');
    expect(firstName('MX. Sam Quinn')).toBe('Sam');
  });

  it('does not mistake a name that begins like a title for one', () => {
    expect(firstName('Drew Barry')).toBe('Drew');
    expect(firstName('Mrsa Kay')).toBe('Mrsa');
  });

  it('ignores spaces around and between the words', () => {
    expect(firstName('  Jordan   Lee ')).toBe('Jordan');
  });

  it('keeps the whole name when it is nothing but a title', () => {
    expect(firstName('Dr.')).toBe('Dr.');
    expect(firstName('Mr Dr')).toBe('Mr Dr');
  });

  it('gives an empty name back empty', () => {
    expect(firstName('')).toBe('');
    expect(firstName('   ')).toBe('');
  });
});

describe('modalityLabel', () => {
  it('names each way of meeting', () => {
    expect(modalityLabel('in-person')).toBe('In person');
    expect(modalityLabel('video')).toBe('Video');
    expect(modalityLabel('phone')).toBe('Phone');
    expect(modalityLabel('text')).toBe('Text chat');
  });

  it('gives an unknown way of meeting back as it is', () => {
    expect(modalityLabel('in_person')).toBe('in_person');
    expect(modalityLabel('')).toBe('');
  });
});

describe('statusLabel', () => {
  it('turns dashes and underscores into spaces and capitalises the first letter', () => {
    expect(statusLabel('no-show')).toBe('No show');
    expect(statusLabel('changes_requested')).toBe('Changes requested');
    expect(statusLabel('awaiting_guardian-consent')).toBe('Awaiting guardian consent');
  });

  it('leaves the rest of the letters as they are', () => {
    expect(statusLabel('active')).toBe('Active');
    expect(statusLabel('ACTIVE')).toBe('ACTIVE');
  });

  it('shows nothing for an empty status', () => {
    expect(statusLabel('')).toBe('');
  });
});

describe('roleLabels', () => {
  it('names every role', () => {
    expect(roleLabels).toEqual({
      admin: 'Administrator',
      supervisor: 'Supervisor',
      therapist: 'Therapist',
      client: 'Client',
      guardian: 'Guardian',
    });
  });
});
