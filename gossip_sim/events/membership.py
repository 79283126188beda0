"""Placeholder until the membership branch lands: everyone alive, the static W."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy


@dataclass(frozen=True)
class RoundView:
    t: int
    alive: Any
    W: Any
    changed: bool = False


class Membership:
    def __init__(self, env: simpy.Environment, graph: Any, W: Any, plan: Any, *, seed: int, base: Any = None) -> None:
        self.env, self.W, self.base = env, W, base
        self.k = graph.number_of_nodes()
        self.all = np.ones(self.k, dtype=bool)

    def start(self) -> None:
        pass

    def open_round(self, t: int) -> RoundView:
        return RoundView(t, self.all, self.W if self.base is None else self.base(t))

    def alive(self, i: int) -> bool:
        return True

    def link_up(self, src: int, dst: int) -> bool:
        return True

    def back(self, i: int) -> simpy.Event:
        return self.env.event()

    def compute_time(self, i: int, t: int) -> float:
        return 0.0
