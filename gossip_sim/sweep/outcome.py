"""One run of a sweep, run where it lands: its outcome is its trace or the reason it failed.

:func:`run_one` is what every place a sweep runs calls (this process, a local pool, a Dask
worker), so a run's numbers never depend on where it ran.
"""

from __future__ import annotations

from dataclasses import dataclass

from gossip_sim.errors import DivergenceError
from gossip_sim.simulation import execute
from gossip_sim.sweep.plan import PlannedRun
from gossip_sim.trace import Trace

__all__ = ["RunOutcome", "run_one"]


@dataclass
class RunOutcome:
    """What one run gave: its trace, or (when it failed) the error, one line."""

    run: PlannedRun
    trace: Trace | None
    failure: str | None = None


def run_one(run: PlannedRun) -> RunOutcome:
    """Run one planned run; never raises (a failure is returned in the outcome).

    Examples
    --------
    >>> from gossip_sim.sweep import expand
    >>> bad = expand({"topology": "ring", "agents": 2})[0]
    >>> run_one(bad).failure
    'ConfigError: ring needs at least 3 agents; got 2'
    """
    try:
        trace = execute(run.config)
    except DivergenceError as exc:
        trace = exc.trace  # type: ignore[assignment]
        trace.status = "diverged"
    except Exception as exc:  # a failed run is reported, the sweep goes on
        return RunOutcome(run, None, f"{type(exc).__name__}: {exc}")
    trace.final_values = None  # (K, D) floats nobody tabulates: not worth pickling back
    return RunOutcome(run, trace)
