"""Agent churn, link failures and stragglers as registries of specs.

Examples
--------
>>> STRAGGLERS.create("lognormal:median=0.001,sigma=1").sigma
1.0
>>> LINK_FAILURES.create("off") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gossip_sim._registry import Registry
from gossip_sim.errors import ConfigError
from gossip_sim.faults.loss import probability

__all__ = [
    "CHURN",
    "LINK_FAILURES",
    "STRAGGLERS",
    "Churn",
    "LinkSchedule",
    "LogNormal",
    "Pareto",
    "RandomLinkFailures",
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
        probability(self.leave, "churn leave")
        probability(self.join, "churn join")


@dataclass(frozen=True)
class RandomLinkFailures:
    """Each link alternates up and down, for exponential times of mean ``mtbf`` / ``mttr`` s."""

    mtbf: float
    mttr: float

    def __post_init__(self) -> None:
        _positive(self.mtbf, "link failures mtbf")
        _positive(self.mttr, "link failures mttr")


@dataclass(frozen=True)
class LinkSchedule:
    """Links down and up at given times: a CSV file ``time_s,src,dst,state`` (down or up)."""

    path: str


@dataclass(frozen=True)
class LogNormal:
    """Compute time lognormal with the given ``median`` (seconds) and shape ``sigma``."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        _positive(self.median, "lognormal median")
        _positive(self.sigma, "lognormal sigma")


@dataclass(frozen=True)
class Pareto:
    """Compute time Pareto with tail index ``alpha``, at least ``scale`` seconds.

    P(time > s) = (scale / s) ** alpha for s >= scale.
    """

    alpha: float
    scale: float

    def __post_init__(self) -> None:
        _positive(self.alpha, "pareto alpha")
        _positive(self.scale, "pareto scale")


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
