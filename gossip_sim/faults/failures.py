"""Agent churn, link failures and stragglers as registries of specs, with their draws.

The pure parts of what :class:`gossip_sim.events.membership.Membership` plays: the straggler
laws' sampling (:class:`ComputeTimes`) and the link schedule file (:func:`read_link_schedule`).
The rules are stated in ``docs/background/failure-rules.md``.

Examples
--------
>>> STRAGGLERS.create("lognormal:median=0.001,sigma=1").sigma
1.0
>>> LINK_FAILURES.create("off") is None
True
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from gossip_sim._random import stream
from gossip_sim._registry import Registry
from gossip_sim._typing import SeedLike
from gossip_sim.errors import ConfigError
from gossip_sim.faults.loss import probability

__all__ = [
    "CHURN",
    "LINK_FAILURES",
    "STRAGGLERS",
    "Churn",
    "ComputeTimes",
    "LinkChange",
    "LinkSchedule",
    "LogNormal",
    "Pareto",
    "RandomLinkFailures",
    "read_link_schedule",
]

CHURN: Registry[Any] = Registry("churn model")
LINK_FAILURES: Registry[Any] = Registry("link failure model")
STRAGGLERS: Registry[Any] = Registry("straggler law")


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{what} = {value!r} is not valid; give a number > 0")
    return float(value)


@dataclass(frozen=True)
class Churn:
    """Agents leave and join: per round, leave w.p. ``leave``, join back w.p. ``join``.

    A joining agent comes back with the state it had when it left.
    """

    leave: float
    join: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "leave", probability(self.leave, "churn leave"))
        object.__setattr__(self, "join", probability(self.join, "churn join"))


@dataclass(frozen=True)
class RandomLinkFailures:
    """Each link alternates up and down, for exponential times of mean ``mtbf`` / ``mttr`` s."""

    mtbf: float
    mttr: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mtbf", _positive(self.mtbf, "link failures mtbf"))
        object.__setattr__(self, "mttr", _positive(self.mttr, "link failures mttr"))


@dataclass(frozen=True)
class LinkSchedule:
    """Links down and up at given times: a CSV file ``time_s,src,dst,state`` (down or up)."""

    path: str

    def read(self, graph: nx.Graph | None = None) -> tuple[LinkChange, ...]:
        r"""Return the file's changes, checked against ``graph`` (see :func:`read_link_schedule`).

        Examples
        --------
        >>> import networkx as nx, pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "links.csv"
        >>> _ = path.write_text("time_s,src,dst,state\n0.5,0,1,down\n")
        >>> LinkSchedule(str(path)).read(nx.path_graph(3))
        (LinkChange(time_s=0.5, src=0, dst=1, up=False),)
        """
        return read_link_schedule(self.path, graph)


@dataclass(frozen=True)
class LinkChange:
    """One row of a link schedule: from ``time_s`` on, link ``src``-``dst`` is up (or down).

    Examples
    --------
    >>> LinkChange(0.5, 0, 1, up=False)
    LinkChange(time_s=0.5, src=0, dst=1, up=False)
    """

    time_s: float
    src: int
    dst: int
    up: bool


@dataclass(frozen=True)
class LogNormal:
    """Compute time lognormal with the given ``median`` (seconds) and shape ``sigma``."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "median", _positive(self.median, "lognormal median"))
        object.__setattr__(self, "sigma", _positive(self.sigma, "lognormal sigma"))

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        """Return exp(N(log median, sigma)) seconds (one float, or ``size`` of them).

        Examples
        --------
        >>> LogNormal(0.001, 1.0).sample(np.random.default_rng(0)) > 0
        True
        """
        return rng.lognormal(math.log(self.median), self.sigma, size)


@dataclass(frozen=True)
class Pareto:
    """Compute time Pareto with tail index ``alpha``, at least ``scale`` seconds.

    P(time > s) = (scale / s) ** alpha for s >= scale.
    """

    alpha: float
    scale: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", _positive(self.alpha, "pareto alpha"))
        object.__setattr__(self, "scale", _positive(self.scale, "pareto scale"))

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        """Return scale * (1 + Lomax(alpha)) seconds (one float, or ``size`` of them).

        NumPy's ``pareto`` is the Lomax law, P(X > x) = (1 + x) ** -alpha, so the time T =
        scale * (1 + X) has P(T > s) = (scale / s) ** alpha for s >= scale.

        Examples
        --------
        >>> Pareto(1.5, 0.001).sample(np.random.default_rng(0)) >= 0.001
        True
        """
        return self.scale * (1.0 + rng.pareto(self.alpha, size))


class ComputeTimes:
    """The compute time of each agent in each round under a straggler law (or 0.0 without one).

    Agent ``i``'s draw for round ``t`` is the (t + 1)-th number of its own stream
    ``stream(seed, "stragglers", i)``, whoever else asks and whichever rounds ``i`` skipped
    (a crashed agent does not compute; the draws of the rounds it missed are discarded).
    Without a law (``law=None``) every time is 0.0 and nothing is drawn.

    Parameters
    ----------
    law : LogNormal or Pareto or None
        The straggler law (``STRAGGLERS.create(...)``).
    seed : int
        The run's seed.

    Examples
    --------
    >>> times = ComputeTimes(LogNormal(median=0.001, sigma=1.0), seed=0)
    >>> a = times.draw(3, 0)
    >>> a == ComputeTimes(LogNormal(0.001, 1.0), seed=0).draw(3, 0), a == times.draw(3, 0)
    (True, True)
    >>> ComputeTimes(None, seed=0).draw(3, 0)
    0.0
    """

    def __init__(self, law: LogNormal | Pareto | None, seed: SeedLike) -> None:
        self.law = law
        self.seed = seed
        self._streams: dict[int, np.random.Generator] = {}
        self._last: dict[int, tuple[int, float]] = {}  # agent -> (round, its draw)

    def draw(self, agent: int, round: int) -> float:
        """Return agent ``agent``'s compute time in round ``round`` (seconds).

        An agent asks for its rounds in increasing order; asking for the same round again gives
        the same time, asking for an earlier round is a bug (``ValueError``).

        Examples
        --------
        >>> times = ComputeTimes(Pareto(alpha=1.5, scale=0.001), seed=1)
        >>> late = times.draw(0, 5)
        >>> fresh = ComputeTimes(Pareto(1.5, 0.001), seed=1)
        >>> [fresh.draw(0, t) for t in range(6)][-1] == late
        True
        """
        if self.law is None:
            return 0.0
        last_round, last_value = self._last.get(agent, (-1, 0.0))
        if round == last_round:
            return last_value
        if round < last_round:
            raise ValueError(f"agent {agent} asked for round {round} after round {last_round}")
        rng = self._streams.get(agent)
        if rng is None:
            rng = self._streams[agent] = stream(self.seed, "stragglers", agent)
        if round - last_round > 1:
            self.law.sample(rng, round - last_round - 1)  # the rounds the agent missed
        value = float(self.law.sample(rng))
        self._last[agent] = (round, value)
        return value


@CHURN.register("off")
def churn_off() -> None:
    """No churn: agents stay (crashes aside)."""
    return None


@CHURN.register("random")
def churn_random(leave: float = 0.01, join: float = 0.1) -> Churn:
    """Per round, a live agent leaves w.p. leave, an absent one joins back w.p. join."""
    return Churn(leave, join)


@LINK_FAILURES.register("off")
def links_off() -> None:
    """Links never fail."""
    return None


@LINK_FAILURES.register("random")
def links_random(mtbf: float = 1.0, mttr: float = 0.1) -> RandomLinkFailures:
    """Each link up for Exp(mean mtbf) s, then down for Exp(mean mttr) s, and so on."""
    return RandomLinkFailures(mtbf, mttr)


@LINK_FAILURES.register("schedule")
def links_schedule(path: str = "") -> LinkSchedule:
    """Links down/up at the times of a CSV file: time_s,src,dst,state."""
    if not path:
        raise ConfigError("link failures schedule: give path=FILE.csv (time_s,src,dst,state)")
    return LinkSchedule(path)


@STRAGGLERS.register("off")
def stragglers_off() -> None:
    """Every agent computes for --compute-seconds exactly."""
    return None


@STRAGGLERS.register("lognormal")
def lognormal(median: float = 0.001, sigma: float = 1.0) -> LogNormal:
    """Compute time lognormal(log(median), sigma) seconds per agent and round."""
    return LogNormal(median, sigma)


@STRAGGLERS.register("pareto")
def pareto(alpha: float = 1.5, scale: float = 0.001) -> Pareto:
    """Compute time Pareto with tail index alpha, at least scale seconds."""
    return Pareto(alpha, scale)


def read_link_schedule(path: str | Path, graph: nx.Graph | None = None) -> tuple[LinkChange, ...]:
    r"""Read a link schedule: CSV rows ``time_s,src,dst,state``, times in seconds, sorted.

    A header row ``time_s,src,dst,state``, blank lines and lines starting with ``#`` are
    skipped. ``state`` is ``down`` or ``up``; rows with the same time apply in file order. With
    ``graph``, every ``src``-``dst`` must be one of its links (either direction names the link).

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.
    graph : networkx.Graph, optional
        The run's graph (agents 0..K-1); without it only the format is checked.

    Returns
    -------
    tuple of LinkChange

    Raises
    ------
    ConfigError
        One line naming the file and the line: a file that cannot be read, a row without four
        fields, a time that is not a number >= 0 or comes before the row above it, an agent
        that is not in the graph, a pair that is not a link, a state other than down or up.

    Examples
    --------
    >>> import networkx as nx, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "links.csv"
    >>> _ = path.write_text("time_s,src,dst,state\n1.0,2,1,down\n2.5,1,2,up\n")
    >>> [(c.time_s, c.src, c.dst, c.up) for c in read_link_schedule(path, nx.path_graph(3))]
    [(1.0, 2, 1, False), (2.5, 1, 2, True)]
    >>> _ = path.write_text("1.0,0,2,down\n")
    >>> read_link_schedule(path, nx.path_graph(3))
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: link schedule .../links.csv, line 1: 0-2 is not a link of ...
    """
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not a UTF-8 text file"
        raise ConfigError(
            f"link schedule {path}: cannot read it ({reason}); give a CSV file time_s,src,dst,state"
        ) from None
    changes: list[LinkChange] = []
    for number, row in enumerate(rows, start=1):
        fields = [field.strip() for field in row]
        if not any(fields) or fields[0].startswith("#") or fields[0] == "time_s":
            continue
        change = _schedule_row(fields, graph, f"link schedule {path}, line {number}")
        if changes and change.time_s < changes[-1].time_s:
            raise ConfigError(
                f"link schedule {path}, line {number}: time_s = {change.time_s} comes before "
                f"{changes[-1].time_s} on the line above; sort the rows by time"
            )
        changes.append(change)
    return tuple(changes)


def _schedule_row(fields: list[str], graph: nx.Graph | None, where: str) -> LinkChange:
    """Return one schedule row as a LinkChange, or refuse it naming ``where``."""
    if len(fields) != 4:
        raise ConfigError(
            f"{where}: {','.join(fields)!r} has {len(fields)} fields; give time_s,src,dst,state"
        )
    text, src, dst, state = fields
    try:
        time_s = float(text)
    except ValueError:
        time_s = math.nan
    if not time_s >= 0 or math.isinf(time_s):
        raise ConfigError(f"{where}: time_s = {text!r} is not valid; give seconds >= 0")
    if state not in ("down", "up"):
        raise ConfigError(f"{where}: state = {state!r} is not valid; give down or up")
    ends = tuple(_schedule_agent(name, graph, where) for name in (src, dst))
    if graph is not None and not graph.has_edge(*ends):
        raise ConfigError(
            f"{where}: {ends[0]}-{ends[1]} is not a link of the graph; give two linked agents"
        )
    return LinkChange(time_s, ends[0], ends[1], state == "up")


def _schedule_agent(name: str, graph: nx.Graph | None, where: str) -> int:
    """Return the agent a schedule row names, or refuse it naming ``where``."""
    valid = "an agent index >= 0" if graph is None else f"an agent 0..{len(graph) - 1}"
    try:
        agent = int(name)
    except ValueError:
        agent = -1
    if agent < 0 or (graph is not None and agent not in graph):
        raise ConfigError(f"{where}: agent {name!r} is not in the graph; give {valid}")
    return agent
