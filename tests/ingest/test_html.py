"""Tests for the HTML reader: main text via trafilatura, comments from the markup."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from discourse.config import PipelineConfig
from discourse.corpus import ParsedDocument, Unit
from discourse.ingest.base import ReadContext, SourceOverride
from discourse.ingest.files import InputFile, RejectedInput
from discourse.ingest.html import flatten_html, read_html

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"

BOILERPLATE = (
    "Home",
    "Book a Coaching Call",
    "Recent Posts",
    "Seven Signs",
    "Subscribe",
    "All rights reserved",
    "Leave a Reply",
    "thoughts on",
    "Posted in",
    "Reply",
    "says",
    "Programs",
    "Popular",
    "Copyright",
    "Reader comments",
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a page must never touch the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _read(path: Path, ctx: ReadContext | None = None) -> tuple[ParsedDocument, ReadContext]:
    ctx = ctx or ReadContext(config=PipelineConfig())
    docs = read_html(InputFile(path=path, rel=path.name), ctx)
    assert len(docs) == 1
    return docs[0], ctx


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _split(units: list[Unit]) -> tuple[list[Unit], list[Unit]]:
    return (
        [u for u in units if u.source_type == "article"],
        [u for u in units if u.source_type == "comment"],
    )


def test_wordpress_article_paragraphs_and_metadata() -> None:
    doc, _ = _read(FIXTURES / "wordpress_article.html")
    article, _ = _split(doc.units)
    assert [u.text[:40] for u in article] == [
        "When a relationship ends, the urge to re",
        "No contact means taking a deliberate bre",
        "The point is not to punish anyone or to ",
        "Most people find the first two weeks the",
        "If you slip up, be kind to yourself. Sta",
    ]
    assert article[-1].text == (
        "If you slip up, be kind to yourself. Start the count again tomorrow and remember why "
        "you began."
    )
    # article paragraphs come first, then the comments
    assert [u.source_type for u in doc.units] == ["article"] * 5 + ["comment"] * 4
    d = doc.document
    assert d.source_type == "article"
    assert (d.doc_id, d.path) == ("wordpress_article.html", "wordpress_article.html")
    assert d.title == "Why No Contact Works"
    assert d.author == "Jane Rivers"
    assert d.published == "2019-03-04"
    assert d.outlet == "Healing Hearts Blog"
    assert d.url == "https://healinghearts.example.com/why-no-contact-works/"


def test_wordpress_boilerplate_and_comments_not_in_article() -> None:
    doc, _ = _read(FIXTURES / "wordpress_article.html")
    article, comments = _split(doc.units)
    article_text = "\n".join(u.text for u in article)
    for phrase in BOILERPLATE:
        assert phrase not in article_text, phrase
    for c in comments:
        for para in c.text.split("\n\n"):
            assert para not in article_text
    assert "Day nine" not in article_text and "day thirty" not in article_text


def test_wordpress_comments() -> None:
    doc, ctx = _read(FIXTURES / "wordpress_article.html")
    _, comments = _split(doc.units)
    assert ctx.counts["comments"] == 4
    got = [
        (c.key, c.author, c.reply_to, c.reply_inference, c.is_author_reply, c.published)
        for c in comments
    ]
    assert got == [
        ("c0", "Marcy", None, None, False, "2019-03-05T14:02:11+00:00"),
        ("c1", "Jane Rivers", "c0", "explicit", True, "2019-03-05T16:45:00+00:00"),
        ("c2", "Marcy", "c1", "explicit", False, "2019-03-06T08:10:00+00:00"),
        ("c3", "Tom K.", None, None, False, "2019-03-07T21:15:00+00:00"),
    ]
    assert comments[1].text == "Marcy, you are doing so well. Keep going, week three gets easier."
    assert comments[3].text == (
        "My ex reached out on day thirty.\n\nI did not answer, and I am proud of that."
    )
    for c in comments:
        assert "Reply" not in c.text and "says" not in c.text
    assert comments[0].meta == {"location": "#comment-101"}


def test_generic_comment_markup_and_declared_charset() -> None:
    doc, ctx = _read(FIXTURES / "generic_comments.htm")
    article, comments = _split(doc.units)
    assert ctx.notes[0] == "encoding=windows-1252"
    assert len(article) == 4
    assert article[0].text.startswith("So he finally texted you")  # the h1 is the title, not a unit
    assert article[-1].text.endswith("The café conversation can wait a day.")
    article_text = "\n".join(u.text for u in article)
    for phrase in BOILERPLATE:
        assert phrase not in article_text, phrase
    assert doc.document.title == "He Came Back After No Contact. Now What?"
    assert doc.document.author == "Coach Mia"
    got = [(c.key, c.author, c.reply_to, c.is_author_reply, c.published) for c in comments]
    assert got == [
        ("c0", "Lena", None, False, "2017-02-03T19:40:00"),
        # no bypostauthor class, but the commenter is the article's author
        ("c1", "Coach Mia", "c0", True, "2017-02-04T10:00:00+00:00"),
        ("c2", "Priya", None, False, "2017-02-05"),
    ]
    assert comments[1].reply_inference == "explicit"
    assert not any(c.text in article_text for c in comments)


def test_page_without_comments() -> None:
    doc, ctx = _read(FIXTURES / "no_comments.html")
    assert all(u.source_type == "article" for u in doc.units)
    assert [u.text[:30] for u in doc.units] == [
        "Breaking no contact is not the",
        "What matters is what you learn",
        "Write the text you want to sen",
    ]
    assert "comments" not in ctx.counts
    assert doc.document.title == "Breaking No Contact: What Happens Next"
    assert doc.document.outlet == "Relationship Notes"
    assert doc.document.published is None


def test_sources_override_wins() -> None:
    override = SourceOverride(
        title="Override title",
        author="J. R.",
        outlet="HH",
        date="2019-03-01",
        url="https://x.test/a",
    )
    doc, _ = _read(
        FIXTURES / "wordpress_article.html", ReadContext(config=PipelineConfig(), override=override)
    )
    d = doc.document
    assert (d.title, d.author, d.outlet, d.published, d.url) == (
        "Override title",
        "J. R.",
        "HH",
        "2019-03-01",
        "https://x.test/a",
    )
    _, comments = _split(doc.units)
    assert [c.is_author_reply for c in comments] == [False, True, False, False]  # bypostauthor


def test_classic_wordpress_markup(tmp_path: Path) -> None:
    page = """<html><head><title>Day 30 of No Contact</title></head><body>
<div id="content"><div class="post"><h2>Day 30 of No Contact</h2>
<div class="entry"><p>Thirty days ago I deleted his number. It was the hardest thing I have ever
done, and also the best.</p><p>Here is what I learned along the way, in case it helps anyone who is
on day one right now.</p></div></div>
<h3 id="comments">2 Responses</h3>
<ol class="commentlist">
<li class="comment even depth-1" id="li-comment-5"><div id="comment-5">
<div class="comment-author vcard"><cite class="fn">Anna</cite> <span class="says">says:</span></div>
<div class="comment-meta commentmetadata"><a href="#comment-5">June 2, 2015 at 10:12 am</a>
<a class="comment-edit-link" href="#">(Edit)</a></div>
<p>Thank you for this, I am on day four.</p>
<div class="reply"><a class="comment-reply-link" href="#">Reply</a></div></div>
<ul class="children"><li class="comment byuser bypostauthor depth-2" id="li-comment-6">
<div id="comment-6"><div class="comment-author vcard"><cite class="fn">admin</cite>
<span class="says">says:</span></div>
<div class="comment-meta commentmetadata"><a href="#comment-6">June 2, 2015 at 1:00 pm</a></div>
<p>Day four is huge. Keep going!</p></div></li></ul>
</li></ol></div></body></html>"""
    doc, _ = _read(_write(tmp_path, "classic.html", page))
    article, comments = _split(doc.units)
    assert len(article) == 2
    got = [(c.author, c.text, c.reply_to, c.is_author_reply, c.published) for c in comments]
    assert got == [
        ("Anna", "Thank you for this, I am on day four.", None, False, "2015-06-02T10:12:00"),
        ("admin", "Day four is huge. Keep going!", "c0", True, "2015-06-02T13:00:00"),
    ]


def test_plain_text_thread_in_page(tmp_path: Path) -> None:
    page = """<html><head><title>Is He Testing Me?</title></head><body><div class="main">
<h1>Is He Testing Me?</h1>
<p>Sometimes an ex goes quiet to see whether you will chase. It is worth knowing the signs before
you react to anything.</p>
<p>The most common one is the late-night like on an old photo, which costs him nothing and tells
him a lot.</p>
<p>Kim says</p><p>This happened to me last week, he liked a photo from 2019.</p>
<p>Dana says</p><p>Kim, same here. I did not react and it felt great.</p>
</div></body></html>"""
    doc, _ = _read(_write(tmp_path, "says.html", page))
    article, comments = _split(doc.units)
    assert len(article) == 2
    assert [(c.author, c.reply_to, c.reply_inference) for c in comments] == [
        ("Kim", None, None),
        ("Dana", "c0", "addressed_by_name"),
    ]
    assert doc.document.published is None  # "2019" in a comment is not the page's date


@pytest.mark.parametrize(
    "content",
    [
        b"<html><head><title>Empty</title></head><body>  </body></html>",
        b"<html><head><script>var x = 1;</script></head><body><div></div></body></html>",
        b"   \n  ",
    ],
)
def test_page_without_text_is_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.html"
    path.write_bytes(content)
    with pytest.raises(RejectedInput, match="no main text found in HTML"):
        _read(path)


def test_binary_and_empty_files_are_rejected(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.htm"
    garbage.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(RejectedInput, match="binary"):
        _read(garbage)
    empty = tmp_path / "zero.html"
    empty.write_bytes(b"")
    with pytest.raises(RejectedInput, match="empty file"):
        _read(empty)


# -- issue 15: pages nested deeper than the parser's limit ------------------------------------
def _forum(n: int) -> str:
    posts = "".join(
        f'<div class="post"><p>Post {i} of the thread on no contact.</p>' for i in range(n)
    )
    return f"<html><head><title>Forum</title></head><body>{posts}</body></html>"


def test_flatten_html_caps_nesting_and_keeps_everything() -> None:
    import lxml.html

    flat, moved = flatten_html(_forum(50), limit=10)
    assert moved > 0
    root = lxml.html.document_fromstring(flat)
    assert len(root.xpath("//div[@class='post']")) == 50
    assert [p.text for p in root.iter("p")] == [
        f"Post {i} of the thread on no contact." for i in range(50)
    ]
    depth = max(len(list(el.iterancestors())) for el in root.iter())
    assert depth <= 10 + 2  # html and body around the page's own elements
    # entities, void elements and well-nested end tags come through unchanged
    page = "<div><p>A &amp; B &#8217; C<br>D</p><img src='x.png'/></div>"
    assert flatten_html(page, limit=5) == (page, 0)


@pytest.mark.parametrize("n", [400, 2500])
def test_deep_forum_page_keeps_every_post(tmp_path: Path, n: int) -> None:
    path = tmp_path / "forum.html"
    path.write_text(_forum(n), encoding="utf-8")
    ctx = ReadContext(config=PipelineConfig())
    (doc,) = read_html(InputFile(path=path, rel=path.name), ctx)
    text = "\n".join(u.text for u in doc.units)
    assert all(f"Post {i} of" in text for i in range(n))
    assert any("nested" in note for note in ctx.notes)
    assert ("html_elements_flattened" in ctx.counts) == (n > 2048)
