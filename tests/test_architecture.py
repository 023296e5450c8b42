"""Width profiles as data: masks, segments, bottleneck, invalid profiles."""

import pytest
import torch

from autoencode import Architecture


def test_from_phases_splits_layers_and_names_phases():
    arch = Architecture.from_phases([2, 1, 2], L=20)
    assert arch.depth == 20 and arch.dim == 2
    assert arch.widths == [2] * 7 + [1] * 7 + [2] * 7
    segs = arch.segments()
    assert [(s.start, s.stop, s.width, s.phase) for s in segs] == [
        (0, 7, 2, "encoder"),
        (7, 14, 1, "bottleneck"),
        (14, 21, 2, "decoder"),
    ]
    assert arch.bottleneck == 13


def test_order_chooses_which_components_stay_active():
    natural = Architecture.from_phases([2, 1, 2], L=6)
    unnatural = Architecture.from_phases([2, 1, 2], L=6, order=[1, 0])
    assert natural.active(3).tolist() == [0]
    assert unnatural.active(3).tolist() == [1]
    assert unnatural.masks[0].all() and unnatural.masks[-1].all()


def test_mnist_profile_is_a_nested_chain():
    order = torch.randperm(784, generator=torch.Generator().manual_seed(0))
    arch = Architecture.from_phases(
        [784, 392, 196, 64, 32, 32, 64, 196, 392, 784], L=20, order=order
    )
    assert arch.widths[0] == 784 and min(arch.widths) == 32 and arch.widths[-1] == 784
    assert set(arch.active(arch.bottleneck).tolist()) == set(order[:32].tolist())
    perm = arch.chain_order()
    assert perm is not None
    assert torch.equal(
        arch.masks[:, perm], torch.arange(784)[None] < torch.tensor(arch.widths)[:, None]
    )
    assert [s.phase for s in arch.segments()].count("bottleneck") == 1


def test_neurode_is_constant_width():
    arch = Architecture.neurode(3, L=5)
    assert arch.is_constant_width and arch.widths == [3] * 6
    assert [s.phase for s in arch.segments()] == ["constant"]


def test_unet_like_profile_with_skips():
    arch = Architecture.from_widths([6, 4, 2, 4, 6], skips=[(0, 4), (1, 3)])
    assert arch.skips == [(0, 4), (1, 3)] and arch.bottleneck == 2
    with pytest.raises(ValueError, match=r"skip \(3, 1\)"):
        Architecture.from_widths([6, 4, 2, 4, 6], skips=[(3, 1)])


def test_non_chain_masks_have_no_prefix_order():
    masks = [[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 1, 1]]
    assert Architecture(masks).chain_order() is None


@pytest.mark.parametrize(
    "widths, message",
    [
        ([2, 0, 2], r"state 1: width 0"),
        ([2, 3, 2], r"state 1: width 3 exceeds the state dimension d = 2"),
        ([2, -1, 2], r"state 1: width -1"),
    ],
)
def test_invalid_widths_name_the_state(widths, message):
    with pytest.raises(ValueError, match=message):
        Architecture.from_widths(widths, dim=2)


def test_invalid_masks_name_the_problem():
    with pytest.raises(ValueError, match=r"state 1: mask has 2 entries, expected d = 3"):
        Architecture([[1, 1, 1], [1, 1], [1, 1, 1]])
    with pytest.raises(ValueError, match=r"layer 1: masks of states 1 and 2 are not nested"):
        Architecture([[1, 1, 1], [1, 1, 0], [0, 1, 1], [1, 1, 1]])
    with pytest.raises(ValueError, match=r"state 2: width 0"):
        Architecture([[1, 1], [1, 0], [0, 0]])
    with pytest.raises(ValueError, match="boolean"):
        Architecture([[1, 2], [1, 1]])
    with pytest.raises(ValueError, match="at least two states"):
        Architecture([[1, 1]])


def test_invalid_phase_specifications():
    with pytest.raises(ValueError, match="cannot hold 3 phases"):
        Architecture.from_phases([2, 1, 2], L=2)
    with pytest.raises(ValueError, match="add up to 9, not L = 10"):
        Architecture.from_phases([2, 1, 2], L=10, lengths=[3, 3, 3])
    with pytest.raises(ValueError, match="permutation of range\\(2\\)"):
        Architecture.from_phases([2, 1, 2], L=6, order=[0, 0])


def test_whole_numbers_in_any_form_are_accepted_and_others_refused():
    import numpy as np

    ref = Architecture.from_phases([2, 1, 2], L=6)
    assert Architecture.from_phases([2.0, 1, np.int64(2)], L=6.0) == ref
    assert Architecture.from_widths(torch.tensor([2, 1, 2])) == Architecture.from_widths([2, 1, 2])
    with pytest.raises(ValueError, match=r"widths\[0\] must be a whole number, got 2.7"):
        Architecture.from_phases([2.7, 1.2, 2.9], L=6)
    with pytest.raises(ValueError, match="widths is empty"):
        Architecture.from_phases([], L=6)
    with pytest.raises(TypeError, match=r"widths\[0\] must be a whole number"):
        Architecture.from_widths([True, 1, 2])


# -- Architecture.unet: the U-net embedding of Fig 3 ------------------------------------


def test_unet_embedding_of_fig3():
    arch = Architecture.unet([4, 3, 2], states_per_level=3)
    assert (arch.dim, arch.depth, arch.skips) == (11, 15, [(2, 12), (5, 9)])
    assert arch.widths == [4, 4, 8, 7, 7, 10, 9, 9, 9, 10, 7, 7, 8, 4, 4, 4]
    assert Architecture.unet_blocks([4, 3, 2]) == [(0, 4), (4, 8), (8, 11)]
    main = Architecture(arch.masks[:, :4])  # the main block alone: a plain autoencoder
    assert main.widths == [4, 4, 4, 3, 3, 3, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4]
    assert [s.phase for s in main.segments()] == [
        "encoder",
        "encoder",
        "bottleneck",
        "decoder",
        "decoder",
    ]


@pytest.mark.parametrize(
    "levels, n", [([4, 3, 2], 3), ([6, 4, 3, 1], 2), ([3, 3], 4), ([5, 2, 4, 1], 3)]
)
def test_unet_copy_blocks_live_exactly_from_source_to_target(levels, n):
    arch = Architecture.unet(levels, states_per_level=n)
    b = len(levels) - 1
    blocks = Architecture.unet_blocks(levels)
    assert arch.dim == levels[0] + sum(levels[:-1]) == blocks[-1][1]
    assert arch.depth == (2 * b + 1) * n and len(arch.skips) == b
    for i, (s, t) in enumerate(arch.skips):
        block = arch.masks[:, blocks[i + 1][0] : blocks[i + 1][1]]
        assert [k for k in range(arch.depth + 1) if block[k].any()] == list(range(s, t + 1))
        assert block[s : t + 1].all()
        assert (
            int(arch.masks[s, : levels[0]].sum())
            == int(arch.masks[t, : levels[0]].sum())
            == levels[i]
        )
    # nested: the outer levels skip over the inner ones
    assert all(s1 < s2 and t2 < t1 for (s1, t1), (s2, t2) in zip(arch.skips, arch.skips[1:]))
    # the main path reaches the bottleneck width in the middle and returns to w_0
    main = arch.masks[:, : levels[0]].sum(1).tolist()
    assert min(main) == levels[-1] and main[0] == main[-1] == levels[0]


def test_unet_refuses_bad_levels():
    with pytest.raises(ValueError, match="at least two main-path widths"):
        Architecture.unet([4])
    with pytest.raises(ValueError, match="states_per_level must be at least 2"):
        Architecture.unet([4, 2], states_per_level=1)
    with pytest.raises(ValueError, match="at most the first"):
        Architecture.unet([3, 4, 2])
    with pytest.raises(ValueError, match=r"levels\[1\] must be a whole number >= 1"):
        Architecture.unet([4, 0])
