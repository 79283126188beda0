"""``gossip-sim topologies|compressors|algorithms|problems``: what the registries hold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gossip_sim import algorithms, compress, mixing, problems, topology
from gossip_sim.cli.parsing import Parser
from gossip_sim.config import RunConfig, agents_for
from gossip_sim.errors import ConfigError, GossipSimError
from gossip_sim.output import check_figure

__all__ = ["LISTINGS", "list_command", "topology_show"]

#: The listing subcommands.
LISTINGS = ("topologies", "compressors", "algorithms", "problems")


def list_command(argv: Sequence[str]) -> int:
    """Print a registry listing (``topologies``, ``compressors``, ``algorithms``, ``problems``)."""
    kind, rest = argv[0], list(argv[1:])
    if kind == "topologies" and rest[:1] == ["show"]:
        return topology_show(rest[1:])
    if rest:
        raise ConfigError(f"'gossip-sim {kind}' takes no arguments (got {' '.join(rest)})")
    sections = {
        "topologies": [("topologies", topology.TOPOLOGIES), ("mixing rules", mixing.MIXING_RULES)],
        "compressors": [("compressors", compress.COMPRESSORS)],
        "algorithms": [("algorithms", algorithms.ALGORITHMS)],
        "problems": [("problems", problems.PROBLEMS)],
    }[kind]
    for title, registry in sections:
        if len(sections) > 1:
            print(f"{title}:")
        for entry in registry.entries():
            print(("  " if len(sections) > 1 else "") + entry.describe())
    if kind == "topologies":
        print("catalogue:\n  " + ", ".join(topology.catalogue_names()))
        print("link profiles:\n  " + ", ".join(topology.LINK_PROFILES))
    return 0


def topology_show(argv: Sequence[str]) -> int:
    """``gossip-sim topologies show NAME --agents K [--draw FILE.png]``."""
    parser = Parser(prog="gossip-sim topologies show")
    parser.add_argument("name")
    parser.add_argument("--agents", "-k", type=int, help="agents (default 5; a file: its size)")
    parser.add_argument("--links", default="datacenter")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--draw", help="save a drawing of the graph to this file (.png, .svg, .pdf ...)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace the --draw file")
    args = parser.parse_args(argv)
    if args.draw:
        check_figure(args.draw, overwrite=args.overwrite)
    agents = agents_for(RunConfig(topology=args.name, agents=args.agents))
    graph = topology.build(args.name, agents, links=args.links, seed=args.seed)
    facts = topology.describe(graph)
    for key, value in facts.items():
        print(f"{key:<16}{value}")
    print("spectral gap per mixing rule:")
    # a directed graph mixes with column-stochastic weights (push-sum), an undirected one
    # with the doubly stochastic rules
    rules = mixing.MIXING_RULES.names_where(doubly_stochastic=not graph.is_directed())
    for rule in rules:
        try:
            gap = mixing.spectral_gap(mixing.mixing_matrix(rule, graph))
        except GossipSimError as exc:
            print(f"  {rule:<22}n/a ({exc})")
        else:
            refused = "" if mixing.converges(gap) else "  (refused: gossip needs a gap above 0)"
            print(f"  {rule:<22}{gap:.6g}{refused}")
    if args.draw:
        _draw(graph, args.draw)
    return 0


def _draw(graph: Any, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gossip_sim.report.graph import draw_graph

    ax = draw_graph(graph, mixing.mixing_matrix("metropolis-hastings", graph))
    ax.figure.savefig(path, dpi=100)
    plt.close(ax.figure)
    print(f"drawing         {Path(path).resolve()}")
