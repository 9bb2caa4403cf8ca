"""Keeping a long batched stage's memory flat: glibc heap settings and trimming.

A stage that labels millions of segments in batches frees almost everything it allocates for
one batch before the next, yet its resident memory grew with the number of batches while the
memory in use stayed flat (``benchmarks/results/RESULTS.md``, "Label stage memory"): the C
allocator (glibc's ``malloc`` on Linux) kept the freed memory in its heap. Two causes, two
remedies:

- glibc raises its mmap threshold each time a large block is freed (up to 32 MB), so a
  batch's large arrays move into the heap, where longer-lived small blocks land between them
  and the heap cannot shrink. :func:`batch_heap` fixes the threshold at 128 kB for the
  stage, so large arrays get their own maps and go back to the system when freed.
- Free pages inside the heap are kept until ``malloc_trim`` returns them;
  :func:`release_free_memory` calls it after each batch. Dask's workers do the same
  (``distributed``'s "trim memory").

Elsewhere (macOS, Windows, musl) both are no-ops.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

__all__ = ["batch_heap", "release_free_memory"]

#: glibc's ``mallopt`` parameter number for the mmap threshold (``malloc.h``).
M_MMAP_THRESHOLD = -3
#: The threshold glibc starts with, and the most its dynamic threshold rises to (64-bit).
MMAP_THRESHOLD_START = 128 * 1024
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024


def _glibc_function(name: str, argtypes: list[Any]) -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = getattr(libc, name)
    except (OSError, AttributeError):
        return None
    fn.argtypes = argtypes
    fn.restype = ctypes.c_int
    return fn


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or ``None`` where there is none (macOS, Windows, musl)."""
    return _glibc_function("malloc_trim", [ctypes.c_size_t])


@lru_cache(maxsize=1)
def _mallopt() -> Any:
    """glibc's ``mallopt``, or ``None``."""
    return _glibc_function("mallopt", [ctypes.c_int, ctypes.c_int])


@contextlib.contextmanager
def batch_heap(threshold: int = MMAP_THRESHOLD_START) -> Iterator[bool]:
    """Within the block, allocations of ``threshold`` bytes or more are mapped on their own.

    Parameters
    ----------
    threshold
        glibc's mmap threshold inside the block (its starting value by default).

    Yields
    ------
    bool
        Whether the setting could be made (``False`` where there is no glibc ``mallopt``).

    Notes
    -----
    On leaving, the threshold is set to :data:`MMAP_THRESHOLD_MAX`, the most glibc's own
    adjustment raises it to; that adjustment stays off once the threshold has been set.
    """
    mallopt = _mallopt()
    done = bool(mallopt is not None and mallopt(M_MMAP_THRESHOLD, int(threshold)) == 1)
    try:
        yield done
    finally:
        if done:
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)


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
