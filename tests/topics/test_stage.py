"""The topic stage on the constructed corpus: outputs, accounting, metrics, views, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _paths import TEST_SALT
from _topic_corpus import FakeEmbedder, make_corpus, make_segments
from discourse.config import PipelineConfig
from discourse.errors import StageSkipped
from discourse.topics.stage import select_segments, short_label, topics_stage


def _config() -> PipelineConfig:
    cfg = PipelineConfig()
    cfg.privacy.salt = TEST_SALT
    cfg.topics.umap.n_neighbors = 10
    cfg.topics.stability_seeds = 3
    cfg.topics.reference_corpus = None
    return cfg


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame, FakeEmbedder]:
    texts, vecs, truth = make_corpus()
    segments = make_segments(texts)
    extra = pd.DataFrame(
        {
            "segment_id": ["bp#0000", "dup#0000", "empty#0000", "fr#0000"],
            "doc_id": ["bp", "dup", "empty", "fr"],
            "source_type": ["article"] * 4,
            "published": [None] * 4,
            "text": [
                "Subscribe to my channel",
                texts[0],
                "   ",
                "Je ne sais pas quoi faire depuis notre rupture, il ne répond plus à mes messages.",
            ],
            "boilerplate": [True, False, False, False],
            "duplicate_of": [None, segments.segment_id[0], None, None],
        }
    )
    segments = pd.concat([segments, extra], ignore_index=True)
    stance = ["self-healing", "strategic", "none"]
    labels = pd.DataFrame(
        {
            "segment_id": segments.segment_id,
            "stance": [stance[t] for t in truth] + ["none"] * 4,
            "language": ["en"] * (len(segments) - 1) + ["fr"],
        }
    )
    return segments, labels, FakeEmbedder(texts, vecs)


def test_select_segments_gives_every_exclusion_reason(data) -> None:
    segments, labels, _ = data
    reasons = select_segments(segments, labels, _config())
    assert reasons.tail(4).tolist() == ["boilerplate", "duplicate", "empty", "non_english"]
    assert reasons.head(60).isna().all()
    # without labels the language is detected on the text
    assert select_segments(segments, None, _config()).iloc[-1] == "non_english"


def test_stage_outputs_metrics_and_views(data, tmp_path: Path) -> None:
    segments, labels, embedder = data
    info = topics_stage(segments, labels, _config(), tmp_path, embedder=embedder)
    assert info["n_segments_modelled"] == 60
    assert info["n_segments_excluded"] == {
        "boilerplate": 1,
        "duplicate": 1,
        "empty": 1,
        "non_english": 1,
    }
    topics = pd.read_parquet(tmp_path / "topics.parquet")
    assert topics.segment_id.tolist() == segments.segment_id.tolist()  # every segment accounted
    assert topics.topic.isna().sum() == 4 and topics.excluded_reason.notna().sum() == 4
    assert set(topics.topic.dropna()) == {0, 1, 2}
    baseline = pd.read_parquet(tmp_path / "baseline_topics.parquet")
    assert set(baseline.topic.dropna()) == {0, 1, 2}

    metrics = json.loads((tmp_path / "topic_metrics.json").read_text())
    assert metrics["preset"] == "small" and metrics["seeds"] == [13, 14, 15]
    for name in ("bertopic", "nmf"):
        m = metrics["models"][name]
        assert m["n_topics"] == 3
        assert m["outlier_rate"] == 0.0
        assert m["stability_ari_mean"] == pytest.approx(1.0)
        assert m["npmi_top10"] > 0.3  # theme words co-occur; shared words are independent
        assert 0 < m["diversity_top25"] <= 1
        assert len(m["stability_ari_matrix"]) == 3
        # each seed's fit is measured too; the reported fit is one of them
        for key in ("npmi_top10", "diversity_top25"):
            values = [r[key] for r in m["per_seed"]]
            spread = m[f"{key}_over_seeds"]
            assert spread["mean"] == pytest.approx(sum(values) / 3, abs=1e-6)
            assert spread["min"] <= m[key] + 1e-6 and m[key] - 1e-6 <= spread["max"]
            assert spread["sd"] == pytest.approx(float(np.std(values, ddof=1)), abs=1e-6)

    info_csv = pd.read_csv(tmp_path / "topic_info.csv")
    assert set(info_csv.model) == {"bertopic", "nmf"}
    assert (info_csv.groupby("model")["count"].sum() == 60).all()
    assert info_csv.representative_segment_ids.str.count(r"\|").max() == 2  # 3 per topic

    by_source = pd.read_csv(tmp_path / "topics_by_source_type.csv")
    sums = by_source.groupby(["model", "group"]).share_of_group.sum()
    assert sums.sub(1.0).abs().max() < 1e-5
    by_stance = pd.read_csv(tmp_path / "topics_by_stance.csv")
    # each stance is one theme here, so each stance has one topic with share 1
    assert by_stance.groupby(["model", "group"]).size().eq(1).all()
    over_time = pd.read_csv(tmp_path / "topics_over_time.csv")
    assert set(over_time.group) == {2011, 2012, 2013}
    assert over_time[over_time.model == "bertopic"].n.sum() == 48  # 12 of 60 are undated

    assert (tmp_path / "models" / "bertopic" / "bertopic" / "topics.json").is_file()
    assert (tmp_path / "models" / "nmf" / "weights.safetensors").is_file()


def test_same_input_same_outputs(data, tmp_path: Path) -> None:
    segments, labels, embedder = data
    for name in ("a", "b"):
        topics_stage(segments, labels, _config(), tmp_path / name, embedder=embedder)
    for f in sorted((tmp_path / "a").rglob("*")):
        if f.is_file():
            twin = tmp_path / "b" / f.relative_to(tmp_path / "a")
            assert f.read_bytes() == twin.read_bytes(), f.name


def test_lda_baseline_and_fixed_baseline_size(data, tmp_path: Path) -> None:
    segments, labels, embedder = data
    cfg = _config()
    cfg.topics.baseline = "lda"
    cfg.topics.baseline_n_topics = 4
    cfg.topics.stability_seeds = 2
    cfg.topics.save_models = False
    cfg.privacy.max_quote_chars = 20
    info = topics_stage(segments, labels, cfg, tmp_path, embedder=embedder)
    quotes = pd.read_csv(tmp_path / "topic_info.csv").representative_texts.dropna()
    assert all(len(q) <= 20 for text in quotes for q in text.split(" | "))
    assert set(info["summary"]) == {"bertopic", "lda"}
    metrics = json.loads((tmp_path / "topic_metrics.json").read_text())
    assert metrics["models"]["lda"]["n_topics"] <= 4
    assert not (tmp_path / "models").exists()


def test_too_few_segments_is_a_clear_error(data, tmp_path: Path) -> None:
    segments, labels, embedder = data
    with pytest.raises(StageSkipped, match="too few segments to model topics: 10"):
        topics_stage(segments.head(10), labels, _config(), tmp_path, embedder=embedder)


def test_short_label_skips_words_inside_chosen_phrases() -> None:
    assert short_label(["contact rule", "rule", "energy", "contact", "pull"]) == (
        "contact rule, energy, pull"
    )
    assert short_label(["rule", "contact rule", "energy", "gym"]) == "contact rule, energy, gym"


def test_fit_on_a_sample_and_assign_the_rest(tmp_path: Path) -> None:
    from sklearn.metrics import adjusted_rand_score

    from discourse.topics.stage import fit_sample

    texts, vecs, truth = make_corpus(per_theme=60, seed=1)
    segments = make_segments(texts)
    cfg = _config()
    cfg.topics.max_fit_segments = 100
    info = topics_stage(segments, None, cfg, tmp_path, embedder=FakeEmbedder(texts, vecs))
    assert info["fit_on_sample"]["fitted"] == 100
    assert info["fit_on_sample"]["assigned_by_transform"] == 80
    metrics = json.loads((tmp_path / "topic_metrics.json").read_text())
    assert metrics["n_segments_modelled"] == 100  # the metrics describe the fitted sample
    for name, fname in (("bertopic", "topics.parquet"), ("nmf", "baseline_topics.parquet")):
        topics = pd.read_parquet(tmp_path / fname)
        assert topics.topic.notna().all()
        sampled = set(fit_sample(180, 100, cfg.seed).tolist())
        kinds = topics.assignment.tolist()
        assert sum(k == "assigned" for i, k in enumerate(kinds) if i not in sampled) == 80
        assert topics.probability.isna().sum() == 80  # no probability for assigned segments
        rest = [i for i in range(180) if i not in sampled]
        ari = adjusted_rand_score(truth[rest], topics.topic.to_numpy()[rest])
        assert ari > 0.9, (name, ari)  # the unsampled segments land in their theme's topic
        counts = pd.read_csv(tmp_path / "topic_info.csv").query("model == @name")["count"]
        assert counts.sum() == 180
    # the sample is seeded, sorted, without repeats, and everything when the corpus is small
    a, b = fit_sample(1000, 100, 13), fit_sample(1000, 100, 13)
    assert (a == b).all() and len(set(a.tolist())) == 100 and (a[:-1] < a[1:]).all()
    assert (fit_sample(50, 100, 13) == range(50)).all()
    assert len(fit_sample(50, None, 13)) == 50


def test_few_long_documents_are_flagged_and_reference_npmi_is_reported(
    data, tmp_path: Path
) -> None:
    segments, labels, embedder = data
    segments = segments.copy()
    # three documents of 20 segments: each theme is one document
    segments.loc[:59, "doc_id"] = [f"doc{i // 20}" for i in range(60)]
    reference = tmp_path / "reference"
    reference.mkdir()
    texts, _, _ = make_corpus(per_theme=5, seed=9)
    for i, text in enumerate(texts):
        (reference / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    cfg = _config()
    cfg.topics.stability_seeds = 2
    cfg.topics.save_models = False
    cfg.topics.reference_corpus = str(reference)
    messages: list[str] = []
    info = topics_stage(
        segments, labels, cfg, tmp_path / "out", embedder=embedder, progress=messages.append
    )
    corpus = info["corpus"]
    assert corpus["n_documents"] == 3 and corpus["document_effects_removed"]
    assert corpus["too_small_for_topics"]
    assert "3 documents (fewer than topics.few_documents = 20)" in corpus["too_small_reasons"][0]
    assert any(m.startswith("corpus too small for topics: 3 documents") for m in messages)
    metrics = json.loads((tmp_path / "out" / "topic_metrics.json").read_text())
    bertopic = metrics["models"]["bertopic"]
    assert set(bertopic["largest_document_share"]) == set(bertopic["npmi_per_topic"])
    assert 0 < bertopic["document_purity"] <= 1
    assert bertopic["npmi_reference_top10"] is not None
    assert set(bertopic["topic_reappearance"]) == set(bertopic["npmi_per_topic"])
    info_csv = pd.read_csv(tmp_path / "out" / "topic_info.csv")
    assert info_csv["npmi_reference"].notna().any()
    assert info_csv["largest_document_share"].dropna().between(0, 1).all()
