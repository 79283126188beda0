"""Run the runs of a sweep on this machine: in this process or on a pool of local processes.

A run that fails (a configuration gossip-sim refuses) becomes a :class:`RunOutcome` with its
error and does not stop the others; a run that diverges keeps its trace (status ``"diverged"``)
and fails too (:attr:`RunOutcome.failed`). A run that meets a bug (any other exception) stops
the sweep: the runs under way are stopped and :class:`~gossip_sim.errors.RunBug` is raised with
the run's settings and traceback (the outcomes already handed to ``on_outcome`` stay handed).
The outcomes come back in the runs' order whatever order they finished in, and a run's numbers
do not depend on which process ran it (every random stream is seeded from the run's seed).

Examples
--------
>>> from gossip_sim.sweep import expand
>>> runs = expand({"topology": "ring", "dim": 4, "rounds": 3}, {"agents": [3, 4]})
>>> [o.trace.final.cumulative_bits > 0 for o in run_all(runs, workers=1)]
[True, True]
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Generator, Sequence

from tqdm import tqdm

from gossip_sim.errors import ConfigError
from gossip_sim.sweep.outcome import RunOutcome, run_one
from gossip_sim.sweep.plan import PlannedRun

__all__ = ["default_workers", "local_outcomes", "run_all"]


def _one_blas_thread() -> None:
    """Keep each pool process to one BLAS thread: the processes already share the cores.

    Two processes with two BLAS threads each on two cores run small matrix products several
    times slower than one thread each. Needs threadpoolctl (installed with scikit-learn);
    without it the BLAS keeps its own setting (set OMP_NUM_THREADS=1 to the same effect).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1)


def default_workers() -> int:
    """Return the number of local processes used by default: the machine's cores."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def local_outcomes(
    runs: Sequence[PlannedRun], workers: int
) -> Generator[RunOutcome, None, None]:
    """Yield each run's outcome as it finishes, on ``workers`` local processes (1: in-process)."""
    if workers < 1:
        raise ConfigError(f"--workers {workers} is not valid; give 1 or more")
    if workers == 1 or len(runs) <= 1:
        yield from map(run_one, runs)
        return
    pool_size = min(workers, len(runs))
    pool = multiprocessing.get_context().Pool(pool_size, initializer=_one_blas_thread)
    try:
        yield from pool.imap_unordered(run_one, runs, chunksize=1)
        pool.close()
    finally:  # interrupted (Ctrl-C) or done: stop the processes now, not after their runs
        pool.terminate()
        pool.join()


def run_all(
    runs: Sequence[PlannedRun],
    workers: int | None = None,
    progress: bool = False,
    *,
    scheduler: str | None = None,
    on_outcome: Callable[[RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Run every run and return the outcomes in the runs' order.

    The runs go to ``workers`` local processes (default: the machine's cores), or, when
    ``scheduler`` is a Dask scheduler's address (``tcp://HOST:PORT``), to that cluster's
    workers (see :mod:`gossip_sim.sweep.cluster`). Either way a run's numbers are the same.
    ``on_outcome`` is called with each outcome as it arrives (a sweep folder saves it there);
    ``progress=True`` shows a progress bar over runs on stderr.

    Raises
    ------
    RunBug
        When a run raised an exception that is not a gossip-sim error (a bug): the runs under
        way are stopped first.
    """
    if scheduler is not None:
        from gossip_sim.sweep.cluster import cluster_outcomes

        source = cluster_outcomes(runs, scheduler)
    else:
        source = local_outcomes(runs, default_workers() if workers is None else workers)
    bar = tqdm(total=len(runs), unit="run", desc="runs", leave=False, disable=not progress)
    outcomes: list[RunOutcome] = []
    try:
        for outcome in source:
            outcome.raise_bug()
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
            bar.update(1)
            if outcome.failed:
                bar.set_postfix(failed=sum(1 for o in outcomes if o.failed), refresh=False)
    finally:
        source.close()  # stops the runs under way now (pool processes, cluster tasks)
        bar.close()
    return sorted(outcomes, key=lambda o: o.run.index)
