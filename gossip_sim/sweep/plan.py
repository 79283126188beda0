"""Expand a sweep into runs: lists become their cartesian product, series and seeds repeat it.

A sweep has four parts, each a plain dict or list (a scenario file's tables):

* ``base``: the :class:`~gossip_sim.config.RunConfig` settings every run shares;
* ``grid``: setting -> list of values; every combination is run (the cartesian product);
* ``series``: named variants (``{"label": "exact", "algorithm": "exact-gossip"}``), each crossed
  with the grid: what differs between the curves of one figure, when the differences do not
  form a product (exact gossip has no compressor to sweep). A list in a series is swept within
  that series only (a star needs K + 1 nodes where a ring has K: ``agents = [5, 9]`` there);
* ``seeds``: every combination is repeated with each seed.

A value may be a table of several settings that go together (``size = [{agents = 5, problem =
"..."}, {agents = 9, problem = "..."}]``): each entry sets all of its keys at once, where a
list of each would give their product. A key that is not a run setting is a *placeholder*:
string settings may use it as ``{name}``, e.g. ``problem = "least-squares:samples={samples}"``
with ``samples = [10, 20]`` in the grid. Any run setting can be a placeholder too (``{dim}``).

Examples
--------
>>> runs = expand({"topology": "ring", "rounds": 5}, {"agents": [4, 8]}, seeds=[0, 1])
>>> [(r.params["agents"], r.params["seed"]) for r in runs]
[(4, 0), (4, 1), (8, 0), (8, 1)]
>>> runs[3].config.agents, runs[3].config.seed
(8, 1)
>>> expand({"problem": "least-squares:samples={samples}"}, {"samples": [3]})[0].config.problem
'least-squares:samples=3'
"""

from __future__ import annotations

import difflib
import itertools
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gossip_sim.config import SETTINGS as _DECLARED
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError

__all__ = ["SETTINGS", "PlannedRun", "config_digest", "defined_names", "expand", "placeholders"]

#: The run settings a sweep may set (the names of :data:`gossip_sim.config.SETTINGS`).
SETTINGS = tuple(setting.name for setting in _DECLARED)


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its number, what distinguishes it, and its full configuration."""

    index: int
    params: dict[str, Any]  # series label, grid values and seed: the run's table columns
    config: RunConfig


def config_digest(config: RunConfig) -> str:
    """Return a digest of a whole run configuration: equal digests mean equal runs.

    The first 20 hex digits of :meth:`RunConfig.digest` (of the resolved configuration), the
    digest that also ends a run's folder name.

    Examples
    --------
    >>> config_digest(RunConfig(agents=5)) == config_digest(RunConfig(agents=5))
    True
    >>> config_digest(RunConfig(agents=5)) == config_digest(RunConfig(agents=6))
    False
    """
    return config.digest()[:20]


def placeholders(text: str) -> list[str]:
    """Return the ``{name}`` placeholders of a string, in order.

    Examples
    --------
    >>> placeholders("kernel-regression:samples={samples},data={data}")
    ['samples', 'data']
    """
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name]
    except ValueError as exc:
        raise ConfigError(f"{text!r} has an unmatched brace: {exc}") from None


def expand(
    base: Mapping[str, Any],
    grid: Mapping[str, Sequence[Any]] | None = None,
    series: Sequence[Mapping[str, Any]] = (),
    seeds: Sequence[int] = (0,),
) -> list[PlannedRun]:
    """Return every run of the sweep, series-major, then grid (last key fastest), then seed.

    Raises :class:`~gossip_sim.errors.ConfigError` naming the key for an unknown setting, a
    placeholder nothing defines, a grid key nothing uses, or an empty list.
    """
    grid = dict(grid or {})
    for key, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise ConfigError(f"sweep {key!r} = {values!r} is not valid; give a non-empty list")
    if "seed" in base or "seed" in grid or any("seed" in s for s in series):
        raise ConfigError("'seed' is set by the sweep's seeds; remove it from the runs")
    _check_keys(base, grid, series)
    variants = list(series) or [{}]
    runs = []
    for variant in variants:
        own = {k: v for k, v in variant.items() if isinstance(v, list)}
        if any(not v for v in own.values()):
            raise ConfigError(f"series {variant.get('label')!r} has an empty list; give values")
        both = {**grid, **own}
        for combination in itertools.product(*both.values()):
            chosen = _linked(dict(zip(both, combination, strict=True)))
            for seed in seeds:
                values = {**base, **variant, **chosen, "seed": seed}
                params = {**({"series": variant["label"]} if "label" in variant else {})}
                params.update({**chosen, "seed": seed})
                runs.append(PlannedRun(len(runs), params, _config(values)))
    return runs


def _linked(chosen: dict[str, Any]) -> dict[str, Any]:
    """Replace each table value by its entries (linked settings chosen together)."""
    flat: dict[str, Any] = {}
    for key, value in chosen.items():
        flat.update(value if isinstance(value, Mapping) else {key: value})
    return flat


def _check_keys(
    base: Mapping[str, Any], grid: Mapping[str, Any], series: Sequence[Mapping[str, Any]]
) -> None:
    used = {
        name
        for table in (base, *series)
        for value in table.values()
        if isinstance(value, str)
        for name in placeholders(value)
    }
    defined = set(SETTINGS) | defined_names(grid, series)
    for name in sorted(used - defined):
        raise ConfigError(
            f"placeholder {{{name}}} is not defined; give {name} values in the sweep "
            f"or in every series (defined: {', '.join(sorted(defined - set(SETTINGS)))})"
        )
    for key, values in grid.items():
        _check_entry(key, values, used, "sweep")
    for variant in series:
        for key, value in variant.items():
            if key != "label":
                _check_entry(key, value if isinstance(value, list) else [value], used, "series")
    for key in base:
        if key not in SETTINGS:
            raise ConfigError(_unknown(key, "run"))


def defined_names(grid: Mapping[str, Any], series: Sequence[Mapping[str, Any]]) -> set[str]:
    """Return the names a sweep gives values to: its keys, and the keys of linked tables.

    Examples
    --------
    >>> sorted(defined_names({"size": [{"agents": 4, "samples": 8}]}, [{"label": "a", "b": 1}]))
    ['agents', 'b', 'label', 'samples', 'size']
    """
    names = set(grid) | {k for s in series for k in s}
    for table in (grid, *series):
        for value in table.values():
            for item in value if isinstance(value, list) else [value]:
                names |= set(item) if isinstance(item, Mapping) else set()
    return names


def _check_entry(key: str, values: Sequence[Any], used: set[str], where: str) -> None:
    """Refuse a key (or a linked table's key) that is neither a setting nor a placeholder."""
    tables = [v for v in values if isinstance(v, Mapping)]
    for linked in (k for t in tables for k in t):
        if linked not in SETTINGS and linked not in used:
            raise ConfigError(_unknown(linked, f"{where} {key}"))
    if not tables and key not in SETTINGS and key not in used:
        raise ConfigError(_unknown(key, where))


def _unknown(key: str, where: str) -> str:
    close = difflib.get_close_matches(key, SETTINGS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"{where} key {key!r} is not a run setting and no {{{key}}} placeholder uses it{hint}; "
        f"run settings: {', '.join(SETTINGS)}"
    )


def _config(values: dict[str, Any]) -> RunConfig:
    names = {k: v for k, v in values.items() if k != "label"}
    resolved = {}
    for key, value in names.items():
        if key not in SETTINGS:
            continue  # a placeholder's value, used below
        if isinstance(value, str) and placeholders(value):
            try:
                value = value.format_map(names)
            except KeyError as exc:
                label = values.get("label", "")
                raise ConfigError(
                    f"{key} = {value!r} uses placeholder {{{exc.args[0]}}}, which series "
                    f"{label!r} does not define; give it a value there or a list in the sweep"
                ) from None
        resolved[key] = value
    return RunConfig.from_dict(resolved)
