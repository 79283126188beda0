"""One run's configuration: every setting declared once, validated, and digested.

Each field of :class:`RunConfig` carries its :class:`Setting` (type, default, unit, help,
short flag, the registry its names come from). The command line's flags, the keys and checks
of TOML/JSON files and scenario files, the reference page ``docs/reference/settings.md`` and the
digest that names a run's folder are all derived from :data:`SETTINGS`: a new setting is one
field here.

A :class:`RunConfig` is what a run is: the command line, a scenario file and a run's own
``config.json`` all end here. :meth:`RunConfig.from_dict` refuses a key that does not exist
(naming it and the closest valid key); ``gossip-sim --config DIR/config.json`` repeats a run
exactly. Running a configuration is :func:`gossip_sim.simulation.execute`.

Examples
--------
>>> RunConfig.from_dict({"topology": "ring", "agents": 6}).agents
6
>>> RunConfig.from_dict({"agent": 5})
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: unknown setting 'agent'; valid: ... (did you mean 'agents'?)
>>> [s.flag for s in SETTINGS][:3]
['--topology', '--agents', '--links']
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import importlib
import json
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gossip_sim.errors import ConfigError

__all__ = [
    "DEFAULT_AGENTS",
    "SETTINGS",
    "RunConfig",
    "Setting",
    "absolute_start",
    "agents_for",
    "load_config",
    "setting",
    "settings_markdown",
]

#: Agents of a generated topology when the configuration does not say.
DEFAULT_AGENTS = 5


@dataclass(frozen=True)
class Setting:
    """One run setting, declared once: everything the CLI, files, checks and docs need.

    Parameters
    ----------
    name : str
        The key in TOML/JSON files and the field of :class:`RunConfig` (``nic_egress``).
    kind : str
        Its type as annotated: ``"int"``, ``"float | None"``, ``"float | str"``...
    default : object
        The value when nothing sets it.
    help : str
        What it does, as ``--help`` shows it; ``{names}`` stands for the registry's names.
    unit : str
        Unit of a number (``"s"``, ``"bits/s"``), empty when it has none.
    short : str or None
        Short command-line flag (``"-k"``).
    group : str
        The ``--help`` section: ``"network"``, ``"algorithm"`` or ``"output"``.
    registry : str or None
        Where the valid names live, ``"module:ATTRIBUTE"`` (imported when first asked).
    files : bool
        The value may also be a file instead of a registry name (topology, mixing).
    words : tuple of str
        Words allowed where the type is ``float | str`` (``"auto"``, ``"theory"``).
    off : object
        A value that means None (``target = 0``: run every round); TOML has no null.
    late : bool
        Added after run folders were first named: at its default it is left out of the
        digest, so every run that does not set it keeps its folder (as the fault settings).

    Examples
    --------
    >>> agents = SETTINGS[1]
    >>> agents.name, agents.flag, agents.short, agents.check(7)
    ('agents', '--agents', '-k', 7)
    """

    name: str
    kind: str
    default: Any
    help: str
    unit: str = ""
    short: str | None = None
    group: str = "network"
    registry: str | None = None
    files: bool = False
    words: tuple[str, ...] = ()
    off: Any = None
    late: bool = False

    @property
    def flag(self) -> str:
        """Return the long command-line flag, ``--nic-egress`` for ``nic_egress``."""
        return "--" + self.name.replace("_", "-")

    def names(self) -> list[str]:
        """Return the valid names from the registry (empty without one); imports it lazily.

        Examples
        --------
        >>> "choco-gossip" in setting("algorithm").names()
        True
        """
        if self.registry is None:
            return []
        module, _, attribute = self.registry.partition(":")
        registry = getattr(importlib.import_module(module), attribute)
        return list(registry.names())

    def describe(self) -> str:
        """Return the help text with the registry's names (and other name lists) filled in."""
        lists = {key: make() for key, make in _NAME_LISTS.items() if f"{{{key}}}" in self.help}
        if self.registry:
            lists["names"] = ", ".join(self.names())
        return self.help.format(**lists) if lists else self.help

    def check(self, value: Any) -> Any:
        """Return ``value`` as this setting's type, or refuse it with a ConfigError.

        Examples
        --------
        >>> setting("latency").check(1), setting("target").check(0)
        (1.0, None)
        >>> setting("gamma").check("often")
        Traceback (most recent call last):
        ...
        gossip_sim.errors.ConfigError: setting 'gamma' = 'often' is not valid; give a number, ...
        """
        if self.off is not None and value == self.off and not isinstance(value, bool):
            return None
        value = _check_type(self, value)
        if isinstance(value, str) and self.registry and not self.files:
            self._registry_entry(value.partition(":")[0])
        return value

    def parse(self, text: str) -> Any:
        """Read a command-line value (argparse's ``type``): a number, a word, or the text.

        Examples
        --------
        >>> setting("gamma").parse("0.5"), setting("gamma").parse("auto")
        (0.5, 'auto')
        """
        if text in self.words:
            return text
        for kind, convert in (("int", int), ("float", float)):
            if kind in self.kind.split(" | "):
                try:
                    return convert(text)
                except ValueError:
                    if not self.words and "str" not in self.kind.split(" | "):
                        raise
        if self.words:
            import argparse

            words = ", ".join(["a number", *(repr(w) for w in self.words[:-1])])
            raise argparse.ArgumentTypeError(
                f"{text!r} is not valid; give {words} or {self.words[-1]!r}"
            )
        return text

    def _registry_entry(self, name: str) -> None:
        module, _, attribute = (self.registry or "").partition(":")
        registry = getattr(importlib.import_module(module), attribute)
        registry.entry(name)  # the registry's own error: valid names, the closest one


def _algorithm_names(**facts: Any) -> str:
    """Return the algorithms with these registration facts (or taking ``takes``), as text."""
    from gossip_sim.algorithms import ALGORITHMS

    takes = facts.pop("takes", None)
    names = ALGORITHMS.names_taking(takes) if takes else ALGORITHMS.names_where(**facts)
    return ALGORITHMS.choices_text(names, " and ")


#: Name lists a help text may quote as ``{key}``, read from the registries when help is shown.
_NAME_LISTS: dict[str, Callable[[], str]] = {
    "coordinators": lambda: _algorithm_names(coordinator=True),
    "compressor_users": lambda: _algorithm_names(takes="compressor"),
}


def _setting(default: Any, help: str, **facts: Any) -> Any:
    """Declare a field of RunConfig with its setting's facts (see :class:`Setting`)."""
    return dataclasses.field(default=default, metadata={"setting": {"help": help, **facts}})


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run; each field is a setting (see :data:`SETTINGS`).

    Examples
    --------
    >>> RunConfig(topology="torus", agents=9).slug()[:27]
    'torus-9-choco-gossip-seed0-'
    """

    topology: str = _setting(
        "ring",
        "topology name (with parameters, 'erdos-renyi:p=0.3'), catalogue network or graph "
        "file; see 'gossip-sim topologies'",
        registry="gossip_sim.topology:TOPOLOGIES",
        files=True,
    )
    agents: int | None = _setting(
        None,
        "number of agents K (default: 5; a catalogue network or graph file: its size)",
        short="-k",
    )
    links: str = _setting(
        "datacenter", "link profile: {names}", registry="gossip_sim.topology.links:LINK_PROFILES"
    )
    latency: float | None = _setting(None, "one-way latency of every link, seconds", unit="s")
    bandwidth: float | None = _setting(None, "bandwidth of every link, bits/s", unit="bits/s")
    nic_egress: float | None = _setting(None, "every node's NIC egress rate, bits/s", unit="bits/s")
    header_bits: int = _setting(0, "wire overhead per message, bits", unit="bits")
    compute_seconds: float = _setting(
        0.0, "modelled compute time per agent per round, seconds", unit="s"
    )
    mixing: str = _setting(
        "metropolis-hastings",
        "mixing rule ({names}) or a W file",
        registry="gossip_sim.mixing:MIXING_RULES",
        files=True,
    )
    algorithm: str = _setting(
        "choco-gossip",
        "one of {names}, with parameters as NAME:KEY=VALUE (e.g. song-server:b=4); "
        "{coordinators} run on --topology star (hub = coordinator, no data); see "
        "'gossip-sim algorithms'",
        group="algorithm",
        registry="gossip_sim.algorithms:ALGORITHMS",
    )
    compressor: str = _setting(
        "qsgd:s=16,scaled=true",
        "compressor spec, e.g. qsgd:s=16 or topk:k=0.1, for {compressor_users}; see "
        "'gossip-sim compressors'",
        group="algorithm",
        registry="gossip_sim.compress:COMPRESSORS",
    )
    gamma: float | str = _setting(
        "auto",
        "CHOCO consensus step size: a number in (0, 1], 'auto' (= the compressor's omega, "
        "default), 'theory' (Koloskova et al. Thm 2) or 'tune' (choco-gossip, choco-sgd: the "
        "best of 1, 1/2, ..., 1/1024 after 200 trial rounds each)",
        group="algorithm",
        words=("auto", "theory", "tune"),
    )
    problem: str = _setting(
        "consensus",
        "one of {names}, with parameters as NAME:KEY=VALUE (e.g. quadratic:kappa=10); see "
        "'gossip-sim problems'",
        group="algorithm",
        registry="gossip_sim.problems:PROBLEMS",
    )
    initial: str = _setting(
        "problem",
        "the agents' starting values: {names} (e.g. normal:mean=0,std=1, "
        "uniform:low=-1,high=1; default: the problem's own), or a .npy/.csv file of shape "
        "(K, D), or (D,) for every agent; drawn values are seeded",
        group="algorithm",
        registry="gossip_sim.problems.start:STARTS",
        files=True,
        late=True,
    )
    dim: int = _setting(
        100,
        "dimension D of the agents' vectors (pyramidal-nn: the wide layer's width)",
        short="-d",
        group="algorithm",
    )
    rounds: int = _setting(1000, "most rounds to run", group="algorithm")
    target: float | None = _setting(
        1e-8,
        "stop when the error reaches this value (0: run all rounds)",
        group="algorithm",
        off=0,
    )
    seed: int = _setting(0, "seed of every random stream", group="algorithm")
    loss: float | str = _setting(
        0.0,
        "message loss: a probability P (each transmission lost independently; no "
        "retransmission unless --retransmit) or a model spec: {names}",
        group="faults",
        registry="gossip_sim.faults.loss:LOSS_MODELS",
    )
    retransmit: str = _setting(
        "off",
        "retransmission of lost messages: {names} (e.g. arq:retries=3,timeout=auto,"
        "ack_bits=64; acknowledgements and retransmissions are counted in bits and time)",
        group="faults",
        registry="gossip_sim.faults.loss:RETRANSMIT",
    )
    deadline: float | None = _setting(
        None,
        "an agent waits at most this long for a round's messages, then mixes with the "
        "latest value it holds from each neighbour (default: wait for every message)",
        unit="s",
        group="faults",
    )
    crash_fraction: float = _setting(
        0.0,
        "share of agents that crash (stop sending and computing), in [0, 1); rounded to "
        "whole agents, at least one",
        group="faults",
    )
    crash_round: int | None = _setting(
        None, "the round at which they crash (default: half-way through --rounds)", group="faults"
    )
    recover_after: int | None = _setting(
        None,
        "crashed agents recover after this many rounds, with the state they had "
        "(default: they never do: crash-stop)",
        group="faults",
    )
    churn: str = _setting(
        "off",
        "agents leaving and joining during the run: {names} (e.g. random:leave=0.01,join=0.1, "
        "per-round probabilities)",
        group="faults",
        registry="gossip_sim.faults.failures:CHURN",
    )
    link_failures: str = _setting(
        "off",
        "links going down and up: {names} (e.g. random:mtbf=1.0,mttr=0.1 in seconds, or "
        "schedule:path=FILE.csv)",
        group="faults",
        registry="gossip_sim.faults.failures:LINK_FAILURES",
    )
    stragglers: str = _setting(
        "off",
        "per-agent, per-round compute time drawn from a heavy-tailed law, added to "
        "--compute-seconds: {names} (e.g. lognormal:median=0.001,sigma=1)",
        group="faults",
        registry="gossip_sim.faults.failures:STRAGGLERS",
    )
    engine: str = _setting(
        "auto",
        "'events' (every agent computes with the messages that reached it), 'fast' (the "
        "batched synchronous path, only where nothing can go wrong) or 'auto' (fast when it "
        "gives the same numbers, else events)",
        group="faults",
        words=("auto", "events", "fast"),
    )
    record_messages: bool = _setting(False, "also write messages.csv", group="output")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """Build a configuration from a dict, refusing unknown keys, wrong types and names.

        Examples
        --------
        >>> RunConfig.from_dict({"latency": 1, "target": 0}).latency
        1.0
        >>> RunConfig.from_dict({"algorithm": "choco"})
        Traceback (most recent call last):
        ...
        gossip_sim.errors.ConfigError: unknown algorithm 'choco'; valid: ...
        """
        return cls(**{key: setting(key).check(value) for key, value in data.items()})

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as a plain dict (what ``config.json`` holds)."""
        return dataclasses.asdict(self)

    def resolved(self) -> RunConfig:
        """Return the configuration as it runs: agents counted, file paths made absolute.

        A catalogue network or graph file gives its own size; a generated topology without
        ``agents`` gets :data:`DEFAULT_AGENTS`; a graph or W file is named by its absolute
        path, so the run's ``config.json`` replays from any directory. Resolving twice
        changes nothing. A file that cannot be read is left as given (the run refuses it).

        Examples
        --------
        >>> RunConfig(topology="abilene").resolved().agents
        11
        >>> RunConfig(topology="nets/my.graphml").resolved().topology.startswith(os.sep)
        True
        """
        topology = _absolute_topology(self.topology)
        agents = self.agents
        if agents is None and _sized_by_file(topology):
            agents = _file_size(topology, _stamp(topology))  # None if unreadable: build says why
        elif agents is None:
            agents = DEFAULT_AGENTS
        mixing = os.path.abspath(self.mixing) if _mixing_file(self.mixing) else self.mixing
        links = _absolute_spec_path(self.link_failures)
        return dataclasses.replace(
            self,
            topology=topology,
            agents=agents,
            mixing=mixing,
            link_failures=links,
            initial=absolute_start(self.initial),
        )

    def digest(self) -> str:
        """Return the hex digest of the resolved configuration: equal digests, equal runs.

        The one digest of a configuration: the last part of :meth:`slug` and the name of a
        sweep's saved runs. A configuration and its resolved form (a run's ``config.json``)
        have the same digest.

        Examples
        --------
        >>> RunConfig(agents=5).digest() == RunConfig().digest()
        True
        >>> RunConfig(agents=5).digest() == RunConfig(agents=6).digest()
        False
        """
        data = self.resolved().to_dict()
        for item in SETTINGS:  # a run without faults keeps the digest it had before faults
            if (item.group == "faults" or item.late) and data[item.name] == item.default:
                del data[item.name]
        text = json.dumps(data, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def slug(self) -> str:
        """Return a folder name for this run, e.g. ``ring-5-choco-gossip-seed0-1a2b3c``.

        The last part is :meth:`digest`, so runs that differ in any setting (links,
        compressor, gamma...) never share a folder, and a rerun of the same configuration,
        its ``config.json`` included, lands in the same one.
        """
        config = self.resolved()
        spec = config.topology
        name = Path(spec).stem if "/" in spec or os.sep in spec else spec.split(":")[0]
        size = "" if config.agents is None else f"-{config.agents}"
        algorithm = config.algorithm.split(":")[0]
        return f"{name}{size}-{algorithm}-seed{config.seed}-{config.digest()[:6]}"


def _declare() -> tuple[Setting, ...]:
    return tuple(
        Setting(
            name=field.name,
            kind=str(field.type),
            default=field.default,
            **field.metadata["setting"],
        )
        for field in dataclasses.fields(RunConfig)
    )


#: Every run setting, in the order of ``--help``: the one declaration the rest derives from.
SETTINGS: tuple[Setting, ...] = _declare()


def setting(name: str) -> Setting:
    """Return the declaration of the setting ``name``, or refuse it naming the valid ones.

    Examples
    --------
    >>> setting("dim").short, setting("dim").default
    ('-d', 100)
    """
    for item in SETTINGS:
        if item.name == name:
            return item
    close = difflib.get_close_matches(name, [s.name for s in SETTINGS], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    valid = ", ".join(s.name for s in SETTINGS)
    raise ConfigError(f"unknown setting {name!r}; valid: {valid}{hint}")


_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def _check_type(setting: Setting, value: Any) -> Any:
    kinds = setting.kind.split(" | ")
    if value is None and "None" in kinds:
        return None
    for kind in kinds:
        if kind in _TYPES and isinstance(value, _TYPES[kind]):
            if isinstance(value, bool) and kind != "bool":
                continue
            if kind == "str" and setting.words and value not in setting.words:
                continue
            return float(value) if kind == "float" else value
    options = [
        _KIND_NAMES.get(k, k) for k in kinds if k != "None" and not (k == "str" and setting.words)
    ]
    options += [repr(word) for word in setting.words]
    wanted = f"{', '.join(options[:-1])} or {options[-1]}" if len(options) > 1 else options[0]
    raise ConfigError(f"setting {setting.name!r} = {value!r} is not valid; give {wanted}")


#: How an error message names a setting's type.
_KIND_NAMES = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}


def _sized_by_file(spec: str) -> bool:
    from gossip_sim import topology

    return topology.sized_by_file(spec)


def _graph_path(spec: str) -> str | None:
    """Return the file a topology spec reads (a path, ``file:path=``, ``sequence:path=``)."""
    from gossip_sim.topology import spec_path

    return spec_path(spec)


def _absolute_topology(spec: str) -> str:
    path = _graph_path(spec)
    if path is None or os.path.isabs(str(path)):
        return spec
    if path != spec.strip():  # the spec's path= parameter (file:path=..., sequence:path=...)
        return _absolute_spec_path(spec)
    return os.path.abspath(spec.strip())


def _absolute_spec_path(spec: str) -> str:
    """Return a spec whose ``path=`` parameter is made absolute (a graph or schedule file).

    Examples
    --------
    >>> _absolute_spec_path("off"), _absolute_spec_path("schedule:path=/a.csv")
    ('off', 'schedule:path=/a.csv')
    """
    from gossip_sim._registry import format_spec, parse_spec

    name, params = parse_spec(spec)
    path = params.get("path")
    if not isinstance(path, str) or os.path.isabs(path):
        return spec
    return format_spec(name, {**params, "path": os.path.abspath(path)})


def absolute_start(spec: str, folder: str | Path | None = None) -> str:
    """Return the ``initial`` setting with its file made absolute (against ``folder`` or cwd).

    A scenario file or ``--config`` TOML names a relative file from its own folder; the
    command line from the working directory. A rule's name is returned as given.

    Examples
    --------
    >>> absolute_start("normal:std=2"), absolute_start("x0.npy", "/data")
    ('normal:std=2', '/data/x0.npy')
    >>> absolute_start("file:path=x0.csv", "/data")
    'file:path=/data/x0.csv'
    """
    from gossip_sim._registry import format_spec, parse_spec
    from gossip_sim.problems.start import is_file

    base = Path.cwd() if folder is None else Path(folder)
    if is_file(spec):
        given = Path(spec.strip())
        return spec if given.is_absolute() else os.path.abspath(base / given)
    name, params = parse_spec(spec)
    path = params.get("path")
    if name != "file" or not isinstance(path, str) or os.path.isabs(path):
        return spec
    return format_spec(name, {**params, "path": os.path.abspath(base / path)})


def _mixing_file(spec: str) -> bool:
    from gossip_sim.mixing.matrix import FILE_SUFFIXES

    return "/" in spec or os.sep in spec or spec.lower().endswith(FILE_SUFFIXES)


def _stamp(spec: str) -> tuple[int, int] | None:
    """Return the (mtime, size) of the graph file ``spec`` names, so a changed file is reread."""
    path = _graph_path(spec)
    try:
        stat = os.stat(str(path)) if path is not None else None
    except OSError:
        return None
    return None if stat is None else (stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _file_size(spec: str, stamp: tuple[int, int] | None) -> int | None:
    """Return the node count of a catalogue network or graph file, None if it cannot be read."""
    from gossip_sim import topology

    try:
        return int(topology.build(spec).number_of_nodes())
    except ConfigError:
        return None


def agents_for(config: RunConfig) -> int | None:
    """Return the agent count to build: as configured, else None for files, else 5.

    A catalogue network or graph file has the size it has (None lets the file decide); a
    generated topology gets :data:`DEFAULT_AGENTS`.

    Examples
    --------
    >>> agents_for(RunConfig(topology="abilene")), agents_for(RunConfig(topology="torus"))
    (None, 5)
    """
    if config.agents is not None:
        return config.agents
    return None if _sized_by_file(config.topology) else DEFAULT_AGENTS


def load_config(path: str | Path) -> RunConfig:
    """Read a run configuration from a JSON or TOML file (e.g. a run's ``config.json``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "run.toml"
    >>> _ = p.write_text('topology = "torus"' + chr(10) + 'agents = 9')
    >>> load_config(p).agents
    9
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"configuration file {str(file)!r} does not exist")
    text = file.read_text()
    try:
        data = tomllib.loads(text) if file.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read {file}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"cannot read {file}: give a table of setting = value")
    if isinstance(data.get("initial"), str):  # a file of starting values: from this file's folder
        data["initial"] = absolute_start(data["initial"], file.parent)
    return RunConfig.from_dict(data)


def settings_markdown() -> str:
    """Return the settings reference page (``docs/reference/settings.md``), from :data:`SETTINGS`.

    Examples
    --------
    >>> "| `nic_egress` | `--nic-egress` |" in settings_markdown()
    True
    """
    lines = [
        "# Run settings",
        "",
        "Generated from the declaration in `gossip_sim/config.py` by `python -c 'from "
        'gossip_sim.config import settings_markdown as s; print(s(), end="")\' > '
        "docs/reference/settings.md`; a test checks it is current.",
        "",
        "Every setting of a run is one key of a TOML/JSON configuration (`gossip-sim --config "
        "FILE`, a run's own `config.json`), one flag of [the command line](cli.md) and one key "
        "of a [scenario file](scenario-files.md)'s `[run]`, `[sweep]` and `[[series]]` tables. "
        "A flag given on the command line overrides the same key of `--config`. Names come from "
        "the registries (`gossip-sim topologies`, `gossip-sim compressors`, "
        "`gossip-sim algorithms`, `gossip-sim problems`).",
        "",
        "| key | flag | type | default | unit | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for item in SETTINGS:
        flag = f"`{item.flag}`" + (f", `{item.short}`" if item.short else "")
        flag += f", `--no-{item.flag[2:]}`" if item.kind == "bool" else ""
        kind = item.kind.replace("|", "\\|")
        meaning = item.describe()
        if item.registry and "{names}" not in item.help:
            meaning += f". Names: {', '.join(item.names())}"
        default = "none" if item.default is None else f"`{item.default!r}`"
        lines.append(f"| `{item.name}` | {flag} | {kind} | {default} | {item.unit} | {meaning} |")
    lines += [
        "",
        "## The run's folder and its digest",
        "",
        "A run without `--out` writes to `gossip-sim-results/TOPOLOGY-K-ALGORITHM-seedS-DIGEST`; "
        "DIGEST is the start of the SHA-256 of the *resolved* configuration: agents counted "
        "(a catalogue network or graph file gives its own size, a generated topology without "
        "`agents` gets 5), graph and W files named by their absolute path. The run's "
        "`config.json` holds that resolved configuration, so `gossip-sim --config "
        "DIR/config.json` lands in the same folder, from any directory, and writes the same "
        "files byte for byte. A sweep names its saved runs with the same digest.",
        "",
        "## Adding a setting",
        "",
        "A setting is one field of `RunConfig` in `gossip_sim/config.py`, declared with its "
        "default, help, unit, short flag, `--help` group and registry: the flag, the file key, "
        "the type check, the scenario schema, this page and the digest follow from it. "
        "`tests/test_config.py` lists a file value and a flag value for every setting and fails "
        "until the new one has its row; `simulation.build` is where the run uses it.",
        "",
    ]
    return "\n".join(lines)
