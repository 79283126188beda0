"""What a scenario's report is made of: saved figures, bands over seeds, Markdown tables.

A scenario script defines ``report(results, figures) -> str``: it draws with matplotlib, hands
each figure to :meth:`Figures.save` (PNG and SVG, with a caption) and returns the Markdown of
its numbers. :func:`generic_report` is what runs when a scenario has no script.

Examples
--------
>>> print(markdown_table(["topology", "bits"], [["ring", 1200], ["torus", 2.5e-7]]))
| topology | bits |
| --- | --- |
| ring | 1,200 |
| torus | 2.5e-07 |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gossip_sim.sweep.results import Results, RunResult

__all__ = [
    "Band",
    "Figures",
    "band",
    "first_reach",
    "format_number",
    "generic_report",
    "markdown_table",
    "plot_band",
]


@dataclass
class Figures:
    """Saves a scenario's figures as ``NAME.png`` and ``NAME.svg`` and remembers their captions.

    Examples
    --------
    >>> import tempfile, matplotlib.pyplot as plt
    >>> figures = Figures(Path(tempfile.mkdtemp()))
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2], [3, 4])
    >>> [p.suffix for p in figures.save(fig, "line", "A line.")]
    ['.png', '.svg']
    >>> figures.saved
    [('line', 'A line.')]
    """

    directory: Path
    saved: list[tuple[str, str]] = field(default_factory=list)

    def save(self, fig: Any, name: str, caption: str) -> list[Path]:
        """Write ``fig`` as NAME.png and NAME.svg (reproducible bytes), close it, keep caption."""
        import matplotlib.pyplot as plt

        if any(name == saved for saved, _ in self.saved):
            raise ValueError(f"figure {name!r} was already saved; give each figure its own name")
        self.directory.mkdir(parents=True, exist_ok=True)
        paths = [self.directory / f"{name}.png", self.directory / f"{name}.svg"]
        with plt.rc_context({"svg.hashsalt": "gossip-sim"}):
            fig.savefig(paths[0], dpi=120, metadata={"Software": None})
            fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
        plt.close(fig)
        self.saved.append((name, caption))
        return paths

    def markdown(self) -> str:
        """Return the figures as Markdown images with their captions."""
        return "\n\n".join(
            f"![{caption}]({name}.png)\n\n*{caption}*" for name, caption in self.saved
        )


def format_number(value: Any) -> str:
    """Return a number as a table shows it: integers with separators, floats with 3 digits.

    Examples
    --------
    >>> format_number(1234567), format_number(0.000123), format_number(12.5), format_number(None)
    ('1,234,567', '0.000123', '12.5', '-')
    """
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return str(value)
    if isinstance(value, int | np.integer) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:.3g}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Return a Markdown table (numbers through :func:`format_number`)."""
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(format_number(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def first_reach(
    run: RunResult, level: float, x: str = "cumulative_bits", y: str = "error"
) -> float | None:
    """Return ``x`` (bits, time, round) when ``y`` first fell to ``level``; None if it never did.

    Examples
    --------
    >>> from gossip_sim.sweep import expand, run_all, Results
    >>> run = Results.of(run_all(expand({"topology": "ring", "dim": 4}), workers=1)).runs[0]
    >>> first_reach(run, 1e-3, x="round"), first_reach(run, -1.0)
    (6.0, None)
    """
    hit = np.flatnonzero(run.column(y) <= level)
    return float(run.column(x)[hit[0]]) if len(hit) else None


@dataclass
class Band:
    """A curve over seeds: x, the geometric mean of y, and its range (min, max)."""

    x: NDArray[np.float64]
    mean: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]


def band(runs: Results | Sequence[RunResult], x: str = "cumulative_bits", y: str = "error") -> Band:
    """Return y against x over several runs (seeds): their geometric mean and min-max spread.

    The runs' x values differ (random compressors send different bits), so each run's log(y)
    is interpolated (linearly in x) onto every x any run recorded, from the largest first x to
    the smallest last x: where all runs have data. One run gives its own points unchanged.

    Examples
    --------
    >>> from gossip_sim.sweep import expand, run_all, Results
    >>> runs = expand({"topology": "ring", "dim": 8, "rounds": 20}, seeds=[0, 1])
    >>> b = band(Results.of(run_all(runs, workers=1)))
    >>> bool((b.low <= b.mean).all() and (b.mean <= b.high).all()), float(b.x[0])
    (True, 0.0)
    """
    curves = []
    for run in runs:
        xs, ys = run.column(x).astype(float), run.column(y).astype(float)
        keep = ys > 0
        if keep.any():
            curves.append((xs[keep], np.log10(ys[keep])))
    if not curves:
        raise ValueError(f"no run has a positive {y} to draw (did every run fail?)")
    start = max(xs[0] for xs, _ in curves)
    stop = min(xs[-1] for xs, _ in curves)
    grid = np.unique(np.concatenate([xs for xs, _ in curves]))
    grid = grid[(grid >= start) & (grid <= stop)]
    values = np.array([np.interp(grid, xs, logs) for xs, logs in curves])
    return Band(grid, 10 ** values.mean(axis=0), 10 ** values.min(axis=0), 10 ** values.max(axis=0))


def plot_band(
    ax: Any,
    runs: Results | Sequence[RunResult],
    x: str = "cumulative_bits",
    y: str = "error",
    label: str | None = None,
    **style: Any,
) -> Any:
    """Draw :func:`band` on ``ax``: the mean as a line, the spread shaded; return the line."""
    b = band(runs, x, y)
    (line,) = ax.plot(b.x, b.mean, label=label, **style)
    if len(runs) > 1:
        ax.fill_between(b.x, b.low, b.high, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_yscale("log")
    return line


_LABELS = {
    "cumulative_bits": "bits sent (whole network)",
    "time_s": "simulated time (s)",
    "round": "round",
    "error": "error",
    "consensus_error": "consensus error",
}


def generic_report(results: Results, figures: Figures) -> str:
    """Report any scenario: error vs bits and vs rounds per combination, and a table.

    Each curve is one combination of what the sweep varied (series and grid keys), its band
    over seeds; the table gives per combination the mean over seeds of rounds, bits, time
    and final error, and how many seeds reached the target.
    """
    import matplotlib.pyplot as plt

    varied = [k for k in (results.runs[0].params if results.runs else {}) if k != "seed"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    rows = []
    for key, group in results.groupby(*varied):
        label = ", ".join(
            f"{v}" if k == "series" else f"{k}={v}" for k, v in zip(varied, key, strict=True)
        )
        drawn = [r for r in group if r.rounds]
        if drawn:
            plot_band(axes[0], drawn, "cumulative_bits", label=label or None)
            plot_band(axes[1], drawn, "round", label=label or None)
        reached = [r for r in group if r.reached]
        summaries = [r.summary for r in drawn if r.summary is not None]
        rows.append(
            [
                label or "all",
                f"{len(reached)}/{len(group)}",
                _mean(s.rounds for s in summaries),
                _mean(s.total_bits for s in summaries),
                _mean(s.simulated_time_s for s in summaries),
                _mean(s.final_error for s in summaries),
            ]
        )
    for ax, x in zip(axes, ("cumulative_bits", "round"), strict=True):
        ax.set_xlabel(_LABELS[x])
        ax.set_ylabel(results.error_name)
        ax.grid(True, which="both", alpha=0.3)
    if varied:
        axes[0].legend(fontsize="small")
    figures.save(fig, "error", "Error against bits sent and against rounds (band: seeds).")
    return markdown_table(
        ["runs", "reached target", "rounds", "bits", "simulated time (s)", "final error"], rows
    )


def _mean(values: Any) -> float | None:
    numbers = [float(v) for v in values if v is not None]
    return float(np.mean(numbers)) if numbers else None
