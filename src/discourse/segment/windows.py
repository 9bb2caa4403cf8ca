"""Grouping sentences into windows, and paragraphs into paragraph groups."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["pack", "split_long"]


def split_long(text: str, max_words: int) -> list[str]:
    """Split a run-on sentence longer than ``max_words`` into pieces of at most about half of it,
    preferring to cut after a comma or semicolon."""
    words = text.split()
    if len(words) <= max_words:
        return [text]
    target = max(1, max_words // 2)
    pieces: list[str] = []
    cur: list[str] = []
    for w in words:
        cur.append(w)
        at_pause = w.endswith((",", ";", ":", "-", "—"))
        if (len(cur) >= target and at_pause) or len(cur) >= max_words:
            pieces.append(" ".join(cur))
            cur = []
    if cur:
        if pieces and len(cur) < target // 2 and len(pieces[-1].split()) + len(cur) <= max_words:
            pieces[-1] = pieces[-1] + " " + " ".join(cur)
        else:
            pieces.append(" ".join(cur))
    return pieces


def pack(sizes: Sequence[int], min_words: int, max_words: int) -> list[tuple[int, int]]:
    """Group consecutive items (sentences or paragraphs) into windows of ``min_words`` to
    ``max_words`` words, never splitting an item.

    Greedy: a window is closed when the next item would push it past ``max_words`` and it already
    has ``min_words``; a short remainder joins the previous window when that keeps it within
    ``max_words`` plus half of ``min_words``.

    Returns
    -------
    list of (start, end) index ranges into ``sizes``.
    """
    groups: list[tuple[int, int]] = []
    start, total = 0, 0
    for i, n in enumerate(sizes):
        if i > start and total + n > max_words and total >= min_words:
            groups.append((start, i))
            start, total = i, 0
        total += n
    if start < len(sizes):
        if groups and total < min_words:
            prev_start, _ = groups[-1]
            prev_total = sum(sizes[prev_start:start])
            if prev_total + total <= max_words + min_words // 2:
                groups[-1] = (prev_start, len(sizes))
                return groups
        groups.append((start, len(sizes)))
    return groups


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends like a finished sentence (used to spot headings and lead-ins)."""
    return bool(re.search(r"[.!?…\"')\]”’]\s*$", text))
