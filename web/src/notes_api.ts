// Session notes: one progress note per appointment, written by the episode's therapist under the
// headings of a template (DAP, SOAP or the clinic's own), kept as a draft until signed and then
// never changed, only added to. The shapes the server sends and their calls; everything goes
// through api.ts's request(), so the session cookie, CSRF token and problem+json handling are the
// same as everywhere else.
import { request, type Appointment } from './api';
import type { Answer, Schemas } from './schema';

// A progress-note template is data: Rapport ships "DAP" (Data, Assessment, Plan) and "SOAP"
// (Subjective, Objective, Assessment, Plan), and the clinic chooses which one new notes use.
export type NoteTemplate = Schemas['NoteTemplate'];

// One heading of a note: `key` names its text in a note's `sections`, `prompt` says what goes there.
export type TemplateSection = NoteTemplate['sections'][number];

// The shipped templates, and the one new notes use.
export type NoteTemplates = Answer<'/note-templates', 'get'>;

export type SessionNote = Schemas['SessionNote'];
export type NoteState = SessionNote['state'];

// Words added to a signed note; kept with it, with who wrote them and when.
export type Addendum = SessionNote['addenda'][number];

// The note of one appointment, or none yet with the template a new one would use.
export type NoteView = Answer<'/appointments/{id}/note', 'get'>;
export type NoteAppointment = NoteView['appointment'];

// At most this many characters in a section, and in an addendum.
export const kMaxSectionChars = 8000;
export const kMaxAddendumChars = 4000;

const noteOf = (appointmentId: number) => `/appointments/${appointmentId}/note`;

export const notesApi = {
  // Therapists, supervisors and admins.
  templates: () => request<NoteTemplates>('GET', '/note-templates'),
  // Admins: the template new notes use. 400 names fields such as "sections/0/key".
  setClinicTemplate: (template: NoteTemplate) => request<NoteTemplate>('PUT', '/clinic/note-template', template),

  // The episode's therapist and their supervisor.
  note: (appointmentId: number) => request<NoteView>('GET', noteOf(appointmentId)),
  // The episode's therapist: creates the draft if there is none. 400 names "sections/<key>";
  // 409 once the note is signed.
  saveDraft: (appointmentId: number, sections: Record<string, string>) =>
    request<SessionNote>('PUT', noteOf(appointmentId), { sections }),
  // The episode's therapist. 400 names "sections" when every one is empty; 409: already signed;
  // 404: no note yet.
  sign: (appointmentId: number) => request<SessionNote>('POST', `${noteOf(appointmentId)}/signature`, {}),
  // The therapist or supervisor of the episode, once the note is signed (409 before). 400 names "text".
  addAddendum: (appointmentId: number, text: string) => request<SessionNote>('POST', `${noteOf(appointmentId)}/addenda`, { text }),

  // Oldest appointment first. The care team reads drafts and signed notes; the client only signed
  // ones, and only where the clinic allows it (otherwise 403 with a sentence to show).
  episodeNotes: (episodeId: number) => request<Answer<'/episodes/{id}/notes', 'get'>>('GET', `/episodes/${episodeId}/notes`),
};

// Whether an appointment has taken place, so that a note about it can be written: completed, or
// still marked scheduled once its time is over.
export function sessionIsPast(a: { status: Appointment['status']; starts_at: string; duration_minutes?: number }, now = Date.now()): boolean {
  if (a.status === 'completed') return true;
  return a.status === 'scheduled' && Date.parse(a.starts_at) + (a.duration_minutes ?? 0) * 60_000 <= now;
}
