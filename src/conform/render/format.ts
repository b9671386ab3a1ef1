import type { History } from '../../train/config.js';
import type { Placement, Stochastic } from '../../harness/record.js';
import { formatProbability } from '../../util/stats.js';
import type { ConformanceReport, SpecResult, Status } from '../report.js';

/** Helpers shared by the Markdown, HTML and JUnit renderings of a report. */

export const STATUS_LABEL: Record<Status, string> = {
  pass: 'pass',
  warn: 'WARN',
  fail: 'FAIL',
  skip: 'skip',
  'expected-fail': 'expected fail',
  'unexpected-pass': 'UNEXPECTED PASS',
};

/** A number as a person reads it: integers whole, others with 4–6 significant digits. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(a < 1 ? 4 : 6)));
}

/** A measured value in one line: numbers formatted, objects as `key value` pairs, long things cut. */
export function formatMeasured(v: unknown, max = 120): string {
  let s: string;
  if (v === undefined || v === null) s = '';
  else if (typeof v === 'number') s = formatNumber(v);
  else if (typeof v === 'string') s = v;
  else if (Array.isArray(v)) s = v.map((x) => formatMeasured(x, 40)).join(', ');
  else if (typeof v === 'object') {
    s = Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k} ${typeof x === 'object' && x !== null ? JSON.stringify(x) : formatMeasured(x, 40)}`)
      .join(', ');
  } else s = String(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** `seeds/001_….txt` → `001`; anything else unchanged. */
export function notebookOf(source: string): string | undefined {
  return /^seeds\/(\d{3})_/.exec(source)?.[1];
}

export const seconds = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** Specs whose claim is something a notebook printed or wrote: the rows of the notebook-vs-measured table. */
export function notebookRows(r: ConformanceReport): SpecResult[] {
  return r.specs
    .filter((s) => s.claim && notebookOf(s.claim.source))
    .sort((a, b) => notebookOf(a.claim!.source)!.localeCompare(notebookOf(b.claim!.source)!) || a.id.localeCompare(b.id));
}

export interface Curve {
  spec: SpecResult;
  history: History;
  config: Record<string, unknown>;
}

/** The training histories the specs recorded, notebook-scale ones (≥ 1,000 training samples) only. */
export function curves(r: ConformanceReport): Curve[] {
  const out: Curve[] = [];
  for (const s of r.specs) {
    const hs = s.artifacts?.histories as { config: Record<string, unknown>; history: History }[] | undefined;
    if (!Array.isArray(hs)) continue;
    for (const h of hs) if (h.history?.trainSamples >= 1000 && h.history.epochs.length > 0) out.push({ spec: s, history: h.history, config: h.config });
  }
  return out;
}

export interface Confusion {
  labels: number[];
  matrix: number[][];
}
export interface Misclassified {
  data: string;
  total: number;
  shown: number;
  samples: { index: number; label: number; predicted: number; confidence: number; pixels: string }[];
}

/** The evaluations (confusion matrix and misclassified digits) the specs attached. */
export function evaluations(r: ConformanceReport): { spec: SpecResult; confusion?: Confusion; misclassified?: Misclassified }[] {
  return r.specs
    .filter((s) => s.artifacts?.confusion || s.artifacts?.misclassified)
    .map((s) => ({
      spec: s,
      confusion: s.artifacts!.confusion as Confusion | undefined,
      misclassified: s.artifacts!.misclassified as Misclassified | undefined,
    }));
}

/**
 * The verdict in words. Never a bare CONFORMS when notebook claims were skipped, nor when nothing was
 * judged; a report from before these fields existed is read by its counts.
 */
export function verdictLabel(r: ConformanceReport): string {
  const s = r.summary;
  const nb = s.notebookClaims;
  const errors = s.runErrors ?? r.run.errors.length;
  if (!s.ok && s.pass === 0 && !s.warn && s.fail === 0 && s.unexpectedPass === 0 && errors === 0) return 'NOTHING JUDGED (does not conform)';
  if (!s.ok) return errors && !s.fail ? `DOES NOT CONFORM (${errors} run error${errors === 1 ? '' : 's'})` : 'DOES NOT CONFORM';
  if (nb && nb.judged < nb.total) return `CONFORMS (partial: ${nb.judged} of ${nb.total} notebook claims judged)`;
  return 'CONFORMS';
}

export function headline(r: ConformanceReport): string {
  const s = r.summary;
  const parts = [`${s.pass} pass`, ...(s.warn ? [`${s.warn} warn`] : []), `${s.fail} fail`, `${s.skip} skip`];
  if (s.expectedFail) parts.push(`${s.expectedFail} expected fail`);
  if (s.unexpectedPass) parts.push(`${s.unexpectedPass} unexpected pass`);
  return `${verdictLabel(r)}: ${parts.join(', ')} (${s.total} specs)`;
}

/** The specs that passed with a warning: shown on the first screen of every rendering. */
export function warned(r: ConformanceReport): SpecResult[] {
  return r.specs.filter((s) => s.status === 'warn');
}

/** `accuracy 0.939: percentile 35 among tfjs's 20 seeds (1st percentile 0.9301)`, `!` marking a value beyond the 1% tail. */
export function formatPlacement(p: Placement): string {
  const tail = p.side === 'low' ? '1st' : '99th';
  return `${p.quantity} ${formatNumber(p.value)}: percentile ${p.percentile.toFixed(0)} among ${p.reference.implementation}'s ${p.reference.seeds} seeds (${tail} percentile ${formatNumber(p.tail)})${p.beyondTail ? ' — beyond it' : ''}`;
}

/** The placements of a spec in one short cell: `p35 of tfjs×20`, `p0 of tfjs×20 (below 1st pct)`; one per bounded quantity. */
export function placementCell(s: SpecResult): string {
  return (s.placements ?? [])
    .map(
      (p) =>
        `${s.placements!.length > 1 ? `${p.quantity} ` : ''}p${p.percentile.toFixed(0)} of ${p.reference.implementation}×${p.reference.seeds}${p.beyondTail ? ` (${p.side === 'low' ? 'below 1st' : 'above 99th'} pct)` : ''}`,
    )
    .join('; ');
}

/** A stochastic spec's error rate in one line: `p(false failure) ≈ 3e-7: <method>`. */
export function formatStochastic(st: Stochastic | string): string {
  if (typeof st === 'string') return st; // a report from before the metadata was structured
  return [
    st.why,
    st.falseFailure !== undefined ? `estimated probability that a correct implementation fails it: ${formatProbability(st.falseFailure)}` : '',
    st.method ?? '',
  ]
    .filter(Boolean)
    .join('. ');
}

type Impl = ConformanceReport['implementation'];

/** The precision the implementation declared and the profile that judged it, in one line (a report's first screen). */
export function precisionLine(impl: Impl): string {
  const p = impl.precision;
  if (!p) return 'unknown: the implementation never reported its info()';
  return `${p.value} ${p.declared ? '(declared)' : '(not declared: float32 assumed)'} — judged with the ${p.value} tolerance profile${impl.profile ? `: ${impl.profile.summary}` : ''}`;
}

/** The profile's tolerances, compactly: `forward 1e-5, forwardUnscaled 1e-4, golden |Δ| ≤ …`. */
export function profileValues(impl: Impl): string {
  return impl.profile ? impl.profile.tolerances.map((t) => `${t.name} ${t.value}`).join('; ') : '';
}

export function browserLine(impl: Impl): string {
  const b = impl.browser;
  if (!b) return '';
  return `${b.name} ${b.version}${b.executable ? ` (${b.executable})` : ''}${b.crossOriginIsolated === undefined ? '' : b.crossOriginIsolated ? ', page cross-origin isolated' : ', page not cross-origin isolated'}`;
}

export function gpuLine(impl: Impl): string {
  const b = impl.browser;
  return b ? `WebGL renderer: ${b.webglRenderer}; WebGPU adapter: ${b.webgpuAdapter}` : '';
}

/** Specs that trained, with their speed: samples per second of the fits they recorded. */
export function trainingRates(r: ConformanceReport): SpecResult[] {
  return r.specs.filter((s) => s.training);
}
