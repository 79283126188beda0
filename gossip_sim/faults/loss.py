"""Message loss models and retransmission (ARQ) as registries of specs.

Examples
--------
>>> LOSS_MODELS.create("bernoulli:p=0.1").p
0.1
>>> RETRANSMIT.create("off") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gossip_sim._registry import Registry
from gossip_sim.errors import ConfigError

__all__ = ["LOSS_MODELS", "RETRANSMIT", "Arq", "Bernoulli", "GilbertElliott", "probability"]

LOSS_MODELS: Registry[Any] = Registry("loss model")
RETRANSMIT: Registry[Any] = Registry("retransmission")


def probability(value: Any, what: str) -> float:
    """Return ``value`` as a probability in [0, 1], or refuse it naming ``what``.

    Examples
    --------
    >>> probability(0.25, "loss")
    0.25
    >>> probability(1.5, "loss")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: loss = 1.5 is not a probability; give a number in [0, 1]
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(f"{what} = {value!r} is not a probability; give a number in [0, 1]")
    return float(value)


@dataclass(frozen=True)
class Bernoulli:
    """Each transmission is lost independently with probability ``p``."""

    p: float

    def __post_init__(self) -> None:
        probability(self.p, "loss probability p")


@dataclass(frozen=True)
class GilbertElliott:
    """Bursty loss: a two-state Markov chain per link direction (Gilbert 1960, Elliott 1963).

    In state *good* a transmission is lost with probability ``good``, in *bad* with ``bad``;
    after each transmission the link goes good → bad with probability ``p`` and bad → good
    with probability ``r``. Every link starts good.
    """

    p: float
    r: float
    good: float = 0.0
    bad: float = 1.0

    def __post_init__(self) -> None:
        for name in ("p", "r", "good", "bad"):
            probability(getattr(self, name), f"gilbert-elliott {name}")


@dataclass(frozen=True)
class Arq:
    """Stop-and-wait style retransmission: acknowledge, time out, retry at most ``retries`` times.

    ``timeout`` is seconds, or ``"auto"`` (twice the link's round trip with both messages'
    serialisation); ``ack_bits`` is the size of an acknowledgement (counted in the bits).
    """

    retries: int = 3
    timeout: float | str = "auto"
    ack_bits: int = 64

    def __post_init__(self) -> None:
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise ConfigError(f"arq: retries={self.retries!r} is not valid; give an integer >= 0")
        if self.timeout != "auto" and (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, (int, float))
            or not self.timeout > 0
        ):
            raise ConfigError(
                f"arq: timeout={self.timeout!r} is not valid; give seconds > 0 or 'auto'"
            )
        if (
            isinstance(self.ack_bits, bool)
            or not isinstance(self.ack_bits, int)
            or self.ack_bits < 0
        ):
            raise ConfigError(f"arq: ack_bits={self.ack_bits!r} is not valid; give bits >= 0")


@LOSS_MODELS.register("bernoulli")
def bernoulli(p: float = 0.0) -> Bernoulli:
    """Independent loss of each transmission with probability p (also: --loss P)."""
    return Bernoulli(p)


@LOSS_MODELS.register("gilbert-elliott")
def gilbert_elliott(
    p: float = 0.01, r: float = 0.3, good: float = 0.0, bad: float = 1.0
) -> GilbertElliott:
    """Bursty two-state loss: good->bad w.p. p, bad->good w.p. r; loss good/bad in each state."""
    return GilbertElliott(p, r, good, bad)


@RETRANSMIT.register("off")
def off() -> None:
    """No retransmission: a lost message is lost for good."""
    return None


@RETRANSMIT.register("arq")
def arq(retries: int = 3, timeout: float | str = "auto", ack_bits: int = 64) -> Arq:
    """Acknowledge every message; resend after timeout, at most `retries` times."""
    return Arq(retries, timeout, ack_bits)
