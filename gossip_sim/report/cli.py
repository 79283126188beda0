"""``gossip-sim compare``: which topology? One command, a report to put in a slide deck.

Examples
--------
>>> split_specs("ring,torus,erdos-renyi:p=0.3,seed=2")
['ring', 'torus', 'erdos-renyi:p=0.3,seed=2']
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

from gossip_sim.cli.parsing import given_settings
from gossip_sim.cli.sweeping import interrupted, print_failures
from gossip_sim.config import SETTINGS
from gossip_sim.errors import ConfigError, RunBug
from gossip_sim.output import OVERWRITE_HELP
from gossip_sim.report.compare import CompareOutput, Comparison, check_output, compare
from gossip_sim.report.comparison import DEFAULTS

__all__ = ["compare_command", "compare_parser", "split_specs"]

def split_specs(text: str) -> list[str]:
    """Split a comma list of specs; a piece ``key=value`` with no ``:`` continues the last one.

    ``qsgd:s=16,scaled=true,topk:k=0.1`` is two compressors, as a reader would guess.
    """
    specs: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        if specs and "=" in piece and ":" not in piece:
            specs[-1] += "," + piece
        else:
            specs.append(piece)
    return specs


def _agents(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not valid; give agent counts as integers, e.g. 16 or 16,64,256"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one agent count, e.g. --agents 16")
    return values


def _losses(text: str) -> list[float]:
    """Parse ``--losses 0,0.1,0.3`` (the range is checked by the comparison, in one line)."""
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not valid; give loss probabilities in [0, 1], e.g. 0,0.1,0.3"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one loss probability, e.g. --losses 0,0.1")
    return values


def compare_parser(width: int | None = None) -> argparse.ArgumentParser:
    """Return the parser of ``gossip-sim compare`` (``width``: the help text's line width)."""
    from gossip_sim.cli.parsing import add_setting, subcommand_parser
    from gossip_sim.cli.sweeping import where_flags

    parser = subcommand_parser(
        "gossip-sim compare",
        "Run one algorithm on several topologies (sizes, compressors, seeds) and "
        "write report.html (self-contained), report.md, compare.csv, figures/ and the tidy "
        "runs.csv and rounds.csv into --out. Runs kept in --out are reused.",
        width,
    )
    parser.add_argument(
        "--topologies",
        required=True,
        help="comma list of topologies: registry names (with parameters), catalogue networks "
        "or graph files, e.g. ring,torus,exponential,star,complete,abilene",
    )
    parser.add_argument(
        "--agents", "-k", type=_agents, metavar="K[,K...]",
        help="agents K, or a comma list (16,64,256) for spectral gap vs K; catalogue networks "
        "and files keep their own size (default: 16, a size every shipped generator builds)",
    )  # fmt: skip
    parser.add_argument(
        "--compressor",
        action="append",
        help="compressor spec; several as a comma list or repeated flags (a Pareto front over "
        "topologies x compressors); default: the algorithm's own",
    )
    parser.add_argument(
        "--losses",
        type=_losses,
        metavar="P[,P...]",
        help="message-loss probabilities, a comma list (0,0.1,0.3): every topology runs at "
        "each (each transmission lost independently; no retransmission unless --retransmit); "
        "loss > 0 runs on the event-driven engine, and figures/error-vs-bits-by-loss.png draws "
        "one curve per loss",
    )
    shared = parser.add_argument_group(
        "run settings", "as in gossip-sim --help, shared by every run of the comparison"
    )
    for setting in SETTINGS:
        if setting.name not in Comparison.VARIED and setting.group != "output":
            add_setting(shared, setting, default=DEFAULTS.get(setting.name))
    parser.add_argument("--seeds", type=int, default=1, help="seeds per configuration: 0..N-1")
    parser.add_argument(
        "--out", "-o", help="output folder (default: gossip-sim-results/compare-ID)"
    )
    where_flags(parser)
    parser.add_argument("--fresh", action="store_true", help="rerun every run kept in --out")
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    return parser


def compare_command(argv: Sequence[str]) -> int:
    """Run ``gossip-sim compare ...``; return the exit code (1 if a run failed)."""
    parser = compare_parser()
    args = parser.parse_args(argv)
    if args.seeds < 1:
        raise ConfigError(f"--seeds {args.seeds} is not valid; give 1 or more")
    if args.workers is not None and args.scheduler:
        parser.error("give --workers (local processes) or --scheduler (a Dask cluster), not both")
    compressors = [s for text in args.compressor or [] for s in split_specs(text)]
    given = given_settings(args).items()  # --agents and --compressor are compare's own
    run = {key: value for key, value in given if key not in Comparison.VARIED}
    comparison = Comparison(
        tuple(split_specs(args.topologies)),
        agents=tuple(args.agents or [16]),
        compressors=tuple(compressors),
        seeds=tuple(range(args.seeds)),
        run=run,
        losses=tuple(args.losses or ()),
    )
    comparison.check()
    out = (
        Path(args.out)
        if args.out
        else Path("gossip-sim-results") / f"compare-{comparison.digest()}"
    )
    check_output(comparison, out, overwrite=args.overwrite)  # before saying where runs go
    if not args.quiet:
        print(f"gossip-sim compare: {len(comparison.plan())} runs into {out}", flush=True)
    start = time.perf_counter()
    try:
        output = compare(
            comparison,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet and sys.stderr.isatty(),
            fresh=args.fresh,
            overwrite=args.overwrite,
        )
    except KeyboardInterrupt:
        print(interrupted("compare", out), file=sys.stderr)
        return 130
    except RunBug as bug:  # the CLI prints it (exit code 3); say what is kept
        bug.add_note(interrupted("compare", out, "stopped"))
        raise
    from gossip_sim.report.compare_text import table

    failed = output.results.failures
    print_failures(failed)
    if not args.quiet:
        headers, rows = table(
            output.rows,
            several_compressors=len(compressors) > 1,
            faults=output.comparison.faulty,
        )
        print(_text_table(headers, rows))
        print()
        print(_reading(output))
        print(
            f"\nreport    {output.report.resolve()}\n"
            f"{len(output.results)} runs: {output.ran} run now, {output.reused} kept; "
            f"{time.perf_counter() - start:.1f} s wall time"
        )
    return 1 if failed else 0


def _reading(output: CompareOutput) -> str:
    from gossip_sim.report.compare_text import reading

    return textwrap.fill(reading(output.rows, output.comparison), width=100)


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return an aligned plain-text table for the terminal."""
    cells = [list(map(str, headers)), *([str(v) for v in row] for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells
    )
