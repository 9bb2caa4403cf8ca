"""Throughput of the rules labeler (regex backend) on a run's segments.

Usage::

    .venv/bin/discourse run -i data/raw -o /tmp/run --config rules.toml   # any run folder
    .venv/bin/python benchmarks/bench_rules.py --input /tmp/run/segments.parquet [--repeat 3]

Prints the number of segments and words, then per run the seconds (wall and CPU) and words/s.
The labeler is warmed up first (spaCy, the lookup tables, the compiled patterns and the language
model load once, outside the timing). Each run uses a new labeler, and the regex backend's cache
of word types is cleared before it, so every run pays for the word types it meets as a first
``discourse run`` would (``--warm`` keeps the cache, as in one process labelling several
batches). Speed targets live here, never in unit tests.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd

from discourse.labels.language import detect_language
from discourse.labels.rules import RuleLabeler

_WARMUP = [
    "No contact is for your own healing, so you can move on.",
    "Stay silent so he misses you and comes back.",
    "El contacto cero es para tu bienestar y para sanar de verdad, no para recuperarlo.",
]


def _clear_type_cache() -> None:
    from discourse.labels import rules

    cache = getattr(rules, "_type_cache", None)
    if cache is not None:
        cache().types.clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--input", required=True, type=Path, help="a segments.parquet")
    ap.add_argument("--column", default="text", help="text column (default: text)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (default: 3)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N segments")
    ap.add_argument("--backend", default="regex", choices=["regex", "spacy"])
    ap.add_argument("--warm", action="store_true", help="keep the word-type cache across runs")
    args = ap.parse_args()

    texts = pd.read_parquet(args.input, columns=[args.column])[args.column].tolist()
    if args.limit is not None:
        texts = texts[: args.limit]
    words = sum(len(str(t).split()) for t in texts if t is not None)
    print(f"segments: {len(texts):,}")
    print(f"words:    {words:,}")

    RuleLabeler(tune=False, backend=args.backend).predict(_WARMUP)
    detect_language(_WARMUP[-1])
    runs = []
    for i in range(args.repeat):
        if not args.warm:
            _clear_type_cache()
        labeler = RuleLabeler(tune=False, backend=args.backend)
        labeler.predict(_WARMUP[:1])  # compile this labeler's patterns outside the timing
        w0, c0 = time.perf_counter(), time.process_time()
        labeler.predict(texts)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        runs.append((wall, cpu))
        print(
            f"run {i + 1}: {wall:.2f} s wall ({words / wall:,.0f} words/s), "
            f"{cpu:.2f} s CPU ({words / cpu:,.0f} words/s)"
        )
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    print(f"seconds:  {wall:.2f} (median wall), {cpu:.2f} (median CPU)")
    print(f"words/s:  {words / wall:,.0f} (wall), {words / cpu:,.0f} (CPU)")


if __name__ == "__main__":
    main()
