"""The topic vocabulary: field phrases, negation, adjacent n-grams, generic words, reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from discourse.config import TopicConfig
from discourse.errors import InputError, MissingInputError, StageSkipped
from discourse.topics.corpus import (
    PhraseAnalyzer,
    build_vocabulary,
    class_tfidf_words,
    generic_words,
    read_reference_corpus,
    restrict,
)
from discourse.topics.labels import short_label
from discourse.topics.selection import assess_documents, k_grid, remove_document_effects


def test_field_phrases_are_one_term_and_keep_their_no() -> None:
    terms = PhraseAnalyzer()("I did the No Contact rule. NC is hard, but I moved on.")
    assert "no contact" in terms and "no contact rule" in terms
    assert "contact rule" not in terms and "contact" not in terms
    assert "move on" in terms
    terms = PhraseAnalyzer()("How to get your ex back? Getting him back is not self-worth.")
    assert terms.count("get your ex back") == 2
    assert "self worth" in terms and "not self worth" in terms


def test_negation_opens_ngrams_but_other_stop_words_do_not() -> None:
    terms = PhraseAnalyzer()("I don't want you to want me. I am not ready.")
    assert "dont want" in terms and "not ready" in terms
    assert "want want" not in terms  # no bigram across a removed stop word
    assert "not" not in terms and "ready" in terms
    assert "ready ready" not in PhraseAnalyzer()("ready ready")  # no repeated-word bigram


def test_pseudonyms_and_masks_are_not_terms() -> None:
    terms = PhraseAnalyzer()("P-1a2b3c4d wrote to [email] at https://x.org about closure")
    assert terms == ["wrote", "closure"]


def test_build_vocabulary_min_documents_and_empty_vocabulary_skips() -> None:
    texts = ["no contact works", "no contact again", "gym alone"]
    vocab, x = build_vocabulary(texts, PhraseAnalyzer(), 2)
    assert vocab == {"no contact": 0}
    assert x.shape == (3, 1) and x[:, 0].toarray().ravel().tolist() == [1, 1, 0]
    with pytest.raises(StageSkipped, match="no words left for topic modelling"):
        build_vocabulary(["the and", "of it"], PhraseAnalyzer(), 1)
    with pytest.raises(StageSkipped, match="generic"):
        restrict(vocab, x, ["no contact"])


def test_generic_words_from_topics_and_documents_field_phrases_exempt() -> None:
    words = {0: ["years", "gym", "no contact"], 1: ["years", "sleep", "no contact"], 2: ["text"]}
    texts = ["years gym", "years sleep", "text night", "night years", "gym", "text"]
    labels = [0, 1, 2, 2, 0, 2]
    vocab, x = build_vocabulary(texts, PhraseAnalyzer(), 1)
    got = generic_words(words, x, vocab, labels, topic_share=0.5, document_share=0.9)
    assert set(got) == {"years"}  # top words of 2 of 3 topics; "no contact" is exempt
    assert "2/3 topics" in got["years"]
    # "years" is in >= half the segments of two of three topics; "gym", "text" of one only
    got = generic_words(words, x, vocab, labels, topic_share=0.9, document_share=0.4)
    assert got == {"years": "in more than 40% of the segments of 2/3 topics"}


def test_class_tfidf_words_rank_each_clusters_own_words() -> None:
    texts = ["gym cardio", "gym lifting", "sleep dream", "sleep pillow"]
    vocab, x = build_vocabulary(texts, PhraseAnalyzer(), 1)
    words = class_tfidf_words(x, np.array([0, 0, 1, -1]), vocab, top_n=3)
    assert set(words) == {0, 1} and len(words[0]) == 3
    assert all(set(w.split()) <= {"gym", "cardio", "lifting"} for w in words[0])
    assert all(set(w.split()) <= {"sleep", "dream"} for w in words[1])  # pillow: outlier


def test_reference_corpus_reading_and_errors(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("title,selftext\nhello,world\n,\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("a text file", encoding="utf-8")
    assert read_reference_corpus(tmp_path) == ["hello world", "a text file"]
    assert read_reference_corpus(tmp_path, max_documents=1) == ["hello world"]
    with pytest.raises(MissingInputError, match="does not exist"):
        read_reference_corpus(tmp_path / "nope")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "c.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no text, title or selftext column"):
        read_reference_corpus(tmp_path / "bad")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="has no documents"):
        read_reference_corpus(tmp_path / "empty")


def test_too_small_and_document_effects() -> None:
    cfg = TopicConfig(reference_corpus=None)
    few = assess_documents(["a"] * 30 + ["b"] * 30, cfg)
    assert few["too_small_for_topics"] and few["document_effects_removed"]
    assert "2 documents" in few["too_small_reasons"][0]
    many = assess_documents([str(i) for i in range(60)], cfg)
    assert not many["too_small_for_topics"] and not many["document_effects_removed"]
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(6, 4))
    emb[:3] += 5  # document a sits far from document b
    out = remove_document_effects(emb, ["a"] * 3 + ["b"] * 3)
    assert np.allclose(out[:3].mean(axis=0), out[3:].mean(axis=0), atol=1e-6)


def test_k_grid_grows_with_the_corpus() -> None:
    cfg = TopicConfig(reference_corpus=None)
    small, large = k_grid(1_000, cfg), k_grid(10_000, cfg)
    assert max(large) > 2 * max(small) and min(small) >= 3
    assert k_grid(1_000, TopicConfig(reference_corpus=None, k_grid=[4, 6])) == [4, 6]


def test_short_label_skips_words_inside_chosen_phrases() -> None:
    assert short_label(["no contact rule", "rule", "energy", "no contact", "pull"]) == (
        "no contact rule, energy, pull"
    )


def test_analyzer_memo_gives_the_same_terms() -> None:
    from discourse.topics.corpus import PhraseAnalyzer

    text = "No contact is hard. I did not text him, and I let go of the rule."
    first = PhraseAnalyzer()
    terms = first(text)
    assert terms == first._terms(text)
    # a new analyzer with the same settings shares the memo; the terms are a fresh list
    second = PhraseAnalyzer()
    assert second._memo is first._memo and text in second._memo
    got = second(text)
    got.append("x")
    assert second(text) == terms
    # other settings, other memo
    assert PhraseAnalyzer(n_gram_range=(1, 1))._memo is not first._memo
