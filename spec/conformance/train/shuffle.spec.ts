import { expect } from 'vitest';
import { keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { B0, f32, reference, TINY, W0 } from './tiny-dense.js';

/**
 * Keras's fit loop shuffles the training rows anew every epoch (`shuffle=True`, the notebooks' default) and visits each
 * row exactly once per epoch. The implementation's random permutations cannot be predicted, but they can be recovered:
 * SGD with batch size 1 on the tiny net (tiny-dense.ts) makes the weights after two epochs a function of the order the
 * rows came in, so replaying every pair of permutations of five rows in float64 (120² pairs) finds the one the
 * implementation used. The spec then holds that such a pair exists (every row once per epoch: none dropped, none
 * repeated), that `shuffle: false` keeps the rows' order, and that the two epochs' orders are not the same for every
 * seed: a loop that shuffles once per fit (or never) repeats its order, which a correct loop does with probability
 * 1/120 per seed — (1/120)³ ≈ 6e-7 over the three seeds tried.
 */
const spec = conformanceSpecs(import.meta.url);

const X = [
  [0.5, -1.2, 0.3],
  [1.5, 0.2, -0.7],
  [-0.4, 0.9, 1.1],
  [0.8, 0.6, -1.3],
  [-1.1, -0.3, 0.6],
];
const Y = [
  [1, 0],
  [0, 1],
  [0, 1],
  [1, 0],
  [0, 1],
];
const LR = 0.5;
const SEEDS = [1, 2, 3];
/** float32 SGD against float64 over ten steps of O(1) updates: observed ≤ 1e-7; permutations differ by ≥ 1e-3. */
const MATCH_TOLERANCE = 1e-5;

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}
const PERMS = permutations(X.length);

/** Weights after SGD(lr) with batch size 1 over the rows in `order`, from (w, b), in float64. */
function sgdEpoch(w: Float64Array, b: Float64Array, order: readonly number[]): [Float64Array, Float64Array] {
  let [W, B] = [w, b];
  for (const i of order) {
    const g = reference(W, B, 'categorical_crossentropy', [X[i]!], [Y[i]!]);
    W = W.map((v, k) => v - LR * g.gW[k]!);
    B = B.map((v, k) => v - LR * g.gb[k]!);
  }
  return [W, B];
}

/** The pairs of epoch orders whose float64 replay gives these weights. */
function matchingOrders(got: number[]): [number[], number[]][] {
  const matches: [number[], number[]][] = [];
  for (const first of PERMS) {
    const [w1, b1] = sgdEpoch(Float64Array.from(W0), Float64Array.from(B0), first);
    for (const second of PERMS) {
      const [w2, b2] = sgdEpoch(w1, b1, second);
      if ([...w2, ...b2].every((v, k) => Math.abs(v - got[k]!) <= MATCH_TOLERANCE)) matches.push([first, second]);
    }
  }
  return matches;
}

spec(
  {
    name: 'each-epoch',
    judges: ['fit:shuffle', 'fit:batches'],
    claim: keras('keras/engine/training_arrays.py fit_loop', "if shuffle == 'batch': index_array = batch_shuffle(index_array, batch_size) elif shuffle: np.random.shuffle(index_array)"),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
    timeoutMs: 300_000,
  },
  async (ctx) => {
    const { impl } = ctx;
    const trainTwoEpochs = async (shuffle: boolean, seed: number): Promise<number[]> => {
      const model = await impl.build(TINY, { seed: 1 });
      try {
        await model.setWeights([f32(W0, [3, 2]), f32(B0, [2])]);
        await model.fit!(f32(X.flat(), [X.length, 3]), f32(Y.flat(), [Y.length, 2]), { optimizer: { type: 'sgd', lr: LR }, loss: 'categorical_crossentropy', batchSize: 1, epochs: 2, seed, shuffle });
        return (await model.getWeights()).flatMap((w) => Array.from(w.tensor.data));
      } finally {
        model.dispose();
      }
    };
    const ordered = matchingOrders(await trainTwoEpochs(false, 1));
    const identity = PERMS[0]!.map((_, i) => i).join('');
    const shuffled = [];
    for (const seed of SEEDS) shuffled.push({ seed, orders: matchingOrders(await trainTwoEpochs(true, seed)) });
    const describe = (m: [number[], number[]][]): string[] => m.map(([a, b]) => `${a.join('')}|${b.join('')}`);
    ctx.record({ unshuffled: describe(ordered), shuffled: shuffled.map((s) => ({ seed: s.seed, orders: describe(s.orders) })) }, 'each epoch a permutation of every row; shuffle: false in order; epochs not all alike');
    expect(describe(ordered), 'shuffle: false trains on the rows in order, both epochs').toEqual([`${identity}|${identity}`]);
    for (const s of shuffled) expect(s.orders.length, `seed ${s.seed}: the weights are those of some order visiting every row once per epoch`).toBeGreaterThan(0);
    const repeats = shuffled.filter((s) => s.orders.every(([a, b]) => a.join() === b.join())).length;
    expect(repeats, 'seeds whose two epochs came in the same order: the rows are not reshuffled every epoch').toBeLessThan(SEEDS.length);
  },
);
