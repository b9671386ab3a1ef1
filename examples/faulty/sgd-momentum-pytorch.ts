/**
 * @fault SGD with momentum keeps PyTorch's velocity (a sum of raw gradients, times the learning rate at the update) instead of Keras's (a sum of lr·gradient steps)
 *
 * torch.optim.SGD: buf ← momentum·buf + g, p ← p − lr·buf (Nesterov: p ← p − lr·(g + momentum·buf)). With a
 * constant learning rate the two are the same; once `decay` changes the rate, Keras's velocity remembers each
 * step's own rate and PyTorch's applies the current one to the whole history.
 */
import { createPlainTs, KERAS_OPTIMIZERS } from '../plain-ts/index.js';
import { SGD } from '../plain-ts/optimizers.js';

class PyTorchMomentum extends SGD {
  override updateOne(p: Float32Array, g: Float32Array, k: number, params: readonly Float32Array[], lr: number): void {
    const { momentum, nesterov } = this.o;
    const buf = this.slot('momentum_buffer', params)[k]!;
    for (let i = 0; i < p.length; i++) {
      buf[i] = momentum * buf[i]! + g[i]!; // BUG: the learning rate is applied below, to the whole buffer
      p[i] = p[i]! - lr * (nesterov ? g[i]! + momentum * buf[i]! : buf[i]!);
    }
  }
}

export default createPlainTs(
  { optimizers: { ...KERAS_OPTIMIZERS, sgd: (spec) => new PyTorchMomentum(spec as ConstructorParameters<typeof SGD>[0]) } },
  'sgd-momentum-pytorch',
);
