"""Comment threads embedded in plain text, and reply inference where the source has no threading.

Two shapes found in scraped advice pages are recognised:

* ``Name says`` blocks (WordPress default themes): a line holding only a commenter name followed
  by "says" (also "said:" / "wrote:", optionally with "on <date>"), then the comment text.
* ``Reply <date>`` markers: each comment is followed by a line "Reply March 8, 2017, 3:14 pm";
  commenters are anonymous.

Reply structure is inferred and every inference says how it was made (``reply_inference``):

* ``addressed_by_name``: the comment's opening addresses an earlier commenter by name
  ("Hi Danielle", "Exactly, Sue!") -> reply to that commenter's latest comment.
* ``author_reply``: the article's author answers the comment before it.
* ``answers_previous``: a comment that addresses no one by name but opens with an answering
  formula ("You've come to the right place", "Thank you for bringing up ...", "Good question")
  answers the comment just before it, when that comment, by someone else, asks a question.
* ``date_order``: in a thread listed newest-first (or oldest-first), a comment dated out of that
  order is a reply to the nearest preceding top-level comment.
* ``+author_burst``: with anonymous commenters, replies posted in one short burst to several
  different comments are flagged as the site author's replies.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "Comment",
    "ThreadShape",
    "detect_thread",
    "infer_author",
    "infer_replies_by_date",
    "infer_replies_by_name",
    "parse_comment_date",
]

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_TIME = r"\d{1,2}:\d{2}[ \t]*(?:[ap]\.?m\.?)?"
_DATE = rf"(?:{_MONTHS})\.?[ \t]+\d{{1,2}},?[ \t]+\d{{4}}(?:,?[ \t]+(?:at[ \t]+)?{_TIME})?"
_NAME = r"[A-Z][\w'’.\-]*(?:[ \t]+[A-Z][\w'’.\-]*){0,2}"

SAYS_RE = re.compile(
    rf"^[ \t]*(?P<name>{_NAME})(?:[ \t]+on[ \t]+(?P<date>{_DATE}))?"
    r"[ \t]+(?:says|said|wrote)[ \t]*:?[ \t]*$",
    re.MULTILINE,
)
REPLY_RE = re.compile(rf"^[ \t]*Reply[ \t]+(?P<date>{_DATE})[ \t]*$", re.MULTILINE | re.IGNORECASE)

_DATE_FORMATS = (
    "%B %d %Y %I:%M %p",
    "%b %d %Y %I:%M %p",
    "%B %d %Y %H:%M",
    "%B %d %Y",
    "%b %d %Y",
)


def parse_comment_date(text: str | None) -> datetime | None:
    """Parse dates such as "March 8, 2017, 3:14 pm" or "Feb 3 2017 at 7:40 p.m."."""
    if not text:
        return None
    s = re.sub(r"\bat\b", " ", text)
    s = s.replace(",", " ").replace(".", "")
    s = re.sub(r"\bSept\b", "Sep", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"(\d)\s*([ap])m\b", lambda m: f"{m.group(1)} {m.group(2).upper()}M", s, flags=re.I)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    return None


@dataclass
class Comment:
    """A comment found in a text thread."""

    text: str
    author: str | None = None
    date: datetime | None = None
    reply_to: int | None = None
    reply_inference: str | None = None
    is_author_reply: bool = False
    start: int = 0
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class ThreadShape:
    """Where a document's comments start and the comments found."""

    style: str
    body_end: int
    comments: list[Comment]


def detect_thread(text: str, min_markers: int = 2) -> ThreadShape | None:
    """Find an embedded comment thread, or return ``None``.

    Parameters
    ----------
    text
        The whole document, newlines normalised to ``\\n``.
    min_markers
        How many markers must be present before the text is taken to hold a thread.
    """
    says = list(SAYS_RE.finditer(text))
    replies = list(REPLY_RE.finditer(text))
    if len(says) >= min_markers and len(says) >= len(replies):
        return _says_thread(text, says)
    if len(replies) >= min_markers:
        return _reply_thread(text, replies)
    return None


def _says_thread(text: str, marks: list[re.Match[str]]) -> ThreadShape:
    comments = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[m.end() : end].strip("\n")
        comments.append(
            Comment(
                text=body.strip(),
                author=m.group("name").strip(),
                date=parse_comment_date(m.group("date")),
                start=m.end(),
            )
        )
    return ThreadShape(style="says", body_end=marks[0].start(), comments=comments)


def _reply_thread(text: str, marks: list[re.Match[str]]) -> ThreadShape:
    """Comments followed by "Reply <date>": the text between markers is one comment.

    The first comment starts after the article: the block just before the first marker, back to
    the nearest blank-line boundary that follows a sign-off, call to action or other closing line,
    or else the single block before the marker.
    """
    from discourse.clean.boilerplate import is_closing_block

    first = marks[0]
    before = text[: first.start()]
    blocks = [(m.start(), m.end()) for m in re.finditer(r"[^\n](?:.|\n(?![ \t]*\n))*", before)]
    start_idx = len(blocks) - 1
    for j in range(len(blocks) - 1, -1, -1):
        if is_closing_block(before[blocks[j][0] : blocks[j][1]]):
            start_idx = j + 1
            break
    start_idx = min(max(start_idx, 0), len(blocks) - 1) if blocks else 0
    body_end = blocks[start_idx][0] if blocks else 0
    comments = []
    prev_end = body_end
    for m in marks:
        body = text[prev_end : m.start()].strip()
        comments.append(
            Comment(text=body, date=parse_comment_date(m.group("date")), start=prev_end)
        )
        prev_end = m.end()
    trailing = text[prev_end:].strip()
    shape = ThreadShape(style="reply", body_end=body_end, comments=comments)
    if trailing:
        shape.comments.append(
            Comment(text=trailing, start=prev_end, meta={"note": "no Reply marker"})
        )
    return shape


# -- reply inference ---------------------------------------------------------------------------

_GREETING = r"(?i:hi|hey|hello|dear|oh|aw+|thanks|thank\s+you|exactly|yes|yeah|congrats|welcome|@)"


_ANSWER_OPENING = re.compile(
    r"^\W*(?:you(?:'|’)?ve\s+come\s+to\s+the\s+right\s+place"
    r"|(?:thank\s+you|thanks)\s+(?:so\s+much\s+)?for\s+(?:bringing\s+(?:this\s+|that\s+|it\s+)?up"
    r"|asking|raising|mentioning)"
    r"|(?:good|great|excellent)\s+question"
    r"|to\s+answer\s+your\s+question)\b",
    re.IGNORECASE,
)


def _answers_previous(comment: Comment, previous: Comment) -> bool:
    """True when ``comment`` opens with an answering formula and ``previous``, written by
    someone else, asks a question (see ``answers_previous`` in the module docstring)."""
    if previous.author is not None and previous.author == comment.author:
        return False
    return bool(_ANSWER_OPENING.match(comment.text)) and "?" in previous.text


def _addressed_names(text: str, names: set[str]) -> list[str]:
    """Names addressed (vocative) in a comment's first sentence."""
    first = re.split(r"(?<=[.!?])\s+|\n", text.strip(), maxsplit=1)[0][:200]
    found = []
    for name in names:
        n = re.escape(name)
        patterns = (
            rf"^\W*{n}\b\s*[,!:.\-]",  # "Robin, ..." / "Jane!"
            rf"^\W*{_GREETING}\W*\s*{n}\b",  # "Hi Danielle" / "Thank you Jane."
            rf",\s*{n}\s*[!.?]*\s*$",  # "Exactly, Sue!" / "I'm with you, Sue!"
            rf"@{n}\b",
        )
        if any(re.search(p, first) for p in patterns):
            found.append(name)
    return found


def infer_author(comments: list[Comment], declared: str | None = None) -> tuple[str | None, bool]:
    """The article author among the commenters: ``declared`` if given, else inferred.

    Inference: the most frequent commenter, with at least three comments, who is named by at
    least two other commenters ("Thanks Jane", "Jane's blog") or, in a thread of eight or more
    comments, wrote at least 30% of them and twice as many as anyone else.

    Returns
    -------
    (author, inferred)
    """
    if declared:
        return declared, False
    counts = Counter(c.author for c in comments if c.author)
    if not counts:
        return None, False
    (top, n), *rest = counts.most_common()
    runner = rest[0][1] if rest else 0
    mentioned_by = {
        c.author
        for c in comments
        if c.author and c.author != top and re.search(rf"\b{re.escape(top)}(?:'s|’s)?\b", c.text)
    }
    total = sum(counts.values())
    dominant = n >= 2 * runner and n >= 0.3 * total and total >= 8
    if n >= 3 and (len(mentioned_by) >= 2 or dominant):
        return top, True
    return None, False


def infer_replies_by_name(comments: list[Comment], article_author: str | None) -> None:
    """Set ``reply_to`` on "Name says" comments (in place); see the module docstring."""
    latest: dict[str, int] = {}
    for i, c in enumerate(comments):
        earlier = {a for a in latest if a != c.author}
        addressed = _addressed_names(c.text, earlier) if earlier else []
        is_author = article_author is not None and c.author == article_author
        c.is_author_reply = is_author
        target: int | None = None
        how: str | None = None
        if addressed:
            name = max(addressed, key=lambda a: latest[a])
            # Addressing the article's author ("Thank you Jane.") answers the article itself.
            if name == article_author:
                target, how = None, None
            else:
                target, how = latest[name], "addressed_by_name"
        elif is_author and i > 0:
            target, how = i - 1, "author_reply"
        elif i > 0 and _answers_previous(c, comments[i - 1]):
            target, how = i - 1, "answers_previous"
        if not is_author and target is None:
            c.is_author_reply = False
        c.reply_to, c.reply_inference = target, how
        if c.author:
            latest[c.author] = i


def infer_replies_by_date(
    comments: list[Comment], burst_minutes: float = 30.0, burst_min_replies: int = 3
) -> None:
    """Set ``reply_to`` on anonymous dated comments from their order (in place).

    The dominant order of the thread (newest-first or oldest-first) is read off consecutive
    dates; a comment dated against that order relative to the last top-level comment is a reply
    to it. Replies posted within ``burst_minutes`` of each other to at least
    ``burst_min_replies`` different comments are flagged as the site author's replies.
    """
    dated = [c.date for c in comments if c.date is not None]
    pairs = list(zip(dated, dated[1:]))
    newest_first = sum(a > b for a, b in pairs) >= sum(a < b for a, b in pairs)
    last_top: int | None = None
    for i, c in enumerate(comments):
        if c.date is None or last_top is None or comments[last_top].date is None:
            last_top = i
            continue
        ref = comments[last_top].date
        out_of_order = c.date > ref if newest_first else False
        if out_of_order:
            c.reply_to, c.reply_inference = last_top, "date_order"
        else:
            last_top = i
    replies = sorted(
        (i for i, c in enumerate(comments) if c.reply_to is not None and c.date),
        key=lambda i: comments[i].date,
    )
    window = burst_minutes * 60
    groups: list[list[int]] = []
    for i in replies:
        if groups and (comments[i].date - comments[groups[-1][-1]].date).total_seconds() <= window:
            groups[-1].append(i)
        else:
            groups.append([i])
    for group in groups:
        if len({comments[i].reply_to for i in group}) >= burst_min_replies:
            for i in group:
                comments[i].is_author_reply = True
                comments[i].reply_inference = "date_order+author_burst"
