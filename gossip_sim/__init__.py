"""gossip-sim: discrete-event simulation of decentralized gossip with compressed messages.

SimPy owns time, NumPy owns values, and every bit counted is a bit of a real payload.

Subpackages load when first used (``gs.topology``, ``gs.execute``...), so ``import gossip_sim``
and ``gossip-sim --version`` stay quick.

Examples
--------
>>> import gossip_sim as gs
>>> gs.__version__
'0.1.0'
>>> trace = gs.execute(gs.RunConfig(topology="ring", agents=5, dim=10, target=1e-6))
>>> trace.status, trace.final.error <= 1e-6
('target reached', True)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gossip_sim.errors import ConfigError, DecodeError, DivergenceError, GossipSimError

__version__ = "0.1.0"

#: Modules reached as attributes (``gs.mixing``), imported on first use.
_MODULES = (
    "algorithms",
    "bounds",
    "compress",
    "config",
    "demo",
    "engine",
    "mixing",
    "network",
    "problems",
    "report",
    "simulation",
    "summary",
    "topology",
    "trace",
    "_data",
    "_random",
)
#: Names re-exported from a module, imported on first use.
_NAMES = {"RunConfig": "gossip_sim.config", "execute": "gossip_sim.simulation"}

__all__ = [
    "ConfigError",
    "DecodeError",
    "DivergenceError",
    "GossipSimError",
    "RunConfig",
    "__version__",
    "algorithms",
    "bounds",
    "compress",
    "config",
    "demo",
    "engine",
    "errors",
    "execute",
    "mixing",
    "network",
    "problems",
    "report",
    "simulation",
    "summary",
    "topology",
    "trace",
]

if TYPE_CHECKING:  # the type checker sees eager imports; the interpreter loads them lazily
    from gossip_sim import (
        algorithms,
        bounds,
        compress,
        config,
        demo,
        engine,
        errors,
        mixing,
        network,
        problems,
        report,
        simulation,
        summary,
        topology,
        trace,
    )
    from gossip_sim.config import RunConfig
    from gossip_sim.simulation import execute


def __getattr__(name: str) -> Any:
    """Import a subpackage or re-exported name the first time it is used (PEP 562)."""
    if name in _MODULES:
        return importlib.import_module(f"gossip_sim.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'gossip_sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULES) | set(_NAMES))
