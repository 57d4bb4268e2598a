// The client's own session notes: each signed note of one course of therapy, oldest session first,
// with what was added to it later. Drafts are never shown. Where the clinic does not share notes
// with clients, the server says so in its own words and the page passes them on kindly.
import { api, type Appointment } from '../api';
import { formatDateTime } from '../format';
import type { AppContext } from '../main';
import { notesApi, type SessionNote } from '../notes_api';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { AddendaList } from './session_note';

async function loadMyNotes(episodeId: number) {
  const [{ notes }, appointments] = await Promise.all([
    notesApi.episodeNotes(episodeId),
    // For the date of each session; without it, the date the note was signed.
    api.episodeAppointments(episodeId).catch(() => [] as Appointment[]),
  ]);
  const startsAt = new Map(appointments.map((a) => [a.id, a.starts_at]));
  return notes
    .filter((n) => n.state === 'signed')
    .map((n) => ({ note: n, when: startsAt.get(n.appointment_id) ?? n.signed_at ?? n.created_at }));
}

function Note({ note, when }: { note: SessionNote; when: string }) {
  const headingId = `note-${note.id}`;
  const written = note.template.sections.filter((s) => (note.sections[s.key] ?? '').trim());
  return (
    <article class="card my-note" aria-labelledby={headingId}>
      <h2 id={headingId}>Your session on {formatDateTime(when)}</h2>
      <p class="small muted">
        Written by {note.author_name}
        {note.signed_at ? `, signed ${formatDateTime(note.signed_at)}` : ''}
      </p>
      {written.length === 0 && <p class="muted">Nothing was written under the headings of this note.</p>}
      {written.map((s) => (
        <div key={s.key} class="note-section">
          <h3>{s.title}</h3>
          <p class="pre-line">{note.sections[s.key]}</p>
        </div>
      ))}
      {note.addenda.length > 0 && (
        <>
          <h3>Added later</h3>
          <AddendaList addenda={note.addenda} />
        </>
      )}
    </article>
  );
}

export function MyNotesPage({ episodeId }: { ctx: AppContext; episodeId: number }) {
  const loaded = useLoad(() => loadMyNotes(episodeId), [episodeId]);
  const heading = 'Your session notes';
  return (
    <div class="page narrow-page my-notes-page">
      <p class="breadcrumb">
        <a href="/">Home</a> <span aria-hidden="true">›</span> {heading}
      </p>
      <PageTitle title={heading}>{heading}</PageTitle>
      {loaded.loading && !loaded.data && <Loading what="your notes" />}
      {loaded.error && (
        <>
          {/* Notes not shared with clients: the server's sentence, as information rather than a failure. */}
          <Alert kind={loaded.error.status === 403 ? 'info' : 'error'}>
            {loaded.error.status === 404 ? 'These notes do not exist or are not shared with you.' : loaded.error.message}
          </Alert>
          <p>
            <a href="/">Back to your home page</a>
          </p>
        </>
      )}
      {loaded.data && (
        <>
          <p class="lede">What your therapist wrote after each session, once they signed it. Anything added later is shown with it.</p>
          {loaded.data.length === 0 ? (
            <p class="muted">There are no signed notes yet.</p>
          ) : (
            loaded.data.map(({ note, when }) => <Note key={note.id} note={note} when={when} />)
          )}
        </>
      )}
    </div>
  );
}
