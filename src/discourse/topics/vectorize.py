"""Tokenisation shared by the topic models and the coherence metric.

BERTopic's c-TF-IDF, the NMF/LDA baselines and NPMI coherence all see the same tokens: words of
two or more letters (no digits), lower-cased, English stop words removed together with the
apostrophe-less contractions ("im", "dont") and conversational fillers ("just", "like") that
otherwise top every topic in forum text, and without pseudonyms or privacy masks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer

__all__ = ["STOP_WORDS", "make_count_vectorizer", "make_tfidf_vectorizer", "preprocessor"]

CONTRACTIONS = frozenset(
    [
        "im",
        "ive",
        "id",
        "ill",
        "dont",
        "didnt",
        "doesnt",
        "isnt",
        "wasnt",
        "werent",
        "arent",
        "havent",
        "hasnt",
        "hadnt",
        "cant",
        "couldnt",
        "wouldnt",
        "shouldnt",
        "wont",
        "youre",
        "youve",
        "youll",
        "youd",
        "hes",
        "shes",
        "theyre",
        "theyve",
        "theyll",
        "weve",
        "were",
        "thats",
        "whats",
        "theres",
        "heres",
        "lets",
        "don",
        "didn",
        "doesn",
        "isn",
        "wasn",
        "weren",
        "aren",
        "haven",
        "hasn",
        "hadn",
        "couldn",
        "wouldn",
        "shouldn",
        "ve",
        "ll",
        "re",
    ]
)
FILLERS = frozenset(
    [
        "just",
        "like",
        "really",
        "got",
        "get",
        "gets",
        "getting",
        "going",
        "gonna",
        "wanna",
        "know",
        "think",
        "thing",
        "things",
        "way",
        "lot",
        "lots",
        "yeah",
        "oh",
        "ok",
        "okay",
        "um",
        "uh",
        "maybe",
        "actually",
        "pretty",
        "stuff",
        "said",
        "say",
        "says",
        "tell",
        "told",
    ]
)
STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | CONTRACTIONS | FILLERS
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"
_MASKS = re.compile(r"\[(?:email|phone|profile-url|user)\]|\bu/\S+|https?://\S+|www\.\S+")


def preprocessor(pseudonym_prefix: str = "P-") -> Callable[[str], str]:
    """Lower-case and remove pseudonyms (``P-1a2b3c4d``), privacy masks and URLs."""
    pseudo = re.compile(rf"(?<!\w){re.escape(pseudonym_prefix)}[0-9a-f]{{8}}\b")

    def _pre(text: str) -> str:
        return _MASKS.sub(" ", pseudo.sub(" ", text)).lower()

    return _pre


def _stop_words(extra: Iterable[str]) -> list[str]:
    return sorted(STOP_WORDS | {w.lower() for w in extra})


def _common(
    n_gram_range: tuple[int, int],
    min_df: int,
    extra_stop_words: Iterable[str],
    pseudonym_prefix: str,
    vocabulary: dict[str, int] | None,
) -> dict:
    return {
        "vocabulary": vocabulary,
        "preprocessor": preprocessor(pseudonym_prefix),
        "token_pattern": TOKEN_PATTERN,
        "stop_words": _stop_words(extra_stop_words),
        "ngram_range": tuple(n_gram_range),
        "min_df": min_df,
    }


def make_count_vectorizer(
    n_gram_range: tuple[int, int] = (1, 2),
    min_df: int = 2,
    extra_stop_words: Iterable[str] = (),
    pseudonym_prefix: str = "P-",
    binary: bool = False,
    vocabulary: dict[str, int] | None = None,
) -> CountVectorizer:
    """The CountVectorizer used for c-TF-IDF, LDA and coherence (fixed ``vocabulary`` optional)."""
    return CountVectorizer(
        binary=binary,
        **_common(n_gram_range, min_df, extra_stop_words, pseudonym_prefix, vocabulary),
    )


def make_tfidf_vectorizer(
    n_gram_range: tuple[int, int] = (1, 2),
    min_df: int = 2,
    extra_stop_words: Iterable[str] = (),
    pseudonym_prefix: str = "P-",
    vocabulary: dict[str, int] | None = None,
) -> TfidfVectorizer:
    """The TF-IDF vectorizer used by the NMF baseline (same tokens as the count vectorizer)."""
    return TfidfVectorizer(
        sublinear_tf=True,
        **_common(n_gram_range, min_df, extra_stop_words, pseudonym_prefix, vocabulary),
    )
