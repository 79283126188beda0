"""Doctest namespace: every docstring example may use ``gs`` and ``np``."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gossip_sim as gs


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["gs"] = gs
    doctest_namespace["np"] = np
