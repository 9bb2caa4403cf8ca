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


def test_finish_sentence_writes_the_boundary() -> None:
    from discourse.segment.sentences import finish_sentence

    assert finish_sentence("- if you go no contact") == "If you go no contact."
    assert finish_sentence("and then all of a sudden,") == "And then all of a sudden."
    assert finish_sentence("It works.") == "It works."
    assert finish_sentence('she said "stop"') == 'She said "stop".'
    # the head of an over-long sentence neither ends it nor drops a dash inside it
    assert finish_sentence("and so on, - like this", starts=False, ends=False) == (
        "and so on, - like this"
    )


def test_punctuate_asr_keeps_every_word() -> None:
    from discourse.segment.sentences import punctuate_asr

    text = seed_text("000")
    out = punctuate_asr(text)
    assert "anything else. Now, no contact" in out and not out.startswith("-")

    def words(t: str) -> list[str]:
        return [w.strip(".,").lower() for w in t.split() if w != "-"]

    assert words(out) == words(text)
