"""The estimators: exact cases, the stratified variance formula, the corrected estimator's
relation to the coded one, and the naive interval's document rule."""

from __future__ import annotations

import numpy as np
import pytest

from discourse.prevalence.estimators import (
    StratifiedCodes,
    check_strata,
    coded_ratio,
    corrected_ratio,
    naive_ratio,
    wilson_interval,
)


def test_census_gives_the_truth_with_zero_variance() -> None:
    y = np.array([1, 0, 1, 1, 0, 0], float)
    design = StratifiedCodes(np.array([0, 0, 0, 1, 1, 1]), np.array([3, 3]))
    est = coded_ratio(y, np.ones(6), design)
    assert est.estimate == pytest.approx(0.5) and est.se == 0
    corr = corrected_ratio(y, np.ones(6), 1 - y, np.ones(6), 3.0, 6.0, design, known_domain=True)
    assert corr.estimate == pytest.approx(0.5) and corr.se == 0


def test_stratified_variance_matches_the_textbook_formula() -> None:
    rng = np.random.default_rng(1)
    N = np.array([500.0, 80.0, 20.0])
    n = np.array([30, 15, 8])
    strata = np.repeat(np.arange(3), n)
    y = (rng.random(strata.size) < np.array([0.2, 0.5, 0.9])[strata]).astype(float)
    design = StratifiedCodes(strata, N)
    est = coded_ratio(y, np.ones_like(y), design)
    W = N / N.sum()
    means = np.array([y[strata == h].mean() for h in range(3)])
    s2 = np.array([y[strata == h].var(ddof=1) for h in range(3)])
    assert est.estimate == pytest.approx(float(W @ means))
    var = float(np.sum(W**2 * (1 - n / N) * s2 / n))
    assert est.se == pytest.approx(np.sqrt(var))


def test_corrected_with_lambda_zero_is_the_coded_estimator() -> None:
    rng = np.random.default_rng(2)
    strata = np.repeat([0, 1], [40, 40])
    design = StratifiedCodes(strata, np.array([1000.0, 400.0]))
    y = (rng.random(80) < 0.3).astype(float)
    f = np.where(rng.random(80) < 0.8, y, 1 - y)
    coded = coded_ratio(y, np.ones(80), design)
    fixed = corrected_ratio(y, np.ones(80), f, np.ones(80), 420.0, 1400.0, design, lam=(0.0, 1.0))
    assert fixed.estimate == pytest.approx(coded.estimate)
    assert fixed.se == pytest.approx(coded.se)
    tuned = corrected_ratio(
        y, np.ones(80), f, np.ones(80), 420.0, 1400.0, design, known_domain=True
    )
    assert 0.0 <= tuned.lam[0] <= 1.0 and tuned.lam[1] == 1.0
    assert tuned.se < coded.se  # informative predictions shrink the interval


def test_useless_predictions_cost_nothing() -> None:
    rng = np.random.default_rng(3)
    design = StratifiedCodes(np.zeros(100, dtype=np.int64), np.array([5000.0]))
    y = (rng.random(100) < 0.4).astype(float)
    noise = (rng.random(100) < 0.5).astype(float)  # unrelated to y
    coded = coded_ratio(y, np.ones(100), design)
    corr = corrected_ratio(
        y, np.ones(100), noise, np.ones(100), 2500.0, 5000.0, design, known_domain=True
    )
    assert corr.lam[0] < 0.3
    assert corr.se <= coded.se * 1.01


def test_unknown_domain_ratio_and_empty_domain() -> None:
    design = StratifiedCodes(np.zeros(6, dtype=np.int64), np.array([60.0]))
    x = np.array([1, 1, 1, 0, 0, 0], float)
    y = np.array([1, 0, 0, 0, 0, 0], float)
    assert coded_ratio(y, x, design).estimate == pytest.approx(1 / 3)
    empty = coded_ratio(y * 0, x * 0, design)
    assert np.isnan(empty.estimate)


def test_strata_with_fewer_than_two_coded_units_are_refused() -> None:
    design = StratifiedCodes(np.array([0, 0, 1]), np.array([10.0, 10.0]))
    with pytest.raises(ValueError, match=r"b \(1 of 10 coded\)"):
        check_strata(design, ["a", "b"])
    check_strata(StratifiedCodes(np.array([0, 0, 1]), np.array([10.0, 1.0])), ["a", "b"])
    with pytest.raises(ValueError, match="more coded units"):
        StratifiedCodes(np.array([0, 0, 0]), np.array([2.0]))


def test_wilson_interval_is_asymmetric_near_zero_and_never_empty() -> None:
    low, high = wilson_interval(0.02, 0.01, 0.95, 200)
    assert low > 0 and high - 0.02 > 0.02 - low
    low, high = wilson_interval(0.0, 0.0, 0.95, 50)  # no coded unit had the label
    assert low == 0 and 0.05 < high < 0.1
    assert np.isnan(wilson_interval(float("nan"), 0.1, 0.95, 10)[0])


def test_naive_interval_needs_five_documents() -> None:
    rng = np.random.default_rng(0)
    f = (rng.random(40) < 0.5).astype(float)
    few = np.repeat(["d1", "d2", "d3", "d4"], 10)
    est, k = naive_ratio(f, np.ones(40), few, 200, rng)
    assert k == 4 and np.isnan(est.ci_low) and est.estimate == pytest.approx(f.mean())
    many = np.repeat([f"d{i}" for i in range(8)], 5)
    est, k = naive_ratio(f, np.ones(40), many, 200, rng)
    assert k == 8 and est.ci_low <= est.estimate <= est.ci_high
