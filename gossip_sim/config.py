"""One run's configuration: every setting declared once, validated, and digested.

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
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gossip_sim import topology
from gossip_sim.errors import ConfigError

__all__ = ["DEFAULT_AGENTS", "RunConfig", "agents_for", "load_config"]


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run (see ``gossip-sim --help`` for each field)."""

    topology: str = "ring"
    agents: int | None = None  # None: DEFAULT_AGENTS for generators, the size of a file
    links: str = "datacenter"
    latency: float | None = None
    bandwidth: float | None = None
    nic_egress: float | None = None
    header_bits: int = 0
    compute_seconds: float = 0.0
    mixing: str = "metropolis-hastings"
    algorithm: str = "choco-gossip"
    compressor: str = "qsgd:s=16,scaled=true"
    gamma: float | str = "auto"
    problem: str = "consensus"
    dim: int = 100
    rounds: int = 1000
    target: float | None = 1e-8
    seed: int = 0
    record_messages: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """Build a configuration from a dict, refusing unknown keys and wrong types."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key in data:
            if key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(f"unknown setting {key!r}; valid: {', '.join(fields)}{hint}")
        values = {
            key: _check_type(key, value, str(fields[key].type)) for key, value in data.items()
        }
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as a plain dict (what ``config.json`` holds)."""
        return dataclasses.asdict(self)

    def slug(self) -> str:
        """Return a folder name for this run, e.g. ``ring-5-choco-gossip-seed0-1a2b3c``.

        The last part is a digest of the whole configuration, so runs that differ in any
        setting (links, compressor, gamma...) never share a folder, and a rerun of the same
        configuration lands in the same one.
        """
        name = Path(self.topology).stem if "/" in self.topology else self.topology.split(":")[0]
        agents = agents_for(self)
        size = "" if agents is None else f"-{agents}"
        resolved = {**self.to_dict(), "agents": agents}  # `--agents 5` is the default run
        digest = hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()
        return f"{name}{size}-{self.algorithm.split(':')[0]}-seed{self.seed}-{digest[:6]}"


_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def _check_type(key: str, value: Any, annotation: str) -> Any:
    kinds = annotation.split(" | ")
    if value is None and "None" in kinds:
        return None
    for kind in kinds:
        if kind in _TYPES and isinstance(value, _TYPES[kind]):
            if isinstance(value, bool) and kind != "bool":
                continue
            return float(value) if kind == "float" else value
    wanted = " or ".join(k for k in kinds if k != "None")
    raise ConfigError(f"setting {key!r} = {value!r} is not valid; give a {wanted}")


#: Agents of a generated topology when the configuration does not say.
DEFAULT_AGENTS = 5


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
    return None if topology.sized_by_file(config.topology) else DEFAULT_AGENTS


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
    return RunConfig.from_dict(data)
