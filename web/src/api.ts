// The API client: JSON over fetch with the session cookie, the CSRF token on every
// state-changing request, and problem+json errors turned into values the forms can show.

import type { Answer, Schemas } from './schema';

export type Role = Schemas['Role'];

// `email_confirmed` is false until the person accepts the invitation sent to the address.
export type User = Schemas['User'];

export type Session = Schemas['LoginResponse'];

export type Episode = Schemas['Episode'];

// A guardian linked to a client. It shares nothing until the guardian has accepted it and staff
// have recorded consent to share. `guardian_id` only once the guardian has accepted;
// `display_name` the guardian's own name once accepted, before, the name staff gave; `email` for
// staff only; `exception_reason` why a client who is not a minor has a guardian.
export type GuardianLink = Schemas['GuardianLink'];
export type GuardianLinkStatus = GuardianLink['status'];

// A client as the clinic's list gives them; `country` is whose crisis lines the client sees (an
// ISO 3166 code such as "GB"), null for the clinic's country.
export type Client = Schemas['Client'];
// One client's record: their episodes and guardians too.
export type ClientDetail = Schemas['ClientDetail'];

export type Modality = Schemas['Modality'];

export type Appointment = Schemas['Appointment'];

export type AuthSessionInfo = Schemas['SessionInfo'];

export type LinkDelivery = 'email' | 'in_person';

// `url` only for a link handed over in person: a path on this server's own origin.
export type Invitation = Schemas['Invitation'];

// Who an invitation is for; `purpose` is 'reset' when the link replaces a forgotten password
// rather than setting a first one.
export type InvitationInfo = Answer<'/invitations/{token}', 'get'>;

// --- Formal feedback (questionnaires, progress, alerts) ---------------------------------------

// 'support': the Support Check, sent by the therapist to a client who is not on track.
export type Purpose = Schemas['Purpose'];
export type Severity = Schemas['Severity'];
export type AlertState = Schemas['AlertState'];

export interface InstrumentOption {
  value: number;
  label: string;
}

export interface InstrumentItem {
  id: string;
  text: string;
  type: 'choice' | 'slider' | 'text';
  required?: boolean;
  scored?: boolean;
  options?: InstrumentOption[];
  min?: number;
  max?: number;
  step?: number;
  low_label?: string;
  high_label?: string;
  max_length?: number;
}

// When a questionnaire is asked. Outcome questionnaires come before the session, so that the
// answers can be talked over in it; how the session went can only come after. A definition that
// does not say is asked after the session, as every questionnaire once was.
export interface InstrumentTiming {
  ask: 'before_session' | 'after_session';
  // Before-session only: how many hours before the start the form opens.
  opens_hours_before?: number;
}

export function asksBeforeSession(timing: InstrumentTiming | undefined): boolean {
  return timing?.ask === 'before_session';
}

export interface InstrumentDefinition {
  code: string;
  title: string;
  // The questionnaire's name in everyday words, without its code, for clients and guardians.
  plain_title?: string;
  purpose: Purpose;
  respondents?: string[];
  preamble?: string;
  items: InstrumentItem[];
  validation?: { validated: boolean; note?: string };
  timing?: InstrumentTiming;
  // A young child's questionnaire: every choice is one of five answers, shown as faces from the
  // saddest (the first answer) to the happiest (the last).
  faces?: boolean;
}

// Whether a questionnaire's scores have been validated, as its definition says. The project's own
// questionnaires (Rapport Check, Fit Check) have not been yet, and staff are told so beside their
// scores. It also carries when the questionnaire is asked, which the client's home needs for the
// same list of definitions.
export interface InstrumentValidation {
  code: string;
  title: string;
  plain_title?: string;
  purpose: Purpose;
  validated: boolean;
  note: string;
  timing?: InstrumentTiming;
}

// One entry of GET /instruments. The validation note is only in the full definition.
type InstrumentListEntry = Schemas['InstrumentSummary'];

// How often an episode asks a questionnaire: exactly one of the three.
export type Schedule = Schemas['Schedule'];

// `schedule_words` such as "every 2 weeks"; `chosen_schedule` false for the questionnaire's own
// default; `due` whether its schedule asks it for the session asked about (or now). A parent's or
// carer's own Rapport Check is about a session they took part in: `session_id` is, for the
// guardian asking, the latest such session they have not answered it for yet (null otherwise).
export type AssignedInstrument = Schemas['AssignedInstrument'];

// One crisis line as the clinic shows it. `tel` and `sms` are dialable targets ("116123"), or ""
// when the line takes no calls or no texts; `phone` is how the number is written for people. The
// server always sends every field ("" for an empty one), which the contract's input shape leaves
// optional.
export type CrisisLine = Required<Schemas['CrisisLine']>;

export type CrisisSet = Omit<Schemas['CrisisSet'], 'lines'> & { lines: CrisisLine[] };

// Where to turn now, for the reader's country, and what the clinic does after a risk answer, in
// the server's words (which follow the clinic's hours and on-call cover).
export type HelpInfo = Omit<Schemas['Help'], 'lines'> & { lines: CrisisLine[] };

export type FeedbackAlert = Schemas['Alert'];

// `crisis` is there when an answer was a risk answer.
export type SubmitResult = Omit<Schemas['SubmitResult'], 'crisis'> & { crisis: HelpInfo | null };

// Answers in progress, the author's own, keyed "CODE/item"; restored after a refresh, a sign-out
// or on another device. `crisis` is there when a risk answer stands in the draft: shown at once,
// before anything is sent.
export type DraftAnswers = Schemas['DraftAnswers'];
export type FeedbackDraft = Omit<Schemas['FeedbackDraft'], 'crisis'> & { crisis: HelpInfo | null };

export type EpisodeProgress = Answer<'/episodes/{id}/progress', 'get'>;
export type QuestionnaireProgress = EpisodeProgress['instruments'][number];
// `guardian`: whose answer it is when a parent or carer gave it (a child may have several), as the
// care team knows them: "Elena Haddad (Leo's parent)". A guardian sees only their own answers.
export type ProgressPoint = QuestionnaireProgress['points'][number];
// Staff only: reliable recovery across PHQ-9 and GAD-7 together, once both have two scores.
export type RecoveryJudgement = NonNullable<EpisodeProgress['recovery']>;

export type ResponseDetail = Answer<'/episodes/{id}/responses/{responseId}', 'get'>;

export type DashboardRow = Schemas['DashboardRow'];

// One line of the caseload page: the client, their current episode (an open one if any, else the
// latest), the earliest appointment booked, and the open episode's feedback.
export type CaseloadLine = Answer<'/caseload', 'get'>['clients'][number];

// `client_first_name` also on a link for one of the client's parents or carers; `respondent` is
// whom the link is for: the client, or the parent or carer named in `guardian_name`.
export type FeedbackLinkInfo = Omit<Answer<'/feedback-links/{token}', 'get'>, 'instruments'> & {
  instruments: InstrumentDefinition[];
};

export type Answers = Record<string, number | string | null>;

// --- Reaching a person: live alerts, who was told, the clinic's safety set-up ------------------

export type DeliveryChannel = Schemas['DeliveryChannel'];
export type DeliveryState = Schemas['DeliveryState'];
export type AlertDelivery = Schemas['AlertDelivery'];

// The alert, who was told, and how to reach the client and whom to call.
export type AlertDetail = Schemas['AlertDetail'];

// step 0: the alert as it was raised; step > 0: an escalation, because nobody has acknowledged it.
export interface LiveAlertEvent {
  type: 'alert';
  alert_id: number;
  episode_id: number;
  severity: Severity;
  title: string;
  client_name: string;
  step: number;
}

// A new secure message on an episode the person writes or reads on (never its words).
export interface LiveMessageEvent {
  type: 'message';
  episode_id: number;
  message_id: number;
  from: 'client' | 'therapist';
}

export type LiveMessage = { type: 'ready' } | LiveAlertEvent | LiveMessageEvent;

export const kWeekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof kWeekdays)[number];

// "HH:MM" in the clinic's own time zone; end "24:00" is midnight.
export interface OpenInterval {
  start: string;
  end: string;
}

// The clinic's safety settings as the server stores them; a day that is absent or null is closed.
export type SafetySettings = Schemas['SafetySettings'];

export type SafetyOverview = Schemas['SafetyOverview'];
export type ClinicChannels = SafetyOverview['channels'];

export type OnCallShift = Schemas['OnCallShift'];

// `own`: the clinic's own lines for this country; otherwise the set shipped with Rapport.
export type CrisisSetEntry = Omit<Schemas['CrisisSetEntry'], 'set'> & { set: CrisisSet };

// A mail kept because no relay is set. Its text never holds clinical content.
export type OutboxMail = Schemas['OutboxMail'];

export type NotificationPreferences = Schemas['NotificationPreferences'];

export type FieldError = Schemas['Problem']['errors'][number];

// An API failure as the UI needs it: a status, a sentence for a page-level alert and the
// per-field messages to place beside their inputs.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: FieldError[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  fieldMessage(field: string): string | undefined {
    return this.fields.find((f) => f.field === field)?.message.trim() || undefined;
  }
}

// Server messages may be fragments ("is required"); beside a field they read best as sentences
// that name the field: "Password is required."
export function asSentence(message: string, subject?: string): string {
  let t = message.trim();
  if (subject && /^[a-z]/.test(t)) t = `${subject} ${t}`;
  if (!t) return t;
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

let csrfToken = '';
let onSessionEnded: (() => void) | undefined;

// Called when a signed-in request comes back 401: the session expired (idle or absolute
// timeout) or was ended from another device.
export function setSessionEndedHandler(handler: (() => void) | undefined): void {
  onSessionEnded = handler;
}

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

// The live connection proves itself with the same token as a state-changing request.
export function csrfTokenForLive(): string {
  return csrfToken;
}

const kBase = '/api/v1';

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(kBase + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (response.status === 401 && csrfToken && !path.startsWith('/auth/login') && !path.startsWith('/invitations/') && !path.startsWith('/feedback-links/')) {
    onSessionEnded?.();
  }
  if (!response.ok) throw toApiError(response, data);
  return data as T;
}

function toApiError(response: Response, data: unknown): ApiError {
  const problem = (data ?? {}) as { title?: string; detail?: string; errors?: FieldError[] };
  const fields = Array.isArray(problem.errors)
    ? problem.errors.filter((e) => e && typeof e.message === 'string')
    : [];
  const retry = Number(response.headers.get('Retry-After'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  let message = problem.detail || problem.title || '';
  if (response.status === 429 && !problem.detail) {
    const minutes = retryAfter ? Math.max(1, Math.ceil(retryAfter / 60)) : undefined;
    message =
      'Too many sign-in attempts. For your safety this account is locked for a while' +
      (minutes ? ` (about ${minutes} minute${minutes === 1 ? '' : 's'})` : '') +
      '. Please wait and try again.';
  } else if (!message) {
    message = response.status >= 500 ? 'Something went wrong on the server. Please try again.' : 'The request was not accepted.';
  }
  return new ApiError(response.status, message, fields, retryAfter);
}

let validationCache: Promise<Map<string, InstrumentValidation>> | undefined;

// Every questionnaire's validation and timing by code, asked for once per page load: definitions
// change only when the server restarts. A failure is not kept, so the next page asks again.
export function instrumentValidation(): Promise<Map<string, InstrumentValidation>> {
  validationCache ??= loadValidation().catch((e: unknown) => {
    validationCache = undefined;
    throw e;
  });
  return validationCache;
}

async function loadValidation(): Promise<Map<string, InstrumentValidation>> {
  const list = await request<InstrumentListEntry[]>('GET', '/instruments');
  const entries = await Promise.all(
    list.map(async (e): Promise<InstrumentValidation> => {
      const validated = e.validated;
      const note = validated ? '' : ((await api.instrument(e.code).catch(() => undefined))?.validation?.note ?? '');
      return { code: e.code, title: e.title, plain_title: e.plain_title, purpose: e.purpose, validated, note, timing: e.timing };
    }),
  );
  return new Map(entries.map((v) => [v.code, v]));
}

export const api = {
  login: (email: string, password: string) => request<Session>('POST', '/auth/login', { email, password }),
  logout: () => request<void>('POST', '/auth/logout'),
  me: () => request<Session>('GET', '/me'),
  sessions: () => request<AuthSessionInfo[]>('GET', '/auth/sessions'),
  endSession: (id: number) => request<void>('DELETE', `/auth/sessions/${id}`),

  clients: () => request<Client[]>('GET', '/clients'),
  client: (id: number) => request<ClientDetail>('GET', `/clients/${id}`),
  // "" goes back to the clinic's country.
  updateClient: (id: number, body: { country: string }) => request<ClientDetail>('PATCH', `/clients/${id}`, body),
  createClient: (body: { display_name: string; email: string; date_of_birth?: string }) =>
    request<ClientDetail>('POST', '/clients', body),
  invite: (clientId: number, delivery: LinkDelivery) =>
    request<Invitation>('POST', `/clients/${clientId}/invitations`, { delivery }),
  addGuardian: (
    clientId: number,
    body: { display_name: string; email: string; delivery: LinkDelivery; exception_reason?: string },
  ) => request<Answer<'/clients/{id}/guardians', 'post', 201>>('POST', `/clients/${clientId}/guardians`, body),
  myGuardianLinks: () => request<Answer<'/me/guardian-links', 'get'>>('GET', '/me/guardian-links'),
  acceptGuardianLink: (id: number) => request<GuardianLink>('POST', `/guardian-links/${id}/accept`, {}),
  recordGuardianConsent: (id: number, note: string) =>
    request<GuardianLink>('POST', `/guardian-links/${id}/consent`, { note }),
  removeGuardianLink: (id: number) => request<void>('DELETE', `/guardian-links/${id}`),

  invitation: (token: string) => request<InvitationInfo>('GET', `/invitations/${encodeURIComponent(token)}`),
  acceptInvitation: (token: string, password: string) =>
    request<Session>('POST', `/invitations/${encodeURIComponent(token)}/accept`, { password }),

  openEpisode: (clientId: number) => request<Episode>('POST', '/episodes', { client_id: clientId }),
  episode: (id: number) => request<Episode>('GET', `/episodes/${id}`),
  updateEpisode: (id: number, status: Episode['status']) => request<Episode>('PATCH', `/episodes/${id}`, { status }),
  episodeAppointments: (id: number) => request<Appointment[]>('GET', `/episodes/${id}/appointments`),
  bookAppointment: (episodeId: number, body: { starts_at: string; duration_minutes: number; modality: Modality }) =>
    request<Appointment>('POST', `/episodes/${episodeId}/appointments`, body),
  appointments: (from?: string, to?: string) => {
    const q = new URLSearchParams({ limit: '200' });
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    return request<Appointment[]>('GET', `/appointments?${q}`);
  },

  therapists: () => request<Answer<'/therapists', 'get'>>('GET', '/therapists'),
  users: () => request<User[]>('GET', '/users'),
  createUser: (body: { display_name: string; email: string; role: Role; password?: string }) =>
    request<Answer<'/users', 'post', 201>>('POST', '/users', body),
  instrument: (code: string) => request<InstrumentDefinition>('GET', `/instruments/${encodeURIComponent(code)}`),
  episodeInstruments: (episodeId: number, appointmentId?: number) =>
    request<AssignedInstrument[]>('GET', `/episodes/${episodeId}/instruments${appointmentId ? `?appointment=${appointmentId}` : ''}`),
  // null: back to the questionnaire's default.
  setInstrumentSchedule: (episodeId: number, code: string, respondent: string, schedule: Schedule | null) =>
    request<AssignedInstrument[]>('PUT', `/episodes/${episodeId}/instruments/${encodeURIComponent(code)}`, { respondent, schedule }),
  submitResponse: (
    episodeId: number,
    body: { instrument: string; respondent: string; answers: Answers; appointment_id?: number },
  ) => request<SubmitResult>('POST', `/episodes/${episodeId}/responses`, body),
  progress: (episodeId: number) => request<EpisodeProgress>('GET', `/episodes/${episodeId}/progress`),
  response: (episodeId: number, responseId: number) =>
    request<ResponseDetail>('GET', `/episodes/${episodeId}/responses/${responseId}`),
  alerts: (state?: AlertState) => request<FeedbackAlert[]>('GET', `/alerts${state ? `?state=${state}` : ''}`),
  acknowledgeAlert: (id: number, note: string) => request<FeedbackAlert>('POST', `/alerts/${id}/acknowledge`, { note }),
  resolveAlert: (id: number, note?: string) =>
    request<FeedbackAlert>('POST', `/alerts/${id}/resolve`, note ? { note } : {}),
  caseload: () => request<Answer<'/caseload', 'get'>>('GET', '/caseload'),
  // With a guardian's user id, the link is for that parent or carer; without, for the client.
  createFeedbackLink: (appointmentId: number, guardianId?: number) =>
    request<Answer<'/appointments/{id}/feedback-link', 'post', 201>>(
      'POST',
      `/appointments/${appointmentId}/feedback-link`,
      guardianId !== undefined ? { guardian_id: guardianId } : undefined,
    ),
  feedbackLink: (token: string) => request<FeedbackLinkInfo>('GET', `/feedback-links/${encodeURIComponent(token)}`),
  feedbackDraft: (episodeId: number) => request<FeedbackDraft>('GET', `/episodes/${episodeId}/feedback-draft`),
  saveFeedbackDraft: (episodeId: number, answers: DraftAnswers) =>
    request<FeedbackDraft>('PUT', `/episodes/${episodeId}/feedback-draft`, { answers }),
  linkDraft: (token: string) => request<FeedbackDraft>('GET', `/feedback-links/${encodeURIComponent(token)}/draft`),
  saveLinkDraft: (token: string, answers: DraftAnswers) =>
    request<FeedbackDraft>('PUT', `/feedback-links/${encodeURIComponent(token)}/draft`, { answers }),
  submitViaLink: (token: string, body: { instrument: string; answers: Answers }) =>
    request<SubmitResult>('POST', `/feedback-links/${encodeURIComponent(token)}/responses`, body),

  alert: (id: number) => request<AlertDetail>('GET', `/alerts/${id}`),
  help: () => request<HelpInfo>('GET', '/help'),
  feedbackLinkHelp: (token: string) => request<HelpInfo>('GET', `/feedback-links/${encodeURIComponent(token)}/help`),
  notificationPreferences: () => request<NotificationPreferences>('GET', '/me/notifications'),
  putNotificationPreferences: (body: NotificationPreferences) =>
    request<NotificationPreferences>('PUT', '/me/notifications', body),

  safety: () => request<SafetyOverview>('GET', '/clinic/safety'),
  putSafety: (settings: SafetySettings) => request<SafetyOverview>('PUT', '/clinic/safety', { settings }),
  // Leaving out webhook_secret keeps the current one.
  putChannels: (body: { webhook_url: string; webhook_secret?: string; mail_from: string }) =>
    request<SafetyOverview>('PUT', '/clinic/channels', body),
  onCall: (from: string, to: string) =>
    request<{ shifts: OnCallShift[] }>('GET', `/on-call?${new URLSearchParams({ from, to })}`),
  addShift: (body: { user_id: number; starts_at: string; ends_at: string }) => request<OnCallShift>('POST', '/on-call', body),
  removeShift: (id: number) => request<void>('DELETE', `/on-call/${id}`),
  crisisSets: () => request<{ sets: CrisisSetEntry[] }>('GET', '/clinic/crisis-sets'),
  putCrisisSet: (country: string, set: CrisisSet) =>
    request<CrisisSetEntry>('PUT', `/clinic/crisis-sets/${encodeURIComponent(country)}`, set),
  // Back to the set shipped with Rapport.
  resetCrisisSet: (country: string) => request<void>('DELETE', `/clinic/crisis-sets/${encodeURIComponent(country)}`),
  outbox: (before?: number, limit = 20) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) q.set('before', String(before));
    return request<{ mail: OutboxMail[]; next_before: number | null }>('GET', `/clinic/outbox?${q}`);
  },

  // Every other session of the account is signed out; this one stays.
  changePassword: (body: { current_password: string; new_password: string }) =>
    request<{ message: string }>('POST', '/me/password', body),
  // The same answer whether or not the address has an account.
  requestPasswordReset: (email: string) => request<{ message: string }>('POST', '/auth/password-reset', { email }),
  // Admins: the person can no longer sign in, and their sessions end.
  deactivateUser: (id: number) => request<void>('POST', `/users/${id}/deactivate`, {}),
  // Admins: forgets the account's failed sign-ins, so that it need not wait.
  clearSignInFailures: (id: number) => request<void>('POST', `/users/${id}/unlock`, {}),
};
