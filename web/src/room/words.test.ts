// Clock times are in British English and New York time (vitest.config.ts): 14:00 UTC in March
// 2025, before the clocks change, is 9:00 there.
import { describe, expect, it } from 'vitest';
import type { SessionSummary, SignalsState, StripReading } from './room_api';
import { clockTime, leaderWords, percent, reactionWords, signalsWords, strengthWord, stripMovement, stripTalk, summaryLines } from './words';

const kClient = 'Jordan Lee';
const kTherapist = 'Dr. Jo Park';

function signals(more: Partial<SignalsState> = {}): SignalsState {
  return { on: false, consent: { therapist: false, client: false }, paused_by: null, strip: false, ...more };
}

function reading(more: Partial<StripReading> = {}): StripReading {
  return { sync: null, lag_seconds: null, leader: 'none', client_share: null, at: 0, ...more };
}

// Seconds of talk and of the mean turn, which no line reads.
const kTalk = { client: 10, therapist: 12 };

function summary(more: Partial<SessionSummary> = {}): SessionSummary {
  return {
    appointment_id: 1,
    episode_id: 1,
    modality: 'video',
    started_at: null,
    ended_at: null,
    duration_seconds: null,
    signals: { consented: true },
    movement_synchrony: null,
    talk_share: null,
    turns: null,
    typed: null,
    reactions: [],
    ...more,
  };
}

describe('percent', () => {
  it('rounds a share to a whole percentage with a space before the sign', () => {
    expect(percent(0.456)).toBe('46 %');
    expect(percent(0)).toBe('0 %');
    expect(percent(1)).toBe('100 %');
    expect(percent(0.125)).toBe('13 %');
  });
});

describe('strengthWord', () => {
  it('calls r of 0.5 and more high, from 0.3 moderate, and anything less low', () => {
    expect(strengthWord(0.9)).toBe('high');
    expect(strengthWord(0.5)).toBe('high');
    expect(strengthWord(0.49)).toBe('moderate');
    expect(strengthWord(0.3)).toBe('moderate');
    expect(strengthWord(0.29)).toBe('low');
    expect(strengthWord(-0.8)).toBe('low');
  });
});

describe('leaderWords', () => {
  it('tells the therapist who followed whom, by the client’s first name', () => {
    expect(leaderWords('therapist', 2.4, kClient)).toBe('Jordan tended to follow you by about 2 s');
    expect(leaderWords('client', 2.6, kClient)).toBe('you tended to follow Jordan by about 3 s');
  });

  it('speaks in the present while the session goes on', () => {
    expect(leaderWords('therapist', 3, kClient, false)).toBe('Jordan tends to follow you by about 3 s');
  });

  it('names the therapist to someone else, such as a supervisor', () => {
    expect(leaderWords('client', 3, kClient, true, kTherapist)).toBe('Jo tended to follow Jordan by about 3 s');
    expect(leaderWords('together', null, kClient, true, kTherapist)).toBe('Jo and Jordan moved together, neither leading');
  });

  it('says when neither led', () => {
    expect(leaderWords('together', 0.2, kClient)).toBe('you moved together, neither leading');
  });

  it('says nothing when there is no leader', () => {
    expect(leaderWords('none', 1, kClient)).toBe('');
  });

  it('gives short lags to a tenth of a second, then a whole second', () => {
    expect(leaderWords('therapist', 0.4, kClient)).toBe('Jordan tended to follow you by about 0.4 s');
    expect(leaderWords('therapist', 0.94, kClient)).toBe('Jordan tended to follow you by about 0.9 s');
    expect(leaderWords('therapist', 0.95, kClient)).toBe('Jordan tended to follow you by about 1 s');
    expect(leaderWords('therapist', 1.49, kClient)).toBe('Jordan tended to follow you by about 1 s');
    expect(leaderWords('therapist', 1.5, kClient)).toBe('Jordan tended to follow you by about 2 s');
  });

  it('gives the size of a lag, whatever its sign', () => {
    expect(leaderWords('client', -1.2, kClient)).toBe('you tended to follow Jordan by about 1 s');
  });

  it('leaves out a lag that is unknown or not a number', () => {
    expect(leaderWords('therapist', null, kClient)).toBe('Jordan tended to follow you');
    expect(leaderWords('therapist', Number.NaN, kClient)).toBe('Jordan tended to follow you');
    expect(leaderWords('therapist', Number.POSITIVE_INFINITY, kClient)).toBe('Jordan tended to follow you');
  });
});

describe('reactionWords', () => {
  it('quotes each reaction', () => {
    expect(reactionWords('helped')).toBe('that helped');
    expect(reactionWords('not_right')).toBe('that didn’t feel right');
  });
});

describe('clockTime', () => {
  it('gives the local time of an instant, from text or milliseconds', () => {
    expect(clockTime('2025-03-05T14:05:00Z')).toBe('9:05');
    expect(clockTime(Date.parse('2025-03-05T22:30:00Z'))).toBe('17:30');
  });

  it('follows daylight saving time', () => {
    expect(clockTime('2025-03-10T14:05:00Z')).toBe('10:05');
  });

  it('gives nothing for a missing or unreadable time', () => {
    expect(clockTime(null)).toBe('');
    expect(clockTime(undefined)).toBe('');
    expect(clockTime('later')).toBe('');
    expect(clockTime(Number.NaN)).toBe('');
  });

  it('reads 0 as the start of 1970, not as missing', () => {
    expect(clockTime(0)).toBe('19:00');
  });
});

describe('signalsWords', () => {
  it('says the signals are off before the room has said anything', () => {
    expect(signalsWords(null, 'client', kTherapist, kClient)).toEqual(['Rapport signals are off.']);
  });

  it('says what is shared while the signals are on', () => {
    expect(signalsWords(signals({ on: true, consent: { therapist: true, client: true } }), 'therapist', kTherapist, kClient)).toEqual([
      'Rapport signals are on: only numbers about how you move and when you speak are shared, never video or sound.',
    ]);
  });

  it('says who paused the signals, as the reader knows them', () => {
    const byTherapist = signals({ paused_by: 'therapist', consent: { therapist: true, client: true } });
    expect(signalsWords(byTherapist, 'therapist', kTherapist, kClient)).toEqual(['Rapport signals are paused by you.']);
    expect(signalsWords(byTherapist, 'client', kTherapist, kClient)).toEqual(['Rapport signals are paused by your therapist.']);
    expect(signalsWords(byTherapist, 'guardian', kTherapist, kClient)).toEqual(['Rapport signals are paused by Jo.']);
    const byClient = signals({ paused_by: 'client', consent: { therapist: true, client: true } });
    expect(signalsWords(byClient, 'therapist', kTherapist, kClient)).toEqual(['Rapport signals are paused by Jordan.']);
    expect(signalsWords(byClient, 'client', kTherapist, kClient)).toEqual(['Rapport signals are paused by you.']);
  });

  it('tells the one who has not agreed yet that the signals wait for them', () => {
    const therapistAgreed = signals({ consent: { therapist: true, client: false } });
    expect(signalsWords(therapistAgreed, 'client', kTherapist, kClient)).toEqual([
      'Rapport signals are off. Your therapist has agreed; they start only if you agree too.',
    ]);
    expect(signalsWords(therapistAgreed, 'therapist', kTherapist, kClient)).toEqual(['Rapport signals are off until Jordan agrees.']);
    const clientAgreed = signals({ consent: { therapist: false, client: true } });
    expect(signalsWords(clientAgreed, 'therapist', kTherapist, kClient)).toEqual(['Rapport signals are off. Jordan has agreed; they start only if you agree too.']);
    expect(signalsWords(clientAgreed, 'client', kTherapist, kClient)).toEqual(['Rapport signals are off until your therapist agrees.']);
    expect(signalsWords(clientAgreed, 'guardian', kTherapist, kClient)).toEqual(['Rapport signals are off until Jo agrees.']);
  });

  it('says both must agree while neither has', () => {
    expect(signalsWords(signals(), 'client', kTherapist, kClient)).toEqual(['Rapport signals are off. They start only if both of you agree.']);
  });

  it('says who sees the live strip', () => {
    const on = signals({ on: true, strip: true, consent: { therapist: true, client: true } });
    expect(signalsWords(on, 'therapist', kTherapist, kClient)[1]).toBe('You see a live summary of movement and talk balance; Jordan is told so.');
    expect(signalsWords(on, 'client', kTherapist, kClient)[1]).toBe('Your therapist sees a live summary of movement and talk balance.');
    expect(signalsWords(on, 'guardian', kTherapist, kClient)[1]).toBe('Jo sees a live summary of movement and talk balance.');
  });
});

describe('stripMovement', () => {
  it('waits for enough movement', () => {
    expect(stripMovement(reading(), kClient)).toBe('Moving in step: not enough yet');
    expect(stripMovement(reading({ sync: Number.NaN }), kClient)).toBe('Moving in step: not enough yet');
  });

  it('gives the strength, r to two decimals, and who leads', () => {
    expect(stripMovement(reading({ sync: 0.41, leader: 'therapist', lag_seconds: 1 }), kClient)).toBe(
      'Moving in step: moderate (r 0.41); Jordan tends to follow you by about 1 s',
    );
    expect(stripMovement(reading({ sync: 0.7, leader: 'together' }), kClient)).toBe('Moving in step: high (r 0.70); you moved together, neither leading');
  });

  it('leaves out the leader when there is none', () => {
    expect(stripMovement(reading({ sync: 0.1, leader: 'none', lag_seconds: 2 }), kClient)).toBe('Moving in step: low (r 0.10)');
  });

  it('shows an r that rounds to zero without a sign, and a negative r with one', () => {
    expect(stripMovement(reading({ sync: -0.001 }), kClient)).toBe('Moving in step: low (r 0.00)');
    expect(stripMovement(reading({ sync: -0.25 }), kClient)).toBe('Moving in step: low (r -0.25)');
  });
});

describe('stripTalk', () => {
  it('waits until someone has spoken', () => {
    expect(stripTalk(reading(), kClient)).toBe('Talk: nobody has spoken yet');
    expect(stripTalk(reading({ client_share: Number.POSITIVE_INFINITY }), kClient)).toBe('Talk: nobody has spoken yet');
  });

  it('gives the client’s share and the therapist’s', () => {
    expect(stripTalk(reading({ client_share: 0.6 }), kClient)).toBe('Talk: Jordan 60 % · you 40 %');
    expect(stripTalk(reading({ client_share: 0 }), kClient)).toBe('Talk: Jordan 0 % · you 100 %');
  });
});

describe('summaryLines', () => {
  const video = summary({
    started_at: '2025-03-05T14:00:00Z',
    ended_at: '2025-03-05T14:50:00Z',
    duration_seconds: 3000,
    movement_synchrony: { strength: 0.42, peak_lag_seconds: 1.2, leader: 'therapist', windows: 30, earlier_sessions: 3, earlier_mean_strength: 0.35 },
    talk_share: { client: 0.55, therapist: 0.45 },
    turns: { client: 40, therapist: 38, talk_seconds: kTalk, mean_turn_seconds: kTalk, overlaps: 3, interruptions: { client: 2, therapist: 1 }, median_latency_seconds: { client: 0.8, therapist: 1.6 } },
    reactions: [
      { kind: 'helped', at: '2025-03-05T14:20:00Z', offset_seconds: 1200 },
      { kind: 'not_right', at: '2025-03-05T14:31:00Z', offset_seconds: 1860 },
    ],
  });

  it('sums up a video session for its therapist, a line per thing measured', () => {
    expect(summaryLines(video, kClient)).toEqual([
      'Length: 50 minutes, from 9:00 to 9:50.',
      'Moved in step: moderate (r 0.42); Jordan tended to follow you by about 1 s. In Jordan’s 3 earlier sessions: r 0.35 on average.',
      'Talk: Jordan 55 %, you 45 %.',
      'Turns: Jordan 40, you 38; you spoke over each other 3 times (Jordan took the floor in 2 of them, you in 1); Jordan usually answered after 0.8 s, you after 2 s.',
      'Jordan’s reactions: “that helped” at 9:20 (20 minutes in), “that didn’t feel right” at 9:31 (31 minutes in).',
    ]);
  });

  it('names the therapist to a supervisor', () => {
    expect(summaryLines(video, kClient, kTherapist)).toEqual([
      'Length: 50 minutes, from 9:00 to 9:50.',
      'Moved in step: moderate (r 0.42); Jordan tended to follow Jo by about 1 s. In Jordan’s 3 earlier sessions: r 0.35 on average.',
      'Talk: Jordan 55 %, Jo 45 %.',
      'Turns: Jordan 40, Jo 38; they spoke over each other 3 times (Jordan took the floor in 2 of them, Jo in 1); Jordan usually answered after 0.8 s, Jo after 2 s.',
      'Jordan’s reactions: “that helped” at 9:20 (20 minutes in), “that didn’t feel right” at 9:31 (31 minutes in).',
    ]);
  });

  it('speaks of one earlier session and one overlap in the singular', () => {
    const lines = summaryLines(
      summary({
        movement_synchrony: { strength: 0.2, peak_lag_seconds: 0, leader: 'none', windows: 5, earlier_sessions: 1, earlier_mean_strength: 0.5 },
        turns: { client: 1, therapist: 1, talk_seconds: kTalk, mean_turn_seconds: kTalk, overlaps: 1, interruptions: { client: 1, therapist: 0 }, median_latency_seconds: { client: null, therapist: 1 } },
      }),
      kClient,
    );
    expect(lines).toEqual([
      'Moved in step: low (r 0.20). In Jordan’s 1 earlier session: r 0.50 on average.',
      'Turns: Jordan 1, you 1; you spoke over each other 1 time (Jordan took the floor in 1 of them, you in 0).',
    ]);
  });

  it('leaves out the earlier sessions and the overlaps when there are none', () => {
    const lines = summaryLines(
      summary({
        movement_synchrony: { strength: 0.6, peak_lag_seconds: 0, leader: 'together', windows: 5, earlier_sessions: 0, earlier_mean_strength: null },
        turns: { client: 5, therapist: 4, talk_seconds: kTalk, mean_turn_seconds: kTalk, overlaps: 0, interruptions: { client: 0, therapist: 0 }, median_latency_seconds: { client: 1, therapist: 1 } },
      }),
      kClient,
    );
    expect(lines).toEqual([
      'Moved in step: high (r 0.60); you moved together, neither leading.',
      'Turns: Jordan 5, you 4; Jordan usually answered after 1 s, you after 1 s.',
    ]);
  });

  it('gives the length in minutes, or hours and minutes', () => {
    const length = (seconds: number) => summaryLines(summary({ duration_seconds: seconds }), kClient)[0];
    expect(length(29)).toBe('Length: under a minute.');
    expect(length(0)).toBe('Length: under a minute.');
    expect(length(30)).toBe('Length: 1 minute.');
    expect(length(60)).toBe('Length: 1 minute.');
    expect(length(150)).toBe('Length: 3 minutes.');
    expect(length(3569)).toBe('Length: 59 minutes.');
    expect(length(3570)).toBe('Length: 1 h 0 min.');
    expect(length(5430)).toBe('Length: 1 h 31 min.');
  });

  it('says there is nothing on movement or talk when the signals were never switched on', () => {
    expect(summaryLines(summary({ signals: { consented: false } }), kClient)).toEqual([
      'Rapport signals were not switched on in this session, so there is nothing on movement or talk.',
    ]);
  });

  it('says a video session had too little video to judge movement, but says nothing of it for other sessions', () => {
    expect(summaryLines(summary({ modality: 'video' }), kClient)).toEqual(['Moved in step: not enough video to say.']);
    expect(
      summaryLines(
        summary({ modality: 'video', movement_synchrony: { strength: Number.NaN, peak_lag_seconds: 0, leader: 'none', windows: 0, earlier_sessions: 0, earlier_mean_strength: null } }),
        kClient,
      ),
    ).toEqual(['Moved in step: not enough video to say.']);
    expect(summaryLines(summary({ modality: 'phone' }), kClient)).toEqual([]);
  });

  it('sums up a typed session, with how closely the writing styles matched', () => {
    const typed = (styleMatching: number | null) =>
      summaryLines(
        summary({
          modality: 'text',
          signals: { consented: false },
          typed: { messages: { client: 1, therapist: 2 }, words: { client: 60, therapist: 80 }, style_matching: styleMatching, median_reply_seconds: { client: 30, therapist: 12.4 } },
        }),
        kClient,
      )[1];
    expect(typed(0.85)).toBe('Typed messages: Jordan 1, you 2; writing styles matched closely (0.85); usual reply: Jordan 30 s, you 12 s.');
    expect(typed(0.8)).toBe('Typed messages: Jordan 1, you 2; writing styles matched closely (0.80); usual reply: Jordan 30 s, you 12 s.');
    expect(typed(0.6)).toBe('Typed messages: Jordan 1, you 2; writing styles matched somewhat (0.60); usual reply: Jordan 30 s, you 12 s.');
    expect(typed(0.59)).toBe('Typed messages: Jordan 1, you 2; writing styles matched little (0.59); usual reply: Jordan 30 s, you 12 s.');
    expect(typed(null)).toBe('Typed messages: Jordan 1, you 2; usual reply: Jordan 30 s, you 12 s.');
  });
});
