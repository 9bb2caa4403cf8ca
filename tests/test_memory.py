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


def _mallinfo2() -> dict[str, int] | None:
    """glibc's ``mallinfo2()`` (``hblks``: blocks mapped on their own; ``fordblks``: free
    bytes in the heaps)."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    if not hasattr(libc, "mallinfo2"):
        return None
    names = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in names.split(" ")]

    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    return {name: int(getattr(info, name)) for name in names.split(" ")}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_batch_heap_maps_large_blocks_on_their_own() -> None:
    """glibc grows its heap for a block below its mmap threshold, which after leaving
    batch_heap is 32 MB; inside batch_heap a block of 128 kB or more that the heap's free
    space cannot hold gets its own map."""
    if memory._mallopt() is None or _mallinfo2() is None:
        pytest.skip("no glibc mallopt / mallinfo2")

    def mapped_alone() -> bool:
        before = _mallinfo2()
        size = before["fordblks"] + (1 << 20)  # more than any free block of the heaps
        if size >= memory.MMAP_THRESHOLD_MAX - (1 << 20):
            pytest.skip("the heaps hold too much free memory for this check")
        block = bytearray(size)
        mapped = _mallinfo2()["hblks"] > before["hblks"]
        del block
        return mapped

    with memory.batch_heap() as done:
        assert done is True
        assert mapped_alone()
    assert not mapped_alone()
    with memory.batch_heap():
        assert mapped_alone()


def test_batch_heap_does_nothing_without_mallopt(monkeypatch) -> None:
    monkeypatch.setattr(memory, "_mallopt", lambda: None)
    with memory.batch_heap() as done:
        assert done is False
