"""Exact duplicate marking."""

from discourse.dedup import duplicate_key, mark_duplicates


def test_first_occurrence_wins_and_case_whitespace_fold() -> None:
    ids = ["a", "b", "c", "d"]
    texts = ["No contact  works.", "Something else", "no contact works.", "NO CONTACT\nWORKS."]
    assert mark_duplicates(ids, texts) == [None, None, "a", "a"]
    assert duplicate_key("ﬁne") == duplicate_key("fine")  # NFKC ligature


def test_punctuation_difference_is_not_a_duplicate() -> None:
    assert mark_duplicates(["a", "b"], ["It works.", "It works!"]) == [None, None]


def test_marker_keeps_digests_and_gives_the_first_id() -> None:
    from discourse.dedup import DuplicateMarker, duplicate_digest

    marker = DuplicateMarker()
    keys = ["a", "b", "a", "c", "b", "a", "\ud800 lone surrogate", "\ud800 lone surrogate"]
    ids = ["D-1#0000", "D-1#0001", "D-2#0000", "D-é#0000", "D-3#0000", "x", "s1", "s2"]
    got = [marker.first_of(k, sid) for k, sid in zip(keys, ids)]
    assert got == [None, None, "D-1#0000", None, "D-1#0001", "D-1#0000", None, "s1"]
    assert len(marker) == 4
    assert len(duplicate_digest("a")) == 16
    assert marker.first_of("a", "D-1#0000") is None  # an id is not its own duplicate
