"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and they can fail.

CI also runs ``lint-imports``; this test makes a plain ``pytest`` catch a broken layer.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))"
)


def lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    """Check the contracts on the ``gossip_sim`` found in ``package_parent``."""
    return subprocess.run(
        [sys.executable, "-c", LINT, str(ROOT / "pyproject.toml")],
        cwd=package_parent,
        capture_output=True,
        text=True,
    )


def test_the_import_contracts_hold():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_contracts_catch_a_pure_layer_that_reaches_simpy_or_a_face(tmp_path):
    shutil.copytree(ROOT / "gossip_sim", tmp_path / "gossip_sim")
    trace = tmp_path / "gossip_sim" / "trace.py"  # the old way: a record type from network.py
    trace.write_text(trace.read_text() + "\nfrom gossip_sim.network import Network\n")
    sweep = tmp_path / "gossip_sim" / "sweep" / "plan.py"  # a lower layer calling a face
    sweep.write_text(sweep.read_text() + "\nfrom gossip_sim.report import compare\n")
    done = lint(tmp_path)
    assert done.returncode == 1
    assert "gossip_sim.trace is not allowed to import gossip_sim.network" in done.stdout
    assert "gossip_sim.sweep is not allowed to import gossip_sim.report" in done.stdout
    assert "gossip_sim.trace -> gossip_sim.network" in done.stdout  # ... -> simpy


def test_every_module_of_the_package_stands_in_a_layer():
    """A new module is in the layers contract, or its imports would go unchecked."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    named = {m.strip() for layer in layers for m in layer.replace("|", ":").split(":")}
    package = ROOT / "gossip_sim"
    modules = {f"gossip_sim.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    modules |= {f"gossip_sim.{p.parent.name}" for p in package.glob("*/__init__.py")}
    modules -= {"gossip_sim.cli"}  # a package whose modules are layered one by one
    modules |= {f"gossip_sim.cli.{p.stem}" for p in (package / "cli").glob("*.py")}
    modules -= {"gossip_sim.cli.__init__"}
    assert sorted(modules - named) == []
