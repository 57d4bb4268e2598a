// The plan in words: what each status, comparator and change means to the person reading, the
// one-line state of a plan for client, guardian and care team, and small helpers over content
// (problems in agreed order, keys for new items) shared by the plan pages.
import { formatDate, formatDateTime } from './format';
import type { Comparator, PlanContent, PlanOverview, PlanVersion, Problem, Signature, VersionStatus, VersionSummary } from './plan_api';

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

export function problemName(content: PlanContent, key: string): string {
  const p = content.problems.find((x) => x.key === key);
  return p ? p.client_words : key;
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

// The plan's state in one or two sentences for whoever is reading.
export function planStateLines(overview: PlanOverview, agreed: PlanVersion | null): string[] {
  const who = audienceOf(overview);
  const client = overview.client.name;
  const lines: string[] = [];
  const newest = newestVersion(overview);
  if (!newest) {
    return [
      who === 'care'
        ? `No plan yet. Start a draft to write it down with ${client}.`
        : 'There is no plan yet. Your therapist will write it with you.',
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
            : 'Draft — your therapist is still working on it.',
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
          who === 'client'
            ? `You asked for changes to version ${newest.number}. Your therapist will revise it with you.`
            : `${who === 'care' ? client : 'The client'} asked for changes to version ${newest.number}${newest.client_comment ? `: “${newest.client_comment}”` : '.'}`,
        );
        break;
      case 'declined':
        lines.push(
          who === 'client'
            ? `You declined version ${newest.number}.`
            : `${who === 'care' ? client : 'The client'} declined version ${newest.number}${newest.client_comment ? `: “${newest.client_comment}”` : '.'}`,
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
