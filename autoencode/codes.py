"""What an autoencoder's codes know about the labels it never saw.

* :func:`cluster_codes`: unsupervised classification. The codes are grouped into as many
  clusters as there are classes by k-means (scikit-learn's ``KMeans``, several seeded
  restarts, the best by inertia); the clusters are scored against the labels by the accuracy
  of the best one-to-one match of clusters to classes (the Hungarian algorithm,
  ``scipy.optimize.linear_sum_assignment``) and by the normalised mutual information.
* :func:`linear_probe`: the supervised reference. A multinomial logistic regression trained on
  the training codes (standardised with the training codes' mean and spread), scored on the
  test codes.

Both take codes as ``[N, c]`` arrays or tensors (any model: our AutoencODE's active bottleneck
components, N-CODE's code, PCA's coefficients) and integer labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ClusterScore", "cluster_codes", "matched_accuracy", "linear_probe"]


@dataclass(frozen=True)
class ClusterScore:
    """k-means on the codes against the labels: ``accuracy`` under the best one-to-one match
    of clusters to classes, ``nmi`` (normalised mutual information, arithmetic mean), and the
    ``clusters`` found (one per code)."""

    accuracy: float
    nmi: float
    clusters: np.ndarray


def _array(codes: Any, name: str) -> np.ndarray:
    if hasattr(codes, "detach"):
        codes = codes.detach().cpu().numpy()
    a = np.asarray(codes, dtype=np.float64)
    if a.ndim != 2 or len(a) == 0:
        raise ValueError(f"{name} must be a non-empty [N, c] array of codes, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} hold NaN or inf: the model's codes are not finite")
    return a


def _labels(labels: Any, n: int, name: str) -> np.ndarray:
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().numpy()
    y = np.asarray(labels)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"{name} must be {n} integer labels (one per code), got {y.dtype} {y.shape}"
        )
    return y


def matched_accuracy(clusters: Any, labels: Any) -> float:
    """The share of points whose cluster, matched one-to-one to a class so as to maximise the
    agreement (``scipy.optimize.linear_sum_assignment`` on the contingency table), is their
    class."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(labels, clusters)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / table.sum())


def cluster_codes(
    codes: Any, labels: Any, k: int | None = None, restarts: int = 10, seed: int = 0
) -> ClusterScore:
    """k-means with ``k`` clusters (default: the number of classes in ``labels``) on ``codes``,
    ``restarts`` seeded k-means++ starts (the best by inertia), scored against ``labels``."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    x = _array(codes, "codes")
    y = _labels(labels, len(x), "labels")
    k = len(np.unique(y)) if k is None else int(k)
    if not 2 <= k <= len(x):
        raise ValueError(f"k must be between 2 and the number of codes ({len(x)}), got {k}")
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
        raise ValueError(f"restarts must be a positive integer, got {restarts!r}")
    km = KMeans(n_clusters=k, n_init=restarts, random_state=int(seed)).fit(x)
    clusters = km.labels_
    return ClusterScore(
        accuracy=matched_accuracy(clusters, y),
        nmi=float(normalized_mutual_info_score(y, clusters)),
        clusters=clusters,
    )


def linear_probe(
    train_codes: Any, train_labels: Any, test_codes: Any, test_labels: Any, max_iter: int = 1000
) -> float:
    """Test accuracy of a multinomial logistic regression (L2, scikit-learn's defaults, L-BFGS)
    fitted on the standardised training codes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    xtr, xte = _array(train_codes, "train_codes"), _array(test_codes, "test_codes")
    if xtr.shape[1] != xte.shape[1]:
        raise ValueError(
            f"training and test codes differ in width: {xtr.shape[1]} and {xte.shape[1]}"
        )
    ytr = _labels(train_labels, len(xtr), "train_labels")
    yte = _labels(test_labels, len(xte), "test_labels")
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    probe.fit(xtr, ytr)
    return float(probe.score(xte, yte))
