"""Bootstrap intervals: equal to `evaluate` on every resample, seeded, paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from discourse.codebook import load_codebook
from discourse.labels.bootstrap import _scores, bootstrap_difference, bootstrap_intervals
from discourse.labels.evaluate import evaluate

CB = load_codebook()


def _tables(n: int = 60, noise: float = 0.3, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    labels = CB.stance_labels
    gold = pd.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(n)],
            "stance": rng.choice(labels, n, p=[0.05, 0.5, 0.05, 0.4]),
            **{t: rng.integers(0, 2, n) for t in CB.theme_names},
        }
    )
    pred = gold.copy()
    flip = rng.random(n) < noise
    pred.loc[flip, "stance"] = rng.choice(labels, int(flip.sum()))
    for t in CB.theme_names:
        f = rng.random(n) < noise
        pred.loc[f, t] = 1 - pred.loc[f, t]
    return gold, pred


def test_scores_equal_evaluate_on_every_resample() -> None:
    gold, pred = _tables()
    idx = np.random.default_rng(7).integers(0, len(gold), size=(25, len(gold)))
    boot = _scores(gold, pred, CB, idx)
    for b in range(len(idx)):
        ev = evaluate(
            gold.iloc[idx[b]].reset_index(drop=True), pred.iloc[idx[b]].reset_index(drop=True), CB
        )
        assert boot.stance_macro_f1[b] == pytest.approx(ev.stance.macro_f1, abs=1e-12)
        assert boot.stance_kappa[b] == pytest.approx(ev.stance.kappa, abs=1e-9)
        assert boot.stance_accuracy[b] == pytest.approx(ev.stance.accuracy, abs=1e-12)
        assert boot.mean_theme_f1[b] == pytest.approx(ev.mean_theme_f1, abs=1e-12)
        pc = ev.stance.per_class.set_index("label")
        for lab in CB.stance_labels:
            if pc.loc[lab, "support"] == 0:
                assert np.isnan(boot[f"f1_{lab}"][b])
            else:
                assert boot[f"f1_{lab}"][b] == pytest.approx(pc.loc[lab, "f1"], abs=1e-12)
        for t in CB.theme_names:
            assert boot[f"{t}_kappa"][b] == pytest.approx(ev.themes[t].kappa, abs=1e-9)


def test_intervals_estimate_seed_and_width() -> None:
    gold, pred = _tables(n=120)
    ci = bootstrap_intervals(gold, pred, CB, n_boot=400, seed=3).set_index("metric")
    ev = evaluate(gold, pred, CB)
    assert ci.loc["stance_macro_f1", "estimate"] == pytest.approx(ev.stance.macro_f1)
    assert ci.loc["mean_theme_f1", "estimate"] == pytest.approx(ev.mean_theme_f1)
    assert (ci.low <= ci.high).all()
    assert ci.loc["stance_macro_f1", "low"] < ev.stance.macro_f1 < ci.loc["stance_macro_f1", "high"]
    again = bootstrap_intervals(gold, pred, CB, n_boot=400, seed=3).set_index("metric")
    pd.testing.assert_frame_equal(ci, again)
    other = bootstrap_intervals(gold, pred, CB, n_boot=400, seed=4).set_index("metric")
    assert not ci.low.equals(other.low)
    # rarer classes are missing from some resamples, and their intervals are wider
    assert ci.loc["f1_strategic", "n_valid"] <= 400
    width = ci.high - ci.low
    assert width["f1_strategic"] > width["f1_self-healing"]
    # a smaller sample gives a wider interval
    small = bootstrap_intervals(gold.head(30), pred.head(30), CB, n_boot=400, seed=3)
    small_width = small.set_index("metric").eval("high - low")
    assert small_width["stance_accuracy"] > width["stance_accuracy"]


def test_perfect_predictions_give_degenerate_intervals() -> None:
    gold, _ = _tables()
    ci = bootstrap_intervals(gold, gold.copy(), CB, n_boot=200).set_index("metric")
    for metric in ("stance_macro_f1", "stance_kappa", "mean_theme_f1"):
        assert ci.loc[metric, ["estimate", "low", "high"]].tolist() == [1.0, 1.0, 1.0]


def test_alignment_by_key_and_errors() -> None:
    gold, pred = _tables()
    shuffled = pred.sample(frac=1.0, random_state=0)
    by_key = bootstrap_intervals(gold, shuffled, CB, key="unit_id", n_boot=100)
    by_row = bootstrap_intervals(gold, pred, CB, n_boot=100)
    pd.testing.assert_frame_equal(by_key, by_row)
    with pytest.raises(ValueError, match="pass key="):
        bootstrap_intervals(gold, pred.head(10), CB)
    with pytest.raises(ValueError, match="no prediction"):
        bootstrap_intervals(gold, pred.head(10), CB, key="unit_id")
    bad = pred.assign(stance="maybe")
    with pytest.raises(ValueError, match="not in the codebook"):
        bootstrap_intervals(gold, bad, CB)
    with pytest.raises(ValueError, match="level"):
        bootstrap_intervals(gold, pred, CB, level=1.0)
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_intervals(gold, pred, CB, n_boot=0)


def test_paired_difference() -> None:
    gold, good = _tables(n=150, noise=0.05)
    _, bad = _tables(n=150, noise=0.6)
    diff = bootstrap_difference(gold, good, bad, CB, n_boot=500).set_index("metric")
    a, b = evaluate(gold, good, CB), evaluate(gold, bad, CB)
    assert diff.loc["stance_macro_f1", "estimate"] == pytest.approx(
        a.stance.macro_f1 - b.stance.macro_f1
    )
    assert diff.loc["stance_accuracy", "low"] > 0
    same = bootstrap_difference(gold, good, good.copy(), CB, n_boot=100).set_index("metric")
    assert (same[["estimate", "low", "high"]].fillna(0) == 0).all().all()
