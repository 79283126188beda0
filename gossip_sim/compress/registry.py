"""The compressor registry: every compressor by name, with its parameters.

Examples
--------
>>> "identity" in COMPRESSORS
True
"""

from __future__ import annotations

from typing import Any

from gossip_sim._registry import Registry, parse_spec
from gossip_sim.errors import ConfigError

__all__ = ["COMPRESSORS", "create"]

#: The compressors by name. Fact each registration may state: ``randomised`` -- its output is
#: random (an unbiased random quantiser), so Korhonen & Alistarh's randomised bound applies.
COMPRESSORS: Registry[Any] = Registry("compressor", facts={"randomised": False})


def create(spec: Any) -> Any:
    """Return the compressor named by ``spec`` (``"qsgd:s=16"``), or ``spec`` itself if it is one.

    ``"linear:h=64+qsgd:s=16"`` composes: the part after ``+`` becomes the ``inner`` quantiser
    of the part before it (compress with B, then quantise).

    Examples
    --------
    >>> create("identity:precision=32")
    Identity(precision=32)
    >>> create("linear:h=8+qsgd:s=4").inner
    Qsgd(s=4, packing='fixed', scaled=False)
    """
    if not isinstance(spec, str):
        return spec
    outer, plus, inner = spec.partition("+")
    if plus:
        name = parse_spec(outer)[0]
        if not COMPRESSORS.entry(name).takes("inner"):
            raise ConfigError(
                f"compressor {name!r} takes no inner quantiser after '+' in {spec!r}; "
                f"compose with {COMPRESSORS.choices_text(COMPRESSORS.names_taking('inner'))}"
            )
        return COMPRESSORS.create(outer, inner=create(inner))
    return COMPRESSORS.create(spec)
