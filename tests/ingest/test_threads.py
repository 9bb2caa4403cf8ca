"""Reply inference on the real seed threads (002: "Name says"; 004: "Reply <date>")."""

from __future__ import annotations

from datetime import datetime

from _paths import FIXTURES, seed_text
from discourse.ingest.threads import (
    Comment,
    detect_thread,
    infer_author,
    infer_replies_by_date,
    infer_replies_by_name,
    parse_comment_date,
)


def _named_thread(text: str):
    shape = detect_thread(text)
    author, _ = infer_author(shape.comments)
    infer_replies_by_name(shape.comments, author)
    return shape.comments, author


def _pairs(comments: list[Comment]) -> dict[int, tuple[int | None, str | None, bool]]:
    return {i: (c.reply_to, c.reply_inference, c.is_author_reply) for i, c in enumerate(comments)}


def test_002_author_is_inferred_from_thanks() -> None:
    comments, author = _named_thread(seed_text("002"))
    assert author == "Jane"
    assert [c.author for c in comments][:3] == ["Clear", "Diana", "Jane"]


def test_002_reply_inference() -> None:
    comments, _ = _named_thread(seed_text("002"))

    def find(prefix: str) -> int:
        return next(i for i, c in enumerate(comments) if c.text.startswith(prefix))

    pairs = _pairs(comments)
    # The author addresses Diana by name -> reply to Diana's comment.
    assert pairs[find("Exactly, Diana.")] == (
        find("This is exactly what I"),
        "addressed_by_name",
        True,
    )
    # "Hi Danielle" -> Danielle's comment.
    assert pairs[find("Hi Danielle")] == (
        find("I was in a relationship with a guy for 7"),
        "addressed_by_name",
        False,
    )
    # The author's reply without a name answers the comment before it (Sue).
    assert pairs[find('"... rather than wondering')] == (
        find("I've only done it twice"),
        "author_reply",
        True,
    )
    # Ellen: "I'm with you, Sue!" -> Sue's comment, not the author's reply just before it.
    assert pairs[find("I'm with you, Sue!")] == (
        find("I've only done it twice"),
        "addressed_by_name",
        False,
    )
    # "Oh Robin" by the author skips Ella's comment in between.
    assert pairs[find("Oh Robin")] == (find("How does this program"), "addressed_by_name", True)
    # Thanking the article's author answers the article (top level), not the author's last reply.
    assert pairs[find("Thank you Jane.")] == (None, None, False)
    assert pairs[find("Jane! I can't believe")] == (None, None, False)
    # An ordinary first comment is top level.
    assert pairs[0] == (None, None, False)


def test_004_replies_from_date_order_and_author_burst() -> None:
    shape = detect_thread(seed_text("004"))
    assert shape.style == "reply"
    comments = shape.comments
    infer_replies_by_date(comments)

    def find(prefix: str) -> int:
        return next(i for i, c in enumerate(comments) if c.text.startswith(prefix))

    assert comments[find("I’m using the no")].reply_to == find("Hey, how are u?")
    assert comments[find("I’m using the no")].reply_inference == "date_order"
    assert not comments[find("I’m using the no")].is_author_reply
    assert comments[find("You can 1) not reply")].reply_to == find("What if he contacts")
    assert comments[find("I think you need")].reply_to == find("A guy I’ve dated")
    assert comments[find("No. Do not reach")].reply_to == find("A guy I’ve dated")
    assert comments[find("I respectfully")].reply_to == find("I believe the no contact")
    burst = [c for c in comments if c.is_author_reply]
    assert len(burst) == 4 and all(c.date.strftime("%Y-%m-%d") == "2017-02-25" for c in burst)
    top_level = [c for c in comments if c.reply_to is None]
    assert len(top_level) == 12  # 19 comments, 7 replies


def test_oldest_first_thread_has_no_date_order_replies() -> None:
    comments = [Comment(text=str(i), date=datetime(2020, 1, i + 1)) for i in range(5)]
    infer_replies_by_date(comments)
    assert all(c.reply_to is None for c in comments)


def test_fixture_thread_author_not_inferred_from_frequency_alone() -> None:
    comments, author = _named_thread((FIXTURES / "text" / "says_thread.txt").read_text())
    assert author is None  # Kate posts most but nobody names her: not taken for the author
    pairs = _pairs(comments)
    assert pairs[1] == (0, "addressed_by_name", False)  # Hi Maria
    assert pairs[3] == (1, "addressed_by_name", False)  # Exactly, Tom!
    assert pairs[4] == (None, None, False)


def test_declared_author_wins() -> None:
    comments = [Comment(text="x", author="A"), Comment(text="y", author="B")]
    assert infer_author(comments, declared="B") == ("B", False)


def test_parse_comment_date_variants() -> None:
    assert parse_comment_date("March 8, 2017, 3:14 pm") == datetime(2017, 3, 8, 15, 14)
    assert parse_comment_date("Feb 3 2017 at 7:40 p.m.") == datetime(2017, 2, 3, 19, 40)
    assert parse_comment_date("Sept 3, 2019") == datetime(2019, 9, 3)
    assert parse_comment_date("not a date") is None
