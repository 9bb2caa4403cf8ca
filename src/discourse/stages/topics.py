"""The topic stage: embed the modelled segments, fit BERTopic and the baseline over seeds.

Embedding runs in batches on the engine first (labelers that embed have filled most of the
cache), so the topic fit finds every vector cached. A corpus too small or too sparse to model
is not an error: the stage's manifest entry says why it was skipped
(:class:`~discourse.errors.StageSkipped`). Any other error propagates.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from discourse.config import PipelineConfig
from discourse.errors import StageSkipped
from discourse.layout import LABELS, SEGMENTS
from discourse.stages.base import StageContext, StageResult

__all__ = ["TopicsStage", "embed_segments", "embed_texts", "fit_topics"]


class TopicsStage:
    """Segments (and labels) -> topic assignments, metrics, views and models
    (switch: ``topics.enabled``)."""

    name = "topics"
    manifest_key = "topics"
    inputs = (SEGMENTS,)
    optional_inputs = (LABELS,)
    config_sections = ("topics", "embeddings")
    switch: str | None = "topics.enabled"
    extra_keys = ("embeddings",)

    def key_parts(self, ctx: StageContext) -> dict[str, Any]:
        return {"seed": ctx.config.seed}

    def describe(self, ctx: StageContext) -> str:
        cfg = ctx.config.topics
        return f"topics: BERTopic and {cfg.baseline}, {cfg.stability_seeds} seeds"

    def run(self, ctx: StageContext) -> StageResult:
        t0 = time.perf_counter()
        counts = embed_segments(ctx.source, ctx.config, ctx.cache_dir, ctx.engine)
        embed_seconds = time.perf_counter() - t0
        info = fit_topics(ctx.source, ctx.config, ctx.cache_dir, ctx.target, progress=ctx.detail)
        return StageResult(
            info=info,
            outputs=info.pop("outputs", []),
            timings={"embed": embed_seconds},
            extra={"embeddings": counts},
        )

    def manifest_entries(self, info: dict[str, Any]) -> dict[str, Any]:
        return {self.manifest_key: info}


def embed_texts(texts: list[str], cache_dir: str, backend: str = "minilm") -> dict[str, int]:
    """Embed a batch of texts into the shared cache (an engine work item); return the counts."""
    embedder = _process_embedder(cache_dir, backend)
    before = dict(embedder.stats)
    embedder.encode(texts)
    return {k: embedder.stats[k] - before[k] for k in before}


_EMBEDDERS: dict[str, Any] = {}


def _process_embedder(cache_dir: str, backend: str) -> Any:
    from discourse.embedding_backends import make_embedder

    key = f"{backend}\x00{cache_dir}"
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = make_embedder(backend, cache_dir)
    return _EMBEDDERS[key]


def embed_segments(stage: Path, cfg: PipelineConfig, cache: str, engine: Any) -> dict[str, Any]:
    """Embed the segments the topic models will use, in batches with the engine, so the topic
    stage finds every vector in the cache (labelers that embed have filled most of it)."""
    from discourse.topics.stage import select_segments

    segments = pq.read_table(
        stage / SEGMENTS, columns=["segment_id", "text", "boilerplate", "duplicate_of"]
    ).to_pandas()
    labels = None
    if (stage / LABELS).is_file():
        labels = pq.read_table(stage / LABELS, columns=["segment_id", "language"]).to_pandas()
    texts = segments["text"][select_segments(segments, labels, cfg).isna()].tolist()
    size = 2_000
    batches = [texts[i : i + size] for i in range(0, len(texts), size)]
    counts = {"segments": len(texts), "cache_hits": 0, "computed": 0}
    for got in engine.map(
        embed_texts, batches, cache_dir=cache, backend=cfg.embeddings.topic_backend()
    ):
        counts["cache_hits"] += got["hits"]
        counts["computed"] += got["computed"]
    return counts


def fit_topics(
    source: Path, cfg: PipelineConfig, cache: str, target: Path, progress: Any = None
) -> dict[str, Any]:
    """Fit the topic models on ``source``'s segments and write the outputs to ``target``.

    A corpus too small to model (:class:`StageSkipped`) is recorded as ``{"skipped":
    reason}``, not raised. Any other error propagates.
    """
    from discourse.topics.stage import model_files, topics_stage

    segments = pq.read_table(source / SEGMENTS).to_pandas()
    # at most this many segments can be modelled (exclusions only remove some)
    candidates = int(segments["text"].fillna("").str.strip().ne("").sum())
    if candidates < cfg.topics.min_segments:
        return {
            "skipped": f"too few segments to model topics: {candidates} "
            f"(topics.min_segments = {cfg.topics.min_segments})"
        }
    labels = None
    if (source / LABELS).is_file():
        labels = pq.read_table(
            source / LABELS, columns=["segment_id", "stance", "language"]
        ).to_pandas()
    try:
        info = topics_stage(segments, labels, cfg, target, cache_dir=cache, progress=progress)
    except StageSkipped as exc:
        return {"skipped": exc.reason}
    info["outputs"] = info["outputs"] + model_files(target, info["models"])
    return info
