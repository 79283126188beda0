"""Teaching demos: real simulations drawn as animations a class can watch.

Each demo runs the engine (no pre-baked data) and writes ``NAME.gif``, ``NAME.html`` (a
self-contained player) and ``NAME.png`` (the last frame); in a notebook the returned
:class:`DemoOutput` shows the player inline. The same seed gives the same frames.

===============  ============================================================================
``consensus``    exact gossip beside CHOCO-GOSSIP: node values, messages in flight, error vs time
``spectral-gap`` the same averaging racing on ring, torus, exponential and complete graphs
``coordinator``  star vs ring on wide-area links: every NIC's busy periods, the hub's queue
``bits``         Song et al.'s server algorithm at 1..16 bits per entry, sketch on and off,
                 accuracy against bits with the lower bound's line
``loss``         CHOCO-GOSSIP with 0, 10 % and 30 % of messages lost: lost messages marked,
                 consensus error and messages lost against the round
===============  ============================================================================

Examples
--------
>>> DEMOS.names()
['bits', 'consensus', 'coordinator', 'loss', 'spectral-gap']
>>> import tempfile
>>> out = run("spectral-gap", tempfile.mkdtemp(), agents=9, frames=2)
>>> sorted(p.suffix for p in out.files)
['.gif', '.html', '.png']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gossip_sim._registry import Registry
from gossip_sim.demo.animation import MAX_FRAMES, Animation, DemoOutput, frame_count, save
from gossip_sim.demo.bits import bits_demo
from gossip_sim.demo.consensus import consensus_demo
from gossip_sim.demo.coordinator import coordinator_demo
from gossip_sim.demo.loss import loss_demo
from gossip_sim.demo.spectral import spectral_gap_demo

__all__ = ["DEMOS", "MAX_FRAMES", "Animation", "DemoOutput", "demo_files", "run"]

DEMOS: Registry[Any] = Registry("demo")
DEMOS.register("consensus")(consensus_demo)
DEMOS.register("spectral-gap")(spectral_gap_demo)
DEMOS.register("coordinator")(coordinator_demo)
DEMOS.register("bits")(bits_demo)
DEMOS.register("loss")(loss_demo)


def demo_files(folder: Path) -> str | None:
    """Say why ``folder`` holds something other than demos' files (None if it holds only them).

    A demo's folder may hold every demo's files (the default one does); rerunning a demo
    replaces its own three.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "bits.gif").write_text(""), (folder / "notes.txt").write_text("")
    >>> demo_files(folder)
    'it holds notes.txt'
    """
    from gossip_sim.output import other_files

    return other_files(folder, (f"{n}.{e}" for n in DEMOS.names() for e in ("gif", "html", "png")))


def run(name: str, out: str | Path = ".", dpi: int = 72, **settings: Any) -> DemoOutput:
    """Run demo ``name`` with ``settings`` (its parameters) and write its files into ``out``.

    Settings left as None take the demo's defaults; an unknown setting is refused with the
    demo's valid ones (``gossip-sim demo list`` shows them). An ``out`` that cannot take the
    files (a file, a path under a file, a folder that cannot be written) is refused before
    the demo runs; ``gossip-sim demo`` also refuses a folder holding files other than demos'.
    """
    from gossip_sim.output import check_folder

    check_folder(out, "demo output", lambda folder: None)
    given = {k: v for k, v in settings.items() if v is not None}
    DEMOS.check_params(name, given)
    if "frames" in given:
        frame_count(given["frames"])
    animation = DEMOS.get(name)(**given)
    return save(animation, out, DEMOS.entry(name).name, dpi=dpi)
