"""Exact duplicate units: the same text (after case and whitespace folding) seen before."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Sequence

__all__ = ["DuplicateMarker", "duplicate_digest", "duplicate_key", "mark_duplicates"]

_WS = re.compile(r"\s+")


def duplicate_key(text: str) -> str:
    """The form in which two texts are compared: NFKC, casefolded, whitespace folded."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def duplicate_digest(key: str) -> bytes:
    """The 16-byte BLAKE2b digest of a duplicate key (what :class:`DuplicateMarker` keeps)."""
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class DuplicateMarker:
    """Remembers the first id seen for each duplicate key (texts must come in corpus order).

    The state grows with the corpus, so it is kept compact: for each distinct key, its 16-byte
    BLAKE2b digest (not the text) and the position of the first id in one byte buffer of ids
    (UTF-8, with an array of end offsets), about 150 bytes per distinct key instead of the key
    text and an id string. Two different keys are taken as equal only if their 128-bit digests
    collide: with ``n`` distinct keys the chance of any collision is about ``n**2 / 2**129``
    (below ``1e-25`` for ten million segments), which we accept as exact.
    """

    def __init__(self) -> None:
        self._first: dict[bytes, int] = {}
        self._ids = bytearray()
        self._ends = array("Q")

    def __len__(self) -> int:
        return len(self._first)

    def _id(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._ids[start : self._ends[index]].decode("utf-8", "surrogatepass")

    def first_of(self, key: str, sid: str) -> str | None:
        """The id of the first earlier unit with ``key``, or ``None`` (and ``sid`` is recorded)."""
        digest = duplicate_digest(key)
        index = self._first.get(digest)
        if index is None:
            self._first[digest] = len(self._ends)
            self._ids += sid.encode("utf-8", "surrogatepass")
            self._ends.append(len(self._ids))
            return None
        first = self._id(index)
        return None if first == sid else first


def mark_duplicates(ids: Sequence[str], texts: Sequence[str]) -> list[str | None]:
    """For each text, the id of its first earlier exact duplicate, or ``None``."""
    marker = DuplicateMarker()
    return [marker.first_of(duplicate_key(text), sid) for sid, text in zip(ids, texts)]
