import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';

/**
 * The machine's float32 limit, for the bench's "% of peak": `node --import tsx bench/peak.ts --threads N`
 * prints one JSON line.
 *
 * - `fma`: bench/peak.c, compiled with the system C compiler (cc) in the widest vector width the CPU has,
 *   run 3 times on one thread; the peak is N × the best single-thread rate (one thread per core: measuring
 *   N threads at once on a shared machine would count the other users' load against the machine). Absent
 *   when no C compiler is installed.
 * - `sgemm`: the best rate onnxruntime's MLAS reaches on a 2048³ float32 GEMM with N threads, the ceiling a
 *   GEMM-bound step can reach through the runtime the engine uses.
 */
const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' } } });
const threads = Number(values.threads);

interface FmaResult {
  bits: number;
  perThreadGflops: number;
  peakGflops: number;
  compiler: string;
}

async function fmaPeak(): Promise<FmaResult | { error: string }> {
  const flags =
    readFileSync('/proc/cpuinfo', 'utf8')
      .match(/^flags\s*:(.*)$/m)?.[1]
      ?.split(/\s+/) ?? [];
  if (!flags.includes('fma') || !flags.includes('avx2')) return { error: 'the CPU has no AVX2 FMA' };
  const dir = await mkdtemp(join(tmpdir(), 'mnist-spec-peak-'));
  try {
    let best: { bits: number; gflops: number } | undefined;
    for (const wide of flags.includes('avx512f') ? [false, true] : [false]) {
      const exe = join(dir, wide ? 'peak512' : 'peak256');
      try {
        await run('cc', ['-O2', '-mavx2', '-mfma', ...(wide ? ['-mavx512f', '-DWIDE'] : []), join(here, 'peak.c'), '-o', exe, '-lpthread']);
      } catch (e) {
        return { error: `no C compiler to build bench/peak.c (${(e as Error).message.split('\n')[0]})` };
      }
      for (let i = 0; i < 3; i++) {
        const r = JSON.parse((await run(exe, ['1'])).stdout) as { bits: number; gflops: number };
        if (!best || r.gflops > best.gflops) best = r;
      }
    }
    const cc = (await run('cc', ['--version'])).stdout.split('\n')[0]!;
    return { bits: best!.bits, perThreadGflops: best!.gflops, peakGflops: best!.gflops * threads, compiler: cc };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function sgemmCeiling(): Promise<{ n: number; gflops: number }> {
  process.env.MNIST_SPEC_ENGINE_THREADS = String(threads);
  const { Graph } = await import('../src/impl/engine/graph.js');
  const { createSession, f32Tensor } = await import('../src/impl/engine/session.js');
  const n = 2048;
  const g = new Graph('sgemm');
  g.input('a', [n, n]);
  g.input('b', [n, n]);
  g.op('MatMul', ['a', 'b'], {}, 'c');
  g.output('c', [n, n]);
  const session = await createSession(g.encode());
  const a = f32Tensor(
    Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
    [n, n],
  );
  const c = f32Tensor(new Float32Array(n * n), [n, n]);
  let best = Infinity;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    await session.run({ a, b: a }, { c });
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  await session.release();
  return { n, gflops: (2 * n ** 3) / (best / 1000) / 1e9 };
}

const fma = await fmaPeak();
const sgemm = await sgemmCeiling();
process.stdout.write(JSON.stringify({ threads, fma, sgemm }) + '\n');
