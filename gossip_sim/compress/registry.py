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

__all__ = ["COMPRESSORS", "create", "is_stateless"]

#: The compressors by name. Facts each registration may state: ``randomised`` -- its output is
#: random (an unbiased random quantiser), so Korhonen & Alistarh's randomised bound applies;
#: ``stateless`` -- its state never changes, so any group of rows encodes as the rows one by
#: one (the event-driven engine encodes the agents that send at one instant together).
COMPRESSORS: Registry[Any] = Registry("compressor", facts={"randomised": False, "stateless": False})


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


def is_stateless(spec: str) -> bool:
    """Return whether the compressor ``spec`` names keeps no state between messages.

    A composed spec (``linear:h=64+qsgd``) is stateless when every part is.

    Examples
    --------
    >>> is_stateless("qsgd:s=16,scaled=true"), is_stateless("randk:k=0.1")
    (True, False)
    >>> is_stateless("not a spec at all")
    False
    """
    names = [parse_spec(part)[0] for part in spec.split("+")]
    return all(n in COMPRESSORS and COMPRESSORS.entry(n).facts["stateless"] for n in names)
