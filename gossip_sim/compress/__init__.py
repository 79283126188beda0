"""Compressors that encode to real bytes with exact bit counts (see :mod:`.base`).

Every compressor is built by name with parameters (``qsgd:s=16``, ``topk:k=0.01``); the registry
:data:`COMPRESSORS` lists them. See ``docs/reference/compressors.md`` for payload layouts and ω.

Examples
--------
>>> gs.compress.create("identity")
Identity(precision=64)
>>> gs.compress.create("qsgd:s=16,scaled=true")
Qsgd(s=16, packing='fixed', scaled=True)
"""

from gossip_sim.compress.base import Compressor, Payload, PayloadBatch, check_finite
from gossip_sim.compress.grid import Grid, quant
from gossip_sim.compress.identity import Identity
from gossip_sim.compress.lattice import Lattice, lattice_bits
from gossip_sim.compress.linear import Linear, gaussian_sketch
from gossip_sim.compress.qsgd import Qsgd, qsgd_tau
from gossip_sim.compress.registry import COMPRESSORS, create
from gossip_sim.compress.sign import ScaledSign
from gossip_sim.compress.sparse import RandK, TopK

__all__ = [
    "COMPRESSORS",
    "Compressor",
    "Grid",
    "Identity",
    "Lattice",
    "Linear",
    "Payload",
    "PayloadBatch",
    "Qsgd",
    "RandK",
    "ScaledSign",
    "TopK",
    "check_finite",
    "create",
    "gaussian_sketch",
    "lattice_bits",
    "qsgd_tau",
    "quant",
]
