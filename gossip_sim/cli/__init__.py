"""The ``gossip-sim`` command: a thin layer over :mod:`gossip_sim.config` and the registries.

``gossip-sim [run options]`` runs one simulation (``gossip-sim --topology ring --agents 5``);
``gossip-sim topologies``, ``gossip-sim compressors`` and ``gossip-sim algorithms`` list what
the registries hold. A :class:`~gossip_sim.errors.GossipSimError` is printed as one line and the
exit code is 2; a diverged run keeps its trace and exits with 1. A bug met by a run of a sweep
(:class:`~gossip_sim.errors.RunBug`) stops it: the run's settings and traceback are printed and
the exit code is 3 (:data:`BUG`).

Examples
--------
>>> main(["algorithms"])  # doctest: +ELLIPSIS
beer(step='auto')  BEER...
choco-gossip()  CHOCO-GOSSIP...
...
song-server(h='auto', b=8, b0=16, step='auto', r0='auto', decay='auto')  Song et al...
0
"""

from __future__ import annotations

import difflib
import importlib
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

from gossip_sim.errors import ConfigError, GossipSimError, RunBug

__all__ = ["BUG", "main"]

#: The exit code of a sweep stopped by a bug (1 is a failed run, 2 bad input).
BUG = 3


#: Each subcommand's module and function (imported only when that subcommand runs).
_SUBCOMMANDS = {
    "topologies": ("gossip_sim.cli.listing", "list_command", True),
    "compressors": ("gossip_sim.cli.listing", "list_command", True),
    "algorithms": ("gossip_sim.cli.listing", "list_command", True),
    "problems": ("gossip_sim.cli.listing", "list_command", True),
    "scenario": ("gossip_sim.scenarios.cli", "scenario_command", False),
    "sweep": ("gossip_sim.scenarios.cli", "sweep_command", False),
    "compare": ("gossip_sim.report.cli", "compare_command", False),
    "demo": ("gossip_sim.demo.cli", "demo_command", False),
    "run": ("gossip_sim.cli.run", "run_command", False),
}


def _command(argv: list[str]) -> tuple[Callable[[Sequence[str]], int], list[str]]:
    """Return the function that handles ``argv`` and the arguments it takes."""
    module, name, whole = _SUBCOMMANDS.get(argv[0] if argv else "", (None, None, False))
    if module is None or name is None:
        if argv and not argv[0].startswith("-"):  # a word where a subcommand or flag goes
            raise ConfigError(_unknown_command(argv[0]))
        module, name, whole = "gossip_sim.cli.run", "run_command", True
    function = getattr(importlib.import_module(module), name)
    return function, argv if whole else argv[1:]


def _unknown_command(word: str) -> str:
    """Say that ``word`` is no subcommand, naming the closest one and the valid ones.

    Examples
    --------
    >>> _unknown_command("topolgies")
    "unknown command 'topolgies' (did you mean 'topologies'?); valid: algorithms, compare, ..."
    """
    close = difflib.get_close_matches(word, list(_SUBCOMMANDS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    valid = ", ".join(sorted(_SUBCOMMANDS))
    return f"unknown command {word!r}{hint}; valid: {valid}, or run options (gossip-sim --help)"


def _warnings_as_lines() -> None:
    """Print each :class:`~gossip_sim.errors.GossipSimWarning` once, as one line on stderr.

    Other warnings keep Python's format. The same text warned twice (a file read again) is
    printed once.
    """
    from gossip_sim.errors import GossipSimWarning

    python = warnings.showwarning
    shown: set[str] = set()

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if not issubclass(category, GossipSimWarning):
            python(message, category, filename, lineno, file, line)
        elif str(message) not in shown:
            shown.add(str(message))
            print(f"gossip-sim: warning: {message}", file=sys.stderr, flush=True)

    warnings.showwarning = show


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``gossip-sim`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--version"]:  # answered before any simulation module loads
        from gossip_sim import __version__

        print(f"gossip-sim {__version__}")
        return 0
    _warnings_as_lines()
    try:
        command, rest = _command(arguments)
        return int(command(rest))
    except GossipSimError as exc:
        print(f"gossip-sim: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:  # past the estimate (gossip_sim.sizing): one line, nothing written
        print(
            "gossip-sim: error: out of memory; lower --agents, --dim or --rounds",
            file=sys.stderr,
        )
        return 2
    except RunBug as exc:
        notes = "".join(f"\n{note}" for note in getattr(exc, "__notes__", ()))
        report = "please report this bug with the lines above"
        print(f"gossip-sim: {exc}\n{report}{notes}", file=sys.stderr)
        return BUG
    except BrokenPipeError:  # `gossip-sim ... | head`: the reader left; that is fine
        sys.stderr.close()
        return 0
