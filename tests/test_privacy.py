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
    p = Pseudonymiser("s")
    text = "Hi Danielle, DANIELLE! Ella and Ellen agree. Clearly it's clear, Clear."
    out = p.mask_text(text, ["Danielle", "Ella", "Clear"])
    assert "Danielle" not in out and "DANIELLE" not in out
    assert out.startswith(f"Hi {p.pseudonym('Danielle')}, {p.pseudonym('Danielle')}!")
    assert "Ellen agree" in out  # "Ella" does not match inside "Ellen"
    assert "Clearly it's clear" in out  # lower-case common word untouched
    assert out.endswith(f"{p.pseudonym('Clear')}.")


def test_full_and_first_names() -> None:
    p = Pseudonymiser("s")
    out = p.mask_text("Lots of love, Sabrina Alexis. Thanks Sabrina!", ["Sabrina Alexis"])
    assert "Sabrina" not in out and out.count(p.pseudonym("Sabrina Alexis")) == 2


def test_contact_details_masked() -> None:
    p = Pseudonymiser("s")
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
