"""Small shared fixtures."""

import networkx as nx
import numpy as np
import pytest


def linked(graph: nx.Graph, latency: float = 0.01, bandwidth: float = 1e6, nic=None) -> nx.Graph:
    """Give every edge the same latency and bandwidth, and every node the NIC rate ``nic``."""
    nx.set_edge_attributes(graph, latency, "latency")
    nx.set_edge_attributes(graph, bandwidth, "bandwidth")
    nx.set_node_attributes(graph, nic, "nic_egress")
    return graph


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
