"""The exceptions gossip-sim raises on purpose.

Every error a user can cause is a :class:`GossipSimError`; the command line prints it as one
line and exits with code 2. Any other exception is a bug in gossip-sim; in a sweep it stops the
sweep as a :class:`RunBug` (exit code 3).

Examples
--------
>>> issubclass(gs.errors.ConfigError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DecodeError",
    "DivergenceError",
    "GossipSimError",
    "GossipSimWarning",
    "RunBug",
]


class GossipSimError(Exception):
    """Base class of every error gossip-sim raises on purpose."""


class ConfigError(GossipSimError, ValueError):
    """A parameter, name, file or scenario key is not valid; the message says what would be."""


class DivergenceError(GossipSimError):
    """A run produced NaN/inf or an error growing past a bound; the trace up to then is kept."""

    def __init__(self, message: str, trace: object | None = None) -> None:
        super().__init__(message)
        self.trace = trace


class DecodeError(GossipSimError):
    """A payload cannot be decoded to the value the sender meant (e.g. outside a lattice radius)."""


class GossipSimWarning(UserWarning):
    """Input gossip-sim accepts but not the way its user may expect (e.g. attributes it ignores).

    The run goes on. The command line prints it as one line, ``gossip-sim: warning: ...``, on
    stderr; in Python it is an ordinary warning (:mod:`warnings` filters it by this class).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("a note", gs.errors.GossipSimWarning, stacklevel=1)
    >>> caught[0].category.__name__, str(caught[0].message)
    ('GossipSimWarning', 'a note')
    """


class RunBug(Exception):
    """A run of a sweep raised an exception that is no :class:`GossipSimError`: a bug.

    Not a :class:`GossipSimError` on purpose: only those mark a run as failed and let a sweep
    go on. This one stops the sweep; its text gives the run's number, parameters and settings
    (the JSON ``gossip-sim --config`` reads, to rerun it alone) and the run's traceback. The
    command line prints it and exits with code 3.

    Examples
    --------
    >>> bug = RunBug(4, {"agents": 5}, {"topology": "ring"}, "Traceback ...")
    >>> print(str(bug).splitlines()[0])
    run 4 (agents=5) raised an error that is a bug in gossip-sim, so the sweep stopped
    """

    def __init__(
        self, index: int, params: dict[str, object], settings: dict[str, object], traceback: str
    ) -> None:
        super().__init__(index, params, settings, traceback)
        self.index, self.params, self.settings, self.traceback = index, params, settings, traceback

    def __str__(self) -> str:
        import json

        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return (
            f"run {self.index} ({params}) raised an error that is a bug in gossip-sim, so the "
            f"sweep stopped\nits settings (a config file for gossip-sim --config): "
            f"{json.dumps(self.settings)}\n{self.traceback.rstrip()}"
        )
