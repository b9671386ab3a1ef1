import { appendFileSync } from 'node:fs';
import { ENV, type SpecEvent } from '../../src/conform/protocol.js';
import type { History } from '../../src/train/config.js';

/**
 * The harness side of a conformance run (src/conform/protocol.ts). Outside `mnist-spec conform` none of
 * the environment variables is set and everything here is a no-op apart from bookkeeping.
 */
const EVENTS_FILE = process.env[ENV.events];

type Event = SpecEvent extends infer E ? (E extends SpecEvent ? Omit<E, 'pid' | 'at'> : never) : never;

/** Append one event, synchronously: a spec that then blocks the event loop is still named. */
export function emit(event: Event): void {
  if (!EVENTS_FILE) return;
  try {
    appendFileSync(EVENTS_FILE, JSON.stringify({ ...event, pid: process.pid, at: Date.now() }) + '\n');
  } catch {
    // a report channel that fails must never fail a spec
  }
}

export const eventsEnabled = (): boolean => !!EVENTS_FILE;

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

/** Specs the expectations file of a conformance run says to skip, with its reasons. */
const SKIPS: { pattern: RegExp; reason: string }[] = (() => {
  const raw = process.env[ENV.skip];
  if (!raw) return [];
  try {
    return (JSON.parse(raw) as { pattern: string; reason: string }[]).map((s) => ({ pattern: new RegExp(s.pattern), reason: s.reason }));
  } catch (e) {
    throw new Error(`${ENV.skip} is not a JSON array of { pattern, reason }: ${(e as Error).message}`);
  }
})();

export function expectedSkip(fullName: string): string | undefined {
  return SKIPS.find((s) => s.pattern.test(fullName))?.reason;
}
