"""Topic-stage timings on a finished run (embeddings from its cache; no unit test times this).

Usage::

    .venv/bin/python benchmarks/bench_topics.py --run data/processed [--seeds 5]

Prints seconds per BERTopic fit and per baseline fit, and the whole stage (all seeds, metrics,
outputs) as `discourse run` does it, on the run's segments.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from discourse.config import PipelineConfig
from discourse.embeddings import EmbeddingCache
from discourse.topics.stage import topics_stage


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="data/processed")
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    run = Path(args.run)
    segments = pd.read_parquet(run / "segments.parquet")
    labels_path = run / "labels.parquet"
    labels = pd.read_parquet(labels_path) if labels_path.is_file() else None
    cfg = PipelineConfig()
    cfg.topics.stability_seeds = args.seeds
    cache = EmbeddingCache(cfg.cache_dir(run))
    stamps: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        info = topics_stage(
            segments,
            labels,
            cfg,
            tmp,
            embedder=cache,
            progress=lambda m: stamps.append((m, time.perf_counter())),
        )
        total = time.perf_counter() - t0
    stamps.append(("end", time.perf_counter()))
    per = pd.DataFrame(
        [
            {"step": a[0].split(" seed")[0], "seconds": b[1] - a[1]}
            for a, b in zip(stamps, stamps[1:])
            if " seed " in a[0]
        ]
    )
    n = info["n_segments_modelled"]
    print(f"run: {run}, {n} segments modelled, {args.seeds} seeds")
    print(f"embeddings: {cache.stats['hits']} cached, {cache.stats['computed']} computed")
    for step, grp in per.groupby("step"):
        print(
            f"{step:>10}: median {grp.seconds.median():6.2f} s per fit "
            f"(first {grp.seconds.iloc[0]:.2f} s)"
        )
    print(f"{'stage':>10}: {total:6.2f} s in all ({n / total:,.0f} segments/s)")


if __name__ == "__main__":
    main()
