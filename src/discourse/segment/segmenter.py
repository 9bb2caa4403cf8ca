"""From a parsed document to its coding units (segments).

* transcripts: sentence boundaries restored where the ASR has none, boilerplate (promo block,
  next-video teaser) tagged sentence by sentence, then windows of ``transcript_min_words`` to
  ``transcript_max_words`` words that respect sentence boundaries and never mix boilerplate with
  content; a window's text has the restored boundaries written in (full stop, capital, no
  leading caption dash) and ``text_original`` keeps the ASR text;
* articles: paragraph units; a lead-in ending with ":" joins the bullet list after it, a short
  heading joins the paragraph after it, short paragraphs are merged up to ``article_min_words``;
  boilerplate paragraphs are kept as their own flagged units;
* comments and posts: one unit each.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from discourse.clean.boilerplate import (
    PAGINATION_PREFIX,
    BoilerplateDetector,
    split_inline_pagination,
)
from discourse.clean.normalize import normalise_text
from discourse.config import PipelineConfig
from discourse.corpus import ParsedDocument, Unit, word_count
from discourse.segment.sentences import finish_sentence, restore_asr_boundaries, sentence_spans
from discourse.segment.windows import balanced_windows, ends_sentence, pack, split_long

__all__ = ["Draft", "segment_document"]


@dataclass
class Draft:
    """A segment before ids, privacy and duplicate marking."""

    text: str
    source_type: str
    text_original: str | None = None
    author: str | None = None
    published: str | None = None
    key: str | None = None
    reply_to_key: str | None = None
    reply_inference: str | None = None
    is_author_reply: bool = False
    boilerplate_reason: str | None = None
    time_start: float | None = None
    time_end: float | None = None
    source_start: int | None = None
    source_end: int | None = None
    source_location: str | None = None
    stats: dict[str, int] = field(default_factory=dict)


def _span(units: list[Unit]) -> tuple[int | None, int | None]:
    """The source span covering ``units`` (``None`` when a unit's span is unknown)."""
    if any(u.start is None or u.end is None for u in units):
        return None, None
    return min(u.start for u in units), max(u.end for u in units)  # type: ignore[type-var]


def segment_document(
    parsed: ParsedDocument, config: PipelineConfig, detector: BoilerplateDetector
) -> tuple[list[Draft], dict[str, int]]:
    """Clean and segment one document.

    Returns
    -------
    drafts
        The document's segments in order.
    stats
        Counts for the manifest (``units_in``, ``units_empty_after_cleaning``, ...).
    """
    stats = {"units_in": len(parsed.units), "units_empty_after_cleaning": 0}
    cleaned: list[Unit] = []
    for unit in parsed.units:
        text = normalise_text(unit.text, config.clean, markdown=bool(unit.meta.get("markdown")))
        if not text:
            stats["units_empty_after_cleaning"] += 1
            continue
        unit.meta["raw_text"] = unit.text
        unit.text = text
        cleaned.append(unit)
    drafts: list[Draft] = []
    i = 0
    while i < len(cleaned):
        kind = cleaned[i].source_type
        j = i
        while (
            j < len(cleaned)
            and cleaned[j].source_type == kind
            and kind in ("transcript", "article")
        ):
            j += 1
        if kind == "transcript":
            drafts.extend(_transcript(cleaned[i:j], config, detector))
        elif kind == "article":
            drafts.extend(_article(cleaned[i:j], config, detector))
        else:
            j = i + 1
            u = cleaned[i]
            drafts.append(
                Draft(
                    text=u.text,
                    source_type=kind,
                    author=u.author,
                    published=u.published,
                    key=u.key,
                    reply_to_key=u.reply_to,
                    reply_inference=u.reply_inference,
                    is_author_reply=u.is_author_reply,
                    boilerplate_reason=u.boilerplate_reason or detector.classify_unit(u.text, kind),
                    time_start=u.time_start,
                    time_end=u.time_end,
                    source_start=u.start,
                    source_end=u.end,
                    source_location=u.meta.get("location"),
                )
            )
        i = j
    for u in cleaned:
        u.meta.pop("raw_text", None)
    return drafts, stats


class _WordMap:
    """Maps character offsets in a unit's cleaned text back to its source text.

    Cleaning (mojibake repair, whitespace folding) keeps the words of a transcript in order; when
    the cleaned text and the source span have the same number of words, word ``k`` of one is word
    ``k`` of the other, so a window's first and last words give its exact source span. When they
    differ, the window gets the whole unit's span (still a span that contains it).
    """

    def __init__(self, units: list[Unit], text: str) -> None:
        self.ok = len(units) == 1 and units[0].start is not None
        self.unit_span = _span(units)
        if not self.ok:
            return
        raw = units[0].meta.get("raw_text", "")
        raw_words = [(m.start(), m.end()) for m in re.finditer(r"\S+", raw)]
        self.clean_starts = [m.start() for m in re.finditer(r"\S+", text)]
        self.ok = len(raw_words) == len(self.clean_starts)
        # the unit's text was stripped by the reader: its raw text starts at unit.start
        self.raw_words = raw_words
        self.base = units[0].start

    def span(self, start_char: int, end_char: int) -> tuple[int | None, int | None]:
        if not self.ok:
            return self.unit_span
        first = max(bisect.bisect_right(self.clean_starts, start_char) - 1, 0)
        last = max(bisect.bisect_right(self.clean_starts, end_char) - 1, 0)
        return self.base + self.raw_words[first][0], self.base + self.raw_words[last][1]


def _transcript(
    units: list[Unit], config: PipelineConfig, detector: BoilerplateDetector
) -> list[Draft]:
    """Windows over a run of transcript units (one ASR text, or many caption cues)."""
    cfg = config.segment
    parts, bounds = [], []
    pos = 0
    for u in units:
        parts.append(u.text)
        bounds.append((pos, pos + len(u.text), u))
        pos += len(u.text) + 1
    text = " ".join(parts)
    starts = [s for s, _, _ in bounds]  # unit i covers starts[i] .. starts[i+1] - 1
    sentences: list[tuple[str, int, int]] = []
    closes: list[bool] = []  # the piece ends a sentence (not the head of an over-long one)
    for s, e in restore_asr_boundaries(text):
        piece = text[s:e].strip()
        if word_count(piece) > cfg.transcript_max_words:
            offset = s
            subs = split_long(piece, cfg.transcript_max_words)
            for n, sub in enumerate(subs):
                start = text.find(sub.split()[0], offset)
                sentences.append((sub, start, start + len(sub)))
                closes.append(n == len(subs) - 1)
                offset = start + 1
        else:
            sentences.append((piece, s, e))
            closes.append(True)
    readable = [
        finish_sentence(piece, starts=k == 0 or closes[k - 1], ends=closes[k])
        for k, (piece, _, _) in enumerate(sentences)
    ]
    tags = detector.tag_sentences([s for s, _, _ in sentences])
    words = _WordMap(units, text)
    drafts: list[Draft] = []
    k = 0
    while k < len(sentences):
        m = k
        while m < len(sentences) and tags[m] == tags[k]:
            m += 1
        run = sentences[k:m]
        sizes = [word_count(s) for s, _, _ in run]
        for a, b in balanced_windows(sizes, cfg.transcript_min_words, cfg.transcript_max_words):
            chunk = run[a:b]
            start_char, end_char = chunk[0][1], chunk[-1][2] - 1
            first = units[max(bisect.bisect_right(starts, start_char) - 1, 0)]
            last = units[max(bisect.bisect_right(starts, end_char) - 1, 0)]
            src_start, src_end = words.span(start_char, end_char)
            original = " ".join(s for s, _, _ in chunk)
            restored = " ".join(readable[k + a : k + b])
            drafts.append(
                Draft(
                    text=restored,
                    text_original=original if restored != original else None,
                    source_type="transcript",
                    author=first.author,
                    published=first.published,
                    boilerplate_reason=tags[k],
                    time_start=first.time_start,
                    time_end=last.time_end,
                    source_start=src_start,
                    source_end=src_end,
                )
            )
        k = m
    return drafts


def _is_bullet(text: str) -> bool:
    return text.startswith(("- ", "* ")) or bool(re.match(r"^\d{1,2}[.)]\s", text))


def _article(
    units: list[Unit], config: PipelineConfig, detector: BoilerplateDetector
) -> list[Draft]:
    """Paragraph groups over a run of article paragraphs."""
    cfg = config.segment
    # (text, boilerplate reason, the units it came from)
    paras: list[tuple[str, str | None, list[Unit]]] = []
    for u in units:
        marker, rest = split_inline_pagination(u.text)
        marker_unit, rest_unit = _split_pagination_span(u) if marker else (u, u)
        if marker:
            paras.append((marker, "pagination", [marker_unit]))
        if rest:
            reason = u.boilerplate_reason or detector.classify_unit(rest, "article")
            paras.append((rest, reason, [rest_unit]))
    # Lead-ins and headings attach to what follows; bullet items attach to each other.
    blocks: list[tuple[str, str | None, list[Unit]]] = []
    for text, reason, src in paras:
        if blocks and reason is None and blocks[-1][1] is None:
            prev, _, prev_src = blocks[-1]
            prev_last = prev.rstrip().split("\n")[-1]
            lead_in = prev.rstrip().endswith(":") and _is_bullet(text)
            list_cont = _is_bullet(text) and _is_bullet(prev_last)
            heading = not ends_sentence(prev) and word_count(prev) <= 12 and "\n" not in prev
            if lead_in or list_cont or heading:
                blocks[-1] = (prev + "\n" + text, None, prev_src + src)
                continue
        if blocks and reason is not None and blocks[-1][1] == reason:
            blocks[-1] = (blocks[-1][0] + "\n" + text, reason, blocks[-1][2] + src)
            continue
        blocks.append((text, reason, src))
    drafts: list[Draft] = []
    k = 0
    while k < len(blocks):
        reason = blocks[k][1]
        m = k
        while m < len(blocks) and blocks[m][1] == reason:
            m += 1
        if reason is not None:
            drafts.extend(_article_draft(t, src, reason) for t, _, src in blocks[k:m])
            k = m
            continue
        pieces: list[tuple[str, list[Unit]]] = []
        for t, _, src in blocks[k:m]:
            if word_count(t) > cfg.article_max_words:
                sents = [t[s:e].strip() for s, e in sentence_spans(t)]
                sizes = [word_count(s) for s in sents]
                for a, b in pack(
                    sizes, cfg.article_min_words, cfg.article_max_words, cfg.article_min_words
                ):
                    pieces.append((" ".join(sents[a:b]), src))
            else:
                pieces.append((t, src))
        sizes = [word_count(p) for p, _ in pieces]
        for a, b in pack(
            sizes, cfg.article_min_words, cfg.article_max_words, cfg.article_min_words
        ):
            group = pieces[a:b]
            drafts.append(
                _article_draft(
                    "\n\n".join(p for p, _ in group), [u for _, src in group for u in src], None
                )
            )
        k = m
    return drafts


def _split_pagination_span(unit: Unit) -> tuple[Unit, Unit]:
    """Copies of ``unit`` whose source spans cover its leading pagination marker and the rest.

    The reader's span starts at the unit's raw (uncleaned) text, so the marker is found again
    in the raw text; when it is not (or the span is unknown) both keep the unit's span.
    """
    raw = unit.meta.get("raw_text", unit.text)
    m = PAGINATION_PREFIX.match(raw)
    if unit.start is None or unit.end is None or m is None:
        return unit, unit
    marker_end = unit.start + len(raw[: m.end()].rstrip())
    rest_start = unit.start + m.end()
    return replace(unit, end=marker_end), replace(unit, start=min(rest_start, unit.end))


def _article_draft(text: str, src: list[Unit], reason: str | None) -> Draft:
    start, end = _span(src)
    return Draft(
        text=text,
        source_type="article",
        boilerplate_reason=reason,
        source_start=start,
        source_end=end,
    )
