import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What must not outlive the process, whatever ends it: temporary folders and files, and child process
 * groups. Everything that makes one registers it here and forgets it when done; on SIGINT, SIGTERM or
 * SIGHUP the registered clean-ups run (synchronously), one line says what happened, and the process
 * exits 128 + the signal number (130 for Ctrl-C). The CLI installs the handlers for its whole run; in a
 * library use (a test calling the conform runner) they are there only while something is registered, so
 * the process's own signal behaviour is left alone otherwise.
 */
const tempPaths = new Set<string>();
const cleanups = new Set<() => void>();
let pinned = false;
let installed = false;
let activity: string | undefined;

const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** Remove every registered temporary path and run every registered clean-up, now. Safe to call twice. */
export function cleanUpNow(): number {
  for (const fn of [...cleanups]) {
    try {
      fn();
    } catch {
      // a clean-up that fails must not stop the others
    }
  }
  cleanups.clear();
  let removed = 0;
  for (const p of [...tempPaths]) {
    try {
      rmSync(p, { recursive: true, force: true });
      removed++;
    } catch {
      // nothing more can be done on the way out
    }
  }
  tempPaths.clear();
  return removed;
}

function onSignal(signal: NodeJS.Signals): void {
  const removed = cleanUpNow();
  // A progress bar may have hidden the terminal's cursor: give it back.
  if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\n');
  const what = activity ? ` while ${activity}` : '';
  process.stderr.write(
    `mnist-spec: interrupted by ${signal}${what}; stopped${removed ? `, removed ${removed} temporary path(s)` : ''}, nothing half-written\n`,
  );
  process.exit(SIGNAL_EXIT[signal] ?? 1);
}

const onExit = (): void => void cleanUpNow();

/** Handlers present while pinned or while anything is registered. */
function refresh(): void {
  const want = pinned || tempPaths.size > 0 || cleanups.size > 0;
  if (want === installed) return;
  installed = want;
  const signals = Object.keys(SIGNAL_EXIT) as NodeJS.Signals[];
  if (want) {
    for (const s of signals) process.on(s, onSignal);
    // process.exit() anywhere else (and a normal end) still removes what is left.
    process.on('exit', onExit);
  } else {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', onExit);
  }
}

/** Install the signal handlers for the rest of the process (the CLI does, first thing). */
export function installSignalCleanup(): void {
  pinned = true;
  refresh();
}

/** Say what the process is doing, for the interruption message (`training 001 with engine`). */
export function setActivity(what: string | undefined): void {
  activity = what;
}

export function trackTempPath(path: string): void {
  tempPaths.add(path);
  refresh();
}

export function forgetTempPath(path: string): void {
  tempPaths.delete(path);
  refresh();
}

/** A new private folder in the system temp directory, removed on a signal; remove it with removeTempDir. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  trackTempPath(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  forgetTempPath(dir);
}

/** Run `fn` if the process is interrupted (e.g. kill a child process group). Returns the function that unregisters it. */
export function onInterrupt(fn: () => void): () => void {
  cleanups.add(fn);
  refresh();
  return () => {
    cleanups.delete(fn);
    refresh();
  };
}
