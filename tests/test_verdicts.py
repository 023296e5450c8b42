"""One verdict per claim (autoencode.verdicts): the rule from checks to verdicts, and the
committed table (every claim of the paper has a check, or is a drawing; every check names a row
and fails on its control)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoencode import verdicts
from autoencode.verdicts import CLAIMS, PaperClaim

ROOT = Path(__file__).resolve().parent.parent
PAPER = PaperClaim("x", "Fig. 0", "the words", "page")


def record(holds, key="x", control_holds=False, sanity=False):
    r = {"key": key, "statement": f"check {holds}", "value": 1.0, "threshold": 0.5}
    r.update(holds=holds, sanity=sanity)
    if not sanity:
        r.update(control="initial model", control_value=0.1, control_holds=control_holds)
    return r


@pytest.mark.parametrize(
    "claim, holds, expected",
    [
        (PAPER, [True, True], "reproduced"),
        (PAPER, [True, False], "partly"),
        (PAPER, [False, False], "not reproduced"),
        (PaperClaim("x", "Fig. 0", "w", "page", scope="only one panel"), [True], "partly"),
        (PaperClaim("x", "Fig. 0", "w", "page", kind="drawing"), [], "not testable"),
        (PaperClaim("x", "ours", "w", "page", kind="ours"), [True, False], "ours"),
        (PaperClaim("x", "other", "w", "page", kind="other"), [], "not testable"),
        (PaperClaim("x", "other", "w", "page", kind="other"), [True, True], "reproduced"),
        (PaperClaim("x", "other", "w", "page", kind="other"), [False], "not reproduced"),
    ],
)
def test_the_verdict_follows_the_checks(claim, holds, expected):
    (v,) = verdicts.verdicts({"page": [record(h) for h in holds]}, [claim])
    assert v.verdict == expected and v.held == sum(holds)


def test_sanity_checks_are_never_evidence():
    recs = [record(True, sanity=True), record(False)]
    (v,) = verdicts.verdicts({"page": recs}, [PAPER])
    assert v.verdict == "not reproduced" and len(v.sanity) == 1
    with pytest.raises(ValueError, match="has no check"):
        verdicts.verdicts({"page": [record(True, sanity=True)]}, [PAPER])


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (record(True, control_holds=True), "no negative control it fails on"),
        (record(True, key="nowhere"), "names no claim"),
    ],
)
def test_a_record_that_cannot_be_evidence_is_refused(bad, fragment):
    with pytest.raises(ValueError, match=fragment):
        verdicts.verdicts({"page": [bad]}, [PAPER])


def test_the_table_has_a_row_per_claim_with_its_page_linked():
    recs = {"page": [record(True), record(False)]}
    table = verdicts.markdown_table(verdicts.verdicts(recs, [PAPER]))
    assert "*“the words”*" in table and "{doc}`page <../notebooks/page>`" in table
    assert "initial model: 0.1, fails" in table and "**partly**" in table


def test_the_rows_name_existing_pages_once_each():
    keys = [c.key for c in CLAIMS]
    assert len(keys) == len(set(keys))
    pages = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert {c.page for c in CLAIMS} <= pages
    assert {c.kind for c in CLAIMS} <= {"paper", "ours", "drawing", "framing", "other"}
    captions = {c.source for c in CLAIMS}
    assert {f"Fig. {i}" for i in range(1, 12)} | {"Table 1", "abstract"} <= captions


def test_every_claim_of_the_abstract_has_a_row():
    """The abstract's sentences that claim something, in its order: the model and the framework,
    the low-regularisation setting, local convexity, the training method, the experiments."""
    rows = [c.key for c in CLAIMS if c.source == "abstract"]
    assert rows == [
        "abstract.model",
        "abstract.low_regularisation",
        "abstract.convexity",
        "abstract.method",
        "abstract.experiments",
    ]


def test_a_caption_that_states_no_finding_is_not_testable():
    (caption,) = [v for v in verdicts.verdicts() if v.claim.key == "fig11.caption"]
    assert caption.verdict == "not testable" and not caption.evidence


def test_the_committed_checks_give_every_claim_a_verdict():
    """What the Verdicts page shows: the checks committed by the pages' book runs."""
    rows = verdicts.verdicts()
    assert [v.claim.key for v in rows] == [c.key for c in CLAIMS]
    for v in rows:
        if v.claim.kind == "paper":
            assert v.evidence, f"{v.claim.key}: no check"
            assert all(not r["control_holds"] for r in v.evidence)


def test_the_intro_links_the_verdicts_page():
    assert "{doc}`verdicts`" in (ROOT / "book" / "intro.md").read_text()


def test_a_bar_in_a_statement_does_not_break_the_table():
    rec = dict(record(True), statement="|grad J| <= 1e-7")
    table = verdicts.markdown_table(verdicts.verdicts({"page": [rec]}, [PAPER]))
    row = table.splitlines()[2]
    assert "\\|grad J\\|" in row and row.count(" | ") == 4
