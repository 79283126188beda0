"""Name → constructor registries shared by the CLI, scenario files and ``list`` output.

A registry maps a name (``"ring"``, ``"qsgd"``, ``"metropolis-hastings"``) to a callable.
Names are written with hyphens; underscores are accepted on lookup. A *spec* string names an
entry with parameters, ``"qsgd:s=16,packing=elias"``, so that the CLI and TOML files can say
everything in one word.

Examples
--------
>>> reg = Registry("shape")
>>> @reg.register("square")
... def square(side: float = 1.0):
...     '''A square.'''
...     return side * side
>>> reg.create("square:side=3")
9
>>> reg.get("sqare")
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: unknown shape 'sqare'; valid: square (did you mean 'square'?)
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gossip_sim.errors import ConfigError

__all__ = ["Entry", "Registry", "format_spec", "parse_spec"]

T = TypeVar("T", bound=Callable[..., Any])

#: Parameters the run supplies itself (not settable in a spec); listings leave them out.
SUPPLIED = frozenset({"graph", "W", "problem", "n_agents"})


@dataclass(frozen=True)
class Entry:
    """One registered name: its callable, parameters (name → default) and one-line summary."""

    name: str
    func: Callable[..., Any]
    parameters: dict[str, Any]
    summary: str

    def describe(self) -> str:
        """Return ``name(p=default, ...)  summary`` for listings.

        Examples
        --------
        >>> Entry("ring", print, {"k": 1}, "A ring.").describe()
        'ring(k=1)  A ring.'
        """
        params = ", ".join(
            p if d is inspect.Parameter.empty else f"{p}={d!r}"
            for p, d in self.parameters.items()
            if p not in SUPPLIED
        )
        return f"{self.name}({params})  {self.summary}".rstrip()


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _coerce(text: str) -> Any:
    """Turn a spec value into bool, int, float or leave it a string."""
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split ``"name:key=value,key=value"`` into the name and a dict of typed values.

    Examples
    --------
    >>> parse_spec("qsgd:s=16,packing=elias")
    ('qsgd', {'s': 16, 'packing': 'elias'})
    >>> parse_spec("topk:k=0.01")
    ('topk', {'k': 0.01})
    """
    name, _, rest = spec.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ConfigError(
                f"cannot read {item!r} in {spec!r}; write parameters as name:key=value,key=value"
            )
        params[key.strip().replace("-", "_")] = _coerce(value)
    return _normalise(name), params


def format_spec(name: str, params: dict[str, Any]) -> str:
    """Inverse of :func:`parse_spec`.

    Examples
    --------
    >>> format_spec("qsgd", {"s": 16})
    'qsgd:s=16'
    """
    if not params:
        return name
    return name + ":" + ",".join(f"{k}={v}" for k, v in params.items())


class Registry(Generic[T]):
    """A named collection of constructors of one kind (topologies, compressors, ...)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, **attributes: Any) -> Callable[[T], T]:
        """Return a decorator that registers a callable under ``name``.

        ``attributes`` are set on the callable (e.g. ``coordinator=True`` for algorithms).
        """
        key = _normalise(name)

        def decorator(func: T) -> T:
            if key in self._entries:
                raise ConfigError(
                    f"{self.kind} {key!r} is registered twice; give the new one another name"
                )
            signature = inspect.signature(func)
            parameters = {
                p.name: p.default
                for p in signature.parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            }
            doc = inspect.getdoc(func) or ""
            summary = doc.split("\n\n")[0].replace("\n", " ")
            self._entries[key] = Entry(key, func, parameters, summary)
            for attribute, value in attributes.items():
                setattr(func, attribute, value)
            return func

        return decorator

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        return sorted(self._entries)

    def entries(self) -> list[Entry]:
        """Return every entry, sorted by name."""
        return [self._entries[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _normalise(name) in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, name: str) -> Entry:
        """Return the entry called ``name``, or refuse with the valid names and a suggestion."""
        key = _normalise(name)
        if key in self._entries:
            return self._entries[key]
        message = f"unknown {self.kind} {name!r}; valid: {', '.join(self.names())}"
        close = difflib.get_close_matches(key, self.names(), n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        raise ConfigError(message)

    def get(self, name: str) -> T:
        """Return the callable registered as ``name``."""
        return self.entry(name).func  # type: ignore[return-value]

    def check_params(self, name: str, params: dict[str, Any]) -> None:
        """Refuse parameters that the entry ``name`` does not take, listing those it does."""
        entry = self.entry(name)
        accepts_any = any(
            p.kind is p.VAR_KEYWORD for p in inspect.signature(entry.func).parameters.values()
        )
        unknown = sorted(set(params) - set(entry.parameters))
        if unknown and not accepts_any:
            valid = ", ".join(entry.parameters) or "none"
            raise ConfigError(
                f"{self.kind} {entry.name!r} has no parameter {unknown[0]!r}; valid: {valid}"
            )

    def create(self, spec: str, /, **extra: Any) -> Any:
        """Call the entry named in ``spec`` with the spec's parameters plus ``extra``.

        Parameters given in ``spec`` override those in ``extra``.
        """
        name, params = parse_spec(spec)
        self.check_params(name, params)
        return self.get(name)(**{**extra, **params})
