"""Compressors that encode to real bytes with exact bit counts (see :mod:`.base`).

Examples
--------
>>> gs.compress.create("identity")
Identity(precision=64)
"""

from gossip_sim.compress.base import Compressor, Payload, PayloadBatch, check_finite
from gossip_sim.compress.identity import Identity
from gossip_sim.compress.registry import COMPRESSORS, create

__all__ = [
    "COMPRESSORS",
    "Compressor",
    "Identity",
    "Payload",
    "PayloadBatch",
    "check_finite",
    "create",
]
