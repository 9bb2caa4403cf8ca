"""Returning freed memory to the system between batches."""

from __future__ import annotations

import sys

import pytest

from discourse import memory


def test_release_free_memory_runs_where_glibc_is() -> None:
    done = memory.release_free_memory()
    if sys.platform.startswith("linux") and memory._malloc_trim() is not None:
        assert done is True
    else:
        assert done is False


def test_release_free_memory_does_nothing_without_malloc_trim(monkeypatch) -> None:
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    assert memory.release_free_memory() is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_release_free_memory_lowers_the_resident_heap() -> None:
    """Free 200 MB in small blocks under one block still in use at the heap's top: glibc
    keeps the free pages until ``malloc_trim`` returns them."""
    if memory._malloc_trim() is None:
        pytest.skip("no malloc_trim (not glibc)")

    def rss_kb() -> int:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))

    blocks = [bytearray(4096) for _ in range(50_000)]  # 200 MB, malloc'd (above 512 bytes)
    keep = bytearray(4096)  # noqa: F841 - stays in use above the freed blocks
    for b in blocks:
        b[::512] = b"x" * 8  # touch every page
    del blocks
    before = rss_kb()
    memory.release_free_memory()
    after = rss_kb()
    assert before - after > 100_000, (before, after)
