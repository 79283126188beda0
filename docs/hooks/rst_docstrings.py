"""A Griffe extension: read the few reStructuredText habits of gossip-sim's docstrings as Markdown.

gossip-sim's docstrings are numpydoc, written to read well in ``help()`` and Sphinx-style tools.
mkdocstrings renders their text as Markdown, where three reST habits would show badly, so this
extension rewrites them, for the site only (the source keeps its docstrings):

* roles such as :func:`build` or :class:`~gossip_sim.network.Network` become code spans
  (`build()`, `Network`; a leading ``~`` keeps the last part, as in Sphinx);
* a paragraph ending in ``::`` before an indented literal block ends in ``:`` (the block is a
  Markdown code block already);
* simple tables (rows between lines of ``====  ====``) become Markdown tables.

mkdocs.yml loads it with ``extensions: [docs/hooks/rst_docstrings.py]``.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(func|meth|class|mod|attr|data|obj|exc|const):`([~!]?)([^`]+)`")
BORDER = re.compile(r"^(?P<indent>\s*)=+(\s+=+)+\s*$")


def _role(match: re.Match) -> str:
    kind, flag, target = match.groups()
    text = target.rsplit(".", 1)[-1] if flag == "~" else target.lstrip(".")
    if kind in ("func", "meth") and not text.endswith(")"):
        text += "()"
    return f"`{text}`"


def _literal_blocks(text: str) -> str:
    """``para::`` → ``para:`` (and a line of only ``::`` goes), when a block follows."""
    text = re.sub(r"(?m)^[ \t]*::[ \t]*\n", "", text)
    return re.sub(r"(?m)(\S)::[ \t]*$", r"\1:", text)


def _columns(border: str) -> list[int]:
    return [m.start() for m in re.finditer(r"=+", border)]


def _cells(line: str, starts: list[int]) -> list[str]:
    ends = [*starts[1:], None]
    return [line[a:b].strip() if len(line) > a else "" for a, b in zip(starts, ends, strict=True)]


def _table(lines: list[str], starts: list[int], indent: str) -> list[str]:
    """Markdown lines for the rows of one simple table (first column blank = continuation)."""
    borders = [i for i, line in enumerate(lines) if BORDER.match(line)]
    header: list[str] | None = None
    body = lines
    if len(borders) == 1:  # header, border, rows
        header = _cells(lines[0], starts)
        body = lines[borders[0] + 1 :]
    rows: list[list[str]] = []
    for line in body:
        if not line.strip():
            continue
        cells = _cells(line, starts)
        if rows and not cells[0]:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    header = header or [" "] * len(starts)
    out = [header, ["---"] * len(starts), *rows]
    return [indent + "| " + " | ".join(cells) + " |" for cells in out]


def _simple_tables(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = BORDER.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        starts = _columns(lines[i])
        closing = [j for j in range(i + 1, len(lines)) if BORDER.match(lines[j])]
        if not closing:
            out.append(lines[i])
            i += 1
            continue
        # with a header: border, header, border, rows, border; else border, rows, border
        end = closing[1] if len(closing) > 1 and closing[0] == i + 2 else closing[0]
        if out and out[-1].strip():
            out.append("")  # a table starts a block
        out.extend(_table(lines[i + 1 : end], starts, match["indent"]))
        i = end + 1
    return "\n".join(out)


def markdown(text: str) -> str:
    """Return a docstring's text with its reST habits rewritten as Markdown.

    Examples
    --------
    >>> markdown("See :func:`~gossip_sim.topology.build` and :class:`Trace`.")
    'See `build()` and `Trace`.'
    """
    return _simple_tables(_literal_blocks(ROLE.sub(_role, text)))


class RstDocstrings(griffe.Extension):
    """Rewrite every docstring's reST roles, literal-block markers and simple tables."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring as it is loaded."""
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
