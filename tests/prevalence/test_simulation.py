"""Simulation study: the corrected intervals cover the true prevalence; the naive ones do not.

The slow test is the issue's acceptance check: 1,000 simulated corpora labelled by a classifier
with the default labeler's confusion pattern on the hand-coded test split (measured in the
bundled run's figures stage), a stratified sample of 200 coded units each.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from discourse.codebook import load_codebook
from discourse.prevalence.simulation import ConfusionModel, confusion_from_long, simulate

CB = load_codebook()
STANCES = list(CB.stance_labels)
THEMES = list(CB.theme_names)
ADVICE = [0.15, 0.40, 0.15, 0.30]  # strategic, self-healing, autonomy-first, none


def _model() -> ConfusionModel:
    # an illustrative error pattern (self-healing over-predicted, autonomy-first missed)
    stance = np.array([[5, 3, 1, 1], [1, 80, 2, 17], [1, 6, 2, 1], [0, 15, 1, 60]])
    themes = np.array([[[90, 30], [10, 56]], [[70, 20], [20, 76]], [[100, 15], [15, 56]]])
    return ConfusionModel(tuple(STANCES), stance, tuple(THEMES), themes)


def test_simulation_is_deterministic_and_shows_the_naive_bias() -> None:
    a = simulate(_model(), ADVICE, [0.3, 0.5, 0.3], population=4000, replicates=60, seed=1)
    b = simulate(_model(), ADVICE, [0.3, 0.5, 0.3], population=4000, replicates=60, seed=1)
    pd.testing.assert_frame_equal(a, b)
    naive = a[a["estimator"] == "naive"].set_index("variable")
    corrected = a[a["estimator"] == "corrected"].set_index("variable")
    # autonomy-first is mostly called something else: the naive share is far too low
    assert naive.loc["autonomy-first", "bias"] < -0.05
    assert naive.loc["autonomy-first", "coverage"] < 0.2
    assert abs(corrected.loc["autonomy-first", "bias"]) < 0.02
    assert (corrected["coverage"] > 0.8).all()


def test_simulation_random_design_gains_from_predictions() -> None:
    out = simulate(
        _model(), ADVICE, [0.3, 0.5, 0.3], population=4000, replicates=80, strategy="random", seed=2
    )
    width = out.pivot_table(index="variable", columns="estimator", values="mean_width")
    assert width.loc["self-healing", "corrected"] < width.loc["self-healing", "coded"]
    with pytest.raises(ValueError, match="summing to 1"):
        simulate(_model(), [0.5, 0.5, 0.5, 0.5], [0.3, 0.5, 0.3])


def test_confusion_from_long_rows() -> None:
    rows = []
    for g in STANCES:
        for p in STANCES:
            rows.append({"dimension": "stance", "gold": g, "predicted": p, "n": int(g == p) * 3})
    for t in THEMES:
        for g in (0, 1):
            for p in (0, 1):
                rows.append({"dimension": t, "gold": g, "predicted": p, "n": 5 + g + p})
    model = confusion_from_long(pd.DataFrame(rows), STANCES, THEMES)
    assert np.allclose(np.diag(model.stance_counts), 3)
    assert np.allclose(model.stance_rows().sum(axis=1), 1)
    assert model.theme_counts.shape == (3, 2, 2)
    with pytest.raises(ValueError, match="no confusion rows for theme"):
        confusion_from_long(pd.DataFrame(rows[:16]), STANCES, THEMES)


@pytest.mark.slow
def test_corrected_intervals_cover_the_truth_with_the_measured_confusion(
    bundled_run: Path,
) -> None:
    confusion = pd.read_csv(bundled_run / "tables" / "labeler_confusion.csv")
    model = confusion_from_long(confusion, STANCES, THEMES)
    out = simulate(model, ADVICE, [0.34, 0.50, 0.34], n=200, replicates=1000)
    corrected = out[out["estimator"] == "corrected"]
    naive = out[out["estimator"] == "naive"]
    assert corrected["coverage"].between(0.93, 0.97).all(), corrected
    assert (naive["coverage"] < 0.5).sum() >= 4, naive  # the naive intervals miss
