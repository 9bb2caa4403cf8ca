"""Word n-gram TF-IDF features stored as plain data (vocabulary + IDF weights, no pickle).

The stance model of ``combined`` reads these next to the sentence embedding and the rule
scores. An embedding of a whole unit averages its sentences, so the phrase that decides a
stance ("get him back", "trust your gut", "no rule fits everyone") is diluted in a long unit;
word 1-3-grams keep it. Cross-validated on the real train + dev units, adding them raised
stance macro-F1 from 0.52 to 0.59 (``scripts/ablate_stance_features.py``).

The vocabulary and IDF are learnt with scikit-learn's ``TfidfVectorizer`` and kept as lists;
:meth:`NgramTfidf.transform` recomputes the same matrix from them with a fixed-vocabulary
``CountVectorizer`` (sublinear term frequency, IDF, L2 row norm), so saved weights reload
exactly without storing a fitted scikit-learn object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

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
    def from_dict(cls, d: dict[str, Any]) -> NgramTfidf:
        """Rebuild from :meth:`to_dict` data; the vocabulary and IDF must have equal length."""
        lo, hi = (int(v) for v in d["ngram_range"])
        out = cls(int(d["max_features"]), (lo, hi), int(d["min_df"]))
        out.vocabulary_ = [str(t) for t in d["vocabulary"]]
        out.idf_ = np.asarray(d["idf"], dtype=np.float64)
        if len(out.vocabulary_) != len(out.idf_) or len(set(out.vocabulary_)) != len(
            out.vocabulary_
        ):
            raise ValueError("n-gram features: vocabulary and idf differ in length or repeat")
        if not 1 <= lo <= hi:
            raise ValueError(f"n-gram features: bad ngram_range {d['ngram_range']!r}")
        return out
