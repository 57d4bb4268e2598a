// The client record's basics (how to reach them, whom to call) and the audit trail searched by
// client, person, action and dates.
import { request } from './api';
import { roleLabels } from './format';
import type { Answer, Schemas } from './schema';

export type ContactDetails = Schemas['ContactDetails'];
export type ContactMethod = ContactDetails['contact_method'];

export const contactMethodWords: Record<ContactMethod, string> = {
  any: 'Any way',
  phone: 'A phone call',
  text: 'A text message',
  email: 'E-mail',
};

export type AuditRow = Schemas['AuditEntry'];

export interface AuditSearch {
  client?: number;
  person?: number;
  action?: string;
  from?: string; // YYYY-MM-DD
  to?: string; // YYYY-MM-DD, that whole day included
}

export interface RecordReader {
  user_id: number;
  name: string;
  role: string;
  reads: number;
  first_at: string;
  last_at: string;
}

// The search as query parameters (also the page's own address, so that a search can be shared).
export function auditQuery(search: AuditSearch): URLSearchParams {
  const q = new URLSearchParams();
  if (search.client) q.set('client', String(search.client));
  if (search.person) q.set('person', String(search.person));
  if (search.action) q.set('action', search.action);
  if (search.from) q.set('from', search.from);
  if (search.to) q.set('to', search.to);
  return q;
}

export function auditSearchFrom(params: URLSearchParams): AuditSearch {
  const id = (name: string) => Number(params.get(name)) || undefined;
  return {
    client: id('client'),
    person: id('person'),
    action: params.get('action') ?? undefined,
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
  };
}

export function roleName(role: string): string {
  return roleLabels[role] ?? (role === 'system' ? 'System' : role);
}

// What an entry's action says, in words ("looked at", "changed").
const actionWords: Record<string, string> = {
  read: 'looked at',
  'plan.read': 'looked at',
  create: 'created',
  update: 'changed',
  delete: 'removed',
  login: 'signed in',
  login_failed: 'could not sign in',
  logout: 'signed out',
  export: 'exported',
  denied: 'was refused',
  raise: 'raised',
  acknowledge: 'acknowledged',
  resolve: 'resolved',
  submit: 'sent',
  save: 'saved',
};

export function auditActionWords(action: string): string {
  return actionWords[action] ?? action.replace(/^plan\./, 'plan: ').replace(/[._]/g, ' ');
}

// The actions a search can choose, in words.
export const auditActions: { value: string; label: string }[] = [
  { value: '', label: 'Any action' },
  { value: 'read', label: 'Looked at' },
  { value: 'create', label: 'Created' },
  { value: 'update', label: 'Changed' },
  { value: 'delete', label: 'Removed' },
  { value: 'export', label: 'Exported' },
  { value: 'login', label: 'Signed in' },
  { value: 'login_failed', label: 'Could not sign in' },
  { value: 'denied', label: 'Was refused' },
];

export const recordsApi = {
  contact: (clientId: number) => request<ContactDetails>('GET', `/clients/${clientId}/contact`),
  saveContact: (clientId: number, details: ContactDetails) =>
    request<ContactDetails>('PUT', `/clients/${clientId}/contact`, details),
  auditSearch: (search: AuditSearch, before?: number, limit = 25) => {
    const q = auditQuery(search);
    q.set('limit', String(limit));
    if (before !== undefined) q.set('before', String(before));
    return request<Answer<'/audit', 'get'>>('GET', `/audit?${q}`);
  },
  auditExportUrl: (search: AuditSearch) => `/api/v1/audit/export?${auditQuery(search)}`,
  readers: (clientId: number) => request<{ readers: RecordReader[] }>('GET', `/clients/${clientId}/readers`),
};

export interface InvitationStatus {
  user_id: number;
  state: 'none' | 'pending' | 'expired' | 'accepted';
  sent_at: string | null;
  expires_at: string | null;
  accepted_at: string | null;
  delivery: string;
  can_sign_in: boolean;
}

export const invitationsApi = {
  status: (userId: number) => request<InvitationStatus>('GET', `/users/${userId}/invitation`),
  // By e-mail: the link goes to the person, never to the one who sends it.
  sendAgain: (userId: number) => request<{ delivery: string; expires_at: string }>('POST', `/users/${userId}/invitations`, { delivery: 'email' }),
};

export interface AppointmentRequest {
  id: number;
  appointment_id: number;
  appointment_starts_at: string;
  appointment_status: string;
  client_id: number;
  client_name: string;
  therapist_id: number;
  kind: 'cancel' | 'move';
  note: string;
  short_notice: boolean;
  notice_hours: number;
  state: 'pending' | 'accepted' | 'declined' | 'withdrawn';
  requested_by_name: string;
  created_at: string;
  decided_by_name: string;
  decided_at: string | null;
  reply: string;
}

export const appointmentsApi = {
  requests: (appointmentId: number) => request<AppointmentRequest[]>('GET', `/appointments/${appointmentId}/requests`),
  ask: (appointmentId: number, kind: 'cancel' | 'move', note: string) =>
    request<AppointmentRequest>('POST', `/appointments/${appointmentId}/requests`, { kind, note }),
  withdraw: (id: number) => request<AppointmentRequest>('POST', `/appointment-requests/${id}/withdraw`),
  waiting: () => request<AppointmentRequest[]>('GET', '/appointment-requests'),
  decide: (id: number, body: { accept: boolean; reply?: string; starts_at?: string }) =>
    request<AppointmentRequest>('POST', `/appointment-requests/${id}/decision`, body),
  resetCalendar: () => request<{ path: string }>('POST', '/calendar-feed'),
};
