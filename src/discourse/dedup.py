"""Exact duplicate units: the same text (after case and whitespace folding) seen before."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["DuplicateMarker", "duplicate_key", "mark_duplicates"]

_WS = re.compile(r"\s+")


def duplicate_key(text: str) -> str:
    """The form in which two texts are compared: NFKC, casefolded, whitespace folded."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


class DuplicateMarker:
    """Remembers the first id seen for each duplicate key (texts must come in corpus order)."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}

    def first_of(self, key: str, sid: str) -> str | None:
        """The id of the first earlier unit with ``key``, or ``None`` (and ``sid`` is recorded)."""
        first = self._first.setdefault(key, sid)
        return None if first == sid else first


def mark_duplicates(ids: Sequence[str], texts: Sequence[str]) -> list[str | None]:
    """For each text, the id of its first earlier exact duplicate, or ``None``."""
    marker = DuplicateMarker()
    return [marker.first_of(duplicate_key(text), sid) for sid, text in zip(ids, texts)]
