"""One verdict per claim: the table of the paper's claims (and the book's own), and the verdict
each gets from the checks the pages record.

A page checks its claims with :mod:`autoencode.claims`; each check names the row it supports
(:meth:`~autoencode.claims.Claim.about`) and carries its negative control
(:meth:`~autoencode.claims.Claim.versus`). ``make execute`` writes every check's outcome into the
page's reference file (``[[claims]]`` of ``notebooks/reference/<page>.toml``), and the page's
re-execution compares its outcomes with those (:meth:`autoencode.Report.check`). The Verdicts page
reads them back through :func:`verdicts`; nothing in it is written by hand, so a verdict cannot
disagree with its check.

The verdict of a row, from its evidence (the checks that are not sanity checks):

* **reproduced**: every check holds (and fails on its negative control);
* **partly**: some hold, or every one holds but the row's ``scope`` says what is left unchecked;
* **not reproduced**: none holds;
* **not testable**: a drawing, a construction, a theorem or a statement of scope, which no
  measurement can contradict;
* **ours**: a claim the book adds (beyond the paper), with how many of its checks hold.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PaperClaim", "CLAIMS", "Verdict", "verdicts", "claim_records", "markdown_table"]

VERDICTS = ("reproduced", "partly", "not reproduced", "not testable", "ours")


@dataclass(frozen=True)
class PaperClaim:
    """A row of the Verdicts table.

    ``key``: what checks name in :meth:`~autoencode.claims.Claim.about`; ``source``: where the
    claim is made ("Fig. 4", "abstract", or "ours"); ``words``: the claim in the paper's words (a
    caption or the abstract) or, for ``kind="ours"``, in ours; ``page``: the notebook that checks
    it; ``kind``: ``"paper"``, ``"ours"``, ``"drawing"`` (not testable), ``"framing"`` (a
    construction, a theorem, a statement of scope or a summary: not testable) or ``"other"``
    (a claim of another paper, tested on our reconstruction of its model: not testable where no
    page checks it); ``scope``: what the checks leave out, if anything (a row with a scope is at
    best **partly**); ``note``: what a reader should know to weigh the verdict (shown, not
    changing it).
    """

    key: str
    source: str
    words: str
    page: str
    kind: str = "paper"
    scope: str = ""
    note: str = ""


FIG_1_3 = "fig01_03_architectures"

#: Every claim of the paper (its figure and table captions and its abstract) and each one the
#: book adds, in reading order.
CLAIMS: tuple[PaperClaim, ...] = (
    PaperClaim(
        "abstract.model",
        "abstract",
        "we propose a continuous-time Autoencoder, which we call AutoencODE, based on a "
        "modification of the controlled field that drives the dynamics. This adaptation enables "
        "the extension of the mean-field control framework originally devised for conventional "
        "NeurODEs.",
        FIG_1_3,
        kind="framing",
        note="A construction and a theorem. The book builds the model (the theory pages, Figs "
        "1-3); no measurement can confirm or refute the extension of the framework.",
    ),
    PaperClaim(
        "abstract.low_regularisation",
        "abstract",
        "In this setting, we tackle the case of low Tikhonov regularisation, resulting in "
        "potentially non-convex cost landscapes.",
        "fig04_table1_natural_turn_off",
        kind="framing",
        note="A statement of scope ('potentially'). The Table 1 row measures the landscape: at "
        "the low λ the Hessian of J is indefinite when training starts.",
    ),
    PaperClaim(
        "abstract.convexity",
        "abstract",
        "While the global results obtained for high Tikhonov regularisation may not hold "
        "globally, we show that many of them can be recovered in regions where the loss "
        "function is locally convex.",
        "local_convexity",
    ),
    PaperClaim(
        "abstract.method",
        "abstract",
        "we develop a training method tailored to this specific type of Autoencoders with "
        "residual connections",
        "fig04_table1_natural_turn_off",
    ),
    PaperClaim(
        "abstract.experiments",
        "abstract",
        "we validate our approach through numerical experiments conducted on various examples.",
        "fig04_table1_natural_turn_off",
        kind="framing",
        note="A summary: the rows of Figs 4-11 and Table 1 are these experiments, and their "
        "verdicts are this claim's.",
    ),
    PaperClaim(
        "fig1",
        "Fig. 1",
        "Left: network with an encoder structure. Right: autoencoder.",
        FIG_1_3,
        kind="drawing",
    ),
    PaperClaim(
        "fig2",
        "Fig. 2",
        "Left: embedding of an encoder into a dynamical system. Right: model for an autoencoder.",
        FIG_1_3,
        kind="drawing",
    ),
    PaperClaim(
        "fig3",
        "Fig. 3",
        "Embedding of the U-net into a higher-dimensional dynamical system.",
        FIG_1_3,
        kind="drawing",
    ),
    PaperClaim(
        "fig4",
        "Fig. 4",
        "Left: classification task performed when the turned off component is the natural "
        "one. Right: sketch of the AutoencODE architecture considered.",
        "fig04_table1_natural_turn_off",
    ),
    PaperClaim(
        "table1",
        "Table 1",
        "Minimum and maximum eigenvalues of the Hessian matrix across epochs.",
        "fig04_table1_natural_turn_off",
    ),
    PaperClaim(
        "fig5",
        "Fig. 5",
        "Left: initial phase, i.e., separation of the data along the y-axis. Center: encoding "
        "phase, i.e., only the second component is active. Right: decoding phase and "
        "classification result after the 'unnatural turn off'.",
        "fig05_unnatural_turn_off",
    ),
    PaperClaim(
        "fig5.L20",
        "Fig. 5",
        "we report that the network accomplishes the task even if we use the same structure "
        "as in Figure 4.",
        "fig05_unnatural_turn_off",
    ),
    PaperClaim(
        "fig6",
        "Fig. 6",
        "Top left: initial phase. Top right: encoding phase. Bottom left: decoding phase. "
        "Bottom right: network's reconstruction with alternative architecture.",
        "fig06_reconstruction_2d",
    ),
    PaperClaim(
        "fig7",
        "Fig. 7",
        "Architecture used for the MNIST reconstruction task. The inactive nodes are marked "
        "in green.",
        "fig07_mnist_architecture",
        kind="drawing",
    ),
    PaperClaim(
        "fig8",
        "Fig. 8",
        "Reconstruction of some numbers achieved by AutoencODE.",
        "fig08_09_mnist_reconstruction",
    ),
    PaperClaim(
        "fig9",
        "Fig. 9",
        "Left: comparing two similar latent means. Center: again two similar latent means. "
        "Right: mean and standard deviation of the encoded vectors in the bottleneck.",
        "fig08_09_mnist_reconstruction",
    ),
    PaperClaim(
        "fig10.wrong",
        "Fig. 10",
        "Left: wrong autoencoder detected with the analysis of Δ.",
        "fig10_delta",
        note="Δ flags any freeze model, trained or not: the detection follows from the "
        "construction, which is what a diagnostic should do.",
    ),
    PaperClaim(
        "fig10.correct",
        "Fig. 10",
        "Right: correct version of the same autoencoder.",
        "fig10_delta",
        note="A reset model built on the profile passes whatever its weights; the control is a "
        "reset model with extra nodes left on.",
    ),
    PaperClaim(
        "fig11.caption",
        "Fig. 11",
        "Left: Shannon entropy across layers. Right: our measure of entropy across layers.",
        "fig11_entropy",
        kind="framing",
        note="The caption names the two measures the figure plots and states no finding; neither "
        "measure is defined in what the book holds of the paper. The book's reading of the "
        "figure is the next row.",
    ),
    PaperClaim(
        "fig11",
        "ours",
        "With the width divided out, the trained AutoencODE's bottleneck state spreads its "
        "variance evenly over its components: its spectral entropy is close to its bound log w.",
        "fig11_entropy",
        kind="ours",
    ),
    PaperClaim(
        "neurode",
        "ours",
        "The earlier paper's 2D NeurODE experiment: its own update (the exact maximisation of "
        "each Hamiltonian) reaches a stationary point of J within its 8 iterations, at the cost "
        "the other update rules and Adam also reach.",
        "neurode_two_clusters",
        kind="ours",
    ),
    PaperClaim(
        "deep_limit",
        "ours",
        "Minimisers of the L-layer problem approach a limit as L grows.",
        "deep_limit",
        kind="ours",
    ),
    PaperClaim(
        "two_autoencodes",
        "ours",
        "Our AutoencODE and a data-conditioned-control autoencoder (N-CODE) both reconstruct "
        "MNIST better than the mean image and PCA at the same code width.",
        "two_autoencodes",
        kind="ours",
    ),
    # The other AutoencODE: the claims of N-CODE's abstract (Chalvidal et al.), tested on our
    # reconstruction of it on MNIST (the two-autoencoders page).
    PaperClaim(
        "ncode.dynamics",
        "N-CODE's abstract",
        "[...] show empirically that this method leads to simpler dynamics and reduces the "
        "computational cost of Neural ODEs.",
        "two_autoencodes",
        kind="other",
        note="Our reconstruction of N-CODE against our AutoencODE on MNIST. Both measures "
        "(kinetic energy, variation of the controls) favour N-CODE, but already before "
        "training: the architectures', not training's, so they are sanity checks; the cost is "
        "shown on the page (seconds per step, layers needed), not checked.",
    ),
    PaperClaim(
        "ncode.reconstruction",
        "N-CODE's abstract",
        "[...] our new “functional” auto-encoding model with ODEs, AutoencODE, achieves "
        "state-of-the-art image reconstruction quality on CIFAR-10 [...]",
        "two_autoencodes",
        kind="other",
        note="CIFAR-10 and that paper's functional decoder are not reconstructed here; on "
        "MNIST, our reconstruction's test error is on the page (the row above).",
    ),
    PaperClaim(
        "ncode.classification",
        "N-CODE's abstract",
        "[...] and exhibits substantial improvements in unsupervised classification over "
        "existing auto-encoding models.",
        "two_autoencodes",
        kind="other",
        scope="k-means on the MNIST test codes of our reconstruction, against our AutoencODE "
        "and PCA with the same code width, not the auto-encoding models of that paper",
    ),
)


@dataclass(frozen=True)
class Verdict:
    """A row of the table with its verdict and the check records that gave it."""

    claim: PaperClaim
    verdict: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    sanity: list[dict[str, Any]] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(bool(r["holds"]) for r in self.evidence)


def claim_records(reference_dir: str | Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The committed check records of every page: ``{page: [record, ...]}`` (the ``[[claims]]``
    of ``notebooks/reference/<page>.toml``)."""
    from .reproduction import REFERENCE_DIR

    folder = Path(reference_dir) if reference_dir is not None else REFERENCE_DIR
    out = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as f:
            out[path.stem] = [dict(r, page=path.stem) for r in tomllib.load(f).get("claims", [])]
    return out


def _verdict(claim: PaperClaim, evidence: list[dict[str, Any]]) -> str:
    if claim.kind in ("drawing", "framing"):
        return "not testable"
    if claim.kind == "ours":
        return "ours"
    if claim.kind == "other" and not evidence:
        return "not testable"
    if not evidence:
        raise ValueError(
            f"claim {claim.key!r} ({claim.source}) has no check: a page must record one "
            f"(Claim.about({claim.key!r})), or the row must be kind='drawing'"
        )
    held = sum(bool(r["holds"]) for r in evidence)
    if held == 0:
        return "not reproduced"
    if held < len(evidence) or claim.scope:
        return "partly"
    return "reproduced"


def verdicts(
    records: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    claims: Iterable[PaperClaim] = CLAIMS,
) -> list[Verdict]:
    """Each row of ``claims`` with its verdict, from ``records`` (default: the committed ones,
    :func:`claim_records`). A record naming no row, or a non-sanity record without a control
    on which it fails, is an error: it could not be evidence."""
    records = claim_records() if records is None else records
    rows = list(claims)
    known = {c.key for c in rows}
    by_key: dict[str, list[dict[str, Any]]] = {k: [] for k in known}
    for page, recs in records.items():
        for r in recs:
            r = dict(r, page=r.get("page", page))
            if r["key"] not in known:
                raise ValueError(f"{page}: check {r['statement']!r} names no claim: {r['key']!r}")
            if not r.get("sanity") and (not r.get("control") or r.get("control_holds")):
                raise ValueError(
                    f"{page}: check {r['statement']!r} has no negative control it fails on"
                )
            by_key[r["key"]].append(r)
    out = []
    for c in rows:
        evidence = [r for r in by_key[c.key] if not r.get("sanity")]
        sanity = [r for r in by_key[c.key] if r.get("sanity")]
        out.append(Verdict(c, _verdict(c, evidence), evidence, sanity))
    return out


def _num(v: float) -> str:
    return f"{v:.3g}"


def _cell(text: str) -> str:
    """Text inside a Markdown table cell: its ``|`` escaped."""
    return text.replace("|", "\\|")


def markdown_table(
    rows: Iterable[Verdict] | None = None,
    link_prefix: str = "../notebooks/",
    seeds: Mapping[str, tuple[int, int]] | None = None,
) -> str:
    """The Verdicts table as MyST Markdown: claim, evidence (linked to its page), the control
    it fails on, verdict; with ``seeds`` (:func:`autoencode.robustness.seed_counts`) also in
    how many seeded runs every check of the row holds."""
    rows = verdicts() if rows is None else list(rows)
    seeds = dict(seeds or {})
    head = "| Claim | Source | Our evidence | Negative control | Verdict |"
    lines = [
        head + (" Holds in k/n seeds |" if seeds else ""),
        "|---|---|---|---|---|" + ("---|" if seeds else ""),
    ]
    for v in rows:
        c = v.claim
        pages = dict.fromkeys([c.page, *(r.get("page", c.page) for r in v.evidence)])
        link = ", ".join(f"{{doc}}`{p} <{link_prefix}{p}>`" for p in pages)
        evidence = "<br>".join(
            f"{'✓' if r['holds'] else '✗'} {_cell(r['statement'])}: {_num(r['value'])}"
            f" (threshold {_num(r['threshold'])})"
            for r in v.evidence
        )
        if v.sanity:
            evidence += (
                "<br>" if evidence else ""
            ) + f"{len(v.sanity)} sanity check(s), true by construction, not counted"
        controls = "<br>".join(
            f"{r['control']}: {_num(r['control_value'])}, fails" for r in v.evidence
        )
        verdict = f"**{v.verdict}**"
        if c.kind == "ours" and v.evidence:
            verdict += f" ({v.held} of {len(v.evidence)} checks hold)"
        if c.scope:
            verdict += f"<br>Not checked: {c.scope}"
        if c.note:
            verdict += f"<br>{c.note}"
        words = _cell(c.words)
        quoted = f"*“{words}”*" if c.kind != "ours" else words
        line = (
            f"| {quoted} | {c.source} | {evidence or '—'}<br>{link} | {controls or '—'} | "
            f"{verdict} |"
        )
        if seeds:
            k, n = seeds.get(c.key, (0, 0))
            line += f" {k}/{n} |" if n else " — |"
        lines.append(line)
    return "\n".join(lines)
