"""``gossip-sim [run options]``: one simulation from command-line flags, its files and summary.

Examples
--------
>>> build_parser().parse_args(["--agents", "7"]).agents
7
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gossip_sim import __version__
from gossip_sim.cli.parsing import HelpFormatter, Parser, add_setting, given_settings
from gossip_sim.config import SETTINGS, RunConfig, load_config
from gossip_sim.errors import DivergenceError
from gossip_sim.output import OVERWRITE_HELP, check_folder, earlier_run
from gossip_sim.quantities import format_range, format_rate, format_seconds
from gossip_sim.simulation import execute
from gossip_sim.summary import AlgorithmFacts, BoundFacts, NetworkFacts, Summary
from gossip_sim.trace import Trace

__all__ = ["build_parser", "format_summary", "run_command"]


def build_parser(width: int | None = None) -> argparse.ArgumentParser:
    """Return the parser of ``gossip-sim`` (run options; subcommands are listed in the epilog).

    ``width`` fixes the help text's line width (default: the terminal's). The run settings'
    flags come from :data:`gossip_sim.config.SETTINGS`; their parsed defaults are absent
    (:func:`given_settings` reads the flags given), so a ``--config`` file keeps every value
    the command line does not set.
    """
    parser = Parser(
        prog="gossip-sim",
        formatter_class=functools.partial(HelpFormatter, width=width),
        description="Simulate K agents gossiping compressed messages over a network: "
        "accuracy, exact bits and simulated wall-clock time.",
        epilog="subcommands: gossip-sim topologies [show NAME --agents K], gossip-sim "
        "compressors, gossip-sim algorithms, gossip-sim problems, gossip-sim scenario "
        "list|show|run NAME [--full], gossip-sim sweep FILE [--scheduler tcp://HOST:PORT], "
        "gossip-sim compare --topologies ring,torus,..., gossip-sim demo list|NAME. "
        "Results: rounds.csv, "
        "agents.csv, links.csv, summary.json, config.json, error.png in --out.",
    )
    parser.add_argument("--version", action="version", version=f"gossip-sim {__version__}")
    sections = ("network", "algorithm", "faults", "output")
    groups = {name: parser.add_argument_group(name) for name in sections}
    out = groups["output"]
    for setting in (s for s in SETTINGS if s.group != "output"):
        add_setting(groups[setting.group], setting)
    out.add_argument(
        "--config",
        help="run the configuration in this JSON/TOML file (e.g. a "
        "run's config.json); flags given explicitly override it",
    )
    out.add_argument("--out", "-o", help="output directory (default: ./gossip-sim-results/RUN)")
    out.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    for setting in (s for s in SETTINGS if s.group == "output"):
        add_setting(out, setting)
    out.add_argument("--no-plot", action="store_true", help="do not draw error.png")
    out.add_argument(
        "--quiet", "-q", action="store_true", help="print no summary or progress (errors only)"
    )
    out.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    return parser


def _config_from_args(args: argparse.Namespace) -> RunConfig:
    """Return the resolved configuration: the --config file's, each given flag overriding."""
    base = load_config(args.config).to_dict() if args.config else {}
    return RunConfig.from_dict({**base, **given_settings(args)}).resolved()


def _progress(args: argparse.Namespace, rounds: int) -> Any:
    if args.quiet or args.json or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=rounds, unit="round", delay=0.5, file=sys.stderr, leave=False)


def run_command(argv: Sequence[str]) -> int:
    """Run one simulation from command-line flags; return the exit code."""
    args = build_parser().parse_args(argv)
    config = _config_from_args(args)
    out = Path(args.out) if args.out else Path("gossip-sim-results") / config.slug()
    earlier = earlier_run(config)  # the folder may hold this configuration's run only
    check_folder(out, "earlier run of this configuration", earlier, overwrite=args.overwrite)
    bar = _progress(args, config.rounds)

    def tick(record: Any) -> None:
        if bar is not None and record.round > 0:
            bar.update(1)
            bar.set_postfix(error=f"{record.error:.2e}", refresh=False)

    code = 0
    try:
        trace = execute(config, on_round=tick)
    except DivergenceError as exc:
        trace, code = exc.trace, 1  # type: ignore[assignment]
        print(f"gossip-sim: {exc}", file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
    trace.write(out)
    if not args.no_plot:
        from gossip_sim.report.plots import save_run_figure

        save_run_figure(trace, out / "error.png", title=f"{config.algorithm} on {config.topology}")
    _report(trace, config, out, args)
    return code


def _report(trace: Trace, config: RunConfig, out: Path, args: argparse.Namespace) -> None:
    summary, output = trace.summary(), str(out.resolve())
    if args.json:
        print(json.dumps({**summary.to_dict(), "output": output}, indent=2, default=str))
    elif not args.quiet:
        print(format_summary(summary, config, output))


def _span(low: float, high: float, fmt: Any) -> str:
    return format_range(low, high, fmt)


def _links_line(network: NetworkFacts, config: RunConfig) -> str:
    if network.links == 0:
        return "none (a single agent)"
    link = network.link
    latency = _span(link.latency_min_s, link.latency_max_s, format_seconds)
    rate = _span(link.bandwidth_min_bps, link.bandwidth_max_bps, format_rate)
    source = f"'{config.links}' profile" if link.from_profile else "from the network's file"
    flags = [
        f"--{name.replace('_', '-')}"
        for name in ("latency", "bandwidth", "nic_egress")
        if getattr(config, name) is not None
    ]
    given = f"; {', '.join(flags)} as given" if flags else ""
    return f"latency {latency}, bandwidth {rate} ({source}{given})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _bound_lines(bound: BoundFacts | None) -> list[str]:
    if bound is None or not bound.name:
        note = bound.note if bound is not None else "no bound fits this run"
        return [f"  lower bound   none ({note})"]
    lines = [
        f"  lower bound   {bound.bits:,.0f} bits, {bound.name}: "
        f"{bound.formula} (its Ω constant left out)"
    ]
    if not bound.applies:
        lines.append(f"                does not apply here: {bound.note}")
    if bound.ratio is not None:
        lines.append(f"  bits / bound  {bound.ratio:,.3g}")
    return lines


def _algorithm_line(facts: AlgorithmFacts) -> str:
    return (
        f"  compressor    {facts.compressor or '-'}"
        + (f", omega {facts.omega:.3g}" if facts.omega is not None else "")
        + (f", gamma {facts.gamma:.3g}" if facts.gamma is not None else "")
        + (f" ({facts.gamma_rule})" if facts.gamma_rule is not None else "")
        + (f", step {facts.step:.3g}" if isinstance(facts.step, float) else "")
    )


def _fault_lines(summary: Summary, config: RunConfig) -> list[str]:
    """Return what went wrong, for a run with a fault setting (nothing otherwise)."""
    given = [s for s in SETTINGS if s.group == "faults" and getattr(config, s.name) != s.default]
    f = summary.faults
    if not given or f is None:
        return []
    lines = [
        f"  faults        {f.messages_lost:,} messages lost, {f.retransmissions:,} "
        f"retransmitted, {f.acks:,} acknowledged; {f.stale_uses:,} stale uses",
    ]
    agents = summary.network.agents if summary.network is not None else f.agents_alive
    lines.append(
        f"  live agents   {f.agents_alive} of {agents}: consensus error among them "
        f"{f.live_consensus_error:.3e}, their mean moved {f.live_mean_shift:.3e}"
    )
    return lines


def format_summary(summary: Summary, config: RunConfig, output: str) -> str:
    """Return the short human-readable summary of a run whose files are in ``output``.

    ``summary`` comes from :func:`~gossip_sim.execute` (it needs the network's facts).

    Examples
    --------
    >>> config = RunConfig(topology="ring", agents=4, dim=5, rounds=3)
    >>> text = format_summary(execute(config).summary(), config, "out")
    >>> text.splitlines()[0], text.splitlines()[-1]
    ('gossip-sim: choco-gossip on ring (4 agents, 4 links)', '  results       out')
    """
    s, network, facts = summary, summary.network, summary.algorithm
    if network is None or facts is None:
        raise ValueError("format_summary needs a summary from gossip_sim.execute")
    lines = [
        f"gossip-sim: {facts.name} on {config.topology} ({_plural(network.agents, 'agent')}, "
        f"{_plural(network.links, 'link')})",
        f"  links         {_links_line(network, config)}",
        f"  mixing        {config.mixing}, spectral gap {network.spectral_gap:.4g}",
        _algorithm_line(facts),
        f"  problem       {config.problem}, dimension {config.dim}, error = {s.error_name}",
        f"  rounds        {s.rounds} ({s.ending})",
        f"  error         {s.final_error:.3e} (started at {s.initial_error:.3e}), "
        f"consensus error {s.final_consensus_error:.3e}",
        f"  bits          {s.total_bits:,} in {s.total_messages:,} messages "
        f"({s.bits_per_round:,.0f} per round)",
        *_bound_lines(s.bound),
        *_fault_lines(s, config),
        f"  time          {format_seconds(s.simulated_time_s)} simulated",
        f"  results       {output}",
    ]
    return "\n".join(lines)
