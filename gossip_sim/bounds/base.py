"""The result type every bound returns, and the checks and logarithms the bounds share.

Every bound is the *formula's value without the constant its Ω or O hides*, with logarithms
to base 2 (a change of base only changes a constant factor, which the Ω/O hides anyway).
Song et al.'s Theorems 4.1 and 4.2 are explicit formulas with no hidden constant; they keep
their own logarithms (see :mod:`gossip_sim.bounds.song`).

Examples
--------
>>> b = Bound("demo", "lower", "N d", bits=8.0, log2_bits=3.0, parameters={"N": 2, "d": 4})
>>> ratio(16, b)
2.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from gossip_sim.errors import ConfigError

__all__ = ["Bound", "ratio"]

#: log2 of the largest value a float holds; above it ``bits`` is ``inf`` and ``log2_bits`` exact.
_LOG2_FLOAT_MAX = math.log2(1.7976931348623157e308)


@dataclass(frozen=True)
class Bound:
    """One bound evaluated at given parameters.

    Attributes
    ----------
    name
        Which result, e.g. ``"Korhonen-Alistarh Thm 3"``.
    kind
        ``"lower"`` or ``"upper"``.
    formula
        The expression evaluated, in plain text (``"N d log2(beta d / eps)"``).
    bits
        Its value in bits, **total over all agents**, without the hidden constant when
        ``hidden_constant`` is true; ``inf`` when it exceeds a float (see ``log2_bits``).
    log2_bits
        log2 of ``bits``, exact even when ``bits`` overflows; ``-inf`` when ``bits`` is 0.
    applies
        Whether the result's conditions hold at these parameters.
    reason
        Why it does not apply (empty when it does).
    hidden_constant
        True when the paper states Ω(·)/O(·): the true bound is ``bits`` times an unknown
        positive constant. False for explicit formulas (Song et al. Thm 4.1, 4.2).
    parameters
        The inputs and the derived quantities (β, the condition's value, bits per agent...).

    Examples
    --------
    >>> Bound("demo", "upper", "d", bits=4.0, log2_bits=2.0).applies
    True
    """

    name: str
    kind: Literal["lower", "upper"]
    formula: str
    bits: float
    log2_bits: float
    applies: bool = True
    reason: str = ""
    hidden_constant: bool = True
    parameters: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        """Return a one-line summary, e.g. ``Korhonen-Alistarh Thm 3 (lower bound): ...``."""
        value = f"{self.bits:.4g} bits" if math.isfinite(self.bits) else f"2^{self.log2_bits:.4g}"
        scale = " × an unknown constant" if self.hidden_constant else ""
        note = "" if self.applies else f" [does not apply: {self.reason}]"
        return f"{self.name} ({self.kind} bound): {self.formula} = {value}{scale}{note}"


def ratio(bits_used: float, bound: Bound) -> float | None:
    """Return ``bits_used / bound.bits``, or None when that ratio says nothing.

    None when the bound does not apply, or its value is 0 or infinite.

    Examples
    --------
    >>> b = Bound("demo", "lower", "d", bits=4.0, log2_bits=2.0)
    >>> ratio(10, b)
    2.5
    >>> ratio(10, Bound("demo", "lower", "d", 4.0, 2.0, applies=False, reason="d small")) is None
    True
    """
    if not (isinstance(bits_used, int | float) and math.isfinite(bits_used) and bits_used >= 0):
        raise ConfigError(
            f"ratio: bits_used = {bits_used!r} is not valid; give a finite number ≥ 0"
        )
    if not bound.applies or bound.bits == 0 or not math.isfinite(bound.bits):
        return None
    return float(bits_used) / bound.bits


def positive(where: str, name: str, value: Any) -> float:
    """Return ``value`` as a float, or refuse it if it is not a positive finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {name} = {value!r} is not valid; give a positive number")
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(
            f"{where}: {name} = {value!r} is not valid; give a positive finite number"
        )
    return float(value)


def count(where: str, name: str, value: Any) -> int:
    """Return ``value`` as an int, or refuse it if it is not a whole number ≥ 1."""
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or value < 1:
        raise ConfigError(f"{where}: {name} = {value!r} is not valid; give a whole number ≥ 1")
    return int(value)


def at_least(where: str, name: str, value: Any, low: float) -> float:
    """Return ``value`` as a float, or refuse it if it is not a finite number ≥ ``low``."""
    number = positive(where, name, value) if low > 0 else _finite(where, name, value)
    if number < low:
        raise ConfigError(f"{where}: {name} = {value!r} is not valid; give a number ≥ {low:g}")
    return number


def _finite(where: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where}: {name} = {value!r} is not valid; give a finite number")
    return float(value)


def log2_plus(x: float) -> float:
    """Return max(log2 x, 1): an upper bound's O(log x) factor, never below one."""
    return max(math.log2(x), 1.0)


def from_log2(log2_value: float) -> float:
    """Return 2**log2_value, ``inf`` past the float range and 0 for ``-inf``."""
    if log2_value > _LOG2_FLOAT_MAX:
        return math.inf
    return 2.0**log2_value


def product_log2(*factors: float) -> float:
    """Return log2 of a product of non-negative factors (``-inf`` if one is 0)."""
    if any(f == 0 for f in factors):
        return -math.inf
    return math.fsum(math.log2(f) for f in factors)
