"""Local convexity of J against the Tikhonov weight (chapter "Local convexity").

The paper's message (its abstract): the global results obtained for high Tikhonov
regularisation may not hold at low regularisation, but many of them can be recovered in
regions where the loss is locally convex. This module measures it on the Fig 4 problem:

* :func:`convexity_map`: for each lambda, a `gradient`-update shooting run from the same
  initial weights, with the dense Hessian of J (all trained parameters) at chosen epochs:
  smallest and largest eigenvalue, number of negative eigenvalues;
* :func:`first_convex_epoch`: the first logged epoch from which the smallest eigenvalue
  stays >= 0 at every later logged epoch (None: not within the run);
* :func:`step_is_stable`: the gradient step ``lr / h`` on J against ``2 / lambda_max``;
* :func:`region_analysis`: the minimiser a run heads for (Newton's method to
  ``|grad J| <= 1e-8``, float64), the spectra of J and of its data term there beside the
  Tikhonov shift ``2 lambda h``, the radius of the region around it in which J's Hessian stays
  positive semi-definite, and the shooting method restarted in and beyond that region
  (:func:`shooting_distances`);
* :func:`lanczos_along_training`: extremes of a large model's Hessian (Lanczos with
  Hessian-vector products, :func:`~autoencode.hessian.hessian_spectrum`) at a few
  iterations of its training, with the time per call;
* :func:`mnist_problem`: the MNIST AutoencODE of Figs 8-11 from its initial weights, with its
  trainer (the chapter's other set-up, the Fig 4 problem, is
  :func:`autoencode.experiments.common.fig04_problem`);
* :func:`local_convexity` (figure ``local_convexity``, page ``notebooks/local_convexity``):
  the chapter's experiment: the convexity map and the region analysis for five lambdas, their
  figures and tables, the claims (row ``abstract.convexity``, at low lambda, each against the
  initial model), the Lanczos extremes of the MNIST model early in training, and the page's
  sentences; its figures are drawn by :mod:`autoencode.experiments.convexity_draw`.

The message is the paper's (its abstract); the problem, the lambdas, the step sizes, the
logged epochs, the solver, the directions and resolution of the region scan and the MNIST
measurement are ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ..hessian import (
    HessianLogger,
    convex_radius,
    flat_cost,
    flat_parameters,
    hessian_spectrum,
    newton_solve,
    set_flat_parameters,
    tikhonov_shift,
)
from ..model import AutoencODE
from ..training import ShootingTrainer, Trainer
from .common import fig04_problem
from .convexity_draw import draw_local_convexity
from .registry import Result, figure

if TYPE_CHECKING:
    from ..claims import Claim

#: A pandas DataFrame (pandas ships no type information: Any to the checker).
DataFrame = Any

__all__ = [
    "convexity_run",
    "convexity_map",
    "first_convex_epoch",
    "step_is_stable",
    "lanczos_along_training",
    "shooting_distances",
    "region_analysis",
    "mnist_problem",
    "local_convexity",
]

COLUMNS = ["lam", "epoch", "J", "min", "max", "n_negative", "lr", "step"]


def convexity_run(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    lr: float,
    iterations: int,
    at: Iterable[int],
    seed: int = 0,
    trained: dict[float, AutoencODE] | None = None,
) -> DataFrame:
    """One `gradient`-update shooting run with the dense Hessian logged at ``at``.

    Returns a DataFrame with columns lam, epoch, J, min, max, n_negative, lr and step
    (= lr / h, the gradient step on J). ``trained``: if given, the trained model is stored
    in it under ``lam``.
    """
    import pandas as pd

    logged = sorted({int(a) for a in at if 0 <= int(a) <= iterations})
    model = make_model()
    logger = HessianLogger(x, y, at=logged, lam=lam, method="dense")
    trainer = ShootingTrainer(
        model, update="gradient", lr=lr, lam=lam, seed=seed, progress=False, callbacks=[logger]
    )
    trainer.fit(x, y, iterations=iterations)
    if trained is not None:
        trained[float(lam)] = model
    t = logger.table()
    return pd.DataFrame(
        {
            "lam": float(lam),
            "epoch": t["iteration"].astype(int),
            "J": t["J"],
            "min": t["min"],
            "max": t["max"],
            "n_negative": t["n_negative"].astype(int),
            "lr": float(lr),
            "step": float(lr) / model.h,
        }
    )[COLUMNS]


def convexity_map(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    at: Iterable[int],
    seed: int = 0,
    trained: dict[float, AutoencODE] | None = None,
) -> DataFrame:
    """:func:`convexity_run` for every ``(lam, lr)`` pair, concatenated (one row per lam,
    epoch); ``trained``: as for :func:`convexity_run`."""
    import pandas as pd

    if len(lams) != len(lrs):
        raise ValueError(f"{len(lams)} values of lambda for {len(lrs)} step sizes")
    logged = list(at)
    return pd.concat(
        [
            convexity_run(make_model, x, y, lam, lr, iterations, logged, seed, trained)
            for lam, lr in zip(lams, lrs)
        ],
        ignore_index=True,
    )


def first_convex_epoch(table: DataFrame, lam: float | None = None) -> int | None:
    """First logged epoch from which the smallest eigenvalue is >= 0 at every later logged one.

    ``table``: rows of one run (or of a map, with ``lam`` selecting the run), with
    columns epoch and min. None when the last logged epoch still has a negative one.
    """
    t = table if lam is None else table[table["lam"] == lam]
    t = t.sort_values("epoch")
    first: int | None = None
    for epoch, lo in zip(t["epoch"], t["min"]):
        if lo >= 0:
            first = int(epoch) if first is None else first
        else:
            first = None
    return first


def step_is_stable(table: DataFrame, lam: float | None = None) -> tuple[bool, float]:
    """``(step * max lambda_max < 2, step * max lambda_max)`` over the logged epochs.

    Plain gradient descent with step s on a quadratic is stable iff s < 2 / lambda_max.
    """
    t = table if lam is None else table[table["lam"] == lam]
    product = float((t["step"] * t["max"]).max())
    return product < 2.0, product


def lanczos_along_training(
    trainer: Trainer,
    x_train: torch.Tensor,
    x_hessian: torch.Tensor,
    at: Iterable[int],
    y_hessian: torch.Tensor | None = None,
    dtype: torch.dtype = torch.float32,
    tol: float = 1e-4,
) -> DataFrame:
    """Train ``trainer`` up to ``max(at)`` iterations; Lanczos extremes of J's Hessian at ``at``.

    The Hessian is that of J on ``(x_hessian, y_hessian)`` (default: reconstruction),
    with the trainer's lambda. Returns a DataFrame: iteration, J, min, max, matvecs,
    seconds (the wall time of each Lanczos call).
    """
    import pandas as pd

    logged = sorted({int(a) for a in at})
    y_h = x_hessian if y_hessian is None else y_hessian
    rows: list[dict[str, Any]] = []

    def callback(tr: Trainer, iteration: int) -> None:
        if iteration in logged:
            s = hessian_spectrum(
                tr.model, x_hessian, y_h, lam=tr.lam, method="lanczos", dtype=dtype, tol=tol
            )
            with torch.no_grad():
                J = float(tr.model.cost(x_hessian, y_h, tr.lam)[0])
            rows.append(
                {
                    "iteration": iteration,
                    "J": J,
                    "min": s.min,
                    "max": s.max,
                    "matvecs": s.matvecs,
                    "seconds": s.seconds,
                }
            )

    trainer.callbacks.append(callback)
    try:
        trainer.fit(x_train, iterations=max(logged))
    finally:
        trainer.callbacks.remove(callback)
    return pd.DataFrame(rows, columns=["iteration", "J", "min", "max", "matvecs", "seconds"])


def shooting_distances(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    lr: float,
    start: torch.Tensor,
    target: torch.Tensor,
    iterations: int,
) -> torch.Tensor:
    """``|theta_k - target|`` for k = 0..iterations along a `gradient`-update shooting run (float64)
    started at the flat parameter vector ``start``."""
    model = set_flat_parameters(make_model().to(torch.float64), start)
    out: list[float] = []

    def callback(tr: Trainer, iteration: int) -> None:
        out.append(float((flat_parameters(tr.model) - target).norm()))

    ShootingTrainer(
        model, update="gradient", lr=lr, lam=lam, progress=False, callbacks=[callback]
    ).fit(x.to(torch.float64), y.to(torch.float64), iterations=iterations)
    return torch.tensor(out, dtype=torch.float64, device="cpu")


def two_digits(v: float) -> str:
    """``v`` rounded to two significant digits, written plainly (741.1 -> "740"): a sentence
    that round-off cannot change."""
    return f"{float(f'{v:.2g}'):g}"


def _rate(d: torch.Tensor) -> float:
    """Linear rate of a distance sequence: geometric mean of d_{k+1} / d_k over the second half
    of the iterations at which d is still above 1e-9 of its start (below: round-off)."""
    d = d[d > 1e-9 * float(d[0])]
    tail = d[len(d) // 2 :]
    if len(tail) < 2:
        return 0.0
    return float((tail[-1] / tail[0]) ** (1.0 / (len(tail) - 1)))


def _eigenvalues(f: Callable[[torch.Tensor], torch.Tensor], t: torch.Tensor) -> torch.Tensor:
    """The eigenvalues (ascending) of the symmetrised Hessian of ``f`` at ``t``."""
    H = torch.func.hessian(f)(t)
    return torch.linalg.eigvalsh(0.5 * (H + H.T))


def _spectra(
    cost: Callable[[torch.Tensor], torch.Tensor],
    data: Callable[[torch.Tensor], torch.Tensor],
    star: torch.Tensor,
    theta_end: torch.Tensor,
    theta0: torch.Tensor,
    shift: float,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The eigenvalues of J's Hessian at ``star``, and the entries of :func:`region_analysis`
    on the spectra: the extremes of the Hessians of J (``cost``) and of its data term
    (``data``) at ``star``, at ``theta_end`` and at ``theta0``, beside the shift ``shift``."""
    ev_J, ev_data = _eigenvalues(cost, star), _eigenvalues(data, star)
    ev_J_end, ev_data_end = _eigenvalues(cost, theta_end), _eigenvalues(data, theta_end)
    ev_J0 = _eigenvalues(cost, theta0)
    return ev_J, dict(
        J_min=float(ev_J[0]),
        J_max=float(ev_J[-1]),
        J_negative=int((ev_J < 0).sum()),
        data_min=float(ev_data[0]),
        data_max=float(ev_data[-1]),
        data_negative=int((ev_data < 0).sum()),
        shift=shift,
        J_min_end=float(ev_J_end[0]),
        J_negative_end=int((ev_J_end < 0).sum()),
        data_min_end=float(ev_data_end[0]),
        J_min_initial=float(ev_J0[0]),
        data_min_initial=float(ev_J0[0]) - shift,
    )


def _convex_radii(
    cost: Callable[[torch.Tensor], torch.Tensor],
    star: torch.Tensor,
    theta0: torch.Tensor,
    n_directions: int,
    seed: int,
    radius_first: float,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The random unit directions (rows), and the entries of :func:`region_analysis` on the
    convex radii: around ``star`` along those directions and along the softest eigenvector
    (both signs), and around ``theta0`` along the first direction."""
    g = torch.Generator().manual_seed(seed)  # on the CPU: the same directions on every device
    U = torch.randn(n_directions, star.numel(), generator=g, dtype=torch.float64, device="cpu")
    U = (U / U.norm(dim=1, keepdim=True)).to(star.device)
    radii = convex_radius(cost, star, U, first=radius_first)
    H = torch.func.hessian(cost)(star)
    soft = torch.linalg.eigh(0.5 * (H + H.T)).eigenvectors[:, 0]
    r_soft = convex_radius(cost, star, torch.stack([soft, -soft]), first=radius_first)
    r0 = convex_radius(cost, theta0, U[:1], first=radius_first)
    return U, dict(
        radii=radii,
        radius_min=float(radii.min()),
        radius_median=float(radii.median()),
        radius_soft=float(r_soft.min()),
        radius_initial=float(r0.min()),
        n_directions=int(n_directions),
        radius_first=float(radius_first),
    )


def _restarts(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    lr: float,
    star: torch.Tensor,
    direction: torch.Tensor,
    unit: float,
    scales: Sequence[float],
    iterations: int,
) -> list[dict[str, Any]]:
    """The shooting method started at ``star + s * unit * direction`` for each s in ``scales``:
    per start its distances to ``star``, their largest successive ratio and linear rate."""
    shooting = []
    for s in scales:
        start = star + float(s) * unit * direction
        d = shooting_distances(make_model, x, y, lam, lr, start, star, iterations)
        above = d[d > 1e-9 * float(d[0])]  # below: round-off
        ratios = above[1:] / above[:-1]
        shooting.append(
            dict(
                distances=d,
                scale=float(s),
                start=float(d[0]),
                end=float(d[-1]),
                max_ratio=float(ratios.max()),
                rate=_rate(d),
                converges=bool((ratios < 1).all()),
            )
        )
    return shooting


def region_analysis(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    theta_end: torch.Tensor,
    *,
    lr: float,
    n_directions: int = 8,
    scales: Sequence[float] = (0.5, 1, 4, 16, 64),
    shooting_iterations: int = 200,
    gtol: float = 1e-8,
    radius_first: float = 1e-3,
    seed: int = 0,
) -> dict[str, Any]:
    """The stationary point that training heads for, and the locally convex region around it.

    From ``theta_end`` (the flat weights where a training run ended), in float64:

    * theta* by :func:`~autoencode.hessian.newton_solve` (``|grad J| <= gtol``);
    * the extremes of the Hessian of J, of the data term alone and the shift 2 lambda h, at
      theta* and at ``theta_end``;
    * the radius of the region around theta* in which J's Hessian stays positive semi-definite
      (:func:`~autoencode.hessian.convex_radius`) along ``n_directions`` random unit directions
      (seed ``seed``) and along the softest eigenvector (both signs), and the same at the
      initial weights (the negative control: 0 where their Hessian is indefinite);
    * the shooting method (`gradient` update, ``lr``) started at theta* + s r_min u for each
      s in ``scales`` (u: the direction of the smallest radius), ``shooting_iterations``
      iterations: its distances to theta*, their largest successive ratio and linear rate,
      against the rate the Hessian at theta* predicts, ``max |1 - (lr / h) mu|``.
    """
    model = make_model()
    theta0 = flat_parameters(model).to(torch.float64)
    cost, _ = flat_cost(model, x, y, lam)
    data, _ = flat_cost(model, x, y, 0.0)
    theta_end = theta_end.to(torch.float64)
    sol = newton_solve(cost, theta_end, gtol=gtol)
    star = sol.theta
    shift = tikhonov_shift(model, lam)
    ev_J, spectra = _spectra(cost, data, star, theta_end, theta0, shift)
    U, radius = _convex_radii(cost, star, theta0, n_directions, seed, radius_first)
    radii, r_min = radius["radii"], radius["radius_min"]
    step = lr / model.h
    predicted = float(torch.maximum((1 - step * ev_J[0]).abs(), (1 - step * ev_J[-1]).abs()))
    u = U[int(radii.argmin())]
    # the restarts' unit: the radius (the scan's end where it found none, its first step
    # where the point itself is not in a convex region)
    unit = min(r_min, 64.0) if r_min > 0 else radius_first
    shooting = _restarts(make_model, x, y, lam, lr, star, u, unit, scales, shooting_iterations)
    return dict(
        lam=float(lam),
        grad_end=float(torch.func.grad(cost)(theta_end).norm()),
        grad_star=sol.grad_norm,
        newton_iterations=sol.iterations,
        converged=sol.converged,
        J_star=float(cost(star)),
        theta_norm=float(star.norm()),
        distance_end=float((theta_end - star).norm()),
        distance_initial=float((theta0 - star).norm()),
        # |theta_end - theta*| / r_min, with r_min capped at the scan's end (64)
        region_ratio=float((theta_end - star).norm()) / min(r_min, 64.0)
        if r_min > 0
        else float("inf"),
        **spectra,
        **radius,
        predicted_rate=predicted,
        shooting=shooting,
        shooting_iterations=int(shooting_iterations),
        theta_star=star,
    )


# -- the chapter's figure ----------------------------------------------------------------


def mnist_problem(
    quick: bool = False, seed: int = 0, progress: bool = False
) -> tuple[dict[str, Any], ShootingTrainer, torch.Tensor]:
    """The MNIST AutoencODE of Figs 8-11 at its initial weights, with its trainer.

    The settings are :data:`~autoencode.experiments.mnist_model.MNIST_FULL` (``quick``:
    ``MNIST_QUICK``), the model and the trainer seeded with ``seed``. Returns
    ``(settings, trainer, x_train)``: the model is ``trainer.model``.
    """
    from .mnist_model import MNIST_FULL, MNIST_QUICK, build_model, build_trainer, training_images

    p = dict(MNIST_QUICK if quick else MNIST_FULL)
    x = training_images(p)
    trainer = build_trainer(build_model(p, "reset", seed=seed), p, progress=progress, seed=seed)
    return p, trainer, x


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        n_train=40 if quick else 200,  # training points of the Fig 4 problem
        L=20,  # layers (7 + 7 + 6), as Fig 4
        T=5.0,  # final time, as Fig 4
        lams=[1e-4, 1e-3, 1e-2, 1e-1, 1.0],  # Tikhonov weights of the map
        lrs=[0.1, 0.1, 0.1, 0.1, 0.1],  # `gradient` update per lambda: step lr / h on J
        iterations=20 if quick else 1000,  # full-batch iterations (= epochs)
        logged=[0, 5, 10, 20] if quick else [0, 5, 10, 20, 50, 100, 200, 300, 500, 700, 1000],
        low=1e-3,  # the low-regularisation regime of the paper's claim: lambda <= low
        gtol=1e-8,  # Newton's method stops at |grad J| <= gtol (float64)
        n_directions=2 if quick else 8,  # random unit directions of the convex-region scan
        radius_first=1e-3,  # first radius of the scan (then x2 steps, then 5 bisections)
        scales=[1, 4] if quick else [0.5, 1, 4, 16, 64],  # shooting starts: s x the radius
        shooting_iterations=20 if quick else 200,  # iterations of each of those runs
        mnist_at=[0, 2] if quick else [0, 20, 100],  # MNIST training iterations with a Lanczos run
        mnist_hessian_images=64 if quick else 256,  # images on which the MNIST Hessian is taken
        lanczos_tol=1e-4,  # relative accuracy asked of the two extreme eigenvalues
        seed=0,
    )


#: Names of the lambdas in the reported quantities (``lc_min_end_lam1e-4`` ...).
_TAG = {1e-4: "1e-4", 1e-3: "1e-3", 1e-2: "1e-2", 1e-1: "1e-1", 1.0: "1"}


def _tag(lam: float) -> str:
    return _TAG.get(float(lam), f"{lam:g}")


def _summary_table(table: DataFrame, lams: Sequence[float], iterations: int) -> DataFrame:
    import pandas as pd

    rows = []
    for lam in lams:
        t = table[table.lam == lam].sort_values("epoch")
        first = first_convex_epoch(table, lam)
        rows.append(
            {
                "lambda": f"{lam:g}",
                "first convex epoch": f"not within {iterations} epochs" if first is None else first,
                "min at the end": f"{t['min'].iloc[-1]:.2e}",
                "max at the end": f"{t['max'].iloc[-1]:.3f}",
                "negative at the end": int(t["n_negative"].iloc[-1]),
                "negative at epoch 0": int(t["n_negative"].iloc[0]),
                "J at the end": f"{t['J'].iloc[-1]:.4f}",
            }
        )
    return pd.DataFrame(rows).set_index("lambda")


def region_table_frame(regions: dict[float, dict[str, Any]], lams: Sequence[float]) -> DataFrame:
    import pandas as pd

    rows = []
    for lam in lams:
        r = regions[lam]
        far = [x["scale"] for x in r["shooting"] if x["converges"]]
        one = next(x for x in r["shooting"] if x["scale"] == 1.0)
        rows.append(
            {
                "lambda": f"{lam:g}",
                "|grad J| at theta*": f"{r['grad_star']:.1e}",
                "J: min eig": f"{r['J_min']:.2e}",
                "J: max eig": f"{r['J_max']:.3f}",
                "data term: min eig": f"{r['data_min']:.2e}",
                "data term: max eig": f"{r['data_max']:.3f}",
                "2 lambda h": f"{r['shift']:.0e}",
                "radius: min": f"{r['radius_min']:.3g}",
                "radius: median": f"{r['radius_median']:.3g}",
                "|theta*|": f"{r['theta_norm']:.2f}",
                "|theta_end - theta*|": f"{r['distance_end']:.2g}",
                "shooting rate (s = 1)": f"1 - {1 - one['rate']:.1e}",
                "predicted rate": f"1 - {1 - r['predicted_rate']:.1e}",
                "converges from s <=": max(far) if far else "none",
            }
        )
    return pd.DataFrame(rows).set_index("lambda")


def _measure_map(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    logged: Sequence[int],
    seed: int,
) -> tuple[DataFrame, dict[float, AutoencODE], dict[float, tuple[bool, float]], list[str]]:
    """:func:`convexity_map` of the problem ``(make_model, x, y)``: its table, the trained
    models by lambda, :func:`step_is_stable` by lambda and the summary's lines."""
    import time

    t0 = time.perf_counter()
    trained: dict[float, AutoencODE] = {}
    table = convexity_map(make_model, x, y, lams, lrs, iterations, logged, seed, trained)
    lines = [
        f"{len(lams)} runs of {iterations} iterations, {len(table)} dense Hessians: "
        f"{time.perf_counter() - t0:.0f} s"
    ]
    stability = {lam: step_is_stable(table, lam) for lam in lams}
    for lam, lr in zip(lams, lrs):
        ok, prod = stability[lam]
        lines.append(
            f"lambda = {lam:g}: lr = {lr:g}, step = {lr / make_model().h:g}, "
            f"step * max lambda_max = {prod:.2f} ({'< 2, stable' if ok else '>= 2: UNSTABLE'})"
        )
    return table, trained, stability, lines


def _measure_regions(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lams: Sequence[float],
    lrs: Sequence[float],
    trained: dict[float, AutoencODE],
    *,
    gtol: float,
    n_directions: int,
    radius_first: float,
    scales: Sequence[float],
    shooting_iterations: int,
    seed: int,
) -> tuple[dict[float, dict[str, Any]], list[str]]:
    """:func:`region_analysis` from the end of each trained run (by lambda), with the
    summary's lines."""
    import time

    t0 = time.perf_counter()
    regions = {
        lam: region_analysis(
            make_model,
            x,
            y,
            lam,
            flat_parameters(trained[lam]),
            lr=lr,
            n_directions=n_directions,
            scales=scales,
            shooting_iterations=shooting_iterations,
            gtol=gtol,
            radius_first=radius_first,
            seed=seed,
        )
        for lam, lr in zip(lams, lrs)
    }
    lines = [
        f"Newton to |grad J| <= {gtol:g}, spectra, convex radii ({n_directions} random "
        f"directions + the softest eigenvector) and {len(scales)} shooting runs of "
        f"{shooting_iterations} iterations per lambda: {time.perf_counter() - t0:.0f} s"
    ]
    for lam in lams:
        r = regions[lam]
        lines.append(
            f"lambda = {lam:g}: {r['newton_iterations']} Newton steps from the run's end, "
            f"|grad J| {r['grad_end']:.1e} -> {r['grad_star']:.1e}; radii "
            + " ".join(f"{v:.3g}" for v in r["radii"].tolist())
            + "; shooting from s x r_min: "
            + ", ".join(
                f"s = {sh['scale']:g}: {sh['start']:.3g} -> {sh['end']:.3g}" for sh in r["shooting"]
            )
        )
    return regions, lines


def _measure_mnist(
    quick: bool,
    seed: int,
    progress: bool,
    mnist_at: Sequence[int],
    mnist_hessian_images: int,
    lanczos_tol: float,
) -> tuple[dict[str, Any], int, DataFrame, list[str]]:
    """The MNIST AutoencODE (:func:`mnist_problem`) trained from its initial weights, with the
    Lanczos extremes of its Hessian at the iterations ``mnist_at``: its settings, its number
    of parameters, the table of :func:`lanczos_along_training` and the summary's lines."""
    p, trainer, x_mnist = mnist_problem(quick, seed, progress=progress)
    x_hess = x_mnist[:mnist_hessian_images]
    n_mnist = sum(q.numel() for q in trainer.model.parameters())
    mnist_table = lanczos_along_training(
        trainer, x_mnist, x_hess, mnist_at, dtype=trainer.model.dtype, tol=lanczos_tol
    )  # the model's own dtype: float32 in the book (three times faster than float64)
    lines = ["", f"MNIST ({p['source']}, {len(x_mnist)} training images), {n_mnist:,} parameters"]
    for _, r in mnist_table.iterrows():
        lines.append(
            f"iteration {int(r['iteration']):4d}: J = {r['J']:.4f}, min = {r['min']:+.3f}, "
            f"max = {r['max']:.2f}, {int(r['matvecs'])} Hessian-vector products, "
            f"{r['seconds']:.1f} s"
        )
    lines.append(f"mean time per Lanczos call: {float(mnist_table['seconds'].mean()):.1f} s")
    return p, n_mnist, mnist_table, lines


def _compute(
    *,
    progress: bool,
    quick: bool,
    n_train: int,
    L: int,
    T: float,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    logged: Sequence[int],
    gtol: float,
    n_directions: int,
    radius_first: float,
    scales: Sequence[float],
    shooting_iterations: int,
    mnist_at: Sequence[int],
    mnist_hessian_images: int,
    lanczos_tol: float,
    seed: int,
) -> dict[str, Any]:
    """The measurements of :func:`local_convexity`: the convexity map of the Fig 4 problem
    (``table``, ``stability``), the region analysis of each lambda (``regions``), the MNIST
    model's Lanczos extremes (``mnist_settings``, ``n_mnist``, ``mnist_table``) and the
    summary's lines (``lines``)."""
    make_model, x, y = fig04_problem(n_train, L, T, seed)
    table, trained, stability, lines = _measure_map(
        make_model, x, y, lams, lrs, iterations, logged, seed
    )
    regions, region_lines = _measure_regions(
        make_model,
        x,
        y,
        lams,
        lrs,
        trained,
        gtol=gtol,
        n_directions=n_directions,
        radius_first=radius_first,
        scales=scales,
        shooting_iterations=shooting_iterations,
        seed=seed,
    )
    p, n_mnist, mnist_table, mnist_lines = _measure_mnist(
        quick, seed, progress, mnist_at, mnist_hessian_images, lanczos_tol
    )
    return dict(
        table=table,
        stability=stability,
        regions=regions,
        mnist_settings=p,
        n_mnist=n_mnist,
        mnist_table=mnist_table,
        lines=lines + region_lines + mnist_lines,
    )


def _lambda_numbers(
    table: DataFrame,
    regions: dict[float, dict[str, Any]],
    lams: Sequence[float],
    stability: dict[float, tuple[bool, float]],
) -> tuple[dict[float, Any], dict[float, Any], dict[float, int | None], dict[str, Any]]:
    """The first and last logged rows of each run, :func:`first_convex_epoch` by lambda, and
    the page's numbers of each lambda (``lc_..._lam<lambda>``)."""
    t_end = {lam: table[table.lam == lam].sort_values("epoch").iloc[-1] for lam in lams}
    t_start = {lam: table[table.lam == lam].sort_values("epoch").iloc[0] for lam in lams}
    first = {lam: first_convex_epoch(table, lam) for lam in lams}
    numbers: dict[str, Any] = {}
    for lam in lams:
        s = _tag(lam)
        r = regions[lam]
        one = next(x for x in r["shooting"] if x["scale"] == 1.0)
        far = [x["scale"] for x in r["shooting"] if x["converges"]]
        numbers[f"lc_first_convex_lam{s}"] = -1 if first[lam] is None else first[lam]
        numbers[f"lc_min_end_lam{s}"] = float(t_end[lam]["min"])
        numbers[f"lc_max_end_lam{s}"] = float(t_end[lam]["max"])
        numbers[f"lc_neg_end_lam{s}"] = int(t_end[lam]["n_negative"])
        numbers[f"lc_neg0_lam{s}"] = int(t_start[lam]["n_negative"])
        numbers[f"lc_J_end_lam{s}"] = float(t_end[lam]["J"])
        numbers[f"lc_step_lmax_lam{s}"] = stability[lam][1]
        numbers[f"lc_data_min_end_lam{s}"] = r["data_min_end"]
        numbers[f"lc_grad_end_lam{s}"] = r["grad_end"]
        numbers[f"lc_distance_end_lam{s}"] = r["distance_end"]
        numbers[f"lc_grad_star_lam{s}"] = r["grad_star"]
        numbers[f"lc_J_star_lam{s}"] = r["J_star"]
        numbers[f"lc_theta_norm_lam{s}"] = r["theta_norm"]
        numbers[f"lc_star_min_lam{s}"] = r["J_min"]
        numbers[f"lc_star_max_lam{s}"] = r["J_max"]
        numbers[f"lc_star_data_min_lam{s}"] = r["data_min"]
        numbers[f"lc_star_data_max_lam{s}"] = r["data_max"]
        numbers[f"lc_shift_lam{s}"] = r["shift"]
        numbers[f"lc_radius_min_lam{s}"] = r["radius_min"]
        numbers[f"lc_radius_median_lam{s}"] = r["radius_median"]
        numbers[f"lc_radius_soft_lam{s}"] = r["radius_soft"]
        numbers[f"lc_radius_share_lam{s}"] = r["radius_min"] / r["theta_norm"]
        numbers[f"lc_region_ratio_lam{s}"] = r["region_ratio"]
        numbers[f"lc_contraction_lam{s}"] = 1.0 - one["rate"]
        numbers[f"lc_contraction_pred_lam{s}"] = 1.0 - r["predicted_rate"]
        numbers[f"lc_shrink_lam{s}"] = one["end"] / one["start"]
        numbers[f"lc_farthest_lam{s}"] = max(far) if far else 0.0
    return t_start, t_end, first, numbers


def _claims(
    regions: dict[float, dict[str, Any]], lams: Sequence[float], low: float, radius_first: float
) -> list[Claim]:
    """The claims: the abstract's, in the low-regularisation regime lambda <= ``low``; the
    negative control is the initial model (the same measures at the initial weights theta_0).
    Empty when no lambda is that low."""
    from .. import claims as C

    low_lams = [lam for lam in lams if lam <= low]
    claims: list[C.Claim] = []
    if low_lams:
        where = f" (every lambda <= {low:g})"
        worst_r = min(low_lams, key=lambda v: regions[v]["radius_min"])
        claims.append(
            C.convex_region(regions[worst_r]["radius_min"], radius_first, where)
            .about("abstract.convexity")
            .versus(
                C.convex_region(
                    max(regions[v]["radius_initial"] for v in low_lams), radius_first, where
                ),
                "initial model",
            )
        )
        worst_d = max(
            low_lams,
            key=lambda v: regions[v]["distance_end"] / max(regions[v]["radius_min"], 1e-300),
        )
        rw = regions[worst_d]
        claims.append(
            C.ends_in_convex_region(rw["distance_end"], rw["radius_min"], where)
            .about("abstract.convexity")
            .versus(
                C.ends_in_convex_region(rw["distance_initial"], rw["radius_min"], where),
                "initial model",
            )
        )
        inside = [
            x["max_ratio"] for v in low_lams for x in regions[v]["shooting"] if x["scale"] <= 1
        ]
        if inside:
            claims.append(
                C.contracts_to(
                    max(inside), f" from inside the convex region (s <= 1, every lambda <= {low:g})"
                )
                .about("abstract.convexity")
                .by_construction()
            )
    return claims


def _text_headline(
    regions: dict[float, dict[str, Any]],
    lams: Sequence[float],
    low: float,
    radius_first: float,
    iterations: int,
    claims: Sequence[Claim],
) -> str:
    """The page's headline sentence: the claims' verdict at low regularisation, from the
    numbers."""
    low_lams = [lam for lam in lams if lam <= low]
    r_low = {v: regions[v] for v in low_lams}
    held = [c.holds for c in claims if not c.sanity]
    if not low_lams:
        return f"No lambda <= {low:g} is among those run."
    worst_r = min(low_lams, key=lambda v: regions[v]["radius_min"])
    lo = min(low_lams)
    r1 = regions[lo]
    verdict = (
        "reproduced"
        if held and all(held)
        else "partly reproduced"
        if any(held)
        else "not reproduced"
    )
    return (
        f"At low regularisation (lambda <= {low:g}) the paper's claim is {verdict} here: "
        + (
            "around each minimiser J is locally convex in a region of radius "
            f"{min(r['radius_min'] for r in r_low.values()):.2g} or more, and the shooting "
            "method converges linearly inside it, "
            if regions[worst_r]["radius_min"] >= radius_first
            else "no locally convex region around the minimiser is found at our resolution, "
        )
        + (
            f"but that region is small (radius {r1['radius_min']:.2g} at lambda = {lo:g}, "
            f"{100 * r1['radius_min'] / r1['theta_norm']:.2g} % of |theta*|), and "
            f"{iterations} epochs of the shooting method from the initial weights do not "
            "enter it: they end "
            f"about {two_digits(min(r['region_ratio'] for r in r_low.values()))} to "
            f"{two_digits(max(r['region_ratio'] for r in r_low.values()))} "
            "radii away from the minimiser."
            if not claims[1].holds
            else f"and {iterations} epochs of training end inside it."
        )
    )


def _text_shift(regions: dict[float, dict[str, Any]], lams: Sequence[float]) -> str:
    """The page's sentence on the data term's Hessian at each minimiser."""
    shift_only = [lam for lam in lams if regions[lam]["data_min"] < 0 <= regions[lam]["J_min"]]
    return (
        (
            "At every minimiser where J's Hessian is positive definite, the data term's own "
            "Hessian is indefinite ("
            + ", ".join(
                f"smallest eigenvalue {regions[lam]['data_min']:.2g} against a shift "
                f"2 lambda h = {regions[lam]['shift']:.0e} at lambda = {lam:g}"
                for lam in shift_only
            )
            + "): the convexity of J there is the Tikhonov term's shift, added to a data term "
            "that is not convex."
        )
        if len(shift_only) == len(lams)
        else (
            "The data term's own Hessian is positive semi-definite at the minimiser for lambda = "
            + ", ".join(f"{lam:g}" for lam in lams if lam not in shift_only)
            + "."
        )
    )


def _text_convex(first: dict[float, int | None], lams: Sequence[float]) -> str:
    """The page's sentence on the first convex epoch of each run."""
    convex = [lam for lam in lams if first[lam] is not None]
    return (
        (
            "Along the runs themselves, the smallest eigenvalue of J's Hessian becomes and stays "
            "non-negative for "
            + ", ".join(f"lambda = {lam:g} (from epoch {first[lam]})" for lam in convex)
            + "; for the other values it is still negative at the last epoch, "
            "where the runs have not reached their minimiser (see the table above)."
        )
        if convex
        else "Along the runs themselves, the smallest eigenvalue of J's Hessian does not become "
        "and stay non-negative for any lambda."
    )


def _mnist_numbers(mnist_table: DataFrame, p: dict[str, Any], n_mnist: int) -> dict[str, Any]:
    """The page's numbers of the MNIST model (``lc_mnist_...``) and its sentence, from the
    table of :func:`lanczos_along_training`, the settings ``p`` and the number of
    parameters."""
    numbers: dict[str, Any] = {}
    mean_s = float(mnist_table["seconds"].mean())
    numbers["lc_mnist_n_params"] = n_mnist
    numbers["lc_mnist_seconds"] = mean_s
    for _, r in mnist_table.iterrows():
        it = int(r["iteration"])
        numbers[f"lc_mnist_min_{it}"] = float(r["min"])
        numbers[f"lc_mnist_max_{it}"] = float(r["max"])
        numbers[f"lc_mnist_J_{it}"] = float(r["J"])
    first_r, last_r = mnist_table.iloc[0], mnist_table.iloc[-1]
    indefinite = bool((mnist_table["min"] < 0).all())
    numbers["lc_mnist_text"] = (
        f"At every logged iteration the smallest eigenvalue is "
        f"{'negative' if indefinite else 'not always negative'} "
        f"({first_r['min']:.2f} at iteration {int(first_r['iteration'])}, {last_r['min']:.2f} at "
        f"iteration {int(last_r['iteration'])}), against a largest of {first_r['max']:.0f} and "
        f"{last_r['max']:.0f}: early in training, at the low lambda = {p['lam']:g} of the MNIST "
        f"experiment, the landscape is "
        + (
            "not locally convex, as along the 2D problem's training runs at low lambda; whether "
            "the fully trained network sits in a convex region we do not measure here."
            if indefinite
            else "locally convex at some logged iteration."
        )
    )
    return numbers


def _numbers(
    m: dict[str, Any],
    lams: Sequence[float],
    iterations: int,
    low: float,
    radius_first: float,
) -> tuple[dict[str, Any], list[Claim], dict[str, Any]]:
    """The page's numbers (by lambda, its sentences, the MNIST model's), its claims and the
    result's details (tables and per-lambda rows), from the measurements ``m`` of
    ``_compute``."""
    table, regions, stability = m["table"], m["regions"], m["stability"]
    t_start, t_end, first, numbers = _lambda_numbers(table, regions, lams, stability)
    claims = _claims(regions, lams, low, radius_first)
    numbers["lc_text_headline"] = _text_headline(
        regions, lams, low, radius_first, iterations, claims
    )
    numbers["lc_text_shift"] = _text_shift(regions, lams)
    numbers["lc_text_convex"] = _text_convex(first, lams)
    numbers.update(_mnist_numbers(m["mnist_table"], m["mnist_settings"], m["n_mnist"]))
    details = dict(
        table=table,
        summary_table=_summary_table(table, lams, iterations),
        stability=stability,
        t_start=t_start,
        t_end=t_end,
        first=first,
        mnist_table=m["mnist_table"],
        mnist_settings=m["mnist_settings"],
        regions=regions,
        region_table=region_table_frame(regions, lams),
    )
    return numbers, claims, details


@figure(
    "local_convexity",
    notebook="local_convexity",
    title="Local convexity of J against lambda (Fig 4 problem; MNIST by Lanczos)",
    defaults=_defaults,
    threads=1,
    control={"iterations": 0, "mnist_at": [0], "n_directions": 1, "shooting_iterations": 20},
)
def local_convexity(
    *,
    progress: bool = True,
    quick: bool = False,
    n_train: int,
    L: int,
    T: float,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    logged: Sequence[int],
    low: float,
    gtol: float,
    n_directions: int,
    radius_first: float,
    scales: Sequence[float],
    shooting_iterations: int,
    mnist_at: Sequence[int],
    mnist_hessian_images: int,
    lanczos_tol: float,
    seed: int,
) -> Result:
    """The convexity map of the Fig 4 problem; for each lambda the stationary point the run
    heads for (Newton), the spectra of J and of its data term there and the size of the
    locally convex region around it, with the shooting method's convergence in and beyond it;
    then the MNIST model's extremes by Lanczos (on one thread: tiny 2D layers, and the Lanczos
    runs of the committed numbers). The negative control (``iterations=0``) measures the
    same at the initial weights.

    In turn: the measurements, the numbers and claims from them, and the figures
    (:func:`~autoencode.experiments.convexity_draw.draw_local_convexity`)."""
    lams, lrs = [float(v) for v in lams], [float(v) for v in lrs]
    m = _compute(
        progress=progress,
        quick=quick,
        n_train=n_train,
        L=L,
        T=T,
        lams=lams,
        lrs=lrs,
        iterations=iterations,
        logged=logged,
        gtol=gtol,
        n_directions=n_directions,
        radius_first=radius_first,
        scales=scales,
        shooting_iterations=shooting_iterations,
        mnist_at=mnist_at,
        mnist_hessian_images=mnist_hessian_images,
        lanczos_tol=lanczos_tol,
        seed=seed,
    )
    numbers, claims, details = _numbers(m, lams, iterations, low, radius_first)
    return Result(
        "local_convexity",
        {},
        numbers=numbers,
        figures=draw_local_convexity(m["table"], m["regions"], lams),
        summary="\n".join(m["lines"]),
        details=details,
        claims=claims,
    )
