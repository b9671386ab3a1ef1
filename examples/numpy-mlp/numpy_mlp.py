"""The Keras MNIST notebooks' multi-layer perceptrons in NumPy alone, judged by mnist-spec through its protocol.

    npx mnist-spec conform --impl 'exec:/usr/bin/python3 examples/numpy-mlp/numpy_mlp.py'

One file of model code on top of the protocol client (clients/python/mnist_spec_client.py, which does the
framing, the handshake, the weight and input checks and Keras's fit loop): Dense, Activation, Dropout,
Flatten and Reshape, forward and backward by hand, Keras 2.2's SGD, RMSprop and Adam, the clipped
categorical cross-entropy and mean squared error, glorot-uniform kernels and zero biases. It declares only
those layers, so the convolutional specs skip saying so.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'clients', 'python'))
from mnist_spec_client import (  # noqa: E402
    KERAS_EPSILON, Implementation, Model, UnsupportedError, resolve_optimizer, serve,
)

F32 = np.float32


def activate(name, z):
    if name in (None, 'linear'):
        return z
    if name == 'relu':
        return np.maximum(z, 0)
    if name == 'sigmoid':
        return 1 / (1 + np.exp(-z))
    if name == 'tanh':
        return np.tanh(z)
    if name == 'softmax':
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise UnsupportedError(f'activation {name!r}')


def activation_backward(name, a, da):
    """Gradient through an activation, given its output a and the gradient at its output."""
    if name in (None, 'linear'):
        return da
    if name == 'relu':
        return da * (a > 0)
    if name == 'sigmoid':
        return da * a * (1 - a)
    if name == 'tanh':
        return da * (1 - a * a)
    if name == 'softmax':
        return a * (da - (a * da).sum(axis=-1, keepdims=True))
    raise UnsupportedError(f'activation {name!r}')


class Layer:
    """One Keras layer: its weights (Keras layout), forward in inference or training mode, backward."""

    def __init__(self, spec):
        self.spec = spec
        self.params = []

    def forward(self, x, training, step):
        return x

    def backward(self, dy):
        """Gradient at the input, and the gradients of self.params (same order)."""
        return dy, []


class Dense(Layer):
    def __init__(self, spec, rng):
        super().__init__(spec)
        fan_in, units = spec['inputShape'][-1], spec['units']
        limit = np.sqrt(6 / (fan_in + units))  # glorot_uniform
        self.params = [(rng.uniform(-limit, limit, (fan_in, units))).astype(F32)]
        if spec.get('useBias', True):
            self.params.append(np.zeros(units, F32))

    def forward(self, x, training, step):
        self.x = x
        z = x @ self.params[0]
        if len(self.params) > 1:
            z = z + self.params[1]
        self.a = activate(self.spec.get('activation'), z)
        return self.a

    def backward(self, dy):
        dz = activation_backward(self.spec.get('activation'), self.a, dy)
        x2 = self.x.reshape(-1, self.x.shape[-1])
        dz2 = dz.reshape(-1, dz.shape[-1])
        grads = [x2.T @ dz2] + ([dz2.sum(axis=0)] if len(self.params) > 1 else [])
        return dz @ self.params[0].T, grads


class Activation(Layer):
    def forward(self, x, training, step):
        self.a = activate(self.spec['activation'], x)
        return self.a

    def backward(self, dy):
        return activation_backward(self.spec['activation'], self.a, dy), []


class Dropout(Layer):
    def forward(self, x, training, step):
        rate = self.spec['rate']
        if not training or not 0 < rate < 1:
            self.mask = None
            return x
        # Keras's training-mode dropout: keep a unit when its uniform draw is >= rate, scale by 1 / keep.
        self.mask = (step.rng.random(x.shape, dtype=F32) >= rate).astype(F32) / F32(1 - rate)
        return x * self.mask

    def backward(self, dy):
        return (dy if self.mask is None else dy * self.mask), []


class Reshape(Layer):
    """Flatten and Reshape: channels-last, row-major, as Keras lays the values out."""

    def forward(self, x, training, step):
        self.shape = x.shape
        return x.reshape(len(x), *self.spec['outputShape'])

    def backward(self, dy):
        return dy.reshape(self.shape), []


# The models alive in this process: info() counts the arrays they hold (the leak spec watches it).
LIVE = set()

LAYERS = {'Dense': Dense, 'Activation': Activation, 'Dropout': Dropout, 'Flatten': Reshape, 'Reshape': Reshape}


def loss_and_gradient(loss, p, y):
    """Keras's batch-mean loss on probabilities and its gradient with respect to them."""
    n = len(p)
    if loss == 'categorical_crossentropy':
        s = p.sum(axis=-1, keepdims=True)
        q = p / s
        inside = (q >= KERAS_EPSILON) & (q <= 1 - KERAS_EPSILON)  # the clip passes no gradient where it binds
        qc = np.clip(q, KERAS_EPSILON, 1 - KERAS_EPSILON)
        value = -(y * np.log(qc)).sum(axis=-1).mean()
        dq = np.where(inside, -y / np.where(inside, q, 1), 0).astype(F32)
        dp = (dq - (dq * q).sum(axis=-1, keepdims=True)) / s
        return value, dp / n
    if loss == 'mean_squared_error':
        k = p.shape[-1]
        return ((p - y) ** 2).mean(axis=-1).mean(), 2 * (p - y) / k / n
    raise UnsupportedError(f'loss {loss!r}')


class KerasOptimizer:
    """Keras 2.2's get_updates (keras/optimizers.py), one instance per fit."""

    def __init__(self, spec, params):
        self.o = resolve_optimizer(spec)
        self.iterations = 0
        self.slots = {}
        self.params = params

    def slot(self, name, i):
        key = (name, i)
        if key not in self.slots:
            self.slots[key] = np.zeros_like(self.params[i])
        return self.slots[key]

    def apply(self, grads):
        o = self.o
        lr = o['lr'] / (1 + o['decay'] * self.iterations)
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if o['type'] == 'sgd':
                if o['momentum'] > 0:
                    m = self.slot('m', i)
                    v = o['momentum'] * m - lr * g
                    m[...] = v
                    p += o['momentum'] * v - lr * g if o['nesterov'] else v
                else:
                    p -= lr * g
            elif o['type'] == 'rmsprop':
                a = self.slot('a', i)
                a[...] = o['rho'] * a + (1 - o['rho']) * g * g
                p -= lr * g / (np.sqrt(a) + o['epsilon'])
            else:
                t = self.iterations + 1
                lr_t = lr * np.sqrt(1 - o['beta2'] ** t) / (1 - o['beta1'] ** t)
                m, v = self.slot('m', i), self.slot('v', i)
                m[...] = o['beta1'] * m + (1 - o['beta1']) * g
                v[...] = o['beta2'] * v + (1 - o['beta2']) * g * g
                denom = v
                if o['amsgrad']:
                    vhat = self.slot('vhat', i)
                    np.maximum(vhat, v, out=vhat)
                    denom = vhat
                p -= lr_t * m / (np.sqrt(denom) + o['epsilon'])
        self.iterations += 1


class NumpyModel(Model):
    def __init__(self, arch, seed):
        super().__init__(arch)
        rng = np.random.default_rng(seed)
        self.stack = [LAYERS[l['type']](l, rng) if l['type'] == 'Dense' else LAYERS[l['type']](l) for l in arch.layers]
        self.optimizer = None
        LIVE.add(self)

    def dispose(self):
        LIVE.discard(self)
        self.stack = []

    def weights(self):
        return [p for layer in self.stack for p in layer.params]

    def get_weights(self):
        return [w.copy() for w in self.weights()]

    def set_weights(self, weights):
        for mine, given in zip(self.weights(), weights):
            mine[...] = given

    def forward(self, x, training, step=None):
        for layer in self.stack:
            x = layer.forward(x, training, step)
        return x

    def predict(self, x, batch_size):
        return np.concatenate([self.forward(x[i:i + batch_size], False) for i in range(0, len(x), batch_size)] or [np.zeros((0, *self.arch.output_shape), F32)])

    def fit(self, x, y, config, progress, validation=None):
        # Each fit is a compile + fit: a fresh optimizer (Keras's iterations and slots start at zero).
        self.optimizer = KerasOptimizer(config['optimizer'], self.weights())
        self.loss = config['loss']
        try:
            return super().fit(x, y, config, progress, validation)
        finally:
            self.optimizer = None

    def train_step(self, x, y, step):
        p = self.forward(x, True, step)
        value, dp = loss_and_gradient(self.loss, p, y)
        acc = np.mean(np.argmax(p, axis=-1) == np.argmax(y, axis=-1))
        grads = []
        d = dp.astype(F32)
        for layer in reversed(self.stack):
            d, g = layer.backward(d)
            grads = g + grads
        self.optimizer.apply(grads)
        return float(value), float(acc)


class NumpyImplementation(Implementation):
    name = 'numpy-mlp'
    version = '0.1.0'
    layer_types = tuple(LAYERS)
    optimizers = ('sgd', 'rmsprop', 'adam')
    losses = ('categorical_crossentropy', 'mean_squared_error')

    def info(self):
        live = sum(len(m.weights()) for m in LIVE)
        return {'backend': 'numpy', 'details': {'numpy': np.__version__, 'python': sys.version.split()[0], 'liveTensors': live}}

    def build(self, arch, seed):
        return NumpyModel(arch, seed)


if __name__ == '__main__':
    serve(NumpyImplementation())
