"""The embedding cache's memory bound and its disk index (a stand-in model, no MiniLM)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from discourse.embeddings import EmbeddingCache, _VectorMemory


class _HashModel:
    """8-dimensional vectors from each text's hash (the same text always gets the same one)."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts, batch_size=64, show_progress_bar=False, convert_to_numpy=True):
        self.calls += 1
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], np.uint8) for t in texts]
        return np.array(rows, dtype=np.float32) + 1.0


TEXTS = [f"text number {i}" for i in range(10)]


def _cache(folder: Path | None, memory_items: int) -> EmbeddingCache:
    return EmbeddingCache(folder, model=_HashModel(), model_id="hash-8", memory_items=memory_items)


def test_memory_holds_at_most_memory_items_vectors(tmp_path: Path) -> None:
    cache = _cache(tmp_path, memory_items=3)
    first = np.vstack([cache.encode(TEXTS[i : i + 2]) for i in range(0, 10, 2)])
    assert len(cache._memory) == 3
    assert cache.stats == {"hits": 0, "computed": 10, "rejected_shards": 0}
    # evicted vectors come back from their shards, not from the model
    again = cache.encode(TEXTS)
    np.testing.assert_array_equal(again, first)
    assert cache.stats == {"hits": 10, "computed": 10, "rejected_shards": 0}
    assert len(cache._memory) == 3
    # one call returns all of its vectors, more than memory holds
    assert cache.encode(TEXTS + TEXTS[:2]).shape == (12, 8)


def test_a_new_process_indexes_the_shards_without_holding_every_vector(tmp_path: Path) -> None:
    first = _cache(tmp_path, memory_items=100).encode(TEXTS)
    fresh = _cache(tmp_path, memory_items=4)
    np.testing.assert_array_equal(fresh.encode(TEXTS[::-1]), first[::-1])
    assert fresh.stats == {"hits": 10, "computed": 0, "rejected_shards": 0}
    assert fresh.model.calls == 0 and len(fresh._memory) == 4
    assert len(fresh._load_index()) == 10


def test_a_shard_edited_after_it_was_indexed_is_not_used(tmp_path: Path) -> None:
    """A shard is verified again each time it is read: one edited between two reads of a run
    is dropped and its texts embedded again."""
    cache = _cache(tmp_path, memory_items=2)
    first = cache.encode(TEXTS[:5])
    cache.encode(TEXTS[5:])  # the first five leave memory
    (shard,) = [
        s
        for s in tmp_path.rglob("shard-*.parquet")
        if cache.key(TEXTS[0]) in pq.read_table(s).column("key").to_pylist()
    ]
    table = pq.read_table(shard)
    pq.write_table(table.slice(0, 4).replace_schema_metadata(table.schema.metadata), shard)
    again = cache.encode(TEXTS[:5])
    np.testing.assert_array_equal(again, first)  # recomputed: same model, same vectors
    assert cache.stats["rejected_shards"] == 1 and cache.stats["computed"] == 15


def test_memory_only_cache_is_bounded_too() -> None:
    cache = _cache(None, memory_items=3)
    first = cache.encode(TEXTS)
    assert len(cache._memory) == 3
    np.testing.assert_array_equal(cache.encode(TEXTS[-3:]), first[-3:])
    assert cache.stats["hits"] == 3
    np.testing.assert_array_equal(cache.encode(TEXTS[:1]), first[:1])  # evicted: embedded again
    assert cache.stats["computed"] == 11


def test_shard_index_lookup_drop_and_shared_digests() -> None:
    from discourse.embeddings import _ShardIndex

    index = _ShardIndex()
    a, b = "0" * 16 + "a" * 48, "0" * 16 + "b" * 48  # the same 64-bit digest
    index.add([a, "f" * 64], 0)
    index.add(["1" * 64], 1)
    assert index.lookup(["1" * 64, "f" * 64, "2" * 64]).tolist() == [1, 0, -1]
    assert index.lookup([b]).tolist() == [0]  # a shard read, whose full keys then decide
    index.drop(1)
    assert index.lookup(["1" * 64]).tolist() == [-1] and len(index) == 3
    assert _ShardIndex().lookup(["1" * 64]).tolist() == [-1]


def test_vector_memory_reuses_one_block_least_recent_first() -> None:
    """Held vectors live in one block allocated once (replacing small arrays one by one
    fragmented the C heap at millions of texts); the least recently used row is reused."""
    memory = _VectorMemory(3)
    assert memory.dim is None and memory.get("a") is None
    vec = {k: np.full(4, i, dtype=np.float32) for i, k in enumerate("abcde")}
    memory.put("abc", [vec[k] for k in "abc"])
    block = memory._rows
    assert memory.dim == 4 and len(memory) == 3
    got = memory.get("a")  # "a" is now the most recent: "b" goes first
    np.testing.assert_array_equal(got, vec["a"])
    got[:] = 99  # a copy: the held vector is unchanged
    np.testing.assert_array_equal(memory.get("a"), vec["a"])
    memory.put(["d", "e"], [vec["d"], vec["e"]])
    assert memory.get("b") is None and memory.get("c") is None
    for k in "ade":
        np.testing.assert_array_equal(memory.get(k), vec[k])
    memory.put(["a"], [vec["e"]])  # a key held again: its row is overwritten, not added
    np.testing.assert_array_equal(memory.get("a"), vec["e"])
    assert len(memory) == 3 and memory._rows is block
    with pytest.raises(ValueError, match="width 5 in a cache of width 4"):
        memory.put(["f"], [np.zeros(5, dtype=np.float32)])
    nothing = _VectorMemory(0)
    nothing.put(["a"], [vec["a"]])
    assert len(nothing) == 0 and nothing.get("a") is None
