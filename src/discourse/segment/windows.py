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


def pack(
    sizes: Sequence[int], min_words: int, max_words: int, target: int | None = None
) -> list[tuple[int, int]]:
    """Group consecutive items (sentences or paragraphs) into windows, never splitting an item.

    A window is closed before an item that would push it past ``max_words`` once it holds
    ``min_words``, and after the item that brings it to ``target`` words (when given). A short
    remainder joins the previous window when that keeps it within ``max_words`` plus half of
    ``min_words``.

    Parameters
    ----------
    sizes
        Word counts of the items, in order.
    min_words, max_words
        Bounds of a window; a single item longer than ``max_words`` is its own window.
    target
        Preferred window size; ``None`` fills windows up to ``max_words``.

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
        if target is not None and total >= max(target, min_words):
            groups.append((start, i + 1))
            start, total = i + 1, 0
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


def balanced_windows(sizes: Sequence[int], min_words: int, max_words: int) -> list[tuple[int, int]]:
    """Split a sequence of sentences into windows of ``min_words`` to ``max_words`` words,
    choosing the break points that keep windows closest to the middle of that range.

    Dynamic programming over break points (deterministic): a window above ``max_words`` (unless
    it is a single over-long item) or below ``min_words`` costs a large penalty, and among
    admissible splits the one with the least squared distance from the midpoint wins. Windows
    of fewer than ``min_words`` only occur when the whole text is shorter or no admissible
    split exists.

    Returns
    -------
    list of (start, end) index ranges into ``sizes``.
    """
    n = len(sizes)
    if n == 0:
        return []
    target = (min_words + max_words) / 2
    prefix = [0]
    for s in sizes:
        prefix.append(prefix[-1] + s)
    inf = float("inf")
    best = [inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for j in range(1, n + 1):
        i = j - 1
        while i >= 0:
            w = prefix[j] - prefix[i]
            if w > 2 * max_words and j - i > 1:
                break
            cost = ((w - target) / target) ** 2
            if w > max_words and j - i > 1:
                cost += 1000.0 + (w - max_words)
            if w < min_words:
                cost += 100.0 + (min_words - w)
            if best[i] + cost < best[j]:
                best[j] = best[i] + cost
                back[j] = i
            i -= 1
    out: list[tuple[int, int]] = []
    j = n
    while j > 0:
        out.append((back[j], j))
        j = back[j]
    return out[::-1]
