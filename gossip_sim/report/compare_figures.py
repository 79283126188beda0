"""The figures of a topology comparison, saved as PNG files (matplotlib, Agg backend).

* ``error-vs-bits.png`` and ``error-vs-time.png``: one panel per size, a curve per topology
  (and compressor): the geometric mean over seeds, their range shaded, the target dashed;
* ``tradeoff.png``: bits to target against time to target, one point per topology x
  compressor, the Pareto front (no other point is better on both) joined;
* ``spectral-gap-vs-agents.png`` (several sizes only): each topology's spectral gap against K;
* ``graphs.png``: every topology drawn, edge widths proportional to w_ij;
* ``error-vs-bits-by-loss.png`` (a loss axis only): one panel per topology (and size and
  compressor), one curve per message-loss probability.

Examples
--------
>>> pareto_front([(1.0, 5.0), (2.0, 1.0), (3.0, 3.0)])
[0, 1]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gossip_sim import mixing
from gossip_sim.errors import GossipSimError
from gossip_sim.quantities import time_axis
from gossip_sim.report.comparison import Comparison, TopologyRow
from gossip_sim.report.graph import draw_graph
from gossip_sim.scenarios.report import plot_band
from gossip_sim.sweep import Results

__all__ = ["draw_figures", "pareto_front"]

_MARKERS = "osD^vP*X"


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Return the indices of the points no other point beats on both coordinates, by x."""
    order = sorted(range(len(points)), key=lambda i: points[i])
    front, best_y = [], math.inf
    for i in order:
        if points[i][1] < best_y:
            front.append(i)
            best_y = points[i][1]
    return front


def _runs(results: Results, row: TopologyRow) -> Results:
    return results.where(
        topology=row.topology, agents=row.requested_agents, compressor=row.compressor, loss=row.loss
    )


def _label(row: TopologyRow, several: bool, lossy: bool = False) -> str:
    name = f"{row.topology}, {row.compressor}" if several else row.topology
    return f"{name}, loss {row.loss:g}" if lossy else name


def _lossy(rows: Sequence[TopologyRow]) -> bool:
    return len({r.loss for r in rows}) > 1


_Key = tuple[str, str, float]


def _key(row: TopologyRow) -> _Key:
    return (row.topology, row.compressor, row.loss)


def _style(rows: Sequence[TopologyRow]) -> dict[_Key, dict[str, Any]]:
    """One colour per topology, one marker per compressor, the same in every figure.

    The line style tells compressors apart, or, with a loss axis, losses.
    """
    import matplotlib

    colours = matplotlib.color_sequences["tab10"]
    names = list(dict.fromkeys(r.topology for r in rows))
    compressors = list(dict.fromkeys(r.compressor for r in rows))
    losses = sorted({r.loss for r in rows})
    dashes = losses.index if len(losses) > 1 else (lambda _: 0)
    return {
        _key(r): {
            "color": colours[names.index(r.topology) % len(colours)],
            "marker": _MARKERS[compressors.index(r.compressor) % len(_MARKERS)],
            "linestyle": ("-", "--", ":", "-.")[
                (dashes(r.loss) if len(losses) > 1 else compressors.index(r.compressor)) % 4
            ],
        }
        for r in rows
    }


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def _whole_curves(ax: Any, ends: Sequence[float]) -> None:
    """Show every curve to its end; a log axis when the longest is far longer than the others.

    A curve is never cut off: the axis reaches the last point of the longest run. When that
    run is over 20 times longer than the shortest (a ring that never reaches the target
    beside a complete graph that does in a few rounds), a linear axis would squeeze the
    others to its left edge, so the axis becomes logarithmic instead.
    """
    ends = [e for e in ends if e > 0]
    if not ends:
        return
    if max(ends) > 20 * min(ends):
        ax.set_xscale("log")
    else:
        ax.set_xlim(0, max(ends) * 1.02)


def _error_figure(
    rows: Sequence[TopologyRow], results: Results, c: Comparison, x: str, path: Path
) -> Path:
    import matplotlib.pyplot as plt

    sizes = sorted({r.agents for r in rows})
    fig, axes = plt.subplots(
        1, len(sizes), figsize=(5.2 * len(sizes), 4.2), squeeze=False, constrained_layout=True
    )
    styles, several, lossy = _style(rows), len(c.compressors) > 1, _lossy(rows)
    for ax, size in zip(axes[0], sizes, strict=True):
        for row in (r for r in rows if r.agents == size):
            runs = [r for r in _runs(results, row) if r.rounds]
            if runs:
                style = styles[_key(row)]
                plot_band(
                    ax,
                    runs,
                    x,
                    label=_label(row, several, lossy),
                    color=style["color"],
                    linestyle=style["linestyle"],
                )
        ax.axhline(c.settings["target"], color="#444444", linestyle=":", linewidth=1)
        ends = [
            float(run.column(x)[-1]) for row in rows if row.agents == size
            for run in _runs(results, row) if run.rounds
        ]  # fmt: skip
        _whole_curves(ax, ends)
        ax.set_yscale("log")
        if x == "cumulative_bits":
            ax.set_xlabel("bits sent (whole network)")
        ax.set_ylabel(results.error_name)
        ax.set_title(f"{size} agents")
        if x == "time_s":
            time_axis(ax, "x")
        elif ax.get_xscale() == "linear":
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 4))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    return _save(fig, path)


def _tradeoff_figure(rows: Sequence[TopologyRow], c: Comparison, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.4, 4.8), constrained_layout=True)
    styles, several, lossy = _style(rows), len(c.compressors) > 1, _lossy(rows)
    done = [r for r in rows if r.reached == r.seeds and r.bits and r.time]
    sized = len({r.agents for r in done}) > 1
    for r in done:
        if r.bits is None or r.time is None:  # `done` holds only rows with both
            continue
        style = styles[_key(r)]
        ax.errorbar(
            r.bits.mean,
            r.time.mean,
            xerr=r.bits.std,
            yerr=r.time.std,
            fmt=style["marker"],
            color=style["color"],
            label=f"{_label(r, several, lossy)} (K={r.agents})",
        )
        ax.annotate(
            _label(r, several, lossy) + (f", K={r.agents}" if sized else ""),
            (r.bits.mean, r.time.mean),
            textcoords="offset points",
            xytext=(5, 4),
            fontsize="small",
            color=style["color"],
        )
    groups = sorted({(r.agents, r.loss) for r in done})
    sizes = sorted({size for size, _ in groups})
    for n, (size, loss) in enumerate(groups):  # a front per size (and loss): they do not compete
        mine = [r for r in done if (r.agents, r.loss) == (size, loss)]
        points = [(r.bits.mean, r.time.mean) for r in mine]  # type: ignore[union-attr]
        front = [points[i] for i in pareto_front(points)]
        if len(front) > 1:
            where = [f"K={size}"] if len(sizes) > 1 else []
            where += [f"loss {loss:g}"] if lossy else []
            label = "Pareto front" + (f" ({', '.join(where)})" if where else "")
            ax.plot(
                *zip(*front, strict=True),
                color="#444444",
                linewidth=1,
                zorder=0,
                linestyle=("-", "--", ":", "-.")[n % 4],
                label=label,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.margins(0.2)  # room for the labels at the edges
    ax.set_xlabel("bits to target")
    time_axis(ax, "y", "simulated time to target")
    ax.grid(True, which="both", alpha=0.3)
    if done:  # beside the plot, where it hides no point
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return _save(fig, path)


def _gap_figure(rows: Sequence[TopologyRow], path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    styles = _style(rows)
    for name in dict.fromkeys(r.topology for r in rows):
        mine = sorted(
            {
                (r.agents, r.spectral_gap)
                for r in rows
                if r.topology == name and r.spectral_gap is not None
            }
        )
        if mine:
            style = next(s for (t, _, _), s in styles.items() if t == name)
            ax.plot(*zip(*mine, strict=True), marker="o", color=style["color"], label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    sizes = sorted({r.agents for r in rows})
    ax.set_xticks(sizes, [str(k) for k in sizes])  # the sizes that ran, not powers of two
    ax.minorticks_off()
    ax.set_xlabel("agents K")
    ax.set_ylabel("spectral gap 1 - |λ₂(W)|")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)


def _graphs_figure(rows: Sequence[TopologyRow], path: Path) -> Path:
    import matplotlib.pyplot as plt

    first = list({r.topology: r for r in reversed(rows)}.values())[::-1]  # smallest size each
    columns = min(3, len(first))
    lines = math.ceil(len(first) / columns)
    fig, axes = plt.subplots(lines, columns, figsize=(4.2 * columns, 4.2 * lines), squeeze=False)
    for ax in axes.flat[len(first) :]:
        ax.set_axis_off()
    for ax, row in zip(axes.flat, first, strict=False):
        try:
            W = mixing.mixing_matrix(row.mixing, row.graph)
        except GossipSimError:  # a graph the rule refuses: draw it with even edges
            W = None
        draw_graph(row.graph, W, ax=ax)
    fig.tight_layout()
    return _save(fig, path)


def _loss_figure(rows: Sequence[TopologyRow], results: Results, c: Comparison, path: Path) -> Path:
    """Error against bits, one panel per topology (size, compressor), one curve per loss."""
    import matplotlib.pyplot as plt

    panels = list(dict.fromkeys((r.topology, r.agents, r.compressor) for r in rows))
    columns = min(3, len(panels))
    lines = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(
        lines,
        columns,
        figsize=(5.2 * columns, 4.2 * lines),
        squeeze=False,
        constrained_layout=True,
    )
    losses = sorted({r.loss for r in rows})
    shades = plt.get_cmap("plasma")(
        [0.85 * i / max(len(losses) - 1, 1) for i in range(len(losses))]
    )
    several, sized = len(c.compressors) > 1, len({r.agents for r in rows}) > 1
    for ax in axes.flat[len(panels) :]:
        ax.set_axis_off()
    for ax, panel in zip(axes.flat, panels, strict=False):
        name, size, compressor = panel
        ends: list[float] = []
        for row in (r for r in rows if (r.topology, r.agents, r.compressor) == panel):
            runs = [r for r in _runs(results, row) if r.rounds]
            if runs:
                lost = "" if not row.messages_lost else f", {row.messages_lost:,.0f} lost"
                plot_band(
                    ax,
                    runs,
                    "cumulative_bits",
                    label=f"loss {row.loss:g}{lost}",
                    color=shades[losses.index(row.loss)],
                )
                ends += [float(run.column("cumulative_bits")[-1]) for run in runs]
        ax.axhline(c.settings["target"], color="#444444", linestyle=":", linewidth=1)
        _whole_curves(ax, ends)
        ax.set_yscale("log")
        if ax.get_xscale() == "linear":
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 4))
        ax.set_xlabel("bits sent (whole network)")
        ax.set_ylabel(results.error_name)
        title = name + (f", K={size}" if sized else "") + (f", {compressor}" if several else "")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    return _save(fig, path)


def draw_figures(
    rows: Sequence[TopologyRow], results: Results, c: Comparison, directory: Path
) -> list[tuple[Path, str]]:
    """Draw the comparison's figures into ``directory``; return (path, caption) pairs."""
    target = c.settings["target"]
    seeds = "geometric mean over seeds, range shaded" if len(c.seeds) > 1 else "one seed"
    figures = [
        (
            _error_figure(rows, results, c, "cumulative_bits", directory / "error-vs-bits.png"),
            f"Error against bits sent by the whole network ({seeds}); dotted: the target "
            f"{target:g}.",
        ),
        (
            _error_figure(rows, results, c, "time_s", directory / "error-vs-time.png"),
            f"Error against simulated time ({seeds}); dotted: the target {target:g}.",
        ),
        (
            _tradeoff_figure(rows, c, directory / "tradeoff.png"),
            "The trade-off: bits against simulated time to the target, one point per topology"
            + (" and compressor" if len(c.compressors) > 1 else "")
            + (" and loss" if c.losses else "")
            + " (bars: standard deviation over seeds); the line joins the Pareto front: the "
            f"points that no other point of the same size{' and loss' if c.losses else ''} "
            "beats on both. Topologies that missed "
            "the target are not drawn.",
        ),
    ]
    if len({r.agents for r in rows if r.requested_agents is not None}) > 1:
        figures.append(
            (
                _gap_figure(rows, directory / "spectral-gap-vs-agents.png"),
                "Spectral gap of W against the number of agents, per topology.",
            )
        )
    if c.losses:
        resend = c.settings.get("retransmit", "off")
        figures.append(
            (
                _loss_figure(rows, results, c, directory / "error-vs-bits-by-loss.png"),
                "What message loss costs: error against bits sent, one panel per topology, one "
                f"curve per loss probability ({seeds}; "
                + (
                    "lost messages are not sent again"
                    if resend == "off"
                    else f"lost transmissions sent again: {resend}"
                )
                + "; the legend gives the messages lost, mean over seeds); dotted: the target "
                f"{target:g}.",
            )
        )
    figures.append(
        (
            _graphs_figure(rows, directory / "graphs.png"),
            "The topologies (each at its smallest size here); edge widths are "
            "proportional to the mixing weight w_ij; a square marks a star's hub.",
        )
    )
    return figures
