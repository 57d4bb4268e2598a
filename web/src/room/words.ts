// The room's numbers in plain words: the state of the rapport signals for each person, the
// therapist's live strip and the session summary.
import { firstName } from '../format';
import type { Leader, ReactionKind, RoomPart, SessionSummary, SignalsState, StripReading } from './room_api';

export function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

// How strongly two people moved in step, from Pearson's r.
export function strengthWord(r: number): string {
  if (r >= 0.5) return 'high';
  if (r >= 0.3) return 'moderate';
  return 'low';
}

function r2(r: number): string {
  return r.toFixed(2).replace(/^-0\.00$/, '0.00');
}

function seconds(s: number): string {
  const a = Math.abs(s);
  if (a < 1.5) return a < 0.95 ? `${a.toFixed(1)} s` : '1 s';
  return `${Math.round(a)} s`;
}

// "the client tended to follow you by about 1 s" (for the therapist). `therapistName`, when the
// reader is not the session's therapist (a supervisor), names the therapist instead of "you".
export function leaderWords(leader: Leader, lagSeconds: number | null, clientName: string, past = true, therapistName?: string): string {
  const tend = past ? 'tended' : 'tends';
  const lag = lagSeconds !== null && Number.isFinite(lagSeconds) ? ` by about ${seconds(lagSeconds)}` : '';
  const client = firstName(clientName);
  const you = therapistName ? firstName(therapistName) : 'you';
  switch (leader) {
    case 'therapist':
      return `${client} ${tend} to follow ${you}${lag}`;
    case 'client':
      return `${you} ${tend} to follow ${client}${lag}`;
    case 'together':
      return therapistName ? `${you} and ${client} moved together, neither leading` : 'you moved together, neither leading';
    default:
      return '';
  }
}

export function reactionWords(kind: ReactionKind): string {
  return kind === 'helped' ? 'that helped' : 'that didn’t feel right';
}

export function clockTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return '';
  const d = typeof at === 'number' ? new Date(at) : new Date(at);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
}

// The state of the rapport signals in a sentence or two, for whoever is reading.
export function signalsWords(s: SignalsState | null, you: RoomPart, therapistName: string, clientName: string): string[] {
  const therapist = you === 'therapist' ? 'you' : you === 'client' ? 'your therapist' : firstName(therapistName);
  const client = you === 'client' ? 'you' : firstName(clientName);
  if (!s) return ['Rapport signals are off.'];
  const lines: string[] = [];
  if (s.on) {
    lines.push('Rapport signals are on: only numbers about how you move and when you speak are shared, never video or sound.');
  } else if (s.paused_by) {
    const who = s.paused_by === you ? 'you' : s.paused_by === 'therapist' ? therapist : client;
    lines.push(`Rapport signals are paused by ${who}.`);
  } else if (s.consent.therapist && !s.consent.client) {
    lines.push(you === 'client' ? 'Rapport signals are off. Your therapist has agreed; they start only if you agree too.' : `Rapport signals are off until ${client} agrees.`);
  } else if (!s.consent.therapist && s.consent.client) {
    lines.push(you === 'therapist' ? `Rapport signals are off. ${firstName(clientName)} has agreed; they start only if you agree too.` : `Rapport signals are off until ${therapist} agrees.`);
  } else {
    lines.push('Rapport signals are off. They start only if both of you agree.');
  }
  if (s.strip) {
    lines.push(
      you === 'therapist'
        ? `You see a live summary of movement and talk balance; ${firstName(clientName)} is told so.`
        : you === 'client'
          ? 'Your therapist sees a live summary of movement and talk balance.'
          : `${firstName(therapistName)} sees a live summary of movement and talk balance.`,
    );
  }
  return lines.map((l) => l.charAt(0).toUpperCase() + l.slice(1));
}

// The live strip's line about movement: "Moving in step: moderate (r 0.41); Jordan tends to
// follow you by about 1 s".
export function stripMovement(reading: StripReading, clientName: string): string {
  if (reading.sync === null || !Number.isFinite(reading.sync)) return 'Moving in step: not enough yet';
  const lead = reading.leader !== 'none' ? `; ${leaderWords(reading.leader, reading.lag_seconds, clientName, false)}` : '';
  return `Moving in step: ${strengthWord(reading.sync)} (r ${r2(reading.sync)})${lead}`;
}

export function stripTalk(reading: StripReading, clientName: string): string {
  if (reading.client_share === null || !Number.isFinite(reading.client_share)) return 'Talk: nobody has spoken yet';
  return `Talk: ${firstName(clientName)} ${percent(reading.client_share)} · you ${percent(1 - reading.client_share)}`;
}

function duration(secondsTotal: number): string {
  const minutes = Math.round(secondsTotal / 60);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h} h ${m} min`;
}

// The therapist's short summary after the session, a line per thing measured. `therapistName`,
// when the reader is not the session's therapist (a supervisor), names the therapist instead of
// "you".
export function summaryLines(s: SessionSummary, clientName: string, therapistName?: string): string[] {
  const client = firstName(clientName);
  const you = therapistName ? firstName(therapistName) : 'you';
  const both = therapistName ? 'they' : 'you';
  const lines: string[] = [];
  if (typeof s.duration_seconds === 'number') {
    lines.push(`Length: ${duration(s.duration_seconds)}${s.started_at ? `, from ${clockTime(s.started_at)}` : ''}${s.ended_at ? ` to ${clockTime(s.ended_at)}` : ''}.`);
  }
  if (!s.signals.consented) lines.push('Rapport signals were not switched on in this session, so there is nothing on movement or talk.');
  const m = s.movement_synchrony;
  const strength = m?.strength ?? null;
  if (m && strength !== null && Number.isFinite(strength)) {
    const lead = leaderWords(m.leader, m.peak_lag_seconds, clientName, true, therapistName);
    let line = `Moved in step: ${strengthWord(strength)} (r ${r2(strength)})${lead ? `; ${lead}` : ''}.`;
    if (m.earlier_sessions > 0 && m.earlier_mean_strength !== null) {
      line += ` In ${client}’s ${m.earlier_sessions} earlier session${m.earlier_sessions === 1 ? '' : 's'}: r ${r2(m.earlier_mean_strength)} on average.`;
    }
    lines.push(line);
  } else if (s.signals.consented && s.modality === 'video') {
    lines.push('Moved in step: not enough video to say.');
  }
  if (s.talk_share) lines.push(`Talk: ${client} ${percent(s.talk_share.client)}, ${you} ${percent(s.talk_share.therapist)}.`);
  const t = s.turns;
  if (t) {
    let line = `Turns: ${client} ${t.client}, ${you} ${t.therapist}`;
    if (t.overlaps > 0) line += `; ${both} spoke over each other ${t.overlaps} time${t.overlaps === 1 ? '' : 's'} (${client} took the floor in ${t.interruptions.client} of them, ${you} in ${t.interruptions.therapist})`;
    const lc = t.median_latency_seconds.client;
    const lt = t.median_latency_seconds.therapist;
    if (lc !== null && lt !== null) line += `; ${client} usually answered after ${seconds(lc)}, ${you} after ${seconds(lt)}`;
    lines.push(`${line}.`);
  }
  const ty = s.typed;
  if (ty) {
    let line = `Typed messages: ${client} ${ty.messages.client}, ${you} ${ty.messages.therapist}`;
    if (ty.style_matching !== null) line += `; writing styles matched ${ty.style_matching >= 0.8 ? 'closely' : ty.style_matching >= 0.6 ? 'somewhat' : 'little'} (${ty.style_matching.toFixed(2)})`;
    const rc = ty.median_reply_seconds.client;
    const rt = ty.median_reply_seconds.therapist;
    if (rc !== null && rt !== null) line += `; usual reply: ${client} ${seconds(rc)}, ${you} ${seconds(rt)}`;
    lines.push(`${line}.`);
  }
  if (s.reactions.length > 0) {
    const list = s.reactions
      .map((r) => `“${reactionWords(r.kind)}” at ${clockTime(r.at)}${typeof r.offset_seconds === 'number' ? ` (${duration(r.offset_seconds)} in)` : ''}`)
      .join(', ');
    lines.push(`${client}’s reactions: ${list}.`);
  }
  return lines;
}
