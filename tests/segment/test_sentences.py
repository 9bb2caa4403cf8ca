"""Sentence splitting and ASR boundary restoration."""

from __future__ import annotations

from _paths import seed_text
from discourse.segment.sentences import restore_asr_boundaries, split_sentences


def test_punctuated_sentences_and_abbreviations() -> None:
    text = 'Dr. Smith said no. "Block him!" she wrote. It works, e.g. for me. Really?'
    assert split_sentences(text) == [
        "Dr. Smith said no.",
        '"Block him!" she wrote.',
        "It works, e.g. for me.",
        "Really?",
    ]


def test_newlines_are_boundaries() -> None:
    assert split_sentences("first line\nsecond line") == ["first line", "second line"]


def test_asr_boundaries_restored_before_capitalised_openers() -> None:
    text = (
        "this will change your life more than anything else Now, no contact is hard and I know it"
    )
    parts = [text[s:e] for s, e in restore_asr_boundaries(text)]
    assert parts == [
        "this will change your life more than anything else",
        "Now, no contact is hard and I know it",
    ]


def test_names_and_i_do_not_split() -> None:
    text = "so I told Sarah that I was done with Magnetic Mastery for good"
    assert len(restore_asr_boundaries(text)) == 1


def test_seed_transcript_gets_many_sentences() -> None:
    text = seed_text("000")
    spans = restore_asr_boundaries(text)
    punctuated = split_sentences(text)
    assert len(spans) > len(punctuated) * 1.3
    # spans cover the text in order without overlap
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    words = sum(len(text[s:e].split()) for s, e in spans)
    assert words == len(text.split())
