"""Plain-text reader: kind detection, titles and comment threads on the real seed shapes."""

from __future__ import annotations

import pytest

from _paths import FIXTURES, seed_text
from discourse.corpus import Document
from discourse.ingest.base import SourceOverride
from discourse.ingest.files import RejectedInput
from discourse.ingest.text import detect_kind, looks_like_json, paragraphs, parse_text


def _parse(text: str, override: SourceOverride | None = None):
    return parse_text(text, Document(doc_id="d", source_type="", path="d.txt", sha256=""), override)


@pytest.mark.parametrize(
    ("prefix", "kind", "n_comments"),
    [
        ("000", "transcript", 0),
        ("001", "article", 0),
        ("002", "article", 23),
        ("003", "article", 0),
        ("004", "article", 19),
    ],
)
def test_seed_kinds_and_comment_counts(prefix: str, kind: str, n_comments: int) -> None:
    parsed = _parse(seed_text(prefix))
    assert parsed.document.source_type == kind
    assert sum(u.source_type == "comment" for u in parsed.units) == n_comments


def test_transcript_is_one_unit_and_articles_have_titles() -> None:
    assert len(_parse(seed_text("000")).units) == 1
    assert _parse(seed_text("001")).document.title == "Can No Contact Backfire?"
    assert _parse(seed_text("003")).document.title == "Should you go “No Contact”?"
    assert _parse(seed_text("002")).document.title is None  # first line is a sentence


def test_article_body_stops_where_comments_start() -> None:
    parsed = _parse(seed_text("002"))
    body = [u.text for u in parsed.units if u.source_type == "article"]
    assert body[-1].startswith("I know we talk about this a lot on the site.")
    assert not any("Clear says" in t for t in body)
    first_comment = next(u for u in parsed.units if u.source_type == "comment")
    assert first_comment.author == "Clear"
    assert first_comment.text.startswith("No contact yes all over Google")


def test_reply_thread_body_ends_at_signoff() -> None:
    parsed = _parse(seed_text("004"))
    article = [u.text for u in parsed.units if u.source_type == "article"]
    assert article[-1] == "Lots of love,\nSabrina Alexis"
    comments = [u for u in parsed.units if u.source_type == "comment"]
    assert comments[0].text.startswith("I was seeing this guy for about two months.")
    assert comments[0].published == "2017-03-08T15:14:00"
    # readers are anonymous; the author's burst of replies carries the author's name
    assert all(u.author is None for u in comments if not u.is_author_reply)
    assert {u.author for u in comments if u.is_author_reply} == {"Sabrina Alexis"}
    assert parsed.document.author == "Sabrina Alexis" and parsed.document.author_inferred


def test_comment_text_keeps_inner_lines() -> None:
    parsed = _parse(seed_text("002"))
    joy = next(u for u in parsed.units if u.author == "Joy")
    assert joy.text.endswith("Thanks Jane")  # a line inside a comment is not a new commenter
    donna = next(u for u in parsed.units if u.author == "Donna")
    assert "Donna xxx" in donna.text


def test_sources_override_wins() -> None:
    ov = SourceOverride(
        kind="article", title="T", url="http://x", outlet="O", date="2020-01-01", author="A"
    )
    doc = _parse(seed_text("000"), ov).document
    assert (doc.source_type, doc.title, doc.url, doc.outlet, doc.published, doc.author) == (
        "article",
        "T",
        "http://x",
        "O",
        "2020-01-01",
        "A",
    )


def test_unknown_override_kind_is_rejected() -> None:
    with pytest.raises(RejectedInput, match="valid kinds"):
        _parse("Some text.", SourceOverride(kind="video"))


def test_whitespace_only_is_rejected() -> None:
    with pytest.raises(RejectedInput, match="whitespace"):
        _parse(" \n\t ")


def test_detect_kind_and_paragraphs() -> None:
    assert detect_kind("word " * 400) == "transcript"
    assert detect_kind("[Music] hello there [Music] more") == "transcript"
    assert detect_kind("A short post.\n\nWith two paragraphs.") == "article"
    assert paragraphs("a\nb\n\nc") == ["a\nb", "c"]
    assert paragraphs("a\nb\nc") == ["a", "b", "c"]


def test_crlf_and_lone_cr_are_lines() -> None:
    text = (FIXTURES / "text" / "crlf.txt").read_bytes().decode()
    units = _parse(text).units
    assert [u.text for u in units] == [
        "Line one of the post.",
        "Line two after a blank line.\nLone CR line.",
    ]


def test_small_reply_thread_fixture() -> None:
    parsed = _parse((FIXTURES / "text" / "reply_thread.txt").read_text())
    doc = parsed.document
    assert doc.author == "Alex Writer" and doc.author_inferred
    comments = [u for u in parsed.units if u.source_type == "comment"]
    assert [c.text for c in comments] == [
        "First comment, posted last.",
        "Second comment posted earlier. Should I wait?",
        "A reply to the second comment.",
    ]
    assert comments[2].reply_to == "c1" and comments[2].reply_inference == "date_order"
    assert [u.text for u in parsed.units if u.source_type == "article"][
        -1
    ] == "Lots of love,\nAlex Writer"


# -- issue 15: JSON in a text file is never prose ----------------------------------------------
@pytest.mark.parametrize(
    ("text", "is_json"),
    [
        ('{"id": "t1", "selftext": "hi", "created_utc": 1612345678}\n{"id": "t2"}\n', True),
        ('\ufeff\n  [{"id": "t1"}, {"id": "t2"}]', True),
        ('[\n  {\n    "id": "t1"\n  }\n]\n', True),
        ('{"a": ' + "[" * 500 + "]" * 500 + "}", True),  # too deep to parse is still JSON
        ("[link text](https://example.org) is where I read about no contact.", False),
        ("[1] A footnote marker first.\n\nThen prose.", False),
        ("{Intro} Some notes on the breakup.", False),
        ("No contact helped.", False),
    ],
)
def test_looks_like_json(text: str, is_json: bool) -> None:
    assert looks_like_json(text) is is_json


def test_ndjson_in_md_is_read_as_a_table(tmp_path) -> None:
    from discourse.config import PipelineConfig
    from discourse.ingest.base import ReadContext
    from discourse.ingest.files import InputFile
    from discourse.ingest.text import read_text

    path = tmp_path / "dump.md"
    path.write_text(
        '{"id": "t1", "title": "Day 30", "selftext": "Still going.", "author": "someone_88",'
        ' "created_utc": 1612345678}\n'
    )
    ctx = ReadContext(config=PipelineConfig())
    (doc,) = read_text(InputFile(path=path, rel=path.name), ctx)
    assert doc.document.source_type == "post" and doc.document.author == "someone_88"
    assert doc.document.published == "2021-02-03T09:47:58Z"
    assert [u.text for u in doc.units] == ["Day 30\n\nStill going."]
    assert "content is JSON, read as JSON Lines" in ctx.notes


def test_later_page_title_comes_from_its_pagination_line() -> None:
    parsed = _parse(seed_text("004"))
    assert parsed.document.title == "The No Contact Rule: Everything You Need to Know"
    first = parsed.units[0]
    assert first.text.startswith("… (Previous page")  # the paragraph itself is kept
