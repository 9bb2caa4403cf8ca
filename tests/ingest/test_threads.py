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


def test_answering_formula_replies_to_the_question_before_it() -> None:
    question = Comment(text="Does it work if he has Asperger's? I am lost.", author="R")
    answer = Comment(text="You've come to the right place. It does.", author="E")
    thanks = Comment(text="Thank you for bringing up Asperger's, it matters.", author="F")
    infer_replies_by_name([question, answer], None)
    assert (answer.reply_to, answer.reply_inference, answer.is_author_reply) == (
        0,
        "answers_previous",
        False,
    )
    infer_replies_by_name([question, thanks], None)
    assert (thanks.reply_to, thanks.reply_inference) == (0, "answers_previous")


def test_answering_formula_needs_a_question_and_another_commenter() -> None:
    statement = Comment(text="No contact worked for me after a month.", author="R")
    answer = Comment(text="You've come to the right place.", author="E")
    infer_replies_by_name([statement, answer], None)
    assert answer.reply_to is None  # nothing was asked
    own = Comment(text="Is this normal?", author="E")
    again = Comment(text="Thanks for asking, I wondered too.", author="E")
    infer_replies_by_name([own, again], None)
    assert again.reply_to is None  # not an answer to oneself
    plain = Comment(text="I went no contact too.", author="T")
    infer_replies_by_name([Comment(text="Did it help?", author="R"), plain], None)
    assert plain.reply_to is None  # no answering formula


def test_002_ella_answers_robin() -> None:
    comments, _ = _named_thread(seed_text("002"))
    robin = next(i for i, c in enumerate(comments) if c.author == "Robin")
    ella = comments[robin + 1]
    assert ella.author == "Ella" and ella.text.startswith("You've come to the right place.")
    assert (ella.reply_to, ella.reply_inference) == (robin, "answers_previous")
    # no other comment of the thread is taken for an answer to the one before it
    assert sum(c.reply_inference == "answers_previous" for c in comments) == 1
