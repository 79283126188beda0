"""What a sweep costs beyond its runs: in-process, local processes, and a Dask cluster.

Runs the same small sweep (many short runs, so the overhead shows) three ways and prints the
wall time per run of each, against the runs' own time in-process. The Dask cluster is a real
``dask scheduler`` and ``dask worker`` started on loopback for the measurement (needs the
``dask`` extra); every way must give the same tables, and the script checks they do.

    python benchmarks/sweep_overhead.py [--runs 40] [--workers 2] [--dim 200]
"""

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gossip_sim.sweep import expand, run_sweep


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(runs, out, **where):
    start = time.perf_counter()
    result = run_sweep(runs, out, **where)
    return time.perf_counter() - start, (Path(out) / "rounds.csv").read_bytes(), result


def cluster(workers):
    """Start a scheduler and workers on loopback; return (address, processes)."""
    port = free_port()
    dask = Path(sys.executable).parent / "dask"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet
    )
    address = f"tcp://127.0.0.1:{port}"
    worker = subprocess.Popen(
        [dask, "worker", address, "--nworkers", str(workers), "--nthreads", "1",
         "--no-dashboard"],
        **quiet,
    )  # fmt: skip
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(workers, timeout=60)
    return address, (worker, scheduler)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dim", type=int, default=200)
    args = parser.parse_args()
    base = {"topology": "ring", "agents": 16, "dim": args.dim, "rounds": 100, "target": None}
    runs = expand(base, seeds=list(range(args.runs)))
    scratch = Path(tempfile.mkdtemp())
    rows = []
    alone, reference, _ = timed(runs, scratch / "one", workers=1)
    rows.append(("in this process (workers=1)", alone))
    local, tables, _ = timed(runs, scratch / "local", workers=args.workers)
    assert tables == reference, "local processes gave other numbers"
    rows.append((f"{args.workers} local processes", local))
    try:
        address, processes = cluster(args.workers)
    except ImportError:
        print("dask is not installed (pip install 'gossip-sim[dask]'): no cluster row")
    else:
        try:
            remote, tables, _ = timed(runs, scratch / "dask", scheduler=address)
            assert tables == reference, "the Dask cluster gave other numbers"
            rows.append((f"Dask cluster on loopback, {args.workers} workers", remote))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    kept, _, again = timed(runs, scratch / "one", workers=1)
    rows.append(("rerun into the same folder (all kept)", kept))
    assert again.ran == 0
    print(f"sweep of {len(runs)} runs (ring K=16, D={args.dim}, 100 rounds each); same tables")
    for label, seconds in rows:
        print(f"  {label:<42} {seconds:7.2f} s  {1e3 * seconds / len(runs):7.1f} ms/run  "
              f"{alone / seconds:5.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
