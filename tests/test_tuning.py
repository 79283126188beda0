"""gamma='tune': the grid's γ with the lowest short-run error, found the same way every time."""

import math

import networkx as nx
import numpy as np
import pytest

import gossip_sim as gs
from gossip_sim.algorithms.tuning import BLOW_UP, GRID, TUNE_ROUNDS, tune_gamma
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError


def _setup(problem="consensus", k=6, d=5):
    g = nx.cycle_graph(k)
    W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    return g, W, gs.problems.create(problem, n_agents=k, dim=d, seed=2)


def _short_run_error(name, gamma, compressor, problem):
    g, W, p = _setup(problem)
    alg = gs.algorithms.create(name, g, W, p, compressor=compressor, gamma=gamma, seed=3)
    for t in range(TUNE_ROUNDS):
        values = alg.step(t).values
    return p.error(values)


@pytest.mark.parametrize(
    ("name", "compressor", "problem"),
    [
        ("choco-gossip", "topk:k=2", "consensus"),
        ("choco-gossip", "qsgd:s=4,scaled=true", "consensus"),
        ("choco-sgd", "topk:k=2", "quadratic"),
    ],
)
def test_tune_picks_the_grid_value_with_the_lowest_short_run_error(name, compressor, problem):
    g, W, p = _setup(problem)
    alg = gs.algorithms.create(name, g, W, p, compressor=compressor, gamma="tune", seed=3)
    start = p.error(p.initial())
    with np.errstate(all="ignore"):
        errors = {gamma: _short_run_error(name, gamma, compressor, problem) for gamma in GRID}
    errors = {k: (v if math.isfinite(v) else math.inf) for k, v in errors.items()}
    chosen = alg.describe()["gamma"] if name == "choco-gossip" else alg.channel.gamma
    assert chosen in GRID
    assert all(errors[chosen] <= e for e in errors.values())
    for gamma, error in alg.gamma_trials.items():  # the trials are plain runs with that γ
        assert error == errors[gamma] or (error == math.inf and errors[gamma] > BLOW_UP * start)
    assert alg.describe()["gamma_rule"] == "tune"
    assert len(alg.describe()["gamma_trials"]) == len(GRID)


def test_tune_is_deterministic_and_reported_in_the_summary(tmp_path):
    config = RunConfig(agents=6, dim=5, rounds=30, target=0, gamma="tune", compressor="topk:k=2")
    first = gs.simulation.execute(config)
    second = gs.simulation.execute(config)
    assert first.algorithm.gamma == second.algorithm.gamma
    assert [r.error for r in first.rounds] == [r.error for r in second.rounds]
    assert first.algorithm.gamma_rule == "tune"
    assert set(first.algorithm.extra["gamma_trials"]) == {repr(g) for g in GRID}
    events = gs.simulation.execute(RunConfig(**{**config.to_dict(), "engine": "events"}))
    assert events.algorithm.gamma == first.algorithm.gamma


def test_a_tie_goes_to_the_larger_gamma_and_all_diverging_is_refused():
    class Flat:
        def __init__(self, gamma):
            self.problem, self.values0 = self, np.zeros((1, 1))

        def step(self, t):
            return type("R", (), {"values": self.values0})

        def error(self, values):
            return 1.0

    assert tune_gamma(Flat, grid=(0.5, 1.0, 0.25))[0] == 0.5

    class Blows(Flat):
        def error(self, values):
            return float("nan")

    with pytest.raises(ConfigError, match=r"choco-sgd: gamma='tune' found no step size in "):
        tune_gamma(Blows, who="choco-sgd")


def test_song_decentralized_refuses_tune():
    with pytest.raises(ConfigError, match=r"song-decentralized: gamma='tune' is not available"):
        gs.simulation.build(
            RunConfig(
                algorithm="song-decentralized",
                problem="least-squares:noise=0",
                dim=16,
                gamma="tune",
                agents=4,
            )
        )
