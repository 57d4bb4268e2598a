// Secure messages between sessions: one episode's thread between the client and their therapist,
// shared by the client's home and the therapist's (or supervisor's) episode page. Messages in the
// order sent, each with who wrote it and when, as plain text with its line breaks; one's own
// messages on the other side, with their read receipt; the box to write in, with its character
// count and the server's field errors beside it; and, for a client, a calm word that messages are
// read in working hours, with the crisis lines beside the box.
//
// Reading: a GET never marks anything read. Once the latest message is on screen (and the tab is
// in front), the page tells the server that the person has read up to it. A supervisor reads
// without marking. New messages arrive by the live connection, and are announced politely.
import type { RefObject } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import { api, type HelpInfo, type User } from './api';
import { firstName, formatDateTime } from './format';
import { EmergencyCall, HelpLines } from './help_view';
import { kMaxMessageChars, kMessagesExportPath, messageLength, type EpisodeMessage, type MessageThread } from './messages_api';
import { plural, useMessageThread, type ThreadState } from './messages_thread';
import { Alert, Loading } from './ui';

export { bodyError } from './messages_thread';

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

// "Today, 10:42", "Yesterday, 18:03", else the date and time.
export function messageTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (sameDay(d, now)) return `Today, ${timeOnly.format(d)}`;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(d, yesterday)) return `Yesterday, ${timeOnly.format(d)}`;
  return formatDateTime(iso);
}

// "Read 10:42" today; "Read yesterday, 18:03"; else "Read" and the date.
export function readReceipt(readAt: string | null, now = new Date()): string {
  if (!readAt) return 'Not read yet';
  const d = new Date(readAt);
  if (Number.isNaN(d.getTime())) return 'Read';
  if (sameDay(d, now)) return `Read ${timeOnly.format(d)}`;
  const when = messageTime(readAt, now);
  return `Read ${when.startsWith('Yesterday') ? when.charAt(0).toLowerCase() + when.slice(1) : when}`;
}

// Where to turn if it cannot wait, beside the box for a client: the clinic's hours, the emergency
// number and the crisis lines for their country, from the same component as "Get help now".
function WhenMessagesAreRead({ therapistName, headingId }: { therapistName: string; headingId: string }) {
  const [help, setHelp] = useState<HelpInfo>();
  useEffect(() => {
    let live = true;
    api.help().then(
      (h) => live && setHelp(h),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  const hours = help?.hours && !/^closed every day$/i.test(help.hours) ? help.hours : '';
  return (
    <div class="messages__note" aria-labelledby={headingId} role="group">
      <h3 id={headingId}>When messages are read</h3>
      <p>
        {firstName(therapistName)} reads messages during working hours{hours ? ` (${hours})` : ''}. They are not watched around the clock, so a
        reply may take a little while.
      </p>
      <p>
        <strong>If you are in danger now, or might harm yourself, please don’t wait for a reply.</strong> Call{' '}
        {help ? help.emergency_number : 'your local emergency number'}
        {help && help.lines.length > 0 ? ', or talk to someone now on one of the lines below' : ''}.
      </p>
      {help ? (
        <>
          <EmergencyCall help={help} />
          <HelpLines lines={help.lines} headingLevel={4} />
        </>
      ) : null}
      <p>
        <a href="/help">Get help now</a> has these numbers too, whenever you need them.
      </p>
    </div>
  );
}

// A supervisor, reading along, sees every message's receipt with the name of its reader.
export function receiptForOnlooker(readAt: string | null, reader: string): string {
  const said = readReceipt(readAt);
  return readAt ? `${said.replace(/^Read/, `Read by ${reader},`)}` : `Not read yet by ${reader}`;
}

function MessageItem({ m, thread, viewerIsParty, itemRef }: {
  m: EpisodeMessage;
  thread: MessageThread;
  viewerIsParty: boolean;
  itemRef?: RefObject<HTMLLIElement>;
}) {
  const isNew = viewerIsParty && !m.mine && m.read_at === null;
  const reader = m.from === 'client' ? thread.therapist.name : thread.client.name;
  // One's own messages carry their receipt.
  const receipt = m.mine ? readReceipt(m.read_at) : viewerIsParty ? undefined : receiptForOnlooker(m.read_at, reader);
  return (
    // Focusable by script only: "Show earlier messages" moves focus to the first one it adds.
    <li class={m.mine ? 'message message--mine' : 'message message--theirs'} ref={itemRef} tabIndex={-1} data-message-id={m.id}>
      <p class="message__meta">
        <span class="message__who">{m.mine ? 'You' : m.sender.name}</span>
        <span class="visually-hidden"> wrote, </span>
        <span aria-hidden="true"> · </span>
        <time dateTime={m.sent_at}>{messageTime(m.sent_at)}</time>
        {isNew && <span class="badge badge--warm">New</span>}
      </p>
      {/* Text, never markup: line breaks are kept by the stylesheet (white-space: pre-wrap). */}
      <p class="message__body">{m.body}</p>
      {receipt && <p class={m.read_at ? 'message__receipt' : 'message__receipt message__receipt--unread'}>{receipt}</p>}
    </li>
  );
}

interface MessagesProps {
  episodeId: number;
  viewer: Pick<User, 'id' | 'role'>;
  // The section's heading; by default "Messages with <therapist>" for the client, "Messages" for staff.
  title?: string;
  // The other person's name before the thread has loaded (the client's home knows the therapist).
  therapistName?: string;
  // The client's "Download my messages" under the thread (once per page).
  withExport?: boolean;
}

// One episode's thread as a card with its own h2. Shows nothing to an admin, who has no messages
// (the server answers them 403). A guardian reads, never writes, a child's thread where the care
// team or the clinic's policy for the child's age shares it; otherwise the server answers 403 and
// nothing shows.
export function Messages(props: MessagesProps) {
  const { role } = props.viewer;
  if (role === 'admin') return null;
  return <MessagesCard {...props} />;
}

function MessagesCard({ episodeId, viewer, title, therapistName, withExport = false }: MessagesProps) {
  const uid = useId();
  const headingId = `${uid}-heading`;
  const noteHeadingId = `${uid}-note`;
  const chat = useMessageThread(episodeId, viewer);
  const { said, thread, loadError, hidden, isParty, isClient } = chat;

  if (hidden) return null;

  const other = thread ? (isClient ? thread.therapist.name : thread.client.name) : therapistName;
  const heading =
    title ?? (viewer.role === 'client' ? `Messages with ${thread?.therapist.name ?? therapistName ?? 'your therapist'}` : 'Messages');
  const messages = thread?.messages ?? [];

  return (
    <section class="card messages" aria-labelledby={headingId}>
      <h2 id={headingId}>{heading}</h2>
      {/* Always present, so that what is put in it is announced. */}
      <p class="visually-hidden" role="status" aria-live="polite">
        {said.text}
        {said.n % 2 ? '\u00a0' : ''}
      </p>
      {!thread && !loadError && <Loading what="messages" />}
      {loadError && <Alert>{loadError.message}</Alert>}
      {thread && (
        <>
          {isParty && thread.unread > 0 && (
            <p class="messages__unread">
              <span class="badge badge--warm">{plural(thread.unread, 'new message', 'new messages')}</span>
            </p>
          )}
          {messages.length === 0 ? (
            <p class="muted">
              {thread.can_write
                ? `No messages yet. You can write to ${other} here between sessions.`
                : 'No messages.'}
            </p>
          ) : (
            <ThreadList chat={chat} thread={thread} />
          )}
          {thread.can_write ? (
            <ComposeForm chat={chat} uid={uid} other={other} />
          ) : (
            thread.closed_reason && <p class="messages__closed">{thread.closed_reason}</p>
          )}
          {isClient && <WhenMessagesAreRead therapistName={thread.therapist.name} headingId={noteHeadingId} />}
          {withExport && viewer.role === 'client' && (
            <p class="messages__export">
              <a class="button" href={kMessagesExportPath} download="rapport-messages.json">
                Download my messages
              </a>
              <span class="hint"> All your messages with the clinic, as a file to keep.</span>
            </p>
          )}
        </>
      )}
    </section>
  );
}

// The latest messages, oldest first, with a button above them for the earlier ones.
function ThreadList({ chat, thread }: { chat: ThreadState; thread: MessageThread }) {
  const { shown, list, showEarlier, isParty, lastItem } = chat;
  const messages = thread.messages;
  const firstShown = Math.max(0, messages.length - shown);
  const visible = messages.slice(firstShown);
  return (
    <>
      {firstShown > 0 && (
        <p>
          <button type="button" class="button" onClick={() => showEarlier(messages, firstShown)}>
            Show earlier messages ({firstShown})
          </button>
        </p>
      )}
      <ol class="messages__list" ref={list} aria-label={`Messages, oldest first${firstShown > 0 ? `: the latest ${visible.length} of ${messages.length}` : ''}`}>
        {visible.map((m, i) => (
          <MessageItem key={m.id} m={m} thread={thread} viewerIsParty={isParty} itemRef={i === visible.length - 1 ? lastItem : undefined} />
        ))}
      </ol>
    </>
  );
}

// The box to write in, its character count and errors, and Send.
function ComposeForm({ chat, uid, other }: { chat: ThreadState; uid: string; other: string | undefined }) {
  const { text, setText, fieldError, setFieldError, sendError, busy, box, send } = chat;
  const boxId = `${uid}-box`;
  const countId = `${uid}-count`;
  const errorId = `${uid}-error`;
  const length = messageLength(text);
  const over = length - kMaxMessageChars;
  const describedBy = [countId, fieldError ? errorId : ''].filter(Boolean).join(' ');
  return (
    <form class="messages__form" onSubmit={send} noValidate>
      <div class={fieldError ? 'field field--invalid' : 'field'}>
        <label for={boxId}>Message to {other}</label>
        <textarea
          id={boxId}
          ref={box}
          name="body"
          rows={4}
          value={text}
          onInput={(e) => {
            setText((e.currentTarget as HTMLTextAreaElement).value);
            if (fieldError) setFieldError(undefined);
          }}
          aria-invalid={fieldError ? 'true' : undefined}
          aria-describedby={describedBy}
        />
        <p id={countId} class={over > 0 ? 'hint messages__count messages__count--over' : 'hint messages__count'}>
          {over > 0
            ? `${length} of ${kMaxMessageChars} characters: ${plural(over, 'character', 'characters')} too many`
            : `${length} of ${kMaxMessageChars} characters`}
        </p>
        {fieldError && (
          <p class="field-error" id={errorId}>
            {fieldError}
          </p>
        )}
      </div>
      {sendError && <div class="alert alert--error">{sendError}</div>}
      <p class="messages__send">
        <button type="submit" class="button button--primary" aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </p>
    </form>
  );
}
