"""Rows in corpus order: duplicate marking and totals across row groups."""

from __future__ import annotations

from discourse.build import FileOutput, FileRecord, MemorySink
from discourse.corpus import Segment
from discourse.dedup import duplicate_key, mark_duplicates


def _file(doc: str, texts: list[str]) -> FileOutput:
    segments = [
        Segment(
            segment_id=f"{doc}#{i:04d}",
            doc_id=doc,
            source_type="comment",
            position=i,
            text=t,
            n_words=len(t.split()),
        )
        for i, t in enumerate(texts)
    ]
    return FileOutput(
        record=FileRecord(path=f"{doc}.txt", status="processed"),
        quarantine=[],
        doc_rows=[{"doc_id": doc, "source_type": "comment", "n_words": 0, "n_segments": 0}],
        segments=segments,
        dedup_keys=[duplicate_key(t) for t in texts],
    )


def test_duplicates_across_row_groups_point_at_the_first_segment() -> None:
    files = {
        "D-a": ["No contact works.", "Something else.", "no contact  works."],
        "D-b": ["Something ELSE.", "A new text."],
        "D-c": ["a new text.", "No contact works.", "Only once."],
    }
    sink = MemorySink(row_group=2)  # every file spans row groups
    for doc, texts in files.items():
        sink.add(_file(doc, texts))
    _, segments, totals = sink.close()
    assert segments.num_rows == 8
    ids = segments.column("segment_id").to_pylist()
    texts = [t for ts in files.values() for t in ts]
    expected = mark_duplicates(ids, texts)
    assert segments.column("duplicate_of").to_pylist() == expected
    assert expected == [None, None, "D-a#0000", "D-a#0001", None, "D-b#0001", "D-a#0000", None]
    assert totals["duplicate_segments"] == 4 and totals["segments"] == 8
