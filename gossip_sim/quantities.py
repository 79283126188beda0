"""Quantities as people read them: one unit rule for time, bit rates and bit counts.

Everything printed for a person (summaries, the compare report, the demos) goes through these
functions, so a duration reads the same everywhere; files meant for machines (CSV, JSON) keep
full precision and never go through here.

Examples
--------
>>> format_seconds(0.000112781), format_rate(1e9), format_bits(139040)
('112.8 µs', '1 Gb/s', '139,040')
"""

from __future__ import annotations

__all__ = ["RATES", "SECONDS", "format_bits", "format_rate", "format_seconds", "pick_unit"]

#: Units of a duration, largest first (what :func:`format_seconds` chooses from).
SECONDS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6))

#: Units of a bit rate, largest first.
RATES = (("Gb/s", 1e9), ("Mb/s", 1e6), ("kb/s", 1e3), ("b/s", 1.0))


def pick_unit(value: float, units: tuple[tuple[str, float], ...]) -> tuple[str, float]:
    """Return the largest ``(unit, scale)`` that ``value`` reaches (the last if it reaches none).

    Examples
    --------
    >>> pick_unit(0.0021, SECONDS)
    ('ms', 0.001)
    """
    return next(((u, s) for u, s in units if value >= s), units[-1])


def _with_unit(value: float, units: tuple[tuple[str, float], ...]) -> str:
    """Write ``value`` in the largest unit it reaches (the last unit if it reaches none)."""
    unit, scale = pick_unit(value, units)
    return f"{value / scale:.4g} {unit}"


def format_seconds(seconds: float) -> str:
    """Return a duration with a readable unit.

    Examples
    --------
    >>> format_seconds(0.000112781), format_seconds(0.25), format_seconds(75.0)
    ('112.8 µs', '250 ms', '75 s')
    """
    return _with_unit(seconds, SECONDS)


def format_rate(bits_per_second: float) -> str:
    """Return a bit rate with a readable unit.

    Examples
    --------
    >>> format_rate(1e10), format_rate(1.544e6)
    ('10 Gb/s', '1.544 Mb/s')
    """
    return _with_unit(bits_per_second, RATES)




def format_bits(bits: float) -> str:
    """Return a bit count with thousands separators (``139,040``).

    Examples
    --------
    >>> format_bits(1234567), format_bits(12.0)
    ('1,234,567', '12')
    """
    return f"{round(bits):,}"
