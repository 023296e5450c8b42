"""Tests of autoencode.diagrams: the pictures are computed from the masks."""

import matplotlib

matplotlib.use("Agg")  # tests only; notebooks keep their inline backend

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

import autoencode as ae  # noqa: E402
from autoencode import diagrams as dg  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _by_gid(ax, gid):
    artists = list(ax.collections) + list(ax.patches) + list(ax.texts)
    return [a for a in artists if a.get_gid() == gid]


def _n_points(ax, gid):
    (coll,) = _by_gid(ax, gid)
    return len(coll.get_offsets())


def _n_lines(ax, gid):
    found = _by_gid(ax, gid)
    return 0 if not found else len(found[0].get_segments())


AUTOENCODER = ae.Architecture.from_phases([5, 3, 1, 3, 5], L=10)
ENCODER = ae.Architecture.from_phases([5, 4, 3, 2], L=8, order=[4, 3, 2, 1, 0])


@pytest.mark.parametrize("arch", [AUTOENCODER, ENCODER, ae.Architecture.neurode(3, 4)])
def test_embedding_counts_active_and_inactive_nodes(arch):
    ax = dg.draw_embedding(None, arch)
    w = arch.widths
    assert _n_points(ax, "active-nodes") == sum(w)
    assert _n_points(ax, "inactive-nodes") == (arch.depth + 1) * arch.dim - sum(w)
    # residual lines: one per component active in two consecutive states
    m = arch.masks
    assert _n_lines(ax, "residual") == int((m[:-1] & m[1:]).sum())


def test_embedding_active_nodes_sit_on_the_mask():
    arch = ENCODER
    ax = dg.draw_embedding(None, arch)
    y = dg.node_positions(arch)
    (act,) = _by_gid(ax, "active-nodes")
    drawn = {(int(round(px)), int(np.argmin(np.abs(y - py)))) for px, py in act.get_offsets()}
    expected = {(k, int(j)) for k, j in torch.nonzero(arch.masks).tolist()}
    assert drawn == expected


def test_embedding_field_connections_follow_the_reset_model():
    # layer k reads the active components of x_k and writes those kept in x_{k+1};
    # a component turned back on at k+1 gets nothing (it restarts from 0).
    arch = ae.Architecture.from_phases([2, 1, 2], L=3)
    ax = dg.draw_embedding(None, arch)
    m = arch.masks
    expected = sum(
        int(m[k].sum()) * int((m[k] & m[k + 1]).sum()) - int((m[k] & m[k + 1]).sum())
        for k in range(arch.depth)
    )
    # widths 2, 1, 2, 2: layer 0 (2 -> 1) one edge, layer 1 (1 -> 2) none, layer 2 (2 -> 2) two
    assert _n_lines(ax, "field") == expected == 3


def test_changing_the_profile_changes_the_picture():
    a = dg.draw_embedding(None, ae.Architecture.from_phases([4, 2, 4], L=6))
    b = dg.draw_embedding(None, ae.Architecture.from_phases([4, 1, 4], L=6))
    assert _n_points(a, "active-nodes") != _n_points(b, "active-nodes")


def test_skip_arcs_one_per_skip():
    arch = ae.Architecture.from_phases([4, 2, 1, 2, 4], L=10, skips=[(1, 9), (3, 7), (4, 6)])
    ax = dg.draw_embedding(None, arch)
    arcs = _by_gid(ax, "skip")
    assert len(arcs) == len(arch.skips) == 3
    # each arc starts at its source state and ends at its target state
    assert [a.get_label() for a in arcs] == [f"_skip {s}->{t}" for s, t in arch.skips]
    # no skips, no arcs
    ax2 = dg.draw_embedding(None, ae.Architecture.from_phases([4, 2, 4], L=6))
    assert _by_gid(ax2, "skip") == []


def test_large_dimension_falls_back_to_width_bars():
    arch = ae.Architecture.from_phases([100, 40, 10, 40, 100], L=10)
    ax = dg.draw_embedding(None, arch, max_nodes=40)
    bars = _by_gid(ax, "width-bars")
    assert [round(b.get_height()) for b in bars] == arch.widths
    assert _by_gid(ax, "active-nodes") == []


def test_network_nodes_and_edges():
    ws = [5, 4, 3, 2]
    ax = dg.draw_network(None, ws)
    assert _n_points(ax, "nodes") == sum(ws)
    assert _n_lines(ax, "edges") == sum(a * b for a, b in zip(ws[:-1], ws[1:]))


def test_network_from_architecture_collapses_phases():
    ax = dg.draw_network(None, AUTOENCODER, collapse=True)
    assert _n_points(ax, "nodes") == 5 + 3 + 1 + 3 + 5
    ax = dg.draw_network(None, AUTOENCODER, collapse=False)
    assert _n_points(ax, "nodes") == sum(AUTOENCODER.widths)


def test_network_truncates_wide_layers_and_writes_the_width():
    ax = dg.draw_network(None, [30, 3], max_nodes=12)
    assert _n_points(ax, "nodes") == 12 + 3
    assert "30" in [t.get_text() for t in ax.texts]


def test_pixel_phases_one_grid_per_segment_green_is_inactive():
    from autoencode import centre_out_order

    arch = ae.Architecture.from_phases([784, 392, 32, 392, 784], L=10, order=centre_out_order())
    axes = dg.draw_pixel_phases(None, arch)
    segs = arch.segments()
    assert len(axes) == len(segs) == 5
    green = np.array(to_rgb("green"))
    for ax, seg in zip(axes, segs):
        img = np.asarray(ax.images[0].get_array())
        assert img.shape == (28, 28, 3)
        n_green = int(np.all(np.isclose(img, green), axis=-1).sum())
        assert n_green == 784 - seg.width
        assert str(seg.width) in ax.get_title() and seg.phase in ax.get_title()
    # the bottleneck keeps the central pixels
    mid = np.asarray(axes[2].images[0].get_array())
    assert not np.allclose(mid[13, 13], green) and np.allclose(mid[0, 0], green)


def test_pixel_phases_rejects_non_square_states():
    with pytest.raises(ValueError):
        dg.draw_pixel_phases(None, AUTOENCODER, side=28)


def test_phase_spans_merge_encoder_segments():
    spans = dg.phase_spans(ENCODER.segments())
    assert [p for _, _, p in spans] == ["encoder", "bottleneck"]
    assert spans[0][0] == 0 and spans[-1][1] == ENCODER.depth + 1
