"""Tables: Reddit CSV, other delimiters, JSONL/Pushshift reply structure, Parquet, bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _paths import FIXTURES, ROOT
from discourse.config import PipelineConfig
from discourse.ingest.base import ReadContext
from discourse.ingest.files import InputFile, RejectedInput
from discourse.ingest.tables import (
    LONG_CELL_WORDS,
    MAX_JSON_DEPTH,
    _json_depth,
    cell_windows,
    read_csv,
    read_jsonl,
    read_parquet,
    to_iso,
)


def _read(reader, path: Path, config: PipelineConfig | None = None):
    ctx = ReadContext(config=config or PipelineConfig())
    docs = reader(InputFile(path=path, rel=path.name), ctx)
    return docs, ctx


def test_bundled_reddit_csv_works_out_of_the_box() -> None:
    docs, ctx = _read(read_csv, ROOT / "data" / "raw" / "reddit" / "BreakUps.csv")
    assert len(docs) == 1000 and ctx.counts["rows_read"] == 1000 and not ctx.quarantined
    d = docs[0]
    assert d.document.doc_id == "BreakUps.csv:v66sg"
    assert d.document.outlet == "r/BreakUps"  # from the permalink
    assert d.document.published == "2012-06-17T07:12:48Z"
    assert d.units[0].text.startswith(d.document.title + "\n\n")
    assert d.units[0].source_type == "post"


def test_reddit_csv_rows_quarantine_and_fields() -> None:
    docs, ctx = _read(read_csv, FIXTURES / "tables" / "reddit_small.csv")
    ids = [d.document.doc_id.split(":")[1] for d in docs]
    assert ids == ["v66sg", "v66sh", "v66sk"]
    reasons = {q.location: q.reason for q in ctx.quarantined}
    assert reasons == {
        "line 6": "empty text (no title or body)",
        "line 7": "ragged row: 12 fields, header has 8",
    }
    assert ctx.counts["rows_read"] == 5 and ctx.counts["rows_quarantined"] == 2
    assert docs[0].units[0].author == "throwaway_sad"
    assert docs[1].units[0].author is None  # [deleted]
    assert "\n\n" in docs[0].units[0].text  # embedded newlines inside a quoted field survive


def test_semicolon_delimiter_is_sniffed() -> None:
    docs, _ = _read(read_csv, FIXTURES / "tables" / "semicolon.csv")
    assert docs[0].units[0].text == "I blocked him and I feel free"
    assert docs[1].units[0].author == "ben"


def test_custom_column_map(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("cid,comment_text,who\n1,Stay strong,x\n")
    cfg = PipelineConfig()
    cfg.ingest.table.text = ["comment_text"]
    cfg.ingest.table.author = ["who"]
    cfg.ingest.table.id = ["cid"]
    cfg.ingest.table.kind = "comment"
    docs, _ = _read(read_csv, p, cfg)
    assert docs[0].units[0].text == "Stay strong" and docs[0].units[0].source_type == "comment"
    assert docs[0].units[0].author == "x"


def test_no_text_column_lists_columns(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(RejectedInput, match=r"no text column found \(columns: a, b\)"):
        _read(read_csv, p)


def test_pushshift_ndjson_keeps_reply_structure() -> None:
    docs, ctx = _read(read_jsonl, FIXTURES / "tables" / "pushshift.ndjson")
    reasons = sorted((q.location, q.reason.split(":")[0]) for q in ctx.quarantined)
    assert reasons == [
        ("line 4", "malformed JSON"),
        ("line 5", "empty comment body (deleted or removed)"),
    ]
    post, orphan = docs
    assert post.document.source_type == "post" and post.document.outlet == "r/ExNoContact"
    units = {u.key: u for u in post.units}
    assert units["c1"].reply_to == "abc1" and units["c1"].reply_inference == "explicit"
    assert units["c2"].reply_to == "c1"
    assert units["c2"].is_author_reply  # the original poster answering in their own thread
    assert orphan.document.source_type == "thread"
    assert orphan.units[0].reply_to is None and orphan.units[0].reply_inference == "parent_missing"
    assert ctx.counts["rows_read"] == 6


def test_json_array_and_parquet(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text('[{"id": 1, "text": "one"}, {"id": 2, "text": "two"}, 5]')
    docs, ctx = _read(read_jsonl, p)
    assert [d.units[0].text for d in docs] == ["one", "two"]
    assert ctx.quarantined[0].reason == "row is int, not an object"
    q = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "body": ["x y", "z"], "author": ["u1", None]}), q)
    docs, _ = _read(read_parquet, q)
    assert [d.units[0].text for d in docs] == ["x y", "z"]


def test_corrupt_parquet_is_rejected(tmp_path: Path) -> None:
    q = tmp_path / "t.parquet"
    q.write_bytes(b"PAR1garbage")
    with pytest.raises(RejectedInput, match="Parquet"):
        _read(read_parquet, q)


def test_duplicate_row_ids_quarantined(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("id,text\n1,a\n1,b\n")
    docs, ctx = _read(read_csv, p)
    assert len(docs) == 1 and "duplicate row id" in ctx.quarantined[0].reason


def test_to_iso() -> None:
    assert to_iso("1339917168.0") == "2012-06-17T07:12:48Z"
    assert to_iso(1339917168) == "2012-06-17T07:12:48Z"
    assert to_iso("2017-03-08 15:14") == "2017-03-08T15:14:00"
    assert to_iso("") is None and to_iso("garbage!!") is None


# -- issue 15: deeply nested JSON, very long cells --------------------------------------------
def test_deeply_nested_jsonl_line_is_quarantined_alone(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    deep = '{"id": "x", "selftext": ' + "[" * 10_000 + "]" * 10_000 + "}"
    path.write_text(
        '{"id": "a", "selftext": "First post."}\n' + deep + '\n{"id": "b", "selftext": "Last."}\n'
    )
    docs, ctx = _read(read_jsonl, path)
    assert [d.units[0].text for d in docs] == ["First post.", "Last."]
    (q,) = ctx.quarantined
    assert q.location == "line 2" and "nested 10001 levels deep" in q.reason
    # brackets inside strings are text, not nesting
    assert _json_depth('{"a": "[[[[{{{{", "b": ["\\"]]]"]}') == 2


def test_deeply_nested_json_array_is_rejected_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(
        RejectedInput, match=f"nested 5000 levels deep \\(limit {MAX_JSON_DEPTH}\\)"
    ):
        _read(read_jsonl, path)


def test_cell_windows_cover_the_cell_in_order() -> None:
    cell = "I stopped texting him. " * 3000 + "and then i just kept going " * 4000
    windows = cell_windows(cell, 80, 150)
    assert all(len(w.split()) <= 150 for w in windows)
    assert sum(len(w.split()) for w in windows) == len(cell.split())
    assert " ".join(windows).split() == cell.split()


def test_long_comment_becomes_windows_and_replies_point_to_the_first(tmp_path: Path) -> None:
    long_body = "No contact was the hardest and best thing I did. " * (LONG_CELL_WORDS // 10 + 50)
    rows = [
        {"id": "s1", "title": "Day one", "selftext": "Starting today.", "author": "op"},
        {"id": "c1", "body": long_body, "parent_id": "t3_s1", "link_id": "t3_s1", "author": "a"},
        {"id": "c2", "body": "Same here.", "parent_id": "t1_c1", "link_id": "t3_s1"},
    ]
    path = tmp_path / "thread.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (doc,), ctx = _read(read_jsonl, path)
    windows = [u for u in doc.units if u.meta["location"] == "line 2"]
    assert len(windows) > 60 and ctx.counts["long_cells"] == 1
    assert ctx.counts["long_cell_windows"] == len(windows)
    assert [u.key for u in windows] == ["c1"] + [None] * (len(windows) - 1)
    assert {(u.author, u.reply_to, u.source_type) for u in windows} == {("a", "s1", "comment")}
    assert " ".join(u.text for u in windows).split() == long_body.split()
    assert doc.units[-1].reply_to == "c1"
