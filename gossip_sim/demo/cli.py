"""``gossip-sim demo list | NAME``: the teaching demos from the command line.

Examples
--------
>>> demo_command(["list"])  # doctest: +ELLIPSIS
bits(max_bits=16, agents=4, ...)  Song et al. Alg. 1 at b = 1..max_bits, ...
...
0
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from gossip_sim._registry import parse_spec
from gossip_sim.demo import DEMOS, MAX_FRAMES, demo_files, run
from gossip_sim.output import OVERWRITE_HELP, check_folder
from gossip_sim.quantities import format_seconds

__all__ = ["demo_command", "demo_parser"]


def demo_parser(width: int | None = None) -> argparse.ArgumentParser:
    """Return the parser of ``gossip-sim demo`` (``width``: the help text's line width)."""
    from gossip_sim.cli.parsing import subcommand_parser

    parser = subcommand_parser(
        "gossip-sim demo",
        "Run a teaching demo (a real simulation) and write NAME.gif, NAME.html (a "
        "self-contained player) and NAME.png (the last frame). 'gossip-sim demo list' shows "
        "the demos and their parameters; any parameter can be given as NAME:KEY=VALUE "
        "(coordinator:dim=50000).",
        width,
    )
    parser.add_argument("demo", help=f"one of {', '.join(DEMOS.names())}, or 'list'")
    parser.add_argument("--topology", help="topology (consensus; spectral-gap: a fifth racer)")
    parser.add_argument("--agents", "-k", type=int, help="agents K (the demo's default if unset)")
    parser.add_argument("--compressor", help="compressor (consensus; spectral-gap: CHOCO)")
    parser.add_argument("--seed", type=int, help="seed of every random stream (default: 0)")
    parser.add_argument("--frames", type=int, help=f"frames, 2 to {MAX_FRAMES} (default: 48)")
    parser.add_argument("--dpi", type=int, default=72, help="pixels per inch of the frames")
    parser.add_argument("--out", "-o", default="gossip-sim-results/demo", help="output folder")
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    return parser


def demo_command(argv: Sequence[str]) -> int:
    """Run ``gossip-sim demo ...``; return the exit code."""
    if list(argv[:1]) == ["list"]:
        for entry in DEMOS.entries():
            print(entry.describe())
        print("run one: gossip-sim demo NAME [--topology T] [--agents K] [--compressor C]")
        return 0
    args = demo_parser().parse_args(argv)
    name, params = parse_spec(args.demo)
    check_folder(args.out, "demo output", demo_files, overwrite=args.overwrite)
    flags = {key: getattr(args, key) for key in ("topology", "agents", "compressor", "seed")}
    start = time.perf_counter()
    out = run(name, args.out, dpi=args.dpi, frames=args.frames, **{**flags, **params})
    if not args.quiet:
        print(
            f"gossip-sim demo {out.name}: {out.frames} frames, made in "
            f"{format_seconds(time.perf_counter() - start)}"
        )
        print(out.facts_text())
        for path in out.files:
            size = path.stat().st_size / 1e6
            print(f"  {path.suffix[1:]:<5} {Path(path).resolve()} ({size:.2f} MB)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(demo_command(sys.argv[1:]))
