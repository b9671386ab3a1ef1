import { UnsupportedError } from '../../errors.js';
import type { ResolvedOptimizer } from '../../train/config.js';
import { WASM_PAGE, wasmApi } from '../../util/wasm.js';
import { slotNames } from './optimizers.js';
import { UPDATE_WASM_BASE64 } from './update-wasm.js';

/**
 * One fit's parameters, their gradients and optimizer slots, in one WebAssembly memory, updated in place
 * after each step by update.wat's SIMD kernels. The step graph reads the parameters and writes the
 * gradients straight into this memory (onnxruntime tensors over views of it), so nothing is copied.
 *
 * Layout: regions of equal size, one each for parameters, gradients and every slot; inside each, tensor
 * j starts at the same offset, padded to whole 16-byte vectors. So one kernel call updates every tensor,
 * and a pad lane only ever computes from zeros (its gradient is never written) into its own lane.
 */

interface Kernels {
  sgd(p: number, g: number, nv: number, lr: number): void;
  sgdMomentum(p: number, g: number, v: number, nv: number, lr: number, momentum: number, nesterov: number): void;
  rmsprop(p: number, g: number, a: number, nv: number, lr: number, rho: number, oneMinusRho: number, eps: number): void;
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    vhat: number,
    nv: number,
    lr: number,
    b1: number,
    oneMinusB1: number,
    b2: number,
    oneMinusB2: number,
    eps: number,
    amsgrad: number,
  ): void;
}

const f32 = Math.fround;
/** 4 GiB: the most a 32-bit WebAssembly memory addresses. */
const MAX_PAGES = 65536;
let compiled: object | undefined;

export class ParameterArena {
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  /** slots[s][j]: slot s (slotNames order) of tensor j. */
  readonly slots: Float32Array[][];
  private readonly kernels: Kernels;
  private readonly regionBytes: number;

  /** `initial`: the parameters' starting values, copied in; the slots start at zero, as a fresh Keras optimizer's. */
  constructor(
    private readonly opt: ResolvedOptimizer,
    initial: readonly Float32Array[],
  ) {
    const offsets: number[] = [];
    let bytes = 0;
    for (const t of initial) {
      offsets.push(bytes);
      bytes += Math.ceil(t.length / 4) * 16;
    }
    this.regionBytes = bytes;
    const slots = slotNames(opt);
    const regions = 2 + slots.length;
    const wasm = wasmApi();
    if (!wasm) throw new Error('engine: WebAssembly is unavailable in this runtime');
    const pages = Math.max(1, Math.ceil((regions * bytes) / WASM_PAGE));
    if (pages > MAX_PAGES)
      throw new UnsupportedError(
        `engine: this fit's parameters, gradients and ${opt.type} slots need ${((regions * bytes) / 2 ** 30).toFixed(1)} GiB, more than a WebAssembly memory holds (4 GiB)`,
      );
    // Fixed size: a memory that grew would detach every view onnxruntime and the model hold.
    const memory = new wasm.Memory({ initial: pages, maximum: pages });
    compiled ??= new wasm.Module(Buffer.from(UPDATE_WASM_BASE64, 'base64'));
    this.kernels = new wasm.Instance(compiled, { env: { mem: memory } }).exports as unknown as Kernels;
    const views = (region: number) => initial.map((t, j) => new Float32Array(memory.buffer, region * bytes + offsets[j]!, t.length));
    this.params = views(0);
    this.params.forEach((p, j) => p.set(initial[j]!));
    this.grads = views(1);
    this.slots = slots.map((_, s) => views(2 + s));
  }

  /** One step's update of every parameter from the gradients in place; `lr` is the step's float32 rate (stepLearningRate). */
  update(lr: number): void {
    const { opt, kernels, regionBytes: r } = this;
    // Region byte offsets: parameters at 0, gradients at r, slot s at (2 + s)·r.
    const [p, g, s0, s1, s2] = [0, r, 2 * r, 3 * r, 4 * r];
    const nv = this.regionBytes / 16;
    switch (opt.type) {
      case 'sgd':
        if (opt.momentum > 0) kernels.sgdMomentum(p, g, s0, nv, lr, f32(opt.momentum), opt.nesterov ? 1 : 0);
        else kernels.sgd(p, g, nv, lr);
        return;
      case 'rmsprop': {
        const rho = f32(opt.rho);
        kernels.rmsprop(p, g, s0, nv, lr, rho, f32(1 - rho), f32(opt.epsilon));
        return;
      }
      case 'adam': {
        const b1 = f32(opt.beta1);
        const b2 = f32(opt.beta2);
        kernels.adam(p, g, s0, s1, opt.amsgrad ? s2 : 0, nv, lr, b1, f32(1 - b1), b2, f32(1 - b2), f32(opt.epsilon), opt.amsgrad ? 1 : 0);
        return;
      }
    }
  }
}
