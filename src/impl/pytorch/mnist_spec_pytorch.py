"""The Keras MNIST notebooks' models in PyTorch, judged by mnist-spec through its process protocol.

    /usr/bin/python3 src/impl/pytorch/mnist_spec_pytorch.py --semantics keras|pytorch-defaults [--defaults LIST] [--threads N]

Started by src/impl/pytorch/index.ts (`--impl pytorch`, `--impl pytorch-defaults`); speaks the protocol through
clients/python/mnist_spec_client.py. Builds any architecture of src/arch/types.ts from the build message.

--semantics keras (the `pytorch` implementation) reproduces Keras 2.2 where PyTorch's defaults differ:
  - glorot-uniform kernels and zero biases (PyTorch: Kaiming-uniform kernels and biases);
  - Keras's SGD, RMSprop and Adam updates, with epsilon 1e-7 outside the square root and Adam's epsilon
    against the uncorrected sqrt(v) (torch.optim: epsilon 1e-8, and Adam's epsilon after bias correction);
  - BatchNormalization momentum 0.99 and epsilon 1e-3, moving statistics kept as Keras 2.2 on TensorFlow
    keeps them: the zero-debiased moving average, and the variance scaled by n / (n - (1 + epsilon))
    (and by n / (n - 1) once more for images, from fused_batch_norm) — PyTorch: momentum 0.1, epsilon 1e-5,
    a plain running average of the unbiased variance;
  - categorical cross-entropy on probabilities, each row rescaled and clipped to [1e-7, 1 - 1e-7], so a
    saturated wrong answer costs -ln(1e-7) and passes no gradient (PyTorch: log-softmax on logits, no clip);
  - channels-last: weights in Keras layout (Dense [in, out], Conv2D [kh, kw, in, out]) and Flatten in
    (H, W, C) order, though convolutions run channels-first inside, where PyTorch is fast;
  - Keras's fit loop (the client's keras_fit): validation_split takes the last rows before shuffling, a new
    shuffle each epoch, batch-size-weighted epoch means, validation after the epoch, the History.
--semantics pytorch-defaults (the `pytorch-defaults` implementation) is the same code with PyTorch's own
defaults in each of those places but the last two (and F.dropout on PyTorch's global generator): the
commonest porting mistake, shipped to be caught. `--defaults init,optimizer,batchnorm,loss,dropout` takes
PyTorch's defaults in some places only, to see which specs catch which (reports/pytorch-defaults/CAUGHT.md).

In-process use (one PyTorch code path for the bench): `TorchImplementation('keras').build(arch, seed)` with an
`Architecture` from the client, then `model.fit(x, y, config, progress)` / `model.predict(x, batch_size)`
on float32 NumPy arrays; see `serve_or_import` at the bottom.
"""
import argparse
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', 'clients', 'python'))

from mnist_spec_client import (  # noqa: E402
    KERAS_EPSILON, LAYER_TYPES, LOSSES, OPTIMIZERS, Implementation, Model, UnsupportedError, resolve_optimizer, serve, serve_unavailable,
)

try:
    import numpy as np
except ImportError as e:  # without NumPy the client can still say so, and every spec skips with the reason
    serve_unavailable('pytorch', f'NumPy is not installed for {sys.executable} ({e})', 'apt-get install -y python3-numpy python3-torch')

try:
    import torch
    import torch.nn.functional as F
    TORCH_ERROR = None
except ImportError as e:  # reported through the hello as unavailable, with the install command
    torch = None
    TORCH_ERROR = str(e)

INSTALL_TORCH = 'apt-get install -y python3-torch'
VERSION = '0.1.0'


def f32(v):
    """A Python float rounded to float32, as Keras holds its hyperparameters (float32 variables)."""
    return float(np.float32(v))


def activate(name, h, channel_dim):
    if name in (None, 'linear'):
        return h
    if name == 'relu':
        return torch.relu(h)
    if name == 'sigmoid':
        return torch.sigmoid(h)
    if name == 'tanh':
        return torch.tanh(h)
    if name == 'softmax':
        return torch.softmax(h, dim=channel_dim)
    raise UnsupportedError(f'activation {name!r}')


def to_nhwc(h):
    return h.permute(0, 2, 3, 1) if h.dim() == 4 else h


def to_nchw(h):
    return h.permute(0, 3, 1, 2) if h.dim() == 4 else h


def same_padding(size, kernel, stride):
    """TensorFlow's 'same': output ceil(size / stride), the odd pixel of padding at the end (bottom, right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Context:
    """One forward pass: training or inference, the fit's generator for dropout, batch-norm statistics to apply after the step."""

    def __init__(self, training, generator=None):
        self.training = training
        self.generator = generator
        self.moving_updates = []


class Layer:
    """A Keras layer over torch tensors. Activations of rank 4 are kept NCHW; every other rank as Keras has it."""

    def __init__(self, spec):
        self.spec = spec

    def weights(self):
        """(tensor, to_keras, from_keras) per Keras weight, in get_weights() order."""
        return []

    def tensors(self):
        return [w for w, _, _ in self.weights()]

    def trainable(self):
        return []

    def forward(self, h, ctx):
        return h


IDENTITY = (lambda t: t, lambda a: a)


class Dense(Layer):
    def __init__(self, spec, init):
        super().__init__(spec)
        n_in, units = spec['inputShape'][-1], spec['units']
        # Kept in Keras's layout [in, out]: x @ W needs no transpose, and get/set_weights none either.
        self.kernel, bias = init.dense(n_in, units)
        self.bias = bias if spec.get('useBias', True) else None

    def weights(self):
        return [(self.kernel, *IDENTITY)] + ([(self.bias, *IDENTITY)] if self.bias is not None else [])

    def trainable(self):
        return self.tensors()

    def forward(self, h, ctx, skip_softmax=False):
        four = h.dim() == 4
        if four:
            h = to_nhwc(h)
        y = h @ self.kernel
        if self.bias is not None:
            y = y + self.bias
        act = self.spec.get('activation')
        if not (skip_softmax and act == 'softmax'):
            y = activate(act, y, -1)
        return to_nchw(y) if four else y


class Conv2D(Layer):
    def __init__(self, spec, init):
        super().__init__(spec)
        kh, kw = spec['kernelSize']
        c_in, filters = spec['inputShape'][2], spec['filters']
        self.weight, bias = init.conv(kh, kw, c_in, filters)  # PyTorch's layout [out, in, kh, kw]
        self.bias = bias if spec.get('useBias', True) else None
        self.stride = tuple(spec.get('strides') or (1, 1))
        self.pad = None
        if spec.get('padding', 'valid') == 'same':
            (h, w, _) = spec['inputShape']
            (t, b), (l, r) = same_padding(h, kh, self.stride[0]), same_padding(w, kw, self.stride[1])
            self.pad = (l, r, t, b)

    def weights(self):
        # Keras: [kh, kw, in, out] = PyTorch's [out, in, kh, kw] with its axes moved.
        conv = (self.weight, lambda t: t.permute(2, 3, 1, 0), lambda a: np.ascontiguousarray(a.transpose(3, 2, 0, 1)))
        return [conv] + ([(self.bias, *IDENTITY)] if self.bias is not None else [])

    def trainable(self):
        return self.tensors()

    def forward(self, h, ctx, skip_softmax=False):
        padding = 0
        if self.pad:
            l, r, t, b = self.pad
            if l == r and t == b:
                padding = (t, l)
            else:
                h = F.pad(h, self.pad)
        y = F.conv2d(h, self.weight, self.bias, self.stride, padding)
        act = self.spec.get('activation')
        return y if skip_softmax and act == 'softmax' else activate(act, y, 1)


class MaxPooling2D(Layer):
    def forward(self, h, ctx):
        pool = tuple(self.spec['poolSize'])
        stride = tuple(self.spec.get('strides') or pool)
        if self.spec.get('padding', 'valid') == 'same':
            (hh, ww, _) = self.spec['inputShape']
            (t, b), (l, r) = same_padding(hh, pool[0], stride[0]), same_padding(ww, pool[1], stride[1])
            h = F.pad(h, (l, r, t, b), value=-math.inf)  # TF's 'same' max pool ignores the padding
        return F.max_pool2d(h, pool, stride)


class Activation(Layer):
    def forward(self, h, ctx, skip_softmax=False):
        if skip_softmax and self.spec['activation'] == 'softmax':
            return h
        return activate(self.spec['activation'], h, 1 if h.dim() == 4 else -1)


class Dropout(Layer):
    def __init__(self, spec, keras):
        super().__init__(spec)
        self.keras = keras

    def forward(self, h, ctx):
        rate = self.spec['rate']
        if not ctx.training or not 0 < rate < 1:
            return h
        if not self.keras:
            return F.dropout(h, rate, training=True)
        # Keras 2.2 (tf.nn.dropout): keep a unit when its uniform draw is >= rate, scale by 1 / keep; the
        # draws come from the fit's own generator, so a seed names the masks.
        keep = torch.rand(h.shape, generator=ctx.generator) >= rate
        return h * keep / (1 - rate)


class Reshape(Layer):
    """Flatten and Reshape, in Keras's channels-last order."""

    def forward(self, h, ctx):
        y = to_nhwc(h).reshape(h.shape[0], *self.spec['outputShape'])
        return to_nchw(y)


class BatchNormalization(Layer):
    def __init__(self, spec, keras):
        super().__init__(spec)
        c = spec['inputShape'][-1]
        self.keras = keras
        self.gamma, self.beta = torch.ones(c), torch.zeros(c)
        self.moving_mean, self.moving_variance = torch.zeros(c), torch.ones(c)
        if keras:
            self.momentum = spec.get('momentum', 0.99)
            self.epsilon = spec.get('epsilon', 1e-3)
        else:
            # nn.BatchNorm's defaults, or the Keras values translated when the architecture names them.
            self.momentum = 1 - spec['momentum'] if 'momentum' in spec else 0.1
            self.epsilon = spec.get('epsilon', 1e-5)
        # Keras 2.2's zero-debiased moving average: hidden biased averages and a step count (not weights).
        self.debias = None

    def weights(self):
        return [(t, *IDENTITY) for t in (self.gamma, self.beta, self.moving_mean, self.moving_variance)]

    def trainable(self):
        return [self.gamma, self.beta]

    def tensors(self):
        return super().tensors() + (list(self.debias[:2]) if self.debias else [])

    def forward(self, h, ctx):
        # The channels are dim 1 of an NCHW image, the last dim otherwise.
        c_dim = 1 if h.dim() == 4 else h.dim() - 1
        shape = [1] * h.dim()
        shape[c_dim] = -1
        if not self.keras:
            moved = h.movedim(c_dim, 1) if c_dim != 1 else h
            y = F.batch_norm(moved, self.moving_mean, self.moving_variance, self.gamma, self.beta, ctx.training, self.momentum, self.epsilon)
            return y.movedim(1, c_dim) if c_dim != 1 else y
        if not ctx.training:
            inv = torch.rsqrt(self.moving_variance + self.epsilon) * self.gamma
            return (h - self.moving_mean.view(shape)) * inv.view(shape) + self.beta.view(shape)
        dims = [d for d in range(h.dim()) if d != c_dim]
        mean = h.mean(dim=dims)
        var = h.var(dim=dims, unbiased=False)
        scale = torch.rsqrt(var + self.epsilon) * self.gamma
        y = (h - mean.view(shape)) * scale.view(shape) + self.beta.view(shape)
        # Keras stores the sample variance: variance *= n / (n - (1 + epsilon)) (keras/layers/normalization.py);
        # for images its statistics come from fused_batch_norm, whose variance already carries n / (n - 1).
        n = h.numel() // h.shape[c_dim]
        factor = n / (n - (1 + self.epsilon))
        if h.dim() == 4:
            factor *= n / max(n - 1, 1)
        ctx.moving_updates.append((self, mean.detach(), (var * factor).detach()))
        return y

    @torch.no_grad() if torch else (lambda f: f)
    def apply_moving(self, mean, variance):
        """TensorFlow's assign_moving_average(zero_debias=True), as Keras 2.2's K.moving_average_update runs it."""
        m = self.momentum
        if self.debias is None:
            self.debias = [torch.zeros_like(mean), torch.zeros_like(variance), 0]
        self.debias[2] += 1
        correction = 1 - m ** self.debias[2]
        for biased, value, moving in ((self.debias[0], mean, self.moving_mean), (self.debias[1], variance, self.moving_variance)):
            biased.sub_((biased - value) * (1 - m))
            moving.copy_(biased / correction)


class KerasInit:
    """Keras's initial weights: glorot-uniform kernels (fans from the Keras layout), zero biases."""

    def __init__(self, generator):
        self.g = generator

    def uniform(self, shape, limit):
        return (torch.rand(shape, generator=self.g, dtype=torch.float64) * 2 - 1).mul_(limit).float()

    def dense(self, n_in, units):
        return self.uniform((n_in, units), math.sqrt(6 / (n_in + units))), torch.zeros(units)

    def conv(self, kh, kw, c_in, filters):
        rf = kh * kw
        kernel = self.uniform((kh, kw, c_in, filters), math.sqrt(6 / (rf * c_in + rf * filters)))
        return kernel.permute(3, 2, 0, 1).contiguous(), torch.zeros(filters)


class TorchDefaultInit:
    """PyTorch's nn.Linear / nn.Conv2d reset_parameters(): Kaiming-uniform (a=sqrt(5)) weights, uniform biases."""

    def dense(self, n_in, units):
        layer = torch.nn.Linear(n_in, units)
        return layer.weight.detach().t().contiguous(), layer.bias.detach().clone()

    def conv(self, kh, kw, c_in, filters):
        layer = torch.nn.Conv2d(c_in, filters, (kh, kw))
        return layer.weight.detach().clone(), layer.bias.detach().clone()


class KerasOptimizer:
    """Keras 2.2's get_updates (keras/optimizers.py) on the model's tensors; one per fit (a compile + fit)."""

    def __init__(self, spec, params):
        self.o = resolve_optimizer(spec)
        self.params = params
        self.iterations = 0
        self.slots = {}

    def slot(self, name, i):
        if (name, i) not in self.slots:
            self.slots[(name, i)] = torch.zeros_like(self.params[i])
        return self.slots[(name, i)]

    @torch.no_grad() if torch else (lambda f: f)
    def step(self, grads):
        o = self.o
        lr = f32(o['lr'])
        if o['decay'] > 0:  # lr * (1 / (1 + decay * iterations)), iterations before this update
            lr = f32(lr * f32(1 / f32(1 + f32(f32(o['decay']) * self.iterations))))
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if o['type'] == 'sgd':
                mom = f32(o['momentum'])
                if o['momentum'] > 0:
                    m = self.slot('moments', i)
                    v = m * mom - g * lr  # velocity
                    m.copy_(v)
                    p.add_(v * mom - g * lr if o['nesterov'] else v)
                else:
                    p.sub_(g * lr)
            elif o['type'] == 'rmsprop':
                rho = f32(o['rho'])
                a = self.slot('accumulators', i)
                a.mul_(rho).add_(g.square() * f32(1 - rho))
                p.sub_(g * lr / (a.sqrt() + f32(o['epsilon'])))
            else:
                b1, b2 = f32(o['beta1']), f32(o['beta2'])
                t = self.iterations + 1
                lr_t = f32(lr * f32(f32(math.sqrt(f32(1 - f32(b2 ** t)))) / f32(1 - f32(b1 ** t))))
                m, v = self.slot('ms', i), self.slot('vs', i)
                m.mul_(b1).add_(g * f32(1 - b1))
                v.mul_(b2).add_(g.square() * f32(1 - b2))
                denom = v
                if o['amsgrad']:
                    vhat = self.slot('vhats', i)
                    torch.maximum(vhat, v, out=vhat)
                    denom = vhat
                p.sub_(m * lr_t / (denom.sqrt() + f32(o['epsilon'])))
        self.iterations += 1


def torch_optimizer(spec, params):
    """torch.optim as a port that keeps PyTorch's defaults writes it: what the Keras call names is passed on,
    every other hyperparameter is torch's (RMSprop lr 0.01, alpha 0.99, eps 1e-8; Adam eps 1e-8, after bias correction)."""
    kind = spec['type']
    given = {k: v for k, v in spec.items() if v is not None}
    if kind == 'sgd':
        opt = torch.optim.SGD(params, lr=given.get('lr', 0.01), momentum=given.get('momentum', 0), nesterov=given.get('nesterov', False))
    elif kind == 'rmsprop':
        kw = {k2: given[k1] for k1, k2 in (('lr', 'lr'), ('rho', 'alpha'), ('epsilon', 'eps')) if k1 in given}
        opt = torch.optim.RMSprop(params, **kw)
    elif kind == 'adam':
        kw = {k2: given[k1] for k1, k2 in (('lr', 'lr'), ('epsilon', 'eps'), ('amsgrad', 'amsgrad')) if k1 in given}
        if 'beta1' in given or 'beta2' in given:
            kw['betas'] = (given.get('beta1', 0.9), given.get('beta2', 0.999))
        opt = torch.optim.Adam(params, **kw)
    else:
        raise UnsupportedError(f'optimizer {kind!r}')
    decay = given.get('decay', 0)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: 1 / (1 + decay * it)) if decay else None
    return opt, schedule


def keras_loss(loss, p, y):
    """Keras 2.2's losses on probabilities, as batch means (keras/backend/tensorflow_backend.py, keras/losses.py)."""
    if loss == 'categorical_crossentropy':
        q = (p / p.sum(dim=-1, keepdim=True)).clamp(KERAS_EPSILON, 1 - KERAS_EPSILON)
        return -(y * torch.log(q)).sum(dim=-1).mean()
    if loss == 'mean_squared_error':
        return (p - y).square().mean(dim=-1).mean()
    raise UnsupportedError(f'loss {loss!r}')


LIVE = set()


# Where PyTorch's defaults differ from Keras's: --semantics pytorch-defaults takes all of them; --defaults
# takes some (to see which specs catch which mistake).
DEFAULTS = ('init', 'optimizer', 'batchnorm', 'loss', 'dropout')


class TorchModel(Model):
    def __init__(self, arch, seed, defaults=frozenset()):
        super().__init__(arch)
        self.defaults = frozenset(defaults)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2 ** 31))
        if 'init' in self.defaults:
            torch.manual_seed(int(seed))
            init = TorchDefaultInit()
        else:
            init = KerasInit(torch.Generator().manual_seed(int(seed)))
        self.stack = []
        for spec in arch.layers:
            kind = spec['type']
            if kind == 'Dense':
                layer = Dense(spec, init)
            elif kind == 'Conv2D':
                layer = Conv2D(spec, init)
            elif kind == 'BatchNormalization':
                layer = BatchNormalization(spec, keras='batchnorm' not in self.defaults)
            elif kind == 'Dropout':
                layer = Dropout(spec, keras='dropout' not in self.defaults)
            elif kind in ('Flatten', 'Reshape'):
                layer = Reshape(spec)
            elif kind == 'MaxPooling2D':
                layer = MaxPooling2D(spec)
            elif kind == 'Activation':
                layer = Activation(spec)
            else:
                raise UnsupportedError(f'layer type {kind!r}')
            self.stack.append(layer)
        # PyTorch's idiom for softmax + categorical_crossentropy: cross-entropy on the logits (pytorch-defaults).
        last = arch.layers[-1] if arch.layers else {}
        self.softmax_output = last.get('activation') == 'softmax' and last['type'] in ('Dense', 'Activation', 'Conv2D')
        LIVE.add(self)

    def tensor_count(self):
        return sum(len(layer.tensors()) for layer in self.stack)

    def layers(self):
        rows = []
        for spec, layer in zip(self.arch.layers, self.stack):
            params = sum(t.numel() for t in layer.tensors()[:len(layer.weights())])
            trainable = sum(t.numel() for t in layer.trainable())
            rows.append({'name': spec['name'], 'type': spec['type'], 'outputShape': [None, *spec['outputShape']], 'params': params, 'trainableParams': trainable})
        return rows

    def get_weights(self):
        return [to_keras(t).detach().contiguous().numpy().copy() for layer in self.stack for t, to_keras, _ in layer.weights()]

    @torch.no_grad() if torch else (lambda f: f)
    def set_weights(self, weights):
        slots = [(t, from_keras) for layer in self.stack for t, _, from_keras in layer.weights()]
        for (t, from_keras), w in zip(slots, weights):
            t.copy_(torch.from_numpy(np.ascontiguousarray(from_keras(w))))

    def forward(self, x, ctx, logits=False):
        h = to_nchw(x) if x.dim() == 4 else x
        last = len(self.stack) - 1
        for i, layer in enumerate(self.stack):
            if logits and i == last and isinstance(layer, (Dense, Conv2D, Activation)):
                h = layer.forward(h, ctx, skip_softmax=True)
            else:
                h = layer.forward(h, ctx)
        return to_nhwc(h)

    def predict(self, x, batch_size):
        xt = torch.from_numpy(x)
        out = np.empty((len(x), *self.arch.output_shape), dtype=np.float32)
        ctx = Context(training=False)
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                out[start:start + batch_size] = self.forward(xt[start:start + batch_size], ctx).numpy()
        return out

    def fit(self, x, y, config, progress, validation=None):
        params = [t for layer in self.stack for t in layer.trainable()]
        self.loss = config['loss']
        seed = int(config.get('seed', 0))
        self.generator = torch.Generator().manual_seed(seed + 1)
        for p in params:
            p.requires_grad_(True)
        if 'dropout' in self.defaults:
            torch.manual_seed(seed)  # F.dropout draws from PyTorch's global generator
        if 'optimizer' in self.defaults:
            self.optimizer, self.schedule = torch_optimizer(config['optimizer'], params)
        else:
            self.optimizer, self.schedule = KerasOptimizer(config['optimizer'], params), None
        self.params = params
        try:
            return super().fit(x, y, config, progress, validation)
        finally:
            for p in params:
                p.requires_grad_(False)
                p.grad = None
            self.optimizer = self.schedule = self.params = self.generator = None

    def train_step(self, x, y, step):
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        ctx = Context(training=True, generator=self.generator)
        use_logits = 'loss' in self.defaults and self.loss == 'categorical_crossentropy' and self.softmax_output
        p_out = self.forward(xt, ctx, logits=use_logits)
        loss = F.cross_entropy(p_out, yt.argmax(dim=1)) if use_logits else keras_loss(self.loss, p_out, yt)
        if 'optimizer' in self.defaults:
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if self.schedule:
                self.schedule.step()
        else:
            self.optimizer.step(torch.autograd.grad(loss, self.params))
        for layer, mean, variance in ctx.moving_updates:
            layer.apply_moving(mean, variance)
        with torch.no_grad():
            acc = (p_out.argmax(dim=1) == yt.argmax(dim=1)).float().mean()
        return float(loss), float(acc)

    def dispose(self):
        LIVE.discard(self)
        self.stack = []


class TorchImplementation(Implementation):
    layer_types = LAYER_TYPES
    optimizers = OPTIMIZERS
    losses = LOSSES

    def __init__(self, semantics='keras', defaults=None):
        self.semantics = semantics
        self.defaults = frozenset(DEFAULTS if semantics == 'pytorch-defaults' else ()) if defaults is None else frozenset(defaults)
        full = self.defaults == frozenset(DEFAULTS)
        self.name = 'pytorch' if not self.defaults else 'pytorch-defaults' if full else f'pytorch-defaults[{",".join(sorted(self.defaults))}]'
        self.version = f'{VERSION}+torch-{torch.__version__}' if torch else f'{VERSION}+no-torch'
        if torch is None:
            self.unavailable = {'reason': f'PyTorch is not installed for {sys.executable} ({TORCH_ERROR})', 'install': INSTALL_TORCH}

    def info(self):
        return {
            'backend': 'torch-cpu',
            'details': {
                'semantics': 'keras' if not self.defaults else f'pytorch defaults: {", ".join(d for d in DEFAULTS if d in self.defaults)}',
                'torch': torch.__version__,
                'numpy': np.__version__,
                'python': sys.version.split()[0],
                'threads': torch.get_num_threads(),
                'interopThreads': torch.get_num_interop_threads(),
                'OMP_WAIT_POLICY': os.environ.get('OMP_WAIT_POLICY', ''),
                'mkldnn': torch.backends.mkldnn.is_available(),
                # What the live models hold (weights, batch-norm state): the leak spec watches it.
                'liveTensors': sum(m.tensor_count() for m in LIVE),
            },
        }

    def build(self, arch, seed):
        return TorchModel(arch, seed, self.defaults)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--semantics', choices=('keras', 'pytorch-defaults'), default='keras')
    parser.add_argument('--defaults', help=f'PyTorch\'s defaults in these places only, comma-separated: {", ".join(DEFAULTS)} (overrides --semantics)')
    parser.add_argument('--threads', type=int, help='torch.set_num_threads (default: PyTorch\'s own)')
    args = parser.parse_args()
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)
    defaults = None
    if args.defaults is not None:
        defaults = [d for d in args.defaults.split(',') if d]
        unknown = sorted(set(defaults) - set(DEFAULTS))
        if unknown:
            parser.error(f'--defaults: unknown {", ".join(unknown)} (known: {", ".join(DEFAULTS)})')
    serve(TorchImplementation(args.semantics, defaults))


if __name__ == '__main__':
    main()
