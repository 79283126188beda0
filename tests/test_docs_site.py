"""The documentation site: ``mkdocs build --strict`` passes, and the built site works offline.

The site is built once, into a temporary folder (never into the repository), with the `docs`
extra's MkDocs, Material and mkdocstrings. Strict mode turns every warning into an error: a
broken link or anchor, a page left out of the nav, a docstring mkdocstrings cannot read.

Then the built site is opened from disk in headless Chromium (Debian's ``chromium``, driven by
Playwright, as in tests/test_report_browser.py): the home page and a tutorial load with every
image, a screenshot is not blank, search works from file://, and no request leaves the machine
(anything but file: and data: is recorded and aborted). Without MkDocs, chromium or playwright
the tests are skipped, except under CI=true, where a skip would hide the check and fails.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser import TIMEOUT_MS, VIEWPORT, Visit, is_local, launched, unavailable

ROOT = Path(__file__).resolve().parent.parent
# Pages the browser opens: the home page and a tutorial with figures.
OPENED = ["index.html", "tutorial/your-network.html"]


def _nav_pages(nav) -> list[str]:
    """Every Markdown file named in mkdocs.yml's nav, in order."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_pages(value)]
    return [p for item in nav for p in _nav_pages(item)]


@pytest.fixture(scope="module")
def config() -> dict:
    yaml = pytest.importorskip("yaml")  # comes with mkdocs
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built with --strict into a temporary folder."""
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python"):
        if importlib.util.find_spec(module) is None:
            unavailable(f"{module} is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    before = set(ROOT.iterdir())
    build = ["build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", *build],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-6000:]
    assert "WARNING" not in done.stderr, done.stderr[-6000:]
    assert set(ROOT.iterdir()) <= before, "mkdocs build wrote into the repository"
    return out


def test_every_page_of_the_nav_is_built(site, config):
    pages = _nav_pages(config["nav"])
    assert "reference/cli.md" in pages and "reference/scenario-files.md" in pages
    for page in pages:
        assert (site / page).with_suffix(".html").is_file(), page
    in_docs = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert in_docs == set(pages), f"pages not in the nav: {sorted(in_docs - set(pages))}"


def test_every_public_module_has_an_api_page(site):
    import inspect

    import gossip_sim

    modules = [n for n in gossip_sim.__all__ if inspect.ismodule(getattr(gossip_sim, n))]
    for module in [*modules, "sweep", "scenarios"]:
        page = ROOT / "docs" / "reference" / "api" / f"{module}.md"
        assert page.is_file(), f"no API page for gossip_sim.{module}"
        assert f"::: gossip_sim.{module}\n" in page.read_text(), page.name
        html = (site / "reference" / "api" / f"{module}.html").read_text()
        assert f'id="gossip_sim.{module}.' in html, f"{module}: mkdocstrings rendered nothing"


def test_the_site_is_set_up_for_file_urls_and_no_network(config, site):
    assert config["use_directory_urls"] is False  # links end in .html: they open from disk
    assert config["theme"]["font"] is False  # no Google Fonts
    external = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")
    for page in site.rglob("*.html"):
        text = page.read_text()
        for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*>", text):
            if external.search(tag) and not re.search(r"""rel=["']?(?:canonical)""", tag):
                pytest.fail(f"{page.relative_to(site)} loads {tag[:160]}")
    for css in site.rglob("*.css"):
        assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", css.read_text()), css.name
    assert "iframe-worker" in (site / "index.html").read_text()  # the local shim, not unpkg's


def test_the_figure_scripts_draw_their_figures(tmp_path):
    from PIL import Image

    scripts = sorted((ROOT / "docs" / "figures").glob("make_*.py"))
    assert scripts
    for script in scripts:
        out = tmp_path / script.stem
        done = subprocess.run(
            [sys.executable, str(script), str(out)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "MPLBACKEND": "Agg"},
        )
        assert done.returncode == 0, done.stderr[-3000:]
        pngs = list(out.glob("*.png"))
        assert pngs, script.name
        for png in pngs:
            with Image.open(png) as image:
                image.verify()
            # the committed copy is the one the page shows
            assert (ROOT / "docs" / "background" / "figures" / png.name).is_file(), png.name


def test_docstrings_rest_habits_become_markdown():
    spec = importlib.util.spec_from_file_location(
        "rst_docstrings", ROOT / "docs" / "hooks" / "rst_docstrings.py"
    )
    pytest.importorskip("griffe")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    assert hooks.markdown("See :func:`~gossip_sim.topology.build`, :class:`Trace`.") == (
        "See `build()`, `Trace`."
    )
    assert hooks.markdown("Each agent::\n\n    code\n") == "Each agent:\n\n    code\n"
    table = "Files:\n\n====  =====\n``a``  one\n      more\n``b``  two\n====  =====\n"
    assert hooks.markdown(table) == (
        "Files:\n\n|   |   |\n| --- | --- |\n| ``a`` | one more |\n| ``b`` | two |\n"
    )


# ------------------------------------------------------------------ in a browser, from disk


@pytest.fixture(scope="module")
def browser():
    with launched() as chromium:
        yield chromium


@pytest.fixture(scope="module", params=OPENED)
def visit(request, browser, site):
    v = Visit(browser, site / request.param)
    yield v
    v.close()


def test_a_page_loads_with_every_image(visit):
    title = visit.page.title()
    assert title.endswith("gossip-sim"), title
    assert visit.page.locator("nav.md-nav--primary a").count() > 20  # the whole nav is there
    images = visit.images()
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"broken images: {broken}"
    assert not visit.errors, visit.errors


def test_the_tutorial_shows_its_figures(browser, site):
    v = Visit(browser, site / "tutorial" / "your-network.html")
    try:
        figures = [i for i in v.images() if "figures/" in (i["src"] or "")]
        assert len(figures) == 3, figures
        assert all(i["complete"] and i["width"] > 100 for i in figures), figures
    finally:
        v.close()


def test_nothing_is_fetched_from_the_network(visit):
    assert visit.requests and visit.requests[0] == visit.url, "the recorder is not working"
    outside = [u for u in visit.requests if not is_local(u)]
    assert not outside, f"the site fetches from the network: {outside}"
    assert not visit.failed, visit.failed  # and every local file it asked for was there


def test_a_screenshot_is_not_blank(visit, tmp_path):
    from PIL import Image, ImageStat

    shot = tmp_path / "page.png"
    visit.page.screenshot(path=str(shot), full_page=True, timeout=TIMEOUT_MS)
    with Image.open(shot) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width == VIEWPORT["width"] and height >= VIEWPORT["height"]
        rgb = image.convert("RGB")
    colours = rgb.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "too few colours: a blank page?"
    assert ImageStat.Stat(rgb.convert("L")).stddev[0] > 10


def test_search_works_from_disk(browser, site):
    """The search runs in a worker; from file:// the local iframe-worker shim makes it work."""
    v = Visit(browser, site / "index.html")
    try:
        box = v.page.locator("input[data-md-component=search-query]")
        box.click()
        v.page.keyboard.type("spectral gap")
        v.page.wait_for_selector(".md-search-result__item", timeout=TIMEOUT_MS)
        found = v.page.locator(".md-search-result__meta").inner_text()
        assert re.match(r"\d+ matching document", found), found
        assert not [u for u in v.requests if not is_local(u)]
        assert not v.errors, v.errors
    finally:
        v.close()
