"""Run docs pages' examples, each page in its own folder (used by tests/test_docs.py).

``python tests/docs_driver.py PLAN.json JOBS``: PLAN.json is a list of pages, each
``{"page", "folder", "log", "blocks": [{"page", "line", "lang", "code", "path"}, ...]}``
(``lang`` is ``python``, ``bash`` or ``file``: a file block is written to ``path``). Up to JOBS
pages run at once; each page's output goes to its ``log``, and the exit code of every page is
printed as one JSON object at the end.

This process imports gossip-sim once, runs no example itself, and forks one runner per page.
In a page, python blocks run in one namespace kept across the page's blocks (in a child of the
runner), and each ``gossip-sim ARGS`` or ``python -m gossip_sim ARGS`` command is a fresh child
of the runner: no example's state leaks into a command, as in a new shell, and the second that
importing gossip-sim takes is paid once. Commands with shell syntax (pipes, redirections) go
through ``bash -e -o pipefail``. The first failure stops the page, naming its line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import subprocess
import sys
import time
import traceback
from pathlib import Path

SHELL = re.compile(r"[|&;<>()$`*?{}\[\]\\!]")
CLI = ("gossip-sim", "python -m gossip_sim")


def _flush() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


def _fork(body) -> int:
    """Run ``body()`` in a forked child whose exit code is its return value; return the pid."""
    _flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = body()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            _flush()
            os._exit(code)
    return pid


def _wait(pid: int) -> int:
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _words(command: str) -> list[str] | None:
    """The command's words, or None if it needs a shell (pipes, redirections, $, globs)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        return None
    if any(SHELL.search(word) for word in words):
        return None
    return words


def _command(command: str) -> int:
    from gossip_sim.cli import main

    words = _words(command) or []
    prefix = next((p.split() for p in CLI if words[: len(p.split())] == p.split()), None)
    if prefix is not None:
        argv = words[len(prefix) :]
        return _wait(_fork(lambda: main(argv)))
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command]).returncode


def _python_worker(conn) -> None:
    """Exec each code block sent on ``conn`` in one namespace; answer None or the traceback."""
    sys.path.insert(0, "")  # as in an interactive python: modules in the folder import
    namespace = {"__name__": "__main__"}
    while (item := conn.recv()) is not None:
        try:
            exec(compile(item["code"], item["name"], "exec"), namespace)
        except BaseException:
            conn.send(traceback.format_exc())
        else:
            conn.send(None)
        _flush()


def run_page(page: dict) -> int:
    """Run one page's blocks in order in its folder; 0 if all ran, 1 at the first failure."""
    import multiprocessing

    os.chdir(page["folder"])
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    worker = None
    try:
        for block in page["blocks"]:
            where = f"{block['page']}:{block['line']}"
            print(f"### {where} [{block['lang']}]", flush=True)
            start = time.perf_counter()
            if block["lang"] == "file":
                target = Path(block["path"])
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block["code"])
            elif block["lang"] == "python":
                if worker is None:
                    worker = context.Process(target=_python_worker, args=(theirs,), daemon=False)
                    worker.start()
                ours.send({"code": block["code"], "name": where})
                try:
                    failure = ours.recv()
                except EOFError:
                    failure, worker = "the Python process running the examples ended", None
                if failure is not None:
                    print(f"{where}: the example raised\n{failure}", file=sys.stderr)
                    return 1
            else:
                for command in block["code"].splitlines():
                    print(f"$ {command}", flush=True)
                    code = _command(command)
                    if code:
                        print(f"{where}: exit code {code}: {command}", file=sys.stderr)
                        return 1
            print(f"### {where} took {time.perf_counter() - start:.1f} s", flush=True)
    finally:
        if worker is not None:
            ours.send(None)
            worker.join()
    return 0


def _runner(page: dict):
    def body() -> int:
        log = os.open(page["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        return run_page(page)

    return body


def _warm_matplotlib() -> None:
    """Draw one figure, so that every fork finds pyplot imported and the fonts loaded."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.semilogy([1, 2], [1, 10], label="warm-up")
    ax.legend()
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def main(plan_path: str, jobs: int) -> int:
    import gossip_sim.cli
    import gossip_sim.report.cli
    import gossip_sim.scenarios.cli  # noqa: F401  (imported once, before any fork)

    for heavy in ("pandas", "sklearn.datasets"):  # optional; many examples import them
        with contextlib.suppress(ImportError):
            __import__(heavy)
    _warm_matplotlib()
    todo = json.loads(Path(plan_path).read_text())
    running: dict[int, str] = {}
    codes: dict[str, int] = {}
    while todo or running:
        while todo and len(running) < jobs:
            page = todo.pop(0)
            running[_fork(_runner(page))] = page["page"]
        pid, status = os.wait()
        codes[running.pop(pid)] = os.waitstatus_to_exitcode(status)
    print(json.dumps(codes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
