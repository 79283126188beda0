"""Scenario files: sets of runs described in TOML, run into figures and a Markdown summary.

``gossip-sim scenario run NAME_OR_FILE [--full]`` is :func:`run`; the file format is in
:mod:`gossip_sim.scenarios.schema` (and docs/reference/scenario-files.md), the building blocks
of a scenario script in :mod:`gossip_sim.scenarios.report`. The shipped scenarios reproduce the
seed papers' results (``gossip-sim scenario list``).

Examples
--------
>>> sorted(shipped())
['choco-consensus', 'coordinator-vs-gossip', 'exact-methods', 'faults-crash', 'faults-loss',
 'faults-stragglers', 'korhonen-scaling', 'song-fig1']
"""

from gossip_sim.scenarios.report import (
    Band,
    Figures,
    band,
    first_reach,
    format_number,
    generic_report,
    markdown_table,
    plot_band,
)
from gossip_sim.scenarios.runner import ScenarioOutput, find, plan, run, shipped
from gossip_sim.scenarios.schema import ScenarioFile, load, schema_markdown

__all__ = [
    "Band",
    "Figures",
    "ScenarioFile",
    "ScenarioOutput",
    "band",
    "find",
    "first_reach",
    "format_number",
    "generic_report",
    "load",
    "markdown_table",
    "plan",
    "plot_band",
    "run",
    "schema_markdown",
    "shipped",
]
