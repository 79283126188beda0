"""Demo ``loss``: what a lost message does to CHOCO-GOSSIP, at loss p = 0, 0.1 and 0.3.

The same CHOCO-GOSSIP run (same graph, same starting values, same compressor) three times,
with each transmission lost with probability p and no retransmission. One panel per p: the
agents coloured by what they hold (their first coordinate) after round r, and a red ✕ on
each link whose round-r message was lost, near the receiver that never got it. Below, the
consensus error against the round, and the messages lost so far, for the three runs.

A lost CHOCO message is not just late: its receiver's copy x̂_j of the sender's public state
misses that increment q_j for good, so the copies the agents keep of one another drift apart,
the agents stop agreeing with the sender's own x̂_j, and the average is no longer kept
(``docs/background``). The curves show the consequence: at p = 0 the error falls
geometrically, with loss it stalls or climbs.

A message is lost when the trace holds no delivered record of it (``trace.messages``: each
agent sends to each neighbour every round); the per-round count equals the trace's fault
column ``messages_lost``.

Examples
--------
>>> import tempfile
>>> out = gs.demo.run("loss", tempfile.mkdtemp(), agents=6, rounds=20, frames=3)
>>> out.frames, out.facts["messages_lost"]["p = 0"]
(3, 0)
>>> out.facts["messages_lost"]["p = 0.3"] > out.facts["messages_lost"]["p = 0.1"] > 0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from gossip_sim.config import RunConfig
from gossip_sim.demo.animation import Animation
from gossip_sim.demo.recording import Recording
from gossip_sim.errors import ConfigError
from gossip_sim.faults.loss import probability
from gossip_sim.topology import sized_by_file

__all__ = ["loss_demo", "loss_values", "lost_messages"]

_LOST = "#c0392b"
_ALONG = 0.65  # where on its link a lost message's ✕ sits: most of the way to its receiver


def lost_messages(rec: Recording) -> list[list[tuple[int, int]]]:
    """Return, for each round 0 .. R of a recording, the (src, dst) links whose message was lost.

    Round 0 sends nothing. A link's message of round r is lost when no delivered record of
    it is in the trace (every agent sends to every neighbour each round; no crash here).

    Examples
    --------
    >>> rec = Recording.of(RunConfig(topology="ring", agents=4, dim=2, rounds=3, links="lan"))
    >>> lost_messages(rec)
    [[], [], [], []]
    """
    links = [(int(u), int(v)) for a, b in rec.graph.edges() for u, v in ((a, b), (b, a))]
    delivered: list[set[tuple[int, int]]] = [set() for _ in rec.trace.rounds]
    for m in rec.trace.messages or []:
        if m.round + 1 < len(delivered):  # messages.csv numbering: round 1 is the first
            delivered[m.round + 1].add((int(m.src), int(m.dst)))
    return [[]] + [[link for link in links if link not in got] for got in delivered[1:]]


def loss_values(losses: Sequence[float] | float | str) -> list[float]:
    """Return the demo's loss probabilities: a sequence, one number, or ``"0/0.1/0.3"``.

    The slash list is how the command line gives several (``gossip-sim demo
    loss:losses=0/0.05/0.2``); each must be a probability, and each given once.

    Examples
    --------
    >>> loss_values("0/0.05/0.2"), loss_values(0.1)
    ([0.0, 0.05, 0.2], [0.1])
    >>> loss_values((0, 1.5))
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: loss = 1.5 is not a probability; give a number in [0, 1]
    """
    if isinstance(losses, str):
        try:
            given: list[Any] = [float(p) for p in losses.split("/") if p.strip()]
        except ValueError:
            raise ConfigError(
                f"losses = {losses!r} is not valid; give probabilities as 0/0.1/0.3"
            ) from None
    elif isinstance(losses, (int, float)):
        given = [losses]
    else:
        given = list(losses)
    values = [probability(p, "loss") for p in given]
    if not values or len(set(values)) < len(values):
        raise ConfigError(
            f"losses = {losses!r} is not valid; give distinct probabilities, e.g. 0/0.1/0.3"
        )
    return values


def _crosses(rec: Recording, links: list[tuple[int, int]]) -> Any:
    if not links:
        return np.zeros((0, 2))
    start = np.array([rec.pos[s] for s, _ in links])
    stop = np.array([rec.pos[d] for _, d in links])
    return start + _ALONG * (stop - start)


def loss_demo(
    losses: Sequence[float] | float | str = (0.0, 0.1, 0.3),
    topology: str = "ring",
    agents: int | None = None,
    compressor: str = "qsgd:s=16,scaled=true",
    retransmit: str = "off",
    seed: int = 0,
    frames: int = 48,
    links: str = "lan",
    dim: int = 8,
    rounds: int = 120,
) -> Animation:
    """CHOCO-GOSSIP at loss p = 0, 0.1, 0.3: who holds what, lost messages ✕, error vs round.

    ``losses``: see :func:`loss_values`; ``agents`` defaults to 12 (a catalogue network or
    graph file: its own size); ``retransmit`` (e.g. ``arq``) shows what retransmission buys
    back.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    chances = loss_values(losses)
    if agents is None and not sized_by_file(topology):
        agents = 12
    base = RunConfig(
        topology=topology,
        agents=agents,
        algorithm="choco-gossip",
        compressor=compressor,
        retransmit=retransmit,
        links=links,
        dim=dim,
        target=None,
        rounds=rounds,
        seed=seed,
    )
    runs = {f"p = {p:g}": Recording.of(replace(base, loss=p)) for p in chances}
    lost = {label: lost_messages(rec) for label, rec in runs.items()}
    start = next(iter(runs.values())).values[0]
    norm = Normalize(float(start.min()), float(start.max()))
    fig = plt.figure(figsize=(4.2 * len(runs), 7.6), constrained_layout=True)
    grid = fig.add_gridspec(2, len(runs), height_ratios=[1.15, 1])
    panels = []
    for i, (label, rec) in enumerate(runs.items()):
        ax = fig.add_subplot(grid[0, i])
        nodes = rec.draw_values(ax, norm, node_size=200)
        crosses = ax.scatter([], [], marker="x", s=70, color=_LOST, linewidths=2.2, zorder=5)
        title = ax.set_title(label, fontsize=10)
        panels.append((nodes, crosses, title))
    fig.colorbar(panels[-1][0], ax=fig.axes[: len(runs)], shrink=0.7, label="value held (x₁)")
    half = max(len(runs) // 2, 1)
    error_ax = fig.add_subplot(grid[1, : len(runs) - half] if len(runs) > 1 else grid[1, 0])
    count_ax = fig.add_subplot(grid[1, len(runs) - half :]) if len(runs) > 1 else None
    shades = plt.get_cmap("plasma")([0.85 * i / max(len(runs) - 1, 1) for i in range(len(runs))])
    curves = []
    for colour, (label, rec) in zip(shades, runs.items(), strict=True):
        errors = rec.trace.column("consensus_error")
        per_round = np.array([len(links) for links in lost[label]])
        error_ax.plot(errors, color=colour, alpha=0.25)
        (bold,) = error_ax.plot([], [], color=colour, linewidth=2, label=label)
        (count,) = (count_ax or error_ax).plot([], [], color=colour, linewidth=2)
        curves.append((bold, errors, count, np.cumsum(per_round)))
    cursor = error_ax.axvline(0, color="#444444", linewidth=1)
    error_ax.set_yscale("log")
    error_ax.set_xlabel("round")
    error_ax.set_ylabel("consensus error (1/K) Σ‖x_i − x̄‖²")
    error_ax.grid(True, which="both", alpha=0.3)
    error_ax.legend(fontsize="small", loc="lower left")
    last = max(len(rec.trace.rounds) for rec in runs.values()) - 1
    error_ax.set_xlim(0, last)
    if count_ax is not None:
        count_ax.set_xlim(0, last)
        count_ax.set_ylim(0, max(1.0, max(float(c[-1]) for *_, c in curves) * 1.05))
        count_ax.set_xlabel("round")
        count_ax.set_ylabel("messages lost so far")
        count_ax.grid(True, alpha=0.3)
    resend = "no retransmission" if retransmit == "off" else f"retransmit {retransmit}"
    heading = fig.suptitle("")
    graph = next(iter(runs.values())).graph

    def draw(frame: int) -> None:
        r = round(last * frame / (frames - 1))
        for (nodes, crosses, title), (label, rec) in zip(panels, runs.items(), strict=True):
            shown = min(r, len(rec.values) - 1)
            nodes.set_array(rec.values[shown])
            crosses.set_offsets(_crosses(rec, lost[label][shown]))
            so_far = sum(len(links) for links in lost[label][: shown + 1])
            title.set_text(f"{label}: {so_far} lost by round {r}")
        for bold, errors, count, cumulative in curves:
            bold.set_data(np.arange(min(r, len(errors) - 1) + 1), errors[: r + 1])
            count.set_data(np.arange(min(r, len(cumulative) - 1) + 1), cumulative[: r + 1])
        cursor.set_xdata([r, r])
        heading.set_text(
            f"CHOCO-GOSSIP ({compressor}) on {base.topology}, {graph.number_of_nodes()} agents, "
            f"{resend}: round {r}\n✕ a message of this round lost on its way to the receiver "
            "beside it; colour: the value each agent holds"
        )

    facts = {
        "messages_lost": {label: sum(map(len, links)) for label, links in lost.items()},
        "final_consensus_error": {
            label: float(rec.trace.final.consensus_error) for label, rec in runs.items()
        },
        "bits": {label: int(rec.trace.final.cumulative_bits) for label, rec in runs.items()},
    }
    moving = [a for panel in panels for a in panel] + [cursor, heading]
    moving += [line for bold, _, count, _ in curves for line in (bold, count)]
    return Animation(fig, draw, frames, facts=facts, animated=moving)
