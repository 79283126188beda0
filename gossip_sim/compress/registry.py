"""The compressor registry: every compressor by name, with its parameters.

Examples
--------
>>> "identity" in COMPRESSORS
True
"""

from __future__ import annotations

from typing import Any

from gossip_sim._registry import Registry

__all__ = ["COMPRESSORS", "create"]

COMPRESSORS: Registry[Any] = Registry("compressor")


def create(spec: Any) -> Any:
    """Return the compressor named by ``spec`` (``"qsgd:s=16"``), or ``spec`` itself if it is one.

    Examples
    --------
    >>> create("identity:precision=32")
    Identity(precision=32)
    """
    if not isinstance(spec, str):
        return spec
    return COMPRESSORS.create(spec)
