"""Optimisation problems: gradients, optima, constants, data loading and refusals."""

import itertools

import numpy as np
import pytest

import gossip_sim as gs
from gossip_sim.errors import ConfigError
from gossip_sim.problems import OptimisationProblem, create
from gossip_sim.problems.pyramidal import activation

K = 3

# Small instances of every optimisation problem (no scikit-learn needed).
SPECS = {
    "quadratic": ("quadratic", 4),
    "quadratic-kappa": ("quadratic:kappa=25,beta0=0.7,start=centre", 5),
    "least-squares": ("least-squares:samples=4", 20),
    "least-squares-noisy": ("least-squares:samples=6,noise=0.3", 5),
    "logistic": ("logistic:samples=8,lam=0.05", 4),
    "pyramidal-nn": ("pyramidal-nn:samples=3,layers=4x3,inputs=3", 10),
}
SAMPLED = ["least-squares", "least-squares-noisy", "logistic", "pyramidal-nn"]


def make(key, seed=0):
    spec, dim = SPECS[key]
    return create(spec, n_agents=K, dim=dim, seed=seed)


def random_point(p, scale=0.3, seed=1):
    rng = np.random.default_rng(seed)
    return p.initial() + scale * rng.standard_normal((p.n_agents, p.dim))


def trained(p):
    """The coordinates whose gradient is computed (all but the frozen blocks)."""
    mask = np.ones(p.dim, dtype=bool)
    for block in p.blocks:
        if block.role == "frozen":
            mask[block.start : block.stop] = False
    return mask


def finite_difference(p, x, h):
    """Central differences of every f_k along every coordinate: shape (K, D)."""
    fd = np.zeros_like(x)
    for i in range(p.dim):
        step = np.zeros_like(x)
        step[:, i] = h
        fd[:, i] = (p.losses(x + step) - p.losses(x - step)) / (2 * h)
    return fd


@pytest.mark.parametrize("key", SPECS)
def test_follows_the_protocol(key):
    p = make(key)
    assert isinstance(p, OptimisationProblem)
    assert p.initial().shape == (K, p.dim)
    assert np.all(p.initial() == p.initial()[0])  # every agent starts at the same θ⁰
    stops = [b.start for b in p.blocks[1:]] + [p.dim]
    assert [b.stop for b in p.blocks] == stops and p.blocks[0].start == 0


@pytest.mark.parametrize("key", SPECS)
def test_gradient_matches_central_differences(key):
    p = make(key)
    x = random_point(p)
    fd = finite_difference(p, x, h=1e-5)
    g = p.gradients(x)
    mask = trained(p)
    rel = np.linalg.norm(g[:, mask] - fd[:, mask]) / np.linalg.norm(fd[:, mask])
    assert rel < 1e-6
    assert not g[:, ~mask].any()  # frozen blocks report a zero gradient


@pytest.mark.parametrize("key", SPECS)
def test_objective_is_the_sum_of_the_local_losses(key):
    p = make(key)
    x = random_point(p)[0]
    assert p.objective(x) == pytest.approx(p.losses(np.tile(x, (K, 1))).sum(), rel=1e-12)


@pytest.mark.parametrize("key", [k for k in SPECS if k != "pyramidal-nn"])
def test_optimum_is_stationary_and_attains_the_optimal_value(key):
    p = make(key)
    g = p.gradients(np.tile(p.optimum, (K, 1))).sum(axis=0)
    assert np.linalg.norm(g) <= 1e-9 * max(1.0, p.smoothness)
    assert p.objective(p.optimum) == pytest.approx(p.optimal_value, rel=1e-10, abs=1e-12)
    assert p.objective(p.optimum + 1e-3) > p.optimal_value


@pytest.mark.parametrize("key", ["quadratic", "quadratic-kappa", "logistic"])
def test_error_is_mean_suboptimality(key):
    p = make(key)
    x = random_point(p)
    expected = np.mean([p.objective(row) - p.optimal_value for row in x])
    assert p.error(x) == pytest.approx(expected, rel=1e-9)
    assert p.error(np.tile(p.optimum, (K, 1))) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("key", ["least-squares", "least-squares-noisy", "pyramidal-nn"])
def test_error_is_mean_training_mse(key):
    p = make(key)
    x = random_point(p)
    n = sum(p.samples_per_agent)
    assert p.error(x) == pytest.approx(np.mean([2 * p.objective(row) / n for row in x]))


# --- quadratic ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kappa", [1.0, 7.5, 100.0])
def test_quadratic_condition_number_is_kappa(kappa):
    p = create(f"quadratic:kappa={kappa},beta0=0.5", n_agents=4, dim=6, seed=3)
    zero = np.zeros((4, 6))
    base = p.gradients(zero).sum(axis=0)
    # Hessian of F, column by column, from the gradients alone (they are affine).
    H = np.column_stack([p.gradients(zero + e).sum(axis=0) - base for e in np.eye(6)])
    eig = np.linalg.eigvalsh((H + H.T) / 2)
    assert eig[-1] / eig[0] == pytest.approx(kappa, rel=1e-9)
    assert p.smoothness == pytest.approx(eig[-1], rel=1e-9)
    assert p.strong_convexity == pytest.approx(eig[0], rel=1e-9)


def test_quadratic_with_kappa_one_is_korhonen_alistarh():
    p = create("quadratic:beta0=2", n_agents=4, dim=3, seed=0)
    x = random_point(p)
    centres = p.centres
    assert np.all((centres >= 0) & (centres <= 1))
    assert np.allclose(p.losses(x), 2 * ((x - centres) ** 2).sum(axis=1))
    assert np.allclose(p.optimum, centres.mean(axis=0))
    assert (p.smoothness, p.strong_convexity, p.local_smoothness) == (16.0, 16.0, 4.0)
    assert p.domain_diameter == pytest.approx(np.sqrt(3)) and p.beta0 == 2
    assert p.bound_kind == "quadratic" and p.samples_per_agent is None


def test_quadratic_starts():
    assert not create("quadratic", n_agents=2, dim=2).initial().any()
    assert np.all(create("quadratic:start=centre", n_agents=2, dim=2).initial() == 0.5)


def test_quadratic_local_smoothness_bounds_each_local_hessian():
    p = create("quadratic:kappa=10", n_agents=3, dim=4, seed=2)
    zero = np.zeros((3, 4))
    base = p.gradients(zero)
    tops = []
    for k in range(3):
        H = np.column_stack([p.gradients(zero + e)[k] - base[k] for e in np.eye(4)])
        tops.append(np.linalg.eigvalsh((H + H.T) / 2)[-1])
    assert p.local_smoothness == pytest.approx(max(tops), rel=1e-9)


# --- least squares -------------------------------------------------------------------------------


def test_least_squares_overparameterised_has_zero_optimal_value():
    p = create("least-squares:samples=5,noise=0.5", n_agents=4, dim=50, seed=1)
    assert p.bound_kind == "overparameterized"
    assert p.optimal_value == 0.0
    assert p.objective(p.optimum) < 1e-20
    assert p.strong_convexity == 0.0
    # The minimum-norm solution: it lies in the row space of A.
    coef = np.linalg.lstsq(p.features.T, p.optimum, rcond=None)[0]
    assert np.allclose(p.features.T @ coef, p.optimum)


def test_least_squares_underparameterised_constants():
    p = make("least-squares-noisy")
    A, b = p.features, p.b
    assert p.bound_kind == "pl" and p.features.shape == (K * 6, 5)
    eig = np.linalg.eigvalsh(A.T @ A)
    assert p.smoothness == pytest.approx(eig[-1]) and p.strong_convexity == pytest.approx(eig[0])
    x_star = np.linalg.solve(A.T @ A, A.T @ b)
    assert np.allclose(p.optimum, x_star)
    assert p.optimal_value == pytest.approx(0.5 * np.sum((A @ x_star - b) ** 2))
    assert p.optimal_value > 0
    local = max(np.linalg.eigvalsh(A_k.T @ A_k)[-1] for A_k in A.reshape(K, 6, 5))
    assert p.local_smoothness == pytest.approx(local)


def test_least_squares_smoothness_uses_the_small_gram_matrix():
    p = create("least-squares:samples=2", n_agents=2, dim=30, seed=4)
    assert p.smoothness == pytest.approx(np.linalg.eigvalsh(p.features.T @ p.features)[-1])


def test_least_squares_sorted_split():
    p = create("least-squares:samples=4,split=sorted", n_agents=3, dim=5)
    assert np.all(np.diff(p.b) >= 0)
    iid = create("least-squares:samples=4", n_agents=3, dim=5)
    assert np.allclose(np.sort(iid.b), p.b)  # the same rows, dealt out differently


# --- mini-batches --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", SAMPLED)
def test_minibatch_of_all_samples_is_the_full_gradient(key):
    p = make(key)
    x = random_point(p)
    every = [np.arange(n) for n in p.samples_per_agent]
    np.testing.assert_allclose(p.gradients(x, every), p.gradients(x), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("key", SAMPLED)
def test_minibatch_gradient_is_unbiased(key):
    p = make(key)
    x = random_point(p)
    n = p.samples_per_agent[0]
    subsets = [np.array(s) for s in itertools.combinations(range(n), 2)]
    mean = np.mean([p.gradients(x, [s] * K) for s in subsets], axis=0)
    np.testing.assert_allclose(mean, p.gradients(x), rtol=1e-10, atol=1e-12)
    assert not np.allclose(p.gradients(x, [subsets[0]] * K), p.gradients(x))


def test_minibatch_must_give_one_index_array_per_agent():
    p = make("least-squares")
    with pytest.raises(ConfigError, match="got 1 index arrays for 3 agents"):
        p.gradients(p.initial(), [np.array([0])])
    with pytest.raises(ConfigError, match=r"indices in 0\.\.3"):
        p.gradients(p.initial(), [np.array([4])] * 3)


def test_quadratic_refuses_minibatches():
    p = make("quadratic")
    with pytest.raises(ConfigError, match="quadratic has no samples"):
        p.gradients(p.initial(), [np.array([0])] * K)


# --- determinism ---------------------------------------------------------------------------------


def _arrays(p):
    x = random_point(p)
    return [p.initial(), p.gradients(x), p.losses(x)]


@pytest.mark.parametrize("key", SPECS)
def test_same_seed_same_problem_other_seed_other_problem(key):
    a, b, c = make(key, seed=5), make(key, seed=5), make(key, seed=6)
    for left, right in zip(_arrays(a), _arrays(b), strict=True):
        assert np.array_equal(left, right)
    assert not all(np.array_equal(u, v) for u, v in zip(_arrays(a), _arrays(c), strict=True))


# --- logistic ------------------------------------------------------------------------------------


def test_logistic_constants_and_optimal_value():
    p = make("logistic")
    X = p.X
    assert p.smoothness == pytest.approx(np.linalg.eigvalsh(X.T @ X)[-1] / 4 + 0.05)
    assert p.strong_convexity == 0.05 and p.bound_kind == "pl"
    assert set(np.unique(p.y)) == {-1.0, 1.0}
    rng = np.random.default_rng(0)
    for _ in range(20):  # F* is the minimum: no nearby point is lower
        assert p.objective(p.optimum + 1e-4 * rng.standard_normal(p.dim)) >= p.optimal_value
    # F(θ) − F* >= μ/2 ‖θ − θ*‖² (strong convexity) holds with F* computed this accurately.
    theta = p.optimum + 1e-3
    assert p.objective(theta) - p.optimal_value >= 0.5 * 0.05 * 1e-6 * p.dim * (1 - 1e-6)


def test_logistic_is_stable_for_huge_margins():
    p = make("logistic")
    huge = np.full((K, p.dim), 1e4)
    assert np.all(np.isfinite(p.losses(huge))) and np.all(np.isfinite(p.gradients(huge)))


def test_logistic_sorted_split_puts_negatives_first():
    p = create("logistic:samples=10,split=sorted", n_agents=4, dim=3)
    assert np.all(np.diff(p.y) >= 0)


# --- pyramidal network ---------------------------------------------------------------------------


def test_activation_meets_assumption_5():
    x = np.linspace(-30, 30, 2001)
    nu = 0.3
    a = activation(x, nu)
    slope = np.diff(a) / np.diff(x)
    assert np.all(slope >= nu - 1e-9) and np.all(slope <= 1 + 1e-9)
    assert np.all(np.abs(a) <= np.abs(x) + 1e-12)


def test_pyramidal_layout_follows_song_et_al():
    p = create("pyramidal-nn:samples=4,layers=5x2,inputs=3", n_agents=2, dim=9)
    assert [(b.rows, b.cols, b.role) for b in p.blocks] == [
        (3, 9, "frozen"), (9, 5, "wide"), (5, 2, "plain"), (2, 1, "plain")
    ]
    assert p.dim == 3 * 9 + 9 * 5 + 5 * 2 + 2
    assert (p.optimum, p.optimal_value, p.strong_convexity) == (None, 0.0, 0.0)
    assert p.bound_kind == "overparameterized" and p.features is None
    W1 = p.weights(p.theta0)[0]
    assert W1.shape == (3, 9) and np.allclose(p.theta0[:27].reshape(3, 9), W1)


def test_pyramidal_smoothness_estimate_allows_gradient_descent():
    p = create("pyramidal-nn:samples=4", n_agents=2, dim=40, seed=1)
    assert p.local_smoothness <= p.smoothness
    theta = p.initial()[0]
    start = p.objective(theta)
    for _ in range(300):
        theta = theta - p.gradients(np.tile(theta, (2, 1))).sum(axis=0) / p.smoothness
    assert p.objective(theta) < 0.1 * start


def test_pyramidal_refuses_a_narrow_wide_layer():
    with pytest.raises(ConfigError, match=r"dim = n1 = 5 is below N = 12.*give dim >= 12"):
        create("pyramidal-nn:samples=4", n_agents=3, dim=5)


def test_pyramidal_refuses_a_boolean_for_its_layers():
    from gossip_sim.problems.pyramidal import parse_layers

    with pytest.raises(ConfigError, match=r"pyramidal-nn: layers = True is not valid; give widths"):
        parse_layers(True)


@pytest.mark.parametrize("layers", ["8x16", "4x0", "wide"])
def test_pyramidal_refuses_layers_that_are_not_a_pyramid(layers):
    with pytest.raises(ConfigError, match="pyramidal-nn: layers"):
        create(f"pyramidal-nn:layers={layers}", n_agents=2, dim=40)


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "dim", "message"),
    [
        ("quadratic:kappa=0.5", 3, "quadratic: kappa = 0.5 is not valid; give a condition number"),
        ("quadratic:kappa=4", 1, "needs dim >= 2"),
        ("quadratic:beta0=0", 3, "quadratic: beta0 = 0 is not valid"),
        ("quadratic:start=middle", 3, "start = 'middle' is not valid; use one of zeros, centre"),
        ("least-squares:samples=0", 3, "least-squares: samples = 0 is not valid"),
        ("least-squares:noise=-1", 3, "least-squares: noise = -1 is not valid"),
        ("least-squares:split=random", 3, "split = 'random' is not valid; use one of iid, sorted"),
        ("logistic:lam=0", 3, "logistic: lam = 0 is not valid"),
        ("logistic:data=mnist", 3, "unknown data set 'mnist'; valid: synthetic, breast-cancer"),
        ("kernel-regression:data=diabets", 3, r"valid: breast-cancer, .*did you mean 'diabetes'"),
        ("kernel-regression:data=missing/x.csv", 3, "data file 'missing/x.csv' does not exist"),
        ("pyramidal-nn:nu=1.5", 40, "nu = 1.5 is not valid; give 0 < nu < 1"),
    ],
)
def test_bad_parameters_are_refused_clearly(spec, dim, message):
    with pytest.raises(ConfigError, match=message):
        create(spec, n_agents=2, dim=dim)


# --- real data: files ----------------------------------------------------------------------------


@pytest.fixture
def table():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((30, 4))
    return X, X @ np.array([1.0, -2.0, 0.5, 0.0]) + 3.0


@pytest.mark.parametrize("header", [True, False])
def test_csv_loading(tmp_path, table, header):
    X, y = table
    path = tmp_path / "data.csv"
    rows = "\n".join(",".join(repr(float(v)) for v in row) for row in np.column_stack([X, y]))
    path.write_text(("a,b,c,d,target\n" if header else "") + rows + "\n")
    loaded_X, loaded_y = gs.problems.datasets.load_dataset(str(path))
    assert np.array_equal(loaded_X, X) and np.array_equal(loaded_y, y)
    p = create(f"kernel-regression:data={path},samples=10,split=sorted", n_agents=3, dim=40)
    assert p.features.shape == (30, 40) and np.all(np.diff(p.b) >= 0)
    assert p.b.mean() == pytest.approx(0, abs=1e-12) and p.b.std() == pytest.approx(1)


def test_npz_loading(tmp_path, table):
    X, y = table
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=y)
    loaded_X, loaded_y = gs.problems.datasets.load_dataset(str(path))
    assert np.array_equal(loaded_X, X) and np.array_equal(loaded_y, y)
    bad = tmp_path / "bad.npz"
    np.savez(bad, features=X, y=y)
    with pytest.raises(ConfigError, match="holds arrays features, y; it must hold X"):
        gs.problems.datasets.load_dataset(str(bad))


def test_logistic_on_a_file_maps_zero_one_labels_and_checks_dim(tmp_path, table):
    X, y = table
    path = tmp_path / "binary.npz"
    np.savez(path, X=X, y=(y > 3).astype(float))
    p = create(f"logistic:data={path},samples=10", n_agents=3, dim=4)
    assert set(np.unique(p.y)) == {-1.0, 1.0}
    with pytest.raises(ConfigError, match="has 4 feature columns; give dim = 4"):
        create(f"logistic:data={path},samples=10", n_agents=3, dim=5)
    np.savez(path, X=X, y=np.arange(30.0) % 3)
    with pytest.raises(ConfigError, match="needs two classes labelled 0/1 or -1/\\+1"):
        create(f"logistic:data={path},samples=10", n_agents=3, dim=4)


def test_pyramidal_on_a_file(tmp_path, table):
    X, y = table
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=y)
    p = create(f"pyramidal-nn:data={path},samples=5,layers=3", n_agents=2, dim=12)
    assert p.blocks[0].rows == 4  # n0 comes from the file


# --- real data: scikit-learn ---------------------------------------------------------------------


def test_kernel_regression_on_a_bundled_data_set():
    pytest.importorskip("sklearn")
    p = create("kernel-regression:data=diabetes,samples=40", n_agents=3, dim=200)
    assert p.name == "kernel-regression" and p.bound_kind == "overparameterized"
    assert p.optimal_value == 0.0 and p.error(p.initial()) == pytest.approx(1.0)
    spec = "kernel-regression:data=diabetes,samples=40,split=sorted"
    chunks = create(spec, n_agents=3, dim=200).b.reshape(3, 40)
    assert np.all(chunks[:-1].max(axis=1) <= chunks[1:].min(axis=1))


def test_ntk_features_are_the_two_layer_network_gradient():
    X = np.random.default_rng(0).standard_normal((6, 3))
    m = 7
    Phi = gs.problems.ntk_features(X, m * 4, np.random.default_rng(1)).reshape(6, m, 4)
    for j in range(m):
        first, relu = Phi[:, j, :3], Phi[:, j, 3]
        assert np.all(relu >= 0)
        gate = (relu > 0)[:, None]
        signs = {float(s) for s in np.round((first * np.sqrt(m) / X)[gate[:, 0]].ravel(), 12)}
        assert len(signs) <= 1 and signs <= {-1.0, 1.0}  # a_j = ±1, the same for every row
        assert np.all(first[~gate[:, 0]] == 0)


def test_relu_features_keep_the_norm_on_average():
    x = np.random.default_rng(0).standard_normal((2, 5))
    Phi = gs.problems.relu_features(x, 40_000, np.random.default_rng(2))
    np.testing.assert_allclose((Phi**2).sum(axis=1), (x**2).sum(axis=1), rtol=0.05)


def test_kernel_regression_ntk_dim():
    pytest.importorskip("sklearn")
    spec = "kernel-regression:data=iris,features=ntk,samples=10"
    assert create(spec, n_agents=2, dim=50).features.shape == (20, 50)  # n0 = 4: 10 units
    with pytest.raises(ConfigError, match=r"multiple of n0 \+ 1 = 5.*use dim = 50 or dim = 55"):
        create(spec, n_agents=2, dim=52)


def test_kernel_regression_sphere_and_centre_condition_the_features():
    pytest.importorskip("sklearn")
    spec = "kernel-regression:data=digits,features=ntk,samples=10"
    raw = create(spec, n_agents=3, dim=650)
    sphere = create(spec + ",sphere=true", n_agents=3, dim=650)
    both = create(spec + ",sphere=true,centre=true", n_agents=3, dim=650)
    gram = gs.problems.least_squares.gram_eigenvalues
    assert raw.smoothness > 20 * sphere.smoothness  # unit-norm inputs instead of ‖x‖² ≈ 64
    np.testing.assert_allclose(both.features.sum(axis=0), 0, atol=1e-9)  # centred: rank N − 1
    eig = gram(both.features)
    assert eig[0] < 1e-10 * eig[-1] and eig[1] > 0  # one zero eigenvalue, along the ones
    assert eig[-1] / eig[1] < gram(sphere.features)[-1] / gram(sphere.features)[0]
    assert both.optimal_value < 1e-20 and both.error(both.initial()) == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="centre='maybe' is not valid; give true or false"):
        create(spec + ",centre=maybe", n_agents=3, dim=650)


def test_kernel_regression_refuses_more_rows_than_the_data_set_has():
    pytest.importorskip("sklearn")
    message = r"samples = 100 is too many.*data set has 150; give samples <= 30"
    with pytest.raises(ConfigError, match=message):
        create("kernel-regression:data=iris", n_agents=5, dim=10)


def test_logistic_on_breast_cancer():
    pytest.importorskip("sklearn")
    p = create("logistic:data=breast-cancer,samples=40", n_agents=3, dim=30)
    assert p.X.shape == (120, 30)
    g = p.gradients(np.tile(p.optimum, (3, 1))).sum(axis=0)
    assert np.linalg.norm(g) < 1e-9
    with pytest.raises(ConfigError, match="which has 30 feature columns; give dim = 30"):
        create("logistic:data=breast-cancer,samples=40", n_agents=3, dim=10)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0 a spreadsheet\n", r"'.*data.csv': it is not UTF-8 text; give a .csv"),
        (b"1,2,3\n4,5\n", r"the number of columns changed from 3 to 2 at row 2$"),
    ],
)
def test_a_data_file_that_is_no_csv_of_numbers_is_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        gs.problems.datasets.load_dataset(str(path))


@pytest.mark.parametrize("dim", [129, 200])
def test_rotation_above_lapacks_unblocked_size_is_householders_q(dim):
    """Above 128 the rotation comes from NumPy Householder steps (thread-independent bits)."""
    from gossip_sim.problems.quadratic import random_orthogonal

    Q = random_orthogonal(dim, np.random.default_rng(dim))
    q, r = np.linalg.qr(np.random.default_rng(dim).standard_normal((dim, dim)))
    np.testing.assert_allclose(Q, q * np.where(np.diag(r) < 0, -1.0, 1.0), atol=1e-12)
    np.testing.assert_allclose(Q.T @ Q, np.eye(dim), atol=1e-12)
