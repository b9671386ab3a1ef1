import type { Capabilities, ImplementationInfo } from '../impl/interface.js';

/**
 * How a conformance run talks to the specs it runs. `mnist-spec conform` starts vitest in a child process;
 * the spec harness (spec/harness) and the conform reporter (src/conform/reporter.ts) append one JSON object
 * per line to files named by these environment variables. Plain appends survive a killed worker, which is
 * what lets the watchdog name the spec that hung.
 */
export const ENV = {
  /** JSONL file the spec harness appends SpecEvents to (spec start/end, implementation info, training progress). */
  events: 'MNIST_SPEC_EVENTS',
  /** JSONL file the conform reporter appends ResultLines to. */
  results: 'MNIST_SPEC_RESULTS',
  /** JSON array of { pattern, reason }: specs whose full name matches `pattern` (a RegExp source) are skipped with `reason`. */
  skip: 'MNIST_SPEC_SKIP',
} as const;

/** Emitted by the spec harness inside the test workers. */
export type SpecEvent =
  | { t: 'spec-start'; name: string; id: string; impl?: string; timeoutMs: number; pid: number; at: number }
  | { t: 'spec-end'; name: string; pid: number; at: number }
  | {
      t: 'impl';
      /** The name the specs are registered under (shipped name or module base name). */
      name: string;
      declaredName: string;
      version: string;
      capabilities: Capabilities;
      info?: ImplementationInfo;
      infoError?: string;
      pid: number;
      at: number;
    }
  | {
      t: 'train';
      name: string;
      epoch: number;
      epochs: number;
      seen: number;
      total: number;
      loss: number;
      acc: number;
      /** true on the epoch's last line (carries validation metrics when there are any) */
      epochEnd?: boolean;
      valLoss?: number;
      valAcc?: number;
      pid: number;
      at: number;
    };

export type SpecState = 'passed' | 'failed' | 'skipped' | 'pending';

/** One spec as the conform reporter saw it finish. */
export interface ResultLine {
  t: 'result';
  /** `<impl> > <id>`, or `<id>` for a spec outside forEachImplementation. */
  name: string;
  file: string;
  state: SpecState;
  durationMs: number;
  errors: string[];
  logs: string[];
  /** task.meta.spec as the harness recorded it (RecordedSpec). */
  spec?: unknown;
}

export type ReporterLine =
  | ResultLine
  | { t: 'collected'; file: string; names: string[] }
  | { t: 'module-end'; file: string; errors: string[] }
  | { t: 'run-end'; errors: string[]; reason: string };
