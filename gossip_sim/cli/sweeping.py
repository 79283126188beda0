"""What the commands that run many runs share (``scenario run``, ``sweep``, ``compare``).

Their ``--workers``/``--scheduler`` flags, the one line per failed run, and what an
interrupted sweep says. Like :mod:`gossip_sim.cli.parsing`, every face may import it; it
imports no face, so the faces stay independent of each other.

Examples
--------
>>> parser = argparse.ArgumentParser()
>>> where_flags(parser)
>>> parser.parse_args(["--workers", "2"]).workers
2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gossip_sim.quantities import format_value
from gossip_sim.sweep import RunResult

__all__ = ["interrupted", "print_failures", "where_flags"]


def where_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers`` and ``--scheduler``: where the runs go.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> where_flags(parser)
    >>> parser.parse_args(["--scheduler", "tcp://h:8786"]).scheduler
    'tcp://h:8786'
    """
    parser.add_argument(
        "--workers", type=int, help="local processes running the runs (default: the cores)"
    )
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on this Dask distributed cluster instead of local processes "
        "(pip install 'gossip-sim[dask]'; every worker needs gossip-sim too)",
    )


def interrupted(command: str, out: Path, how: str = "interrupted") -> str:
    """Return what an interrupted (or ``how`` ended) sweep or comparison says: what it kept.

    Examples
    --------
    >>> interrupted("sweep", Path("no-such-folder"), "stopped")
    'gossip-sim sweep: stopped before any run finished; nothing was kept'
    """
    kept = len(list((out / "runs").glob("*.json"))) if (out / "runs").is_dir() else 0
    if not kept:
        return f"gossip-sim {command}: {how} before any run finished; nothing was kept"
    return (
        f"gossip-sim {command}: {how}; {kept} finished run(s) are kept in {out}; "
        "run the same command again to resume"
    )


def print_failures(failed: Sequence[RunResult]) -> None:
    """Print one line on stderr per failed run (diverged too): its number, parameters and why."""
    for r in failed:
        params = ", ".join(f"{k}={format_value(v)}" for k, v in r.params.items())
        print(f"gossip-sim: run {r.index} failed ({params}): {r.why}", file=sys.stderr)
