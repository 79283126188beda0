"""The ratios of one or two benchmark-suite JSON files, side by side.

    python benchmarks/compare_suite.py bench.json                 # one run's figures
    python benchmarks/compare_suite.py old.json new.json          # two commits, and new / old

``pytest-benchmark compare old.json new.json`` compares the wall times; this compares what
carries across machines and loads: the ratios each benchmark recorded in ``extra_info``
(``ratio``, ``throughput_vs_identity``, ``per_message_us``...; see benchmarks/suite/).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

#: extra_info keys that are figures (the others describe the run).
FIGURES = (
    "ratio",
    "steps_ratio",
    "engine_vs_floor",
    "per_message_us",
    "throughput_vs_identity",
    "mb_per_s",
    "bits_per_entry",
)


def figures(path: Path) -> tuple[dict[str, dict[str, float]], str]:
    """Return {benchmark: {figure: value}} (the median seconds too) and the run's label."""
    data = json.loads(path.read_text())
    quick = {bench["extra_info"].get("quick") for bench in data["benchmarks"]}
    table = {}
    for bench in data["benchmarks"]:
        row = {key: bench["extra_info"][key] for key in FIGURES if key in bench["extra_info"]}
        if bench.get("stats"):
            statistic = bench["extra_info"].get("statistic", "median")
            row[f"{statistic}_s"] = bench["stats"][statistic]
        table[bench["name"].removeprefix("test_")] = row
    commit = data.get("commit_info", {}).get("id", "")[:10] or path.name
    return table, commit + (" quick" if True in quick else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+", help="one or two --benchmark-json files")
    args = parser.parse_args()
    if len(args.files) > 2:
        parser.error("give one or two files")
    runs = [figures(path) for path in args.files]
    labels = [label for _, label in runs]
    if len({label.endswith(" quick") for label in labels}) > 1:
        print("note: one run is quick, the other full: their sizes differ, so do the figures")
    names = list(dict.fromkeys(n for table, _ in runs for n in table))
    width = max(len(n) for n in names) + 2
    header = f"{'benchmark':<{width}}{'figure':<24}" + "".join(f"{lab:>17}" for lab in labels)
    print(header + (f"{'new / old':>11}" if len(runs) == 2 else ""))
    for name in names:
        for key in dict.fromkeys(k for table, _ in runs for k in table.get(name, {})):
            values = [table.get(name, {}).get(key) for table, _ in runs]
            cells = "".join(f"{v:>17.4g}" if v is not None else f"{'-':>17}" for v in values)
            change = ""
            if len(values) == 2 and None not in values and values[0]:
                change = f"{values[1] / values[0]:>11.2f}"
            print(f"{name:<{width}}{key:<24}{cells}{change}")


if __name__ == "__main__":
    main()
