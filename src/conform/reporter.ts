import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule, TestRunEndReason } from 'vitest/node';
import { ENV } from '../harness/env.js';
import type { ReporterLine, ResultLine, SpecState } from './protocol.js';

/**
 * The vitest reporter of a conformance run: one JSON line per spec that ran (its state, duration, errors,
 * console output and task.meta.spec), appended to the file in MNIST_SPEC_RESULTS (or `options.file`).
 * Appending line by line means a run that is killed part way keeps every result it had.
 *
 * It also works on its own, e.g. for a vitest run split with --shard:
 *   MNIST_SPEC_RESULTS=results-1.jsonl npx vitest run --shard=1/3 --reporter=default --reporter=./node_modules/mnist-spec/dist/conform/reporter.js
 * then `mnist-spec conform merge results-*.jsonl`.
 */
/** A log line or error kept in a report is cut to this many characters (an implementation once logged a 1 MiB line). */
export const MAX_LOG_LINE = 4096;
export const MAX_ERROR_TEXT = 16_384;
/** Log lines kept per spec. */
export const MAX_LOG_LINES = 200;

/** `s` cut to `max` characters, saying how much was cut. */
export function capText(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters cut)` : s;
}

export default class ConformReporter implements Reporter {
  private readonly file: string | undefined;
  private root = process.cwd();
  private readonly logs = new Map<string, string[]>();

  constructor(options: { file?: string } = {}) {
    this.file = options.file ?? process.env[ENV.results];
  }

  private write(line: ReporterLine): void {
    if (this.file) appendFileSync(this.file, JSON.stringify(line) + '\n');
  }

  onInit(vitest: { config: { root: string } }): void {
    this.root = vitest.config.root;
  }

  private fileOf(module: TestModule): string {
    return relative(this.root, module.moduleId).split('\\').join('/');
  }

  onUserConsoleLog(log: { content: string; taskId?: string; type: 'stdout' | 'stderr' }): void {
    if (!log.taskId) return;
    const list = this.logs.get(log.taskId) ?? [];
    if (list.length < MAX_LOG_LINES) list.push(capText((log.type === 'stderr' ? '[stderr] ' : '') + log.content.replace(/\n$/, ''), MAX_LOG_LINE));
    this.logs.set(log.taskId, list);
  }

  onTestModuleCollected(module: TestModule): void {
    const names = [...module.children.allTests()].filter((t) => t.options.mode === 'run').map(nameOf);
    this.write({ t: 'collected', file: this.fileOf(module), names });
  }

  onTestCaseResult(test: TestCase): void {
    // Tests the name pattern filtered out are reported as skipped with mode 'skip': not part of this run.
    if (test.options.mode !== 'run') return;
    const result = test.result();
    const state: SpecState = result.state === 'passed' ? 'passed' : result.state === 'failed' ? 'failed' : result.state === 'skipped' ? 'skipped' : 'pending';
    const errors = (result.errors ?? [])
      .slice(0, 20)
      .map((e) => capText([e.message, e.diff ? `\n${e.diff}` : '', e.stack ? `\n${e.stack}` : ''].join(''), MAX_ERROR_TEXT));
    const line: ResultLine = {
      t: 'result',
      name: nameOf(test),
      file: this.fileOf(test.module),
      state,
      durationMs: test.diagnostic()?.duration ?? 0,
      errors,
      logs: this.logs.get(test.id) ?? [],
      spec: test.meta().spec,
    };
    this.logs.delete(test.id);
    this.write(line);
  }

  onTestModuleEnd(module: TestModule): void {
    this.write({ t: 'module-end', file: this.fileOf(module), errors: module.errors().map((e) => capText(e.message, MAX_ERROR_TEXT)) });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<{ message: string }>, reason: TestRunEndReason): void {
    this.write({ t: 'run-end', errors: unhandled.map((e) => capText(e.message, MAX_ERROR_TEXT)), reason });
  }
}

/** `<describe> > <test>` without the file: `tfjs > model:summary:recipe=001`, or the bare id. */
function nameOf(test: TestCase): string {
  const parts = [test.name];
  for (let p = test.parent; p.type === 'suite'; p = p.parent) parts.unshift(p.name);
  return parts.join(' > ');
}
