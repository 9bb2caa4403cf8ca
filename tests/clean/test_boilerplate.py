"""Boilerplate rules on the real seed shapes, and content that must not be flagged."""

from __future__ import annotations

import pytest

from _paths import seed_text
from discourse.clean.boilerplate import BoilerplateDetector, is_signoff, split_inline_pagination
from discourse.config import BoilerplateConfig
from discourse.segment.sentences import restore_asr_boundaries

det = BoilerplateDetector()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Click here to book a call with Coach Ken", "call_to_action"),  # 001's last line
        (
            'Hope this cleared up any lingering confusion. Be sure to take our "Can I Get My Ex Back '
            "Or Is He Gone Forever?\" quiz to know if you're wastng time on a dead end.",
            "call_to_action",
        ),  # 004
        (
            'I know we talk about this a lot on the site. Has following the "no-contact" rule worked for '
            "you? Has it not worked? Share your thoughts and experiences with this below in the comments!",
            "comment_prompt",
        ),  # 002
        ("Lots of love,\nSabrina Alexis", "signoff"),  # 004
        ("Page 2 of 3", "pagination"),
        ("Continue reading", "pagination"),
        ("Check this out: http://example.com/a-very-long-link", "url"),
        ("Subscribe to the channel now and hit the bell!", "call_to_action"),
    ],
)
def test_article_boilerplate(text: str, reason: str) -> None:
    assert det.classify_unit(text, "article") == reason


@pytest.mark.parametrize(
    "text",
    [
        "No contact is for your own well-being, it is not for anyone else nor to get your ex back.",
        "Spend time with friends, family, people that genuinely love and care about you.",
        "Love,",  # only on its own a sign-off in an article; a comment is never a sign-off
    ],
)
def test_content_not_flagged(text: str) -> None:
    assert det.classify_unit(text, "comment") is None


def test_long_reader_post_mentioning_a_link_is_content() -> None:
    post = ("I read every post here and one of them said click here for a guide. " * 3) + (
        "But what helped me most was blocking his number and spending time with my sister. " * 6
    )
    assert det.classify_unit(post, "post") is None


def test_pagination_prefix_is_split_off() -> None:
    first = seed_text("004").split("\n")[0]
    marker, rest = split_inline_pagination(first)
    assert marker == "… (Previous page – The No Contact Rule: Everything You Need to Know)"
    assert rest.startswith("that it’s up to you to draw the line")
    assert split_inline_pagination("Plain paragraph.") == (None, "Plain paragraph.")


def test_signoff_shapes() -> None:
    assert is_signoff("Lots of love,\nSabrina Alexis")
    assert is_signoff("xoxo")
    assert not is_signoff("Love is conditional, there's no way around it.")
    assert not is_signoff("Lots of love,\nand then some more text that is a sentence.")


def test_transcript_promo_block_and_teaser() -> None:
    text = seed_text("000")
    spans = restore_asr_boundaries(text)
    sentences = [text[s:e] for s, e in spans]
    tags = det.tag_sentences(sentences)
    promo = [s for s, t in zip(sentences, tags) if t == "promo"]
    teaser = [s for s, t in zip(sentences, tags) if t == "teaser"]
    assert promo[0].startswith("Now, something that we have started")
    assert any("www.join.magneticmastery.com" in s for s in promo)
    assert promo[-1].endswith("I will see you on the inside.")
    assert teaser[0].startswith("And other than that, if you want a video")
    assert tags[-1] == "teaser"
    # The opening "in this video, I'm gonna show you" is content, not a teaser.
    assert tags[0] is None and tags[1] is None
    # Everything before the promo block is content.
    first_promo = tags.index("promo")
    assert all(t is None for t in tags[:first_promo])


def test_extra_patterns_from_config() -> None:
    d = BoilerplateDetector(BoilerplateConfig(extra_patterns={"sponsor": [r"\bbetterhelp\b"]}))
    assert d.classify_unit("Today's episode: BetterHelp gives you 10% off.", "article") == "sponsor"


def test_disabled_detector_flags_nothing() -> None:
    d = BoilerplateDetector(BoilerplateConfig(enabled=False))
    assert d.classify_unit("Click here to book a call", "article") is None


def test_pagination_title() -> None:
    from discourse.clean.boilerplate import pagination_title

    head = seed_text("004").split("\n", 1)[0]
    assert pagination_title(head) == "The No Contact Rule: Everything You Need to Know"
    assert pagination_title("(Previous page - Part one) and then") == "Part one"
    assert pagination_title("(Next page – Part three)") is None  # names the next page
    assert pagination_title("The previous page said (previous page – x)") is None
