"""Tests for the WebVTT and SubRip caption readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from discourse.config import PipelineConfig
from discourse.corpus import ParsedDocument
from discourse.ingest.base import ReadContext, SourceOverride
from discourse.ingest.captions import cue_text, read_srt, read_vtt
from discourse.ingest.files import InputFile, RejectedInput

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "captions"

SPOKEN = (
    "so today I want to talk about no contact and why it works because when you stop "
    "reaching out out of habit you give yourself space and you stop feeding the hope that "
    "that keeps you stuck"
)


def _read(path: Path, ctx: ReadContext | None = None) -> tuple[ParsedDocument, ReadContext]:
    ctx = ctx or ReadContext(config=PipelineConfig())
    reader = read_srt if path.suffix == ".srt" else read_vtt
    docs = reader(InputFile(path=path, rel=path.name), ctx)
    assert len(docs) == 1
    return docs[0], ctx


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_youtube_rolling_captions_keep_each_word_once() -> None:
    doc, ctx = _read(FIXTURES / "youtube_auto.en.vtt")
    assert " ".join(u.text for u in doc.units) == SPOKEN
    assert all(u.source_type == "transcript" for u in doc.units)
    assert not any("<" in u.text or ">" in u.text for u in doc.units)
    starts = [u.time_start for u in doc.units]
    assert starts == sorted(starts)
    assert all(u.time_start is not None and u.time_end is not None for u in doc.units)
    assert all(u.time_start < u.time_end for u in doc.units)
    assert doc.units[0].time_start == pytest.approx(0.08)
    assert doc.units[1].text == "about no contact and why it works"
    assert doc.units[1].time_start == pytest.approx(2.879)
    assert ctx.counts["cues"] == 12
    assert ctx.counts["duplicate_cues"] == 6
    d = doc.document
    assert (d.doc_id, d.path, d.source_type) == (
        "youtube_auto.en.vtt",
        "youtube_auto.en.vtt",
        "transcript",
    )
    assert len(d.sha256) == 64


def test_plain_srt_keeps_every_cue() -> None:
    doc, ctx = _read(FIXTURES / "plain.srt")
    assert [u.text for u in doc.units] == [
        "When someone goes no contact, it can feel like a punishment.",
        "It usually isn't.",
        "It is how they protect their own & your peace.",
        "All you want is peace.",
        # a word really said twice across a cue boundary is not a rolling duplicate
        "peace. Not another text.",
    ]
    assert [(u.time_start, u.time_end) for u in doc.units][:2] == [(1.0, 3.5), (3.6, 6.2)]
    assert ctx.counts["cues"] == 5
    assert ctx.counts["duplicate_cues"] == 0
    assert all(u.author is None for u in doc.units)


def test_voice_tags_set_author() -> None:
    doc, _ = _read(FIXTURES / "speakers.vtt")
    assert [(u.author, u.text) for u in doc.units] == [
        ("Dr. Ramani", "Why do they come back?"),
        ("Sam", "Is it the hoovering?"),
        ("Dr. Ramani", "Yes."),
        ("Sam", "Right."),
    ]


def test_malformed_vtt_is_rejected() -> None:
    with pytest.raises(RejectedInput, match="malformed WebVTT"):
        _read(FIXTURES / "not_captions.vtt")


def test_malformed_srt_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.srt", "just some notes\nabout a breakup\n")
    with pytest.raises(RejectedInput, match="malformed SubRip"):
        _read(path)


def test_vtt_with_only_broken_cues_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.vtt", "WEBVTT\n\n00:00:xx.000 --> 00:00:02.000\nHello there\n")
    with pytest.raises(RejectedInput, match="malformed WebVTT: no valid cue"):
        _read(path)


def test_one_broken_cue_is_quarantined_and_the_rest_read(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.000\nFirst line.\n\n"
        "00:00:0x.000 --> 00:00:02.000\nBroken cue.\n\n"
        "00:00:02.000 --> 00:00:03.000\nLast line.\n"
    )
    doc, ctx = _read(_write(tmp_path, "partial.vtt", text))
    assert [u.text for u in doc.units] == ["First line.", "Last line."]
    assert len(ctx.quarantined) == 1
    assert ctx.quarantined[0].location == "line 6"
    assert "malformed cue" in ctx.quarantined[0].reason


def test_no_caption_text_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<c> </c>\n")
    with pytest.raises(RejectedInput, match="no caption text"):
        _read(path)
    with pytest.raises(RejectedInput, match="no caption text"):
        _read(_write(tmp_path, "header_only.vtt", "WEBVTT\nKind: captions\n"))


def test_paint_on_captions_are_deduplicated(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.000\nhe blocked\n\n"
        "00:00:01.000 --> 00:00:02.000\nhe blocked me everywhere\n\n"
        "00:00:02.000 --> 00:00:03.000\nhe blocked me everywhere\n"
    )
    doc, ctx = _read(_write(tmp_path, "paint.vtt", text))
    assert [u.text for u in doc.units] == ["he blocked", "me everywhere"]
    assert ctx.counts["duplicate_cues"] == 1


def test_srt_content_in_vtt_file_and_override(tmp_path: Path) -> None:
    path = _write(tmp_path, "mislabelled.vtt", "1\n00:00:01,000 --> 00:00:02,000\nHi.\n")
    override = SourceOverride(
        title="Why they come back", outlet="YouTube", date="2021-05-04", url="https://example.org/v"
    )
    doc, ctx = _read(path, ReadContext(config=PipelineConfig(), override=override))
    assert [u.text for u in doc.units] == ["Hi."]
    assert any("SubRip" in n for n in ctx.notes)
    d = doc.document
    assert (d.title, d.outlet, d.published, d.url) == (
        "Why they come back",
        "YouTube",
        "2021-05-04",
        "https://example.org/v",
    )


def test_cue_text_strips_markup() -> None:
    cue = cue_text(["<v.loud Esme>wo<c.colorE5E5E5>rd</c><00:00:01.520><i> two</i> &lt;3"])
    assert cue.words == ("word", "two", "<3")
    assert set(cue.voices) == {"Esme"}


def test_srt_cue_with_a_bad_number_is_read_once_by_its_timings(tmp_path: Path) -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:03,000\nFirst.\n\n"
        "x\n00:00:03,000 --> 00:00:09,000\nOverlapping cue\n\n"
        "y\n00:00:0x,000 --> 00:00:10,000\nBroken timings.\n\n"
        "4\n00:00:10,000 --> 00:00:12,000\nLast.\n"
    )
    doc, ctx = _read(_write(tmp_path, "numbers.srt", text))
    assert [(u.text, u.time_start) for u in doc.units] == [
        ("First.", 1.0),
        ("Overlapping cue", 3.0),
        ("Last.", 10.0),
    ]
    assert ctx.counts["renumbered_cues"] == 2
    # the cue with broken timings is quarantined, and not merged into its neighbour either
    (q,) = ctx.quarantined
    assert q.location == "line 9" and "invalid cue timings" in q.reason
