"""Measure on which value the survivors of a crash agree (the faults-crash scenario, checked).

20 % of the 64 agents of a torus crash-stop when round 50 opens (D = 100, 400 rounds), with
exact gossip and with CHOCO-GOSSIP (qsgd:s=16,scaled=true). The script keeps every agent's
value after round 50, i.e. when the crash round opens (the ``on_values`` hook of
:func:`gossip_sim.execute`), finds the survivors (the agents that finished the last round:
``trace.agent_finish`` is NaN for an agent that was not alive in a round), and prints:

* the round from which the consensus error among the survivors stays below 1e-8;
* m50 = the survivors' mean when the crash happened, and ``‖m50 − x̄(0)‖`` (x̄(0): the
  initial mean of all 64), beside the engine's ``live_mean_shift`` at the end;
* how far the survivors' final values are from m50 (max over survivors).

Run from the repository root: ``python docs/figures/measure_crash_survivors.py``.
"""

from __future__ import annotations

import numpy as np

import gossip_sim as gs

BASE = {
    "topology": "torus",
    "agents": 64,
    "dim": 100,
    "rounds": 400,
    "target": 0.0,
    "crash_fraction": 0.2,
    "crash_round": 50,
    "seed": 0,
}
ALGORITHMS = {
    "exact gossip": {"algorithm": "exact-gossip"},
    "CHOCO-GOSSIP qsgd s=16": {"algorithm": "choco-gossip", "compressor": "qsgd:s=16,scaled=true"},
}


def measure(settings: dict) -> dict:
    """Run one configuration; return the measured figures."""
    config = gs.RunConfig.from_dict({**BASE, **settings})
    kept: dict[int, np.ndarray] = {}

    def keep(done: int, values: np.ndarray) -> None:
        if done in (0, config.crash_round, config.rounds):
            kept[done] = values.copy()

    trace = gs.execute(config, on_values=keep)
    survivors = np.isfinite(trace.agent_finish[-1])
    start = kept[0].mean(axis=0)
    m50 = kept[config.crash_round][survivors].mean(axis=0)
    final = kept[config.rounds][survivors]
    live = np.array([f.live_consensus_error for f in trace.faults])
    above = np.flatnonzero(live > 1e-8)
    return {
        "survivors": int(survivors.sum()),
        "round live error <= 1e-8 from": int(above[-1] + 1) if len(above) else 0,
        "final live consensus error": float(live[-1]),
        "|m50 - mean(0)|": float(np.linalg.norm(m50 - start)),
        "live_mean_shift (engine, end)": float(trace.faults[-1].live_mean_shift),
        "max_i |x_i(end) - m50|": float(np.linalg.norm(final - m50, axis=1).max()),
        "|mean(end) - m50|": float(np.linalg.norm(final.mean(axis=0) - m50)),
    }


def main() -> None:
    """Print one table row per algorithm."""
    rows = {name: measure(settings) for name, settings in ALGORITHMS.items()}
    keys = list(next(iter(rows.values())))
    print("| algorithm | " + " | ".join(keys) + " |")
    print("| --- " * (len(keys) + 1) + "|")
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(f"{row[k]:.3g}" for k in keys) + " |")


if __name__ == "__main__":
    main()
