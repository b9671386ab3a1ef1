import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveArchitecture } from '../src/arch/resolve.js';
import type { Architecture } from '../src/arch/types.js';
import { wireResolved } from '../src/impl/remote/messages.js';
import { getRecipe } from '../src/recipes/index.js';
import type { F32Tensor } from '../src/tensor.js';
import type { FitConfig } from '../src/train/config.js';

/**
 * The benchmark's workload, shared by every runtime measured, the PyTorch peer included (bench/peer_pytorch.py
 * reads the same files and builds the same two models): one epoch of 60,000 training images for the seed-001
 * MLP (batch 128, RMSprop) and the seed-004 CNN (batch 64, Adam lr 0.01), and predictions on 10,000 test images.
 *
 * The data travels between processes as raw files in a work directory: uint8 images (n × 784) and labels,
 * so each side scales by 255 and one-hot encodes itself, exactly as the notebooks do.
 */
export const TRAIN_SAMPLES = 60_000;
export const TEST_SAMPLES = 10_000;
export const INFER_BATCH = 128;

export const TASKS = ['mlp-train', 'cnn-train', 'mlp-infer', 'cnn-infer'] as const;
export type Task = (typeof TASKS)[number];

export interface Workload {
  arch: Architecture;
  fit: Omit<FitConfig, 'epochs'>;
  inputShape: number[];
}

export function workload(model: 'mlp' | 'cnn'): Workload {
  if (model === 'mlp') {
    return {
      arch: getRecipe('001').arch,
      fit: { optimizer: { type: 'rmsprop' }, loss: 'categorical_crossentropy', batchSize: 128, seed: 1 },
      inputShape: [784],
    };
  }
  return {
    arch: getRecipe('004-cnn').arch,
    fit: { optimizer: { type: 'adam', lr: 0.01 }, loss: 'categorical_crossentropy', batchSize: 64, seed: 1 },
    inputShape: [28, 28, 1],
  };
}

/**
 * Floating-point operations per sample, counting the multiply-adds of Dense and Conv2D layers as 2 FLOPs
 * each (what a GEMM or convolution kernel executes; activations, batch norm, pooling, the loss and the
 * optimizer are elementwise work of a few percent and are not counted). Inference: the forward pass.
 * Training: forward, every weight gradient (as many multiply-adds again), and the input gradient of every
 * layer after the first trainable one (the first needs none: nothing before it learns).
 */
export function flopsPerSample(arch: Architecture, kind: 'train' | 'infer'): number {
  const resolved = resolveArchitecture(arch);
  let forward = 0;
  let inputGrads = 0;
  let seenTrainable = false;
  for (const layer of resolved.layers) {
    let macs = 0;
    if (layer.type === 'Dense') {
      const positions = layer.inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
      macs = positions * layer.inputShape[layer.inputShape.length - 1]! * layer.units;
    } else if (layer.type === 'Conv2D') {
      const [oh, ow, f] = layer.outputShape as [number, number, number];
      macs = oh * ow * f * layer.kernelSize[0] * layer.kernelSize[1] * layer.inputShape[2]!;
    }
    forward += macs;
    if (seenTrainable) inputGrads += macs;
    if (macs > 0 || layer.type === 'BatchNormalization') seenTrainable = true;
  }
  return kind === 'infer' ? 2 * forward : 2 * (2 * forward + inputGrads);
}

export const DATA_FILES = {
  trainImages: 'train-images.u8',
  trainLabels: 'train-labels.u8',
  testImages: 'test-images.u8',
  testLabels: 'test-labels.u8',
  /** Each model as the process protocol's build message carries it, for the peer (bench/peer_pytorch.py). */
  workload: 'workload.json',
} as const;

/** The workload.json the peer reads: per model, the architecture, its resolution as the build message sends it, the fit configuration. */
export function peerWorkload(): Record<'mlp' | 'cnn', Workload & { architecture: Architecture; resolved: unknown }> {
  const entry = (which: 'mlp' | 'cnn') => {
    const w = workload(which);
    return { ...w, architecture: w.arch, resolved: wireResolved(resolveArchitecture(w.arch)) };
  };
  return { mlp: entry('mlp'), cnn: entry('cnn') };
}

export interface BenchData {
  xTrain: Float32Array;
  yTrain: Float32Array;
  xTest: Float32Array;
  yTest: Float32Array;
}

function scaled(u8: Uint8Array): Float32Array {
  const out = new Float32Array(u8.length);
  for (let i = 0; i < u8.length; i++) out[i] = u8[i]! / 255;
  return out;
}

function oneHot(labels: Uint8Array): Float32Array {
  const out = new Float32Array(labels.length * 10);
  labels.forEach((l, i) => (out[i * 10 + l] = 1));
  return out;
}

/** The bench's data; `trainSamples` / `testSamples` > 0 keep only the first that many (`--quick`). */
export async function readBenchData(dir: string, trainSamples = 0, testSamples = 0): Promise<BenchData> {
  const read = async (f: string, per: number, n: number) => {
    const all = new Uint8Array(await readFile(join(dir, f)));
    return n > 0 ? all.subarray(0, n * per) : all;
  };
  return {
    xTrain: scaled(await read(DATA_FILES.trainImages, 784, trainSamples)),
    yTrain: oneHot(await read(DATA_FILES.trainLabels, 1, trainSamples)),
    xTest: scaled(await read(DATA_FILES.testImages, 784, testSamples)),
    yTest: oneHot(await read(DATA_FILES.testLabels, 1, testSamples)),
  };
}

export function tensorOf(data: Float32Array, sampleShape: number[]): F32Tensor {
  const per = sampleShape.reduce((a, b) => a * b, 1);
  return { shape: [data.length / per, ...sampleShape], data };
}

/** What a measuring process prints (one JSON line) for one runtime. */
export interface Measurement {
  runtime: string;
  backend?: string;
  details?: Record<string, unknown>;
  results: Partial<Record<Task, { samplesPerSecond: number; samples: number; seconds: number; partial?: boolean; note?: string }>>;
  skipped?: Partial<Record<Task, string>>;
  maxRssBytes: number;
  error?: string;
}
