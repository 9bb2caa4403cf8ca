"""Word n-gram TF-IDF features kept as plain data (no model loading)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from discourse.labels.ngrams import NgramTfidf

TEXTS = [
    "Go no contact so he misses you and comes back.",
    "No contact helps you heal. No contact is for you.",
    "Don't let anyone tell you there is one rule for everyone.",
    "Win him back: thirty days of no contact, then text him.",
    "There is no rule; you decide what contact you want.",
]


def test_transform_equals_scikit_learn_tfidf() -> None:
    ours = NgramTfidf(max_features=50).fit(TEXTS)
    ref = TfidfVectorizer(ngram_range=(1, 3), min_df=2, max_features=50, sublinear_tf=True)
    expected = ref.fit_transform(TEXTS).toarray()
    order = [ref.vocabulary_[t] for t in ours.vocabulary_]
    new = ["No contact, no contact: heal and decide.", "nothing in the vocabulary here"]
    got = ours.transform(TEXTS + new).toarray()
    np.testing.assert_allclose(got[: len(TEXTS)], expected[:, order], atol=1e-12)
    np.testing.assert_allclose(got[len(TEXTS) :], ref.transform(new).toarray()[:, order])
    assert 5 <= len(ours.vocabulary_) <= 50 and not got[-1].any()


def test_round_trip_through_json() -> None:
    fitted = NgramTfidf(max_features=20).fit(TEXTS)
    again = NgramTfidf.from_dict(json.loads(json.dumps(fitted.to_dict())))
    np.testing.assert_array_equal(
        fitted.transform(TEXTS).toarray(), again.transform(TEXTS).toarray()
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"idf": "drop-last"}, "differ in length"),
        ({"vocabulary": "repeat"}, "repeat"),
        ({"ngram_range": [2, 1]}, "ngram_range"),
        ({"ngram_range": [1]}, "ngram_range"),
        ({"ngram_range": [1, 10**9]}, "ngram_range"),
        ({"idf": None}, "idf must be a list"),
        ({"idf": "nested"}, "idf must be a list"),
        ({"idf": "nan"}, "finite"),
        ({"idf": "negative"}, "> 0"),
        ({"vocabulary": "ints"}, "non-empty strings"),
        ({"max_features": -5}, "max_features"),
        ({"max_features": 1}, "more than max_features"),
        ({"min_df": True}, "min_df"),
        ({"idf": "missing"}, "missing idf"),
    ],
)
def test_bad_data_is_refused(change: dict, message: str) -> None:
    """Weights files are untrusted: every malformed block is a clear ValueError when loading,
    not a crash deep in scipy when predicting."""
    data = NgramTfidf(max_features=20).fit(TEXTS).to_dict()
    ((key, value),) = change.items()
    special = {
        "drop-last": data["idf"][:-1],
        "repeat": [data["vocabulary"][0]] * len(data["idf"]),
        "nested": [[v] for v in data["idf"]],
        "nan": [float("nan"), *data["idf"][1:]],
        "negative": [-1.0, *data["idf"][1:]],
        "ints": list(range(len(data["idf"]))),
    }
    if value == "missing":
        del data[key]
    else:
        data[key] = special.get(value, value) if isinstance(value, str) else value
    with pytest.raises(ValueError, match=message):
        NgramTfidf.from_dict(data)


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a mapping"):
        NgramTfidf.from_dict(["not", "a", "dict"])
    with pytest.raises(ValueError, match="max_features"):
        NgramTfidf(max_features=0).fit(TEXTS)


def test_too_little_text_gives_no_features() -> None:
    empty = NgramTfidf().fit(["one text only"])
    assert empty.vocabulary_ == [] and empty.transform(["a", "b"]).shape == (2, 0)
