"""``gossip-sim scenario list | show | run`` and ``gossip-sim sweep``: scenario files' commands.

``scenario run`` runs a scenario and draws its report; ``sweep`` runs the same plan (the
cartesian product of its lists, times its seeds) into a folder that keeps every finished run,
so it resumes where it was interrupted, on local processes or on a Dask cluster, and writes
the tidy tables only.

Examples
--------
>>> scenario_command(["list"])  # doctest: +ELLIPSIS
choco-consensus        ... runs fast, ... full  CHOCO-GOSSIP average consensus...
...
0
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from gossip_sim.cli.sweeping import interrupted, print_failures, where_flags
from gossip_sim.errors import RunBug
from gossip_sim.output import OVERWRITE_HELP
from gossip_sim.quantities import format_value
from gossip_sim.scenarios.runner import check_output, default_out, find, plan, run, shipped
from gossip_sim.scenarios.schema import ScenarioFile, load
from gossip_sim.sweep import run_sweep
from gossip_sim.sweep.folder import SweepFolder
from gossip_sim.sweep.results import used_settings

__all__ = ["scenario_command", "sweep_command", "sweep_parser"]

USAGE = (
    "gossip-sim scenario list | show NAME_OR_FILE [--full] | "
    "run NAME_OR_FILE [--full] [--out DIR] [--workers N] [--allow-script PATH] [--quiet]"
)


def _parser(prog: str) -> argparse.ArgumentParser:
    from gossip_sim.cli.parsing import Parser  # one-line errors, exit code 2, no abbreviations

    return Parser(prog=prog)


def scenario_command(argv: Sequence[str]) -> int:
    """Run ``gossip-sim scenario ...``; return the exit code (1 if any run failed)."""
    action, rest = (argv[0], list(argv[1:])) if argv else ("", [])
    if action == "list":
        return _list(rest)
    if action == "show":
        return _show(rest)
    if action == "run":
        return _run(rest)
    print(f"usage: {USAGE}", file=sys.stderr)
    return 2


def _list(argv: Sequence[str]) -> int:
    _parser("gossip-sim scenario list").parse_args(argv)
    for name, path in shipped().items():
        fast, full = (len(plan(load(path, mode))) for mode in ("fast", "full"))
        title = load(path).title
        print(f"{name:<22} {fast:>4} runs fast, {full:>4} full  {title}")
    print("run one: gossip-sim scenario run NAME [--full]; its runs: gossip-sim scenario show NAME")
    return 0


def _show(argv: Sequence[str]) -> int:
    parser = _parser("gossip-sim scenario show")
    parser.add_argument("scenario", help="a shipped scenario's name or a scenario file")
    parser.add_argument("--full", action="store_true", help="the full mode's runs")
    args = parser.parse_args(argv)
    scenario = load(find(args.scenario), "full" if args.full else "fast")
    runs = plan(scenario)
    print(f"{scenario.name} ({scenario.mode} mode): {scenario.title}")
    print(f"file: {scenario.path}; script: {_script_line(scenario)}")
    print(f"{len(runs)} runs:")
    for r in runs:
        params = ", ".join(f"{k}={format_value(v)}" for k, v in r.params.items())
        c = r.config
        compressor = used_settings(c.to_dict())["compressor"] or "its own messages"
        print(
            f"  {r.index:>3}  {params}\n"
            f"       {c.algorithm} on {c.topology} ({c.agents} agents, {c.links}), "
            f"{c.problem} d={c.dim}, {compressor}, rounds<={c.rounds}, "
            f"target {format_value(c.target)}"
        )
    return 0


def _script_line(scenario: ScenarioFile) -> str:
    """Say where the script is, in full, and whether ``scenario run`` runs it unasked."""
    if scenario.script is None:
        return "-"
    if scenario.script_is_home():
        return str(scenario.script)
    return (
        f"{scenario.script} (outside the scenario's folder: scenario run refuses it unless "
        f"given --allow-script {scenario.script})"
    )


def _run(argv: Sequence[str]) -> int:
    parser = _parser("gossip-sim scenario run")
    parser.add_argument("scenario", help="a shipped scenario's name or a scenario file")
    parser.add_argument(
        "--full", action="store_true", help="the paper-sized runs (default: the fast mode)"
    )
    parser.add_argument(
        "--out", "-o", help="output folder (default: gossip-sim-results/NAME[-full])"
    )
    where_flags(parser)
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    parser.add_argument(
        "--allow-script",
        metavar="PATH",
        help="run the scenario's script although it is outside the scenario file's folder "
        "(name it as `scenario show` prints it)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    args = parser.parse_args(argv)
    scenario = load(find(args.scenario), "full" if args.full else "fast")
    scenario.check_script(args.allow_script)  # before announcing the runs
    check_output(scenario, args.out, overwrite=args.overwrite)  # before announcing the runs
    if not args.quiet:
        print(
            f"gossip-sim scenario: {scenario.name} ({scenario.mode} mode), "
            f"{len(plan(scenario))} runs: {scenario.title}",
            flush=True,
        )
    start = time.perf_counter()
    output = run(
        scenario.path,
        full=args.full,
        out=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet and sys.stderr.isatty(),
        overwrite=args.overwrite,
        allow_script=args.allow_script,
    )
    failed = output.results.failures
    print_failures(failed)
    if not args.quiet:
        body = output.summary.read_text().split("## Results", 1)[1].split("\n## ", 1)[0]
        print(body.strip())
        figures = sorted({p.stem for p in output.files if p.suffix == ".png"})
        print(f"\nfigures   {', '.join(figures)} (.png and .svg)")
        print(f"summary   {output.summary.resolve()}")
        print(
            f"{len(output.results)} runs, {len(failed)} failed, "
            f"{time.perf_counter() - start:.1f} s wall time"
        )
    return 1 if failed else 0


SWEEP_USAGE = (
    "gossip-sim sweep NAME_OR_FILE [--full] [--out DIR] [--workers N | --scheduler "
    "tcp://HOST:PORT] [--fresh] [--quiet]"
)


def sweep_parser(width: int | None = None) -> argparse.ArgumentParser:
    """Return the parser of ``gossip-sim sweep`` (``width``: the help text's line width)."""
    from gossip_sim.cli.parsing import subcommand_parser

    parser = subcommand_parser(
        "gossip-sim sweep",
        "Run every run of a scenario file (the cartesian product of its lists, "
        "times its seeds) into --out, keeping each finished run there: an interrupted sweep "
        "resumes, a sweep that gained values runs only the new runs. Writes runs.csv and "
        "rounds.csv (and .parquet copies when pandas and pyarrow are installed).",
        width,
    )
    parser.add_argument("scenario", help="a scenario file or a shipped scenario's name")
    parser.add_argument("--full", action="store_true", help="the full mode's runs")
    parser.add_argument(
        "--out", "-o", help="output folder (default: gossip-sim-results/NAME-sweep)"
    )
    where_flags(parser)
    parser.add_argument(
        "--fresh", action="store_true", help="forget the runs kept in --out and run all again"
    )
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    return parser


def sweep_command(argv: Sequence[str]) -> int:
    """Run ``gossip-sim sweep FILE.toml``; return the exit code (1 if any run failed).

    Every run of the scenario's plan that is not already in ``--out`` is run; the folder
    then holds ``runs.csv`` and ``rounds.csv`` (and Parquet copies when pandas and pyarrow are
    installed) over all of them. Interrupted (Ctrl-C), it keeps what finished: the same
    command resumes.
    """
    parser = sweep_parser()
    args = parser.parse_args(argv)
    if args.workers is not None and args.scheduler:
        parser.error("give --workers (local processes) or --scheduler (a Dask cluster), not both")
    scenario = load(find(args.scenario), "full" if args.full else "fast")
    runs = plan(scenario)
    out = (
        Path(args.out)
        if args.out
        else default_out(scenario).with_name(default_out(scenario).name + "-sweep")
    )
    where = f"on the Dask cluster at {args.scheduler}" if args.scheduler else "on local processes"
    source = {"scenario": str(scenario.path), "mode": scenario.mode}
    SweepFolder(out, runs, source, overwrite=args.overwrite)  # refuse --out before announcing
    if not args.quiet:
        print(f"gossip-sim sweep: {scenario.name} ({scenario.mode} mode), {len(runs)} runs {where}")
    start = time.perf_counter()
    try:
        output = run_sweep(
            runs,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet and sys.stderr.isatty(),
            fresh=args.fresh,
            source=source,
            overwrite=args.overwrite,
        )
    except KeyboardInterrupt:
        print(interrupted("sweep", out), file=sys.stderr)
        return 130
    except RunBug as bug:  # the CLI prints it (exit code 3); say what is kept
        bug.add_note(interrupted("sweep", out, "stopped"))
        raise
    failed = output.results.failures
    print_failures(failed)
    if not args.quiet:
        tables = ", ".join(p.name for p in output.files[1:])
        print(
            f"{len(runs)} runs: {output.ran} run now, {output.reused} kept from earlier, "
            f"{len(failed)} failed; {time.perf_counter() - start:.1f} s wall time\n"
            f"tables    {tables}\nfolder    {output.directory.resolve()}"
        )
    return 1 if failed else 0
