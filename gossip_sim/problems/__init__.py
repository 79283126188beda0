"""Problems the agents solve: their data split over K agents and their error measures.

Examples
--------
>>> gs.problems.PROBLEMS.names()
['consensus']
"""

from gossip_sim.problems.base import PROBLEMS, Problem, consensus_error, create
from gossip_sim.problems.consensus import Consensus

__all__ = ["PROBLEMS", "Consensus", "Problem", "consensus_error", "create"]
