"""A small registry of named, versioned parts (readers, labelers, topic models, ...).

Inspired by spaCy's registry: parts are registered under a name with a version, looked up by
name, and an unknown name raises an error listing the valid options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

__all__ = ["Registry", "RegistryEntry"]

T = TypeVar("T")


@dataclass(frozen=True)
class RegistryEntry(Generic[T]):
    """A registered part with its name, version, the object itself and its capabilities.

    ``capabilities`` are what callers may ask of a part instead of branching on its name
    (for a labeler: ``needs_weights``, ``uses_embeddings``, ...); each registry documents its
    own keys and :meth:`Registry.register` checks them.
    """

    name: str
    version: str
    obj: T
    description: str = ""
    capabilities: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class Registry(Generic[T]):
    """Named, versioned parts of one kind.

    Parameters
    ----------
    kind
        What the registry holds, used in error messages ("reader", "labeler", ...).
    capabilities
        The capability keys every part must declare, with their meaning (``{}``: none).
    """

    def __init__(self, kind: str, capabilities: Mapping[str, str] | None = None) -> None:
        self.kind = kind
        self.capability_keys: dict[str, str] = dict(capabilities or {})
        self._entries: dict[str, RegistryEntry[T]] = {}

    def register(
        self, name: str, version: str = "1", description: str = "", **capabilities: Any
    ) -> Callable[[T], T]:
        """Decorator registering ``obj`` under ``name`` with its ``capabilities``.

        A second registration of a name fails, and so does a capability this registry does
        not know or one it requires that is missing. A registered class gets ``name`` and
        ``version`` as class attributes, so they are declared once, here.
        """
        unknown = sorted(set(capabilities) - set(self.capability_keys))
        missing = sorted(set(self.capability_keys) - set(capabilities))
        if unknown or missing:
            raise ValueError(
                f"{self.kind} {name!r}: capabilities must be exactly "
                f"{sorted(self.capability_keys)} (unknown: {unknown}, missing: {missing})"
            )

        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            caps = MappingProxyType(dict(capabilities))
            self._entries[name] = RegistryEntry(name, version, obj, description, caps)
            if isinstance(obj, type):
                obj.name = name  # type: ignore[attr-defined]
                obj.version = version  # type: ignore[attr-defined]
            return obj

        return decorator

    def capabilities(self, name: str) -> Mapping[str, Any]:
        """The capabilities ``name`` was registered with (an unknown name lists the valid ones)."""
        return self.entry(name).capabilities

    def having(self, **wanted: Any) -> list[str]:
        """Names of the parts whose capabilities match every ``key=value`` in ``wanted``."""
        return [
            n
            for n in self.names()
            if all(self._entries[n].capabilities.get(k) == v for k, v in wanted.items())
        ]

    def get(self, name: str) -> T:
        """Return the part registered as ``name``."""
        return self.entry(name).obj

    def entry(self, name: str) -> RegistryEntry[T]:
        """Return the registry entry for ``name`` (with its version)."""
        try:
            return self._entries[name]
        except KeyError:
            valid = ", ".join(sorted(self._entries)) or "(none registered)"
            raise KeyError(f"unknown {self.kind} {name!r}; valid options: {valid}") from None

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._entries)

    def in_order(self) -> list[str]:
        """All registered names in the order they were registered."""
        return list(self._entries)

    def versions(self) -> dict[str, str]:
        """Name -> version of every registered part (written to the run manifest)."""
        return {name: e.version for name, e in sorted(self._entries.items())}

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return f"Registry({self.kind!r}, {self.names()})"


def describe(registry: Registry[Any]) -> list[tuple[str, str, str]]:
    """(name, version, description) rows for a registry, for ``--help`` style listings."""
    return [
        (e.name, e.version, e.description) for e in (registry.entry(n) for n in registry.names())
    ]
