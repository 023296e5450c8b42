"""One training step on an MNIST-shaped AutoencODE, against two references.

    python benchmarks/bench_training_step.py [--threads 2] [--repeats 20]

The MNIST AutoencODE of Figs 7-11 (``autoencode.experiments.mnist.MNIST_FULL``: d = 784, its
width profile over its L layers, its batch size and Tikhonov weight), float32, same process,
same thread count:

* ours:   AutoencODE + ShootingTrainer: forward states, our co-states, Adam
          update of the controls (``update="adam"``), and plain gradient ascent
          on H (``update="gradient"``);
* plain:  the same width-varying residual network written the ordinary way
          (``nn.Linear(w_k, w_k)`` per layer, truncation/zero-padding between
          widths), autograd + Adam;
* dense:  a masked implementation storing d x d weights per layer
          (m * tanh(W (m * x) + b)), autograd + Adam.

Targets (issue 2): ours <= 1.3x plain; dense >= 3x ours.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import autoencode as ae
from autoencode.experiments.mnist import MNIST_FULL

WIDTHS = MNIST_FULL["widths"]


class PlainResidualAutoencoder(nn.Module):
    def __init__(self, per_state, h):
        super().__init__()
        self.w = per_state
        self.h = h
        self.layers = nn.ModuleList(nn.Linear(w, w) for w in per_state[:-1])

    def forward(self, x):
        for k, lin in enumerate(self.layers):
            y = x + self.h * torch.tanh(lin(x))
            nxt = self.w[k + 1]
            x = y[:, :nxt] if nxt <= y.shape[1] else nn.functional.pad(y, (0, nxt - y.shape[1]))
        return x


class DenseMaskedAutoencoder(nn.Module):
    def __init__(self, masks, h):
        super().__init__()
        self.register_buffer("m", masks.float())
        self.h = h
        d = masks.shape[1]
        self.layers = nn.ModuleList(nn.Linear(d, d) for _ in range(masks.shape[0] - 1))

    def forward(self, x):
        for k, lin in enumerate(self.layers):
            m = self.m[k]
            x = self.m[k + 1] * (x + self.h * m * torch.tanh(lin(m * x)))
        return x


def time_steps(step, repeats):
    for _ in range(3):
        step()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def autograd_step(net, x, lam):
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        out = net(x)
        J = ((out - x) ** 2).sum(1).mean() + lam * net.h * sum(
            (p**2).sum() for p in net.parameters()
        )
        J.backward()
        opt.step()

    return step


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--batch", type=int, default=MNIST_FULL["batch_size"])
    ap.add_argument(
        "--order",
        choices=["first", "centre-out"],
        default="first",
        help="which pixels stay active (centre-out gathers through a permutation)",
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    L, lam = MNIST_FULL["L"], MNIST_FULL["lam"]
    order = None
    if args.order == "centre-out":
        from autoencode.mnist import centre_out_order

        order = centre_out_order()
    arch = ae.Architecture.from_phases(WIDTHS, L=L, order=order)
    x = torch.rand(args.batch, 784)

    results = {}
    for rule in ("adam", "gradient"):
        model = ae.AutoencODE(arch, T=1.0, seed=0)
        trainer = ae.ShootingTrainer(model, update=rule, lr=1e-3, lam=lam, progress=False)
        results[f"ours ({rule})"] = time_steps(lambda t=trainer: t.update(x, x), args.repeats)
    plain = PlainResidualAutoencoder(arch.widths, h=1.0 / L)
    results["plain nn.Linear + autograd + Adam"] = time_steps(
        autograd_step(plain, x, lam), args.repeats
    )
    dense = DenseMaskedAutoencoder(arch.masks, h=1.0 / L)
    results["dense masked d x d + autograd + Adam"] = time_steps(
        autograd_step(dense, x, lam), args.repeats
    )

    print(
        f"MNIST-shaped AutoencODE: d=784, widths {WIDTHS} over L={L}, batch {args.batch}, "
        f"order {args.order}, {args.threads} thread(s), median of {args.repeats}"
    )
    for name, t in results.items():
        print(f"  {name:40s} {1e3 * t:8.2f} ms/step")
    ours = results["ours (adam)"]
    plain_t = results["plain nn.Linear + autograd + Adam"]
    dense_t = results["dense masked d x d + autograd + Adam"]
    print(f"  ours / plain  = {ours / plain_t:5.2f}   (target <= 1.3)")
    print(f"  dense / ours  = {dense_t / ours:5.2f}   (target >= 3)")


if __name__ == "__main__":
    main()
