"""A small registry of named, versioned parts (readers, labelers, topic models, ...).

Inspired by spaCy's registry: parts are registered under a name with a version, looked up by
name, and an unknown name raises an error listing the valid options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["Registry", "RegistryEntry"]

T = TypeVar("T")


@dataclass(frozen=True)
class RegistryEntry(Generic[T]):
    """A registered part with its name, version and the object itself."""

    name: str
    version: str
    obj: T
    description: str = ""


class Registry(Generic[T]):
    """Named, versioned parts of one kind.

    Parameters
    ----------
    kind
        What the registry holds, used in error messages ("reader", "labeler", ...).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, RegistryEntry[T]] = {}

    def register(self, name: str, version: str = "1", description: str = "") -> Callable[[T], T]:
        """Decorator registering ``obj`` under ``name``; a second registration of a name fails."""

        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = RegistryEntry(name, version, obj, description)
            return obj

        return decorator

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
