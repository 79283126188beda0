"""Mixing matrices W: the rules that build them, their validation and their spectrum.

``mixing_matrix(spec, graph)`` is the entry point: ``spec`` names a rule registered in
:data:`MIXING_RULES` (``metropolis-hastings``, ``uniform``, ``max-degree``, ``lazy``,
``best-constant``, ``fdla``), a file with your own W, or W itself. Every W is checked by
:func:`check_mixing_matrix` before it is returned. :func:`spectral_gap`, :func:`lambda2`,
:func:`rho` and :func:`beta` measure how fast gossip with W mixes; :func:`check_convergence`
refuses a W with which it would not converge (spectral gap not above 0).

Examples
--------
>>> import networkx as nx
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", nx.path_graph(4))
>>> 0 < gs.mixing.spectral_gap(W) <= 1
True
"""

from gossip_sim.mixing.circulant import circulant_eigenvalues
from gossip_sim.mixing.convergence import MIN_SPECTRAL_GAP, check_convergence, converges
from gossip_sim.mixing.matrix import FILE_SUFFIXES, MixingSpec, load_matrix, mixing_matrix
from gossip_sim.mixing.rules import (
    MIXING_RULES,
    best_constant,
    column_stochastic,
    fdla,
    lazy,
    max_degree,
    metropolis_hastings,
    uniform,
)
from gossip_sim.mixing.spectral import (
    beta,
    eigenvalues,
    lambda2,
    rho,
    second_eigenvalue,
    spectral_gap,
)
from gossip_sim.mixing.validate import adjacency, check_mixing_matrix

__all__ = [
    "FILE_SUFFIXES",
    "MIN_SPECTRAL_GAP",
    "MIXING_RULES",
    "MixingSpec",
    "adjacency",
    "best_constant",
    "beta",
    "check_convergence",
    "check_mixing_matrix",
    "circulant_eigenvalues",
    "column_stochastic",
    "converges",
    "eigenvalues",
    "fdla",
    "lambda2",
    "lazy",
    "load_matrix",
    "max_degree",
    "metropolis_hastings",
    "mixing_matrix",
    "rho",
    "second_eigenvalue",
    "spectral_gap",
    "uniform",
]
