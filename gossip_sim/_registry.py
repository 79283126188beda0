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

Every spec is checked the same way (:meth:`Registry.check_params`): a parameter the
constructor does not name is refused with the ones it does, and so is a parameter the caller
supplies itself. A run supplies the objects it builds (``graph``, ``W``, ``problem``,
``n_agents``) and its own settings where a constructor takes them (``seed`` everywhere;
``dim`` for problems; ``compressor`` and ``gamma`` for algorithms): those have one place, the
run's setting, so ``choco-gossip:gamma=0.5`` is refused in a run (give ``gamma = 0.5``) and the
tables record the value used.

>>> reg.create("square:side=3", side=2)
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: shape 'square': 'side' is supplied by the run (its setting 'side'), not by the spec; the spec's parameters: none
>>> reg.create("square:sides=3")
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: shape 'square' has no parameter 'sides'; valid: side (did you mean 'side'?)

Facts declared at registration (``Registry("algorithm", facts={"coordinator": False})``, then
``@ALGORITHMS.register("x", coordinator=True)``) say what an entry is, so that no other module
keeps a list of names:

>>> algs = Registry("algorithm", facts={"coordinator": False})
>>> _ = algs.register("hub", coordinator=True)(lambda graph: None)
>>> _ = algs.register("ring")(lambda graph: None)
>>> algs.entry("hub").facts["coordinator"], algs.names_where(coordinator=True)
(True, ['hub'])
"""  # noqa: E501

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from gossip_sim.errors import ConfigError

__all__ = ["RUN_SETTING", "SUPPLIED", "Entry", "Registry", "format_spec", "parse_spec"]

T = TypeVar("T", bound=Callable[..., Any])

#: Parameters the run supplies itself (not settable in a spec); listings leave them out.
SUPPLIED = frozenset({"graph", "W", "problem", "n_agents"})

#: The run setting a supplied parameter comes from (for messages); others keep their name.
RUN_SETTING = {"graph": "topology", "W": "mixing", "n_agents": "agents"}


@dataclass(frozen=True)
class Entry:
    """One registered name: its callable, parameters (name → default), one-line summary and facts.

    ``facts`` are what the registration declares about the entry (e.g. an algorithm's
    ``coordinator``), with the registry's defaults for those it leaves out.
    """

    name: str
    func: Callable[..., Any]
    parameters: dict[str, Any]
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    supplied: frozenset[str] = SUPPLIED  # parameters the run gives: listings leave them out

    def takes(self, parameter: str) -> bool:
        """Return whether the constructor names ``parameter``.

        Examples
        --------
        >>> Entry("ring", print, {"k": 1}, "A ring.").takes("k")
        True
        """
        return parameter in self.parameters

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
            if p not in self.supplied
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
    """A named collection of constructors of one kind (topologies, compressors, ...).

    ``facts`` declares the facts an entry of this kind may state at registration, with their
    defaults; a registration stating another fact is refused (a misspelt fact would otherwise
    be silently ignored). A registry without declared facts takes any.
    """

    def __init__(
        self, kind: str, *, facts: dict[str, Any] | None = None, supplied: Iterable[str] = ()
    ) -> None:
        self.kind = kind
        self.fact_defaults: dict[str, Any] = dict(facts or {})
        #: Parameters the run always gives this kind (besides :data:`SUPPLIED`): not in specs.
        self.supplied = SUPPLIED | frozenset(supplied)
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, **facts: Any) -> Callable[[T], T]:
        """Return a decorator that registers a callable under ``name``.

        ``facts`` say what the entry is (e.g. ``coordinator=True`` for algorithms); they are
        kept on the entry (:attr:`Entry.facts`) and set as attributes of the callable.
        """
        key = _normalise(name)
        unknown = sorted(set(facts) - set(self.fact_defaults)) if self.fact_defaults else []
        if unknown:
            raise ConfigError(
                f"{self.kind} {key!r}: unknown fact {unknown[0]!r}; valid: "
                f"{', '.join(self.fact_defaults)}"
            )

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
            stated = {**self.fact_defaults, **facts}
            self._entries[key] = Entry(key, func, parameters, summary, stated, self.supplied)
            for attribute, value in facts.items():
                setattr(func, attribute, value)
            return func

        return decorator

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        return sorted(self._entries)

    def names_where(self, **facts: Any) -> list[str]:
        """Return the sorted names of the entries whose facts equal every one given.

        Examples
        --------
        >>> from gossip_sim.compress import COMPRESSORS
        >>> COMPRESSORS.names_where(randomised=True)
        ['qsgd', 'randk']
        """
        return [
            e.name for e in self.entries() if all(e.facts.get(k) == v for k, v in facts.items())
        ]

    def names_taking(self, parameter: str) -> list[str]:
        """Return the sorted names of the entries whose constructor takes ``parameter``.

        Examples
        --------
        >>> from gossip_sim.algorithms import ALGORITHMS
        >>> ALGORITHMS.names_taking("compressor")[:3]
        ['beer', 'choco-gossip', 'choco-sgd']
        """
        return [e.name for e in self.entries() if e.takes(parameter)]

    def choices_text(self, names: list[str] | None = None, last: str = ", ") -> str:
        """Return the names (all, or those given) as one phrase for help texts and messages.

        Examples
        --------
        >>> from gossip_sim.topology import LINK_PROFILES
        >>> LINK_PROFILES.choices_text()
        'datacenter, edge, lan, wan'
        >>> LINK_PROFILES.choices_text(["lan", "wan", "edge"], last=" or ")
        'lan, wan or edge'
        """
        chosen = self.names() if names is None else list(names)
        if len(chosen) < 2:
            return "".join(chosen)
        return ", ".join(chosen[:-1]) + last + chosen[-1]

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

    def check_params(
        self, name: str, params: dict[str, Any], supplied: Iterable[str] = ()
    ) -> None:
        """Refuse spec parameters that the entry ``name`` does not take, or that are supplied.

        The one check every spec goes through. A spec may set only the parameters the
        constructor names (a ``**kwargs`` does not make it accept any), minus those the
        caller ``supplied`` and :data:`SUPPLIED`: a value the run gives has one place, the
        run's setting. Messages list the parameters the spec may set.
        """
        entry = self.entry(name)
        taken = set(supplied) | self.supplied
        valid = [p for p in entry.parameters if p not in taken]
        for key in params:
            if key in taken and key in entry.parameters:
                raise ConfigError(
                    f"{self.kind} {entry.name!r}: {key!r} is supplied by the run (its setting "
                    f"{RUN_SETTING.get(key, key)!r}), not by the spec; the spec's parameters: "
                    f"{', '.join(valid) or 'none'}"
                )
            if key not in valid:
                message = (
                    f"{self.kind} {entry.name!r} has no parameter {key!r}; "
                    f"valid: {', '.join(valid) or 'none'}"
                )
                close = difflib.get_close_matches(key, valid, n=1)
                raise ConfigError(message + (f" (did you mean {close[0]!r}?)" if close else ""))

    def create(self, spec: str, /, *args: Any, **supplied: Any) -> Any:
        """Call the entry named in ``spec`` with ``args``, the spec's parameters and ``supplied``.

        ``supplied`` are the values the caller (the run) gives; the spec may not set them too
        (:meth:`check_params`). Those the constructor does not name are left out, so a run can
        offer its seed to every topology and only the random ones take it.
        """
        name, params = parse_spec(spec)
        self.check_params(name, params, supplied)
        entry = self.entry(name)
        offered = {k: v for k, v in supplied.items() if entry.takes(k)}
        return entry.func(*args, **offered, **params)
