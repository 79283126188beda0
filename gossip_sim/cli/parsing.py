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

from gossip_sim.config import SETTINGS, Setting

__all__ = ["Parser", "add_setting", "given_settings", "subcommand_parser"]


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


def add_setting(group: Any, setting: Setting, *, default: Any = None) -> None:
    """Add a run setting's flag, from its one declaration (:data:`gossip_sim.config.SETTINGS`).

    The flag's parsed default is SUPPRESS, so that :func:`given_settings` sees only the flags
    given; ``default`` is the default the help shows when the command's differs from the
    setting's (``compare`` aims at 1e-6).

    Examples
    --------
    >>> from gossip_sim.config import setting
    >>> p = subcommand_parser("gossip-sim x", "Does x.")
    >>> add_setting(p, setting("agents"))
    >>> given_settings(p.parse_args(["-k7"])), given_settings(p.parse_args([]))
    ({'agents': 7}, {})
    """
    flags = [setting.flag, *([setting.short] if setting.short else [])]
    text = setting.describe().replace("%", "%%")
    shown = setting.default if default is None else default
    if shown is not None and not isinstance(shown, bool):  # 0 is a default worth saying
        text += f" (default: {shown})"  # shown here: the action's default is SUPPRESS
    if setting.kind == "bool":  # --no-record-messages turns off a --config file's true
        how: dict[str, Any] = {"action": argparse.BooleanOptionalAction}
    else:
        how = {"type": _converter(setting)}
    group.add_argument(*flags, dest=setting.name, default=argparse.SUPPRESS, help=text, **how)


def _converter(setting: Setting) -> Any:
    """Return argparse's ``type`` for a setting, named after its type in error messages."""

    def convert(text: str) -> Any:
        return setting.parse(text)

    convert.__name__ = setting.kind.split(" | ")[0]  # argparse: "invalid int value: 'x'"
    return convert


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Return the settings named on the command line (flags not given are absent)."""
    return {s.name: getattr(args, s.name) for s in SETTINGS if hasattr(args, s.name)}
