// The Support Check on the therapist's episode page (docs/course.md): the project's own questions,
// not yet validated, for a client who is not on track. The care team sends it (the button is
// always there while the episode is open, and stands out while a "not on track" alert is open);
// the client answers it in their usual feedback form; then the answers are read area by area in
// plain words (working together, motivation, support, life events), with the client's words about
// life events, and beside each area of concern a few repair strategies from the literature, each
// with its source. Suggestions to think with, not instructions.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type FeedbackAlert, type Role } from '../api';
import { formatDateTime } from '../format';
import { supportApi, type SupportCheck, type SupportFinding } from '../support_api';
import { Alert, Loading, useLoad } from '../ui';

// The care team; the server checks that this is their episode.
function maySend(role: Role): boolean {
  return role === 'therapist' || role === 'supervisor';
}

// An open "not on track" alert (rules/alerts.json) is what the Support Check is for.
export function notOnTrack(alerts: FeedbackAlert[]): boolean {
  return alerts.some((a) => a.kind === 'not_on_track' && a.state === 'open');
}

// The areas in everyday words, should the server send no label.
const kAreaWords: Record<string, string> = {
  alliance: 'Working together',
  motivation: 'Motivation',
  support: 'Support around them',
  life_events: 'Life events',
};

function areaName(f: SupportFinding): string {
  return f.label?.trim() || kAreaWords[f.scale] || f.scale;
}

function figure(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

// Yes/no items (life events) have a maximum of 1 per item; ratings of 10.
function isYesNo(f: SupportFinding): boolean {
  return f.item_max <= 1;
}

// The area's name and what its answers say, read as one line: "Working together: 3.5 of 10 on
// average — worth talking about".
function readingParts(f: SupportFinding): { name: string; what: string } {
  const name = areaName(f);
  if (f.mean === null) return { name, what: 'not answered' };
  const said = isYesNo(f)
    ? f.mean > 0
      ? 'yes, something has happened recently'
      : 'nothing reported'
    : `${figure(f.mean)} of ${f.item_max} on average`;
  const verdict = f.concern ? ' — worth talking about' : isYesNo(f) ? '' : ' — no concern in these answers';
  return { name, what: `${said}${verdict}` };
}

function When({ iso }: { iso: string }) {
  return <time dateTime={iso}>{formatDateTime(iso)}</time>;
}

function Strategies({ finding, id }: { finding: SupportFinding; id: string }) {
  const strategies = finding.strategies ?? [];
  if (!finding.concern || strategies.length === 0) return null;
  return (
    <>
      <h4 id={id}>What may help: {areaName(finding).toLowerCase()}</h4>
      <ul class="support-strategies" aria-labelledby={id}>
        {strategies.map((s) => (
          <li key={s.title}>
            <p class="label">{s.title}</p>
            <p>{s.text}</p>
            <p class="small muted">
              <cite>{s.citation}</cite>
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}

function Findings({ check, clientName }: { check: SupportCheck; clientName: string }) {
  const comment = check.life_events_comment?.trim();
  const hasLifeEvents = check.findings.some((f) => f.scale === 'life_events');
  const commentBlock = comment ? (
    <>
      <p class="small muted support-comment__lead">What {clientName} wrote about it:</p>
      <blockquote class="support-comment pre-line">{comment}</blockquote>
    </>
  ) : null;
  return (
    <>
      <h3 id="support-answers-heading">
        {check.waiting ? `${clientName}’s last answers` : `${clientName}’s answers`}, <When iso={check.answered_at!} />
      </h3>
      {check.findings.length === 0 ? (
        <p class="muted">No area could be read from these answers.</p>
      ) : (
        <ul class="support-findings" aria-labelledby="support-answers-heading">
          {check.findings.map((f, i) => (
            <li key={f.scale} class={f.concern ? 'support-finding support-finding--concern' : 'support-finding'}>
              <p class="support-finding__reading">
                <strong>{readingParts(f).name}:</strong> {readingParts(f).what}
              </p>
              {f.scale === 'life_events' && commentBlock}
              <Strategies finding={f} id={`support-help-${i}`} />
            </li>
          ))}
        </ul>
      )}
      {!hasLifeEvents && commentBlock}
    </>
  );
}

export function SupportSection({
  episodeId,
  alerts,
  clientName,
  ended,
  role,
}: {
  episodeId: number;
  // Every alert of the episode, as the page has them.
  alerts: FeedbackAlert[];
  clientName: string;
  ended: boolean;
  role: Role;
}) {
  const loaded = useLoad(() => supportApi.get(episodeId), [episodeId]);
  const [sent, setSent] = useState<SupportCheck>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const status = useRef<HTMLParagraphElement>(null);
  const [focusStatus, setFocusStatus] = useState(false);
  useEffect(() => setSent(undefined), [loaded.data]);
  useEffect(() => {
    if (!focusStatus) return;
    status.current?.focus();
    setFocusStatus(false);
  }, [focusStatus]);

  if (!maySend(role)) return null;
  const check = sent ?? loaded.data;
  // An ended episode shows what was answered, if anything; nothing more can be sent.
  if (ended && check && !check.requested_at && !check.answered_at) return null;
  const urgent = !ended && notOnTrack(alerts);

  async function send() {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      setSent(await supportApi.send(episodeId));
      setFocusStatus(true);
    } catch (e) {
      const failure = e instanceof ApiError ? e : new ApiError(0, String(e));
      setError(failure.message);
      // Sent meanwhile (by the supervisor, or on another device): shown as it stands.
      if (failure.status === 409) loaded.reload();
    } finally {
      setBusy(false);
    }
  }

  let statusLine = null;
  if (check?.waiting && check.requested_at) {
    statusLine = (
      <>
        Sent on <When iso={check.requested_at} />; waiting for the answers.
      </>
    );
  } else if (check?.answered_at) {
    statusLine = (
      <>
        Answered on <When iso={check.answered_at} />.
      </>
    );
  } else if (check) {
    statusLine = <>Not sent in this episode yet.</>;
  }

  return (
    <section class={urgent ? 'card card--accent support-check' : 'card support-check'} id="support-check" aria-labelledby="support-heading">
      <h2 id="support-heading">Support Check</h2>
      <p class="small">
        {check?.validated !== true && (
          <>
            <span class="badge badge--unvalidated">not yet validated</span>{' '}
          </>
        )}
        A few questions of the project’s own for a client who is not on track: how working together feels, their motivation, the support around them
        and anything that has happened in their life. The questions are not yet validated: read the answers as a way into a conversation, and the
        strategies beside them as suggestions to think with, not instructions.
      </p>
      {urgent && (
        <p class="support-check__why">
          <strong>{clientName} is not on track</strong> (an open alert). The Support Check can help find out what is getting in the way.
        </p>
      )}
      {loaded.loading && !loaded.data && <Loading what="the Support Check" />}
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      <p role="status" class="support-check__status" tabIndex={-1} ref={status}>
        {statusLine}
      </p>
      {error && <Alert>{error}</Alert>}
      {check && !ended && !check.waiting && (
        <div class="actions">
          <button class={urgent ? 'button button--primary' : 'button'} type="button" aria-disabled={busy ? 'true' : undefined} onClick={send}>
            {busy ? 'Sending…' : 'Send the Support Check'}
          </button>
        </div>
      )}
      {check && !ended && !check.waiting && (
        <p class="small muted">
          {clientName} will find the questions on the home page and in the feedback form; the answers will be here.
        </p>
      )}
      {check?.answered_at && <Findings check={check} clientName={clientName} />}
    </section>
  );
}
