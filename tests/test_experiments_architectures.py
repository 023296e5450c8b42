"""autoencode.experiments.architectures (Figs 1-3) and analysis.jacobian_rank: the drawings are
computed from the masks, and the U-net's masks route information around the bottleneck."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import autoencode as ae  # noqa: E402
from autoencode.experiments import architectures  # noqa: E402
from autoencode.reproduction import load_reference  # noqa: E402


@pytest.fixture(scope="module")
def result():
    res = ae.experiments.run("fig01_03", quick=False, progress=False)
    yield res
    for fig in res.figures.values():
        plt.close(fig)


def test_the_numbers_are_the_committed_ones(result):
    """Counts of the masks and ranks: exact, so the book's run reproduces them here."""
    assert result.numbers == load_reference("fig01_03_architectures")["committed"]


def test_the_pictures_are_drawn_from_the_masks(result):
    d, axes = result.details, result.details["axes"]
    assert list(result.figures) == ["fig1", "fig2", "fig3", "others"]
    for ax, arch in [(axes["fig1"][0], d["encoder"]), (axes["fig1"][1], d["autoencoder"])]:
        assert architectures.count(ax, "nodes") == sum(s.width for s in arch.segments())
    for ax, arch in [(axes["fig2"][0], d["encoder"]), (axes["fig2"][1], d["autoencoder"])]:
        assert architectures.count(ax, "active-nodes") == sum(arch.widths)
        assert architectures.count(ax, "inactive-nodes") == (arch.depth + 1) * arch.dim - sum(
            arch.widths
        )
    assert architectures.count(axes["fig3"], "active-nodes") == sum(d["unet"].widths)
    assert len([p for p in axes["fig3"].patches if p.get_gid() == "skip"]) == 2
    assert architectures.count(axes["fig3"], "no-such-gid") == 0
    assert "U-net embedding: d = 11, L = 15, skips (s, t) = [(2, 12), (5, 9)]" in result.summary


def test_other_parameters_change_the_pictures():
    res = ae.experiments.run(
        "fig01_03",
        quick=True,
        progress=False,
        AUTOENCODER_WIDTHS=[4, 2, 4],
        AUTOENCODER_L=6,
        UNET_LEVELS=[3, 1],
        UNET_STATES_PER_LEVEL=2,
    )
    try:
        assert res.numbers["fig02_bottleneck_width"] == 2 and res.numbers["fig03_unet_dim"] == 6
        assert res.numbers["fig03_rank_main"] == 1 and res.numbers["fig03_rank_unet"] == 3
    finally:
        for fig in res.figures.values():
            plt.close(fig)


def test_jacobian_rank_is_bounded_by_a_bottleneck():
    unet = ae.Architecture.unet([4, 3, 2], 3)
    main = ae.Architecture(unet.masks[:, :4])
    assert ae.analysis.jacobian_rank(main, 4, seed=0) == 2  # through the bottleneck of width 2
    assert ae.analysis.jacobian_rank(unet, 4, seed=0) == 4  # the copy blocks carry the rest
    assert ae.analysis.jacobian_rank(ae.Architecture.neurode(3, L=4), 3, seed=1) == 3
    for w in (1, 2):
        arch = ae.Architecture.from_phases([3, w, 3], L=6)
        assert ae.analysis.jacobian_rank(arch, 3, seed=0) == w
