"""Heavy libraries load when first needed: checked in fresh interpreters, never with a clock.

benchmarks/import_time.py measures the times; these tests pin what makes them short.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "networkx", "simpy", "matplotlib", "dask", "distributed", "sklearn")
HEAVY += ("pandas", "pyarrow", "tqdm", "scipy.optimize", "scipy.sparse.linalg", "scipy.special")
HEAVY += ("scipy.sparse.csgraph", "matplotlib.figure", "matplotlib.pyplot")


def loaded(*args: str) -> set[str]:
    """Return the heavy modules a fresh interpreter holds after running ``args``."""
    probe = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: print(json.dumps([m for m in {HEAVY!r} if m in sys.modules])))\n"
    )
    if args[0] == "-c":
        code = probe + args[1]
    else:  # -m MODULE ARGS...: run it as `python -m` would
        code = probe + f"import runpy; sys.argv = {['gossip-sim', *args[2:]]!r}\n"
        code += f"runpy.run_module({args[1]!r}, run_name='__main__')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_gossip_sim_loads_no_heavy_library():
    assert loaded("-c", "import gossip_sim") == set()


def test_gossip_sim_version_loads_no_heavy_library():
    assert loaded("-m", "gossip_sim", "--version") == set()


@pytest.mark.parametrize(
    "module",
    ["compress", "mixing", "topology", "problems", "bounds", "trace", "config", "algorithms"],
)
def test_layers_below_the_engine_load_neither_simpy_nor_plotting_nor_the_optimisers(module):
    heavy = loaded("-c", f"import gossip_sim.{module}")
    assert heavy.isdisjoint({"simpy", "matplotlib", "dask", "sklearn", "pandas", "scipy.optimize"})


def test_the_codecs_need_numpy_only():
    assert loaded("-c", "import gossip_sim.compress") == {"numpy"}


@pytest.mark.parametrize(
    "module", ["simulation", "cli.run", "sweep", "report.cli", "demo.cli", "scenarios.cli"]
)
def test_the_faces_load_plotting_dask_and_scikit_learn_only_when_they_draw_or_use_them(module):
    heavy = loaded("-c", f"import gossip_sim.{module}")
    assert heavy.isdisjoint({"matplotlib", "dask", "distributed", "sklearn", "scipy.optimize"})


def test_a_logistic_problem_loads_the_optimisers_when_it_is_built():
    code = "import gossip_sim.problems as p; p.create('logistic:samples=8', n_agents=2, dim=3)"
    assert "scipy.optimize" in loaded("-c", code)


SMALL_RUN = ["-m", "gossip_sim", "--topology", "ring", "--agents", "5", "-q", "--overwrite"]


def test_a_small_run_loads_neither_the_eigensolvers_nor_csgraph_nor_scipy_special(tmp_path):
    """K = 5: dense eigenvalues, networkx's components, no logistic: ~0.3 s of imports spared."""
    heavy = loaded(*SMALL_RUN, "--no-plot", "--out", str(tmp_path))
    assert heavy.isdisjoint({"scipy.sparse.linalg", "scipy.sparse.csgraph", "scipy.special"})
    assert "matplotlib" not in heavy


def test_a_small_run_draws_error_png_without_pyplot(tmp_path):
    heavy = loaded(*SMALL_RUN, "--out", str(tmp_path))
    assert {"matplotlib", "matplotlib.figure"} <= heavy
    assert "matplotlib.pyplot" not in heavy
    assert (tmp_path / "error.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
