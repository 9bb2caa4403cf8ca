"""Caption files (WebVTT ``.vtt``, SubRip ``.srt``, SubViewer ``.sbv``) read as transcripts.

The three formats share one cue model (:class:`Cue`: its first line number, its timings line, its
text lines, its start and end) and one set of checks. Only cutting a file into cues differs by
format; the timings of each cue are read with webvtt-py. ``.sbv`` is what YouTube Studio exports
for a video's captions.

Every cue ends up in a unit or in the row quarantine with its line number:

- a cue without a timings line cannot be placed in time and is quarantined (in WebVTT and
  SubViewer a block of text after a blank line is such a cue; in SubRip too when it starts with
  a cue number). A SubRip block of text with neither number nor timings is the rest of the cue
  before it, as SubRip players read it (some files have blank lines inside a cue's text): it is
  joined to that cue, counted (``joined_text_blocks``) and noted;
- a cue whose timings cannot be read, or that ends before it starts, is quarantined: its place in
  time is unknown;
- a cue that starts before an earlier cue ends (two speakers at once, or a badly timed file) is
  kept in file order, counted (``overlapping_cues``) and noted with its line numbers;
- a cue without text is counted (``empty_cues``); it has no words to keep;
- a SubRip cue whose number line is not a number, or that has no number line, is read by its
  timings (``renumbered_cues``, ``unnumbered_cues``, each with a note).

Each kept cue becomes a ``transcript`` unit with its start and end time in seconds; inline markup
(``<c>``, ``<i>``, ``<b>``, ``<u>``, ``<font>``, word timestamps such as ``<00:00:01.520>``,
SubRip ``{\\an8}`` position codes) is removed and HTML entities are decoded. A WebVTT voice tag
(``<v Name>``) sets the unit's author; a cue with lines spoken by different voices gives one unit
per voice.

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

A file that is not WebVTT/SubRip/SubViewer at all is rejected, and so is a file none of whose
cues is valid (its cues are still listed in the row quarantine).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from discourse.clean.normalize import normalise_newlines
from discourse.corpus import Document, ParsedDocument, Unit
from discourse.ingest.base import ReadContext, SourceOverride, register_reader
from discourse.ingest.files import InputFile, RejectedInput

__all__ = [
    "FORMATS",
    "MIN_FREE_OVERLAP",
    "Cue",
    "CueText",
    "cue_text",
    "parse_captions",
    "read_cues",
    "read_sbv",
    "read_srt",
    "read_vtt",
]

#: An overlap of at least this many words is dropped wherever it starts and ends.
MIN_FREE_OVERLAP = 3

#: Caption formats by file suffix (without the dot), with the name used in messages.
FORMATS = {"vtt": "WebVTT", "srt": "SubRip", "sbv": "SubViewer"}

_TAG_RE = re.compile(r"<([^<>]*)>")
_VOICE_RE = re.compile(r"^v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?$")
_ASS_CODE_RE = re.compile(r"\{\\[^{}]*\}")
_SRT_START_RE = re.compile(r"^\s*\d+\s*\n[^\n]*-->")
# A SubViewer timings line, also when a field is broken ("0:00:13.f89,0:00:15.489"): two
# comma-separated fields without spaces, each with an "h:m" part.
_SBV_TIMINGS_RE = re.compile(r"^\s*[^\s,]*\d:\d[^\s,]*\s*,\s*[^\s,]*\d:\d[^\s,]*\s*$")
_VTT_NON_CUE = ("NOTE", "STYLE", "REGION")
_TIMINGS_FORM = {"vtt": "'start --> end'", "srt": "'start --> end'", "sbv": "'start,end'"}


@dataclass
class Cue:
    """One caption cue of any of the formats.

    Attributes
    ----------
    line
        Line number (from 1) of the cue's first line in the file: its number or identifier if
        it has one, else its timings line, else its first text line.
    timings
        The timings line as written; ``None`` when the cue has none.
    lines
        The text lines as written (with markup).
    start, end
        Start and end in seconds, once the timings are read.
    joined
        Line numbers of SubRip text blocks after a blank line that were joined to this cue.
    """

    line: int
    timings: str | None
    lines: list[str] = field(default_factory=list)
    start: float | None = None
    end: float | None = None
    joined: list[int] = field(default_factory=list)


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


# ---------------------------------------------------------------------------------------------
# Cutting a file into cues (the only part that differs by format)


def _header_ok(text: str, fmt: str) -> bool:
    return _SPECS[fmt].header(text)


def _is_number(line: str) -> bool:
    return line.strip().isdigit()


def _vtt_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """WebVTT blocks with the line number of their first line.

    As in webvtt-py, a block ends at an empty line (a line of spaces belongs to the block, as in
    YouTube's cues), and a line with ``-->`` that cannot be the block's timings line (the first
    line, or the second after an identifier) starts a new block.
    """
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for i, line in enumerate(lines, start=1):
        in_header = not blocks
        new_block = bool(
            current and "-->" in line and (in_header or len(current) > 1 or "-->" in current[0])
        )
        if (not line or new_block) and current:
            blocks.append((start, current))
            current = []
        if line:
            if not current:
                start = i
            current.append(line)
    if current:
        blocks.append((start, current))
    return blocks


def _plain_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Blocks separated by empty or all-space lines, with the line number of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for i, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                start = i
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _srt_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """SubRip blocks: a new cue also starts, without an empty line before it, at a number line
    followed by timings or at a timings line that cannot belong to the current block; a block
    of only a number followed by a block that starts with timings is that cue's number."""
    blocks: list[tuple[int, list[str]]] = []
    for start, block in _plain_blocks(lines):
        cut = 0
        for i in range(1, len(block)):
            part = block[cut:i]
            numbered = i + 1 < len(block) and _is_number(block[i]) and "-->" in block[i + 1]
            timings = "-->" in block[i] and (len(part) > 1 or "-->" in part[0])
            if numbered or timings:
                blocks.append((start + cut, part))
                cut = i
        blocks.append((start + cut, block[cut:]))
    merged: list[tuple[int, list[str]]] = []
    for start, block in blocks:
        prev = merged[-1][1] if merged else None
        if prev is not None and len(prev) == 1 and _is_number(prev[0]) and "-->" in block[0]:
            merged[-1] = (merged[-1][0], prev + block)
        else:
            merged.append((start, block))
    return merged


def _timings_at(block: list[str], fmt: str) -> int | None:
    """Index of the block's timings line (the first or second line), or ``None``."""
    if not _SPECS[fmt].arrow_timings:
        return 0 if _SBV_TIMINGS_RE.match(block[0]) else None
    for i, line in enumerate(block[:2]):
        if "-->" in line:
            return i
    return None


def _vtt_cues(lines: list[str], ctx: ReadContext) -> list[Cue]:
    cues: list[Cue] = []
    for n, (start, block) in enumerate(_vtt_blocks(lines)):
        t = _timings_at(block, "vtt")
        if n == 0 and block[0].startswith("WEBVTT"):
            continue  # the header
        if block[0].startswith(_VTT_NON_CUE) and t is None:
            continue  # comments, style sheets and regions (a block with timings is a cue)
        if t is None:
            cues.append(Cue(line=start, timings=None, lines=block))
        else:
            cues.append(Cue(line=start, timings=block[t], lines=block[t + 1 :]))
    return cues


def _sbv_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """SubViewer blocks: a timings line also starts a new cue without an empty line before it."""
    blocks: list[tuple[int, list[str]]] = []
    for start, block in _plain_blocks(lines):
        cut = 0
        for i in range(1, len(block)):
            if _SBV_TIMINGS_RE.match(block[i]):
                blocks.append((start + cut, block[cut:i]))
                cut = i
        blocks.append((start + cut, block[cut:]))
    return blocks


def _sbv_cues(lines: list[str], ctx: ReadContext) -> list[Cue]:
    cues: list[Cue] = []
    for start, block in _sbv_blocks(lines):
        if _timings_at(block, "sbv") is None:
            cues.append(Cue(line=start, timings=None, lines=block))
        else:
            cues.append(Cue(line=start, timings=block[0], lines=block[1:]))
    return cues


def _srt_cues(lines: list[str], ctx: ReadContext) -> list[Cue]:
    cues: list[Cue] = []
    renumbered: list[int] = []
    unnumbered: list[int] = []
    joined: list[int] = []
    for start, block in _srt_blocks(lines):
        t = _timings_at(block, "srt")
        if t is None and not _is_number(block[0]) and cues:
            cues[-1].lines.extend(block)  # the rest of the cue before, after a blank line
            cues[-1].joined.append(start)
            joined.append(start)
        elif t is None:
            cues.append(Cue(line=start, timings=None, lines=block))
        else:
            if t == 0:
                unnumbered.append(start)
            elif not _is_number(block[0]):
                renumbered.append(start)
            cues.append(Cue(line=start, timings=block[t], lines=block[t + 1 :]))
    if renumbered:
        # the number only counts cues; the note names lines, never the line's text (which could
        # hold personal data and is not masked in the manifest)
        ctx.count("renumbered_cues", len(renumbered))
        shown = ", ".join(f"line {n}" for n in renumbered[:3])
        shown += ", ..." if len(renumbered) > 3 else ""
        ctx.notes.append(
            f"{len(renumbered)} SubRip cue number(s) not a number ({shown}): read by timings"
        )
    if unnumbered:
        ctx.count("unnumbered_cues", len(unnumbered))
        ctx.notes.append(
            f"{len(unnumbered)} SubRip cue(s) without a number line ({_lines(unnumbered)}): "
            "read by timings"
        )
    if joined:
        ctx.count("joined_text_blocks", len(joined))
        ctx.notes.append(
            f"{len(joined)} SubRip text block(s) after a blank line, without number or timings "
            f"({_lines(joined)}): joined to the cue before"
        )
    return cues


_CUTTERS: dict[str, Callable[[list[str], ReadContext], list[Cue]]] = {
    "vtt": _vtt_cues,
    "srt": _srt_cues,
    "sbv": _sbv_cues,
}


def _lines(numbers: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return f"line{'s' if len(numbers) > 1 else ''} {shown}" + (
        ", ..." if len(numbers) > limit else ""
    )


# ---------------------------------------------------------------------------------------------
# One set of checks for every format


def _read_timings(timings: str, fmt: str) -> tuple[float, float] | None:
    """Start and end (seconds) of a timings line, read by webvtt-py; ``None`` if unreadable."""
    doc = _SPECS[fmt].one_cue.format(timings=timings)
    try:
        captions = webvtt.from_buffer(io.StringIO(doc), format=fmt).captions
    except (MalformedCaptionError, MalformedFileError, ValueError):
        return None
    if len(captions) != 1:
        return None
    c = captions[0]
    return c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000


def read_cues(
    text: str, fmt: str, ctx: ReadContext, path: str = "", first_line: int = 1
) -> list[Cue]:
    """Cut caption text into cues and check them; bad cues go to the row quarantine.

    Parameters
    ----------
    text
        The file's text, newlines normalised, starting with its first non-blank line.
    fmt
        ``"vtt"``, ``"srt"`` or ``"sbv"``.
    ctx
        Read context: counters (``cues``, ``malformed_cues``, ``overlapping_cues``,
        ``empty_cues``, ...), notes and the row quarantine.
    path
        The file's relative path, for quarantine entries.
    first_line
        Line number of the first line of ``text`` in the file.

    Returns
    -------
    list of Cue
        The cues with valid timings and some text, in file order, ``start``/``end`` set.
    """
    cues = _CUTTERS[fmt](text.split("\n"), ctx)
    for cue in cues:
        cue.line += first_line - 1
    name = FORMATS[fmt]
    kept: list[Cue] = []
    empty = 0
    overlapping: list[int] = []
    latest_end: float | None = None
    for cue in cues:
        reason = _cue_problem(cue, fmt)
        if reason:
            if cue.joined:
                reason += f" (with its text after a blank line, {_lines(cue.joined)})"
            ctx.quarantine_row(path, f"line {cue.line}", f"malformed cue skipped: {reason}")
            ctx.count("malformed_cues")
            continue
        assert cue.start is not None and cue.end is not None
        if latest_end is not None and cue.start < latest_end:
            overlapping.append(cue.line)
        latest_end = cue.end if latest_end is None else max(latest_end, cue.end)
        if not any(line.strip() for line in cue.lines):
            empty += 1
            continue
        kept.append(cue)
    ctx.count("cues", len(kept) + empty)
    if empty:
        ctx.count("empty_cues", empty)
    if overlapping:
        ctx.count("overlapping_cues", len(overlapping))
        ctx.notes.append(
            f"{len(overlapping)} {name} cue(s) start before an earlier cue ends "
            f"({_lines(overlapping)}): kept in file order"
        )
    return kept


def _cue_problem(cue: Cue, fmt: str) -> str | None:
    """Why a cue cannot be kept (and sets its times when it can)."""
    if cue.timings is None:
        return f"no timings line ({_TIMINGS_FORM[fmt]}): its text cannot be placed in time"
    times = _read_timings(cue.timings, fmt)
    if times is None:
        return f"invalid cue timings {cue.timings.strip()!r}"
    if times[1] < times[0]:
        return f"cue ends before it starts ({cue.timings.strip()!r})"
    cue.start, cue.end = times
    return None


# ---------------------------------------------------------------------------------------------
# Cues to units


def _units(cues: list[Cue], ctx: ReadContext) -> list[Unit]:
    """One unit per kept cue (per voice within a cue), rolling duplicates removed."""
    units: list[Unit] = []
    prev: CueText | None = None
    duplicates = trimmed = 0
    for caption in cues:
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
                    time_start=caption.start,
                    time_end=caption.end,
                    meta={"location": f"line {caption.line}"},
                )
            )
            i = j
    ctx.count("duplicate_cues", duplicates)
    if trimmed:
        ctx.count("trimmed_cues", trimmed)
    return units


def _not_captions(fmt: str) -> RejectedInput:
    return RejectedInput(f"malformed {FORMATS[fmt]}: {_SPECS[fmt].expected}")


@dataclass(frozen=True)
class _Spec:
    """What differs between the caption formats (looked up, never branched on by name)."""

    header: Callable[[str], bool]
    arrow_timings: bool  # 'start --> end' (else SubViewer's 'start,end' on the first line)
    one_cue: str  # a one-cue document around a timings line, for webvtt-py
    expected: str  # what a file of the format must start with


_SPECS = {
    "vtt": _Spec(
        header=lambda text: text.startswith("WEBVTT"),
        arrow_timings=True,
        one_cue="WEBVTT\n\n{timings}\nx\n",
        expected="the first line must start with 'WEBVTT'",
    ),
    "srt": _Spec(
        header=lambda text: bool(_SRT_START_RE.match(text)),
        arrow_timings=True,
        one_cue="1\n{timings}\nx\n",
        expected="expected a cue number followed by a 'start --> end' timings line",
    ),
    "sbv": _Spec(
        header=lambda text: bool(_SBV_TIMINGS_RE.match(text.split("\n", 1)[0])),
        arrow_timings=False,
        one_cue="{timings}\nx\n",
        expected="expected a 'start,end' timings line such as '0:00:01.000,0:00:04.000'",
    ),
}


def parse_captions(
    text: str, fmt: str, document: Document, ctx: ReadContext, path: str = ""
) -> ParsedDocument:
    """Parse decoded caption text into one transcript document, one unit per cue.

    Parameters
    ----------
    text
        The decoded file content.
    fmt
        ``"vtt"``, ``"srt"`` or ``"sbv"``: the format named by the file suffix. A file whose
        content is clearly another of them is read as that format (and a note is added).
    document
        Identity and provenance of the document; title, url, outlet, date and author are filled
        in from the sources override.
    ctx
        Read context: override, counters (``cues``, ``duplicate_cues``, ``trimmed_cues``, and
        those of :func:`read_cues`) and row quarantine for malformed cues.
    path
        The file's relative path, used for quarantined cues.

    Returns
    -------
    ParsedDocument
        The transcript document and its units (``time_start``/``time_end`` in seconds).

    Raises
    ------
    RejectedInput
        The text is not in a caption format, has no valid cue, or has no caption text.
    """
    text = normalise_newlines(text).lstrip("\ufeff")
    body = text.lstrip()
    first_line = text[: len(text) - len(body)].count("\n") + 1
    if not body:
        raise RejectedInput("no caption text")
    if not _header_ok(body, fmt):
        other = next((f for f in FORMATS if f != fmt and _header_ok(body, f)), None)
        if other is None:
            raise _not_captions(fmt)
        ctx.notes.append(f"content is {FORMATS[other]}, read as such")
        fmt = other
    cues = read_cues(body, fmt, ctx, path, first_line)
    if not ctx.counts.get("cues") and ctx.counts.get("malformed_cues"):
        first = ctx.quarantined[-ctx.counts["malformed_cues"]]
        detail = first.reason.removeprefix("malformed cue skipped: ")
        raise RejectedInput(f"malformed {FORMATS[fmt]}: no valid cue ({first.location}: {detail})")
    units = _units(cues, ctx)
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


@register_reader("vtt", (".vtt",), version="3", description="WebVTT captions as transcripts")
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


@register_reader("srt", (".srt",), version="3", description="SubRip captions as transcripts")
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


@register_reader(
    "sbv", (".sbv",), version="1", description="SubViewer (YouTube Studio) captions as transcripts"
)
def read_sbv(file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Reader for SubViewer caption files (``.sbv``), as YouTube Studio exports them.

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
    return _read(file, ctx, "sbv")
