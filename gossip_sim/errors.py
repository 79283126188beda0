"""The exceptions gossip-sim raises on purpose.

Every error a user can cause is a :class:`GossipSimError`; the command line prints it as one
line and exits with code 2. Any other exception is a bug in gossip-sim.

Examples
--------
>>> issubclass(gs.errors.ConfigError, ValueError)
True
"""

from __future__ import annotations

__all__ = ["ConfigError", "DecodeError", "DivergenceError", "GossipSimError"]


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
