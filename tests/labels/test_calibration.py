"""Calibrated scores (issue 16 items 4 and 6): expected calibration error on cases with a known
answer, prevalence tables, and the supervised labelers' calibration on a synthetic problem (a
stand-in embedder, no model loading)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from discourse.cli import app
from discourse.errors import InputError
from discourse.labels.evaluate import (
    calibration_check,
    calibration_checks,
    calibration_table,
    evaluate,
    expected_calibration_error,
    prevalence_table,
)
from discourse.labels.supervised import (
    EmbeddingLogReg,
    _choose_threshold,
    apply_platt,
    apply_temperature,
    fit_platt,
    fit_temperature,
)

STANCES = ["strategic", "self-healing", "autonomy-first", "none"]


# -- expected calibration error --------------------------------------------------------------
def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    assert expected_calibration_error([0.8] * 10, [1] * 8 + [0] * 2) == pytest.approx(0.0)


def test_ece_known_answer_one_bin() -> None:
    assert expected_calibration_error([0.9] * 10, [1] * 5 + [0] * 5) == pytest.approx(0.4)


def test_ece_known_answer_two_bins() -> None:
    # bin [0.1, 0.2): 4 units, accuracy 0.25, confidence 0.15 -> gap 0.10, weight 0.4
    # bin [0.9, 1.0]: 6 units, accuracy 1.0, confidence 0.95 -> gap 0.05, weight 0.6
    score = [0.15] * 4 + [0.95] * 6
    outcome = [0, 0, 0, 1] + [1] * 6
    assert expected_calibration_error(score, outcome) == pytest.approx(0.4 * 0.1 + 0.6 * 0.05)


def test_ece_bins_are_equal_width_with_one_in_the_last() -> None:
    # 0.55 and 0.65 fall in different bins with 10 bins (gaps do not cancel), the same with 1
    score, outcome = [0.55, 0.65, 1.0], [1, 0, 1]
    ten = (abs(1 - 0.55) + abs(0 - 0.65) + abs(1 - 1.0)) / 3
    assert expected_calibration_error(score, outcome) == pytest.approx(ten)
    one = abs(2 / 3 - (0.55 + 0.65 + 1.0) / 3)
    assert expected_calibration_error(score, outcome, n_bins=1) == pytest.approx(one)


@pytest.mark.parametrize(
    ("score", "outcome", "n_bins"),
    [
        ([0.5, 1.2], [1, 0], 10),
        ([0.5, float("nan")], [1, 0], 10),
        ([0.5], [1, 0], 10),
        ([0.5], [1], 0),
    ],
)
def test_ece_rejects_bad_input(score: list[float], outcome: list[int], n_bins: int) -> None:
    with pytest.raises(ValueError):
        expected_calibration_error(score, outcome, n_bins)


def _frame(stance: list[str], shame: list[int], **extra: list) -> pd.DataFrame:
    n = len(stance)
    return pd.DataFrame(
        {"stance": stance, "shame": shame, "abandonment": [0] * n, "regret": [0] * n, **extra}
    )


def test_evaluate_reports_top_label_and_binary_ece() -> None:
    gold = _frame(["strategic", "none", "none", "none"], [1, 0, 0, 1])
    pred = _frame(
        ["strategic", "none", "strategic", "none"],
        [1, 0, 0, 0],
        stance_score=[0.9, 0.9, 0.9, 0.9],  # 3 of 4 right: top-label ECE 0.15
        shame_score=[0.5, 0.5, 0.5, 0.5],  # coded 2 of 4: binary ECE 0
        abandonment_score=[0.2, 0.2, 0.2, 0.2],  # coded 0: ECE 0.2
        regret_score=[0.0, 0.0, 0.0, 0.0],
    )
    ev = evaluate(gold, pred)
    assert ev.ece("stance") == pytest.approx(0.15)
    assert ev.ece("shame") == pytest.approx(0.0)
    assert ev.ece("abandonment") == pytest.approx(0.2)
    summary = ev.summary().set_index("dimension")
    assert summary.loc["stance", "ece"] == pytest.approx(0.15)
    assert (summary["ece_bins"] == 10).all()
    table = calibration_table(gold, pred).set_index("dimension")
    assert table.loc["stance", "kind"] == "top-label" and table.loc["stance", "n_bins"] == 10
    assert table.loc["stance", "observed"] == pytest.approx(0.75)


def test_evaluate_without_scores_has_nan_ece() -> None:
    gold = _frame(["none", "strategic"], [0, 1])
    ev = evaluate(gold, gold)
    assert ev.calibration is None and np.isnan(ev.summary()["ece"]).all()
    with pytest.raises(ValueError, match="score"):
        calibration_table(gold, gold)


def test_evaluate_cli_prints_ece(tmp_path: Path) -> None:
    gold = _frame(["strategic", "none"], [1, 0])
    pred = _frame(
        ["strategic", "none"],
        [1, 0],
        stance_score=[0.75, 0.75],
        shame_score=[0.5, 0.9],
        abandonment_score=[0.0, 0.0],
        regret_score=[0.0, 0.0],
    )
    gold.to_csv(tmp_path / "gold.csv", index=False)
    pred.to_csv(tmp_path / "pred.csv", index=False)
    args = ["evaluate", "--gold", str(tmp_path / "gold.csv"), "--pred", str(tmp_path / "pred.csv")]
    result = CliRunner().invoke(app, [*args, "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    assert "ece" in result.output
    summary = pd.read_csv(tmp_path / "evaluation_summary.csv").set_index("dimension")
    assert summary.loc["stance", "ece"] == pytest.approx(0.25)
    # shame: coded 1 at 0.5 (gap 0.5), coded 0 at 0.9 (gap 0.9), one unit per bin
    assert summary.loc["shame", "ece"] == pytest.approx((0.5 + 0.9) / 2)


# -- prevalence -------------------------------------------------------------------------------
def test_prevalence_table_counts_per_source_type() -> None:
    gold = _frame(
        ["none", "strategic", "none", "none", "none"],
        [1, 0, 0, 0, 1],
        source_type=["post", "post", "article", "article", "article"],
    )
    pred = _frame(["none", "none", "none", "strategic", "none"], [1, 1, 1, 1, 0])
    table = prevalence_table(gold, pred)
    shame = table[table.dimension == "shame"].set_index("group")
    assert shame.index.tolist() == ["article", "post", "all"]
    assert shame.loc["article", ["n", "coded", "predicted"]].tolist() == [3, 1, 2]
    assert shame.loc["article", "predicted_share"] == pytest.approx(2 / 3)
    assert shame.loc["article", "ratio"] == pytest.approx(2.0)
    assert shame.loc["article", "f1"] == pytest.approx(0.0)  # coded 1 unit, predicted 2 others
    assert shame.loc["post", "f1"] == pytest.approx(2 / 3)
    assert shame.loc["all", ["coded", "predicted"]].tolist() == [2, 4]
    strategic = table[(table.dimension == "stance") & (table.label == "strategic")]
    assert strategic.set_index("group").loc["post", ["coded", "predicted"]].tolist() == [1, 0]
    regret = table[table.dimension == "regret"].set_index("group")
    assert np.isnan(regret.loc["all", "ratio"]) and np.isnan(regret.loc["all", "f1"])
    with pytest.raises(ValueError, match="sampling"):
        prevalence_table(gold, pred, by="sampling")


# -- calibration maps ---------------------------------------------------------------------------
def test_platt_recovers_a_known_miscalibration() -> None:
    rng = np.random.default_rng(0)
    true_p = rng.uniform(0.02, 0.98, 20000)
    y = (rng.random(20000) < true_p).astype(int)
    logit = np.log(true_p / (1 - true_p))
    shown = 1 / (1 + np.exp(-(2.0 * logit + 1.5)))  # overconfident and shifted upwards
    params = fit_platt(shown, y)
    assert params["slope"] == pytest.approx(0.5, abs=0.05)
    assert params["intercept"] == pytest.approx(-0.75, abs=0.08)
    before = expected_calibration_error(shown, y)
    after = expected_calibration_error(apply_platt(shown, params), y)
    assert before > 0.1 and after < 0.02


def test_temperature_recovers_a_known_miscalibration() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 1.5, size=(20000, 3))
    true = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=p) for p in true])
    sharp = np.exp(3 * logits) / np.exp(3 * logits).sum(axis=1, keepdims=True)  # T = 1/3
    params = fit_temperature(sharp, y)
    assert params["temperature"] == pytest.approx(3.0, rel=0.1)
    top = sharp.argmax(axis=1)
    before = expected_calibration_error(sharp.max(axis=1), top == y)
    cal = apply_temperature(sharp, params)
    after = expected_calibration_error(cal.max(axis=1), cal.argmax(axis=1) == y)
    assert before > 0.1 and after < 0.02


def test_threshold_does_not_inflate_prevalence() -> None:
    # predicting every unit has the best F1 (8/14) but a prevalence of 1.0 where 0.4 was coded
    p = np.array([0.9, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1])
    y = np.array([1, 0, 0, 0, 0, 1, 1, 1, 0, 0])
    threshold, info = _choose_threshold(p, y)
    assert info["coded_prevalence"] == pytest.approx(0.4)
    assert threshold == 0.5 and info["rule"] == "0.5"
    assert info["prevalence_at_0.5"] == pytest.approx(0.1)
    assert info["f1_capped"] == pytest.approx(0.4)  # the same units as at 0.5


def test_capped_threshold_chosen_when_it_beats_one_half() -> None:
    p = np.array([0.9, 0.45, 0.4, 0.3, 0.2, 0.2, 0.15, 0.15, 0.12, 0.11])
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0])
    threshold, info = _choose_threshold(p, y)
    # 0.2 would catch all four positives (F1 0.8) but predict 6 of 10 (> 0.4 * 1.2)
    assert threshold == info["threshold_capped"] == pytest.approx(0.4)
    assert info["rule"] == "capped_f1" and info["f1_capped"] == pytest.approx(6 / 7)
    assert info["prevalence_capped"] == pytest.approx(0.3)


# -- the supervised labelers on a synthetic, imbalanced problem ----------------------------------
class _Embedder:
    """Fixed vectors per text instead of MiniLM."""

    model_id = "synthetic"

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


def _problem(n: int, seed: int) -> tuple[list[str], np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    stance = rng.choice(STANCES, size=n, p=[0.2, 0.5, 0.05, 0.25])
    centres = {
        "strategic": [1, 0],
        "self-healing": [0, 1],
        "autonomy-first": [-1, 0],
        "none": [0, -1],
    }
    X = np.array([centres[s] for s in stance], dtype=float) + rng.normal(0, 1, size=(n, 2))
    rare = (rng.random(n) < 1 / (1 + np.exp(-(2 * X[:, 0] - 3.5)))).astype(int)  # about 14%
    X = np.hstack([X, rng.normal(0, 1, size=(n, 4))])
    texts = [f"synthetic unit {seed}-{i}" for i in range(n)]
    gold = pd.DataFrame(
        {"stance": stance, "shame": rare, "abandonment": rare[::-1], "regret": rare}
    )
    return texts, X, gold


@pytest.fixture(scope="module")
def synthetic() -> dict:
    train_t, train_x, train_g = _problem(400, 1)
    test_t, test_x, test_g = _problem(3000, 2)
    emb = _Embedder(dict(zip(train_t + test_t, np.vstack([train_x, test_x]))))
    model = EmbeddingLogReg(embedder=emb, seed=13).fit(train_t, train_g)
    return {"emb": emb, "model": model, "train": (train_t, train_g), "test": (test_t, test_g)}


def _uncalibrated(model: EmbeddingLogReg) -> EmbeddingLogReg:
    """The same fitted models with identity calibration: the scores before this change."""
    raw = EmbeddingLogReg(embedder=model.embedder)
    raw.__dict__.update(
        {k: v for k, v in model.__dict__.items() if k.endswith("_") and not k.startswith("__")}
    )
    raw._load_calibration(None)
    return raw


def test_calibration_lowers_ece_on_held_out_data(synthetic: dict) -> None:
    model, (texts, gold) = synthetic["model"], synthetic["test"]
    cal = evaluate(gold, model.predict(texts))
    raw = evaluate(gold, _uncalibrated(model).predict(texts))
    for theme in ("shame", "regret"):
        assert raw.ece(theme) > 0.15  # balanced class weights inflate a rare theme's scores
        assert cal.ece(theme) < 0.05
    assert cal.ece("stance") < 0.08
    # the threshold on calibrated probabilities keeps the theme near its coded prevalence
    pred = model.predict(texts)
    assert pred.shame.mean() <= gold.shame.mean() * 1.3


def test_cv_report_says_what_was_measured(synthetic: dict) -> None:
    report = synthetic["model"].calibration_report_
    shame = report["themes"]["shame"]
    assert shame["cv_ece_calibrated"] < shame["cv_ece_uncalibrated"]
    assert shame["rule"] in ("0.5", "capped_f1")
    assert shame["threshold"] == synthetic["model"].theme_thresholds_["shame"]
    assert report["stance"]["decision"] in ("balanced", "calibrated")
    assert report["stance"]["n"] == 400


def test_weights_round_trip_through_json(synthetic: dict, tmp_path: Path) -> None:
    model, (texts, _) = synthetic["model"], synthetic["test"]
    model.save(tmp_path / "w.json")
    text = (tmp_path / "w.json").read_text(encoding="utf-8")
    data = json.loads(text)  # plain JSON: no NaN/inf, no pickled objects
    assert "NaN" not in text and "Infinity" not in text
    assert set(data["calibration"]) == {"stance", "stance_decision", "themes", "cv"}
    loaded = EmbeddingLogReg(embedder=synthetic["emb"], weights=tmp_path / "w.json")
    pd.testing.assert_frame_equal(model.predict(texts[:300]), loaded.predict(texts[:300]))


def test_weights_without_calibration_load_as_before(synthetic: dict, tmp_path: Path) -> None:
    data = synthetic["model"].to_dict()
    del data["calibration"]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    old = EmbeddingLogReg(embedder=synthetic["emb"], weights=tmp_path / "old.json")
    texts = synthetic["test"][0][:200]
    pd.testing.assert_frame_equal(
        old.predict(texts), _uncalibrated(synthetic["model"]).predict(texts)
    )


def test_bad_calibration_block_is_refused(synthetic: dict, tmp_path: Path) -> None:
    data = synthetic["model"].to_dict()
    data["calibration"]["stance"]["temperature"] = -1.0
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    bad = EmbeddingLogReg(embedder=synthetic["emb"], weights=tmp_path / "bad.json")
    with pytest.raises(ValueError, match="temperature"):
        bad.predict(["synthetic unit 2-0"])


def test_fitting_is_deterministic(synthetic: dict) -> None:
    texts, gold = synthetic["train"]
    again = EmbeddingLogReg(embedder=synthetic["emb"], seed=13).fit(texts, gold)
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(
        synthetic["model"].to_dict(), sort_keys=True
    )


def test_bootstrap_resamples_ece_like_evaluate() -> None:
    from discourse.codebook import load_codebook
    from discourse.labels.bootstrap import _scores, bootstrap_intervals

    rng = np.random.default_rng(5)
    n = 60
    gold = _frame(list(rng.choice(STANCES, n)), list(rng.integers(0, 2, n)))
    pred = _frame(list(rng.choice(STANCES, n)), list(rng.integers(0, 2, n)))
    for col in ("stance_score", "shame_score", "abandonment_score", "regret_score"):
        pred[col] = rng.random(n).round(3)
    idx = rng.integers(0, n, size=(20, n))
    boot = _scores(gold, pred, load_codebook(), idx)
    for b in range(len(idx)):
        ev = evaluate(
            gold.iloc[idx[b]].reset_index(drop=True), pred.iloc[idx[b]].reset_index(drop=True)
        )
        assert boot.stance_ece[b] == pytest.approx(ev.ece("stance"), abs=1e-12)
        assert boot.shame_ece[b] == pytest.approx(ev.ece("shame"), abs=1e-12)
    ci = bootstrap_intervals(gold, pred, n_boot=50).set_index("metric")
    assert ci.loc["stance_ece", "estimate"] == pytest.approx(evaluate(gold, pred).ece("stance"))


# -- sample weights (real units weighted against written ones) -----------------------------------
def test_a_row_weight_of_two_is_the_row_twice() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.05, 0.95, 300)
    y = (rng.random(300) < p**2).astype(int)
    w = np.where(np.arange(300) < 100, 2.0, 1.0)
    twice = np.concatenate([p, p[:100]]), np.concatenate([y, y[:100]])
    assert fit_platt(p, y, weight=w) == pytest.approx(fit_platt(*twice), abs=1e-5)
    probs = np.column_stack([p, 1 - p, np.full(300, 0.5)])
    probs /= probs.sum(axis=1, keepdims=True)
    yk = np.array([rng.choice(3, p=row) for row in probs])
    a = fit_temperature(probs, yk, weight=w)
    b = fit_temperature(np.vstack([probs, probs[:100]]), np.concatenate([yk, yk[:100]]))
    assert a["temperature"] == pytest.approx(b["temperature"], abs=1e-5)
    assert a["bias"] == pytest.approx(b["bias"], abs=1e-5)
    # equal weights are no weights
    assert fit_platt(p, y, weight=np.full(300, 3.0)) == pytest.approx(fit_platt(p, y), abs=1e-9)


def test_real_weight_weights_real_units_and_is_saved(synthetic: dict) -> None:
    texts, gold = synthetic["train"]
    sampling = np.where(np.arange(len(gold)) % 2 == 0, "synthetic:article", "random")
    gold = gold.assign(sampling=sampling)
    plain = EmbeddingLogReg(embedder=synthetic["emb"], seed=13).fit(texts, gold)
    assert plain.to_dict()["real_weight"] == 1.0
    # weight 1 is the unweighted fit, with or without a sampling column
    assert plain.to_dict()["stance"] == synthetic["model"].to_dict()["stance"]
    heavy = EmbeddingLogReg(embedder=synthetic["emb"], seed=13, real_weight=4.0).fit(texts, gold)
    assert heavy.to_dict()["real_weight"] == 4.0
    assert heavy.to_dict()["stance"] != plain.to_dict()["stance"]
    with pytest.raises(ValueError, match="real_weight must be a positive number"):
        EmbeddingLogReg(embedder=synthetic["emb"], real_weight=0.0).fit(texts, gold)


def test_calibration_check_reference_is_the_ece_of_outcomes_drawn_from_the_scores() -> None:
    """The vectorised reference equals a plain loop over the same draws."""
    rng = np.random.default_rng(3)
    score = rng.uniform(0.3, 1.0, 50)
    outcome = rng.random(50) < score
    check = calibration_check(score, outcome, n_sim=200, seed=7)
    draws = np.random.default_rng(7).random((200, 50)) < score
    loop = np.array([expected_calibration_error(score, d) for d in draws])
    assert check["ece"] == pytest.approx(expected_calibration_error(score, outcome))
    assert check["calibrated_mean"] == pytest.approx(loop.mean())
    assert check["calibrated_high"] == pytest.approx(np.percentile(loop, 97.5))
    assert check["p_value"] == pytest.approx(np.mean(loop >= check["ece"] - 1e-12))
    assert calibration_check(score, outcome, n_sim=200, seed=7) == check


def test_calibration_check_tells_chance_from_miscalibration() -> None:
    rng = np.random.default_rng(11)
    score = rng.uniform(0.4, 1.0, 200)
    # calibrated: outcomes drawn from the scores. The ECE is not 0, but chance explains it: over
    # many such test sets the p-value is uniform (about 5% of them below 0.05)
    checks = [
        calibration_check(score, rng.random(200) < score, n_sim=200, seed=k) for k in range(100)
    ]
    p = np.array([c["p_value"] for c in checks])
    assert min(c["ece"] for c in checks) > 0.01
    assert (p < 0.05).mean() <= 0.12 and 0.35 <= p.mean() <= 0.65
    calibrated = checks[0]
    # overconfident: right half as often as the scores say
    over = calibration_check(score, rng.random(200) < score / 2, seed=1)
    assert over["p_value"] == 0.0 and over["ece"] > over["calibrated_high"]
    # the reference shrinks as units are added
    big = calibration_check(np.tile(score, 10), np.tile(rng.random(200) < score, 10), seed=1)
    assert big["calibrated_mean"] < calibrated["calibrated_mean"] / 2


def test_calibration_checks_one_row_per_dimension_and_bad_input() -> None:
    gold = pd.DataFrame(
        {
            "stance": ["none", "strategic", "none"],
            "shame": [0, 1, 0],
            "abandonment": [1, 0, 0],
            "regret": [0, 0, 1],
        }
    )
    pred = gold.assign(
        stance=["none", "none", "none"],
        stance_score=[0.9, 0.6, 0.8],
        shame_score=0.2,
        abandonment_score=0.5,
        regret_score=[0.1, 0.1, 0.9],
    )
    table = calibration_checks(gold, pred, n_sim=50)
    assert table.dimension.tolist() == ["stance", "shame", "abandonment", "regret"]
    assert table.set_index("dimension").loc["stance", "ece"] == pytest.approx(
        expected_calibration_error([0.9, 0.6, 0.8], [1, 0, 1])
    )
    with pytest.raises(InputError, match="score"):
        calibration_checks(gold, pred.drop(columns="stance_score"))
    with pytest.raises(ValueError, match="n_sim"):
        calibration_check([0.5], [1], n_sim=0)
