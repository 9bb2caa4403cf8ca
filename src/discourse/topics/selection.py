"""Choices made from the data before the topic models are fitted: is the corpus big enough,
should document effects be removed, how many topics, which words are generic.

Every choice is recorded in ``topic_metrics.json`` (``corpus``, ``k_choice``, ``generic_words``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from discourse.config import TopicConfig
from discourse.topics.corpus import class_tfidf_words, generic_words, restrict
from discourse.topics.metrics import npmi_coherence, topic_diversity

__all__ = [
    "assess_documents",
    "choose_k",
    "generic_pass",
    "k_grid",
    "kmeans_space",
    "remove_document_effects",
]


def assess_documents(documents: Sequence[str], cfg: TopicConfig) -> dict[str, Any]:
    """Facts about the documents behind the segments, and whether the corpus is too small.

    Too small: fewer than ``few_documents`` documents (topics of a handful of documents describe
    those documents, not a discourse). Document effects are removed (``document_effects =
    "auto"``) when there are that few documents and a median of at least 5 segments each.
    """
    _, counts = np.unique(np.asarray(list(documents), dtype=object), return_counts=True)
    n_docs = len(counts)
    median = float(np.median(counts)) if n_docs else 0.0
    reasons = []
    if n_docs < cfg.few_documents:
        reasons.append(
            f"{n_docs} documents (fewer than topics.few_documents = {cfg.few_documents}): "
            "topics of so few documents describe those documents, not a discourse"
        )
    few_long = n_docs < cfg.few_documents and median >= 5
    remove = cfg.document_effects == "remove" or (cfg.document_effects == "auto" and few_long)
    return {
        "n_documents": n_docs,
        "median_segments_per_document": median,
        "document_effects_removed": bool(remove),
        "too_small_for_topics": bool(reasons),
        "too_small_reasons": reasons,
    }


def remove_document_effects(embeddings: np.ndarray, documents: Sequence[str]) -> np.ndarray:
    """Unit-length embeddings minus their document's mean plus the corpus mean, so what is
    shared by a document's segments (its voice, its subject) does not decide the clusters."""
    emb = np.asarray(embeddings, dtype=np.float64)
    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    docs = np.asarray(list(documents), dtype=object)
    out = emb.copy()
    for d in dict.fromkeys(docs.tolist()):
        rows = docs == d
        out[rows] -= emb[rows].mean(axis=0)
    out += emb.mean(axis=0)
    return out.astype(np.float32)


def kmeans_space(embeddings: np.ndarray, dims: int) -> np.ndarray:
    """The space the k-means clusterer works in: PCA (``dims`` components) of unit-length
    embeddings, as :class:`~discourse.topics.models.BERTopicModel` builds it."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    dims = int(min(dims, embeddings.shape[0] - 1, embeddings.shape[1]))
    reducer = make_pipeline(Normalizer(), PCA(n_components=dims, random_state=0))
    return reducer.fit_transform(np.asarray(embeddings, dtype=np.float32))


def k_grid(n: int, cfg: TopicConfig) -> list[int]:
    """Candidate numbers of topics: ``cfg.k_grid``, or 0.5, 0.625, 0.75, 0.875, 1, 1.25, 1.5
    and 2 times sqrt(n) / 4 (at least 3)."""
    if cfg.k_grid:
        grid = cfg.k_grid
    else:
        base = math.sqrt(n) / 4
        grid = [max(3, round(f * base)) for f in (0.5, 0.625, 0.75, 0.875, 1.0, 1.25, 1.5, 2.0)]
    return sorted({k for k in grid if 2 <= k < n})


def _words(
    x: sparse.csr_matrix, labels: np.ndarray, vocab: Mapping[str, int], cfg: TopicConfig
) -> dict[int, list[str]]:
    if cfg.binary_counts:  # as BERTopicModel(binary_counts=True): segments, not occurrences
        x = x.copy()
        x.data = np.ones_like(x.data)
    return class_tfidf_words(x, labels, vocab, 25, cfg.bm25_weighting, cfg.reduce_frequent_words)


def generic_pass(
    labels: np.ndarray, doc_term: sparse.csr_matrix, vocab: Mapping[str, int], cfg: TopicConfig
) -> tuple[dict[str, str], dict[int, list[str]]]:
    """Generic words of the clustering ``labels`` (``cfg.generic_passes`` rounds of
    :func:`generic_words`, each on the c-TF-IDF words left by the previous one) and the
    clusters' c-TF-IDF words without them."""
    generic: dict[str, str] = {}
    kept, x = dict(vocab), doc_term
    for round_ in range(1, cfg.generic_passes + 1):
        found = generic_words(
            _words(x, labels, kept, cfg),
            x,
            kept,
            labels,
            cfg.generic_topic_share,
            cfg.generic_document_share,
        )
        generic.update({w: f"{why} (round {round_})" for w, why in found.items()})
        kept, x = restrict(vocab, doc_term, generic)
    return generic, _words(x, labels, kept, cfg)


def choose_k(
    embeddings: np.ndarray,
    doc_term: sparse.csr_matrix,
    vocab: Mapping[str, int],
    cfg: TopicConfig,
    seed: int,
) -> tuple[int, dict[str, str], list[dict[str, Any]]]:
    """The number of topics and the generic words.

    For each candidate k (``cfg.n_topics`` alone when set): k-means (``seed``) in
    :func:`kmeans_space`, c-TF-IDF words, generic words (:func:`generic_pass`) removed, then
    topic quality = mean NPMI (top 10) x diversity (top 25) of the remaining c-TF-IDF words
    (Dieng et al. 2020), a topic left without two words counting as NPMI -1 (so a k that splits
    a theme, whose words then look generic, loses). The best k wins (ties: the smaller k).

    Returns
    -------
    k, generic words (word -> reason), and one row per candidate.
    """
    from sklearn.cluster import KMeans

    z = kmeans_space(embeddings, cfg.pca_components)
    n = len(z)
    grid = [min(cfg.n_topics, n - 1)] if cfg.n_topics else k_grid(n, cfg)
    rows, generic_of = [], {}
    for k in grid:
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(z)
        generic, words = generic_pass(labels, doc_term, vocab, cfg)
        npmi = npmi_coherence(words, doc_term, vocab, top_n=10)
        # a topic left with fewer than two words (its words were all generic) scores -1
        mean_npmi = float(np.mean([npmi.get(t, -1.0) for t in range(k)]))
        div = topic_diversity(words, top_n=25)
        div = 0.0 if math.isnan(div) else div
        rows.append(
            {
                "k": int(k),
                "npmi_top10": round(mean_npmi, 6),
                "diversity_top25": round(div, 6),
                "quality": round(mean_npmi * div, 6),
                "n_generic_words": len(generic),
            }
        )
        generic_of[k] = generic
    best = max(rows, key=lambda r: (r["quality"], -r["k"]))
    return best["k"], generic_of[best["k"]], rows
