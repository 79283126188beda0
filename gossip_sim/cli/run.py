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

from gossip_sim import __version__, algorithms, mixing, problems
from gossip_sim.cli.parsing import HelpFormatter, Parser, gamma_value
from gossip_sim.config import RunConfig, load_config
from gossip_sim.errors import DivergenceError
from gossip_sim.output import OVERWRITE_HELP, check_folder, earlier_run
from gossip_sim.quantities import format_range, format_rate, format_seconds
from gossip_sim.simulation import execute
from gossip_sim.trace import Trace

__all__ = ["build_parser", "format_summary", "run_command"]

_DEFAULTS = RunConfig()


def _choices(registry: Any) -> str:
    return ", ".join(registry.names())


def build_parser(width: int | None = None) -> argparse.ArgumentParser:
    """Return the parser of ``gossip-sim`` (run options; subcommands are listed in the epilog).

    ``width`` fixes the help text's line width (default: the terminal's).
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
    net = parser.add_argument_group("network")
    net.add_argument(
        "--topology",
        default=_DEFAULTS.topology,
        help="topology name (with parameters, 'erdos-renyi:p=0.3'), catalogue "
        "network or graph file; see 'gossip-sim topologies'",
    )
    net.add_argument(
        "--agents",
        "-k",
        type=int,
        default=_DEFAULTS.agents,
        help="number of agents K (default: 5; a catalogue network or graph file: its size)",
    )
    net.add_argument(
        "--links", default=_DEFAULTS.links, help="link profile: datacenter, lan, wan, edge"
    )
    net.add_argument("--latency", type=float, help="one-way latency of every link, seconds")
    net.add_argument("--bandwidth", type=float, help="bandwidth of every link, bits/s")
    net.add_argument("--nic-egress", type=float, help="every node's NIC egress rate, bits/s")
    net.add_argument("--header-bits", type=int, default=0, help="wire overhead per message, bits")
    net.add_argument(
        "--compute-seconds",
        type=float,
        default=0.0,
        help="modelled compute time per agent per round, seconds",
    )
    net.add_argument(
        "--mixing",
        default=_DEFAULTS.mixing,
        help=f"mixing rule ({_choices(mixing.MIXING_RULES)}) or a W file",
    )
    alg = parser.add_argument_group("algorithm")
    alg.add_argument(
        "--algorithm",
        default=_DEFAULTS.algorithm,
        help=f"one of {_choices(algorithms.ALGORITHMS)}, with parameters as NAME:KEY=VALUE "
        "(e.g. song-server:b=4); parameter-server, song-server and korhonen-alistarh run on "
        "--topology star (hub = coordinator, no data); see 'gossip-sim algorithms'",
    )
    alg.add_argument(
        "--compressor",
        default=_DEFAULTS.compressor,
        help="compressor spec, e.g. qsgd:s=16 or topk:k=0.1; see 'gossip-sim compressors'",
    )
    alg.add_argument(
        "--gamma",
        type=gamma_value,
        default=_DEFAULTS.gamma,
        help="CHOCO consensus step size: a number in (0, 1], 'auto' (= the compressor's omega, "
        "default) or 'theory' (Koloskova et al. Thm 2)",
    )
    alg.add_argument(
        "--problem",
        default=_DEFAULTS.problem,
        help=f"one of {_choices(problems.PROBLEMS)}, with parameters as NAME:KEY=VALUE "
        "(e.g. quadratic:kappa=10); see 'gossip-sim problems'",
    )
    alg.add_argument(
        "--dim",
        "-d",
        type=int,
        default=_DEFAULTS.dim,
        help="dimension D of the agents' vectors (pyramidal-nn: the wide layer's width)",
    )
    alg.add_argument("--rounds", type=int, default=_DEFAULTS.rounds, help="most rounds to run")
    alg.add_argument(
        "--target",
        type=float,
        default=_DEFAULTS.target,
        help="stop when the error reaches this value (0: run all rounds)",
    )
    alg.add_argument("--seed", type=int, default=_DEFAULTS.seed, help="seed of every random stream")
    out = parser.add_argument_group("output")
    out.add_argument(
        "--config",
        help="run the configuration in this JSON/TOML file (e.g. a "
        "run's config.json); flags given explicitly override it",
    )
    out.add_argument("--out", "-o", help="output directory (default: ./gossip-sim-results/RUN)")
    out.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    out.add_argument("--record-messages", action="store_true", help="also write messages.csv")
    out.add_argument("--no-plot", action="store_true", help="do not draw error.png")
    out.add_argument(
        "--quiet", "-q", action="store_true", help="print no summary or progress (errors only)"
    )
    out.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    return parser


def _config_from_args(args: argparse.Namespace, given: set[str]) -> RunConfig:
    base = load_config(args.config).to_dict() if args.config else RunConfig().to_dict()
    for key in base:
        if key in given or not args.config:
            base[key] = getattr(args, key)
    if base["target"] == 0:
        base["target"] = None
    return RunConfig.from_dict(base)


def _given_flags(argv: Sequence[str]) -> set[str]:
    return (
        {a[2:].split("=")[0].replace("-", "_") for a in argv if a.startswith("--")}
        | ({"agents"} if "-k" in argv else set())
        | ({"dim"} if "-d" in argv else set())
    )


def _progress(args: argparse.Namespace, rounds: int) -> Any:
    if args.quiet or args.json or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=rounds, unit="round", delay=0.5, file=sys.stderr, leave=False)


def run_command(argv: Sequence[str]) -> int:
    """Run one simulation from command-line flags; return the exit code."""
    args = build_parser().parse_args(argv)
    config = _config_from_args(args, _given_flags(argv))
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
    summary = {**trace.summary(), "output": str(out.resolve())}
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    elif not args.quiet:
        print(format_summary(summary, config))


def _span(low: float, high: float, fmt: Any) -> str:
    return format_range(low, high, fmt)


def _links_line(s: dict[str, Any], config: RunConfig) -> str:
    if s["links"] == 0:
        return "none (a single agent)"
    latency = _span(s["latency_min_s"], s["latency_max_s"], format_seconds)
    rate = _span(s["bandwidth_min_bps"], s["bandwidth_max_bps"], format_rate)
    source = f"'{config.links}' profile" if s["links_from_profile"] else "from the network's file"
    return f"latency {latency}, bandwidth {rate} ({source})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _bound_lines(s: dict[str, Any]) -> list[str]:
    if not s.get("lower_bound_name"):
        return [f"  lower bound   none ({s.get('lower_bound_note', 'no bound fits this run')})"]
    lines = [
        f"  lower bound   {s['lower_bound_bits']:,.0f} bits, {s['lower_bound_name']}: "
        f"{s['lower_bound_formula']} (its Ω constant left out)"
    ]
    if not s.get("lower_bound_applies", True):
        lines.append(f"                does not apply here: {s['lower_bound_note']}")
    ratio = s.get("bits_over_lower_bound")
    if ratio is not None:
        lines.append(f"  bits / bound  {ratio:,.3g}")
    return lines


def format_summary(summary: dict[str, Any], config: RunConfig) -> str:
    """Return the short human-readable summary of a run."""
    s = summary
    per_round = s["total_bits"] / max(s["rounds"], 1)
    lines = [
        f"gossip-sim: {s['algorithm']} on {config.topology} ({_plural(s['agents'], 'agent')}, "
        f"{_plural(s['links'], 'link')})",
        f"  links         {_links_line(s, config)}",
        f"  mixing        {config.mixing}, spectral gap {s['spectral_gap']:.4g}",
        f"  compressor    {s.get('compressor', '-')}"
        + (f", omega {s['omega']:.3g}" if "omega" in s else "")
        + (f", gamma {s['gamma']:.3g}" if "gamma" in s else "")
        + (f" ({s['gamma_rule']})" if "gamma_rule" in s else "")
        + (f", step {s['step']:.3g}" if isinstance(s.get("step"), float) else ""),
        f"  problem       {config.problem}, dimension {config.dim}, error = {s['error_name']}",
        f"  rounds        {s['rounds']} ({s['status']})",
        f"  error         {s['final_error']:.3e} (started at {s['initial_error']:.3e}), "
        f"consensus error {s['final_consensus_error']:.3e}",
        f"  bits          {s['total_bits']:,} in {s['total_messages']:,} messages "
        f"({per_round:,.0f} per round)",
        *_bound_lines(s),
        f"  time          {format_seconds(s['simulated_time_s'])} simulated",
        f"  results       {s['output']}",
    ]
    return "\n".join(lines)


