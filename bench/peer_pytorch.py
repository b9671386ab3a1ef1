"""The benchmark's peer: the same two models, optimizers and data in PyTorch on the CPU.

Run by bench/run.ts as `/usr/bin/python3 bench/peer_pytorch.py --data WORKDIR --threads N`; prints one JSON
line in the shape of bench/workload.ts's Measurement. Reads the raw files bench/run.ts writes (uint8 images
n x 784 and labels), scales by 255 and one-hot encodes them as the notebooks do.

The models mirror src/recipes/index.ts: the seed-001 MLP 784-512(relu)-Dropout(0.2)-512(relu)-Dropout(0.2)-10
with RMSprop (lr 1e-3, rho 0.9, eps 1e-7 outside the square root, as Keras), batch 128; the seed-004 CNN
Conv(32,3x3)-BN-ReLU-Conv(32,3x3)-BN-ReLU-MaxPool(2)-Flatten(channels last)-Dense 128-BN-ReLU-Dropout(0.2)-10
with Adam (lr 0.01, eps 1e-7), batch 64; BatchNorm eps 1e-3, momentum 0.01 (Keras's 0.99). Softmax plus
cross-entropy is PyTorch's fused log-softmax loss on logits, the idiomatic and fastest form.
"""
import argparse
import json
import os
import resource
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument('--data', required=True)
parser.add_argument('--threads', type=int, required=True)
parser.add_argument('--tasks', default='mlp-train,cnn-train,mlp-infer,cnn-infer')
parser.add_argument('--max-seconds', type=float, default=120)
parser.add_argument('--infer-batch', type=int, default=128)
parser.add_argument('--train-samples', type=int, default=0, help='use the first N training images (0: all)')
parser.add_argument('--test-samples', type=int, default=0, help='use the first N test images (0: all)')
args = parser.parse_args()

out = {'runtime': 'pytorch', 'results': {}, 'skipped': {}, 'maxRssBytes': 0}
try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # reported by bench/run.ts with the install command
    out['error'] = f'ImportError: {e}'
    print(json.dumps(out))
    sys.exit(0)

torch.set_num_threads(args.threads)
torch.manual_seed(1)
out['backend'] = 'cpu'
out['details'] = {
    'torch': torch.__version__,
    'numpy': np.__version__,
    'threads': torch.get_num_threads(),
    'config': ' '.join(l.strip() for l in torch.__config__.show().splitlines() if 'BLAS_INFO' in l or 'CPU capability' in l)[:400],
    'mkldnn': torch.backends.mkldnn.is_available(),
    'OMP_WAIT_POLICY': os.environ.get('OMP_WAIT_POLICY', ''),
    'OPENBLAS_NUM_THREADS': os.environ.get('OPENBLAS_NUM_THREADS', ''),
}


def load(name, n_cols=None):
    a = np.fromfile(os.path.join(args.data, name), dtype=np.uint8)
    return a.reshape(-1, n_cols) if n_cols else a


n_train = args.train_samples or None
n_test = args.test_samples or None
x_train = torch.from_numpy(load('train-images.u8', 784)[:n_train].astype(np.float32) / 255)
y_train = torch.from_numpy(load('train-labels.u8')[:n_train].astype(np.int64))
x_test = torch.from_numpy(load('test-images.u8', 784)[:n_test].astype(np.float32) / 255)


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3)
        self.b1 = nn.BatchNorm2d(32, eps=1e-3, momentum=0.01)
        self.c2 = nn.Conv2d(32, 32, 3)
        self.b2 = nn.BatchNorm2d(32, eps=1e-3, momentum=0.01)
        self.d1 = nn.Linear(12 * 12 * 32, 128)
        self.b3 = nn.BatchNorm1d(128, eps=1e-3, momentum=0.01)
        self.d2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.b1(self.c1(x)))
        x = F.relu(self.b2(self.c2(x)))
        x = F.max_pool2d(x, 2)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # Keras's channels-last Flatten
        x = F.dropout(F.relu(self.b3(self.d1(x))), 0.2, self.training)
        return self.d2(x)


def train(model, opt, x, batch):
    model.train()
    n = x.shape[0]
    order = torch.randperm(n)
    seen = 0
    started = time.perf_counter()
    last = started
    for i in range(0, n, batch):
        idx = order[i:i + batch]
        opt.zero_grad()
        loss = F.cross_entropy(model(x[idx]), y_train[idx])
        loss.backward()
        opt.step()
        seen += idx.shape[0]
        last = time.perf_counter()
        if last - started > args.max_seconds and seen < n:
            break
    seconds = last - started
    r = {'samplesPerSecond': seen / seconds, 'samples': seen, 'seconds': seconds}
    if seen < n:
        r['partial'] = True
        r['note'] = f'stopped after {args.max_seconds} s'
    return r


def infer(model, x):
    model.eval()
    b = args.infer_batch
    with torch.no_grad():
        torch.softmax(model(x[:b]), 1)  # warm-up
        started = time.perf_counter()
        for i in range(0, x.shape[0], b):
            torch.softmax(model(x[i:i + b]), 1)
        seconds = time.perf_counter() - started
    return {'samplesPerSecond': x.shape[0] / seconds, 'samples': x.shape[0], 'seconds': seconds}


try:
    for task in args.tasks.split(','):
        which, kind = task.split('-')
        model = mlp() if which == 'mlp' else Cnn()
        x = x_train if kind == 'train' else x_test
        if which == 'cnn':
            x = x.reshape(-1, 1, 28, 28)
        if kind == 'train':
            if which == 'mlp':
                opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
            else:
                opt = torch.optim.Adam(model.parameters(), lr=0.01, eps=1e-7)
            out['results'][task] = train(model, opt, x, 128 if which == 'mlp' else 64)
        else:
            out['results'][task] = infer(model, x)
except Exception as e:  # noqa: BLE001 - reported, not raised: the rest of the bench still runs
    out['error'] = repr(e)
out['maxRssBytes'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(out))
