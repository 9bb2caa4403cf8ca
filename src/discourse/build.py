"""From input files to the rows of ``documents.parquet`` and ``segments.parquet``.

The per-file work (read, parse, clean, segment, pseudonymise) is a pure function of one file
and the config, :func:`process_files`, so an engine can run it anywhere. What depends on the
order of the whole corpus (which segment is the first of a set of duplicates) and the writing
happen in :class:`TableSink`, in the driver, which streams rows to Parquet in row groups: memory
stays bounded by the row-group size, not the corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from discourse.clean.boilerplate import BoilerplateDetector
from discourse.clean.normalize import normalise_text
from discourse.config import PipelineConfig
from discourse.corpus import DOCUMENT_SCHEMA, SEGMENT_SCHEMA, ParsedDocument, Segment, word_count
from discourse.dedup import DuplicateMarker, duplicate_key
from discourse.ingest import ReadContext, SourceOverride, readers
from discourse.ingest.base import SUFFIXES
from discourse.ingest.files import InputFile, QuarantineEntry, RejectedInput, display_name
from discourse.io_utils import atomic_path
from discourse.layout import DOCUMENTS, SEGMENTS
from discourse.privacy import Pseudonymiser
from discourse.segment.segmenter import segment_document

__all__ = [
    "FileOutput",
    "FileRecord",
    "FileTask",
    "MemorySink",
    "RowSink",
    "TableSink",
    "corpus_names",
    "document_names",
    "document_rows",
    "mask_paths",
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
    segments: list[Segment] = field(default_factory=list)
    #: per segment, the text it is compared on for exact duplicates (before masking, folded)
    dedup_keys: list[str] = field(default_factory=list)


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
    if any(display_name(part) != part for part in f.path.parts[-f.rel.count("/") - 1 :]):
        record.notes.append("file name is not valid UTF-8: its bytes are shown as \\xNN")
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
        record.reason = display_name(f"reader error: {type(exc).__name__}: {exc}")
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
    drafts: list[Any] | None = None,
) -> tuple[dict[str, Any], list[Segment], list[str]]:
    """Clean, segment and pseudonymise one document: its row, its segments and their
    duplicate keys.

    The duplicate keys (each segment's text before masking, folded) let a sink fill
    ``duplicate_of`` in corpus order. ``drafts`` are the document's segments when already made
    (:func:`process_files` segments a whole file first, so the person-name model sees its texts
    in one batch).
    """
    doc = parsed.document
    private = config.privacy.pseudonymise
    masked_author = pseudonymiser.pseudonym if private else (lambda x: x)
    if drafts is None:
        drafts, seg_stats = segment_document(parsed, config, detector)
        stats.update(seg_stats)
    names = {d.author for d in drafts if d.author}
    if doc.author:
        names.add(doc.author)
    # ids from a keyed hash of the reader's id (the relative path, plus the row id for tables):
    # file names often carry names; the same salt gives the same ids
    doc_id = pseudonymiser.identifier(doc.doc_id) if private else doc.doc_id
    # the title is cleaned like the text (mojibake, curly quotes, whitespace)
    title = normalise_text(doc.title, config.clean) if doc.title else ""
    originals = [d.text_original for d in drafts if d.text_original]
    masked = pseudonymiser.mask_texts([d.text for d in drafts] + originals + [title], names)
    masked_original = iter(masked[len(drafts) : len(drafts) + len(originals)])
    names |= set(pseudonymiser.last_persons)
    key_to_id: dict[str, str] = {}
    ids = []
    for pos, d in enumerate(drafts):
        sid = f"{doc_id}#{pos:04d}"
        if d.key:
            key_to_id[d.key] = sid
        ids.append(sid)
    segments: list[Segment] = []
    keys: list[str] = []
    doc_words = 0
    for pos, (sid, d) in enumerate(zip(ids, drafts)):
        text = masked[pos]
        n_words = word_count(text)
        doc_words += n_words
        segments.append(
            Segment(
                segment_id=sid,
                doc_id=doc_id,
                source_type=d.source_type,
                author=masked_author(d.author),
                published=d.published or (doc.published if d.source_type != "comment" else None),
                reply_to=key_to_id.get(d.reply_to_key) if d.reply_to_key else None,
                reply_inference=d.reply_inference,
                is_author_reply=bool(d.is_author_reply),
                position=pos,
                text=text,
                text_original=next(masked_original) if d.text_original else None,
                n_words=n_words,
                boilerplate=d.boilerplate_reason is not None,
                boilerplate_reason=d.boilerplate_reason,
                time_start=d.time_start,
                time_end=d.time_end,
                source_start=d.source_start,
                source_end=d.source_end,
                source_location=d.source_location,
            )
        )
        keys.append(duplicate_key(d.text_original or d.text))
        stats["segments"] += 1
        stats["boilerplate_segments"] += d.boilerplate_reason is not None
    doc_author = doc.author
    if doc_author and config.privacy.pseudonymise_document_authors:
        doc_author = masked_author(doc_author)
    doc_row = {
        "doc_id": doc_id,
        "source_type": doc.source_type,
        "title": masked[-1] if title else None,
        "outlet": doc.outlet,
        "author": doc_author,
        "author_inferred": doc.author_inferred,
        "published": doc.published,
        "url": pseudonymiser.mask_url(doc.url, names) if doc.url else doc.url,
        "path": pseudonymiser.mask_file_path(doc.path, names),
        "sha256": doc.sha256,
        "n_words": doc_words,
        "n_segments": len(drafts),
    }
    return doc_row, segments, keys


def document_names(parsed: list[ParsedDocument], config: PipelineConfig) -> set[str]:
    """Author names and usernames of parsed documents (deleted-account markers left out)."""
    markers = {m.casefold() for m in config.ingest.table.deleted_markers}
    names: set[str] = set()
    for p in parsed:
        for name in (p.document.author, *(u.author for u in p.units)):
            if name and name.strip() and name.strip().casefold() not in markers:
                names.add(" ".join(name.split()))
    return names


def corpus_names(tasks: list[FileTask], config: PipelineConfig) -> list[str]:
    """The author names and usernames in a chunk of files (an engine work item of the pass
    that gathers the corpus-wide names before anything is masked)."""
    names: set[str] = set()
    for task in tasks:
        f = InputFile(path=Path(task.path), rel=task.rel)
        _, parsed, _ = read_input_file(f, config, task.override)
        names |= document_names(parsed, config)
    return sorted(names)


def process_files(
    tasks: list[FileTask], config: PipelineConfig, salt: str, known_names: Sequence[str] = ()
) -> list[FileOutput]:
    """Read, parse, clean, segment and pseudonymise a chunk of files (an engine work item).

    ``known_names`` are the authors and usernames of the whole corpus (see
    :func:`corpus_names`): each is masked in every document, not only in its own.
    """
    detector = BoilerplateDetector(config.boilerplate)
    pseudonymiser = _pseudonymiser(salt, config, known_names)
    out = []
    for task in tasks:
        f = InputFile(path=Path(task.path), rel=task.rel)
        record, parsed, quarantine = read_input_file(f, config, task.override)
        result = FileOutput(record=record, quarantine=quarantine)
        stats: Counter[str] = Counter()
        segmented = []
        for p in parsed:
            drafts, seg_stats = segment_document(p, config, detector)
            stats.update(seg_stats)
            segmented.append(drafts)
        pseudonymiser.prepare(
            [t for drafts in segmented for d in drafts for t in (d.text, d.text_original) if t]
            + [normalise_text(p.document.title, config.clean) for p in parsed if p.document.title]
        )
        found = document_names(parsed, config)
        for p, drafts in zip(parsed, segmented):
            doc_row, segments, keys = document_rows(
                p, config, detector, pseudonymiser, stats, drafts
            )
            result.doc_rows.append(doc_row)
            result.segments.extend(segments)
            result.dedup_keys.extend(keys)
            found |= set(pseudonymiser.last_persons)
        pseudonymiser.clear()
        if config.privacy.pseudonymise:  # the file stays findable, without names in its path
            mask_paths(pseudonymiser, record, quarantine, sorted(found))
        if parsed:
            record.counts.update(stats)
        out.append(result)
    return out


def mask_paths(
    masker: Pseudonymiser,
    record: FileRecord,
    quarantine: list[QuarantineEntry],
    names: Sequence[str] = (),
) -> None:
    """Mask personal names in a file's manifest path and quarantine entries (in place)."""
    mask = masker.file_path_masker(names)
    record.path = mask(record.path)
    record.reason = mask(record.reason) if record.reason else None
    quarantine[:] = [
        replace(
            q,
            path=mask(q.path),
            reason=mask(q.reason) if q.reason else q.reason,
        )
        for q in quarantine
    ]


_PSEUDONYMISERS: dict[tuple[str, str, int], Pseudonymiser] = {}


def _pseudonymiser(salt: str, config: PipelineConfig, names: Sequence[str]) -> Pseudonymiser:
    """One pseudonymiser per salt, privacy config and name list in a process (building the
    name matcher for thousands of names is not free, and every chunk of a run shares it)."""
    key = (salt, config.privacy.model_dump_json(), hash(tuple(names)))
    if key not in _PSEUDONYMISERS:
        _PSEUDONYMISERS.clear()
        _PSEUDONYMISERS[key] = Pseudonymiser(salt, config.privacy, tuple(names))
    return _PSEUDONYMISERS[key]


class RowSink:
    """Takes files' rows in corpus order: marks duplicates, counts, and hands rows on.

    The base of :class:`TableSink` (rows streamed to Parquet, what :func:`discourse.pipeline.run`
    uses) and :class:`MemorySink` (rows kept in memory, for notebooks and benchmarks), so both
    paths mark duplicates and count alike.
    """

    def __init__(self, row_group: int = ROW_GROUP) -> None:
        self.row_group = row_group
        self._marker = DuplicateMarker()
        self._docs: list[dict[str, Any]] = []
        self._segs: list[dict[str, Any]] = []
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
        for seg, key in zip(result.segments, result.dedup_keys, strict=True):
            seg.duplicate_of = self._marker.first_of(key, seg.segment_id)
            dups += seg.duplicate_of is not None
            self.totals["segments_by_source_type"][seg.source_type] += 1
            if seg.boilerplate_reason:
                self.totals["boilerplate_by_reason"][seg.boilerplate_reason] += 1
            self.totals["words"] += seg.n_words
            self._segs.append(vars(seg))
        if result.doc_rows:
            result.record.counts["duplicate_segments"] = dups
        self.totals["duplicate_segments"] += dups
        self.totals["documents"] += len(result.doc_rows)
        self.totals["segments"] += len(result.segments)
        self._docs.extend(result.doc_rows)
        result.doc_rows, result.segments, result.dedup_keys = [], [], []
        self._flush(final=False)

    def _flush(self, final: bool) -> None:
        for name, rows, schema in (
            (DOCUMENTS, self._docs, DOCUMENT_SCHEMA),
            (SEGMENTS, self._segs, SEGMENT_SCHEMA),
        ):
            while len(rows) >= self.row_group or (final and rows):
                chunk = rows[: self.row_group]
                del rows[: self.row_group]
                self._write(name, pa.Table.from_pylist(chunk, schema=schema))

    def _write(self, name: str, table: pa.Table) -> None:
        raise NotImplementedError

    def _totals(self) -> dict[str, Any]:
        self._flush(final=True)
        totals = dict(self.totals)
        for key in ("segments_by_source_type", "boilerplate_by_reason"):
            totals[key] = dict(sorted(totals[key].items()))
        return totals


class MemorySink(RowSink):
    """Keeps the rows in memory; :meth:`close` returns both tables and the totals."""

    def __init__(self, row_group: int = ROW_GROUP) -> None:
        super().__init__(row_group)
        self._tables: dict[str, list[pa.Table]] = {DOCUMENTS: [], SEGMENTS: []}

    def _write(self, name: str, table: pa.Table) -> None:
        self._tables[name].append(table)

    def close(self) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
        """The documents and segments tables and the totals."""
        totals = self._totals()
        tables = []
        for name, schema in ((DOCUMENTS, DOCUMENT_SCHEMA), (SEGMENTS, SEGMENT_SCHEMA)):
            parts = self._tables[name]
            tables.append(pa.concat_tables(parts) if parts else schema.empty_table())
        return tables[0], tables[1], totals


class TableSink(RowSink):
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
        super().__init__(row_group)
        self.folder = Path(folder)
        self._ctx = {name: atomic_path(self.folder / name) for name in (DOCUMENTS, SEGMENTS)}
        self._paths = {name: ctx.__enter__() for name, ctx in self._ctx.items()}
        self._writers = {
            DOCUMENTS: pq.ParquetWriter(self._paths[DOCUMENTS], DOCUMENT_SCHEMA),
            SEGMENTS: pq.ParquetWriter(self._paths[SEGMENTS], SEGMENT_SCHEMA),
        }

    def _write(self, name: str, table: pa.Table) -> None:
        self._writers[name].write_table(table, row_group_size=self.row_group)

    def close(self) -> dict[str, Any]:
        """Write what is buffered, publish both files and return the totals."""
        totals = self._totals()
        for name, writer in self._writers.items():
            writer.close()
            self._ctx[name].__exit__(None, None, None)
        self._writers = {}
        return totals

    def abort(self) -> None:
        """Drop the partial files (on an error)."""
        for name, writer in self._writers.items():
            writer.close()
            self._ctx[name].__exit__(RuntimeError, RuntimeError("aborted"), None)
        self._writers = {}
