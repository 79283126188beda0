"""The run setting ``initial``: starting values from a rule or a file, on every engine."""

import numpy as np
import pytest

import gossip_sim as gs
from gossip_sim.config import RunConfig, load_config
from gossip_sim.errors import ConfigError
from gossip_sim.problems.start import apply, load_start, start_values
from gossip_sim.scenarios import schema


def _errors(**settings):
    config = RunConfig.from_dict({"agents": 5, "dim": 3, "rounds": 4, "target": 0, **settings})
    return [r.error for r in gs.simulation.execute(config).rounds]


@pytest.fixture
def x0(tmp_path):
    values = np.random.default_rng(3).normal(size=(5, 3)) * 4
    np.save(tmp_path / "x0.npy", values)
    np.savetxt(tmp_path / "x0.csv", values, delimiter=",", fmt="%.17g")
    return values, tmp_path


@pytest.mark.parametrize("engine", ["fast", "events"])
def test_a_consensus_run_starts_from_the_file(x0, engine):
    values, folder = x0
    errors = _errors(initial=str(folder / "x0.npy"), engine=engine)
    deviation = values - values.mean(axis=0)
    assert errors[0] == pytest.approx((deviation**2).sum() / 5, rel=1e-15)
    assert errors[-1] < errors[0]  # and converges to the file's own average


@pytest.mark.parametrize("algorithm", ["exact-gossip", "pairwise-gossip", "push-sum"])
def test_every_averaging_algorithm_starts_from_the_file(x0, algorithm):
    values, folder = x0
    errors = _errors(initial=str(folder / "x0.csv"), algorithm=algorithm)
    deviation = values - values.mean(axis=0)
    assert errors[0] == pytest.approx((deviation**2).sum() / 5, rel=1e-15)


@pytest.mark.parametrize(
    ("algorithm", "topology", "start"),
    [("korhonen-alistarh", "star", "uniform:low=0,high=1"), ("sgp", "ring", "normal:std=3")],
)
def test_other_optimisers_start_from_the_rule(algorithm, topology, start):
    settings = {"algorithm": algorithm, "problem": "quadratic", "topology": topology}
    drawn = _errors(initial=start, **settings)
    assert drawn[0] != _errors(**settings)[0]
    assert drawn == _errors(initial=start, **settings)
    assert drawn[-1] < drawn[0]


def test_korhonen_alistarh_refuses_a_start_outside_its_domain():
    config = RunConfig(
        topology="star", agents=5, dim=3, algorithm="korhonen-alistarh", problem="quadratic"
    )
    with pytest.raises(ConfigError, match=r"korhonen-alistarh: the start is [\d.]+ from the "):
        gs.simulation.build(RunConfig(**{**config.to_dict(), "initial": "normal:std=3"}))


@pytest.mark.parametrize("algorithm", ["dgd", "choco-sgd"])
@pytest.mark.parametrize("engine", ["fast", "events"])
def test_an_optimiser_starts_from_the_file(x0, algorithm, engine):
    values, folder = x0
    settings = {"algorithm": algorithm, "problem": "quadratic", "engine": engine}
    errors = _errors(initial=str(folder / "x0.npy"), **settings)
    problem = gs.simulation.build(RunConfig(agents=5, dim=3, **settings)).problem
    assert errors[0] == problem.error(values)
    assert errors[0] != _errors(**settings)[0]


def test_csv_and_npy_give_the_same_run(x0):
    _, folder = x0
    npy = _errors(initial=str(folder / "x0.npy"), algorithm="dgd", problem="quadratic")
    csv = _errors(initial=str(folder / "x0.csv"), algorithm="dgd", problem="quadratic")
    assert npy == csv
    assert _errors(initial=f"file:path={folder / 'x0.csv'}") == _errors(
        initial=str(folder / "x0.npy")
    )


def test_the_engines_agree_from_a_drawn_start():
    fast = _errors(initial="uniform:low=-3,high=3", engine="fast")
    events = _errors(initial="uniform:low=-3,high=3", engine="events")
    assert fast == pytest.approx(events, rel=1e-12)


def test_one_row_is_every_agents_start(tmp_path):
    np.save(tmp_path / "row.npy", np.array([1.0, 2.0]))
    (tmp_path / "row.csv").write_text("# x0\n1,2\n")
    for name in ("row.npy", "row.csv"):
        assert load_start(tmp_path / name, 3, 2).tolist() == [[1.0, 2.0]] * 3
    errors = _errors(initial=str(tmp_path / "row.npy"), dim=2, algorithm="exact-gossip")
    assert errors == [0.0] * 5  # already agreeing


def test_draws_are_seeded_per_agent():
    a = start_values("normal:mean=1,std=2", 4, 3, seed=5)
    assert np.array_equal(a, start_values("normal:mean=1,std=2", 4, 3, seed=5))
    assert not np.array_equal(a, start_values("normal:mean=1,std=2", 4, 3, seed=6))
    assert np.array_equal(a[:2], start_values("normal:mean=1,std=2", 2, 3, seed=5))  # rows fixed
    rng = gs._random.stream(5, "start", 3)
    assert np.array_equal(a[3], rng.normal(1, 2, 3))
    assert start_values("zeros", 2, 2).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_the_default_keeps_the_run_and_its_folder():
    assert RunConfig(initial="problem").digest() == RunConfig().digest()
    assert RunConfig(topology="ring", agents=5).slug() == "ring-5-choco-gossip-seed0-b8d6fe"
    assert RunConfig(initial="zeros").digest() != RunConfig().digest()
    problem = gs.problems.create("consensus", n_agents=3, dim=2)
    assert apply("problem", problem) is problem


def test_relative_files_resolve_against_the_file_that_names_them(x0, tmp_path, monkeypatch):
    _, folder = x0
    monkeypatch.chdir(tmp_path.parent)
    toml = folder / "run.toml"
    toml.write_text('initial = "x0.npy"\n')
    assert load_config(toml).initial == str(folder / "x0.npy")
    scenario = folder / "s.toml"
    scenario.write_text(
        '[scenario]\nname = "s"\ntitle = "S"\n[run]\ninitial = "x0.csv"\n'
        '[[series]]\nlabel = "a"\ninitial = "file:path=x0.npy"\n'
    )
    loaded = schema.load(scenario)
    assert loaded.run["initial"] == str(folder / "x0.csv")
    assert loaded.series[0]["initial"] == f"file:path={folder / 'x0.npy'}"
    assert RunConfig(initial="x0.npy").resolved().initial == str(tmp_path.parent / "x0.npy")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (np.zeros((4, 3)), r"initial values file '.*bad.npy' holds shape \(4, 3\); give \(5, 3\)"),
        (np.zeros((5, 2)), r"holds shape \(5, 2\); give \(5, 3\) \(one row per agent\) or \(3,\)"),
        (np.array([[0, 1, np.nan]] * 5), r"'.*bad.npy' holds nan at index \(0, 2\); give finite"),
        (np.array([1, np.inf, 0]), r"holds inf at index \(1,\); give finite numbers"),
    ],
)
def test_a_bad_file_is_refused(tmp_path, content, message):
    np.save(tmp_path / "bad.npy", content)
    with pytest.raises(ConfigError, match=message):
        gs.simulation.build(RunConfig(agents=5, dim=3, initial=str(tmp_path / "bad.npy")))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing/x0.npy", r"initial values file 'missing/x0.npy' does not exist"),
        ("gauss", r"unknown initial values 'gauss'; valid: file, normal, problem, uniform, zeros"),
        ("normal:sd=1", r"initial values 'normal' has no parameter 'sd'; valid: mean, std"),
        ("normal:std=-1", r"initial normal: std = -1 is not valid; give a number >= 0"),
        ("uniform:low=1,high=1", r"initial uniform: low = 1, high = 1 is not valid; give low < "),
        ("file", r"initial file: give path=FILE.npy or path=FILE.csv"),
    ],
)
def test_a_bad_spec_is_refused(spec, message):
    with pytest.raises(ConfigError, match=message):
        start_values(spec, 5, 3)


def test_an_unreadable_file_is_refused(tmp_path):
    (tmp_path / "x.csv").write_text("1,2,three\n")
    with pytest.raises(ConfigError, match=r"cannot read initial values file '.*x.csv': "):
        load_start(tmp_path / "x.csv", 1, 3)
    (tmp_path / "x.txt").write_text("1,2,3\n")
    with pytest.raises(ConfigError, match=r"'.*x.txt' is not a .npy or .csv file; give one"):
        load_start(tmp_path / "x.txt", 1, 3)


def test_a_sweep_run_saved_before_the_setting_reads_back_at_its_default():
    from gossip_sim.sweep.results import RunResult

    settings = RunConfig().to_dict()
    del settings["initial"]
    data = {"index": 0, "params": {}, "settings": settings, "summary": None, "rounds": {}}
    assert RunResult.from_json({**data, "failure": "x"}).settings["initial"] == "problem"
