"""Plain-text documents (.txt, .md) of any of the three kinds, the kind detected automatically.

* transcript: long text on very few lines (ASR output), or caption cues such as ``[Music]``;
* article: paragraphs, possibly followed by an embedded comment thread (see
  :mod:`discourse.ingest.threads`);
* thread: a file that holds only comments.

The sources file can override the kind, title, url, outlet, date and author of any file.
"""

from __future__ import annotations

import re

from discourse.clean.boilerplate import NAME_LINE, is_signoff, pagination_title
from discourse.clean.normalize import normalise_newlines
from discourse.corpus import Document, ParsedDocument, Unit
from discourse.ingest.base import ReadContext, SourceOverride, register_reader
from discourse.ingest.files import InputFile, RejectedInput
from discourse.ingest.tables import JsonTooDeep, loads_json, parse_json_text
from discourse.ingest.threads import (
    Comment,
    detect_thread,
    infer_author,
    infer_replies_by_date,
    infer_replies_by_name,
)

__all__ = [
    "detect_kind",
    "looks_like_json",
    "paragraph_spans",
    "paragraphs",
    "parse_text",
    "read_text",
]

KINDS = ("transcript", "article", "thread")
_CUE_RE = re.compile(r"\[(?:music|applause|laughter|inaudible|crosstalk)\]", re.IGNORECASE)


def detect_kind(text: str) -> str:
    """Guess ``transcript`` or ``article`` for a text without a comment thread."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    words = len(text.split())
    if words >= 300 and words / max(len(lines), 1) >= 250:
        return "transcript"
    if len(_CUE_RE.findall(text)) >= 2:
        return "transcript"
    return "article"


def paragraphs(text: str) -> list[str]:
    """Paragraphs: blank-line separated blocks when the text has blank lines, else lines."""
    blank = re.compile(r"\n[ \t]*\n")
    blocks = blank.split(text) if blank.search(text) else text.split("\n")
    return [b.strip() for b in blocks if b.strip()]


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of :func:`paragraphs` in ``text`` (each span holds the stripped block)."""
    spans, pos = [], 0
    for para in paragraphs(text):
        start = text.find(para, pos)
        spans.append((start, start + len(para)))
        pos = start + len(para)
    return spans


def _stripped_span(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(piece.strip())


def _title(paras: list[str]) -> tuple[str | None, list[str]]:
    """A short first line without final punctuation (other than ?/!) is the title.

    A later page of a paginated article has no title line; its leading "(Previous page – Title)"
    marker names the article, and the title is taken from it (the paragraph is kept).
    """
    if paras and (named := pagination_title(paras[0])):
        return named, paras
    if len(paras) < 2:
        return None, paras
    first = paras[0]
    if "\n" in first or len(first.split()) > 14 or re.search(r"[.,;:…]$", first):
        return None, paras
    return first, paras[1:]


def _signoff_author(paras: list[str]) -> str | None:
    for p in reversed(paras[-4:]):
        if is_signoff(p):
            lines = [ln.strip() for ln in p.split("\n") if ln.strip()]
            if len(lines) >= 2 and NAME_LINE.match(lines[-1]):
                return lines[-1].rstrip(",.!")
    return None


def _attribute_author_replies(units: list[Unit], author: str | None) -> None:
    """Give anonymous author replies (``is_author_reply`` without a name, e.g. a "Reply <date>"
    thread's burst of replies) the document author's name, so that they carry the author's
    pseudonym like the rest of the author's text."""
    if author is None:
        return
    for u in units:
        if u.source_type == "comment" and u.is_author_reply and not u.author:
            u.author = author


def _iso(comment: Comment) -> str | None:
    return comment.date.isoformat() if comment.date else None


def parse_text(
    text: str, document: Document, override: SourceOverride | None = None
) -> ParsedDocument:
    """Parse a decoded plain-text document into units.

    Parameters
    ----------
    text
        The decoded text.
    document
        Identity and provenance of the document; its kind, title and author are filled in here.
    override
        Values from the sources file, which win over detection.
    """
    text = normalise_newlines(text)
    if not text.strip():
        raise RejectedInput("no text (only whitespace)")
    ov = override or SourceOverride()
    if ov.kind is not None and ov.kind not in KINDS:
        raise RejectedInput(
            f"sources file: unknown kind {ov.kind!r}; valid kinds: {', '.join(KINDS)}"
        )
    thread = None if ov.kind == "transcript" else detect_thread(text)
    body = text[: thread.body_end] if thread else text
    kind = ov.kind or (detect_kind(body) if body.strip() else "thread")
    units: list[Unit] = []
    title = None
    if kind == "transcript":
        if body.strip():
            start, end = _stripped_span(body, 0, len(body))
            units.append(Unit(text=body.strip(), source_type="transcript", start=start, end=end))
    else:
        spans = paragraph_spans(body)
        paras = [body[s:e] for s, e in spans]
        title, kept = _title(paras)
        spans = spans[len(paras) - len(kept) :]
        units.extend(
            Unit(text=p, source_type="article", start=s, end=e) for p, (s, e) in zip(kept, spans)
        )
    author, inferred = ov.author, False
    if thread:
        if thread.style == "says":
            author, inferred = infer_author(thread.comments, ov.author)
            infer_replies_by_name(thread.comments, author)
        else:
            infer_replies_by_date(thread.comments)
        for i, c in enumerate(thread.comments):
            if not c.text.strip():
                continue
            start = text.find(c.text, c.start)
            units.append(
                Unit(
                    text=c.text,
                    source_type="comment",
                    author=c.author,
                    published=_iso(c),
                    key=f"c{i}",
                    reply_to=f"c{c.reply_to}" if c.reply_to is not None else None,
                    reply_inference=c.reply_inference,
                    is_author_reply=c.is_author_reply,
                    start=start if start >= 0 else None,
                    end=start + len(c.text) if start >= 0 else None,
                    meta=dict(c.meta),
                )
            )
    if author is None and kind == "article":
        author = _signoff_author([u.text for u in units if u.source_type == "article"])
        inferred = author is not None
    _attribute_author_replies(units, author)
    if kind == "thread" and not any(u.source_type == "comment" for u in units):
        kind = "article"
    document.source_type = kind if kind != "thread" or units else "article"
    document.title = ov.title or title
    document.author = author
    document.author_inferred = inferred
    document.url = ov.url
    document.outlet = ov.outlet
    document.published = ov.date
    if not units:
        raise RejectedInput("no text units found")
    return ParsedDocument(document=document, units=units)


@register_reader(
    "text",
    (".txt", ".md", ".text", ".markdown"),
    version="2",
    description="plain text: transcripts, articles, comment threads",
)
def read_text(file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Reader for plain-text files.

    A file whose content is JSON (JSON Lines such as a Reddit dump, or a JSON array) is read
    as a table by :func:`~discourse.ingest.tables.parse_json_text`, whatever its name says, and
    a note records it: JSON is never read as prose.
    """
    text = ctx.read_text(file)
    if looks_like_json(text):
        ctx.notes.append("content is JSON, read as JSON Lines")
        return parse_json_text(text, file, ctx)
    doc = Document(doc_id=file.rel, source_type="article", path=file.rel, sha256=file.sha256)
    return [parse_text(text, doc, ctx.override)]


def looks_like_json(text: str) -> bool:
    """True when ``text`` is JSON rather than prose.

    That is: its first non-blank line is a JSON object, or an array whose first item is an
    object (JSON Lines, one JSON array on a line), or is ``[`` or ``{`` alone (JSON spanning
    lines), or is an object or array nested too deeply to parse.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped.startswith(("{", "[")):
        return False
    first = stripped.split("\n", 1)[0].strip()
    if first in ("{", "["):
        return True
    try:
        value = loads_json(first)
    except JsonTooDeep:
        return True
    except ValueError:
        return False
    if isinstance(value, list):
        return bool(value) and isinstance(value[0], dict)
    return isinstance(value, dict)
