import { loadEmbedded } from '../../src/data/embedded.js';
import { REPORT_KIND, REPORT_SCHEMA_VERSION, summarize, toSpecResult, type ConformanceReport } from '../../src/conform/report.js';
import type { ResultLine } from '../../src/conform/protocol.js';
import { machineInfo } from '../../src/util/machine.js';

/** A report with one spec of every status, a training history, a confusion matrix and misclassified digits. */
export function sampleReport(): ConformanceReport {
  const data = loadEmbedded();
  const b64 = (i: number): string => Buffer.from(data.xTest.data.subarray(i * 784, (i + 1) * 784)).toString('base64');
  const line = (id: string, state: ResultLine['state'], spec: Record<string, unknown> = {}, errors: string[] = []): ResultLine => ({
    t: 'result',
    name: `sample > ${id}`,
    file: `spec/${id.split(':')[0]}/x.spec.ts`,
    state,
    durationMs: 123.4,
    errors,
    logs: state === 'failed' ? ['a line the spec logged <b>not html</b>'] : [],
    spec: { id, claim: { source: 'seeds/001_47230afab76ab824.txt', quote: 'Test accuracy: 0.9842' }, tier: 'fast', tags: ['fast'], ...spec },
  });
  const epochs = [0.9, 0.5, 0.3, 0.2].map((loss, epoch) => ({ epoch, loss, acc: 1 - loss / 2, valLoss: loss * 1.1, valAcc: 0.95 - loss / 3, seconds: 1.5 }));
  const confusion = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 190 : (i + j) % 7 === 0 ? 3 : 0)));
  const lines = [
    line('notebook:history:recipe=001;data=embedded;epochs=4', 'passed', {
      measured: { accuracy: 0.95 },
      bound: 'val_acc ≥ 0.8',
      artifacts: {
        histories: [
          {
            config: { optimizer: { type: 'rmsprop' }, loss: 'categorical_crossentropy', batchSize: 128 },
            history: { trainSamples: 8000, valSamples: 2000, epochs },
          },
        ],
      },
    }),
    line('inference:evaluate:recipe=001', 'passed', {
      measured: { accuracy: 0.949, loss: 0.2457 },
      bound: 'accuracy 0.949 ± 0.001',
      artifacts: {
        confusion: { labels: [...Array(10).keys()], matrix: confusion },
        misclassified: {
          data: 'embedded test split',
          total: 3,
          shown: 3,
          samples: [0, 1, 2].map((i) => ({ index: i, label: data.yTest.data[i], predicted: (data.yTest.data[i]! + 1) % 10, confidence: 0.75, pixels: b64(i) })),
        },
      },
    }),
    line('model:summary:recipe=001', 'failed', { measured: 'Total params: 1', bound: 'Total params: 669,706' }, [
      'AssertionError: expected 1 to be 669706 & <x>\n    at spec.ts:1:1',
    ]),
    line('model:build:layers:recipe=002', 'skipped', { skipReason: 'implementation "sample" does not declare layers Conv2D' }),
    line('inference:forward:recipe=004-cnn', 'failed', {}, ['AssertionError: off by 0.1']),
    line('inference:forward:recipe=001', 'passed', { measured: { maxAbsDiff: 1e-7 } }),
  ];
  const expectations = {
    file: 'sample-expectations.json',
    expectations: [
      { query: 'inference:forward:recipe=004-cnn', status: 'fail' as const, reason: 'pooling rounds up (issue 12)' },
      { query: 'inference:forward:recipe=001', status: 'fail' as const, reason: 'was broken once' },
    ],
  };
  const specs = lines.map((l) => toSpecResult(l, expectations));
  const now = new Date('2025-01-02T03:04:05.000Z').toISOString();
  return {
    kind: REPORT_KIND,
    schemaVersion: REPORT_SCHEMA_VERSION,
    suite: { name: 'mnist-spec', version: '0.0.0-test', commit: 'abc123', dirty: false },
    implementation: {
      name: 'sample',
      module: './sample.js',
      declaredName: 'Sample Runtime',
      version: '9.9',
      backend: 'cpu',
      capabilities: { layers: ['Dense'] },
    },
    machine: machineInfo(),
    data: { embedded: data.provenance, full: null, note: 'no full MNIST set' },
    run: {
      command: 'mnist-spec conform --impl ./sample.js',
      tier: 'fast',
      queries: ['*'],
      shards: [],
      expectationsFile: expectations.file,
      startedAt: now,
      finishedAt: now,
      wallSeconds: 12.3,
      specFiles: [],
      watchdogKills: 0,
      errors: [],
    },
    summary: summarize(specs),
    specs,
  };
}

/**
 * A report of a run that passed with a warning: a stochastic outcome inside its bound but beyond the reference's 1%
 * tail (status `warn`), one plain pass and one skip.
 */
export function warnedReport(): ConformanceReport {
  const base = sampleReport();
  const claim = { source: 'seeds/004_a3e4b7a8a8c57e4b.txt', quote: 'Test accuracy: 0.9812' };
  const line = (id: string, state: ResultLine['state'], spec: Record<string, unknown>): ResultLine => ({
    t: 'result',
    name: `sample > ${id}`,
    file: 'spec/conformance/notebook/outcome.cnn.spec.ts',
    state,
    durationMs: 4000,
    errors: [],
    logs: [],
    spec: { id, claim, tier: 'fast', tags: ['fast', 'trains', 'stochastic'], ...spec },
  });
  const stochastic = {
    why: 'tfjs seeds 1-20 reached 0.70-0.95',
    method: 'Student-t prediction',
    falseFailure: 3e-7,
    calibrations: [{ implementation: 'tfjs', data: 'embedded', seeds: 20 }],
  };
  const lines = [
    line('notebook:outcome:recipe=004-cnn;data=embedded;epochs=1', 'passed', {
      stochastic,
      measured: { accuracy: 0.61, loss: 1.1 },
      bound: 'accuracy ≥ 0.5',
      warnings: ["accuracy 0.61 passes its bound but lies below the reference's 1st percentile 0.7012"],
      placements: [
        {
          quantity: 'accuracy',
          value: 0.61,
          side: 'low',
          reference: { implementation: 'tfjs', data: 'embedded', seeds: 20 },
          percentile: 0,
          tail: 0.7012,
          beyondTail: true,
        },
      ],
    }),
    line('notebook:outcome:recipe=001;data=embedded;epochs=5', 'passed', {
      stochastic,
      measured: { accuracy: 0.94, loss: 0.23 },
      bound: 'accuracy ≥ 0.92',
      placements: [
        {
          quantity: 'accuracy',
          value: 0.94,
          side: 'low',
          reference: { implementation: 'tfjs', data: 'embedded', seeds: 20 },
          percentile: 47.5,
          tail: 0.93,
          beyondTail: false,
        },
      ],
    }),
    line('model:build:layers:recipe=004-cnn', 'skipped', { skipReason: 'no Conv2D' }),
  ];
  const specs = lines.map((l) => toSpecResult(l));
  return { ...base, specs, summary: summarize(specs), run: { ...base.run, expectationsFile: null } };
}
