import type { SpecRecordLike } from '../harness/record.js';

/**
 * What the conform reporter (reporter.ts) appends, one JSON object per line, to the file MNIST_SPEC_RESULTS names:
 * the specs each module collected, each spec's result, module and run ends. The harness's own channel (spec
 * start/end, implementation info, training progress) is src/harness/events.ts.
 */
export type SpecState = 'passed' | 'failed' | 'skipped' | 'pending';

/** One spec as the conform reporter saw it finish. */
export interface ResultLine {
  t: 'result';
  /** `<impl> > <id>` for a conformance spec, `<id>` for a suite spec. */
  name: string;
  file: string;
  state: SpecState;
  durationMs: number;
  errors: string[];
  logs: string[];
  /** task.meta.spec as the harness recorded it. */
  spec?: SpecRecordLike;
}

export type ReporterLine =
  | ResultLine
  | { t: 'collected'; file: string; names: string[] }
  | { t: 'module-end'; file: string; errors: string[] }
  | { t: 'run-end'; errors: string[]; reason: string };
