"""From input files to the rows of ``documents.parquet`` and ``segments.parquet``.

The per-file work (read, parse, clean, segment, pseudonymise) is a pure function of one file
and the config, :func:`process_files`, so an engine can run it anywhere. What depends on the
order of the whole corpus (which segment is the first of a set of duplicates) and the writing
happen in :class:`TableSink`, in the driver, which streams rows to Parquet in row groups: memory
stays bounded by the row-group size, not the corpus.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from discourse.clean.boilerplate import BoilerplateDetector
from discourse.config import PipelineConfig
from discourse.corpus import DOCUMENT_SCHEMA, SEGMENT_SCHEMA, ParsedDocument, word_count
from discourse.dedup import DuplicateMarker, duplicate_key
from discourse.ingest import ReadContext, SourceOverride, readers
from discourse.ingest.base import SUFFIXES
from discourse.ingest.files import InputFile, QuarantineEntry, RejectedInput
from discourse.io_utils import atomic_path
from discourse.privacy import Pseudonymiser
from discourse.segment.segmenter import segment_document

__all__ = [
    "FileOutput",
    "FileRecord",
    "FileTask",
    "TableSink",
    "document_rows",
    "process_files",
    "read_input_file",
]

ROW_GROUP = 20_000


@dataclass
class FileRecord:
    """One input file's line in the manifest."""

    path: str
    status: str
    sha256: str | None = None
    size_bytes: int | None = None
    reader: str | None = None
    reader_version: str | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if v not in (None, [], {})}
        d["counts"] = dict(sorted(self.counts.items()))
        return d


@dataclass
class FileTask:
    """What a worker needs to process one file."""

    path: str
    rel: str
    override: SourceOverride | None = None


@dataclass
class FileOutput:
    """One file's manifest record, quarantine entries and output rows."""

    record: FileRecord
    quarantine: list[QuarantineEntry]
    doc_rows: list[dict[str, Any]] = field(default_factory=list)
    seg_rows: list[dict[str, Any]] = field(default_factory=list)


def _reader_for(file: InputFile, data_head: bytes) -> str | None:
    name = file.effective_name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    head = data_head.lstrip()[:200]
    if head.startswith(b"WEBVTT"):
        return "vtt"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head[:1] in (b"{", b"["):
        return "jsonl"
    if head[:1].isdigit() and b"-->" in data_head[:300]:
        return "srt"
    if head.lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def read_input_file(
    f: InputFile, config: PipelineConfig, override: SourceOverride | None = None
) -> tuple[FileRecord, list[ParsedDocument], list[QuarantineEntry]]:
    """Read and parse one file; a file that cannot be used is quarantined with the reason."""
    record = FileRecord(path=f.rel, status="processed")
    quarantine: list[QuarantineEntry] = []
    ctx = ReadContext(config=config, override=override)
    try:
        data = f.read_bytes(int(config.ingest.max_file_mb * 1e6))
        record.sha256 = f.sha256
        record.size_bytes = f.path.stat().st_size
        if f.inner_name:
            record.notes.append("gzip-compressed")
        name = _reader_for(f, data[:512])
        if name not in readers:
            raise RejectedInput(f"no reader for this file type ({name})")
        record.reader, record.reader_version = name, readers.entry(name).version
        parsed = readers.get(name)(f, ctx)
    except RejectedInput as exc:
        record.status, record.reason = "quarantined", str(exc)
        record.sha256 = record.sha256 or (f.sha256 or None)
        quarantine.append(QuarantineEntry(path=f.rel, reason=str(exc)))
        quarantine.extend(ctx.quarantined)
        record.counts.update(ctx.counts)
        return record, [], quarantine
    except Exception as exc:  # a reader bug must not lose the rest of the corpus
        record.status = "quarantined"
        record.reason = f"reader error: {type(exc).__name__}: {exc}"
        quarantine.append(QuarantineEntry(path=f.rel, reason=record.reason))
        return record, [], quarantine
    quarantine.extend(ctx.quarantined)
    record.counts.update(ctx.counts)
    record.notes.extend(ctx.notes)
    record.counts["documents"] = len(parsed)
    record.counts["units"] = sum(len(p.units) for p in parsed)
    if "rows_read" in ctx.counts:
        record.counts["rows_used"] = record.counts["units"]
    if ctx.quarantined:
        record.status = "partial"
        if not parsed:
            record.status = "quarantined"
            record.reason = f"no usable rows: all {len(ctx.quarantined)} quarantined"
            quarantine.append(QuarantineEntry(path=f.rel, reason=record.reason))
    return record, parsed, quarantine


def document_rows(
    parsed: ParsedDocument,
    config: PipelineConfig,
    detector: BoilerplateDetector,
    pseudonymiser: Pseudonymiser,
    stats: Counter[str],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Clean, segment and pseudonymise one document: its row and its segment rows.

    Segment rows carry ``_dedup_key`` (the text before masking, folded) for
    :class:`TableSink`, which fills ``duplicate_of``.
    """
    doc = parsed.document
    masked_author = pseudonymiser.pseudonym if config.privacy.pseudonymise else (lambda x: x)
    drafts, seg_stats = segment_document(parsed, config, detector)
    stats.update(seg_stats)
    names = {d.author for d in drafts if d.author}
    if doc.author:
        names.add(doc.author)
    key_to_id: dict[str, str] = {}
    ids = []
    for pos, d in enumerate(drafts):
        sid = f"{doc.doc_id}#{pos:04d}"
        if d.key:
            key_to_id[d.key] = sid
        ids.append(sid)
    seg_rows = []
    doc_words = 0
    for pos, (sid, d) in enumerate(zip(ids, drafts)):
        text = pseudonymiser.mask_text(d.text, names)
        n_words = word_count(text)
        doc_words += n_words
        seg_rows.append(
            {
                "segment_id": sid,
                "doc_id": doc.doc_id,
                "source_type": d.source_type,
                "author": masked_author(d.author),
                "published": d.published or (doc.published if d.source_type != "comment" else None),
                "reply_to": key_to_id.get(d.reply_to_key) if d.reply_to_key else None,
                "reply_inference": d.reply_inference,
                "is_author_reply": bool(d.is_author_reply),
                "position": pos,
                "text": text,
                "n_words": n_words,
                "boilerplate": d.boilerplate_reason is not None,
                "boilerplate_reason": d.boilerplate_reason,
                "duplicate_of": None,
                "time_start": d.time_start,
                "time_end": d.time_end,
                "source_start": d.source_start,
                "source_end": d.source_end,
                "source_location": d.source_location,
                "_dedup_key": duplicate_key(d.text),
            }
        )
        stats["segments"] += 1
        stats["boilerplate_segments"] += d.boilerplate_reason is not None
    doc_author = doc.author
    if doc_author and config.privacy.pseudonymise_document_authors:
        doc_author = masked_author(doc_author)
    doc_row = {
        "doc_id": doc.doc_id,
        "source_type": doc.source_type,
        "title": pseudonymiser.mask_text(doc.title, names) if doc.title else None,
        "outlet": doc.outlet,
        "author": doc_author,
        "author_inferred": doc.author_inferred,
        "published": doc.published,
        "url": doc.url,
        "path": doc.path,
        "sha256": doc.sha256,
        "n_words": doc_words,
        "n_segments": len(drafts),
    }
    return doc_row, seg_rows


def process_files(tasks: list[FileTask], config: PipelineConfig, salt: str) -> list[FileOutput]:
    """Read, parse, clean, segment and pseudonymise a chunk of files (an engine work item)."""
    detector = BoilerplateDetector(config.boilerplate)
    pseudonymiser = Pseudonymiser(salt, config.privacy)
    out = []
    for task in tasks:
        f = InputFile(path=Path(task.path), rel=task.rel)
        record, parsed, quarantine = read_input_file(f, config, task.override)
        result = FileOutput(record=record, quarantine=quarantine)
        stats: Counter[str] = Counter()
        for p in parsed:
            doc_row, seg_rows = document_rows(p, config, detector, pseudonymiser, stats)
            result.doc_rows.append(doc_row)
            result.seg_rows.extend(seg_rows)
        if parsed:
            record.counts.update(stats)
        out.append(result)
    return out


class TableSink:
    """Streams document and segment rows to Parquet, marking duplicates in corpus order.

    Parameters
    ----------
    folder
        Where ``documents.parquet`` and ``segments.parquet`` are written (each atomically, when
        :meth:`close` is called).
    row_group
        Rows buffered before a row group is written.
    """

    def __init__(self, folder: Path, row_group: int = ROW_GROUP) -> None:
        self.folder = Path(folder)
        self.row_group = row_group
        self._marker = DuplicateMarker()
        self._docs: list[dict[str, Any]] = []
        self._segs: list[dict[str, Any]] = []
        self._ctx = {
            name: atomic_path(self.folder / name)
            for name in ("documents.parquet", "segments.parquet")
        }
        self._paths = {name: ctx.__enter__() for name, ctx in self._ctx.items()}
        self._writers = {
            "documents.parquet": pq.ParquetWriter(
                self._paths["documents.parquet"], DOCUMENT_SCHEMA
            ),
            "segments.parquet": pq.ParquetWriter(self._paths["segments.parquet"], SEGMENT_SCHEMA),
        }
        self.totals: dict[str, Any] = {
            "documents": 0,
            "segments": 0,
            "duplicate_segments": 0,
            "words": 0,
            "segments_by_source_type": Counter(),
            "boilerplate_by_reason": Counter(),
        }

    def add(self, result: FileOutput) -> None:
        """Add one file's rows (files must come in corpus order)."""
        dups = 0
        for row in result.seg_rows:
            row["duplicate_of"] = self._marker.first_of(row.pop("_dedup_key"), row["segment_id"])
            dups += row["duplicate_of"] is not None
            self.totals["segments_by_source_type"][row["source_type"]] += 1
            if row["boilerplate_reason"]:
                self.totals["boilerplate_by_reason"][row["boilerplate_reason"]] += 1
            self.totals["words"] += row["n_words"]
        if result.doc_rows:
            result.record.counts["duplicate_segments"] = dups
        self.totals["duplicate_segments"] += dups
        self.totals["documents"] += len(result.doc_rows)
        self.totals["segments"] += len(result.seg_rows)
        self._docs.extend(result.doc_rows)
        self._segs.extend(result.seg_rows)
        result.doc_rows, result.seg_rows = [], []
        self._flush(final=False)

    def _flush(self, final: bool) -> None:
        for name, rows, schema in (
            ("documents.parquet", self._docs, DOCUMENT_SCHEMA),
            ("segments.parquet", self._segs, SEGMENT_SCHEMA),
        ):
            while len(rows) >= self.row_group or (final and rows):
                chunk = rows[: self.row_group]
                del rows[: self.row_group]
                self._writers[name].write_table(
                    pa.Table.from_pylist(chunk, schema=schema), row_group_size=self.row_group
                )

    def close(self) -> dict[str, Any]:
        """Write what is buffered, publish both files and return the totals."""
        self._flush(final=True)
        for name, writer in self._writers.items():
            writer.close()
            self._ctx[name].__exit__(None, None, None)
        self._writers = {}
        totals = dict(self.totals)
        for key in ("segments_by_source_type", "boilerplate_by_reason"):
            totals[key] = dict(sorted(totals[key].items()))
        return totals

    def abort(self) -> None:
        """Drop the partial files (on an error)."""
        for name, writer in self._writers.items():
            writer.close()
            self._ctx[name].__exit__(RuntimeError, RuntimeError("aborted"), None)
        self._writers = {}
