"""Where the shipped data folders (``topologies/``, ``scenarios/``) are, installed or not.

In a wheel they live in ``gossip_sim/data/``; in a clone (editable install) they are the
repository's top-level folders.

Examples
--------
>>> (gs._data.data_dir("topologies")).is_dir()
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder holding the shipped ``name`` data (``"topologies"`` or ``"scenarios"``)."""
    for candidate in (_PACKAGE / "data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"gossip-sim's {name}/ folder is missing from {_PACKAGE}; reinstall the package"
    )
