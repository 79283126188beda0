"""A sweep's results: select and group runs in Python, and write them as two tidy CSV tables.

==============  ===========================================================================
``runs.csv``    one row per run: ``run``, the series label and placeholders, every run
                setting as the run used it (an algorithm without a compressor shows
                what it sends, one without a consensus step an empty gamma), then
                status, rounds_done, final_error, total_bits, simulated_time_s,
                lower_bound_bits, bits_over_lower_bound, spectral_gap, ``failure`` (why a
                run could not run) and ``status_reason`` (why a run ended as it did: a
                diverged run's rule, or the failure)
``rounds.csv``  one row per run and round: ``run``, what the sweep varied (series, grid keys,
                seed), then round, time_s, bits, cumulative_bits, messages,
                consensus_error, error; when a run went through the event-driven
                engine, the fault columns too (messages_lost ... live_mean_shift,
                empty for the runs that did not)
==============  ===========================================================================

``pd.read_csv(out / "rounds.csv")`` then ``groupby`` over the swept columns is all a plot
needs.

Examples
--------
>>> from gossip_sim.sweep import expand, run_all
>>> runs = expand({"topology": "ring", "dim": 4, "rounds": 3}, {"agents": [3, 4]}, seeds=[0, 1])
>>> results = Results.of(run_all(runs, workers=1))
>>> len(results), results.unique("agents"), len(results.where(agents=4))
(4, [3, 4], 2)
>>> results.where(agents=3, seed=1).runs[0].column("round").tolist()
[0, 1, 2, 3]
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gossip_sim.summary import Summary
from gossip_sim.sweep.outcome import RunOutcome
from gossip_sim.sweep.plan import SETTINGS
from gossip_sim.trace import ROUND_FIELDS, FaultRecord, jsonable

__all__ = ["FAULT_FIELDS", "RUN_FIELDS", "Results", "RunResult", "used_settings"]

#: The outcome columns of ``runs.csv`` (after the run's settings).
RUN_FIELDS = (
    "status",
    "rounds_done",  # the rounds run ("rounds", among the settings, is the budget)
    "final_error",
    "final_consensus_error",
    "total_bits",
    "total_messages",
    "simulated_time_s",
    "lower_bound_bits",
    "bits_over_lower_bound",
    "spectral_gap",
    "failure",
    "status_reason",  # after the older columns, so that readers by position keep working
)

#: The per-round columns of a run on the event-driven engine (:class:`~gossip_sim.trace.
#: FaultRecord`), after :data:`~gossip_sim.trace.ROUND_FIELDS` in ``rounds.csv``.
FAULT_FIELDS = FaultRecord._fields[1:]


@dataclass
class RunResult:
    """One run of a sweep: its parameters, settings, final figures and per-round columns.

    ``summary`` is the run's :class:`~gossip_sim.summary.Summary` (None for a failed run).
    """

    index: int
    params: dict[str, Any]
    settings: dict[str, Any]
    summary: Summary | None
    rounds: dict[str, NDArray[Any]]
    failure: str | None = None

    @classmethod
    def of(cls, outcome: RunOutcome) -> RunResult:
        """Tabulate one outcome (a failed run has no rounds and no summary)."""
        trace = outcome.trace
        summary = trace.summary() if trace is not None else None
        rounds = {name: trace.column(name) for name in ROUND_FIELDS} if trace else {}
        if trace is not None and trace.faults is not None:
            for name in FAULT_FIELDS:
                rounds[name] = np.array([getattr(f, name) for f in trace.faults])
        settings = outcome.run.config.to_dict()
        return cls(
            outcome.run.index, dict(outcome.run.params), settings, summary, rounds, outcome.failure
        )

    @property
    def failed(self) -> bool:
        """Whether the run failed: it could not run, or it ran and diverged.

        Examples
        --------
        >>> from gossip_sim.sweep import expand, run_all
        >>> runs = expand({"problem": "quadratic", "algorithm": "dgd:step=100", "rounds": 50})
        >>> result = RunResult.of(run_all(runs, workers=1)[0])
        >>> result.failed, result.failure, result.why[:10]
        (True, None, 'diverged: ')
        """
        return self.failure is not None or (
            self.summary is not None and self.summary.status.failed
        )

    @property
    def why(self) -> str:
        """Why the run ended as it did, in words (empty when its status says it all)."""
        if self.summary is None or self.failure:
            return self.failure or ""
        ending = self.summary.ending
        return str(ending) if ending.status.failed else ending.reason

    @property
    def status(self) -> str:
        """How the run ended, as ``runs.csv`` says it: its status's words, or ``"failed"``."""
        return self.summary.status.value if self.summary is not None else "failed"

    def get(self, name: str) -> Any:
        """Return a parameter, a run setting or a summary figure by name (in that order).

        Summary figures go by their ``summary.json`` keys (``final_error``, ``agents``...);
        ``status`` is :attr:`status`.
        """
        figures = self.summary.to_dict() if self.summary is not None else {}
        for source in (self.params, self.settings, {**figures, "status": self.status}):
            if name in source:
                return source[name]
        raise KeyError(f"{name!r} is neither a parameter, a setting nor a summary figure")

    def column(self, name: str) -> NDArray[Any]:
        """Return one per-round column (``error``, ``cumulative_bits``, ``time_s``...).

        The fault columns (:data:`FAULT_FIELDS`, e.g. ``live_consensus_error``) are empty for
        a run that did not go through the event-driven engine.
        """
        if name not in ROUND_FIELDS + FAULT_FIELDS:
            valid = ", ".join(ROUND_FIELDS + FAULT_FIELDS)
            raise KeyError(f"{name!r} is not a round column; valid: {valid}")
        return self.rounds.get(name, np.array([]))

    @property
    def reached(self) -> bool:
        """Whether the run stopped because it reached its target."""
        return self.summary is not None and self.summary.reached

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON-ready data (what a sweep folder keeps per finished run).

        Floats survive the round trip exactly (JSON keeps their shortest repr), so a result
        read back with :meth:`from_json` writes the same CSV rows as the original.

        Examples
        --------
        >>> from gossip_sim.sweep import expand, run_all
        >>> result = RunResult.of(run_all(expand({"topology": "ring", "rounds": 2}))[0])
        >>> again = RunResult.from_json(json.loads(json.dumps(result.to_json())))
        >>> again.column("error").tolist() == result.column("error").tolist()
        True
        """
        return {
            "index": self.index,
            "params": self.params,
            "settings": self.settings,
            "summary": (
                None
                if self.summary is None
                else json.loads(json.dumps(self.summary.to_dict(), default=jsonable))
            ),
            "rounds": {name: column.tolist() for name, column in self.rounds.items()},
            "failure": self.failure,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        """Rebuild a result from :meth:`to_json`'s data."""
        from gossip_sim.config import SETTINGS as DECLARED

        rounds = {name: np.array(values) for name, values in data["rounds"].items()}
        summary = None if data["summary"] is None else Summary.from_dict(data["summary"])
        # a run saved before a setting existed ran at its default (its digest is unchanged)
        settings = {**{s.name: s.default for s in DECLARED if s.late}, **data["settings"]}
        return cls(data["index"], data["params"], settings, summary, rounds, data["failure"])


@dataclass
class Results:
    """The runs of a sweep, in plan order; ``settings`` carries a scenario's report settings."""

    runs: list[RunResult]
    settings: dict[str, Any] = field(default_factory=dict)
    mode: str = ""

    @classmethod
    def of(cls, outcomes: Sequence[RunOutcome], **kwargs: Any) -> Results:
        """Collect outcomes (see :func:`~gossip_sim.sweep.run_all`)."""
        return cls([RunResult.of(o) for o in outcomes], **kwargs)

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[RunResult]:
        return iter(self.runs)

    def where(self, **conditions: Any) -> Results:
        """Return the runs whose parameters/settings equal every condition."""
        kept = [r for r in self.runs if all(r.get(k) == v for k, v in conditions.items())]
        return Results(kept, self.settings, self.mode)

    def unique(self, name: str) -> list[Any]:
        """Return the distinct values of a parameter or setting, in first-seen order."""
        return list(dict.fromkeys(r.get(name) for r in self.runs))

    def groupby(self, *names: str) -> Iterator[tuple[tuple[Any, ...], Results]]:
        """Yield (values, runs) for each distinct combination of the named parameters."""
        keys = list(dict.fromkeys(tuple(r.get(n) for n in names) for r in self.runs))
        for key in keys:
            yield key, self.where(**dict(zip(names, key, strict=True)))

    @property
    def error_name(self) -> str:
        """What the runs' error measures (the first finished run's problem says; else "error")."""
        names = (r.summary.error_name for r in self.runs if r.summary is not None)
        return next((name for name in names if name), "error")

    @property
    def failures(self) -> list[RunResult]:
        """The runs that failed: could not run, or diverged (:attr:`RunResult.why` says why)."""
        return [r for r in self.runs if r.failed]

    def write(self, directory: str | Path, parquet: bool = False) -> list[Path]:
        """Write ``runs.csv`` and ``rounds.csv`` into ``directory``; return their paths.

        ``parquet=True`` also writes ``runs.parquet`` and ``rounds.parquet`` (the same tables)
        when pandas and pyarrow are installed, and skips them quietly when not.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        extra = list(dict.fromkeys(k for r in self.runs for k in r.params if k not in SETTINGS))
        varied = list(dict.fromkeys(k for r in self.runs for k in r.params))
        runs_path, rounds_path = out / "runs.csv", out / "rounds.csv"
        with runs_path.open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["run", *extra, *SETTINGS, *RUN_FIELDS])
            for r in self.runs:
                outcome = _outcome_columns(r)
                writer.writerow(
                    [r.index]
                    + [r.params.get(k) for k in extra]
                    + [used_settings(r.settings)[k] for k in SETTINGS]
                    + [outcome[k] for k in RUN_FIELDS]
                )
        with rounds_path.open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            faults = any(name in r.rounds for r in self.runs for name in FAULT_FIELDS)
            fields = ROUND_FIELDS + (FAULT_FIELDS if faults else ())
            writer.writerow(["run", *varied, *fields])
            for r in self.runs:
                head = [r.index, *(r.params.get(k, r.settings.get(k)) for k in varied)]
                columns = [r.rounds[name].tolist() for name in ROUND_FIELDS] if r.rounds else []
                if faults and columns:
                    empty = [""] * len(columns[0])
                    columns += [r.rounds.get(n, np.array(empty)).tolist() for n in FAULT_FIELDS]
                writer.writerows(head + list(row) for row in zip(*columns, strict=True))
        written = [runs_path, rounds_path]
        if parquet:
            written += [path for path in map(_parquet_copy, written) if path is not None]
        return written


def used_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Return a run's settings with ``compressor`` and ``gamma`` as its algorithm uses them.

    Exact gossip sends float64 vectors whatever ``compressor`` says; the table shows that
    (:func:`gossip_sim.algorithms.settings_used`). Settings naming no registered algorithm
    (a run that failed on them) are returned as asked.

    Examples
    --------
    >>> from gossip_sim.config import RunConfig
    >>> used = used_settings(RunConfig(algorithm="exact-gossip").to_dict())
    >>> used["compressor"], used["gamma"]
    ('identity:precision=64', None)
    """
    from gossip_sim.algorithms import settings_used
    from gossip_sim.errors import ConfigError

    try:
        used = settings_used(settings["algorithm"], settings["compressor"], settings["gamma"])
    except ConfigError:
        return settings
    return {**settings, **used}


def _outcome_columns(result: RunResult) -> dict[str, Any]:
    """Return the outcome columns of a run's ``runs.csv`` row (None: an empty cell)."""
    s = result.summary
    if s is None:
        failed = {"status": "failed", "failure": result.failure, "status_reason": result.why}
        return {name: None for name in RUN_FIELDS} | failed
    return {
        "status": s.status.value,
        "rounds_done": s.rounds,
        "final_error": s.final_error,
        "final_consensus_error": s.final_consensus_error,
        "total_bits": s.total_bits,
        "total_messages": s.total_messages,
        "simulated_time_s": s.simulated_time_s,
        "lower_bound_bits": s.bound.bits if s.bound is not None else None,
        "bits_over_lower_bound": s.bound.ratio if s.bound is not None else None,
        "spectral_gap": s.network.spectral_gap if s.network is not None else None,
        "failure": result.failure,
        "status_reason": s.ending.reason or None,
    }


def _parquet_copy(table: Path) -> Path | None:
    """Write a CSV table again as Parquet (types as pandas reads the CSV); None without pyarrow."""
    try:
        import pandas as pd
        import pyarrow  # noqa: F401  (pandas' Parquet engine)
    except ImportError:
        return None
    path = table.with_suffix(".parquet")
    pd.read_csv(table).to_parquet(path, index=False)
    return path
