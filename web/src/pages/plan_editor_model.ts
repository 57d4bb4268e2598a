// The draft as the editor holds it: every field as typed (numbers as text, empty strings for what
// is not written yet), turned into the plan's content to send and back from the content stored.
import type { Comparator, PlanContent, ProblemStatus } from '../plan_api';

// The letters of the plan's item keys: problems, goals, benchmarks, interventions and homework.
export type KeyLetter = 'p' | 'g' | 'b' | 'i' | 'h';

export interface EditBenchmark {
  key: string;
  kind: 'questionnaire' | 'gas';
  instrument: string;
  comparator: Comparator;
  target: string;
  weight: string;
  levels: string[];
}

export interface EditGoal {
  key: string;
  problem_key: string;
  description: string;
  due_date: string;
  benchmarks: EditBenchmark[];
  interventions: { key: string; description: string; approach: string }[];
  // caregiver_support: '' when the homework is the client's own.
  homework: { key: string; description: string; due_date: string; caregiver_support: string }[];
  confidential: boolean;
}

export interface EditContent {
  summary: string;
  problems: { key: string; client_words: string; formulation: string; diagnosis: string; status: ProblemStatus; confidential: boolean }[];
  order_agreed: boolean;
  agreed_order: string[];
  goals: EditGoal[];
  guardian: PlanContent['guardian'];
}

export function toEdit(c: PlanContent): EditContent {
  return {
    summary: c.summary,
    problems: c.problems.map((p) => ({
      key: p.key ?? '',
      client_words: p.client_words,
      formulation: p.formulation ?? '',
      diagnosis: p.diagnosis ?? '',
      status: p.status,
      confidential: !!p.confidential,
    })),
    order_agreed: c.agreed_order.length > 0,
    agreed_order: [...c.agreed_order],
    goals: c.goals.map((g) => ({
      key: g.key ?? '',
      problem_key: g.problem_key,
      description: g.description,
      due_date: g.due_date,
      benchmarks: g.benchmarks.map((b) =>
        b.kind === 'gas'
          ? { key: b.key ?? '', kind: 'gas', instrument: '', comparator: 'below', target: '', weight: String(b.weight), levels: [...b.levels, '', '', '', '', ''].slice(0, 5) }
          : { key: b.key ?? '', kind: 'questionnaire', instrument: b.instrument, comparator: b.comparator, target: String(b.target), weight: '1', levels: ['', '', '', '', ''] },
      ),
      interventions: g.interventions.map((i) => ({ key: i.key ?? '', description: i.description, approach: i.approach ?? '' })),
      homework: g.homework.map((h) => ({ key: h.key ?? '', description: h.description, due_date: h.due_date, caregiver_support: h.caregiver_support ?? '' })),
      confidential: !!g.confidential,
    })),
    guardian: { ...c.guardian },
  };
}

export function fullOrderOf(e: EditContent): string[] {
  const keys = e.problems.map((p) => p.key).filter(Boolean);
  const ordered = e.agreed_order.filter((k, i) => keys.includes(k) && e.agreed_order.indexOf(k) === i);
  return [...ordered, ...keys.filter((k) => !ordered.includes(k))];
}

// The content to send, or the fields that are not numbers (which JSON could not carry as such).
export function fromEdit(e: EditContent): { content?: PlanContent; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const num = (text: string, path: string) => {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(n)) errors[path] = 'must be a number';
    return n;
  };
  const content: PlanContent = {
    summary: e.summary.trim(),
    problems: e.problems.map((p) => ({
      ...(p.key ? { key: p.key } : {}),
      client_words: p.client_words.trim(),
      formulation: p.formulation.trim(),
      diagnosis: p.diagnosis.trim(),
      status: p.status,
      // Sent only when set: a plan without private items reads (and is signed) as it always did.
      ...(p.confidential ? { confidential: true } : {}),
    })),
    // As shown: the order as arranged, then problems added since, in the order they were added.
    agreed_order: e.order_agreed ? fullOrderOf(e) : [],
    goals: e.goals.map((g, gi) => ({
      ...(g.key ? { key: g.key } : {}),
      problem_key: g.problem_key,
      description: g.description.trim(),
      due_date: g.due_date,
      benchmarks: g.benchmarks.map((b, bi) =>
        b.kind === 'gas'
          ? { ...(b.key ? { key: b.key } : {}), kind: 'gas' as const, weight: num(b.weight, `goals/${gi}/benchmarks/${bi}/weight`), levels: b.levels.map((l) => l.trim()) }
          : {
              ...(b.key ? { key: b.key } : {}),
              kind: 'questionnaire' as const,
              instrument: b.instrument,
              comparator: b.comparator,
              target: num(b.target, `goals/${gi}/benchmarks/${bi}/target`),
            },
      ),
      interventions: g.interventions.map((i) => ({ ...(i.key ? { key: i.key } : {}), description: i.description.trim(), approach: i.approach.trim() })),
      homework: g.homework.map((h) => ({
        ...(h.key ? { key: h.key } : {}),
        description: h.description.trim(),
        due_date: h.due_date,
        // Sent only when written: homework without it is the client's own, and reads (and is
        // signed) as it always did.
        ...(h.caregiver_support.trim() ? { caregiver_support: h.caregiver_support.trim() } : {}),
      })),
      ...(g.confidential ? { confidential: true } : {}),
    })),
    guardian: { ...e.guardian },
  };
  return Object.keys(errors).length ? { errors } : { content, errors };
}

// The errors that name no field the editor shows, to be listed beside the buttons instead.
export function orphanedErrors(model: EditContent, errors: Record<string, string>): [string, string][] {
  const shownPaths = new Set<string>(['summary', 'agreed_order']);
  model.problems.forEach((_, i) => ['client_words', 'formulation', 'diagnosis', 'status', 'confidential'].forEach((f) => shownPaths.add(`problems/${i}/${f}`)));
  model.agreed_order.forEach((_, i) => shownPaths.add(`agreed_order/${i}`));
  model.goals.forEach((g, gi) => {
    ['problem_key', 'description', 'due_date', 'benchmarks', 'interventions', 'homework', 'confidential'].forEach((f) => shownPaths.add(`goals/${gi}/${f}`));
    g.benchmarks.forEach((_, bi) =>
      ['kind', 'instrument', 'comparator', 'target', 'weight', 'levels', 'levels/0', 'levels/1', 'levels/2', 'levels/3', 'levels/4'].forEach((f) =>
        shownPaths.add(`goals/${gi}/benchmarks/${bi}/${f}`),
      ),
    );
    g.interventions.forEach((_, ii) => ['description', 'approach'].forEach((f) => shownPaths.add(`goals/${gi}/interventions/${ii}/${f}`)));
    g.homework.forEach((_, hi) => ['description', 'due_date', 'caregiver_support'].forEach((f) => shownPaths.add(`goals/${gi}/homework/${hi}/${f}`)));
  });
  return Object.entries(errors).filter(([p]) => !shownPaths.has(p));
}

// How the editor's parts change the draft: a function of a copy of it.
export type UpdateDraft = (f: (m: EditContent) => EditContent) => void;

// The error the last save found in the field at this path ("goals/0/description"), if any.
export type ErrorAt = (path: string) => string | undefined;
