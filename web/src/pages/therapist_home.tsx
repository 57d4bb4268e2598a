// The therapist's home: their caseload with each client's episode status and next
// appointment, and a form to add a new client.
import { api } from '../api';
import { loadCaseload, type CaseloadRow } from '../caseload';
import { firstName, formatDateTime, modalityLabel, statusLabel } from '../format';
import type { AppContext } from '../main';
import { navigate } from '../router';
import { Alert, Field, FormErrorSummary, Loading, PageTitle, useForm, useLoad } from '../ui';

export function TherapistHome({ ctx }: { ctx: AppContext }) {
  const caseload = useLoad(loadCaseload);
  const first = firstName(ctx.user.display_name);
  return (
    <div class="page">
      <PageTitle title="Caseload">Your caseload</PageTitle>
      <p class="lede">Hello {first}. Here is who you are working with and when you see them next.</p>
      <div class="columns">
        <section class="card" aria-labelledby="caseload-heading">
          <h2 id="caseload-heading">Clients</h2>
          {caseload.loading && !caseload.data && <Loading what="your caseload" />}
          {caseload.error && <Alert>{caseload.error.message}</Alert>}
          {caseload.data && <CaseloadList rows={caseload.data} />}
        </section>
        <NewClientForm />
      </div>
    </div>
  );
}

export function CaseloadList({ rows }: { rows: CaseloadRow[] }) {
  if (rows.length === 0) return <p class="muted">No clients yet. Add your first client with the form.</p>;
  return (
    <ul class="list">
      {rows.map(({ client, episode, next }) => (
        <li key={client.id} class="list-item">
          <div class="list-item__main">
            <p class="list-item__title">
              <a href={`/clients/${client.id}`}>{client.display_name}</a>
              {client.is_minor && <span class="badge badge--warm">Child</span>}
            </p>
            <p class="muted small">
              {next ? (
                <>
                  Next: {formatDateTime(next.starts_at)} · {modalityLabel(next.modality)}
                </>
              ) : (
                'No appointment booked'
              )}
            </p>
          </div>
          <span class={`badge badge--${episode?.status ?? 'none'}`}>
            {episode ? statusLabel(episode.status) : 'No episode'}
          </span>
        </li>
      ))}
    </ul>
  );
}

function NewClientForm() {
  const form = useForm({ display_name: '', email: '', date_of_birth: '' });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void form.submit(async () => {
      const v = form.values;
      const client = await api.createClient({
        display_name: v.display_name.trim(),
        email: v.email.trim(),
        ...(v.date_of_birth ? { date_of_birth: v.date_of_birth } : {}),
      });
      navigate(`/clients/${client.id}?created=1`);
    });
  };
  return (
    <section class="card" aria-labelledby="new-client-heading">
      <h2 id="new-client-heading">New client</h2>
      <form class="form" onSubmit={onSubmit} noValidate>
        <FormErrorSummary error={form.error} fields={['display_name', 'email', 'date_of_birth']} />
        <Field
          label="Full name"
          name="display_name"
          required
          autoComplete="off"
          value={form.values.display_name}
          onInput={form.set('display_name')}
          error={form.fieldError('display_name')}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          required
          autoComplete="off"
          value={form.values.email}
          onInput={form.set('email')}
          error={form.fieldError('email')}
        />
        <Field
          label="Date of birth"
          name="date_of_birth"
          type="date"
          hint="Needed for children, so that a guardian can be added."
          value={form.values.date_of_birth}
          onInput={form.set('date_of_birth')}
          error={form.fieldError('date_of_birth')}
        />
        <button class="button button--primary" type="submit" disabled={form.busy}>
          {form.busy ? 'Adding…' : 'Add client'}
        </button>
      </form>
    </section>
  );
}
