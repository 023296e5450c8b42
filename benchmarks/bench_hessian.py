"""Hessian spectra: the dense one of the Table 1 problem, and the MNIST model's extremes.

    python benchmarks/bench_hessian.py [--rounds 3] [--skip-mnist]

* dense: ``ae.hessian_spectrum(..., method="dense")`` on the Table 1 problem (Fig 4's
  2 -> 1 -> 2 AutoencODE, L = 20, 200 points, 92 parameters, float64), 1 thread, interleaved
  with the reference: the same Hessian by ``torch.autograd.functional.hessian`` (P backward
  passes) and ``eigvalsh``. Target: <= 60 ms.
* Lanczos: the extreme eigenvalues of the MNIST model's Hessian (3,253,296 parameters) as the
  local-convexity page takes them (float32, tol 1e-4, 256 training images), 2 threads.
  Target: <= 15 s per call.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from torch.func import functional_call

import autoencode as ae


def table1():
    x, labels = ae.data.two_clusters(200, seed=0)
    y = ae.data.class_targets(labels)
    arch = ae.Architecture.from_phases([2, 1, 2], L=20, order=[0, 1])
    return ae.AutoencODE(arch, T=5.0, seed=0), x, y


def reference_dense(model, x, y, lam):
    m = copy.deepcopy(model).double()
    x, y = x.double(), y.double()
    names = [n for n, _ in m.named_parameters()]
    shapes = [p.shape for p in m.parameters()]
    sizes = [p.numel() for p in m.parameters()]

    def cost(flat):
        params = {n: t.view(s) for n, t, s in zip(names, torch.split(flat, sizes), shapes)}
        return m.data_loss(functional_call(m, params, (x,)), y) + lam * m.regulariser([flat])

    flat = torch.cat([p.detach().flatten() for p in m.parameters()])
    H = torch.autograd.functional.hessian(cost, flat)
    return torch.linalg.eigvalsh(0.5 * (H + H.T))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-mnist", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, x, y = table1()
    ours = lambda: ae.hessian_spectrum(model, x, y, lam=1e-3, method="dense")  # noqa: E731
    ref = lambda: reference_dense(model, x, y, 1e-3)  # noqa: E731
    ours(), ref()  # warm-up
    times: dict = {"ours": [], "reference": []}
    for r in range(args.rounds):
        for key, fn in (("ours", ours), ("reference", ref))[:: 1 if r % 2 else -1]:
            t = time.perf_counter()
            for _ in range(5):
                fn()
            times[key].append((time.perf_counter() - t) / 5)
    spec, ev = ours(), ref()
    agree = abs(spec.min - float(ev[0])) < 1e-9 and abs(spec.max - float(ev[-1])) < 1e-9
    best = 1e3 * min(times["ours"])
    print(f"dense Hessian spectrum, Table 1 problem ({spec.n_params} parameters), 1 thread:")
    for key, ts in times.items():
        print(
            f"  {key:10s} min {1e3 * min(ts):7.1f} ms  median {1e3 * statistics.median(ts):7.1f} ms"
        )
    print(
        f"  ours / reference = {min(times['ours']) / min(times['reference']):4.2f}; same "
        f"extremes: {agree}; target <= 60 ms: {'met' if best <= 60 else 'not met'}"
    )
    if args.skip_mnist:
        return
    from autoencode.experiments.convexity import mnist_problem

    torch.set_num_threads(2)
    _, trainer, x_mnist = mnist_problem()
    x_h = x_mnist[:256]
    seconds = []
    for _ in range(args.rounds):
        s = ae.hessian_spectrum(
            trainer.model, x_h, x_h, lam=trainer.lam, method="lanczos", dtype=torch.float32,
            tol=1e-4,
        )  # fmt: skip
        seconds.append(s.seconds)
    print(
        f"MNIST model's extreme eigenvalues by Lanczos ({s.n_params:,} parameters, 256 images, "
        f"float32, tol 1e-4, 2 threads): min {min(seconds):.1f} s, median "
        f"{statistics.median(seconds):.1f} s, {s.matvecs} Hessian-vector products "
        f"(target <= 15 s: {'met' if min(seconds) <= 15 else 'not met'})"
    )


if __name__ == "__main__":
    main()
