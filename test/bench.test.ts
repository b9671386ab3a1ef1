import { describe, expect, test } from 'vitest';
import { bestPeerOf, peerName, readmeTable, type BenchReport, type Combined } from '../bench/report.js';
import { flopsPerSample, workload } from '../bench/workload.js';

/** The bench's derived numbers: FLOP counts from the layer shapes, the best PyTorch configuration per task, the README table. */
describe('bench: FLOP per sample', () => {
  test('the seed-001 MLP: forward, weight gradients, input gradients after the first layer', () => {
    const layers = [784 * 512, 512 * 512, 512 * 10];
    const forward = layers.reduce((a, b) => a + b, 0);
    expect(flopsPerSample(workload('mlp').arch, 'infer')).toBe(2 * forward);
    expect(flopsPerSample(workload('mlp').arch, 'train')).toBe(2 * (2 * forward + layers[1]! + layers[2]!));
  });
  test('the seed-004 CNN: convolutions count output pixels × filters × kernel × input channels', () => {
    const conv1 = 26 * 26 * 32 * 9 * 1;
    const conv2 = 24 * 24 * 32 * 9 * 32;
    const dense1 = 12 * 12 * 32 * 128;
    const dense2 = 128 * 10;
    const forward = conv1 + conv2 + dense1 + dense2;
    expect(flopsPerSample(workload('cnn').arch, 'infer')).toBe(2 * forward);
    expect(flopsPerSample(workload('cnn').arch, 'train')).toBe(2 * (2 * forward + conv2 + dense1 + dense2));
  });
});

const measured = (runtime: string, rates: Record<string, number>, peer?: boolean, partial: string[] = []): Combined => ({
  runtime,
  maxRssBytes: 2 ** 28,
  runs: 1,
  samples: {},
  results: Object.fromEntries(
    Object.entries(rates).map(([t, r]) => [t, { samplesPerSecond: r, samples: 1000, seconds: 1000 / r, ...(partial.includes(t) ? { partial: true } : {}) }]),
  ),
  ...(peer ? { peerConfig: { threads: 1 } } : {}),
});

describe('bench: the peer is the fastest PyTorch configuration per task', () => {
  test('a configuration is named by its form of the shipped implementation, threads and OMP_WAIT_POLICY', () => {
    expect(peerName({ threads: 1 })).toBe('pytorch (1 thread, as installed)');
    expect(peerName({ threads: 2, waitPolicy: 'PASSIVE', semantics: 'pytorch-defaults' })).toBe('pytorch-defaults (2 threads, OMP_WAIT_POLICY=PASSIVE)');
  });

  const results = [
    measured('engine', { 'mlp-train': 30000, 'cnn-train': 2000 }),
    measured('pytorch (1 thread, as installed)', { 'mlp-train': 20000, 'cnn-train': 2500 }, true),
    measured('pytorch (2 threads, OMP_WAIT_POLICY=PASSIVE)', { 'mlp-train': 25000, 'cnn-train': 9000, 'cnn-infer': 700 }, true, ['cnn-train']),
    measured('pytorch (2 threads, OMP_WAIT_POLICY=ACTIVE)', { 'cnn-infer': 900, 'mlp-infer': 40000 }, true, ['cnn-infer', 'mlp-infer']),
  ];
  test('per task, a configuration stopped early only when none finished, implementations never', () => {
    expect(bestPeerOf(results)).toEqual({
      'mlp-train': { runtime: 'pytorch (2 threads, OMP_WAIT_POLICY=PASSIVE)', samplesPerSecond: 25000 },
      'cnn-train': { runtime: 'pytorch (1 thread, as installed)', samplesPerSecond: 2500 },
      'cnn-infer': { runtime: 'pytorch (2 threads, OMP_WAIT_POLICY=PASSIVE)', samplesPerSecond: 700 },
      'mlp-infer': { runtime: 'pytorch (2 threads, OMP_WAIT_POLICY=ACTIVE)', samplesPerSecond: 40000 },
    });
  });
  test('the README table gives each implementation its ratio to that peer', () => {
    const report = {
      repeat: 3,
      machine: { threads: 2, busy: false },
      flopsPerSample: { 'mlp-train': 3e6, 'cnn-train': 36e6, 'mlp-infer': 1e6, 'cnn-infer': 12e6 },
      peak: { threads: 2, fma: { bits: 256, perThreadGflops: 100, peakGflops: 200, compiler: 'cc' }, sgemm: { n: 2048, gflops: 150 } },
      results,
      bestPeer: bestPeerOf(results),
    } as unknown as BenchReport;
    const table = readmeTable(report, 'reports/bench/x.json');
    expect(table).toContain('| `engine` | 1.20× (30,000/s, 90 GFLOP/s, 45%) | 0.80× (2,000/s, 72 GFLOP/s, 36%) | — | — |');
    expect(table).not.toContain('`pytorch');
  });
});
