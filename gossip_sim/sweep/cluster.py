"""Run a sweep's runs on an existing Dask distributed cluster (the ``dask`` extra).

Start a scheduler and workers wherever they may run (every worker needs gossip-sim installed,
the same version as here)::

    dask scheduler --port 8786
    dask worker tcp://HOST:8786 --nworkers 4 --nthreads 1      # on each machine

then ``gossip-sim sweep FILE.toml --scheduler tcp://HOST:8786``. Each run is one Dask task that
calls :func:`~gossip_sim.sweep.run_one`, the same function the local processes call, and every
random stream is seeded from the run's own seed: a run's numbers do not depend on where it ran.
A run that fails comes back as a failed outcome like a local one, and a run that meets a bug
stops the sweep like a local one (its traceback comes back with it); the cluster itself being
unreachable, empty or running another gossip-sim is refused before any run is sent.

Examples
--------
>>> from gossip_sim.sweep import expand
>>> next(cluster_outcomes(expand({"topology": "ring"}), "tcp://127.0.0.1:9"))
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9' ...
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence
from typing import Any

from gossip_sim import __version__
from gossip_sim.errors import ConfigError
from gossip_sim.sweep.outcome import RunOutcome, run_one
from gossip_sim.sweep.plan import PlannedRun, config_digest

__all__ = ["CONNECT_TIMEOUT_S", "cluster_outcomes", "task_key"]

#: Seconds to wait for the scheduler to answer, and for a first worker to join it.
CONNECT_TIMEOUT_S = 10.0

_INSTALL = "pip install 'gossip-sim[dask]'"


def task_key(run: PlannedRun) -> str:
    """Return the Dask task name of a run: its number and a digest of its configuration.

    Examples
    --------
    >>> from gossip_sim.sweep import expand
    >>> task_key(expand({"topology": "ring"})[0])[:17]
    'gossip-sim-run-0-'
    """
    return f"gossip-sim-run-{run.index}-{config_digest(run.config)}"


def _single_threaded_run(run: PlannedRun) -> RunOutcome:
    """Run one run holding the BLAS to one thread: a worker's threads already share the cores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return run_one(run)
    with threadpool_limits(limits=1):
        return run_one(run)


def _client(scheduler: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            f"--scheduler {scheduler} needs Dask distributed, which is not installed; "
            f"{_INSTALL}, or drop --scheduler to run on local processes"
        ) from None
    connected: list[Any] = []
    failed: list[BaseException] = []

    def connect() -> None:  # Client's timeout covers the connection, not the handshake
        try:
            connected.append(Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False))
        except BaseException as exc:
            failed.append(exc)

    attempt = threading.Thread(target=connect, daemon=True)
    attempt.start()
    attempt.join(CONNECT_TIMEOUT_S + 5.0)
    if connected:
        return connected[0]
    why = f"{failed[0]}" if failed else f"no Dask handshake within {CONNECT_TIMEOUT_S + 5:g} s"
    raise ConfigError(
        f"cannot reach the Dask scheduler at {scheduler!r} ({why}); start one with "
        f"'dask scheduler' and workers with 'dask worker {scheduler}' (a scheduler listens on "
        "port 8786 unless told otherwise; 8787 is its dashboard), or drop --scheduler to run "
        "on local processes"
    )


def _check_workers(client: Any, scheduler: str) -> None:
    """Refuse a cluster with no worker, or whose workers run another gossip-sim (or none)."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except TimeoutError:
        raise ConfigError(
            f"the Dask scheduler at {scheduler} has no workers after {CONNECT_TIMEOUT_S:g} s; "
            f"start some with 'dask worker {scheduler}'"
        ) from None
    try:
        versions = client.run(_gossip_sim_version)
    except Exception as exc:  # the worker could not even load the probe
        raise ConfigError(
            f"the Dask workers at {scheduler} cannot run gossip-sim ({type(exc).__name__}: "
            f"{exc}); install it on every worker: {_INSTALL}"
        ) from None
    wrong = {worker: v for worker, v in versions.items() if v != __version__}
    if wrong:
        listed = ", ".join(f"{w} has {v}" for w, v in sorted(wrong.items()))
        raise ConfigError(
            f"the Dask workers must run gossip-sim {__version__}, as here, so that results do "
            f"not depend on where they ran; {listed}; install {__version__} on those workers"
        )


def _gossip_sim_version() -> str:
    """Return the gossip-sim version a worker imports ('not installed' if none)."""
    try:
        import gossip_sim
    except ImportError:
        return "not installed"
    return str(gossip_sim.__version__)


def cluster_outcomes(
    runs: Sequence[PlannedRun], scheduler: str
) -> Generator[RunOutcome, None, None]:
    """Yield each run's outcome as the Dask cluster at ``scheduler`` finishes it.

    Raises :class:`~gossip_sim.errors.ConfigError` (before any run is sent) when Dask is not
    installed, the scheduler does not answer, or no worker can run this gossip-sim. Stopping
    the iteration early (Ctrl-C) cancels the runs that have not finished.
    """
    client = _client(scheduler)  # refuses first when Dask is missing or nobody answers
    from distributed import as_completed

    try:
        _check_workers(client, scheduler)
        by_key = {task_key(run): run for run in runs}
        futures = client.map(_single_threaded_run, list(runs), key=list(by_key), pure=False)
        try:
            for future in as_completed(futures, loop=client.loop):
                yield _outcome(future, by_key[future.key])
                future.release()
        finally:
            client.cancel(futures)
    finally:
        client.close()


def _outcome(future: Any, run: PlannedRun) -> RunOutcome:
    """Return the run's outcome; a task the cluster lost (its worker died) is a failed run.

    :func:`~gossip_sim.sweep.run_one` returns a run's failures and bugs itself, so an
    exception here is the cluster's, not the run's.
    """
    try:
        return future.result()  # type: ignore[no-any-return]
    except Exception as exc:
        return RunOutcome(run, None, f"{type(exc).__name__} on the Dask cluster: {exc}")
