"""Sentence boundaries, including restoring them in ASR transcripts that have few or none.

Written as regular expressions rather than with spaCy's sentencizer: it has to run at well above
100k words/s for the scale targets, and spaCy has no rule for the ASR case below.

ASR captions often drop the full stop but keep the capital at the start of the next sentence
("... more than anything else Now, no contact is ..."). A boundary is restored before a
capitalised word from a closed list of common sentence openers (pronouns, conjunctions,
discourse markers) when no punctuation precedes it; "I" and its contractions never open a
restored boundary, and proper nouns are not on the list, so names do not split sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BoundaryScores",
    "boundary_scores",
    "finish_sentence",
    "punctuate_asr",
    "restore_asr_boundaries",
    "sentence_spans",
    "split_sentences",
]

_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "jr",
    "sr",
    "vol",
    "fig",
    "approx",
    "u.s",
    "u.k",
    "a.m",
    "p.m",
    "ca",
    "cf",
    "mt",
}
_BOUNDARY_RE = re.compile(r"([.!?…]+)([\"')\]’”]*)(\s+)(?=[\"'(\[“‘]?[A-Z0-9])")
_WS_RE = re.compile(r"\S+")

# Capitalised openers that, mid-text and unpunctuated, mark a lost sentence boundary in ASR.
_OPENERS = frozenset(
    """
    And But So Now Then Because Or If When While Although Though However Also Plus Yet Still
    It It's Its This That These Those There There's Here Here's They They're We We're We've
    You You're You've You'll He He's She She's What What's Why How Where Who Which Maybe
    Sometimes Many Most Some One Once Every Everything Everyone Nobody No Not Do Don't Does
    Doesn't Did Didn't Is Isn't Are Aren't Was Wasn't Were Be Being Let Let's Just Even Only
    Actually Basically Really Like Well Okay OK Yes Yeah Oh Hey Until After Before Since
    Instead Otherwise Remember Think Imagine Look Listen Stop Start Try Go Take Make Give
    Keep Pull Become Whether My Your Our Their His Her The A An In On At For With From To Of
    As By About Over Under Into Through Because Anyway Finally First Second Third Next Last
    Again Other Another Each Any All Both Either Neither
    """.split()  # noqa: SIM905
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of punctuated ``text`` (newlines are boundaries too)."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        ls, le = line.span()
        seg_start = ls
        for m in _BOUNDARY_RE.finditer(text, ls, le):
            end = m.end(2)
            prev = text[seg_start : m.start(1)].rsplit(None, 1)
            last_word = prev[-1].lower().rstrip(".") if prev else ""
            if m.group(1) == "." and (
                last_word in _ABBREV or (len(last_word) == 1 and last_word.isalpha())
            ):
                continue
            spans.append((seg_start, end))
            seg_start = m.end(3)
        if seg_start < le:
            spans.append((seg_start, le))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[s:e].strip() for s, e in sentence_spans(text)]


def restore_asr_boundaries(text: str) -> list[tuple[int, int]]:
    """Sentence spans for ASR text, restoring boundaries the recogniser left unpunctuated.

    Returns spans into ``text``; each punctuated sentence may be split further before an
    unpunctuated capitalised opener (a trailing comma before the opener is allowed).
    """
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        cur = s
        words = list(_WS_RE.finditer(text, s, e))
        for prev, word in zip(words, words[1:]):
            token = word.group().strip("\"'“”‘’(),.;:!?")
            if token not in _OPENERS or token == "I":
                continue
            before = prev.group()
            if before[-1] in ".!?":
                continue  # already a boundary
            if before.lower().rstrip(",") in {
                "the",
                "a",
                "an",
                "and",
                "or",
                "but",
                "to",
                "of",
                "my",
                "your",
            }:
                continue
            if word.start() - cur < 12:
                continue  # avoid one-word fragments
            spans.append((cur, prev.end()))
            cur = word.start()
        spans.append((cur, e))
    return [(a, b) for a, b in spans if text[a:b].strip()]


_TERMINAL_RE = re.compile(r"[.!?…][\"')\]’”]*$")
_TRAILING_PAUSE_RE = re.compile(r"[\s,;:\-–—]+$")
_LEADING_DASH_RE = re.compile(r"^[-–—]+\s+")


def finish_sentence(piece: str, starts: bool = True, ends: bool = True) -> str:
    """Write a restored boundary into one piece of ASR text, for readers.

    Parameters
    ----------
    piece
        A sentence (or, with ``ends=False``, the first part of an over-long one).
    starts
        The piece opens a sentence: a leading caption dash ("- ", a speaker-turn mark) is
        dropped and the first letter is capitalised.
    ends
        The piece closes a sentence: without final punctuation, a trailing comma, colon or dash
        is replaced by a full stop (``"... anything else"`` -> ``"... anything else."``).

    Returns
    -------
    str
        The piece with the same words, only punctuation and the first letter changed.
    """
    text = piece.strip()
    if starts:
        text = _LEADING_DASH_RE.sub("", text)
        first = re.search(r"[^\W\d_]", text)
        if first and first.start() <= 2:
            k = first.start()
            text = text[:k] + text[k].upper() + text[k + 1 :]
    if ends and text and not _TERMINAL_RE.search(text):
        stem = _TRAILING_PAUSE_RE.sub("", text)
        text = stem + "." if stem else text
    return text


def punctuate_asr(text: str) -> str:
    """ASR text with its restored sentence boundaries written in (see :func:`finish_sentence`).

    The same restoration as the transcript segmenter applies to each window, over the whole
    text at once (used to measure the restoration against hand-punctuated text).
    """
    return " ".join(finish_sentence(text[s:e]) for s, e in restore_asr_boundaries(text))


@dataclass(frozen=True)
class BoundaryScores:
    """Sentence boundaries restored in ASR text, scored against hand-punctuated text.

    Only boundaries the ASR text lacks count: ``tp`` restored where the hand punctuation has
    one, ``fp`` restored where it has none, ``fn`` missing in the ASR text and not restored.
    """

    words: int
    gold_missing: int
    restored: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of restored boundaries that the hand punctuation also has."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of the boundaries missing in the ASR text that were restored."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _word_ends(text: str) -> tuple[list[str], list[bool]]:
    """Words of ``text`` (lower-cased letters, digits and apostrophes; tokens that are only
    punctuation dropped) and, per word, whether a sentence ends after it."""
    words, ends = [], []
    for token in text.split():
        word = re.sub(r"[^\w'’]", "", token).lower()
        if not word:
            continue
        words.append(word)
        ends.append(bool(_TERMINAL_RE.search(token)))
    return words, ends


def boundary_scores(source: str, restored: str, gold: str) -> BoundaryScores:
    """Score restored sentence boundaries against a hand-punctuated passage.

    Parameters
    ----------
    source
        The ASR text (the passage may be its beginning).
    restored
        ``source`` with boundaries restored (same words, e.g. :func:`punctuate_asr`).
    gold
        The passage punctuated by hand: the same words in the same order as the start of
        ``source``, only punctuation and capitals changed.

    Returns
    -------
    BoundaryScores
        Counted over the passage's words except its last (whose end is not a decision).

    Raises
    ------
    ValueError
        When the words of the three texts do not line up.
    """
    src_words, src_ends = _word_ends(source)
    out_words, out_ends = _word_ends(restored)
    gold_words, gold_ends = _word_ends(gold)
    n = len(gold_words)
    if src_words[:n] != gold_words or out_words[:n] != gold_words:
        raise ValueError("the hand-punctuated passage does not have the source's words in order")
    tp = fp = fn = missing = restored_n = 0
    for k in range(n - 1):
        if src_ends[k]:
            continue  # already punctuated by the recogniser
        missing += gold_ends[k]
        restored_n += out_ends[k]
        tp += gold_ends[k] and out_ends[k]
        fp += out_ends[k] and not gold_ends[k]
        fn += gold_ends[k] and not out_ends[k]
    return BoundaryScores(words=n, gold_missing=missing, restored=restored_n, tp=tp, fp=fp, fn=fn)
