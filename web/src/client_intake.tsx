// What a client brought to the start of their care, for their therapist and the therapist's
// supervisor: what they asked for when looking for a therapist (needs, wishes, what matters to
// them about culture and identity, how they like to work), and the preparation they chose to
// share before the first session. Each shows only when the server gives it to the reader: no
// preferences saved, or a preparation not shared, and the section is simply not there.
import { ApiError } from './api';
import { firstName, formatDate, modalityLabel } from './format';
import { matchingApi, type Preferences, type Wish } from './matching_api';
import {
  directionWords,
  kAgeBands,
  kApproaches,
  kFocusAreas,
  kGenders,
  kJurisdictions,
  kLanguages,
  listWords,
  nameOf,
  payerWords,
  structureWords,
  timeWords,
  weightWords,
} from './matching_words';
import { Alert, Heading, useLoad } from './ui';

// Not saved (404) or not theirs to read (403): nothing to show, and nothing wrong.
function absent(error: ApiError | undefined): boolean {
  return !!error && (error.status === 404 || error.status === 403);
}

function wishLine(label: string, w: Wish, words: (value: string) => string = (v) => v): string | undefined {
  if (!w.value || w.weight === 0) return undefined;
  return `${label}: ${words(w.value)} (${weightWords(w.weight).toLowerCase()})`;
}

export function wishLines(p: Preferences): string[] {
  const w = p.wishes;
  const focus =
    w.focus_areas.length > 0
      ? `Help with ${listWords(w.focus_areas.map((f) => nameOf(kFocusAreas, f).toLowerCase()))}${w.focus_weight > 0 ? ` (${weightWords(w.focus_weight).toLowerCase()})` : ''}`
      : undefined;
  return [
    focus,
    wishLine('Therapist’s gender', w.gender, (v) => nameOf(kGenders, v).replace(/^A /, 'a ')),
    wishLine('Therapist’s age', w.age_band, (v) => nameOf(kAgeBands, v).replace(/^In their/, 'in their')),
    wishLine('Therapist’s cultural background', w.cultural_background),
    wishLine('Therapist’s faith', w.faith),
    w.lgbtq_affirming > 0 ? `An LGBTQ+ affirming therapist (${weightWords(w.lgbtq_affirming).toLowerCase()})` : undefined,
    wishLine('Kind of therapy', w.approach, (v) => nameOf(kApproaches, v)),
  ].filter((l): l is string => !!l);
}

export function ClientAskedFor({ clientId, clientName, headingLevel = 2 }: { clientId: number; clientName: string; headingLevel?: number }) {
  const loaded = useLoad(() => matchingApi.preferences(clientId), [clientId]);
  if (absent(loaded.error)) return null;
  const p = loaded.data;
  const first = firstName(clientName);
  const headingId = `asked-for-${clientId}`;
  if (!p && !loaded.error) return null;
  const wishes = p ? wishLines(p) : [];
  const n = p?.needs;
  return (
    <section class="card asked-for" aria-labelledby={headingId}>
      <Heading level={headingLevel} id={headingId}>
        What {first} asked for
      </Heading>
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      {p && n && (
        <>
          <p class="muted small">
            {p.updated_at ? `Saved on ${formatDate(p.updated_at)}. ` : ''}
            Needs decided who was suggested; wishes only ordered the suggestions.
          </p>
          <Heading level={headingLevel + 1}>Needs</Heading>
          <dl class="details">
            <div>
              <dt>Where they live</dt>
              <dd>{n.jurisdiction ? nameOf(kJurisdictions, n.jurisdiction) : 'Not said'}</dd>
            </div>
            <div>
              <dt>Paying</dt>
              <dd>{payerWords(n.payer)}</dd>
            </div>
            <div>
              <dt>Ways to meet</dt>
              <dd>{n.modalities.length ? listWords(n.modalities.map((m) => modalityLabel(m))) : 'Any'}</dd>
            </div>
            <div>
              <dt>Languages</dt>
              <dd>{n.languages.length ? listWords(n.languages.map((l) => nameOf(kLanguages, l))) : 'Any'}</dd>
            </div>
            <div>
              <dt>Times</dt>
              <dd>
                {n.times.length === 0 ? (
                  'Any'
                ) : (
                  <ul class="plain-list">
                    {n.times.map((t) => (
                      <li key={`${t.day}-${t.start}-${t.end}`}>{timeWords(t)}</li>
                    ))}
                  </ul>
                )}
              </dd>
            </div>
          </dl>
          <Heading level={headingLevel + 1}>Wishes</Heading>
          {wishes.length > 0 ? (
            <ul>
              {wishes.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          ) : (
            <p class="muted">No wishes given.</p>
          )}
          {p.identity_note && (
            <>
              <Heading level={headingLevel + 1}>What matters to {first} about culture and identity</Heading>
              <p class="own-words">{p.identity_note}</p>
            </>
          )}
          <Heading level={headingLevel + 1}>How {first} likes to work</Heading>
          <ul>
            <li>{structureWords(p.structure)}</li>
            <li>{directionWords(p.direction)}</li>
          </ul>
        </>
      )}
    </section>
  );
}

export function SharedPreparation({ clientId, clientName, headingLevel = 2 }: { clientId: number; clientName: string; headingLevel?: number }) {
  const loaded = useLoad(() => matchingApi.firstStep(clientId), [clientId]);
  if (absent(loaded.error)) return null;
  const step = loaded.data;
  // A preparation the client has not shared is theirs alone, even if a server were to send it.
  if ((!step && !loaded.error) || (step && !step.shared)) return null;
  const first = firstName(clientName);
  const headingId = `first-step-${clientId}`;
  const answers: [string, string | undefined][] = [
    ['What brings them', step?.brings],
    ['What they hope for', step?.hopes],
    ['What worries them about therapy', step?.worries],
  ];
  return (
    <section class="card card--accent shared-preparation" aria-labelledby={headingId}>
      <Heading level={headingLevel} id={headingId}>
        Before the first session
      </Heading>
      {loaded.error && <Alert>{loaded.error.message}</Alert>}
      {step && (
        <>
          <p class="muted small">
            {first} shared this with you{step.updated_at ? ` on ${formatDate(step.updated_at)}` : ''}, to read before you first meet.
          </p>
          <dl class="details details--stacked">
            {answers.map(([label, text]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd class="own-words">{text?.trim() ? text : <span class="muted">Not written</span>}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}
