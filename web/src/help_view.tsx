// Where to turn now, as a client or guardian reads it: the emergency number as one big link to
// call, then each crisis line with its number to call or text. Shared by the "Get help now" page
// and the crisis information after a risk answer, so both always show the same numbers.
import type { JSX } from 'preact';
import type { CrisisLine, HelpInfo } from './api';

export function EmergencyCall({ help }: { help: HelpInfo }) {
  return (
    <p class="emergency">
      <span class="emergency__label">
        {help.emergency_label}
        {help.country_name ? ` (${help.country_name})` : ''}
      </span>
      <a class="emergency__number" href={`tel:${help.emergency_number.replace(/[^\d+]/g, '')}`}>
        Call {help.emergency_number}
      </a>
    </p>
  );
}

function LineContact({ line }: { line: CrisisLine }) {
  const ways: JSX.Element[] = [];
  if (line.tel) {
    ways.push(
      <a key="tel" class="line__action" href={`tel:${line.tel}`}>
        Call {/\d/.test(line.phone) && !/^text\b/i.test(line.phone) ? line.phone : line.tel}
        <span class="visually-hidden"> ({line.name})</span>
      </a>,
    );
  }
  if (line.sms) {
    ways.push(
      <a key="sms" class="line__action" href={`sms:${line.sms}`}>
        Text {line.sms}
        <span class="visually-hidden"> ({line.name})</span>
      </a>,
    );
  }
  return <p class="line__actions">{ways}</p>;
}

export function HelpLines({ lines, headingLevel = 3 }: { lines: CrisisLine[]; headingLevel?: 3 | 4 }) {
  if (lines.length === 0) return null;
  const Heading = headingLevel === 3 ? 'h3' : 'h4';
  return (
    <ul class="lines">
      {lines.map((line) => (
        <li key={line.name} class="line">
          <Heading class="line__name">{line.name}</Heading>
          {line.description && <p>{line.description}</p>}
          {/* The written form carries words a number cannot ("Text SHOUT to 85258"). */}
          {line.phone && !line.tel && <p class="line__phone">{line.phone}</p>}
          <LineContact line={line} />
          <p class="muted small">
            {line.hours}
            {line.audience && line.audience !== 'everyone' ? ` · for ${line.audience}` : ''}
            {line.url && (
              <>
                {' · '}
                <a href={line.url} rel="noopener noreferrer" target="_blank">
                  Website<span class="visually-hidden"> of {line.name} (opens in a new tab)</span>
                </a>
              </>
            )}
          </p>
        </li>
      ))}
    </ul>
  );
}
