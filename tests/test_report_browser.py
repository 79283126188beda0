"""`gossip-sim compare`'s report.html in a real browser: Debian's chromium, driven by Playwright.

The page is opened from a folder holding nothing but report.html, so a figure that is linked
rather than embedded shows up as a broken image. Every request the page makes is recorded
(and anything but file: and data: is aborted, so nothing leaves the machine either way).

Chromium is never downloaded: the test uses the ``chromium`` on PATH (Debian's package). Without
it, or without the playwright package, the test is skipped, except under CI=true, where
.ci/run installs both and a skip would hide the check, so it fails instead.
"""

import base64
import shutil

import pytest
from browser import TIMEOUT_MS, VIEWPORT, Visit, is_local, launched

from gossip_sim.cli import main

TOPOLOGIES = ["ring", "torus", "complete"]  # torus needs K = rows x cols, hence 9 agents
FIGURES = ["error-vs-bits", "error-vs-time", "tradeoff", "graphs"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A small comparison, built once; report.html copied alone into an empty folder."""
    out = tmp_path_factory.mktemp("compare")
    argv = ["compare", "--topologies", ",".join(TOPOLOGIES), "--agents", "9", "--dim", "10"]
    assert main([*argv, "--target", "1e-4", "--out", str(out), "--quiet"]) == 0
    alone = tmp_path_factory.mktemp("alone") / "report.html"
    shutil.copyfile(out / "report.html", alone)
    return out, alone


@pytest.fixture(scope="module")
def browser():
    with launched() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def visit(browser, report):
    v = Visit(browser, report[1])
    yield v
    v.close()


def test_the_page_renders_its_title_table_and_every_figure(visit, report):
    out, _ = report
    page = visit.page
    title = page.title()
    assert title.startswith("Which topology?"), title
    assert page.inner_text("h1") == title
    table = page.locator("table", has=page.locator("th", has_text="topology")).first
    names = table.locator("tbody tr td:first-child").all_inner_texts()
    assert names == TOPOLOGIES
    assert table.locator("tbody tr").count() == len(TOPOLOGIES)

    images = page.evaluate(
        "Array.from(document.images).map(i => "
        "({src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth, "
        "height: i.naturalHeight, alt: i.alt}))"
    )
    assert len(images) >= len(FIGURES)
    broken = [i["alt"] for i in images if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"broken images: {broken}"
    # each figure file is in the page, embedded byte for byte, at its own pixel size
    from PIL import Image

    embedded = {}
    for i in images:
        head, _, data = i["src"].partition(",")
        assert head == "data:image/png;base64", head[:80]
        embedded[base64.b64decode(data)] = (i["width"], i["height"])
    for name in FIGURES:
        png = out / "figures" / f"{name}.png"
        assert png.read_bytes() in embedded, f"{png.name} is not embedded in report.html"
        with Image.open(png) as image:
            assert embedded[png.read_bytes()] == image.size, name
    assert not visit.errors, visit.errors


def test_the_page_fetches_nothing_from_the_network(visit, report):
    assert visit.requests, "no request recorded: the recorder is not working"
    assert visit.requests[0] == visit.url
    outside = [u for u in visit.requests if not is_local(u)]
    assert not outside, f"report.html fetches from the network: {outside}"
    others = [u for u in visit.requests if u.startswith("file:") and u != visit.url]
    assert not others, f"report.html needs files beside it: {others}"
    assert not visit.failed, visit.failed

    links = visit.page.evaluate(
        "Array.from(document.querySelectorAll('[src],[href],[srcset],[poster],[action],[data]'))"
        ".flatMap(e => ['src', 'href', 'srcset', 'poster', 'action', 'data']"
        ".map(a => e.getAttribute(a)).filter(v => v !== null))"
    )
    external = [v[:80] for v in links if "http://" in v or "https://" in v or v.startswith("//")]
    assert not external, external
    styles = " ".join(visit.page.eval_on_selector_all("style", "ss => ss.map(s => s.textContent)"))
    assert "@import" not in styles and "url(" not in styles
    assert visit.page.locator("script[src], link[href], iframe, object, embed").count() == 0


def test_the_recorder_catches_an_external_reference(browser, tmp_path):
    """The network check above is not vacuous: a page with an https image is caught."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><title>x</title><img src="https://192.0.2.1/x.png">')
    v = Visit(browser, page)
    try:
        assert [u for u in v.requests if not is_local(u)] == ["https://192.0.2.1/x.png"]
        assert v.failed == ["https://192.0.2.1/x.png"]  # aborted here, never sent
    finally:
        v.close()


def test_a_full_page_screenshot_is_a_png_with_something_on_it(visit, tmp_path):
    from PIL import Image, ImageStat

    shot = tmp_path / "report.png"
    visit.page.screenshot(path=str(shot), full_page=True, timeout=TIMEOUT_MS)
    with Image.open(shot) as image:
        image.verify()
    with Image.open(shot) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width == VIEWPORT["width"]
        assert VIEWPORT["height"] < height < 40_000  # the whole page, longer than one screen
        rgb = image.convert("RGB")
    colours = rgb.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "too few colours: a blank page?"
    assert max(ImageStat.Stat(rgb.convert("L")).stddev) > 10
    # not blank below the first screen either: the figures further down were drawn
    lower = rgb.crop((0, VIEWPORT["height"], width, height)).convert("L")
    assert ImageStat.Stat(lower).stddev[0] > 10
