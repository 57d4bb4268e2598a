// The five faces a young child answers on, from the saddest to the happiest. They differ in the
// bend of the mouth and the slant of the eyebrows, not in colour, so that they can be told apart
// on any screen, in a high-contrast mode or printed in black and white. Drawn here rather than
// taken from an emoji font, which looks different on every phone and, on some, sadder than meant.
// Each is a picture for the eye alone: the answer's words beside it are what a screen reader reads.

export const kFaceCount = 5;

// A warm, soft yellow for every face: the same for all, so that no answer looks like a wrong one.
const kFaceFill = '#ffe9ad';

interface Look {
  // Heights of the left eyebrow's outer end, middle and inner end (the right one mirrors it):
  // the inner end raised makes a worried, sad brow; a raised arch a glad one.
  brow: [number, number, number];
  // How far the middle of the mouth sits below its corners: below zero it is a frown.
  smile: number;
  // The happiest face laughs, with its mouth open.
  open?: boolean;
}

const kLooks: Look[] = [
  { brow: [21, 18.5, 15], smile: -6 },
  { brow: [20, 19, 17.5], smile: -3 },
  { brow: [18.5, 18.5, 18.5], smile: 0 },
  { brow: [18, 15.5, 17], smile: 4 },
  { brow: [17, 13, 16], smile: 7, open: true },
];

// Where the mouth's corners are across the face, and the height every mouth is centred on.
const kMouthLeft = 21;
const kMouthRight = 43;
const kMouthMiddle = 44;

function brows([outer, middle, inner]: Look['brow']): string {
  // A quadratic curve through the middle height: its control point is twice as far from the
  // ends' line as the curve itself comes.
  const control = 2 * middle - (outer + inner) / 2;
  return `M17 ${outer} Q22.5 ${control} 28 ${inner} M47 ${outer} Q41.5 ${control} 36 ${inner}`;
}

function mouth({ smile, open }: Look): string {
  // The corners rise as the middle falls, so that every mouth sits at the same place in the face.
  const corners = kMouthMiddle - smile / 2;
  const control = corners + 2 * smile;
  const curve = `M${kMouthLeft} ${corners} Q32 ${control} ${kMouthRight} ${corners}`;
  return open ? `${curve} Z` : curve;
}

// `level`: 0 for the saddest face, kFaceCount - 1 for the happiest.
export function Face({ level }: { level: number }) {
  const look = kLooks[Math.min(kFaceCount - 1, Math.max(0, Math.round(level)))]!;
  return (
    <svg class="face" viewBox="0 0 64 64" width="56" height="56" aria-hidden="true">
      <circle cx="32" cy="32" r="29" fill={kFaceFill} stroke="currentColor" stroke-width="2.5" />
      <circle cx="23" cy="27" r="3.2" fill="currentColor" />
      <circle cx="41" cy="27" r="3.2" fill="currentColor" />
      <g fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round">
        <path d={brows(look.brow)} />
        <path d={mouth(look)} fill={look.open ? 'currentColor' : 'none'} />
      </g>
    </svg>
  );
}
