"""How the docs' examples are checked: the comparison rules and the page parser.

The examples themselves are test items of their own, collected from README.md and docs/ by Sybil
(root conftest.py, tests/doc_examples.py): ``pytest docs README.md``, or ``pytest -k first-run``
for one page. GOSSIP_SIM_UPDATE_DOCS=1 rewrites the documented outputs that differ.
"""

from __future__ import annotations

from pathlib import Path

import doc_examples
import doc_output
import pytest
from sybil import Document

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("documented", "printed", "same"),
    [
        ("  bits   139,040 in 220 messages", "bits 139,040 in 220 messages", True),
        ("bits 139,040 in 220 messages", "bits 139,041 in 220 messages", False),  # exact integers
        ("rounds 22 (target reached)", "rounds 22 (rounds exhausted)", False),  # words exact
        ("spectral gap 0.4607", "spectral gap 0.4609", True),  # 0.1 %
        ("spectral gap 0.4607", "spectral gap 0.4621", False),
        ("bits / bound 7.7", "bits / bound 7.8", True),  # one unit of the last digit shown
        ("bits / bound 7.7", "bits / bound 7.9", False),
        ("error 9.348e-09", "error 9.349e-09", True),
        ("error 9.348e-09", "error 9.348e-08", False),
        ("0 failed; ... wall time", "0 failed; 3.6 s wall time", True),
        ("results ...", "results /tmp/x/gossip-sim-results/ring-5", True),
        ("results ./a-b8d6fe", "results ./a-b8d6ff", False),  # a digest is a word
        ("ring-5-seed0 done", "ring-6-seed0 done", False),
    ],
)
def test_a_line_matches_by_the_rules(documented, printed, same):
    assert doc_output.line_matches(documented, printed) is same


def test_an_ellipsis_line_stands_for_any_lines_and_the_rest_must_match():
    printed = ["head", "one", "two", "  bits   10", "tail"]
    assert doc_output.reconcile(["head", "...", "bits 10", "tail"], printed) == [
        "head",
        "...",
        "bits 10",
        "tail",
    ]
    assert doc_output.reconcile(["...", "bits 10", "..."], printed) == ["...", "bits 10", "..."]
    # a line missing from the page, or one the command no longer prints, is a difference
    assert doc_output.reconcile(["head", "bits 10", "tail"], printed) != ["head", "bits 10", "tail"]
    gone = doc_output.reconcile(["head", "no such thing", "...", "tail"], printed)
    assert gone == ["head", "...", "tail"]


def test_a_changed_output_is_merged_into_the_page_keeping_what_matches():
    documented = ["run: ring (5 agents)", "rounds 22", "time ... wall", "bits 139,040"]
    printed = ["run: ring (5 agents)", "rounds 23", "time 1.5 s wall", "bits 140,000", "new line"]
    merged = doc_output.reconcile(documented, printed)
    assert merged == ["run: ring (5 agents)", "rounds 23", "time ... wall", "bits 140,000",
                      "new line"]  # fmt: skip
    text = doc_output.diff(documented, merged, "$ gossip-sim")
    assert "-rounds 22\n+rounds 23" in text and "+new line" in text
    assert "time ... wall" not in text.replace(" time ... wall", "")  # kept, not changed


def _parse(tmp_path, text: str) -> list[doc_examples.Block]:
    page = ROOT / "docs" / "_parser_test.md"  # the parser names pages relative to the repository
    try:
        page.write_text(text)
        document = Document.parse(str(page), doc_examples.PageParser())
        return [region.parsed for _, region in document.regions]
    finally:
        page.unlink()


def test_console_blocks_pair_each_command_with_what_it_prints(tmp_path):
    blocks = _parse(
        tmp_path,
        "```console\n$ gossip-sim --topology ring \\\n    --agents 5   # five\nline 1\n\n"
        "$ gossip-sim topologies\n$ gossip-sim --topology rnig\ngossip-sim: error: no\n```\n",
    )
    (block,) = blocks
    assert block.commands == [
        "gossip-sim --topology ring --agents 5",
        "gossip-sim topologies",
        "gossip-sim --topology rnig",
    ]
    assert block.shown == [["line 1", ""], None, ["gossip-sim: error: no"]]
    assert block.written[0] == "$ gossip-sim --topology ring \\\n    --agents 5   # five"


def test_an_output_block_shows_the_block_above_it_and_markers_carry_over(tmp_path):
    blocks = _parse(
        tmp_path,
        '```text title="a.txt"\nx\n```\n\n<!-- slow: long -->\n```python\nprint(1)\n```\n\n'
        "```output\n1\n```\n\n```text\nnot an example\n```\n",
    )
    file, python, output = blocks
    assert (file.lang, file.path, python.number, output.target) == ("file", "a.txt", 1, 1)
    assert (output.marker, output.reason) == ("slow", "long")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("```output\n1\n```\n", "an output block must follow a python or bash block"),
        ("```console\nno prompt\n```\n", "a console block starts with 'no prompt'"),
        ("```bash\ndask scheduler\n```\n", "bash block with lines this test cannot run"),
    ],
)
def test_a_block_the_test_cannot_check_is_refused(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        _parse(tmp_path, text)


def test_update_mode_writes_the_printed_output_under_the_commands_as_written(monkeypatch):
    page = ROOT / "docs" / "_update_test.md"
    text = ("Intro\n\n* a list item:\n\n    ```console\n    $ gossip-sim --topology ring \\\n"
            "        --agents 5\n    rounds 22\n    bits 10\n    ```\n\nOutro\n")  # fmt: skip
    try:
        page.write_text(text)
        document = Document.parse(str(page), doc_examples.PageParser())
        (block,) = [region.parsed for _, region in document.regions]
        record = {"outputs": [{"command": block.commands[0], "code": 0,
                               "output": "rounds 23\nbits 10\nnew 1\n"}]}  # fmt: skip
        assert "-rounds 22\n+rounds 23" in doc_examples._check_console(block, record)
        monkeypatch.setattr(doc_examples, "UPDATE", True)
        assert doc_examples._check_console(block, record) == ""
        assert doc_examples.apply_rewrites(ROOT) == {"docs/_update_test.md": 1}
        assert page.read_text() == text.replace("rounds 22\n    bits 10\n",
                                                "rounds 23\n    bits 10\n    new 1\n")
    finally:
        page.unlink()
