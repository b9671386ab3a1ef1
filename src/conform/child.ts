/**
 * The process `mnist-spec conform` runs the specs in: vitest through its Node API, with the conform
 * reporter only. Kept apart from the CLI so the watchdog can kill it (and its workers, one process group)
 * when a spec blocks forever, and start another for the specs still to run.
 *
 *   node dist/conform/child.js '<ChildConfig as JSON>'
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVitest } from 'vitest/node';

export interface ChildConfig {
  root: string;
  config: string;
  /** Absolute paths of the spec files to run. */
  files: string[];
  /** RegExp source matched against vitest's space-joined test names. */
  testNamePattern: string;
  /** Results JSONL file. */
  results: string;
  shard?: string;
  testTimeout?: number;
  /** Collect only: write each collected spec's record to `results` as JSON lines, run nothing (`conform --list`). */
  list?: boolean;
}

async function main(): Promise<number> {
  const cfg = JSON.parse(process.argv[2] ?? '') as ChildConfig;
  const reporter = fileURLToPath(new URL('./reporter.js', import.meta.url));
  const vitest = await createVitest('test', {
    root: cfg.root,
    config: cfg.config,
    watch: false,
    run: true,
    passWithNoTests: true,
    testNamePattern: new RegExp(cfg.testNamePattern),
    reporters: [[reporter, { file: cfg.results }]],
    ...(cfg.shard ? { shard: cfg.shard } : {}),
    ...(cfg.testTimeout ? { testTimeout: cfg.testTimeout } : {}),
  });
  try {
    if (cfg.list) {
      const { testModules } = await vitest.collect(cfg.files);
      const lines = testModules.flatMap((m) =>
        [...m.children.allTests()].map((t) =>
          JSON.stringify({ t: 'listed', file: relative(cfg.root, m.moduleId).split('\\').join('/'), name: t.fullName, spec: t.meta().spec }),
        ),
      );
      writeFileSync(cfg.results, lines.join('\n') + '\n');
      return 0;
    }
    // Filters: only the spec files of this run, whatever else the project config includes.
    await vitest.start(cfg.files);
  } finally {
    await vitest.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`conform runner: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(3);
  },
);
