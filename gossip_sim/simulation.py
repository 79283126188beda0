"""Build a run from its configuration and execute it: the path every run takes.

:func:`build` resolves a :class:`~gossip_sim.config.RunConfig` into the graph, mixing matrix,
problem and algorithm; :func:`execute` runs them on the engine and returns the trace.

Examples
--------
>>> trace = execute(RunConfig.from_dict({"topology": "ring", "agents": 6, "rounds": 5, "dim": 8}))
>>> trace.final.round
5
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gossip_sim import algorithms, bounds, compress, engine, mixing, problems, sizing, topology
from gossip_sim._random import as_seed
from gossip_sim._registry import parse_spec
from gossip_sim.config import RunConfig, agents_for
from gossip_sim.errors import ConfigError, DivergenceError
from gossip_sim.faults.plan import FaultPlan
from gossip_sim.problems import start
from gossip_sim.summary import BoundFacts, LinkFacts, NetworkFacts, Status
from gossip_sim.trace import Trace

__all__ = [
    "Setup",
    "bound_details",
    "build",
    "build_graph",
    "execute",
    "link_facts",
    "network_details",
]


@dataclass(frozen=True)
class Setup:
    """The objects a configuration resolves to."""

    graph: Any
    W: Any
    problem: Any
    algorithm: Any
    spectral_gap: float | None = None  # of W, when build() has it (the summary shows it)
    plan: FaultPlan = dataclasses.field(default_factory=FaultPlan)
    events: bool = False  # run on the event-driven engine (gossip_sim.events)


def build_graph(config: RunConfig) -> Any:
    """Build a run's graph: its topology at its size, with its links and their overrides.

    Examples
    --------
    >>> build_graph(RunConfig(topology="ring", agents=4, latency=0.002)).edges[0, 1]["latency"]
    0.002
    """
    overrides = {
        key: value
        for key, value in (
            ("latency", config.latency),
            ("bandwidth", config.bandwidth),
            ("nic_egress", config.nic_egress),
        )
        if value is not None
    }
    return topology.build(
        config.topology, agents_for(config), links=config.links, seed=config.seed, **overrides
    )


def build(config: RunConfig) -> Setup:
    """Resolve a configuration into the graph, W, problem and algorithm of the run.

    What an algorithm is comes from its registration (:data:`gossip_sim.algorithms.ALGORITHMS`
    facts and constructor parameters), so the checks and their messages name every registered
    algorithm that fits, yours included. The run supplies ``compressor``, ``gamma`` and ``seed``
    where the algorithm takes them; its spec may not set them too.

    Examples
    --------
    >>> build(RunConfig(algorithm="exact-gossip", compressor="topk:k=1"))
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: exact-gossip does not take --compressor (it sends identity:precision=64); compressors apply to ...
    >>> build(RunConfig(algorithm="dgd:nosuch=1", problem="quadratic"))
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: algorithm 'dgd' has no parameter 'nosuch'; valid: step
    """  # noqa: E501
    name, params = parse_spec(config.algorithm)
    registry = algorithms.ALGORITHMS
    entry = registry.entry(name)
    name = entry.name
    supplied = {"compressor": config.compressor, "gamma": config.gamma, "seed": config.seed}
    registry.check_params(name, params, supplied)  # before building anything
    _check_ignored_settings(config, entry)
    plan = fault_plan(config)
    events = _use_events(config, plan, entry, varying=_varying(config))
    sizing.check(config)  # refuse a run that will not fit in memory before building it
    graph = build_graph(config)
    if graph.is_directed() and not entry.facts["directed"]:
        directed = registry.choices_text(registry.names_where(directed=True), " or ")
        raise ConfigError(
            f"topology {config.topology!r} is directed and {name} needs an undirected one; on "
            f"a directed topology use {directed}"
        )
    W = mixing.mixing_matrix(config.mixing, graph, columns_only=bool(entry.facts["directed"]))
    coordinator = bool(entry.facts["coordinator"])
    if coordinator:
        algorithms.Coordinator.of(graph, name)  # refuse a non-star before building data
    holders = graph.number_of_nodes() - (1 if coordinator else 0)  # the hub holds no data
    problem = problems.create(config.problem, n_agents=holders, dim=config.dim, seed=config.seed)
    problem = start.apply(config.initial, problem, seed=config.seed)  # every algorithm asks it
    if entry.facts["averaging"] and problems.is_optimisation(problem):
        raise ConfigError(
            f"{name} averages the agents' vectors; problem {config.problem!r} needs an "
            "optimisation algorithm: "
            f"{registry.choices_text(algorithms.optimisers(coordinator=False), ' or ')} on any "
            f"graph, {registry.choices_text(algorithms.optimisers(coordinator=True), ' or ')} "
            "on a star"
        )
    # Gossip and decentralized algorithms mix with W: refuse one they cannot converge with
    # (an eigen-solve, so after the refusals that cost nothing).
    what = f"W of mixing {config.mixing!r}"
    gap = None if coordinator else mixing.check_convergence(W, what=what, who=name)
    algorithm = algorithms.create(config.algorithm, graph, W, problem, **supplied)
    return Setup(graph, W, problem, algorithm, gap, plan, events)


def fault_plan(config: RunConfig) -> FaultPlan:
    """Return the run's faults, checked (one clear line for a bad value).

    Examples
    --------
    >>> fault_plan(RunConfig(loss=0.1, crash_fraction=0.25, rounds=40)).crash_round
    20
    >>> fault_plan(RunConfig(loss=1.5))
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: loss = 1.5 is not a probability; give a number in [0, 1]
    """
    return FaultPlan.create(
        loss=config.loss,
        retransmit=config.retransmit,
        deadline=config.deadline,
        crash_fraction=config.crash_fraction,
        crash_round=config.crash_round,
        recover_after=config.recover_after,
        churn=config.churn,
        link_failures=config.link_failures,
        stragglers=config.stragglers,
        rounds=config.rounds,
    )


def _varying(config: RunConfig) -> bool:
    """Return whether the topology changes from round to round (a time-varying family)."""
    name = parse_spec(config.topology)[0]
    if name not in topology.TOPOLOGIES:
        return False
    return bool(topology.TOPOLOGIES.entry(name).facts.get("varying", False))


def _use_events(config: RunConfig, plan: FaultPlan, entry: Any, *, varying: bool) -> bool:
    """Return whether the run needs the event-driven engine; refuse what cannot run there."""
    if entry.facts["asynchronous"]:  # no rounds to batch: gossip_sim.events.asynchronous
        if config.engine == "fast":
            raise ConfigError(
                f"{entry.name} is asynchronous (no rounds to batch); drop --engine fast"
            )
        if varying:
            raise ConfigError(
                f"{entry.name} is asynchronous: it has no rounds for topology "
                f"{config.topology!r} to change on; give a static topology"
            )
        return True
    registry = algorithms.ALGORITHMS
    needs = plan.any or varying
    if config.engine == "fast" and needs:
        what = "a time-varying graph" if varying else "faults"
        raise ConfigError(
            "--engine fast computes every round as if every message arrived on time, on one "
            f"graph; {what} (loss, deadline, crashes, churn, link failures, stragglers, "
            "time-varying graphs) need --engine events or auto"
        )
    if varying and entry.takes("compressor"):
        latest = registry.choices_text(
            [
                n
                for n in registry.names_where(per_agent=True)
                if not registry.entry(n).takes("compressor")
            ],
            " or ",
        )
        raise ConfigError(
            f"{entry.name} keeps a copy of each neighbour's x-hat that needs every one of its "
            f"increments, and a time-varying graph sends each round to other neighbours; on "
            f"--topology {config.topology} use {latest}"
        )
    wanted = needs or config.engine == "events"
    if wanted and not entry.facts["per_agent"]:
        event_driven = registry.names_where(per_agent=True)
        event_driven += registry.names_where(asynchronous=True)
        per_agent = registry.choices_text(sorted(event_driven), " and ")
        raise ConfigError(
            f"{entry.name} runs only where nothing can go wrong (the fast path): it has no "
            f"per-agent form; faults and --engine events apply to {per_agent}"
        )
    return wanted


def _check_ignored_settings(config: RunConfig, entry: Any) -> None:
    """Refuse a compressor or gamma given to an algorithm that does not take it."""
    registry = algorithms.ALGORITHMS
    if not entry.takes("compressor") and config.compressor != RunConfig.compressor:
        used = algorithms.settings_used(config.algorithm, config.compressor, config.gamma)
        sends = used["compressor"] or "messages of its own"
        takers = registry.choices_text(registry.names_taking("compressor"), " and ")
        raise ConfigError(
            f"{entry.name} does not take --compressor (it sends {sends}); compressors apply "
            f"to {takers}; drop --compressor or set the algorithm's own parameters "
            "(gossip-sim algorithms)"
        )
    if config.mixing != RunConfig.mixing and not entry.facts["mixes"]:
        raise ConfigError(
            f"{entry.name} does not mix with a W (each agent averages with one neighbour it "
            "picks); drop --mixing"
        )
    if config.mixing != RunConfig.mixing and _varying(config):
        raise ConfigError(
            f"--topology {config.topology} gives its own W for every round; drop --mixing"
        )
    if not entry.takes("gamma") and config.gamma != RunConfig.gamma:
        takers = registry.choices_text(registry.names_taking("gamma"), " and ")
        raise ConfigError(
            f"{entry.name} has no consensus step gamma; drop --gamma (gamma applies to {takers})"
        )


def execute(config: RunConfig, *, on_round: Any = None, on_values: Any = None) -> Trace:
    """Run the configuration and return its trace (see :func:`gossip_sim.engine.run`).

    ``on_round`` and ``on_values`` are passed to the engine (progress; the values per round).
    """
    config = dataclasses.replace(config, seed=as_seed(config.seed))
    setup = build(config)
    config = dataclasses.replace(config, agents=setup.graph.number_of_nodes())  # as resolved
    # what every engine takes alike: the run's length, its hooks and its configuration
    common = {
        "rounds": config.rounds,
        "target": config.target,
        "on_round": on_round,
        "on_values": on_values,
        "config": config.to_dict(),
    }
    try:
        trace = (
            _run_events(config, setup, common)
            if setup.events
            else engine.run(
                setup.algorithm,
                setup.graph,
                compute=engine.ComputeModel(seconds=config.compute_seconds),
                header_bits=config.header_bits,
                record_messages=config.record_messages,
                **common,
            )
        )
    except DivergenceError as exc:  # the kept trace gets the same facts as a finished one
        if isinstance(exc.trace, Trace):
            _add_facts(exc.trace, config, setup)
        raise
    _add_facts(trace, config, setup)
    _warn_unplayed_crash(trace, setup.plan)
    return trace


def _warn_unplayed_crash(trace: Trace, plan: FaultPlan) -> None:
    """Warn when the run ended before its crash round: no agent crashed."""
    if plan.crash_round is None or trace.final.round > plan.crash_round:
        return
    import warnings

    from gossip_sim.errors import GossipSimWarning

    warnings.warn(
        f"the run ended after round {trace.final.round} ({trace.ending}), before the crash "
        f"round {plan.crash_round}: no agent crashed; give --target 0 or an earlier "
        "--crash-round",
        GossipSimWarning,
        stacklevel=2,
    )


def _run_events(config: RunConfig, setup: Setup, common: dict[str, Any]) -> Trace:
    """Run on the event-driven engine (every agent mixes what reached it)."""
    from gossip_sim.events import asynchronous, rounds

    net: dict[str, Any] = {
        "header_bits": config.header_bits,
        "record_messages": config.record_messages,
    }
    if getattr(setup.algorithm, "activate", None) is not None:  # an asynchronous algorithm
        return asynchronous.run(
            setup.algorithm,
            setup.graph,
            network_options={**net, **asynchronous.network_options(setup.plan, config.seed)},
            seed=config.seed,
            **common,
        )
    schedule = setup.graph.graph.get("schedule")
    return rounds.run(
        setup.algorithm,
        setup.graph,
        setup.W,
        setup.plan,
        base=None if schedule is None else schedule.at,
        seed=config.seed,
        compute_seconds=config.compute_seconds,
        **net,
        **common,
    )


def _add_facts(trace: Trace, config: RunConfig, setup: Setup) -> None:
    """Give the trace the facts of its network, its error measure and its lower bound."""
    trace.network = network_details(setup)
    trace.error_name = setup.problem.error_name
    trace.bound = bound_details(config, setup, trace)


def bound_details(config: RunConfig, setup: Setup, trace: Trace) -> BoundFacts:
    """Return the lower bound that fits the run and the ratio "bits used / lower bound".

    The accuracy is the target when the run reached it, else the error it ended at; a
    training-MSE target m is the objective gap ε = N m / 2 the bounds are stated in
    (F = ½ Σ ‖A_k θ − b_k‖²). Algorithms with random compressors get Korhonen & Alistarh's
    randomised bound (Thm 4) on quadratics and consensus. The Ω's constants are left out
    (see :mod:`gossip_sim.bounds`), so the ratio is "up to a constant", not a gap.

    Examples
    --------
    >>> cfg = RunConfig(topology="ring", agents=5, dim=10, target=1e-6)
    >>> trace = execute(cfg)
    >>> facts = bound_details(cfg, build(cfg), trace)
    >>> facts.name[:23], facts.ratio > 1, facts == trace.bound
    ('Korhonen-Alistarh Thm 4', True, True)
    """
    reached = trace.ending.status is Status.TARGET_REACHED and config.target is not None
    accuracy = config.target if reached else trace.final.error
    problem = setup.problem
    samples = getattr(problem, "samples_per_agent", None)
    if getattr(problem, "error_name", "") == "training MSE" and samples:
        accuracy = accuracy * sum(samples) / 2
    name = config.algorithm.split(":")[0]
    randomised = algorithms.ALGORITHMS.entry(name).takes("compressor") and _randomised(
        config.compressor
    )
    if not accuracy or accuracy <= 0:
        return BoundFacts(None, "the run ended at error 0")
    bound = bounds.lower_bound_for(
        problem,
        accuracy,
        coordinator=algorithms.is_coordinator_algorithm(name),
        randomised=randomised,
    )
    return BoundFacts(
        name=bound.name,
        note=bound.reason,
        formula=bound.formula,
        bits=bound.bits,
        applies=bound.applies,
        ratio=bounds.ratio(trace.final.cumulative_bits, bound),
    )


def _randomised(compressor: str) -> bool:
    """Whether a compressor spec's (outer) compressor is declared random at registration."""
    name = parse_spec(compressor.split("+")[0])[0]
    return bool(compress.COMPRESSORS.entry(name).facts["randomised"])


def link_facts(graph: Any) -> LinkFacts:
    """Return the range of the links' latency (s) and bandwidth (bits/s) actually simulated.

    Examples
    --------
    >>> link_facts(topology.build("ring", 4, links="lan")).latency_max_s
    0.0005
    """
    latency = [d["latency"] for _, _, d in graph.edges(data=True)] or [0.0]
    bandwidth = [d["bandwidth"] for _, _, d in graph.edges(data=True)] or [0.0]
    return LinkFacts(
        latency_min_s=float(min(latency)),
        latency_max_s=float(max(latency)),
        bandwidth_min_bps=float(min(bandwidth)),
        bandwidth_max_bps=float(max(bandwidth)),
        from_profile=bool(graph.graph.get("links_from_profile", True)),
    )


def network_details(setup: Setup) -> NetworkFacts:
    """Return the facts of the network a summary shows (agents, links, spectral gap, links).

    Examples
    --------
    >>> cfg = RunConfig(topology="ring", agents=5)
    >>> facts = network_details(build(cfg))
    >>> facts.agents, facts.links, facts.link.from_profile
    (5, 5, True)
    """
    graph, gap = setup.graph, setup.spectral_gap  # build() has it for algorithms mixing with W
    return NetworkFacts(
        agents=graph.number_of_nodes(),
        links=graph.number_of_edges(),
        spectral_gap=mixing.spectral_gap(setup.W) if gap is None else gap,
        link=link_facts(graph),
    )
