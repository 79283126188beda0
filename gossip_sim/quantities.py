"""Quantities as people read them: one unit rule for time, bit rates and bit counts.

Everything printed for a person (summaries, the compare report, the demos, the scenario
summaries, the plots' time axes) goes through these functions, so a duration reads the same
everywhere: 4 significant digits in the largest unit it reaches (s, ms, µs); bits are whole
numbers with thousands separators; no float noise such as ``0.44002780800000013``. Files meant
for machines (CSV, JSON) keep full precision and never go through here.

Examples
--------
>>> format_seconds(0.000112781), format_rate(1e9), format_bits(139040)
('112.8 µs', '1 Gb/s', '139,040')
>>> format_quantity("time_s", 0.44002780800000013), format_quantity("hub_busy_fraction", 0.3556)
('440 ms', '36%')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = [
    "RATES",
    "SECONDS",
    "format_bits",
    "format_bytes",
    "format_number",
    "format_percent",
    "format_quantity",
    "format_range",
    "format_rate",
    "format_seconds",
    "format_stat",
    "format_value",
    "pick_unit",
    "time_axis",
]

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


def format_percent(fraction: float) -> str:
    """Return a fraction as a whole percentage.

    Examples
    --------
    >>> format_percent(0.3556), format_percent(1.0)
    ('36%', '100%')
    """
    return f"{fraction:.0%}"


def format_number(value: Any) -> str:
    """Return a number as a table shows it: integers with separators, floats with 3 digits.

    Examples
    --------
    >>> format_number(1234567), format_number(0.000123), format_number(12.5), format_number(None)
    ('1,234,567', '0.000123', '12.5', '-')
    """
    if value is None:
        return "-"
    if isinstance(value, bool) or not (isinstance(value, int | float) or _is_number(value)):
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:.3g}"


def _is_number(value: Any) -> bool:
    """Return True for a NumPy number (checked without importing NumPy)."""
    return hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0 and value.dtype.kind in "iuf"


def format_value(value: Any) -> str:
    """Return a setting as a person reads it: floats to 6 significant digits, the rest as is.

    Examples
    --------
    >>> format_value(0.1 + 0.2), format_value(1e-06), format_value("ring"), format_value(16)
    ('0.3', '1e-06', 'ring', '16')
    """
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_range(low: float, high: float, fmt: Callable[[float], str]) -> str:
    """Return ``fmt(low)``, or ``fmt(low) to fmt(high)`` when they differ.

    Examples
    --------
    >>> format_range(0.001326, 0.01103, format_seconds), format_range(1e9, 1e9, format_rate)
    ('1.326 ms to 11.03 ms', '1 Gb/s')
    """
    return fmt(low) if low == high else f"{fmt(low)} to {fmt(high)}"


def format_stat(mean: float, std: float, n: int, kind: str = "number") -> str:
    """Return ``mean ± std`` over ``n`` seeds (just the mean for one seed or no spread).

    ``kind`` is ``"seconds"`` (the mean's unit, both in it), ``"bits"`` (whole numbers with
    separators) or ``"number"`` (4 significant digits, the spread to the same decimals).

    Examples
    --------
    >>> format_stat(2.10693, 0.00943, 3, "seconds"), format_stat(105.33, 0.47, 3)
    ('2.107 ± 0.009 s', '105.3 ± 0.5')
    >>> format_stat(17042090.7, 80123.2, 3, "bits"), format_stat(849408, 0.0, 2, "bits")
    ('17,042,091 ± 80,123', '849,408')
    """
    one = n == 1 or std == 0
    if kind == "bits":
        return format_bits(mean) if one else f"{format_bits(mean)} ± {format_bits(std)}"
    unit, scale = pick_unit(mean, SECONDS) if kind == "seconds" else ("", 1.0)
    text = f"{mean / scale:.4g}"
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    if not one:
        text += f" ± {std / scale:.{decimals}f}"
    return f"{text} {unit}".rstrip()


#: How :func:`format_quantity` reads a value from the end of its name.
_BY_NAME: tuple[tuple[str, Callable[[float], str]], ...] = (
    ("_fraction", format_percent),
    ("_bps", format_rate),
    ("_s", format_seconds),
    ("bits", format_bits),
)


def format_quantity(name: str, value: Any) -> str:
    """Return ``value`` as a person reads it, its unit told by its ``name`` (``round_time_s``).

    Names ending in ``_s`` are durations, ``_bps`` bit rates, ``_fraction`` shares and names
    holding ``bits`` bit counts; other numbers get 4 significant digits. A dict (a value per
    series) is written ``key: value, ...``.

    Examples
    --------
    >>> format_quantity("total_bits", {"b=1": 159680.0, "b=2": 257280})
    'b=1: 159,680, b=2: 257,280'
    >>> format_quantity("spectral_gap", 0.050746978325808545), format_quantity("rounds", 1420)
    ('0.05075', '1,420')
    """
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_quantity(name, v)}" for k, v in value.items())
    if isinstance(value, bool) or not (isinstance(value, int | float) or _is_number(value)):
        return str(value)
    for ending, fmt in _BY_NAME:
        if name.endswith(ending) or (ending == "bits" and "bits" in name):
            return fmt(float(value))
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:.4g}" if math.isfinite(number) else str(number)


def time_axis(ax: Any, axis: str = "x", label: str = "simulated time") -> str:
    """Show an axis of seconds in the unit :func:`pick_unit` chooses for its largest value.

    Call it after drawing (or setting the limits): the unit is chosen from the axis' largest
    value (the same rule as :func:`format_seconds`), the ticks are relabelled in it (the data
    stay in seconds) and the axis is labelled ``label (unit)``. Returns the unit.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0.0, 0.0123, 0.0281], [3, 2, 1])
    >>> time_axis(ax), ax.get_xlabel()
    ('ms', 'simulated time (ms)')
    >>> plt.close(fig)
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    unit, scale = pick_unit(max(abs(low), abs(high)), SECONDS)
    which = ax.xaxis if axis == "x" else ax.yaxis
    which.set_major_formatter(FuncFormatter(lambda v, _: f"{v / scale:g}"))
    if which.get_scale() == "log":  # no minor labels left in seconds
        which.set_minor_formatter(NullFormatter())
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(f"{label} ({unit})")
    return unit


def format_bytes(size: float) -> str:
    """Return a byte count in binary units with 3 significant digits.

    Examples
    --------
    >>> format_bytes(1536), format_bytes(3 * 2**30)
    ('1.5 KB', '3 GB')
    """
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.3g} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
