import { TASKS, type Measurement, type Task } from './workload.js';

/**
 * The bench report (reports/bench/<date>.json) and what is derived from it: the best PyTorch configuration
 * per task, every implementation's ratio to it, GFLOP/s and the fraction of the machine's peak. Shared by
 * bench/run.ts (which measures and prints) and bench/readme-table.ts (which renders the README's table from
 * a committed report), so the README's numbers are the report's.
 */

export type Combined = Measurement & { runs: number; samples: Partial<Record<Task, number[]>>; peerConfig?: PeerConfig };

export interface PeerConfig {
  threads: number;
  /** OMP_WAIT_POLICY, or undefined: as installed (unset). */
  waitPolicy?: 'PASSIVE' | 'ACTIVE';
  /** Which form of the shipped pytorch implementation: Keras's semantics (judged by the suite) or PyTorch's defaults (its idiomatic form). */
  semantics?: PeerSemantics;
}

export const PEER_SEMANTICS = ['keras', 'pytorch-defaults'] as const;
export type PeerSemantics = (typeof PEER_SEMANTICS)[number];

export interface Peak {
  threads: number;
  fma: { bits: number; perThreadGflops: number; peakGflops: number; compiler: string } | { error: string };
  sgemm: { n: number; gflops: number };
}

export interface BenchReport {
  kind: 'mnist-spec/bench';
  schemaVersion: 2;
  suiteVersion: string;
  startedAt: string;
  machine: Record<string, unknown> & { threads: number; busy: boolean };
  data: Record<string, unknown>;
  workload: Record<Task, string>;
  /** Samples per task, when fewer than the full workload (`--quick`). */
  samples: { train: number; test: number };
  repeat: number;
  maxSeconds: number;
  flopsPerSample: Record<Task, number>;
  peak?: Peak;
  results: Combined[];
  /** Per task: the fastest PyTorch configuration in this run, the one the ratios are taken against. */
  bestPeer: Partial<Record<Task, { runtime: string; samplesPerSecond: number }>>;
}

/** Targets of issue 15, as ratios to the best PyTorch configuration (tfjs is reported without one). */
export const TARGETS: Record<string, Partial<Record<Task, number>>> = {
  engine: { 'mlp-train': 1.5, 'cnn-train': 2.0, 'mlp-infer': 1.0, 'cnn-infer': 1.0 },
  onnxruntime: { 'mlp-infer': 1.0, 'cnn-infer': 1.0 },
};

export const TASK_TITLES: Record<Task, string> = {
  'mlp-train': 'MLP train (batch 128, RMSprop)',
  'cnn-train': 'CNN train (batch 64, Adam)',
  'mlp-infer': 'MLP predict',
  'cnn-infer': 'CNN predict',
};

export function peerName(c: PeerConfig): string {
  const name = c.semantics === 'pytorch-defaults' ? 'pytorch-defaults' : 'pytorch';
  return `${name} (${c.threads} thread${c.threads > 1 ? 's' : ''}, ${c.waitPolicy ? `OMP_WAIT_POLICY=${c.waitPolicy}` : 'as installed'})`;
}

/** Per task, the fastest PyTorch configuration that ran the whole task (one stopped by --max-seconds only if none did). */
export function bestPeerOf(results: Combined[]): BenchReport['bestPeer'] {
  const best: BenchReport['bestPeer'] = {};
  for (const task of TASKS) {
    for (const partial of [false, true]) {
      for (const m of results) {
        const r = m.peerConfig ? m.results[task] : undefined;
        if (r && !!r.partial === partial && (!best[task] || r.samplesPerSecond > best[task].samplesPerSecond))
          best[task] = { runtime: m.runtime, samplesPerSecond: r.samplesPerSecond };
      }
      if (best[task]) break;
    }
  }
  return best;
}

export function peakGflops(peak: Peak | undefined): number | undefined {
  if (!peak) return undefined;
  return 'peakGflops' in peak.fma ? peak.fma.peakGflops : undefined;
}

const fmt = (n: number | undefined): string => (n === undefined ? '—' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);

function align(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The console tables: rates of every runtime, ratios to the best PyTorch, FLOP rates. */
export function consoleTables(report: BenchReport): string {
  const { results, bestPeer, flopsPerSample } = report;
  const rate = (m: Measurement, t: Task) => m.results[t]?.samplesPerSecond;
  const mark = (m: Measurement, t: Task) => (m.results[t]?.partial ? '*' : '');
  const rates = align(
    ['runtime', ...TASKS.map((t) => `${t}/s`), 'peak RSS'],
    results.map((m) => [m.runtime, ...TASKS.map((t) => fmt(rate(m, t)) + mark(m, t)), m.maxRssBytes ? `${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB` : '—']),
  );
  const best = TASKS.map((t) => `  ${t}: ${bestPeer[t] ? `${bestPeer[t].runtime}, ${fmt(bestPeer[t].samplesPerSecond)}/s` : '—'}`).join('\n');
  const ours = results.filter((m) => !m.peerConfig);
  const ratios = align(
    ['vs best pytorch', ...TASKS],
    ours.map((m) => [
      m.runtime,
      ...TASKS.map((t) => ratio(rate(m, t), bestPeer[t]?.samplesPerSecond) + target(m.runtime, t, rate(m, t), bestPeer[t]?.samplesPerSecond)),
    ]),
  );
  const peak = peakGflops(report.peak);
  const flops = align(
    ['GFLOP/s (% of peak)', ...TASKS],
    [
      ['FLOP/sample', ...TASKS.map((t) => `${(flopsPerSample[t] / 1e6).toFixed(2)} M`)],
      ...[...ours, ...results.filter((m) => bestPeerRuntimes(report).has(m.runtime))].map((m) => [
        m.runtime,
        ...TASKS.map((t) => {
          const r = rate(m, t);
          if (r === undefined) return '—';
          const g = (r * flopsPerSample[t]) / 1e9;
          return `${g.toFixed(1)}${peak ? ` (${((100 * g) / peak).toFixed(0)}%)` : ''}`;
        }),
      ]),
    ],
  );
  return [rates, '', 'best PyTorch configuration per task (the ratios below are against it):', best, '', ratios, '', flops].join('\n');
}

function bestPeerRuntimes(report: BenchReport): Set<string> {
  return new Set(Object.values(report.bestPeer).map((b) => b!.runtime));
}

function target(runtime: string, task: Task, a: number | undefined, b: number | undefined): string {
  const want = TARGETS[runtime]?.[task];
  if (want === undefined || a === undefined || b === undefined) return '';
  return a / b >= want ? ' ✓' : ` (target ${want.toFixed(1)}×)`;
}

/** The README's table (markdown), rendered from a report. */
export function readmeTable(report: BenchReport, file: string): string {
  const { results, bestPeer, flopsPerSample } = report;
  const peak = peakGflops(report.peak);
  const rate = (m: Measurement, t: Task) => m.results[t]?.samplesPerSecond;
  const ours = results.filter((m) => !m.peerConfig);
  const head = `| | ${TASKS.map((t) => TASK_TITLES[t]).join(' | ')} | peak RSS |`;
  const rows = ours.map((m) => {
    const cells = TASKS.map((t) => {
      const r = rate(m, t);
      if (r === undefined) return '—';
      const g = (r * flopsPerSample[t]) / 1e9;
      const vs = bestPeer[t] ? `${(r / bestPeer[t].samplesPerSecond).toFixed(2)}×` : '—';
      return `${vs} (${fmt(r)}/s, ${g.toFixed(0)} GFLOP/s${peak ? `, ${((100 * g) / peak).toFixed(0)}%` : ''})`;
    });
    return `| \`${m.runtime}\` | ${cells.join(' | ')} | ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB |`;
  });
  const peerRow = `| best PyTorch 1.13 | ${TASKS.map((t) => (bestPeer[t] ? `${fmt(bestPeer[t].samplesPerSecond)}/s: ${bestPeer[t].runtime.replace(/^pytorch \((.*)\)$/, '$1')}` : '—')).join(' | ')} | |`;
  const flopRow = `| FLOP per sample | ${TASKS.map((t) => `${(flopsPerSample[t] / 1e6).toFixed(2)} M`).join(' | ')} | |`;
  const peakLine = peak
    ? `Peak: ${peak.toFixed(0)} GFLOP/s = ${report.machine.threads} × ${(report.peak!.fma as { perThreadGflops: number }).perThreadGflops.toFixed(0)} GFLOP/s, the float32 FMA rate one core sustains (bench/peak.c); onnxruntime's own 2048³ SGEMM reaches ${report.peak!.sgemm.gflops.toFixed(0)} GFLOP/s.`
    : report.peak
      ? `onnxruntime's own 2048³ SGEMM reaches ${report.peak.sgemm.gflops.toFixed(0)} GFLOP/s (no C compiler for the FMA peak).`
      : '';
  return [
    `Ratios to the fastest PyTorch configuration found in the same run (thread count × \`OMP_WAIT_POLICY\`, per task), with samples/s, GFLOP/s and % of the FLOP peak (\`${file}\`, medians of ${report.repeat}${report.machine.busy ? '; the machine was busy' : ''}):`,
    '',
    head,
    `| --- | ${TASKS.map(() => '---').join(' | ')} | --- |`,
    ...rows,
    peerRow,
    flopRow,
    '',
    peakLine,
  ].join('\n');
}
