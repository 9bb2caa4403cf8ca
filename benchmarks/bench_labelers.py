"""Labelled segments per second of each packaged labeler on the bundled corpus.

Each labeler runs in its own child process (so peak memory is its own), with a cold, in-memory
embedding cache (every segment is embedded, as in a first run), after a warm-up call on five
texts that loads the models. Reported: segments/s, words/s and CPU seconds of the labelling
call, the child process's peak RSS (model loading included), and, with ``--accuracy``, stance
macro-F1 and mean theme F1 on the hand-coded test split (the same numbers ``discourse train``
reports, recomputed with these weights).

Usage::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_labelers.py \\
        [--input data/raw | --segments RUN/segments.parquet] [--labelers rules,combined] \\
        [--before old-combined.json] [--accuracy] [--cache-dir DIR]

``--labelers student`` times the distilled student (issue 21; static embeddings, packaged
weights). ``--cache-dir`` is where derived embedding models (the student's ``minilm-static``)
are stored or built once; the embedding cache itself is always cold for the timed call.

``--before`` takes older ``combined`` weights (e.g. ``git show REV:src/discourse/resources/
models/combined.json``) and times them with today's code, to compare before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _texts(args: argparse.Namespace) -> list[str]:
    import pandas as pd

    if args.segments:
        return pd.read_parquet(args.segments, columns=["text"]).text.tolist()
    from discourse.config import PipelineConfig
    from discourse.pipeline import build_tables, ingest_corpus
    from discourse.privacy import Pseudonymiser

    cfg = PipelineConfig()
    cfg.privacy.salt = "benchmark"
    ingested = ingest_corpus(Path(args.input), cfg)
    _, segments, _ = build_tables(ingested, cfg, Pseudonymiser("benchmark", cfg.privacy))
    return segments.column("text").to_pylist()


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_one(
    name: str, weights: str | None, texts: list[str], accuracy: bool, cache_dir: str | None = None
) -> dict:
    """Time one labeler on ``texts`` (in this process)."""
    from discourse.labels.stage import build_labeler

    labeler = build_labeler(name, weights=weights, cache_dir=cache_dir)
    labeler.predict(texts[:5])
    if hasattr(labeler, "embedder") and labeler.embedder is not None:
        from discourse.embeddings import EmbeddingCache

        # cold cache: a fresh in-memory cache on the already loaded model
        old = labeler.embedder
        labeler.embedder = EmbeddingCache(None, model=old.model, model_id=old.model_id)
    words = sum(len(t.split()) for t in texts)
    c0, t0 = _cpu(), time.perf_counter()
    labeler.predict(texts)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    out = {
        "labeler": name if weights is None else f"{name} ({Path(weights).name})",
        "segments": len(texts),
        "words": words,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "segments_per_s": round(len(texts) / wall, 1),
        "words_per_s": round(words / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if accuracy:
        from discourse.annotations import load_annotations
        from discourse.codebook import load_codebook
        from discourse.labels.evaluate import evaluate

        cb = load_codebook()
        gold = load_annotations(Path("data/annotations"), cb).gold()
        test = gold[gold.split == "test"].reset_index(drop=True)
        ev = evaluate(test, labeler.predict(test.text.tolist()).reset_index(drop=True), cb)
        out["test_stance_macro_f1"] = round(ev.stance.macro_f1, 3)
        out["test_mean_theme_f1"] = round(ev.mean_theme_f1, 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", default="data/raw")
    ap.add_argument("--segments", default=None, help="a run's segments.parquet instead")
    ap.add_argument("--labelers", default="rules,embed-logreg,combined")
    ap.add_argument("--before", default=None, help="older combined weights to time as well")
    ap.add_argument("--accuracy", action="store_true", help="also score the test split")
    ap.add_argument("--output", default=None, help="write the results as JSON here")
    ap.add_argument("--cache-dir", default=None, help="where derived embedding models live")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--weights", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--texts-file", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:  # child process
        texts = json.loads(Path(args.texts_file).read_text(encoding="utf-8"))
        print(json.dumps(run_one(args.one, args.weights, texts, args.accuracy, args.cache_dir)))
        return
    import tempfile

    texts = _texts(args)
    jobs = [(n, None) for n in args.labelers.split(",")]
    if args.before:
        jobs.append(("combined", args.before))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        for name, weights in jobs:
            cmd = [sys.executable, __file__, "--one", name, "--texts-file", str(texts_file)]
            cmd += ["--weights", weights] if weights else []
            cmd += ["--accuracy"] if args.accuracy else []
            cmd += ["--cache-dir", args.cache_dir] if args.cache_dir else []
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), flush=True)
    cols = list(results[0])
    for r in results:
        cols += [c for c in r if c not in cols]
    print("\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in results:
        print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
