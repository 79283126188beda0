"""The ``gossip-sim`` command: a thin layer over :mod:`gossip_sim.scenario` and the registries.

``gossip-sim [run options]`` runs one simulation (``gossip-sim --topology ring --agents 5``);
``gossip-sim topologies``, ``gossip-sim compressors`` and ``gossip-sim algorithms`` list what
the registries hold. A :class:`~gossip_sim.errors.GossipSimError` is printed as one line and the
exit code is 2; a diverged run keeps its trace and exits with 1.

Examples
--------
>>> main(["algorithms"])  # doctest: +ELLIPSIS
choco-gossip(compressor='qsgd:s=16,scaled=true', gamma='auto', seed=0)  CHOCO-GOSSIP...
...
song-server(h='auto', b=8, b0=16, step='auto', r0='auto', decay='auto', seed=0)  Song et al...
0
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gossip_sim import __version__, algorithms, compress, mixing, problems, topology
from gossip_sim.errors import ConfigError, DivergenceError, GossipSimError
from gossip_sim.scenario import RunConfig, agents_for, execute, load_config
from gossip_sim.trace import Trace

__all__ = ["build_parser", "main"]

_DEFAULTS = RunConfig()


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2 (no flag abbreviations)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith("unrecognized arguments"):
            flags = sorted(o for a in self._actions for o in a.option_strings if o.startswith("--"))
            unknown = message.split(": ", 1)[1].split()[0].split("=")[0]
            close = difflib.get_close_matches(unknown, flags, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            message = f"unknown flag {unknown}{hint}; valid: {', '.join(flags)}"
        self.exit(2, f"{self.prog}: error: {message}\n")


class _HelpFormatter(argparse.HelpFormatter):
    """Show each option's default, unless it has none."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and action.option_strings:
            text += " (default: %(default)s)"
        return text


def subcommand_parser(prog: str, description: str, width: int | None = None) -> _Parser:
    """Return a subcommand's parser: one-line errors, defaults shown, help ``width`` wide.

    Examples
    --------
    >>> subcommand_parser("gossip-sim x", "Does x.").prog
    'gossip-sim x'
    """
    formatter = functools.partial(_HelpFormatter, width=width)
    return _Parser(prog=prog, formatter_class=formatter, description=description)


def _gamma(text: str) -> float | str:
    if text in ("auto", "theory"):
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not valid; give a number in (0, 1], 'auto' or 'theory'"
        ) from None


def _choices(registry: Any) -> str:
    return ", ".join(registry.names())


def build_parser(width: int | None = None) -> argparse.ArgumentParser:
    """Return the parser of ``gossip-sim`` (run options; subcommands are listed in the epilog).

    ``width`` fixes the help text's line width (default: the terminal's).
    """
    parser = _Parser(
        prog="gossip-sim",
        formatter_class=functools.partial(_HelpFormatter, width=width),
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
        type=_gamma,
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


def reference_markdown() -> str:
    """Return the CLI reference page (``docs/reference/cli.md``), generated from the parser.

    Examples
    --------
    >>> reference_markdown().splitlines()[0]
    '# Command-line reference'
    """
    from gossip_sim.demo.cli import demo_parser
    from gossip_sim.report.cli import compare_parser
    from gossip_sim.scenarios.cli import sweep_parser

    text = build_parser(width=100).format_help()  # a fixed width keeps the page stable
    return (
        "# Command-line reference\n\n"
        "Generated from the parser by `python -c 'from gossip_sim.cli import "
        'reference_markdown as r; print(r(), end="")\' > docs/reference/cli.md`; '
        "a test checks it is current.\n\n"
        "## `gossip-sim [run options]`\n\n```text\n" + text + "```\n\n"
        "## Listings\n\n"
        "* `gossip-sim topologies`: topologies, mixing rules, catalogue networks, link profiles.\n"
        "* `gossip-sim topologies show NAME [--agents K] [--links P] [--seed S] "
        "[--draw FILE.png]`: nodes, links, degree range, diameter, latencies, spectral gap per "
        "mixing rule, and a drawing.\n"
        "* `gossip-sim compressors`, `gossip-sim algorithms`, `gossip-sim problems`.\n\n"
        "## Scenarios\n\n"
        "* `gossip-sim scenario list`: the shipped scenarios, with their runs in each mode.\n"
        "* `gossip-sim scenario show NAME_OR_FILE [--full]`: every run a scenario will make.\n"
        "* `gossip-sim scenario run NAME_OR_FILE [--full] [--out DIR] [--workers N | "
        "--scheduler tcp://HOST:PORT] [--quiet]`: run it (fast mode unless `--full`) into "
        "`gossip-sim-results/NAME`; exit code 1 if a run failed. File format: "
        "`docs/reference/scenario-files.md`.\n\n"
        "## `gossip-sim sweep`\n\n```text\n" + sweep_parser(width=100).format_help() + "```\n\n"
        "## `gossip-sim compare`\n\n```text\n" + compare_parser(width=100).format_help()
        + "```\n\n"
        "Files: `report.html` (self-contained), `report.md`, `compare.csv`, `figures/*.png`, "
        "`runs.csv`, `rounds.csv`, `sweep.json` and `runs/` (see `docs/reference/compare.md`)."
        "\n\n## `gossip-sim demo`\n\n```text\n" + demo_parser(width=100).format_help() + "```\n\n"
        "`gossip-sim demo list` shows every demo with its parameters (see "
        "`docs/tutorial/teaching-demos.md`).\n\n"
        "## Exit codes\n\n"
        "* 0: the run finished (target reached or rounds exhausted);\n"
        "* 1: the run diverged (NaN/inf or error growing past 1e8 x the start); the trace up to "
        "then is written;\n"
        "* 2: bad input (unknown flag, name or value), one line on stderr naming what is valid;\n"
        "* `scenario run`, `sweep`, `compare`: 1 if any run failed (each failure is listed with "
        "its parameters, the other runs finish); `sweep` and `compare`: 130 if interrupted "
        "(Ctrl-C): the finished runs are kept in --out and the same command resumes.\n"
    )


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


#: Units of a duration, largest first (what :func:`format_seconds` chooses from).
SECONDS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6))


def pick_unit(value: float, units: tuple[tuple[str, float], ...]) -> tuple[str, float]:
    """Return the largest ``(unit, scale)`` that ``value`` reaches (the last if it reaches none).

    Examples
    --------
    >>> pick_unit(0.0021, SECONDS)
    ('ms', 0.001)
    """
    return next(((u, s) for u, s in units if value >= s), units[-1])


def _with_unit(value: float, units: tuple[tuple[str, float], ...]) -> str:
    """Write ``value`` in the largest unit it reaches (the last unit if it reaches none)."""
    unit, scale = pick_unit(value, units)
    return f"{value / scale:.4g} {unit}"


def format_seconds(seconds: float) -> str:
    """Return a duration with a readable unit.

    Examples
    --------
    >>> format_seconds(0.000112781), format_seconds(0.25), format_seconds(75.0)
    ('112.8 µs', '250 ms', '75 s')
    """
    return _with_unit(seconds, SECONDS)


def format_rate(bits_per_second: float) -> str:
    """Return a bit rate with a readable unit.

    Examples
    --------
    >>> format_rate(1e10), format_rate(1.544e6)
    ('10 Gb/s', '1.544 Mb/s')
    """
    return _with_unit(bits_per_second, (("Gb/s", 1e9), ("Mb/s", 1e6), ("kb/s", 1e3), ("b/s", 1.0)))


def _span(low: float, high: float, fmt: Any) -> str:
    return fmt(low) if low == high else f"{fmt(low)} to {fmt(high)}"


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


def list_command(argv: Sequence[str]) -> int:
    """Print a registry listing (``topologies``, ``compressors``, ``algorithms``, ``problems``)."""
    kind, rest = argv[0], list(argv[1:])
    if kind == "topologies" and rest[:1] == ["show"]:
        return topology_show(rest[1:])
    if rest:
        raise ConfigError(f"'gossip-sim {kind}' takes no arguments (got {' '.join(rest)})")
    sections = {
        "topologies": [("topologies", topology.TOPOLOGIES), ("mixing rules", mixing.MIXING_RULES)],
        "compressors": [("compressors", compress.COMPRESSORS)],
        "algorithms": [("algorithms", algorithms.ALGORITHMS)],
        "problems": [("problems", problems.PROBLEMS)],
    }[kind]
    for title, registry in sections:
        if len(sections) > 1:
            print(f"{title}:")
        for entry in registry.entries():
            print(("  " if len(sections) > 1 else "") + entry.describe())
    if kind == "topologies":
        print("catalogue:\n  " + ", ".join(topology.catalogue_names()))
        print("link profiles:\n  " + ", ".join(topology.LINK_PROFILES))
    return 0


def topology_show(argv: Sequence[str]) -> int:
    """``gossip-sim topologies show NAME --agents K [--draw FILE.png]``."""
    parser = _Parser(prog="gossip-sim topologies show")
    parser.add_argument("name")
    parser.add_argument("--agents", "-k", type=int, help="agents (default 5; a file: its size)")
    parser.add_argument("--links", default="datacenter")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--draw", help="save a drawing of the graph to this PNG file")
    args = parser.parse_args(argv)
    agents = agents_for(RunConfig(topology=args.name, agents=args.agents))
    graph = topology.build(args.name, agents, links=args.links, seed=args.seed)
    facts = topology.describe(graph)
    for key, value in facts.items():
        print(f"{key:<16}{value}")
    print("spectral gap per mixing rule:")
    for rule in mixing.MIXING_RULES.names():
        try:
            gap = mixing.spectral_gap(mixing.mixing_matrix(rule, graph))
        except GossipSimError as exc:
            print(f"  {rule:<22}n/a ({exc})")
        else:
            print(f"  {rule:<22}{gap:.6g}")
    if args.draw:
        _draw(graph, args.draw)
    return 0


def _draw(graph: Any, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gossip_sim.report.graph import draw_graph

    ax = draw_graph(graph, mixing.mixing_matrix("metropolis-hastings", graph))
    ax.figure.savefig(path, dpi=100)
    plt.close(ax.figure)
    print(f"drawing         {Path(path).resolve()}")


_SUBCOMMANDS = {"topologies", "compressors", "algorithms", "problems"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``gossip-sim`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in _SUBCOMMANDS:
            return list_command(argv)
        if argv and argv[0] == "scenario":
            from gossip_sim.scenarios.cli import scenario_command

            return scenario_command(argv[1:])
        if argv and argv[0] == "demo":
            from gossip_sim.demo.cli import demo_command

            return demo_command(argv[1:])
        if argv and argv[0] == "compare":
            from gossip_sim.report.cli import compare_command

            return compare_command(argv[1:])
        if argv and argv[0] == "sweep":
            from gossip_sim.scenarios.cli import sweep_command

            return sweep_command(argv[1:])
        if argv and argv[0] == "run":
            argv = argv[1:]
        return run_command(argv)
    except GossipSimError as exc:
        print(f"gossip-sim: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `gossip-sim ... | head`: the reader left; that is fine
        sys.stderr.close()
        return 0
