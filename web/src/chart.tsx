// Progress charts. uPlot draws on a canvas, which assistive technology cannot read, so every
// chart carries role="img" with a sentence that describes it and a visually hidden table with
// the same numbers. Reference marks (cut-off, reliable-change band around the first score,
// expected trajectory, alerts) are drawn beneath the lines.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { FeedbackAlert, QuestionnaireProgress } from './api';
import { formatDate } from './format';
import { NotValidated, unvalidated, type ValidationMap } from './validation';

const kWeekSeconds = 7 * 86400;
const kColors = {
  outcome: '#265f54',
  rapport: '#9a4a27',
  cutoff: '#a12a2a',
  reliable: 'rgba(26, 95, 180, 0.12)',
  expected: 'rgba(34, 97, 59, 0.14)',
  expectedLine: '#22613b',
  alert: '#a12a2a',
  grid: '#e7e1d8',
  ink: '#515d61',
};

interface Scored {
  t: number; // seconds since the epoch
  session: number;
  total: number;
  band: string | null;
}

function scored(q: QuestionnaireProgress | undefined): Scored[] {
  if (!q) return [];
  return q.points
    .filter((p) => typeof p.total === 'number')
    .map((p) => ({ t: Math.round(Date.parse(p.submitted_at) / 1000), session: p.session_number, total: p.total as number, band: p.band }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
}

// Expected trajectories are given by session number; the chart's axis is time. Sessions map to
// time through the episode's own pace (one week apart when it cannot be told yet).
function sessionClock(points: Scored[]): (session: number) => number {
  if (points.length === 0) return () => 0;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const pace = last.session > first.session ? (last.t - first.t) / (last.session - first.session) : kWeekSeconds;
  return (session) => first.t + (session - first.session) * pace;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function trendWords(points: Scored[], higherIs: 'better' | 'worse' | undefined): string {
  if (points.length < 2) return '';
  const d = points[points.length - 1]!.total - points[0]!.total;
  if (d === 0) return 'unchanged';
  const better = higherIs === 'better' ? d > 0 : d < 0;
  return `${d > 0 ? 'up' : 'down'} ${round(Math.abs(d))} points, ${better ? 'better' : 'worse'}`;
}

export function describeChart(
  q: QuestionnaireProgress,
  rapport?: QuestionnaireProgress,
  alerts: FeedbackAlert[] = [],
  validation?: ValidationMap,
): string {
  const pts = scored(q);
  if (pts.length === 0) return `${q.title}: no scored answers yet.`;
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  let s = `${q.title} over ${pts.length} answer${pts.length === 1 ? '' : 's'} from ${formatDate(new Date(first.t * 1000).toISOString())}`;
  s += pts.length > 1 ? ` to ${formatDate(new Date(last.t * 1000).toISOString())}: from ${round(first.total)} to ${round(last.total)} (${trendWords(pts, q.higher_is)})` : `: ${round(first.total)}`;
  if (last.band) s += `, now ${last.band}`;
  s += '.';
  if (typeof q.cutoff === 'number') s += ` Cut-off ${round(q.cutoff)}.`;
  const r = scored(rapport);
  if (rapport && r.length) s += ` Rapport from ${round(r[0]!.total)} to ${round(r[r.length - 1]!.total)} of ${round(rapport.max)}.`;
  if (alerts.length) s += ` ${alerts.length} alert${alerts.length === 1 ? '' : 's'} marked.`;
  for (const shown of rapport && r.length ? [q, rapport] : [q]) {
    if (validation && unvalidated(validation, shown.code)) s += ` ${shown.title} is not yet validated.`;
  }
  return s;
}

interface ChartProps {
  q: QuestionnaireProgress;
  rapport?: QuestionnaireProgress;
  alerts?: FeedbackAlert[];
  // The therapist's view adds the reliable-change band, the expected trajectory and alerts.
  detailed?: boolean;
  height?: number;
  // Staff views pass it to have scores of questionnaires not yet validated marked; clients' don't.
  validation?: ValidationMap;
  // The line's name where the code would mean nothing to the reader ("Your score").
  label?: string;
}

export function ProgressChart({ q, rapport, alerts = [], detailed = false, height = 240, validation, label }: ChartProps) {
  // What the line is called: the questionnaire's code for staff; a client's own chart says "Your score".
  const name = label ?? q.code;
  const box = useRef<HTMLDivElement>(null);
  const main = scored(q);
  const second = rapport && rapport.code !== q.code ? scored(rapport) : [];

  useEffect(() => {
    const el = box.current;
    if (!el || main.length === 0) return;
    const times = [...new Set([...main.map((p) => p.t), ...second.map((p) => p.t)])].sort((a, b) => a - b);
    const at = (list: Scored[]) => times.map((t) => list.find((p) => p.t === t)?.total ?? null);
    const data: uPlot.AlignedData = second.length ? [times, at(main), at(second)] : [times, at(main)];
    const clock = sessionClock(main);
    const lo = times[0]!;
    const hi = times[times.length - 1]!;
    const pad = hi > lo ? (hi - lo) * 0.04 : kWeekSeconds / 2;

    const draw = (u: uPlot) => {
      const ctx = u.ctx;
      const { left, top, width, height: h } = u.bbox;
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width, h);
      ctx.clip();
      const y = (v: number) => u.valToPos(v, 'y', true);
      const x = (t: number) => u.valToPos(t, 'x', true);
      if (detailed && typeof q.reliable_threshold === 'number' && main.length) {
        const f = main[0]!.total;
        const y1 = y(f + q.reliable_threshold);
        const y2 = y(f - q.reliable_threshold);
        ctx.fillStyle = kColors.reliable;
        ctx.fillRect(left, Math.min(y1, y2), width, Math.abs(y2 - y1));
      }
      const expected = q.expected?.points ?? [];
      if (detailed && expected.length > 1) {
        ctx.beginPath();
        expected.forEach((p, i) => (i === 0 ? ctx.moveTo(x(clock(p.session)), y(p.upper)) : ctx.lineTo(x(clock(p.session)), y(p.upper))));
        [...expected].reverse().forEach((p) => ctx.lineTo(x(clock(p.session)), y(p.lower)));
        ctx.closePath();
        ctx.fillStyle = kColors.expected;
        ctx.fill();
        ctx.beginPath();
        expected.forEach((p, i) => (i === 0 ? ctx.moveTo(x(clock(p.session)), y(p.expected)) : ctx.lineTo(x(clock(p.session)), y(p.expected))));
        ctx.setLineDash([2 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.strokeStyle = kColors.expectedLine;
        ctx.lineWidth = devicePixelRatio;
        ctx.stroke();
      }
      if (typeof q.cutoff === 'number') {
        ctx.beginPath();
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.strokeStyle = kColors.cutoff;
        ctx.lineWidth = 1.5 * devicePixelRatio;
        ctx.moveTo(left, y(q.cutoff));
        ctx.lineTo(left + width, y(q.cutoff));
        ctx.stroke();
      }
      if (detailed) {
        ctx.setLineDash([]);
        for (const a of alerts) {
          const t = Date.parse(a.created_at) / 1000;
          if (!Number.isFinite(t)) continue;
          const ax = x(t);
          ctx.strokeStyle = kColors.alert;
          ctx.lineWidth = devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(ax, top);
          ctx.lineTo(ax, top + h);
          ctx.stroke();
          const s = 6 * devicePixelRatio;
          ctx.fillStyle = kColors.alert;
          ctx.beginPath();
          ctx.moveTo(ax - s, top);
          ctx.lineTo(ax + s, top);
          ctx.lineTo(ax, top + s * 1.5);
          ctx.closePath();
          ctx.fill();
        }
      }
      ctx.restore();
    };

    const axis = { stroke: kColors.ink, grid: { stroke: kColors.grid, width: 1 }, ticks: { stroke: kColors.grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: true, range: [lo - pad, hi + pad] },
        y: { range: [q.min, q.max] },
        ...(second.length && rapport ? { r: { range: [rapport.min, rapport.max] as uPlot.Range.MinMax } } : {}),
      },
      axes: [
        { ...axis },
        { ...axis, label: name, size: 48 },
        ...(second.length ? [{ ...axis, scale: 'r', side: 1, label: 'Rapport', size: 48, grid: { show: false } }] : []),
      ],
      series: [
        {},
        { label: name, scale: 'y', stroke: kColors.outcome, width: 2.5, spanGaps: true, points: { show: true, size: 8, fill: kColors.outcome } },
        ...(second.length
          ? [{ label: 'Rapport', scale: 'r', stroke: kColors.rapport, width: 2, dash: [8, 4], spanGaps: true, points: { show: true, size: 7, fill: kColors.rapport } }]
          : []),
      ],
      hooks: { drawAxes: [draw] },
    };
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [q, rapport, alerts, detailed, height, name]);

  if (main.length === 0) return <p class="muted">{q.title}: no answers yet.</p>;
  const times = [...new Set([...main.map((p) => p.t), ...second.map((p) => p.t)])].sort((a, b) => a - b);
  // The chart's own questionnaire is marked by the section around it; the rapport line drawn over
  // another questionnaire's chart has no section of its own, so it is marked here.
  const mainCaution = validation ? unvalidated(validation, q.code) : undefined;
  const secondCaution = validation && second.length && rapport ? unvalidated(validation, rapport.code) : undefined;
  return (
    <figure class="chart">
      <div
        class="chart__canvas"
        role="img"
        aria-label={describeChart(q, second.length ? rapport : undefined, detailed ? alerts : [], validation)}
        ref={box}
      />
      <figcaption class="chart__key small muted">
        <span class="key key--outcome">{name}</span>
        {second.length > 0 && (
          <span>
            <span class="key key--rapport">Rapport (right scale)</span>
            <NotValidated v={secondCaution} />
          </span>
        )}
        {typeof q.cutoff === 'number' && <span class="key key--cutoff">Cut-off {round(q.cutoff)}</span>}
        {detailed && typeof q.reliable_threshold === 'number' && <span class="key key--reliable">Reliable change from the first score (±{round(q.reliable_threshold)})</span>}
        {detailed && (q.expected?.points.length ?? 0) > 1 && (
          <span class="key key--expected">Expected course ({q.expected?.source === 'clinic' ? 'this clinic' : 'published norms'})</span>
        )}
        {detailed && alerts.length > 0 && <span class="key key--alert">Alert</span>}
      </figcaption>
      {/* A table ignores a 1 px width; the wrapper clips it so that it never widens the page. */}
      <div class="visually-hidden">
      <table>
        <caption>{q.title}: the numbers in the chart</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">
              {name}
              {mainCaution ? ' (not yet validated)' : ''}
            </th>
            {second.length > 0 && <th scope="col">Rapport{secondCaution ? ' (not yet validated)' : ''}</th>}
          </tr>
        </thead>
        <tbody>
          {times.map((t) => {
            const a = main.find((p) => p.t === t);
            const b = second.find((p) => p.t === t);
            return (
              <tr key={t}>
                <th scope="row">{formatDate(new Date(t * 1000).toISOString())}</th>
                <td>{a ? `${round(a.total)}${a.band ? ` (${a.band})` : ''}` : '—'}</td>
                {second.length > 0 && <td>{b ? round(b.total) : '—'}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
    </figure>
  );
}

// A small trend line for the caseload. Inline SVG with presentation attributes only (no style
// attributes), described in words for screen readers.
export function Sparkline({ values, label, higherIs, max }: { values: number[]; label: string; higherIs: 'better' | 'worse'; max?: number }) {
  if (values.length === 0) return <span class="muted small">{label}: no answers yet</span>;
  const w = 96;
  const h = 28;
  const hi = Math.max(max ?? 0, ...values);
  const lo = Math.min(0, ...values);
  const span = hi - lo || 1;
  const step = values.length > 1 ? (w - 4) / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(2 + i * step).toFixed(1)},${(h - 2 - ((v - lo) / span) * (h - 4)).toFixed(1)}`);
  const first = values[0]!;
  const last = values[values.length - 1]!;
  const d = last - first;
  const trend =
    values.length < 2
      ? `${label}: one answer, ${round(last)}`
      : `${label}: ${d === 0 ? 'steady' : (higherIs === 'better') === d > 0 ? 'improving' : 'worsening'}, from ${round(first)} to ${round(last)} over ${values.length} answers`;
  return (
    <svg class="sparkline" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={trend}>
      <title>{trend}</title>
      <polyline points={pts.join(' ')} fill="none" stroke={higherIs === 'better' ? kColors.rapport : kColors.outcome} stroke-width="2" />
      <circle cx={pts[pts.length - 1]!.split(',')[0]} cy={pts[pts.length - 1]!.split(',')[1]} r="2.5" fill={higherIs === 'better' ? kColors.rapport : kColors.outcome} />
    </svg>
  );
}
