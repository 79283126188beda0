"""The command-line reference page (``docs/reference/cli.md``), generated from the parsers."""

from __future__ import annotations

from gossip_sim.cli.run import build_parser

__all__ = ["EXIT_CODES", "reference_markdown"]


#: The exit codes of every face (a single run, ``scenario run``, ``sweep``, ``compare``), one table.
EXIT_CODES = (
    "| code | meaning | single run | `scenario run`, `sweep`, `compare` |\n"
    "| --- | --- | --- | --- |\n"
    "| 0 | success | the run finished: target reached or rounds exhausted | every run "
    "finished so |\n"
    "| 1 | a run failed | the run diverged (NaN/inf, or its error grew past a bound: see "
    "`docs/background/limits.md`); the trace up to then is written | at least one run "
    "diverged or could not run; each is listed on stderr with its parameters and reason, "
    "counted in the summary line, and the other runs finish |\n"
    "| 2 | usage error | bad input (unknown flag, name or value, an --out folder that is "
    "not the command's, a run too large for the memory available, a W that cannot converge) "
    "or running out of memory: one line on stderr naming what is valid, nothing written | the "
    "same, before any run starts |\n"
    "| 3 | bug | - | a run raised an error that is a bug in gossip-sim (not a "
    "configuration it refuses, nor a divergence): the run's settings and traceback are "
    "printed; `sweep` and `compare` keep the finished runs in --out and resume once it is "
    "fixed |\n"
    "| 130 | interrupted (Ctrl-C) | the run stops | `sweep` and `compare` keep the "
    "finished runs in --out and the same command resumes; `scenario run` stops |\n"
)

_WHERE_RESULTS_GO = (
    "## Where results go\n\n"
    "Every command checks where it will write before it runs anything (`gossip_sim.output`); "
    "a refusal is one line on stderr, exit code 2, and nothing is written:\n\n"
    "* `--out` naming a file, a path under a file, or a place you cannot write to;\n"
    "* `--out` naming a folder that holds anything but this command's own earlier output. "
    "Rerunning a command into its folder replaces its own files, since the same "
    "configuration writes the same files: a run's folder whose `config.json` is the same "
    "configuration (the default `gossip-sim-results/RUN` ends in a digest of it), a "
    "scenario's earlier output of the same scenario and mode, a sweep's or comparison's "
    "folder (its kept runs are reused), a demo folder holding demos' files (each demo "
    "replaces its own three);\n"
    "* `--overwrite` (run, `demo`, `scenario run`, `sweep`, `compare`) writes into such a "
    "folder anyway: the command's own files there are replaced, every other file is left "
    "alone;\n"
    "* `topologies show --draw FILE`: FILE must end in a format matplotlib writes (.png, "
    ".svg, .pdf...); an existing FILE is replaced only with `--overwrite`.\n\n"
)


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
        "[--draw FILE.png] [--overwrite]`: nodes, links, degree range, diameter, latencies, "
        "spectral gap per mixing rule, and a drawing (any format matplotlib writes: .png, "
        ".svg, .pdf...; an existing file is replaced only with `--overwrite`).\n"
        "* `gossip-sim compressors`, `gossip-sim algorithms`, `gossip-sim problems`.\n\n"
        "## Scenarios\n\n"
        "* `gossip-sim scenario list`: the shipped scenarios, with their runs in each mode.\n"
        "* `gossip-sim scenario show NAME_OR_FILE [--full]`: every run a scenario will make, "
        "and its script's full path.\n"
        "* `gossip-sim scenario run NAME_OR_FILE [--full] [--out DIR] [--overwrite] "
        "[--workers N | --scheduler tcp://HOST:PORT] [--allow-script PATH] [--quiet]`: run it "
        "(fast mode unless `--full`) into "
        "`gossip-sim-results/NAME`; exit code 1 if a run failed. File format: "
        "`docs/reference/scenario-files.md`. A script outside the scenario file's folder "
        "runs only when `--allow-script` names it.\n\n"
        "## `gossip-sim sweep`\n\n```text\n" + sweep_parser(width=100).format_help() + "```\n\n"
        "## `gossip-sim compare`\n\n```text\n" + compare_parser(width=100).format_help()
        + "```\n\n"
        "Files: `report.html` (self-contained), `report.md`, `compare.csv`, `figures/*.png`, "
        "`runs.csv`, `rounds.csv`, `sweep.json` and `runs/` (see `docs/reference/compare.md`)."
        "\n\n## `gossip-sim demo`\n\n```text\n" + demo_parser(width=100).format_help() + "```\n\n"
        "`gossip-sim demo list` shows every demo with its parameters (see "
        "`docs/tutorial/teaching-demos.md`).\n\n"
        + _WHERE_RESULTS_GO
        + "## Exit codes\n\n"
        + EXIT_CODES
    )


