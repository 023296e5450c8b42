"""autoencode: the AutoencODE of Cipriani, Fornasier and Scagliotti (EJAM 2024), in PyTorch.

A few lines train one::

    import autoencode as ae
    arch = ae.Architecture.from_phases([2, 1, 2], L=20, order=[0, 1])   # 2 -> 1 -> 2
    model = ae.AutoencODE(arch, T=1.0, seed=0)
    x, labels = ae.data.two_clusters(n=200, seed=0)
    history = ae.ShootingTrainer(model, lam=1e-3, lr=0.1).fit(x, ae.data.class_targets(labels))

Public API: the model (:class:`Architecture`, :class:`AutoencODE`), the
discrete Pontryagin principle (:mod:`autoencode.pmp`), the trainers
(:class:`ShootingTrainer`, :class:`AdamTrainer`), checkpoints, the Hessian
spectrum, the data (:mod:`autoencode.data`: the 2D sets and MNIST), the figures'
analyses (latent means, Delta,
entropies), where the numbers live (:mod:`autoencode.devices`: any device, any floating
dtype), cached training, where files go (:mod:`autoencode.paths`), architecture diagrams,
the notebook set-up, the figures' claims (:mod:`autoencode.claims`), one verdict per claim
(:mod:`autoencode.verdicts`),
the reported numbers' check against their committed values (:class:`Report`), and
:func:`sweep`, every claim across seeds on Dask (:mod:`autoencode.sweeps`).
"""

from . import (
    analysis,
    baselines,
    cache,
    claims,
    data,
    devices,
    paths,
    plotting,
    pmp,
    robustness,
    verdicts,
)
from .architecture import Architecture, Segment, centre_out_order
from .checkpoint import CheckpointError, CheckpointMismatch, load_checkpoint, save_checkpoint
from .devices import available_devices, compute_on
from .hessian import (
    HessianLogger,
    HessianSpectrum,
    hessian_matrix,
    hessian_spectrum,
    hessian_vector_product,
)
from .model import OFF_MODES, AutoencODE
from .plotting import diagrams
from .reproduction import Report, ReproductionError
from .sweeps import sweep
from .training import UPDATES, AdamTrainer, ShootingTrainer, Trainer, TrainingDiverged

__all__ = [
    "Architecture",
    "Segment",
    "centre_out_order",
    "AutoencODE",
    "OFF_MODES",
    "Trainer",
    "ShootingTrainer",
    "AdamTrainer",
    "TrainingDiverged",
    "UPDATES",
    "save_checkpoint",
    "load_checkpoint",
    "CheckpointError",
    "CheckpointMismatch",
    "HessianLogger",
    "HessianSpectrum",
    "hessian_spectrum",
    "hessian_matrix",
    "hessian_vector_product",
    "Report",
    "ReproductionError",
    "analysis",
    "baselines",
    "cache",
    "claims",
    "data",
    "devices",
    "compute_on",
    "available_devices",
    "diagrams",
    "experiments",
    "paths",
    "plotting",
    "pmp",
    "verdicts",
    "robustness",
    "sweep",
    "sweeps",
]

from .notebook import cache_dir, quick_mode, setup  # noqa: E402  (seeds, threads, plot style)


def __getattr__(name: str):
    # The figures' experiments (and pyplot, which they draw with) load on first use, so that
    # `import autoencode` stays light for a user who only trains a model.
    if name == "experiments":
        import importlib

        return importlib.import_module(".experiments", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ += ["setup", "quick_mode", "cache_dir"]

__version__ = "0.1.0"
