"""Non-iid splits (Dirichlet label skew), the shipped breast-cancer data, and F(x̄) − F*."""

import json
import sys

import numpy as np
import pytest

import gossip_sim as gs
from gossip_sim.cli import main
from gossip_sim.errors import ConfigError
from gossip_sim.problems import datasets
from gossip_sim.problems.datasets import dirichlet_split, load_dataset
from gossip_sim.problems.logistic import Logistic

BREAST = "logistic:data=breast-cancer,samples=32,split=dirichlet,alpha=0.5"


def labels(n0=60, n1=40):
    return np.repeat([0.0, 1.0], [n0, n1])


# --- Dirichlet split -------------------------------------------------------------------------


def test_dirichlet_split_deals_every_row_once_and_every_agent_some():
    y = labels()
    X = np.arange(len(y), dtype=float)[:, None]  # the row's own index, to follow it
    X2, y2, counts = dirichlet_split(X, y, 7, 0.5, seed=3)
    assert len(counts) == 7 and min(counts) >= 1 and sum(counts) == len(y)
    assert sorted(X2[:, 0].tolist()) == list(range(len(y)))  # a permutation of the rows
    assert np.array_equal(y2, y[X2[:, 0].astype(int)])  # each label stays with its row
    assert len(set(counts)) > 1  # unequal counts: the point of the split


def test_dirichlet_split_is_seeded():
    y = labels()
    a = dirichlet_split(np.eye(len(y)), y, 5, 0.5, seed=1)
    b = dirichlet_split(np.eye(len(y)), y, 5, 0.5, seed=1)
    c = dirichlet_split(np.eye(len(y)), y, 5, 0.5, seed=2)
    assert a[2] == b[2] and np.array_equal(a[0], b[0])
    assert a[2] != c[2] or not np.array_equal(a[0], c[0])


def test_dirichlet_split_matches_a_plain_reference():
    """The first draw, written out: per class one shuffle, then one Dirichlet draw."""
    y = labels(300, 200)
    _, y2, counts = dirichlet_split(np.zeros((len(y), 1)), y, 4, 2.0, seed=5)
    rng = gs.problems._common.shared_stream(5, 2)
    expected = np.zeros((4, 2), dtype=int)
    for c, n_c in enumerate((300, 200)):
        rng.permutation(n_c)
        shares = rng.dirichlet(np.full(4, 2.0))
        edges = np.concatenate(([0], np.floor(np.cumsum(shares)[:-1] * n_c), [n_c]))
        expected[:, c] = np.diff(edges)
    assert expected.min() >= 1  # this seed's first draw is kept (no redraw)
    assert counts == tuple(expected.sum(axis=1).tolist())
    starts = np.concatenate(([0], np.cumsum(counts)))
    for k in range(4):
        assert int((y2[starts[k] : starts[k + 1]] == 1).sum()) == expected[k, 1]


def test_small_alpha_skews_labels_large_alpha_does_not():
    y = labels(3000, 2000)

    def spread(alpha):  # how far the agents' fractions of class 1 are from the global 0.4
        _, y2, counts = dirichlet_split(np.zeros((len(y), 1)), y, 8, alpha, seed=0)
        parts = np.split(y2, np.cumsum(counts)[:-1])
        return max(abs(p.mean() - 0.4) for p in parts)

    assert spread(1000.0) < 0.05
    assert spread(0.2) > 0.3


@pytest.mark.parametrize("alpha", [0, -1.0, float("nan")])
def test_alpha_must_be_positive(alpha):
    with pytest.raises(ConfigError, match=r"^logistic: alpha = .* is not valid; give a number > 0"):
        dirichlet_split(np.eye(4), labels(2, 2), 2, alpha, problem="logistic")


def test_a_split_that_leaves_an_agent_empty_is_refused():
    with pytest.raises(
        ConfigError,
        match=r"split = dirichlet with alpha = 0\.01 left an agent with no rows in all 100 draws "
        r"\(30 agents, 40 rows\); raise alpha or samples, or use fewer agents",
    ):
        dirichlet_split(np.eye(40), labels(20, 20), 30, 0.01, problem="logistic")


# --- the logistic problem with a Dirichlet split ---------------------------------------------


def test_logistic_dirichlet_split_has_unequal_counts_and_consistent_gradients():
    p = gs.problems.create(BREAST, n_agents=16, dim=30)
    assert sum(p.samples_per_agent) == 16 * 32 and min(p.samples_per_agent) >= 1
    assert len(set(p.samples_per_agent)) > 1
    fractions = [float((p.y[s] > 0).mean()) for s in p._slices]
    assert max(fractions) - min(fractions) > 0.5  # label skew
    theta = np.linspace(-0.1, 0.1, 30)
    # the agents' gradients at one common point sum to ∇F there, whatever their row counts
    total = p.gradients(np.tile(theta, (16, 1))).sum(axis=0)
    reference = Logistic(p.X, p.y, (len(p.y),), p.lam).gradients(theta[None, :])[0]
    np.testing.assert_allclose(total, reference, rtol=1e-12, atol=1e-12)
    assert p.losses(np.tile(theta, (16, 1))).sum() == pytest.approx(p.objective(theta), 1e-12)


def test_mini_batches_follow_unequal_counts():
    p = gs.problems.create(BREAST, n_agents=16, dim=30)
    smallest = min(p.samples_per_agent)
    mb = gs.algorithms.decentralized.MiniBatch(smallest, p.samples_per_agent, seed=0)
    batches = mb.draw()
    assert all(b.max() < n for b, n in zip(batches, p.samples_per_agent, strict=True))
    p.gradients(p.initial(), batches)  # in range for every agent
    with pytest.raises(ConfigError, match=rf"exceeds the {smallest} samples of the smallest"):
        gs.algorithms.decentralized.MiniBatch(smallest + 1, p.samples_per_agent, seed=0)


def test_synthetic_logistic_takes_the_dirichlet_split_too():
    p = gs.problems.create("logistic:samples=30,split=dirichlet,alpha=1.0", n_agents=5, dim=4)
    assert sum(p.samples_per_agent) == 150 and len(set(p.samples_per_agent)) > 1


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("logistic:split=dirichlet", r"^logistic: split = dirichlet needs alpha; give alpha > 0"),
        (
            "logistic:alpha=0.5",
            r"^logistic: alpha = 0.5 applies only to split = dirichlet \(split is 'iid'\)",
        ),
        ("logistic:split=dirichlet,alpha=0", r"^logistic: alpha = 0 is not valid"),
        (
            "logistic:split=dirchlet",
            r"^logistic: split = 'dirchlet' is not valid; use one of "
            r"iid, sorted, dirichlet",
        ),
        (
            "logistic:error_at=mean",
            r"^logistic: error_at = 'mean' is not valid; use one of "
            r"agents, average",
        ),
        ("least-squares:error_at=x", r"^least-squares: error_at = 'x' is not valid"),
        (
            "least-squares:split=dirichlet",
            r"^least-squares: split = 'dirichlet' is not valid; "
            r"use one of iid, sorted$",
        ),
    ],
)
def test_bad_split_settings_are_refused(spec, match):
    with pytest.raises(ConfigError, match=match):
        gs.problems.create(spec, n_agents=4, dim=3)


def test_cli_runs_a_dirichlet_split_and_refuses_a_bad_alpha(tmp_path, capsys):
    argv = [
        "--topology",
        "ring",
        "--agents",
        "16",
        "--algorithm",
        "dgd",
        "--rounds",
        "3",
        "--dim",
        "30",
        "--no-plot",
        "--quiet",
    ]
    assert main([*argv, "--problem", BREAST, "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    bad = BREAST.replace("alpha=0.5", "alpha=-1")
    assert main([*argv, "--problem", bad, "--out", str(tmp_path / "b")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "logistic: alpha = -1 is not valid; give a number > 0" in line


def final_error(config_text, folder, capsys):
    config = folder.parent / (folder.name + ".toml")
    config.write_text(config_text)
    assert main(["--config", str(config), "--out", str(folder), "--no-plot", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["final_error"]


def test_toml_config_takes_the_split_and_the_error_at_the_mean(tmp_path, capsys):
    base = 'topology = "ring"\nagents = 16\nalgorithm = "dgd"\nrounds = 3\ndim = 30\n'
    agents = final_error(base + f'problem = "{BREAST}"\n', tmp_path / "agents", capsys)
    average = final_error(
        base + f'problem = "{BREAST},error_at=average"\n', tmp_path / "average", capsys
    )
    p = gs.problems.create(BREAST + ",error_at=average", n_agents=16, dim=30)
    assert p.samples_per_agent[0] != p.samples_per_agent[1]
    assert 0 < average < agents  # F(x̄) <= mean F(θ_k) by convexity, and the agents differ


# --- the shipped data set --------------------------------------------------------------------


def test_breast_cancer_loads_without_scikit_learn(monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    X, y = load_dataset("breast-cancer")
    assert X.shape == (569, 30) and sorted(set(y.tolist())) == [0.0, 1.0]
    assert int(y.sum()) == 357  # benign = 1, as in scikit-learn
    p = gs.problems.create(BREAST, n_agents=16, dim=30)
    assert p.dim == 30
    with pytest.raises(ConfigError, match=r"^data set 'wine' needs scikit-learn; install it"):
        load_dataset("wine")


def test_breast_cancer_has_scikit_learns_rows():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    bunch = sklearn_datasets.load_breast_cancer()
    X, y = datasets._load_shipped("breast-cancer")
    assert np.array_equal(X, bunch.data) and np.array_equal(y, bunch.target)


def test_the_data_file_sits_in_the_package_with_its_notice():
    from importlib.resources import files

    folder = files("gossip_sim.problems") / "data"
    assert (folder / "breast_cancer.csv").is_file()
    notice = (folder / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in notice and "10.24432/C5DW2B" in notice


# --- the error at the agents' mean -----------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    ["logistic:samples=20,lam=0.1", "least-squares:samples=20,noise=0.3"],
)
def test_error_at_average_is_the_suboptimality_of_the_mean(spec):
    agents = gs.problems.create(spec, n_agents=4, dim=5, seed=1)
    average = gs.problems.create(spec + ",error_at=average", n_agents=4, dim=5, seed=1)
    values = np.random.default_rng(0).standard_normal((4, 5))
    mean = values.mean(axis=0)
    assert average.error(values) == agents.objective(mean) - agents.optimal_value
    assert average.error(np.tile(agents.optimum, (4, 1))) == pytest.approx(0.0, abs=1e-11)
    assert average.error_name.startswith("suboptimality F(x̄) - F*")
    # by convexity F(x̄) <= mean F(θ_k): the average error is the smaller one
    assert average.error(values) < agents.objective(values[0]) + agents.objective(values[1])


def test_default_error_is_unchanged():
    p = gs.problems.create("logistic:samples=20", n_agents=3, dim=4)
    values = np.random.default_rng(0).standard_normal((3, 4))
    old = np.mean([p.objective(v) - p.optimal_value for v in values])
    assert p.error(values) == pytest.approx(old, rel=1e-13)
    assert p.error_name == "suboptimality F(x) - F*"


def test_logistic_optimum_meets_its_stated_tolerance():
    """‖∇F(θ*)‖ <= 1e-13·max(1, F*), so F(θ*) − F* <= ‖∇F‖²/(2λ) (the docs' statement)."""
    p = gs.problems.create(BREAST + ",lam=1", n_agents=16, dim=30)
    grad = p.gradients(np.tile(p.optimum, (16, 1))).sum(axis=0)
    assert np.linalg.norm(grad) <= 1e-13 * max(1.0, p.optimal_value)
    rng = np.random.default_rng(0)
    for _ in range(5):  # nearby points are no better
        assert p.objective(p.optimum + 1e-4 * rng.standard_normal(30)) > p.optimal_value
