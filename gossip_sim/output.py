"""Where results go: the one rule every command applies to ``--out`` (and ``--draw``).

Every command checks where it will write *before* it computes anything, so a mistake costs
nothing and leaves nothing behind:

* ``--out`` must be a folder that can be written: a path naming a file, a path under a file
  and a place this user cannot write to are refused (:func:`check_folder`);
* a folder that already holds files is used only when they are this command's own earlier
  output (a rerun of the same configuration, the same scenario, the same sweep or comparison):
  those files are replaced, since the same configuration gives the same files. Anything
  else there (another run's results, the user's own files) is refused, unless the user asks
  with ``--overwrite``: then this command's files are replaced and every other file is left
  alone (:data:`OVERWRITE_HELP`);
* a figure given as a file (``--draw FILE``) must end in a format matplotlib writes, and an
  existing file is replaced only with ``--overwrite`` (:func:`check_figure`).

Refusals are :class:`~gossip_sim.errors.ConfigError`: the command prints one line and exits
with code 2.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> check_folder(folder / "new", "run") == folder / "new"  # not created by the check
True
>>> (folder / "notes.txt").write_text("mine")
4
>>> check_folder(folder / "notes.txt", "run")
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: --out .../notes.txt is a file; give a folder
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError

__all__ = [
    "FIGURE_FORMATS",
    "OVERWRITE_HELP",
    "check_figure",
    "check_folder",
    "earlier_run",
    "other_files",
]

#: The help text of ``--overwrite``, the same on every command that takes it.
OVERWRITE_HELP = "write into --out even if it holds other files: this command's are replaced"

#: The file formats a figure can be saved in (matplotlib's Agg canvas writes them all).
FIGURE_FORMATS = ("png", "pdf", "svg", "svgz", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp")


def _writable_place(path: Path, flag: str, *, file: bool = False) -> None:
    """Refuse ``path`` (a folder, or a ``file``) under a file or where this user cannot write."""
    existing = path.parent if file or not path.exists() else path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{flag} {path}: {existing} is a file, not a folder; give a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):  # nothing left behind, whatever happens
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"{flag} {path}: cannot write in {existing} ({reason.lower()}); "
            "give a folder you can write to"
        ) from None


def other_files(folder: Path, own: Iterable[str]) -> str | None:
    """Say which files in ``folder`` are not among ``own`` ("it holds ..."); None if none are.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "rounds.csv").write_text(""), (folder / "thesis.tex").write_text("")
    >>> other_files(folder, ["rounds.csv", "config.json"])
    'it holds thesis.tex'
    """
    names = set(own)
    others = sorted(p.name for p in folder.iterdir() if p.name not in names)
    if not others:
        return None
    shown = ", ".join(others[:3])
    return "it holds " + (shown if len(others) <= 3 else f"{shown} and {len(others) - 3} more")


def check_folder(
    path: str | Path,
    kind: str,
    foreign: Callable[[Path], str | None] | None = None,
    *,
    overwrite: bool = False,
    flag: str = "--out",
) -> Path:
    """Return ``path`` if a command may write its results there; refuse it otherwise.

    ``kind`` names what the folder should hold ("run of this configuration", "sweep", ...);
    ``foreign(folder)`` is called on an existing folder that is not empty and returns why it
    does not hold only that (None if it does). ``overwrite=True`` accepts such a folder.
    Nothing is created or written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "thesis.tex").write_text("keep me")
    >>> check_folder(folder, "run", lambda f: "it holds thesis.tex")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: --out ... is not empty and holds no run (it holds thesis.tex)...
    >>> check_folder(folder, "run", lambda f: "it holds thesis.tex", overwrite=True) == folder
    True
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{flag} {out} is a file; give a folder")
    _writable_place(out, flag)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        why = foreign(out) if foreign is not None else "it is not empty"
        if why is not None:
            raise ConfigError(
                f"{flag} {out} is not empty and holds no {kind} ({why}); give a new or empty "
                "folder, or add --overwrite to write into it"
            )
    return out


def check_figure(path: str | Path, *, overwrite: bool = False, flag: str = "--draw") -> Path:
    """Return ``path`` if a figure can be saved there: a format matplotlib writes, a free name.

    Examples
    --------
    >>> check_figure("graph.txt")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: --draw graph.txt: '.txt' is not a figure format; ...
    """
    out = Path(path)
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        given = f"'.{suffix}'" if suffix else "no extension"
        raise ConfigError(
            f"{flag} {out}: {given} is not a figure format; give a file ending in "
            + ", ".join(f".{s}" for s in FIGURE_FORMATS)
            + " (e.g. graph.png)"
        )
    if out.is_dir():
        raise ConfigError(f"{flag} {out} is a folder; give a file such as {out / 'graph.png'}")
    if out.exists() and not overwrite:
        raise ConfigError(f"{flag} {out} exists; give another name, or add --overwrite")
    _writable_place(out, flag, file=True)
    return out


def earlier_run(config: RunConfig) -> Callable[[Path], str | None]:
    """Return the check of a run's folder: it may hold only this configuration's earlier run.

    The folder passes when every file in it is one a run writes and its ``config.json`` is
    the same configuration (the same :meth:`~gossip_sim.config.RunConfig.slug`): rerunning
    it replaces its own files, which it writes again identically.

    Examples
    --------
    >>> import tempfile, json
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text(json.dumps(gs.RunConfig(agents=5).to_dict()))
    >>> earlier_run(gs.RunConfig())(folder) is None, earlier_run(gs.RunConfig(agents=7))(folder)
    (True, "its config.json is another run's")
    """
    from gossip_sim.trace import OUTPUT_FILES

    def why(folder: Path) -> str | None:
        others = other_files(folder, OUTPUT_FILES)
        if others:
            return others
        record = folder / "config.json"
        if not record.is_file():
            return "config.json is missing"
        try:
            earlier = RunConfig.from_dict(json.loads(record.read_text()))
        except (OSError, ValueError):  # unreadable, or not a configuration this version runs
            return "its config.json is not a run's configuration"
        return None if earlier.slug() == config.slug() else "its config.json is another run's"

    return why
