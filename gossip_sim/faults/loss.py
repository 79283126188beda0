"""Message loss models and retransmission (ARQ) as registries of specs, and their draws.

The specs say what can happen; :class:`LinkLoss` draws, transmission by transmission, what
does happen on each link direction (one random stream per direction); :class:`Tally` is what
the network counts. :class:`gossip_sim.network.Network` plays them on SimPy's clock.

Examples
--------
>>> LOSS_MODELS.create("bernoulli:p=0.1").p
0.1
>>> RETRANSMIT.create("off") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from gossip_sim._random import as_seed, stream
from gossip_sim._registry import Registry
from gossip_sim._typing import SeedLike
from gossip_sim.errors import ConfigError

__all__ = [
    "LOSS_MODELS",
    "RETRANSMIT",
    "Arq",
    "Bernoulli",
    "GilbertElliott",
    "LinkLoss",
    "Tally",
    "probability",
]

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

    @property
    def loss_rate(self) -> float:
        """The long-run share of transmissions lost: ``p``.

        Examples
        --------
        >>> Bernoulli(0.1).loss_rate
        0.1
        """
        return self.p


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

    @property
    def loss_rate(self) -> float:
        """The long-run share of transmissions lost: ``p/(p+r)·bad + r/(p+r)·good``.

        With ``p = 0`` the link never leaves the good state and the rate is ``good``.

        Examples
        --------
        >>> round(GilbertElliott(p=0.01, r=0.3).loss_rate, 4)
        0.0323
        """
        if self.p == 0:
            return self.good
        return (self.p * self.bad + self.r * self.good) / (self.p + self.r)

    @property
    def mean_burst(self) -> float:
        """Mean number of transmissions a bad period lasts: ``1/r`` (inf when ``r = 0``).

        Examples
        --------
        >>> GilbertElliott(p=0.01, r=0.25).mean_burst
        4.0
        """
        return 1 / self.r if self.r > 0 else float("inf")


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


class Tally(NamedTuple):
    """What the network counted (for one round, several, or the whole run).

    Every transmitted copy counts in ``transmissions`` and ``payload_bits``, retransmissions
    included; ``retransmissions`` and ``retransmitted_bits`` are the copies after the first;
    ``lost`` the messages that never reached their receiver; ``acks`` and ``ack_bits`` the
    acknowledgements sent (lost ones included), counted apart from the payload.

    Examples
    --------
    >>> Tally.sum([Tally(transmissions=2, payload_bits=64), Tally(transmissions=1, lost=1)])
    Tally(transmissions=3, payload_bits=64, retransmissions=0, retransmitted_bits=0, lost=1, acks=0, ack_bits=0)
    """  # noqa: E501

    transmissions: int = 0
    payload_bits: int = 0
    retransmissions: int = 0
    retransmitted_bits: int = 0
    lost: int = 0
    acks: int = 0
    ack_bits: int = 0

    @classmethod
    def sum(cls, tallies: Iterable[Iterable[int]]) -> Tally:
        """Return the field-by-field sum of ``tallies`` (an empty sum is all zeros)."""
        totals = [0] * len(cls._fields)
        for tally in tallies:
            for i, value in enumerate(tally):
                totals[i] += value
        return cls(*totals)


_BLOCK = 256  # uniforms drawn at once per link direction; the sequence is the same


class LinkLoss:
    """Whether each transmission on each link direction is lost, drawn from the run's seed.

    Link direction ``link`` draws from ``stream(seed, "loss", link)``, in the order of its
    transmissions. :class:`Bernoulli`: one uniform per transmission, lost when below ``p``.
    :class:`GilbertElliott`: the direction starts good; a transmission is lost when a uniform
    is below the loss probability of the current state, then a second uniform moves the
    state (good → bad below ``p``, bad → good below ``r``).

    Parameters
    ----------
    model : Bernoulli or GilbertElliott
        The loss model.
    seed : int or numpy.random.SeedSequence
        The run's seed (None: one drawn from the OS, kept in :attr:`seed`).

    Examples
    --------
    >>> loss, again = LinkLoss(Bernoulli(0.5), seed=3), LinkLoss(Bernoulli(0.5), seed=3)
    >>> draws = [loss.lost(0) for _ in range(1000)]
    >>> 400 < sum(draws) < 600, draws == [again.lost(0) for _ in draws]
    (True, True)
    """

    def __init__(self, model: Bernoulli | GilbertElliott, seed: SeedLike) -> None:
        if not isinstance(model, (Bernoulli, GilbertElliott)):
            raise ConfigError(
                f"loss = {model!r} is not a loss model; give Bernoulli, GilbertElliott or None"
            )
        self.model = model
        self.seed = as_seed(seed)  # once: a None seed must give every direction one run seed
        self._uniforms: dict[int, _Uniforms] = {}
        self._bad: dict[int, bool] = {}

    def lost(self, link: int) -> bool:
        """Draw whether the next transmission on link direction ``link`` is lost."""
        uniforms = self._uniforms.get(link)
        if uniforms is None:
            uniforms = self._uniforms[link] = _Uniforms(stream(self.seed, "loss", link))
        model = self.model
        if isinstance(model, Bernoulli):
            return uniforms.next() < model.p
        bad = self._bad.get(link, False)
        lost = uniforms.next() < (model.bad if bad else model.good)
        self._bad[link] = uniforms.next() >= model.r if bad else uniforms.next() < model.p
        return lost

    def is_bad(self, link: int) -> bool:
        """Return whether link direction ``link`` is in the bad state now (Gilbert-Elliott).

        Examples
        --------
        >>> LinkLoss(GilbertElliott(p=1.0, r=0.0), seed=0).is_bad(4)
        False
        """
        return self._bad.get(link, False)


class _Uniforms:
    """Uniforms in [0, 1) from one generator, drawn in blocks, handed out one at a time."""

    __slots__ = ("block", "generator", "i")

    def __init__(self, generator: np.random.Generator) -> None:
        self.generator = generator
        self.block: list[float] = []
        self.i = 0

    def next(self) -> float:
        if self.i == len(self.block):
            self.block = self.generator.random(_BLOCK).tolist()
            self.i = 0
        value = self.block[self.i]
        self.i += 1
        return value
