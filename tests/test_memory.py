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


_HEAP_CHECK = """
import ctypes, json
from discourse import memory

libc = ctypes.CDLL("libc.so.6")
names = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in names]


libc.mallinfo2.restype = MallInfo2


def mapped_alone():
    before = libc.mallinfo2()
    block = bytearray(before.fordblks + (1 << 20))  # more than any free block of the heaps
    mapped = libc.mallinfo2().hblks > before.hblks
    del block
    return mapped


out = []
with memory.batch_heap() as done:
    out += [done, mapped_alone()]
out.append(mapped_alone())
with memory.batch_heap():
    out.append(mapped_alone())
print(json.dumps(out))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_batch_heap_maps_large_blocks_on_their_own() -> None:
    """glibc grows its heap for a block below its mmap threshold, which after leaving
    batch_heap is 32 MB; inside batch_heap a block of 128 kB or more that the heap's free
    space cannot hold gets its own map. Run in a fresh interpreter, whose heaps hold little
    free memory (the test process's may hold more than the 32 MB this needs)."""
    import ctypes
    import json
    import subprocess

    if memory._mallopt() is None or not hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2"):
        pytest.skip("no glibc mallopt / mallinfo2")
    run = subprocess.run(
        [sys.executable, "-c", _HEAP_CHECK], capture_output=True, text=True, check=True
    )
    inside_set, inside, after, again = json.loads(run.stdout)
    assert inside_set is True
    assert inside is True and again is True  # mapped on its own inside batch_heap
    assert after is False  # from the heap after it


def test_batch_heap_does_nothing_without_mallopt(monkeypatch) -> None:
    monkeypatch.setattr(memory, "_mallopt", lambda: None)
    with memory.batch_heap() as done:
        assert done is False
