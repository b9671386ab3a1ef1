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

/** SGD(LR) with batch size 1 over `rows` in `order`, from (w, b), in float64. */
function sgdOver(w: Float64Array, b: Float64Array, order: readonly number[], rows = X, labels = Y): [Float64Array, Float64Array] {
  let [W, B] = [w, b];
  for (const i of order) {
    const g = reference(W, B, 'categorical_crossentropy', [rows[i]!], [labels[i]!]);
    W = W.map((v, k) => v - LR * g.gW[k]!);
    B = B.map((v, k) => v - LR * g.gb[k]!);
  }
  return [W, B];
}

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

const sgdEpoch = (w: Float64Array, b: Float64Array, order: readonly number[]) => sgdOver(w, b, order);

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
    claim: keras(
      'keras/engine/training_arrays.py fit_loop',
      "if shuffle == 'batch': index_array = batch_shuffle(index_array, batch_size) elif shuffle: np.random.shuffle(index_array)",
    ),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
    timeoutMs: 300_000,
  },
  async (ctx) => {
    const { impl } = ctx;
    const trainTwoEpochs = async (shuffle: boolean, seed: number): Promise<number[]> => {
      const model = await impl.build(TINY, { seed: 1 });
      try {
        await model.setWeights([f32(W0, [3, 2]), f32(B0, [2])]);
        await model.fit!(f32(X.flat(), [X.length, 3]), f32(Y.flat(), [Y.length, 2]), {
          optimizer: { type: 'sgd', lr: LR },
          loss: 'categorical_crossentropy',
          batchSize: 1,
          epochs: 2,
          seed,
          shuffle,
        });
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
    ctx.record(
      { unshuffled: describe(ordered), shuffled: shuffled.map((s) => ({ seed: s.seed, orders: describe(s.orders) })) },
      'each epoch a permutation of every row; shuffle: false in order; epochs not all alike',
    );
    expect(describe(ordered), 'shuffle: false trains on the rows in order, both epochs').toEqual([`${identity}|${identity}`]);
    for (const s of shuffled)
      expect(s.orders.length, `seed ${s.seed}: the weights are those of some order visiting every row once per epoch`).toBeGreaterThan(0);
    const repeats = shuffled.filter((s) => s.orders.every(([a, b]) => a.join() === b.join())).length;
    expect(repeats, 'seeds whose two epochs came in the same order: the rows are not reshuffled every epoch').toBeLessThan(SEEDS.length);
  },
);

/**
 * Keras shuffles with np.random.shuffle: every order of the rows equally likely. A Fisher–Yates loop off by one
 * (j drawn from [0, i) instead of [0, i], Sattolo's algorithm: only cyclic orders), a draw that favours low indices,
 * or a shuffle of a fixed pattern passes each-epoch (every row once, epochs differ) but not this: one epoch over three
 * rows under 100 fit seeds, each epoch's order recovered by float64 replay of the 6 candidates, must show every order,
 * and none more than 44 times (expected 16.7). For a uniform shuffle with independent seeds the chance that an order is
 * missing is 6·(5/6)¹⁰⁰ ≈ 7e-8, that one comes ≥ 45 times 2e-10.
 */
const UNIFORM_ROWS = X.slice(0, 3);
const UNIFORM_LABELS = Y.slice(0, 3);
const UNIFORM_SEEDS = 100;
const UNIFORM_MAX = 44;

spec(
  {
    name: 'uniform',
    judges: ['fit:shuffle'],
    claim: keras('keras/engine/training_arrays.py fit_loop', 'elif shuffle: np.random.shuffle(index_array)'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
    stochastic: {
      why: `each of the 6 orders of 3 rows must appear in ${UNIFORM_SEEDS} seeded one-epoch fits, none more than ${UNIFORM_MAX} times (expected 16.7)`,
      method:
        'exact binomial tails for independent uniform draws: 6·(5/6)^100 ≈ 7.2e-8 that an order is missing, 6·P(Bin(100, 1/6) ≥ 45) ≈ 2e-10 that one comes too often',
      falseFailure: 7.3e-8,
    },
    timeoutMs: 300_000,
  },
  async (ctx) => {
    const { impl } = ctx;
    const orders = permutations(UNIFORM_ROWS.length);
    const replays = orders.map((order) =>
      [...sgdOver(Float64Array.from(W0), Float64Array.from(B0), order, UNIFORM_ROWS, UNIFORM_LABELS)].flatMap((a) => [...a]),
    );
    const counts = new Map<string, number>(orders.map((o) => [o.join(''), 0]));
    const unmatched: number[] = [];
    const model = await impl.build(TINY, { seed: 1 });
    try {
      for (let seed = 1; seed <= UNIFORM_SEEDS; seed++) {
        await model.setWeights([f32(W0, [3, 2]), f32(B0, [2])]);
        await model.fit!(f32(UNIFORM_ROWS.flat(), [3, 3]), f32(UNIFORM_LABELS.flat(), [3, 2]), {
          optimizer: { type: 'sgd', lr: LR },
          loss: 'categorical_crossentropy',
          batchSize: 1,
          epochs: 1,
          seed,
          shuffle: true,
        });
        const got = (await model.getWeights()).flatMap((w) => Array.from(w.tensor.data));
        const match = orders.findIndex((_, i) => replays[i]!.every((v, k) => Math.abs(v - got[k]!) <= MATCH_TOLERANCE));
        if (match < 0) unmatched.push(seed);
        else counts.set(orders[match]!.join(''), counts.get(orders[match]!.join(''))! + 1);
      }
    } finally {
      model.dispose();
    }
    ctx.record(Object.fromEntries(counts), `every order of 3 rows seen, none more than ${UNIFORM_MAX} of ${UNIFORM_SEEDS}`);
    expect(unmatched, 'seeds whose epoch visited the rows in no order of all three (a row dropped or repeated)').toEqual([]);
    for (const [order, count] of counts) {
      expect(count, `order ${order}: seen ${count} times in ${UNIFORM_SEEDS} epochs`).toBeGreaterThan(0);
      expect(count, `order ${order}: seen ${count} times in ${UNIFORM_SEEDS} epochs`).toBeLessThanOrEqual(UNIFORM_MAX);
    }
  },
);
