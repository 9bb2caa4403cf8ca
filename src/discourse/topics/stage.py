"""The topic-model stage: which segments are modelled, the fits over seeds, metrics and outputs.

Used by ``discourse topics`` (on a finished run folder) and by ``discourse run``. Outputs, each
written atomically:

- ``topics.parquet`` / ``baseline_topics.parquet``: every segment with ``topic``,
  ``probability``, ``assignment``, ``label`` or the reason it was not modelled;
- ``topic_info.csv``: per model and topic, size, label, top words, NPMI and representative
  segments (texts as in ``segments.parquet``, so already pseudonymised);
- ``topic_metrics.json``: NPMI (on the corpus and on a reference corpus), diversity, outlier
  rate, number of topics, stability (mean pairwise ARI over seeds, per-topic reappearance) and
  document concentration for BERTopic and the baseline; the corpus check (too small for
  topics, and why), the k choice, the generic words and the labels;
- ``topics_by_stance.csv``, ``topics_by_source_type.csv``, ``topics_over_time.csv``;
- ``models/bertopic/`` (BERTopic safetensors) and ``models/<baseline>/``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from discourse.config import PipelineConfig
from discourse.errors import StageSkipped
from discourse.io_utils import write_json, write_parquet, write_text
from discourse.layout import (
    BASELINE_TOPICS,
    TOPIC_INFO,
    TOPIC_METRICS,
    TOPIC_MODELS,
    TOPICS,
    TOPICS_BY_SOURCE_TYPE,
    TOPICS_BY_STANCE,
    TOPICS_OVER_TIME,
)
from discourse.stage_cache import hash_tree
from discourse.topics.corpus import (
    PhraseAnalyzer,
    build_vocabulary,
    on_vocabulary,
    reference_matrix,
    restrict,
)
from discourse.topics.labels import short_label, topic_labels
from discourse.topics.metrics import (
    document_concentration,
    mean_pairwise_ari,
    npmi_coherence,
    topic_diversity,
    topic_reappearance,
)
from discourse.topics.models import BERTopicModel, topic_models
from discourse.topics.presets import TopicParams, resolve_params
from discourse.topics.selection import assess_documents, choose_k, remove_document_effects
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

    def words(self) -> dict[int, list[str]]:
        """The selected fit's c-TF-IDF (or component) words per topic, outliers left out."""
        return _fit_words(self.model)


@dataclass
class _Corpus:
    """What every fit and metric of one stage shares."""

    texts: list[str]
    embeddings: np.ndarray
    documents: list[str]
    doc_term: Any
    vocab: dict[str, int]
    reference: tuple[Any, dict[str, int]] | None = None


def _select(fits: list[Any], how: str) -> tuple[int, float, np.ndarray]:
    mean, matrix = mean_pairwise_ari([f.labels_ for f in fits])
    if how == "seed":
        return 0, mean, matrix
    k = len(fits)
    agreement = (matrix.sum(axis=1) - 1.0) / (k - 1)
    return int(np.argmax(agreement)), mean, matrix  # argmax: first (lowest seed) on ties


def _mean(values: dict[int, float]) -> float | None:
    return float(np.mean(list(values.values()))) if values else None


def _fit_words(fit: Any) -> dict[int, list[str]]:
    """A fit's c-TF-IDF (or component) words per topic, outliers left out."""
    return {t: [w for w, _ in ws] for t, ws in fit.topic_words_.items() if t != -1}


def _per_seed(run: TopicRun, corpus: _Corpus) -> list[dict[str, Any]]:
    rows = []
    for s, f in zip(run.seeds, run.fits):
        words = _fit_words(f)
        rows.append(
            {
                "seed": s,
                "n_topics": int(f.n_topics_),
                "outlier_rate": float((f.labels_ == -1).mean()),
                "npmi_top10": _mean(npmi_coherence(words, corpus.doc_term, corpus.vocab, top_n=10)),
                "diversity_top25": topic_diversity(words, top_n=25),
                **({"clusterer": f.clusterer_} if hasattr(f, "clusterer_") else {}),
                **({"converged": f.converged_} if hasattr(f, "converged_") else {}),
            }
        )
    return rows


def _spread(rows: list[dict[str, Any]], key: str) -> dict[str, float | None]:
    """Mean, standard deviation (ddof 1), min and max of ``key`` over the seeds' fits."""
    values = np.array([r[key] for r in rows if r[key] is not None], dtype=float)
    if not len(values):
        return {"mean": None, "sd": None, "min": None, "max": None}
    sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return {
        "mean": round(float(values.mean()), 6),
        "sd": round(sd, 6),
        "min": round(float(values.min()), 6),
        "max": round(float(values.max()), 6),
    }


def _metrics(run: TopicRun, corpus: _Corpus, ari: float, m: np.ndarray) -> None:
    model = run.model
    words = run.words()
    per_topic = npmi_coherence(words, corpus.doc_term, corpus.vocab, top_n=10)
    labels = model.labels_
    kinds = np.asarray(model.assignment_)
    others = [f.labels_ for i, f in enumerate(run.fits) if i != run.selected]
    reappear = topic_reappearance(labels, others)
    shares, purity = document_concentration(labels, corpus.documents)
    run.metrics = {
        "n_topics": int(model.n_topics_),
        "topics_without_words": sum(len(ws) < 2 for ws in words.values()),
        "npmi_top10": _mean(per_topic),
        "npmi_per_topic": {str(t): round(v, 6) for t, v in sorted(per_topic.items())},
        "diversity_top25": topic_diversity(words, top_n=25),
        "outlier_rate": float((labels == -1).mean()),
        "outlier_rate_before_reduction": float(
            np.isin(kinds, ["outlier", "outlier_reduced"]).mean()
        ),
        "stability_ari_mean": ari,
        "stability_ari_min": float(m[np.triu_indices(len(run.fits), 1)].min()),
        "stability_ari_matrix": [[round(float(x), 6) for x in row] for row in m],
        "topic_reappearance_mean": _mean({t: v["reappears"] for t, v in reappear.items()}),
        "topic_reappearance": {
            str(t): {k: round(v, 6) for k, v in r.items()} for t, r in reappear.items()
        },
        "largest_document_share": {str(t): round(v, 6) for t, v in shares.items()},
        "largest_document_share_max": max(shares.values(), default=None),
        "document_purity": purity,
        "selected_seed": run.seeds[run.selected],
        "per_seed": _per_seed(run, corpus),
    }
    run.metrics["npmi_top10_over_seeds"] = _spread(run.metrics["per_seed"], "npmi_top10")
    run.metrics["diversity_top25_over_seeds"] = _spread(run.metrics["per_seed"], "diversity_top25")
    if corpus.reference is not None:
        ref_x, ref_vocab = corpus.reference
        ref = npmi_coherence(words, ref_x, ref_vocab, top_n=10)
        run.metrics["npmi_reference_top10"] = _mean(ref)
        run.metrics["npmi_reference_per_topic"] = {
            str(t): round(v, 6) for t, v in sorted(ref.items())
        }
    if hasattr(model, "clusterer_"):
        run.metrics["clusterer"] = model.clusterer_


def _analyzer(config: PipelineConfig) -> PhraseAnalyzer:
    return PhraseAnalyzer(
        n_gram_range=tuple(config.topics.n_gram_range),
        extra_stop_words=list(config.topics.extra_stop_words),
        pseudonym_prefix=config.privacy.pseudonym_prefix,
    )


def _reference(config: PipelineConfig, vocab: dict[str, int]) -> tuple[Any, dict[str, int]] | None:
    """The reference corpus as documents x (this corpus's vocabulary), or None."""
    cfg = config.topics
    if not cfg.reference_corpus:
        return None
    x, ref_vocab = reference_matrix(
        cfg.reference_corpus, cfg.reference_max_documents, _analyzer(config)
    )
    return on_vocabulary(x, ref_vocab, vocab), vocab


def _reference_record(path: str | None) -> dict[str, Any] | None:
    """The reference corpus as the outputs record it: its name and content hash, no path (the
    same corpus in another checkout gives the same bytes)."""
    if not path:
        return None
    return {"name": Path(path).name, "sha256": hash_tree(path)}


def _over_seeds(
    name: str, make: Any, x: tuple, seeds: list[int], corpus: _Corpus, cfg: Any, say: Any
) -> TopicRun:
    """Fit ``make(seed)`` on ``x`` for every seed; select one fit and measure the run."""
    fits = []
    for s in seeds:
        say(f"{name} seed {s}")
        fits.append(make(s).fit(*x))
    idx, ari, matrix = _select(fits, cfg.model_selection)
    run = TopicRun(name, fits, seeds, idx)
    _metrics(run, corpus, ari, matrix)
    return run


def _bertopic_factory(
    config: PipelineConfig, vocab: dict[str, int], n: int, k: int
) -> Callable[[int], BERTopicModel]:
    cfg = config.topics
    params: TopicParams = resolve_params(n, cfg)
    common = {
        "n_gram_range": tuple(cfg.n_gram_range),
        "extra_stop_words": list(cfg.extra_stop_words),
        "pseudonym_prefix": config.privacy.pseudonym_prefix,
    }
    return lambda s: BERTopicModel(
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
        clusterer=cfg.clusterer,
        n_clusters=k,
        pca_components=cfg.pca_components,
        binary_counts=cfg.binary_counts,
        **common,
    )


def _baseline_factory(
    config: PipelineConfig, vocab: dict[str, int], k: int
) -> Callable[[int], Any]:
    cfg = config.topics
    cls = topic_models.get(cfg.baseline)
    return lambda s: cls(
        vocabulary=vocab,
        n_topics=k,
        top_n_words=cfg.top_n_words,
        n_representative=cfg.n_representative,
        seed=s,
        n_gram_range=tuple(cfg.n_gram_range),
        extra_stop_words=list(cfg.extra_stop_words),
        pseudonym_prefix=config.privacy.pseudonym_prefix,
    )


def _too_small(corpus: dict[str, Any], run: TopicRun, limit: float) -> None:
    """Add the reason "topics are documents" to the corpus assessment when it applies."""
    shares = run.metrics["largest_document_share"]
    over = {t: v for t, v in shares.items() if v > limit}
    if over:
        corpus["too_small_reasons"].append(
            f"{len(over)} of {len(shares)} {run.name} topics take more than {limit:.0%} of "
            f"their segments from one document (largest: {max(over.values()):.0%}): "
            "these topics are documents"
        )
    corpus["too_small_for_topics"] = bool(corpus["too_small_reasons"])


def fit_topic_runs(
    texts: list[str],
    embeddings: np.ndarray,
    config: PipelineConfig,
    progress: Any = None,
    documents: list[str] | None = None,
) -> tuple[dict[str, TopicRun], dict[str, Any]]:
    """Fit BERTopic and the baseline over ``config.topics.stability_seeds`` seeds.

    ``documents`` (the document id of each text; default: each text its own document) feeds
    the document purity, the too-small check and the removal of document effects.

    Returns
    -------
    runs
        Model name -> :class:`TopicRun` (the selected fit, all fits and metrics).
    info
        Corpus-level facts: preset, parameters, vocabulary, generic words, k choice, seeds.

    Raises
    ------
    StageSkipped
        Too few segments, or no words left.
    """
    cfg = config.topics
    n = len(texts)
    if n < cfg.min_segments:
        raise StageSkipped(
            f"too few segments to model topics: {n} (topics.min_segments = {cfg.min_segments})"
        )
    documents = list(documents) if documents is not None else [str(i) for i in range(n)]
    say = progress or (lambda message: None)
    min_documents = max(cfg.min_df, math.ceil(cfg.min_df_sqrt * math.sqrt(n)))
    full_vocab, doc_term = build_vocabulary(texts, _analyzer(config), min_documents)
    assessment = assess_documents(documents, cfg)
    space = np.asarray(embeddings, dtype=np.float32)
    if assessment["document_effects_removed"]:
        space = remove_document_effects(space, documents)
    say("choose the number of topics and the generic words")
    k, generic, k_rows = choose_k(space, doc_term, full_vocab, cfg, config.seed)
    vocab, _ = restrict(full_vocab, doc_term, generic)
    corpus = _Corpus(texts, space, documents, doc_term, full_vocab, _reference(config, full_vocab))
    seeds = [config.seed + i for i in range(cfg.stability_seeds)]
    make = _bertopic_factory(config, vocab, n, k)
    runs = {"bertopic": _over_seeds("bertopic", make, (texts, space), seeds, corpus, cfg, say)}
    if cfg.baseline != "none":
        kb = min(cfg.baseline_n_topics or max(2, runs["bertopic"].model.n_topics_), n)
        make_b = _baseline_factory(config, vocab, kb)
        runs[cfg.baseline] = _over_seeds(cfg.baseline, make_b, (texts,), seeds, corpus, cfg, say)
    _too_small(assessment, runs["bertopic"], cfg.max_document_share)
    params = resolve_params(n, cfg)
    info = {
        "n_segments_modelled": n,
        "preset": params.preset,
        "umap": params.umap,
        "hdbscan": params.hdbscan,
        "clusterer": cfg.clusterer,
        "k_choice": {"chosen": k, "candidates": k_rows},
        "vocabulary_min_documents": min_documents,
        "vocabulary_size": len(vocab),
        "vocabulary_size_before_generic": len(full_vocab),
        "generic_words": generic,
        "corpus": assessment,
        "reference_corpus": _reference_record(cfg.reference_corpus),
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
    fitted: tuple[list[str], list[str]],
    labels: tuple[dict[int, str], dict[int, list[str]]],
    max_chars: int,
) -> list:
    """One row per topic: counts and shares over every modelled segment (``topics``), words,
    label, quality and representatives from the fit (``fitted``: its texts and ids)."""
    model, m = run.model, run.metrics
    texts, ids = fitted
    names, label_words = labels
    counts = pd.Series(topics).value_counts()
    rows = []
    for t in sorted(counts.index.tolist()):
        words = [w for w, _ in model.topic_words_.get(t, [])]
        reps = model.representatives_.get(t, []) if t != -1 else []
        key = str(t)
        rows.append(
            {
                "model": run.name,
                "topic": int(t),
                "count": int(counts[t]),
                "share": round(float(counts[t] / len(topics)), 6),
                "label": names.get(t, "outliers"),
                "label_words": "; ".join(label_words.get(t, [])),
                "top_words": "; ".join(words[:10]),
                "npmi": m["npmi_per_topic"].get(key),
                "npmi_reference": m.get("npmi_reference_per_topic", {}).get(key),
                "reappears_across_seeds": m["topic_reappearance"].get(key, {}).get("reappears"),
                "largest_document_share": m["largest_document_share"].get(key),
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
        for p in (root / TOPIC_MODELS / name).rglob("*")
        if p.is_file()
    )


def _clip(text: str, n: int) -> str:
    """At most ``n`` characters of ``text`` (whitespace folded), cut at a word, "…" appended."""
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    head = text[: n - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head) + "…"


def _modelled(
    segments: pd.DataFrame, labels: pd.DataFrame | None, config: PipelineConfig
) -> pd.DataFrame:
    """The segments with ``excluded_reason``, ``period`` and (if labelled) ``stance``."""
    frame = segments.reset_index(drop=True).copy()
    frame["excluded_reason"] = select_segments(frame, labels, config)
    if labels is not None and "stance" in labels:
        frame = frame.merge(labels[["segment_id", "stance"]], on="segment_id", how="left")
    frame["period"] = period_of(frame["published"], config.topics.time_unit)
    return frame


def _documents(rows: pd.DataFrame) -> list[str]:
    """Document id of each modelled segment (the segment id when there is no ``doc_id``)."""
    if "doc_id" in rows:
        return rows["doc_id"].fillna(rows["segment_id"]).astype(str).tolist()
    return rows["segment_id"].astype(str).tolist()


def _embed(texts: list[str], config: PipelineConfig, cache_dir: Any, embedder: Any) -> Any:
    if embedder is None:
        from discourse.embedding_backends import make_embedder

        embedder = make_embedder(config.embeddings.topic_backend(), cache_dir)
    return embedder, embedder.encode(texts)


def _write_models(
    runs: dict[str, TopicRun],
    frame: pd.DataFrame,
    assigned: dict[str, Any],
    fitted: tuple[list[str], list[str]],
    config: PipelineConfig,
    out: Path,
    embedder: Any,
) -> tuple[dict[str, str], dict[str, dict[int, str]]]:
    """Per model: assignments, topic_info rows, views and the saved model; returns the files
    written (name -> what) and each model's labels."""
    cfg = config.topics
    outputs: dict[str, str] = {}
    info_rows: list[dict[str, Any]] = []
    all_labels: dict[str, dict[int, str]] = {}
    views: dict[str, list[pd.DataFrame]] = {"stance": [], "source_type": [], "period": []}
    rows = frame.loc[frame["excluded_reason"].isna()].copy()
    for name, run in runs.items():
        names, words = topic_labels(
            run.words(), embedder, cfg.label_representation, cfg.label_diversity
        )
        all_labels[name] = names
        headline = topic_models.capabilities(name)["role"] == "headline"
        fname = TOPICS if headline else BASELINE_TOPICS
        write_parquet(_assignment_table(frame, assigned[name], names), out / fname)
        outputs[fname] = name
        info_rows.extend(
            _topic_info(
                run, assigned[name][0], fitted, (names, words), config.privacy.max_quote_chars
            )
        )
        rows["topic"] = assigned[name][0]
        for by in views:
            if by in rows:
                views[by].append(topic_crosstab(rows, by, name, names))
        if cfg.save_models:
            run.model.save(out / TOPIC_MODELS / name)
    table = pd.DataFrame(info_rows).to_csv(index=False, float_format="%.6f")
    write_text(table, out / TOPIC_INFO)
    view_files = {"stance": TOPICS_BY_STANCE, "source_type": TOPICS_BY_SOURCE_TYPE}
    view_files["period"] = TOPICS_OVER_TIME
    for by, parts in views.items():
        if parts:
            data = pd.concat(parts, ignore_index=True)
            write_text(data.to_csv(index=False, float_format="%.6f"), out / view_files[by])
            outputs[view_files[by]] = by
    return outputs, all_labels


DEFINITIONS = {
    "npmi_top10": "mean over topics of the mean NPMI of all pairs of the topic's top 10 "
    "c-TF-IDF (NMF/LDA: component) words; documents (modelled segments) as co-occurrence "
    "windows; never co-occurring pairs score -1; outlier topic excluded",
    "npmi_reference_top10": "the same words scored on the reference corpus (reference_corpus), "
    "each of its documents a window: coherence outside the modelled corpus",
    "diversity_top25": "unique words / all words among the top 25 words of every topic",
    "outlier_rate": "share of modelled segments in topic -1 after outlier reduction",
    "npmi_top10_over_seeds": "npmi_top10 of each seed's fit (per_seed): mean, sd (ddof 1), "
    "min, max; the reported fit is one of them",
    "diversity_top25_over_seeds": "diversity_top25 of each seed's fit, as npmi_top10_over_seeds",
    "stability_ari_mean": "mean adjusted Rand index over all pairs of seeds' "
    "assignments (outliers as one cluster)",
    "topic_reappearance": "per topic of the reported fit: share of the other seeds' fits with "
    "a topic whose segments overlap it with Jaccard >= 0.5 (reappears), and the mean best "
    "Jaccard (best_jaccard)",
    "largest_document_share": "per topic: share of its segments from its largest document",
    "document_purity": "segments in their topic's largest document / clustered segments "
    "(1 = every topic is one document)",
    "generic_words": "removed from every model's vocabulary and from the metrics: among the "
    "top 25 c-TF-IDF words of more than topics.generic_topic_share of the topics (and at least "
    "two) of a first k-means clustering, or in more than topics.generic_document_share of the "
    "segments; field phrases exempt",
    "k_choice": "k-means k with the best NPMI x diversity of its c-TF-IDF words after generic "
    "words are removed (config seed)",
}


def _metrics_file(
    runs: dict[str, TopicRun], info: dict[str, Any], frame: pd.DataFrame, embedder: Any
) -> dict[str, Any]:
    from discourse.embeddings import MODEL_ID

    excluded = frame["excluded_reason"].value_counts().sort_index()
    return {
        **info,
        "embedding_model": getattr(embedder, "model_id", MODEL_ID),
        "n_segments": len(frame),
        "n_segments_excluded": {str(k): int(v) for k, v in excluded.items()},
        "models": {name: run.metrics for name, run in runs.items()},
        "definitions": DEFINITIONS,
    }


SUMMARY_KEYS = (
    "n_topics",
    "npmi_top10",
    "npmi_reference_top10",
    "diversity_top25",
    "outlier_rate",
    "stability_ari_mean",
    "topic_reappearance_mean",
    "document_purity",
)


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
    t0 = time.perf_counter()
    out = Path(output_dir)
    cfg = config.topics
    frame = _modelled(segments, labels, config)
    rows = frame[frame["excluded_reason"].isna()]
    texts, ids = rows["text"].tolist(), rows["segment_id"].tolist()
    if progress:
        progress(f"embed {len(texts)} segments")
    embedder, embeddings = _embed(texts, config, cache_dir, embedder)
    t_embed = time.perf_counter() - t0
    fit_idx = fit_sample(len(texts), cfg.max_fit_segments, config.seed)
    fitted = ([texts[i] for i in fit_idx], [ids[i] for i in fit_idx])
    docs = _documents(rows)
    runs, info = fit_topic_runs(
        fitted[0], embeddings[fit_idx], config, progress, [docs[i] for i in fit_idx]
    )
    t_fit = time.perf_counter() - t0 - t_embed
    assigned = {
        name: assign_all(run, fit_idx, texts, embeddings, progress) for name, run in runs.items()
    }
    t_assign = time.perf_counter() - t0 - t_embed - t_fit
    info["save_models"] = cfg.save_models
    info["fit_on_sample"] = {
        "fitted": len(fit_idx),
        "assigned_by_transform": len(texts) - len(fit_idx),
        "max_fit_segments": cfg.max_fit_segments,
        "note": "metrics and stability are computed on the fitted sample",
    }
    outputs, names = _write_models(runs, frame, assigned, fitted, config, out, embedder)
    metrics = _metrics_file(runs, info, frame, embedder)
    metrics["labels"] = {m: {str(t): v for t, v in sorted(n.items())} for m, n in names.items()}
    write_json(metrics, out / TOPIC_METRICS)
    if progress and info["corpus"]["too_small_for_topics"]:
        progress("corpus too small for topics: " + "; ".join(info["corpus"]["too_small_reasons"]))
    seconds = {"embed": t_embed, "fit": t_fit, "assign": t_assign}
    return _summary(runs, info, metrics, sorted([TOPIC_INFO, TOPIC_METRICS, *outputs]), seconds)


def _summary(
    runs: dict[str, TopicRun],
    info: dict[str, Any],
    metrics: dict[str, Any],
    outputs: list[str],
    seconds: dict[str, float],
) -> dict[str, Any]:
    """What the manifest records of the topic stage."""
    return {
        "outputs": outputs,
        "models": sorted(runs) if info["save_models"] else [],
        "n_segments_modelled": info["fit_on_sample"]["fitted"]
        + info["fit_on_sample"]["assigned_by_transform"],
        "n_segments_excluded": metrics["n_segments_excluded"],
        "corpus": info["corpus"],
        "summary": {
            name: {k: run.metrics.get(k) for k in SUMMARY_KEYS} for name, run in runs.items()
        },
        "fit_on_sample": info["fit_on_sample"],
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
