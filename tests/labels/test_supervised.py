"""Model-based labelers on tiny data (slow: they load the shipped MiniLM)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _tiny_labels import GOLD, TEXTS
from discourse.embeddings import EmbeddingCache
from discourse.labels import make_labeler
from discourse.labels.base import CodebookVersionWarning

pytestmark = pytest.mark.slow


def test_embedding_cache_is_incremental(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    first = cache.encode(TEXTS[:4])
    assert first.shape == (4, 384) and cache.stats == {
        "hits": 0,
        "computed": 4,
        "rejected_shards": 0,
    }
    again = EmbeddingCache(tmp_path)  # a new process would start like this
    both = again.encode(TEXTS[:5])
    assert again.stats == {"hits": 4, "computed": 1, "rejected_shards": 0}
    assert (both[:4] == first).all()
    long_text = " ".join(["No contact helped me heal."] * 120)
    vec = again.encode([long_text])
    assert abs(float((vec**2).sum()) - 1.0) < 1e-5


def test_a_texts_vector_does_not_depend_on_its_batch_mates() -> None:
    """Warm or cold cache, small or large corpus: the same text gets the same bits (with padded
    batches these differed by about 1e-7)."""
    long_text = " ".join(TEXTS)  # far longer than the others: padded batches would differ
    alone = np.stack([EmbeddingCache().encode([t])[0] for t in TEXTS])
    together = EmbeddingCache().encode([long_text, *TEXTS[::-1]])[1:][::-1]
    np.testing.assert_array_equal(alone, together)
    small_batches = EmbeddingCache(batch_size=2).encode(TEXTS)
    np.testing.assert_array_equal(alone, small_batches)


@pytest.mark.parametrize("name", ["embed-logreg", "combined"])
def test_fit_predict_save_load(tmp_path: Path, name: str) -> None:
    model = make_labeler(name, cache_dir=tmp_path / "cache").fit(TEXTS, GOLD)
    pred = model.predict(TEXTS)
    assert (pred.stance == GOLD.stance).mean() >= 0.9  # training data: sanity, not a benchmark
    model.save(tmp_path / "w.json")
    loaded = make_labeler(name, weights=tmp_path / "w.json", cache_dir=tmp_path / "cache")
    again = loaded.predict(TEXTS)
    pd.testing.assert_frame_equal(pred, again)
    data = json.loads((tmp_path / "w.json").read_text())
    assert data["labeler"] == name and len(data["stance"]["coef"]) == 4
    if name == "combined":
        ev = json.loads(pred.stance_evidence[0])
        assert ev and TEXTS[0][ev[0]["start"] : ev[0]["end"]] == ev[0]["text"]


def test_unfitted_and_mismatched_weights(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        make_labeler("embed-logreg").predict(["hello there my friend"])
    model = make_labeler("embed-logreg").fit(TEXTS, GOLD)
    model.save(tmp_path / "w.json")
    with pytest.raises(ValueError, match="holds weights for 'embed-logreg'"):
        make_labeler("combined", weights=tmp_path / "w.json").predict(["hello there my friend"])
    data = json.loads((tmp_path / "w.json").read_text())
    data["codebook"]["version"] = "0.9.0"
    (tmp_path / "old.json").write_text(json.dumps(data))
    with pytest.warns(CodebookVersionWarning, match="version 0.9.0"):
        make_labeler("embed-logreg", weights=tmp_path / "old.json").predict(["hello there"])


def test_setfit_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    params = {"max_seq_length": 32, "pairs_per_text": 2, "batch_size": 8}
    a = make_labeler("setfit", **params).fit(TEXTS, GOLD)
    b = make_labeler("setfit", **params).fit(TEXTS, GOLD)
    assert a.losses_ == b.losses_ and a.n_pairs_ == 40
    pa, pb = a.predict(TEXTS), b.predict(TEXTS)
    pd.testing.assert_frame_equal(pa, pb)
    a.save(tmp_path / "setfit")
    assert (tmp_path / "setfit" / "encoder" / "model.safetensors").is_file()
    loaded = make_labeler("setfit", weights=tmp_path / "setfit").predict(TEXTS)
    assert (loaded.stance == pa.stance).all()
    assert (loaded.stance_score - pa.stance_score).abs().max() < 1e-4


def test_combined_stance_model_reads_ngrams_and_checks_their_width(tmp_path: Path) -> None:
    model = make_labeler("combined", cache_dir=tmp_path / "cache").fit(TEXTS, GOLD)
    model.save(tmp_path / "w.json")
    data = json.loads((tmp_path / "w.json").read_text())
    vocab = data["ngrams"]["vocabulary"]
    assert "no contact" in vocab and data["ngrams"]["scale"] == 2.0
    n_rules = 3 + 3  # a rule score per non-default stance label and per theme
    assert len(data["stance"]["coef"][0]) == 384 + n_rules + len(vocab)
    assert len(data["themes"]["shame"]["coef"][0]) == 384 + n_rules  # themes: no n-grams
    data["ngrams"]["vocabulary"], data["ngrams"]["idf"] = vocab[:-1], data["ngrams"]["idf"][:-1]
    (tmp_path / "cut.json").write_text(json.dumps(data))
    cut = make_labeler("combined", weights=tmp_path / "cut.json", cache_dir=tmp_path / "cache")
    with pytest.raises(ValueError, match="weights per class"):
        cut.predict(TEXTS[:2])
    plain = make_labeler("combined", ngram_features=0, cache_dir=tmp_path / "cache")
    plain.fit(TEXTS, GOLD).save(tmp_path / "plain.json")
    assert json.loads((tmp_path / "plain.json").read_text())["ngrams"] is None
    with pytest.raises(ValueError, match="ngram_features"):
        make_labeler("combined", ngram_features=-1).fit(TEXTS, GOLD)


def test_a_label_without_rule_evidence_quotes_its_deciding_sentence(tmp_path: Path) -> None:
    """embed-logreg has no rules: its evidence is the sentence it labels most confidently."""
    model = make_labeler("embed-logreg", cache_dir=tmp_path / "cache").fit(TEXTS, GOLD)
    text = TEXTS[1] + " " + TEXTS[2]
    pred = model.predict([text, TEXTS[8]])
    alone = model.predict([TEXTS[1], TEXTS[2]])
    assert pred.stance[0] == "strategic" and (alone.stance == "strategic").all()
    best = TEXTS[1] if alone.stance_score[0] >= alone.stance_score[1] else TEXTS[2]
    ev = json.loads(pred.stance_evidence[0])
    start = text.index(best)
    assert ev == [
        {"start": start, "end": start + len(best), "text": best, "rule": "strategic.sentence"}
    ]
    assert pred.stance[1] == "none" and json.loads(pred.stance_evidence[1]) == []
    # the run's cache holds the units it labelled, not the candidate evidence pieces
    stored = EmbeddingCache(tmp_path / "cache")._load_index()
    assert len(stored) == len(set(TEXTS) | {text})


def test_single_class_stance_with_ngrams_predicts(tmp_path: Path) -> None:
    """A stance model with one class (a constant) reads the sparse n-gram features too."""
    gold = GOLD.assign(stance="strategic")
    model = make_labeler("combined", cache_dir=tmp_path / "cache").fit(TEXTS, gold)
    pred = model.predict(TEXTS[:2])
    assert (pred.stance == "strategic").all() and (pred.stance_score == 1.0).all()
    model.save(tmp_path / "w.json")
    again = make_labeler("combined", weights=tmp_path / "w.json", cache_dir=tmp_path / "cache")
    pd.testing.assert_frame_equal(pred, again.predict(TEXTS[:2]))


def test_malformed_ngram_block_names_the_file(tmp_path: Path) -> None:
    model = make_labeler("combined", cache_dir=tmp_path / "cache").fit(TEXTS, GOLD)
    model.save(tmp_path / "w.json")
    data = json.loads((tmp_path / "w.json").read_text())
    for block, message in (
        ("abc", "expected a mapping"),
        ({**data["ngrams"], "scale": None}, "scale must be a number"),
        ({**data["ngrams"], "scale": -1.0}, "positive"),
        ({**data["ngrams"], "idf": [float("inf")] * len(data["ngrams"]["idf"])}, "finite"),
    ):
        (tmp_path / "bad.json").write_text(json.dumps({**data, "ngrams": block}))
        bad = make_labeler("combined", weights=tmp_path / "bad.json", cache_dir=tmp_path / "c")
        with pytest.raises(ValueError, match=f"bad.json: .*{message}"):
            bad.predict(TEXTS[:1])
