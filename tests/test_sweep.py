"""Sweeps into a folder: resuming, a real Dask cluster, failed runs, the tidy tables, refusals."""

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import gossip_sim.sweep.cluster as cluster
import gossip_sim.sweep.local as local
from gossip_sim import __version__
from gossip_sim.cli import main
from gossip_sim.errors import ConfigError
from gossip_sim.sweep import expand, run_sweep

#: 2 sizes x 2 topologies x 2 seeds = 8 runs of a fraction of a second each; the runs stop at
#: the target after different numbers of rounds, so the per-run row counts differ.
TINY = """\
[scenario]
name = "tiny-sweep"
title = "A tiny sweep"
seeds = 2

[run]
problem = "consensus"
algorithm = "choco-gossip"
dim = 8
rounds = 20
target = 1e-12

[sweep]
agents = [3, 5]
topology = ["ring", "star"]
"""

#: parameter-server needs a star: the ring runs (0 and 1) fail, the star runs (2 and 3) finish.
FAILING = """\
[scenario]
name = "tiny-failing"
title = "A sweep with failing runs"
seeds = 2

[run]
problem = "least-squares:samples=4"
algorithm = "parameter-server"
agents = 4
dim = 6
rounds = 10

[sweep]
topology = ["ring", "star"]
"""

REAL_RUN_ONE = local.run_one
DASK = Path(sys.executable).parent / "dask"


def write(directory, text, name="tiny.toml"):
    path = Path(directory) / name
    path.write_text(text)
    return path


def sweep(scenario, out, *flags, quiet=True):
    """Run ``gossip-sim sweep`` (quietly by default); return its exit code."""
    return main(["sweep", str(scenario), "--out", str(out), *flags] + ["--quiet"] * quiet)


def tables(out):
    return {name: (Path(out) / name).read_bytes() for name in ("runs.csv", "rounds.csv")}


def planned(out):
    """The runs listed in ``sweep.json``: number, parameters and digest."""
    return json.loads((Path(out) / "sweep.json").read_text())["runs"]


def checkpoint(out, run):
    return Path(out) / "runs" / f"{planned(out)[run]['digest']}.json"


def read_rows(path):
    with Path(path).open() as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def key(params):
    return (params["agents"], params["topology"], params["seed"])


@pytest.fixture
def ran(monkeypatch):
    """Count the runs run in this process (``--workers 1`` runs them here, through run_one)."""
    calls = []

    def counting(run):
        calls.append(key(run.params) if "agents" in run.params else run.params)
        return REAL_RUN_ONE(run)

    monkeypatch.setattr(local, "run_one", counting)
    return calls


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The tiny scenario swept once, uninterrupted: the tables every resumed sweep must equal."""
    directory = tmp_path_factory.mktemp("whole")
    scenario = write(directory, TINY)
    assert sweep(scenario, directory / "out", "--workers", "1") == 0
    return tables(directory / "out")


# --- resuming ---------------------------------------------------------------------------------


def test_a_rerun_runs_only_the_runs_whose_files_are_missing(tmp_path, whole, ran):
    scenario, out = write(tmp_path, TINY), tmp_path / "out"
    assert sweep(scenario, out, "--workers", "1") == 0
    assert len(ran) == 8 and tables(out) == whole
    runs = planned(out)
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(
        f"{r['digest']}.json" for r in runs
    )
    for number in (1, 4, 6):  # an interrupted sweep: these never finished
        checkpoint(out, number).unlink()
    ran.clear()
    assert sweep(scenario, out, "--workers", "1") == 0
    assert ran == [key(runs[n]) for n in (1, 4, 6)]
    assert tables(out) == whole
    ran.clear()
    assert sweep(scenario, out, "--workers", "1") == 0
    assert ran == []


def test_an_interrupted_sweep_keeps_its_finished_runs_and_the_same_command_resumes(
    tmp_path, whole, monkeypatch, capsys
):
    scenario, out = write(tmp_path, TINY), tmp_path / "out"
    started = []

    def interrupted(run):
        started.append(run.index)
        if run.index == 3:
            raise KeyboardInterrupt  # Ctrl-C during the fourth run
        return REAL_RUN_ONE(run)

    monkeypatch.setattr(local, "run_one", interrupted)
    assert sweep(scenario, out, "--workers", "1") == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and str(out) in err and "run the same command again" in err
    assert started == [0, 1, 2, 3]
    kept = sorted(p.name for p in (out / "runs").iterdir())
    assert kept == sorted(f"{r['digest']}.json" for r in planned(out)[:3])
    assert not (out / "runs.csv").exists()  # no table over a partial sweep

    started.clear()
    monkeypatch.setattr(
        local, "run_one", lambda run: started.append(run.index) or REAL_RUN_ONE(run)
    )
    assert sweep(scenario, out, "--workers", "1") == 0
    assert started == [3, 4, 5, 6, 7]
    assert tables(out) == whole


def test_a_value_added_to_the_sweep_runs_only_the_new_runs(tmp_path, ran):
    scenario, out = write(tmp_path, TINY), tmp_path / "out"
    assert sweep(scenario, out, "--workers", "1") == 0
    ran.clear()
    write(tmp_path, TINY.replace("agents = [3, 5]", "agents = [3, 4, 5]"))
    assert sweep(scenario, out, "--workers", "1") == 0
    assert sorted(ran) == [(4, "ring", 0), (4, "ring", 1), (4, "star", 0), (4, "star", 1)]
    # the tables are those of the extended sweep run from scratch (its run numbers included)
    assert sweep(scenario, tmp_path / "scratch", "--workers", "1") == 0
    assert tables(out) == tables(tmp_path / "scratch")
    _, rows = read_rows(out / "runs.csv")
    assert [row[0] for row in rows] == [str(n) for n in range(12)]


def test_fresh_runs_everything_again(tmp_path, whole, ran):
    scenario, out = write(tmp_path, TINY), tmp_path / "out"
    assert sweep(scenario, out, "--workers", "1") == 0
    stale = out / "runs" / "0123456789abcdef0123.json"
    stale.write_text("{}")
    ran.clear()
    assert sweep(scenario, out, "--workers", "1", "--fresh") == 0
    assert len(ran) == 8 and len(set(ran)) == 8
    assert not stale.exists()
    assert tables(out) == whole


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda d: {**d, "gossip_sim": "0.0.0-elsewhere"}, id="another-version"),
        pytest.param(lambda d: {**d, "config": {**d["config"], "dim": 9}}, id="another-config"),
        pytest.param(lambda d: json.dumps(d)[:200], id="truncated"),
        pytest.param(lambda d: "", id="empty"),
        pytest.param(lambda d: "[]", id="not-an-object"),
        pytest.param(lambda d: {k: v for k, v in d.items() if k != "result"}, id="no-result"),
        pytest.param(lambda d: {**d, "result": []}, id="result-not-an-object"),
    ],
)
def test_a_checkpoint_from_another_version_or_corrupt_is_run_again(tmp_path, whole, ran, spoil):
    scenario, out = write(tmp_path, TINY), tmp_path / "out"
    assert sweep(scenario, out, "--workers", "1") == 0
    path = checkpoint(out, 5)
    spoiled = spoil(json.loads(path.read_text()))
    path.write_text(spoiled if isinstance(spoiled, str) else json.dumps(spoiled))
    ran.clear()
    assert sweep(scenario, out, "--workers", "1") == 0
    assert ran == [key(planned(out)[5])]
    assert json.loads(path.read_text())["gossip_sim"] == __version__
    assert tables(out) == whole


def test_a_folder_holding_other_files_is_refused_and_left_alone(tmp_path, capsys):
    scenario, mine = write(tmp_path, TINY), tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("keep me")
    assert sweep(scenario, mine, "--workers", "1") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"--out {mine} is not empty and holds no sweep (sweep.json is missing)" in err
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.tex"]
    assert (mine / "thesis.tex").read_text() == "keep me"
    runs = expand({"topology": "ring", "dim": 4, "rounds": 2})
    with pytest.raises(ConfigError, match=r"not empty and holds no sweep .*new or empty folder"):
        run_sweep(runs, mine, workers=1)
    with pytest.raises(ConfigError, match=r"thesis\.tex is a file; give a folder"):
        run_sweep(runs, mine / "thesis.tex", workers=1)


# --- failed runs ------------------------------------------------------------------------------


def test_a_failed_run_is_reported_not_kept_and_retried_alone(tmp_path, capsys, ran):
    scenario, out = write(tmp_path, FAILING), tmp_path / "out"
    assert sweep(scenario, out, "--workers", "1") == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    for seed, line in enumerate(lines):
        assert line.startswith(
            f"gossip-sim: run {seed} failed (topology=ring, seed={seed}): "
            "ConfigError: parameter-server is a coordinator algorithm"
        ), line
    header, rows = read_rows(out / "runs.csv")
    status, failure = header.index("status"), header.index("failure")
    assert [row[status] for row in rows][:2] == ["failed", "failed"]
    assert "failed" not in {row[status] for row in rows[2:]}
    assert ["coordinator algorithm" in row[failure] for row in rows] == [True, True, False, False]
    _, rounds = read_rows(out / "rounds.csv")
    assert {row[0] for row in rounds} == {"2", "3"}  # a failed run has no rounds
    assert not checkpoint(out, 0).exists() and checkpoint(out, 2).is_file()
    ran.clear()
    assert sweep(scenario, out, "--workers", "1") == 1
    assert ran == [{"topology": "ring", "seed": 0}, {"topology": "ring", "seed": 1}]


# --- a bug stops the sweep -------------------------------------------------------------------


def buggy_execute(real, agents=5, topology="ring", seed=0):
    """``execute`` with a bug (ZeroDivisionError) in the one run of these parameters."""

    def execute(config):
        if (config.agents, config.topology, config.seed) == (agents, topology, seed):
            return 1 / 0
        return real(config)

    return execute


def assert_bug_reported(err, out, source=True):
    """The bug's report: which run, its settings as JSON, the traceback, what is kept."""
    assert "run 4 (agents=5, topology=ring, seed=0) raised an error that is a bug" in err
    settings = next(line for line in err.splitlines() if line.startswith("its settings"))
    config = json.loads(settings.split(": ", 1)[1])
    assert (config["agents"], config["topology"], config["seed"]) == (5, "ring", 0)
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError" in err
    assert "1 / 0" in err or not source  # the bug's line (a Dask worker has no test file)
    assert "please report this bug" in err and str(out) in err
    assert "failed" not in err  # not a failed run


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bug_in_a_run_stops_the_sweep_shows_it_and_the_sweep_resumes(
    tmp_path, whole, monkeypatch, capsys, workers
):
    import gossip_sim.sweep.outcome as outcome

    scenario, out = write(tmp_path, TINY), tmp_path / "out"
    monkeypatch.setattr(outcome, "execute", buggy_execute(outcome.execute))  # forked: inherited
    assert sweep(scenario, out, "--workers", workers) == 3
    assert_bug_reported(capsys.readouterr().err, out)
    assert not (out / "runs.csv").exists()  # no table over a sweep a bug stopped
    kept = {p.name for p in (out / "runs").iterdir()}
    assert f"{planned(out)[4]['digest']}.json" not in kept
    if workers == "1":  # in order: the four runs before the bug finished and are kept
        assert kept == {f"{r['digest']}.json" for r in planned(out)[:4]}
    monkeypatch.undo()  # the bug fixed, the same command resumes
    assert sweep(scenario, out, "--workers", workers, quiet=False) == 0
    assert f"8 runs: {8 - len(kept)} run now, {len(kept)} kept from earlier, 0 failed" in (
        capsys.readouterr().out
    )
    assert tables(out) == whole


def test_only_gossip_sims_own_errors_fail_a_run(monkeypatch):
    import gossip_sim.sweep.outcome as outcome
    from gossip_sim.errors import DecodeError, RunBug

    run = expand({"topology": "ring", "dim": 4, "rounds": 2})[0]
    for error in (ConfigError("agents = 2 is too few"), DecodeError("outside the radius")):
        monkeypatch.setattr(outcome, "execute", lambda config, error=error: _raise(error))
        result = outcome.run_one(run)
        assert result.failure == f"{type(error).__name__}: {error}" and result.bug is None
    monkeypatch.setattr(outcome, "execute", lambda config: _raise(KeyError("nbits")))
    result = outcome.run_one(run)
    assert result.failure is None and "KeyError: 'nbits'" in result.bug
    with pytest.raises(RunBug, match=r"run 0 \(seed=0\) raised an error that is a bug"):
        local.run_all([run], workers=1)


def _raise(error):
    raise error


def test_a_bug_in_a_scenario_run_exits_3_with_its_settings(tmp_path, monkeypatch, capsys):
    import gossip_sim.sweep.outcome as outcome

    monkeypatch.setattr(outcome, "execute", buggy_execute(outcome.execute))
    scenario = write(tmp_path, TINY)
    argv = ["scenario", "run", str(scenario), "--out", str(tmp_path / "o"), "--workers", "1"]
    assert main([*argv, "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "run 4 (agents=5, topology=ring, seed=0) raised an error that is a bug" in err
    assert "ZeroDivisionError" in err


# --- the tidy tables --------------------------------------------------------------------------


def test_rounds_csv_has_one_row_per_run_and_round_and_parquet_holds_the_same(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    scenario, out = write(tmp_path, TINY), tmp_path / "out"
    assert sweep(scenario, out, "--workers", "2") == 0
    header, runs = read_rows(out / "runs.csv")
    done = header.index("rounds_done")  # the rounds run (not the cap)
    names, rounds = read_rows(out / "rounds.csv")
    assert names[:5] == ["run", "agents", "topology", "seed", "round"]
    column = {name: i for i, name in enumerate(names)}
    assert len(runs) == 8 and len({row[done] for row in runs}) > 1
    assert len(rounds) == sum(int(row[done]) + 1 for row in runs)
    for row in runs:
        mine = [r for r in rounds if r[0] == row[0]]
        assert [int(r[column["round"]]) for r in mine] == list(range(int(row[done]) + 1))
        for name in ("agents", "topology", "seed"):
            assert {r[column[name]] for r in mine} == {row[header.index(name)]}
        bits = [int(r[column["bits"]]) for r in mine]
        cumulative = [int(r[column["cumulative_bits"]]) for r in mine]
        assert cumulative == [sum(bits[: i + 1]) for i in range(len(bits))]
        assert cumulative[-1] == int(row[header.index("total_bits")])
    for name in ("rounds", "runs"):
        parquet = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(parquet, pd.read_csv(out / f"{name}.csv"))
    assert len(pd.read_parquet(out / "rounds.parquet")) == len(rounds)


def test_event_driven_runs_add_their_fault_columns_and_fast_runs_leave_them_empty(tmp_path):
    from gossip_sim.sweep import Results, run_all
    from gossip_sim.sweep.results import FAULT_FIELDS

    runs = expand(
        {"topology": "ring", "agents": 6, "dim": 4, "rounds": 5, "target": 0.0},
        {"loss": [0.0, 0.5]},
    )
    results = Results.of(run_all(runs, workers=1))
    fast, lossy = results.runs
    assert len(fast.column("live_consensus_error")) == 0  # the fast path: nothing went wrong
    assert len(lossy.column("messages_lost")) == 6  # rounds 0..5
    assert lossy.column("messages_lost").sum() == lossy.summary.faults.messages_lost > 0
    with pytest.raises(KeyError, match=r"'nosuch' is not a round column; valid: .*live_mean_shift"):
        lossy.column("nosuch")
    results.write(tmp_path)
    names, rows = read_rows(tmp_path / "rounds.csv")
    assert names[-len(FAULT_FIELDS) :] == list(FAULT_FIELDS)
    lost = names.index("messages_lost")
    assert {r[lost] for r in rows if r[0] == "0"} == {""}
    assert sum(int(r[lost]) for r in rows if r[0] == "1") == lossy.summary.faults.messages_lost


# --- where the runs go ------------------------------------------------------------------------


def test_workers_and_scheduler_together_are_refused(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        sweep(write(tmp_path, TINY), out, "--workers", "2", "--scheduler", "tcp://127.0.0.1:9")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "give --workers (local processes) or --scheduler (a Dask cluster), not both" in err
    assert not out.exists()


def test_zero_workers_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert sweep(write(tmp_path, TINY), out, "--workers", "0") == 2
    assert "--workers 0 is not valid; give 1 or more" in capsys.readouterr().err
    with pytest.raises(ConfigError, match=r"--workers 0 is not valid; give 1 or more"):
        run_sweep(expand({"topology": "ring"}), out, workers=0)
    assert not out.exists()


def need_dask():
    """Return ``distributed``; skip without it, except on CI (CI=true), which must run it."""
    try:
        import distributed
    except ImportError:
        distributed = None
    if distributed is None or not DASK.is_file():
        reason = f"Dask distributed is not installed here ({DASK}); pip install 'gossip-sim[dask]'"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the Dask tests")
        pytest.skip(reason)
    return distributed


def test_without_dask_the_cluster_tests_skip_except_on_ci(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the Dask tests"):
        need_dask()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="Dask distributed is not installed"):
        need_dask()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process):
    """End a process this test started (and its children, its own process group)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):  # a worker's processes that outlived it
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def dask_scheduler(tmp_path_factory):
    """A real ``dask scheduler`` and ``dask worker`` (2 processes) on loopback; its address."""
    distributed = need_dask()
    address = f"tcp://127.0.0.1:{free_port()}"
    logs = tmp_path_factory.mktemp("dask")
    commands = {
        "scheduler": ["scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1]],
        "worker": ["worker", address, "--nworkers", "2", "--nthreads", "1"],
    }
    processes = []
    try:
        for name, args in commands.items():
            with (logs / f"{name}.log").open("w") as log:
                processes.append(
                    subprocess.Popen(
                        [str(DASK), *args, "--no-dashboard"],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        try:
            with distributed.Client(address, timeout=30, set_as_default=False) as client:
                client.wait_for_workers(2, timeout=60)
        except (OSError, TimeoutError) as exc:
            text = "\n".join(p.read_text()[-2000:] for p in sorted(logs.iterdir()))
            pytest.fail(f"the Dask cluster at {address} did not come up ({exc}):\n{text}")
        yield address
    finally:
        for process in reversed(processes):  # the workers first, while the scheduler is there
            stop(process)


def test_a_sweep_on_a_dask_cluster_gives_the_same_tables_and_resumes(
    tmp_path, dask_scheduler, monkeypatch, capsys
):
    scenario = write(tmp_path, TINY)
    assert sweep(scenario, tmp_path / "local", "--workers", "2") == 0

    def not_here(run):
        raise AssertionError("a --scheduler sweep ran a run in this process")

    monkeypatch.setattr(local, "run_one", not_here)
    out = tmp_path / "cluster"
    assert sweep(scenario, out, "--scheduler", dask_scheduler, quiet=False) == 0
    assert tables(out) == tables(tmp_path / "local")
    assert "8 runs: 8 run now, 0 kept from earlier, 0 failed" in capsys.readouterr().out
    for number in (2, 7):
        checkpoint(out, number).unlink()
    assert sweep(scenario, out, "--scheduler", dask_scheduler, quiet=False) == 0
    assert "8 runs: 2 run now, 6 kept from earlier, 0 failed" in capsys.readouterr().out
    assert tables(out) == tables(tmp_path / "local")


def test_a_bug_in_a_run_on_a_dask_cluster_stops_the_sweep_and_it_resumes(
    tmp_path, dask_scheduler, whole, capsys
):
    import distributed

    def patch():  # runs in each worker process: the same bug as the local tests' (run 4)
        import gossip_sim.sweep.outcome as outcome

        real = outcome.execute

        def execute(config):
            if (config.agents, config.topology, config.seed) == (5, "ring", 0):
                return 1 / 0
            return real(config)

        outcome.real_execute, outcome.execute = real, execute

    def unpatch():
        import gossip_sim.sweep.outcome as outcome

        outcome.execute = outcome.__dict__.pop("real_execute", outcome.execute)

    scenario, out = write(tmp_path, TINY), tmp_path / "out"
    with distributed.Client(dask_scheduler, timeout=30, set_as_default=False) as client:
        client.run(patch)
        try:
            assert sweep(scenario, out, "--scheduler", dask_scheduler) == 3
        finally:
            client.run(unpatch)
    assert_bug_reported(capsys.readouterr().err, out, source=False)
    kept = {p.name for p in (out / "runs").iterdir()} if (out / "runs").is_dir() else set()
    assert f"{planned(out)[4]['digest']}.json" not in kept
    assert sweep(scenario, out, "--scheduler", dask_scheduler, quiet=False) == 0
    assert f"8 runs: {8 - len(kept)} run now, {len(kept)} kept from earlier, 0 failed" in (
        capsys.readouterr().out
    )
    assert tables(out) == whole


def test_an_unreachable_scheduler_is_one_line_naming_it_and_writes_nothing(
    tmp_path, monkeypatch, capsys
):
    need_dask()
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1.0)
    address, out = f"tcp://127.0.0.1:{free_port()}", tmp_path / "out"  # nothing listens there
    assert sweep(write(tmp_path, TINY), out, "--scheduler", address) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"gossip-sim: error: cannot reach the Dask scheduler at '{address}'")
    assert "start one with 'dask scheduler'" in err and f"'dask worker {address}'" in err
    assert not out.exists()
    with pytest.raises(
        ConfigError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1"
    ):
        run_sweep(expand({"topology": "ring"}), out, scheduler=address)
    assert not out.exists()


def test_without_dask_a_scheduler_is_refused_with_the_install_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    scenario = write(tmp_path, TINY)
    assert sweep(scenario, tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9") == 2
    err = capsys.readouterr().err
    assert "needs Dask distributed, which is not installed; pip install 'gossip-sim[dask]'" in err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_a_server_that_is_not_a_dask_scheduler_is_refused_in_bounded_time(
    tmp_path, monkeypatch, capsys
):
    need_dask()
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1.0)
    port = free_port()
    http = subprocess.Popen(  # answers TCP, never speaks Dask: the handshake would hang
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
        scenario = write(tmp_path, TINY)
        address = f"tcp://127.0.0.1:{port}"
        assert sweep(scenario, tmp_path / "out", "--scheduler", address) == 2
    finally:
        stop(http)
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at '{address}' (no Dask handshake within" in err
    assert "8787 is its dashboard" in err and not (tmp_path / "out").exists()


def test_a_folder_of_another_sweep_or_a_comparison_is_refused(tmp_path, capsys):
    scenario = write(tmp_path, TINY)
    assert sweep(scenario, tmp_path / "out") == 0
    other = write(tmp_path, TINY.replace('name = "tiny-sweep"', 'name = "other"'), "other.toml")
    before = tables(tmp_path / "out")
    assert sweep(other, tmp_path / "out") == 2
    assert "holds a sweep of scenario 'tiny', not a sweep of scenario 'other'" in (
        capsys.readouterr().err
    )
    compare = ["compare", "--topologies", "ring", "--agents", "4", "--dim", "4", "--quiet"]
    assert main([*compare, "--out", str(tmp_path / "out")]) == 2
    assert "holds a sweep of scenario 'tiny', not a topology comparison" in capsys.readouterr().err
    assert tables(tmp_path / "out") == before


def test_an_interrupt_before_any_run_finished_says_nothing_was_kept(
    tmp_path, monkeypatch, capsys
):
    def interrupt(run):
        raise KeyboardInterrupt

    monkeypatch.setattr(local, "run_one", interrupt)
    assert sweep(write(tmp_path, TINY), tmp_path / "out", "--workers", "1") == 130
    assert "interrupted before any run finished; nothing was kept" in capsys.readouterr().err
