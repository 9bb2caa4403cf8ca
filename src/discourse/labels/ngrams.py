"""Word n-gram TF-IDF features stored as plain data (vocabulary + IDF weights, no pickle).

The stance model of ``combined`` reads these next to the sentence embedding and the rule
scores. An embedding of a whole unit averages its sentences, so the phrase that decides a
stance ("get him back", "trust your gut", "no rule fits everyone") is diluted in a long unit;
word 1-3-grams keep it. What they bought, measured (README, "Labels"; ``scripts/
cv_by_source.py --labelers combined:ngram_features=0,combined --repeats 3 --held-out``): no
measurable change in cross-validation on the real units (stance macro-F1 0.529 without, 0.522
with), +0.09 on the project's synthetic advice-genre units, +0.05 on the real test split.

The vocabulary and IDF are learnt with scikit-learn's ``TfidfVectorizer`` and kept as lists;
:meth:`NgramTfidf.transform` recomputes the same matrix from them with a fixed-vocabulary
``CountVectorizer`` (sublinear term frequency, IDF, L2 row norm), so saved weights reload
exactly without storing a fitted scikit-learn object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from discourse.errors import InputError

__all__ = ["NgramTfidf"]


class NgramTfidf:
    """Word n-gram TF-IDF (lower-cased, sublinear tf, L2-normalised rows).

    Parameters
    ----------
    max_features
        Keep the most frequent n-grams up to this many (scikit-learn's ``max_features``).
    ngram_range
        Smallest and largest n.
    min_df
        Minimum number of training texts an n-gram must occur in.
    """

    def __init__(
        self, max_features: int = 5000, ngram_range: tuple[int, int] = (1, 3), min_df: int = 2
    ) -> None:
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.min_df = min_df

    def fit(self, texts: Sequence[str]) -> NgramTfidf:
        """Learn the vocabulary and IDF weights from ``texts``."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        if self.max_features < 1:
            raise ValueError(f"max_features must be >= 1, got {self.max_features}")
        vec = TfidfVectorizer(
            ngram_range=tuple(self.ngram_range),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
        )
        try:
            vec.fit([str(t) for t in texts])
        except ValueError:  # no n-gram reaches min_df (tiny training sets)
            self.vocabulary_: list[str] = []
            self.idf_ = np.zeros(0)
            return self
        order = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
        self.vocabulary_ = [term for term, _ in order]
        self.idf_ = np.asarray(vec.idf_, dtype=np.float64)
        return self

    def transform(self, texts: Sequence[str]) -> Any:
        """A sparse ``len(texts) x len(vocabulary_)`` TF-IDF matrix (CSR)."""
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        if not self.vocabulary_:
            return sp.csr_matrix((len(texts), 0))
        counts = CountVectorizer(
            ngram_range=tuple(self.ngram_range),
            vocabulary={t: i for i, t in enumerate(self.vocabulary_)},
        ).transform([str(t) for t in texts])
        tf = counts.astype(np.float64).tocsr()
        np.log(tf.data, out=tf.data)
        tf.data += 1.0
        return normalize(tf @ sp.diags(self.idf_), norm="l2", copy=False).tocsr()

    def to_dict(self) -> dict[str, Any]:
        """Fitted state as JSON-serialisable data."""
        return {
            "max_features": self.max_features,
            "ngram_range": list(self.ngram_range),
            "min_df": self.min_df,
            "vocabulary": list(self.vocabulary_),
            "idf": self.idf_.tolist(),  # exact: reloaded weights give the same bits
        }

    @classmethod
    def from_dict(cls, d: Any) -> NgramTfidf:
        """Rebuild from :meth:`to_dict` data, validated (weights files are untrusted input):
        a mapping with ``max_features`` (int >= 1), ``ngram_range`` ([lo, hi] with
        1 <= lo <= hi <= :data:`MAX_N`), ``min_df`` (int >= 1), ``vocabulary`` (distinct
        strings) and ``idf`` (finite numbers > 0, one per term)."""

        def bad(what: str) -> InputError:
            return InputError(f"n-gram features: {what}")

        if not isinstance(d, dict):
            raise bad(f"expected a mapping, got {type(d).__name__}")
        missing = [
            k for k in ("max_features", "ngram_range", "min_df", "vocabulary", "idf") if k not in d
        ]
        if missing:
            raise bad(f"missing {', '.join(missing)}")
        for key in ("max_features", "min_df"):
            if not _is_int(d[key]) or d[key] < 1:
                raise bad(f"{key} must be a whole number >= 1, got {d[key]!r}")
        rng = d["ngram_range"]
        if (
            not isinstance(rng, list | tuple)
            or len(rng) != 2
            or not all(_is_int(v) for v in rng)
            or not 1 <= rng[0] <= rng[1] <= MAX_N
        ):
            raise bad(f"bad ngram_range {rng!r} (need [lo, hi], 1 <= lo <= hi <= {MAX_N})")
        vocab, idf = d["vocabulary"], d["idf"]
        if not isinstance(vocab, list) or not all(isinstance(t, str) and t for t in vocab):
            raise bad("vocabulary must be a list of non-empty strings")
        if not isinstance(idf, list) or not all(_is_number(v) for v in idf):
            raise bad("idf must be a list of numbers")
        if len(vocab) != len(idf) or len(set(vocab)) != len(vocab):
            raise bad("vocabulary and idf differ in length or repeat")
        if len(vocab) > int(d["max_features"]):
            raise bad(f"{len(vocab)} terms, more than max_features {d['max_features']}")
        values = np.asarray(idf, dtype=np.float64)
        if values.size and (not np.isfinite(values).all() or (values <= 0).any()):
            raise bad("idf values must be finite and > 0")
        out = cls(int(d["max_features"]), (int(rng[0]), int(rng[1])), int(d["min_df"]))
        out.vocabulary_ = list(vocab)
        out.idf_ = values.reshape(-1)
        return out


#: Largest n accepted from a weights file (the count of n-grams grows with n times the words).
MAX_N = 5


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)
