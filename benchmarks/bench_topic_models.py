"""Side-by-side topic models on a finished run: ours vs stock ``BERTopic()`` vs NMF / LDA.

Usage::

    .venv/bin/python benchmarks/bench_topic_models.py --run data/processed --name bundled \\
        [--seeds 5] [--out benchmarks/results]

For each method, in its own process (so peak memory is its own): fit over ``--seeds`` seeds on
the run's modelled segments (embeddings from the run's cache), then report the topic count,
NPMI (top 10, modelled segments as windows), reference NPMI, diversity (top 25), mean and min
pairwise ARI over seeds, outlier rate, seconds (all seeds, including the k choice) and the
process's peak resident memory.

- ``ours``: the topic stage's BERTopic (``discourse.topics.stage.fit_topic_runs``, default
  config, baseline off): phrase vocabulary, generic words removed, k-means with k chosen.
- ``nmf`` / ``lda``: the stage's baselines on the same vocabulary, with ``ours``' k.
- ``stock``: ``BERTopic()`` with library defaults (UMAP + HDBSCAN, default CountVectorizer,
  no stop words) on the same embeddings; its words are scored on its own tokens.

Writes ``<out>/topic_models_<name>.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

METHODS = ("ours", "stock", "nmf", "lda")


def _load(run: Path) -> tuple[list[str], list[str], np.ndarray, Any]:
    from discourse.config import PipelineConfig
    from discourse.embeddings import EmbeddingCache
    from discourse.topics.stage import _documents, select_segments

    segments = pd.read_parquet(run / "segments.parquet")
    labels_path = run / "labels.parquet"
    labels = pd.read_parquet(labels_path) if labels_path.is_file() else None
    cfg = PipelineConfig()
    rows = segments[select_segments(segments, labels, cfg).isna()]
    texts = rows["text"].tolist()
    emb = EmbeddingCache(cfg.cache_dir(run)).encode(texts)
    return texts, _documents(rows), emb, cfg


def _ours(texts: list[str], docs: list[str], emb: np.ndarray, cfg: Any, seeds: int, base: str):
    from discourse.topics.stage import fit_topic_runs

    cfg.topics.stability_seeds = seeds
    cfg.topics.baseline = "none" if base == "ours" else base
    if base != "ours":
        cfg.topics.baseline_n_topics = json.loads(Path(_k_file(cfg)).read_text())["k"]
    runs, info = fit_topic_runs(texts, emb, cfg, documents=docs)
    name = "bertopic" if base == "ours" else base
    m = runs[name].metrics
    if base == "ours":
        Path(_k_file(cfg)).write_text(json.dumps({"k": m["n_topics"]}))
    return m, {"generic_words": len(info["generic_words"]), "k_choice": info["k_choice"]}


def _k_file(cfg: Any) -> str:
    return str(Path(ARGS.out) / f".k_{ARGS.name}.json")


def _stock(texts: list[str], emb: np.ndarray, cfg: Any, seeds: int) -> tuple[dict, dict]:
    from bertopic import BERTopic
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    from discourse.topics.corpus import read_reference_corpus
    from discourse.topics.metrics import mean_pairwise_ari, npmi_coherence, topic_diversity

    fits = []
    for s in range(cfg.seed, cfg.seed + seeds):
        umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=s)
        model = BERTopic(umap_model=umap)
        topics, _ = model.fit_transform(texts, emb)
        fits.append((model, np.asarray(topics)))
    mean, mat = mean_pairwise_ari([t for _, t in fits])
    model, topics = fits[0]
    words = {t: [w for w, _ in model.get_topic(t)] for t in set(topics.tolist()) - {-1}}
    vec = CountVectorizer().fit(texts)
    vocab = {str(w): int(i) for w, i in vec.vocabulary_.items()}
    npmi = npmi_coherence(words, vec.transform(texts), vocab, 10)
    ref = npmi_coherence(
        words, vec.transform(read_reference_corpus(cfg.topics.reference_corpus, 5000)), vocab, 10
    )
    m = {
        "n_topics": len(words),
        "npmi_top10": float(np.mean(list(npmi.values()))) if npmi else None,
        "npmi_reference_top10": float(np.mean(list(ref.values()))) if ref else None,
        "diversity_top25": topic_diversity(words, 25),
        "stability_ari_mean": mean,
        "stability_ari_min": float(mat[np.triu_indices(seeds, 1)].min()),
        "outlier_rate": float((topics == -1).mean()),
    }
    return m, {}


def run_one(method: str) -> dict[str, Any]:
    texts, docs, emb, cfg = _load(Path(ARGS.run))
    t0 = time.perf_counter()
    if method == "stock":
        m, extra = _stock(texts, emb, cfg, ARGS.seeds)
    else:
        m, extra = _ours(texts, docs, emb, cfg, ARGS.seeds, method)
    seconds = time.perf_counter() - t0
    keys = (
        "n_topics",
        "npmi_top10",
        "npmi_reference_top10",
        "diversity_top25",
        "stability_ari_mean",
        "stability_ari_min",
        "outlier_rate",
        "topic_reappearance_mean",
        "document_purity",
    )
    return {
        "method": method,
        "segments": len(texts),
        **{k: m.get(k) for k in keys},
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **extra,
    }


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def table(rows: list[dict[str, Any]], name: str) -> str:
    cols = [
        ("method", "model"),
        ("segments", "segments"),
        ("n_topics", "topics"),
        ("npmi_top10", "NPMI"),
        ("npmi_reference_top10", "NPMI (reference)"),
        ("diversity_top25", "diversity"),
        ("stability_ari_mean", "mean ARI"),
        ("stability_ari_min", "min ARI"),
        ("outlier_rate", "outliers"),
        ("seconds", "seconds"),
        ("peak_rss_mb", "peak MB"),
    ]
    head = "| corpus | " + " | ".join(c[1] for c in cols) + " |"
    sep = "|" + "---|" * (len(cols) + 1)
    lines = [head, sep]
    for r in rows:
        lines.append(f"| {name} | " + " | ".join(_fmt(r[c[0]]) for c in cols) + " |")
    return "\n".join(lines)


def main() -> None:
    if ARGS.method:
        print(json.dumps(run_one(ARGS.method)))
        return
    Path(ARGS.out).mkdir(parents=True, exist_ok=True)
    rows = []
    for method in ARGS.methods.split(","):
        cmd = [sys.executable, __file__, "--method", method, *sys.argv[1:]]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{method} failed:\n{done.stderr[-3000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{method}: done in {rows[-1]['seconds']} s", file=sys.stderr)
        out = Path(ARGS.out) / f"topic_models_{ARGS.name}.json"
        out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")  # after each
    print(table(rows, ARGS.name))


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="data/processed")
    ap.add_argument("--name", default="bundled")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default="benchmarks/results")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--method", help=argparse.SUPPRESS)
    return ap.parse_args()


ARGS = _args() if __name__ == "__main__" else argparse.Namespace()

if __name__ == "__main__":
    main()
