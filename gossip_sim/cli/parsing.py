"""What every face of the ``gossip-sim`` command shares: its argument parser and flag types.

Each subcommand (``run``, ``scenario``, ``sweep``, ``compare``, ``demo``) builds its parser
here, so that every one of them answers a mistake the same way: one line naming the flag, the
closest valid one, and exit code 2.

Examples
--------
>>> subcommand_parser("gossip-sim x", "Does x.").prog
'gossip-sim x'
"""

from __future__ import annotations

import argparse
import difflib
import functools
from typing import Any

__all__ = ["Parser", "gamma_value", "subcommand_parser"]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2 (no flag abbreviations)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print one line naming the mistake (and the closest flag), then exit with code 2."""
        if message.startswith("unrecognized arguments"):
            flags = sorted(o for a in self._actions for o in a.option_strings if o.startswith("--"))
            unknown = message.split(": ", 1)[1].split()[0].split("=")[0]
            close = difflib.get_close_matches(unknown, flags, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            message = f"unknown flag {unknown}{hint}; valid: {', '.join(flags)}"
        self.exit(2, f"{self.prog}: error: {message}\n")


class HelpFormatter(argparse.HelpFormatter):
    """Show each option's default, unless it has none."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and action.option_strings:
            text += " (default: %(default)s)"
        return text


def subcommand_parser(prog: str, description: str, width: int | None = None) -> Parser:
    """Return a subcommand's parser: one-line errors, defaults shown, help ``width`` wide.

    Examples
    --------
    >>> subcommand_parser("gossip-sim x", "Does x.").prog
    'gossip-sim x'
    """
    formatter = functools.partial(HelpFormatter, width=width)
    return Parser(prog=prog, formatter_class=formatter, description=description)


def gamma_value(text: str) -> float | str:
    """Read a CHOCO consensus step: a number, ``auto`` or ``theory``.

    Examples
    --------
    >>> gamma_value("0.5"), gamma_value("auto")
    (0.5, 'auto')
    """
    if text in ("auto", "theory"):
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not valid; give a number in (0, 1], 'auto' or 'theory'"
        ) from None


