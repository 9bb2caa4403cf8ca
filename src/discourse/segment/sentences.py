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

__all__ = ["restore_asr_boundaries", "sentence_spans", "split_sentences"]

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
