"""Memory of two parts of the label stage on their own, at 3M segments (issue 21).

The label stage's RSS grows by about 1.35 GB per million segments (benchmarks/results/
RESULTS.md, "3M segments with the default labeler"). This script runs two suspects alone, in
150 batches of 20k (3M in all), and prints the process's RSS as it goes:

* ``index``: the embedding cache's shard index (``discourse.embeddings._ShardIndex``), each
  batch looked up and then added, as a cold run does;
* ``counts``: the per-document stance counts (``StanceCounts``), about 4,800 documents of
  mostly 4 segments a batch, then the final profiles.

Usage::

    python benchmarks/label_memory_suspects.py [index|counts|both]

Measured here (2 cores, 2026-12-07): index +96 MB at 3M keys; counts +90 MB, and +114 MB more
for the profiles of 600,000 documents. Neither explains the stage's growth.
"""

from __future__ import annotations

import hashlib
import sys

import numpy as np
import pandas as pd

BATCHES, BATCH = 150, 20_000


def rss_mb() -> int:
    """This process's resident set size in MB (psutil, as bench_scale.py samples it)."""
    import psutil

    return psutil.Process().memory_info().rss // 2**20


def index_loop() -> None:
    from discourse.embeddings import _ShardIndex

    index, start = _ShardIndex(), rss_mb()
    for b in range(BATCHES):
        keys = [hashlib.sha256(f"{b}-{i}".encode()).hexdigest() for i in range(BATCH)]
        index.lookup(keys)
        index.add(keys, b)
        if b % 25 == 0 or b == BATCHES - 1:
            print(f"index batch {b}: rss {rss_mb()} MB (+{rss_mb() - start}), keys {len(index)}")


def counts_loop() -> None:
    from discourse.labels.stage import StanceCounts

    counts, start = StanceCounts(), rss_mb()
    rng = np.random.default_rng(0)
    stances = np.array(["strategic", "self-healing", "autonomy-first", "none"])
    for b in range(BATCHES):
        docs = np.repeat([f"D-{b:04d}{i:06d}abcdef" for i in range(4817)], 5)[:BATCH]
        frame = pd.DataFrame(
            {
                "doc_id": docs,
                "source_type": rng.choice(["post", "comment", "article", "transcript"], BATCH),
                "boilerplate": False,
                "duplicate_of": None,
            }
        )
        counts.add(frame, rng.choice(stances, BATCH))
        if b % 25 == 0 or b == BATCHES - 1:
            print(f"counts batch {b}: rss {rss_mb()} MB (+{rss_mb() - start})")
    by_doc, _ = counts.profiles()
    print(f"profiles of {len(by_doc)} documents: rss {rss_mb()} MB (+{rss_mb() - start})")


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    if which in ("index", "both"):
        index_loop()
    if which in ("counts", "both"):
        counts_loop()
