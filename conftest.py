"""Doctest namespace, the ``slow`` marker, and the docs' examples as tests (through Sybil)."""

import importlib.util
import os
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gossip_sim as gs

ROOT = Path(__file__).resolve().parent
collect_ignore_glob = ["docs/*.py", "docs/*/*.py"]  # the site's hooks and figure scripts


def _load(name: str):
    """Import tests/NAME.py as NAME (the tests folder is not a package)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_load("doc_output")
doc_examples = _load("doc_examples")


def _docs_sybil():
    from sybil import Sybil

    return Sybil(
        parsers=[doc_examples.PageParser()],
        patterns=["README.md", "docs/*.md", "docs/*/*.md"],
        excludes=list(doc_examples.GENERATED),
        fixtures=["doc_pages"],
        name="docs",
    )


pytest_collect_file = _docs_sybil().pytest()


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["gs"] = gs
    doctest_namespace["np"] = np


@pytest.fixture(scope="session")
def doc_pages(request, tmp_path_factory):
    """Start the selected docs pages' examples (two pages at a time) on first use."""
    documents = []
    for item in request.session.items:
        document = getattr(getattr(item, "example", None), "document", None)
        if document is not None and document not in documents:
            documents.append(document)
    pages = doc_examples.Pages(documents, tmp_path_factory.mktemp("docs-examples"))
    yield pages
    pages.close()


def pytest_collection_modifyitems(config, items):
    """Mark docs blocks under <!-- slow: ... --> slow; skip ``slow`` unless GOSSIP_SIM_SLOW=1."""
    for item in items:
        block = getattr(getattr(item, "example", None), "parsed", None)
        if isinstance(block, doc_examples.Block) and block.marker is not None:
            if block.marker == "slow":
                item.add_marker(pytest.mark.slow)
            if not block.runs:
                item.add_marker(pytest.mark.skip(reason=f"{block.marker}: {block.reason}"))
    if os.environ.get("GOSSIP_SIM_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="full-size run: set GOSSIP_SIM_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    """GOSSIP_SIM_UPDATE_DOCS=1: write the printed outputs into the pages that differ."""
    rewritten = doc_examples.apply_rewrites(ROOT)
    if rewritten:
        pages = ", ".join(f"{page} ({count})" for page, count in rewritten.items())
        print(f"\nGOSSIP_SIM_UPDATE_DOCS: rewrote the outputs of {pages}")
