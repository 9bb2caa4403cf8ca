"""Tabular inputs: CSV/TSV, JSON Lines (and JSON arrays) and Parquet, through a column map.

Each row is one post (its own document) unless the rows are Reddit/Pushshift-style comments
(``parent_id`` and ``link_id``), which are grouped under their submission with the reply
structure kept. The Reddit CSVs (title, selftext, created_utc, permalink, ...) work with the
default column map. A malformed row or line is quarantined with its location and the rest of
the file is read.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from dateutil import parser as dateparser

from discourse.config import TableColumns
from discourse.corpus import Document, ParsedDocument, Unit
from discourse.ingest.base import ReadContext, first_present, register_reader
from discourse.ingest.files import InputFile, RejectedInput

__all__ = [
    "LONG_CELL_WORDS",
    "MAX_JSON_DEPTH",
    "JsonTooDeep",
    "cell_windows",
    "loads_json",
    "parse_json_text",
    "read_csv",
    "read_jsonl",
    "read_parquet",
    "rows_to_documents",
    "to_iso",
]

csv.field_size_limit(2**31 - 1)
_SUBREDDIT_RE = re.compile(r"/r/([A-Za-z0-9_]+)/")


def to_iso(value: Any) -> str | None:
    """ISO-8601 for a timestamp: Unix epoch seconds become UTC (``...Z``), strings are parsed."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float)) or re.fullmatch(r"\s*\d{9,11}(?:\.\d+)?\s*", str(value)):
        try:
            ts = datetime.fromtimestamp(float(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
        return ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        return dateparser.parse(str(value)).isoformat()
    except (ValueError, OverflowError, TypeError):
        return None


def _clean_value(value: Any, deleted: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    s = str(value).strip()
    if not s or s in deleted:
        return None
    return s


def _strip_prefix(reddit_id: str | None) -> str | None:
    if reddit_id and re.match(r"t\d_", reddit_id):
        return reddit_id[3:]
    return reddit_id


class _Columns:
    """The column map resolved against the columns a file actually has."""

    def __init__(self, cm: TableColumns, header: Iterable[str]) -> None:
        cols = {h: h for h in header}
        self.map = cm
        self.text = first_present(cm.text, cols)
        self.title = first_present(cm.title, cols)
        if self.text is not None and self.text == self.title:
            others = [c for c in cm.text if c.lower() != self.title.lower()]
            self.text = first_present(others, cols)
        self.id = first_present(cm.id, cols)
        self.author = first_present(cm.author, cols)
        self.published = first_present(cm.published, cols)
        self.url = first_present(cm.url, cols)
        self.outlet = first_present(cm.outlet, cols)
        self.parent_id = first_present(cm.parent_id, cols)
        self.link_id = first_present(cm.link_id, cols)
        if self.text is None and self.title is None:
            raise RejectedInput(
                "no text column found (columns: "
                + ", ".join(list(cols)[:20])
                + "); set ingest.table.text to the column holding the text"
            )


#: A table cell with more words than this is cut into windows (see :func:`cell_windows`). The
#: longest Reddit post (40,000 characters) has about 8,000 words, so real posts and comments
#: stay whole; a runaway cell (a whole book, a 50 MB dump) becomes windows as long text does.
LONG_CELL_WORDS = 10_000
# Long cells are windowed in blocks of this many words, so memory stays bounded.
_BLOCK_WORDS = 5_000
_WORD_RE = re.compile(r"\S+")


def _is_long(text: str) -> bool:
    if len(text) <= LONG_CELL_WORDS:  # fewer characters than the limit: fewer words, too
        return False
    return any(n > LONG_CELL_WORDS for n, _ in enumerate(_WORD_RE.finditer(text), start=1))


def _word_blocks(text: str, size: int) -> Iterator[tuple[int, int]]:
    """Spans of ``text`` holding ``size`` words each (the last one fewer), cut at whitespace."""
    start, n = 0, 0
    for m in _WORD_RE.finditer(text):
        n += 1
        if n == size:
            yield start, m.end()
            start, n = m.end(), 0
    if n:
        yield start, len(text)


def cell_windows(text: str, min_words: int, max_words: int) -> list[str]:
    """Cut a very long cell into windows the way a long plain text is cut.

    As for a transcript (:mod:`discourse.segment.segmenter`): sentence boundaries are found,
    restored where the text has no punctuation (:func:`restore_asr_boundaries`), a run-on
    sentence is split (:func:`split_long`), and the sentences are grouped into windows of
    ``min_words`` to ``max_words`` words (:func:`balanced_windows`). The text is handled in
    blocks of a few thousand words, so a cell of millions of words needs little memory. Each
    window is a slice of the cell, so its line breaks are kept.
    """
    from discourse.segment.sentences import restore_asr_boundaries
    from discourse.segment.windows import balanced_windows, split_long

    windows: list[str] = []
    for b_start, b_end in _word_blocks(text, _BLOCK_WORDS):
        block = text[b_start:b_end]
        spans: list[tuple[int, int]] = []
        for s, e in restore_asr_boundaries(block):
            piece = block[s:e]
            lead = len(piece) - len(piece.lstrip())
            s, e = s + lead, s + len(piece.rstrip())
            if s >= e:
                continue
            if len(block[s:e].split()) <= max_words:
                spans.append((s, e))
                continue
            words = [m.span() for m in _WORD_RE.finditer(block, s, e)]
            first = 0
            for sub in split_long(block[s:e], max_words):  # runs of the sentence's words
                last = first + len(sub.split()) - 1
                spans.append((words[first][0], words[last][1]))
                first = last + 1
        sizes = [len(block[s:e].split()) for s, e in spans]
        for a, b in balanced_windows(sizes, min_words, max_words):
            windows.append(block[spans[a][0] : spans[b - 1][1]])
    return windows


def _units(text: str, ctx: ReadContext, **fields: Any) -> list[Unit]:
    """The unit of one cell, or, for a cell above :data:`LONG_CELL_WORDS` words, one unit per
    window (:func:`cell_windows`); only the first window keeps the cell's ``key``, so replies
    point to it. Counted as ``long_cells`` and ``long_cell_windows``."""
    if not _is_long(text):
        return [Unit(text=text, **fields)]
    cfg = ctx.config.segment
    windows = cell_windows(text, cfg.transcript_min_words, cfg.transcript_max_words)
    ctx.count("long_cells")
    ctx.count("long_cell_windows", len(windows))
    key = fields.pop("key", None)
    return [
        Unit(text=w, key=key if i == 0 else None, **{**fields, "meta": dict(fields["meta"])})
        for i, w in enumerate(windows)
    ]


def rows_to_documents(
    rows: Iterator[tuple[str, dict[str, Any]]], file: InputFile, ctx: ReadContext
) -> list[ParsedDocument]:
    """Turn ``(location, row)`` pairs into documents.

    Submissions/posts become documents of ``source_type`` "post" with one unit; rows with both
    a parent id and a link id are comments, attached to their submission's document (created as
    a "thread" document when the submission is not in the file).
    """
    cm = ctx.config.ingest.table
    deleted = cm.deleted_markers
    cols: _Columns | None = None
    resolved: dict[frozenset[str], _Columns] = {}
    posts: dict[str, ParsedDocument] = {}
    order: list[str] = []
    comments: list[tuple[str, dict[str, Any]]] = []
    stem = file.rel
    for location, row in rows:
        ctx.count("rows_read")
        if not isinstance(row, dict):
            ctx.quarantine_row(file.rel, location, f"row is {type(row).__name__}, not an object")
            continue
        keys = frozenset(row.keys())
        if keys not in resolved:  # JSON rows may differ in their keys (submissions vs comments)
            resolved[keys] = _Columns(cm, row.keys())
        cols = resolved[keys]
        is_comment = (
            cm.kind in ("auto", "comment")
            and cols.parent_id is not None
            and cols.link_id is not None
            and _clean_value(row.get(cols.parent_id), []) is not None
        )
        if is_comment:
            comments.append((location, row, cols))
            continue
        title = _clean_value(row.get(cols.title), deleted) if cols.title else None
        body = _clean_value(row.get(cols.text), deleted) if cols.text else None
        if cm.include_title and title and body:
            text = f"{title}\n\n{body}"
        else:
            text = body or (title if cm.include_title else None)
        if not text:
            ctx.quarantine_row(file.rel, location, "empty text (no title or body)")
            continue
        row_id = _clean_value(row.get(cols.id), []) if cols.id else None
        row_id = _strip_prefix(row_id) or location.replace(" ", "")
        doc_id = f"{stem}:{row_id}"
        if row_id in posts:
            ctx.quarantine_row(file.rel, location, f"duplicate row id {row_id!r} (first kept)")
            continue
        url = _clean_value(row.get(cols.url), []) if cols.url else None
        outlet = _clean_value(row.get(cols.outlet), []) if cols.outlet else None
        if outlet and cols.outlet.lower() == "subreddit" and not outlet.startswith("r/"):
            outlet = f"r/{outlet}"
        if outlet is None and url and (m := _SUBREDDIT_RE.search(url)):
            outlet = f"r/{m.group(1)}"
        kind = "post" if cm.kind == "auto" else cm.kind
        author = _clean_value(row.get(cols.author), deleted) if cols.author else None
        published = to_iso(row.get(cols.published)) if cols.published else None
        doc = Document(
            doc_id=doc_id,
            source_type=kind,
            path=file.rel,
            sha256=file.sha256,
            title=title,
            outlet=outlet,
            author=author,
            published=published,
            url=url,
        )
        units = _units(
            text,
            ctx,
            source_type=kind if kind in ("post", "comment", "article", "transcript") else "post",
            author=author,
            published=published,
            key=row_id,
            meta={"markdown": True, "location": location},
        )
        posts[row_id] = ParsedDocument(document=doc, units=units)
        order.append(row_id)
    if cols is None:
        raise RejectedInput("no rows")
    _attach_comments(comments, posts, order, file, ctx)
    return [posts[k] for k in order]


def _attach_comments(
    comments: list[tuple[str, dict[str, Any], _Columns]],
    posts: dict[str, ParsedDocument],
    order: list[str],
    file: InputFile,
    ctx: ReadContext,
) -> None:
    deleted = ctx.config.ingest.table.deleted_markers
    rows = []
    for location, row, cols in comments:
        body = _clean_value(row.get(cols.text), deleted) if cols.text else None
        if not body:
            ctx.quarantine_row(file.rel, location, "empty comment body (deleted or removed)")
            continue
        cid = _strip_prefix(_clean_value(row.get(cols.id), [])) or location.replace(" ", "")
        link = _strip_prefix(_clean_value(row.get(cols.link_id), []))
        parent_raw = _clean_value(row.get(cols.parent_id), []) or ""
        published = to_iso(row.get(cols.published)) if cols.published else None
        author = _clean_value(row.get(cols.author), deleted) if cols.author else None
        rows.append((link or "", published or "", cid, parent_raw, body, author, location))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    comment_ids = {r[2] for r in rows}
    for link, published, cid, parent_raw, body, author, location in rows:
        if link not in posts:
            doc = Document(
                doc_id=f"{file.rel}:{link}",
                source_type="thread",
                path=file.rel,
                sha256=file.sha256,
            )
            posts[link] = ParsedDocument(document=doc, units=[])
            order.append(link)
        parent = _strip_prefix(parent_raw)
        post_in_file = any(u.key == link for u in posts[link].units)
        if parent in comment_ids or (parent == link and post_in_file):
            reply_to, how = parent, "explicit"
        elif parent == link:
            reply_to, how = None, "explicit"  # top-level comment; the submission is not in the file
        else:
            reply_to, how = None, "parent_missing"
        op = posts[link].document.author
        posts[link].units.extend(
            _units(
                body,
                ctx,
                source_type="comment",
                author=author,
                published=published or None,
                key=cid,
                reply_to=reply_to,
                reply_inference=how,
                is_author_reply=bool(op and author == op),
                meta={"markdown": True, "location": location, "parent_id": parent_raw},
            )
        )


@register_reader(
    "csv",
    (".csv", ".tsv"),
    version="2",
    description="CSV/TSV tables via the column map",
    uses_sources=False,
)
def read_csv(file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Reader for CSV and TSV files (delimiter sniffed among , tab ; |)."""
    text = ctx.read_text(file)
    sample = text[:65536]
    if file.effective_name.lower().endswith(".tsv"):
        delimiter = "\t"
    else:
        try:
            delimiter = (
                csv.Sniffer().sniff(sample.split("\n", 20)[0] + "\n", delimiters=",\t;|").delimiter
            )
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise RejectedInput("empty table (no header)") from None
    except csv.Error as exc:
        raise RejectedInput(f"malformed CSV header: {exc}") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    if len(header) < 2 and delimiter == ",":
        _Columns(ctx.config.ingest.table, header)  # raises with the column list if no text column

    def rows() -> Iterator[tuple[str, dict[str, Any]]]:
        while True:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                ctx.count("rows_read")
                ctx.quarantine_row(file.rel, f"line {line}", f"malformed CSV: {exc}")
                continue
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(header):
                ctx.count("rows_read")
                ctx.quarantine_row(
                    file.rel,
                    f"line {line}",
                    f"ragged row: {len(values)} fields, header has {len(header)}",
                )
                continue
            yield f"line {line}", dict(zip(header, values))

    return rows_to_documents(rows(), file, ctx)


@register_reader(
    "jsonl",
    (".jsonl", ".ndjson", ".json"),
    version="2",
    description="JSON Lines / NDJSON (Pushshift) and JSON arrays",
    uses_sources=False,
)
def read_jsonl(file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Reader for JSON Lines; a ``.json`` file holding one array of objects is also accepted."""
    return parse_json_text(ctx.read_text(file), file, ctx)


def parse_json_text(text: str, file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Documents from decoded JSON Lines (or one JSON array of objects).

    A line that is not valid JSON, or is nested too deeply to parse (:data:`MAX_JSON_DEPTH`),
    is quarantined with its line number and the other lines are read.
    """
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = loads_json(stripped)
        except json.JSONDecodeError as exc:
            raise RejectedInput(f"malformed JSON array: {exc}") from None
        except JsonTooDeep as exc:
            raise RejectedInput(f"JSON array {exc}") from None
        if not isinstance(data, list):
            raise RejectedInput(f"JSON is {type(data).__name__}, not an array of objects")
        return rows_to_documents(((f"item {i + 1}", r) for i, r in enumerate(data)), file, ctx)

    def rows() -> Iterator[tuple[str, dict[str, Any]]]:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield f"line {n}", loads_json(line)
            except json.JSONDecodeError as exc:
                ctx.count("rows_read")
                ctx.quarantine_row(
                    file.rel, f"line {n}", f"malformed JSON: {exc.msg} at column {exc.colno}"
                )
            except JsonTooDeep as exc:
                ctx.count("rows_read")
                ctx.quarantine_row(file.rel, f"line {n}", f"JSON {exc}")

    return rows_to_documents(rows(), file, ctx)


#: JSON values nested deeper than this (arrays and objects) are refused: no post needs it, and
#: deeper values exhaust Python's recursion limit when parsed or printed.
MAX_JSON_DEPTH = 100


class JsonTooDeep(ValueError):
    """A JSON value nested deeper than :data:`MAX_JSON_DEPTH`."""


def loads_json(text: str) -> Any:
    """``json.loads``, refusing values nested deeper than :data:`MAX_JSON_DEPTH`.

    The nesting is measured on the raw text first (brackets outside strings), so a value nested
    10,000 deep is refused without the parser recursing into it.
    """
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise JsonTooDeep(f"nested {depth} levels deep (limit {MAX_JSON_DEPTH})")
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise JsonTooDeep("nested too deeply to parse") from None


_JSON_TOKENS_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]')


def _json_depth(text: str) -> int:
    """The deepest bracket nesting of JSON ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    for m in _JSON_TOKENS_RE.finditer(text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif tok in "]}":
            depth -= 1
    return deepest


@register_reader(
    "parquet",
    (".parquet", ".pq"),
    version="2",
    description="Parquet tables via the column map",
    uses_sources=False,
)
def read_parquet(file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Reader for Parquet files (read in record batches)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = ctx.read_bytes(file)
    try:
        pf = pq.ParquetFile(io.BytesIO(data), pre_buffer=False)  # see stages/label.py
    except (pa.ArrowInvalid, OSError) as exc:
        raise RejectedInput(f"unreadable Parquet: {exc}") from None

    def rows() -> Iterator[tuple[str, dict[str, Any]]]:
        n = 0
        try:
            for batch in pf.iter_batches(batch_size=10_000):
                for row in batch.to_pylist():
                    n += 1
                    yield f"row {n}", row
        except (pa.ArrowInvalid, OSError) as exc:
            raise RejectedInput(f"unreadable Parquet after row {n}: {exc}") from None

    return rows_to_documents(rows(), file, ctx)
