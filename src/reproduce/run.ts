import { cpus, platform, totalmem, arch as cpuArch } from 'node:os';
import type { MnistData, Provenance } from '../data/types.js';
import type { Implementation, ImplementationInfo } from '../impl/interface.js';
import { prepareData } from '../recipes/inputs.js';
import type { Recipe, TrainingBudget } from '../recipes/index.js';
import { resolveOptimizer, type FitCallbacks, type FitConfig, type History, type ResolvedOptimizer } from '../train/config.js';
import { evaluateProbabilities } from '../train/metrics.js';
import { VERSION } from '../version.js';

/** What one reproduction of a notebook produced: everything needed to judge or re-run it. */
export interface RunRecord {
  kind: 'mnist-spec/run';
  suiteVersion: string;
  recipe: { id: string; notebook: string; title: string };
  implementation: { name: string; version: string } & ImplementationInfo;
  data: Provenance;
  seed: number;
  budget: Omit<TrainingBudget, 'optimizer'> & { optimizer: ResolvedOptimizer };
  /** The notebook's own budget, when ours differs (e.g. --epochs). */
  notebookEpochs: number;
  history: History;
  test: { loss: number; accuracy: number; samples: number; saturatedWrongShare: number };
  /** What the notebook printed, when it printed it. */
  printed?: { loss?: number; accuracy: number };
  wallSeconds: number;
  startedAt: string;
  machine: { cpu: string; cores: number; memoryBytes: number; platform: string; arch: string; node: string };
}

export interface ReproduceOptions {
  recipe: Recipe;
  impl: Implementation;
  data: MnistData;
  epochs?: number;
  seed?: number;
  callbacks?: FitCallbacks;
}

/** The fit() call a notebook makes, on data already prepared its way. */
export function fitConfigOf(recipe: Recipe, seed: number, epochs = recipe.training.epochs): FitConfig {
  const t = recipe.training;
  return {
    optimizer: t.optimizer,
    loss: t.loss,
    batchSize: t.batchSize,
    epochs,
    seed,
    ...(t.validation.kind === 'split' ? { validationSplit: t.validation.fraction } : {}),
  };
}

export function machineInfo(): RunRecord['machine'] {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), platform: platform(), arch: cpuArch(), node: process.version };
}

/** Train a recipe as its notebook did and evaluate it on the test set (Keras model.evaluate). */
export async function reproduce(opts: ReproduceOptions): Promise<RunRecord> {
  const { recipe, impl, data } = opts;
  const seed = opts.seed ?? 1;
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const prepared = prepareData(recipe, data);
  const config = fitConfigOf(recipe, seed, opts.epochs);
  if (recipe.training.validation.kind === 'test-set') config.validationData = { x: prepared.xTest, y: prepared.yTest };
  const info = await impl.info();
  const model = await impl.build(recipe.arch, { seed });
  try {
    if (!model.fit) throw new Error(`implementation "${impl.name}" cannot train`);
    const history = await model.fit(prepared.xTrain, prepared.yTrain, config, opts.callbacks);
    const probs = await model.predict(prepared.xTest, { batchSize: 256 });
    const ev = evaluateProbabilities(probs, prepared.yTest, recipe.training.loss);
    return {
      kind: 'mnist-spec/run',
      suiteVersion: VERSION,
      recipe: { id: recipe.id, notebook: recipe.notebook, title: recipe.title },
      implementation: { name: impl.name, version: impl.version, ...info },
      data: data.provenance,
      seed,
      budget: { ...recipe.training, epochs: config.epochs, optimizer: resolveOptimizer(recipe.training.optimizer) },
      notebookEpochs: recipe.training.epochs,
      history,
      test: { loss: ev.loss, accuracy: ev.accuracy, samples: ev.samples, saturatedWrongShare: ev.saturatedWrongShare },
      ...(recipe.printed ? { printed: recipe.printed } : {}),
      wallSeconds: (Date.now() - started) / 1000,
      startedAt,
      machine: machineInfo(),
    };
  } finally {
    model.dispose();
  }
}
