// The plan in words: what each status, comparator and change means to the person reading, the
// one-line state of a plan for client, guardian and care team, how closely the two orders of the
// problems agree, what changed between two versions (down to the words), and small helpers over
// content (problems in agreed order, keys for new items) shared by the plan pages. Clients and
// guardians read items by their words or their place ("Goal 2"), never by their keys.
import { formatDate, formatDateTime } from './format';
import type {
  Benchmark,
  Comparator,
  DiffRow,
  Goal,
  PlanContent,
  PlanOverview,
  PlanVersion,
  Problem,
  Signature,
  VersionStatus,
  VersionSummary,
} from './plan_api';

export const versionStatusLabels: Record<VersionStatus, string> = {
  draft: 'Draft',
  proposed: 'Proposed',
  changes_requested: 'Changes requested',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
  agreed: 'Agreed',
  superseded: 'Replaced by a later version',
};

export function versionStatusLabel(status: string): string {
  return versionStatusLabels[status as VersionStatus] ?? status;
}

export const comparatorLabels: Record<Comparator, string> = {
  below: 'below',
  at_most: 'at most',
  above: 'above',
  at_least: 'at least',
};

export const problemStatusLabels: Record<string, string> = {
  active: 'Active',
  resolved: 'Resolved',
  deferred: 'Set aside for now',
};

export const roleWords: Record<string, string> = {
  therapist: 'Therapist',
  client: 'Client',
  guardian: 'Guardian',
};

export const gasLevelNames = ['−2', '−1', '0', '+1', '+2'];
export const gasLevelMeanings = [
  'much less than expected',
  'somewhat less than expected',
  'the expected outcome',
  'somewhat more than expected',
  'much more than expected',
];

export const sectionLabels: Record<string, string> = {
  summary: 'Summary',
  problem: 'Problem',
  order: 'Agreed order',
  goal: 'Goal',
  benchmark: 'Benchmark',
  intervention: 'Intervention',
  homework: 'Homework',
  sharing: 'Sharing with guardians',
};

export const changeLabels: Record<string, string> = {
  added: 'Added',
  removed: 'Removed',
  changed: 'Changed',
};

export function fieldLabel(field: string): string {
  if (!field) return 'Whole item';
  const t = field.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function emptyContent(): PlanContent {
  return {
    summary: '',
    problems: [],
    agreed_order: [],
    goals: [],
    guardian: { problems: false, goals: false, homework: false, ask_agreement: false },
  };
}

// Content as it arrives may omit empty parts (a guardian's filtered view): fill them in so the
// pages can read every field.
export function normalizeContent(c: Partial<PlanContent> | null | undefined): PlanContent {
  const e = emptyContent();
  if (!c) return e;
  return {
    summary: c.summary ?? '',
    problems: (c.problems ?? []).map((p) => ({ ...p, formulation: p.formulation ?? '', diagnosis: p.diagnosis ?? '', status: p.status ?? 'active' })),
    agreed_order: c.agreed_order ?? [],
    goals: (c.goals ?? []).map((g) => ({
      ...g,
      benchmarks: g.benchmarks ?? [],
      interventions: g.interventions ?? [],
      homework: g.homework ?? [],
    })),
    guardian: { ...e.guardian, ...(c.guardian ?? {}) },
  };
}

// Problems most important first: the agreed order, then any not yet placed in it.
export function problemsInOrder(content: PlanContent): Problem[] {
  const byKey = new Map(content.problems.filter((p) => p.key).map((p) => [p.key!, p]));
  const ordered: Problem[] = [];
  for (const k of content.agreed_order) {
    const p = byKey.get(k);
    if (p) {
      ordered.push(p);
      byKey.delete(k);
    }
  }
  for (const p of content.problems) if (!p.key || byKey.has(p.key)) ordered.push(p);
  return ordered;
}

// A problem by its words; one that this reader cannot see (not shared, or no longer in the plan)
// is said to be so rather than named by its key.
export function problemName(content: PlanContent, key: string): string {
  const p = content.problems.find((x) => x.key === key);
  return p ? p.client_words : 'a problem not shown here';
}

// A long problem in a button label or a select option reads better cut short.
export function shortText(text: string, max = 60): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

export function newestVersion(overview: PlanOverview): VersionSummary | undefined {
  return overview.versions.reduce<VersionSummary | undefined>((a, v) => (!a || v.number > a.number ? v : a), undefined);
}

export function versionByNumber(overview: PlanOverview, n: number | null | undefined): VersionSummary | undefined {
  return n === null || n === undefined ? undefined : overview.versions.find((v) => v.number === n);
}

export function signedBy(signatures: Signature[]): string {
  if (signatures.length === 0) return '';
  const parts = signatures.map((s) => `${s.name} (${(roleWords[s.role] ?? s.role).toLowerCase()}) on ${formatDate(s.signed_at)}`);
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export type Audience = 'care' | 'client' | 'guardian';

export function audienceOf(overview: PlanOverview): Audience {
  if (overview.may_edit) return 'care';
  if (overview.guardian_view) return 'guardian';
  return 'client';
}

// Who is reading, and the two people a plan is between, by their display names: the words of the
// plan pages follow them ("In your words", "How Sofia Lindqvist understands it").
export interface Reader {
  audience: Audience;
  client: string;
  therapist: string;
  // The client's user id, and the reader's own when known: whose a comment on a version is.
  clientId?: number;
  viewerId?: number;
}

// `role` and `userId`: the signed-in person's. Staff read the care team's words also where they
// may no longer edit (an ended episode).
export function readerOf(overview: PlanOverview, role?: string, userId?: number): Reader {
  const staff = role === 'therapist' || role === 'supervisor';
  return {
    audience: staff ? 'care' : audienceOf(overview),
    client: overview.client.name,
    therapist: overview.therapist.name,
    clientId: overview.client.id,
    viewerId: userId,
  };
}

// Who asked for changes to a version or declined it, as the reader knows them: the reader
// themself, the client, or a parent or carer whose agreement the version asked for (whose name
// the plan does not carry). A version that does not say was answered by the client.
export type Decider = 'you' | 'client' | 'carer';

export function deciderOf(v: Pick<VersionSummary, 'decided_by'>, reader: Reader): Decider {
  const by = v.decided_by;
  if (by !== null && reader.viewerId !== undefined && by === reader.viewerId) return 'you';
  if (by === null || reader.clientId === undefined || by === reader.clientId) return reader.audience === 'client' ? 'you' : 'client';
  return 'carer';
}

// Whose comment on a version it is, as a label.
export function commentLabel(reader: Reader, v?: Pick<VersionSummary, 'decided_by'>): string {
  switch (v ? deciderOf(v, reader) : reader.audience === 'client' ? 'you' : 'client') {
    case 'you':
      return 'Your comment';
    case 'carer':
      return "A parent or carer's comment";
    default:
      return `${reader.client}'s comment`;
  }
}

// Whether parents and carers are kept from a goal: its own mark, or its problem's.
export function goalIsPrivate(content: PlanContent, goal: Goal): boolean {
  return !!goal.confidential || !!content.problems.find((p) => p.key === goal.problem_key)?.confidential;
}

// Whose words a problem is in, as a label.
export function clientWordsLabel(reader: Reader): string {
  return reader.audience === 'client' ? 'In your words' : `In ${reader.client}'s words`;
}

// The therapist's formulation: the care team's term; clients and guardians read what it is.
export function formulationLabel(reader: Reader): string {
  return reader.audience === 'care' ? "Therapist's formulation" : `How ${reader.therapist} understands it`;
}

// How closely the client's and the therapist's orders of the problems agree, in words only: the
// number behind it is for the care team. Null: not both orders are saved yet.
export function agreementWords(tau: number | null | undefined, reader: Reader): string {
  const both = reader.audience === 'client' ? `You and ${reader.therapist}` : `${reader.client} and ${reader.therapist}`;
  if (tau === null || tau === undefined) {
    const whose = reader.audience === 'client' ? 'your' : 'their';
    return `Once ${both.replace(/^You/, 'you')} have both put the problems in order, this shows how closely ${whose} orders agree.`;
  }
  if (tau >= 0.7) return `${both} put these problems in much the same order.`;
  if (tau >= 0.3) return `${both} put these problems in a broadly similar order, with some differences worth talking about.`;
  if (tau > -0.3) return `${both} put these problems in quite different orders: worth talking through together.`;
  return `${both} put these problems in nearly opposite orders: worth talking through together.`;
}

// The plan's state in one or two sentences for whoever is reading (`userId`: theirs, when known,
// so that a parent or carer who answered a proposal reads of it as their own).
export function planStateLines(overview: PlanOverview, agreed: PlanVersion | null, userId?: number): string[] {
  const who = audienceOf(overview);
  const client = overview.client.name;
  const therapist = overview.therapist.name;
  const lines: string[] = [];
  const newest = newestVersion(overview);
  const decider = newest ? deciderOf(newest, readerOf(overview, undefined, userId)) : 'client';
  const comment = newest?.client_comment ? `: “${newest.client_comment}”` : '.';
  if (!newest) {
    return [
      who === 'care'
        ? `No plan yet. Start a draft to write it down with ${client}.`
        : `There is no plan yet. ${therapist} will write it with ${who === 'client' ? 'you' : client}.`,
    ];
  }
  if (agreed) {
    const by = signedBy(agreed.signatures);
    lines.push(`Agreed — version ${agreed.number}${by ? `, signed by ${by}` : ''}.`);
  }
  if (newest.number !== overview.agreed_number) {
    switch (newest.status) {
      case 'draft':
        lines.push(
          who === 'care'
            ? `Draft — version ${newest.number}, not yet shown to ${client} for agreement.`
            : `Draft — ${therapist} is still working on it.`,
        );
        break;
      case 'proposed':
        lines.push(
          overview.may_accept
            ? `Waiting for your answer — version ${newest.number} was proposed on ${formatDate(newest.proposed_at)}.`
            : who === 'care'
              ? `Proposed — version ${newest.number} is waiting for ${client}'s answer.`
              : `Proposed — version ${newest.number} is waiting for an answer.`,
        );
        break;
      case 'changes_requested':
        lines.push(
          decider === 'you'
            ? `You asked for changes to version ${newest.number}. ${therapist} will revise it with you.`
            : decider === 'carer'
              ? `A parent or carer asked for changes to version ${newest.number}${comment}`
              : `${client} asked for changes to version ${newest.number}${comment}`,
        );
        break;
      case 'declined':
        lines.push(
          decider === 'you'
            ? `You declined version ${newest.number}.`
            : decider === 'carer'
              ? `A parent or carer declined version ${newest.number}${comment}`
              : `${client} declined version ${newest.number}${comment}`,
        );
        break;
      case 'withdrawn':
        lines.push(`Version ${newest.number} was withdrawn.`);
        break;
      default:
        break;
    }
  }
  return lines;
}

export function versionDates(v: VersionSummary): string {
  const parts = [`started ${formatDateTime(v.created_at)}`];
  if (v.proposed_at) parts.push(`proposed ${formatDateTime(v.proposed_at)}`);
  if (v.decided_at) parts.push(`${v.status === 'agreed' || v.status === 'superseded' ? 'agreed' : 'answered'} ${formatDateTime(v.decided_at)}`);
  return parts.join(' · ');
}

// Keys that new items get in the editor: the next number of their letter never used in the
// plan's history or the content being edited, as the server itself would choose, so that goals
// can point at a problem added in the same edit.
export function usedKeyNumbers(contents: PlanContent[]): Record<string, number> {
  const max: Record<string, number> = { p: 0, g: 0, b: 0, i: 0, h: 0 };
  const see = (key: string | undefined) => {
    const m = key ? /^([pgbih])(\d+)$/.exec(key) : null;
    if (m) max[m[1]] = Math.max(max[m[1]], Number(m[2]));
  };
  for (const c of contents) {
    c.problems.forEach((p) => see(p.key));
    for (const g of c.goals) {
      see(g.key);
      g.benchmarks.forEach((b) => see(b.key));
      g.interventions.forEach((i) => see(i.key));
      g.homework.forEach((h) => see(h.key));
    }
  }
  return max;
}

export function formatTau(tau: number): string {
  return (Math.round(tau * 100) / 100).toFixed(2).replace('-', '−');
}

export function formatScore(x: number): string {
  return Number.isInteger(x) ? String(x) : (Math.round(x * 10) / 10).toFixed(1);
}

export function gasLevelName(level: number): string {
  return gasLevelNames[level + 2] ?? String(level);
}

// A questionnaire target in words. The care team knows the questionnaires by their codes; clients
// and guardians read the questionnaire's everyday name (`name`).
export function questionnaireTarget(b: Benchmark & { kind: 'questionnaire' }, reader: Reader, name: string): string {
  const comparator = comparatorLabels[b.comparator] ?? b.comparator;
  return reader.audience === 'care'
    ? `${b.instrument} total ${comparator} ${formatScore(b.target)}`
    : `A score ${comparator} ${formatScore(b.target)} on “${name}”`;
}

function benchmarkWords(b: Benchmark, reader: Reader, questionnaire: (code: string) => string): string {
  return b.kind === 'questionnaire'
    ? questionnaireTarget(b, reader, questionnaire(b.instrument))
    : `Goal attainment scale, where the expected outcome is: ${b.levels[2] ?? ''}`;
}

// --- What changed between two versions, in words ---------------------------------------------

// A run of items (words, or problems in the order) that both sides share ('same'), or that only
// the earlier side has ('out', taken out) or only the later one ('in', put in).
export interface SequenceChange<T> {
  kind: 'same' | 'out' | 'in';
  items: T[];
}

// The longest run both sides share stays; the rest is marked as taken out or put in. Very long
// sides are compared as a whole.
export function sequenceChanges<T>(a: T[], b: T[]): SequenceChange<T>[] {
  const out: SequenceChange<T>[] = [];
  const push = (kind: SequenceChange<T>['kind'], item: T) => {
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.items.push(item);
    else out.push({ kind, items: [item] });
  };
  if (a.length * b.length > 250_000) {
    a.forEach((x) => push('out', x));
    b.forEach((x) => push('in', x));
    return out;
  }
  // common[i][j]: how many items a[i..] and b[j..] have in common, in order.
  const common = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push('same', a[i]!);
      i++;
      j++;
    } else if (common[i + 1]![j]! >= common[i]![j + 1]!) {
      push('out', a[i++]!);
    } else {
      push('in', b[j++]!);
    }
  }
  while (i < a.length) push('out', a[i++]!);
  while (j < b.length) push('in', b[j++]!);
  return out;
}

export interface WordChange {
  kind: SequenceChange<string>['kind'];
  text: string;
}

// The words taken out and put in between two texts.
export function wordChanges(before: string, after: string): WordChange[] {
  const words = (t: string) => (t.trim() ? t.trim().split(/\s+/) : []);
  return sequenceChanges(words(before), words(after)).map((c) => ({ kind: c.kind, text: c.items.join(' ') }));
}

// One row of the differences as its reader reads it: which part of the plan (by its place, such
// as "Goal 2, due date", and its own words in `about`), and the text before and after. The order
// of the problems is compared problem by problem (`order`).
export interface ChangeInWords {
  what: string;
  about?: string;
  before: string;
  after: string;
  order?: SequenceChange<string>[];
}

// The two versions compared, as this reader sees them: items are found in them by key.
export interface ChangeContext {
  reader: Reader;
  before: PlanContent;
  after: PlanContent;
  // A questionnaire's name for this reader, by its code.
  questionnaire: (code: string) => string;
}

const kGoalFields: Record<string, string> = {
  problem_key: 'the problem it is for',
  description: 'the goal',
  due_date: 'due date',
};

function findProblem(ctx: ChangeContext, key: string): { n: number; problem: Problem } | undefined {
  for (const content of [ctx.after, ctx.before]) {
    const ordered = problemsInOrder(content);
    const i = ordered.findIndex((p) => p.key === key);
    if (i >= 0) return { n: i + 1, problem: ordered[i]! };
  }
  return undefined;
}

function findGoal(ctx: ChangeContext, has: (g: Goal) => boolean): { n: number; goal: Goal } | undefined {
  for (const content of [ctx.after, ctx.before]) {
    const i = content.goals.findIndex(has);
    if (i >= 0) return { n: i + 1, goal: content.goals[i]! };
  }
  return undefined;
}

function findBenchmark(ctx: ChangeContext, key: string): Benchmark | undefined {
  for (const content of [ctx.after, ctx.before]) {
    for (const g of content.goals) {
      const b = g.benchmarks.find((x) => x.key === key);
      if (b) return b;
    }
  }
  return undefined;
}

const yesNo = (v: string) => (v === 'yes' ? 'Yes' : v === 'no' ? 'No' : v);

// An item made private from parents and carers, or no longer. A parent or carer never reads of
// it: the item itself is withheld from them.
function privacyChange(what: string, about: string | undefined, row: DiffRow, reader: Reader): ChangeInWords | null {
  if (reader.audience === 'guardian') return null;
  const field = reader.audience === 'care' ? 'private from parents and carers' : 'kept just between you and your therapist';
  return { what: `${what}, ${field}`, about, before: yesNo(row.before), after: yesNo(row.after) };
}

// Null: a row this reader does not read (a diagnosis is for the care team).
export function changeInWords(row: DiffRow, ctx: ChangeContext): ChangeInWords | null {
  const { reader } = ctx;
  const care = reader.audience === 'care';
  const words = (before: string, after: string) => ({ before, after });
  switch (row.section) {
    case 'summary':
      return { what: 'Summary', ...words(row.before, row.after) };
    case 'problem': {
      if (row.field === 'diagnosis' && !care) return null;
      const found = findProblem(ctx, row.key);
      const what = found ? `Problem ${found.n}` : 'A problem';
      const about = found && row.field && row.field !== 'client_words' ? shortText(found.problem.client_words) : undefined;
      if (row.field === 'confidential') return privacyChange(what, about, row, reader);
      switch (row.field) {
        case '':
          return { what, ...words(row.before, row.after) };
        case 'client_words':
          return { what: `${what}, ${reader.audience === 'client' ? 'in your words' : `in ${reader.client}'s words`}`, ...words(row.before, row.after) };
        case 'formulation':
          return { what: `${what}, ${care ? 'formulation' : `how ${reader.therapist} understands it`}`, about, ...words(row.before, row.after) };
        case 'status':
          return {
            what: `${what}, status`,
            about,
            ...words(problemStatusLabels[row.before] ?? row.before, problemStatusLabels[row.after] ?? row.after),
          };
        default:
          return { what: `${what}, ${fieldLabel(row.field).toLowerCase()}`, about, ...words(row.before, row.after) };
      }
    }
    case 'order': {
      // Compared problem by problem, each then named by its words.
      const keys = (text: string) =>
        text
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean);
      const name = (key: string) => {
        const found = findProblem(ctx, key);
        return found ? shortText(found.problem.client_words) : 'A problem not shown here';
      };
      const before = keys(row.before);
      const after = keys(row.after);
      return {
        what: 'The order of the problems',
        before: before.map(name).join('; '),
        after: after.map(name).join('; '),
        order: sequenceChanges(before, after).map((run) => ({ kind: run.kind, items: run.items.map(name) })),
      };
    }
    case 'goal': {
      const found = findGoal(ctx, (g) => g.key === row.key);
      const what = found ? `Goal ${found.n}` : 'A goal';
      const about = found && row.field && row.field !== 'description' ? shortText(found.goal.description) : undefined;
      if (!row.field) return { what, ...words(row.before, row.after) };
      if (row.field === 'confidential') return privacyChange(what, about, row, reader);
      const value = (v: string) =>
        row.field === 'problem_key' ? (v ? problemName(ctx.after.problems.some((p) => p.key === v) ? ctx.after : ctx.before, v) : '') : row.field === 'due_date' ? formatDate(v) : v;
      return { what: `${what}, ${kGoalFields[row.field] ?? fieldLabel(row.field).toLowerCase()}`, about, ...words(value(row.before), value(row.after)) };
    }
    case 'benchmark':
    case 'intervention':
    case 'homework': {
      const found = findGoal(ctx, (g) =>
        row.section === 'benchmark'
          ? g.benchmarks.some((b) => b.key === row.key)
          : row.section === 'intervention'
            ? g.interventions.some((i) => i.key === row.key)
            : g.homework.some((h) => h.key === row.key),
      );
      const part = row.section === 'benchmark' ? 'how we will know' : row.section === 'intervention' ? 'what we will do' : 'homework';
      const what = found ? `Goal ${found.n}, ${part}` : `${part.charAt(0).toUpperCase()}${part.slice(1)}`;
      const about = found ? shortText(found.goal.description) : undefined;
      if (row.section === 'benchmark') {
        if (!row.field) {
          const b = findBenchmark(ctx, row.key);
          const text = b ? benchmarkWords(b, reader, ctx.questionnaire) : care ? row.before || row.after : 'A way of measuring progress';
          return { what, about, before: row.change === 'added' ? '' : text, after: row.change === 'removed' ? '' : text };
        }
        const level = /^levels\/(\d)$/.exec(row.field);
        if (level) {
          const i = Number(level[1]);
          return { what: `${what}, level ${gasLevelName(i - 2)} (${gasLevelMeanings[i] ?? ''})`, about, ...words(row.before, row.after) };
        }
        const value = (v: string) =>
          row.field === 'instrument'
            ? ctx.questionnaire(v)
            : row.field === 'comparator'
              ? (comparatorLabels[v as Comparator] ?? v)
              : row.field === 'kind'
                ? v === 'gas'
                  ? 'Goal attainment scale'
                  : 'Questionnaire score'
                : v;
        const field = row.field === 'instrument' ? 'questionnaire' : row.field === 'target' ? 'target score' : row.field === 'kind' ? 'kind of measure' : fieldLabel(row.field).toLowerCase();
        return { what: `${what}, ${field}`, about, ...words(value(row.before), value(row.after)) };
      }
      if (row.field === 'due_date') return { what: `${what}, due date`, about, ...words(formatDate(row.before), formatDate(row.after)) };
      if (row.field === 'approach') return { what: `${what}, approach`, about, ...words(row.before, row.after) };
      if (row.field === 'caregiver_support') {
        const whose = reader.audience === 'client' ? 'how your parents or carers help' : 'how a parent or carer helps';
        return { what: `${what}, ${whose}`, about, ...words(row.before, row.after) };
      }
      return { what, about, ...words(row.before, row.after) };
    }
    case 'sharing': {
      const field =
        row.field === 'ask_agreement' ? 'guardians are asked to agree' : `${fieldLabel(row.field).toLowerCase()} shared with guardians`;
      return { what: `Sharing: ${field}`, ...words(yesNo(row.before), yesNo(row.after)) };
    }
    default:
      return { what: sectionLabels[row.section] ?? 'Another part of the plan', ...words(row.before, row.after) };
  }
}
