// The treatment plan's part of the API: the JSON shapes of a plan's content, versions and
// overview, and the calls under /api/v1/episodes/{id}/plan. Everything goes through api.ts's
// request(), so the session cookie, CSRF token and problem+json handling are the same as
// everywhere else.
import { ApiError, csrfTokenForLive, request, type FieldError } from './api';
import type { Answer, RequestBody, Schemas } from './schema';

export type ProblemStatus = 'active' | 'resolved' | 'deferred';
export type Comparator = 'below' | 'at_most' | 'above' | 'at_least';
export type VersionStatus = Schemas['PlanVersionStatus'];
export type Achievement = Schemas['GoalSummary']['achievement'];
export type SignerRole = 'therapist' | 'client' | 'guardian';

export interface Problem {
  key?: string;
  client_words: string;
  formulation?: string;
  diagnosis?: string;
  status: ProblemStatus;
  // Kept from every parent and carer (absent: false); only a recorded safety disclosure shows it
  // to one of them.
  confidential?: boolean;
}

export interface QuestionnaireBenchmark {
  key?: string;
  kind: 'questionnaire';
  instrument: string;
  comparator: Comparator;
  target: number;
}

export interface GasBenchmark {
  key?: string;
  kind: 'gas';
  weight: number;
  levels: string[]; // five: -2, -1, 0, +1, +2
}

export type Benchmark = QuestionnaireBenchmark | GasBenchmark;

export interface Intervention {
  key?: string;
  description: string;
  approach?: string;
}

export interface Homework {
  key?: string;
  description: string;
  due_date: string;
  // Set when the homework is planned with the parents or carers: what they do to support it.
  // Absent (or empty): the homework is the client's own.
  caregiver_support?: string;
}

export interface Goal {
  key?: string;
  problem_key: string;
  description: string;
  due_date: string;
  benchmarks: Benchmark[];
  interventions: Intervention[];
  homework: Homework[];
  // As a problem's; a goal of a confidential problem is kept from parents and carers too.
  confidential?: boolean;
}

export interface GuardianSharing {
  problems: boolean;
  goals: boolean;
  homework: boolean;
  ask_agreement: boolean;
}

export interface PlanContent {
  summary: string;
  problems: Problem[];
  agreed_order: string[];
  goals: Goal[];
  guardian: GuardianSharing;
}

// `account_link_handed_over_by` is set when the signer's account got its first password from a
// link a staff member handed over in person: that staff member's id.
export type Signature = Schemas['PlanVersion']['signatures'][number];

// `decided_by`: who asked for changes or declined (the client, or a guardian whose agreement was
// asked): the comment is theirs. Null when nobody did.
export type VersionSummary = Schemas['PlanVersionSummary'];

// A version with its content. The content keeps the app's own shape (each benchmark either a
// questionnaire's or a goal attainment scale's), which the contract describes as one loose object.
export interface PlanVersion extends VersionSummary {
  content: PlanContent;
  signatures: Signature[];
  guardian_filtered: boolean;
}

type Overview = Schemas['PlanOverview'];
export type Consensus = Overview['consensus'];
export type GoalProgress = Overview['goals'][number];
export type BenchmarkProgress = GoalProgress['benchmarks'][number];
export type SelfRating = GoalProgress['self_ratings'][number];

// Check-ins on homework since the version in force was agreed: one person's word for one day
// (done or not), a later word on the same day correcting it. `rate` is done / check_ins, null
// while there are none.
export type HomeworkCompletion = Schemas['HomeworkCompletion'];

// `caregiver_support` is '' when the homework is the client's own; `done` the latest word of
// anyone; `may_check_in` whether the reader may check in: the client and the care team on any
// homework, a parent or carer on homework planned with them; nobody once the episode has ended.
export type HomeworkState = Overview['homework'][number];
export type ReviewState = Overview['review'];

// `homework_completion`: every check-in on the current version's homework, by anyone.
export type PlanOverview = Omit<Overview, 'current'> & { current: PlanVersion | null };

export type DiffRow = Schemas['DiffRow'];
export type PlanDiff = Answer<'/episodes/{id}/plan/diff', 'get'>;

export type FeelingRating = Schemas['FeelingRating'];
export type ThoughtRecord = Schemas['ThoughtRecord'];
// The server sends every field of a record it keeps (empty texts and lists where none were given).
export type ThoughtRecordView = Omit<Schemas['ThoughtRecordView'], 'record'> & { record: Required<ThoughtRecord> };

// One questionnaire of GET /instruments; `plain_title` is what clients and guardians read: no codes.
export type InstrumentSummary = Schemas['InstrumentSummary'];

export interface ProblemFields {
  client_words?: string;
  formulation?: string;
  diagnosis?: string;
  status?: ProblemStatus;
}

const base = (episodeId: number) => `/episodes/${episodeId}/plan`;

export const planApi = {
  overview: (episodeId: number) => request<PlanOverview>('GET', base(episodeId)),
  startDraft: (episodeId: number, content?: PlanContent) =>
    request<PlanVersion>('POST', `${base(episodeId)}/versions`, (content ? { content } : {}) satisfies RequestBody<'/episodes/{id}/plan/versions', 'post'>),
  version: (episodeId: number, n: number) => request<PlanVersion>('GET', `${base(episodeId)}/versions/${n}`),
  saveDraft: (episodeId: number, n: number, content: PlanContent) =>
    request<PlanVersion>('PUT', `${base(episodeId)}/versions/${n}`, { content } satisfies RequestBody<'/episodes/{id}/plan/versions/{n}', 'put'>),
  propose: (episodeId: number, n: number) => request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/propose`, {}),
  accept: (episodeId: number, n: number) => request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/accept`, {}),
  withdraw: (episodeId: number, n: number) => request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/withdraw`, {}),
  requestChanges: (episodeId: number, n: number, comment: string) =>
    request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/request-changes`, { comment }),
  decline: (episodeId: number, n: number, comment: string) =>
    request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/decline`, comment ? { comment } : {}),
  diff: (episodeId: number, from: number, to: number) =>
    request<PlanDiff>('GET', `${base(episodeId)}/diff?from=${from}&to=${to}`),
  addProblem: (episodeId: number, fields: RequestBody<'/episodes/{id}/plan/problems', 'post'>) =>
    request<PlanVersion>('POST', `${base(episodeId)}/problems`, fields),
  editProblem: (episodeId: number, key: string, fields: ProblemFields) =>
    request<PlanVersion>('PATCH', `${base(episodeId)}/problems/${encodeURIComponent(key)}`, fields satisfies RequestBody<'/episodes/{id}/plan/problems/{key}', 'patch'>),
  rank: (episodeId: number, order: string[]) => request<PlanOverview>('PUT', `${base(episodeId)}/ranking`, { order }),
  rateGoal: (episodeId: number, goalKey: string, rating: number, note: string) =>
    request<PlanOverview>('POST', `${base(episodeId)}/goals/${encodeURIComponent(goalKey)}/ratings`, note ? { rating, note } : { rating }),
  // A check-in for today: done or not, with an optional note. Checking in again the same day
  // corrects that day's word.
  tickHomework: (episodeId: number, key: string, done: boolean, note?: string) =>
    request<PlanOverview>('PUT', `${base(episodeId)}/homework/${encodeURIComponent(key)}`, note ? { done, note } : { done }),
  thoughtRecords: (episodeId: number) => request<ThoughtRecordView[]>('GET', `${base(episodeId)}/thought-records`),
  addThoughtRecord: (episodeId: number, record: ThoughtRecord) =>
    request<ThoughtRecordView>('POST', `${base(episodeId)}/thought-records`, record satisfies RequestBody<'/episodes/{id}/plan/thought-records', 'post'>),
  review: (episodeId: number, body: { notes: string; changes?: string; gas_levels?: Record<string, number> }) =>
    request<PlanOverview>('POST', `${base(episodeId)}/reviews`, body satisfies RequestBody<'/episodes/{id}/plan/reviews', 'post'>),
  instruments: () => request<InstrumentSummary[]>('GET', '/instruments'),
};

// Browsers carry at most 64 kB in requests that outlive their page.
const kKeepaliveBytes = 60_000;

// Saves a draft with a request that the browser completes even if the page is closed or reloaded
// meanwhile, for the last changes made before the therapist leaves. A plan too large for such a
// request is saved the ordinary way.
export async function saveDraftOnLeave(episodeId: number, n: number, content: PlanContent): Promise<PlanVersion> {
  const body = JSON.stringify({ content });
  if (new TextEncoder().encode(body).length > kKeepaliveBytes) return planApi.saveDraft(episodeId, n, content);
  let response: Response;
  try {
    response = await fetch(`/api/v1${base(episodeId)}/versions/${n}`, {
      method: 'PUT',
      keepalive: true,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': csrfTokenForLive() },
      body,
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
  }
  const data = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const problem = (data ?? {}) as { title?: string; detail?: string; errors?: FieldError[] };
    const fields = Array.isArray(problem.errors) ? problem.errors.filter((e) => e && typeof e.message === 'string') : [];
    throw new ApiError(response.status, problem.detail || problem.title || 'The draft could not be saved.', fields);
  }
  return data as PlanVersion;
}
