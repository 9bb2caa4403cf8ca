"""Topic models on the constructed corpus: the known partition, save/load, transform."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from _topic_corpus import THEMES, make_corpus
from discourse.config import TopicConfig
from discourse.errors import InputError, StageSkipped
from discourse.topics import (
    BERTopicModel,
    LDATopicModel,
    NMFTopicModel,
    load_topic_model,
    topic_models,
)
from discourse.topics.presets import preset_for, resolve_params
from discourse.topics.vectorize import make_count_vectorizer


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], np.ndarray, np.ndarray, dict[str, int]]:
    texts, vecs, truth = make_corpus()
    vocab = make_count_vectorizer(min_df=2).fit(texts).vocabulary_
    return texts, vecs, truth, {str(k): int(v) for k, v in sorted(vocab.items())}


def _bertopic(vocab: dict[str, int], seed: int = 1) -> BERTopicModel:
    return BERTopicModel(
        vocabulary=vocab,
        umap={"n_neighbors": 10, "n_components": 5, "min_dist": 0.0, "metric": "cosine"},
        hdbscan={"min_cluster_size": 5, "min_samples": 1},
        seed=seed,
    )


def _theme_of(words: list[str]) -> str:
    hits = {name: sum(w in ws for w in words[:5]) for name, ws in THEMES.items()}
    return max(hits, key=hits.get)


def test_bertopic_recovers_the_known_partition(corpus) -> None:
    texts, vecs, truth, vocab = corpus
    model = _bertopic(vocab).fit(texts, vecs)
    assert model.n_topics_ == 3
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)
    themes = {_theme_of([w for w, _ in model.topic_words_[t]]) for t in range(3)}
    assert themes == set(THEMES)
    assert all(
        w not in {"breakup", "ex", "week"} for t in range(3) for w, _ in model.topic_words_[t][:3]
    )
    assert ((model.probabilities_ > 0) & (model.probabilities_ <= 1.0 + 1e-9)).all()
    assert set(model.assignment_) <= {"cluster", "outlier_reduced", "outlier"}
    for t, reps in model.representatives_.items():
        assert len(reps) == 3 and all(model.labels_[i] == t for i in reps)


@pytest.mark.parametrize("cls", [NMFTopicModel, LDATopicModel])
def test_baselines_recover_the_known_partition(corpus, cls) -> None:
    texts, _, truth, vocab = corpus
    model = cls(vocabulary=vocab, n_topics=3, seed=3).fit(texts)
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)
    assert {_theme_of([w for w, _ in model.topic_words_[t]]) for t in range(3)} == set(THEMES)
    sizes = np.bincount(model.labels_)
    assert list(sizes) == sorted(sizes, reverse=True)  # topic 0 is the largest


def test_documents_without_vocabulary_words_are_outliers_in_baselines(corpus) -> None:
    texts, _, _, vocab = corpus
    model = NMFTopicModel(vocabulary=vocab, n_topics=3).fit([*texts, "zzz qqq"])
    assert model.labels_[-1] == -1 and model.assignment_[-1] == "no_terms"
    assert model.probabilities_[-1] == 0.0


def test_save_load_round_trip(corpus, tmp_path: Path) -> None:
    texts, vecs, _, vocab = corpus
    fitted = {
        "bertopic": _bertopic(vocab).fit(texts, vecs),
        "nmf": NMFTopicModel(vocabulary=vocab, n_topics=3).fit(texts),
        "lda": LDATopicModel(vocabulary=vocab, n_topics=3, seed=3).fit(texts),
    }
    for name, model in fitted.items():
        model.save(tmp_path / name)
        loaded = load_topic_model(tmp_path / name)
        assert type(loaded) is type(model)
        assert loaded.n_topics_ == model.n_topics_
        for t in range(model.n_topics_):
            assert [w for w, _ in loaded.topic_words_[t]] == [w for w, _ in model.topic_words_[t]]
        # on the training texts the loaded model gives the fitted assignments
        assert (loaded.transform(texts, vecs) == model.labels_).all(), name
        if name == "bertopic":
            assert (tmp_path / name / "bertopic" / "topic_embeddings.safetensors").is_file()
    # saving again replaces the folder as a whole
    fitted["nmf"].save(tmp_path / "nmf")
    assert sorted(p.name for p in (tmp_path / "nmf").iterdir()) == [
        "discourse_topics.json",
        "weights.safetensors",
    ]


def test_kmeans_fallback_when_hdbscan_finds_one_topic(corpus) -> None:
    texts, vecs, _, vocab = corpus
    model = BERTopicModel(
        vocabulary=vocab,
        umap={"n_neighbors": 10, "n_components": 5, "min_dist": 0.0, "metric": "cosine"},
        hdbscan={"min_cluster_size": 30, "min_samples": 1},  # too big: one cluster at best
        fallback_min_topics=3,
    ).fit(texts, vecs)
    assert model.clusterer_.startswith("kmeans_fallback")
    assert model.n_topics_ >= 3 and (model.labels_ != -1).all()


def test_registry_and_presets() -> None:
    assert topic_models.names() == ["bertopic", "lda", "nmf"]
    with pytest.raises(KeyError, match="valid options: bertopic, lda, nmf"):
        topic_models.get("top2vec")
    assert preset_for(107) == "small" and preset_for(1099) == "medium"
    assert preset_for(50_000) == "large"
    cfg = TopicConfig()
    assert resolve_params(107, cfg).hdbscan["min_cluster_size"] == 5
    assert resolve_params(5_000, cfg).hdbscan["min_cluster_size"] == 50  # 1% of the corpus
    cfg.hdbscan.min_cluster_size = 7
    cfg.umap.n_neighbors = 4
    p = resolve_params(5_000, cfg)
    assert p.hdbscan["min_cluster_size"] == 7 and p.umap["n_neighbors"] == 4
    assert p.preset == "medium"


def test_too_few_documents_is_a_clear_error(corpus) -> None:
    texts, vecs, _, vocab = corpus
    with pytest.raises(StageSkipped, match="at least 10 documents"):
        _bertopic(vocab).fit(texts[:5], vecs[:5])
    with pytest.raises(InputError, match="5 texts but 60 embeddings"):
        _bertopic(vocab).fit(texts[:5], vecs)
    with pytest.raises(StageSkipped, match="needs at least n_topics=8 documents"):
        NMFTopicModel(vocabulary=vocab, n_topics=8).fit(texts[:5])


def test_kmeans_clusterer_with_segment_counts_recovers_the_partition(corpus, tmp_path) -> None:
    texts, vecs, truth, vocab = corpus
    model = BERTopicModel(
        vocabulary=vocab,
        umap={},
        hdbscan={},
        clusterer="kmeans",
        n_clusters=3,
        binary_counts=True,
        seed=3,
    ).fit(texts, vecs)
    assert model.clusterer_ == "kmeans(k=3, pca=10)" and set(model.assignment_) == {"cluster"}
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)
    themes = {_theme_of([w for w, _ in model.topic_words_[t]]) for t in range(3)}
    assert themes == set(THEMES)
    # the saved BERTopic holds the segment-count c-TF-IDF words
    model.save(tmp_path / "m")
    loaded = load_topic_model(tmp_path / "m")
    assert loaded.topic_words_[0][:5] == model.topic_words_[0][:5]
