"""The corpus model: documents, the units a parser finds in them, and the segments written out.

Kept as data (ConvoKit-style): who said what, when, in reply to what, and where it came from.
The Parquet schemas below are the output contract relied on by later stages and users' scripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

__all__ = [
    "DOCUMENT_SCHEMA",
    "SEGMENT_SCHEMA",
    "SOURCE_TYPES",
    "Document",
    "ParsedDocument",
    "Segment",
    "Unit",
]

#: Values of ``segments.source_type``.
SOURCE_TYPES = ("transcript", "article", "comment", "post")


@dataclass
class Document:
    """One source document (a transcript, an article with its comments, or one post)."""

    doc_id: str
    source_type: str
    path: str
    sha256: str
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    author_inferred: bool = False
    n_words: int = 0


@dataclass
class Unit:
    """A unit a parser found in a document, before cleaning and segmentation.

    ``key`` is the unit's own identifier within its document where the source has one (a Reddit
    comment id) and is also what ``reply_to`` refers to. ``boilerplate_reason`` may be set by a
    parser that knows a unit is boilerplate from the structure of the source. ``start`` and
    ``end`` are the unit's character span in the file's source text (see
    :func:`discourse.ingest.source_text`), where the reader knows it.
    """

    text: str
    source_type: str
    author: str | None = None
    published: str | None = None
    key: str | None = None
    reply_to: str | None = None
    reply_inference: str | None = None
    is_author_reply: bool = False
    time_start: float | None = None
    time_end: float | None = None
    boilerplate_reason: str | None = None
    start: int | None = None
    end: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedDocument:
    """A document and its units, as returned by a reader."""

    document: Document
    units: list[Unit]


@dataclass
class Segment:
    """One coding unit as written to ``segments.parquet``.

    ``text`` is what a reader quotes: for a transcript, the ASR text with its restored sentence
    boundaries written in; ``text_original`` then keeps the ASR text as it was (after cleaning),
    and is ``None`` where nothing was restored (every other source).
    """

    segment_id: str
    doc_id: str
    source_type: str
    position: int
    text: str
    n_words: int
    text_original: str | None = None
    author: str | None = None
    published: str | None = None
    reply_to: str | None = None
    reply_inference: str | None = None
    is_author_reply: bool = False
    boilerplate: bool = False
    boilerplate_reason: str | None = None
    duplicate_of: str | None = None
    time_start: float | None = None
    time_end: float | None = None
    source_start: int | None = None
    source_end: int | None = None
    source_location: str | None = None


DOCUMENT_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source_type", pa.string()),
        ("title", pa.string()),
        ("outlet", pa.string()),
        ("author", pa.string()),
        ("author_inferred", pa.bool_()),
        ("published", pa.string()),
        ("url", pa.string()),
        ("path", pa.string()),
        ("sha256", pa.string()),
        ("n_words", pa.int64()),
        ("n_segments", pa.int64()),
    ]
)

SEGMENT_SCHEMA = pa.schema(
    [
        ("segment_id", pa.string()),
        ("doc_id", pa.string()),
        ("source_type", pa.string()),
        ("author", pa.string()),
        ("published", pa.string()),
        ("reply_to", pa.string()),
        ("reply_inference", pa.string()),
        ("is_author_reply", pa.bool_()),
        ("position", pa.int64()),
        ("text", pa.string()),
        ("text_original", pa.string()),
        ("n_words", pa.int64()),
        ("boilerplate", pa.bool_()),
        ("boilerplate_reason", pa.string()),
        ("duplicate_of", pa.string()),
        ("time_start", pa.float64()),
        ("time_end", pa.float64()),
        ("source_start", pa.int64()),
        ("source_end", pa.int64()),
        ("source_location", pa.string()),
    ]
)


def word_count(text: str) -> int:
    """Whitespace word count used for ``n_words`` everywhere."""
    return len(text.split())
