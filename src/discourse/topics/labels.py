"""Topic labels a researcher can print: BERTopic's MaximalMarginalRelevance over c-TF-IDF words.

The metrics (NPMI, diversity) always score the c-TF-IDF words; labels only re-order them. MMR
picks, among a topic's top c-TF-IDF words, those closest in meaning to the topic (the embedding
of its words) that are not near-synonyms of words already picked, so a label reads
"no contact, unblock, texts" rather than "ex, exes, ex girlfriend".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["mmr_words", "short_label", "topic_labels"]


def short_label(words: list[str], n: int = 3) -> str:
    """A short topic label: the first ``n`` top words, skipping words already contained in a
    chosen phrase (``"no contact rule"`` makes ``"rule"`` redundant)."""
    chosen: list[str] = []
    for w in words:
        tokens = set(w.split())
        if any(tokens <= set(c.split()) for c in chosen):
            continue
        chosen = [c for c in chosen if not set(c.split()) <= tokens]
        chosen.append(w)
        if len(chosen) == n:
            break
    return ", ".join(chosen)


class _WordEmbeddings:
    """The two members of a BERTopic model that its representation models use to embed words,
    backed by the run's embedder (``encode(texts) -> array``)."""

    def __init__(self, embedder: Any) -> None:
        self.embedding_model = embedder

    def _extract_embeddings(self, docs: Any, method: str = "word", verbose: bool = False) -> Any:
        docs = [docs] if isinstance(docs, str) else list(docs)
        return np.asarray(self.embedding_model.encode(docs), dtype=np.float64)


def mmr_words(
    topic_words: Mapping[int, Sequence[str]],
    embedder: Any,
    diversity: float = 0.5,
    candidates: int = 10,
    top_n: int = 5,
) -> dict[int, list[str]]:
    """Per topic, ``top_n`` of its first ``candidates`` words chosen by BERTopic's
    :class:`~bertopic.representation.MaximalMarginalRelevance` (kept in c-TF-IDF order)."""
    from bertopic.representation import MaximalMarginalRelevance

    topics = {
        t: [(w, 1.0) for w in list(ws)[:candidates]]
        for t, ws in topic_words.items()
        if t != -1 and len(ws) > 0
    }
    if not topics:
        return {}
    host = _WordEmbeddings(embedder)
    out: dict[int, list[str]] = {}
    for t, words in sorted(topics.items()):
        model = MaximalMarginalRelevance(diversity=diversity, top_n_words=min(top_n, len(words)))
        out[t] = [w for w, _ in model.extract_topics(host, None, None, {t: words})[t]]
    return out


def topic_labels(
    topic_words: Mapping[int, Sequence[str]],
    embedder: Any = None,
    representation: str = "mmr",
    diversity: float = 0.5,
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Short labels (3 terms) and label words (up to 5) per topic; the outlier topic -1 is
    labelled ``"outliers"``. ``representation="ctfidf"`` or no embedder: the c-TF-IDF words."""
    words = {t: list(ws) for t, ws in topic_words.items() if t != -1}
    if representation == "mmr" and embedder is not None:
        chosen = mmr_words(words, embedder, diversity=diversity)
    else:
        chosen = {t: ws[:5] for t, ws in words.items()}
    labels = {t: short_label(ws or words.get(t, [])) for t, ws in chosen.items()}
    labels[-1] = "outliers"
    return labels, chosen
