"""Run a scenario file: plan its runs, run them, write the tables, the figures and summary.md.

Examples
--------
>>> import tempfile
>>> out = run("choco-consensus", out=tempfile.mkdtemp(), workers=1)  # the fast mode
>>> sorted(p.name for p in out.files)[:3]
['consensus-vs-bits.png', 'consensus-vs-bits.svg', 'consensus-vs-rounds.png']
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from gossip_sim import __version__
from gossip_sim._data import data_dir
from gossip_sim.errors import ConfigError
from gossip_sim.output import check_folder, other_files
from gossip_sim.quantities import format_value
from gossip_sim.scenarios.report import Figures, generic_report
from gossip_sim.scenarios.schema import ScenarioFile, load
from gossip_sim.sweep import PlannedRun, Results, expand, run_all

__all__ = [
    "ScenarioOutput",
    "check_output",
    "default_out",
    "find",
    "plan",
    "report_settings",
    "run",
    "shipped",
]


@dataclass
class ScenarioOutput:
    """What a scenario run produced: its results, the output folder and every file written."""

    scenario: ScenarioFile
    results: Results
    directory: Path
    files: list[Path]

    @property
    def summary(self) -> Path:
        """The summary.md file."""
        return self.directory / "summary.md"


def shipped() -> dict[str, Path]:
    """Return the scenarios that come with gossip-sim, by name.

    Examples
    --------
    >>> "song-fig1" in shipped()
    True
    """
    return {path.stem: path for path in sorted(data_dir("scenarios").glob("*.toml"))}


def find(source: str | Path) -> Path:
    """Return the scenario file for a path or the name of a shipped scenario.

    Examples
    --------
    >>> find("korhonen-scaling").name
    'korhonen-scaling.toml'
    >>> find("scenarios/choco-consensus.toml" + "x")  # a path that is not there
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: ... (did you mean 'choco-consensus'?) ...
    """
    path = Path(source)
    if path.is_file():
        return path
    catalogue = shipped()
    if str(source) in catalogue:
        return catalogue[str(source)]
    names = ", ".join(catalogue)
    close = difflib.get_close_matches(path.stem, list(catalogue), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(
        f"scenario {str(source)!r} is neither a file nor a shipped scenario; shipped: {names}"
        f"{hint} (gossip-sim scenario list)"
    )


def plan(scenario: ScenarioFile) -> list[PlannedRun]:
    """Return the runs of a scenario in its mode (see :func:`gossip_sim.sweep.expand`)."""
    try:
        return expand(scenario.run, scenario.sweep, scenario.series, scenario.seeds)
    except ConfigError as exc:
        raise ConfigError(f"{scenario.path}: {exc}") from None


def _script(scenario: ScenarioFile, allow: str | Path | None = None) -> ModuleType | None:
    """Import the scenario's script, if it stays home or ``allow`` names it (else refuse)."""
    path = scenario.check_script(allow)
    if path is None:
        return None
    name = f"gossip_sim_scenario_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "report", None)):
        raise scenario.error(
            f"[scenario] script {path.name} defines no report(results, figures)",
            "scenario",
            "script",
        )
    return module


def report_settings(scenario: ScenarioFile, script: ModuleType | None) -> dict[str, Any]:
    """Return the script's settings: its ``SETTINGS`` defaults, overridden by ``[report]``."""
    defaults: dict[str, Any] = dict(getattr(script, "SETTINGS", {}))
    for key, value in scenario.report.items():
        table = f"{scenario.mode}.report" if key in scenario.mode_report_keys else "report"
        if key not in defaults:
            valid = ", ".join(defaults) or "none (the script declares no SETTINGS)"
            raise scenario.error(
                f"[report] {key}: unknown report setting; valid: {valid}", table, key
            )
        expected = type(defaults[key])
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected):
            raise scenario.error(
                f"[report] {key} = {value!r}: give a {expected.__name__} "
                f"(default {defaults[key]!r})",
                table,
                key,
            )
        defaults[key] = value
    return defaults


def default_out(scenario: ScenarioFile) -> Path:
    """Return ``gossip-sim-results/NAME`` (``NAME-full`` in full mode)."""
    suffix = "-full" if scenario.mode == "full" else ""
    return Path("gossip-sim-results") / f"{scenario.name}{suffix}"


#: The files every scenario output has (figures are listed in resolved.json once drawn).
_ALWAYS = ("runs.csv", "rounds.csv", "summary.md", "scenario.toml", "resolved.json")


def _earlier_output(scenario: ScenarioFile) -> Callable[[Path], str | None]:
    """Return the check of a folder: it may hold only this scenario's earlier output."""

    def why(folder: Path) -> str | None:
        record = folder / "resolved.json"
        if not record.is_file():
            return "resolved.json is missing"
        try:
            earlier = json.loads(record.read_text())
        except (OSError, ValueError):
            return "its resolved.json cannot be read"
        if (earlier.get("name"), earlier.get("mode")) != (scenario.name, scenario.mode):
            return f"it holds scenario {earlier.get('name')!r} in {earlier.get('mode')} mode"
        return other_files(folder, {*earlier.get("files", []), *_ALWAYS})

    return why


def check_output(
    scenario: ScenarioFile, out: str | Path | None, *, overwrite: bool = False
) -> Path:
    """Return the folder the scenario writes into (``out`` or its default), or refuse it.

    Examples
    --------
    >>> check_output(load(find("choco-consensus")), None).name
    'choco-consensus'
    """
    directory = Path(out) if out is not None else default_out(scenario)
    mine = _earlier_output(scenario)
    return check_folder(directory, "earlier output of this scenario", mine, overwrite=overwrite)


def _prepare(out: Path, scenario: ScenarioFile, overwrite: bool) -> None:
    """Refuse an ``out`` that cannot take the scenario's output, then empty its earlier one."""
    mine = _earlier_output(scenario)
    check_output(scenario, out, overwrite=overwrite)
    if out.is_dir() and any(out.iterdir()):
        earlier = mine(out) is None  # this scenario's files: all of them go
        names = json.loads((out / "resolved.json").read_text())["files"] if earlier else []
        for name in {*names, *_ALWAYS}:
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def run(
    source: str | Path,
    *,
    full: bool = False,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    overwrite: bool = False,
    allow_script: str | Path | None = None,
) -> ScenarioOutput:
    """Run a scenario (a file or a shipped name) and write its results; return what it wrote.

    Everything is checked before the first run: the file, the placeholders, the script and
    its settings. Runs that fail are reported in summary.md and ``runs.csv``; the others go on.
    ``workers`` local processes run them, or the Dask cluster at ``scheduler``. ``out`` may
    hold this scenario's earlier output (replaced); anything else there is refused unless
    ``overwrite`` (see :mod:`gossip_sim.output`). A script outside the scenario file's folder
    is refused unless ``allow_script`` names it (see :meth:`ScenarioFile.check_script`).
    """
    scenario = load(find(source), "full" if full else "fast")
    runs = plan(scenario)
    script = _script(scenario, allow_script)
    settings = report_settings(scenario, script)
    directory = Path(out) if out is not None else default_out(scenario)
    _prepare(directory, scenario, overwrite)
    record = directory / "resolved.json"  # first: marks the folder as a scenario output
    record.write_text(json.dumps(_resolved(scenario, runs, settings, []), indent=2) + "\n")
    results = Results.of(
        run_all(runs, workers, progress, scheduler=scheduler),
        settings=settings,
        mode=scenario.mode,
    )
    files = results.write(directory)
    import matplotlib

    matplotlib.use("Agg", force=False)
    figures = Figures(directory)
    if results.runs and all(r.failure for r in results.runs):  # no trace: nothing to draw
        body = "Every run failed (see *Failed runs* below): there is nothing to draw."
    else:
        body = (script.report if script else generic_report)(results, figures)
    files += [directory / f"{name}.{ext}" for name, _ in figures.saved for ext in ("png", "svg")]
    copy = directory / "scenario.toml"
    shutil.copyfile(scenario.path, copy)
    summary = directory / "summary.md"
    summary.write_text(_summary(scenario, results, figures, body))
    files += [copy, summary]
    record.write_text(json.dumps(_resolved(scenario, runs, settings, files), indent=2) + "\n")
    return ScenarioOutput(scenario, results, directory, [*files, record])


def _resolved(
    scenario: ScenarioFile, runs: list[PlannedRun], settings: dict[str, Any], files: list[Path]
) -> dict[str, Any]:
    return {
        "gossip_sim": __version__,
        **scenario.resolved(),
        "report": settings,
        "runs": [{"run": r.index, **r.params, "config": r.config.to_dict()} for r in runs],
        "files": [p.name for p in files] + ["resolved.json"],
    }


def _summary(scenario: ScenarioFile, results: Results, figures: Figures, body: str) -> str:
    mode = (
        "full (the paper-sized runs)"
        if scenario.mode == "full"
        else "fast (small sizes, what CI runs; `--full` gives the paper-sized runs)"
    )
    parts = [f"# {scenario.title}", ""]
    if scenario.description:
        parts += [scenario.description.strip(), ""]
    parts += [
        f"- mode: {mode}",
        f"- runs: {len(results)} ({len(scenario.seeds)} seed(s) each), "
        f"{len(results.failures)} failed",
        f"- scenario: `{scenario.name}` (`{scenario.path.name}`), gossip-sim {__version__}",
        "",
        "## Results",
        "",
        body.strip(),
        "",
    ]
    if results.failures:
        parts += ["## Failed runs", ""]
        parts += [f"- run {r.index} ({_params(r.params)}): {r.why}" for r in results.failures]
        parts += [""]
    if figures.saved:
        parts += ["## Figures", "", figures.markdown(), ""]
    parts += [
        "## Files",
        "",
        "`runs.csv` (one row per run), `rounds.csv` (one row per run and round), "
        "`resolved.json` (every run's settings), `scenario.toml` (the file as run).",
        "",
    ]
    return "\n".join(parts)


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={format_value(v)}" for k, v in params.items())
