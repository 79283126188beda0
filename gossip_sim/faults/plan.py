"""A run's faults in one object, checked before anything is built or written.

Examples
--------
>>> plan = FaultPlan.create(loss=0.1, rounds=100)
>>> plan.loss, plan.any
(Bernoulli(p=0.1), True)
>>> FaultPlan.create(crash_fraction=0.2, rounds=100).crash_round
50
>>> FaultPlan.create(crash_fraction=1.0, rounds=100)
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: crash fraction = 1.0 is not valid; give a share in [0, 1) ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gossip_sim.errors import ConfigError
from gossip_sim.faults.failures import CHURN, LINK_FAILURES, STRAGGLERS
from gossip_sim.faults.loss import LOSS_MODELS, RETRANSMIT, Arq, Bernoulli, probability

__all__ = ["FaultPlan"]


@dataclass(frozen=True)
class FaultPlan:
    """What can go wrong in a run (None / 0: that fault is off).

    ``crash_agents`` of the ``K`` agents are drawn from the seed when the run starts; they
    crash when round ``crash_round`` opens and, with ``recover_after``, come back that many
    rounds later.
    """

    loss: Any = None
    retransmit: Arq | None = None
    deadline: float | None = None
    crash_fraction: float = 0.0
    crash_round: int | None = None
    recover_after: int | None = None
    churn: Any = None
    link_failures: Any = None
    stragglers: Any = None

    @classmethod
    def create(
        cls,
        *,
        loss: float | str = 0.0,
        retransmit: str = "off",
        deadline: float | None = None,
        crash_fraction: float = 0.0,
        crash_round: int | None = None,
        recover_after: int | None = None,
        churn: str = "off",
        link_failures: str = "off",
        stragglers: str = "off",
        rounds: int = 0,
    ) -> FaultPlan:
        """Return the plan the settings name, refusing bad values with one clear line."""
        if isinstance(loss, str):
            model = LOSS_MODELS.create(loss)
        else:
            model = Bernoulli(probability(loss, "loss"))
        if isinstance(model, Bernoulli) and model.p == 0:
            model = None
        if deadline is not None and not deadline > 0:
            raise ConfigError(f"deadline = {deadline} s is not valid; give seconds > 0")
        if not 0 <= crash_fraction < 1:
            raise ConfigError(
                f"crash fraction = {crash_fraction} is not valid; give a share in [0, 1) "
                "(at least one agent must stay)"
            )
        if crash_round is not None and crash_round < 0:
            raise ConfigError(f"crash round = {crash_round} is not valid; give a round >= 0")
        if recover_after is not None and recover_after < 1:
            raise ConfigError(f"recover after = {recover_after} is not valid; give rounds >= 1")
        if crash_fraction > 0 and crash_round is not None and rounds and crash_round >= rounds:
            raise ConfigError(
                f"crash round = {crash_round} is not valid: the run stops after --rounds "
                f"{rounds}; give a crash round below {rounds}"
            )
        if crash_fraction == 0 and (crash_round is not None or recover_after is not None):
            raise ConfigError(
                "--crash-round and --recover-after need --crash-fraction F > 0 (which share "
                "of the agents crash)"
            )
        return cls(
            loss=model,
            retransmit=RETRANSMIT.create(retransmit),
            deadline=deadline,
            crash_fraction=float(crash_fraction),
            crash_round=(rounds // 2 if crash_round is None else crash_round)
            if crash_fraction > 0
            else None,
            recover_after=recover_after,
            churn=CHURN.create(churn),
            link_failures=LINK_FAILURES.create(link_failures),
            stragglers=STRAGGLERS.create(stragglers),
        )

    @property
    def any(self) -> bool:
        """Whether anything can go wrong (otherwise the fast path gives the same numbers)."""
        return any(
            value not in (None, 0.0)
            for value in (
                self.loss,
                self.retransmit,
                self.deadline,
                self.crash_fraction,
                self.churn,
                self.link_failures,
                self.stragglers,
            )
        )

    def crash_count(self, n_agents: int) -> int:
        """Return how many of ``n_agents`` crash (rounded, at least 1 when the share is > 0).

        Examples
        --------
        >>> FaultPlan.create(crash_fraction=0.2, rounds=10).crash_count(64)
        13
        """
        if self.crash_fraction == 0:
            return 0
        return min(n_agents - 1, max(1, round(self.crash_fraction * n_agents)))
