"""Evaluation maths on a tiny example computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from discourse.labels.evaluate import agreement, evaluate


def _frame(stances: list[str], shame: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stance": stances,
            "shame": shame,
            "abandonment": [0] * len(stances),
            "regret": [1] * len(stances),
        }
    )


def test_known_example() -> None:
    # a = strategic, b = self-healing, c = none
    gold = _frame(
        ["strategic", "strategic", "self-healing", "self-healing", "none"], [1, 1, 0, 0, 0]
    )
    pred = _frame(
        ["strategic", "self-healing", "self-healing", "self-healing", "none"], [1, 0, 1, 0, 0]
    )
    ev = evaluate(gold, pred)
    pc = ev.stance.per_class.set_index("label")
    assert pc.loc["strategic", ["precision", "recall"]].tolist() == [1.0, 0.5]
    assert pc.loc["strategic", "f1"] == pytest.approx(2 / 3)
    assert pc.loc["self-healing", "precision"] == pytest.approx(2 / 3)
    assert pc.loc["self-healing", "f1"] == pytest.approx(0.8)
    assert pc.loc["none", "f1"] == 1.0
    assert pc.loc["autonomy-first", "support"] == 0
    # macro-F1 over the classes present in gold: (2/3 + 0.8 + 1) / 3
    assert ev.stance.macro_f1 == pytest.approx((2 / 3 + 0.8 + 1) / 3)
    assert ev.stance.accuracy == pytest.approx(0.8)
    # kappa: po = 0.8, pe = .4*.2 + .4*.6 + .2*.2 = 0.36 -> (0.8 - 0.36) / 0.64
    assert ev.stance.kappa == pytest.approx(0.44 / 0.64)
    assert ev.stance.confusion.loc["strategic", "self-healing"] == 1
    # shame: gold 1,1,0,0,0 pred 1,0,1,0,0 -> TP 1 FP 1 FN 1: P = R = F1 = 0.5
    shame = ev.themes["shame"].per_class.set_index("label").loc["1"]
    assert (shame.precision, shame.recall, shame.f1) == (0.5, 0.5, 0.5)
    # po = 0.6, pe = .4*.4 + .6*.6 = 0.52 -> kappa = 0.08 / 0.48
    assert ev.themes["shame"].kappa == pytest.approx(0.08 / 0.48)
    # regret: all 1 in both -> perfect agreement, kappa defined as 1
    assert ev.themes["regret"].kappa == 1.0
    assert ev.mean_theme_f1 == pytest.approx((0.5 + 0.0 + 1.0) / 3)


def test_alignment_by_key_and_errors() -> None:
    gold = _frame(["none", "strategic"], [0, 1]).assign(unit_id=["u1", "u2"])
    pred = _frame(["strategic", "none"], [1, 0]).assign(unit_id=["u2", "u1"])
    assert evaluate(gold, pred, key="unit_id").stance.accuracy == 1.0
    with pytest.raises(ValueError, match="no prediction"):
        evaluate(gold, pred.iloc[:1], key="unit_id")
    with pytest.raises(ValueError, match="not in the codebook"):
        evaluate(_frame(["maybe"], [0]), _frame(["none"], [0]))
    with pytest.raises(ValueError, match="no column 'shame'"):
        evaluate(gold, pred.drop(columns="shame"), key="unit_id")


def test_agreement() -> None:
    a = _frame(["none", "strategic", "none", "self-healing"], [0, 1, 0, 0]).assign(
        unit_id=list("abcd")
    )
    b = _frame(["none", "strategic", "self-healing", "self-healing"], [0, 1, 0, 1]).assign(
        unit_id=list("abcd")
    )
    out = agreement(a, b).set_index("dimension")
    assert out.loc["stance", "percent_agreement"] == 0.75 and out.loc["stance", "n"] == 4
    # po .75; pe = none .5*.25 + strat .25*.25 + sh .25*.5 = .3125
    assert out.loc["stance", "kappa"] == pytest.approx((0.75 - 0.3125) / (1 - 0.3125))
