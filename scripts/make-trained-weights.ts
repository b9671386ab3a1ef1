/**
 * Remake fixtures/weights/001-embedded-v1: train seed 001's network with the reference implementation
 * (TF.js) on the embedded training split, quantize it to int8 per tensor, and evaluate the dequantized
 * weights with the float64 Keras reference on the embedded test split and, when MNIST_DIR is set, on
 * canonical MNIST's 10,000 test images.
 *
 *   MNIST_DIR=../shared/mnist npx tsx scripts/make-trained-weights.ts [epochs=10]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { modelWeightSpecs, resolveArchitecture } from '../src/arch/resolve.js';
import { loadData } from '../src/data/load.js';
import type { MnistData } from '../src/data/types.js';
import { encodeNpz } from '../src/data/npz.js';
import tfjs from '../src/impl/tfjs/index.js';
import { prepareData } from '../src/recipes/inputs.js';
import { getRecipe } from '../src/recipes/index.js';
import { fitConfigOf } from '../src/reproduce/run.js';
import { tensor, type F32Tensor } from '../src/tensor.js';
import { evaluateProbabilities } from '../src/train/metrics.js';
import { referencePredict } from '../src/reference/keras-float64.js';
import { TRAINED_DIR, weightKey, type ReferenceEvaluation, type TrainedManifest } from '../spec/support/trained-weights.js';

const epochs = Number(process.argv[2] ?? 10);
const recipe = getRecipe('001');
const resolved = resolveArchitecture(recipe.arch);
const embedded = await loadData({ data: 'embedded' });

const model = await tfjs.build(recipe.arch, { seed: 1 });
const prepared = prepareData(recipe, embedded);
const history = await model.fit!(
  prepared.xTrain,
  prepared.yTrain,
  { ...fitConfigOf(recipe, 1, epochs), validationData: { x: prepared.xTest, y: prepared.yTest } },
  {
    onEpochEnd: (l) => console.log(`epoch ${l.epoch + 1}/${epochs} loss ${l.loss.toFixed(4)} acc ${l.acc.toFixed(4)} val_acc ${l.valAcc?.toFixed(4)}`),
  },
);
const trained = await model.getWeights();
model.dispose();

const scales: Record<string, number> = {};
const arrays: Record<string, ReturnType<typeof tensor<Uint8Array>>> = {};
const dequantized: F32Tensor[] = trained.map((w) => {
  const key = weightKey(w.layer, w.name);
  const max = w.tensor.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const scale = Math.fround(max / 127 || 1);
  scales[key] = scale;
  const q = Uint8Array.from(w.tensor.data, (v) => Math.round(v / scale) + 128);
  arrays[key] = tensor(q, w.tensor.shape);
  return { shape: [...w.tensor.shape], data: Float32Array.from(q, (v) => (v - 128) * scale) };
});
if (modelWeightSpecs(resolved).some((s, i) => weightKey(s.layer, s.name) !== weightKey(trained[i]!.layer, trained[i]!.name))) {
  throw new Error('trained weights are not in Keras order');
}

function evaluate(data: MnistData, which: 'embedded' | 'full'): ReferenceEvaluation {
  const p = prepareData(recipe, data);
  const probs = referencePredict(resolved, dequantized, p.xTest);
  const ev = evaluateProbabilities({ shape: p.yTest.shape, data: Float32Array.from(probs) }, p.yTest, recipe.training.loss);
  console.log(`${which}: accuracy ${ev.accuracy} loss ${ev.loss} on ${ev.samples}`);
  return { data: which, samples: ev.samples, accuracy: ev.accuracy, loss: ev.loss, predictions: Array.from(ev.predictions).join('') };
}

const evaluations = [evaluate(embedded, 'embedded')];
if (process.env.MNIST_DIR) evaluations.push(evaluate(await loadData({ data: process.env.MNIST_DIR }), 'full'));

const info = await tfjs.info();
const manifest: TrainedManifest = {
  recipe: recipe.id,
  trainedBy: {
    implementation: 'tfjs',
    version: tfjs.version,
    backend: info.backend,
    data: 'embedded-v1 training split (8,000 images)',
    epochs,
    seed: 1,
    finalTrainAccuracy: history.epochs[history.epochs.length - 1]!.acc,
  },
  quantization: { scheme: 'int8 symmetric per tensor: stored uint8 = round(w / scale) + 128; weight = float32((stored - 128) * scale)', scales },
  evaluations,
};
mkdirSync(TRAINED_DIR, { recursive: true });
writeFileSync(`${TRAINED_DIR}weights.npz`, encodeNpz(arrays));
writeFileSync(`${TRAINED_DIR}reference.json`, JSON.stringify(manifest, null, 2) + '\n');
console.log(`wrote ${TRAINED_DIR}`);
