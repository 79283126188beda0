"""Link profiles and the rules that give every edge a latency and a bandwidth.

A *link profile* is a named pair of typical values (one-way propagation latency, link bandwidth)
for a kind of network, plus the rate of each node's network interface (NIC). A node's NIC has the
speed of its port: ``nic_egress`` equals the profile's bandwidth, so a node that sends to d
neighbours serialises the d messages one after the other through that one port.

The values are deliberately round, typical figures (documented with their source below and in
``docs/reference/topologies.md``); give ``latency=``/``bandwidth=`` to
:func:`gossip_sim.topology.build` for your own, or register a profile of your own in
:data:`LINK_PROFILES` (a function returning a :class:`LinkProfile`).

Examples
--------
>>> gs.topology.link_profile("lan").bandwidth
1000000000.0
>>> 0.010 < gs.topology.great_circle_latency(40.71, -74.01, 34.05, -118.24) < 0.030
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import networkx as nx

from gossip_sim._registry import Registry
from gossip_sim.errors import ConfigError

__all__ = [
    "EARTH_RADIUS_M",
    "LINK_PROFILES",
    "SIGNAL_SPEED_M_S",
    "LinkProfile",
    "apply_links",
    "great_circle_latency",
    "link_profile",
]

#: Mean Earth radius used by :func:`great_circle_latency` (metres).
EARTH_RADIUS_M = 6_371_000.0
#: Speed of light in optical fibre, about 2/3 of c (refractive index ~1.47), in m/s.
SIGNAL_SPEED_M_S = 2.0e8


def _number(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{what}={value!r} is not a number") from None
    if not math.isfinite(number):
        raise ConfigError(f"{what}={value!r} is not valid; give a finite number")
    return number


def _check_latency(value: object, what: str) -> float:
    number = _number(value, what)
    if number < 0:
        raise ConfigError(f"{what}={value!r} is not valid; latency must be >= 0 seconds")
    return number


def _check_rate(value: object, what: str) -> float:
    number = _number(value, what)
    if number <= 0:
        raise ConfigError(f"{what}={value!r} is not valid; a rate must be > 0 bits/s")
    return number


@dataclass(frozen=True)
class LinkProfile:
    """Typical link values for one kind of network.

    Parameters
    ----------
    name : str
        The name used on the command line (``--links lan``).
    latency : float
        One-way propagation latency of a link, in seconds.
    bandwidth : float
        Link bandwidth, in bits per second.
    nic_egress : float or None
        Rate of each node's outgoing network interface in bits/s (None = unlimited). The
        shipped profiles use the link bandwidth: a NIC has the speed of its port.
    description : str
        What kind of network the profile stands for.
    source : str
        Where the values come from.

    Examples
    --------
    >>> p = gs.topology.LinkProfile("x", 1e-3, 1e9, 1e9, "test", "none")
    >>> p.latency
    0.001
    """

    name: str
    latency: float
    bandwidth: float
    nic_egress: float | None
    description: str
    source: str

    def __post_init__(self) -> None:
        _check_latency(self.latency, f"latency of link profile {self.name!r}")
        _check_rate(self.bandwidth, f"bandwidth of link profile {self.name!r}")
        if self.nic_egress is not None:
            _check_rate(self.nic_egress, f"nic_egress of link profile {self.name!r}")


#: The link profiles by name: each entry returns its :class:`LinkProfile`.
LINK_PROFILES: Registry[Any] = Registry("link profile")


def _shipped(name: str, latency: float, bandwidth: float, description: str, source: str) -> None:
    """Register a shipped profile whose NIC has the speed of its port (the link bandwidth)."""

    def profile() -> LinkProfile:
        return LinkProfile(name, latency, bandwidth, bandwidth, description, source)

    profile.__doc__ = description[0].upper() + description[1:] + "."
    LINK_PROFILES.register(name)(profile)


_shipped(
    "datacenter",
    5e-6,
    10e9,
    "servers in one data-centre rack/fabric on 10 Gigabit Ethernet",
    "10GBASE-R port speed (IEEE 802.3ae, 10 Gb/s); intra-rack round trips of ~10 µs "
    "(one-way ~5 µs) are the usual figure for kernel-bypass/RDMA networking "
    "(e.g. Alizadeh et al., DCTCP, SIGCOMM 2010, report intra-rack RTTs of tens of µs "
    "with TCP; 5 µs one-way is the low end)",
)
_shipped(
    "lan",
    0.5e-3,
    1e9,
    "machines on one campus/office LAN on Gigabit Ethernet",
    "1000BASE-T port speed (IEEE 802.3ab, 1 Gb/s); a few switch hops give round trips "
    "of ~1 ms, i.e. ~0.5 ms one way",
)
_shipped(
    "wan",
    20e-3,
    1e9,
    "sites across a continent on a wide-area backbone",
    "1 Gb/s per site; 20 ms one way is a typical continental distance (~4,000 km at "
    "2e8 m/s in fibre). Used only for links whose endpoints have no coordinates: "
    "catalogue networks take latency from geography",
)
_shipped(
    "edge",
    10e-3,
    20e6,
    "devices on wireless access (Wi-Fi / LTE)",
    "20 Mb/s is a typical achieved IEEE 802.11n/LTE uplink rate; 10 ms one way is the "
    "typical radio access latency of LTE (3GPP targets ~10 ms user-plane round trip) "
    "and of a loaded Wi-Fi cell",
)


def link_profile(name: str | LinkProfile) -> LinkProfile:
    """Return the link profile called ``name`` (a :class:`LinkProfile` is returned unchanged).

    Parameters
    ----------
    name : str or LinkProfile
        One of :data:`LINK_PROFILES` (a spec, checked as every spec is; the shipped profiles
        take no parameters).

    Returns
    -------
    LinkProfile
        The profile.

    Raises
    ------
    ConfigError
        For an unknown name, listing the valid ones and the closest.

    Examples
    --------
    >>> gs.topology.link_profile("wan").latency
    0.02
    >>> gs.topology.link_profile("lna")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: unknown link profile 'lna'; valid: datacenter, edge, lan, wan (did you mean 'lan'?)
    """  # noqa: E501
    if isinstance(name, LinkProfile):
        return name
    profile = LINK_PROFILES.create(str(name))
    if not isinstance(profile, LinkProfile):
        raise ConfigError(f"link profile {name!r} returned {profile!r}, not a LinkProfile")
    return profile


def great_circle_latency(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the one-way propagation latency (s) of a fibre between two points on Earth.

    The length is the great-circle (haversine) distance on a sphere of radius
    :data:`EARTH_RADIUS_M` = 6371 km, and the signal travels at :data:`SIGNAL_SPEED_M_S` =
    2e8 m/s (light in glass). Real fibre routes are longer than the great circle, so this is a
    lower bound.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float
        Latitudes and longitudes of the two ends, in degrees.

    Returns
    -------
    float
        Latency in seconds.

    Examples
    --------
    New York to Los Angeles, about 3,940 km:

    >>> round(gs.topology.great_circle_latency(40.7128, -74.0060, 34.0522, -118.2437) * 1e3, 1)
    19.7
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    distance = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
    return distance / SIGNAL_SPEED_M_S


def _coordinates(data: dict) -> tuple[float, float] | None:
    if data.get("latitude") is None or data.get("longitude") is None:
        return None
    return (
        _number(data["latitude"], "latitude"),
        _number(data["longitude"], "longitude"),
    )


def _edge_latency(graph: nx.Graph, u: int, v: int, data: dict, profile: LinkProfile) -> float:
    if data.get("latency") is not None:
        return _check_latency(data["latency"], f"latency of link {u}-{v}")
    a, b = _coordinates(graph.nodes[u]), _coordinates(graph.nodes[v])
    if a is not None and b is not None:
        return great_circle_latency(*a, *b)
    return profile.latency


def apply_links(
    graph: nx.Graph,
    profile: str | LinkProfile = "datacenter",
    *,
    latency: float | None = None,
    bandwidth: float | None = None,
    nic_egress: float | None = None,
) -> nx.Graph:
    """Give every edge float ``latency``/``bandwidth`` and every node ``nic_egress``, in place.

    Precedence, highest first: the explicit ``latency``/``bandwidth``/``nic_egress`` arguments;
    the attributes already on the graph (from a file); for latency, the great-circle latency
    between the endpoints' ``latitude``/``longitude`` node attributes; the link ``profile``.
    A node's default NIC has the speed of its port: its fastest link (the profile's
    ``nic_egress`` when all links are the profile's); a profile with ``nic_egress=None`` leaves
    NICs unlimited.

    Parameters
    ----------
    graph : networkx.Graph
        The graph to annotate (changed in place).
    profile : str or LinkProfile
        Link profile supplying the defaults.
    latency, bandwidth, nic_egress : float, optional
        Values that override everything else (seconds, bits/s, bits/s).

    Returns
    -------
    networkx.Graph
        ``graph`` itself.

    Examples
    --------
    >>> import networkx as nx
    >>> g = gs.topology.apply_links(nx.path_graph(3), "lan", bandwidth=1e6)
    >>> g.edges[0, 1]["latency"], g.edges[0, 1]["bandwidth"], g.nodes[0]["nic_egress"]
    (0.0005, 1000000.0, 1000000.0)
    """
    profile = link_profile(profile)
    if latency is not None:
        latency = _check_latency(latency, "latency")
    if bandwidth is not None:
        bandwidth = _check_rate(bandwidth, "bandwidth")
    if nic_egress is not None:
        nic_egress = _check_rate(nic_egress, "nic_egress")
    profile_used = False
    for u, v, data in graph.edges(data=True):
        located = all(
            "latitude" in graph.nodes[n] and "longitude" in graph.nodes[n] for n in (u, v)
        )
        profile_used |= latency is None and data.get("latency") is None and not located
        profile_used |= bandwidth is None and data.get("bandwidth") is None
        data["latency"] = (
            latency if latency is not None else _edge_latency(graph, u, v, data, profile)
        )
        if bandwidth is not None:
            data["bandwidth"] = bandwidth
        elif data.get("bandwidth") is not None:
            data["bandwidth"] = _check_rate(data["bandwidth"], f"bandwidth of link {u}-{v}")
        else:
            data["bandwidth"] = profile.bandwidth
    fastest = _fastest_links(graph)
    for node, data in graph.nodes(data=True):
        data["nic_egress"] = _nic(node, data, profile, nic_egress, fastest.get(node))
        if data.get("nic_ingress") is not None:
            data["nic_ingress"] = _check_rate(data["nic_ingress"], f"nic_ingress of node {node}")
    #: False when every link value came from the file or the arguments, not from ``profile``.
    graph.graph["links_from_profile"] = profile_used or graph.number_of_edges() == 0
    return graph


def _fastest_links(graph: nx.Graph) -> dict[Any, float]:
    """Return each node's fastest link (out-links of a directed graph), in one pass over E."""
    fastest: dict[Any, float] = {}
    directed = graph.is_directed()
    for u, v, data in graph.edges(data=True):
        rate = data["bandwidth"]
        for node in (u,) if directed else (u, v):
            if node not in fastest or rate > fastest[node]:
                fastest[node] = rate
    return fastest


def _nic(
    node: int, data: dict, profile: LinkProfile, explicit: float | None, fastest: float | None
) -> float | None:
    if explicit is not None:
        return explicit
    if data.get("nic_egress") is not None:
        return _check_rate(data["nic_egress"], f"nic_egress of node {node}")
    if profile.nic_egress is None:
        return None
    return fastest if fastest is not None else profile.nic_egress
