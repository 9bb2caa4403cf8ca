"""Tests for the WebVTT, SubRip and SubViewer caption readers."""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from discourse.build import read_input_file
from discourse.cli import app
from discourse.config import PipelineConfig
from discourse.corpus import Document, ParsedDocument
from discourse.ingest.base import ReadContext, SourceOverride
from discourse.ingest.captions import cue_text, parse_captions, read_sbv, read_srt, read_vtt
from discourse.ingest.files import InputFile, RejectedInput

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "captions"

SPOKEN = (
    "so today I want to talk about no contact and why it works because when you stop "
    "reaching out out of habit you give yourself space and you stop feeding the hope that "
    "that keeps you stuck"
)


def _read(path: Path, ctx: ReadContext | None = None) -> tuple[ParsedDocument, ReadContext]:
    ctx = ctx or ReadContext(config=PipelineConfig())
    reader = {".srt": read_srt, ".sbv": read_sbv}.get(path.suffix, read_vtt)
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


# --- SubViewer (.sbv), and one set of checks for the three formats (issue 22) -----------------


def _quarantined(ctx: ReadContext) -> list[tuple[str, str]]:
    return [(q.location or "", q.reason) for q in ctx.quarantined]


def test_youtube_studio_sbv_is_read_as_captions() -> None:
    doc, ctx = _read(FIXTURES / "youtube_studio.sbv")
    assert [(u.text, u.time_start, u.time_end) for u in doc.units] == [
        ("So you went no contact and now you're wondering if it worked.", 0.0, 3.2),
        ("Here's the thing: no contact isn't a trick", 3.2, 6.85),
        ("to get them back. It's how you get yourself back.", 6.85, 10.4),
        ("Give it thirty days & notice how you feel.", 10.4, 13.9),
    ]
    assert doc.document.source_type == "transcript"
    assert not any(re.search(r"\d:\d\d", u.text) for u in doc.units)  # no timings in the text
    assert ctx.counts["cues"] == 4 and not ctx.quarantined


def test_sbv_is_registered_and_listed() -> None:
    from discourse.ingest import SUFFIXES, readers

    assert SUFFIXES[".sbv"] == "sbv" and "sbv" in readers
    result = CliRunner().invoke(app, ["readers"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert re.search(r"\bsbv\b.*\.sbv", result.output)


def test_sbv_file_goes_through_the_pipeline_reader(tmp_path: Path) -> None:
    path = tmp_path / "export.sbv"
    path.write_bytes((FIXTURES / "broken.sbv").read_bytes())
    record, parsed, quarantine = read_input_file(
        InputFile(path=path, rel=path.name), PipelineConfig()
    )
    assert (record.reader, record.status) == ("sbv", "partial")
    assert [q.location for q in quarantine] == ["line 4", "line 6", "line 9"]
    assert parsed[0].units[0].text == "He said he needed space."


@pytest.mark.parametrize("suffix", [".vtt", ".srt", ".sbv"])
def test_broken_cues_are_quarantined_with_their_line(suffix: str) -> None:
    doc, ctx = _read(FIXTURES / f"broken{suffix}")
    lines = {".vtt": (11, 13, 16), ".srt": (5, 8, 12), ".sbv": (4, 6, 9)}[suffix]
    reasons = _quarantined(ctx)
    assert [loc for loc, _ in reasons] == [f"line {n}" for n in lines]
    # a cue without a timings line: its text cannot be placed in time
    assert "no timings line" in reasons[0][1] and "placed in time" in reasons[0][1]
    # a cue that ends before it starts
    assert "cue ends before it starts" in reasons[1][1] and "05" in reasons[1][1]
    assert "invalid cue timings" in reasons[2][1]
    assert all(r.startswith("malformed cue skipped: ") for _, r in reasons)
    assert ctx.counts["malformed_cues"] == 3
    texts = " ".join(u.text for u in doc.units)
    for gone in ("So I gave him space", "Backwards cue", "Broken timings"):
        assert gone not in texts
    assert texts.startswith("He said he needed space.")
    assert texts.endswith("I didn't, and that was the point.")
    assert "-->" not in texts and not re.search(r"\d:\d\d", texts)


@pytest.mark.parametrize("suffix", [".vtt", ".srt", ".sbv"])
def test_overlapping_cues_are_kept_and_noted(suffix: str) -> None:
    doc, ctx = _read(FIXTURES / f"broken{suffix}")
    line = {".vtt": 21, ".srt": 22, ".sbv": 15}[suffix]
    assert ctx.counts["overlapping_cues"] == 1
    assert any("start before an earlier cue ends" in n and f"line {line}" in n for n in ctx.notes)
    overlapping = next(u for u in doc.units if "answer?" in u.text)
    assert overlapping.meta["location"] == f"line {line}"
    prev = doc.units[doc.units.index(overlapping) - 1]
    assert overlapping.time_start is not None and prev.time_end is not None
    assert overlapping.time_start < prev.time_end


def test_empty_cues_are_counted() -> None:
    for suffix in (".vtt", ".sbv"):
        _, ctx = _read(FIXTURES / f"broken{suffix}")
        assert ctx.counts["empty_cues"] == 1


def test_srt_cue_number_without_timings_does_not_leak_into_text(tmp_path: Path) -> None:
    text = (
        "1\n00:00:00,500 --> 00:00:07,000\nCaption text #1\n\n"
        "2\nCaption text #2\n\n"
        "3\n00:00:11,890 --> 00:00:16,320\nCaption text #3\n"
    )
    doc, ctx = _read(_write(tmp_path, "missing.srt", text))
    assert [u.text for u in doc.units] == ["Caption text #1", "Caption text #3"]
    assert [loc for loc, _ in _quarantined(ctx)] == ["line 5"]


def test_srt_text_after_a_blank_line_is_joined_and_noted() -> None:
    doc, ctx = _read(FIXTURES / "broken.srt")
    joined = next(u for u in doc.units if "did not stop" in u.text)
    assert joined.text == "Then the texting started again. and it did not stop for days."
    assert (joined.time_start, joined.time_end) == (7.0, 10.0)
    assert ctx.counts["joined_text_blocks"] == 1
    assert any("line 20" in n and "joined to the cue before" in n for n in ctx.notes)
    # a cue without its number line, and one right after the previous cue's text, are read too
    assert ctx.counts["unnumbered_cues"] == 1 and ctx.counts["renumbered_cues"] == 1
    assert [u.text for u in doc.units][-2:] == ["No.", "I didn't, and that was the point."]


def test_vtt_cue_without_timings_is_quarantined(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n00:00:00.500 --> 00:00:07.000\nCaption text #1\n\n"
        "Caption text #2\n\n00:00:11.890 --> 00:00:16.320\nCaption text #3\n"
    )
    doc, ctx = _read(_write(tmp_path, "missing.vtt", text))
    assert [u.text for u in doc.units] == ["Caption text #1", "Caption text #3"]
    assert [loc for loc, _ in _quarantined(ctx)] == ["line 6"]


def test_line_numbers_count_leading_blank_lines_and_bom(tmp_path: Path) -> None:
    text = "\ufeff\n\n0:00:00.000,0:00:01.000\nOne.\n\n0:00:02.000,0:00:01.000\nTwo.\n"
    _, ctx = _read(_write(tmp_path, "lead.sbv", text))
    assert [loc for loc, _ in _quarantined(ctx)] == ["line 6"]


def test_file_without_a_valid_cue_is_rejected_and_its_cues_listed(tmp_path: Path) -> None:
    text = "0:00:05.000,0:00:04.000\nBackwards.\n\nNo timings here.\n"
    ctx = ReadContext(config=PipelineConfig())
    with pytest.raises(RejectedInput, match="malformed SubViewer: no valid cue"):
        _read(_write(tmp_path, "bad.sbv", text), ctx)
    assert [loc for loc, _ in _quarantined(ctx)] == ["line 1", "line 4"]


def test_not_sbv_is_rejected_and_other_formats_are_recognised(tmp_path: Path) -> None:
    with pytest.raises(RejectedInput, match="malformed SubViewer"):
        _read(_write(tmp_path, "notes.sbv", "Some notes about a breakup.\n"))
    doc, ctx = _read(
        _write(tmp_path, "really.sbv", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi.\n")
    )
    assert [u.text for u in doc.units] == ["Hi."]
    assert "content is WebVTT, read as such" in ctx.notes
    doc, ctx = _read(_write(tmp_path, "really.srt", "0:00:01.000,0:00:02.000\nHello.\n"))
    assert [u.text for u in doc.units] == ["Hello."]
    assert "content is SubViewer, read as such" in ctx.notes


# --- every word of every cue is accounted for ------------------------------------------------

_TIMINGS_LINE = re.compile(r"-->|^\s*\S*\d:\d\S*,\S*\d:\d\S*\s*$")


def _starts_cue(lines: list[str], i: int, after_blank: bool) -> bool:
    """Whether line ``i`` is a cue number or identifier: the line before a timings line, after a
    blank line, or a bare number (a SubRip cue that follows the previous one without a blank)."""
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    return bool(_TIMINGS_LINE.search(nxt)) and (after_blank or lines[i].strip().isdigit())


def _payload_words(lines: list[str]) -> list[str]:
    """Words of caption text lines, found without the reader: every line that is not blank, a
    header or comment block, a timings line, or the number or identifier before one."""
    words: list[str] = []
    skipping = False
    for i, line in enumerate(lines):
        if not line.strip():
            skipping = False
            continue
        if line.startswith(("WEBVTT", "NOTE")) and (i == 0 or not lines[i - 1].strip()):
            skipping = True
        if _TIMINGS_LINE.search(line):
            skipping = False  # a comment block cannot hold timings: this is a cue
        first = i == 0 or not lines[i - 1].strip()
        if skipping or _TIMINGS_LINE.search(line) or _starts_cue(lines, i, first):
            continue
        text = html.unescape(re.sub(r"<[^<>]*>|\{\\[^{}]*\}", "", line))
        words.extend(text.split())
    return words


def _cue_lines_at(lines: list[str], lineno: int) -> list[str]:
    """The lines of the cue that starts at ``lineno``: up to a blank line, or to the next cue's
    number or timings line once this cue's own timings line has been passed."""
    out: list[str] = []
    timed = False
    for i in range(lineno - 1, len(lines)):
        line = lines[i]
        cue_start = _TIMINGS_LINE.search(line) and (timed or len(out) > 1)
        if not line.strip() or cue_start or (timed and _starts_cue(lines, i, False)):
            break
        timed = timed or bool(_TIMINGS_LINE.search(line))
        out.append(line)
    return out


ACCOUNTED = sorted(
    p
    for p in FIXTURES.iterdir()
    if p.suffix in (".vtt", ".srt", ".sbv")
    # rolling auto-captions repeat words on purpose (see the dedup test); not captions at all
    and p.name not in ("youtube_auto.en.vtt", "not_captions.vtt")
)


@pytest.mark.parametrize("path", ACCOUNTED, ids=lambda p: p.name)
def test_every_cue_is_in_a_segment_or_quarantined_with_its_line(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").lstrip("\ufeff").split("\n")
    doc, ctx = _read(path)
    kept = [w for u in doc.units for w in u.text.split()]
    quarantined: list[str] = []
    for q in ctx.quarantined:
        m = re.fullmatch(r"line (\d+)", q.location or "")
        assert m, f"quarantined cue without a line number: {q}"
        quarantined.extend(_payload_words(_cue_lines_at(lines, int(m.group(1)))))
    assert Counter(kept) + Counter(quarantined) == Counter(_payload_words(lines))
    assert ctx.counts.get("duplicate_cues", 0) == 0


def test_accounting_covers_the_broken_cases() -> None:
    names = {p.name for p in ACCOUNTED}
    assert {"broken.vtt", "broken.srt", "broken.sbv", "youtube_studio.sbv"} <= names


_LINES = {
    "vtt": [
        "00:00:01.000 --> 00:00:02.000",
        "00:00:03.000 --> 00:00:01.000",
        "00:0x:01.000 --> 00:00:02.000",
        "NOTE a comment",
        "intro",
    ],
    "srt": [
        "00:00:01,000 --> 00:00:02,000",
        "00:00:03,000 --> 00:00:01,000",
        "00:0x:01,000 --> 00:00:02,000",
        "7",
        "x",
    ],
    "sbv": ["0:00:01.000,0:00:02.000", "0:00:03.000,0:00:01.000", "0:0x:01.000,0:00:02.000"],
}
_WORDS = ["He", "left.", "<i>Then</i>", "I", "healed", "&amp;", "  "]


@pytest.mark.parametrize("fmt", ["vtt", "srt", "sbv"])
@given(data=st.data())
@settings(max_examples=150, deadline=None)
def test_random_caption_files_never_crash_and_never_leak_timings(
    fmt: str, data: st.DataObject
) -> None:
    line = st.one_of(
        st.sampled_from(_LINES[fmt] + [""]),
        st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(" ".join),
    )
    head = {"vtt": "WEBVTT\n\n", "srt": "1\n00:00:00,000 --> 00:00:01,000\nStart.\n\n", "sbv": ""}[
        fmt
    ]
    text = head + "\n".join(data.draw(st.lists(line, max_size=25)))
    ctx = ReadContext(config=PipelineConfig())
    doc = Document(doc_id="d", source_type="transcript", path="d", sha256="")
    try:
        parsed = parse_captions(text, fmt, doc, ctx, path="d")
    except RejectedInput:
        return
    for u in parsed.units:
        assert "-->" not in u.text and not re.search(r"\d:\d\d", u.text)
        assert u.time_start is not None and u.time_end is not None
        assert u.time_start <= u.time_end
    assert all(re.fullmatch(r"line \d+", q.location or "") for q in ctx.quarantined)


def test_text_joined_to_a_quarantined_srt_cue_is_named_in_the_reason(tmp_path: Path) -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nFirst.\n\n"
        "2\n00:00:04,000 --> 00:00:03,000\nBackwards.\n\nand more of it.\n"
    )
    _, ctx = _read(_write(tmp_path, "joined.srt", text))
    ((loc, reason),) = _quarantined(ctx)
    assert loc == "line 5" and "cue ends before it starts" in reason and "line 9" in reason
