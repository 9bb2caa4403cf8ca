"""Per-stage throughput on the bundled corpus (words per second, peak memory).

Usage::

    .venv/bin/python benchmarks/bench_stages.py [--input data/raw] [--repeat 3]

Speed targets live here, never in unit tests. Issue #6 extends this to scale corpora and a
naive reference pipeline.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas as pd

from discourse.config import PipelineConfig
from discourse.labels.rules import RuleLabeler
from discourse.pipeline import build_tables, ingest_corpus
from discourse.privacy import Pseudonymiser


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default="data/raw")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cfg = PipelineConfig()
    cfg.privacy.salt = "benchmark"
    rows = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        ingested = ingest_corpus(Path(args.input), cfg)
        t1 = time.perf_counter()
        _, segments, _ = build_tables(ingested, cfg, Pseudonymiser("benchmark", cfg.privacy))
        t2 = time.perf_counter()
        texts = segments.column("text").to_pylist()
        words = sum(len(t.split()) for t in texts)
        labeler = RuleLabeler(tune=False)
        labeler.predict(texts[:5])  # load spaCy, lookups and language model once
        t3 = time.perf_counter()
        labeler.predict(texts)
        t4 = time.perf_counter()
        rows.append(
            {
                "words": words,
                "ingest_s": t1 - t0,
                "clean_segment_privacy_s": t2 - t1,
                "rules_label_s": t4 - t3,
                "ingest_wps": words / (t1 - t0),
                "clean_segment_wps": words / (t2 - t1),
                "rules_label_wps": words / (t4 - t3),
                "ingest_to_label_wps": words / ((t2 - t0) + (t4 - t3)),
            }
        )
    df = pd.DataFrame(rows)
    best = df.median()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {args.input}, {int(best['words'])} words, median of {args.repeat} runs")
    for col in ("ingest_wps", "clean_segment_wps", "rules_label_wps", "ingest_to_label_wps"):
        print(f"{col:>22}: {best[col]:>10,.0f} words/s")
    print(f"{'peak RSS':>22}: {peak_mb:>10,.0f} MB")


if __name__ == "__main__":
    main()
