// The clinic's mail outbox, for its administrator: with no mail relay set, every message that
// would have been e-mailed (alerts, escalations, reminders) is kept here instead, newest first.
// The messages hold no clinical content, so an administrator may read them.
import { useState } from 'preact/hooks';
import { api, type OutboxMail } from '../api';
import { formatDateTime } from '../format';
import type { AppContext } from '../main';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

const kPageSize = 20;

const reasonWords: Record<string, string> = {
  alert: 'A new alert',
  escalation: 'An alert nobody had acknowledged yet',
  feedback_request: 'A request for feedback',
  missed_feedback: 'Feedback not given',
};

function MailItem({ mail }: { mail: OutboxMail }) {
  const headingId = `mail-${mail.id}`;
  return (
    <article class="mail" aria-labelledby={headingId}>
      <h3 id={headingId}>{mail.subject || '(no subject)'}</h3>
      <p class="muted small">
        To <span class="break">{mail.to}</span> · {formatDateTime(mail.created_at)}
        {mail.reason ? ` · ${reasonWords[mail.reason] ?? mail.reason.replace(/_/g, ' ')}` : ''}
      </p>
      <pre class="mail__body">{mail.body}</pre>
    </article>
  );
}

export function OutboxPage(_props: { ctx: AppContext }) {
  // A stack of `before` cursors, as in the audit log: "Older mail" pushes, "Newer mail" pops.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const page = useLoad(() => api.outbox(before, kPageSize), [before]);
  const relay = useLoad(() => api.safety().then((s) => s.mail_relay).catch(() => false));
  return (
    <div class="page narrow-page">
      <p class="breadcrumb">
        <a href="/">Home</a> / <a href="/clinic/safety">Safety and alerts</a>
      </p>
      <PageTitle title="Mail outbox">Mail outbox</PageTitle>
      {relay.data ? (
        <p class="lede">
          A mail relay is set now, so new messages are e-mailed. These were kept while none was set.
        </p>
      ) : (
        <p class="lede">No mail relay is set, so messages that would have been e-mailed are kept here.</p>
      )}
      <section class="card" aria-labelledby="mail-heading">
        <h2 id="mail-heading">
          Messages <span class="muted small">(page {cursors.length})</span>
        </h2>
        {page.loading && <Loading what="the messages" />}
        {page.error && <Alert>{page.error.message}</Alert>}
        {!page.loading && page.data && page.data.mail.length === 0 && <p class="muted">No messages are waiting here.</p>}
        {!page.loading && page.data && page.data.mail.length > 0 && (
          <div class="mail-list">
            {page.data.mail.map((m) => (
              <MailItem key={m.id} mail={m} />
            ))}
          </div>
        )}
        <nav class="pager" aria-label="Outbox pages">
          <button class="button" type="button" disabled={cursors.length === 1 || page.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer mail
          </button>
          <button
            class="button"
            type="button"
            disabled={page.data?.next_before == null || page.loading}
            onClick={() => setCursors((c) => [...c, page.data?.next_before ?? undefined])}
          >
            Older mail
          </button>
        </nav>
      </section>
    </div>
  );
}
