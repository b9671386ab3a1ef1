"""The benchmark's peer: the shipped `pytorch` implementation (src/impl/pytorch/mnist_spec_pytorch.py), timed in-process.

One PyTorch code path: the model the bench times is the model `mnist-spec conform --impl pytorch` judges, built
from the same resolved architecture the suite sends in its build message, trained by the same fit loop
(clients/python's keras_fit) and predicting through the same method — only the protocol is left out, so the
peer is not charged for it. `--semantics pytorch-defaults` times the same code with PyTorch's own defaults
(torch.optim's optimizers, cross-entropy fused on the logits): PyTorch's idiomatic and fastest form, so the peer
a ratio is taken against is the faster of the two, not a Keras emulation slowed by its fidelity.

Run by bench/run.ts as `/usr/bin/python3 bench/peer_pytorch.py --data WORKDIR --threads N --semantics S`; prints
one JSON line in the shape of bench/workload.ts's Measurement. Reads the raw files bench/run.ts writes (uint8
images n x 784 and labels, and workload.json: each model's resolved architecture and fit configuration), scales
by 255 and one-hot encodes them as the notebooks do.
"""
import argparse
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'src', 'impl', 'pytorch'))

parser = argparse.ArgumentParser()
parser.add_argument('--data', required=True)
parser.add_argument('--threads', type=int, required=True)
parser.add_argument('--semantics', choices=('keras', 'pytorch-defaults'), default='keras')
parser.add_argument('--tasks', default='mlp-train,cnn-train,mlp-infer,cnn-infer')
parser.add_argument('--max-seconds', type=float, default=120)
parser.add_argument('--infer-batch', type=int, default=128)
parser.add_argument('--train-samples', type=int, default=0, help='use the first N training images (0: all)')
parser.add_argument('--test-samples', type=int, default=0, help='use the first N test images (0: all)')
args = parser.parse_args()

out = {'runtime': 'pytorch', 'results': {}, 'skipped': {}, 'maxRssBytes': 0}
try:
    import numpy as np
    import mnist_spec_pytorch as impl_module
    from mnist_spec_client import Architecture
    if impl_module.torch is None:
        raise ImportError(impl_module.TORCH_ERROR)
    torch = impl_module.torch
except ImportError as e:  # reported by bench/run.ts with the install command
    out['error'] = f'ImportError: {e}'
    print(json.dumps(out))
    sys.exit(0)

torch.set_num_threads(args.threads)
implementation = impl_module.TorchImplementation(args.semantics)
info = implementation.info()
out['backend'] = info['backend']
out['details'] = {
    **{k: v for k, v in info['details'].items() if k != 'liveTensors'},
    'implementation': implementation.name,
    'config': ' '.join(l.strip() for l in torch.__config__.show().splitlines() if 'BLAS_INFO' in l or 'CPU capability' in l)[:400],
    'OPENBLAS_NUM_THREADS': os.environ.get('OPENBLAS_NUM_THREADS', ''),
}

with open(os.path.join(args.data, 'workload.json')) as f:
    WORKLOAD = json.load(f)


def load(name, n_cols=None):
    a = np.fromfile(os.path.join(args.data, name), dtype=np.uint8)
    return a.reshape(-1, n_cols) if n_cols else a


def one_hot(labels):
    y = np.zeros((len(labels), 10), dtype=np.float32)
    y[np.arange(len(labels)), labels] = 1
    return y


n_train = args.train_samples or None
n_test = args.test_samples or None
x_train = load('train-images.u8', 784)[:n_train].astype(np.float32) / 255
y_train = one_hot(load('train-labels.u8')[:n_train])
x_test = load('test-images.u8', 784)[:n_test].astype(np.float32) / 255


class Budget(Exception):
    """Raised from the progress callback when a slow configuration has used its time."""


class Progress:
    def __init__(self):
        self.started = time.perf_counter()
        self.last = self.started
        self.seen = 0

    def batch(self, epoch, seen, total, loss, acc):
        self.seen = seen
        self.last = time.perf_counter()
        if self.last - self.started > args.max_seconds and seen < total:
            raise Budget()

    def epoch(self, log):
        pass


def build(which):
    w = WORKLOAD[which]
    return implementation.build(Architecture(w['resolved'], w['architecture']), 1), w


def train(which, x):
    model, w = build(which)
    x = x.reshape(-1, *w['inputShape'])
    progress = Progress()
    try:
        model.fit(x, y_train[:len(x)], {**w['fit'], 'epochs': 1}, progress)
    except Budget:
        pass
    finally:
        model.dispose()
    seconds = progress.last - progress.started
    r = {'samplesPerSecond': progress.seen / seconds, 'samples': progress.seen, 'seconds': seconds}
    if progress.seen < len(x):
        r['partial'] = True
        r['note'] = f'stopped after {args.max_seconds} s'
    return r


def infer(which, x):
    model, w = build(which)
    x = x.reshape(-1, *w['inputShape'])
    b = args.infer_batch
    chunk = b * 8  # as bench/measure.ts: in chunks, so a slow configuration stops at the time budget
    try:
        model.predict(x[:b], b)  # warm-up
        done = 0
        started = time.perf_counter()
        while done < len(x) and time.perf_counter() - started <= args.max_seconds:
            end = min(len(x), done + chunk)
            model.predict(x[done:end], b)
            done = end
        seconds = time.perf_counter() - started
    finally:
        model.dispose()
    r = {'samplesPerSecond': done / seconds, 'samples': done, 'seconds': seconds}
    if done < len(x):
        r['partial'] = True
        r['note'] = f'stopped after {args.max_seconds} s'
    return r


try:
    for task in args.tasks.split(','):
        which, kind = task.split('-')
        out['results'][task] = train(which, x_train) if kind == 'train' else infer(which, x_test)
except Exception as e:  # noqa: BLE001 - reported, not raised: the rest of the bench still runs
    out['error'] = repr(e)
out['maxRssBytes'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(out))
