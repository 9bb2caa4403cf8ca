"""Topic-model quality measures: NPMI coherence, topic diversity, outlier rate, stability.

All are computed from the fitted assignments and topic words; nothing is estimated elsewhere.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse
from sklearn.metrics import adjusted_rand_score

from discourse.errors import InputError

__all__ = [
    "document_concentration",
    "mean_pairwise_ari",
    "npmi_coherence",
    "outlier_rate",
    "topic_diversity",
    "topic_reappearance",
]


def npmi_coherence(
    topic_words: Mapping[int, Sequence[str]],
    doc_term: sparse.spmatrix | np.ndarray,
    vocabulary: Mapping[str, int],
    top_n: int = 10,
) -> dict[int, float]:
    """NPMI coherence of each topic's top words, with documents as the co-occurrence window.

    For words ``a`` and ``b``: ``NPMI = log(p(a,b) / (p(a) p(b))) / -log p(a,b)`` where ``p`` is
    the share of documents containing the word(s) (Bouma 2009; Röder et al. 2015's C_NPMI with a
    whole-document window). Pairs that never co-occur score -1; pairs present in every document
    score 1. A topic's coherence is the mean over all pairs of its first ``top_n`` words that are
    in ``vocabulary`` (topics with fewer than two such words are left out).

    Parameters
    ----------
    topic_words
        Topic id -> words, best first. The outlier topic (-1) is skipped.
    doc_term
        Documents x vocabulary counts (any positive value counts as presence).
    vocabulary
        Word -> column of ``doc_term``.
    top_n
        Number of top words per topic.

    Returns
    -------
    dict
        Topic id -> NPMI in [-1, 1].
    """
    x = sparse.csc_matrix(doc_term)
    x.data = np.ones_like(x.data)
    n_docs = x.shape[0]
    if n_docs == 0:
        raise InputError("npmi_coherence needs at least one document")
    out: dict[int, float] = {}
    for topic, words in topic_words.items():
        if topic == -1:
            continue
        cols = [vocabulary[w] for w in list(words)[:top_n] if w in vocabulary]
        if len(cols) < 2:
            continue
        sub = x[:, cols]
        df = np.asarray(sub.sum(axis=0)).ravel() / n_docs
        co = (sub.T @ sub).toarray() / n_docs
        scores = []
        for i, j in itertools.combinations(range(len(cols)), 2):
            pij = co[i, j]
            if pij <= 0:
                scores.append(-1.0)
            elif pij >= 1.0:
                scores.append(1.0)
            else:
                scores.append(math.log(pij / (df[i] * df[j])) / -math.log(pij))
        out[int(topic)] = float(np.mean(scores))
    return out


def topic_diversity(topic_words: Mapping[int, Sequence[str]], top_n: int = 25) -> float:
    """Share of unique words among the top ``top_n`` words of all topics (Dieng et al. 2020).

    1.0 means no word is shared between topics; the outlier topic (-1) is skipped.
    """
    lists = [list(w)[:top_n] for t, w in topic_words.items() if t != -1]
    total = sum(len(w) for w in lists)
    if total == 0:
        return float("nan")
    return len({w for ws in lists for w in ws}) / total


def outlier_rate(assignments: Sequence[int] | np.ndarray) -> float:
    """Share of documents assigned to the outlier topic (-1)."""
    a = np.asarray(assignments)
    return float((a == -1).mean()) if a.size else float("nan")


def mean_pairwise_ari(runs: Sequence[Sequence[int] | np.ndarray]) -> tuple[float, np.ndarray]:
    """Mean adjusted Rand index over all pairs of runs, and the full ARI matrix.

    Each run is one assignment per document (the same documents in the same order); the outlier
    label -1 counts as a cluster of its own.
    """
    k = len(runs)
    if k < 2:
        raise InputError("stability needs at least two runs")
    m = np.eye(k)
    for i, j in itertools.combinations(range(k), 2):
        m[i, j] = m[j, i] = adjusted_rand_score(np.asarray(runs[i]), np.asarray(runs[j]))
    pairs = m[np.triu_indices(k, 1)]
    return float(pairs.mean()), m


def topic_reappearance(
    labels: Sequence[int] | np.ndarray,
    others: Sequence[Sequence[int] | np.ndarray],
    threshold: float = 0.5,
) -> dict[int, dict[str, float]]:
    """How often each topic of ``labels`` reappears in the fits ``others`` (same documents).

    A topic reappears in a fit when some topic of that fit shares at least ``threshold`` of
    their joint members (Jaccard index of the two document sets). Per topic: ``reappears``,
    the share of ``others`` it reappears in, and ``best_jaccard``, the mean over ``others`` of
    its best Jaccard index. The outlier topic (-1) is skipped.
    """
    a = np.asarray(labels)
    out: dict[int, dict[str, float]] = {}
    for t in sorted(set(a.tolist()) - {-1}):
        mine = a == t
        best = []
        for other in others:
            b = np.asarray(other)
            scores = [
                float((mine & (b == u)).sum() / (mine | (b == u)).sum())
                for u in set(b[mine].tolist()) - {-1}
            ]
            best.append(max(scores, default=0.0))
        out[int(t)] = {
            "reappears": float(np.mean([j >= threshold for j in best])) if best else float("nan"),
            "best_jaccard": float(np.mean(best)) if best else float("nan"),
        }
    return out


def document_concentration(
    labels: Sequence[int] | np.ndarray, documents: Sequence[str]
) -> tuple[dict[int, float], float]:
    """Per topic, the share of its segments that come from its largest document; and the
    corpus-level document purity: segments in their topic's largest document / all clustered
    segments (1.0 = every topic is a single document). Outliers (-1) are skipped."""
    a = np.asarray(labels)
    docs = np.asarray(list(documents), dtype=object)
    if len(docs) != len(a):
        raise InputError(f"{len(a)} labels but {len(docs)} document ids")
    shares: dict[int, float] = {}
    top = 0
    for t in sorted(set(a.tolist()) - {-1}):
        _, counts = np.unique(docs[a == t], return_counts=True)
        top += int(counts.max())
        shares[int(t)] = float(counts.max() / counts.sum())
    clustered = int((a != -1).sum())
    return shares, (top / clustered if clustered else float("nan"))
