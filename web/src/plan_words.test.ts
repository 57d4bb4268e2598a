// Dates in these sentences are in British English and New York time (vitest.config.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DiffRow, Goal, PlanContent, PlanOverview, PlanVersion, Problem, Signature, VersionSummary } from './plan_api';
import {
  agreementWords,
  audienceOf,
  changeInWords,
  clientWordsLabel,
  commentLabel,
  deciderOf,
  emptyContent,
  fieldLabel,
  formatScore,
  formatTau,
  formulationLabel,
  gasLevelName,
  goalIsPrivate,
  newestVersion,
  normalizeContent,
  planStateLines,
  problemName,
  problemsInOrder,
  questionnaireTarget,
  readerOf,
  sequenceChanges,
  shortText,
  signedBy,
  usedKeyNumbers,
  versionByNumber,
  versionDates,
  versionStatusLabel,
  wordChanges,
  type ChangeContext,
  type Reader,
} from './plan_words';

const kClientId = 20;
const kTherapistId = 10;
const kGuardianId = 30;

function version(number: number, status: VersionSummary['status'], more: Partial<VersionSummary> = {}): VersionSummary {
  return {
    number,
    status,
    content_hash: null,
    created_at: '2025-02-01T15:00:00Z',
    updated_at: '2025-02-01T15:00:00Z',
    proposed_at: null,
    decided_at: null,
    client_comment: null,
    decided_by: null,
    ...more,
  };
}

function overview(more: Partial<PlanOverview> = {}): PlanOverview {
  return {
    episode_id: 7,
    client: { id: kClientId, name: 'Sam Rivera' },
    therapist: { id: kTherapistId, name: 'Dr. Jo Park' },
    guardian_view: false,
    may_edit: false,
    may_accept: false,
    versions: [],
    agreed_number: null,
    open_number: null,
    current: null,
    rankings: { client: null, therapist: null },
    consensus: { tau: null, compared: 0, most_different: [], plain_words: '' },
    goals: [],
    homework: [],
    gas_t_score: null,
    review: { due: false, due_at: null, sessions_since: 0, reason: '' },
    last_review_at: null,
    thought_records: 0,
    homework_completion: { check_ins: 0, done: 0, rate: null },
    ...more,
  };
}

function signature(role: Signature['role'], name: string, signedAt: string): Signature {
  return { role, user_id: 1, name, signed_at: signedAt, content_hash: 'h', account_link_handed_over_by: null };
}

function agreedVersion(number: number, signatures: Signature[]): PlanVersion {
  return { ...version(number, 'agreed'), content: emptyContent(), signatures, guardian_filtered: false };
}

const careReader: Reader = { audience: 'care', client: 'Sam Rivera', therapist: 'Dr. Jo Park', clientId: kClientId, viewerId: kTherapistId };
const clientReader: Reader = { audience: 'client', client: 'Sam Rivera', therapist: 'Dr. Jo Park', clientId: kClientId, viewerId: kClientId };
const guardianReader: Reader = { audience: 'guardian', client: 'Sam Rivera', therapist: 'Dr. Jo Park', clientId: kClientId, viewerId: kGuardianId };

function problem(key: string | undefined, words: string, more: Partial<Problem> = {}): Problem {
  return { key, client_words: words, status: 'active', ...more };
}

describe('versionStatusLabel', () => {
  it('names each status in plain words', () => {
    expect(versionStatusLabel('changes_requested')).toBe('Changes requested');
    expect(versionStatusLabel('superseded')).toBe('Replaced by a later version');
    expect(versionStatusLabel('agreed')).toBe('Agreed');
  });

  it('gives an unknown status back as it is', () => {
    expect(versionStatusLabel('archived')).toBe('archived');
  });
});

describe('fieldLabel', () => {
  it('calls a row without a field the whole item', () => {
    expect(fieldLabel('')).toBe('Whole item');
  });

  it('turns underscores into spaces and capitalises the first letter', () => {
    expect(fieldLabel('due_date')).toBe('Due date');
    expect(fieldLabel('client_words')).toBe('Client words');
  });
});

describe('normalizeContent', () => {
  it('gives empty content for nothing', () => {
    expect(normalizeContent(null)).toEqual(emptyContent());
    expect(normalizeContent(undefined)).toEqual(emptyContent());
    expect(normalizeContent({})).toEqual(emptyContent());
  });

  it('fills in the parts a problem or goal may omit, keeping what is there', () => {
    const c = normalizeContent({
      problems: [{ key: 'p1', client_words: 'Sleep' } as Problem],
      goals: [{ key: 'g1', problem_key: 'p1', description: 'Sleep more', due_date: '' } as Goal],
      guardian: { problems: true } as PlanContent['guardian'],
    });
    expect(c.summary).toBe('');
    expect(c.agreed_order).toEqual([]);
    expect(c.problems).toEqual([{ key: 'p1', client_words: 'Sleep', formulation: '', diagnosis: '', status: 'active' }]);
    expect(c.goals[0]).toEqual({ key: 'g1', problem_key: 'p1', description: 'Sleep more', due_date: '', benchmarks: [], interventions: [], homework: [] });
    expect(c.guardian).toEqual({ problems: true, goals: false, homework: false, ask_agreement: false });
  });

  it('keeps a problem’s own status', () => {
    expect(normalizeContent({ problems: [problem('p1', 'Sleep', { status: 'resolved' })] }).problems[0]!.status).toBe('resolved');
  });
});

describe('problemsInOrder', () => {
  const a = problem('p1', 'A');
  const b = problem('p2', 'B');
  const c = problem('p3', 'C');
  const unkeyed = problem(undefined, 'New');

  it('puts the problems in the agreed order, then those not yet placed in their own order', () => {
    const content = { ...emptyContent(), problems: [a, b, c, unkeyed], agreed_order: ['p3', 'p1'] };
    expect(problemsInOrder(content).map((p) => p.client_words)).toEqual(['C', 'A', 'B', 'New']);
  });

  it('skips keys in the order that name no problem here, and a key given twice', () => {
    const content = { ...emptyContent(), problems: [a, b], agreed_order: ['p9', 'p2', 'p2'] };
    expect(problemsInOrder(content).map((p) => p.client_words)).toEqual(['B', 'A']);
  });

  it('gives no problems for a plan without any', () => {
    expect(problemsInOrder(emptyContent())).toEqual([]);
  });
});

describe('problemName', () => {
  const content = { ...emptyContent(), problems: [problem('p1', 'I cannot sleep')] };

  it('names a problem by the client’s words', () => {
    expect(problemName(content, 'p1')).toBe('I cannot sleep');
  });

  it('says a problem this reader cannot see is not shown, rather than giving its key', () => {
    expect(problemName(content, 'p2')).toBe('a problem not shown here');
  });
});

describe('shortText', () => {
  it('keeps a text that fits, with its spaces tidied', () => {
    expect(shortText('  I   cannot\nsleep  ')).toBe('I cannot sleep');
    expect(shortText('12345', 5)).toBe('12345');
  });

  it('cuts a longer text to the limit, ending in an ellipsis', () => {
    expect(shortText('123456', 5)).toBe('1234…');
    expect(shortText('a'.repeat(61))).toBe(`${'a'.repeat(59)}…`);
  });

  it('does not leave a space before the ellipsis', () => {
    expect(shortText('one two three', 9)).toBe('one two…');
  });
});

describe('newestVersion and versionByNumber', () => {
  const o = overview({ versions: [version(2, 'agreed'), version(3, 'draft'), version(1, 'superseded')] });

  it('finds the version with the highest number, wherever it is listed', () => {
    expect(newestVersion(o)?.number).toBe(3);
  });

  it('finds no newest version when there are none', () => {
    expect(newestVersion(overview())).toBeUndefined();
  });

  it('finds a version by its number, and none for a number not given or not there', () => {
    expect(versionByNumber(o, 1)?.status).toBe('superseded');
    expect(versionByNumber(o, 4)).toBeUndefined();
    expect(versionByNumber(o, null)).toBeUndefined();
    expect(versionByNumber(o, undefined)).toBeUndefined();
  });
});

describe('signedBy', () => {
  it('says nothing when nobody has signed', () => {
    expect(signedBy([])).toBe('');
  });

  it('names one signer with their role and the day', () => {
    expect(signedBy([signature('therapist', 'Dr. Jo Park', '2025-03-03T15:00:00Z')])).toBe('Dr. Jo Park (therapist) on 3 Mar 2025');
  });

  it('joins two signers with "and"', () => {
    expect(signedBy([signature('therapist', 'Dr. Jo Park', '2025-03-03T15:00:00Z'), signature('client', 'Sam Rivera', '2025-03-04T15:00:00Z')])).toBe(
      'Dr. Jo Park (therapist) on 3 Mar 2025 and Sam Rivera (client) on 4 Mar 2025',
    );
  });

  it('lists three signers with commas and a final "and"', () => {
    expect(
      signedBy([
        signature('therapist', 'Jo', '2025-03-03T15:00:00Z'),
        signature('client', 'Sam', '2025-03-04T15:00:00Z'),
        signature('guardian', 'Alex', '2025-03-05T15:00:00Z'),
      ]),
    ).toBe('Jo (therapist) on 3 Mar 2025, Sam (client) on 4 Mar 2025 and Alex (guardian) on 5 Mar 2025');
  });

  it('gives the day in the reader’s zone', () => {
    // 02:00 UTC is still the evening before in New York.
    expect(signedBy([signature('client', 'Sam', '2025-03-04T02:00:00Z')])).toBe('Sam (client) on 3 Mar 2025');
  });
});

describe('audienceOf and readerOf', () => {
  it('reads a plan the reader may edit as the care team’s, else as a guardian’s or the client’s', () => {
    expect(audienceOf(overview({ may_edit: true, guardian_view: true }))).toBe('care');
    expect(audienceOf(overview({ guardian_view: true }))).toBe('guardian');
    expect(audienceOf(overview())).toBe('client');
  });

  it('gives therapists and supervisors the care team’s words even where they may not edit', () => {
    expect(readerOf(overview(), 'therapist', kTherapistId)).toEqual(careReader);
    expect(readerOf(overview(), 'supervisor').audience).toBe('care');
    expect(readerOf(overview(), 'client', kClientId)).toEqual(clientReader);
    expect(readerOf(overview({ guardian_view: true }), 'guardian').audience).toBe('guardian');
  });
});

describe('deciderOf and commentLabel', () => {
  it('calls the reader "you" when they answered themselves', () => {
    expect(deciderOf({ decided_by: kGuardianId }, guardianReader)).toBe('you');
    expect(commentLabel(guardianReader, { decided_by: kGuardianId })).toBe('Your comment');
  });

  it('takes an answer nobody is named for as the client’s', () => {
    expect(deciderOf({ decided_by: null }, careReader)).toBe('client');
    expect(deciderOf({ decided_by: null }, clientReader)).toBe('you');
    expect(commentLabel(careReader, { decided_by: null })).toBe("Sam Rivera's comment");
  });

  it('takes an answer by someone other than the reader and the client as a parent’s or carer’s', () => {
    expect(deciderOf({ decided_by: kGuardianId }, careReader)).toBe('carer');
    expect(deciderOf({ decided_by: kGuardianId }, clientReader)).toBe('carer');
    expect(commentLabel(careReader, { decided_by: kGuardianId })).toBe("A parent or carer's comment");
  });

  it('takes every answer as the client’s when the client’s id is not known', () => {
    expect(deciderOf({ decided_by: kGuardianId }, { ...careReader, clientId: undefined })).toBe('client');
  });

  it('labels a comment without a version by who is reading', () => {
    expect(commentLabel(clientReader)).toBe('Your comment');
    expect(commentLabel(careReader)).toBe("Sam Rivera's comment");
    expect(commentLabel(guardianReader)).toBe("Sam Rivera's comment");
  });
});

describe('goalIsPrivate', () => {
  const content = { ...emptyContent(), problems: [problem('p1', 'Open'), problem('p2', 'Private', { confidential: true })] };
  const goal = (problemKey: string, confidential?: boolean): Goal => ({
    key: 'g1',
    problem_key: problemKey,
    description: '',
    due_date: '',
    benchmarks: [],
    interventions: [],
    homework: [],
    confidential,
  });

  it('keeps a goal from parents and carers by its own mark or its problem’s', () => {
    expect(goalIsPrivate(content, goal('p1', true))).toBe(true);
    expect(goalIsPrivate(content, goal('p2'))).toBe(true);
  });

  it('shares a goal neither marked nor for a private problem, also one for a problem not there', () => {
    expect(goalIsPrivate(content, goal('p1'))).toBe(false);
    expect(goalIsPrivate(content, goal('p9', false))).toBe(false);
  });
});

describe('clientWordsLabel and formulationLabel', () => {
  it('speaks to the client as "you" and of them by name to others', () => {
    expect(clientWordsLabel(clientReader)).toBe('In your words');
    expect(clientWordsLabel(careReader)).toBe("In Sam Rivera's words");
    expect(clientWordsLabel(guardianReader)).toBe("In Sam Rivera's words");
  });

  it('gives the care team its own term and others what it is', () => {
    expect(formulationLabel(careReader)).toBe("Therapist's formulation");
    expect(formulationLabel(clientReader)).toBe('How Dr. Jo Park understands it');
    expect(formulationLabel(guardianReader)).toBe('How Dr. Jo Park understands it');
  });
});

describe('agreementWords', () => {
  it('explains what will be shown while not both orders are saved', () => {
    expect(agreementWords(null, clientReader)).toBe('Once you and Dr. Jo Park have both put the problems in order, this shows how closely your orders agree.');
    expect(agreementWords(undefined, careReader)).toBe(
      'Once Sam Rivera and Dr. Jo Park have both put the problems in order, this shows how closely their orders agree.',
    );
  });

  it('puts each band of agreement in words, from its lower bound', () => {
    expect(agreementWords(1, clientReader)).toBe('You and Dr. Jo Park put these problems in much the same order.');
    expect(agreementWords(0.7, careReader)).toBe('Sam Rivera and Dr. Jo Park put these problems in much the same order.');
    expect(agreementWords(0.69, careReader)).toBe(
      'Sam Rivera and Dr. Jo Park put these problems in a broadly similar order, with some differences worth talking about.',
    );
    expect(agreementWords(0.3, careReader)).toBe(
      'Sam Rivera and Dr. Jo Park put these problems in a broadly similar order, with some differences worth talking about.',
    );
    expect(agreementWords(0.29, careReader)).toBe('Sam Rivera and Dr. Jo Park put these problems in quite different orders: worth talking through together.');
    expect(agreementWords(0, careReader)).toBe('Sam Rivera and Dr. Jo Park put these problems in quite different orders: worth talking through together.');
    expect(agreementWords(-0.29, careReader)).toBe('Sam Rivera and Dr. Jo Park put these problems in quite different orders: worth talking through together.');
    expect(agreementWords(-0.3, careReader)).toBe('Sam Rivera and Dr. Jo Park put these problems in nearly opposite orders: worth talking through together.');
    expect(agreementWords(-1, clientReader)).toBe('You and Dr. Jo Park put these problems in nearly opposite orders: worth talking through together.');
  });
});

describe('planStateLines', () => {
  it('tells each reader there is no plan yet', () => {
    expect(planStateLines(overview({ may_edit: true }), null)).toEqual(['No plan yet. Start a draft to write it down with Sam Rivera.']);
    expect(planStateLines(overview(), null)).toEqual(['There is no plan yet. Dr. Jo Park will write it with you.']);
    expect(planStateLines(overview({ guardian_view: true }), null)).toEqual(['There is no plan yet. Dr. Jo Park will write it with Sam Rivera.']);
  });

  it('states the agreed version with its signers, and nothing more when it is the newest', () => {
    const o = overview({ versions: [version(1, 'agreed')], agreed_number: 1 });
    const agreed = agreedVersion(1, [signature('therapist', 'Dr. Jo Park', '2025-03-03T15:00:00Z'), signature('client', 'Sam Rivera', '2025-03-04T15:00:00Z')]);
    expect(planStateLines(o, agreed)).toEqual(['Agreed — version 1, signed by Dr. Jo Park (therapist) on 3 Mar 2025 and Sam Rivera (client) on 4 Mar 2025.']);
  });

  it('states an agreed version without signatures plainly', () => {
    const o = overview({ versions: [version(1, 'agreed')], agreed_number: 1 });
    expect(planStateLines(o, agreedVersion(1, []))).toEqual(['Agreed — version 1.']);
  });

  it('adds a draft after the agreed version, in the care team’s words or the client’s', () => {
    const versions = [version(1, 'agreed'), version(2, 'draft')];
    const agreed = agreedVersion(1, []);
    expect(planStateLines(overview({ versions, agreed_number: 1, may_edit: true }), agreed)).toEqual([
      'Agreed — version 1.',
      'Draft — version 2, not yet shown to Sam Rivera for agreement.',
    ]);
    expect(planStateLines(overview({ versions, agreed_number: 1 }), agreed)).toEqual(['Agreed — version 1.', 'Draft — Dr. Jo Park is still working on it.']);
  });

  it('asks the one who may accept a proposal for their answer', () => {
    const o = overview({ versions: [version(1, 'proposed', { proposed_at: '2025-03-03T15:00:00Z' })], may_accept: true });
    expect(planStateLines(o, null)).toEqual(['Waiting for your answer — version 1 was proposed on 3 Mar 2025.']);
  });

  it('tells others whose answer a proposal waits for', () => {
    const versions = [version(2, 'proposed')];
    expect(planStateLines(overview({ versions, may_edit: true }), null)).toEqual(["Proposed — version 2 is waiting for Sam Rivera's answer."]);
    expect(planStateLines(overview({ versions, guardian_view: true }), null)).toEqual(['Proposed — version 2 is waiting for an answer.']);
  });

  it('tells the client who asked for changes that the therapist will revise it', () => {
    const o = overview({ versions: [version(2, 'changes_requested', { decided_by: kClientId, client_comment: 'Less homework' })] });
    expect(planStateLines(o, null, kClientId)).toEqual(['You asked for changes to version 2. Dr. Jo Park will revise it with you.']);
  });

  it('quotes the client’s comment to the care team when the client asked for changes', () => {
    const o = overview({ versions: [version(2, 'changes_requested', { decided_by: kClientId, client_comment: 'Less homework' })], may_edit: true });
    expect(planStateLines(o, null, kTherapistId)).toEqual(['Sam Rivera asked for changes to version 2: “Less homework”']);
  });

  it('says a parent or carer asked for changes when someone other than the client did', () => {
    const o = overview({ versions: [version(2, 'changes_requested', { decided_by: kGuardianId })], may_edit: true });
    expect(planStateLines(o, null, kTherapistId)).toEqual(['A parent or carer asked for changes to version 2.']);
  });

  it('tells a parent or carer who declined that they did', () => {
    const o = overview({ versions: [version(3, 'declined', { decided_by: kGuardianId })], guardian_view: true });
    expect(planStateLines(o, null, kGuardianId)).toEqual(['You declined version 3.']);
  });

  it('tells the care team who declined, with their comment', () => {
    const byClient = overview({ versions: [version(3, 'declined', { decided_by: null })], may_edit: true });
    expect(planStateLines(byClient, null)).toEqual(['Sam Rivera declined version 3.']);
    const byCarer = overview({ versions: [version(3, 'declined', { decided_by: kGuardianId, client_comment: 'Not now' })], may_edit: true });
    expect(planStateLines(byCarer, null, kTherapistId)).toEqual(['A parent or carer declined version 3: “Not now”']);
  });

  it('says a withdrawn version was withdrawn', () => {
    expect(planStateLines(overview({ versions: [version(4, 'withdrawn')] }), null)).toEqual(['Version 4 was withdrawn.']);
  });

  it('says nothing more of a newest version that replaced nothing and is not open', () => {
    expect(planStateLines(overview({ versions: [version(1, 'superseded')] }), null)).toEqual([]);
  });
});

describe('versionDates', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-06-15T12:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives only when a version was started while nothing else happened to it', () => {
    expect(versionDates(version(1, 'draft', { created_at: '2025-02-01T15:00:00Z' }))).toBe('started Sat 1 Feb, 10:00');
  });

  it('says an agreed or replaced version was agreed', () => {
    const v = version(1, 'superseded', { created_at: '2025-02-01T15:00:00Z', proposed_at: '2025-02-02T15:00:00Z', decided_at: '2025-02-03T15:00:00Z' });
    expect(versionDates(v)).toBe('started Sat 1 Feb, 10:00 · proposed Sun 2 Feb, 10:00 · agreed Mon 3 Feb, 10:00');
    expect(versionDates({ ...v, status: 'agreed' })).toBe('started Sat 1 Feb, 10:00 · proposed Sun 2 Feb, 10:00 · agreed Mon 3 Feb, 10:00');
  });

  it('says a declined version was answered', () => {
    const v = version(2, 'declined', { created_at: '2024-12-01T15:00:00Z', decided_at: '2025-01-03T15:00:00Z' });
    expect(versionDates(v)).toBe('started Sun, 1 Dec 2024, 10:00 · answered Fri 3 Jan, 10:00');
  });
});

describe('usedKeyNumbers', () => {
  it('finds the highest number used for each kind of item across every version', () => {
    const first: PlanContent = {
      ...emptyContent(),
      problems: [problem('p1', 'A'), problem('p4', 'B')],
      goals: [
        {
          key: 'g2',
          problem_key: 'p1',
          description: '',
          due_date: '',
          benchmarks: [{ key: 'b3', kind: 'gas', weight: 1, levels: [] }],
          interventions: [{ key: 'i1', description: '' }],
          homework: [{ key: 'h7', description: '', due_date: '' }],
        },
      ],
    };
    const second: PlanContent = { ...emptyContent(), problems: [problem('p2', 'A'), problem(undefined, 'New')] };
    expect(usedKeyNumbers([first, second])).toEqual({ p: 4, g: 2, b: 3, i: 1, h: 7 });
  });

  it('ignores keys of another shape', () => {
    const content: PlanContent = { ...emptyContent(), problems: [problem('x9', 'A'), problem('p', 'B'), problem('p2a', 'C'), problem('P5', 'D')] };
    expect(usedKeyNumbers([content])).toEqual({ p: 0, g: 0, b: 0, i: 0, h: 0 });
  });

  it('starts from nothing when there is no content', () => {
    expect(usedKeyNumbers([])).toEqual({ p: 0, g: 0, b: 0, i: 0, h: 0 });
  });
});

describe('formatTau, formatScore and gasLevelName', () => {
  it('shows an agreement index with two decimals and a true minus sign', () => {
    expect(formatTau(0.456)).toBe('0.46');
    expect(formatTau(1)).toBe('1.00');
    expect(formatTau(-0.5)).toBe('−0.50');
  });

  it('shows an index that rounds to zero without a sign', () => {
    expect(formatTau(-0.004)).toBe('0.00');
  });

  it('shows a whole score as it is and another with one decimal', () => {
    expect(formatScore(12)).toBe('12');
    expect(formatScore(12.34)).toBe('12.3');
    expect(formatScore(9.96)).toBe('10.0');
  });

  it('names the five goal attainment levels with signs, and gives any other level as a number', () => {
    expect([-2, -1, 0, 1, 2].map(gasLevelName)).toEqual(['−2', '−1', '0', '+1', '+2']);
    expect(gasLevelName(3)).toBe('3');
  });
});

describe('questionnaireTarget', () => {
  const b = { key: 'b1', kind: 'questionnaire' as const, instrument: 'PHQ-9', comparator: 'at_most' as const, target: 9.5 };

  it('gives the care team the questionnaire’s code', () => {
    expect(questionnaireTarget(b, careReader, 'Mood questionnaire')).toBe('PHQ-9 total at most 9.5');
  });

  it('gives clients and guardians the questionnaire’s everyday name', () => {
    expect(questionnaireTarget(b, clientReader, 'Mood questionnaire')).toBe('A score at most 9.5 on “Mood questionnaire”');
    expect(questionnaireTarget({ ...b, comparator: 'below', target: 10 }, guardianReader, 'Mood')).toBe('A score below 10 on “Mood”');
  });
});

describe('sequenceChanges', () => {
  it('finds nothing changed between equal sides', () => {
    expect(sequenceChanges(['a', 'b'], ['a', 'b'])).toEqual([{ kind: 'same', items: ['a', 'b'] }]);
  });

  it('finds no runs between two empty sides', () => {
    expect(sequenceChanges([], [])).toEqual([]);
  });

  it('marks everything put in or taken out when one side is empty', () => {
    expect(sequenceChanges([], ['a', 'b'])).toEqual([{ kind: 'in', items: ['a', 'b'] }]);
    expect(sequenceChanges(['a'], [])).toEqual([{ kind: 'out', items: ['a'] }]);
  });

  it('keeps the longest shared run and marks what was put in between', () => {
    expect(sequenceChanges(['a', 'b', 'c'], ['a', 'x', 'b', 'c', 'y'])).toEqual([
      { kind: 'same', items: ['a'] },
      { kind: 'in', items: ['x'] },
      { kind: 'same', items: ['b', 'c'] },
      { kind: 'in', items: ['y'] },
    ]);
  });

  it('marks a replacement as taken out before put in', () => {
    expect(sequenceChanges(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual([
      { kind: 'same', items: ['a'] },
      { kind: 'out', items: ['b'] },
      { kind: 'in', items: ['x'] },
      { kind: 'same', items: ['c'] },
    ]);
  });

  it('marks an item moved to the end as taken out where it was and put in where it is', () => {
    expect(sequenceChanges(['a', 'b'], ['b', 'a'])).toEqual([
      { kind: 'out', items: ['a'] },
      { kind: 'same', items: ['b'] },
      { kind: 'in', items: ['a'] },
    ]);
  });

  it('compares very long sides as a whole', () => {
    const a = Array.from({ length: 501 }, (_, i) => i);
    const b = Array.from({ length: 500 }, (_, i) => i);
    expect(sequenceChanges(a, b)).toEqual([
      { kind: 'out', items: a },
      { kind: 'in', items: b },
    ]);
    // Just under the limit, the shared run is found.
    expect(sequenceChanges(b, b.slice(0, 499).concat([-1]))).toHaveLength(3);
  });
});

describe('wordChanges', () => {
  it('marks the words put in and taken out between two texts', () => {
    expect(wordChanges('I feel low most days', 'I feel very low on some days')).toEqual([
      { kind: 'same', text: 'I feel' },
      { kind: 'in', text: 'very' },
      { kind: 'same', text: 'low' },
      { kind: 'out', text: 'most' },
      { kind: 'in', text: 'on some' },
      { kind: 'same', text: 'days' },
    ]);
  });

  it('ignores how the words are spaced', () => {
    expect(wordChanges('  one  two ', 'one\ntwo')).toEqual([{ kind: 'same', text: 'one two' }]);
  });

  it('treats an empty or blank text as no words', () => {
    expect(wordChanges('', '   ')).toEqual([]);
    expect(wordChanges(' ', 'new words')).toEqual([{ kind: 'in', text: 'new words' }]);
  });
});

describe('changeInWords', () => {
  const content: PlanContent = {
    ...emptyContent(),
    problems: [problem('p1', 'I cannot sleep'), problem('p2', 'Arguments at home')],
    agreed_order: ['p2', 'p1'],
    goals: [
      {
        key: 'g1',
        problem_key: 'p1',
        description: 'Sleep through most nights',
        due_date: '2025-04-01',
        benchmarks: [
          { key: 'b1', kind: 'questionnaire', instrument: 'PHQ-9', comparator: 'at_most', target: 9 },
          { key: 'b2', kind: 'gas', weight: 1, levels: ['none', 'one', 'three nights', 'five', 'all'] },
        ],
        interventions: [{ key: 'i1', description: 'Sleep diary' }],
        homework: [{ key: 'h1', description: 'Keep the diary', due_date: '2025-03-10' }],
      },
    ],
  };
  const ctx = (reader: Reader): ChangeContext => ({ reader, before: content, after: content, questionnaire: (code) => (code === 'PHQ-9' ? 'Mood questionnaire' : code) });
  const row = (section: DiffRow['section'], key: string, field: string, before: string, after: string, change: DiffRow['change'] = 'changed'): DiffRow => ({
    section,
    key,
    field,
    change,
    before,
    after,
  });

  it('gives the summary as it was and is', () => {
    expect(changeInWords(row('summary', '', '', 'Old', 'New'), ctx(careReader))).toEqual({ what: 'Summary', before: 'Old', after: 'New' });
  });

  it('names a problem by its place in the agreed order and whose words they are', () => {
    expect(changeInWords(row('problem', 'p1', 'client_words', 'Sleep', 'I cannot sleep'), ctx(careReader))).toEqual({
      what: "Problem 2, in Sam Rivera's words",
      before: 'Sleep',
      after: 'I cannot sleep',
    });
    expect(changeInWords(row('problem', 'p1', 'client_words', 'Sleep', 'I cannot sleep'), ctx(clientReader))?.what).toBe('Problem 2, in your words');
  });

  it('keeps a diagnosis for the care team', () => {
    expect(changeInWords(row('problem', 'p2', 'diagnosis', '', 'F43.2'), ctx(clientReader))).toBeNull();
    expect(changeInWords(row('problem', 'p2', 'diagnosis', '', 'F43.2'), ctx(guardianReader))).toBeNull();
    expect(changeInWords(row('problem', 'p2', 'diagnosis', '', 'F43.2'), ctx(careReader))).toEqual({
      what: 'Problem 1, diagnosis',
      about: 'Arguments at home',
      before: '',
      after: 'F43.2',
    });
  });

  it('names the formulation for each reader', () => {
    expect(changeInWords(row('problem', 'p1', 'formulation', 'a', 'b'), ctx(careReader))?.what).toBe('Problem 2, formulation');
    expect(changeInWords(row('problem', 'p1', 'formulation', 'a', 'b'), ctx(clientReader))?.what).toBe('Problem 2, how Dr. Jo Park understands it');
  });

  it('gives a problem’s status in words', () => {
    expect(changeInWords(row('problem', 'p1', 'status', 'active', 'deferred'), ctx(clientReader))).toEqual({
      what: 'Problem 2, status',
      about: 'I cannot sleep',
      before: 'Active',
      after: 'Set aside for now',
    });
  });

  it('tells of a problem made private, but never to a parent or carer', () => {
    expect(changeInWords(row('problem', 'p1', 'confidential', 'no', 'yes'), ctx(careReader))).toEqual({
      what: 'Problem 2, private from parents and carers',
      about: 'I cannot sleep',
      before: 'No',
      after: 'Yes',
    });
    expect(changeInWords(row('problem', 'p1', 'confidential', 'no', 'yes'), ctx(clientReader))?.what).toBe('Problem 2, kept just between you and your therapist');
    expect(changeInWords(row('problem', 'p1', 'confidential', 'no', 'yes'), ctx(guardianReader))).toBeNull();
  });

  it('calls a problem in neither version just a problem', () => {
    expect(changeInWords(row('problem', 'p9', '', '', 'Something new', 'added'), ctx(careReader))).toEqual({
      what: 'A problem',
      before: '',
      after: 'Something new',
    });
  });

  it('compares the order problem by problem, by their words', () => {
    expect(changeInWords(row('order', '', '', 'p1, p2', 'p2,p1,p9'), ctx(clientReader))).toEqual({
      what: 'The order of the problems',
      before: 'I cannot sleep; Arguments at home',
      after: 'Arguments at home; I cannot sleep; A problem not shown here',
      order: [
        { kind: 'out', items: ['I cannot sleep'] },
        { kind: 'same', items: ['Arguments at home'] },
        { kind: 'in', items: ['I cannot sleep', 'A problem not shown here'] },
      ],
    });
  });

  it('gives a goal’s due date as a date and its problem by its words', () => {
    expect(changeInWords(row('goal', 'g1', 'due_date', '2025-03-01', '2025-04-01'), ctx(clientReader))).toEqual({
      what: 'Goal 1, due date',
      about: 'Sleep through most nights',
      before: '1 Mar 2025',
      after: '1 Apr 2025',
    });
    expect(changeInWords(row('goal', 'g1', 'problem_key', '', 'p1'), ctx(clientReader))).toEqual({
      what: 'Goal 1, the problem it is for',
      about: 'Sleep through most nights',
      before: '',
      after: 'I cannot sleep',
    });
    expect(changeInWords(row('goal', 'g1', 'problem_key', 'p7', 'p2'), ctx(clientReader))?.before).toBe('a problem not shown here');
  });

  it('calls a goal in neither version just a goal', () => {
    expect(changeInWords(row('goal', 'g5', 'description', 'Old goal', ''), ctx(careReader))).toEqual({
      what: 'A goal, the goal',
      about: undefined,
      before: 'Old goal',
      after: '',
    });
  });

  it('describes a measure added, in the care team’s terms or the client’s', () => {
    expect(changeInWords(row('benchmark', 'b1', '', '', 'ignored', 'added'), ctx(careReader))).toEqual({
      what: 'Goal 1, how we will know',
      about: 'Sleep through most nights',
      before: '',
      after: 'PHQ-9 total at most 9',
    });
    expect(changeInWords(row('benchmark', 'b1', '', 'ignored', '', 'removed'), ctx(clientReader))).toEqual({
      what: 'Goal 1, how we will know',
      about: 'Sleep through most nights',
      before: 'A score at most 9 on “Mood questionnaire”',
      after: '',
    });
    expect(changeInWords(row('benchmark', 'b2', '', '', '', 'added'), ctx(clientReader))?.after).toBe(
      'Goal attainment scale, where the expected outcome is: three nights',
    );
  });

  it('does not show a client the server’s text for a measure it cannot find', () => {
    expect(changeInWords(row('benchmark', 'b9', '', 'PHQ-9 at most 9', '', 'removed'), ctx(clientReader))).toEqual({
      what: 'How we will know',
      about: undefined,
      before: 'A way of measuring progress',
      after: '',
    });
    expect(changeInWords(row('benchmark', 'b9', '', 'PHQ-9 at most 9', '', 'removed'), ctx(careReader))?.before).toBe('PHQ-9 at most 9');
  });

  it('names a goal attainment level by its sign and meaning', () => {
    expect(changeInWords(row('benchmark', 'b2', 'levels/4', 'all', 'every night'), ctx(clientReader))?.what).toBe(
      'Goal 1, how we will know, level +2 (much more than expected)',
    );
    expect(changeInWords(row('benchmark', 'b2', 'levels/0', 'a', 'b'), ctx(clientReader))?.what).toBe(
      'Goal 1, how we will know, level −2 (much less than expected)',
    );
  });

  it('puts a measure’s fields in words', () => {
    expect(changeInWords(row('benchmark', 'b1', 'comparator', 'at_most', 'below'), ctx(careReader))).toMatchObject({
      what: 'Goal 1, how we will know, comparator',
      before: 'at most',
      after: 'below',
    });
    expect(changeInWords(row('benchmark', 'b1', 'instrument', 'GAD-7', 'PHQ-9'), ctx(clientReader))).toMatchObject({
      what: 'Goal 1, how we will know, questionnaire',
      before: 'GAD-7',
      after: 'Mood questionnaire',
    });
    expect(changeInWords(row('benchmark', 'b1', 'target', '10', '9'), ctx(careReader))?.what).toBe('Goal 1, how we will know, target score');
    expect(changeInWords(row('benchmark', 'b2', 'kind', 'questionnaire', 'gas'), ctx(careReader))).toMatchObject({
      what: 'Goal 1, how we will know, kind of measure',
      before: 'Questionnaire score',
      after: 'Goal attainment scale',
    });
  });

  it('puts homework and interventions under their goal', () => {
    expect(changeInWords(row('homework', 'h1', 'due_date', '2025-03-10', '2025-03-17'), ctx(clientReader))).toEqual({
      what: 'Goal 1, homework, due date',
      about: 'Sleep through most nights',
      before: '10 Mar 2025',
      after: '17 Mar 2025',
    });
    expect(changeInWords(row('homework', 'h1', 'caregiver_support', '', 'Remind at bedtime'), ctx(clientReader))?.what).toBe(
      'Goal 1, homework, how your parents or carers help',
    );
    expect(changeInWords(row('homework', 'h1', 'caregiver_support', '', 'Remind at bedtime'), ctx(guardianReader))?.what).toBe(
      'Goal 1, homework, how a parent or carer helps',
    );
    expect(changeInWords(row('intervention', 'i1', 'approach', '', 'CBT-I'), ctx(careReader))?.what).toBe('Goal 1, what we will do, approach');
    expect(changeInWords(row('intervention', 'i9', '', 'Relaxation', '', 'removed'), ctx(careReader))).toEqual({
      what: 'What we will do',
      about: undefined,
      before: 'Relaxation',
      after: '',
    });
  });

  it('says what is shared with guardians in yes or no', () => {
    expect(changeInWords(row('sharing', '', 'homework', 'no', 'yes'), ctx(careReader))).toEqual({
      what: 'Sharing: homework shared with guardians',
      before: 'No',
      after: 'Yes',
    });
    expect(changeInWords(row('sharing', '', 'ask_agreement', 'yes', 'no'), ctx(careReader))?.what).toBe('Sharing: guardians are asked to agree');
  });

  it('calls a part of the plan it does not know another part', () => {
    expect(changeInWords(row('attachments' as DiffRow['section'], 'x', '', 'a', 'b'), ctx(careReader))).toEqual({ what: 'Another part of the plan', before: 'a', after: 'b' });
  });
});
