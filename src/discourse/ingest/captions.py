"""Caption files (WebVTT ``.vtt`` and SubRip ``.srt``) read as transcripts, one unit per cue.

Cues are parsed with webvtt-py. Each cue becomes a ``transcript`` unit with its start and end
time in seconds; inline markup (``<c>``, ``<i>``, ``<b>``, ``<u>``, ``<font>``, word timestamps
such as ``<00:00:01.520>``, SubRip ``{\\an8}`` position codes) is removed and HTML entities are
decoded. A WebVTT voice tag (``<v Name>``) sets the unit's author; a cue with lines spoken by
different voices gives one unit per voice.

YouTube auto-captions "roll": every cue repeats the previous cue's last line before adding new
words, and tiny (10 ms) cues between them repeat a line again. Keeping every cue would say
everything two or three times, so each cue keeps only the words that are new: the longest run of
words that ends the previous cue and starts this one is dropped, and a cue that adds nothing is
dropped (counted as ``duplicate_cues``). So that plain captions keep words a speaker really
repeated across a cue boundary ("All you want is peace." / "peace. Not another text."), an
overlap counts only when it is at least :data:`MIN_FREE_OVERLAP` words long, or when it starts
at the start of a line of the previous cue and either ends at the end of a line of this cue or
covers the whole previous cue (roll-up and paint-on captions). A short cue repeated whole at the
start of the next ("No." / "No. I mean it.") is therefore taken as paint-on and said once.

A file that is not WebVTT/SubRip at all is rejected; single malformed cues in an otherwise good
file are quarantined as rows and the rest of the file is read.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from discourse.clean.normalize import normalise_newlines
from discourse.corpus import Document, ParsedDocument, Unit
from discourse.ingest.base import ReadContext, SourceOverride, register_reader
from discourse.ingest.files import InputFile, RejectedInput

__all__ = ["MIN_FREE_OVERLAP", "CueText", "cue_text", "parse_captions", "read_srt", "read_vtt"]

#: An overlap of at least this many words is dropped wherever it starts and ends.
MIN_FREE_OVERLAP = 3

_FORMAT_NAMES = {"vtt": "WebVTT", "srt": "SubRip"}
_TAG_RE = re.compile(r"<([^<>]*)>")
_VOICE_RE = re.compile(r"^v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?$")
_ASS_CODE_RE = re.compile(r"\{\\[^{}]*\}")
_SRT_START_RE = re.compile(r"^\s*\d+\s*\n[^\n]*-->")


@dataclass(frozen=True)
class CueText:
    """The words of one caption cue, the voice of each word, and where its lines start and end."""

    words: tuple[str, ...]
    voices: tuple[str | None, ...]
    line_starts: frozenset[int]
    line_ends: frozenset[int]


def cue_text(lines: Iterable[str]) -> CueText:
    """Split a cue's raw lines into words, removing markup and reading voice tags.

    Parameters
    ----------
    lines
        The cue's payload lines as they appear in the file (with tags).

    Returns
    -------
    CueText
        The words, the voice of each word (``None`` without a ``<v>`` tag), and the word indices
        where a line starts and where one ends (an end index is the index after its last word).
    """
    words: list[str] = []
    voices: list[str | None] = []
    starts: set[int] = set()
    ends: set[int] = set()
    voice: str | None = None
    for raw in lines:
        chunks: list[tuple[str | None, str]] = []
        pos = 0
        for m in _TAG_RE.finditer(raw):
            chunks.append((voice, raw[pos : m.start()]))
            tag = m.group(1).strip()
            vm = _VOICE_RE.match(tag)
            if vm:
                name = (vm.group("name") or "").strip()
                voice = html.unescape(name) or None
            elif tag == "/v":
                voice = None
            pos = m.end()
        chunks.append((voice, raw[pos:]))
        line_start = len(words)
        # Join text runs of one voice before splitting, so a word split by a tag stays one word.
        merged: list[tuple[str | None, str]] = []
        for v, t in chunks:
            if merged and merged[-1][0] == v:
                merged[-1] = (v, merged[-1][1] + t)
            else:
                merged.append((v, t))
        for v, t in merged:
            for w in html.unescape(_ASS_CODE_RE.sub("", t)).split():
                words.append(w)
                voices.append(v)
        if len(words) > line_start:
            starts.add(line_start)
            ends.add(len(words))
    return CueText(tuple(words), tuple(voices), frozenset(starts), frozenset(ends))


def _overlap(prev: CueText | None, cur: CueText) -> int:
    """How many leading words of ``cur`` repeat the end of ``prev`` (see the module docstring)."""
    if prev is None:
        return 0
    for k in range(min(len(prev.words), len(cur.words)), 0, -1):
        if prev.words[-k:] != cur.words[:k]:
            continue
        start_in_prev = len(prev.words) - k
        if k >= MIN_FREE_OVERLAP:
            return k
        if start_in_prev in prev.line_starts and (k in cur.line_ends or start_in_prev == 0):
            return k
    return 0


def _header_ok(text: str, fmt: str) -> bool:
    if fmt == "vtt":
        return text.startswith("WEBVTT")
    return bool(_SRT_START_RE.match(text))


def _blocks(text: str, fmt: str) -> list[tuple[int, list[str]]]:
    """Blocks with the line number (1-based) of their first line.

    WebVTT blocks end at an empty line (a line of spaces belongs to the block, as in YouTube's
    cues); SubRip blocks also end at a line of spaces, as webvtt-py reads them.
    """
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for i, line in enumerate(text.split("\n"), start=1):
        if line if fmt == "vtt" else line.strip():
            if not current:
                start = i
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _timing_index(lines: list[str]) -> int | None:
    for i, line in enumerate(lines[:2]):
        if "-->" in line:
            return i
    return None


def _renumber_srt(text: str, ctx: ReadContext) -> str:
    """Give a number to each SubRip cue whose number line is not a number.

    webvtt-py does not see a block as a cue unless its first line is digits, and appends such a
    block (its number and timings lines included) to the previous cue's text. The number only
    counts cues, so the cue is read by its timings instead; the count ``renumbered_cues`` and a
    note record it.
    """
    lines = text.split("\n")
    bad: list[str] = []
    for start, block in _blocks(text, "srt"):
        first = block[0].strip()
        if len(block) >= 2 and "-->" in block[1] and "-->" not in first and not first.isdigit():
            bad.append(first)
            lines[start - 1] = "0"
    if not bad:
        return text
    ctx.count("renumbered_cues", len(bad))
    shown = ", ".join(repr(b[:40]) for b in bad[:3]) + (", ..." if len(bad) > 3 else "")
    ctx.notes.append(f"{len(bad)} SubRip cue number(s) not a number ({shown}): read by timings")
    return "\n".join(lines)


def _load(text: str, fmt: str) -> list[webvtt.Caption]:
    """Parse the whole file with webvtt-py; raise :class:`RejectedInput` if it is not ``fmt``."""
    name = _FORMAT_NAMES[fmt]
    try:
        return list(webvtt.from_buffer(io.StringIO(text), format=fmt).captions)
    except MalformedFileError:
        expected = (
            "the first line must start with 'WEBVTT'"
            if fmt == "vtt"
            else "expected a cue number followed by a 'start --> end' timings line"
        )
        raise RejectedInput(f"malformed {name}: {expected}") from None
    except (MalformedCaptionError, ValueError) as exc:
        raise RejectedInput(f"malformed {name}: {exc}") from None


def _bad_cues(text: str, fmt: str) -> list[tuple[int, str]]:
    """Cue blocks webvtt-py skipped as invalid, as ``(line number, reason)``."""
    bad: list[tuple[int, str]] = []
    for lineno, lines in _blocks(text, fmt):
        t = _timing_index(lines)
        if t is None or (fmt == "vtt" and lines[0].startswith(("WEBVTT", "NOTE"))):
            continue
        if not any(line.strip() for line in lines[t + 1 :]):  # an empty cue, not a broken one
            continue
        block = "\n".join(lines)
        if fmt == "vtt":
            block = "WEBVTT\n\n" + block
        elif t == 0:
            block = "0\n" + block  # SubRip cue without its number
        try:
            ok = len(webvtt.from_buffer(io.StringIO(block), format=fmt)) > 0
        except (MalformedCaptionError, MalformedFileError, ValueError):
            ok = False
        if ok:
            continue
        reason = f"invalid cue timings {lines[t].strip()!r}"
        bad.append((lineno, reason))
    return bad


def parse_captions(
    text: str, fmt: str, document: Document, ctx: ReadContext, path: str = ""
) -> ParsedDocument:
    """Parse decoded caption text into one transcript document, one unit per cue.

    Parameters
    ----------
    text
        The decoded file content.
    fmt
        ``"vtt"`` or ``"srt"``: the format named by the file suffix. A file whose content is
        clearly the other format is read as that format (and a note is added).
    document
        Identity and provenance of the document; title, url, outlet, date and author are filled
        in from the sources override.
    ctx
        Read context: override, counters (``cues``, ``duplicate_cues``, ``trimmed_cues``) and
        row quarantine for malformed cues.
    path
        The file's relative path, used for quarantined cues.

    Returns
    -------
    ParsedDocument
        The transcript document and its units (``time_start``/``time_end`` in seconds).

    Raises
    ------
    RejectedInput
        The text is not WebVTT/SubRip, has no valid cue, or has no caption text.
    """
    text = normalise_newlines(text).lstrip("\ufeff").lstrip()
    if not text:
        raise RejectedInput("no caption text")
    other = "srt" if fmt == "vtt" else "vtt"
    if not _header_ok(text, fmt) and _header_ok(text, other):
        ctx.notes.append(f"content is {_FORMAT_NAMES[other]}, read as such")
        fmt = other
    if fmt == "srt":
        text = _renumber_srt(text, ctx)
    captions = _load(text, fmt)
    n_blocks = sum(
        1
        for _, lines in _blocks(text, fmt)
        if _timing_index(lines) is not None and not lines[0].startswith(("WEBVTT", "NOTE"))
    )
    if len(captions) < n_blocks:
        bad = _bad_cues(text, fmt)
        if not captions:
            detail = f" ({bad[0][1]})" if bad else ""
            raise RejectedInput(f"malformed {_FORMAT_NAMES[fmt]}: no valid cue{detail}")
        for lineno, reason in bad:
            ctx.quarantine_row(path, f"line {lineno}", f"malformed cue skipped: {reason}")
        if bad:
            ctx.count("malformed_cues", len(bad))
    ctx.count("cues", len(captions))

    units: list[Unit] = []
    prev: CueText | None = None
    duplicates = trimmed = 0
    for n, caption in enumerate(captions, start=1):
        cue = cue_text(caption.lines)
        if not cue.words:
            continue
        k = _overlap(prev, cue)
        prev = cue
        if k == len(cue.words):
            duplicates += 1
            continue
        if k:
            trimmed += 1
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        # One unit per run of words by the same voice.
        i = k
        while i < len(cue.words):
            j = i
            while j < len(cue.words) and cue.voices[j] == cue.voices[i]:
                j += 1
            units.append(
                Unit(
                    text=" ".join(cue.words[i:j]),
                    source_type="transcript",
                    author=cue.voices[i],
                    time_start=start,
                    time_end=end,
                    meta={"location": f"cue {n}"},
                )
            )
            i = j
    ctx.count("duplicate_cues", duplicates)
    if trimmed:
        ctx.count("trimmed_cues", trimmed)
    if not units:
        raise RejectedInput("no caption text")

    ov = ctx.override or SourceOverride()
    if ov.kind not in (None, "transcript"):
        ctx.notes.append(f"sources file kind {ov.kind!r} ignored: caption files are transcripts")
    document.source_type = "transcript"
    document.title = ov.title
    document.url = ov.url
    document.outlet = ov.outlet
    document.published = ov.date
    document.author = ov.author
    return ParsedDocument(document=document, units=units)


def _read(file: InputFile, ctx: ReadContext, fmt: str) -> list[ParsedDocument]:
    text = ctx.read_text(file)
    doc = Document(doc_id=file.rel, source_type="transcript", path=file.rel, sha256=file.sha256)
    return [parse_captions(text, fmt, doc, ctx, path=file.rel)]


@register_reader("vtt", (".vtt",), version="2", description="WebVTT captions as transcripts")
def read_vtt(file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Reader for WebVTT caption files (``.vtt``), including YouTube auto-captions.

    Parameters
    ----------
    file
        The input file.
    ctx
        Read context (config, sources override, counters).

    Returns
    -------
    list of ParsedDocument
        One transcript document.
    """
    return _read(file, ctx, "vtt")


@register_reader("srt", (".srt",), version="2", description="SubRip captions as transcripts")
def read_srt(file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Reader for SubRip caption files (``.srt``).

    Parameters
    ----------
    file
        The input file.
    ctx
        Read context (config, sources override, counters).

    Returns
    -------
    list of ParsedDocument
        One transcript document.
    """
    return _read(file, ctx, "srt")
