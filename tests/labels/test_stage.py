"""Stance profiles: counted batch by batch, equal to the whole-table computation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from discourse.codebook import load_codebook
from discourse.labels.stage import StanceCounts, stance_profiles


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    stances = ["strategic", "none", "self-healing", "strategic", "autonomy-first", "none"] * 3
    n = len(stances)
    segments = pd.DataFrame(
        {
            "segment_id": [f"s{i:02d}" for i in range(n)],
            "doc_id": [f"D-{i % 5}" for i in range(n)],
            "source_type": ["comment" if i % 3 else "submission" for i in range(n)],
            "boilerplate": [i % 7 == 3 for i in range(n)],
            "duplicate_of": [f"s{i - 1:02d}" if i % 4 == 1 else None for i in range(n)],
        }
    )
    # D-4's segments are all boilerplate or duplicates: it has no profile row
    segments.loc[segments.doc_id == "D-4", "boilerplate"] = True
    labels = pd.DataFrame({"segment_id": segments.segment_id[::-1], "stance": stances[::-1]})
    return segments, labels


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format="%.6f")


def test_counts_added_per_batch_equal_the_whole_table() -> None:
    cb = load_codebook()
    segments, labels = _frames()
    whole = stance_profiles(segments, labels, cb)
    assert "D-4" not in set(whole[0].doc_id)
    assert whole[0].n.sum() == whole[1].n.sum() > 0
    merged = segments.merge(labels, on="segment_id")
    for size in (1, 4, 7, len(merged)):
        counts = StanceCounts(cb)
        for start in range(0, len(merged), size):
            part = merged.iloc[start : start + size]
            counts.add(part.drop(columns="stance"), part.stance.tolist())
        got = counts.profiles()
        for a, b in zip(got, whole):
            pd.testing.assert_frame_equal(a, b)
            assert _csv(a) == _csv(b)


def test_no_counted_segment_gives_header_only_tables() -> None:
    cb = load_codebook()
    segments, labels = _frames()
    segments["boilerplate"] = True
    by_doc, by_source = StanceCounts(cb).profiles()
    assert _csv(by_doc) == _csv(stance_profiles(segments, labels, cb)[0])
    assert _csv(by_source).startswith("source_type,n,share_strategic,")
    assert len(by_doc) == len(by_source) == 0


def test_label_stage_profiles_equal_stance_profiles(tmp_path: Path, monkeypatch) -> None:
    from discourse.config import PipelineConfig
    from discourse.corpus import SEGMENT_SCHEMA
    from discourse.engines import LocalEngine
    from discourse.layout import (
        LABELS,
        SEGMENTS,
        STANCE_PROFILE_DOCUMENTS,
        STANCE_PROFILE_SOURCE_TYPES,
    )
    from discourse.stages import label as label_stage

    segments, _ = _frames()
    texts = [
        "I blocked him everywhere and it was the best decision for my healing.",
        "No contact is the only way to get them back, make them miss you.",
        "It is my choice and my life, I decide who I talk to.",
        "The weather was nice today.",
    ]
    rows = [
        {
            **{k: None if pd.isna(v) else v for k, v in r.items()},
            "text": texts[i % len(texts)],
            "position": 0,
            "n_words": 10,
        }
        for i, r in enumerate(segments.to_dict("records"))
    ]
    pq.write_table(pa.Table.from_pylist(rows, schema=SEGMENT_SCHEMA), tmp_path / SEGMENTS)
    monkeypatch.setattr(label_stage, "ROW_GROUP", 4)  # several batches
    cfg = PipelineConfig()
    cfg.label.labeler = "rules"
    with LocalEngine() as engine:
        label_stage.label_segments(tmp_path, cfg, str(tmp_path / "cache"), engine)
    seg = pq.read_table(tmp_path / SEGMENTS).to_pandas()
    labels = pq.read_table(tmp_path / LABELS).to_pandas()
    assert labels.segment_id.tolist() == seg.segment_id.tolist()
    by_doc, by_source = stance_profiles(seg, labels, load_codebook())
    assert (tmp_path / STANCE_PROFILE_DOCUMENTS).read_text(encoding="utf-8") == _csv(by_doc)
    assert (tmp_path / STANCE_PROFILE_SOURCE_TYPES).read_text(encoding="utf-8") == _csv(by_source)


class _AllocationsPerBatch:
    """A local engine that records Arrow's allocated bytes as each batch comes back."""

    def __init__(self) -> None:
        self.allocated: list[int] = []

    def map(self, fn, items, **kwargs):
        for item in items:
            out = fn(item, **kwargs)
            self.allocated.append(pa.total_allocated_bytes())
            yield out


def test_label_stage_reader_does_not_keep_the_batches_it_has_read(
    tmp_path: Path, monkeypatch
) -> None:
    """Arrow's pre-buffering reader keeps every row group read (column subset, many row
    groups) until the file is done: 600 MB at 3M segments. The stage reads without it."""
    import random

    from discourse.config import PipelineConfig
    from discourse.corpus import SEGMENT_SCHEMA
    from discourse.layout import SEGMENTS
    from discourse.stages import label as label_stage

    rng = random.Random(5)
    n, group = 4_000, 250

    def noise(k: int) -> str:  # incompressible, so each row group's pages are large
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(k))

    rows = [
        {
            "segment_id": f"s{i:05d}",
            "doc_id": f"D-{i // 50}",
            "source_type": "comment",
            "boilerplate": False,
            "duplicate_of": None,
            "position": i % 50,
            "n_words": 40,
            "text": "No contact helped me heal. " + noise(600),
            "text_original": noise(100),  # a column the stage does not read
        }
        for i in range(n)
    ]
    table = pa.Table.from_pylist(rows, schema=SEGMENT_SCHEMA)
    pq.write_table(table, tmp_path / SEGMENTS, row_group_size=group, compression="zstd")
    monkeypatch.setattr(label_stage, "ROW_GROUP", group)
    cfg = PipelineConfig()
    cfg.label.labeler = "rules"
    engine = _AllocationsPerBatch()
    label_stage.label_segments(tmp_path, cfg, str(tmp_path / "cache"), engine)
    assert len(engine.allocated) == n // group
    # a pre-buffering reader keeps about 96 kB a batch here (1.25 MB from the second batch
    # to the last); without it the allocations grow about 11 kB in all
    growth = engine.allocated[-1] - engine.allocated[1]
    assert growth < 200_000, engine.allocated


def test_label_stage_fixes_the_heap_only_for_large_runs(tmp_path: Path, monkeypatch) -> None:
    """The mmap threshold costs CPU: the stage sets it from FLAT_HEAP_SEGMENTS segments."""
    import contextlib

    from discourse.config import PipelineConfig
    from discourse.corpus import SEGMENT_SCHEMA
    from discourse.engines import LocalEngine
    from discourse.layout import SEGMENTS
    from discourse.stages import label as label_stage

    row = {"segment_id": "s0", "doc_id": "D", "source_type": "comment", "boilerplate": False}
    row |= {"position": 0, "n_words": 3, "text": "No contact helped."}
    pq.write_table(pa.Table.from_pylist([row] * 3, schema=SEGMENT_SCHEMA), tmp_path / SEGMENTS)
    entered: list[bool] = []

    @contextlib.contextmanager
    def recording_heap():
        entered.append(True)
        yield True

    monkeypatch.setattr("discourse.memory.batch_heap", recording_heap)
    cfg = PipelineConfig()
    cfg.label.labeler = "rules"
    for limit, expected in ((4, []), (3, [True])):
        monkeypatch.setattr(label_stage, "FLAT_HEAP_SEGMENTS", limit)
        entered.clear()
        label_stage.label_segments(tmp_path, cfg, str(tmp_path / "cache"), LocalEngine())
        assert entered == expected


def test_labels_parquet_does_not_record_the_pandas_version(tmp_path: Path) -> None:
    """pandas' schema metadata names its version, so a pandas patch release changed the
    bytes of labels.parquet; the label outputs carry no pandas metadata."""
    from discourse.config import PipelineConfig
    from discourse.corpus import SEGMENT_SCHEMA
    from discourse.engines import LocalEngine
    from discourse.labels.stage import write_table
    from discourse.layout import LABELS, SEGMENTS
    from discourse.stages import label as label_stage

    row = {"segment_id": "s0", "doc_id": "D", "source_type": "comment", "boilerplate": False}
    row |= {"position": 0, "n_words": 3, "text": "No contact helped me heal."}
    pq.write_table(pa.Table.from_pylist([row], schema=SEGMENT_SCHEMA), tmp_path / SEGMENTS)
    cfg = PipelineConfig()
    cfg.label.labeler = "rules"
    label_stage.label_segments(tmp_path, cfg, str(tmp_path / "cache"), LocalEngine())
    labels = pq.read_table(tmp_path / LABELS)
    assert not (labels.schema.metadata or {})
    write_table(labels.to_pandas(), tmp_path / "again.parquet")
    assert not (pq.read_schema(tmp_path / "again.parquet").metadata or {})
    assert pq.read_table(tmp_path / "again.parquet").equals(labels)
