import { modelWeightSpecs, resolveArchitecture } from '../arch/resolve.js';
import type { Architecture, LayerSpec } from '../arch/types.js';
import type { Implementation } from '../impl/interface.js';
import { PRECISION_PROFILES } from '../golden/tolerances.js';
import { referenceSample } from '../reference/keras-float64.js';
import { sizeOf, type F32Tensor } from '../tensor.js';
import { LazyImplementation } from './implementations.js';

/**
 * Where an implementation's forward pass first departs from Keras's: the way TF.js's golden tests compare intermediate
 * nodes, but through the interface alone. Each prefix of the architecture (its first k layers, with their Keras names)
 * is built, given the same weights and run on the same inputs, and its output held against the float64 reference's
 * output after those k layers. The first prefix that disagrees names the layer: "diverges at max_pooling2d_1".
 *
 * Prefixes are run on the implementation itself, not through the contract guard: an intermediate output is compared
 * by its values in row-major order, whatever shape the implementation gives it. A functional model that is a chain
 * (seed 002's) is cut like a sequential one. At most SAMPLES inputs are used: enough to show a layer computed wrong.
 *
 * Intermediate activations are not probabilities, so the test is relative to their size: the precision profile's
 * `layerRelative` (src/golden/tolerances.ts; float32: 1e-4 of max(1, max |reference|)).
 */
export const DIVERGENCE_RELATIVE = PRECISION_PROFILES.float32.layerRelative.value;
const SAMPLES = 8;

/** The layers of an architecture in order, as a sequential model with their Keras names, or undefined when it is not a chain. */
function chain(arch: Architecture): { inputShape: number[]; layers: LayerSpec[] } | undefined {
  const resolved = resolveArchitecture(arch);
  if (arch.kind === 'sequential') return { inputShape: arch.inputShape, layers: resolved.layers.map((l, i) => ({ ...arch.layers[i]!, name: l.name })) };
  let previous = arch.input.name;
  const layers: LayerSpec[] = [];
  for (const l of arch.layers) {
    if (l.inbound !== previous) return undefined;
    const { inbound: _inbound, ...spec } = l;
    layers.push(spec);
    previous = l.name;
  }
  return previous === arch.output ? { inputShape: arch.input.shape, layers } : undefined;
}

export interface LayerComparison {
  index: number;
  name: string;
  type: string;
  /** Largest |implementation − reference| over the prefix's output, and where. */
  maxAbs?: number;
  scale?: number;
  at?: { sample: number; index: number; got: number; want: number };
  /** The prefix could not be built or run (an implementation may only predict whole models). */
  error?: string;
}

export interface Divergence {
  /** The first layer whose output departs from the reference, or undefined when every prefix agrees. */
  layer?: LayerComparison;
  layers: LayerComparison[];
  /** One line for a failure message. */
  summary: string;
}

export async function firstDivergence(
  impl: Implementation,
  arch: Architecture,
  weights: readonly F32Tensor[],
  all: F32Tensor,
  relative = DIVERGENCE_RELATIVE,
): Promise<Divergence> {
  const c = chain(arch);
  if (!c) return { layers: [], summary: 'diverging layer not located: the model is not a chain of layers' };
  const real = impl instanceof LazyImplementation ? await impl.load() : impl;
  const resolved = resolveArchitecture({ kind: 'sequential', inputShape: c.inputShape, layers: c.layers });
  const named = c.layers;
  const per = sizeOf(resolved.inputShape);
  const n = Math.min(all.shape[0]!, SAMPLES);
  const x: F32Tensor = { shape: [n, ...all.shape.slice(1)], data: all.data.slice(0, n * per) };
  const layers: LayerComparison[] = [];
  for (let k = 1; k <= named.length; k++) {
    const l = resolved.layers[k - 1]!;
    const row: LayerComparison = { index: k - 1, name: l.name, type: l.type };
    layers.push(row);
    const prefix: Architecture = { kind: 'sequential', inputShape: c.inputShape, layers: named.slice(0, k) };
    const count = modelWeightSpecs(resolveArchitecture(prefix)).length;
    try {
      const model = await real.build(prefix, { seed: 1 });
      try {
        await model.setWeights(weights.slice(0, count));
        const got = await model.predict(x, { batchSize: n });
        const size = sizeOf(l.outputShape);
        if (got.data?.length !== n * size) throw new Error(`predict() gave ${got.data?.length} values, ${n * size} expected`);
        let [maxAbs, scale] = [0, 1];
        for (let s = 0; s < n; s++) {
          const want = referenceSample(resolved, weights, x.data.subarray(s * per, (s + 1) * per), k);
          for (let i = 0; i < size; i++) {
            const g = got.data[s * size + i]!;
            scale = Math.max(scale, Math.abs(want[i]!));
            const d = Math.abs(g - want[i]!);
            if (!(d <= maxAbs)) {
              maxAbs = Number.isNaN(d) ? Infinity : d;
              row.at = { sample: s, index: i, got: g, want: want[i]! };
            }
          }
        }
        Object.assign(row, { maxAbs, scale });
        if (maxAbs > relative * scale) {
          return {
            layer: row,
            layers,
            summary: `diverges at ${l.name} (layer ${k} of ${named.length}, ${l.type}): max |Δ| ${maxAbs.toPrecision(2)} against outputs up to ${scale.toPrecision(3)}`,
          };
        }
      } finally {
        model.dispose();
      }
    } catch (e) {
      row.error = (e as Error).message.split('\n')[0];
    }
  }
  const skipped = layers.filter((r) => r.error);
  return {
    layers,
    summary: skipped.length
      ? `no prefix departs from the reference; ${skipped.length} of ${layers.length} could not be run alone (${skipped[0]!.name}: ${skipped[0]!.error})`
      : 'every layer agrees with the reference: the difference arises only in the whole model',
  };
}
