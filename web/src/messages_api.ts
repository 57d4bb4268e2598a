// Secure messages between sessions: the shapes of an episode's thread as the server sends it, and
// its calls. Listing never marks anything read; only markRead() does, when the thread is on screen.
import { request } from './api';

export interface Person {
  id: number;
  name: string;
}

export interface EpisodeMessage {
  id: number;
  episode_id: number;
  from: 'client' | 'therapist';
  sender: Person;
  // The person asking sent it.
  mine: boolean;
  // Plain text with "\n" line ends; shown as text, never as markup.
  body: string;
  sent_at: string;
  // The read receipt: when the other person first opened it.
  read_at: string | null;
}

export interface MessageThread {
  episode_id: number;
  episode_status: 'intake' | 'active' | 'ended';
  client: Person;
  therapist: Person;
  // The person asking may send a message now (the client or the therapist, while care goes on).
  can_write: boolean;
  // Why not, in plain words.
  closed_reason: string | null;
  // Messages to the person asking that they have not opened yet.
  unread: number;
  messages: EpisodeMessage[];
}

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
    request<{ marked: number }>('POST', `/episodes/${episodeId}/messages/read`, { up_to: upTo }),
};
