"""mnist-spec protocol client: judge a Python implementation of the Keras MNIST notebooks with mnist-spec.

One file, NumPy its only dependency. Copy it beside your code (or put this folder on PYTHONPATH), subclass
`Model` and `Implementation`, and end your script with `serve(MyImplementation())`. Then:

    npx mnist-spec conform --impl 'exec:python3 my_impl.py'

The suite starts your script and speaks the protocol of docs/protocol.md on its stdin/stdout; this module
turns that into method calls. You write only the model:

    build(arch, seed)         -> Model     arch: the architecture, names and shapes already settled (Architecture)
    Model.get_weights()       -> [ndarray] Keras get_weights() order and layout (Dense kernel [in, out],
                                           Conv2D kernel [kh, kw, in, out]), float32
    Model.set_weights(ws)                  the same list; shapes are checked here before your code sees them
    Model.predict(x, batch_size) -> ndarray  inference-mode probabilities [n, classes], float32
    Model.train_step(x, y, step) -> (loss, acc)   one Keras training step on one batch (optional: training)

`keras_fit` (used by the default `Model.fit`) does everything Keras's fit loop does around train_step:
validation_split (the last rows, cut before shuffling), a fresh shuffle each epoch, make_batches,
batch-size-weighted epoch means, validation through predict, progress messages and the History.

stdout belongs to the protocol: `serve` moves it aside and points file descriptor 1 at stderr, so print()
and C libraries that write to stdout cannot corrupt a frame. Log to stderr; the suite shows it.
"""
import json
import math
import os
import struct
import sys
import time
import traceback

try:
    import numpy as np
    NUMPY_ERROR = None
except ImportError as e:  # the module still loads: serve_unavailable() needs no NumPy
    np = None
    NUMPY_ERROR = str(e)

PROTOCOL_VERSIONS = (1,)
MAGIC = b'MNSP'
PREFIX = struct.Struct('<4sII')  # magic, header length, payload length
MAX_HEADER_BYTES = 16 * 1024 * 1024
WIRE_DTYPES = {'float32': np.dtype('<f4'), 'float64': np.dtype('<f8'), 'int32': np.dtype('<i4'), 'uint8': np.dtype('u1')} if np else {}
LAYER_TYPES = ('Dense', 'Dropout', 'Activation', 'Flatten', 'Reshape', 'Conv2D', 'BatchNormalization', 'MaxPooling2D')
OPTIMIZERS = ('sgd', 'rmsprop', 'adam')
LOSSES = ('categorical_crossentropy', 'mean_squared_error')
# Keras's fuzz factor K.epsilon(): the clip bound of categorical cross-entropy.
KERAS_EPSILON = 1e-7
# Keras 2.2's optimizer defaults (keras/optimizers.py), for fields a fit config leaves out.
KERAS_OPTIMIZER_DEFAULTS = {
    'sgd': {'lr': 0.01, 'momentum': 0.0, 'nesterov': False, 'decay': 0.0},
    'rmsprop': {'lr': 0.001, 'rho': 0.9, 'epsilon': 1e-7, 'decay': 0.0},
    'adam': {'lr': 0.001, 'beta1': 0.9, 'beta2': 0.999, 'epsilon': 1e-7, 'decay': 0.0, 'amsgrad': False},
}
# A predict of many rows is handed to the model in chunks of about this many rows (whole batches), with a
# heartbeat between chunks, so the suite can tell a long predict from a hung one.
PREDICT_CHUNK_ROWS = 2048
HEARTBEAT_SECONDS = 1.0


class ArgumentError(Exception):
    """A bad argument: names it (`weights[2] (dense_2/kernel)`, `x`, `batchSize`). The suite raises its own ArgumentError."""

    def __init__(self, argument, detail):
        super().__init__(f'{argument}: {detail}')
        self.argument = argument
        self.detail = detail


class UnsupportedError(Exception):
    """Asked for something this implementation does not do (a layer type, an optimizer)."""


class ProtocolError(Exception):
    """The suite's bytes did not make a frame: the connection cannot continue."""


# ---------------------------------------------------------------------------------------------- framing

def _json_safe(value):
    """JSON has no NaN or Infinity: write them as the strings "NaN", "Infinity", "-Infinity"."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if np is None:
        return value
    if isinstance(value, (np.floating, float)):
        v = float(value)
        if math.isnan(v):
            return 'NaN'
        if math.isinf(v):
            return 'Infinity' if v > 0 else '-Infinity'
        return v
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def encode_frame(header, tensors=()):
    """One frame as bytes: tensors is a sequence of (name, ndarray); float64 arrays stay float64 (say float32 if you mean it)."""
    table = []
    blobs = []
    for name, array in tensors:
        a = np.asarray(array)
        dtype = next((k for k, d in WIRE_DTYPES.items() if a.dtype == d or a.dtype == d.newbyteorder('=')), None)
        if dtype is None:
            raise TypeError(f'tensor "{name}": dtype {a.dtype} cannot travel (float32, float64, int32, uint8)')
        table.append({'name': name, 'dtype': dtype, 'shape': [int(d) for d in a.shape]})
        blobs.append(np.ascontiguousarray(a, dtype=WIRE_DTYPES[dtype]))
    body = dict(header)
    if table:
        body['tensors'] = table
    head = json.dumps(_json_safe(body), allow_nan=False, separators=(',', ':')).encode('utf-8')
    head += b' ' * ((8 - (PREFIX.size + len(head)) % 8) % 8)  # the payload starts 8-byte aligned
    payload = sum(b.nbytes for b in blobs)
    return [PREFIX.pack(MAGIC, len(head), payload), head] + [memoryview(b.reshape(-1)).cast('B') for b in blobs if b.nbytes]


def write_frame(stream, header, tensors=()):
    for part in encode_frame(header, tensors):
        stream.write(part)
    stream.flush()


def _read_exact(stream, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            return buf[:got]
        got += k
    return buf


def read_frame(stream, max_payload=1 << 30):
    """The next frame as (header, [(name, ndarray)]), or None when the stream ends cleanly between frames."""
    prefix = _read_exact(stream, PREFIX.size)
    if not prefix:
        return None
    if len(prefix) < PREFIX.size:
        raise ProtocolError(f'the stream ended inside a frame prefix ({len(prefix)} of {PREFIX.size} bytes)')
    magic, head_len, payload_len = PREFIX.unpack(bytes(prefix))
    if magic != MAGIC:
        raise ProtocolError(f'bytes outside a frame: {bytes(prefix)!r}')
    if not 2 <= head_len <= MAX_HEADER_BYTES or payload_len > max_payload:
        raise ProtocolError(f'frame lengths out of range: header {head_len}, payload {payload_len}')
    head = _read_exact(stream, head_len)
    payload = _read_exact(stream, payload_len)
    if len(head) < head_len or len(payload) < payload_len:
        raise ProtocolError('the stream ended inside a frame')
    header = json.loads(head.decode('utf-8'))
    if not isinstance(header, dict) or not isinstance(header.get('type'), str):
        raise ProtocolError(f'frame header is not an object with a "type": {head[:80]!r}')
    tensors = []
    offset = 0
    for t in header.pop('tensors', None) or []:
        dtype = WIRE_DTYPES.get(t.get('dtype'))
        if dtype is None:
            raise ProtocolError(f'tensor {t.get("name")!r}: unknown dtype {t.get("dtype")!r}')
        shape = tuple(int(d) for d in t['shape'])
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        a = np.frombuffer(payload, dtype=dtype, count=nbytes // dtype.itemsize, offset=offset).reshape(shape)
        tensors.append((t['name'], a.astype(dtype.newbyteorder('='), copy=False)))
        offset += nbytes
    if offset != payload_len:
        raise ProtocolError(f'message {header.get("type")!r}: tensors need {offset} bytes, the payload has {payload_len}')
    return header, tensors


# ------------------------------------------------------------------------------------ the architecture

class Architecture:
    """The build message's architecture, with Keras's layer names, shapes and weights already settled by the suite.

    layers: list of dicts, one per layer in execution order, with the Keras fields of src/arch/types.ts
    (`type`, `units`, `activation`, `filters`, `kernelSize`, `strides`, `padding`, `rate`, `poolSize`,
    `momentum`, `epsilon`, `targetShape`, `useBias`) plus `name`, `inputShape`, `outputShape` (no batch axis)
    and `weights` ([{name, shape, trainable}] in get_weights order).
    """

    def __init__(self, resolved, raw=None):
        self.raw = raw
        self.kind = resolved['kind']
        self.input_shape = tuple(resolved['inputShape'])
        self.output_shape = tuple(resolved['outputShape'])
        self.layers = resolved['layers']
        self.weight_specs = [(l['name'], w['name'], tuple(w['shape']), w['trainable']) for l in self.layers for w in l['weights']]

    def layer_types(self):
        return {l['type'] for l in self.layers}

    def summary_rows(self):
        """model.summary() rows from the architecture (override Model.layers to report your runtime's own)."""
        rows = []
        for l in self.layers:
            params = sum(int(np.prod(w['shape'])) for w in l['weights'])
            trainable = sum(int(np.prod(w['shape'])) for w in l['weights'] if w['trainable'])
            rows.append({'name': l['name'], 'type': l['type'], 'outputShape': [None, *l['outputShape']], 'params': params, 'trainableParams': trainable})
        return rows


def _shape(s):
    return '(' + ', '.join(str(d) for d in s) + (',)' if len(s) == 1 else ')')


def check_weights(arch, weights):
    """Keras set_weights' checks, naming the tensor at fault: `weights[2] (dense_2/kernel): expected shape (512, 128), got (128, 512)`."""
    specs = arch.weight_specs
    if len(weights) != len(specs):
        names = ', '.join(f'{l}/{n}' for l, n, _, _ in specs)
        raise ArgumentError('weights', f'the model has {len(specs)} weight tensors ({names}), got {len(weights)}')
    for i, ((layer, name, shape, _), w) in enumerate(zip(specs, weights)):
        where = f'weights[{i}] ({layer}/{name})'
        if tuple(w.shape) != shape:
            raise ArgumentError(where, f'expected shape {_shape(shape)}, got {_shape(w.shape)}')
        if w.dtype != np.float32:
            raise ArgumentError(where, f'expected float32, got {w.dtype}')


def check_input(arch, x, argument='x'):
    if x.ndim != len(arch.input_shape) + 1 or tuple(x.shape[1:]) != arch.input_shape:
        raise ArgumentError(argument, f'expected shape (n, {", ".join(str(d) for d in arch.input_shape)}), got {_shape(x.shape)}')


# ------------------------------------------------------------------------------------- Keras semantics

def resolve_optimizer(spec):
    """The fit config's optimizer with Keras 2.2's defaults for every field left out."""
    kind = spec.get('type')
    if kind not in KERAS_OPTIMIZER_DEFAULTS:
        raise UnsupportedError(f'optimizer {kind!r}')
    out = dict(KERAS_OPTIMIZER_DEFAULTS[kind], type=kind)
    out.update({k: v for k, v in spec.items() if v is not None})
    return out


def evaluate(probs, y, loss):
    """Keras's loss and categorical accuracy on probabilities, in float64, as the suite computes them.

    categorical_crossentropy rescales each row to sum 1 and clips to [1e-7, 1 - 1e-7] before the log."""
    p = np.asarray(probs, dtype=np.float64)
    t = np.asarray(y, dtype=np.float64)
    if loss == 'categorical_crossentropy':
        q = np.clip(p / p.sum(axis=1, keepdims=True), KERAS_EPSILON, 1 - KERAS_EPSILON)
        with np.errstate(invalid='ignore'):
            rows = -np.where(t != 0, t * np.log(q), 0.0).sum(axis=1)
    elif loss == 'mean_squared_error':
        rows = ((p - t) ** 2).mean(axis=1)
    else:
        raise UnsupportedError(f'loss {loss!r}')
    acc = float(np.mean(np.argmax(p, axis=1) == np.argmax(t, axis=1))) if len(p) else float('nan')
    return float(rows.mean()) if len(p) else float('nan'), acc


def predict_in_chunks(model, x, batch_size, progress=None):
    """model.predict over x in chunks of whole batches (about PREDICT_CHUNK_ROWS rows), with a heartbeat between
    chunks: the same batches as one call, and the suite hears that a long predict is alive."""
    chunk = batch_size * max(1, PREDICT_CHUNK_ROWS // batch_size)
    parts = []
    for start in range(0, len(x), chunk):
        parts.append(np.asarray(model.predict(x[start:start + chunk], batch_size)))
        if progress is not None:
            progress.heartbeat()
    return np.concatenate(parts) if parts else np.zeros((0, *model.arch.output_shape), np.float32)


class Step:
    """Where a training step is: epoch, batch within it, iteration (steps before this one in this fit), and
    rng, a numpy Generator seeded from the fit's seed for dropout masks (one stream per fit)."""

    __slots__ = ('epoch', 'batch', 'iteration', 'rng', 'seed')

    def __init__(self, epoch, batch, iteration, rng, seed):
        self.epoch, self.batch, self.iteration, self.rng, self.seed = epoch, batch, iteration, rng, seed


def _check_fit(config, n):
    bs, epochs = config.get('batchSize'), config.get('epochs')
    if not isinstance(bs, int) or bs < 1:
        raise ArgumentError('batchSize', f'must be a positive integer, got {bs!r}')
    if not isinstance(epochs, int) or epochs < 0:
        raise ArgumentError('epochs', f'must be a non-negative integer, got {epochs!r}')
    split = config.get('validationSplit')
    if split is not None and not 0 <= split < 1:
        raise ArgumentError('validationSplit', f'must be in [0, 1), got {split!r}')


def keras_fit(model, x, y, config, progress, validation=None):
    """Keras 2.2's model.fit around model.train_step (keras/engine/training_arrays.py fit_loop):

    - validation: `validation` (validation_data) when given, else the last validationSplit fraction of x/y,
      cut before any shuffling (split_at = int(n * (1 - split)));
    - each epoch a fresh permutation of the training rows (unless shuffle is False), cut in batches of batchSize;
    - the epoch's loss and acc: the batch-size-weighted mean of what train_step returned (BaseLogger);
    - validation loss and accuracy after the epoch's last step, from predict in batches of batchSize;
    - progress after every batch and epoch; returns the History as the protocol carries it.
    """
    _check_fit(config, len(x))
    batch_size, epochs, seed = config['batchSize'], config['epochs'], int(config.get('seed', 0))
    val = validation
    if val is None and config.get('validationSplit'):
        split_at = int(len(x) * (1 - config['validationSplit']))
        x, y, val = x[:split_at], y[:split_at], (x[split_at:], y[split_at:])
    n = len(x)
    shuffle_rng = np.random.default_rng(seed)
    step_rng = np.random.default_rng([seed, 1])
    history = {'trainSamples': n, 'valSamples': len(val[0]) if val is not None else 0, 'epochs': []}
    iteration = 0
    for epoch in range(epochs):
        started = time.perf_counter()
        order = shuffle_rng.permutation(n) if config.get('shuffle', True) is not False else np.arange(n)
        seen, loss_sum, acc_sum = 0, 0.0, 0.0
        for b, start in enumerate(range(0, n, batch_size)):
            idx = order[start:start + batch_size]
            loss, acc = model.train_step(x[idx], y[idx], Step(epoch, b, iteration, step_rng, seed))
            iteration += 1
            seen += len(idx)
            loss_sum += float(loss) * len(idx)
            acc_sum += float(acc) * len(idx)
            progress.batch(epoch, seen, n, loss_sum / seen, acc_sum / seen)
        log = {'epoch': epoch, 'loss': loss_sum / seen if seen else float('nan'), 'acc': acc_sum / seen if seen else float('nan')}
        if val is not None and len(val[0]):
            probs = predict_in_chunks(model, val[0], batch_size, progress)
            log['valLoss'], log['valAcc'] = evaluate(probs, val[1], config['loss'])
        log['seconds'] = time.perf_counter() - started
        history['epochs'].append(log)
        progress.epoch(log)
    return history


# --------------------------------------------------------------------------------- what a porter writes

class Model:
    """One built model. Subclass it: get_weights, set_weights, predict; train_step to train."""

    def __init__(self, arch):
        self.arch = arch

    def layers(self):
        """model.summary() rows: name, Keras class name, outputShape with None for the batch axis, params, trainableParams."""
        return self.arch.summary_rows()

    def get_weights(self):
        raise NotImplementedError('get_weights')

    def set_weights(self, weights):
        raise NotImplementedError('set_weights')

    def predict(self, x, batch_size):
        raise NotImplementedError('predict')

    def train_step(self, x, y, step):
        raise UnsupportedError(f'{type(self).__name__} does not train')

    def fit(self, x, y, config, progress, validation=None):
        return keras_fit(self, x, y, config, progress, validation)

    def dispose(self):
        pass


class Implementation:
    """Subclass it: name, version, what it supports, build(); info() for the report."""

    name = 'python-implementation'
    version = '0.0.0'
    layer_types = LAYER_TYPES
    # Leave empty for inference only; the training specs then skip saying so.
    optimizers = ()
    losses = ()
    # A dict {'reason': ..., 'install': ...} when it cannot run here (a missing library): every spec skips with it.
    unavailable = None

    def info(self):
        return {'backend': 'python', 'details': {'python': sys.version.split()[0], 'numpy': np.__version__}}

    def build(self, arch, seed):
        raise NotImplementedError('build')


# ------------------------------------------------------------------------------------------- the server

class Progress:
    """Progress messages of the request being served (fit's batches and epochs, heartbeats of long calls)."""

    def __init__(self, server, request_id):
        self._server, self._id, self._last = server, request_id, time.monotonic()

    def _send(self, fields):
        self._last = time.monotonic()
        self._server.send({'type': 'progress', 'id': self._id, **fields})

    def batch(self, epoch, seen, total, loss, acc):
        self._send({'event': 'batch', 'epoch': epoch, 'seen': seen, 'total': total, 'loss': loss, 'acc': acc})

    def epoch(self, log):
        self._send({'event': 'epoch', **log})

    def heartbeat(self):
        """Say "still working" (at most once a second): call it from long loops of your own."""
        if time.monotonic() - self._last >= HEARTBEAT_SECONDS:
            self._send({'event': 'heartbeat'})


def _error_reply(e):
    reply = {'name': type(e).__name__, 'message': str(e) or type(e).__name__, 'stack': traceback.format_exc()}
    if isinstance(e, ArgumentError):
        reply.update(argument=e.argument, detail=e.detail)
    return reply


def _f32(tensors, name, argument=None):
    for n, a in tensors:
        if n == name:
            if a.dtype != np.float32:
                raise ArgumentError(argument or name, f'must be float32, got {a.dtype}')
            return a
    return None


class Server:
    def __init__(self, implementation, stdin, stdout):
        self.impl = implementation
        self.stdin, self.stdout = stdin, stdout
        self.models = {}
        self.next_model = 1

    def send(self, header, tensors=()):
        write_frame(self.stdout, header, tensors)

    def model(self, header):
        handle = header.get('model')
        if handle not in self.models:
            raise ArgumentError('model', f'no model {handle!r} (disposed, or never built here)')
        return self.models[handle]

    def hello(self, header):
        impl = self.impl
        offered = header.get('protocols') or []
        common = [v for v in PROTOCOL_VERSIONS if v in offered]
        if not common:
            raise UnsupportedError(f'no common protocol version: the suite offers {offered}, this client speaks {list(PROTOCOL_VERSIONS)}')
        caps = {'layers': list(impl.layer_types)}
        if impl.optimizers and impl.losses:
            caps['train'] = {'optimizers': list(impl.optimizers), 'losses': list(impl.losses)}
        reply = {'protocol': max(common), 'implementation': {'name': impl.name, 'version': impl.version}, 'capabilities': caps}
        if impl.unavailable:
            reply['unavailable'] = impl.unavailable
            reply['capabilities'] = {'layers': []}
        return reply, ()

    def handle(self, header, tensors):
        kind = header['type']
        rid = header.get('id', 0)
        if kind == 'hello':
            return self.hello(header)
        if kind == 'info':
            return self.impl.info(), ()
        if kind == 'build':
            arch = Architecture(header['resolved'], header.get('architecture'))
            missing = sorted(arch.layer_types() - set(self.impl.layer_types))
            if missing:
                raise UnsupportedError(f'{self.impl.name} does not build {", ".join(missing)} layers')
            model = self.impl.build(arch, header.get('seed'))
            handle = f'm{self.next_model}'
            self.next_model += 1
            self.models[handle] = model
            return {'model': handle, 'layers': model.layers()}, ()
        if kind == 'get_weights':
            model = self.model(header)
            weights = model.get_weights()
            names = [f'{l}/{n}' for l, n, _, _ in model.arch.weight_specs]
            return {}, [(names[i] if i < len(names) else f'weights[{i}]', np.asarray(w)) for i, w in enumerate(weights)]
        if kind == 'set_weights':
            model = self.model(header)
            weights = [a for _, a in tensors]
            check_weights(model.arch, weights)
            model.set_weights(weights)
            return {}, ()
        if kind == 'predict':
            model = self.model(header)
            x = _f32(tensors, 'x')
            if x is None:
                raise ArgumentError('x', 'missing')
            check_input(model.arch, x)
            batch_size = int(header.get('batchSize') or 32)
            if batch_size < 1:
                raise ArgumentError('batchSize', f'must be a positive integer, got {batch_size}')
            return {}, [('probabilities', predict_in_chunks(model, x, batch_size, Progress(self, rid)))]
        if kind == 'fit':
            model = self.model(header)
            config = header.get('config') or {}
            x, y = _f32(tensors, 'x'), _f32(tensors, 'y')
            if x is None or y is None:
                raise ArgumentError('x' if x is None else 'y', 'missing')
            check_input(model.arch, x)
            k = int(np.prod(model.arch.output_shape))
            if y.ndim != 2 or y.shape[1] != k or len(y) != len(x):
                raise ArgumentError('y', f'expected shape ({len(x)}, {k}), got {_shape(y.shape)}')
            vx, vy = _f32(tensors, 'validation_x', 'validationData.x'), _f32(tensors, 'validation_y', 'validationData.y')
            validation = (vx, vy) if vx is not None and vy is not None else None
            if validation is not None:
                check_input(model.arch, vx, 'validationData.x')
                if vy.ndim != 2 or vy.shape[1] != k or len(vy) != len(vx):
                    raise ArgumentError('validationData.y', f'expected shape ({len(vx)}, {k}), got {_shape(vy.shape)}')
            loss, opt = config.get('loss'), (config.get('optimizer') or {}).get('type')
            if loss not in self.impl.losses or opt not in self.impl.optimizers:
                raise UnsupportedError(f'{self.impl.name} does not train with optimizer {opt!r} and loss {loss!r}')
            history = model.fit(x, y, config, Progress(self, rid), validation)
            return {'history': history}, ()
        if kind == 'dispose':
            model = self.models.pop(header.get('model'), None)
            if model is not None:
                model.dispose()
            return {}, ()
        raise UnsupportedError(f'unknown request {kind!r}: this client speaks protocol {list(PROTOCOL_VERSIONS)}')

    def run(self):
        while True:
            try:
                frame = read_frame(self.stdin)
            except (ProtocolError, ValueError) as e:
                sys.stderr.write(f'mnist_spec_client: {e}\n')
                return 3
            if frame is None:
                return 0
            header, tensors = frame
            rid = header.get('id', 0)
            if header['type'] == 'goodbye':
                self.send({'type': 'reply', 'id': rid})
                return 0
            try:
                fields, out = self.handle(header, tensors)
                self.send({**fields, 'type': 'reply', 'id': rid}, out)
            except Exception as e:  # noqa: BLE001 - every failure of the model is an error reply, never a dead connection
                self.send({'type': 'error', 'id': rid, **_error_reply(e)})


def protocol_streams():
    """(stdin, stdout) for frames; from here on print() and anything else writing to file descriptor 1 go to stderr."""
    out = os.fdopen(os.dup(1), 'wb', buffering=1 << 16)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return sys.stdin.buffer, out


def serve(implementation):
    """Speak the protocol on stdin/stdout until the suite says goodbye or closes stdin; then exit."""
    if np is None:
        serve_unavailable(getattr(implementation, 'name', 'python-implementation'), f'NumPy is not installed for {sys.executable} ({NUMPY_ERROR})', 'apt-get install -y python3-numpy')
    stdin, stdout = protocol_streams()
    code = Server(implementation, stdin, stdout).run()
    stdout.flush()
    sys.exit(code)


def serve_unavailable(name, reason, install=None, version='unavailable'):
    """Answer the handshake with `unavailable` (every spec then skips with the reason and the install command),
    and every other request with an error, until the suite lets go. Needs nothing but the standard library:
    call it when your own imports fail (`except ImportError as e: serve_unavailable('my-port', str(e), 'pip install …')`)."""
    stdin, stdout = protocol_streams()
    while True:
        prefix = _read_exact(stdin, PREFIX.size)
        if len(prefix) < PREFIX.size:
            sys.exit(0)
        magic, head_len, payload_len = PREFIX.unpack(bytes(prefix))
        if magic != MAGIC or head_len > MAX_HEADER_BYTES:
            sys.exit(3)
        header = json.loads(bytes(_read_exact(stdin, head_len)).decode('utf-8'))
        _read_exact(stdin, payload_len)
        rid = header.get('id', 0)
        if header.get('type') == 'hello':
            unavailable = {'reason': reason, **({'install': install} if install else {})}
            reply = {'type': 'reply', 'id': rid, 'protocol': PROTOCOL_VERSIONS[-1], 'implementation': {'name': name, 'version': version}, 'capabilities': {'layers': []}, 'unavailable': unavailable}
        elif header.get('type') == 'goodbye':
            write_frame(stdout, {'type': 'reply', 'id': rid})
            sys.exit(0)
        else:
            reply = {'type': 'error', 'id': rid, 'name': 'UnsupportedError', 'message': f'{name} is unavailable: {reason}'}
        write_frame(stdout, reply)
