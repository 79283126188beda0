"""The command-line reference page (``docs/reference/cli.md``), generated from the parsers."""

from __future__ import annotations

from gossip_sim.cli.run import build_parser

__all__ = ["reference_markdown"]


def reference_markdown() -> str:
    """Return the CLI reference page (``docs/reference/cli.md``), generated from the parser.

    Examples
    --------
    >>> reference_markdown().splitlines()[0]
    '# Command-line reference'
    """
    from gossip_sim.demo.cli import demo_parser
    from gossip_sim.report.cli import compare_parser
    from gossip_sim.scenarios.cli import sweep_parser

    text = build_parser(width=100).format_help()  # a fixed width keeps the page stable
    return (
        "# Command-line reference\n\n"
        "Generated from the parser by `python -c 'from gossip_sim.cli.reference import "
        'reference_markdown as r; print(r(), end="")\' > docs/reference/cli.md`; '
        "a test checks it is current.\n\n"
        "## `gossip-sim [run options]`\n\n```text\n" + text + "```\n\n"
        "## Listings\n\n"
        "* `gossip-sim topologies`: topologies, mixing rules, catalogue networks, link profiles.\n"
        "* `gossip-sim topologies show NAME [--agents K] [--links P] [--seed S] "
        "[--draw FILE.png]`: nodes, links, degree range, diameter, latencies, spectral gap per "
        "mixing rule, and a drawing.\n"
        "* `gossip-sim compressors`, `gossip-sim algorithms`, `gossip-sim problems`.\n\n"
        "## Scenarios\n\n"
        "* `gossip-sim scenario list`: the shipped scenarios, with their runs in each mode.\n"
        "* `gossip-sim scenario show NAME_OR_FILE [--full]`: every run a scenario will make.\n"
        "* `gossip-sim scenario run NAME_OR_FILE [--full] [--out DIR] [--workers N | "
        "--scheduler tcp://HOST:PORT] [--quiet]`: run it (fast mode unless `--full`) into "
        "`gossip-sim-results/NAME`; exit code 1 if a run failed. File format: "
        "`docs/reference/scenario-files.md`.\n\n"
        "## `gossip-sim sweep`\n\n```text\n" + sweep_parser(width=100).format_help() + "```\n\n"
        "## `gossip-sim compare`\n\n```text\n" + compare_parser(width=100).format_help()
        + "```\n\n"
        "Files: `report.html` (self-contained), `report.md`, `compare.csv`, `figures/*.png`, "
        "`runs.csv`, `rounds.csv`, `sweep.json` and `runs/` (see `docs/reference/compare.md`)."
        "\n\n## `gossip-sim demo`\n\n```text\n" + demo_parser(width=100).format_help() + "```\n\n"
        "`gossip-sim demo list` shows every demo with its parameters (see "
        "`docs/tutorial/teaching-demos.md`).\n\n"
        "## Exit codes\n\n"
        "* 0: the run finished (target reached or rounds exhausted);\n"
        "* 1: the run diverged (NaN/inf or error growing past 1e8 x the start); the trace up to "
        "then is written;\n"
        "* 2: bad input (unknown flag, name or value), one line on stderr naming what is valid;\n"
        "* `scenario run`, `sweep`, `compare`: 1 if any run failed (each failure is listed with "
        "its parameters, the other runs finish); `sweep` and `compare`: 130 if interrupted "
        "(Ctrl-C): the finished runs are kept in --out and the same command resumes;\n"
        "* 3: a run of `scenario run`, `sweep` or `compare` raised an error that is a bug in "
        "gossip-sim (not a configuration it refuses, nor a divergence): the sweep stops, prints "
        "the run's settings and traceback; `sweep` and `compare` keep the finished runs in --out "
        "and resume once it is fixed.\n"
    )


