// "not yet validated" beside the scores of questionnaires whose definition says so (the project's
// own Rapport Check and Fit Check), for therapists and supervisors only: such a score is a reason
// to talk, not evidence to decide on. Clients never see the marker.
import { useEffect, useState } from 'preact/hooks';
import { instrumentValidation, type InstrumentValidation } from './api';

export type ValidationMap = Map<string, InstrumentValidation>;

// Empty until the definitions arrive, and if they cannot be read: the scores still show.
export function useValidation(): ValidationMap {
  const [map, setMap] = useState<ValidationMap>(new Map());
  useEffect(() => {
    let live = true;
    instrumentValidation().then(
      (m) => live && setMap(m),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return map;
}

// The questionnaire behind the dashboard's rapport column, which names no code.
export function rapportValidation(map: ValidationMap): InstrumentValidation | undefined {
  return map.get('RAPPORT-CHECK') ?? [...map.values()].find((v) => v.purpose === 'rapport');
}

export function unvalidated(map: ValidationMap, code: string | undefined): InstrumentValidation | undefined {
  const v = code ? map.get(code) : undefined;
  return v && !v.validated ? v : undefined;
}

// The note usually begins with the marker's own words; they are not said twice.
function noteAfterMarker(note: string): string {
  return note.replace(/^\s*not yet validated\.?\s*/i, '');
}

// The marker, with the definition's note as its title. `withNote` also shows the rest of the note
// after it, where there is room for a sentence (a questionnaire's own section).
export function NotValidated({ v, withNote = false }: { v?: InstrumentValidation; withNote?: boolean }) {
  if (!v || v.validated) return null;
  const rest = withNote ? noteAfterMarker(v.note) : '';
  return (
    <>
      {/* A space, so that the words before are not read run together with the marker's. */}{' '}
      <span class="badge badge--unvalidated" title={v.note || `${v.title} is not yet validated.`}>
        not yet validated
      </span>
      {rest && <span class="muted"> {rest}</span>}
    </>
  );
}
