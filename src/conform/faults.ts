import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { implementationName } from '../impl/registry.js';
import { runConformance, PACKAGE_ROOT, type Progress } from './run.js';
import type { ConformanceReport } from './report.js';
import { writeReports } from './write.js';

/**
 * Proof that the specs bite: examples/faulty/ holds implementations with one realistic bug planted each
 * (its file starts with a `@fault <what the bug is>` line). Running conform on each must fail it, and
 * the specs that failed are the ones that caught it.
 */
export interface PlantedFault {
  /** The implementation name (the file's base name). */
  name: string;
  /** Path relative to the package root. */
  file: string;
  bug: string;
}

export function listFaults(root = PACKAGE_ROOT): PlantedFault[] {
  const dir = join(root, 'examples', 'faulty');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .flatMap((f) => {
      const m = /@fault\s+([^\n]*?)\s*(?:\*\/)?$/m.exec(readFileSync(join(dir, f), 'utf8'));
      return m ? [{ name: implementationName(f), file: `examples/faulty/${f}`, bug: m[1]!.trim() }] : [];
    });
}

export interface FaultVerdict {
  fault: PlantedFault;
  caught: boolean;
  /** Ids of the specs that failed. */
  caughtBy: string[];
  summary: ConformanceReport['summary'];
  wallSeconds: number;
}

export interface FaultSweep {
  kind: 'mnist-spec/fault-sweep';
  planted: number;
  caught: number;
  queries: string[];
  tier: string;
  verdicts: FaultVerdict[];
}

export function verdictOf(fault: PlantedFault, report: ConformanceReport): FaultVerdict {
  const caughtBy = report.specs.filter((s) => s.status === 'fail').map((s) => s.id);
  return { fault, caught: !report.summary.ok && caughtBy.length > 0, caughtBy, summary: report.summary, wallSeconds: report.run.wallSeconds };
}

/** Run conform on every planted fault (one after another), write each report under `reportDir/<fault>/` when given. */
export async function sweepFaults(opts: {
  root?: string;
  queries?: string[];
  tier?: 'fast' | 'full';
  data?: string;
  reportDir?: string;
  only?: string[];
  onFault?: (fault: PlantedFault, i: number, n: number) => void;
  onProgress?: (p: Progress) => void;
}): Promise<FaultSweep> {
  const root = opts.root ?? PACKAGE_ROOT;
  const faults = listFaults(root).filter((f) => !opts.only?.length || opts.only.includes(f.name));
  const verdicts: FaultVerdict[] = [];
  for (const [i, fault] of faults.entries()) {
    opts.onFault?.(fault, i, faults.length);
    const report = await runConformance({
      impl: join(root, fault.file),
      root,
      ...(opts.queries ? { queries: opts.queries } : {}),
      ...(opts.tier ? { tier: opts.tier } : {}),
      ...(opts.data ? { data: opts.data } : {}),
      command: `mnist-spec conform --impl ${fault.file}${opts.queries?.length ? opts.queries.map((q) => ` --query '${q}'`).join('') : ''}`,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    if (opts.reportDir) await writeReports(join(opts.reportDir, fault.name), report);
    verdicts.push(verdictOf(fault, report));
  }
  return {
    kind: 'mnist-spec/fault-sweep',
    planted: verdicts.length,
    caught: verdicts.filter((v) => v.caught).length,
    queries: opts.queries ?? ['*'],
    tier: opts.tier ?? 'fast',
    verdicts,
  };
}

export function renderFaultSweep(s: FaultSweep): string {
  const lines = [
    '# Planted faults: does the suite catch them?',
    '',
    `**${s.caught} of ${s.planted} planted faults caught** (tier ${s.tier}, query ${s.queries.join(' ')}). Each faulty implementation in`,
    '`examples/faulty/` is the plain-ts example implementation with one realistic bug planted;',
    '`mnist-spec conform` must fail it. The specs that failed are the ones that caught it.',
    '',
    '| faulty implementation | the bug | caught | specs that failed |',
    '| --- | --- | --- | --- |',
    ...s.verdicts.map(
      (v) =>
        `| \`${v.fault.file}\` | ${v.fault.bug.replace(/\|/g, '\\|')} | ${v.caught ? 'yes' : '**NO**'} | ${v.caughtBy.map((id) => `\`${id}\``).join('<br>') || '—'} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
