import { machineInfo, type MachineInfo } from '../util/machine.js';
import type { MnistData, Provenance } from '../data/types.js';
import type { Implementation, ImplementationInfo, Model } from '../impl/interface.js';
import { prepareData } from '../recipes/inputs.js';
import type { Recipe, TrainingBudget } from '../recipes/index.js';
import { resolveOptimizer, type FitCallbacks, type FitConfig, type History, type ResolvedOptimizer } from '../train/config.js';
import { evaluateProbabilities } from '../train/metrics.js';
import { misclassifiedAmong, type Misclassified } from './outputs.js';
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
  /** The test samples among the first `among` that the model gets wrong, for a recipe whose notebook lists them (seed 003). */
  misclassified?: { among: number; samples: Misclassified[] };
  wallSeconds: number;
  startedAt: string;
  machine: MachineInfo;
}

export interface ReproduceOptions {
  recipe: Recipe;
  impl: Implementation;
  data: MnistData;
  epochs?: number;
  seed?: number;
  callbacks?: FitCallbacks;
  /** Called with the trained model after its evaluation, before it is disposed (e.g. to export its weights). */
  onTrained?: (model: Model) => Promise<void> | void;
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

/** A reproduction: its run record, and the class predicted for every test sample (Keras predict_classes). */
export interface Reproduction {
  record: RunRecord;
  predictions: Uint8Array;
}

/** Train a recipe as its notebook did and evaluate it on the test set (Keras model.evaluate). */
export async function reproduce(opts: ReproduceOptions): Promise<RunRecord> {
  return (await reproduceRun(opts)).record;
}

/** reproduce(), keeping the test predictions (for the files a notebook writes from them: src/reproduce/outputs.ts). */
export async function reproduceRun(opts: ReproduceOptions): Promise<Reproduction> {
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
    await opts.onTrained?.(model);
    const among = recipe.outputs?.misclassifiedAmongFirst;
    const record: RunRecord = {
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
      ...(among !== undefined ? { misclassified: { among, samples: misclassifiedAmong(ev.predictions, data.yTest.data, among) } } : {}),
      wallSeconds: (Date.now() - started) / 1000,
      startedAt,
      machine: machineInfo(),
    };
    return { record, predictions: ev.predictions };
  } finally {
    model.dispose();
  }
}
