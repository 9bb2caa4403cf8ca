"""Giving freed memory back to the operating system between the batches of a long stage.

A stage that labels millions of segments in batches frees almost everything it allocates for
one batch before the next. The C allocator (glibc's ``malloc`` on Linux) keeps much of that
freed memory in its heap instead of returning it, and the heap's free space grew by about
20 MB a 20k-segment batch in the label stage (``benchmarks/results/RESULTS.md``, "Label
stage memory"), while the memory in use stayed flat. ``malloc_trim(0)`` returns the free
pages; Dask's workers call it for the same reason (``distributed``'s "trim memory").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache
from typing import Any

__all__ = ["release_free_memory"]


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or ``None`` where there is none (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the C heap's free pages to the operating system.

    Returns
    -------
    bool
        Whether the allocator could do it (``False`` where ``malloc_trim`` does not exist;
        nothing is done there).
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
