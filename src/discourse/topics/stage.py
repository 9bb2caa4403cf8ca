"""The topic-model stage: which segments are modelled, the fits over seeds, metrics and outputs.

Used by ``discourse topics`` (on a finished run folder) and by ``discourse run``. Outputs, each
written atomically:

- ``topics.parquet`` / ``baseline_topics.parquet``: every segment with ``topic``,
  ``probability``, ``assignment``, ``label`` or the reason it was not modelled;
- ``topic_info.csv``: per model and topic, size, label, top words, NPMI and representative
  segments (texts as in ``segments.parquet``, so already pseudonymised);
- ``topic_metrics.json``: NPMI, diversity, outlier rate, number of topics and stability (mean
  pairwise ARI over seeds) for BERTopic and the baseline;
- ``topics_by_stance.csv``, ``topics_by_source_type.csv``, ``topics_over_time.csv``;
- ``models/bertopic/`` (BERTopic safetensors) and ``models/<baseline>/``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from discourse.config import PipelineConfig
from discourse.io_utils import write_json, write_parquet, write_text
from discourse.topics.metrics import mean_pairwise_ari, npmi_coherence, topic_diversity
from discourse.topics.models import BERTopicModel, topic_models
from discourse.topics.presets import TopicParams, resolve_params
from discourse.topics.vectorize import make_count_vectorizer
from discourse.topics.views import period_of, topic_crosstab

__all__ = [
    "TOPIC_SCHEMA",
    "TopicRun",
    "fit_topic_runs",
    "model_files",
    "select_segments",
    "short_label",
    "topics_stage",
]

TOPIC_SCHEMA = pa.schema(
    [
        ("segment_id", pa.string()),
        ("topic", pa.int64()),
        ("probability", pa.float64()),
        ("assignment", pa.string()),
        ("label", pa.string()),
        ("excluded_reason", pa.string()),
    ]
)


def select_segments(
    segments: pd.DataFrame, labels: pd.DataFrame | None, config: PipelineConfig
) -> pd.Series:
    """The reason each segment is not modelled (``None`` when it is).

    Reasons, first match wins: ``empty``, ``boilerplate``, ``duplicate``, ``non_english``
    (from ``labels.language`` when labels exist, else detected here).
    """
    cfg = config.topics
    text = segments["text"].fillna("")
    reason = pd.Series([None] * len(segments), index=segments.index, dtype=object)
    reason[text.str.strip() == ""] = "empty"
    if cfg.exclude_boilerplate:
        reason[reason.isna() & segments["boilerplate"].fillna(False).astype(bool)] = "boilerplate"
    if cfg.exclude_duplicates:
        reason[reason.isna() & segments["duplicate_of"].notna()] = "duplicate"
    if cfg.exclude_non_english:
        if labels is not None and "language" in labels:
            lang = segments[["segment_id"]].merge(
                labels[["segment_id", "language"]], on="segment_id", how="left"
            )["language"]
            lang.index = segments.index
        else:
            from discourse.labels.language import detect_language

            lang = text.map(lambda t: detect_language(t) if t.strip() else "en")
        reason[reason.isna() & lang.fillna("en").ne("en")] = "non_english"
    return reason


def short_label(words: list[str], n: int = 3) -> str:
    """A short topic label: the first ``n`` top words, skipping words already contained in a
    chosen phrase (``"contact rule"`` makes ``"rule"`` redundant)."""
    chosen: list[str] = []
    for w in words:
        tokens = set(w.split())
        if any(tokens <= set(c.split()) for c in chosen):
            continue
        chosen = [c for c in chosen if not set(c.split()) <= tokens]
        chosen.append(w)
        if len(chosen) == n:
            break
    return ", ".join(chosen)


@dataclass
class TopicRun:
    """Fits of one topic model over several seeds, with the selected one and its metrics."""

    name: str
    fits: list[Any]
    seeds: list[int]
    selected: int
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> Any:
        """The selected fit."""
        return self.fits[self.selected]


def _select(fits: list[Any], how: str) -> tuple[int, float, np.ndarray]:
    mean, matrix = mean_pairwise_ari([f.labels_ for f in fits])
    if how == "seed":
        return 0, mean, matrix
    k = len(fits)
    agreement = (matrix.sum(axis=1) - 1.0) / (k - 1)
    return int(np.argmax(agreement)), mean, matrix  # argmax: first (lowest seed) on ties


def _metrics(run: TopicRun, doc_term: Any, vocab: dict[str, int], ari: float, m: Any) -> None:
    model = run.model
    words = {t: [w for w, _ in ws] for t, ws in model.topic_words_.items() if t != -1}
    per_topic = npmi_coherence(words, doc_term, vocab, top_n=10)
    labels = model.labels_
    kinds = np.asarray(model.assignment_)
    run.metrics = {
        "n_topics": int(model.n_topics_),
        "npmi_top10": float(np.mean(list(per_topic.values()))) if per_topic else None,
        "npmi_per_topic": {str(t): round(v, 6) for t, v in sorted(per_topic.items())},
        "diversity_top25": topic_diversity(words, top_n=25),
        "outlier_rate": float((labels == -1).mean()),
        "outlier_rate_before_reduction": float(
            np.isin(kinds, ["outlier", "outlier_reduced"]).mean()
        ),
        "stability_ari_mean": ari,
        "stability_ari_min": float(m[np.triu_indices(len(run.fits), 1)].min()),
        "stability_ari_matrix": [[round(float(x), 6) for x in row] for row in m],
        "selected_seed": run.seeds[run.selected],
        "per_seed": [
            {
                "seed": s,
                "n_topics": int(f.n_topics_),
                "outlier_rate": float((f.labels_ == -1).mean()),
                **({"clusterer": f.clusterer_} if hasattr(f, "clusterer_") else {}),
                **({"converged": f.converged_} if hasattr(f, "converged_") else {}),
            }
            for s, f in zip(run.seeds, run.fits)
        ],
    }
    if hasattr(model, "clusterer_"):
        run.metrics["clusterer"] = model.clusterer_


def fit_topic_runs(
    texts: list[str],
    embeddings: np.ndarray,
    config: PipelineConfig,
    progress: Any = None,
) -> tuple[dict[str, TopicRun], dict[str, Any]]:
    """Fit BERTopic and the baseline over ``config.topics.stability_seeds`` seeds.

    Returns
    -------
    runs
        Model name -> :class:`TopicRun` (the selected fit, all fits and metrics).
    info
        Corpus-level facts: preset, parameters, vocabulary size, seeds.
    """
    cfg = config.topics
    n = len(texts)
    if n < cfg.min_segments:
        raise ValueError(
            f"too few segments to model topics: {n} (topics.min_segments = {cfg.min_segments})"
        )
    vec_kwargs = {
        "n_gram_range": tuple(cfg.n_gram_range),
        "extra_stop_words": list(cfg.extra_stop_words),
        "pseudonym_prefix": config.privacy.pseudonym_prefix,
    }
    counter = make_count_vectorizer(min_df=cfg.min_df, **vec_kwargs)
    try:
        doc_term = counter.fit_transform(texts)
    except ValueError as exc:  # empty vocabulary
        raise ValueError(
            f"no words left for topic modelling after stop words and min_df={cfg.min_df}: {exc}"
        ) from None
    vocab = {str(w): int(i) for w, i in sorted(counter.vocabulary_.items())}
    params: TopicParams = resolve_params(n, cfg)
    seeds = [config.seed + i for i in range(cfg.stability_seeds)]
    say = progress or (lambda message: None)

    def over_seeds(name: str, label: str, make: Any, x: Any) -> TopicRun:
        """Fit ``make(seed)`` on ``x`` for every seed; select one fit and measure the run."""
        fits = []
        for s in seeds:
            say(f"{label} seed {s}")
            fits.append(make(s).fit(*x))
        idx, ari, matrix = _select(fits, cfg.model_selection)
        run = TopicRun(name, fits, seeds, idx)
        _metrics(run, doc_term, vocab, ari, matrix)
        return run

    runs: dict[str, TopicRun] = {}
    runs["bertopic"] = over_seeds(
        "bertopic",
        "BERTopic",
        lambda s: BERTopicModel(
            vocabulary=vocab,
            umap=params.umap,
            hdbscan=params.hdbscan,
            nr_topics=cfg.nr_topics,
            reduce_outliers=cfg.reduce_outliers,
            outlier_threshold=cfg.outlier_threshold,
            fallback_min_topics=cfg.fallback_min_topics,
            top_n_words=cfg.top_n_words,
            n_representative=cfg.n_representative,
            seed=s,
            bm25_weighting=cfg.bm25_weighting,
            reduce_frequent_words=cfg.reduce_frequent_words,
            **vec_kwargs,
        ),
        (texts, embeddings),
    )
    if cfg.baseline != "none":
        k = min(cfg.baseline_n_topics or max(2, runs["bertopic"].model.n_topics_), n)
        cls = topic_models.get(cfg.baseline)
        runs[cfg.baseline] = over_seeds(
            cfg.baseline,
            cfg.baseline,
            lambda s: cls(
                vocabulary=vocab,
                n_topics=k,
                top_n_words=cfg.top_n_words,
                n_representative=cfg.n_representative,
                seed=s,
                **vec_kwargs,
            ),
            (texts,),
        )
    info = {
        "n_segments_modelled": n,
        "preset": params.preset,
        "umap": params.umap,
        "hdbscan": params.hdbscan,
        "vocabulary_size": len(vocab),
        "seeds": seeds,
        "model_selection": cfg.model_selection,
    }
    return runs, info


def fit_sample(n: int, max_fit: int | None, seed: int) -> np.ndarray:
    """Sorted positions of the modelled segments the topic models are fitted on: all of them,
    or a seeded random sample of ``max_fit`` when there are more."""
    if max_fit is None or n <= max_fit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=max_fit, replace=False))


def assign_all(
    run: TopicRun,
    fit_idx: np.ndarray,
    texts: list[str],
    embeddings: np.ndarray,
    progress: Any = None,
    batch: int = 20_000,
) -> tuple[np.ndarray, list[float | None], list[str]]:
    """Topic, probability and assignment kind of every modelled segment: the fit's own for the
    fitted sample, the model's ``transform`` (kind ``assigned``, no probability) for the rest."""
    model = run.model
    n = len(texts)
    topic = np.full(n, -1, dtype=np.int64)
    prob: list[float | None] = [None] * n
    kind = ["assigned"] * n
    topic[fit_idx] = model.labels_
    for pos, i in enumerate(fit_idx):
        prob[i] = round(float(model.probabilities_[pos]), 6)
        kind[i] = str(model.assignment_[pos])
    rest = np.setdiff1d(np.arange(n), fit_idx)
    for start in range(0, len(rest), batch):
        part = rest[start : start + batch]
        if progress:
            progress(f"{run.name}: assign {start + len(part)}/{len(rest)} unsampled segments")
        topic[part] = model.transform([texts[i] for i in part], embeddings[part])
    return topic, prob, kind


def _assignment_table(
    frame: pd.DataFrame,
    assigned: tuple[np.ndarray, list[float | None], list[str]],
    labels: dict[int, str],
) -> pa.Table:
    modelled = frame["excluded_reason"].isna().to_numpy()
    n = len(frame)
    topic: list[int | None] = [None] * n
    prob: list[float | None] = [None] * n
    kind: list[str | None] = [None] * n
    all_topics, all_probs, all_kinds = assigned
    for pos, i in enumerate(np.flatnonzero(modelled)):
        topic[i] = int(all_topics[pos])
        prob[i] = all_probs[pos]
        kind[i] = all_kinds[pos]
    return pa.table(
        {
            "segment_id": frame["segment_id"].tolist(),
            "topic": pa.array(topic, pa.int64()),
            "probability": pa.array(prob, pa.float64()),
            "assignment": pa.array(kind, pa.string()),
            "label": pa.array([labels.get(t) if t is not None else None for t in topic]),
            "excluded_reason": pa.array(frame["excluded_reason"].tolist(), pa.string()),
        },
        schema=TOPIC_SCHEMA,
    )


def _topic_info(
    run: TopicRun,
    topics: np.ndarray,
    texts: list[str],
    ids: list[str],
    labels: dict[int, str],
    max_chars: int,
) -> list:
    """One row per topic: counts and shares over every modelled segment (``topics``), words and
    representatives from the fit (``texts`` and ``ids`` are the fitted segments')."""
    model = run.model
    counts = pd.Series(topics).value_counts()
    npmi = run.metrics["npmi_per_topic"]
    rows = []
    for t in sorted(counts.index.tolist()):
        words = [w for w, _ in model.topic_words_.get(t, [])]
        reps = model.representatives_.get(t, []) if t != -1 else []
        rows.append(
            {
                "model": run.name,
                "topic": int(t),
                "count": int(counts[t]),
                "share": round(float(counts[t] / len(topics)), 6),
                "label": labels.get(t, "outliers"),
                "top_words": "; ".join(words[:10]),
                "npmi": npmi.get(str(t)),
                "representative_segment_ids": " | ".join(ids[i] for i in reps),
                "representative_texts": (
                    " | ".join(_clip(texts[i], max_chars) for i in reps) if max_chars else None
                ),
            }
        )
    return rows


def model_files(output_dir: str | Path, names: list[str]) -> list[str]:
    """Paths (relative to ``output_dir``, sorted) of the saved files of the models ``names``."""
    root = Path(output_dir)
    return sorted(
        p.relative_to(root).as_posix()
        for name in names
        for p in (root / "models" / name).rglob("*")
        if p.is_file()
    )


def _clip(text: str, n: int) -> str:
    """At most ``n`` characters of ``text`` (whitespace folded), cut at a word, "…" appended."""
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    head = text[: n - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head) + "…"


def topics_stage(
    segments: pd.DataFrame,
    labels: pd.DataFrame | None,
    config: PipelineConfig,
    output_dir: str | Path,
    cache_dir: str | Path | None = None,
    embedder: Any = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Fit the topic models on a run's segments and write every topic output.

    Parameters
    ----------
    segments
        ``segments.parquet`` of a run.
    labels
        ``labels.parquet`` of the run, or ``None`` (no stance view; language detected here).
    config
        Pipeline configuration (``topics``, ``seed``, ``privacy.pseudonym_prefix``).
    output_dir
        Folder for the outputs.
    cache_dir
        Embedding cache (shared with the labelers).
    embedder
        Object with ``encode(texts) -> array``; default: the shipped MiniLM with the cache.
    progress
        Optional ``progress(message)``.

    Returns
    -------
    dict
        What the manifest records: outputs, counts, metrics summary, timings.
    """
    from discourse.embeddings import MODEL_ID

    t0 = time.perf_counter()
    out = Path(output_dir)
    cfg = config.topics
    frame = segments.reset_index(drop=True).copy()
    frame["excluded_reason"] = select_segments(frame, labels, config)
    model_rows = frame[frame["excluded_reason"].isna()]
    texts = model_rows["text"].tolist()
    ids = model_rows["segment_id"].tolist()
    if embedder is None:
        from discourse.embedding_backends import make_embedder

        embedder = make_embedder(config.embeddings.backend, cache_dir)
    if progress:
        progress(f"embed {len(texts)} segments")
    embeddings = embedder.encode(texts)
    t_embed = time.perf_counter() - t0
    fit_idx = fit_sample(len(texts), cfg.max_fit_segments, config.seed)
    fit_texts = [texts[i] for i in fit_idx]
    runs, info = fit_topic_runs(fit_texts, embeddings[fit_idx], config, progress)
    t_fit = time.perf_counter() - t0 - t_embed
    assigned = {
        name: assign_all(run, fit_idx, texts, embeddings, progress) for name, run in runs.items()
    }
    t_assign = time.perf_counter() - t0 - t_embed - t_fit
    info["fit_on_sample"] = {
        "fitted": len(fit_idx),
        "assigned_by_transform": len(texts) - len(fit_idx),
        "max_fit_segments": cfg.max_fit_segments,
        "note": "metrics and stability are computed on the fitted sample",
    }

    if labels is not None and "stance" in labels:
        frame = frame.merge(labels[["segment_id", "stance"]], on="segment_id", how="left")
    frame["period"] = period_of(frame["published"], cfg.time_unit)
    outputs: dict[str, str] = {}
    info_rows: list[dict[str, Any]] = []
    views: dict[str, list[pd.DataFrame]] = {"stance": [], "source_type": [], "period": []}
    for name, run in runs.items():
        model = run.model
        labels_map = {
            t: short_label([w for w, _ in ws]) for t, ws in model.topic_words_.items() if t != -1
        }
        labels_map[-1] = "outliers"
        table = _assignment_table(frame, assigned[name], labels_map)
        fname = "topics.parquet" if name == "bertopic" else "baseline_topics.parquet"
        write_parquet(table, out / fname)
        outputs[fname] = name
        info_rows.extend(
            _topic_info(
                run,
                assigned[name][0],
                fit_texts,
                [ids[i] for i in fit_idx],
                labels_map,
                config.privacy.max_quote_chars,
            )
        )
        rows = frame.loc[frame["excluded_reason"].isna()].copy()
        rows["topic"] = assigned[name][0]
        for by in views:
            if by in rows:
                views[by].append(topic_crosstab(rows, by, name, labels_map))
        if cfg.save_models:
            model.save(out / "models" / name)
    write_text(
        pd.DataFrame(info_rows).to_csv(index=False, float_format="%.6f"), out / "topic_info.csv"
    )
    view_files = {
        "stance": "topics_by_stance.csv",
        "source_type": "topics_by_source_type.csv",
        "period": "topics_over_time.csv",
    }
    for by, parts in views.items():
        if parts:
            data = pd.concat(parts, ignore_index=True)
            write_text(data.to_csv(index=False, float_format="%.6f"), out / view_files[by])
            outputs[view_files[by]] = by
    excluded = frame["excluded_reason"].value_counts().sort_index()
    metrics = {
        **info,
        "embedding_model": getattr(embedder, "model_id", MODEL_ID),
        "n_segments": len(frame),
        "n_segments_excluded": {str(k): int(v) for k, v in excluded.items()},
        "models": {name: run.metrics for name, run in runs.items()},
        "definitions": {
            "npmi_top10": "mean over topics of the mean NPMI of all pairs of the topic's top 10 "
            "words; documents (modelled segments) as co-occurrence windows; never co-occurring "
            "pairs score -1; outlier topic excluded",
            "diversity_top25": "unique words / all words among the top 25 words of every topic",
            "outlier_rate": "share of modelled segments in topic -1 after outlier reduction",
            "stability_ari_mean": "mean adjusted Rand index over all pairs of seeds' "
            "assignments (outliers as one cluster)",
        },
    }
    write_json(metrics, out / "topic_metrics.json")
    files = ["topic_info.csv", "topic_metrics.json", *outputs]
    return {
        "outputs": sorted(files),
        "models": sorted(runs) if cfg.save_models else [],
        "n_segments_modelled": len(texts),
        "n_segments_excluded": metrics["n_segments_excluded"],
        "summary": {
            name: {
                k: run.metrics[k]
                for k in (
                    "n_topics",
                    "npmi_top10",
                    "diversity_top25",
                    "outlier_rate",
                    "stability_ari_mean",
                )
            }
            for name, run in runs.items()
        },
        "fit_on_sample": info["fit_on_sample"],
        "seconds": {
            "embed": round(t_embed, 3),
            "fit": round(t_fit, 3),
            "assign": round(t_assign, 3),
        },
    }
