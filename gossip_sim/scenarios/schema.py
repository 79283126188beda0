"""Scenario files: the TOML schema, and a loader that names the key and line of every mistake.

A scenario file describes a set of runs and the report drawn from them::

    [scenario]
    name = "choco-consensus"            # required: lower-case words joined by '-'
    title = "CHOCO-GOSSIP average consensus"
    script = "choco_consensus.py"       # draws the figures and writes the numbers
    seeds = 3                           # 3 seeds (0, 1, 2), or a list [0, 7]

    [run]                               # the settings every run shares
    problem = "consensus"
    dim = 2000

    [sweep]                             # lists: every combination is run
    topology = ["ring", "torus"]

    [[series]]                          # the curves: each is crossed with the sweep
    label = "exact"
    algorithm = "exact-gossip"

    [report]                            # settings of the script (it declares them)
    target = 1e-6

    [fast]                              # the default mode: small sizes for CI
    seeds = 1
    run = { dim = 200 }

    [full]                              # --full: the paper's sizes
    sweep = { topology = ["ring", "torus"] }

``[fast]`` and ``[full]`` may hold ``seeds``, ``run``, ``sweep``, ``series`` and ``report``:
``run``, ``sweep`` and ``report`` are merged key by key over the base tables, ``seeds`` and
``series`` replace them. String settings may use placeholders (``"least-squares:samples=
{samples}"``) defined by a sweep or series key (see :mod:`gossip_sim.sweep.plan`).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.toml"
>>> lines = ["[scenario]", 'name = "demo"', 'title = "Demo"', "", "[run]", "agnets = 5"]
>>> _ = path.write_text(chr(10).join(lines))
>>> load(path)
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: ...demo.toml, line 6: [run] agnets: not a run setting ...
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gossip_sim._data import data_dir
from gossip_sim.config import SETTINGS as _DECLARED
from gossip_sim.config import RunConfig, absolute_start
from gossip_sim.errors import ConfigError
from gossip_sim.sweep.plan import SETTINGS, defined_names, placeholders

__all__ = ["MODES", "SCHEMA", "Key", "ScenarioFile", "load", "schema_markdown"]

#: The modes a scenario runs in: ``fast`` by default (CI), ``full`` with ``--full``.
MODES = ("fast", "full")


@dataclass(frozen=True)
class Key:
    """One key of the schema: where it goes, its type, whether it is required, what it does."""

    table: str
    name: str
    kind: str
    required: bool
    help: str


#: Every fixed key of a scenario file ([run] and [sweep] take run settings, see the docs).
SCHEMA = (
    Key("scenario", "name", "str", True, "the scenario's name: lower-case words joined by '-'"),
    Key("scenario", "title", "str", True, "one line: what the scenario shows"),
    Key("scenario", "description", "str", False, "a paragraph for the summary's top"),
    Key(
        "scenario",
        "script",
        "str",
        False,
        "Python file (relative to the scenario file) whose report(results, figures) draws the "
        "figures and returns the summary's Markdown; without it, a generic report. It must lie "
        "in the scenario file's folder or a subfolder: elsewhere it runs only with "
        "`--allow-script PATH`",
    ),
    Key("scenario", "seeds", "int | list[int]", False, "seeds per combination (default 1)"),
    Key("run", "SETTING", "per setting", False, "a run setting shared by every run"),
    Key(
        "sweep",
        "SETTING",
        "list",
        False,
        "values of a setting or placeholder; all combined. A list of tables "
        "(`size = [{agents = 5, dim = 50}, ...]`) sets linked settings together",
    ),
    Key("series", "label", "str", True, "the curve's name (unique)"),
    Key(
        "series",
        "SETTING",
        "per setting, or list",
        False,
        "the series' own settings or placeholders; a list is swept within this series only",
    ),
    Key("report", "NAME", "per script", False, "a setting the script declares in SETTINGS"),
    Key("fast", "seeds|run|sweep|series|report", "table", False, "overrides in fast mode"),
    Key("full", "seeds|run|sweep|series|report", "table", False, "overrides with --full"),
)

_TABLES = ("scenario", "run", "sweep", "series", "report", *MODES)
_MODE_KEYS = ("seeds", "run", "sweep", "series", "report")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass
class ScenarioFile:
    """A validated scenario file, resolved for one mode."""

    path: Path
    name: str
    title: str
    mode: str
    seeds: list[int]
    run: dict[str, Any]
    sweep: dict[str, list[Any]]
    series: list[dict[str, Any]]
    report: dict[str, Any]
    description: str = ""
    script: Path | None = None
    text: str = field(default="", repr=False)
    mode_report_keys: tuple[str, ...] = ()  # the [report] keys the mode's table overrides

    def resolved(self) -> dict[str, Any]:
        """Return the mode's merged tables as a JSON-ready dict (written as resolved.json)."""
        data = dataclasses.asdict(self)
        data.pop("text")
        data.pop("mode_report_keys")
        data["path"] = str(self.path)
        data["script"] = None if self.script is None else str(self.script)
        return data

    def error(self, message: str, table: str, key: str | None = None) -> ConfigError:
        """Return a ConfigError naming this file and the line of ``key`` in ``table``."""
        return _Locator(self.path, self.text).error(message, table, key)

    def script_is_home(self) -> bool:
        """Return True if the script may run unasked: no script, or one that stays home.

        Home is the scenario file's folder (a subfolder too) and the shipped scenarios'
        folder; the script's path has its symlinks and ``..`` resolved before the comparison.

        Examples
        --------
        >>> from gossip_sim.scenarios import find
        >>> load(find("song-fig1")).script_is_home()
        True
        """
        if self.script is None:
            return True
        homes = (self.path.parent.resolve(), data_dir("scenarios").resolve())
        return any(self.script.is_relative_to(home) for home in homes)

    def check_script(self, allow: str | Path | None = None) -> Path | None:
        """Return the script to run, or refuse one away from home that ``allow`` does not name.

        A script outside the scenario file's folder runs only when the user names it
        (``gossip-sim scenario run FILE --allow-script PATH``): a scenario file from elsewhere
        cannot make gossip-sim run Python from anywhere on the machine.

        Parameters
        ----------
        allow : str or pathlib.Path, optional
            The script the user allows, wherever it is; it must be this scenario's script.

        Returns
        -------
        pathlib.Path or None
            The script's resolved path (None without a script).

        Raises
        ------
        ConfigError
            For a script away from home that ``allow`` does not name, naming its resolved path;
            for an ``allow`` that is not this scenario's script.

        Examples
        --------
        >>> from gossip_sim.scenarios import find
        >>> load(find("song-fig1")).check_script().name
        'song_fig1.py'
        """
        if allow is not None:
            named = Path(allow).expanduser().resolve()
            if named != self.script:
                has = f"script is {self.script}" if self.script else "file names no script"
                raise ConfigError(
                    f"--allow-script {allow}: the scenario's {has}; allow that one, "
                    "or leave --allow-script out"
                )
            return self.script
        if not self.script_is_home():
            raise self.error(
                f"[scenario] script {self.script} is outside the scenario's folder "
                f"{self.path.parent.resolve()}, so it is not run: move it into that folder, "
                f"or allow it by naming it: --allow-script {self.script}",
                "scenario",
                "script",
            )
        return self.script


class _Locator:
    """Find the line of a key in a TOML text (tomllib does not keep positions)."""

    _HEADER = re.compile(r"^\s*\[(\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line(self, table: str, key: str | None = None, item: int | None = None) -> int | None:
        """Return the 1-based line of ``key`` in ``table``, else of the table's header.

        ``table`` may be dotted (``"fast.run"``); ``item`` picks the n-th ``[[table]]``.
        """
        current, header_line = "", None
        seen: dict[str, int] = {}
        parts = table.split(".")
        for number, text in enumerate(self.lines, 1):
            header = self._HEADER.match(text)
            if header:
                current = header.group(2).replace(" ", "")
                if header.group(1):
                    seen[current] = seen.get(current, -1) + 1
                if current == table and (item is None or seen.get(current) == item):
                    header_line = number
                continue
            match = self._KEY.match(text)
            if not match or key is None:
                continue
            name = match.group(1).strip("\"'")
            in_table = current == table and (item is None or seen.get(current) == item)
            inline = current == ".".join(parts[:-1]) and name == parts[-1] and len(parts) > 1
            if (in_table and name == key) or (
                inline and re.search(rf"\b{re.escape(key)}\s*=", text)
            ):
                return number
        return header_line

    def error(
        self, message: str, table: str, key: str | None = None, item: int | None = None
    ) -> ConfigError:
        """Return a ConfigError prefixed with the file and (when found) the line."""
        number = self.line(table, key, item)
        where = f"{self.path}, line {number}" if number else str(self.path)
        return ConfigError(f"{where}: {message}")


def load(path: str | Path, mode: str = "fast") -> ScenarioFile:
    """Read and validate a scenario file, merged for ``mode`` (``"fast"`` or ``"full"``)."""
    if mode not in MODES:
        raise ConfigError(f"mode {mode!r} is not valid; use one of {', '.join(MODES)}")
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"scenario file {str(file)!r} does not exist")
    text = file.read_text()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    where = _Locator(file, text)
    for table in data:
        if table not in _TABLES:
            raise where.error(_unknown_table(table), table)
    head = data.get("scenario")
    if not isinstance(head, dict):
        raise ConfigError(f"{file}: the [scenario] table is missing; it needs name and title")
    _check_head(head, where)
    merged = _merge(data, mode, where)
    _anchor_starts(merged, file.parent)
    _seeds(head.get("seeds", 1), where, None)  # the base must be valid in either mode
    seeds = _seeds(merged.get("seeds", 1), where, mode if "seeds" in data.get(mode, {}) else None)
    script = _script(head.get("script"), file, where)
    return ScenarioFile(
        path=file,
        name=head["name"],
        title=head["title"],
        mode=mode,
        seeds=seeds,
        run=merged["run"],
        sweep=merged["sweep"],
        series=merged["series"],
        report=merged["report"],
        description=head.get("description", ""),
        script=script,
        text=text,
        mode_report_keys=tuple(data.get(mode, {}).get("report", {})),
    )


def _anchor_starts(merged: dict[str, Any], folder: Path) -> None:
    """Make every ``initial`` file of the run, sweep and series relative to the scenario's folder.

    Examples
    --------
    >>> merged = {"run": {"initial": "x0.npy"}, "sweep": {}, "series": [{"initial": ["zeros"]}]}
    >>> _anchor_starts(merged, Path("/s"))
    >>> merged["run"]["initial"], merged["series"][0]["initial"]
    ('/s/x0.npy', ['zeros'])
    """

    def anchor(value: Any) -> Any:
        if isinstance(value, str):
            return absolute_start(value, folder)
        if isinstance(value, list):
            return [anchor(v) for v in value]
        return value

    def walk(table: dict[str, Any]) -> None:
        for key, value in table.items():
            if key == "initial":
                table[key] = anchor(value)
            elif isinstance(value, list):
                for one in value:
                    if isinstance(one, dict):
                        walk(one)  # linked settings of a sweep or series

    for table in (merged["run"], merged["sweep"], *merged["series"]):
        walk(table)


def _unknown_table(table: str) -> str:
    close = difflib.get_close_matches(table, _TABLES, n=1)
    hint = f" (did you mean [{close[0]}]?)" if close else ""
    return f"unknown table [{table}]{hint}; valid: " + ", ".join(f"[{t}]" for t in _TABLES)


def _check_head(head: dict[str, Any], where: _Locator) -> None:
    keys = {k.name: k for k in SCHEMA if k.table == "scenario"}
    for key, value in head.items():
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            valid = ", ".join(keys)
            raise where.error(
                f"[scenario] {key}: unknown key{hint}; valid: {valid}", "scenario", key
            )
        if key != "seeds" and not isinstance(value, str):
            raise where.error(f"[scenario] {key} = {value!r}: give a string", "scenario", key)
    for key in (k.name for k in SCHEMA if k.table == "scenario" and k.required):
        if key not in head:
            raise where.error(f"[scenario] needs {key} (a string)", "scenario")
    if not _NAME.match(head["name"]):
        raise where.error(
            f"[scenario] name = {head['name']!r}: use lower-case words joined by '-' "
            "(e.g. 'song-fig1')",
            "scenario",
            "name",
        )


def _merge(data: dict[str, Any], mode: str, where: _Locator) -> dict[str, Any]:
    """Check the base tables and the mode's overrides, and merge them."""
    overrides = data.get(mode, {})
    for other in MODES:
        for key in data.get(other, {}):
            if key not in _MODE_KEYS:
                raise where.error(
                    f"[{other}] {key}: unknown key; valid: {', '.join(_MODE_KEYS)}", other, key
                )
    merged: dict[str, Any] = {"seeds": data["scenario"].get("seeds", 1)}
    for name in ("run", "sweep", "report"):
        base = data.get(name, {})
        extra = overrides.get(name, {})
        for table, values in ((name, base), (f"{mode}.{name}", extra)):
            if not isinstance(values, dict):
                raise where.error(f"[{table}] must be a table of key = value", table)
        merged[name] = {**copy.deepcopy(base), **copy.deepcopy(extra)}
    series = overrides.get("series", data.get("series", []))
    series_table = f"{mode}.series" if "series" in overrides else "series"
    if not isinstance(series, list) or not all(isinstance(s, dict) for s in series):
        raise where.error(f"[[{series_table}]] must be an array of tables", series_table)
    merged["series"] = copy.deepcopy(series)
    if "seeds" in overrides:
        merged["seeds"] = overrides["seeds"]
    _check_runs(merged, mode, overrides, where)
    return merged


def _table_of(name: str, mode: str, overrides: dict[str, Any], key: str) -> str:
    return f"{mode}.{name}" if key in overrides.get(name, {}) else name


def _check_runs(
    merged: dict[str, Any], mode: str, overrides: dict[str, Any], where: _Locator
) -> None:
    used = {
        p
        for table in (merged["run"], *merged["series"])
        for value in table.values()
        if isinstance(value, str)
        for p in placeholders(value)
    }
    defined = set(SETTINGS) | defined_names(merged["sweep"], merged["series"])
    for name in sorted(used - defined):
        table = "run" if any(f"{{{name}}}" in str(v) for v in merged["run"].values()) else "series"
        raise where.error(
            f"placeholder {{{name}}} is not defined: give {name} a list in [sweep] "
            "or a value in every [[series]]",
            table,
        )
    for key, value in merged["run"].items():
        table = _table_of("run", mode, overrides, key)
        if key not in SETTINGS:
            raise where.error(_not_a_setting("run", key), table, key)
        _check_value(key, value, where, table)
    for key, values in merged["sweep"].items():
        table = _table_of("sweep", mode, overrides, key)
        linked = isinstance(values, list) and any(isinstance(v, dict) for v in values)
        if key not in SETTINGS and key not in used and not linked:
            raise where.error(_not_a_setting("sweep", key, placeholder=True), table, key)
        if key == "seed":
            raise where.error("[sweep] seed: give seeds = N in [scenario] instead", table, key)
        if not isinstance(values, list) or not values:
            raise where.error(f"[sweep] {key} = {values!r}: give a non-empty list", table, key)
        for value in values:
            _check_linked(key, value, used, where, table)
    labels: set[str] = set()
    series_table = f"{mode}.series" if "series" in overrides else "series"
    for item, variant in enumerate(merged["series"]):
        label = variant.get("label")
        if not isinstance(label, str) or not label:
            raise where.error(
                f"[[series]] number {item + 1} needs a label", series_table, None, item
            )
        if label in labels:
            raise where.error(
                f"[[series]] label {label!r} is used twice", series_table, "label", item
            )
        labels.add(label)
        for key, value in variant.items():
            if key == "label":
                continue
            linked = isinstance(value, list) and any(isinstance(v, dict) for v in value)
            if key not in SETTINGS and key not in used and not linked:
                raise where.error(
                    _not_a_setting("series", key, placeholder=True), series_table, key, item
                )
            for one in value if isinstance(value, list) else [value]:  # a list: swept
                _check_linked(key, one, used, where, series_table, item)


def _check_linked(
    key: str, value: Any, used: set[str], where: _Locator, table: str, item: int | None = None
) -> None:
    """Check one value; a table is several linked settings, each checked."""
    if not isinstance(value, dict):
        _check_value(key, value, where, table, item)
        return
    for name, one in value.items():
        if name not in SETTINGS and name not in used:
            raise where.error(_not_a_setting(table.split(".")[-1], name, True), table, key, item)
        _check_value(name, one, where, table, item)


def _not_a_setting(table: str, key: str, placeholder: bool = False) -> str:
    close = difflib.get_close_matches(key, SETTINGS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    also = " and no {" + key + "} placeholder uses it" if placeholder else ""
    return f"[{table}] {key}: not a run setting{also}{hint}; run settings: {', '.join(SETTINGS)}"


def _check_value(
    key: str, value: Any, where: _Locator, table: str, item: int | None = None
) -> None:
    if key not in SETTINGS or (isinstance(value, str) and placeholders(value)):
        return  # a placeholder's value, or a string checked once its placeholders are filled
    try:
        RunConfig.from_dict({key: value})
    except ConfigError as exc:
        raise where.error(f"[{table.split('.')[-1]}] {exc}", table, key, item) from None


def _seeds(value: Any, where: _Locator, mode: str | None) -> list[int]:
    table = mode or "scenario"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return list(range(value))
    if (
        isinstance(value, list)
        and value
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value)
        and len(set(value)) == len(value)
    ):
        return list(value)
    raise where.error(
        f"[{table}] seeds = {value!r}: give a count (1 or more) or a list of distinct seeds",
        table,
        "seeds",
    )


def _script(value: str | None, file: Path, where: _Locator) -> Path | None:
    """Return the script's path with symlinks and ``..`` resolved (it may lie anywhere)."""
    if value is None:
        return None
    script = (file.parent / value).resolve()
    if script.suffix != ".py" or not script.is_file():
        raise where.error(
            f"[scenario] script = {value!r}: no Python file at {script}",
            "scenario",
            "script",
        )
    return script


def schema_markdown() -> str:
    """Return the scenario-file reference page, from :data:`SCHEMA` and the run settings.

    Examples
    --------
    >>> schema_markdown().splitlines()[0]
    '# Scenario files'
    """
    lines = [
        "# Scenario files",
        "",
        "Generated from the validator (`gossip_sim/scenarios/schema.py`) by "
        "`python -c 'from gossip_sim.scenarios.schema import schema_markdown as s; "
        'print(s(), end="")\' > docs/reference/scenario-files.md`; a test checks it is current.',
        "",
        "Run one with `gossip-sim scenario run FILE_OR_NAME [--full]`; "
        "`gossip-sim scenario list` lists the shipped ones.",
        "",
        "## Tables and keys",
        "",
        "| table | key | type | required | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key in SCHEMA:
        table = f"[[{key.table}]]" if key.table == "series" else f"[{key.table}]"
        required = "yes" if key.required else ""
        kind = key.kind.replace("|", "\\|")  # "int | list[int]": a pipe ends a table cell
        lines.append(f"| `{table}` | `{key.name}` | {kind} | {required} | {key.help} |")
    lines += [
        "",
        "## Run settings",
        "",
        "`[run]`, `[sweep]` (as lists) and `[[series]]` take these settings, the same as the "
        "flags of `gossip-sim` (`--nic-egress` is `nic_egress`); [Run settings](settings.md) "
        "says what each one does. Values are checked before anything runs: the type, and the "
        "names of link profiles, algorithms, compressors and problems.",
        "",
        "| setting | type | default |",
        "| --- | --- | --- |",
    ]
    for item in _DECLARED:
        kind = item.kind.replace("|", "\\|")
        lines.append(f"| `{item.name}` | {kind} | `{item.default!r}` |")
    lines += [
        "",
        "`seed` is not among them: `seeds` in `[scenario]` (or a mode) repeats every combination.",
        "",
        "A relative file in `initial` (`x0.npy`, `file:path=x0.csv`) is read from the scenario "
        "file's folder, in `[run]`, `[sweep]` and `[[series]]` alike; other paths (topology, "
        "mixing and data files) from the working directory.",
        "",
        "## Placeholders",
        "",
        "A string setting may contain `{name}`, filled from a `[sweep]` or `[[series]]` key of "
        "that name (or from another setting, e.g. `{dim}`). This is how a parameter inside a "
        'specification is swept: `problem = "least-squares:samples={samples}"` with '
        "`samples = [10, 20]` in `[sweep]`. A sweep or series key that is neither a setting nor "
        "a placeholder is refused.",
        "",
        "## Modes",
        "",
        "`gossip-sim scenario run` runs the **fast** mode (small sizes, seconds: what CI runs); "
        "`--full` runs the **full** mode. Each mode's table (`[fast]`, `[full]`) overrides the "
        "base: `run`, `sweep` and `report` key by key; `seeds` and `series` as a whole.",
        "",
        "## Runs",
        "",
        "Runs are the series (in file order), times the sweep's cartesian product (the last key "
        "varies fastest), times the seeds. Every mistake is reported with the file, the line "
        "and the key, before anything runs.",
        "",
        "## Outputs",
        "",
        "In `--out` (default `gossip-sim-results/NAME`, `NAME-full` with `--full`):",
        "",
        "| file | what it holds |",
        "| --- | --- |",
        "| `summary.md` | the title, the numbers (tables written by the script) and the figures |",
        "| `*.png`, `*.svg` | the figures |",
        "| `runs.csv` | one row per run: what the sweep varied, every setting, the final figures |",
        "| `rounds.csv` | one row per run and round: what the sweep varied, then the round's "
        "time, bits and errors |",
        "| `resolved.json` | the merged configuration of the mode and every run's settings |",
        "| `scenario.toml` | a copy of the scenario file as it was run |",
        "",
    ]
    return "\n".join(lines)
