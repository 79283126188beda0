"""The words of a topology comparison: its table, and a plain-language reading of the numbers.

Quantities are written by :mod:`gossip_sim.quantities`, as everywhere: bits as whole numbers
with separators, times in the unit their value reaches.

Examples
--------
>>> from gossip_sim.report.comparison import Stat
>>> stat_text(Stat(2.10693, 0.00943, 3), "seconds"), stat_text(Stat(4388608.0, 40448.0, 2), "bits")
('2.107 ± 0.009 s', '4,388,608 ± 40,448')
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from gossip_sim.quantities import format_bits, format_seconds, format_stat
from gossip_sim.report.comparison import Comparison, Stat, TopologyRow

__all__ = ["reading", "stat_text", "table", "tied_best"]


def _rounds(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def stat_text(stat: Stat | None, kind: str = "number") -> str:
    """Return a figure over seeds as :func:`~gossip_sim.quantities.format_stat` does; '-' if none.

    Examples
    --------
    >>> stat_text(Stat(105.33, 0.47, 3)), stat_text(None)
    ('105.3 ± 0.5', '-')
    """
    return "-" if stat is None else format_stat(stat.mean, stat.std, stat.n, kind)


def tied_best(rows: Sequence[TopologyRow], kind: str) -> list[TopologyRow]:
    """Return the rows with the least mean ``kind`` ("bits" or "time"), all of them if tied.

    Rows tie when their figures read the same as the least one's: bits to the bit, time as
    :func:`~gossip_sim.quantities.format_seconds` writes it (4 significant digits). A lead
    too small to show is no lead: the reader sees equal figures, so none is crowned alone.

    Examples
    --------
    >>> from types import SimpleNamespace as Row
    >>> rows = [Row(name=n, time=Stat(t, 0.0, 1)) for n, t in (("a", 0.34006), ("b", 0.34008))]
    >>> [r.name for r in tied_best(rows, "time")]
    ['a', 'b']
    """
    if not rows:
        return []
    value = _bits if kind == "bits" else _time
    shown = format_bits if kind == "bits" else format_seconds
    least = shown(min(value(r) for r in rows))
    return [r for r in rows if shown(value(r)) == least]


def _reached_text(row: TopologyRow) -> str:
    if row.failure and row.bits_per_round is None:
        return "failed"
    if row.failed:
        return f"{row.reached}/{row.seeds} ({row.failed} failed)"
    if row.reached == row.seeds:
        return f"{row.reached}/{row.seeds}"
    return f"{row.reached}/{row.seeds} (not in {row.budget:,} rounds)"


def _count_text(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def table(
    rows: Sequence[TopologyRow], several_compressors: bool, faults: bool = False
) -> tuple[list[str], list[list[Any]]]:
    """Return the comparison table's headers and rows (cells as text).

    ``faults`` adds the columns ``loss`` and ``messages lost`` (mean over seeds).
    """
    headers = ["topology"] + (["compressor"] if several_compressors else [])
    headers += ["loss", "messages lost"] if faults else []
    headers += ["agents", "edges", "max degree", "diameter", "links", "spectral gap"]
    headers += ["bits / round", "reached", "rounds to target", "bits to target"]
    headers += ["time to target", "wins"]
    body = []
    for r in rows:
        cells: list[Any] = [r.topology] + ([r.compressor] if several_compressors else [])
        cells += [f"{r.loss:g}", _count_text(r.messages_lost)] if faults else []
        cells += [f"{r.agents:,}", f"{r.edges:,}", f"{r.max_degree:,}", str(r.diameter), r.links]
        cells += ["-" if r.spectral_gap is None else f"{r.spectral_gap:.4g}"]
        cells += ["-" if r.bits_per_round is None else format_bits(r.bits_per_round)]
        cells += [_reached_text(r), stat_text(r.rounds), stat_text(r.bits, "bits")]
        cells += [stat_text(r.time, "seconds"), " ".join(f"★ {w}" for w in r.wins)]
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
    lossy = len({r.loss for r in rows}) > 1
    sentences = []
    sizes = sorted({r.agents for r in rows}, key=lambda k: (-sum(r.agents == k for r in rows), k))
    for size in sizes:
        for loss in sorted({r.loss for r in rows if r.agents == size}):
            group = [r for r in rows if r.agents == size and r.loss == loss]
            done = [r for r in group if r.reached == r.seeds and r.bits and r.time]
            at = f" at loss {loss:g}" if lossy else ""
            if len(done) == 1:  # alone at its size, or the only one to get there: no contest
                sentences.append(_alone(done[0], group, target, several, at))
                continue
            sentences += _winners(done, size, target, links, several, at)
            sentences += _ordering(done, several)
    told: list[TopologyRow] = []  # the lossy rows the loss sentences already describe
    if lossy:
        sentences += _loss_effects(rows, target, several, told)
    sentences += [
        _missed(r, target, several, lossy)
        for r in rows
        if r.reached < r.seeds and not r.failure and not any(r is t for t in told)
    ]
    sentences += [
        f"{_name(r, several)}{f' at loss {r.loss:g}' if lossy else ''} "
        f"{'could not run' if r.bits_per_round is None else 'failed'}: {r.failure}."
        for r in rows
        if r.failure
    ]
    return " ".join(sentences) or "No run reached the target."


def _loss_effects(
    rows: Sequence[TopologyRow], target: float, several: bool, told: list[TopologyRow] | None = None
) -> list[str]:
    """Say, per topology, what message loss cost against its least lossy row.

    The rows described are appended to ``told`` (the reading does not describe them twice).

    Examples
    --------
    >>> from types import SimpleNamespace as Row
    >>> rows = [
    ...     Row(topology="ring", compressor="q", agents=8, loss=p, seeds=1, reached=1,
    ...         bits=Stat(b, 0.0, 1), time=Stat(t, 0.0, 1), messages_lost=m, final_error=1e-7)
    ...     for p, b, t, m in ((0.0, 1000.0, 1.0, 0.0), (0.1, 1500.0, 2.0, 40.0))
    ... ]
    >>> print(*_loss_effects(rows, 1e-6, False))  # doctest: +NORMALIZE_WHITESPACE
    Message loss: ring (8 agents) needed 1.5x the bits to reach 1e-06 at loss 0.1
    (2x the time, 40 messages lost).
    """
    sentences = []
    for key in dict.fromkeys((r.topology, r.compressor, r.agents) for r in rows):
        mine = sorted((r for r in rows if (r.topology, r.compressor, r.agents) == key),
                      key=lambda r: r.loss)  # fmt: skip
        if len(mine) < 2:
            continue
        base, parts = mine[0], []
        for row in mine[1:]:
            lost = f", {row.messages_lost:,.0f} messages lost" if row.messages_lost else ""
            lost += " on average" if lost and row.seeds > 1 else ""
            done = [r for r in (row, base) if r.reached == r.seeds and r.bits and r.time]
            if len(done) == 2:
                bits, time = _bits(row) / _bits(base), _time(row) / _time(base)
                parts.append(
                    f"needed {bits:.2g}x the bits to reach {target:g} at loss {row.loss:g} "
                    f"({time:.2g}x the time{lost})"
                )
            elif row.reached < row.seeds and row.final_error:
                seeds = "" if row.reached == 0 else f" in {row.seeds - row.reached} seeds"
                parts.append(
                    f"did not reach {target:g} at loss {row.loss:g} within {row.budget:,} rounds"
                    f"{seeds}, ending at error {row.final_error:.2g}{lost}"
                )
            else:
                continue
            if told is not None:
                told.append(row)
        if parts:
            who = f"{_name(base, several)} ({base.agents} agents)"
            sentences.append(f"Message loss: {who} " + "; ".join(parts) + ".")
    return sentences


def _own_links(row: TopologyRow) -> str:
    return f", on its own links ({row.links})" if row.own_links else ""


def _alone(
    row: TopologyRow, group: Sequence[TopologyRow], target: float, several: bool, at: str = ""
) -> str:
    who = _name(row, several) + at
    context = "its own size" if len(group) == 1 else "the only one of its size to get there"
    bits, time = row.bits.mean, row.time.mean  # type: ignore[union-attr]
    return (
        f"{who} ({row.agents} agents, {context}{_own_links(row)}) reached {target:g} with "
        f"{format_bits(bits)} bits in {format_seconds(time)} of simulated time."
    )


def _missed(row: TopologyRow, target: float, several: bool, lossy: bool = False) -> str:
    end = f", ending at error {row.final_error:.2g}" if row.final_error else ""
    missed = row.seeds - row.reached
    if row.seeds == 1:
        seeds = ""
    elif missed == row.seeds:
        seeds = f" in any of its {row.seeds} seeds"
    else:
        seeds = f" in {missed} of its {row.seeds} seeds"
    at = f" at loss {row.loss:g}" if lossy else ""
    return (
        f"{_name(row, several)} ({row.agents} agents{at}) did not reach {target:g} within "
        f"{row.budget:,} rounds{seeds}{end}."
    )


def _bits(row: TopologyRow) -> float:
    return row.bits.mean  # type: ignore[union-attr]


def _time(row: TopologyRow) -> float:
    return row.time.mean  # type: ignore[union-attr]


def _who(rows: Sequence[TopologyRow], several: bool) -> str:
    names = [_name(r, several) for r in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _best_text(
    best: Sequence[TopologyRow], done: Sequence[TopologyRow], kind: str, several: bool
) -> str:
    """Return the best figure (``each`` if tied) and its lead over the first row not tied."""
    value = _bits if kind == "bits" else _time
    first = value(best[0])
    figure = f"{format_bits(first)} bits" if kind == "bits" else format_seconds(first)
    return figure + (" each" if len(best) > 1 else "") + _lead(best, done, value, kind, several)


def _winners(
    done: Sequence[TopologyRow],
    size: int,
    target: float,
    links: str,
    several: bool,
    at: str = "",
) -> list[str]:
    if not done:
        return [f"At {size} agents{at} no topology reached error {target:g} in every seed."]
    best_bits, best_time = tied_best(done, "bits"), tied_best(done, "time")
    own = [f"{r.topology} on its own links ({r.links})" for r in done if r.own_links]
    if len(own) == len(done):
        where = "their own links"
    else:
        where = f"{links!r} links" + (f" ({'; '.join(own)})" if own else "")
    head = f"At {size} agents on {where}{at}, to reach error {target:g}"
    bits = _best_text(best_bits, done, "bits", several)
    time = _best_text(best_time, done, "time", several)
    b, t = _who(best_bits, several), _who(best_time, several)
    if len(best_bits) == len(done) and len(best_time) == len(done):
        return [f"{head}, {b} tie: the same bits ({bits}) and simulated time ({time})."]
    if best_bits == best_time:
        verb = "tie for" if len(best_bits) > 1 else "needed"
        return [
            f"{head}, {b} {verb} both the fewest bits ({bits}) and the least simulated "
            f"time ({time})."
        ]
    if all(r in best_bits for r in best_time) or all(r in best_time for r in best_bits):
        # one criterion's winners are among the other's tied ones: no trade-off to tell
        (wide, w_what), (narrow, n_what) = sorted(
            [
                (best_bits, f"the fewest bits ({bits})"),
                (best_time, f"the least simulated time ({time})"),
            ],
            key=lambda pair: -len(pair[0]),
        )
        verb = "tie for" if len(narrow) > 1 else "needed"
        return [
            f"{head}, {_who(wide, several)} tie for {w_what}; of them {_who(narrow, several)} "
            f"{verb} {n_what}."
        ]
    bits_verb = "tie for" if len(best_bits) > 1 else "needed"
    time_verb = " tie for" if len(best_time) > 1 else ""
    return [
        f"{head}, {b} {bits_verb} the fewest bits ({bits}) and {t}{time_verb} the least "
        f"simulated time ({time}): bits and time pull apart here, so the choice depends on "
        "which is scarcer, the links' capacity or the time to an answer."
    ]


def _lead(
    best: Sequence[TopologyRow],
    done: Sequence[TopologyRow],
    value: Callable[[TopologyRow], float],
    kind: str,
    several: bool,
) -> str:
    """Say how far ahead the best are of the runner-up (the first row not tied with them)."""
    rest = sorted((r for r in done if r not in best), key=value)
    first = value(best[0])
    if not rest or first <= 0:
        return ""
    word = "fewer" if kind == "bits" else "less"
    runner_up = _name(rest[0], several)
    return f", {value(rest[0]) / first:.1f}x {word} than the runner-up {runner_up}"


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
