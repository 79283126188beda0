"""Which topology? One algorithm on several topologies, sizes, compressors, losses; a report.

:class:`Comparison` says what to compare; :func:`compare` runs it (through
:func:`~gossip_sim.sweep.run_sweep`: local processes or a Dask cluster, resumable) and writes,
into one folder, ``report.html`` (self-contained), ``report.md`` (the same content),
``compare.csv`` (the table), ``figures/*.png`` and the sweep's tidy ``runs.csv`` and
``rounds.csv``. A topology that does not reach the target within the round budget, or whose
runs fail (a coordinator algorithm on a ring), stays in the table, saying so. With a loss axis
(``Comparison.losses``) every row is a topology at one loss probability, and
``figures/error-vs-bits-by-loss.png`` draws one curve per loss for each topology.

Examples
--------
>>> import tempfile
>>> c = Comparison(("ring", "complete"), agents=(8,), run={"dim": 10, "target": 1e-4})
>>> out = compare(c, tempfile.mkdtemp(), workers=1)
>>> [(row.topology, row.reached) for row in out.rows]
[('ring', 1), ('complete', 1)]
>>> out.rows[1].rounds.mean < out.rows[0].rounds.mean  # the larger spectral gap mixes faster
True
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gossip_sim import mixing, topology
from gossip_sim.config import RunConfig
from gossip_sim.errors import GossipSimError
from gossip_sim.quantities import format_range, format_rate, format_seconds, format_value
from gossip_sim.report.compare_figures import draw_figures
from gossip_sim.report.compare_text import reading, table, tied_best
from gossip_sim.report.comparison import Comparison, Stat, TopologyRow, network
from gossip_sim.report.document import Document
from gossip_sim.scenarios.report import first_reach
from gossip_sim.sweep import PlannedRun, Results, run_sweep
from gossip_sim.sweep.folder import SweepFolder

__all__ = ["CompareOutput", "Comparison", "Stat", "TopologyRow", "check_output", "compare"]

@dataclass
class CompareOutput:
    """What :func:`compare` produced: the rows, the runs' results and every file written."""

    comparison: Comparison
    rows: list[TopologyRow]
    results: Results
    directory: Path
    files: list[Path]
    ran: int
    reused: int

    @property
    def report(self) -> Path:
        """The HTML report."""
        return self.directory / "report.html"


def _gap(rule: str, graph: Any) -> float | None:
    """Return the spectral gap of the graph's W (known even when the runs on it failed)."""
    try:
        return float(mixing.spectral_gap(mixing.mixing_matrix(rule, graph)))
    except GossipSimError:
        return None


def _links_text(graph: Any) -> str:
    from gossip_sim.simulation import link_facts

    if not graph.number_of_edges():
        return "-"
    f = link_facts(graph)
    latency = format_range(f.latency_min_s, f.latency_max_s, format_seconds)
    return f"{latency}, {format_range(f.bandwidth_min_bps, f.bandwidth_max_bps, format_rate)}"


def _row(group: Results) -> TopologyRow:
    config = RunConfig.from_dict(group.runs[0].settings)
    graph = network(config)
    degrees = [d for _, d in graph.degree] or [0]
    facts = topology.describe(graph)
    drawn = [r for r in group if r.rounds]
    reached = [r for r in drawn if r.reached]
    failed = [r for r in group if r.failed]  # could not run, or diverged
    target = config.target or 0.0
    summaries = [r.summary for r in drawn if r.summary is not None]
    finals = [s.final_error for s in summaries if s.final_error > 0]
    per_round = [s.total_bits / s.rounds for s in summaries if s.rounds]
    faults = [s.faults for s in summaries if s.faults is not None]
    return TopologyRow(
        topology=config.topology,
        compressor=config.compressor,
        requested_agents=group.runs[0].params.get("agents"),
        agents=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        max_degree=max(degrees),
        diameter=facts["diameter"],  # type: ignore[arg-type]
        mixing=config.mixing,
        links=_links_text(graph),
        own_links=not graph.graph.get("links_from_profile", True),
        spectral_gap=_gap(config.mixing, graph),
        bits_per_round=float(np.mean(per_round)) if per_round else None,
        seeds=len(group),
        reached=len(reached),
        rounds=Stat.of([first_reach(r, target, x="round") for r in reached]),
        bits=Stat.of([first_reach(r, target, x="cumulative_bits") for r in reached]),
        time=Stat.of([first_reach(r, target, x="time_s") for r in reached]),
        final_error=float(np.exp(np.mean(np.log(finals)))) if finals else None,
        budget=config.rounds,
        failure=next((r.why for r in failed), None),
        failed=len(failed),
        loss=float(config.loss) if isinstance(config.loss, (int, float)) else 0.0,
        messages_lost=_mean([f.messages_lost for f in faults]),
        stale_uses=_mean([f.stale_uses for f in faults]),
        agents_alive=_mean([f.agents_alive for f in faults]),
        graph=graph,
    )


def _mean(values: list[int]) -> float | None:
    return float(np.mean(values)) if values else None


def _mark_winners(rows: list[TopologyRow]) -> None:
    """Mark, among rows of one size and loss whose seeds all reached the target, the least.

    The fewest bits and the least time are marked; rows tied for the least (their figures
    read the same) are all marked. Topologies compete at the same loss only (a lossless run
    beats a lossy one on everything).
    """
    for size, loss in sorted({(r.agents, r.loss) for r in rows}):
        same = [r for r in rows if (r.agents, r.loss) == (size, loss)]
        contenders = [r for r in same if r.reached == r.seeds and r.bits]
        if len(contenders) < 2:
            continue
        for kind in ("bits", "time"):  # rows tied for the least all win
            for row in tied_best(contenders, kind):
                row.wins.append(kind)


def rows_of(results: Results) -> list[TopologyRow]:
    """Return one row per (topology, agents, compressor, loss) of a comparison's results."""
    groups = results.groupby("topology", "agents", "compressor", "loss")
    rows = [_row(group) for _, group in groups]
    _mark_winners(rows)
    return rows


def check_output(comparison: Comparison, out: str | Path, *, overwrite: bool = False) -> None:
    """Refuse an ``out`` the comparison may not write into, before anything runs.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> check_output(Comparison(("ring",)), folder)
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: --out ... holds no topology comparison (sweep.json is missing)...
    """
    SweepFolder(out, comparison.plan(), {"compare": _source(comparison)}, overwrite=overwrite)


def compare(
    comparison: Comparison,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    fresh: bool = False,
    overwrite: bool = False,
) -> CompareOutput:
    """Run the comparison into ``out`` (runs kept there are reused) and write its report.

    ``fresh`` and ``overwrite`` are :func:`~gossip_sim.sweep.run_sweep`'s.
    """
    comparison.check()
    runs = comparison.plan()
    sweep = run_sweep(
        runs,
        out,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        fresh=fresh,
        source={"compare": _source(comparison)},
        overwrite=overwrite,
    )
    rows = rows_of(sweep.results)
    directory = sweep.directory
    figures = draw_figures(rows, sweep.results, comparison, directory / "figures")
    doc = Document(_title(comparison, rows))
    doc.paragraph(reading(rows, comparison))
    headers, body = table(
        rows, several_compressors=len(comparison.compressors) > 1, faults=comparison.faulty
    )
    doc.heading("The topologies")
    doc.table(headers, body)
    doc.paragraph(_table_note(comparison), note=True)
    doc.heading("Figures")
    for path, caption in figures:
        doc.figure(str(path.relative_to(directory)), caption)
    doc.heading("How this was run")
    doc.paragraph(_how(comparison, runs, sweep.ran, sweep.reused))
    files = [*sweep.files, *(p for p, _ in figures), _write_table(rows, directory)]
    files += doc.write(directory)
    return CompareOutput(comparison, rows, sweep.results, directory, files, sweep.ran, sweep.reused)


def _source(c: Comparison) -> dict[str, Any]:
    losses = {"losses": list(c.losses)} if c.losses else {}  # a comparison without: as before
    return {
        "topologies": list(c.topologies),
        "agents": list(c.agents),
        "compressors": list(c.compressors),
        **losses,
        "seeds": list(c.seeds),
        "run": c.settings,
    }


def _title(c: Comparison, rows: list[TopologyRow]) -> str:
    config = RunConfig.from_dict({**c.settings})
    sizes = sorted({r.agents for r in rows})
    size = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}-{sizes[-1]}"
    losses = f", message loss {', '.join(f'{p:g}' for p in c.losses)}" if c.losses else ""
    return (
        f"Which topology? {config.algorithm} on {len(c.topologies)} topologies, "
        f"{size} agents, {config.links} links{losses}"
    )


def _table_note(c: Comparison) -> str:
    seeds = len(c.seeds)
    spread = "mean ± standard deviation over the seeds that reached it" if seeds > 1 else "1 seed"
    target = c.settings["target"]
    return (
        f"Rounds, bits and simulated time to the target error {target:g} ({spread}); "
        "'reached' counts the seeds that got there within the round budget. Bits are payload "
        "bits of every message, counted once per receiver; time is the simulated clock "
        "(latency, bandwidth and queueing of every link; 'links' gives their latency and "
        "bandwidth: a catalogue network keeps its own, from its file). The spectral gap is "
        f"1 - |λ₂| of the mixing matrix W ({c.settings.get('mixing', 'metropolis-hastings')} "
        "weights). ★ marks the fewest bits and the least time among topologies of "
        f"the same size{' and loss' if c.losses else ''} whose every seed reached the target."
        + _faults_note(c)
    )


def _faults_note(c: Comparison) -> str:
    """Say what the loss axis and the fault columns mean (empty when nothing can go wrong)."""
    if not c.faulty:
        return ""
    retransmit = c.settings.get("retransmit", "off")
    resend = (
        "lost messages are not sent again"
        if retransmit == "off"
        else f"lost transmissions are sent again ({retransmit}; copies and acknowledgements "
        "are counted in the bits and the time)"
    )
    axis = (
        " 'loss' is the probability that each transmission is lost, independently on every "
        f"link (Bernoulli); {resend}; a run at loss 0 is the run a comparison without a loss "
        "axis makes."
        if c.losses
        else ""
    )
    return (
        f"{axis} Runs where something can go wrong run on the event-driven engine: every agent "
        "mixes the latest copy it holds of each neighbour's message. 'messages lost' counts "
        "the messages lost for good (mean over seeds); compare.csv also gives the stale uses "
        "(a neighbour's copy mixed without that round's message) and the agents alive at the "
        "end."
    )


def _how(c: Comparison, runs: list[PlannedRun], ran: int, reused: int) -> str:
    settings = ", ".join(f"{k}={format_value(v)}" for k, v in sorted(c.settings.items()))
    losses = f" Losses: {', '.join(f'{p:g}' for p in c.losses)}." if c.losses else ""
    return (
        f"{len(runs)} runs ({_axes(c)}{len(c.seeds)} seed(s) each; {ran} run now, {reused} "
        f"kept from an earlier run of this comparison). Shared settings: {settings}.{losses} "
        "Every run's settings are in `sweep.json`, its per-round figures in `rounds.csv` and "
        "its final figures in `runs.csv`; this table is `compare.csv`."
    )


def _axes(c: Comparison) -> str:
    """Say what the comparison crossed, e.g. "2 topologies x 3 losses, " (empty: topologies only).

    Examples
    --------
    >>> _axes(Comparison(("ring", "torus"), losses=(0, 0.1, 0.3))), _axes(Comparison(("ring",)))
    ('2 topologies x 3 losses, ', '')
    """
    sizes = len(c.agents) if len(c.agents) > 1 else 0
    counts = [(len(c.topologies), "topologies"), (sizes, "sizes")]
    counts += [(len(c.compressors), "compressors"), (len(c.losses), "losses")]
    shown = [f"{n} {what}" for n, what in counts if n > 1 or (what == "topologies" and n)]
    return f"{' x '.join(shown)}, " if len(shown) > 1 else ""


def _write_table(rows: list[TopologyRow], directory: Path) -> Path:
    """Write the rows as ``compare.csv``: plain numbers, one column per figure."""
    path = directory / "compare.csv"
    columns = [
        "topology",
        "compressor",
        "loss",
        "agents",
        "edges",
        "max_degree",
        "diameter",
        "mixing",
        *_LINK_COLUMNS,
        "spectral_gap",
        "bits_per_round",
        "seeds",
        "reached",
        "rounds_to_target_mean",
        "rounds_to_target_std",
        "bits_to_target_mean",
        "bits_to_target_std",
        "time_to_target_s_mean",
        "time_to_target_s_std",
        "final_error",
        "round_budget",
        "wins",
        "failure",
        *_FAULT_COLUMNS,
    ]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            stats = [v for s in (r.rounds, r.bits, r.time) for v in _mean_std(s)]
            writer.writerow(
                [
                    r.topology,
                    r.compressor,
                    r.loss,
                    r.agents,
                    r.edges,
                    r.max_degree,
                    r.diameter,
                    r.mixing,
                    *_link_columns(r.graph),
                    r.spectral_gap,
                    r.bits_per_round,
                    r.seeds,
                    r.reached,
                    *stats,
                    r.final_error,
                    r.budget,
                    "+".join(r.wins),
                    r.failure,
                    *(getattr(r, key) for key in _FAULT_COLUMNS),
                ]
            )
    return path


#: compare.csv's fault totals, each the mean over seeds (on the fast path: 0, 0 and K).
_FAULT_COLUMNS = ("messages_lost", "stale_uses", "agents_alive")

#: compare.csv's numbers for the links (the range over the graph's links; empty: no links).
_LINK_COLUMNS = ("latency_min_s", "latency_max_s", "bandwidth_min_bps", "bandwidth_max_bps")


def _link_columns(graph: Any) -> list[float | None]:
    from gossip_sim.simulation import link_facts

    if graph is None or not graph.number_of_edges():
        return [None] * len(_LINK_COLUMNS)
    facts = link_facts(graph)
    return [getattr(facts, key) for key in _LINK_COLUMNS]


def _mean_std(stat: Stat | None) -> tuple[float | None, float | None]:
    return (None, None) if stat is None else (stat.mean, stat.std)
