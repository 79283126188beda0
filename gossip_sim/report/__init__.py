"""Figures of runs and topologies (matplotlib; every function draws on an ``ax`` you may pass).

Examples
--------
>>> from gossip_sim.report import draw_graph, plot_error
>>> callable(draw_graph) and callable(plot_error)
True
"""

from gossip_sim.report.graph import draw_graph, graph_layout
from gossip_sim.report.plots import plot_error, save_run_figure

__all__ = ["draw_graph", "graph_layout", "plot_error", "save_run_figure"]
