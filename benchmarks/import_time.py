"""How long gossip-sim takes to import, from ``python -X importtime`` in fresh interpreters.

    python benchmarks/import_time.py               # 7 repeats of each command
    python benchmarks/import_time.py --repeats 15

The last two commands are the whole ``gossip-sim --topology ring --agents 5`` run (issue 19
goal 6: <= 0.5 s end to end), with and without drawing error.png.

For each command it starts a fresh interpreter with ``-X importtime`` several times and sums
the self times of the modules imported, leaving out those the bare interpreter imports by
itself (``python -c pass``: encodings, site...). It prints the median sum ("import ms"), the
median wall-clock time of the same command run without ``-X importtime`` (start-up included),
the number of modules, and which heavy libraries got loaded. tests/test_import_time.py checks
the loaded libraries, not times.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_OUT = str(Path(tempfile.gettempdir()) / "gossip-sim-import-time")
_RUN = ["-m", "gossip_sim", "--topology", "ring", "--agents", "5", "-q", "--overwrite", "-o", _OUT]
COMMANDS = {
    "import gossip_sim": ["-c", "import gossip_sim"],
    "import gossip_sim.compress": ["-c", "import gossip_sim.compress"],
    "import gossip_sim.trace": ["-c", "import gossip_sim.trace"],
    "import gossip_sim.config": ["-c", "import gossip_sim.config"],
    "gossip-sim --version": ["-m", "gossip_sim", "--version"],
    "import gossip_sim.simulation": ["-c", "import gossip_sim.simulation"],
    "ring K=5 run, --no-plot": [*_RUN, "--no-plot"],
    "ring K=5 run (error.png)": _RUN,
}
HEAVY = ("numpy", "scipy", "networkx", "simpy", "matplotlib", "dask", "sklearn", "pandas")
HEAVY += ("scipy.sparse.linalg", "scipy.sparse.csgraph", "scipy.special", "matplotlib.pyplot")


def imports(args: list[str]) -> dict[str, int]:
    """Return {module: self time in µs} of one fresh interpreter running ``args``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, check=True
    )
    times = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        times[name.strip()] = int(self_us)
    return times


def wall(args: list[str]) -> float:
    """Return the seconds a fresh interpreter takes to run ``args``, start-up included."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], capture_output=True, check=True)
    return time.perf_counter() - start


def measure(args: list[str], baseline: set[str], repeats: int) -> tuple[float, float, int, str]:
    """Return (median import ms, median wall ms, modules, heavy libraries) over ``repeats``."""
    sums, walls, modules = [], [], set()
    for _ in range(repeats):
        own = {m: t for m, t in imports(args).items() if m not in baseline}
        sums.append(sum(own.values()) / 1000)
        walls.append(wall(args) * 1000)
        modules = set(own)
    loaded = ", ".join(h for h in HEAVY if h in modules) or "-"
    return statistics.median(sums), statistics.median(walls), len(modules), loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    baseline = set(imports(["-c", "pass"]))
    bare = statistics.median(wall(["-c", "pass"]) * 1000 for _ in range(args.repeats))
    print(f"median of {args.repeats}; a bare interpreter (python -c pass) takes {bare:.0f} ms")
    print(f"{'command':30} {'import ms':>9} {'wall ms':>8} {'modules':>8}  heavy libraries loaded")
    for label, command in COMMANDS.items():
        ms, wall_ms, count, loaded = measure(command, baseline, args.repeats)
        print(f"{label:30} {ms:9.0f} {wall_ms:8.0f} {count:8d}  {loaded}")


if __name__ == "__main__":
    main()
