"""A sweep's output folder: its plan, one file per finished run (so it resumes), its tables.

==================  ======================================================================
``sweep.json``      what was asked: the source, and every run's parameters and settings
``runs/*.json``     one file per finished run, named by a digest of its configuration,
                    written the moment the run finishes
``runs.csv``        one row per run (see :mod:`gossip_sim.sweep.results`)
``rounds.csv``      one row per run and round: the tidy table to read with pandas
``*.parquet``       the same two tables, when pandas and pyarrow are installed
==================  ======================================================================

Running a sweep into a folder that already holds some of its runs (an interrupted sweep, or
one whose scenario gained a value) runs only the others: a run is identified by its whole
configuration, which fixes its numbers. A failed run is not kept, so it is tried again.

Examples
--------
>>> import tempfile
>>> from gossip_sim.sweep import expand
>>> out = tempfile.mkdtemp()
>>> runs = expand({"topology": "ring", "dim": 4, "rounds": 3}, {"agents": [3, 4]})
>>> first = run_sweep(runs, out, workers=1)
>>> again = run_sweep(runs, out, workers=1)
>>> (first.ran, first.reused), (again.ran, again.reused)
((2, 0), (0, 2))
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gossip_sim import __version__
from gossip_sim.output import check_folder, other_files
from gossip_sim.sweep.local import run_all
from gossip_sim.sweep.outcome import RunOutcome
from gossip_sim.sweep.plan import PlannedRun, config_digest
from gossip_sim.sweep.results import Results, RunResult

__all__ = ["MANIFEST", "OWN_FILES", "SweepFolder", "SweepOutput", "run_sweep"]

#: The file that marks a folder as a sweep's output.
MANIFEST = "sweep.json"

#: What a sweep's folder may hold: the sweep's files and a comparison's report.
OWN_FILES = (
    MANIFEST,
    "runs",
    "runs.csv",
    "rounds.csv",
    "runs.parquet",
    "rounds.parquet",
    "compare.csv",
    "report.html",
    "report.md",
    "figures",
)


class SweepFolder:
    """The folder a sweep writes into; refuses one that holds something else."""

    def __init__(
        self,
        directory: str | Path,
        runs: Sequence[PlannedRun],
        source: dict[str, Any] | None = None,
        fresh: bool = False,
        overwrite: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self.runs_dir = self.directory / "runs"
        self.plan, self.source = list(runs), dict(source or {})
        kind = "topology comparison" if "compare" in self.source else "sweep"
        check_folder(self.directory, kind, self._earlier, overwrite=overwrite)
        if fresh and self.runs_dir.is_dir():
            shutil.rmtree(self.runs_dir)
        self._planned = False  # the folder is written only once a run has something to keep

    def _earlier(self, folder: Path) -> str | None:
        """Say why ``folder`` is not this kind of sweep's (None if it is).

        The same scenario (or a comparison) with other values is fine: its new runs are added
        to the folder. Another kind of sweep's folder, or files of the user's, are not.
        """

        def what(source: dict[str, Any]) -> str:
            if "compare" in source:
                return "a topology comparison"
            name = Path(str(source.get("scenario", ""))).stem
            return f"a sweep of scenario {name!r}" if name else "a sweep"

        manifest = folder / MANIFEST
        if not manifest.is_file():
            return f"{MANIFEST} is missing"
        try:
            earlier = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return f"its {MANIFEST} cannot be read"
        before, now = what(earlier), what(self.source)
        if before != now:
            return f"it holds {before}, not {now}: its tables would be replaced by this one's"
        return other_files(folder, OWN_FILES)

    def _path(self, run: PlannedRun) -> Path:
        return self.runs_dir / f"{config_digest(run.config)}.json"

    def finished(self, run: PlannedRun) -> RunResult | None:
        """Return the run's saved result if it finished (with this gossip-sim), else None."""
        path = self._path(run)
        if not path.is_file():
            return None
        try:
            saved = json.loads(path.read_text())
            if saved["gossip_sim"] != __version__ or saved["config"] != run.config.to_dict():
                return None
            result = RunResult.from_json(saved["result"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # unreadable, or not a finished run's file: run it again
        result.index, result.params = run.index, dict(run.params)  # this plan's numbering
        return result

    def save(self, run: PlannedRun, result: RunResult) -> None:
        """Keep a finished run (written whole or not at all); a failed run is not kept."""
        if result.failure:
            return
        if not self._planned:
            self.write_plan()
        config, saved = run.config.to_dict(), result.to_json()
        data = {"gossip_sim": __version__, "config": config, "result": saved}
        path = self._path(run)
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(data) + "\n")
        os.replace(partial, path)  # an interrupt never leaves half a file under the real name

    def write_plan(self) -> Path:
        """Write ``sweep.json``: the source and every run's parameters and configuration."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        manifest = self.directory / MANIFEST
        plan = [
            {"run": r.index, **r.params, "digest": config_digest(r.config)}
            | {"config": r.config.to_dict()}
            for r in self.plan
        ]
        manifest.write_text(
            json.dumps({"gossip_sim": __version__, **self.source, "runs": plan}, indent=2) + "\n"
        )
        self._planned = True
        return manifest


@dataclass
class SweepOutput:
    """What a sweep produced: its results, how many runs ran now and how many were reused."""

    results: Results
    directory: Path
    files: list[Path]
    ran: int
    reused: int


def run_sweep(
    runs: Sequence[PlannedRun],
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    fresh: bool = False,
    source: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> SweepOutput:
    """Run the runs not already finished in ``out``, then write the tables of all of them.

    ``workers`` and ``scheduler`` choose where runs go (see :func:`~gossip_sim.sweep.run_all`);
    ``fresh=True`` forgets the runs kept from earlier and runs everything; ``overwrite=True``
    accepts an ``out`` that holds other files (see :mod:`gossip_sim.output`). Each run is saved as
    it finishes, so an interrupted sweep loses only the runs under way; nothing is written
    before the first run finishes (a cluster that cannot be reached leaves no folder behind).
    """
    folder = SweepFolder(out, runs, source, fresh=fresh, overwrite=overwrite)
    kept = {run.index: folder.finished(run) for run in runs}
    todo = [run for run in runs if kept[run.index] is None]
    done: dict[int, RunResult] = {}

    def keep(outcome: RunOutcome) -> None:
        done[outcome.run.index] = result = RunResult.of(outcome)
        folder.save(outcome.run, result)

    run_all(todo, workers, progress, scheduler=scheduler, on_outcome=keep)
    results = Results([kept[r.index] or done[r.index] for r in runs])
    files = [folder.write_plan(), *results.write(folder.directory, parquet=True)]
    return SweepOutput(results, folder.directory, files, len(todo), len(runs) - len(todo))
