"""One shooting step on the 2D problem of Figs 4-5 (2 -> 1 -> 2, L = 20, 200 points), 1 thread.

    python benchmarks/bench_2d_step.py [--rounds 5] [--steps 200]

A tiny problem: the time is the number of kernels launched and the Python around them, not
arithmetic. Variants, interleaved round by round (min and median over the rounds):

* ours, ``update="adam"`` and ``update="gradient"`` (ShootingTrainer.update), each calling
  torch's optimizer kernel directly (the rules' default) and through ``optimizer.step()``
  (``direct_kernel = False``): the ratio is what the direct call saves;
* reference: the same step written the ordinary way on the same model (autograd's gradient of
  J, then torch's Adam or SGD one tensor at a time), for scale.

Targets: <= 1.0 ms with the Adam update, <= 0.9 ms with the gradient update.
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import time

import torch

import autoencode as ae

TARGETS_MS = {"ours (adam)": 1.0, "ours (gradient)": 0.9}


def problem():
    x, labels = ae.data.two_clusters(200, seed=0)
    y = ae.data.class_targets(labels)
    arch = ae.Architecture.from_phases([2, 1, 2], L=20, order=[0, 1])
    return ae.AutoencODE(arch, T=5.0, seed=0), x, y


def ours(rule, direct_kernel=True):
    model, x, y = problem()
    trainer = ae.ShootingTrainer(model, update=rule, lr=0.01, lam=1e-3, progress=False)
    trainer.update_rule.direct_kernel = direct_kernel
    return lambda: trainer.update(x, y)


def reference(rule):
    model, x, y = problem()
    model = copy.deepcopy(model)
    params = list(model.parameters())
    opt = (
        torch.optim.Adam(params, lr=0.01, foreach=False)
        if rule == "adam"
        else torch.optim.SGD(params, lr=0.01 / model.h, foreach=False)
    )

    def step():
        opt.zero_grad()
        model.cost(x, y, 1e-3)[0].backward()
        opt.step()

    return step


def per_step(fn, steps: int) -> float:
    t = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - t) / steps


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(1)
    variants = {
        "ours (adam)": ours("adam"),
        "ours (gradient)": ours("gradient"),
        "ours (adam, step())": ours("adam", direct_kernel=False),
        "ours (gradient, step())": ours("gradient", direct_kernel=False),
        "reference (adam)": reference("adam"),
        "reference (gradient)": reference("gradient"),
    }
    for fn in variants.values():
        per_step(fn, 20)  # warm-up
    times: dict = {k: [] for k in variants}
    rng = random.Random(0)
    for _ in range(args.rounds):
        order = list(variants)
        rng.shuffle(order)
        for key in order:
            times[key].append(per_step(variants[key], args.steps))
    print(
        f"2D shooting step (2 -> 1 -> 2, L = 20, 200 points), 1 thread, {args.rounds} interleaved "
        f"rounds of {args.steps} steps"
    )
    ok = True
    for key, ts in times.items():
        line = (
            f"  {key:24s} min {1e3 * min(ts):6.3f} ms  median {1e3 * statistics.median(ts):6.3f} ms"
        )
        if key in TARGETS_MS:
            met = 1e3 * min(ts) <= TARGETS_MS[key]
            ok &= met
            line += f"  (target <= {TARGETS_MS[key]} ms: {'met' if met else 'not met'})"
        print(line)
    for rule in ("adam", "gradient"):
        r = min(times[f"ours ({rule})"]) / min(times[f"reference ({rule})"])
        print(f"  ours / reference ({rule}) = {r:4.2f}")
    for rule in ("adam", "gradient"):
        r = min(times[f"ours ({rule}, step())"]) / min(times[f"ours ({rule})"])
        print(f"  optimizer.step() / direct kernel ({rule}) = {r:4.2f}")
    print("all targets met" if ok else "some targets not met")


if __name__ == "__main__":
    main()
