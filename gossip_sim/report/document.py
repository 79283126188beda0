"""A report as a list of blocks, written as Markdown and as one self-contained HTML file.

The same blocks give both files, so ``report.md`` and ``report.html`` say the same thing. The
HTML needs nothing beside it and fetches nothing: its style is inline and its figures are PNG
files embedded as ``data:`` URIs; the Markdown links the PNG files beside it.

Examples
--------
>>> doc = Document("Ring vs torus")
>>> doc.paragraph("The torus mixes faster.")
>>> doc.table(["topology", "spectral gap"], [["ring", 0.0032], ["torus", 0.117]])
>>> print(doc.markdown())  # doctest: +NORMALIZE_WHITESPACE
# Ring vs torus
<BLANKLINE>
The torus mixes faster.
<BLANKLINE>
| topology | spectral gap |
| --- | --- |
| ring | 0.0032 |
| torus | 0.117 |
<BLANKLINE>
>>> "<td>0.117</td>" in doc.html(Path("."))
True
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Document"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       max-width: 80rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; }
td { white-space: nowrap; } div.table { overflow-x: auto; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #555; }
p.note { font-size: 0.85rem; color: #555; }
"""


@dataclass
class _Block:
    kind: str  # "heading", "paragraph", "table", "figure"
    text: str = ""
    level: int = 2
    headers: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()
    path: str = ""


@dataclass
class Document:
    """A report being built: a title, then headings, paragraphs, tables and figures in order."""

    title: str
    blocks: list[_Block] = field(default_factory=list)

    def heading(self, text: str) -> None:
        """Start a section."""
        self.blocks.append(_Block("heading", text))

    def paragraph(self, text: str, note: bool = False) -> None:
        """Add a paragraph (``note=True``: small print). ``**bold**`` is kept in both files."""
        self.blocks.append(_Block("paragraph", text, level=1 if note else 0))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Add a table; cells are shown as given (strings), numbers with 3 significant digits."""
        self.blocks.append(_Block("table", headers=list(headers), rows=[list(r) for r in rows]))

    def figure(self, path: str, caption: str) -> None:
        """Add a PNG figure, ``path`` relative to the folder the report is written into."""
        self.blocks.append(_Block("figure", caption, path=path))

    def markdown(self) -> str:
        """Return the report as Markdown (figures as links to their PNG files)."""
        parts = [f"# {self.title}", ""]
        for b in self.blocks:
            if b.kind == "heading":
                parts += [f"## {b.text}", ""]
            elif b.kind == "paragraph":
                parts += [f"*{b.text}*" if b.level else b.text, ""]
            elif b.kind == "table":
                parts += ["| " + " | ".join(b.headers) + " |"]
                parts += ["| " + " | ".join("---" for _ in b.headers) + " |"]
                parts += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in b.rows]
                parts += [""]
            else:
                parts += [f"![{b.text}]({b.path})", "", f"*{b.text}*", ""]
        return "\n".join(parts)

    def html(self, directory: Path) -> str:
        """Return the report as one HTML page; figures are read from ``directory`` and embedded."""
        body = [f"<h1>{_inline(self.title)}</h1>"]
        for b in self.blocks:
            if b.kind == "heading":
                body.append(f"<h2>{_inline(b.text)}</h2>")
            elif b.kind == "paragraph":
                body.append(f"<p{' class=note' if b.level else ''}>{_inline(b.text)}</p>")
            elif b.kind == "table":
                head = "".join(f"<th>{_inline(h)}</th>" for h in b.headers)
                rows = "".join(
                    "<tr>" + "".join(f"<td>{_inline(_cell(v))}</td>" for v in row) + "</tr>"
                    for row in b.rows
                )
                body.append(
                    f'<div class="table"><table><thead><tr>{head}</tr></thead>'
                    f"<tbody>{rows}</tbody></table></div>"
                )
            else:
                data = base64.b64encode((directory / b.path).read_bytes()).decode("ascii")
                body.append(
                    f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(b.text)}">'
                    f"<figcaption>{_inline(b.text)}</figcaption></figure>"
                )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head>\n<body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )

    def write(self, directory: str | Path, name: str = "report") -> list[Path]:
        """Write ``NAME.md`` and ``NAME.html`` into ``directory``; return their paths."""
        out = Path(directory)
        md, page = out / f"{name}.md", out / f"{name}.html"
        md.write_text(self.markdown())
        page.write_text(self.html(out))
        return [md, page]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "-" if value is None else str(value)


def _inline(text: str) -> str:
    """Escape text for HTML, turning Markdown's ``**bold**`` and ``code`` into tags."""
    escaped = html.escape(text)
    for mark, tag in (("**", "strong"), ("`", "code")):
        pieces = escaped.split(mark)
        if len(pieces) % 2 == 1:  # balanced marks only
            escaped = "".join(f"<{tag}>{p}</{tag}>" if i % 2 else p for i, p in enumerate(pieces))
    return escaped
