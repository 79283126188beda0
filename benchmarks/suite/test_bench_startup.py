"""Issue 19, goal 6: ``gossip-sim --topology ring --agents 5`` end to end, in a subprocess.

The installed console script (``python -m gossip_sim`` where there is none), run in a temporary
folder, against a bare interpreter (``python -c pass``) interleaved with it: ``ratio`` =
command / bare interpreter. The goal is ≤ 0.5 s of wall time for the command itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from suite_timing import against


def _command() -> list[str]:
    script = Path(sys.executable).with_name("gossip-sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gossip_sim"]


def test_startup_ring_5(benchmark: Any, quick: bool, tmp_path: Path) -> None:
    command = [*_command(), "--topology", "ring", "--agents", "5"]

    def run(args: list[str]) -> None:
        subprocess.run(args, cwd=tmp_path, capture_output=True, check=True)

    against(
        benchmark,
        lambda: run(command),
        lambda: run([sys.executable, "-c", "pass"]),
        rounds=3 if quick else 7,
    )
    benchmark.extra_info.update(
        figure="gossip-sim --topology ring --agents 5, wall time / python -c pass",
        command=" ".join(["gossip-sim", *command[-4:]]),
    )
