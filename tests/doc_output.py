"""How a documented output is compared with what a command prints (used by doc_examples.py).

The rules, for doc writers (docs/index.md, "Examples in these pages are tests", says the same):

* lines are compared one by one; blank lines are ignored and runs of spaces count as one, so
  a table may be re-aligned;
* words and punctuation must be the same;
* numbers are compared by value: an integer (``22``, ``139,040``) exactly, since rounds, bits and
  messages are deterministic; a number with a decimal point or an exponent (``0.4607``,
  ``9.348e-09``, ``112.8``) within one unit of its last digit shown or 0.1 %, whichever is
  larger;
* ``...`` stands for whatever the command prints there: inside a line, any text on that line
  (a path, a wall-clock time, a version); on a line of its own, any number of lines (zero too).

:func:`reconcile` turns a documented output and the actual one into what the page should say:
the documented lines where they match, the actual lines where they do not. Equal to the
documented lines means the example passes; otherwise the difference between the two is the
failure's diff, and GOSSIP_SIM_UPDATE_DOCS=1 writes it into the page.
"""

from __future__ import annotations

import difflib
import functools
import re

__all__ = ["ELLIPSIS", "diff", "line_matches", "numbers_match", "reconcile"]

ELLIPSIS = "..."
NUMBER = r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w]|\.\d)"
_NUMBER = re.compile(NUMBER)
REL_TOL = 1e-3


def _normal(line: str) -> str:
    return " ".join(line.split())


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def numbers_match(documented: str, printed: str) -> bool:
    """Whether a printed number agrees with the documented one.

    Examples
    --------
    >>> numbers_match("139,040", "139,040"), numbers_match("22", "23")
    (True, False)
    >>> numbers_match("0.4607", "0.4608"), numbers_match("8.3", "8.4"), numbers_match("8.3", "8.5")
    (True, True, False)
    """
    expected, actual = _value(documented), _value(printed)
    if not re.search(r"[.eE]", documented):
        return expected == actual
    mantissa = documented.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(documented.lower().split("e")[1]) if "e" in documented.lower() else 0
    unit = 10.0 ** (exponent - decimals)
    return abs(actual - expected) <= max(REL_TOL * abs(expected), unit * (1 + 1e-9))


@functools.lru_cache(maxsize=4096)
def _pattern(documented: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A regular expression for a documented line, and the numbers it holds in order."""
    parts, numbers = [], []
    for piece in re.split(r"(\.\.\.)", _normal(documented)):
        if piece == ELLIPSIS:
            parts.append("(?:.*?)")
            continue
        place = 0
        for match in _NUMBER.finditer(piece):
            parts.append(re.escape(piece[place : match.start()]))
            parts.append(f"({NUMBER})")
            numbers.append(match.group())
            place = match.end()
        parts.append(re.escape(piece[place:]))
    return re.compile("".join(parts).replace(r"\ ", r"\s+")), tuple(numbers)


def line_matches(documented: str, printed: str) -> bool:
    """Whether one printed line is what the documented line says, by the rules above.

    Examples
    --------
    >>> line_matches("  rounds        22 (target reached)", "rounds 22 (target reached)")
    True
    >>> line_matches("14 runs: 14 run now; ... wall time", "14 runs: 14 run now; 3.6 s wall time")
    True
    >>> line_matches("bits 139,040", "bits 139,041")
    False
    """
    pattern, numbers = _pattern(documented)
    match = pattern.fullmatch(_normal(printed))
    return match is not None and all(
        numbers_match(doc, got) for doc, got in zip(numbers, match.groups(), strict=True)
    )


def _likeness(documented: str, printed: str) -> float:
    masked = [_NUMBER.sub("#", _normal(line)) for line in (documented, printed)]
    return difflib.SequenceMatcher(None, *masked, autojunk=False).ratio()


def reconcile(documented: list[str], printed: list[str]) -> list[str]:
    """What the documented lines should be, given the printed ones.

    A documented line that matches stays as written (its ``...`` and its rounding kept); one
    that does not is replaced by the most alike printed line, or dropped; a printed line that no
    documented line (nor a ``...`` line) accounts for is added. The result equals
    ``documented`` (blank lines left out) exactly when the output is as documented.

    Examples
    --------
    >>> reconcile(["a 1.00", "...", "z 3"], ["a 1.0004", "b", "c", "z 4"])
    ['a 1.00', '...', 'z 4']
    >>> reconcile(["x 1", "y 2"], ["x 1", "w 5", "y 2"])
    ['x 1', 'w 5', 'y 2']
    """
    doc = [line.rstrip() for line in documented if line.strip()]
    got = [line.rstrip() for line in printed if line.strip()]
    n, m = len(doc), len(got)
    inf = float("inf")
    # cost[i][j]: the least cost of accounting for doc[i:] and got[j:]; best[i][j]: the step.
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    best: list[list[str]] = [[""] * (m + 1) for _ in range(n + 1)]
    cost[n][m] = 0.0
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            options = []
            if i < n and doc[i].strip() == ELLIPSIS:
                options.append((cost[i + 1][j], "skip-ellipsis"))
                if j < m:
                    options.append((cost[i][j + 1], "hide"))
            if i < n and j < m and doc[i].strip() != ELLIPSIS:
                if line_matches(doc[i], got[j]):
                    options.append((cost[i + 1][j + 1], "keep"))
                else:
                    options.append((cost[i + 1][j + 1] + 1.5 - _likeness(doc[i], got[j]), "swap"))
            if i < n and doc[i].strip() != ELLIPSIS:
                options.append((cost[i + 1][j] + 1.0, "drop"))
            if j < m:
                options.append((cost[i][j + 1] + 1.0, "add"))
            cost[i][j], best[i][j] = min(options, key=lambda option: option[0])
    merged, i, j = [], 0, 0
    while i < n or j < m:
        step = best[i][j]
        if step == "skip-ellipsis":
            merged.append(doc[i])
            i += 1
        elif step == "hide":
            j += 1
        elif step == "keep":
            merged.append(doc[i])
            i, j = i + 1, j + 1
        elif step == "swap":
            merged.append(got[j])
            i, j = i + 1, j + 1
        elif step == "drop":
            i += 1
        else:
            merged.append(got[j])
            j += 1
    return _one_ellipsis_each(merged, doc)


def _one_ellipsis_each(merged: list[str], doc: list[str]) -> list[str]:
    """Drop an ``...`` line repeated by hiding lines on both sides of a kept one."""
    out: list[str] = []
    for line in merged:
        if line.strip() == ELLIPSIS and out and out[-1].strip() == ELLIPSIS:
            continue
        out.append(line)
    return out if out != doc else doc


def diff(documented: list[str], merged: list[str], name: str) -> str:
    """A unified diff from what the page says to what it should say."""
    doc = [line.rstrip() for line in documented if line.strip()]
    return "\n".join(
        difflib.unified_diff(
            doc, merged, f"{name} (documented)", f"{name} (printed)", lineterm="", n=2
        )
    )
