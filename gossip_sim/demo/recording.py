"""A run recorded for a demo: values per round, every message's timing, read at any time.

:meth:`Recording.of` runs a configuration through the engine (real SimPy events, real payloads)
with every message recorded and the values kept after each round. An agent holds its round-r
value from the moment it finished round r (``trace.agent_finish``), so :meth:`values_at` gives
what each agent held at any simulated time, and :meth:`in_flight` which messages were queued or
on a link then, and how far along.

Examples
--------
>>> rec = Recording.of(RunConfig(topology="ring", agents=4, dim=2, rounds=3, links="lan"))
>>> rec.values.shape  # rounds 0..3, one value (the first coordinate) per agent
(4, 4)
>>> xy, nbits = rec.in_flight(rec.trace.rounds[1].time_s / 2)
>>> len(nbits) > 0 and xy.shape[1] == 2
True
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gossip_sim import mixing
from gossip_sim.config import RunConfig, agents_for
from gossip_sim.report.graph import draw_graph, graph_layout
from gossip_sim.simulation import execute
from gossip_sim.topology import build as build_topology
from gossip_sim.trace import Trace

__all__ = ["Recording"]


@dataclass
class Recording:
    """One recorded run: its trace, graph, layout, W and first coordinates per round."""

    config: RunConfig
    trace: Trace
    graph: Any
    W: Any
    pos: dict[int, tuple[float, float]]
    values: NDArray[np.float64]  # (rounds + 1, K): each agent's first coordinate
    _messages: dict[str, NDArray[Any]]

    @classmethod
    def of(cls, config: RunConfig) -> Recording:
        """Run ``config`` with every message recorded (see the module docstring)."""
        config = dataclasses.replace(config, record_messages=True)
        kept: list[NDArray[np.float64]] = []
        trace = execute(config, on_values=lambda r, v: kept.append(np.array(v[:, 0])))
        graph = build_topology(
            config.topology, agents_for(config), links=config.links, seed=config.seed
        )
        pos = graph_layout(graph)
        rows = len(trace.rounds)
        records = trace.messages or []
        fields = ("src", "dst", "nbits", "t_sent", "t_start", "t_departed", "t_arrived", "round")
        messages = {f: np.array([getattr(m, f) for m in records]) for f in fields}
        return cls(
            config,
            trace,
            graph,
            mixing.mixing_matrix(config.mixing, graph),
            pos,
            np.array(kept[:rows]),
            messages,
        )

    @property
    def end(self) -> float:
        """When the last agent finished the last round (simulated seconds)."""
        return float(self.trace.final.time_s)

    def values_at(self, t: float) -> NDArray[np.float64]:
        """Return what each agent held at simulated time ``t`` (its latest finished round)."""
        finish = self.trace.agent_finish
        assert finish is not None
        rounds = len(self.values)
        held = [
            min(int(np.searchsorted(finish[:, i], t, side="right")) - 1, rounds - 1)
            for i in range(finish.shape[1])
        ]
        return self.values[np.maximum(held, 0), np.arange(finish.shape[1])]

    def in_flight(self, t: float) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Return the positions and bits of messages sent but not arrived at time ``t``.

        A message waiting in a queue sits at its sender; once its first bit leaves it moves
        along the edge at a steady pace until its last bit arrives.
        """
        m = self._messages
        if not len(m["src"]):
            return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
        live = (m["t_sent"] <= t) & (t < m["t_arrived"])
        span = np.maximum(m["t_arrived"][live] - m["t_start"][live], 1e-300)
        fraction = np.clip((t - m["t_start"][live]) / span, 0.0, 1.0)[:, None]
        start = np.array([self.pos[s] for s in m["src"][live]]).reshape(-1, 2)
        stop = np.array([self.pos[d] for d in m["dst"][live]]).reshape(-1, 2)
        return start + fraction * (stop - start), m["nbits"][live]

    def sent_by(self, node: int, until: float) -> tuple[list[tuple[float, float]], list[int]]:
        """Return when ``node`` serialised each message it started before ``until``.

        The periods are ``(start, duration)`` pairs (what ``broken_barh`` draws), with each
        message's round (0 = the first).
        """
        m = self._messages
        if not len(m["src"]):
            return [], []
        mine = (m["src"] == node) & (m["t_start"] < until)
        starts, ends = m["t_start"][mine], m["t_departed"][mine]
        periods = [(float(a), float(b - a)) for a, b in zip(starts, ends, strict=True)]
        return periods, [int(r) for r in m["round"][mine]]

    def queued(self, node: int, times: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return how many of ``node``'s messages waited for its NIC at each of ``times``."""
        m = self._messages
        mine = m["src"] == node if len(m["src"]) else np.zeros(0, dtype=bool)
        sent, start = m["t_sent"][mine], m["t_start"][mine]
        return np.array([int(np.sum((sent <= t) & (t < start))) for t in times])

    def draw_values(self, ax: Any, norm: Any, node_size: float) -> Any:
        """Draw the graph on ``ax`` with its nodes coloured by their round-0 values.

        Returns the nodes' collection: ``set_array(rec.values_at(t))`` recolours them.
        """
        draw_graph(self.graph, self.W, ax=ax, pos=self.pos, node_color="#dddddd")
        xy = np.array([self.pos[n] for n in sorted(self.graph.nodes)])
        return ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=node_size,
            c=self.values[0],
            cmap="viridis",
            norm=norm,
            edgecolors="#333333",
            linewidths=0.7,
            zorder=3,
        )

    @property
    def max_message_bits(self) -> int:
        """The largest message's payload bits (scales the dots of every panel alike)."""
        nbits = self._messages["nbits"]
        return int(nbits.max()) if len(nbits) else 1
