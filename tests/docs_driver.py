"""Run docs pages' examples, each page in its own folder (used by tests/doc_examples.py).

``python tests/docs_driver.py PLAN.json JOBS``: PLAN.json is a list of pages, each
``{"page", "folder", "results", "blocks": {NUMBER: {"line", "lang", "code", "commands",
"path"}}}`` (``lang`` is ``python``, ``bash``, ``console`` or ``file``: a file block is written
to ``path``). Up to JOBS pages run at once. As each block ends, its record is written to
``RESULTS/NUMBER.json``: ``{"outputs": [{"command", "code", "output"}, ...], "error"}``, the
output being what the block printed (stdout and stderr together, as a terminal shows them);
``RESULTS/done`` marks the page's end. pytest reads the records while later blocks still run.

This process imports gossip-sim once, runs no example itself, and forks one runner per page.
In a page, python blocks run in one namespace kept across the page's blocks (in a child of the
runner), and each ``gossip-sim ARGS`` or ``python -m gossip_sim ARGS`` command is a fresh child
of the runner: no example's state leaks into a command, as in a new shell, and the second that
importing gossip-sim takes is paid once. Commands with shell syntax (pipes, redirections) go
through ``bash -e -o pipefail``. The first block that fails (an exception, or a bash block's
non-zero exit) stops the page; a console command may fail, pytest judges its exit code.
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


def _capture(path: str) -> None:
    """Send this process's stdout and stderr (fds 1 and 2) to ``path``."""
    _flush()
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)


def _command(command: str, output: str) -> int:
    from gossip_sim.cli import main

    words = _words(command) or []
    prefix = next((p.split() for p in CLI if words[: len(p.split())] == p.split()), None)
    if prefix is not None:
        argv = words[len(prefix) :]

        def body() -> int:
            _capture(output)
            sys.stdout.reconfigure(line_buffering=True)  # stdout and stderr in the right order
            return main(argv)

        return _wait(_fork(body))
    with open(output, "w") as out:
        shell = ["bash", "-e", "-o", "pipefail", "-c", command]
        return subprocess.run(shell, stdout=out, stderr=subprocess.STDOUT).returncode


def _python_worker(conn) -> None:
    """Exec each code block sent on ``conn`` in one namespace; answer None or the traceback."""
    sys.path.insert(0, "")  # as in an interactive python: modules in the folder import
    namespace = {"__name__": "__main__"}
    while (item := conn.recv()) is not None:
        _capture(item["output"])
        try:
            exec(compile(item["code"], item["name"], "exec"), namespace)
        except BaseException:
            failure = traceback.format_exc()
        else:
            failure = None
        _flush()
        conn.send(failure)


def _record(results: Path, number: str, outputs: list[dict], error: str | None) -> None:
    for out in outputs:
        path = Path(out.pop("file"))
        out["output"] = path.read_text(errors="replace") if path.exists() else ""
    partial = results / f".{number}.json"
    partial.write_text(json.dumps({"outputs": outputs, "error": error}))
    partial.rename(results / f"{number}.json")  # whole, or not there


def run_page(page: dict) -> int:
    """Run one page's blocks in order in its folder; 0 if all ran, 1 at the first failure."""
    import multiprocessing

    os.chdir(page["folder"])
    results = Path(page["results"])
    results.mkdir()
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    worker = None
    try:
        for number, block in page["blocks"].items():
            where = f"{page['page']}:{block['line']}"
            print(f"### {where} [{block['lang']}]", flush=True)
            start = time.perf_counter()
            outputs: list[dict] = []
            error = None
            if block["lang"] == "file":
                target = Path(block["path"])
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block["code"])
            elif block["lang"] == "python":
                if worker is None:
                    worker = context.Process(target=_python_worker, args=(theirs,), daemon=False)
                    worker.start()
                file = str(results / f"{number}.out")
                outputs.append({"command": "", "code": 0, "file": file})
                ours.send({"code": block["code"], "name": where, "output": file})
                try:
                    error = ours.recv()
                except EOFError:
                    error, worker = "the Python process running the examples ended", None
                if error is not None:
                    error = f"the example raised\n{error}"
            else:
                for step, command in enumerate(block["commands"]):
                    print(f"$ {command}", flush=True)
                    file = str(results / f"{number}.{step}.out")
                    code = _command(command, file)
                    outputs.append({"command": command, "code": code, "file": file})
                    if code and block["lang"] == "bash":
                        error = f"exit code {code}: {command}"
                        break
            _record(results, number, outputs, error)
            print(f"### {where} took {time.perf_counter() - start:.1f} s", flush=True)
            if error is not None:
                print(f"{where}: {error}", file=sys.stderr)
                return 1
    finally:
        if worker is not None:
            ours.send(None)
            worker.join()
        (results / "done").touch()
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
    running: dict[int, dict] = {}
    codes: dict[str, int] = {}
    while todo or running:
        while todo and len(running) < jobs:
            page = todo.pop(0)
            running[_fork(_runner(page))] = page
        pid, status = os.wait()
        page = running.pop(pid)
        codes[page["page"]] = os.waitstatus_to_exitcode(status)
        Path(page["results"]).mkdir(exist_ok=True)
        (Path(page["results"]) / "done").touch()  # even if the runner died
    print(json.dumps(codes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
