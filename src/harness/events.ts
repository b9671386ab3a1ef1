import { appendFileSync } from 'node:fs';
import type { Capabilities, ImplementationInfo } from '../impl/interface.js';
import type { History } from '../train/config.js';
import { ENV } from './env.js';

/**
 * What the harness tells a conformance run while specs run: one JSON object per line appended to the file
 * MNIST_SPEC_EVENTS names (src/conform reads it). Plain synchronous appends survive a killed worker, which is
 * what lets the watchdog name the spec that hung. Outside `mnist-spec conform` nothing is written.
 */
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
      /** Where it runs when that is a browser page: browser, version, user agent, WebGL renderer, WebGPU adapter. */
      environment?: Record<string, unknown>;
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

type Event = SpecEvent extends infer E ? (E extends SpecEvent ? Omit<E, 'pid' | 'at'> : never) : never;

const eventsFile = (): string | undefined => process.env[ENV.events];

/** Append one event, synchronously: a spec that then blocks the event loop is still named. */
export function emit(event: Event): void {
  const file = eventsFile();
  if (!file) return;
  try {
    appendFileSync(file, JSON.stringify({ ...event, pid: process.pid, at: Date.now() }) + '\n');
  } catch {
    // a report channel that fails must never fail a spec
  }
}

export const eventsEnabled = (): boolean => !!eventsFile();

/** What the spec running now in this worker collects besides its own record() (specs run one at a time per file). */
export interface ActiveSpec {
  /** The full test name: `<impl> > <id>` or `<id>`. */
  name: string;
  attach(name: string, value: unknown): void;
  /** Every History a model.fit() of this spec returned, in order. */
  histories: { config: unknown; history: History }[];
  /** How many fits the spec made. */
  fits?: number;
}

let active: ActiveSpec | undefined;
export const activeSpec = (): ActiveSpec | undefined => active;
export function setActiveSpec(a: ActiveSpec | undefined): void {
  active = a;
}

/** Specs the expectations file of a conformance run says to skip, with its reasons (MNIST_SPEC_SKIP). */
let skips: { pattern: RegExp; reason: string }[] | undefined;
function skipList(): { pattern: RegExp; reason: string }[] {
  if (skips) return skips;
  const raw = process.env[ENV.skip];
  if (!raw) return (skips = []);
  try {
    return (skips = (JSON.parse(raw) as { pattern: string; reason: string }[]).map((s) => ({ pattern: new RegExp(s.pattern), reason: s.reason })));
  } catch (e) {
    throw new Error(`${ENV.skip} is not a JSON array of { pattern, reason }: ${(e as Error).message}`, { cause: e });
  }
}

export function expectedSkip(fullName: string): string | undefined {
  return skipList().find((s) => s.pattern.test(fullName))?.reason;
}
