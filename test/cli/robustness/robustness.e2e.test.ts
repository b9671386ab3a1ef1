/**
 * The CLI robustness suite: the BUILT program (dist/) over a corpus of hostile inputs and bad invocations
 * (./corpus.ts), held to the error policy of src/cli/errors.ts:
 *
 *   - the exit code: 0 success, 1 a judged failure, 2 bad usage or bad input, 130/143 interrupted;
 *   - a failure is ONE line on stderr, `mnist-spec: …`, naming the argument or file and what is wrong;
 *   - no stack trace (only --debug prints one);
 *   - nothing written outside the directories the command line chose (HOME and cwd are watched too);
 *   - no temporary file left: every process gets its own TMPDIR, which must be empty afterwards;
 *   - bounded memory: every process's peak RSS ≤ RSS_CAP, with files of 1.2 to 3 GiB in the corpus.
 *
 * Cost. Argument and file cases run in-process, many per Node process (./batch.mjs imports dist/cli/cli.js);
 * real processes are spawned only where a real exit status, a signal, a child process or another user is
 * the point: the binary's own exit codes, the conform verdicts (each starts vitest), Ctrl-C during conform,
 * check and reproduce, and the permission cases (run as `nobody` when the suite runs as root).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from '../../../spec/support/build.js';
import type { ConformanceReport } from '../../../src/conform/report.js';
import { batchCases, FC_SEED, makeLayout, permissionCases, type Case, type Layout } from './corpus.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BATCH = join(HERE, 'batch.mjs');
const PROBE = join(HERE, 'rss-probe.mjs');
/**
 * The memory cap of any one mnist-spec process in this suite (measured: ~80 MiB for a batch of argument and
 * file cases, ~250 MiB for a training run with onnxruntime loaded); the corpus holds a 1.2 GiB IDX file, 3 GiB data, model and report files, and a
 * gzip stream that decompresses without end: reading any of them whole would cross it several times over.
 */
const RSS_CAP = 512 * 2 ** 20;
/** Peak RSS of every process the suite ran, for the closing line. */
const peaks: { what: string; bytes: number }[] = [];
/** examples/plain-ts without its `train` capability: the notebook trainings skip, quickly. */
const ADAPTER = join(ROOT, 'test', 'fixtures', 'conform', 'inference-only.ts');
const H5 = join(ROOT, 'fixtures', 'keras', 'tiny-cnn.model.h5');

let layout: Layout;
/** Results of every hostile case, for the tally printed at the end. */
const tally: { id: string; ok: boolean }[] = [];

beforeAll(() => {
  ensureBuilt();
  const root = mkdtempSync(join(tmpdir(), 'mnist-spec-robust-'));
  chmodSync(root, 0o755); // the permission cases run as another user, who must reach the corpus
  layout = makeLayout(root);
}, 120_000);

afterAll(() => {
  if (!layout) return;
  // Put back what the permission cases took away, so that a non-root user can delete it all.
  spawnSync('chmod', ['-R', 'u+rwx', layout.root]);
  rmSync(layout.root, { recursive: true, force: true });
  const byClass = new Map<string, { cases: number; held: number }>();
  for (const t of tally) {
    const k = t.id.split(':')[0]!;
    const e = byClass.get(k) ?? { cases: 0, held: 0 };
    e.cases++;
    if (t.ok) e.held++;
    byClass.set(k, e);
  }
  const held = tally.filter((t) => t.ok).length;
  const top = [...peaks].sort((a, b) => b.bytes - a.bytes)[0];
  console.log(
    `robustness: peak RSS of ${peaks.length} processes ≤ ${((top?.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB (${top?.what}), cap ${RSS_CAP / 2 ** 20} MiB`,
  );
  console.log(
    `robustness: ${tally.length} hostile cases, ${held} held the policy, ${tally.length - held} did not (fast-check seed ${FC_SEED}); ${[...byClass].map(([k, v]) => `${k} ${v.held}/${v.cases}`).join(', ')}`,
  );
});

/** Every path below `dir` (files and directories), relative to it. Unreadable directories are listed, not entered. */
function tree(dir: string): Set<string> {
  const out = new Set<string>();
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      out.add(relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

const inside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir + sep);

/** Paths that appeared under root and are neither inside an allowed directory nor a directory on the way to one. */
function strayWrites(root: string, before: Set<string>, allowed: string[]): string[] {
  return [...tree(root)]
    .filter((p) => !before.has(p))
    .map((p) => join(root, p))
    .filter((p) => !allowed.some((a) => inside(p, a) || inside(a, p)));
}

/** What is wrong with one result, judged against its case (empty: it held). */
function judge(c: Case, r: { code?: number; stdout: string; stderr: string; threw?: string }): string[] {
  const problems: string[] = [];
  const where = `${c.id} ${JSON.stringify(c.argv).slice(0, 200)}`;
  if (r.threw) problems.push(`${where}: runCli threw ${r.threw.split('\n')[0]}`);
  if (r.code !== c.code) problems.push(`${where}: exit ${r.code}, expected ${c.code}; stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
  if (/\n\s+at .+:\d+:\d+\)?$/m.test(r.stderr) || /\n\s+at .+:\d+:\d+\)?$/m.test(r.stdout)) problems.push(`${where}: a stack trace`);
  if (c.code !== 0 && !c.names && !c.says) {
    // A verdict (exit 1) rather than an error: it is on stdout, and stderr stays empty.
    if (r.stderr) problems.push(`${where}: stderr should be empty, got ${JSON.stringify(r.stderr.slice(0, 300))}`);
    if (c.stdout && !c.stdout.test(r.stdout)) problems.push(`${where}: stdout does not show ${c.stdout}: ${JSON.stringify(r.stdout.slice(-300))}`);
  } else if (c.code !== 0) {
    const lines = r.stderr.split('\n').filter(Boolean);
    if (lines.length !== 1 || !lines[0]!.startsWith('mnist-spec: '))
      problems.push(`${where}: expected one line "mnist-spec: …" on stderr, got ${JSON.stringify(r.stderr.slice(0, 300))}`);
    for (const n of c.names ?? [])
      if (!lines[0]?.includes(n)) problems.push(`${where}: the line does not name ${JSON.stringify(n)}: ${JSON.stringify(lines[0])}`);
    if (c.says && !c.says.test(lines[0] ?? '')) problems.push(`${where}: the line does not say ${c.says}: ${JSON.stringify(lines[0])}`);
  } else if (c.stdout && !c.stdout.test(r.stdout)) problems.push(`${where}: stdout does not show ${c.stdout}: ${JSON.stringify(r.stdout.slice(0, 200))}`);
  tally.push({ id: c.id, ok: problems.length === 0 });
  return problems;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  rssBytes: number;
}

/**
 * Spawn a Node script with its own TMPDIR and HOME (both must stay empty), the RSS probe preloaded, no
 * MNIST_DIR and an empty Keras home. `during(child, tmp)` may signal it.
 */
function spawnNode(
  script: string,
  args: string[],
  opts: {
    cwd: string;
    tmp: string;
    home: string;
    env?: Record<string, string>;
    uid?: number;
    gid?: number;
    during?: (child: ReturnType<typeof spawn>, out: () => string) => Promise<void>;
  },
): Promise<Run> {
  const rssFile = join(opts.cwd, `.rss-${Math.random().toString(36).slice(2)}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: opts.tmp,
    HOME: opts.home,
    KERAS_HOME: layout.kerasEmpty,
    MNIST_SPEC_RSS_FILE: rssFile,
    ...opts.env,
  };
  // Unset, so that the CLI's own choices are what is tested (e.g. onnxruntime's telemetry files in TMPDIR and HOME).
  delete env.MNIST_DIR;
  delete env.ORT_DISABLE_TELEMETRY;
  delete env.MNIST_SPEC_DEBUG;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', PROBE, script, ...args], {
      cwd: opts.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', reject);
    const during = opts.during?.(child, () => stdout).catch(reject);
    child.on('close', async (code, signal) => {
      await during;
      const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
      peaks.push({ what: `${script.endsWith('batch.mjs') ? 'batch' : (args[0] ?? 'no command')}`, bytes: rss });
      rmSync(rssFile, { force: true });
      resolvePromise({ code, signal, stdout, stderr, rssBytes: rss });
    });
  });
}

/** A fresh, empty directory under the scratch root. */
function freshDir(name: string, mode = 0o755): string {
  const d = join(layout.root, name);
  mkdirSync(d, { recursive: true });
  chmodSync(d, mode);
  return d;
}

/** Run a batch of cases in one process; check each, the temp dir, the home dir, stray writes and memory. */
async function runBatch(name: string, cases: Case[], as?: { uid: number; gid: number; cwd: string; tmp: string; home: string }): Promise<void> {
  const tmp = as?.tmp ?? freshDir(`tmp-${name}`);
  const home = as?.home ?? freshDir(`home-${name}`);
  const cwd = as?.cwd ?? layout.work;
  const io = freshDir(`io-${name}`, 0o777);
  const casesFile = join(io, 'cases.json');
  const resultsFile = join(io, 'results.json');
  writeFileSync(casesFile, JSON.stringify(cases.map((c) => ({ id: c.id, argv: c.argv, cwd: c.cwd, env: c.env }))));
  chmodSync(casesFile, 0o644);
  const before = tree(layout.root);
  const run = await spawnNode(BATCH, [casesFile, resultsFile], { cwd, tmp, home, ...(as ? { uid: as.uid, gid: as.gid } : {}) });
  expect(run.code, run.stderr).toBe(0);
  const { results, maxRssBytes } = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
    results: { id: string; ms: number; code?: number; stdout: string; stderr: string; threw?: string }[];
    maxRssBytes: number;
  };
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 3);
  console.log(
    `robustness batch ${name}: ${results.length} cases in ${results.reduce((a, r) => a + r.ms, 0)} ms, peak RSS ${(maxRssBytes / 2 ** 20).toFixed(0)} MiB; slowest ${slowest.map((r) => `${r.id} ${r.ms} ms`).join(', ')}`,
  );
  expect(results).toHaveLength(cases.length);
  const problems = cases.flatMap((c, i) => judge(c, results[i]!));
  expect(problems).toEqual([]);
  expect(readdirSync(tmp), 'temporary files left in TMPDIR').toEqual([]);
  expect(readdirSync(home), 'files written into HOME').toEqual([]);
  expect(readdirSync(layout.kerasEmpty)).toEqual([]);
  const allowed = [io, ...cases.flatMap((c) => c.outputs ?? [])];
  expect(strayWrites(layout.root, before, allowed), 'files written outside the chosen directories').toEqual([]);
  expect(maxRssBytes, `peak RSS ${(maxRssBytes / 2 ** 20).toFixed(0)} MiB`).toBeLessThan(RSS_CAP);
  expect(run.rssBytes).toBeLessThan(RSS_CAP);
}

describe('mnist-spec robustness: hostile inputs and bad invocations', () => {
  it('holds the error policy over the in-process corpus: usage, data files, models, output locations, implementations, names as paths, merge', async () => {
    await runBatch('self', batchCases(layout));
  }, 180_000);

  it('names permission problems as such (EACCES), as a user the permissions apply to', async () => {
    const cases = permissionCases(layout);
    const p = join(layout.root, 'perm');
    const root = process.getuid?.() === 0;
    // As root, file permissions do not apply: the cases run as `nobody`, who must be able to read the repository.
    if (root && spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI)})`], { uid: 65534, gid: 65534 }).status !== 0) {
      console.warn('robustness: skipped the permission cases: user nobody cannot read the repository');
      return;
    }
    await runBatch('perm', cases, {
      ...(root ? { uid: 65534, gid: 65534 } : { uid: process.getuid!(), gid: process.getgid!() }),
      cwd: join(p, 'out'),
      tmp: join(p, 'tmp'),
      home: join(p, 'home'),
    });
  }, 120_000);

  it('exits with the policy codes as a real process: 2 for no command and an unknown flag, one line; a stack trace only with --debug', async () => {
    const tmp = freshDir('tmp-real');
    const home = freshDir('home-real');
    const [none, flag, debug] = await Promise.all([
      spawnNode(CLI, [], { cwd: layout.work, tmp, home }),
      spawnNode(CLI, ['data', '--frob'], { cwd: layout.work, tmp, home }),
      spawnNode(CLI, ['check', join(layout.inputs, 'absent.onnx'), '--debug'], { cwd: layout.work, tmp, home }),
    ]);
    expect(judge({ id: 'real:no-command', argv: [], code: 2, says: /no command given/ }, { ...none, code: none.code ?? undefined })).toEqual([]);
    expect(judge({ id: 'real:unknown-flag', argv: ['data', '--frob'], code: 2, names: ['--frob'] }, { ...flag, code: flag.code ?? undefined })).toEqual([]);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^mnist-spec: <model>: .*absent\.onnx: no such file\nArgumentError: <model>: .*\n\s+at /);
    tally.push({ id: 'real:--debug', ok: true });
    for (const r of [none, flag, debug]) expect(r.rssBytes).toBeLessThan(RSS_CAP);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  }, 60_000);
});

describe('mnist-spec conform: a verdict needs a judgement (exit codes through the built CLI)', () => {
  /** One conform run of the inference-only plain-ts on the embedded data, in its own TMPDIR and HOME. */
  async function conform(name: string, args: string[]): Promise<{ run: Run; dir: string; report?: ConformanceReport }> {
    const dir = join(layout.work, 'conform', name);
    const tmp = freshDir(`tmp-conform-${name}`);
    const home = freshDir(`home-conform-${name}`);
    const run = await spawnNode(CLI, ['conform', '--impl', ADAPTER, '--data', 'embedded', '--report-dir', dir, ...args], { cwd: layout.work, tmp, home });
    expect(readdirSync(tmp), `${name}: TMPDIR`).toEqual([]);
    expect(readdirSync(home), `${name}: HOME`).toEqual([]);
    expect(run.rssBytes).toBeLessThan(RSS_CAP);
    const file = join(dir, 'report.json');
    return { run, dir, ...(existsSync(file) ? { report: JSON.parse(readFileSync(file, 'utf8')) as ConformanceReport } : {}) };
  }

  it('0 with a partial verdict, 1 when nothing is judged, 2 for a query that selects nothing (one that used to backtrack for minutes)', async () => {
    const notebookTraining = 'notebook:outcome:recipe=001;data=embedded;epochs=5';
    const [partial, nothing, query] = await Promise.all([
      conform('partial', ['--query', 'model:summary:recipe=001', '--query', notebookTraining]),
      conform('nothing', ['--query', notebookTraining]),
      conform('query', ['--query', 'model:**********Z']),
    ]);

    // The implementation cannot train: the training claim skips, and the verdict says the judgement is partial.
    expect(partial.run.code, partial.run.stderr).toBe(0);
    expect(partial.run.stdout).toContain('CONFORMS (partial: 1 of 2 notebook claims judged): 1 pass, 0 fail, 1 skip (2 specs)');
    expect(partial.report!.summary).toMatchObject({ ok: true, verdict: 'conforms-partial', notebookClaims: { judged: 1, total: 2 } });
    expect(readFileSync(join(partial.dir, 'report.md'), 'utf8')).toContain('**CONFORMS (partial: 1 of 2 notebook claims judged)');
    expect(readFileSync(join(partial.dir, 'report.html'), 'utf8')).toContain('Coverage: 1 of 2 notebook claims judged');
    const junit = readFileSync(join(partial.dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<property name="verdict" value="CONFORMS (partial: 1 of 2 notebook claims judged)"/>');
    expect(junit).toContain('<property name="notebook-claims-judged" value="1"/><property name="notebook-claims" value="2"/>');
    tally.push({ id: 'verdict:partial', ok: true });

    // Everything skipped: never CONFORMS.
    expect(nothing.run.code, nothing.run.stderr).toBe(1);
    expect(nothing.run.stdout).toContain('NOTHING JUDGED (does not conform): 0 pass, 0 fail, 1 skip (1 specs)');
    expect(nothing.run.stdout).not.toMatch(/^CONFORMS/m);
    expect(nothing.report!.summary).toMatchObject({ ok: false, verdict: 'nothing-judged' });
    tally.push({ id: 'verdict:nothing-judged', ok: true });

    const usage: [typeof query, Case][] = [
      [query, { id: 'verdict:query-selects-nothing', argv: [], code: 2, names: ['--query', 'model:**********Z'], says: /selects no spec/ }],
    ];
    for (const [r, c] of usage) {
      // The run's progress goes to stdout; the verdict is the one line on stderr, and no report is written.
      expect(judge(c, { ...r.run, code: r.run.code ?? undefined })).toEqual([]);
      expect(r.report).toBeUndefined();
    }
  }, 180_000);
});

describe('mnist-spec interrupted: nothing half-written, no temporary file, one line, 130 / 143', () => {
  /** The first time `dir` holds an entry whose name starts with `prefix`. */
  const appears = (dir: string, prefix: string): Promise<void> =>
    new Promise((resolvePromise) => {
      const w = watch(dir, () => {
        if (readdirSync(dir).some((f) => f.startsWith(prefix))) {
          w.close();
          resolvePromise();
        }
      });
      if (readdirSync(dir).some((f) => f.startsWith(prefix))) {
        w.close();
        resolvePromise();
      }
    });
  const until = async (check: () => boolean): Promise<void> => {
    while (!check()) await new Promise((r) => setTimeout(r, 20));
  };
  /** Processes still running whose command line mentions `text` (a child left behind). */
  const survivors = (text: string): string[] =>
    spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.includes(text));

  it('Ctrl-C during conform: the spec runner and its scratch folder are gone, no report', async () => {
    const tmp = freshDir('tmp-sig-conform');
    const home = freshDir('home-sig-conform');
    const dir = join(layout.work, 'sig-conform');
    const run = await spawnNode(CLI, ['conform', '--impl', ADAPTER, '--data', 'embedded', '--query', 'model:*', '--report-dir', dir], {
      cwd: layout.work,
      tmp,
      home,
      during: async (child) => {
        await appears(tmp, 'mnist-spec-conform-');
        // The vitest runner is up once its reporter writes the results file in the scratch folder.
        await until(() => readdirSync(tmp).some((d) => d.startsWith('mnist-spec-conform-') && readdirSync(join(tmp, d)).some((f) => f.startsWith('results-'))));
        child.kill('SIGINT');
      },
    });
    expect(
      judge(
        { id: 'signal:conform-SIGINT', argv: [], code: 130, says: /interrupted by SIGINT while running the specs/ },
        { code: run.code ?? undefined, stdout: '', stderr: run.stderr },
      ),
    ).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(survivors(tmp)).toEqual([]);
  }, 120_000);

  it('SIGTERM during check of an .h5: the private copy of the model is removed', async () => {
    const tmp = freshDir('tmp-sig-check');
    const home = freshDir('home-sig-check');
    const run = await spawnNode(CLI, ['check', H5, '--data', 'embedded'], {
      cwd: layout.work,
      tmp,
      home,
      during: async (child) => {
        await appears(tmp, 'mnist-spec-h5-');
        child.kill('SIGTERM');
      },
    });
    expect(
      judge(
        { id: 'signal:check-SIGTERM', argv: [], code: 143, says: /interrupted by SIGTERM; stopped, removed 1 temporary path/ },
        { code: run.code ?? undefined, stdout: '', stderr: run.stderr },
      ),
    ).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);

  it('Ctrl-C during reproduce: a message, exit 130, no run record, nothing in TMPDIR or HOME', async () => {
    const tmp = freshDir('tmp-sig-reproduce');
    const home = freshDir('home-sig-reproduce');
    const out = join(layout.work, 'sig-reproduce');
    const run = await spawnNode(CLI, ['reproduce', '001', '--data', 'embedded', '--epochs', '2', '--out', out], {
      cwd: layout.work,
      tmp,
      home,
      during: async (child, stdout) => {
        await until(() => stdout().includes('Epoch 1/2'));
        child.kill('SIGINT');
      },
    });
    expect(
      judge(
        { id: 'signal:reproduce-SIGINT', argv: [], code: 130, says: /interrupted by SIGINT while training 001 with engine/ },
        { code: run.code ?? undefined, stdout: '', stderr: run.stderr },
      ),
    ).toEqual([]);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(home), 'onnxruntime telemetry under HOME').toEqual([]);
    expect(run.rssBytes).toBeLessThan(RSS_CAP);
  }, 120_000);
});
