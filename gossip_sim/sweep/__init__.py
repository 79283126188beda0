"""Sweeps: many runs from one description, run locally, collected in tidy tables.

:func:`expand` turns base settings, a grid of lists, series and seeds into planned runs;
:func:`run_all` runs them (on local processes, or on a Dask cluster: :mod:`.cluster`);
:class:`Results` selects, groups and writes them (``runs.csv``, ``rounds.csv``);
:func:`run_sweep` does all of it into a folder that keeps every finished run, so an
interrupted sweep resumes (:mod:`.folder`). Scenario files (:mod:`gossip_sim.scenarios`) are
built on this.

Examples
--------
>>> runs = expand({"topology": "ring", "dim": 4, "rounds": 2}, {"agents": [3, 5]})
>>> Results.of(run_all(runs, workers=1)).unique("agents")
[3, 5]
"""

from gossip_sim.sweep.folder import SweepOutput, run_sweep
from gossip_sim.sweep.local import default_workers, run_all
from gossip_sim.sweep.outcome import RunOutcome, run_one
from gossip_sim.sweep.plan import SETTINGS, PlannedRun, expand, placeholders
from gossip_sim.sweep.results import RUN_FIELDS, Results, RunResult

__all__ = [
    "RUN_FIELDS",
    "SETTINGS",
    "PlannedRun",
    "Results",
    "RunOutcome",
    "RunResult",
    "SweepOutput",
    "default_workers",
    "expand",
    "placeholders",
    "run_all",
    "run_one",
    "run_sweep",
]
