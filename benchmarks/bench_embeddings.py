"""Embedding backends: throughput on the bundled corpus and labelling accuracy on the test split.

Usage::

    .venv/bin/discourse run -i data/raw -o /tmp/emb_run --config /tmp/emb.toml  # rules only
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python benchmarks/bench_embeddings.py \\
        --segments /tmp/emb_run/segments.parquet --cache-dir /tmp/emb_cache

Throughput: every backend embeds all segment texts through :class:`EmbeddingCache` with no
disk cache (so the same long-text chunking is timed for all), ``--repeat`` times, interleaved
across backends; medians of wall-clock and of process CPU time are reported (CPU time is less
sensitive to other processes on a shared machine). Model loading, and building a derived model
(distillation / export), are timed separately.

Accuracy: ``embed-logreg`` and ``combined`` are fitted on train + dev with each backend's
vectors and scored once on test, as ``discourse train`` does (same row order; seed 13 gives the
numbers of docs/labeler_evaluation.md for ``minilm``). Differences from ``minilm`` come with a
paired bootstrap 95% interval over the test units, and the fit is repeated with other
cross-validation seeds (``--seeds``), because on 110 test units the choice of folds alone moves
stance macro-F1 by several points.

Speed targets live here, never in unit tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from discourse.analysis.tables import markdown_table
from discourse.annotations import load_annotations
from discourse.codebook import load_codebook
from discourse.embedding_backends import BACKENDS, backend_names, get_backend, read_meta
from discourse.embeddings import EmbeddingCache, _chunks
from discourse.labels.base import make_labeler
from discourse.labels.bootstrap import bootstrap_difference
from discourse.labels.evaluate import Evaluation, evaluate

LABELERS = ("embed-logreg", "combined")


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {load}"
    )


# -- throughput ----------------------------------------------------------------------------------


def load_backends(names: list[str], cache_dir: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    models, rows = {}, []
    for name in names:
        backend = BACKENDS[name]
        folder = backend.folder(cache_dir)
        built_now = folder is not None and not folder.is_dir()
        t0 = time.perf_counter()
        model, _ = get_backend(name, cache_dir)
        model.encode(["warm up"], batch_size=1)
        seconds = time.perf_counter() - t0
        meta = read_meta(folder) if folder is not None else {}
        rows.append(
            {
                "backend": name,
                "model_id": backend.model_id,
                "build_s": float(meta.get("build_seconds", float("nan"))),
                "built_in_this_run": built_now,
                "load_s": float("nan") if built_now else seconds,
                "model_MB": sum(p.stat().st_size for p in folder.iterdir()) / 1e6
                if folder is not None
                else float("nan"),
            }
        )
        models[name] = model
    return models, pd.DataFrame(rows)


def throughput(
    models: dict[str, Any], texts: list[str], repeat: int, batch_size: int
) -> pd.DataFrame:
    words = sum(len(t.split()) for t in texts)
    chunks = sum(len(_chunks(t, 180)) for t in texts)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in models}
    for r in range(repeat):
        for name, model in models.items():
            cache = EmbeddingCache(
                None, model=model, model_id=f"bench-{name}", batch_size=batch_size
            )
            w0, c0 = time.perf_counter(), time.process_time()
            vecs = cache.encode(texts)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            assert vecs.shape[0] == len(texts)
            times[name].append((wall, cpu))
            print(
                f"  repeat {r + 1}/{repeat} {name}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True
            )
    rows = []
    for name, ts in times.items():
        wall = float(np.median([w for w, _ in ts]))
        cpu = float(np.median([c for _, c in ts]))
        rows.append(
            {
                "backend": name,
                "texts": len(texts),
                "chunks": chunks,
                "words": words,
                "wall_s": wall,
                "texts_per_s": len(texts) / wall,
                "words_per_s": words / wall,
                "cpu_s": cpu,
                "texts_per_cpu_s": len(texts) / cpu,
            }
        )
    df = pd.DataFrame(rows)
    if "minilm" in models:
        ref = df.set_index("backend").loc["minilm"]
        df["speedup_wall"] = ref["wall_s"] / df["wall_s"]
        df["speedup_cpu"] = ref["cpu_s"] / df["cpu_s"]
    return df


# -- accuracy ------------------------------------------------------------------------------------


def _scores(ev: Evaluation) -> dict[str, float]:
    row = {"stance_macro_f1": ev.stance.macro_f1, "stance_accuracy": ev.stance.accuracy}
    pc = ev.stance.per_class.set_index("label")
    for label in pc.index:
        row[f"f1_{label}"] = float(pc.loc[label, "f1"])
    for theme, r in ev.themes.items():
        row[f"{theme}_f1"] = float(r.per_class.set_index("label").loc["1", "f1"])
    row["mean_theme_f1"] = ev.mean_theme_f1
    return row


def _bootstrap_diff(
    gold: pd.DataFrame, pred: pd.DataFrame, ref: pd.DataFrame, cb: Any, n_boot: int, seed: int
) -> dict[str, tuple[float, float]]:
    """Paired bootstrap 95% intervals of (backend - minilm): stance macro-F1, mean theme F1."""
    diff = bootstrap_difference(gold, pred, ref, cb, n_boot=n_boot, seed=seed).set_index("metric")
    return {
        m: (diff.loc[m, "low"], diff.loc[m, "high"]) for m in ("stance_macro_f1", "mean_theme_f1")
    }


def accuracy(
    names: list[str],
    models: dict[str, Any],
    annotations: Path,
    cache_dir: Path,
    seeds: list[int],
    n_boot: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fit on train + dev, score on test, as ``discourse train`` does (same row order, same
    encoding order), once per seed; the first seed is the project's (13)."""
    cb = load_codebook()
    gold = load_annotations(annotations, cb).gold()
    parts = {s: gold[gold.split == s].reset_index(drop=True) for s in ("train", "dev", "test")}
    train = pd.concat([parts["train"], parts["dev"]], ignore_index=True)
    test = parts["test"]
    preds: dict[tuple[str, str, int], pd.DataFrame] = {}
    rows = []
    for name in names:
        embedder = EmbeddingCache(
            cache_dir / "vectors", model=models[name], model_id=BACKENDS[name].model_id
        )
        for split in ("train", "dev", "test"):
            embedder.encode(parts[split].text.tolist())
        for seed in seeds:
            for labeler_name in LABELERS:
                t0 = time.perf_counter()
                labeler = make_labeler(labeler_name, cb, embedder=embedder, seed=seed)
                labeler.fit(train.text.tolist(), train)
                pred = labeler.predict(test.text.tolist())
                preds[(name, labeler_name, seed)] = pred
                ev = evaluate(test, pred, cb)
                rows.append(
                    {
                        "labeler": labeler_name,
                        "backend": name,
                        "seed": seed,
                        **_scores(ev),
                        "fit_predict_s": time.perf_counter() - t0,
                    }
                )
                print(
                    f"  {labeler_name} / {name} / seed {seed}: stance macro-F1 "
                    f"{ev.stance.macro_f1:.3f}, mean theme F1 {ev.mean_theme_f1:.3f}",
                    flush=True,
                )
    allseeds = pd.DataFrame(rows)
    scores = (
        allseeds[allseeds.seed == seeds[0]]
        .drop(columns="seed")
        .sort_values(["labeler", "backend"], kind="stable")
    )
    spread = (
        allseeds.groupby(["labeler", "backend"], sort=False)
        .agg(
            seeds=("seed", "size"),
            stance_mean=("stance_macro_f1", "mean"),
            stance_sd=("stance_macro_f1", "std"),
            stance_min=("stance_macro_f1", "min"),
            stance_max=("stance_macro_f1", "max"),
            theme_mean=("mean_theme_f1", "mean"),
            theme_sd=("mean_theme_f1", "std"),
        )
        .reset_index()
        .sort_values(["labeler", "backend"], kind="stable")
    )
    diffs = []
    if "minilm" in names:
        for (name, labeler_name, seed), pred in preds.items():
            if name == "minilm" or seed != seeds[0]:
                continue
            ref = preds[("minilm", labeler_name, seed)]
            ci = _bootstrap_diff(test, pred, ref, cb, n_boot, seed)
            a = scores[(scores.backend == name) & (scores.labeler == labeler_name)].iloc[0]
            b = scores[(scores.backend == "minilm") & (scores.labeler == labeler_name)].iloc[0]
            sa = spread[(spread.backend == name) & (spread.labeler == labeler_name)].iloc[0]
            sb = spread[(spread.backend == "minilm") & (spread.labeler == labeler_name)].iloc[0]
            diffs.append(
                {
                    "labeler": labeler_name,
                    "backend": name,
                    "d_stance_macro_f1": a.stance_macro_f1 - b.stance_macro_f1,
                    "ci95_stance": "[{:+.3f}, {:+.3f}]".format(*ci["stance_macro_f1"]),
                    "d_mean_theme_f1": a.mean_theme_f1 - b.mean_theme_f1,
                    "ci95_theme": "[{:+.3f}, {:+.3f}]".format(*ci["mean_theme_f1"]),
                    "d_stance_seed_mean": sa.stance_mean - sb.stance_mean,
                    "d_theme_seed_mean": sa.theme_mean - sb.theme_mean,
                    "stance_agreement_with_minilm": float(
                        np.mean(pred.stance.astype(str).values == ref.stance.astype(str).values)
                    ),
                }
            )
    return scores, spread, pd.DataFrame(diffs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segments", default="/tmp/emb_run/segments.parquet")
    ap.add_argument("--annotations", default="data/annotations")
    ap.add_argument("--cache-dir", default="/tmp/emb_cache", help="derived models + vectors")
    ap.add_argument("--backends", default=",".join(backend_names()))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="only the first N segments (0: all)")
    ap.add_argument("--batch-size", type=int, default=64, help="EmbeddingCache's default")
    ap.add_argument(
        "--seeds", default="13,14,15,16,17", help="CV seeds; the first is the reported one"
    )
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-accuracy", action="store_true")
    args = ap.parse_args()

    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    for n in names:
        if n not in BACKENDS:
            ap.error(f"unknown backend {n!r}; valid: {', '.join(backend_names())}")
    cache_dir = Path(args.cache_dir)
    print(f"machine: {machine()}", flush=True)
    try:
        import torch

        print(f"torch threads: {torch.get_num_threads()}", flush=True)
    except ImportError:  # pragma: no cover
        pass
    models, build = load_backends(names, cache_dir)
    out = ["## Models", "", markdown_table(build, "{:.2f}", missing=""), ""]
    if not args.skip_throughput:
        texts = pq.read_table(args.segments, columns=["text"]).column("text").to_pylist()
        texts = [t for t in texts if t and t.strip()]
        if args.limit:
            texts = texts[: args.limit]
        print(f"throughput on {len(texts)} segments, {args.repeat} repeats", flush=True)
        tp = throughput(models, texts, args.repeat, args.batch_size)
        out += [f"## Throughput ({args.segments}, median of {args.repeat})", ""]
        out += [markdown_table(tp, "{:,.2f}", missing=""), ""]
    if not args.skip_accuracy:
        print("accuracy on the test split", flush=True)
        seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
        scores, spread, diffs = accuracy(
            names, models, Path(args.annotations), cache_dir, seeds, args.n_boot
        )
        out += [
            f"## Test split (fitted on train + dev, seed {seeds[0]})",
            "",
            markdown_table(scores, missing=""),
            "",
        ]
        out += [f"## Spread over CV seeds {seeds}", "", markdown_table(spread, missing=""), ""]
        if len(diffs):
            out += [
                f"## Difference from minilm (seed {seeds[0]}; paired bootstrap 95% CI over test "
                "units; and difference of the means over seeds)",
                "",
                markdown_table(diffs, missing=""),
                "",
            ]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out += [f"machine at the end: {machine()}; peak RSS {peak:,.0f} MB"]
    print("\n" + "\n".join(out))


if __name__ == "__main__":
    main()
