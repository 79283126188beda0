"""Mixing rules, validation of W and spectral quantities."""

import importlib.util
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import gossip_sim as gs
from gossip_sim import algorithms, simulation
from gossip_sim.cli import main
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError
from gossip_sim.mixing import (
    MIXING_RULES,
    beta,
    check_convergence,
    check_mixing_matrix,
    circulant_eigenvalues,
    converges,
    eigenvalues,
    lambda2,
    mixing_matrix,
    rho,
    second_eigenvalue,
    spectral,
    spectral_gap,
)
from gossip_sim.mixing.spectral import DENSE_MAX
from gossip_sim.topology import TOPOLOGIES

HAS_CVXPY = importlib.util.find_spec("cvxpy") is not None
RULES = [r for r in MIXING_RULES.names_where(doubly_stochastic=True) if r != "fdla"]
ALL_SPECS = [*RULES, "lazy:base=uniform", "lazy:base=best-constant"]


def ring_gap(K: int) -> float:
    """Exact gap of the uniform ring: 1 - max over k≠0 of |1/3 + 2/3 cos(2πk/K)|."""
    k = np.arange(1, K)
    return 1.0 - float(np.max(np.abs(1 / 3 + 2 / 3 * np.cos(2 * np.pi * k / K))))


@st.composite
def connected_graphs(draw):
    """A random tree (connected by construction) plus random extra edges, n in 2..30."""
    n = draw(st.integers(2, 30))
    parents = [draw(st.integers(0, i - 1)) for i in range(1, n)]
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((i, p) for i, p in enumerate(parents, start=1))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    graph.add_edges_from((i, j) for i, j in draw(st.lists(pairs, max_size=2 * n)) if i != j)
    return graph


# ---------------------------------------------------------------- properties of every rule
@settings(max_examples=40, deadline=None)
@given(graph=connected_graphs(), rule=st.sampled_from(ALL_SPECS))
def test_every_rule_gives_a_valid_mixing_matrix(graph, rule):
    W = mixing_matrix(rule, graph)
    dense = W.toarray()
    K = graph.number_of_nodes()
    assert isinstance(W, sp.csr_array) and W.dtype == np.float64
    np.testing.assert_allclose(dense.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(dense.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_array_equal(dense, dense.T)
    linked = nx.to_numpy_array(graph, nodelist=range(K), weight=None) + np.eye(K)
    assert np.all(dense[linked == 0] == 0)
    if "best-constant" not in rule:
        assert dense.min() >= 0
    assert 0 < spectral_gap(W) <= 1 + 1e-12


@settings(max_examples=25, deadline=None)
@given(graph=connected_graphs())
def test_metropolis_weights_follow_the_formula(graph):
    W = mixing_matrix("metropolis-hastings", graph).toarray()
    degree = dict(graph.degree)
    for i, j in graph.edges:
        assert W[i, j] == pytest.approx(1 / (1 + max(degree[i], degree[j])))


@settings(max_examples=25, deadline=None)
@given(graph=connected_graphs())
def test_lazy_has_nonnegative_spectrum_and_best_constant_beats_uniform(graph):
    assert eigenvalues(mixing_matrix("lazy", graph)).min() >= -1e-12
    uniform_gap = spectral_gap(mixing_matrix("uniform", graph))
    assert spectral_gap(mixing_matrix("best-constant", graph)) >= uniform_gap - 1e-9


@pytest.mark.parametrize("rule", [*ALL_SPECS, "fdla"])
def test_single_agent_works_for_every_rule(rule):
    if rule == "fdla" and not HAS_CVXPY:
        pytest.skip("cvxpy not installed")
    W = mixing_matrix(rule, nx.empty_graph(1))
    assert W.toarray().tolist() == [[1.0]]
    assert spectral_gap(W) == 1.0
    assert lambda2(W) == 0.0 and rho(W) == 0.0 and beta(W) == 0.0


def test_max_degree_is_uniform_and_differs_from_metropolis():
    graph = nx.star_graph(4)
    np.testing.assert_array_equal(
        mixing_matrix("max-degree", graph).toarray(), mixing_matrix("uniform", graph).toarray()
    )
    assert mixing_matrix("metropolis-hastings", graph)[1, 1] == pytest.approx(0.8)
    assert mixing_matrix("uniform", graph)[1, 1] == pytest.approx(0.8)
    assert mixing_matrix("uniform", graph)[0, 0] == pytest.approx(0.2)


def test_lazy_is_half_identity_plus_base():
    graph = nx.path_graph(5)
    base = mixing_matrix("max-degree", graph).toarray()
    lazy = mixing_matrix("lazy:base=max-degree", graph).toarray()
    np.testing.assert_allclose(lazy, (np.eye(5) + base) / 2)
    np.testing.assert_allclose(
        mixing_matrix("lazy", graph).toarray(),
        (np.eye(5) + mixing_matrix("metropolis-hastings", graph).toarray()) / 2,
    )


def test_best_constant_alpha_from_laplacian():
    graph = nx.path_graph(6)
    L = nx.laplacian_matrix(graph).toarray()
    values = np.linalg.eigvalsh(L)
    alpha = 2 / (values[-1] + values[1])
    np.testing.assert_allclose(
        mixing_matrix("best-constant", graph).toarray(), np.eye(6) - alpha * L
    )


def test_best_constant_on_large_ring_uses_sparse_eigensolver():
    K = DENSE_MAX + 100
    W = mixing_matrix("best-constant", nx.cycle_graph(K))
    laplacian = 2 - 2 * np.cos(2 * np.pi * np.arange(K) / K)
    alpha = 2 / (laplacian.max() + np.sort(laplacian)[1])
    assert W[0, 1] == pytest.approx(alpha, rel=1e-9)


@pytest.mark.skipif(not HAS_CVXPY, reason="cvxpy not installed")
def test_fdla_is_at_least_as_fast_as_the_other_rules():
    graph = nx.connected_watts_strogatz_graph(12, 4, 0.3, seed=3)
    W = mixing_matrix("fdla", graph)
    gap = spectral_gap(W)
    for rule in RULES:
        assert gap >= spectral_gap(mixing_matrix(rule, graph)) - 1e-6
    np.testing.assert_allclose(
        mixing_matrix("fdla", nx.complete_graph(5)).toarray(), 0.2, atol=1e-6
    )


def test_fdla_without_cvxpy_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_cvxpy(name, *args, **kwargs):
        if name == "cvxpy":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cvxpy)
    with pytest.raises(
        ConfigError, match=r"needs cvxpy; install it with: pip install 'gossip-sim\[fdla\]'"
    ):
        mixing_matrix("fdla", nx.path_graph(3))


# ---------------------------------------------------------------- known spectral gaps
@pytest.mark.parametrize("K", [3, 4, 5, 6, 7, 8, 10, 17, 32, 50])
def test_uniform_ring_gap_matches_formula(K):
    W = mixing_matrix("uniform", nx.cycle_graph(K))
    assert spectral_gap(W) == pytest.approx(ring_gap(K), rel=1e-9, abs=1e-12)
    if K >= 4:  # then |λ2| is the k = 1 eigenvalue
        assert lambda2(W) == pytest.approx((1 + 2 * np.cos(2 * np.pi / K)) / 3, rel=1e-9)


@pytest.mark.parametrize("K", [DENSE_MAX + 1, 2000, 10_000])
def test_large_uniform_ring_gap_matches_formula_and_is_fast(K):
    W = mixing_matrix("uniform", nx.cycle_graph(K))
    start = time.perf_counter()
    gap = spectral_gap(W)
    elapsed = time.perf_counter() - start
    assert gap == pytest.approx(1 - (1 + 2 * np.cos(2 * np.pi / K)) / 3, rel=1e-6)
    assert elapsed < 5.0


@pytest.fixture
def sparse_path(monkeypatch):
    """Force the sparse (ARPACK) code paths from K = 20 on, to compare them with dense LAPACK."""

    def run(function, *args):
        with monkeypatch.context() as patch:
            patch.setattr("gossip_sim.mixing.spectral.DENSE_MAX", 20)
            patch.setattr("gossip_sim.mixing.rules.DENSE_MAX", 20)
            return function(*args)

    return run


@pytest.mark.parametrize(
    ("graph", "rule"),
    [
        (nx.cycle_graph(300), "best-constant"),  # even ring: spectrum symmetric about 0
        (nx.cycle_graph(301), "uniform"),
        (nx.path_graph(200), "metropolis-hastings"),
        (nx.random_regular_graph(4, 300, seed=7), "metropolis-hastings"),  # expander
        (nx.grid_2d_graph(12, 12), "lazy"),
        (nx.star_graph(60), "best-constant"),
        (nx.complete_graph(40), "uniform"),
    ],
)
def test_sparse_spectral_path_matches_dense(sparse_path, graph, rule):
    graph = nx.convert_node_labels_to_integers(graph)
    W = mixing_matrix(rule, graph)
    assert sparse_path(mixing_matrix, rule, graph).toarray() == pytest.approx(W.toarray(), abs=1e-9)
    assert sparse_path(lambda2, W) == pytest.approx(lambda2(W), rel=1e-8, abs=1e-12)
    assert sparse_path(beta, W) == pytest.approx(beta(W), rel=1e-8)


def test_dominant_negative_eigenvalue(sparse_path):
    # W = eps I + (1 - eps) A/d on the 8-cube (bipartite): eigenvalues 1, 0.75 + 0.25 eps, ...,
    # -1 + 2 eps, so the most negative eigenvalue decides |λ2|.
    graph = nx.convert_node_labels_to_integers(nx.hypercube_graph(8))
    A = nx.to_scipy_sparse_array(graph, nodelist=range(256), format="csr", weight=None)
    eps = 1e-3
    W = mixing_matrix(sp.csr_array((1 - eps) * A / 8 + eps * sp.eye_array(256)), graph)
    for compute in (lambda f: f(W), lambda f: sparse_path(f, W)):
        assert compute(lambda2) == pytest.approx(1 - 2 * eps, rel=1e-9)
        assert compute(beta) == pytest.approx(2 - 2 * eps, rel=1e-9)


def test_complete_graph_gaps():
    W = mixing_matrix("uniform", nx.complete_graph(7))
    np.testing.assert_allclose(W.toarray(), 1 / 7)
    assert spectral_gap(W) == pytest.approx(1.0)
    # metropolis on K_n: 1/n everywhere too
    W = mixing_matrix("metropolis-hastings", nx.complete_graph(9))
    np.testing.assert_allclose(W.toarray(), 1 / 9)
    assert spectral_gap(W) == pytest.approx(1.0)


def test_rho_equals_lambda2_for_symmetric_w():
    for graph in (nx.path_graph(7), nx.star_graph(5), nx.petersen_graph()):
        W = mixing_matrix("metropolis-hastings", graph)
        assert rho(W) == pytest.approx(lambda2(W), rel=1e-12)


def test_rho_of_a_non_symmetric_w_uses_singular_values():
    W = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])  # circulant, not symmetric
    W = mixing_matrix(W, nx.cycle_graph(3), symmetric=False)
    centred = W.toarray() - 1 / 3
    assert rho(W) == pytest.approx(np.linalg.norm(centred, 2))
    assert lambda2(W) == pytest.approx(np.max(np.abs(np.linalg.eigvals(centred))))


@pytest.mark.parametrize("K", [5, 6, 9])
def test_beta_of_uniform_ring(K):
    W = mixing_matrix("uniform", nx.cycle_graph(K))
    smallest = min(1 / 3 + 2 / 3 * np.cos(2 * np.pi * np.arange(K) / K))
    assert beta(W) == pytest.approx(1 - smallest)


def test_beta_of_large_uniform_ring():
    W = mixing_matrix("uniform", nx.cycle_graph(4000))
    assert beta(W) == pytest.approx(4 / 3, rel=1e-9)


def test_eigenvalues_sorted_and_refused_for_huge_k():
    W = mixing_matrix("uniform", nx.cycle_graph(6))
    values = eigenvalues(W)
    assert values[0] == pytest.approx(1.0)
    assert np.all(np.diff(values) <= 1e-12)
    with pytest.raises(ConfigError, match=r"use gossip_sim\.mixing\.lambda2"):
        eigenvalues(sp.eye_array(5001, format="csr"))


def test_disconnected_w_has_zero_gap():
    W = sp.block_diag([np.full((2, 2), 0.5), np.full((2, 2), 0.5)], format="csr")
    assert spectral_gap(W) == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------- refusals
def test_disconnected_graph_is_refused():
    graph = nx.union(nx.path_graph(3), nx.path_graph(2), rename=("a", "b"))
    graph = nx.convert_node_labels_to_integers(nx.union(graph, nx.empty_graph(1), rename=("", "c")))
    with pytest.raises(ConfigError, match=r"graph is disconnected \(3 components\); gossip needs"):
        mixing_matrix("metropolis-hastings", graph)


def test_wrong_row_sum_names_the_row():
    W = np.full((4, 4), 0.25)
    W[3, 3], W[3, 2], W[2, 3] = 0.15, 0.25, 0.25  # row 3 sums to 0.9 (so does column 3)
    with pytest.raises(ConfigError, match=r"^row 3 of W sums to 0\.9; every row must sum to 1"):
        check_mixing_matrix(W, nx.complete_graph(4))


def test_wrong_column_sum_names_the_column():
    W = np.array([[0.5, 0.5, 0.0], [0.5, 0.25, 0.25], [0.25, 0.25, 0.5]])  # rows sum to 1
    with pytest.raises(ConfigError, match=r"^column 0 of W sums to 1\.25; every column must sum"):
        check_mixing_matrix(W, nx.complete_graph(3), symmetric=False)


def test_nonzero_off_graph_is_refused():
    W = np.full((3, 3), 1 / 3)
    with pytest.raises(
        ConfigError, match=r"^W\[0, 2\] = 0\.3333333333 but agents 0 and 2 are not linked"
    ):
        check_mixing_matrix(W, nx.path_graph(3))


def test_tiny_off_graph_entries_are_dropped():
    W = np.array([[0.5, 0.5, 1e-12], [0.5, 0.5, 0.0], [1e-12, 0.0, 1.0]])
    W[2, 2] -= 1e-12
    W[0, 0] -= 1e-12
    assert check_mixing_matrix(W, nx.path_graph(3))[0, 2] == 0


def test_asymmetric_w_names_the_worst_pair():
    W = np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.25, 0.0, 0.75]])
    with pytest.raises(ConfigError, match=r"^W is not symmetric: W\[\d, \d\] = "):
        check_mixing_matrix(W, nx.complete_graph(3))


@pytest.mark.parametrize(
    ("W", "message"),
    [
        (np.full((4, 5), 0.2), r"^W is 4x5; it must be square"),
        (np.full((4, 4), 0.25), r"^W is 4x4 but the graph has 5 agents"),
        (
            np.array([[np.nan, 1.0], [1.0, 0.0]]),
            r"^W\[0, 0\] is nan; every entry of W must be finite",
        ),
        (np.ones(3), r"^W has shape \(3,\); it must be a 2-D square matrix"),
        ("abc", r"^W must be a matrix of numbers"),
    ],
)
def test_bad_shapes_and_values_are_refused(W, message):
    graph = nx.complete_graph(5 if "5 agents" in message else 2)
    with pytest.raises(ConfigError, match=message):
        check_mixing_matrix(W, graph)


def test_unknown_rule_lists_valid_ones_and_suggests():
    with pytest.raises(
        ConfigError, match=r"unknown mixing rule 'metropolis'; valid: best-constant, "
    ) as info:
        mixing_matrix("metropolis", nx.path_graph(3))
    assert "(did you mean 'metropolis-hastings'?)" in str(info.value)
    with pytest.raises(ConfigError, match=r"unknown mixing rule 'unifrom'.*did you mean 'uniform'"):
        mixing_matrix("lazy:base=unifrom", nx.path_graph(3))


def test_unknown_rule_parameter_is_refused():
    with pytest.raises(ConfigError, match=r"mixing rule 'uniform' has no parameter 'alpha'"):
        mixing_matrix("uniform:alpha=2", nx.path_graph(3))


def test_bad_graphs_are_refused():
    with pytest.raises(ConfigError, match="graph is directed"):
        mixing_matrix("uniform", nx.DiGraph([(0, 1)]))
    with pytest.raises(ConfigError, match=r"graph nodes must be the agents 0\.\.1"):
        mixing_matrix("uniform", nx.Graph([("a", "b")]))
    with pytest.raises(ConfigError, match="graph has no agents"):
        mixing_matrix("uniform", nx.Graph())


# ---------------------------------------------------------------- the user's own W
@pytest.mark.parametrize("suffix", [".npy", ".csv", ".txt", ".npz"])
def test_user_w_from_file_round_trips(tmp_path, suffix):
    graph = nx.cycle_graph(6)
    W = mixing_matrix("metropolis-hastings", graph)
    path = tmp_path / f"W{suffix}"
    if suffix == ".npy":
        np.save(path, W.toarray())
    elif suffix == ".npz":
        sp.save_npz(path, sp.csr_matrix(W))
    else:
        np.savetxt(path, W.toarray(), delimiter="," if suffix == ".csv" else " ", fmt="%.17g")
    for spec in (str(path), path):
        loaded = mixing_matrix(spec, graph)
        np.testing.assert_array_equal(loaded.toarray(), W.toarray())


def test_user_w_file_problems_are_refused(tmp_path):
    graph = nx.cycle_graph(4)
    with pytest.raises(ConfigError, match=r"mixing matrix file '.*missing\.npy' does not exist"):
        mixing_matrix(str(tmp_path / "missing.npy"), graph)
    with pytest.raises(ConfigError, match=r"valid file types: \.npy, \.npz, \.csv, \.txt"):
        mixing_matrix(str(tmp_path / "W.json"), graph)
    bad = tmp_path / "W.csv"
    bad.write_text("0.5,0.5\nnot,numbers\n")
    with pytest.raises(ConfigError, match="cannot read mixing matrix file"):
        mixing_matrix(str(bad), graph)
    rounded = tmp_path / "W3.csv"
    np.savetxt(rounded, mixing_matrix("uniform", graph).toarray(), delimiter=",", fmt="%.4f")
    with pytest.raises(ConfigError, match=r"^row 0 of W sums to 0\.9999; every row must sum to 1"):
        mixing_matrix(str(rounded), graph)


def test_user_w_as_array_sparse_or_callable():
    graph = nx.path_graph(2)
    half = np.full((2, 2), 0.5)
    for spec in (half, sp.csr_matrix(half), sp.coo_array(half), lambda g: half):
        np.testing.assert_array_equal(mixing_matrix(spec, graph).toarray(), half)


def test_single_agent_user_w_from_text(tmp_path):
    path = tmp_path / "W.txt"
    path.write_text("1.0\n")
    assert mixing_matrix(str(path), nx.empty_graph(1)).toarray().tolist() == [[1.0]]


def test_registry_and_namespace_agree():
    assert set(MIXING_RULES.names()) == {
        "best-constant", "column-stochastic", "fdla", "lazy", "max-degree",
        "metropolis-hastings", "uniform",
    }  # fmt: skip
    for name in gs.mixing.__all__:
        assert hasattr(gs.mixing, name)
    for entry in MIXING_RULES.entries():
        assert entry.summary and "\n" not in entry.summary


# ---------------------------------------------------------------- W refused on its spectrum
MIXERS = algorithms.ALGORITHMS.names_where(coordinator=False, mixes=True)
COORDINATORS = algorithms.ALGORITHMS.names_where(coordinator=True)


def laplacian_w(graph: nx.Graph, lowest: float) -> np.ndarray:
    """W = I - αL, symmetric and doubly stochastic, with smallest eigenvalue ``lowest``."""
    L = nx.laplacian_matrix(graph, nodelist=range(graph.number_of_nodes())).toarray()
    alpha = (1.0 - lowest) / np.linalg.eigvalsh(L.astype(float))[-1]
    return np.eye(len(L)) - alpha * L


@pytest.fixture
def w_files(tmp_path):
    """The issue's two W files on a ring of 5: a negative diagonal (eigenvalue -1.15) and I."""
    negative = laplacian_w(nx.cycle_graph(5), -1.15)
    assert negative[0, 0] < 0
    paths = {"negative": tmp_path / "negative.csv", "identity": tmp_path / "identity.csv"}
    np.savetxt(paths["negative"], negative, delimiter=",")
    np.savetxt(paths["identity"], np.eye(5), delimiter=",")
    return paths


# ---------------------------------------------------------------- the two cases
def test_w_file_with_an_eigenvalue_below_minus_one_is_refused(w_files, tmp_path, capsys):
    argv = ["--topology", "ring", "--agents", "5", "--mixing", str(w_files["negative"])]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "has an eigenvalue of -1.15 (<= -1), spectral gap -0.15" in err
    assert "choco-gossip would not converge" in err and "negative.csv" in err
    assert "use the rule 'lazy'" in err and "'metropolis-hastings'" in err
    assert not (tmp_path / "out").exists()  # refused before any work


def test_identity_w_file_on_a_connected_graph_is_refused(w_files, tmp_path, capsys):
    argv = ["--topology", "ring", "--agents", "5", "--mixing", str(w_files["identity"])]
    assert main([*argv, "--algorithm", "exact-gossip", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "has a second eigenvalue 1, spectral gap 0" in err
    assert "exact-gossip never mixes" in err and "'metropolis-hastings'" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", MIXERS)
def test_every_algorithm_that_mixes_with_w_refuses_it(name, w_files):
    config = RunConfig(topology="ring", agents=5, algorithm=name, mixing=str(w_files["negative"]))
    with pytest.raises(ConfigError, match=rf"eigenvalue of -1\.15 .* so {name} would not"):
        simulation.build(config)


@pytest.mark.parametrize("name", COORDINATORS)
def test_a_coordinator_on_a_star_is_unaffected(name, tmp_path):
    path = tmp_path / "identity.csv"
    np.savetxt(path, np.eye(6), delimiter=",")  # hub + 5 workers
    config = RunConfig(
        topology="star", agents=6, algorithm=name, problem="quadratic", mixing=str(path)
    )
    setup = simulation.build(config)
    assert setup.spectral_gap is None  # not checked: a coordinator does not mix with W
    assert simulation.network_details(setup).spectral_gap == pytest.approx(0.0, abs=1e-12)


def test_message_names_a_complex_eigenvalue_of_a_nonsymmetric_w():
    cycle = np.roll(np.eye(3), 1, axis=1)  # doubly stochastic, eigenvalues on the unit circle
    assert isinstance(second_eigenvalue(cycle), complex)
    with pytest.raises(ConfigError, match=r"^W has an eigenvalue -0\.5[+-]0\.866j of modulus 1,"):
        check_convergence(cycle)


def test_the_mixing_reference_shows_the_messages_as_printed():
    page = (Path(__file__).resolve().parent.parent / "docs/reference/mixing.md").read_text()
    cases = [
        (laplacian_w(nx.cycle_graph(5), -1.15), "W of mixing 'ring5.csv'"),
        (np.eye(5), "W of mixing 'eye.csv'"),
    ]
    for W, what in cases:
        with pytest.raises(ConfigError) as refused:
            check_convergence(W, what=what, who="choco-gossip")
        assert f"\n{refused.value}\n" in page


def test_converges_is_the_sign_of_the_gap():
    assert converges(1e-9) and not converges(0.0) and not converges(-1.0)


# ---------------------------------------------------------------- every shipped rule passes
@settings(max_examples=60, deadline=None)
@given(graph=connected_graphs())
def test_every_shipped_rule_passes_on_random_connected_graphs(graph):
    for rule in ALL_SPECS:
        W = mixing_matrix(rule, graph)
        gap = check_convergence(W, who=rule)
        assert gap == spectral_gap(W) and 0 < gap <= 1 + 1e-12


def test_every_registered_rule_is_covered():
    doubly = MIXING_RULES.names_where(doubly_stochastic=True)
    assert {spec.split(":")[0] for spec in ALL_SPECS} == set(doubly) - {"fdla"}


# ---------------------------------------------------------------- large K: sparse eigensolvers
@pytest.fixture
def sparse_calls(monkeypatch):
    """Count the calls of the sparse (ARPACK) eigensolver and forbid dense LAPACK."""
    calls = []
    smallest = spectral._smallest

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return smallest(*args, **kwargs)

    def dense(*args, **kwargs):
        raise AssertionError("dense eigensolver used for a large K")

    monkeypatch.setattr(spectral, "_smallest", counted)
    monkeypatch.setattr(spectral.np.linalg, "eigvalsh", dense)
    return calls


K_LARGE = 4 * DENSE_MAX


def _shuffled(W):
    """Return P W Pᵀ for a fixed random permutation P: same spectrum, no longer circulant."""
    order = np.random.default_rng(7).permutation(W.shape[0])
    shuffled = sp.csr_array(W[order][:, order])
    shuffled.sort_indices()
    assert circulant_eigenvalues(shuffled) is None
    return shuffled


def _below_minus_one_ring():
    ring = nx.cycle_graph(K_LARGE)  # even ring: the Laplacian's largest eigenvalue is exactly 4
    L = sp.csr_array(nx.laplacian_matrix(ring, nodelist=range(K_LARGE)), dtype=np.float64)
    return sp.csr_array(sp.eye_array(K_LARGE) - (2.05 / 4.0) * L)  # eigenvalues down to -1.05


def test_large_ring_with_eigenvalue_below_minus_one_is_refused_sparsely(sparse_calls):
    with pytest.raises(ConfigError, match=r"eigenvalue of -1\.05 \(<= -1\), spectral gap -0\.05"):
        check_convergence(_shuffled(_below_minus_one_ring()))
    assert sparse_calls


def test_large_ring_with_eigenvalue_below_minus_one_is_refused_in_closed_form(sparse_calls):
    with pytest.raises(ConfigError, match=r"eigenvalue of -1\.05 \(<= -1\), spectral gap -0\.05"):
        check_convergence(_below_minus_one_ring())
    assert not sparse_calls


def test_large_disconnected_w_is_refused_sparsely(sparse_calls):
    parts = [mixing_matrix("metropolis-hastings", nx.cycle_graph(n)) for n in (900, 1100)]
    W = sp.csr_array(sp.block_diag(parts, format="csr"))  # second eigenvalue 1, not circulant
    with pytest.raises(ConfigError, match=r"^W has a second eigenvalue 1, spectral gap 0 "):
        check_convergence(W)
    assert sparse_calls


def test_large_identity_is_refused_in_closed_form(sparse_calls):
    with pytest.raises(ConfigError, match=r"^W has a second eigenvalue 1, spectral gap 0 "):
        check_convergence(sp.eye_array(K_LARGE, format="csr"))
    assert not sparse_calls


def test_large_metropolis_ring_passes_sparsely(sparse_calls):
    W = _shuffled(mixing_matrix("metropolis-hastings", nx.cycle_graph(K_LARGE)))
    gap = check_convergence(W)
    assert gap == pytest.approx(1 - (1 + 2 * np.cos(2 * np.pi / K_LARGE)) / 3, rel=1e-6)
    assert sparse_calls


# ---------------------------------------------------------------- closed form: rings and tori
def _exact_ring_gap(K, self_weight):
    """1 − λ2 of the ring W with w_ii = self_weight and w_i,i±1 = (1 − self_weight) / 2."""
    return (1.0 - self_weight) * 2.0 * np.sin(np.pi / K) ** 2


@pytest.mark.parametrize(
    ("topology", "K"),
    [
        *[("ring", 7), ("ring", 30), ("torus", 36), ("torus", 60), ("torus", 100)],
        *[("complete", 12), ("hypercube", 8), ("hypercube", 64)],
    ],
)
@pytest.mark.parametrize("rule", ALL_SPECS)
def test_circulant_spectrum_is_the_eigensolvers(topology, K, rule):
    W = mixing_matrix(rule, TOPOLOGIES.get(topology)(K))
    values = circulant_eigenvalues(W)
    assert values is not None
    assert values[0] == pytest.approx(1.0, abs=1e-14)  # the ones vector's mode comes first
    np.testing.assert_allclose(np.sort(values), np.linalg.eigvalsh(W.toarray()), atol=1e-13)


@pytest.mark.parametrize("topology", ["path", "star", "grid", "erdos-renyi"])
def test_circulant_spectrum_is_refused_for_other_graphs(topology):
    W = mixing_matrix("metropolis-hastings", TOPOLOGIES.get(topology)(16))
    assert circulant_eigenvalues(W) is None


def test_nearly_circulant_w_is_not_taken_for_circulant():
    W = mixing_matrix("uniform", nx.cycle_graph(12)).tolil()
    W[0, 1], W[1, 0] = W[0, 1] - 1e-15, W[1, 0] - 1e-15
    W[0, 0], W[1, 1] = W[0, 0] + 1e-15, W[1, 1] + 1e-15
    assert circulant_eigenvalues(sp.csr_array(W)) is None


@pytest.mark.parametrize("K", [1001, 10_000, 100_000])
def test_large_ring_gap_in_closed_form_is_exact(K, sparse_calls):
    W = mixing_matrix("metropolis-hastings", nx.cycle_graph(K))
    gap = check_convergence(W)
    assert gap == spectral_gap(W)
    # λ2 is a double near 1: its rounding (1e-16) bounds the gap's relative accuracy.
    assert gap == pytest.approx(_exact_ring_gap(K, 1 / 3), rel=0, abs=5e-16)
    assert not sparse_calls


def test_large_torus_closed_form_agrees_with_arpack():
    W = mixing_matrix("metropolis-hastings", TOPOLOGIES.get("torus")(30 * 40))
    closed = spectral_gap(W)
    assert closed == pytest.approx(spectral_gap(_shuffled(W)), rel=1e-6)
    assert beta(W) == pytest.approx(beta(_shuffled(W)), rel=1e-9)


# ---------------------------------------------------------------- no second eigen-solve per run
def test_a_run_computes_the_spectrum_once(monkeypatch):
    calls = []
    solve = spectral.second_eigenvalue

    def counted(W):
        calls.append(W.shape)
        return solve(W)

    monkeypatch.setattr(spectral, "second_eigenvalue", counted)
    monkeypatch.setattr("gossip_sim.mixing.convergence.second_eigenvalue", counted)
    trace = simulation.execute(RunConfig(topology="ring", agents=6, rounds=3, dim=4))
    assert calls == [(6, 6)]
    assert trace.network.spectral_gap == pytest.approx(1 - (1 + 2 * np.cos(np.pi / 3)) / 3)


def test_topologies_show_marks_a_rule_whose_w_would_be_refused(monkeypatch, capsys):
    assert main(["topologies", "show", "ring", "--agents", "6"]) == 0
    assert "refused" not in capsys.readouterr().out  # every shipped rule passes
    real = gs.mixing.spectral_gap
    monkeypatch.setattr(gs.mixing, "spectral_gap", lambda W: 0.0 if W[0, 1] == 1 / 3 else real(W))
    assert main(["topologies", "show", "ring", "--agents", "6"]) == 0
    lines = capsys.readouterr().out.splitlines()
    marked = [line.split()[0] for line in lines if "(refused: gossip needs a gap above 0)" in line]
    expected = ["max-degree", "metropolis-hastings", "uniform"]  # the doubly stochastic ones
    assert marked == expected  # 1/3 on every link
