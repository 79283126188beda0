"""The docs' examples as Sybil tests: each example in README.md and docs/ runs, output compared.

The root conftest.py hands pytest a ``Sybil`` with :class:`PageParser`; each fenced block below
is one test item (``pytest docs/tutorial/first-run.md``, ``pytest -k first-run``):

* ``python``: runs; the page's python blocks share one namespace (in a process of their own);
* ``bash``: its ``gossip-sim``/``python`` lines run; only their exit code is checked. Other lines
  (``dask scheduler``) make the block need a ``<!-- no-test: REASON -->`` marker;
* ``console``: ``$ COMMAND`` lines (a trailing ``\\`` continues one), each followed by what it
  prints (stdout and stderr, as a terminal shows them), which is compared by the rules of
  doc_output.py. A command with nothing under it is run, its output not compared. Exit code 0 is
  expected, or 2 where the shown output has a ``gossip-sim: error:`` line;
* ``output``: what the last ``python`` or ``bash`` block above it printed, compared the same
  way (console and file blocks in between do not count; several output blocks may show parts
  of one output, each framed by ``...`` lines);
* any block with ``title="PATH"`` is a file the reader saves: written to PATH, and not run.

Blocks of other languages (``text``, ``toml``) are illustrations and are not run. A block after
``<!-- no-test: REASON -->`` is skipped; after ``<!-- slow: REASON -->`` it runs only with
GOSSIP_SIM_SLOW=1. A page runs in a fresh folder holding links to ``scenarios/`` and
``topologies/``, as in a clone (in what a block prints, that folder's path reads ``...``);
tests/docs_driver.py runs the selected pages, two at a time, from one process that imported
gossip-sim once, while pytest checks each block's results as they arrive.
GOSSIP_SIM_UPDATE_DOCS=1 rewrites every documented output that differs from the printed one
(keeping the documented lines that match, with their ``...``) instead of failing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import doc_output
import pytest
from sybil import Document, Example, Region
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

__all__ = ["GENERATED", "Block", "PageParser", "Pages", "apply_rewrites", "pending_rewrites"]

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ("docs/reference/cli.md", "docs/reference/scenario-files.md")  # usage text
SLOW = os.environ.get("GOSSIP_SIM_SLOW") == "1"
UPDATE = os.environ.get("GOSSIP_SIM_UPDATE_DOCS") == "1"
JOBS = 2  # pages run two at a time: CI has two cores
TIMEOUT_S = 1800  # all pages; a loaded machine with GOSSIP_SIM_SLOW=1 needs the room

INFO = re.compile(r"(?P<info>[^\n]*)$\n", re.M)
TITLE = re.compile(r'title="(?P<path>[^"]+)"')
MARKER = re.compile(r"<!--\s*(?P<kind>no-test|slow)\s*:\s*(?P<reason>[^>]*?)\s*-->\s*$")
COMMAND = re.compile(r"^(gossip-sim|python)(\s|$)")
PIP_PREFIX = re.compile(r"^pip install [^&]*&&\s*")
ELLIPSIS = doc_output.ELLIPSIS
ERROR_LINE = re.compile(r"^\s*gossip-sim( [\w-]+)?: error: ", re.M)

# README.md's bash blocks mix commands this test runs with ones it must not: those, and why.
README_EXEMPT = {
    "pytest": ("no-test", "runs this very test suite"),
    "--full": ("no-test", "the paper-sized runs take minutes"),
    "tcp://HOST": ("no-test", "needs a Dask cluster at HOST; tests/test_sweep.py runs one"),
    "sweep scenarios/choco-consensus.toml": (
        "slow",
        "5 s; docs/how-to/sweeps.md runs the same sweep",
    ),
    "demo consensus --topology abilene": (
        "slow",
        "a 48-frame animation, 6 s; docs/tutorial/teaching-demos.md runs the same demo",
    ),
}


@dataclass
class Block:
    """One fenced example of a page: what it is, what it runs, and what it shows."""

    page: str
    line: int
    lang: str  # python, bash, console, output or file
    code: str = ""  # python source, or a file's content
    commands: list[str] = field(default_factory=list)  # bash and console
    shown: list[list[str] | None] = field(default_factory=list)  # console: output per command
    written: list[str] = field(default_factory=list)  # console: each command as the page has it
    path: str = ""  # file blocks
    marker: str | None = None
    reason: str = ""
    number: int = -1  # place among the page's runnable blocks
    target: int = -1  # output blocks: the runnable block whose output they show
    body: tuple[int, int] = (0, 0)  # where the block's text is in the page, for rewriting
    indent: str = ""

    @property
    def runs(self) -> bool:
        return self.marker is None or (self.marker == "slow" and SLOW)

    def plan(self) -> dict:
        """What docs_driver.py needs to run this block."""
        return {"line": self.line, "lang": self.lang, "code": self.code,
                "commands": self.commands, "path": self.path}  # fmt: skip


def _join_continued(body: str) -> list[str]:
    return re.sub(r"\\\n\s*", " ", body).splitlines()


def _bash_commands(body: str, page: str) -> tuple[list[str], list[str]]:
    """A bash block's lines this test runs, and the ones it cannot run."""
    exempt = README_EXEMPT if page == "README.md" else {}
    runnable, other = [], []
    for raw in _join_continued(body):
        line = PIP_PREFIX.sub("", raw.strip())
        if not line or line.startswith("#"):
            continue
        kinds = [kind for key, (kind, _) in exempt.items() if key in line]
        if kinds and not (kinds == ["slow"] and SLOW):
            continue
        (runnable if COMMAND.match(line) else other).append(line)
    return runnable, other


def _console(body: str) -> tuple[list[str], list[list[str] | None], list[str]]:
    """A console block's commands, the lines shown under each (None: nothing), its $ lines."""
    commands: list[str] = []
    written: list[str] = []
    shown: list[list[str] | None] = []
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            if not commands:
                raise ValueError(f"a console block starts with {line!r}, not with '$ COMMAND'")
            shown[-1] = [*(shown[-1] or []), line]
            i += 1
            continue
        command, raw = line[2:], [line]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1].rstrip() + " " + lines[i].strip()
            raw.append(lines[i])
        written.append("\n".join(raw))
        commands.append(re.sub(r"\s+#.*$", "", command).strip())  # a trailing comment
        shown.append(None)
        i += 1
    shown = [out if out and any(s.strip() for s in out) else None for out in shown]
    return commands, shown, written


class PageParser:
    """A Sybil parser: the examples of one Markdown page, as described in this module."""

    def __init__(self) -> None:
        self.lexer = RawFencedCodeBlockLexer(info_pattern=INFO, mapping=None)

    def __call__(self, document: Document) -> list[Region]:
        page = Path(document.path).resolve().relative_to(ROOT).as_posix()
        regions, number, last_runnable = [], 0, None
        for region in sorted(self.lexer(document), key=lambda r: r.start):
            block = self._block(document, region, page)
            if block is None:
                continue
            if block.lang == "output":
                if last_runnable is None or last_runnable.lang not in ("python", "bash"):
                    raise ValueError(
                        f"{page}:{block.line}: an output block must follow a python or bash "
                        "block (a command's output goes in a console block under '$ COMMAND')"
                    )
                block.target = last_runnable.number
                block.marker = block.marker or last_runnable.marker
                block.reason = block.reason or last_runnable.reason
            else:
                block.number, number = number, number + 1
                if block.lang in ("python", "bash"):
                    last_runnable = block
            region.parsed = block
            region.evaluator = evaluate
            regions.append(region)
        return regions

    @staticmethod
    def _block(document: Document, region: Region, page: str) -> Block | None:
        info = region.lexemes["info"].strip()
        lang = info.split()[0] if info else ""
        title = TITLE.search(info)
        if title:
            lang = "file"
        elif lang not in ("python", "bash", "console", "output"):
            return None
        text = document.text
        line = text.count("\n", 0, region.start) + 1
        before = text[: region.start].rstrip().splitlines()
        marker = MARKER.search(before[-1]) if before else None
        source = region.lexemes["source"]
        start = region.start + source.offset
        end = text.rfind("\n", 0, region.end - 1) + 1  # the closing fence's line
        indent = re.match(r"[ \t]*", text[text.rfind("\n", 0, region.start) + 1 :]).group()
        block = Block(
            page, line, lang, marker=marker["kind"] if marker else None,
            reason=marker["reason"] if marker else "", body=(start, end), indent=indent,
        )  # fmt: skip
        body = textwrap.dedent(str(source))
        if lang in ("python", "file", "output"):
            block.code, block.path = body, title["path"] if title else ""
        elif lang == "bash":
            block.commands, other = _bash_commands(body, page)
            if not block.commands and not other:
                return None
            if other and block.marker is None:
                raise ValueError(
                    f"{page}:{line}: bash block with lines this test cannot run ({other[0]!r}); "
                    "mark it <!-- no-test: REASON --> or keep to gossip-sim/python commands"
                )
        else:
            block.commands, block.shown, block.written = _console(body)
        return block


# --- running the pages ------------------------------------------------------------------------


class Pages:
    """The selected pages' runs: started once, two pages at a time, read block by block."""

    def __init__(self, documents: list[Document], base: Path) -> None:
        self.base = base
        self.folders: dict[str, Path] = {}
        plan = []
        for number, document in enumerate(documents):
            blocks = [r.parsed for _, r in document.regions if isinstance(r.parsed, Block)]
            todo = [b for b in blocks if b.lang != "output" and b.runs]
            if not todo:
                continue
            page = blocks[0].page
            folder = base / f"{number:02d}-{Path(page).stem}"
            folder.mkdir()
            for name in ("scenarios", "topologies"):  # as in a clone of the repository
                (folder / name).symlink_to(ROOT / name, target_is_directory=True)
            self.folders[page] = folder
            plan.append({"page": page, "folder": str(folder), "results": str(folder) + ".results",
                         "log": str(folder) + ".log",
                         "blocks": {b.number: b.plan() for b in todo}})  # fmt: skip
        plan.sort(key=lambda p: -sum(len(b["commands"]) or 1 for b in p["blocks"].values()))
        (base / "plan.json").write_text(json.dumps(plan))
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "MPLBACKEND": "Agg",
            "PYTHONUNBUFFERED": "1",
            "COLUMNS": "100",  # argparse and tables wrap as in an 100-column terminal
        }
        self.log = (base / "driver.log").open("w")
        self.driver = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "docs_driver.py"), str(base / "plan.json"),
             str(JOBS)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.started = time.monotonic()

    def result(self, block: Block) -> dict:
        """The driver's record of a runnable block, waiting for it: outputs, error, or skipped."""
        results = Path(str(self.folders[block.page]) + ".results")
        wanted, done = results / f"{block.number}.json", results / "done"
        while not wanted.exists():
            if done.exists() and not wanted.exists():
                return {"skipped": "an earlier example on this page failed"}
            if self.driver.poll() is not None and not wanted.exists():
                log = (self.base / "driver.log").read_text()[-4000:]
                raise RuntimeError(f"tests/docs_driver.py ended ({self.driver.returncode}):\n{log}")
            if time.monotonic() - self.started > TIMEOUT_S:
                raise TimeoutError(f"the docs' examples took more than {TIMEOUT_S} s")
            time.sleep(0.05)
        record = json.loads(wanted.read_text())
        folder = self.folders[block.page]
        for ran in record["outputs"]:  # the page's folder is the reader's own: "..."
            for path in sorted({str(folder), os.path.realpath(folder)}, key=len, reverse=True):
                ran["output"] = ran["output"].replace(path, ELLIPSIS)
        return record

    def close(self) -> None:
        """Stop the driver and the page runners it forked (all in its own process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.driver.pid, signal.SIGTERM)
        self.driver.wait()
        self.log.close()


# --- checking a block -------------------------------------------------------------------------

_REWRITES: list[tuple[str, int, int, str]] = []


def pending_rewrites() -> list[tuple[str, int, int, str]]:
    """The documented outputs GOSSIP_SIM_UPDATE_DOCS=1 rewrites: (page, start, end, new text)."""
    return _REWRITES


def apply_rewrites(root: Path) -> dict[str, int]:
    """Write the pending rewrites into the pages under ``root``; how many went into each page."""
    by_page: dict[str, list[tuple[int, int, str]]] = {}
    for page, start, end, text in _REWRITES:
        by_page.setdefault(page, []).append((start, end, text))
    for page, edits in by_page.items():
        path = root / page
        content = path.read_text()
        for start, end, text in sorted(edits, reverse=True):  # the last first: offsets hold
            content = content[:start] + text + content[end:]
        path.write_text(content)
    _REWRITES.clear()
    return {page: len(edits) for page, edits in by_page.items()}


def _compare(block: Block, shown: list[str], printed: str, what: str) -> tuple[list[str], str]:
    """The lines the page should show, and the failure text ('' if as documented)."""
    merged = doc_output.reconcile(shown, printed.splitlines())
    if merged == [line.rstrip() for line in shown if line.strip()]:
        return merged, ""
    return merged, (
        f"{block.page}:{block.line}: {what} is not what the page shows "
        "(rules: tests/doc_output.py; GOSSIP_SIM_UPDATE_DOCS=1 rewrites the page):\n"
        + doc_output.diff(shown, merged, what)
    )


def _rewrite(block: Block, text: str) -> None:
    body = "".join(f"{block.indent}{line}\n" if line else "\n" for line in text.splitlines())
    _REWRITES.append((block.page, *block.body, body))


def _check_console(block: Block, record: dict) -> str:
    failures: list[str] = []
    text: list[str] = []
    text_commands: list[str] = []
    for command, shown, ran in zip(block.commands, block.shown, record["outputs"], strict=False):
        code, printed = ran["code"], ran["output"]
        text.append(block.written[len(text_commands)])
        text_commands.append(command)
        expected_code = 2 if shown and ERROR_LINE.search("\n".join(shown)) else 0
        if code != expected_code:
            failures.append(f"{block.page}:{block.line}: exit code {code} (the page implies "
                            f"{expected_code}): {command}\n{printed[-3000:]}")  # fmt: skip
        if shown is None:
            continue
        merged, failure = _compare(block, shown, printed, f"$ {command}")
        text.extend(merged if failure else shown)
        if failure:
            failures.append(failure)
    if len(record["outputs"]) < len(block.commands):
        failures.append(record.get("error") or "the block stopped early")
    if failures and UPDATE and len(record["outputs"]) == len(block.commands):
        _rewrite(block, "\n".join(text))
        return ""
    return "\n\n".join(failures)


def evaluate(example: Example) -> str | None:
    """Sybil's evaluator for every block: run (through Pages) and compare."""
    block: Block = example.parsed
    if not block.runs:
        pytest.skip(f"{block.marker}: {block.reason}")
    pages: Pages = example.namespace["doc_pages"]
    if block.lang == "output":
        record = pages.result(_target(example, block))
        if "skipped" in record:
            pytest.skip(record["skipped"])
        if record.get("error"):
            pytest.skip("the block it shows the output of failed")
        shown = block.code.splitlines()
        printed = "".join(ran["output"] for ran in record["outputs"])
        merged, failure = _compare(block, shown, printed, "the output")
        if failure and UPDATE:
            _rewrite(block, "\n".join(merged))
            return None
        return failure or None
    record = pages.result(block)
    if "skipped" in record:
        pytest.skip(record["skipped"])
    if block.lang == "console":
        return _check_console(block, record) or None
    if record.get("error"):
        return f"{block.page}:{block.line}: {record['error']}"
    return None


def _target(example: Example, block: Block) -> Block:
    for _, region in example.document.regions:
        parsed = region.parsed
        if isinstance(parsed, Block) and parsed.lang != "output" and parsed.number == block.target:
            return parsed
    raise LookupError(f"{block.page}:{block.line}: no block {block.target}")
