"""The words of a topology comparison: its table, and a plain-language reading of the numbers.

Examples
--------
>>> from gossip_sim.report.compare import Stat, TopologyRow
>>> row = TopologyRow("ring", "qsgd:s=16", 8, 8, 8, 2, 4, "metropolis-hastings", 0.1, 1e4, 1, 1,
...                   Stat(40, 0, 1), Stat(4e5, 0, 1), Stat(2e-3, 0, 1), 1e-7, 1000)
>>> stat_text(row.time, format_seconds)
'2 ms'
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from gossip_sim.cli import format_seconds

if TYPE_CHECKING:
    from gossip_sim.report.compare import Comparison, Stat, TopologyRow

__all__ = ["format_bits", "reading", "stat_text", "table"]


def format_bits(bits: float) -> str:
    """Return a bit count readably: ``'1.43e+07'`` style above 10^5, with separators below.

    Examples
    --------
    >>> format_bits(6320), format_bits(14237696)
    ('6,320', '1.42e+07')
    """
    return f"{bits:,.0f}" if bits < 1e5 else f"{bits:.3g}"


def _rounds(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def stat_text(stat: Stat | None, show: Callable[[float], str]) -> str:
    """Return ``mean ± std`` (just the mean for one seed, '-' for none)."""
    if stat is None:
        return "-"
    if stat.n == 1 or stat.std == 0:
        return show(stat.mean)
    return f"{show(stat.mean)} ± {show(stat.std)}"


def _reached_text(row: TopologyRow) -> str:
    if row.failure and row.reached == 0 and row.rounds is None and row.bits_per_round is None:
        return "failed"
    if row.reached == row.seeds:
        return f"{row.reached}/{row.seeds}"
    return f"{row.reached}/{row.seeds} (not in {row.budget:,} rounds)"


def table(
    rows: Sequence[TopologyRow], several_compressors: bool
) -> tuple[list[str], list[list[Any]]]:
    """Return the comparison table's headers and rows (cells as text)."""
    headers = ["topology"] + (["compressor"] if several_compressors else [])
    headers += [
        "agents",
        "edges",
        "max degree",
        "diameter",
        "mixing",
        "spectral gap",
        "bits / round",
        "reached",
        "rounds to target",
        "bits to target",
        "time to target",
        "wins",
    ]
    body = []
    for r in rows:
        wins = " ".join(f"★ {w}" for w in r.wins)
        cells: list[Any] = [r.topology] + ([r.compressor] if several_compressors else [])
        cells += [
            r.agents,
            r.edges,
            r.max_degree,
            r.diameter,
            r.mixing,
            "-" if r.spectral_gap is None else f"{r.spectral_gap:.4g}",
            "-" if r.bits_per_round is None else format_bits(r.bits_per_round),
            _reached_text(r),
            stat_text(r.rounds, _rounds),
            stat_text(r.bits, format_bits),
            stat_text(r.time, format_seconds),
            wins or "",
        ]
        body.append(cells)
    return headers, body


def _name(row: TopologyRow, several_compressors: bool) -> str:
    return f"{row.topology} with {row.compressor}" if several_compressors else row.topology


def reading(rows: Sequence[TopologyRow], comparison: Comparison) -> str:
    """Return one paragraph saying, from the numbers, what the comparison found.

    It names the winners on bits and on time at each size, how large their lead is, which
    topologies did not reach the target (or failed), and whether the rounds to the target
    follow the spectral gaps as theory says (a larger gap, fewer rounds).
    """
    several = len(comparison.compressors) > 1
    settings = comparison.settings
    target = settings["target"]
    links = settings.get("links", "datacenter")
    sentences = []
    sizes = sorted({r.agents for r in rows}, key=lambda k: (-sum(r.agents == k for r in rows), k))
    for size in sizes:
        group = [r for r in rows if r.agents == size]
        done = [r for r in group if r.reached == r.seeds and r.bits and r.time]
        if len(group) == 1 and done:  # alone at its size (a catalogue network): no contest
            r = done[0]
            sentences.append(
                f"{_name(r, several)} ({size} agents, its own size) reached {target:g} with "
                f"{format_bits(r.bits.mean)} bits in {format_seconds(r.time.mean)}."  # type: ignore[union-attr]
            )
            continue
        sentences += _winners(done, size, target, links, several)
        sentences += _ordering(done, several)
    missed = [r for r in rows if r.reached < r.seeds and not r.failure]
    for r in missed:
        end = f", ending at error {r.final_error:.2g}" if r.final_error else ""
        missed_seeds = r.seeds - r.reached
        seeds = (
            ""
            if r.seeds == 1
            else f" in any of its {r.seeds} seeds"
            if missed_seeds == r.seeds
            else f" in {missed_seeds} of its {r.seeds} seeds"
        )
        sentences.append(
            f"{_name(r, several)} ({r.agents} agents) did not reach {target:g} within "
            f"{r.budget:,} rounds{seeds}{end}."
        )
    for r in (r for r in rows if r.failure):
        sentences.append(f"{_name(r, several)} could not run: {r.failure}.")
    return " ".join(sentences) or "No run reached the target."


def _winners(
    done: Sequence[TopologyRow],
    size: int,
    target: float,
    links: str,
    several: bool,
) -> list[str]:
    if not done:
        return [f"At {size} agents no topology reached error {target:g} in every seed."]
    by_bits = sorted(done, key=lambda r: r.bits.mean)  # type: ignore[union-attr]
    by_time = sorted(done, key=lambda r: r.time.mean)  # type: ignore[union-attr]
    best_bits, best_time = by_bits[0], by_time[0]
    bits_lead = _lead(by_bits, lambda r: r.bits.mean, "fewer")  # type: ignore[union-attr]
    time_lead = _lead(by_time, lambda r: r.time.mean, "less")  # type: ignore[union-attr]
    head = f"At {size} agents on '{links}' links, to reach error {target:g}"
    b, t = _name(best_bits, several), _name(best_time, several)
    bits_part = f"{format_bits(best_bits.bits.mean)} bits{bits_lead}"  # type: ignore[union-attr]
    time_part = f"{format_seconds(best_time.time.mean)} of simulated time{time_lead}"  # type: ignore[union-attr]
    if best_bits is best_time:
        return [
            f"{head}, {b} needed both the fewest bits ({bits_part}) and the least time "
            f"({time_part})."
        ]
    return [
        f"{head}, {b} needed the fewest bits ({bits_part}) and {t} the least time "
        f"({time_part}): here bits and time pull apart, so the choice depends on whether the "
        "links' volume or the wall clock is the scarcer resource."
    ]


def _lead(ordered: Sequence[TopologyRow], value: Callable[[TopologyRow], float], fewer: str) -> str:
    if len(ordered) < 2 or value(ordered[0]) <= 0:
        return ""
    factor = value(ordered[1]) / value(ordered[0])
    return f", {factor:.1f}x {fewer} than the runner-up {ordered[1].topology}"


def _ordering(done: Sequence[TopologyRow], several: bool) -> list[str]:
    """Say whether rounds to target fall as the spectral gap grows (among one compressor)."""
    rated = [r for r in done if r.spectral_gap is not None and r.rounds]
    by_compressor: dict[str, list[TopologyRow]] = {}
    for r in rated:
        by_compressor.setdefault(r.compressor, []).append(r)
    sentences = []
    for compressor, group in by_compressor.items():
        if len(group) < 2:
            continue
        ordered = sorted(group, key=lambda r: -r.spectral_gap)  # type: ignore[operator]
        chain = ", ".join(
            f"{r.topology} {r.spectral_gap:.3g} → {_rounds(r.rounds.mean)}"  # type: ignore[union-attr]
            for r in ordered
        )
        against = [
            (a, b)
            for a, b in itertools.pairwise(ordered)
            if a.rounds.mean > b.rounds.mean  # type: ignore[union-attr]
        ]
        who = f" with {compressor}" if several else ""
        if not against:
            sentences.append(
                f"As theory says, the rounds to the target{who} grow as the spectral gap "
                f"shrinks (gap → rounds: {chain})."
            )
        else:
            a, b = against[0]
            sentences.append(
                f"The rounds to the target{who} do not simply follow the spectral gap "
                f"(gap → rounds: {chain}): {a.topology} has the larger gap but needed more "
                f"rounds than {b.topology}, so something else (the compressor's error on this "
                "graph, or its step size) matters here too."
            )
    return sentences
