"""Gossip and optimisation algorithms, batched over the agents (no SimPy in here).

Examples
--------
>>> "choco-gossip" in gs.algorithms.ALGORITHMS
True
"""

from typing import Any

import networkx as nx
import scipy.sparse as sp

from gossip_sim.algorithms.asynchronous import (
    AsynchronousAlgorithm,
    PairwiseGossip,
    PushSum,
    StochasticGradientPush,
)
from gossip_sim.algorithms.base import (
    ALGORITHMS,
    Algorithm,
    Coordinator,
    Exchange,
    Links,
    RoundResult,
    is_coordinator_algorithm,
    optimisers,
    settings_used,
)
from gossip_sim.algorithms.compressed_exact import BEER, LEAD
from gossip_sim.algorithms.coordinator import KorhonenAlistarh, ParameterServer
from gossip_sim.algorithms.decentralized import DGD, ChocoSGD
from gossip_sim.algorithms.exact import DIGing, Extra, Nids
from gossip_sim.algorithms.gossip import ChocoChannel, ChocoGossip, ExactGossip, choco_gamma
from gossip_sim.algorithms.sketch import Sketch
from gossip_sim.algorithms.song import SongDecentralized, SongServer
from gossip_sim.problems.base import Problem

__all__ = [
    "ALGORITHMS",
    "BEER",
    "DGD",
    "LEAD",
    "Algorithm",
    "AsynchronousAlgorithm",
    "ChocoChannel",
    "ChocoGossip",
    "ChocoSGD",
    "Coordinator",
    "DIGing",
    "ExactGossip",
    "Exchange",
    "Extra",
    "KorhonenAlistarh",
    "Links",
    "Nids",
    "PairwiseGossip",
    "ParameterServer",
    "PushSum",
    "RoundResult",
    "Sketch",
    "SongDecentralized",
    "SongServer",
    "StochasticGradientPush",
    "choco_gamma",
    "create",
    "is_coordinator_algorithm",
    "optimisers",
    "settings_used",
]


def create(spec: Any, graph: nx.Graph, W: sp.csr_array, problem: Problem, **extra: Any) -> Any:
    """Return the algorithm named by ``spec`` (``"dgd:step=0.1"``) on this network.

    ``extra`` are the run's own settings (``compressor=``, ``gamma=``, ``seed=``), passed on
    where the algorithm takes them; a spec never sets those (see
    :meth:`~gossip_sim._registry.Registry.check_params`).

    Examples
    --------
    >>> g = gs.topology.build("ring", 4)
    >>> W = gs.mixing.mixing_matrix("uniform", g)
    >>> p = gs.problems.create("consensus", n_agents=4, dim=2)
    >>> gs.algorithms.create("choco-gossip", g, W, p, compressor="topk:k=1", gamma=0.5).gamma
    0.5
    >>> gs.algorithms.create("choco-gossip:gamma=0.5", g, W, p)
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: algorithm 'choco-gossip': 'gamma' is supplied by the run ...
    >>> gs.algorithms.create("dgd:lr=0.1", g, W, p)
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: algorithm 'dgd' has no parameter 'lr'; valid: step
    """
    if not isinstance(spec, str):
        return spec
    return ALGORITHMS.create(spec, graph, W, problem, **extra)
