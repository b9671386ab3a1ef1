import { modelWeightSpecs, resolveArchitecture } from '../arch/resolve.js';
import { PRECISION_PROFILES } from '../golden/tolerances.js';
import type { Architecture } from '../arch/types.js';
import type { Model, NamedWeight } from '../impl/interface.js';
import { dtypeOf, shapeString, sizeOf, type F32Tensor } from '../tensor.js';
import type { FitCallbacks, FitConfig, History } from '../train/config.js';
import { activeSpec, emit, eventsEnabled } from './events.js';

/** An implementation broke the interface's contract (wrong dtype, shape, a NaN): the spec fails with this reason. */
export class ContractError extends Error {
  override name = 'ContractError';
}

/**
 * A softmax row sums to 1 up to float32 rounding: the float32 profile's tolerance (src/golden/tolerances.ts, with its
 * reason). Used by `mnist-spec check`; the predict specs take it from the implementation's precision profile.
 */
export const PROBABILITY_SUM_TOLERANCE = PRECISION_PROFILES.float32.probabilitySum.value;

/**
 * How far the rows of `p` [n, classes] are from being probabilities: the largest |Σ row − 1|, Infinity when a value
 * lies outside [0, 1] (and that value's place), or NaN for an empty tensor.
 */
export function probabilityRowError(p: F32Tensor): { worst: number; outside?: { row: number; column: number; value: number } } {
  const classes = p.shape[p.shape.length - 1] ?? 0;
  if (!classes || !p.data.length) return { worst: NaN };
  let worst = 0;
  for (let r = 0; r * classes < p.data.length; r++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const v = p.data[r * classes + j]!;
      if (!(v >= 0 && v <= 1)) return { worst: Infinity, outside: { row: r, column: j, value: v } };
      sum += v;
    }
    worst = Math.max(worst, Math.abs(sum - 1));
  }
  return { worst };
}

function checkF32(what: string, t: F32Tensor, shape: readonly number[]): void {
  if (!t || !t.data || !t.shape) throw new ContractError(`${what}: not a tensor ({ shape, data })`);
  if (dtypeOf(t) !== 'float32') throw new ContractError(`${what}: dtype ${t.data.constructor.name}, expected Float32Array`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ContractError(`${what}: shape ${shapeString(t.shape)}, expected ${shapeString(shape)}`);
  }
  if (t.data.length !== sizeOf(shape)) throw new ContractError(`${what}: ${t.data.length} values for shape ${shapeString(shape)}`);
  const bad = t.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ContractError(`${what}: value ${t.data[bad]} at flat index ${bad}`);
}

/**
 * Wrap a model so every value it hands back is checked against the interface before a spec sees it:
 * an implementation returning NaN, the wrong shape or the wrong dtype fails with that reason rather
 * than with a confusing assertion further on.
 */
export function guardModel(model: Model, arch: Architecture, impl: string): Model {
  const resolved = resolveArchitecture(arch);
  const weightSpecs = modelWeightSpecs(resolved);
  return {
    layers: () => {
      const layers = model.layers();
      if (!Array.isArray(layers)) throw new ContractError(`${impl}: layers() did not return an array`);
      return layers;
    },
    async getWeights(): Promise<NamedWeight[]> {
      const weights = await model.getWeights();
      if (weights.length !== weightSpecs.length)
        throw new ContractError(`${impl}: getWeights() returned ${weights.length} tensors, expected ${weightSpecs.length}`);
      weights.forEach((w, i) => checkF32(`${impl}: getWeights()[${i}] (${weightSpecs[i]!.layer}/${weightSpecs[i]!.name})`, w.tensor, weightSpecs[i]!.shape));
      return weights;
    },
    setWeights: (w) => model.setWeights(w),
    async predict(x, options) {
      const out = await model.predict(x, options);
      checkF32(`${impl}: predict() output`, out, [x.shape[0]!, ...resolved.outputShape]);
      return out;
    },
    ...(model.fit ? { fit: (x, y, config, callbacks) => observedFit(model, x, y, config, callbacks) } : {}),
    dispose: () => model.dispose(),
  };
}

const MAX_HISTORIES = 5;

/**
 * model.fit as the implementation does it, observed for the reports: the History it returns is attached
 * to the running spec (artifact `histories`), and during a conformance run its progress is reported
 * (throttled) so `mnist-spec conform` can draw a progress bar. Nothing here changes what fit computes.
 */
async function observedFit(model: Model, x: F32Tensor, y: F32Tensor, config: FitConfig, callbacks?: FitCallbacks): Promise<History> {
  const spec = activeSpec();
  let observed = callbacks;
  if (spec && eventsEnabled()) {
    let last = 0;
    const base = { t: 'train' as const, name: spec.name, epochs: config.epochs };
    observed = {
      onBatchEnd(info) {
        callbacks?.onBatchEnd?.(info);
        const now = Date.now();
        if (now - last < 250) return;
        last = now;
        emit({ ...base, epoch: info.epoch, seen: info.seen, total: info.total, loss: info.loss, acc: info.acc });
      },
      onEpochEnd(log) {
        callbacks?.onEpochEnd?.(log);
        emit({
          ...base,
          epoch: log.epoch,
          seen: 0,
          total: 0,
          loss: log.loss,
          acc: log.acc,
          epochEnd: true,
          ...(log.valLoss !== undefined ? { valLoss: log.valLoss } : {}),
          ...(log.valAcc !== undefined ? { valAcc: log.valAcc } : {}),
        });
      },
    };
  }
  const history = await model.fit!(x, y, config, observed);
  if (spec && history && Array.isArray(history.epochs)) {
    // The first few are kept (a spec fitting many tiny models does not need all in a report); `fits` counts them all.
    spec.fits = (spec.fits ?? 0) + 1;
    if (spec.histories.length < MAX_HISTORIES) {
      const { validationData: _omit, ...rest } = config;
      spec.histories.push({
        config: { ...rest, ...(config.validationData ? { validationData: `${config.validationData.x.shape[0]} samples` } : {}) },
        history,
      });
      spec.attach('histories', spec.histories);
    }
    spec.attach('fits', spec.fits);
  }
  return history;
}
