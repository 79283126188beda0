"""The words of a topology comparison: its table, and a plain-language reading of the numbers.

Examples
--------
>>> format_bits(17042090)
'17.04 Mbit'

"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from gossip_sim.quantities import SECONDS, format_seconds, pick_unit
from gossip_sim.report.comparison import Comparison, Stat, TopologyRow

__all__ = ["format_bits", "reading", "stat_text", "table"]


_BIT_UNITS = (("Gbit", 1e9), ("Mbit", 1e6), ("kbit", 1e3), ("bit", 1.0))


def format_bits(bits: float) -> str:
    """Return a bit count with an SI unit and 4 significant digits.

    Examples
    --------
    >>> format_bits(632), format_bits(80896), format_bits(14237696)
    ('632 bit', '80.9 kbit', '14.24 Mbit')
    """
    unit, scale = pick_unit(bits, _BIT_UNITS)
    return f"{bits / scale:.4g} {unit}"


def _rounds(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def stat_text(stat: Stat | None, units: tuple[tuple[str, float], ...] | None = None) -> str:
    """Return ``mean ± std`` in the mean's unit (just the mean for one seed, '-' for none).

    Examples
    --------
    >>> from gossip_sim.report.comparison import Stat
    >>> stat_text(Stat(2.10693, 0.00943, 3), SECONDS), stat_text(Stat(105.33, 0.47, 3))
    ('2.107 ± 0.009 s', '105.3 ± 0.5')
    """
    if stat is None:
        return "-"
    unit, scale = pick_unit(stat.mean, units) if units else ("", 1.0)
    mean = f"{stat.mean / scale:.4g}"
    decimals = len(mean.split(".")[1]) if "." in mean else 0
    text = mean if stat.n == 1 or stat.std == 0 else f"{mean} ± {stat.std / scale:.{decimals}f}"
    return f"{text} {unit}".rstrip()


def _reached_text(row: TopologyRow) -> str:
    if row.failure and row.bits_per_round is None:
        return "failed"
    if row.reached == row.seeds:
        return f"{row.reached}/{row.seeds}"
    return f"{row.reached}/{row.seeds} (not in {row.budget:,} rounds)"


def table(
    rows: Sequence[TopologyRow], several_compressors: bool
) -> tuple[list[str], list[list[Any]]]:
    """Return the comparison table's headers and rows (cells as text)."""
    headers = ["topology"] + (["compressor"] if several_compressors else [])
    headers += ["agents", "edges", "max degree", "diameter", "links", "spectral gap"]
    headers += ["bits / round", "reached", "rounds to target", "bits to target"]
    headers += ["time to target", "wins"]
    body = []
    for r in rows:
        cells: list[Any] = [r.topology] + ([r.compressor] if several_compressors else [])
        cells += [f"{r.agents:,}", f"{r.edges:,}", f"{r.max_degree:,}", str(r.diameter), r.links]
        cells += ["-" if r.spectral_gap is None else f"{r.spectral_gap:.4g}"]
        cells += ["-" if r.bits_per_round is None else format_bits(r.bits_per_round)]
        cells += [_reached_text(r), stat_text(r.rounds), stat_text(r.bits, _BIT_UNITS)]
        cells += [stat_text(r.time, SECONDS), " ".join(f"★ {w}" for w in r.wins)]
        body.append(cells)
    return headers, body


def _name(row: TopologyRow, several_compressors: bool) -> str:
    return f"{row.topology} with {row.compressor}" if several_compressors else row.topology


def reading(rows: Sequence[TopologyRow], comparison: Comparison) -> str:
    """Return one paragraph saying, from the numbers, what the comparison found.

    It names the winners on bits and on time at each size, how large their lead is, whether
    the rounds to the target follow the spectral gaps as theory says (a larger gap, fewer
    rounds), which topologies did not reach the target or could not run, and which kept
    their own links (catalogue networks) rather than the profile's.
    """
    several = len(comparison.compressors) > 1
    target = comparison.settings["target"]
    links = comparison.settings.get("links", "datacenter")
    sentences = []
    sizes = sorted({r.agents for r in rows}, key=lambda k: (-sum(r.agents == k for r in rows), k))
    for size in sizes:
        group = [r for r in rows if r.agents == size]
        done = [r for r in group if r.reached == r.seeds and r.bits and r.time]
        if len(done) == 1:  # alone at its size, or the only one to get there: no contest
            sentences.append(_alone(done[0], group, target, several))
            continue
        sentences += _winners(done, size, target, links, several)
        sentences += _ordering(done, several)
    sentences += [
        _missed(r, target, several) for r in rows if r.reached < r.seeds and not r.failure
    ]
    sentences += [f"{_name(r, several)} could not run: {r.failure}." for r in rows if r.failure]
    return " ".join(sentences) or "No run reached the target."


def _own_links(row: TopologyRow) -> str:
    return f", on its own links ({row.links})" if row.own_links else ""


def _alone(row: TopologyRow, group: Sequence[TopologyRow], target: float, several: bool) -> str:
    who = _name(row, several)
    context = "its own size" if len(group) == 1 else "the only one of its size to get there"
    bits, time = row.bits.mean, row.time.mean  # type: ignore[union-attr]
    return (
        f"{who} ({row.agents} agents, {context}{_own_links(row)}) reached {target:g} with "
        f"{format_bits(bits)} in {format_seconds(time)} of simulated time."
    )


def _missed(row: TopologyRow, target: float, several: bool) -> str:
    end = f", ending at error {row.final_error:.2g}" if row.final_error else ""
    missed = row.seeds - row.reached
    if row.seeds == 1:
        seeds = ""
    elif missed == row.seeds:
        seeds = f" in any of its {row.seeds} seeds"
    else:
        seeds = f" in {missed} of its {row.seeds} seeds"
    return (
        f"{_name(row, several)} ({row.agents} agents) did not reach {target:g} within "
        f"{row.budget:,} rounds{seeds}{end}."
    )


def _winners(
    done: Sequence[TopologyRow], size: int, target: float, links: str, several: bool
) -> list[str]:
    if not done:
        return [f"At {size} agents no topology reached error {target:g} in every seed."]
    by_bits = sorted(done, key=lambda r: r.bits.mean)  # type: ignore[union-attr]
    by_time = sorted(done, key=lambda r: r.time.mean)  # type: ignore[union-attr]
    best_bits, best_time = by_bits[0], by_time[0]
    own = [f"{r.topology} on its own links ({r.links})" for r in done if r.own_links]
    if len(own) == len(done):
        where = "their own links"
    else:
        where = f"{links!r} links" + (f" ({'; '.join(own)})" if own else "")
    head = f"At {size} agents on {where}, to reach error {target:g}"
    bits = f"{format_bits(best_bits.bits.mean)}{_lead(by_bits, 'bits')}"  # type: ignore[union-attr]
    time = f"{format_seconds(best_time.time.mean)}{_lead(by_time, 'time')}"  # type: ignore[union-attr]
    b, t = _name(best_bits, several), _name(best_time, several)
    if best_bits is best_time:
        return [
            f"{head}, {b} needed both the fewest bits ({bits}) and the least simulated "
            f"time ({time})."
        ]
    return [
        f"{head}, {b} needed the fewest bits ({bits}) and {t} the least simulated time "
        f"({time}): bits and time pull apart here, so the choice depends on which is scarcer, "
        "the links' capacity or the time to an answer."
    ]


def _lead(ordered: Sequence[TopologyRow], kind: str) -> str:
    if len(ordered) < 2:
        return ""

    def value(r: TopologyRow) -> float:
        stat = r.bits if kind == "bits" else r.time
        assert stat is not None, "only rows that reached the target are ranked"
        return stat.mean

    first, second = value(ordered[0]), value(ordered[1])
    if first <= 0:
        return ""
    word = "fewer" if kind == "bits" else "less"
    return f", {second / first:.1f}x {word} than the runner-up {ordered[1].topology}"


def _ordering(done: Sequence[TopologyRow], several: bool) -> list[str]:
    """Say whether rounds to target fall as the spectral gap grows, per compressor, once."""
    chains, broken = [], []
    for compressor in dict.fromkeys(r.compressor for r in done):
        group = [r for r in done if r.compressor == compressor and r.spectral_gap is not None]
        if len(group) < 2:
            continue
        ordered = sorted(group, key=lambda r: -r.spectral_gap)  # type: ignore[operator]
        chain = ", ".join(
            f"{r.topology} {r.spectral_gap:.3g} → {_rounds(r.rounds.mean)}"  # type: ignore[union-attr]
            for r in ordered
        )
        chains.append(f"{compressor}: {chain}" if several else chain)
        for a, b in itertools.pairwise(ordered):
            if a.rounds.mean > b.rounds.mean:  # type: ignore[union-attr]
                broken.append((a, b, compressor))
                break
    if not chains:
        return []
    listed = "; ".join(chains)
    if not broken:
        return [
            f"As theory says, the rounds to the target grow as the spectral gap shrinks "
            f"(gap → rounds: {listed})."
        ]
    a, b, compressor = broken[0]
    who = f" with {compressor}" if several else ""
    return [
        f"The rounds to the target do not simply follow the spectral gap (gap → rounds: "
        f"{listed}): {a.topology}{who} has the larger gap but needed more rounds than "
        f"{b.topology}, so something else (the compressor's error on this graph, or its step "
        "size) matters here too."
    ]
