"""Problems the agents solve: their data split over K agents and their error measures.

One module per problem, each registering its factory in :data:`PROBLEMS`; ``datasets`` loads
real data (bundled scikit-learn sets, CSV, NPZ) and deals it out to the agents.

Examples
--------
>>> gs.problems.PROBLEMS.names()
['consensus', 'kernel-regression', 'least-squares', 'logistic', 'pyramidal-nn', 'quadratic']
"""

from gossip_sim.problems import datasets
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
from gossip_sim.problems.kernel_regression import ntk_features, relu_features
from gossip_sim.problems.least_squares import LeastSquares
from gossip_sim.problems.logistic import Logistic
from gossip_sim.problems.pyramidal import PyramidalNetwork
from gossip_sim.problems.quadratic import Quadratic

__all__ = [
    "PROBLEMS",
    "Block",
    "Consensus",
    "LeastSquares",
    "Logistic",
    "OptimisationProblem",
    "Problem",
    "PyramidalNetwork",
    "Quadratic",
    "consensus_error",
    "create",
    "datasets",
    "is_optimisation",
    "ntk_features",
    "relu_features",
]
