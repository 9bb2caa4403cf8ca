"""Segmentation of the seed shapes: transcript windows, article paragraph groups, comments."""

from __future__ import annotations

from _paths import seed_text
from discourse.clean.boilerplate import BoilerplateDetector
from discourse.config import PipelineConfig
from discourse.corpus import Document, ParsedDocument, Unit
from discourse.ingest.text import parse_text
from discourse.segment.segmenter import segment_document
from discourse.segment.windows import pack, split_long


def _segments(prefix: str, config: PipelineConfig | None = None):
    cfg = config or PipelineConfig()
    parsed = parse_text(
        seed_text(prefix), Document(doc_id=prefix, source_type="", path="p", sha256="")
    )
    drafts, stats = segment_document(parsed, cfg, BoilerplateDetector(cfg.boilerplate))
    return drafts, stats


def test_transcript_windows_respect_bounds_and_boilerplate() -> None:
    drafts, _ = _segments("000")
    content = [d for d in drafts if d.boilerplate_reason is None]
    assert all(d.source_type == "transcript" for d in drafts)
    assert all(80 <= len(d.text.split()) <= 150 for d in content[:-1])
    reasons = [d.boilerplate_reason for d in drafts]
    first_flag = next(i for i, r in enumerate(reasons) if r)
    assert all(r is None for r in reasons[:first_flag])
    assert set(reasons[first_flag:-1]) == {"promo"} and reasons[-1] == "teaser"
    # no words lost or duplicated (the readable text drops only the leading caption dash)
    originals = [d.text_original or d.text for d in drafts]
    assert sum(len(t.split()) for t in originals) == len(seed_text("000").split())
    assert " ".join(d.text for d in drafts).split() != " ".join(originals).split()


def test_window_sizes_follow_config() -> None:
    cfg = PipelineConfig()
    cfg.segment.transcript_min_words, cfg.segment.transcript_max_words = 40, 60
    drafts, _ = _segments("000", cfg)
    content = [d for d in drafts if d.boilerplate_reason is None]
    assert all(40 <= len(d.text.split()) <= 60 for d in content[:-1])


def test_article_lead_in_joins_its_bullets() -> None:
    drafts, _ = _segments("003")
    first = drafts[0].text
    assert first.startswith("This is written for you if:\n- you just broke up")
    assert first.count("\n- ") == 3


def test_short_article_paragraphs_are_merged_but_long_ones_stand_alone() -> None:
    drafts, _ = _segments("001")
    words = [len(d.text.split()) for d in drafts if d.boilerplate_reason is None]
    assert min(words[:-1]) >= 40
    assert max(words) <= 200
    assert drafts[-1].boilerplate_reason == "call_to_action"


def test_004_pagination_signoff_and_comments() -> None:
    drafts, _ = _segments("004")
    assert drafts[0].boilerplate_reason == "pagination" and drafts[0].text.startswith("…")
    assert drafts[1].text.startswith("that it’s up to you") or drafts[1].text.startswith(
        "that it's up to you"
    )
    reasons = [d.boilerplate_reason for d in drafts if d.source_type == "article"]
    assert "call_to_action" in reasons and reasons[-1] == "signoff"
    comments = [d for d in drafts if d.source_type == "comment"]
    assert len(comments) == 19 and all(d.boilerplate_reason is None for d in comments)


def test_comments_are_one_unit_each_with_reply_keys() -> None:
    drafts, _ = _segments("002")
    comments = [d for d in drafts if d.source_type == "comment"]
    assert len(comments) == 23
    min_reply = next(d for d in comments if d.text.startswith("Hi Danielle"))
    assert min_reply.reply_to_key is not None and min_reply.author == "Min"


def test_empty_units_after_cleaning_are_counted() -> None:
    parsed = ParsedDocument(
        Document(doc_id="x", source_type="post", path="x", sha256=""),
        [
            Unit(text="\u200b\u200b", source_type="post"),
            Unit(text="Real text.", source_type="post"),
        ],
    )
    cfg = PipelineConfig()
    drafts, stats = segment_document(parsed, cfg, BoilerplateDetector())
    assert len(drafts) == 1 and stats == {"units_in": 2, "units_empty_after_cleaning": 1}


def test_pack_and_split_long() -> None:
    assert pack([50, 50, 50, 50], 80, 150) == [(0, 3), (3, 4)] or pack(
        [50, 50, 50, 50], 80, 150
    ) == [(0, 4)]
    assert pack([50, 50, 50, 50], 80, 150, target=100) == [(0, 2), (2, 4)]
    assert pack([10, 10, 10], 40, 200, target=40) == [(0, 3)]
    assert pack([300], 80, 150) == [(0, 1)]
    pieces = split_long(" ".join(["word,"] * 400), 150)
    assert all(len(p.split()) <= 150 for p in pieces) and sum(len(p.split()) for p in pieces) == 400


def test_balanced_windows_stay_in_bounds() -> None:
    from discourse.segment.windows import balanced_windows

    sizes = [20, 25, 30, 15, 40, 10, 35, 25, 50]
    groups = balanced_windows(sizes, 40, 60)
    totals = [sum(sizes[a:b]) for a, b in groups]
    assert all(40 <= t <= 60 for t in totals), totals
    assert groups[0][0] == 0 and groups[-1][1] == len(sizes)
    assert all(a[1] == b[0] for a, b in zip(groups, groups[1:]))
    assert balanced_windows([10], 80, 150) == [(0, 1)]
    assert balanced_windows([], 80, 150) == []
