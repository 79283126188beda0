"""The catalogue of real networks shipped in ``topologies/`` (one graph file per network).

Each file records where its data come from in the graph attributes ``source`` (and ``note``
where the model simplifies). Node coordinates (``latitude``/``longitude``) give link latencies
by great-circle distance when a link carries no ``latency`` of its own.

Examples
--------
>>> gs.topology.catalogue_names()
['abilene', 'fattree-k4', 'nsfnet']
"""

from __future__ import annotations

import difflib
from pathlib import Path

import networkx as nx

from gossip_sim._data import data_dir
from gossip_sim.errors import ConfigError
from gossip_sim.topology.files import GRAPH_FILE_EXTENSIONS, load_graph_file

__all__ = ["catalogue_names", "catalogue_path", "load_catalogue"]


def _files() -> dict[str, Path]:
    folder = data_dir("topologies")
    return {
        p.stem.lower(): p
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix.lower() in GRAPH_FILE_EXTENSIONS
    }


def catalogue_names() -> list[str]:
    """Return the sorted names of the catalogue networks (file names without extension).

    Examples
    --------
    >>> "abilene" in gs.topology.catalogue_names()
    True
    """
    return sorted(_files())


def catalogue_path(name: str) -> Path:
    """Return the file of catalogue network ``name``, or refuse listing the valid names.

    Parameters
    ----------
    name : str
        A name from :func:`catalogue_names` (case-insensitive).

    Returns
    -------
    pathlib.Path
        The network's graph file.

    Examples
    --------
    >>> gs.topology.catalogue_path("abilene").name
    'abilene.graphml'
    """
    files = _files()
    key = name.strip().lower()
    if key in files:
        return files[key]
    message = f"unknown catalogue network {name!r}; valid: {', '.join(sorted(files))}"
    close = difflib.get_close_matches(key, sorted(files), n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    raise ConfigError(message)


def load_catalogue(name: str) -> nx.Graph:
    """Read catalogue network ``name`` (nodes 0..K-1, link attributes not yet filled in).

    Parameters
    ----------
    name : str
        A name from :func:`catalogue_names`.

    Returns
    -------
    networkx.Graph
        The network, with ``graph.graph["name"]`` set to ``name``.

    Examples
    --------
    >>> g = gs.topology.load_catalogue("nsfnet")
    >>> g.number_of_nodes(), g.number_of_edges()
    (14, 21)
    """
    graph = load_graph_file(catalogue_path(name))
    graph.graph["name"] = name.strip().lower()
    return graph
