"""Pseudonyms and masking."""

from __future__ import annotations

import re

from discourse.config import PrivacyConfig
from discourse.privacy import Pseudonymiser


def test_pseudonyms_are_stable_keyed_and_case_insensitive() -> None:
    a, b = Pseudonymiser("salt-1"), Pseudonymiser("salt-2")
    assert (
        a.pseudonym("Danielle")
        == a.pseudonym("danielle ")
        == Pseudonymiser("salt-1").pseudonym("DANIELLE")
    )
    assert a.pseudonym("Danielle") != b.pseudonym("Danielle")
    assert re.fullmatch(r"P-[0-9a-f]{8}", a.pseudonym("u/some_user"))
    assert a.pseudonym("u/some_user") == a.pseudonym("some_user")
    assert a.pseudonym(None) is None


def test_names_replaced_in_text_as_whole_words() -> None:
    p = Pseudonymiser("s", PrivacyConfig(mask_person_names=False))  # known names only
    text = "Hi Danielle, DANIELLE! Ella and Ellen agree. Clearly it's clear, Clear."
    out = p.mask_text(text, ["Danielle", "Ella", "Clear"])
    assert "Danielle" not in out and "DANIELLE" not in out
    assert out.startswith(f"Hi {p.pseudonym('Danielle')}, {p.pseudonym('Danielle')}!")
    assert "Ellen agree" in out  # "Ella" does not match inside "Ellen"
    assert "Clearly it's clear" in out  # lower-case common word untouched
    assert out.endswith(f"{p.pseudonym('Clear')}.")


def test_full_and_first_names() -> None:
    p = Pseudonymiser("s", PrivacyConfig(mask_person_names=False))
    out = p.mask_text("Lots of love, Sabrina Alexis. Thanks Sabrina!", ["Sabrina Alexis"])
    assert "Sabrina" not in out and out.count(p.pseudonym("Sabrina Alexis")) == 2


def test_contact_details_masked() -> None:
    p = Pseudonymiser("s", PrivacyConfig(mask_person_names=False))
    text = (
        "Mail me at jane.doe+nc@example.co.uk or call (415) 555-0199 / +44 20 7946 0958 / 555-123-4567. "
        "My insta is https://instagram.com/jane.doe and reddit.com/u/janedoe, ping /u/janedoe. "
        "I was 100000% sure, it took 30 days and 2 years."
    )
    out = p.mask_text(text)
    assert "[email]" in out and "example.co.uk" not in out
    assert out.count("[phone]") == 3
    assert out.count("[profile-url]") == 2
    assert "janedoe" not in out and f"u/{p.pseudonym('janedoe')}" in out
    assert "100000% sure" in out and "30 days and 2 years" in out


def test_masking_can_be_switched_off() -> None:
    cfg = PrivacyConfig(
        pseudonymise=False, mask_emails=False, mask_phones=False, mask_profile_urls=False
    )
    p = Pseudonymiser("s", cfg)
    text = "Hi Danielle, a@b.com 555-123-4567"
    assert p.mask_text(text, ["Danielle"]) == text
    assert p.pseudonym("Danielle") == "Danielle"


# --- issue 15: personal data the masker used to leave -----------------------------------------

import pytest  # noqa: E402

REGEX_ONLY = PrivacyConfig(mask_person_names=False)
KNOWN = ["ThrowAway_Jen", "Mark Whitfield", "mwhitfield88", "Will", "Hope", "Jane"]


def _p(**kw: object) -> Pseudonymiser:
    return Pseudonymiser("s", PrivacyConfig(mask_person_names=False, **kw), KNOWN)


def test_username_in_lower_case_and_handles_masked() -> None:
    p = _p()
    out = p.mask_text(
        "Hi throwaway_jen and THROWAWAY_JEN, find me @mwhitfield88 or u/mwhitfield88."
    )
    assert "jen" not in out.lower() and "mwhitfield88" not in out
    assert out.count(p.pseudonym("ThrowAway_Jen")) == 2
    assert f"@{p.pseudonym('mwhitfield88')}" in out and f"u/{p.pseudonym('mwhitfield88')}" in out


def test_surname_alone_and_lower_case_full_name_masked() -> None:
    p = _p()
    out = p.mask_text("Whitfield out. mark whitfield from six months ago. MARK WHITFIELD!")
    assert "whitfield" not in out.lower()
    assert out.count(p.pseudonym("Mark Whitfield")) == 3


def test_known_names_masked_in_every_document() -> None:
    # the corpus-wide names apply to a text whose document has no authors at all
    p = _p()
    assert "Whitfield" not in p.mask_text("I read what Mark Whitfield wrote.", names=[])


def test_obfuscated_emails_masked() -> None:
    p = _p()
    for text in (
        "sarah dot miller at gmail dot com",
        "x [at] y [dot] com",
        "jen (at) example (dot) co (dot) uk",
        "rose [at] secondspring [dot] com",
        "danielle.k@example.com",
    ):
        assert p.mask_text(f"write to {text} please") == "write to [email] please", text
    assert p.mask_text("we met at work dot then left") == "we met at work dot then left"


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "555-0199",
        "(020) 7946 0958",
        "1-800-555-0100",
        "+44 7700 900123",
        "07700900123",
        "(415) 555-0199",
    ],
)
def test_phone_forms_fully_masked(phone: str) -> None:
    assert _p().mask_text(f"call {phone} now") == "call [phone] now"


def test_numbers_that_are_not_phones_kept() -> None:
    text = "From 2010-2015 I paid $1,500, 100-1000 texts, on 2021-05-04, 3.14159265, 100 000 000."
    assert _p().mask_text(text) == text


def test_messenger_links_masked_and_product_links_kept() -> None:
    p = _p()
    out = p.mask_text("t.me/willnc_77 or wa.me/447700900123 or https://t.me/jenw")
    assert out == "[contact-url] or [contact-url] or [contact-url]"
    url = "https://www.amazon.com/dp/0735211299/ref=sr_1_3?qid=1589912345&sr=8-3"
    assert p.mask_text(f"The book: {url} .") == f"The book: {url} ."


def test_urls_with_personal_slugs() -> None:
    p = _p()
    slug = "/r/ExNoContact/comments/pl1/mark_whitfield_here_my_ex/k1/"
    assert p.mask_url(slug) == "/r/ExNoContact/comments/pl1/_/k1/"
    assert p.mask_url("https://www.reddit.com/user/ThrowAway_Jen") == "[profile-url]"
    assert p.mask_url("mailto:jen@example.com") == "[email]"
    assert p.mask_url("https://blog.example.com/author/rose-tanner/") == "[profile-url]"
    assert "whitfield" not in p.mask_url("https://example.com/stories/mark-whitfield-nc/")
    assert p.mask_url("https://example.com/no-contact-rules/") == (
        "https://example.com/no-contact-rules/"
    )


def test_street_addresses_masked() -> None:
    p = _p()
    for text in (
        "42 Elm Street, Springfield, IL 62704",
        "221B Baker Street, London NW1 6XE",
        "Flat 3, 12 Baker Road",
        "PO Box 4471",
        "1600 Pennsylvania Ave",
    ):
        assert p.mask_text(f"I live at {text}.").rstrip(".") == "I live at [address]", text
    assert p.mask_text("I walked 5 more blocks down the street.").count("[address]") == 0


def test_names_that_are_words_masked_only_as_names() -> None:
    p = _p()
    out = p.mask_text("Will it ever stop hurting? Hope is all I have. I hope so, and I will.")
    assert out == "Will it ever stop hurting? Hope is all I have. I hope so, and I will."
    out = p.mask_text("Hi Will, thanks. Thanks Hope! Will, you are right. I told Hope.")
    assert "Will" not in out and "Hope" not in out


def test_keep_names_are_not_masked() -> None:
    p = Pseudonymiser("s", PrivacyConfig(keep_names=["Mark Whitfield"]), KNOWN)
    assert p.mask_text("Mark Whitfield wrote this.") == "Mark Whitfield wrote this."


def test_file_path_names_masked() -> None:
    p = _p()
    assert p.mask_file_path("threads/mark_whitfield_story.txt") == (
        f"threads/{p.pseudonym('Mark Whitfield')}_story.txt"
    )
    assert p.mask_file_path("seeds/000_9971e978c8825bd7.txt") == "seeds/000_9971e978c8825bd7.txt"


def test_identifiers_keyed_and_stable() -> None:
    a, b = Pseudonymiser("s1"), Pseudonymiser("s2")
    assert a.identifier("threads/jen.txt") == Pseudonymiser("s1").identifier("threads/jen.txt")
    assert a.identifier("threads/jen.txt") != b.identifier("threads/jen.txt")
    assert re.fullmatch(r"D-[0-9a-f]{12}", a.identifier("x"))


@pytest.mark.slow
def test_third_party_names_found_by_ner_pseudonymised_consistently() -> None:
    p = Pseudonymiser("s", PrivacyConfig(), KNOWN)
    out = p.mask_texts(
        ["My ex Sarah Miller cheated. Coach Ken told me.", "Sarah still texts me."], []
    )
    assert "Sarah" not in " ".join(out) and "Miller" not in out[0] and "Ken" not in out[0]
    assert out[0].count(p.pseudonym("Sarah Miller")) == 1 and p.pseudonym("Sarah Miller") in out[1]
    kept = Pseudonymiser("s", PrivacyConfig(keep_names=["Sarah Miller"]), KNOWN)
    assert "Sarah Miller" in kept.mask_text("My ex Sarah Miller cheated.")


@pytest.mark.slow
def test_conditions_named_after_people_are_not_masked() -> None:
    """NER tags "Asperger's" as a person; a condition named after someone is not personal data."""
    p = Pseudonymiser("s", PrivacyConfig(), KNOWN)
    text = "Thank you for bringing up Asperger's. My son has Aspergers too. Happy Valentine's Day."
    assert p.mask_texts([text], [])[0] == text


def _all_contacts(text: str) -> list[tuple[int, int, str]]:
    """find_contacts without its pre-checks: every pattern scanned over every text."""
    from discourse import privacy as p

    taken: list[tuple[int, int]] = []
    out = []
    for m in p.URL_RE.finditer(text):
        url, _ = p._strip_url_tail(m.group(0))
        kind = p.classify_url(url)
        taken.append((m.start(), m.start() + len(url)))
        if kind is not None:
            out.append((m.start(), m.start() + len(url), kind))
    for rx, kind in (
        (p.EMAIL_RE, "email"),
        (p.OBFUSCATED_EMAIL_RE, "email"),
        (p.PHONE_RE, "phone"),
        (p.HANDLE_RE, "handle"),
        (p.USER_MENTION_RE, "handle"),
        (p.ADDRESS_RE, "address"),
    ):
        for m in rx.finditer(text):
            if not all(m.end() <= a or m.start() >= b for a, b in taken):
                continue
            if kind == "phone" and not p._phone_ok(m.group(0)):
                continue
            if kind == "handle" and p._PSEUDONYM_RE.fullmatch(m.group(1)):
                continue
            taken.append((m.start(), m.end()))
            out.append((m.start(), m.end(), kind))
    return out


CONTACT_TEXTS = [
    "mail me at jane.doe@example.com or jane DOT doe AT gmail DOT com",
    "jane [at] example [dot] com, jane(at)example.com, jane (@) example DOT org",
    "call 555-0199 or +44 20 7946 0958 or (212) 555-0100; 1 800 555 0199",
    "WWW.Example.com/jane, HTTPS://t.me/jane, mailto:jane@example.com, example.com/u/jane",
    "I live at 221B Baker Street, London NW1 6XE; PO Box 12; Springfield, IL 62704",
    "ping @jane_doe or u/JaneDoe or /u/jane-doe",
    "no contact for 30 days, then 60, from 2019 to 2021",
    "jane ＠ example．com and ２１２ ５５５ ０１００",  # full-width forms
]


def test_contact_pre_checks_find_the_same_spans() -> None:
    """The pre-checks only skip scans that cannot match: the spans equal an unchecked scan
    on tricky texts and on every text of the bundled corpus."""
    import csv

    from _paths import ROOT, SEEDS
    from discourse.privacy import find_contacts

    texts = list(CONTACT_TEXTS)
    texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())]
    with open(ROOT / "data/raw/reddit/BreakUps.csv", encoding="utf-8", newline="") as f:
        texts += [row["selftext"] + " " + row["title"] for row in csv.DictReader(f)]
    found = 0
    for text in texts:
        spans = list(find_contacts(text))
        assert spans == _all_contacts(text), text[:80]
        found += len(spans)
    assert found >= 20  # the tricky texts do hold contacts
