import type { Architecture, LayerSpec } from '../arch/types.js';
import { ArgumentError } from '../errors.js';
import type { LossName, OptimizerSpec } from '../train/config.js';

/**
 * The notebooks as data: what each one builds, how it prepares its input, and how it trains.
 * Recipe ids are the notebooks' numbers; `004-mlp-*` are the exercises 004 proposes.
 */
export type SeedNotebook = '000' | '001' | '002' | '003' | '004';

/** How a notebook feeds pixels to its model. */
export type InputPrep =
  /** x.reshape(n, 784).astype('float32') / 255 */
  | 'flat-scaled'
  /** x.reshape(n, 784) as 0..255 values: seed 000 as it actually ran (its divide-by-max cell ran after training) */
  | 'flat-unscaled'
  /** x.astype('float32') / 255, kept (28, 28) for a Flatten layer */
  | 'image-scaled'
  /** x.reshape(n, 28, 28, 1) / 255 for Conv2D */
  | 'image-channels-scaled';

export interface TrainingBudget {
  optimizer: OptimizerSpec;
  loss: LossName;
  batchSize: number;
  epochs: number;
  /** Keras `validation_data=(x_test, y_test)`, `validation_split=0.1`, or none. */
  validation: { kind: 'test-set' } | { kind: 'split'; fraction: number } | { kind: 'none' };
}

export interface Recipe {
  id: string;
  notebook: SeedNotebook;
  title: string;
  arch: Architecture;
  input: InputPrep;
  training: TrainingBudget;
  /**
   * The notebook's own line this recipe answers to, quoted (checked against the notebook wherever it is used as a
   * claim): the result it printed, or for a variant the line it follows. Every recipe has one.
   */
  quote: string;
  /** What the notebook printed for model.evaluate on the test set (the numbers `quote` shows), where it printed it. */
  printed?: { loss?: number; accuracy: number };
  /** What the notebook makes of its predictions besides the score (src/reproduce/outputs.ts). */
  outputs?: {
    /** Seed 003 lists the misclassified test samples among the first this many. */
    misclassifiedAmongFirst?: number;
    /** Seed 004 writes the actual and predicted class of every test sample to this CSV file. */
    predictionsCsv?: string;
  };
}

const mlp512: LayerSpec[] = [
  { type: 'Dense', units: 512, activation: 'relu' },
  { type: 'Dropout', rate: 0.2 },
  { type: 'Dense', units: 512, activation: 'relu' },
  { type: 'Dropout', rate: 0.2 },
  { type: 'Dense', units: 10, activation: 'softmax' },
];
const sequentialMlp: Architecture = { kind: 'sequential', inputShape: [784], layers: mlp512 };
const rmsprop128 = (epochs: number, batchSize = 128): TrainingBudget => ({
  optimizer: { type: 'rmsprop' },
  loss: 'categorical_crossentropy',
  batchSize,
  epochs,
  validation: { kind: 'test-set' },
});

const mlp004 = (activation: 'sigmoid' | 'relu' | 'tanh', hidden: number[] = [512, 128]): Architecture => ({
  kind: 'sequential',
  inputShape: [28, 28],
  layers: [
    { type: 'Flatten' },
    ...hidden.flatMap((units): LayerSpec[] => [
      { type: 'Dense', units },
      { type: 'Activation', activation },
    ]),
    { type: 'Dense', units: 10 },
    { type: 'Activation', activation: 'softmax' },
  ],
});
const sgdMse5: TrainingBudget = {
  optimizer: { type: 'sgd', lr: 0.01 },
  loss: 'mean_squared_error',
  batchSize: 128,
  epochs: 5,
  validation: { kind: 'none' },
};

const RECIPE_LIST: Recipe[] = [
  {
    id: '000',
    notebook: '000',
    title: 'MLP 784-512-512-10, RMSprop, 100 epochs, trained on unscaled 0-255 pixels (as the notebook ran)',
    arch: sequentialMlp,
    quote: 'Test accuracy: 0.4953',
    input: 'flat-unscaled',
    training: rmsprop128(100),
    printed: { loss: 8.13480284729, accuracy: 0.4953 },
  },
  {
    id: '000-scaled',
    notebook: '000',
    title: 'Seed 000 with its divide-by-max applied before training, as the notebook intended',
    arch: sequentialMlp,
    quote: 'X_train = np.divide(X_train,[np.max(X_train)])',
    input: 'flat-scaled',
    training: rmsprop128(100),
  },
  {
    id: '001',
    notebook: '001',
    title: 'Keras mnist_mlp example: MLP 784-512-512-10 with dropout, RMSprop, batch 128, 20 epochs',
    arch: sequentialMlp,
    quote: 'Test accuracy: 0.9842',
    input: 'flat-scaled',
    training: rmsprop128(20),
    printed: { loss: 0.09673264704541681, accuracy: 0.9842 },
  },
  {
    id: '002',
    notebook: '002',
    title: 'Functional API MLP 784-512-512-10 without dropout, Adam, validation_split 0.1',
    arch: {
      kind: 'functional',
      input: { name: 'input_1', shape: [784] },
      layers: [
        { type: 'Dense', name: 'dense_1', units: 512, activation: 'relu', inbound: 'input_1' },
        { type: 'Dense', name: 'dense_2', units: 512, activation: 'relu', inbound: 'dense_1' },
        { type: 'Dense', name: 'dense_3', units: 10, activation: 'softmax', inbound: 'dense_2' },
      ],
      output: 'dense_3',
    },
    quote: '[0.090043347067890772, 0.98219999999999996]',
    input: 'flat-scaled',
    training: {
      optimizer: { type: 'adam' },
      loss: 'categorical_crossentropy',
      batchSize: 128,
      epochs: 20,
      validation: { kind: 'split', fraction: 0.1 },
    },
    printed: { loss: 0.090043347067890772, accuracy: 0.9822 },
  },
  {
    id: '003',
    notebook: '003',
    title: 'tf.keras MLP 784-512-512-10, RMSprop, default batch size 32, 20 epochs',
    arch: sequentialMlp,
    quote: 'test accuracy 0.9764',
    input: 'flat-scaled',
    training: rmsprop128(20, 32),
    printed: { loss: 0.12115572971787032, accuracy: 0.9764 },
    outputs: { misclassifiedAmongFirst: 784 },
  },
  {
    // The notebook's cell also reads model.add(Reshape([28,28,1])) after the Flatten; its printed summary
    // shows the line was not in the model that ran (spec/suite/notebook/stray-reshape.spec.ts), so it is left out.
    id: '004-mlp',
    notebook: '004',
    title: 'Flatten-512-128-10 with sigmoid, MSE and SGD(lr=0.01), 5 epochs: stays near chance',
    arch: mlp004('sigmoid'),
    quote: 'Total accuracy on training 0.128',
    input: 'image-scaled',
    training: sgdMse5,
    printed: { loss: 0.0896342469215393, accuracy: 0.128 },
  },
  {
    id: '004-cnn',
    notebook: '004',
    title: 'Conv-BN-ReLU ×2, MaxPool, Dense 128-BN-ReLU-Dropout, Adam(lr=0.01), batch 64, 1 epoch',
    arch: {
      kind: 'sequential',
      inputShape: [28, 28, 1],
      layers: [
        { type: 'Conv2D', filters: 32, kernelSize: [3, 3] },
        { type: 'BatchNormalization', axis: -1 },
        { type: 'Activation', activation: 'relu' },
        { type: 'Conv2D', filters: 32, kernelSize: [3, 3] },
        { type: 'BatchNormalization', axis: -1 },
        { type: 'Activation', activation: 'relu' },
        { type: 'MaxPooling2D', poolSize: [2, 2] },
        { type: 'Flatten' },
        { type: 'Dense', units: 128 },
        { type: 'BatchNormalization' },
        { type: 'Activation', activation: 'relu' },
        { type: 'Dropout', rate: 0.2 },
        { type: 'Dense', units: 10 },
        { type: 'Activation', activation: 'softmax' },
      ],
    },
    quote: 'Test accuracy:  0.9812',
    input: 'image-channels-scaled',
    training: {
      optimizer: { type: 'adam', lr: 0.01 },
      loss: 'categorical_crossentropy',
      batchSize: 64,
      epochs: 1,
      validation: { kind: 'test-set' },
    },
    printed: { accuracy: 0.9812 },
    outputs: { predictionsCsv: 'output_cnn.csv' },
  },
  // Seed 004's exercises: each changes one thing of 004-mlp, quoting the line of the notebook's exercise list it follows.
  exercise('ce', 'categorical_crossentropy instead of MSE', 'try a different loss functions such as categorical_crossentropy', mlp004('sigmoid'), {
    ...sgdMse5,
    loss: 'categorical_crossentropy',
  }),
  exercise('adam', 'Adam instead of SGD', 'try different optimizers such as Adam and RMSprop', mlp004('sigmoid'), { ...sgdMse5, optimizer: { type: 'adam' } }),
  exercise('rmsprop', 'RMSprop instead of SGD', 'try different optimizers such as Adam and RMSprop', mlp004('sigmoid'), {
    ...sgdMse5,
    optimizer: { type: 'rmsprop' },
  }),
  exercise('relu', 'relu instead of sigmoid', 'try different activation functions such as relu or tanh', mlp004('relu'), sgdMse5),
  exercise('tanh', 'tanh instead of sigmoid', 'try different activation functions such as relu or tanh', mlp004('tanh'), sgdMse5),
  exercise('wide', 'more hidden units (1024, 256)', 'try increasing the number of hidden units', mlp004('sigmoid', [1024, 256]), sgdMse5),
  exercise('deep', 'an extra hidden layer (512, 256, 128)', 'try adding hidden layers', mlp004('sigmoid', [512, 256, 128]), sgdMse5),
];

function exercise(suffix: string, change: string, quote: string, arch: Architecture, training: TrainingBudget): Recipe {
  return { id: `004-mlp-${suffix}`, notebook: '004', title: `Seed 004 exercise: ${change}`, quote, arch, input: 'image-scaled', training };
}

export const RECIPES: ReadonlyMap<string, Recipe> = new Map(RECIPE_LIST.map((r) => [r.id, r]));
/** The recipes that are the notebooks themselves (not exercise or repaired variants). */
export const NOTEBOOK_RECIPES = ['000', '001', '002', '003', '004-mlp', '004-cnn'] as const;

export function getRecipe(id: string): Recipe {
  const r = RECIPES.get(id);
  if (!r) throw new ArgumentError('recipe', `unknown recipe "${id}"; known: ${[...RECIPES.keys()].join(', ')}`);
  return r;
}
