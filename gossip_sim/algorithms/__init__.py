"""Gossip and optimisation algorithms, batched over the agents (no SimPy in here).

Examples
--------
>>> "choco-gossip" in gs.algorithms.ALGORITHMS
True
"""

from typing import Any

import networkx as nx
import scipy.sparse as sp

from gossip_sim._registry import parse_spec
from gossip_sim.algorithms.base import (
    ALGORITHMS,
    Algorithm,
    Coordinator,
    Exchange,
    Links,
    RoundResult,
    is_coordinator_algorithm,
)
from gossip_sim.algorithms.coordinator import KorhonenAlistarh, ParameterServer
from gossip_sim.algorithms.decentralized import DGD, ChocoSGD
from gossip_sim.algorithms.gossip import ChocoChannel, ChocoGossip, ExactGossip, choco_gamma
from gossip_sim.algorithms.sketch import Sketch
from gossip_sim.algorithms.song import SongDecentralized, SongServer
from gossip_sim.problems.base import Problem

__all__ = [
    "ALGORITHMS",
    "DGD",
    "Algorithm",
    "ChocoChannel",
    "ChocoGossip",
    "ChocoSGD",
    "Coordinator",
    "ExactGossip",
    "Exchange",
    "KorhonenAlistarh",
    "Links",
    "ParameterServer",
    "RoundResult",
    "Sketch",
    "SongDecentralized",
    "SongServer",
    "choco_gamma",
    "create",
    "is_coordinator_algorithm",
]


def create(spec: Any, graph: nx.Graph, W: sp.csr_array, problem: Problem, **extra: Any) -> Any:
    """Return the algorithm named by ``spec`` (``"choco-gossip:gamma=0.5"``) on this network.

    ``extra`` (e.g. ``compressor=``, ``seed=``) are passed on where the algorithm takes them;
    parameters in ``spec`` win.

    Examples
    --------
    >>> g = gs.topology.build("ring", 4)
    >>> W = gs.mixing.mixing_matrix("uniform", g)
    >>> p = gs.problems.create("consensus", n_agents=4, dim=2)
    >>> gs.algorithms.create("choco-gossip:gamma=0.5", g, W, p, compressor="topk:k=1").gamma
    0.5
    """
    if not isinstance(spec, str):
        return spec
    name, params = parse_spec(spec)
    ALGORITHMS.check_params(name, params)
    accepted = ALGORITHMS.entry(name).parameters
    kwargs = {k: v for k, v in extra.items() if k in accepted}
    return ALGORITHMS.get(name)(graph, W, problem, **{**kwargs, **params})
