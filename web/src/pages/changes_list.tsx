// The intake coordinator's changes of therapist: on their home, those that need them (ready to
// assign first, then those waiting for the client), and at /therapist-changes every change of the
// clinic, newest first, each leading to its page.
import { changeApi, isOpen, kindWords, staffStatusWords, type TherapistChange } from '../change_api';
import { formatDate } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

function newestFirst(a: TherapistChange, b: TherapistChange): number {
  return a.requested_at < b.requested_at ? 1 : a.requested_at > b.requested_at ? -1 : b.id - a.id;
}

function ChangeItem({ change: c }: { change: TherapistChange }) {
  const to = c.kind === 'referral' ? (c.to_therapist_name ?? (c.to_outside ? `${c.to_outside}, outside the clinic` : null)) : null;
  return (
    <li class="list-item">
      <div class="list-item__main">
        <p class="list-item__title">
          <a href={`/therapist-changes/${c.id}`}>
            {c.client_name}
            <span class="visually-hidden">: change of therapist</span>
          </a>
        </p>
        <p class="muted small">
          {kindWords(c)}
          {to ? ` to ${to}` : ''} · leaving {c.from_therapist_name} · asked {formatDate(c.requested_at)}
        </p>
      </div>
      <span class={c.status === 'consented' ? 'badge badge--warm' : isOpen(c.status) ? 'badge' : 'badge badge--ended'}>{staffStatusWords(c)}</span>
    </li>
  );
}

function ChangeList({ changes, empty }: { changes: TherapistChange[]; empty: string }) {
  if (changes.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="list">
      {changes.map((c) => (
        <ChangeItem key={c.id} change={c} />
      ))}
    </ul>
  );
}

// For the admin's home: what is waiting on them, then what is waiting on a client.
export function ChangesNeedingAction() {
  const changes = useLoad(() => changeApi.list(), []);
  const all = [...(changes.data ?? [])].sort(newestFirst);
  const ready = all.filter((c) => c.status === 'consented');
  const waiting = all.filter((c) => c.status === 'awaiting-consent');
  return (
    <section class="card card--accent changes-card" aria-labelledby="changes-heading">
      <h2 id="changes-heading">Changes of therapist</h2>
      <p class="small">
        Clients who asked for a different therapist, and referrals. Once a client has chosen what to share, choose who takes them on.
      </p>
      {changes.loading && !changes.data && <Loading what="changes of therapist" />}
      {changes.error && <Alert>{changes.error.message}</Alert>}
      {changes.data && (
        <>
          <h3>Ready to assign</h3>
          <ChangeList changes={ready} empty="Nothing is waiting for you." />
          <h3>Waiting for the client</h3>
          <ChangeList changes={waiting} empty="No client is choosing what to share just now." />
        </>
      )}
      <ul class="link-list">
        <li>
          <a href="/therapist-changes">All changes of therapist</a>
        </li>
      </ul>
    </section>
  );
}

export function ChangesPage(_: { ctx: AppContext }) {
  const changes = useLoad(() => changeApi.list(), []);
  const all = [...(changes.data ?? [])].sort(newestFirst);
  const open = all.filter((c) => isOpen(c.status)).sort((a, b) => Number(b.status === 'consented') - Number(a.status === 'consented'));
  const closed = all.filter((c) => !isOpen(c.status));
  return (
    <div class="page narrow-page">
      <p class="breadcrumb">
        <a href="/">Home</a> <span aria-hidden="true">›</span> Changes of therapist
      </p>
      <PageTitle title="Changes of therapist">Changes of therapist</PageTitle>
      <p class="lede">Every request for a different therapist and every referral in the clinic. The client’s own choice of what to share comes first.</p>
      {changes.loading && !changes.data && <Loading what="changes of therapist" />}
      {changes.error && <Alert>{changes.error.message}</Alert>}
      {changes.data && (
        <>
          <section class="card" aria-labelledby="open-changes">
            <h2 id="open-changes">Open</h2>
            <ChangeList changes={open} empty="No change of therapist is open." />
          </section>
          <section class="card" aria-labelledby="closed-changes">
            <h2 id="closed-changes">Done or withdrawn</h2>
            <ChangeList changes={closed} empty="None yet." />
          </section>
        </>
      )}
    </div>
  );
}
