"""Topic models with one interface: BERTopic on precomputed embeddings, and NMF / LDA baselines.

Each model follows the scikit-learn pattern: the constructor only stores arguments, ``fit``
learns, and fitted state ends in ``_``:

- ``labels_``: topic per document (-1 = outlier);
- ``probabilities_``: membership strength of that topic (see each class);
- ``assignment_``: how the topic was given (``cluster``, ``outlier_reduced``, ``outlier``,
  ``kmeans_fallback``, ``argmax``, ``no_terms``);
- ``topic_words_``: topic -> [(word, weight), ...], best first;
- ``representatives_``: topic -> document indices, most typical first.

Topic ids are ordered by size (0 = largest), ties broken by the first document in the topic,
so two fits that find the same partition number it the same way.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import math
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from discourse.errors import InputError, StageSkipped
from discourse.registry import Registry
from discourse.topics.corpus import PhraseAnalyzer, count_vectorizer, tfidf_vectorizer

__all__ = ["BERTopicModel", "LDATopicModel", "NMFTopicModel", "load_topic_model", "topic_models"]

topic_models: Registry[type] = Registry(
    "topic model",
    {
        "role": "'headline' (topics.parquet) or 'baseline' (baseline_topics.parquet)",
        "matrix": "what it is fitted on: 'embeddings', or the document-term matrix a baseline "
        "factorises: 'tfidf' or 'counts'",
    },
)

_META = "discourse_topics.json"


def _relabel_by_size(labels: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Renumber non-negative labels 0..k-1 by size (desc), ties by first occurrence."""
    ids = [t for t in dict.fromkeys(labels.tolist()) if t != -1]
    sizes = {t: int((labels == t).sum()) for t in ids}
    order = sorted(ids, key=lambda t: (-sizes[t], ids.index(t)))
    mapping = {old: new for new, old in enumerate(order)}
    mapping[-1] = -1
    return np.array([mapping[t] for t in labels.tolist()], dtype=np.int64), mapping


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _centroid_scores(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, dict]:
    """Cosine similarity of each document to its topic's centroid, and the centroids."""
    emb = _normalise(np.asarray(embeddings, dtype=np.float64))
    centroids = {
        int(t): _normalise(emb[labels == t].mean(axis=0, keepdims=True))[0]
        for t in sorted(set(labels.tolist()))
        if t != -1
    }
    scores = np.array(
        [float(emb[i] @ centroids[t]) if t != -1 else 0.0 for i, t in enumerate(labels.tolist())]
    )
    return scores, centroids


def _top_by_score(labels: np.ndarray, scores: np.ndarray, n: int) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for t in sorted(set(labels.tolist())):
        if t == -1:
            continue
        idx = np.flatnonzero(labels == t)
        order = sorted(idx.tolist(), key=lambda i: (-round(float(scores[i]), 12), i))
        out[int(t)] = order[:n]
    return out


def _atomic_dir(path: Path, write: Any) -> None:
    """Write a folder via ``write(tmp_folder)`` and move it into place as a whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        write(tmp)
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _below_error(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


@contextlib.contextmanager
def _quiet_bertopic() -> Any:
    """Drop BERTopic's advisory warnings (custom assignments, no embedding model saved): both
    are expected here, since outliers are reassigned on purpose and embeddings are always
    passed in. A filter, because BERTopic resets its logger's level in its constructor."""
    log = logging.getLogger("BERTopic")
    log.addFilter(_below_error)
    try:
        with warnings.catch_warnings():
            # UMAP: "n_jobs value 1 overridden to 1 by setting random_state" (seeded = serial)
            warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
            yield
    finally:
        log.removeFilter(_below_error)


class _TopicModel:
    name = "base"
    n_topics_: int

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (read from the signature, as scikit-learn does)."""
        names = inspect.signature(type(self).__init__).parameters
        return {k: getattr(self, k) for k in names if k != "self"}

    def _analyzer(self) -> PhraseAnalyzer:
        return PhraseAnalyzer(
            n_gram_range=tuple(self.n_gram_range),
            extra_stop_words=list(self.extra_stop_words),
            pseudonym_prefix=self.pseudonym_prefix,
        )


@topic_models.register(
    "bertopic",
    version="1",
    description="BERTopic on MiniLM embeddings: PCA + k-means or UMAP + HDBSCAN, c-TF-IDF",
    role="headline",
    matrix="embeddings",
)
class BERTopicModel(_TopicModel):
    """BERTopic on precomputed sentence embeddings.

    Parameters
    ----------
    vocabulary
        Fixed word -> column map (chosen on the segments with ``min_df``; c-TF-IDF then ranks
        only those words, so rare one-off words do not become topic words).
    umap, hdbscan
        Keyword arguments of ``umap.UMAP`` and ``hdbscan.HDBSCAN``.
    nr_topics
        BERTopic's topic reduction (``None``, an int or ``"auto"``).
    reduce_outliers, outlier_threshold
        Reassign outliers to the topic whose embedding is most similar, if at least this similar.
    fallback_min_topics
        Fewer topics than this from HDBSCAN: cluster the UMAP space with k-means instead.
    top_n_words, n_representative
        Words and representative documents kept per topic.
    clusterer, n_clusters, pca_components
        ``"hdbscan"``: BERTopic's UMAP + HDBSCAN; ``"kmeans"``: PCA (``pca_components``) of the
        unit-length embeddings and k-means with ``n_clusters`` as BERTopic's clustering parts.
    binary_counts
        c-TF-IDF on 0/1 counts (segments containing a word) instead of occurrences.
    bm25_weighting, reduce_frequent_words
        c-TF-IDF options (both on: on the bundled corpus they raised topic diversity from 0.47
        to 0.75, where plain c-TF-IDF put "time" and "want" at the top of most topics).
    n_gram_range, extra_stop_words, pseudonym_prefix
        Tokenisation (see :mod:`discourse.topics.vectorize`).
    seed
        UMAP and k-means random state.

    Notes
    -----
    ``probabilities_`` is the HDBSCAN membership probability for clustered documents, and the
    cosine similarity to the topic centroid for reassigned outliers and the k-means fallback.
    """

    name = "bertopic"

    def __init__(
        self,
        vocabulary: dict[str, int],
        umap: dict[str, Any],
        hdbscan: dict[str, Any],
        nr_topics: int | str | None = None,
        reduce_outliers: bool = True,
        outlier_threshold: float = 0.3,
        fallback_min_topics: int = 2,
        top_n_words: int = 25,
        n_representative: int = 3,
        n_gram_range: Sequence[int] = (1, 2),
        extra_stop_words: Sequence[str] = (),
        pseudonym_prefix: str = "P-",
        seed: int = 13,
        bm25_weighting: bool = True,
        reduce_frequent_words: bool = True,
        clusterer: str = "hdbscan",
        n_clusters: int | None = None,
        pca_components: int = 10,
        binary_counts: bool = False,
    ) -> None:
        self.vocabulary = vocabulary
        self.binary_counts = binary_counts
        self.clusterer = clusterer
        self.n_clusters = n_clusters
        self.pca_components = pca_components
        self.bm25_weighting = bm25_weighting
        self.reduce_frequent_words = reduce_frequent_words
        self.umap = umap
        self.hdbscan = hdbscan
        self.nr_topics = nr_topics
        self.reduce_outliers = reduce_outliers
        self.outlier_threshold = outlier_threshold
        self.fallback_min_topics = fallback_min_topics
        self.top_n_words = top_n_words
        self.n_representative = n_representative
        self.n_gram_range = n_gram_range
        self.extra_stop_words = extra_stop_words
        self.pseudonym_prefix = pseudonym_prefix
        self.seed = seed

    def _vectorizer(self) -> Any:
        return count_vectorizer(self._analyzer(), vocabulary=self.vocabulary)

    def _ctfidf(self) -> Any:
        from bertopic.vectorizers import ClassTfidfTransformer

        return ClassTfidfTransformer(
            reduce_frequent_words=self.reduce_frequent_words, bm25_weighting=self.bm25_weighting
        )

    def _bertopic(self, n: int, cluster_model: Any, reducer: Any = None) -> Any:
        from bertopic import BERTopic
        from umap import UMAP

        params = dict(self.umap)
        params["n_neighbors"] = min(int(params.get("n_neighbors", 15)), n - 1)
        params["n_components"] = min(int(params.get("n_components", 5)), n - 2)
        if reducer is None:
            reducer = UMAP(random_state=self.seed, **params)
        # language=None: BERTopic's English preprocessing deletes every non-alphanumeric
        # character before c-TF-IDF ("self-care" -> "selfcare", "P-1a2b..." -> "P1a2b..."), so
        # its tokens would not match ours; our vectorizer's preprocessor does the cleaning.
        # Embeddings are always passed in, so the language never selects an embedding model.
        return BERTopic(
            language=None,
            umap_model=reducer,
            hdbscan_model=cluster_model,
            vectorizer_model=self._vectorizer(),
            ctfidf_model=self._ctfidf(),
            top_n_words=self.top_n_words,
            nr_topics=self.nr_topics,
            calculate_probabilities=False,
        )

    def fit(self, texts: Sequence[str], embeddings: np.ndarray) -> BERTopicModel:
        """Fit on ``texts`` with their precomputed ``embeddings`` (one row per text)."""
        texts = list(texts)
        embeddings = np.asarray(embeddings, dtype=np.float32)
        n = len(texts)
        if embeddings.shape[0] != n:
            raise InputError(f"{n} texts but {embeddings.shape[0]} embeddings")
        if n < 10:
            raise StageSkipped(f"BERTopic needs at least 10 documents, got {n}")
        params = {"metric": "euclidean", "prediction_data": True, **self.hdbscan}
        params["min_cluster_size"] = min(int(params.get("min_cluster_size", 10)), max(2, n // 2))
        with _quiet_bertopic():
            return self._fit(texts, embeddings, n, params)

    def _fit(self, texts: list[str], embeddings: np.ndarray, n: int, params: dict) -> Any:
        from hdbscan import HDBSCAN
        from sklearn.cluster import KMeans

        if self.clusterer == "kmeans":
            model, topics, probs, clusterer = self._fit_kmeans(texts, embeddings, n)
        else:
            model = self._bertopic(n, HDBSCAN(**params))
            topics, probs = model.fit_transform(texts, embeddings)
            topics = np.asarray(topics)
            clusterer = "hdbscan"
        if clusterer == "hdbscan" and len(set(topics.tolist()) - {-1}) < self.fallback_min_topics:
            k = int(min(20, max(self.fallback_min_topics, round(math.sqrt(n / 5)))))
            model = self._bertopic(n, KMeans(n_clusters=k, n_init=10, random_state=self.seed))
            topics, probs = model.fit_transform(texts, embeddings)
            topics = np.asarray(topics)
            clusterer = f"kmeans_fallback(k={k})"
        kind = np.where(topics == -1, "outlier", "cluster").astype(object)
        if clusterer.startswith("kmeans_fallback"):
            kind[:] = "kmeans_fallback"
        if self.reduce_outliers and (topics == -1).any() and (topics != -1).any():
            new = np.asarray(
                model.reduce_outliers(
                    texts,
                    topics.tolist(),
                    strategy="embeddings",
                    embeddings=embeddings,
                    threshold=self.outlier_threshold,
                )
            )
            kind[(topics == -1) & (new != -1)] = "outlier_reduced"
            if (new != topics).any():
                model.update_topics(
                    texts,
                    topics=new.tolist(),
                    top_n_words=self.top_n_words,
                    vectorizer_model=self._vectorizer(),
                    ctfidf_model=self._ctfidf(),  # update_topics resets it to the default
                )
            topics = new
        if self.binary_counts:
            self._segment_ctfidf(model, texts, topics)
        labels, mapping = _relabel_by_size(topics)
        scores, centroids = _centroid_scores(embeddings, labels)
        prob = scores.copy()
        if probs is not None and clusterer == "hdbscan":
            probs = np.asarray(probs, dtype=np.float64).reshape(n, -1)
            hdb = probs.max(axis=1) if probs.shape[1] > 1 else probs[:, 0]
            prob = np.where(kind == "cluster", hdb, prob)
        prob[labels == -1] = 0.0
        self.model_ = model
        self.topic_mapping_ = mapping
        self.centroids_ = centroids
        self.labels_ = labels
        self.probabilities_ = prob
        self.assignment_ = kind.astype(str)
        self.clusterer_ = clusterer
        self.n_topics_ = len(set(labels.tolist()) - {-1})
        self.topic_words_ = {
            new_id: [(w, float(s)) for w, s in (model.get_topic(old) or []) if w]
            for old, new_id in mapping.items()
            if new_id != -1 or (labels == -1).any()
        }
        self.representatives_ = _top_by_score(labels, scores, self.n_representative)
        return self

    def _segment_ctfidf(self, model: Any, texts: list[str], topics: np.ndarray) -> None:
        """Recompute the topics' c-TF-IDF (BERTopic's ``ClassTfidfTransformer``) from the
        number of segments of each topic that contain a word, not from its occurrences in the
        topic's joined text, and store it in the BERTopic model (``c_tf_idf_``,
        ``topic_representations_``), as BERTopic's own c-TF-IDF step would."""
        from scipy import sparse

        x = count_vectorizer(self._analyzer(), vocabulary=self.vocabulary, binary=True)
        x = x.fit_transform(texts)
        ids = sorted(set(topics.tolist()))
        rows = np.searchsorted(ids, topics)
        member = sparse.csr_matrix(
            (np.ones(len(topics)), (rows, np.arange(len(topics)))), shape=(len(ids), len(topics))
        )
        ctfidf = self._ctfidf()
        scores = sparse.csr_matrix(ctfidf.fit_transform(sparse.csr_matrix(member @ x)))
        words = np.empty(len(self.vocabulary), dtype=object)
        for w, i in self.vocabulary.items():
            words[i] = w
        reps = {}
        for row, t in enumerate(ids):
            s = scores[row].toarray().ravel()
            order = np.lexsort((words, -s))[: self.top_n_words]
            reps[int(t)] = [(str(words[j]), float(s[j])) for j in order if s[j] > 0]
        model.ctfidf_model = ctfidf
        model.c_tf_idf_ = scores
        model.topic_representations_ = reps

    def _fit_kmeans(
        self, texts: list[str], embeddings: np.ndarray, n: int
    ) -> tuple[Any, np.ndarray, None, str]:
        """BERTopic with PCA (on unit-length embeddings) and k-means as its clustering parts:
        no outliers, and far less seed-dependent than UMAP + HDBSCAN."""
        from sklearn.cluster import KMeans
        from sklearn.decomposition import PCA
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import Normalizer

        k = int(min(self.n_clusters or 10, n - 1))
        dims = int(min(self.pca_components, n - 1, embeddings.shape[1]))
        reducer = make_pipeline(Normalizer(), PCA(n_components=dims, random_state=0))
        model = self._bertopic(n, KMeans(n_clusters=k, n_init=10, random_state=self.seed), reducer)
        topics, _ = model.fit_transform(texts, embeddings)
        return model, np.asarray(topics), None, f"kmeans(k={k}, pca={dims})"

    def save(self, path: str | Path) -> None:
        """Save with BERTopic's safetensors serialisation plus this wrapper's metadata."""
        meta = {
            "model": self.name,
            "params": _jsonable(self.get_params()),
            "topic_mapping": {str(k): v for k, v in self.topic_mapping_.items()},
            "clusterer": self.clusterer_,
            "n_topics": self.n_topics_,
        }

        def write(tmp: Path) -> None:
            with _quiet_bertopic():
                self.model_.save(
                    str(tmp / "bertopic"),
                    serialization="safetensors",
                    save_ctfidf=True,
                    save_embedding_model=False,
                )
            (tmp / _META).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")

        _atomic_dir(Path(path), write)

    @classmethod
    def load(cls, path: str | Path) -> BERTopicModel:
        """Load a model written by :meth:`save` (no download: embeddings are passed in)."""
        from bertopic import BERTopic

        path = Path(path)
        meta = json.loads((path / _META).read_text(encoding="utf-8"))
        if not (path / "bertopic" / "topics.json").is_file():
            # BERTopic.load unpickles a file; only the safetensors folder form is accepted
            raise InputError(f"{path / 'bertopic'} is not a safetensors BERTopic folder")
        self = cls(**meta["params"])
        with _quiet_bertopic():
            self.model_ = BERTopic.load(str(path / "bertopic"))
        self.model_.vectorizer_model = self._vectorizer()
        self.model_.vectorizer_model.fit(["placeholder"])  # fixed vocabulary: fit only validates
        self.topic_mapping_ = {int(k): v for k, v in meta["topic_mapping"].items()}
        self.clusterer_ = meta["clusterer"]
        self.n_topics_ = meta["n_topics"]
        self.topic_words_ = {
            new: [(w, float(s)) for w, s in (self.model_.get_topic(old) or []) if w]
            for old, new in self.topic_mapping_.items()
        }
        return self

    def transform(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Topics of new documents: the most similar topic centroid (cosine), or -1 below
        ``outlier_threshold``, the rule outlier reduction uses. A loaded model, which has no
        centroids, uses BERTopic's nearest topic embedding.

        HDBSCAN's approximate prediction is not used: it sends most new documents of a small
        fit to the outlier topic.
        """
        centroids = getattr(self, "centroids_", None)
        if centroids:
            ids = sorted(centroids)
            c = np.stack([centroids[t] for t in ids])
            sim = _normalise(np.asarray(embeddings, dtype=np.float64)) @ c.T
            best = sim.argmax(axis=1)
            out = np.array([ids[j] for j in best], dtype=np.int64)
            out[sim[np.arange(len(out)), best] < self.outlier_threshold] = -1
            return out
        topics, _ = self.model_.transform(list(texts), np.asarray(embeddings, dtype=np.float32))
        return np.array([self.topic_mapping_.get(int(t), -1) for t in topics], dtype=np.int64)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


class _MatrixTopicModel(_TopicModel):
    """Shared code of the NMF and LDA baselines (a document-topic weight matrix)."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        n_topics: int = 10,
        top_n_words: int = 25,
        n_representative: int = 3,
        n_gram_range: Sequence[int] = (1, 2),
        extra_stop_words: Sequence[str] = (),
        pseudonym_prefix: str = "P-",
        seed: int = 13,
        max_iter: int = 1000,
    ) -> None:
        self.vocabulary = vocabulary
        self.n_topics = n_topics
        self.top_n_words = top_n_words
        self.n_representative = n_representative
        self.n_gram_range = n_gram_range
        self.extra_stop_words = extra_stop_words
        self.pseudonym_prefix = pseudonym_prefix
        self.seed = seed
        self.max_iter = max_iter

    def _new_vectorizer(self) -> Any:
        make = _VECTORIZERS[topic_models.capabilities(self.name)["matrix"]]
        return make(self._analyzer(), vocabulary=self.vocabulary)

    def _matrix(self, texts: Sequence[str], fit: bool) -> Any:
        if fit:
            self.vectorizer_ = self._new_vectorizer()
            return self.vectorizer_.fit_transform(texts)
        return self.vectorizer_.transform(texts)

    def _fit_weights(self, x: Any) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def _weights(self, x: Any) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def fit(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> _MatrixTopicModel:
        """Fit on ``texts`` (``embeddings`` is accepted for a common interface and ignored)."""
        texts = list(texts)
        if len(texts) < self.n_topics:
            raise StageSkipped(f"{self.name} needs at least n_topics={self.n_topics} documents")
        x = self._matrix(texts, fit=True)
        w, h = self._fit_weights(x)
        has_terms = np.asarray(x.sum(axis=1)).ravel() > 0
        raw = np.where(has_terms, w.argmax(axis=1), -1)
        labels, mapping = _relabel_by_size(raw)
        order = [old for old, new in sorted(mapping.items(), key=lambda kv: kv[1]) if new != -1]
        unused = [t for t in range(h.shape[0]) if t not in mapping]
        perm = order + unused
        self.components_ = h[perm]
        w = w[:, perm]
        totals = w.sum(axis=1)
        share = np.divide(w, totals[:, None], out=np.zeros_like(w), where=totals[:, None] > 0)
        prob = np.where(labels >= 0, share[np.arange(len(labels)), np.maximum(labels, 0)], 0.0)
        self.labels_ = labels
        self.probabilities_ = prob
        self.assignment_ = np.where(has_terms, "argmax", "no_terms")
        self.n_topics_ = len(set(labels.tolist()) - {-1})
        self.topic_words_ = self._topic_words()
        self.representatives_ = _top_by_score(labels, prob, self.n_representative)
        return self

    def _topic_words(self) -> dict[int, list[tuple[str, float]]]:
        vocab = np.empty(len(self.vocabulary), dtype=object)
        for word, col in self.vocabulary.items():
            vocab[col] = word
        out: dict[int, list[tuple[str, float]]] = {}
        for t in range(self.n_topics_):
            row = self.components_[t]
            top = sorted(range(len(row)), key=lambda j: (-row[j], vocab[j]))[: self.top_n_words]
            out[t] = [(str(vocab[j]), float(row[j])) for j in top if row[j] > 0]
        return out

    def transform(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Topic of each new document (-1 when it has none of the vocabulary's words)."""
        x = self._matrix(list(texts), fit=False)
        w = self._weights(x)[:, : self.n_topics_]
        has_terms = np.asarray(x.sum(axis=1)).ravel() > 0
        return np.where(has_terms, w.argmax(axis=1), -1).astype(np.int64)

    def save(self, path: str | Path) -> None:
        """Save as safetensors (weights) plus JSON (parameters)."""
        from safetensors.numpy import save_file

        tensors = {"components": np.ascontiguousarray(self.components_, dtype=np.float64)}
        tensors.update(self._extra_tensors())
        meta = {
            "model": self.name,
            "params": _jsonable(self.get_params()),
            "n_topics": self.n_topics_,
        }

        def write(tmp: Path) -> None:
            save_file(tensors, str(tmp / "weights.safetensors"))
            (tmp / _META).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")

        _atomic_dir(Path(path), write)

    def _extra_tensors(self) -> dict[str, np.ndarray]:
        return {}

    @classmethod
    def load(cls, path: str | Path) -> _MatrixTopicModel:
        """Load a model written by :meth:`save`."""
        from safetensors.numpy import load_file

        path = Path(path)
        meta = json.loads((path / _META).read_text(encoding="utf-8"))
        self = cls(**meta["params"])
        tensors = load_file(str(path / "weights.safetensors"))
        self.components_ = tensors["components"]
        self.n_topics_ = meta["n_topics"]
        self._restore(tensors)
        self.topic_words_ = self._topic_words()
        return self

    def _restore(self, tensors: dict[str, np.ndarray]) -> None:
        pass


_VECTORIZERS = {"tfidf": tfidf_vectorizer, "counts": count_vectorizer}


@topic_models.register(
    "nmf",
    version="1",
    description="NMF on TF-IDF (scikit-learn)",
    role="baseline",
    matrix="tfidf",
)
class NMFTopicModel(_MatrixTopicModel):
    """Non-negative matrix factorisation of the TF-IDF matrix (the classical baseline).

    ``probabilities_`` is the assigned topic's share of the document's NMF weights.
    """

    def _fit_weights(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.decomposition import NMF
        from sklearn.exceptions import ConvergenceWarning

        nmf = NMF(
            n_components=self.n_topics,
            init="nndsvdar",
            random_state=self.seed,
            max_iter=self.max_iter,
        )
        with warnings.catch_warnings():  # recorded in converged_ (and topic_metrics.json)
            warnings.simplefilter("ignore", ConvergenceWarning)
            w = nmf.fit_transform(x)
        self.n_iter_ = int(nmf.n_iter_)
        self.converged_ = self.n_iter_ < self.max_iter
        return w, nmf.components_

    def _weights(self, x: Any) -> np.ndarray:
        from sklearn.decomposition import non_negative_factorization

        w, _, _ = non_negative_factorization(
            x,
            H=self.components_,
            n_components=self.components_.shape[0],
            init="custom",
            update_H=False,
            max_iter=self.max_iter,
            random_state=self.seed,
        )
        return w

    def _extra_tensors(self) -> dict[str, np.ndarray]:
        return {"idf": np.ascontiguousarray(self.vectorizer_.idf_, dtype=np.float64)}

    def _restore(self, tensors: dict[str, np.ndarray]) -> None:
        self.vectorizer_ = self._new_vectorizer()
        self.vectorizer_.fit(["placeholder"])  # fixed vocabulary: fit only validates
        self.vectorizer_.idf_ = tensors["idf"]


@topic_models.register(
    "lda",
    version="1",
    description="LDA on word counts (scikit-learn)",
    role="baseline",
    matrix="counts",
)
class LDATopicModel(_MatrixTopicModel):
    """Latent Dirichlet allocation (batch variational Bayes) on word counts.

    ``probabilities_`` is the assigned topic's share in the document's topic distribution.
    """

    def fit(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> LDATopicModel:
        """Fit on ``texts``; the fitted LDA is rebuilt from the size-ordered components."""
        super().fit(texts, embeddings)
        self._restore({})
        return self

    def _fit_weights(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.decomposition import LatentDirichletAllocation

        self.lda_ = LatentDirichletAllocation(
            n_components=self.n_topics,
            learning_method="batch",
            max_iter=min(self.max_iter, 100),
            random_state=self.seed,
        )
        w = self.lda_.fit_transform(x)
        return w, self.lda_.components_

    def _weights(self, x: Any) -> np.ndarray:
        return self.lda_.transform(x)

    def _restore(self, tensors: dict[str, np.ndarray]) -> None:
        from scipy.special import digamma
        from sklearn.decomposition import LatentDirichletAllocation

        self.vectorizer_ = self._new_vectorizer()
        self.vectorizer_.fit(["placeholder"])  # fixed vocabulary: fit only validates
        lda = LatentDirichletAllocation(n_components=self.components_.shape[0])
        comp = self.components_
        lda.components_ = comp
        lda.exp_dirichlet_component_ = np.exp(
            digamma(comp) - digamma(comp.sum(axis=1))[:, np.newaxis]
        )
        lda.doc_topic_prior_ = 1.0 / comp.shape[0]
        lda.topic_word_prior_ = 1.0 / comp.shape[0]
        lda.n_features_in_ = comp.shape[1]
        lda.n_batch_iter_ = 1
        self.lda_ = lda


def load_topic_model(path: str | Path) -> Any:
    """Load any topic model saved by this package (the kind is read from its metadata)."""
    meta = json.loads((Path(path) / _META).read_text(encoding="utf-8"))
    return topic_models.get(meta["model"]).load(path)
