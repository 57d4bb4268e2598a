// The administrator's pages: the clinic's users with a form to add one, deactivating an account
// or clearing its failed sign-ins, checking a therapist's licence, matching a client who has no
// therapist yet, the changes of therapist waiting on the intake coordinator, the way to the
// clinic's safety set-up and outcome report, and the audit log.
// Admins manage accounts and settings; they see no clinical content beyond what a client chose to
// share with their next therapist.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Invitation, type Role, type User } from '../api';
import { formatDateTime, roleLabels } from '../format';
import type { AppContext } from '../main';
import { InvitationStatusLine } from '../invitation_status';
import { RecordReaders } from '../record_access';
import { auditActions, auditActionWords, auditQuery, auditSearchFrom, recordsApi, roleName, type AuditRow, type AuditSearch } from '../records_api';
import { navigate } from '../router';
import { Alert, Field, FormErrorSummary, Loading, PageTitle, SelectField, useForm, useLoad } from '../ui';
import { ClinicSettingsCard } from './clinic_settings';
import { LicenceVerification, staffOffers } from '../licence_verification';
import type { TherapistOffer } from '../matching_api';
import { MatchAClient } from './admin_matching';
import { ChangesNeedingAction } from './changes_list';

export function AdminHome({ ctx }: { ctx: AppContext }) {
  const users = useLoad(() => api.users());
  const offers = useLoad(staffOffers);
  const [filter, setFilter] = useState('all');
  const shown = (users.data ?? []).filter((u) => filter === 'all' || u.role === filter);
  return (
    <div class="page">
      <PageTitle title="Users">Users</PageTitle>
      <p class="lede">
        Everyone who can sign in to your clinic. The <a href="/audit">audit log</a> shows who did what.
      </p>
      {/* What waits on the intake coordinator comes first. */}
      <ChangesNeedingAction />
      <div class="columns">
        <section class="card" aria-labelledby="users-heading">
          <h2 id="users-heading">People</h2>
          <p class="muted small">For a therapist, record a licence check only once you have looked the number up on the register.</p>
          <SelectField
            label="Show"
            name="role-filter"
            value={filter}
            onInput={setFilter}
            options={[{ value: 'all', label: 'Everyone' }, ...Object.entries(roleLabels).map(([value, label]) => ({ value, label: `${label}s` }))]}
          />
          {users.loading && !users.data && <Loading what="users" />}
          {users.error && <Alert>{users.error.message}</Alert>}
          {offers.error && <Alert>Therapists’ licences could not be loaded: {offers.error.message}</Alert>}
          {users.data && (
            <ul class="list">
              {shown.map((u) => (
                <UserItem key={u.id} user={u} self={u.id === ctx.user.id} onChanged={users.reload} offer={offers.data?.get(u.id)} />
              ))}
            </ul>
          )}
        </section>
        <NewUserForm onAdded={users.reload} />
      </div>
      <div class="after-card">
        {users.data && <MatchAClient users={users.data} />}
      </div>
      <div class="after-card">
        <ClinicSettingsCard />
      </div>
      <section class="card after-card" aria-labelledby="outcomes-heading">
        <h2 id="outcomes-heading">Outcomes</h2>
        <p>How ended episodes went, per problem area and therapist, for reflection and supervision.</p>
        <ul class="link-list">
          <li>
            <a href="/reports/outcomes">Outcome report</a>
          </li>
        </ul>
      </section>
      <section class="card after-card" aria-labelledby="safety-heading">
        <h2 id="safety-heading">Reaching a person</h2>
        <p>When a client gives a risk answer, Rapport tells the people set up here, and tells the client what will happen.</p>
        <ul class="link-list">
          <li>
            <a href="/clinic/safety">Safety and alerts</a>
            <span class="muted small"> · opening hours, escalation, the webhook, the on-call rota and crisis lines</span>
          </li>
          <li>
            <a href="/clinic/outbox">Mail outbox</a>
            <span class="muted small"> · e-mail kept while no mail relay is set</span>
          </li>
        </ul>
      </section>
    </div>
  );
}

// One person in the list. For anyone but the admin themself: deactivating the account, after an
// in-page confirmation, and clearing its failed sign-ins so that it need not wait to sign in.
function UserItem({ user, self, onChanged, offer }: { user: User; self: boolean; onChanged: () => void; offer?: TherapistOffer }) {
  const name = user.display_name;
  const active = user.active !== false;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const deactivateRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const messageRef = useRef<HTMLDivElement>(null);
  const questionId = `deactivate-question-${user.id}`;

  // The question takes focus's place, so that keyboard and screen-reader users land on it; Cancel
  // is focused rather than the irreversible answer.
  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
  }, [confirming]);

  function cancel() {
    setConfirming(false);
    // After the render that brings the button back.
    setTimeout(() => deactivateRef.current?.focus(), 0);
  }

  // `refocus`: the button pressed goes away, so focus moves to the outcome rather than to the
  // page's top.
  async function act(action: () => Promise<void>, done: string, refocus: boolean) {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
      setNotice(done);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
      setConfirming(false);
      if (refocus) setTimeout(() => messageRef.current?.focus(), 0);
    }
  }

  const deactivate = () =>
    act(
      async () => {
        await api.deactivateUser(user.id);
        onChanged();
      },
      `${name} was deactivated and signed out everywhere. They can no longer sign in.`,
      true,
    );
  const clearFailures = () =>
    act(
      () => api.clearSignInFailures(user.id),
      `Failed sign-ins for ${name} were cleared; they can sign in again at once.`,
      false,
    );

  return (
    <li class="list-item">
      <div class="list-item__main">
        <p class="list-item__title">
          {name}
          {self && <span class="muted small"> (you)</span>}
        </p>
        <p class="muted small break">
          {user.email}
          {user.email_confirmed === false && ' (invitation not yet accepted)'}
        </p>
        {user.email_confirmed === false && active && user.role !== 'client' && user.role !== 'guardian' && !self && (
          <InvitationStatusLine userId={user.id} name={name} email={user.email} />
        )}
        {user.role === 'client' && (
          <p class="small">
            <a href={`/audit?client=${user.id}`}>Who has looked at {name}’s record</a>
          </p>
        )}
        {user.role === 'therapist' && active && <LicenceVerification therapistId={user.id} name={name} loaded={offer} />}
      </div>
      <span class="badge badge--calm">{roleLabels[user.role] ?? user.role}</span>
      {!active && <span class="badge badge--ended">Deactivated</span>}
      {!self && (active || error || notice) && (
        <div class="list-item__actions">
          {(error || notice) && (
            <div class="list-item__message" ref={messageRef} tabIndex={-1}>
              {error ? <Alert>{error}</Alert> : <Alert kind="success">{notice}</Alert>}
            </div>
          )}
          {active &&
            (confirming ? (
              <div class="confirm" role="group" aria-labelledby={questionId}>
                <p id={questionId}>Deactivate {name}? They will be signed out everywhere and cannot sign in again.</p>
                <button class="button button--danger button--small" type="button" disabled={busy} onClick={deactivate}>
                  Yes, deactivate {name}
                </button>
                <button class="button button--small" type="button" ref={cancelRef} disabled={busy} onClick={cancel}>
                  Cancel
                </button>
              </div>
            ) : (
              <div class="actions">
                <button class="button button--small" type="button" disabled={busy} onClick={clearFailures}>
                  Clear failed sign-ins<span class="visually-hidden"> for {name}</span>
                </button>
                <button
                  class="button button--small button--quiet"
                  type="button"
                  ref={deactivateRef}
                  disabled={busy}
                  onClick={() => {
                    setNotice(undefined);
                    setError(undefined);
                    setConfirming(true);
                  }}
                >
                  Deactivate<span class="visually-hidden"> {name}</span>
                </button>
              </div>
            ))}
        </div>
      )}
    </li>
  );
}

function NewUserForm({ onAdded }: { onAdded: () => void }) {
  const form = useForm({ display_name: '', email: '', role: 'therapist' });
  const [added, setAdded] = useState<{ name: string; invitation?: Invitation }>();
  const onSubmit = (e: Event) => {
    e.preventDefault();
    setAdded(undefined);
    void form.submit(async () => {
      const created = await api.createUser({
        display_name: form.values.display_name.trim(),
        email: form.values.email.trim(),
        role: form.values.role as Role,
      });
      setAdded({ name: created.display_name, invitation: created.invitation ?? undefined });
      form.setValues({ display_name: '', email: '', role: form.values.role });
      onAdded();
    });
  };
  const link = added?.invitation?.url
    ? new URL(added.invitation.url, location.origin).toString()
    : undefined;
  return (
    <section class="card" aria-labelledby="new-user-heading">
      <h2 id="new-user-heading">Add a user</h2>
      <form class="form" onSubmit={onSubmit} noValidate>
        <FormErrorSummary error={form.error} fields={['display_name', 'email', 'role']} />
        {added && (
          <Alert kind="success">
            <p>{added.name} was added.</p>
            {link ? (
              <p class="break">
                Send them this invitation link to set their password: <code>{link}</code>
              </p>
            ) : (
              added.invitation && <p>Their invitation is on its way to them by e-mail; only they can choose their password.</p>
            )}
          </Alert>
        )}
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
        <SelectField
          label="Role"
          name="role"
          value={form.values.role}
          onInput={form.set('role')}
          options={Object.entries(roleLabels).map(([value, label]) => ({ value, label }))}
          error={form.fieldError('role')}
        />
        <button class="button button--primary" type="submit" disabled={form.busy}>
          {form.busy ? 'Adding…' : 'Add user'}
        </button>
      </form>
    </section>
  );
}

const kPageSize = 25;

// The audit log, searched by client, person, action and dates; each entry names the person and
// the record in words. The search is the page's address, so it can be shared or bookmarked.
export function AuditPage(_props: { ctx: AppContext }) {
  const [search, setSearch] = useState<AuditSearch>(() => auditSearchFrom(new URLSearchParams(location.search)));
  const [form, setForm] = useState(() => ({
    client: search.client ? String(search.client) : '',
    person: search.person ? String(search.person) : '',
    action: search.action ?? '',
    from: search.from ?? '',
    to: search.to ?? '',
  }));
  // A stack of `before` cursors: the first page has none; "Older" pushes, "Newer" pops.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const key = auditQuery(search).toString();
  const page = useLoad(async () => {
    const res = await recordsApi.auditSearch(search, before, kPageSize);
    return { entries: res.entries, next: res.next_before ?? undefined };
  }, [key, before]);
  const users = useLoad(() => api.users().catch(() => [] as User[]));
  const people = users.data ?? [];
  const clients = people.filter((u) => u.role === 'client');
  const clientName = clients.find((c) => c.id === search.client)?.display_name;
  const [error, setError] = useState<ApiError>();
  useEffect(() => setError(page.error), [page.error]);
  const fieldError = (name: string) => error?.fields?.find((f) => f.field === name)?.message;

  const run = (e: Event) => {
    e.preventDefault();
    const next: AuditSearch = {
      client: Number(form.client) || undefined,
      person: Number(form.person) || undefined,
      action: form.action || undefined,
      from: form.from || undefined,
      to: form.to || undefined,
    };
    setSearch(next);
    setCursors([undefined]);
    const q = auditQuery(next).toString();
    navigate(q ? `/audit?${q}` : '/audit', true);
  };

  return (
    <div class="page">
      <PageTitle title="Audit log">Audit log</PageTitle>
      <p class="lede">Every read and change of clinical records, newest first. Entries are hash-chained and cannot be edited.</p>
      <section class="card" aria-labelledby="audit-search-heading">
        <h2 id="audit-search-heading">Search</h2>
        <form class="audit-search" onSubmit={run} aria-label="Search the audit log">
          <SelectField
            label="Client"
            name="client"
            value={form.client}
            onInput={(v) => setForm({ ...form, client: v })}
            options={[{ value: '', label: 'Any client' }, ...clients.map((c) => ({ value: String(c.id), label: c.display_name }))]}
            error={fieldError('client')}
          />
          <SelectField
            label="Person"
            name="person"
            value={form.person}
            onInput={(v) => setForm({ ...form, person: v })}
            options={[{ value: '', label: 'Anyone' }, ...people.map((u) => ({ value: String(u.id), label: `${u.display_name} (${roleName(u.role)})` }))]}
            error={fieldError('person')}
          />
          <SelectField label="Action" name="action" value={form.action} onInput={(v) => setForm({ ...form, action: v })} options={auditActions} error={fieldError('action')} />
          <Field label="From" name="from" type="date" value={form.from} onInput={(v) => setForm({ ...form, from: v })} error={fieldError('from')} />
          <Field label="To" name="to" type="date" value={form.to} onInput={(v) => setForm({ ...form, to: v })} error={fieldError('to')} hint="That whole day is included." />
          <div class="actions">
            <button class="button button--primary" type="submit">
              Search
            </button>
            <a class="button" href={recordsApi.auditExportUrl(search)} download="audit-log.csv">
              Download these entries (CSV)
            </a>
          </div>
        </form>
      </section>
      {search.client && <RecordReaders clientId={search.client} clientName={clientName} />}
      <section class="card" aria-labelledby="audit-heading">
        <h2 id="audit-heading">
          Entries <span class="muted small">(page {cursors.length})</span>
        </h2>
        {page.loading && <Loading what="entries" />}
        {error && <Alert>{error.message}</Alert>}
        {!page.loading && page.data && page.data.entries.length === 0 && <p class="muted">No entries match this search.</p>}
        {!page.loading && page.data && page.data.entries.length > 0 && (
          <ol class="audit" aria-label="Audit entries">
            {page.data.entries.map((e: AuditRow) => (
              <li key={e.seq}>
                <p class="audit__what">
                  <span class="audit__seq">#{e.seq}</span> {e.actor_name}
                  {e.actor_role !== 'system' ? ` (${roleName(e.actor_role)})` : ''} <strong>{auditActionWords(e.action)}</strong>{' '}
                  {e.record_words}
                </p>
                <p class="muted small">
                  {formatDateTime(e.at)}
                  {e.source ? ` · from ${e.source}` : ''}
                  {e.detail ? ` · ${e.detail}` : ''}
                </p>
              </li>
            ))}
          </ol>
        )}
        <nav class="pager" aria-label="Audit log pages">
          <button class="button" type="button" disabled={cursors.length === 1 || page.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer entries
          </button>
          <button
            class="button"
            type="button"
            disabled={!page.data?.next || page.loading}
            onClick={() => setCursors((c) => [...c, page.data?.next])}
          >
            Older entries
          </button>
        </nav>
      </section>
    </div>
  );
}
