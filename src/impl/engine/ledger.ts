/**
 * The buffers the engine holds right now, counted the way TF.js counts its tensors (`tf.memory().numTensors`):
 * a model's weights and batch-norm averaging state for as long as it lives, a fit's parameter double buffers,
 * optimizer slots and step outputs for as long as the fit runs. Reported as `details.liveTensors` by info(),
 * so the leak spec (train:fit:frees-its-tensors) can check that fit and dispose release what they took.
 * Compiled sessions are a cache, not tensors, and are not counted.
 */
let live = 0;

export const ledger = {
  hold(n: number): void {
    live += n;
  },
  release(n: number): void {
    live -= n;
  },
  get count(): number {
    return live;
  },
};
