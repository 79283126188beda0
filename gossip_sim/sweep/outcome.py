"""One run of a sweep, run where it lands: its outcome is its trace or the reason it failed.

:func:`run_one` is what every place a sweep runs calls (this process, a local pool, a Dask
worker), so a run's numbers never depend on where it ran. Only gossip-sim's own errors
(:class:`~gossip_sim.errors.GossipSimError`: a configuration that is not valid, a size a
topology refuses) make a failed run, and a run that diverges keeps its trace; any other
exception is a bug, and the outcome carries its traceback so that the sweep stops and shows
it (:class:`~gossip_sim.errors.RunBug`), wherever the run ran.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from gossip_sim.errors import DivergenceError, GossipSimError, RunBug
from gossip_sim.simulation import execute
from gossip_sim.sweep.plan import PlannedRun
from gossip_sim.trace import Trace

__all__ = ["RunOutcome", "run_one"]


@dataclass
class RunOutcome:
    """What one run gave: its trace, or why it failed (one line), or the traceback of a bug."""

    run: PlannedRun
    trace: Trace | None
    failure: str | None = None
    bug: str | None = None

    @property
    def failed(self) -> bool:
        """Whether the run failed: it could not run, or its trace says it diverged.

        Examples
        --------
        >>> from gossip_sim.sweep import expand
        >>> run_one(expand({"problem": "quadratic", "algorithm": "dgd:step=100"})[0]).failed
        True
        """
        return self.failure is not None or (
            self.trace is not None and self.trace.ending.status.failed
        )

    def raise_bug(self) -> None:
        """Raise :class:`~gossip_sim.errors.RunBug` if the run met a bug; else do nothing.

        Examples
        --------
        >>> from gossip_sim.sweep import expand
        >>> RunOutcome(expand({"topology": "ring"})[0], None, bug="Traceback...").raise_bug()
        Traceback (most recent call last):
        ...
        gossip_sim.errors.RunBug: run 0 (seed=0) raised an error that is a bug in gossip-sim, ...
        """
        if self.bug is not None:
            run = self.run
            raise RunBug(run.index, dict(run.params), run.config.to_dict(), self.bug)


def run_one(run: PlannedRun) -> RunOutcome:
    """Run one planned run; never raises (a failure or a bug is returned in the outcome).

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
        if not isinstance(exc.trace, Trace):
            return RunOutcome(run, None, f"{type(exc).__name__}: {exc}")
        trace = exc.trace  # its status says it diverged
    except GossipSimError as exc:  # a run the configuration does not allow: the sweep goes on
        return RunOutcome(run, None, f"{type(exc).__name__}: {exc}")
    except Exception:  # a bug: the sweep stops and shows it (see RunOutcome.raise_bug)
        return RunOutcome(run, None, bug=traceback.format_exc())
    trace.final_values = None  # (K, D) floats nobody tabulates: not worth pickling back
    return RunOutcome(run, trace)
