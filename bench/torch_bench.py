#!/usr/bin/env python3
"""PyTorch reference for bench/run.ts: times the same workloads (random data) and prints one
`RESULT {json}` line per workload. Run with /usr/bin/python3 (Debian python3-torch); bench/run.ts
runs it with OPENBLAS_NUM_THREADS 1 and 2 and --threads 1 and 2 and keeps each workload's fastest."""
import json
import os
import sys
import time


def rss_mib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    steps = int(args.get('--steps', 60))
    threads = int(args.get('--threads', 2))
    try:
        import torch
        from torch import nn
    except ImportError as err:
        print('RESULT ' + json.dumps({'error': f'torch is not importable: {err}'}))
        return
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for name in args.get('--workloads', 'mlp,cnn').split(','):
        acts = {'cnn': nn.LeakyReLU(0.01), 'cnn05-relu': nn.ReLU(), 'cnn05-leakyRelu': nn.LeakyReLU(0.01),
                'cnn05-elu': nn.ELU(), 'cnn05-swish': nn.SiLU(), 'cnn05-mish': nn.Mish(), 'cnn05-gelu': nn.GELU(),
                'cnn05-none': nn.Identity()}
        if name == 'mlp':
            model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
            opt = torch.optim.SGD(model.parameters(), lr=0.15)
            batch, shape = 128, (784,)
        elif name in acts:
            model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), acts[name], nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(16 * 16 * 16, 10))
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            batch, shape = 100, (3, 32, 32)
        else:
            print('RESULT ' + json.dumps({'workload': name, 'error': f'unknown workload {name}'}), flush=True)
            continue
        loss_fn = nn.CrossEntropyLoss()
        data = [(torch.rand(batch, *shape), torch.randint(0, 10, (batch,))) for _ in range(4)]

        def step(i):
            x, y = data[i % len(data)]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss

        first = step(0).item()
        for i in range(1, 3):
            step(i)
        n = steps
        t0 = time.perf_counter()
        for i in range(n):
            loss = step(i)
        last = loss.item()
        ms = (time.perf_counter() - t0) * 1000 / n
        print('RESULT ' + json.dumps({
            'workload': name, 'backend': 'pytorch', 'steps': n, 'ms_per_step': ms, 'rss_mib': rss_mib(),
            'first_loss': first, 'last_loss': last, 'threads': threads, 'torch': torch.__version__,
            'openblas_threads': os.environ.get('OPENBLAS_NUM_THREADS'),
        }), flush=True)


if __name__ == '__main__':
    main()
