// The treatment plan's part of the API: the JSON shapes of a plan's content, versions and
// overview, and the calls under /api/v1/episodes/{id}/plan. Everything goes through api.ts's
// request(), so the session cookie, CSRF token and problem+json handling are the same as
// everywhere else.
import { ApiError, csrfTokenForLive, request, type FieldError } from './api';

export type ProblemStatus = 'active' | 'resolved' | 'deferred';
export type Comparator = 'below' | 'at_most' | 'above' | 'at_least';
export type VersionStatus = 'draft' | 'proposed' | 'changes_requested' | 'declined' | 'withdrawn' | 'agreed' | 'superseded';
export type Achievement = 'in-progress' | 'improving' | 'worsening' | 'no-change' | 'achieved' | 'not-achieved';
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

export interface Signature {
  role: SignerRole;
  user_id: number;
  name: string;
  signed_at: string;
  // Set when the signer's account got its first password from a link a staff member handed
  // over in person: that staff member's id.
  account_link_handed_over_by?: number | null;
  content_hash: string;
}

export interface VersionSummary {
  number: number;
  status: VersionStatus;
  content_hash: string | null;
  created_at: string;
  updated_at: string;
  proposed_at: string | null;
  decided_at: string | null;
  client_comment: string | null;
  // Who asked for changes or declined (the client, or a guardian whose agreement was asked): the
  // comment is theirs. Null when nobody did, or from a server that does not say.
  decided_by?: number | null;
}

export interface PlanVersion extends VersionSummary {
  content: PlanContent;
  signatures: Signature[];
  guardian_filtered: boolean;
}

export interface Consensus {
  tau: number | null;
  compared: number;
  most_different: string[];
  plain_words: string;
}

export interface BenchmarkProgress {
  key: string;
  kind: 'questionnaire' | 'gas';
  baseline: number | null;
  latest: number | null;
  latest_at: string | null;
  fraction: number | null;
  met: boolean;
  achievement: Achievement;
}

export interface SelfRating {
  rating: number;
  note: string;
  at: string;
}

export interface GoalProgress {
  key: string;
  achievement: Achievement;
  achievement_display: string;
  priority: number | null;
  benchmarks: BenchmarkProgress[];
  self_ratings: SelfRating[];
}

// Check-ins on homework since the version in force was agreed: one person's word for one day
// (done or not), a later word on the same day correcting it. `rate` is done / check_ins, null
// while there are none.
export interface HomeworkCompletion {
  check_ins: number;
  done: number;
  rate: number | null;
}

export interface HomeworkState {
  key: string;
  goal_key: string;
  description: string;
  due_date: string;
  // '' when the homework is the client's own.
  caregiver_support: string;
  // The latest word of anyone.
  done: boolean;
  by_client: HomeworkCompletion;
  by_caregivers: HomeworkCompletion;
  last_check_in_at: string | null;
  // Whether the reader may check in: the client and the care team on any homework, a parent or
  // carer on homework planned with them; nobody once the episode has ended.
  may_check_in: boolean;
}

export interface ReviewState {
  due: boolean;
  due_at: string | null;
  sessions_since: number;
  reason: string;
}

export interface PlanOverview {
  episode_id: number;
  client: { id: number; name: string };
  therapist: { id: number; name: string };
  guardian_view: boolean;
  may_edit: boolean;
  may_accept: boolean;
  versions: VersionSummary[];
  agreed_number: number | null;
  open_number: number | null;
  current: PlanVersion | null;
  rankings: { client: string[] | null; therapist: string[] | null };
  consensus: Consensus;
  goals: GoalProgress[];
  homework: HomeworkState[];
  gas_t_score: number | null;
  review: ReviewState;
  last_review_at: string | null;
  thought_records: number;
  // Every check-in on the current version's homework, by anyone.
  homework_completion: HomeworkCompletion;
}

export interface DiffRow {
  section: string;
  key: string;
  field: string;
  change: 'added' | 'removed' | 'changed';
  before: string;
  after: string;
}

export interface PlanDiff {
  from: number;
  to: number;
  rows: DiffRow[];
}

export interface FeelingRating {
  feeling: string;
  intensity: number;
}

export interface ThoughtRecord {
  goal_key: string;
  situation: string;
  automatic_thoughts: string;
  feelings: FeelingRating[];
  evidence_for: string;
  evidence_against: string;
  balanced_thought: string;
  feelings_after: FeelingRating[];
}

export interface ThoughtRecordView {
  id: number;
  at: string;
  author_id: number;
  record: ThoughtRecord;
}

export interface InstrumentSummary {
  code: string;
  title: string;
  // What clients and guardians read: no codes.
  plain_title?: string;
  purpose: string;
  respondents?: string[];
  validated?: boolean;
}

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
    request<PlanVersion>('POST', `${base(episodeId)}/versions`, content ? { content } : {}),
  version: (episodeId: number, n: number) => request<PlanVersion>('GET', `${base(episodeId)}/versions/${n}`),
  saveDraft: (episodeId: number, n: number, content: PlanContent) =>
    request<PlanVersion>('PUT', `${base(episodeId)}/versions/${n}`, { content }),
  propose: (episodeId: number, n: number) => request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/propose`, {}),
  accept: (episodeId: number, n: number) => request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/accept`, {}),
  withdraw: (episodeId: number, n: number) => request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/withdraw`, {}),
  requestChanges: (episodeId: number, n: number, comment: string) =>
    request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/request-changes`, { comment }),
  decline: (episodeId: number, n: number, comment: string) =>
    request<PlanVersion>('POST', `${base(episodeId)}/versions/${n}/decline`, comment ? { comment } : {}),
  diff: (episodeId: number, from: number, to: number) =>
    request<PlanDiff>('GET', `${base(episodeId)}/diff?from=${from}&to=${to}`),
  addProblem: (episodeId: number, fields: ProblemFields) => request<PlanVersion>('POST', `${base(episodeId)}/problems`, fields),
  editProblem: (episodeId: number, key: string, fields: ProblemFields) =>
    request<PlanVersion>('PATCH', `${base(episodeId)}/problems/${encodeURIComponent(key)}`, fields),
  rank: (episodeId: number, order: string[]) => request<PlanOverview>('PUT', `${base(episodeId)}/ranking`, { order }),
  rateGoal: (episodeId: number, goalKey: string, rating: number, note: string) =>
    request<PlanOverview>('POST', `${base(episodeId)}/goals/${encodeURIComponent(goalKey)}/ratings`, note ? { rating, note } : { rating }),
  // A check-in for today: done or not, with an optional note. Checking in again the same day
  // corrects that day's word.
  tickHomework: (episodeId: number, key: string, done: boolean, note?: string) =>
    request<PlanOverview>('PUT', `${base(episodeId)}/homework/${encodeURIComponent(key)}`, note ? { done, note } : { done }),
  thoughtRecords: (episodeId: number) => request<ThoughtRecordView[]>('GET', `${base(episodeId)}/thought-records`),
  addThoughtRecord: (episodeId: number, record: ThoughtRecord) =>
    request<ThoughtRecordView>('POST', `${base(episodeId)}/thought-records`, record),
  review: (episodeId: number, body: { notes: string; changes?: string; gas_levels?: Record<string, number> }) =>
    request<PlanOverview>('POST', `${base(episodeId)}/reviews`, body),
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
