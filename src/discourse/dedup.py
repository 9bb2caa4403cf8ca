"""Exact duplicate units: the same text (after case and whitespace folding) seen before."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["duplicate_key", "mark_duplicates"]

_WS = re.compile(r"\s+")


def duplicate_key(text: str) -> str:
    """The form in which two texts are compared: NFKC, casefolded, whitespace folded."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def mark_duplicates(ids: Sequence[str], texts: Sequence[str]) -> list[str | None]:
    """For each text, the id of its first earlier exact duplicate, or ``None``."""
    first: dict[str, str] = {}
    out: list[str | None] = []
    for sid, text in zip(ids, texts):
        key = duplicate_key(text)
        if key in first:
            out.append(first[key])
        else:
            first[key] = sid
            out.append(None)
    return out
