// The handover packet in words, section by section: the plan's goals and how far each has come,
// the questionnaires first and latest, what helped and what did not, and what the client would
// like from their next therapist. The client reads it about themself ("your"); staff read it about
// the client. Only the sections the packet holds are shown: a section the client did not share is
// not in it at all.
import type { ComponentChildren } from 'preact';
import type { HandoverPacket, PacketSection } from './change_api';
import { kPacketSections } from './change_api';
import type { GoalOutcome } from './course_api';
import { formatDate } from './format';
import { Measures } from './pages/discharge_summary';
import { Heading } from './ui';

const kClientTitles: Record<PacketSection, string> = {
  plan: 'Your plan and goals',
  measures: 'Your questionnaires',
  'what-helped': 'What helped and what did not',
  preferences: 'What you would like from your next therapist',
};

const kStaffTitles: Record<PacketSection, string> = {
  plan: 'Plan and goals',
  measures: 'Questionnaires',
  'what-helped': 'What helped and what did not',
  preferences: 'What they would like from their next therapist',
};

export function sectionTitle(section: PacketSection, forClient: boolean): string {
  return (forClient ? kClientTitles : kStaffTitles)[section];
}

// The sections in the packet's own order, as words in a sentence: "your plan and goals and your
// questionnaires".
export function sectionList(sections: PacketSection[], forClient: boolean): string {
  const words = kPacketSections.filter((s) => sections.includes(s)).map((s) => {
    const t = sectionTitle(s, forClient);
    return t.charAt(0).toLowerCase() + t.slice(1);
  });
  if (words.length <= 2) return words.join(' and ');
  // A comma before the last "and": the titles have "and" in them too.
  return `${words.slice(0, -1).join(', ')}, and ${words[words.length - 1]}`;
}


function Goals({ goals, gasTScore, forClient }: { goals: GoalOutcome[]; gasTScore: number | null | undefined; forClient: boolean }) {
  const level = (n: number) => (n > 0 ? `+${n}` : String(n));
  if (goals.length === 0) {
    return <p class="muted">{forClient ? 'Your plan has no goals written down yet.' : 'The plan had no goals.'}</p>;
  }
  return (
    <>
      <ul class="plain-list summary-goals">
        {goals.map((g) => (
          <li key={g.key}>
            {g.description}
            <span class="block">
              <span class="label">{g.achievement_words}</span>
              {!forClient && g.gas_level !== null && <span class="muted"> (goal attainment level {level(g.gas_level)})</span>}
            </span>
          </li>
        ))}
      </ul>
      {!forClient && typeof gasTScore === 'number' && (
        <p class="small muted">Goal attainment T-score {Math.round(gasTScore)} (50 means the goals were met as expected).</p>
      )}
    </>
  );
}


function Words({ heading, text, level, empty }: { heading: string; text: string | undefined; level: number; empty: string }) {
  return (
    <>
      <Heading level={level}>{heading}</Heading>
      {text?.trim() ? <p class="pre-line break">{text}</p> : <p class="muted">{empty}</p>}
    </>
  );
}

// What a section holds, without its heading; `level` is the level of the section's own heading.
export function SectionBody({ packet, section, forClient, level }: { packet: HandoverPacket; section: PacketSection; forClient: boolean; level: number }) {
  const none = forClient ? 'You did not write anything here.' : 'Nothing was written.';
  switch (section) {
    case 'plan':
      return <Goals goals={packet.goals ?? []} gasTScore={packet.gas_t_score} forClient={forClient} />;
    case 'measures':
      return <Measures measures={packet.measures ?? []} forClient={forClient} />;
    case 'what-helped':
      return (
        <>
          <Words heading="What helped" text={packet.what_helped} level={level + 1} empty={none} />
          <Words heading="What did not help" text={packet.what_did_not} level={level + 1} empty={none} />
        </>
      );
    case 'preferences':
      return packet.preferences?.trim() ? <p class="pre-line break">{packet.preferences}</p> : <p class="muted">{none}</p>;
  }
}

// Who the packet is about and where it comes from, in one line.
export function PacketAbout({ packet, forClient }: { packet: HandoverPacket; forClient: boolean }) {
  const sessions = `${packet.sessions_attended} session${packet.sessions_attended === 1 ? '' : 's'} attended`;
  return (
    <p class="small muted">
      {forClient ? 'Your therapy' : `${packet.client_name}’s therapy`} with {packet.from_therapist_name} since {formatDate(packet.started_at)} · {sessions}
    </p>
  );
}

// The shared sections, each under its own heading at `level`. `notShared` says, after them, which
// sections were kept back (for the client, about their own choice).
export function SharedSections({
  packet,
  forClient,
  level,
  notShared = false,
  children,
}: {
  packet: HandoverPacket;
  forClient: boolean;
  level: number;
  notShared?: boolean;
  children?: ComponentChildren;
}) {
  const shared = kPacketSections.filter((s) => packet.shared.includes(s));
  const kept = kPacketSections.filter((s) => !packet.shared.includes(s));
  return (
    <>
      {children}
      {shared.length === 0 && (
        <p>{forClient ? 'You chose not to share any of the sections: only your name and when your therapy began go across.' : 'No sections were shared.'}</p>
      )}
      {shared.map((s) => (
        <div key={s} class="packet-section">
          <Heading level={level}>{sectionTitle(s, forClient)}</Heading>
          <SectionBody packet={packet} section={s} forClient={forClient} level={level} />
        </div>
      ))}
      {notShared && kept.length > 0 && (
        <p class="small muted">
          {forClient ? 'You chose to keep to yourself: ' : 'Not shared: '}
          {sectionList(kept, forClient)}.
        </p>
      )}
    </>
  );
}
