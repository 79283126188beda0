"""Measure what CHOCO-GOSSIP's copies of x-hat do when messages are lost; draw the figure.

Draws docs/background/figures/choco-under-loss.png and prints the numbers of
docs/background/choco-under-loss.md: CHOCO-GOSSIP (qsgd:s=16,scaled=true) on a torus of 64
agents, D = 100, 500 rounds, on the event-driven engine, with Bernoulli loss p and no
retransmission, and p = 0.1 with ARQ.

Every round, when its last agent has mixed, the script reads each agent's own state
(``ChocoAgents.x_hat`` and ``ChocoAgents.copies``) and measures the **copy drift**
max over links j -> i of ||copy_ij - x_hat_j||, where x_hat_j is agent j's public copy right
after its send of that round and copy_ij agent i's copy of it with the increments of that round
and the earlier ones that reached i (an increment of a later round that i has already applied,
because j ran ahead, is taken out). Without loss the two are the same sums in the same order:
the drift is exactly 0. A lost increment q_j is missing from copy_ij for good.

The hooks are the per-agent program's own methods (``send_batch``, ``receive``), wrapped; the run is
:func:`gossip_sim.events.rounds.run` with the configuration's graph, W and faults.

Run from the repository root: ``python docs/figures/make_choco_under_loss.py [OUT_DIR]``
(about 1.5 minutes on one core).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import gossip_sim as gs
from gossip_sim.events import rounds as event_rounds
from gossip_sim.simulation import build

OUT = Path(__file__).resolve().parent.parent / "background" / "figures"
BASE = {
    "topology": "torus",
    "agents": 64,
    "dim": 100,
    "algorithm": "choco-gossip",
    "compressor": "qsgd:s=16,scaled=true",
    "rounds": 500,
    "target": 0.0,
    "seed": 0,
}
#: (label, loss, retransmit): the runs measured and drawn.
CASES = (
    ("p = 0", 0.0, "off"),
    ("p = 0.01", 0.01, "off"),
    ("p = 0.1", 0.1, "off"),
    ("p = 0.3", 0.3, "off"),
    ("p = 0.1, ARQ", 0.1, "arq"),
)


class CopyDrift:
    """Wraps a ChocoAgents program's send/receive and measures the copies' drift per round."""

    def __init__(self, program: Any) -> None:
        self.program = program
        self.history: dict[tuple[int, int], np.ndarray] = {}  # (j, t) -> x_hat_j after send
        self.round_of: dict[int, tuple[int, Any]] = {}  # id(payload) -> (t, payload)
        self.applied: dict[int, list[tuple[int, np.ndarray]]] = defaultdict(list)
        slots = program.slots.index
        self.slot_sender = np.array([j for (_, j), _ in sorted(slots.items(), key=lambda s: s[1])])
        self.drift: list[float] = [0.0]  # max over links
        self.rms: list[float] = [0.0]  # root mean square over links
        self.sizes: dict[int, list[float]] = defaultdict(list)  # round -> ||q_j|| sent
        send_batch, receive = program.send_batch, program.receive
        sends: dict[int, int] = defaultdict(int)  # agent -> rounds sent (nobody crashes here)

        def wrapped_send_batch(agents: list[int]) -> list[tuple[int, Any]]:
            # the engine encodes the agents that send at one instant together
            results = send_batch(agents)
            for i, (_, q) in zip(agents, results, strict=True):
                t = sends[i]
                sends[i] += 1
                self.history[(i, t)] = program.x_hat[i].copy()
                self.round_of[id(q)] = (t, q)  # the dict keeps q alive: its id stays its own
                self.sizes[t].append(float(np.linalg.norm(q)))
            return results

        def wrapped_receive(i: int, j: int, payload: Any) -> None:
            receive(i, j, payload)
            t, _ = self.round_of[id(payload)]
            self.applied[slots[(i, j)]].append((t, payload))

        program.send_batch, program.receive = wrapped_send_batch, wrapped_receive

    def measure(self, done: int) -> None:
        """Record the drift after round ``done`` (1 = the first), when every agent mixed it."""
        t = done - 1
        p = self.program
        held = p.copies.copy()
        for slot, entries in self.applied.items():
            for r, q in entries:
                if r > t:  # applied early: j ran ahead of the round measured
                    held[slot] -= q
            self.applied[slot] = [(r, q) for r, q in entries if r > t]
        public = np.stack([self.history[(j, t)] for j in range(p.x_hat.shape[0])])
        gap = held - public[self.slot_sender]
        norms = np.sqrt((gap * gap).sum(axis=1))
        self.drift.append(float(norms.max()))
        self.rms.append(float(np.sqrt((norms * norms).mean())))
        for key in [key for key in self.history if key[1] < t]:
            del self.history[key]


def measure(loss: float, retransmit: str) -> tuple[CopyDrift, Any]:
    """Run one case on the event-driven engine; return its drift record and its trace."""
    config = gs.RunConfig.from_dict(
        {**BASE, "loss": loss, "retransmit": retransmit, "engine": "events"}
    )
    setup = build(config)
    program = setup.algorithm.agents()
    drift = CopyDrift(program)
    setup.algorithm.agents = lambda: program  # the engine plays this very program
    trace = event_rounds.run(
        setup.algorithm,
        setup.graph,
        setup.W,
        setup.plan,
        rounds=config.rounds,
        target=config.target,
        seed=config.seed,
        on_values=lambda done, values: drift.measure(done) if done else None,
        config=config.to_dict(),
    )
    return drift, trace


def main(out: Path = OUT) -> None:
    """Run every case, print the table, draw the figure."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.4), constrained_layout=True)
    axes = axes.ravel()
    print(
        "| case | max copy drift at 10 / 100 / 500 | rms copy drift at 10 / 100 / 500 "
        "| mean ‖q‖ in round 1 / 10 / 100 / 500 | consensus error at 100 / 500 "
        "| mean shift at 100 / 500 | messages lost | retransmissions |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, loss, retransmit in CASES:
        drift, trace = measure(loss, retransmit)
        rounds = trace.column("round")
        error = trace.column("consensus_error")
        shift = np.array([f.live_mean_shift for f in trace.faults])
        lost = sum(f.messages_lost for f in trace.faults)
        again = sum(f.retransmissions for f in trace.faults)
        d, rms = drift.drift, drift.rms
        size = [float(np.mean(drift.sizes[t])) for t in range(len(drift.sizes))]
        print(
            f"| {label} | {d[10]:.3g} / {d[100]:.3g} / {d[500]:.3g} "
            f"| {rms[10]:.3g} / {rms[100]:.3g} / {rms[500]:.3g} "
            f"| {size[0]:.3g} / {size[9]:.3g} / {size[99]:.3g} / {size[499]:.3g} "
            f"| {error[100]:.3g} / {error[-1]:.3g} | {shift[100]:.3g} / {shift[-1]:.3g} "
            f"| {lost} | {again} |"
        )
        style = {"label": label, "linestyle": "--" if retransmit == "arq" else "-"}
        axes[0].plot(rounds, np.maximum(rms, 1e-17), **style)
        axes[1].plot(rounds[1:], np.maximum(size, 1e-17), **style)
        axes[2].plot(rounds, error, **style)
        axes[3].plot(rounds, np.maximum(shift, 1e-17), **style)
    titles = (
        "copy drift, rms over links j → i of ‖copy_ij − x̂_j‖",
        "size of the increments sent, mean ‖q_j‖",
        "consensus error (1/K) Σ‖x_i − x̄‖²",
        "mean shift ‖x̄(t) − x̄(0)‖",
    )
    for ax, title in zip(axes, titles, strict=True):
        ax.set_yscale("log")
        ax.set_xlabel("round")
        ax.set_title(title, fontsize="medium")
        ax.grid(True, which="both", alpha=0.3)
    for ax in (axes[0], axes[1], axes[3]):
        ax.set_ylim(bottom=1e-16)
    axes[2].legend(fontsize="small")
    fig.suptitle(
        "CHOCO-GOSSIP, qsgd s=16, torus of 64, D = 100: Bernoulli loss p, no "
        "retransmission (solid) and ARQ (dashed); 0 is drawn at 1e-17"
    )
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "choco-under-loss.png", dpi=110)
    print(f"wrote {out / 'choco-under-loss.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
