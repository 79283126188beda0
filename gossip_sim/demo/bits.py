"""Demo ``bits``: how many bits does accuracy cost? Song et al.'s quantiser from 1 to 16 bits.

One overparameterised least-squares problem, solved by Song et al.'s server algorithm (Alg. 1)
with b = 1 .. ``max_bits`` bits per entry, with the linear compression F(x) = Bx on (H = 4N
rows, their choice) and off (every coordinate quantised). The curves of training MSE against
the bits sent build up one b at a time; the dashed line is the lower bound's formula (Song et
al. Thm 3.2 with the sketch, the PL bound Thm 3.1 without; their Ω constant left out): no
algorithm's curve can cross far to its left.

Examples
--------
>>> import tempfile
>>> out = gs.demo.run("bits", tempfile.mkdtemp(), max_bits=2, frames=2, dim=60, rounds=20)
>>> sorted(out.facts["final_error"])
['no sketch, b=1', 'no sketch, b=2', 'sketch, b=1', 'sketch, b=2']
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from gossip_sim import bounds
from gossip_sim.config import RunConfig
from gossip_sim.demo.animation import Animation
from gossip_sim.simulation import build, execute

__all__ = ["bits_demo"]


def _lower_bound_line(config: RunConfig, errors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bits the lower bound asks for at each training MSE (ε = N·MSE/2, as in every summary)."""
    problem = build(config).problem
    samples = sum(problem.samples_per_agent)
    bits = [
        bounds.lower_bound_for(problem, m * samples / 2, coordinator=True, randomised=False).bits
        for m in errors
    ]
    return np.array(bits), errors


def bits_demo(
    max_bits: int = 16,
    agents: int = 4,
    dim: int = 400,
    samples: int = 5,
    rounds: int = 150,
    seed: int = 0,
    frames: int = 48,
) -> Animation:
    """Song et al. Alg. 1 at b = 1..max_bits, sketch on and off: MSE vs bits, lower bound dashed.

    ``agents`` is the number of workers (the star has one more node, the hub); each holds
    ``samples`` rows of a ``dim``-dimensional least-squares problem (``dim`` > all samples).
    """
    import matplotlib.pyplot as plt

    base = RunConfig(
        topology="star",
        agents=agents + 1,
        problem=f"least-squares:samples={samples}",
        dim=dim,
        rounds=rounds,
        target=1e-8,
        seed=seed,
        links="lan",
    )
    widths = list(range(1, max_bits + 1))
    variants = (("sketch", "auto"), ("no sketch", "none"))
    curves: dict[tuple[str, int], Any] = {}
    for label, h in variants:
        for b in widths:
            trace = execute(replace(base, algorithm=f"song-server:b={b},h={h}"))
            curves[(label, b)] = trace
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True, constrained_layout=True)
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(widths)))
    every = np.concatenate([t.column("error") for t in curves.values()])
    low, high = float(every[every > 0].min()), float(every.max())
    lines: list[tuple[Any, np.ndarray, np.ndarray]] = []
    for ax, (label, h) in zip(axes, variants, strict=True):
        lb_bits, lb_err = _lower_bound_line(
            replace(base, algorithm=f"song-server:h={h}"), np.geomspace(low, high, 40)
        )
        ax.plot(
            lb_bits,
            lb_err,
            color="#444444",
            linestyle="--",
            label="lower bound (Ω constant left out)",
        )
        for b, colour in zip(widths, colours, strict=True):
            trace = curves[(label, b)]
            x, y = trace.column("cumulative_bits"), trace.column("error")
            (line,) = ax.plot([], [], color=colour, linewidth=1.6, label=f"b = {b}")
            keep = (y > 0) & (x > 0)  # round 0 has sent nothing: not on a log axis
            lines.append((line, x[keep], y[keep]))
        ax.set_xscale("log")
        ax.set_yscale("log")
        sent = [x for _, x, _ in lines] + [lb_bits]
        ax.set_xlim(
            max(min(float(x.min()) for x in sent if len(x)) / 2, 1.0),
            2 * max(float(x.max()) for x in sent if len(x)),
        )
        ax.set_ylim(low / 2, high * 2)
        ax.set_xlabel("bits sent (whole network)")
        ax.set_title(
            f"Song et al. Alg. 1, {label}" + (" (H = 4N)" if h == "auto" else " (H = D)"),
            fontsize=10,
        )
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("training MSE")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, ncol=1, loc="outside right upper")
    per_panel = len(widths)

    def draw(frame: int) -> None:
        progress = (frame + 1) / frames * per_panel  # curves shown per panel, fractional
        for n, (line, x, y) in enumerate(lines):
            own = progress - (n % per_panel)
            shown = len(x) if own >= 1 else int(max(own, 0.0) * len(x))
            line.set_data(x[:shown], y[:shown])

    named = {f"{label}, b={b}": trace for (label, b), trace in curves.items()}
    facts = {
        "final_error": {name: float(t.final.error) for name, t in named.items()},
        "total_bits": {name: int(t.final.cumulative_bits) for name, t in named.items()},
    }
    return Animation(fig, draw, frames, facts=facts, animated=[line for line, _, _ in lines])
