"""The distilled ``student`` labeler (issue 21): the unlabelled pool's exclusions, soft-label
rows, determinism and the weights' round trip, on tiny in-repo data with a stand-in embedder
(no model loads, no corpus is read)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from discourse.labels.base import labelers, make_labeler
from discourse.labels.student import (
    StudentLabeler,
    normalise_text,
    segment_doc_key,
    soft_rows,
    teacher_probabilities,
    unit_doc_key,
    unlabelled_pool,
)
from discourse.labels.supervised import CombinedLabeler

STANCES = ["strategic", "self-healing", "autonomy-first", "none"]

_CUES = {
    "strategic": "go no contact so he misses you and comes back, make him chase you",
    "self-healing": "focus on healing yourself, therapy and journaling help you grieve and grow",
    "autonomy-first": "you decide what is right for you, trust your own choice either way",
    "none": "we went to the shop and bought some bread on a rainy tuesday afternoon",
}

# the unlabelled pool says the same things in other words (a pool text must not be a near copy
# of a unit, or the pool's exclusion rule drops it)
_POOL_CUES = {
    "strategic": "ignore him for weeks, he will miss you and come running back to you",
    "self-healing": "take care of yourself, talk to a counsellor, let yourself grieve slowly",
    "autonomy-first": "only you know your situation, so whatever you choose is your call",
    "none": "the train was late again so i read a book at the station for an hour",
}


class _Embedder:
    """Deterministic vectors from hashed words (any text, no model)."""

    model_id = "stand-in"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 16))
        for i, t in enumerate(texts):
            for w in normalise_text(t).split():
                h = int(hashlib.md5(w.encode()).hexdigest()[:8], 16)
                out[i, h % 16] += 1.0 if (h >> 5) % 2 else -1.0
            n = np.linalg.norm(out[i])
            out[i] /= n if n else 1.0
        return out


def _units(
    n: int, seed: int, prefix: str, cues: dict[str, str] = _CUES
) -> tuple[list[str], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    stance = [STANCES[i % 4] for i in range(n)]
    texts, shame = [], []
    for i, s in enumerate(stance):
        s_flag = int(rng.random() < 0.4)
        extra = " i feel so ashamed and embarrassed" if s_flag else " it is what it is"
        texts.append(f"{prefix} {i}: {cues[s]}{extra} (note {rng.integers(1000)})")
        shame.append(s_flag)
    gold = pd.DataFrame(
        {
            "stance": stance,
            "shame": shame,
            "abandonment": [int(i % 3 == 0) for i in range(n)],
            "regret": [int(i % 5 == 0) for i in range(n)],
            "sampling": ["random"] * n,
        }
    )
    return texts, gold


@pytest.fixture(scope="module")
def setup() -> dict:
    emb = _Embedder()
    texts, gold = _units(40, 1, "unit")
    teacher = CombinedLabeler(embedder=emb, seed=13, ngram_features=50).fit(texts, gold)
    pool_texts, _ = _units(24, 2, "pooled", _POOL_CUES)
    pool = pd.DataFrame({"text": pool_texts, "doc_key": [f"r.csv:p{i}" for i in range(24)]})
    units = pd.DataFrame(
        {"unit_id": [f"r.csv:u{i}#0000" for i in range(40)], "text": texts, "split": "train"}
    )
    return {
        "emb": emb,
        "texts": texts,
        "gold": gold,
        "teacher": teacher,
        "pool": pool,
        "units": units,
    }


def _student(setup: dict, **kw: object) -> StudentLabeler:
    params = {
        "embedder": setup["emb"],
        "teacher": setup["teacher"],
        "unlabelled": setup["pool"],
        "units": setup["units"],
        "ngram_features": 50,
        "teacher_weight": 0.5,
        **kw,
    }
    return StudentLabeler(**params)  # type: ignore[arg-type]


# -- the unlabelled pool -------------------------------------------------------------------------
def test_doc_keys_match_between_units_and_segments() -> None:
    url = "http://www.reddit.com/r/BreakUps/comments/14wkm0/_/"
    assert segment_doc_key("reddit/BreakUps.csv", url) == "reddit/BreakUps.csv:14wkm0"
    assert unit_doc_key("reddit/BreakUps.csv:14wkm0#0000") == "reddit/BreakUps.csv:14wkm0"
    assert segment_doc_key("seeds/000_x.txt", None) == "seeds/000_x.txt"
    assert unit_doc_key("seeds/000_x.txt#0003") == "seeds/000_x.txt"


def test_pool_excludes_every_coded_text_and_held_out_posts() -> None:
    long_test = (
        "my ex texted me after three months of silence and i did not know what to say so i "
        "waited a day and then told him i needed space to think about everything that happened"
    )
    units = pd.DataFrame(
        {
            "unit_id": [
                "r.csv:aaa#0000",
                "r.csv:bbb#0000",
                "r.csv:ccc#0000",
                "syn7-0001",
                "seeds/s.txt#0002",
                "r.csv:eee#0000",
            ],
            "text": [
                "A train unit.  Exactly this text",
                "a dev unit",
                long_test,
                "a written synthetic unit",
                "a seed segment",
                "a train unit whose post has a pseudonymised copy in the corpus",
            ],
            "split": ["train", "dev", "test", "test-synthetic", "test", "train"],
        }
    )
    segments = pd.DataFrame(
        {
            "doc_key": [
                "r.csv:zzz",  # 0 same text as a train unit (case and spaces differ)
                "r.csv:bbb",  # 1 another segment of the dev unit's post
                "r.csv:yyy",  # 2 a written unit's text
                "r.csv:xxx",  # 3 near copy of the test unit (one word pseudonymised)
                "seeds/s.txt",  # 4 another segment of a seed document with a test unit
                "r.csv:eee",  # 5 the train unit's post, its text changed by pseudonyms
                "r.csv:www",  # 6 unrelated: kept
                "r.csv:vvv",  # 7 repeat of 6: dropped
                "r.csv:uuu",  # 8 unrelated: kept
            ],
            "text": [
                "a train unit. exactly   THIS text",
                "a different segment of the dev post",
                "A written synthetic unit",
                long_test.replace("him", "p-1234abcd"),
                "another seed segment",
                "a train unit whose post has a p-99887766 copy in the corpus",
                "completely unrelated text about cooking pasta",
                "Completely unrelated text about cooking pasta ",
                "a second unrelated text about the weather",
            ],
        }
    )
    pool = unlabelled_pool(segments, units)
    assert pool.text.tolist() == [
        "completely unrelated text about cooking pasta",
        "a second unrelated text about the weather",
    ]
    # nothing of a held-out post survives, and no coded text
    held = {unit_doc_key(u) for u in units.unit_id}
    assert not set(pool.doc_key) & held
    assert not {normalise_text(t) for t in pool.text} & {normalise_text(t) for t in units.text}


def test_student_pool_uses_the_exclusion(setup: dict) -> None:
    pool = setup["pool"].copy()
    pool.loc[len(pool)] = {"text": setup["texts"][3].upper(), "doc_key": "r.csv:new"}
    student = _student(setup, unlabelled=pool)
    assert student.pool().text.tolist() == setup["pool"].text.tolist()


# -- soft labels -------------------------------------------------------------------------------
def test_soft_rows_sum_to_the_factor_per_unit() -> None:
    rng = np.random.default_rng(0)
    p = rng.dirichlet([0.3] * 4, size=50)
    unit, labels, weight = soft_rows(p, STANCES, 0.7)
    sums = np.bincount(unit, weights=weight, minlength=50)
    assert np.allclose(sums, 0.7)
    assert len(labels) == len(unit) == len(weight)
    # every unit keeps its most likely class; rows below the floor are gone
    for i in range(50):
        assert STANCES[int(p[i].argmax())] in [labels[j] for j in np.flatnonzero(unit == i)]
    kept = {(int(u), lab) for u, lab in zip(unit, labels)}
    for i, j in zip(*np.nonzero(p < 0.02)):
        if j != p[i].argmax():
            assert (int(i), STANCES[j]) not in kept
    # a unit split 0.75 / 0.25 gives those weights times the factor
    unit, labels, weight = soft_rows(np.array([[0.75, 0.25]]), ["0", "1"], 2.0)
    assert labels == ["0", "1"] and np.allclose(weight, [1.5, 0.5])


def test_teacher_probabilities_are_distributions(setup: dict) -> None:
    classes, stance, themes = teacher_probabilities(setup["teacher"], setup["pool"].text.tolist())
    assert sorted(classes) == sorted(STANCES)
    assert np.allclose(stance.sum(axis=1), 1.0)
    assert set(themes) == {"shame", "abandonment", "regret"}
    assert all(((p >= 0) & (p <= 1)).all() for p in themes.values())


# -- fitting, determinism, persistence ----------------------------------------------------------
def test_fit_is_deterministic_and_records_the_distillation(setup: dict) -> None:
    a = _student(setup).fit(setup["texts"], setup["gold"])
    b = _student(setup).fit(setup["texts"], setup["gold"])
    ja, jb = (json.dumps(m.to_dict(), sort_keys=True) for m in (a, b))
    assert ja == jb
    d = a.to_dict()
    assert d["labeler"] == "student"
    assert d["distillation"]["pool_segments"] == len(setup["pool"])
    assert d["distillation"]["teacher_weight"] == 0.5
    assert d["distillation"]["stance_rows"] >= len(setup["pool"])
    pred = a.predict(setup["texts"][:8])
    assert set(pred.stance) <= set(STANCES)


def test_teacher_rows_change_the_model_and_zero_weight_ignores_them(setup: dict) -> None:
    with_teacher = _student(setup).fit(setup["texts"], setup["gold"]).to_dict()
    alone = _student(setup, teacher_weight=0.0).fit(setup["texts"], setup["gold"]).to_dict()
    assert alone["distillation"]["pool_segments"] == 0
    assert with_teacher["stance"]["coef"] != alone["stance"]["coef"]


def test_save_load_round_trip(setup: dict, tmp_path: Path) -> None:
    model = _student(setup).fit(setup["texts"], setup["gold"])
    path = tmp_path / "student.json"
    model.save(path)
    loaded = make_labeler("student", weights=path, embedder=setup["emb"])
    assert isinstance(loaded, StudentLabeler)
    texts = setup["texts"][:10] + setup["pool"].text.tolist()[:5]
    pd.testing.assert_frame_equal(model.predict(texts), loaded.predict(texts))
    assert json.dumps(loaded.to_dict(), sort_keys=True) == json.dumps(
        model.to_dict(), sort_keys=True
    )


def test_registered_with_the_static_backend_by_default() -> None:
    caps = labelers.capabilities("student")
    assert caps["needs_weights"] and caps["packaged_weights"] and caps["embedding_backend"]
    assert StudentLabeler().embedding_backend == "minilm-static"
    assert StudentLabeler(embedding_backend="minilm-onnx-int8").embedding_backend == (
        "minilm-onnx-int8"
    )


def test_distillation_data_default_to_the_checkout_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _paths import ROOT
    from discourse.labels.student import _checkout_dir

    monkeypatch.chdir(tmp_path)
    assert _checkout_dir(None, "data/raw") == ROOT / "data" / "raw"
    assert _checkout_dir(None, "data/annotations") == ROOT / "data" / "annotations"
    assert _checkout_dir(tmp_path / "mine", "data/raw") == tmp_path / "mine"


def test_labels_do_not_depend_on_how_predict_chunks_the_texts(setup: dict, tmp_path: Path) -> None:
    """predict hands the model a few thousand texts at a time (to bound its memory); a text's
    labels, scores and evidence are the same whatever the chunk (empty and non-English texts
    mixed in, so the chunks cut across the texts that are skipped)."""
    model = _student(setup).fit(setup["texts"], setup["gold"])
    texts = [*setup["texts"][:12], "", "Ceci est un texte en français, pas en anglais."]
    texts += setup["pool"].text.tolist()[:9]
    whole = model.predict(texts)
    for chunk in (1, 3, 7):
        model.predict_chunk = chunk
        pd.testing.assert_frame_equal(model.predict(texts), whole)
    rules = make_labeler("rules")
    whole = rules.predict(texts)
    rules.predict_chunk = 2
    pd.testing.assert_frame_equal(rules.predict(texts), whole)
