"""Every code example in the docs runs, and the site builds with ``mkdocs build --strict``.

Examples are the fenced blocks of ``docs/**/*.md`` (and README.md):

* ``python`` blocks run as they are;
* a block with a title (```` ```xml title="my-net.graphml" ````) is a file the reader saves: it
  is written to that path, and the examples after it use it;
* in ``bash`` blocks, the lines that start with ``gossip-sim`` or ``python`` run (a leading
  ``pip install ... &&`` is dropped: the package is installed already); other lines, such as
  ``dask scheduler``, are not commands this test can run and make the block need a marker.

A page's examples run in order, in one fresh folder (holding links to the repository's
``scenarios/`` and ``topologies/``, as in a clone) and one Python namespace, so a later block may
use what an earlier one made, as a reader following the page would. A block preceded by
``<!-- no-test: REASON -->`` is never run (a Dask cluster, a placeholder host); one preceded by
``<!-- slow: REASON -->`` runs only with GOSSIP_SIM_SLOW=1, like the slow tests. The generated
reference pages (cli.md, scenario-files.md) hold usage text, not examples, and are left out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GENERATED = {"reference/cli.md", "reference/scenario-files.md"}
SLOW = os.environ.get("GOSSIP_SIM_SLOW") == "1"
PAGE_TIMEOUT_S = 300

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.S | re.M,
)
TITLE = re.compile(r'title="(?P<path>[^"]+)"')
MARKER = re.compile(r"<!--\s*(?P<kind>no-test|slow)\s*:\s*(?P<reason>[^>]*?)\s*-->\s*$")
COMMAND = re.compile(r"^(gossip-sim|python)(\s|$)")
PIP_PREFIX = re.compile(r"^pip install [^&]*&&\s*")

# README.md is not marked up for this test: its commands that do not run here, and why.
README_EXEMPT = {
    "pytest": ("no-test", "runs this very test suite"),
    "--full": ("no-test", "the paper-sized runs take minutes"),
    "tcp://HOST": ("no-test", "needs a Dask cluster at HOST; tests/test_sweep.py runs one"),
    "compare --topologies ring,torus,exponential,star,complete,abilene": (
        "slow",
        "18 runs at 64 agents, about 17 s on 2 cores",
    ),
    "sweep scenarios/choco-consensus.toml": (
        "slow",
        "5 s; docs/how-to/sweeps.md runs the same sweep",
    ),
    "demo consensus --topology abilene": (
        "slow",
        "a 48-frame animation, 6 s; docs/tutorial/teaching-demos.md runs the same demo",
    ),
}


@dataclass(frozen=True)
class Block:
    """One fenced example: where it is, its language, its code, and any marker."""

    page: str
    line: int
    lang: str
    code: str
    marker: str | None = None
    reason: str = ""
    path: str = ""  # for a file block (a fence with title="PATH"): where it is written


def _commands(body: str, exempt: dict[str, tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Split a bash block into the commands this test runs and the lines it cannot run."""
    joined = re.sub(r"\\\n\s*", " ", body)
    runnable, other = [], []
    for raw in joined.splitlines():
        line = PIP_PREFIX.sub("", raw.strip())
        if not line or line.startswith("#"):
            continue
        kinds = [kind for key, (kind, _) in exempt.items() if key in line]
        if kinds and not (kinds == ["slow"] and SLOW):
            continue
        (runnable if COMMAND.match(line) else other).append(line)
    return runnable, other


def blocks(path: Path) -> list[Block]:
    """The runnable examples of one Markdown page, in page order."""
    text = path.read_text()
    page = path.relative_to(ROOT).as_posix()
    found = []
    for match in FENCE.finditer(text):
        lang = match["lang"]
        title = TITLE.search(match["info"])
        if title:  # a file the reader saves: written where the page's examples run
            lang = "file"
        elif lang not in ("bash", "python"):
            continue
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip().splitlines()
        marker = MARKER.search(before[-1]) if before else None
        body = textwrap.dedent(match["body"])
        kind, reason = (marker["kind"], marker["reason"]) if marker else (None, "")
        if lang == "bash":
            runnable, other = _commands(body, README_EXEMPT if page == "README.md" else {})
            if not runnable and not other:
                continue
            if other and kind is None:
                raise AssertionError(
                    f"{page}:{line}: bash block with lines this test cannot run ({other[0]!r}); "
                    "mark it <!-- no-test: REASON --> or keep to gossip-sim/python commands"
                )
            body = "\n".join(runnable)
        found.append(Block(page, line, lang, body, kind, reason, title["path"] if title else ""))
    return found


def pages() -> list[Path]:
    found = sorted(p for p in DOCS.rglob("*.md") if p.relative_to(DOCS).as_posix() not in GENERATED)
    return [*found, ROOT / "README.md"]


JOBS = 2  # pages run two at a time: CI has two cores
TIMEOUT_S = 600


def _weight(todo: list[dict]) -> int:
    """A guess at a page's run time: its commands and python blocks."""
    return sum(b["code"].count("\n") + 1 if b["lang"] == "bash" else 1 for b in todo)


def _todo(found: list[Block]) -> list[Block]:
    return [b for b in found if b.marker is None or (b.marker == "slow" and SLOW)]


@pytest.fixture(scope="module")
def ran(request, tmp_path_factory):
    """The selected pages' examples, run once (two pages at a time): page -> (exit code, log)."""
    base = tmp_path_factory.mktemp("docs-examples")
    selected = {  # `pytest -k song-fig1` runs that page's examples only
        item.callspec.params["page"]
        for item in request.session.items
        if hasattr(item, "callspec") and "page" in item.callspec.params
    }
    plan = []
    for number, path in enumerate(p for p in pages() if p in selected):
        todo = _todo(blocks(path))
        if not todo:
            continue
        folder = base / f"{number:02d}-{path.stem}"
        folder.mkdir()
        for name in ("scenarios", "topologies"):  # as in a clone of the repository
            (folder / name).symlink_to(ROOT / name, target_is_directory=True)
        page = _page_id(path)
        plan.append(
            {
                "page": page,
                "folder": str(folder),
                "log": str(folder) + ".log",
                "blocks": [b.__dict__ for b in todo],
            }
        )
    plan.sort(key=lambda p: -_weight(p["blocks"]))  # the longest first: the two jobs end together
    (base / "plan.json").write_text(json.dumps(plan))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MPLBACKEND": "Agg",
        "PYTHONUNBUFFERED": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "docs_driver.py"),
            str(base / "plan.json"),
            str(JOBS),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    codes = json.loads(done.stdout.strip().splitlines()[-1])
    return {p["page"]: (codes[p["page"]], Path(p["log"]).read_text()) for p in plan}


def _page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("page", [p for p in pages() if blocks(p)], ids=_page_id)
def test_the_examples_of_a_page_run(page, ran):
    if not _todo(blocks(page)):
        pytest.skip("every example is marked no-test or slow")
    code, log = ran[_page_id(page)]
    assert code == 0, log[-8000:]
