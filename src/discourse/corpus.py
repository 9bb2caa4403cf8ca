"""The corpus model: documents, the units a parser finds in them, and the segments written out.

Kept as data (ConvoKit-style): who said what, when, in reply to what, and where it came from.
The Parquet schemas below are the output contract relied on by later stages and users' scripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
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
    "arrow_schema",
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


@dataclass(kw_only=True)
class Segment:
    """One coding unit: a row of ``segments.parquet`` (:data:`SEGMENT_SCHEMA` is derived from
    these fields, in this order).

    ``text`` is what a reader quotes: for a transcript, the ASR text with its restored sentence
    boundaries written in; ``text_original`` then keeps the ASR text as it was (after cleaning),
    and is ``None`` where nothing was restored (every other source). ``author``, ``text`` and
    ``text_original`` are pseudonymised (unless the configuration turns that off);
    ``reply_to`` is the ``segment_id`` replied to.
    """

    segment_id: str
    doc_id: str
    source_type: str
    author: str | None = None
    published: str | None = None
    reply_to: str | None = None
    reply_inference: str | None = None
    is_author_reply: bool = False
    position: int
    text: str
    text_original: str | None = None
    n_words: int
    boilerplate: bool = False
    boilerplate_reason: str | None = None
    duplicate_of: str | None = None
    time_start: float | None = None
    time_end: float | None = None
    source_start: int | None = None
    source_end: int | None = None
    source_location: str | None = None


_ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "float": pa.float64()}


def arrow_schema(row_type: type) -> pa.Schema:
    """The Arrow schema of a dataclass row type (``str``, ``int``, ``bool``, ``float``, each
    optionally ``| None``), with its fields in order."""
    return pa.schema(
        [(f.name, _ARROW_TYPES[str(f.type).removesuffix(" | None")]) for f in fields(row_type)]
    )


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

#: The schema of ``segments.parquet``: the fields of :class:`Segment`.
SEGMENT_SCHEMA = arrow_schema(Segment)


def word_count(text: str) -> int:
    """Whitespace word count used for ``n_words`` everywhere."""
    return len(text.split())
