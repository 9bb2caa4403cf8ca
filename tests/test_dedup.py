"""Exact duplicate marking."""

from discourse.dedup import duplicate_key, mark_duplicates


def test_first_occurrence_wins_and_case_whitespace_fold() -> None:
    ids = ["a", "b", "c", "d"]
    texts = ["No contact  works.", "Something else", "no contact works.", "NO CONTACT\nWORKS."]
    assert mark_duplicates(ids, texts) == [None, None, "a", "a"]
    assert duplicate_key("ﬁne") == duplicate_key("fine")  # NFKC ligature


def test_punctuation_difference_is_not_a_duplicate() -> None:
    assert mark_duplicates(["a", "b"], ["It works.", "It works!"]) == [None, None]
