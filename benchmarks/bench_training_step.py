"""One training step on an MNIST-shaped AutoencODE, against the best hand-written network.

    python benchmarks/bench_training_step.py [--threads 2] [--rounds 3] [--repeats 10]

The MNIST AutoencODE of Figs 7-11 (``MNIST_FULL``: d = 784, its width profile over its L
layers, its Tikhonov weight), float32, same process, same thread count, at batch 64, 256 and
1024. Variants, interleaved: every round times each variant once, in a shuffled order, so that
a burst of load cannot land on one variant only; min and median over the rounds are printed.

* ours:   AutoencODE + ShootingTrainer, ``update="adam"`` (forward states, our co-states,
          fused Adam on the controls) and ``update="gradient"``;
* plain:  the same width-varying residual network written the ordinary way (``nn.Linear(w_k,
          w_k)`` per layer, truncation / zero-padding between widths), autograd and Adam with
          ``fused=True`` (the best hand-written reference, not a handicapped one);
* sgemm:  this machine's matrix-product rate at the same thread count (a [B, 784] x [784, 784]
          product), measured in the same rounds.

Targets: ours <= 0.8 x plain at every batch; ours >= 55 % of the sgemm rate, with
the useful FLOPs of a step = 6 * batch * sum_k w_k^2 (w_k the active width feeding layer k:
forward, co-state and gradient products, not the co-state p_0 that no gradient needs).

Ours executes fewer products than that count: layer k multiplies only the block of W_k whose
rows reach x_{k+1} and whose columns can meet a nonzero x_k (``AutoencODE.useful_shape``; the
rest of the count multiplies zeros or is thrown away by the next mask). Both rates are
printed: that count per second, and the products actually executed per second.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import torch
from torch import nn

import autoencode as ae
from autoencode.experiments.mnist_model import MNIST_FULL, build_model

BATCHES = (64, 256, 1024)


class PlainResidualAutoencoder(nn.Module):
    """x_{k+1} = fit(x_k + h tanh(W_k x_k + b_k), w_{k+1}), with nn.Linear(w_k, w_k)."""

    def __init__(self, widths: list[int], h: float) -> None:
        super().__init__()
        self.w, self.h = widths, h
        self.layers = nn.ModuleList(nn.Linear(w, w) for w in widths[:-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for k, lin in enumerate(self.layers):
            y = x + self.h * torch.tanh(lin(x))
            nxt = self.w[k + 1]
            x = y[:, :nxt] if nxt <= y.shape[1] else nn.functional.pad(y, (0, nxt - y.shape[1]))
        return x


def plain_step(widths, h, x, lam):
    net = PlainResidualAutoencoder(widths, h)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        out = net(x)
        J = ((out - x) ** 2).sum(1).mean() + lam * h * sum((p**2).sum() for p in net.parameters())
        J.backward()
        opt.step()

    return step


def ours_step(rule, x, lam):
    model = build_model(MNIST_FULL)
    lr = 1e-3 if rule == "adam" else 1e-2
    trainer = ae.ShootingTrainer(model, update=rule, lr=lr, lam=lam, progress=False)
    return lambda: trainer.update(x, x)


def sgemm(batch):
    a, b = torch.rand(batch, 784), torch.rand(784, 784)
    out = torch.empty(batch, 784)
    return lambda: torch.mm(a, b, out=out)


def timed(fn, repeats: int) -> float:
    """Seconds per call: the median of ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = random.Random(0)
    model = build_model(MNIST_FULL)
    arch = model.arch
    widths, h, lam = arch.widths, MNIST_FULL["T"] / MNIST_FULL["L"], MNIST_FULL["lam"]
    useful = {b: 6 * b * sum(w * w for w in widths[:-1]) for b in BATCHES}
    # forward, co-state (none for p_0) and gradient products over each layer's useful block
    blocks = [model.useful_shape(k) for k in range(arch.depth)]
    executed = {b: 2 * b * (3 * sum(r * n for r, n in blocks) - blocks[0][0] * blocks[0][1])
                for b in BATCHES}  # fmt: skip

    variants = {}
    for b in BATCHES:
        x = torch.rand(b, 784)
        variants[("ours (adam)", b)] = ours_step("adam", x, lam)
        variants[("ours (gradient)", b)] = ours_step("gradient", x, lam)
        variants[("plain + fused Adam", b)] = plain_step(widths, h, x, lam)
        variants[("sgemm", b)] = sgemm(b)
    times: dict = {k: [] for k in variants}
    for r in range(args.rounds):
        order = list(variants)
        rng.shuffle(order)
        for key in order:
            times[key].append(timed(variants[key], args.repeats))
        print(f"round {r + 1}/{args.rounds} done", flush=True)

    print(
        f"\nMNIST-shaped AutoencODE: d=784, widths {MNIST_FULL['widths']} over L={arch.depth}, "
        f"{args.threads} thread(s), {args.rounds} interleaved rounds of {args.repeats} steps"
    )
    print(f"{'variant':24s} {'batch':>5s} {'min ms':>8s} {'median ms':>10s}")
    for (name, b), ts in times.items():
        if name != "sgemm":
            print(f"{name:24s} {b:5d} {1e3 * min(ts):8.2f} {1e3 * statistics.median(ts):10.2f}")
    print("\nratios (min / median), targets:")
    ok = True
    for b in BATCHES:
        ours, plain = times[("ours (adam)", b)], times[("plain + fused Adam", b)]
        r_min, r_med = min(ours) / min(plain), statistics.median(ours) / statistics.median(plain)
        gemm_rate = 2 * b * 784 * 784 / min(times[("sgemm", b)])
        share = useful[b] / min(ours) / gemm_rate
        ok &= r_min <= 0.8 and share >= 0.55
        print(
            f"  batch {b:4d}: ours / plain = {r_min:4.2f} / {r_med:4.2f} (target <= 0.8); "
            f"ours at {useful[b] / min(ours) / 1e9:5.1f} GF/s = {100 * share:4.1f} % of sgemm's "
            f"{gemm_rate / 1e9:5.1f} GF/s (target >= 55 %); executed: "
            f"{100 * executed[b] / useful[b]:.0f} % of those FLOPs, at "
            f"{100 * executed[b] / min(ours) / gemm_rate:4.1f} % of sgemm"
        )
    print("all targets met" if ok else "some targets not met")


if __name__ == "__main__":
    main()
