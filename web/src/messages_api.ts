// Secure messages between sessions: the shapes of an episode's thread as the server sends it, and
// its calls. Listing never marks anything read; only markRead() does, when the thread is on screen.
import { request } from './api';
import type { Answer, Schemas } from './schema';

export type Person = Schemas['Person'];

// `mine`: the person asking sent it. `body` is plain text with "\n" line ends, shown as text,
// never as markup. `read_at` is the read receipt: when the other person first opened it.
export type EpisodeMessage = Schemas['EpisodeMessage'];

// `can_write`: the person asking may send a message now (the client or the therapist, while care
// goes on); `closed_reason` says why not, in plain words; `unread` counts the messages to the
// person asking that they have not opened yet.
export type MessageThread = Schemas['MessageThread'];

// The longest message the server takes, in characters (Unicode code points).
export const kMaxMessageChars = 4000;

// How the server counts a message's length: characters after trimming, not UTF-16 units.
export function messageLength(text: string): number {
  return Array.from(text.replace(/\r\n?/g, '\n').trim()).length;
}

// The client's own messages, every episode, as a file to keep (a download, not a JSON call).
export const kMessagesExportPath = '/api/v1/me/messages/export';

export const messagesApi = {
  thread: (episodeId: number) => request<MessageThread>('GET', `/episodes/${episodeId}/messages`),
  send: (episodeId: number, body: string) => request<EpisodeMessage>('POST', `/episodes/${episodeId}/messages`, { body }),
  // Read receipts for the other person's messages up to `upTo`; a supervisor's call marks nothing.
  markRead: (episodeId: number, upTo: number) =>
    request<Answer<'/episodes/{id}/messages/read', 'post'>>('POST', `/episodes/${episodeId}/messages/read`, { up_to: upTo }),
};
