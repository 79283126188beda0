"""gossip-sim: discrete-event simulation of decentralized gossip with compressed messages.

SimPy owns time, NumPy owns values, and every bit counted is a bit of a real payload.

Examples
--------
>>> import gossip_sim as gs
>>> gs.__version__
'0.1.0'
"""

from gossip_sim import _data, _random, compress, errors, mixing, topology  # noqa: F401  (_data, _random: doctests)
from gossip_sim.errors import ConfigError, DecodeError, DivergenceError, GossipSimError

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DecodeError",
    "DivergenceError",
    "GossipSimError",
    "__version__",
    "compress",
    "errors",
]
