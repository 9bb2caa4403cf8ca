"""Unicode repair and normalisation."""

from __future__ import annotations

from _paths import FIXTURES
from discourse.clean.normalize import normalise_text, strip_markdown
from discourse.config import CleanConfig


def test_mojibake_is_repaired() -> None:
    raw = (FIXTURES / "text" / "mojibake.txt").read_text(encoding="utf-8")
    assert "â€" in raw
    assert normalise_text(raw) == "He didn't call back. I'm fine."


def test_curly_quotes_straightened_unless_configured() -> None:
    assert normalise_text("“No contact” isn’t easy") == '"No contact" isn\'t easy'
    keep = CleanConfig(straight_quotes=False)
    assert normalise_text("“No contact” isn’t easy", keep) == "“No contact” isn’t easy"


def test_bullets_entities_whitespace() -> None:
    text = "This is for you if:\n\n  • one;\n\n\n\n  ● two &amp; three&nbsp;four\u200b\t\t!"
    assert normalise_text(text) == "This is for you if:\n\n- one;\n\n- two & three four !"
    assert normalise_text("&amp;amp; double") == "& double"


def test_crlf_and_separators() -> None:
    assert normalise_text("a\r\nb\rc\u2028d") == "a\nb\nc\nd"


def test_markdown_only_when_asked() -> None:
    md = "**Edit:** see [this post](http://example.com/x)\n> quoted\n# Header"
    assert strip_markdown(md) == "Edit: see this post (http://example.com/x)\nquoted\nHeader"
    assert (
        normalise_text(md, markdown=True)
        == "Edit: see this post (http://example.com/x)\nquoted\nHeader"
    )
    assert "**Edit:**" in normalise_text(md)


def test_empty_stays_empty() -> None:
    assert normalise_text(" \n\t ") == ""
