"""The topic vocabulary: field phrases as units, negation kept, generic narrative words removed.

Every topic model (BERTopic's c-TF-IDF, the NMF/LDA baselines) and every coherence score sees
the tokens of :class:`PhraseAnalyzer`:

- **Field phrases are one token.** ``no contact`` / ``NC``, ``get your ex back`` (and ``get
  him/her back``), ``move on``, ``self worth``, ``self care``, ``self esteem``, ``let go`` and
  ``break up`` (:data:`FIELD_PHRASES`) are rewritten to one token before tokenising, so a stop
  list can never strip the "no" from "no contact" (the old "contact rule" label).
- **Negation stays attached.** ``no``, ``not``, ``never``, ``dont``, ... are stop words on their
  own, but may open an n-gram (``not ready``, ``dont text``).
- **n-grams only from adjacent words.** Two-word terms are built from words next to each other
  in the text, never across a removed stop word, and never from a repeated word (the old
  ``want want`` came from "want you to want me").
- **Words in at least** ``min_documents`` **segments** form the vocabulary
  (:func:`build_vocabulary`).

Generic narrative words (time words, relationship nouns: "years", "night", "girlfriend") are
removed afterwards, from the data (:func:`generic_words`): a word among the top words of more
than ``generic_topic_share`` of the topics of a first clustering, or in more than
``generic_document_share`` of the segments of most of its topics, is not a topic word for any
model nor for the metrics. Field phrases other than "break up" are exempt.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from discourse.errors import InputError, MissingInputError, StageSkipped
from discourse.topics.vectorize import STOP_WORDS, preprocessor

__all__ = [
    "EXEMPT_PHRASES",
    "FIELD_PHRASES",
    "FORUM_STOP_WORDS",
    "NEGATIONS",
    "PhraseAnalyzer",
    "build_vocabulary",
    "class_tfidf_words",
    "generic_words",
    "on_vocabulary",
    "read_reference_corpus",
    "reference_matrix",
]

_EX = {"your", "my", "his", "her", "their", "the", "an"}
_GET = {"get", "getting"}
_LET = {"let", "lets", "letting"}
#: Display form -> the word sequences that are that phrase (on lower-cased words, apostrophes
#: removed; a set is any one of its words).
FIELD_PHRASES: dict[str, list[list[set[str]]]] = {
    "no contact": [[{"no"}, {"contact"}], [{"nc"}]],
    "get your ex back": [
        [_GET, _EX, {"ex", "exes"}, {"back"}],
        [_GET, {"him", "her", "them"}, {"back"}],
    ],
    "move on": [[{"move", "moves", "moved", "moving"}, {"on"}]],
    "self worth": [[{"self"}, {"worth"}]],
    "self care": [[{"self"}, {"care"}]],
    "self esteem": [[{"self"}, {"esteem"}]],
    "let go": [[_LET, {"go"}], [_LET, {"it", "them", "him", "her"}, {"go"}]],
    "break up": [[{"break", "breaks", "breaking", "broke"}, {"up"}]],
}
_RULES: dict[str, list[tuple[list[set[str]], str]]] = {}
for _display, _variants in FIELD_PHRASES.items():
    for _seq in _variants:
        for _first in _seq[0]:
            _RULES.setdefault(_first, []).append((_seq, _display))
for _first in _RULES:  # longest variant first
    _RULES[_first].sort(key=lambda rule: -len(rule[0]))


def _join_phrases(words: list[str]) -> list[str]:
    """``words`` with every field phrase replaced by its display form (one word)."""
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        for seq, display in _RULES.get(words[i], ()):
            m = len(seq)
            if i + m <= n and all(words[i + j] in seq[j] for j in range(1, m)):
                out.append(display)
                i += m
                break
        else:
            out.append(words[i])
            i += 1
    return out


NEGATIONS = frozenset(
    [
        "no",
        "not",
        "never",
        "nothing",
        "without",
        "dont",
        "didnt",
        "cant",
        "wont",
        "doesnt",
        "isnt",
        "wasnt",
        "couldnt",
        "wouldnt",
        "shouldnt",
        "havent",
        "hasnt",
        "arent",
    ]
)
#: Field phrases kept even when they look generic ("break up" is the corpus's subject, as
#: generic in breakup posts as "breakup", so it is not among them).
EXEMPT_PHRASES = frozenset(p for p in FIELD_PHRASES if p != "break up")
#: Stop words of forum posts beyond :data:`discourse.topics.vectorize.STOP_WORDS`: more
#: apostrophe-less contractions ("he'd" -> "hed") and Reddit markup ("TL;DR", "EDIT:").
FORUM_STOP_WORDS = frozenset(
    ["hed", "theyd", "itd", "itll", "thatll", "whos", "wheres", "hows", "aint", "gotta", "tl"]
)
FORUM_STOP_WORDS |= {"dr", "edit", "op", "lol", "haha"}
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")
_TOKEN = re.compile(r"(?u)\b[^\W\d_]{2,}\b|[.!?;:,()\n]")  # punctuation: n-gram break


_MEMOS: dict[tuple, dict[str, tuple[str, ...]]] = {}


def _memo_for(key: tuple) -> dict[str, tuple[str, ...]]:
    return _MEMOS.setdefault(key, {})


class PhraseAnalyzer:
    """``text -> terms`` for scikit-learn vectorizers (``analyzer=``); see the module docstring.

    Parameters
    ----------
    n_gram_range
        Shortest and longest term, in words (a field phrase counts as one word).
    extra_stop_words
        Added to :data:`discourse.topics.vectorize.STOP_WORDS`.
    pseudonym_prefix
        Pseudonyms (``P-1a2b3c4d``) are removed, as are privacy masks and URLs.
    """

    def __init__(
        self,
        n_gram_range: Sequence[int] = (1, 2),
        extra_stop_words: Iterable[str] = (),
        pseudonym_prefix: str = "P-",
    ) -> None:
        self.n_gram_range = (int(n_gram_range[0]), int(n_gram_range[1]))
        self.extra_stop_words = sorted({w.lower() for w in extra_stop_words})
        self.pseudonym_prefix = pseudonym_prefix
        self._stop = STOP_WORDS | FORUM_STOP_WORDS | set(self.extra_stop_words)
        self._pre = preprocessor(pseudonym_prefix)
        self._memo = _memo_for(self._memo_key())

    #: texts whose terms are remembered per analyzer setting (shared by every analyzer with the
    #: same parameters in the process): the topic stage vectorises the same segments about 20
    #: times (k choice, generic-word passes, seeds, baseline) with new analyzers, and tokenising
    #: was half its time; past this many the memo is emptied and refilled (terms never depend
    #: on it)
    MEMO_TEXTS = 20_000

    def _memo_key(self) -> tuple:
        return (self.n_gram_range, tuple(self.extra_stop_words), self.pseudonym_prefix)

    def tokens(self, text: str) -> list[str]:
        """Words of ``text`` in order (stop words included), field phrases as one word, and
        the punctuation that ends a clause (no n-gram crosses it)."""
        text = _APOSTROPHE.sub("", self._pre(text or ""))
        return _join_phrases(_TOKEN.findall(text))

    def __call__(self, text: str) -> list[str]:
        terms = self._memo.get(text)
        if terms is None:
            if len(self._memo) >= self.MEMO_TEXTS:
                self._memo.clear()
            terms = self._memo[text] = tuple(self._terms(text))
        return list(terms)

    def _terms(self, text: str) -> list[str]:
        words = self.tokens(text)
        stop = self._stop
        keep = [w not in stop and w[0].isalpha() for w in words]
        low, high = self.n_gram_range
        terms = [w for w, k in zip(words, keep) if k] if low <= 1 else []
        for n in range(max(2, low), high + 1):
            for i in range(len(words) - n + 1):
                gram = words[i : i + n]
                if not all(keep[i + 1 : i + n]):
                    continue
                if not keep[i] and gram[0] not in NEGATIONS:
                    continue
                if len(set(gram)) < n:
                    continue
                terms.append(" ".join(gram))
        return terms

    def __repr__(self) -> str:
        return f"PhraseAnalyzer(n_gram_range={self.n_gram_range})"


def count_vectorizer(
    analyzer: PhraseAnalyzer,
    vocabulary: Mapping[str, int] | None = None,
    min_df: int = 1,
    binary: bool = False,
) -> CountVectorizer:
    """A CountVectorizer on ``analyzer`` (fixed ``vocabulary`` optional; ``binary``: 0/1)."""
    return CountVectorizer(
        analyzer=analyzer,
        vocabulary=dict(vocabulary) if vocabulary is not None else None,
        min_df=min_df,
        binary=binary,
    )


def tfidf_vectorizer(
    analyzer: PhraseAnalyzer, vocabulary: Mapping[str, int] | None = None
) -> TfidfVectorizer:
    """A TfidfVectorizer (sublinear tf, as the NMF baseline uses) on ``analyzer``."""
    return TfidfVectorizer(
        analyzer=analyzer,
        vocabulary=dict(vocabulary) if vocabulary is not None else None,
        sublinear_tf=True,
    )


def build_vocabulary(
    texts: Sequence[str], analyzer: PhraseAnalyzer, min_documents: int
) -> tuple[dict[str, int], sparse.csr_matrix]:
    """Terms in at least ``min_documents`` of ``texts`` (sorted, word -> column) and the
    documents x terms count matrix.

    Raises
    ------
    StageSkipped
        No term is left after stop words and ``min_documents``.
    """
    vec = count_vectorizer(analyzer, min_df=min_documents)
    try:
        x = vec.fit_transform(list(texts))
    except ValueError as exc:  # empty vocabulary
        raise StageSkipped(
            f"no words left for topic modelling after stop words and min_df={min_documents}: {exc}"
        ) from None
    names = vec.get_feature_names_out()
    vocab = {str(w): i for i, w in enumerate(names)}
    return vocab, sparse.csr_matrix(x)


def restrict(
    vocab: Mapping[str, int], doc_term: sparse.csr_matrix, drop: Iterable[str]
) -> tuple[dict[str, int], sparse.csr_matrix]:
    """``vocab`` and ``doc_term`` without the terms ``drop`` (columns renumbered in order)."""
    dropped = set(drop)
    kept = [w for w in sorted(vocab, key=vocab.get) if w not in dropped]
    if not kept:
        raise StageSkipped("no words left for topic modelling after removing generic words")
    cols = [vocab[w] for w in kept]
    return {w: i for i, w in enumerate(kept)}, sparse.csr_matrix(doc_term[:, cols])


def class_tfidf_words(
    doc_term: sparse.spmatrix,
    labels: np.ndarray,
    vocab: Mapping[str, int],
    top_n: int = 25,
    bm25_weighting: bool = True,
    reduce_frequent_words: bool = True,
) -> dict[int, list[str]]:
    """Top ``top_n`` c-TF-IDF terms of each cluster (BERTopic's ``ClassTfidfTransformer``),
    outliers (-1) skipped."""
    from bertopic.vectorizers import ClassTfidfTransformer

    labels = np.asarray(labels)
    ids = sorted(set(labels.tolist()) - {-1})
    if not ids:
        return {}
    rows = np.searchsorted(ids, labels[labels != -1])
    member = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, np.flatnonzero(labels != -1))), shape=(len(ids), len(labels))
    )
    per_class = sparse.csr_matrix(member @ doc_term)
    ctfidf = ClassTfidfTransformer(
        bm25_weighting=bm25_weighting, reduce_frequent_words=reduce_frequent_words
    )
    scores = ctfidf.fit_transform(per_class).toarray()
    names = np.empty(len(vocab), dtype=object)
    for w, i in vocab.items():
        names[i] = w
    out = {}
    for row, t in enumerate(ids):
        s = scores[row]
        order = np.lexsort((names, -s))[:top_n]
        out[int(t)] = [str(names[j]) for j in order if s[j] > 0]
    return out


def generic_words(
    topic_words: Mapping[int, Sequence[str]],
    doc_term: sparse.spmatrix,
    vocab: Mapping[str, int],
    labels: Sequence[int] | np.ndarray,
    topic_share: float,
    document_share: float,
    top_n: int = 25,
) -> dict[str, str]:
    """Generic words of a clustering (``labels``, its topics' ``topic_words``) and why.

    A word is generic when it is among the top ``top_n`` words of more than ``topic_share`` of
    the topics (and of at least two), or when it is in more than ``document_share`` of the
    segments of most (more than half) of the topics: it is everywhere, not in one theme.
    Field phrases (:data:`EXEMPT_PHRASES`) are never generic.
    """
    labels = np.asarray(labels)
    ids = sorted(set(labels.tolist()) - {-1})
    k = len(ids)
    counts: dict[str, int] = {}
    for t, words in topic_words.items():
        if t != -1:
            for w in list(words)[:top_n]:
                counts[w] = counts.get(w, 0) + 1
    need = max(2, math.floor(topic_share * k) + 1)
    out = {w: f"top {top_n} words of {c}/{k} topics" for w, c in counts.items() if c >= need}
    if k >= 2:
        x = sparse.csr_matrix(doc_term, copy=True)
        x.data = np.ones_like(x.data)
        spread = np.zeros(x.shape[1], dtype=int)
        for t in ids:
            rows = labels == t
            spread += np.asarray(x[rows].mean(axis=0)).ravel() > document_share
        for w, i in vocab.items():
            if spread[i] > k / 2 and w not in out:
                out[w] = (
                    f"in more than {document_share:.0%} of the segments of {spread[i]}/{k} topics"
                )
    return {w: r for w, r in sorted(out.items()) if w not in EXEMPT_PHRASES}


_REFERENCE_CACHE: dict[tuple, tuple[sparse.csr_matrix, dict[str, int]]] = {}


def reference_matrix(
    path: str | Path, max_documents: int | None, analyzer: PhraseAnalyzer
) -> tuple[sparse.csr_matrix, dict[str, int]]:
    """The reference corpus as a documents x terms 0/1 matrix and its term -> column map,
    kept for the process (keyed by the files' names, sizes and times, and the analyzer)."""
    p = Path(path)
    files = sorted(p.glob("*")) if p.is_dir() else [p]
    stamp = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file())
    key = (str(p.resolve()), stamp, max_documents, repr(analyzer), analyzer.pseudonym_prefix)
    key += (tuple(analyzer.extra_stop_words),)
    if key not in _REFERENCE_CACHE:
        texts = read_reference_corpus(p, max_documents)
        vec = count_vectorizer(analyzer, binary=True)
        x = sparse.csr_matrix(vec.fit_transform(texts))
        vocab = {str(w): i for i, w in enumerate(vec.get_feature_names_out())}
        _REFERENCE_CACHE.clear()
        _REFERENCE_CACHE[key] = (x, vocab)
    return _REFERENCE_CACHE[key]


def on_vocabulary(
    x: sparse.csr_matrix, x_vocab: Mapping[str, int], vocab: Mapping[str, int]
) -> sparse.csr_matrix:
    """The columns of ``x`` (terms ``x_vocab``) for the terms of ``vocab``, in its order; a
    term missing from ``x_vocab`` is an empty column."""
    pairs = [(x_vocab[w], j) for w, j in vocab.items() if w in x_vocab]
    rows, cols = zip(*pairs) if pairs else ((), ())
    select = sparse.csr_matrix(
        (np.ones(len(rows)), (list(rows), list(cols))), shape=(x.shape[1], len(vocab))
    )
    return sparse.csr_matrix(x @ select)


def read_reference_corpus(path: str | Path, max_documents: int | None = None) -> list[str]:
    """Texts of a reference corpus: every ``.csv`` in a folder (or one file), the ``text``
    column, or ``title`` + ``selftext`` (Reddit snapshots); or ``.txt`` files, one document
    each. Rows are read in file-name order; the first ``max_documents`` are kept.

    Raises
    ------
    MissingInputError
        The path does not exist.
    InputError
        A CSV has no text column, or there are no documents.
    """
    path = Path(path)
    if not path.exists():
        raise MissingInputError(f"reference corpus {path} does not exist")
    files = sorted(path.glob("*.csv")) + sorted(path.glob("*.txt")) if path.is_dir() else [path]
    texts: list[str] = []
    csv.field_size_limit(10_000_000)
    for f in files:
        if f.suffix == ".txt":
            texts.append(f.read_text(encoding="utf-8", errors="replace"))
            continue
        with f.open(encoding="utf-8", errors="replace", newline="") as fh:
            reader = csv.DictReader(fh)
            cols = set(reader.fieldnames or [])
            if not cols & {"text", "title", "selftext"}:
                raise InputError(f"{f}: no text, title or selftext column for the reference corpus")
            for row in reader:
                text = row.get("text") or " ".join(row.get(c) or "" for c in ("title", "selftext"))
                if text.strip():
                    texts.append(text)
    if max_documents is not None:
        texts = texts[:max_documents]
    if not texts:
        raise InputError(f"reference corpus {path} has no documents")
    return texts
