"""The label stage: stance and themes for every segment, and the stance profiles.

Writes ``labels.parquet`` (one row per segment: stance, stance score, theme flags and scores,
evidence, language) and the stance profiles per document and per source type.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from discourse.build import ROW_GROUP
from discourse.config import PipelineConfig
from discourse.io_utils import atomic_path, table_from_frame, write_text
from discourse.layout import (
    LABELS,
    SEGMENTS,
    STANCE_PROFILE_DOCUMENTS,
    STANCE_PROFILE_SOURCE_TYPES,
)
from discourse.stages.base import StageContext, StageResult
from discourse.stages.runner import codebook_hash

#: From this many segments the stage fixes glibc's mmap threshold (:func:`discourse.memory.
#: batch_heap`). Measured at 1M segments: without it RSS between batches climbed 868 ->
#: 1,174 MB by batch 20 and 1,540 MB by batch 42; with it, flat at about 800 MB; but it cost
#: the student 15-30% more CPU (fresh maps for large arrays), which a small run does not
#: need to pay (benchmarks/results/RESULTS.md, "Label stage memory, found").
FLAT_HEAP_SEGMENTS = 250_000

__all__ = ["LabelStage", "label_segments"]


class LabelStage:
    """Segments -> labels and stance profiles (switch: ``label.enabled``)."""

    name = "label"
    manifest_key = "labels"
    inputs = (SEGMENTS,)
    optional_inputs: tuple[str, ...] = ()
    config_sections = ("label", "embeddings")
    switch: str | None = "label.enabled"
    extra_keys: tuple[str, ...] = ()

    def key_parts(self, ctx: StageContext) -> dict[str, Any]:
        return {"codebook": codebook_hash(ctx.config)}

    def describe(self, ctx: StageContext) -> str:
        n = pq.ParquetFile(ctx.source / SEGMENTS).metadata.num_rows
        return f"label: {n} segments with labeler '{ctx.config.label.labeler}'"

    def run(self, ctx: StageContext) -> StageResult:
        info = label_segments(ctx.target, ctx.config, ctx.cache_dir, ctx.engine)
        return StageResult(info=info, outputs=info.pop("outputs"))

    def manifest_entries(self, info: dict[str, Any]) -> dict[str, Any]:
        return {self.manifest_key: info}


def label_segments(stage: Path, cfg: PipelineConfig, cache: str, engine: Any) -> dict[str, Any]:
    """Label every segment in row-group batches (with the engine); write ``labels.parquet``
    and the stance profiles.

    The columns the profiles need are read in the same batches as the texts and reduced to
    counts per document and source type batch by batch (:class:`StanceCounts`), so memory
    does not grow with the number of segments; the C heap's free pages go back to the system
    after each batch and, from :data:`FLAT_HEAP_SEGMENTS` segments, large arrays are mapped
    on their own (:mod:`discourse.memory`).
    """
    from discourse.codebook import load_codebook
    from discourse.labels.stage import PROFILE_COLUMNS, LabelerSpec, StanceCounts, label_texts
    from discourse.memory import batch_heap, release_free_memory

    codebook = load_codebook(cfg.label.codebook)
    spec = LabelerSpec(
        cfg.label.labeler,
        cfg.label.codebook,
        cache,
        cfg.label.weights,
        cfg.embeddings.labeler_backend(),
    )
    # pre_buffer off: with it, the reader keeps every row group it has read until it is done
    # (Arrow's read cache), about 4 MB a 20k batch here, 600 MB at 3M segments
    source = pq.ParquetFile(stage / SEGMENTS, pre_buffer=False)
    batches = source.iter_batches(
        batch_size=ROW_GROUP, columns=["segment_id", "text", *PROFILE_COLUMNS]
    )
    pending: list[pa.RecordBatch | None] = []  # each batch's other columns, until labelled

    def texts() -> Any:
        for batch in batches:
            pending.append(batch.drop_columns(["text"]))
            yield batch.column("text").to_pylist()

    profiles = StanceCounts(codebook)

    stance_counts: Counter[str] = Counter()
    theme_counts: Counter[str] = Counter()
    non_english = 0
    writer = None
    big = source.metadata.num_rows >= FLAT_HEAP_SEGMENTS
    with atomic_path(stage / LABELS) as tmp, batch_heap() if big else contextlib.nullcontext():
        try:
            for i, labels in enumerate(engine.map(label_texts, texts(), spec=spec)):
                batch, pending[i] = pending[i], None
                assert batch is not None
                labels.insert(0, "segment_id", batch.column("segment_id").to_pylist())
                profiles.add(batch.select(PROFILE_COLUMNS).to_pandas(), labels["stance"])
                if writer is None:
                    table = table_from_frame(labels)
                    writer = pq.ParquetWriter(tmp, table.schema)
                else:
                    table = table_from_frame(labels, schema=writer.schema)
                writer.write_table(table, row_group_size=ROW_GROUP)
                stance_counts.update(labels["stance"].tolist())
                for t in codebook.theme_names:
                    theme_counts[t] += int(labels[t].sum())
                non_english += int((labels["language"] != "en").sum())
                release_free_memory()  # the batch's freed memory, back to the system
            if writer is None:  # no segments: an empty table with the labeler's columns
                empty = label_texts([], spec=spec)
                empty.insert(0, "segment_id", pd.Series([], dtype=str))
                pq.write_table(table_from_frame(empty), tmp)
        finally:
            if writer is not None:
                writer.close()
    by_doc, by_source = profiles.profiles()
    write_text(by_doc.to_csv(index=False, float_format="%.6f"), stage / STANCE_PROFILE_DOCUMENTS)
    write_text(
        by_source.to_csv(index=False, float_format="%.6f"),
        stage / STANCE_PROFILE_SOURCE_TYPES,
    )
    labeler = spec.build()
    return {
        "labeler": labeler.name,
        "labeler_version": labeler.version,
        "codebook": {"name": codebook.meta.name, "version": codebook.meta.version},
        "stance_counts": dict(sorted(stance_counts.items())),
        "theme_counts": {t: theme_counts[t] for t in codebook.theme_names},
        "non_english": non_english,
        "outputs": [
            LABELS,
            STANCE_PROFILE_DOCUMENTS,
            STANCE_PROFILE_SOURCE_TYPES,
        ],
    }
