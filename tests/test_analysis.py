"""Tests of autoencode.analysis: latent means, Delta, leak, entropies, on small synthetic cases."""

from __future__ import annotations

import math

import pytest
import torch

import autoencode as ae
from autoencode import analysis

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


def small_model(off_mode="reset", seed=0, T=2.0, widths=(4, 2, 4), L=6, order=(1, 2, 0, 3)):
    arch = ae.Architecture.from_phases(list(widths), L=L, order=list(order))
    return ae.AutoencODE(arch, T=T, off_mode=off_mode, seed=seed, init_scale=1.5)


def data(n=64, d=4, seed=0):
    return torch.randn(
        n, d, generator=torch.Generator(torch.get_default_device()).manual_seed(seed)
    )


# -- states / latent means -----------------------------------------------------


def test_states_match_trajectory_in_batches():
    m = small_model()
    x = data(50)
    assert torch.allclose(analysis.states(m, x, batch_size=7), m.trajectory(x).detach())


def test_latent_means_of_two_separated_clusters_differ():
    arch = ae.Architecture.from_phases([2, 1, 2], L=6, order=[0, 1])
    m = ae.AutoencODE(arch, T=1.0, seed=0)
    with torch.no_grad():  # the identity flow: the latent is the first coordinate
        for w in m.weights:
            w.zero_()
    x, labels = ae.data.two_clusters(n=200, seed=0)
    st = analysis.latent_means(m, x, labels)
    assert st.mean.shape == (2, 1) and st.std.shape == (2, 1)
    assert st.classes.tolist() == [0, 1] and st.count.tolist() == [100, 100]
    assert torch.allclose(st.of(0), torch.tensor([-1.0], dtype=torch.float64), atol=0.06)
    assert torch.allclose(st.of(1), torch.tensor([1.0], dtype=torch.float64), atol=0.06)
    assert (st.std - 0.2).abs().max() < 0.05  # the clusters' std
    assert st.components.tolist() == [0]
    # the means are what a direct computation gives
    z = x[:, :1].double()
    assert torch.allclose(st.mean[1], z[labels == 1].mean(0))
    assert torch.allclose(st.overall_mean, z.mean(0))


def test_latent_means_checks_labels():
    m = small_model()
    with pytest.raises(ValueError, match="labels"):
        analysis.latent_means(m, data(10), torch.zeros(9, dtype=torch.long))
    with pytest.raises(TypeError):
        analysis.latent_means(torch.nn.Linear(2, 2), data(10), torch.zeros(10))


def test_closest_pairs_greedy_and_disjoint():
    means = torch.tensor([[0.0], [0.1], [0.15], [5.0], [5.3], [9.0]])
    st = analysis.LatentStats(
        torch.arange(6), means, means * 0, torch.ones(6), means[0], means[0], torch.tensor([0])
    )
    pairs = analysis.closest_pairs(st, n_pairs=2)
    assert [(a, b) for a, b, _ in pairs] == [(1, 2), (3, 4)]  # (0, 1) would reuse class 1
    assert pairs[0][2] == pytest.approx(0.05)
    loose = analysis.closest_pairs(st, n_pairs=2, disjoint=False)
    assert [(a, b) for a, b, _ in loose] == [(1, 2), (0, 1)]
    with pytest.raises(ValueError):
        analysis.closest_pairs(st, n_pairs=4)


def test_pairwise_distances():
    d = analysis.pairwise_distances(torch.tensor([[0.0, 0.0], [3.0, 4.0]]))
    assert torch.allclose(d, torch.tensor([[0.0, 5.0], [5.0, 0.0]], dtype=torch.float64))


# -- Delta ---------------------------------------------------------------------


def test_delta_matches_exact_jacobian_column_norms():
    """The probe estimate converges to the exact RMS column norms of d x_L / d x_k."""
    for mode in ("reset", "freeze"):
        m = small_model(mode)
        x = data(8)
        # 4000 probes per sample (one per copy of the sample), one batch
        est = analysis.delta(m, x.repeat(4000, 1), probes=1, seed=1, batch_size=10**6)
        assert est.shape == (m.depth + 1, m.dim)
        # exact: autograd Jacobian of the flow from state k, through the library's own step
        exact = torch.zeros_like(est)
        for k in range(m.depth + 1):
            xs = m.trajectory(x).detach()
            for i in range(x.shape[0]):

                def flow(xk, k=k, m=m):
                    u = m.to_internal(xk[None], k)
                    u = m.flow(u, k)
                    return m.to_external(u)[0]

                # in reset mode the compact state drops the nodes that are off: J is 0 there
                J = torch.autograd.functional.jacobian(flow, xs[k, i])  # [d, d]
                exact[k] += (J.double() ** 2).sum(0)
        exact = (exact / x.shape[0]).sqrt()
        assert torch.allclose(est[-1], torch.ones(m.dim, dtype=torch.float64))  # exact at L
        assert torch.allclose(est, exact, rtol=0.1, atol=1e-6), (mode, est, exact)


def test_delta_is_zero_on_reset_nodes_and_not_on_frozen_ones():
    masks = small_model().arch.masks
    off = ~masks
    x = data(32)
    reset = analysis.delta(small_model("reset"), x)
    freeze = analysis.delta(small_model("freeze"), x)
    assert (reset[off] == 0).all()  # really turned off
    assert (freeze[off] > 0.1).all()  # the output still reads them
    assert analysis.leak_fraction(reset, masks).abs().max() == 0
    leak = analysis.leak_fraction(freeze, masks)
    b = small_model().arch.bottleneck
    assert leak[b] > 0.3 and leak[0] == 0 and leak[-1] == 0


def test_freeze_identity_copies_the_input_around_the_bottleneck():
    """Zero weights in freeze mode: x_L = x_0 (the wrong autoencoder is the identity),
    Delta = 1 on every node of every state, and the displacement is 0 everywhere."""
    m = small_model("freeze")
    with torch.no_grad():
        for w in m.weights:
            w.zero_()
    x = data(16)
    assert torch.allclose(m(x), x)
    D = analysis.delta(m, x)
    assert torch.allclose(D, torch.ones_like(D))
    assert analysis.displacement(m, x).abs().max() == 0
    # inactive components keep their (input) value through the bottleneck
    b = m.arch.bottleneck
    off = ~m.arch.masks[b]
    assert torch.allclose(m.encode(x)[:, off], x[:, off])
    # the same weights in reset mode lose them
    r = small_model("reset")
    r.load_state_dict(m.state_dict())
    assert (r.encode(x)[:, off] == 0).all()


def test_leak_fraction_checks_shapes():
    with pytest.raises(ValueError):
        analysis.leak_fraction(torch.ones(3, 4), torch.ones(2, 4, dtype=torch.bool))


def test_effective_parameters_count_what_reaches_the_output():
    """Compact storage keeps a w_k x w_k block per layer; only r_k rows x n_k columns (and r_k
    biases) of it can reach the output. The MNIST profile: 2,428,384 of 3,253,296 stored."""
    arch = ae.Architecture.from_phases(
        [784, 392, 196, 64, 32, 32, 64, 196, 392, 784], L=20, order=ae.centre_out_order()
    )
    m = ae.AutoencODE(arch, T=5.0)
    assert sum(p.numel() for p in m.parameters()) == 3_253_296
    assert analysis.effective_parameters(m) == 2_428_384
    # every stored weight counts where every row and column can matter (freeze, no bias)
    f = small_model("freeze")
    assert analysis.effective_parameters(f) == sum(p.numel() for p in f.parameters())
    # a weight outside the useful block changes nothing: not counted
    r = small_model("reset")
    x = data(16)
    for k in range(r.depth):
        rows, cols = r.useful_shape(k)
        if (rows, cols) != tuple(r.weights[k].shape):
            with torch.no_grad():
                before = r(x)
                r.weights[k][rows:, :] += 1.0
                r.weights[k][:, cols:] += 1.0
                assert torch.equal(r(x), before)


def test_shuffled_weights_keep_each_layers_values_and_not_their_order():
    m = small_model("reset", seed=3)
    s = analysis.shuffled_weights(m, seed=1)
    assert s is not m and s.off_mode == m.off_mode
    changed = False
    for k in range(m.depth):
        r, n = m.useful_shape(k)
        a, b = m.weights[k][:r, :n].detach(), s.weights[k][:r, :n].detach()
        assert torch.equal(a.flatten().sort().values, b.flatten().sort().values)
        assert torch.equal(m.weights[k][r:].detach(), s.weights[k][r:].detach())
        changed |= not torch.equal(a, b)
        ba, bb = m.biases[k][:r].detach(), s.biases[k][:r].detach()
        assert torch.equal(ba.sort().values, bb.sort().values)
    assert changed  # the structure is gone, the values stay
    again = analysis.shuffled_weights(m, seed=1)  # the seed fixes the permutation
    assert all(torch.equal(a, b) for a, b in zip(s.parameters(), again.parameters()))


def test_displacement_and_activity():
    m = small_model("reset")
    x = data(20)
    xs = m.trajectory(x).detach()
    D = analysis.displacement(m, x)
    A = analysis.activity(m, x)
    assert D.shape == (m.depth, m.dim) and A.shape == (m.depth + 1, m.dim)
    assert torch.allclose(D[3], (xs[4] - xs[3]).abs().mean(0))
    assert (A[~m.arch.masks] == 0).all()


# -- entropies ------------------------------------------------------------------


def test_shannon_entropy_of_constant_is_zero():
    s = torch.full((3, 50, 5), 0.7)
    assert torch.equal(analysis.shannon_entropy(s, bins=10), torch.zeros(3, dtype=torch.float64))
    # a constant component next to a varying one contributes 0
    s = torch.stack([torch.zeros(100), torch.linspace(0, 1, 100)], 1)
    H = analysis.shannon_entropy(s, bins=4, reduce="none")
    assert H.shape == (1, 2) and H[0, 0] == 0


def test_shannon_entropy_of_uniform_histogram_is_log_bins():
    bins = 8
    values = (torch.arange(bins * 25) % bins + 0.5) / bins  # 25 samples per bin
    s = values[:, None].repeat(1, 3)  # [N, 3]
    H = analysis.shannon_entropy(s, bins=bins, value_range=(0.0, 1.0), reduce="none")
    assert torch.allclose(H, torch.full((1, 3), math.log(bins), dtype=torch.float64))
    assert analysis.shannon_entropy(s, bins=bins, value_range=(0, 1))[0] == pytest.approx(
        3 * math.log(bins)
    )
    assert analysis.shannon_entropy(s, bins=bins, value_range=(0, 1), reduce="mean")[
        0
    ] == pytest.approx(math.log(bins))


def test_shannon_entropy_two_equal_bins_and_clipping():
    s = torch.tensor([[-5.0], [0.1], [0.9], [7.0]])  # outside values go to the end bins
    H = analysis.shannon_entropy(s, bins=2, value_range=(0.0, 1.0))
    assert H[0] == pytest.approx(math.log(2))
    with pytest.raises(ValueError):
        analysis.shannon_entropy(s, bins=0)
    with pytest.raises(ValueError):
        analysis.shannon_entropy(s, reduce="max")
    with pytest.raises(ValueError):
        analysis.shannon_entropy(torch.zeros(2, 3, 4, 5))


def test_spectral_entropy():
    g = torch.Generator(torch.get_default_device()).manual_seed(0)
    # n equal, independent directions: entropy -> log n
    iso = torch.randn(20000, 5, generator=g)
    assert analysis.spectral_entropy(iso)[0] == pytest.approx(math.log(5), abs=0.01)
    # a line in R^5: entropy 0
    line = torch.randn(100, 1, generator=g) * torch.tensor([[1.0, 2.0, 0.0, -1.0, 3.0]])
    assert analysis.spectral_entropy(line)[0] == pytest.approx(0.0, abs=1e-6)
    # constant: 0; zero-padded components do not change it
    assert analysis.spectral_entropy(torch.ones(10, 3))[0] == 0
    padded = torch.cat([iso[:, :3], torch.zeros(20000, 4)], 1)
    assert analysis.spectral_entropy(padded)[0] == pytest.approx(
        analysis.spectral_entropy(iso[:, :3])[0]
    )
    # per layer, bounded by log(width)
    S = analysis.spectral_entropy(torch.stack([iso, padded[:, :5]]))
    assert S.shape == (2,) and S[1] <= math.log(3) + 1e-9


# -- the phases of a 2 -> 1 -> 2 AutoencODE (Figs 4-6) -------------------------------------


def _model_2d(order=(0, 1), L=6, off_mode="reset", seed=0):
    arch = ae.Architecture.from_phases([2, 1, 2], L=L, order=list(order))
    return ae.AutoencODE(arch, T=2.0, off_mode=off_mode, seed=seed)


def _clusters(n=12):
    return ae.data.two_clusters(n=n, seed=0)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
@pytest.mark.parametrize("off_mode", ["reset", "freeze"])
def test_phase_trajectories_follow_the_flow(order, off_mode):
    model = _model_2d(order, off_mode=off_mode)
    x, _ = _clusters()
    xs = model.trajectory(x).detach()
    phases = analysis.phase_trajectories(model, x)
    segs = model.arch.segments()
    assert [s for s, _ in phases] == segs
    assert [s.phase for s in segs] == ["encoder", "bottleneck", "decoder"]
    assert {s.phase for s in segs} <= set(analysis.PHASE_NAMES)
    for seg, traj in phases[:-1]:
        # x_start..x_{stop-1} are the model's states, then one unmasked step
        assert traj.shape == (seg.stop - seg.start + 1, len(x), 2)
        torch.testing.assert_close(traj[:-1], xs[seg.start : seg.stop])
        # masked by the next state's mask, the end state is the next state
        mask = model.arch.masks[seg.stop].to(traj)
        if off_mode == "reset":
            torch.testing.assert_close(traj[-1] * mask, xs[seg.stop])
        else:
            torch.testing.assert_close(traj[-1], xs[seg.stop])
    seg, traj = phases[-1]
    torch.testing.assert_close(traj, xs[seg.start :])
    torch.testing.assert_close(traj[-1], model(x).detach())


def test_end_of_initial_phase_keeps_the_component_turned_off_next():
    """x_{stop} has the turned-off component at 0; the end state of the phase does not."""
    model = _model_2d((1, 0))  # x1 (component 0) off in the middle
    x, _ = _clusters()
    (seg, end), (seg2, end2), _ = analysis.phase_end_states(model, x)
    xs = model.trajectory(x).detach()
    assert torch.all(xs[seg.stop][:, 0] == 0)
    assert end[:, 0].abs().min() > 0
    # the end of the encoding phase: component 0 is still off (it restarts from 0)
    assert torch.all(end2[:, 0] == 0)


def test_phase_end_states_without_bias():
    arch = ae.Architecture.from_phases([2, 1, 2], L=6, order=[0, 1])
    model = ae.AutoencODE(arch, T=1.0, bias=False, seed=1)
    x, _ = _clusters()
    ends = analysis.phase_end_states(model, x)
    assert len(ends) == 3
    torch.testing.assert_close(ends[-1][1], model(x).detach())


# -- separation (Fig 5) and spearman (Fig 6) ------------------------------------------------


def test_separation_is_the_gap_along_the_kept_component():
    model = _model_2d((0, 1))  # keeps x1, the component that carries the class
    x, labels = _clusters(n=40)
    z = model.latent(x).detach()[:, 0]
    lo, hi = sorted((z[labels == 0], z[labels == 1]), key=lambda v: float(v.mean()))
    gap = analysis.separation(model, x, labels)
    assert gap == pytest.approx(float(hi.min() - lo.max()))
    assert gap == ae.claims.class_gap(model.latent(x).detach(), labels).value
    # two points of different classes on the same latent value: no gap
    x2 = torch.tensor([[0.5, 0.3], [0.5, 0.3]])
    assert analysis.separation(model, x2, torch.tensor([0, 1])) == 0
    # classes that alternate along the latent value overlap: a negative gap
    order = z.argsort()
    alternating = torch.empty_like(labels)
    alternating[order] = torch.arange(len(z)) % 2
    assert analysis.separation(model, x, alternating) < 0


def test_spearman_ranks():
    t = torch.linspace(-1, 1, 50)
    assert analysis.spearman(t, t**3) == pytest.approx(1.0)  # monotone, not linear
    assert analysis.spearman(t, -torch.exp(t)) == pytest.approx(-1.0)
    folded = analysis.spearman(t, t.abs())  # a fold: order lost
    assert abs(folded) < 0.1
    with pytest.raises(ValueError, match="1-D"):
        analysis.spearman(t, t[:10])
