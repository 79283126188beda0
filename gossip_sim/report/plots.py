"""Plots of a run's trace; each draws onto an ``ax`` you may pass and returns the Axes.

Examples
--------
>>> trace = gs.execute(gs.RunConfig(agents=4, dim=5, rounds=5, topology="ring"))
>>> ax = plot_error(trace, x="bits")
>>> ax.get_xlabel()
'bits sent (whole network)'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gossip_sim.quantities import time_axis
from gossip_sim.trace import Trace

__all__ = ["plot_error", "save_run_figure"]

_AXES = {
    "bits": ("cumulative_bits", "bits sent (whole network)"),
    "time": ("time_s", "simulated time"),  # its unit: see quantities.time_axis
    "round": ("round", "round"),
}


def plot_error(trace: Trace, x: str = "bits", ax: Any = None, label: str | None = None) -> Any:
    """Plot the problem's error (log scale) against ``x``: ``"bits"``, ``"time"`` or ``"round"``.

    Time is shown in the unit its largest value reaches (s, ms or µs, as everywhere; see
    :func:`~gossip_sim.quantities.time_axis`), and the axis label says which.

    Examples
    --------
    >>> trace = gs.execute(gs.RunConfig(agents=4, dim=5, rounds=5, topology="ring"))
    >>> plot_error(trace, x="time").get_xlabel()
    'simulated time (µs)'
    """
    if x not in _AXES:
        raise ValueError(f"x = {x!r} is not valid; use one of {', '.join(_AXES)}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    column, xlabel = _AXES[x]
    error = trace.column("error")
    positive = error > 0
    ax.plot(trace.column(column)[positive], error[positive], label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    if x == "time":
        time_axis(ax, "x", xlabel)
    ax.set_ylabel(trace.error_name or "error")
    ax.grid(True, which="both", alpha=0.3)
    return ax


def save_run_figure(trace: Trace, path: str | Path, title: str = "") -> Path:
    """Save a two-panel PNG of error vs bits and error vs simulated time; return its path."""
    # A bare Figure on an Agg canvas, not pyplot: no backend selection or figure manager to
    # import (start-up), and no global state to close; the PNG is the same.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    plot_error(trace, "bits", left)
    plot_error(trace, "time", right)
    if title:
        fig.suptitle(title)
    out = Path(path)
    fig.savefig(out, dpi=100, metadata={"Software": None})
    return out
