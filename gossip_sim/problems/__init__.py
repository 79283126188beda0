"""Problems the agents solve: their data split over K agents and their error measures.

Examples
--------
>>> gs.problems.PROBLEMS.names()
['consensus']
"""

from gossip_sim.problems.base import (
    PROBLEMS,
    Block,
    OptimisationProblem,
    Problem,
    consensus_error,
    create,
    is_optimisation,
)
from gossip_sim.problems.consensus import Consensus

__all__ = [
    "PROBLEMS",
    "Block",
    "Consensus",
    "OptimisationProblem",
    "Problem",
    "consensus_error",
    "create",
    "is_optimisation",
]
