"""Looking inside a trained AutoencODE: latent means, Delta, entropies (Figs 9-11).

The paper's captions name these quantities but what we hold of the paper does
not define them, so every definition below is **ours** (listed on the book's
reproduction-notes page):

* :func:`latent_means`: per-class mean and standard deviation of the latent
  vector (the active components of the bottleneck state x_b); with
  :func:`closest_pairs` to pick the most similar classes (Fig 9).
* :func:`delta`: our Delta, the sensitivity of the network's output to each
  node of each layer,

      Delta_k^j = ( (1/N) sum_i || d x_L^i / d x_k^{i,j} ||^2 )^(1/2),

  computed with the co-states of :mod:`autoencode.pmp` (the discrete adjoint
  equation started from random probes). A node that is really turned off has
  Delta = 0: the output cannot depend on it. In the *wrong* autoencoder
  (``off_mode="freeze"``) the turned-off nodes keep their value and the decoder
  reads them back, so Delta is large on nodes that should be dead: information
  leaks around the bottleneck (Fig 10). :func:`leak_fraction` summarises it per
  layer, :func:`displacement` and :func:`activity` are the plain per-node
  displacement and value of the states, for comparison.
* :func:`shannon_entropy`: the histogram (plug-in) Shannon entropy of each
  component of the state over the data set, summed over components, per layer.
* :func:`spectral_entropy`: our second measure, the entropy of the normalised
  eigenvalue spectrum of the covariance of the state (its exponential is the
  "effective dimension" of the data cloud at that layer) (Fig 11).

All functions take data ``x`` as ``[N, d]`` and work without gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import pmp
from .architecture import Architecture, Segment
from .model import AutoencODE

__all__ = [
    "states",
    "LatentStats",
    "latent_means",
    "pairwise_distances",
    "closest_pairs",
    "delta",
    "leak_fraction",
    "effective_parameters",
    "shuffled_weights",
    "displacement",
    "activity",
    "shannon_entropy",
    "spectral_entropy",
    "PHASE_NAMES",
    "phase_trajectories",
    "phase_end_states",
]


def _check_model(model) -> AutoencODE:
    if not isinstance(model, AutoencODE):
        raise TypeError(f"model must be an AutoencODE, got {type(model).__name__}")
    return model


@torch.no_grad()
def states(model: AutoencODE, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """All states x_0..x_L ``[L+1, N, d]`` (original coordinates), computed in batches."""
    _check_model(model)
    x = model.check_input(x)
    return torch.cat(
        [model.trajectory(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)], 1
    )


# ---------------------------------------------------------------------------
# Latent means (Fig 9)
# ---------------------------------------------------------------------------


@dataclass
class LatentStats:
    """Per-class statistics of the latent vectors.

    ``classes`` ``[C]``; ``mean`` and ``std`` ``[C, w_b]`` (per class, per latent
    component); ``count`` ``[C]``; ``overall_mean`` / ``overall_std`` ``[w_b]``
    over all samples; ``components``: the state indices of the latent components
    (``arch.active(arch.bottleneck)``).
    """

    classes: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor
    count: torch.Tensor
    overall_mean: torch.Tensor
    overall_std: torch.Tensor
    components: torch.Tensor

    def of(self, c: int) -> torch.Tensor:
        """The mean latent vector of class ``c``."""
        hits = torch.nonzero(self.classes == c).flatten()
        if len(hits) == 0:
            raise KeyError(f"no class {c}; classes are {self.classes.tolist()}")
        return self.mean[hits[0]]


@torch.no_grad()
def latent_means(model: AutoencODE, x: torch.Tensor, labels: torch.Tensor) -> LatentStats:
    """Per-class mean and standard deviation of the latent ``model.latent(x)`` ``[N, w_b]``.

    The standard deviation is the population one (divisor n_c); a class with a
    single sample has std 0.
    """
    _check_model(model)
    labels = torch.as_tensor(labels).flatten()
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"{x.shape[0]} samples but {labels.shape[0]} labels")
    z = model.latent(x).double()
    labels = labels.to(z.device)
    classes = torch.unique(labels)
    mean = torch.stack([z[labels == c].mean(0) for c in classes])
    std = torch.stack([z[labels == c].std(0, correction=0) for c in classes])
    count = torch.stack([(labels == c).sum() for c in classes])
    return LatentStats(
        classes,
        mean,
        std,
        count,
        z.mean(0),
        z.std(0, correction=0),
        model.arch.active(model.arch.bottleneck),
    )


def pairwise_distances(means: torch.Tensor) -> torch.Tensor:
    """Euclidean distances ``[C, C]`` between the rows of ``means``."""
    means = torch.as_tensor(means, dtype=torch.float64)
    return torch.cdist(means, means)


def closest_pairs(
    stats: LatentStats, n_pairs: int = 2, disjoint: bool = True
) -> list[tuple[int, int, float]]:
    """The ``n_pairs`` pairs of classes whose latent means are closest (Euclidean).

    Pairs are taken greedily from the closest one; with ``disjoint`` a class is
    used at most once (so two pairs show four different digits). Returns
    ``[(class_a, class_b, distance), ...]`` with ``class_a < class_b``.
    """
    dist = pairwise_distances(stats.mean)
    C = len(stats.classes)
    cand = sorted((float(dist[a, b]), a, b) for a in range(C) for b in range(a + 1, C))
    used: set[int] = set()
    out = []
    for d, a, b in cand:
        if disjoint and (a in used or b in used):
            continue
        out.append((int(stats.classes[a]), int(stats.classes[b]), d))
        used |= {a, b}
        if len(out) == n_pairs:
            break
    if len(out) < n_pairs:
        raise ValueError(
            f"only {len(out)} {'disjoint ' if disjoint else ''}pairs among {C} classes"
        )
    return out


# ---------------------------------------------------------------------------
# Delta (Fig 10)
# ---------------------------------------------------------------------------


@torch.no_grad()
def delta(
    model: AutoencODE, x: torch.Tensor, probes: int = 4, seed: int = 0, batch_size: int = 1000
) -> torch.Tensor:
    """Our Delta: RMS sensitivity of the output to every node of every state, ``[L+1, d]``.

    Delta_k^j = ( (1/N) sum_i || d x_L^i / d x_k^{i,j} ||^2 )^(1/2): how much the
    network's output moves when node j of state k moves. It is computed with
    the co-state recursion of :mod:`autoencode.pmp`, started from a Rademacher
    probe v (entries +-1) instead of the cost's gradient: then p_k = v^T dx_L/dx_k,
    and E_v[(p_k)_j^2] = ||d x_L / d x_k^j||^2 exactly, so averaging over
    ``probes`` probes per sample and over the samples gives an unbiased
    estimate (exact at k = L, where Delta_L = 1).

    A node turned off in state k has Delta_k^j = 0 in a true width-varying
    network (``off_mode="reset"``: the node does not exist, and the co-state
    is masked); in ``off_mode="freeze"`` it keeps its value, the decoder can
    read it back, and Delta_k^j measures how much the output depends on that
    leaked value.
    """
    _check_model(model)
    x = model.check_input(x)
    gen = torch.Generator().manual_seed(int(seed))  # CPU: the same probes on every device
    total = torch.zeros(model.depth + 1, model.dim, dtype=torch.float64, device=model.device)
    for i in range(0, x.shape[0], batch_size):
        fwd = pmp.forward_states(model, x[i : i + batch_size])
        xL = fwd.xs[-1]
        for _ in range(probes):
            v = torch.randint(0, 2, xL.shape, generator=gen, device="cpu")
            v = v.to(device=xL.device, dtype=xL.dtype).mul_(2).sub_(1)
            ps, _ = pmp.backward_costates(model, fwd, v)
            for k, p in enumerate(ps):
                total[k] += (model.to_external(p).double() ** 2).sum(0)
    return (total / (x.shape[0] * probes)).sqrt()


def leak_fraction(delta_values: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Per state, the share of sum_j (Delta_k^j)^2 carried by the nodes that are off.

    ``masks`` ``[L+1, d]`` (``arch.masks``). 0 when the output depends only on
    the active nodes; close to 1 when it is mostly read from nodes that should
    be turned off.
    """
    d2 = torch.as_tensor(delta_values, dtype=torch.float64) ** 2
    off = ~torch.as_tensor(masks, dtype=torch.bool).to(d2.device)
    if d2.shape != off.shape:
        raise ValueError(f"delta {tuple(d2.shape)} and masks {tuple(off.shape)} differ in shape")
    return (d2 * off).sum(1) / d2.sum(1).clamp_min(1e-300)


def effective_parameters(model: AutoencODE) -> int:
    """The trained entries that can reach the output: per layer, the rows r_k of W_k that reach
    x_{k+1} times the columns n_k that can meet a nonzero x_k (:meth:`AutoencODE.useful_shape`),
    and the r_k biases of those rows. In compact storage (reset, a chain of masks) every layer
    stores its whole w_k x w_k block; the rest of it never touches the output (its gradient is
    the regulariser's alone), so this is what a parameter count of the network should count."""
    _check_model(model)
    total = 0
    for k in range(model.depth):
        r, n = model.useful_shape(k)
        total += r * n + (r if model.has_bias else 0)
    return total


@torch.no_grad()
def shuffled_weights(model: AutoencODE, seed: int = 0) -> AutoencODE:
    """A copy of ``model`` with each layer's useful weights (:meth:`AutoencODE.useful_shape`)
    permuted at random within the layer, and its biases within theirs: the same values, the
    same norm per layer, no learned structure (a negative control of what training learned,
    beyond the size of the weights). The weights outside the useful blocks are kept."""
    import copy

    _check_model(model)
    out = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(int(seed))  # CPU: the same permutation on every device
    for k in range(out.depth):
        r, n = out.useful_shape(k)
        W = out.weights[k]
        block = W[:r, :n].reshape(-1)
        W[:r, :n] = block[torch.randperm(block.numel(), generator=gen).to(W.device)].view(r, n)
        if out.has_bias:
            b = out.biases[k]
            b[:r] = b[:r][torch.randperm(r, generator=gen).to(b.device)]
    return out


@torch.no_grad()
def displacement(model: AutoencODE, x: torch.Tensor) -> torch.Tensor:
    """Per-layer, per-node displacement ``[L, d]``: ``(1/N) sum_i |x_{k+1}^{i,j} - x_k^{i,j}|``.

    In reset mode it includes the jump to 0 of a node that is turned off.
    """
    xs = states(model, x)
    return (xs[1:] - xs[:-1]).abs().mean(1)


@torch.no_grad()
def activity(model: AutoencODE, x: torch.Tensor) -> torch.Tensor:
    """Per-state, per-node mean absolute value ``[L+1, d]``: ``(1/N) sum_i |x_k^{i,j}|``."""
    return states(model, x).abs().mean(1)


# ---------------------------------------------------------------------------
# Entropies (Fig 11)
# ---------------------------------------------------------------------------


def _as_layers(states_: torch.Tensor) -> torch.Tensor:
    s = torch.as_tensor(states_)
    if s.ndim == 2:
        s = s[None]
    if s.ndim != 3:
        raise ValueError(f"states must be [N, d] or [K, N, d], got {tuple(s.shape)}")
    if s.shape[1] < 1:
        raise ValueError("states hold no samples (N = 0)")
    return s


def shannon_entropy(
    states_: torch.Tensor,
    bins: int = 32,
    value_range: tuple[float, float] | None = None,
    reduce: str = "sum",
) -> torch.Tensor:
    """Histogram estimate of the Shannon entropy (nats) of each component, per layer.

    ``states_`` ``[K, N, d]`` (e.g. :func:`states`: K = L+1 layers, N samples) or
    ``[N, d]``. Each component's values over the N samples are binned into
    ``bins`` equal bins spanning ``value_range`` (default: the minimum and
    maximum over *all* layers and components, so every layer is binned alike;
    values outside the range go to the end bins), and
    H = -sum_b p_b log p_b with p_b the fraction of samples in bin b. A constant
    component has H = 0; H <= log(bins).

    ``reduce``: ``"sum"`` over components (``[K]``; the entropy of the state
    if its components were independent, an upper bound of the joint one),
    ``"mean"`` (``[K]``) or ``"none"`` (``[K, d]``).
    """
    s = _as_layers(states_).double()
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    if reduce not in ("sum", "mean", "none"):
        raise ValueError(f"reduce must be 'sum', 'mean' or 'none', got {reduce!r}")
    lo, hi = (float(s.min()), float(s.max())) if value_range is None else map(float, value_range)
    if not hi > lo:
        hi = lo + 1.0  # all values equal: one occupied bin, H = 0
    K, N, d = s.shape
    H = s.new_empty(K, d)
    for k in range(K):
        idx = ((s[k] - lo) / (hi - lo) * bins).floor().clamp_(0, bins - 1).long()  # [N, d]
        counts = s.new_zeros(d, bins)
        counts.scatter_add_(1, idx.T, s.new_ones(d, N))
        p = counts / N
        H[k] = -(p * torch.log(p.clamp_min(1e-300))).sum(1)
    if reduce == "sum":
        return H.sum(1)
    if reduce == "mean":
        return H.mean(1)
    return H


def _eigvalsh_one_thread(a: torch.Tensor) -> torch.Tensor:
    """Eigenvalues of a symmetric matrix, computed on one thread.

    For matrices of a few hundred rows LAPACK is as fast on one thread, and on a
    busy two-core machine its multi-threaded version can be ten times slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return torch.linalg.eigvalsh(a)
    finally:
        torch.set_num_threads(threads)


def spectral_entropy(states_: torch.Tensor, rel_tol: float = 1e-10) -> torch.Tensor:
    """Our measure: entropy of the normalised covariance spectrum of the state, per layer.

    For state k with covariance C_k over the N samples (eigenvalues mu_i >= 0),
    S_k = -sum_i q_i log q_i with q_i = mu_i / sum(mu). exp(S_k) is the
    "effective dimension" of the data cloud: 1 if it lies on a line, n if it
    spreads equally over n orthogonal directions; S_k <= log(rank C_k), so a
    state with w active components has S_k <= log w. Eigenvalues below
    ``rel_tol`` times the largest are treated as 0. A constant state gives 0.
    Returns ``[K]`` (nats).
    """
    s = _as_layers(states_).double()
    out = s.new_zeros(s.shape[0])
    for k in range(s.shape[0]):
        xc = s[k] - s[k].mean(0)
        xc = xc[:, (xc != 0).any(0)]  # constant (e.g. turned-off) components: eigenvalue 0
        if xc.shape[1] == 0:
            continue
        cov = xc.T @ xc / s.shape[1]
        mu = _eigvalsh_one_thread(cov).clamp_min(0)
        top = float(mu.max())
        if not top > 0:
            continue
        mu = mu[mu > rel_tol * top]
        q = mu / mu.sum()
        out[k] = -(q * q.log()).sum()
    return out


# -- the phases of a trained AutoencODE (Figs 4 and 5) ---------------------------------

#: The paper's names of the three phases of a 2 -> 1 -> 2 AutoencODE (Fig 5's caption),
#: indexed by :attr:`~autoencode.Segment.phase`.
PHASE_NAMES = {
    "encoder": "initial phase",
    "bottleneck": "encoding phase",
    "decoder": "decoding phase",
    "constant": "flow",
}


@torch.no_grad()
def phase_trajectories(model: AutoencODE, x: torch.Tensor) -> list[tuple[Segment, torch.Tensor]]:
    """The trajectory of each constant-width phase, ``[(segment, [K, N, d]), ...]``.

    A segment of states ``start..stop-1`` is driven by layers ``start..stop-1``
    and ends at time ``stop * h``. Its trajectory is x_start, ..., x_{stop-1}
    followed by the *end state* of the phase: the last Euler step
    x_{stop-1} + h G_{stop-1}(x_{stop-1}) *without* the mask of the next state.
    Components that the next phase turns off therefore still show their value
    (the model resets them to 0 only in x_stop); components that the next phase
    turns back on are 0. The last segment ends at x_L.
    """
    xs = model.trajectory(x)  # [L+1, N, d], original coordinates
    out = []
    for seg in model.arch.segments():
        k = seg.stop - 1
        if k >= model.depth:  # last segment: ends at x_L
            out.append((seg, xs[seg.start :].clone()))
            continue
        end = xs[k] + model.increment(k, xs[k])
        out.append((seg, torch.cat([xs[seg.start : seg.stop], end[None]])))
    return out


def phase_end_states(model: AutoencODE, x: torch.Tensor) -> list[tuple[Segment, torch.Tensor]]:
    """The state at the end of each phase, ``[(segment, [N, d]), ...]``.

    The last point of each :func:`phase_trajectories` trajectory: before the
    reset of the components that the next phase turns off.
    """
    return [(seg, traj[-1]) for seg, traj in phase_trajectories(model, x)]


# -- the rank of the input-output map (Fig 3: skips carry information around a bottleneck) --


def jacobian_rank(
    arch: Architecture, width: int, seed: int = 0, T: float = 1.0, rel_tol: float = 1e-8
) -> int:
    """Rank of d(first ``width`` components of x_L) / d(first ``width`` components of x_0).

    The AutoencODE on ``arch`` with random weights (``seed``, final time ``T``), in
    float64; the other components of x_0 are 0. The Jacobian is taken at a random input
    (``seed``); singular values below ``rel_tol`` times the largest do not count. Through a
    bottleneck of width w the rank is at most w, unless something carries information
    around it (Fig 3's copy blocks).
    """
    model = AutoencODE(arch, T=T, seed=seed, dtype=torch.float64)
    gen = torch.Generator().manual_seed(seed)  # CPU: the same input on every device
    x0 = torch.randn(width, generator=gen, dtype=torch.float64, device="cpu").to(model.device)

    def output(v):
        x = x0.new_zeros(1, arch.dim)
        x[0, :width] = v
        return model(x)[0, :width]

    s = torch.linalg.svdvals(torch.autograd.functional.jacobian(output, x0))
    return int((s > rel_tol * s.max()).sum())


__all__ += ["jacobian_rank"]


# -- measures of the 2D pages (Figs 5 and 6) ----------------------------------------------


@torch.no_grad()
def separation(model: AutoencODE, x: torch.Tensor, labels: torch.Tensor) -> float:
    """Gap between two classes along the first latent component (Fig 5).

    With the latent values z of the two classes, the smallest z of the class with the
    larger mean minus the largest z of the other class: > 0 when a threshold on the one
    kept component separates the classes (the value of
    :func:`autoencode.claims.class_gap`), < 0 when they overlap.
    """
    from .claims import class_gap

    return class_gap(_check_model(model).latent(x), labels).value


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    """Spearman's rank correlation of two 1-D tensors (Fig 6: the latent value against the
    curve parameter; +-1 when one is a monotone function of the other).

    The Pearson correlation of the ranks (ties are ranked by position, not averaged: the
    values here are continuous).
    """
    if a.ndim != 1 or b.shape != a.shape:
        raise ValueError(
            f"spearman needs two 1-D tensors of the same length, got shapes "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    ra = a.argsort().argsort().double()
    rb = b.argsort().argsort().double()
    return float(torch.corrcoef(torch.stack([ra, rb]))[0, 1])


__all__ += ["separation", "spearman"]
