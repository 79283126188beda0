"""gossip-sim: discrete-event simulation of decentralized gossip with compressed messages.

SimPy owns time, NumPy owns values, and every bit counted is a bit of a real payload.

Examples
--------
>>> import gossip_sim as gs
>>> gs.__version__
'0.1.0'
>>> trace = gs.execute(gs.RunConfig(topology="ring", agents=5, dim=10, target=1e-6))
>>> trace.status, trace.final.error <= 1e-6
('target reached', True)
"""

__version__ = "0.1.0"  # first: modules imported below read it

from gossip_sim import (
    _data,  # noqa: F401  (reached by doctests as gs._data)
    _random,  # noqa: F401
    algorithms,
    bounds,
    compress,
    demo,
    engine,
    errors,
    mixing,
    network,
    problems,
    report,
    scenario,
    topology,
    trace,
)
from gossip_sim.errors import ConfigError, DecodeError, DivergenceError, GossipSimError
from gossip_sim.scenario import RunConfig, execute

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
    "demo",
    "engine",
    "errors",
    "execute",
    "mixing",
    "network",
    "problems",
    "report",
    "scenario",
    "topology",
    "trace",
]
