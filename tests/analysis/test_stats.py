"""Statistics for coded segments, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from discourse.analysis import (
    chi_square,
    cooccurrence,
    crosstab,
    log_odds_dirichlet,
    one_hot,
    prevalence,
)
from discourse.analysis.stats import _bootstrap_ratios, has_interval, no_interval_reason

STANCES = ["strategic", "self-healing", "autonomy-first", "none"]


# ------------------------------------------------------------------------------------------
# prevalence


def _tiny() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    indicators = pd.DataFrame(
        {
            "shame": [1, 0, 1, 0, 0, 0],
            "regret": [0, 0, 1, 1, 1, 0],
        }
    )
    groups = pd.Series(["forum", "forum", "forum", "video", "video", "video"])
    clusters = pd.Series(["d1", "d1", "d2", "d3", "d3", "d4"])
    return indicators, groups, clusters


def test_prevalence_point_estimates() -> None:
    indicators, groups, clusters = _tiny()
    out = prevalence(indicators, groups, clusters, n_boot=200, min_clusters=2)
    assert list(out.columns) == [
        "group",
        "variable",
        "n_segments",
        "n_clusters",
        "estimate",
        "ci_low",
        "ci_high",
        "resampled",
    ]
    assert list(out["group"]) == ["forum", "forum", "video", "video"]
    assert list(out["variable"]) == ["shame", "regret", "shame", "regret"]
    assert list(out["n_segments"]) == [3, 3, 3, 3]
    assert list(out["n_clusters"]) == [2, 2, 2, 2]
    # forum: shame 1+0+1 = 2 of 3, regret 0+0+1 = 1 of 3; video: shame 0 of 3, regret 1+1+0 = 2/3
    assert out["estimate"].tolist() == pytest.approx([2 / 3, 1 / 3, 0.0, 2 / 3])
    assert (out["resampled"] == "documents").all()
    assert (out["ci_low"] <= out["estimate"]).all()
    assert (out["estimate"] <= out["ci_high"]).all()


def test_prevalence_equal_cluster_shares_give_zero_width_ci() -> None:
    # clusters of 2, 4 and 6 segments, each with exactly half ones: any resample has
    # (1k1 + 2k2 + 3k3) / (2k1 + 4k2 + 6k3) = 1/2
    x = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0]  # a: 1 0 | b: 1 1 0 0 | c: 1 0 1 0 1 0
    clusters = pd.Series(["a"] * 2 + ["b"] * 4 + ["c"] * 6)
    out = prevalence(pd.DataFrame({"shame": x}), None, clusters, n_boot=500, min_clusters=2)
    row = out.iloc[0]
    assert row["estimate"] == 0.5
    assert row["ci_low"] == 0.5
    assert row["ci_high"] == 0.5


def test_prevalence_two_opposite_clusters_span_zero_to_one() -> None:
    # cluster a: 3 segments all 0; cluster b: 3 segments all 1. A resample draws {a,a} (share 0)
    # with probability 1/4, {b,b} (share 1) with 1/4 and {a,b} (share 1/2) with 1/2, so the
    # 2.5% and 97.5% percentiles are 0 and 1 and the mean replicate is 0*1/4 + 1*1/4 + 0.5*1/2
    x = [0, 0, 0, 1, 1, 1]
    clusters = pd.Series(["a", "a", "a", "b", "b", "b"])
    out = prevalence(pd.DataFrame({"regret": x}), None, clusters, n_boot=2000, min_clusters=2)
    row = out.iloc[0]
    assert row["estimate"] == 0.5
    assert row["ci_low"] == 0.0
    assert row["ci_high"] == 1.0

    reps = _bootstrap_ratios(
        np.array([[0], [3]]), np.array([3, 3]), 2000, np.random.default_rng(13)
    )
    assert reps.mean() == pytest.approx(0 * 1 / 4 + 1 * 1 / 4 + 0.5 * 1 / 2, abs=0.03)
    assert set(np.unique(reps)) == {0.0, 0.5, 1.0}


def test_prevalence_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    indicators = pd.DataFrame(rng.integers(0, 2, size=(300, 3)), columns=["a", "b", "c"])
    groups = pd.Series(rng.choice(["forum", "video"], size=300))
    clusters = pd.Series(rng.integers(0, 40, size=300))
    first = prevalence(indicators, groups, clusters, seed=7, min_clusters=2)
    second = prevalence(indicators, groups, clusters, seed=7, min_clusters=2)
    pd.testing.assert_frame_equal(first, second)
    other = prevalence(indicators, groups, clusters, seed=8, min_clusters=2)
    assert not first["ci_low"].equals(other["ci_low"])


def test_prevalence_group_below_min_clusters_gets_no_interval() -> None:
    indicators = pd.DataFrame({"shame": [1, 0, 0, 0, 1, 0, 1]})
    groups = pd.Series(["blog"] * 4 + ["forum"] * 3)
    clusters = pd.Series(["d1"] * 4 + ["d2", "d3", "d4"])
    out = prevalence(indicators, groups, clusters, n_boot=500, min_clusters=2).set_index("group")
    # one document: the estimate, but no interval (never a segment bootstrap in its place)
    assert out.loc["blog", "resampled"] == "none: 1 document < 2"
    assert out.loc["blog", "n_clusters"] == 1
    assert out.loc["blog", "estimate"] == pytest.approx(1 / 4)
    assert math.isnan(out.loc["blog", "ci_low"]) and math.isnan(out.loc["blog", "ci_high"])
    assert out.loc["forum", "resampled"] == "documents"
    assert out.loc["forum", "n_clusters"] == 3
    assert out.loc["forum", "ci_low"] <= out.loc["forum", "ci_high"]
    assert has_interval(out["resampled"]).tolist() == [False, True]


def test_prevalence_small_group_does_not_change_the_others() -> None:
    # a group without an interval draws no replicates, so it leaves the others' intervals alone
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"shame": rng.integers(0, 2, size=40)})
    clusters = pd.Series([f"d{i // 4}" for i in range(40)])  # 10 documents
    alone = prevalence(x, pd.Series(["b"] * 40), clusters, n_boot=300)
    small = pd.DataFrame({"shame": [1, 0, 1]})
    both = prevalence(
        pd.concat([small, x], ignore_index=True),
        pd.Series(["a"] * 3 + ["b"] * 40),
        pd.concat([pd.Series(["s1", "s1", "s2"]), clusters], ignore_index=True),
        n_boot=300,
    ).set_index("group")
    assert both.loc["a", "resampled"] == "none: 2 documents < 5"
    assert both.loc["b", "ci_low"] == alone.loc[0, "ci_low"]
    assert both.loc["b", "ci_high"] == alone.loc[0, "ci_high"]


def test_prevalence_without_groups_is_all() -> None:
    indicators, _, clusters = _tiny()
    out = prevalence(indicators, None, clusters, n_boot=100, min_clusters=2)
    assert list(out["group"]) == ["all", "all"]
    assert list(out["n_segments"]) == [6, 6]
    assert list(out["n_clusters"]) == [4, 4]
    # shame 2 of 6, regret 3 of 6
    assert out["estimate"].tolist() == pytest.approx([2 / 6, 3 / 6])


def test_prevalence_accepts_bool_and_one_hot() -> None:
    stance = pd.Series(["strategic", "none", "strategic", "none"])
    out = prevalence(
        one_hot(stance, STANCES).astype(bool), None, pd.Series([1, 1, 2, 2]), min_clusters=2
    )
    assert list(out["variable"]) == STANCES
    assert out["estimate"].tolist() == pytest.approx([0.5, 0.0, 0.0, 0.5])


def test_prevalence_rejects_missing_indicators() -> None:
    indicators = pd.DataFrame({"shame": [1, 0, 1], "regret": [0.0, np.nan, 1.0]})
    with pytest.raises(ValueError, match="regret"):
        prevalence(indicators, None, pd.Series(["a", "b", "c"]))


def test_prevalence_rejects_bad_arguments() -> None:
    indicators = pd.DataFrame({"shame": [1, 2]})
    with pytest.raises(ValueError, match="shame"):
        prevalence(indicators, None, pd.Series(["a", "b"]))
    with pytest.raises(ValueError, match="clusters"):
        prevalence(pd.DataFrame({"shame": [1, 0]}), None, pd.Series(["a"]))
    with pytest.raises(ValueError, match="level"):
        prevalence(pd.DataFrame({"shame": [1, 0]}), None, pd.Series(["a", "b"]), level=95)


# ------------------------------------------------------------------------------------------
# one_hot and crosstab


def test_one_hot_columns_follow_categories() -> None:
    out = one_hot(pd.Series(["none", "strategic", "none"]), STANCES)
    assert list(out.columns) == STANCES
    assert out["none"].tolist() == [1, 0, 1]
    assert out["strategic"].tolist() == [0, 1, 0]
    assert out["self-healing"].tolist() == [0, 0, 0]
    assert out.to_numpy().sum(axis=1).tolist() == [1, 1, 1]


def test_one_hot_rejects_unknown_value_listing_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid") as err:
        one_hot(pd.Series(["strategic", "revenge"]), STANCES)
    assert "revenge" in str(err.value)
    for stance in STANCES:
        assert stance in str(err.value)


def test_crosstab_keeps_zero_columns_and_sorts_rows() -> None:
    groups = pd.Series(["video", "forum", "forum", "blog"], name="source_type")
    values = pd.Series(["none", "strategic", "none", "none"], name="stance")
    table = crosstab(groups, values, STANCES)
    assert list(table.index) == ["blog", "forum", "video"]
    assert list(table.columns) == STANCES
    assert table.loc["forum"].tolist() == [1, 0, 0, 1]
    assert table["autonomy-first"].sum() == 0
    assert table.to_numpy().sum() == 4
    with pytest.raises(ValueError, match="valid"):
        crosstab(groups, values, ["none"])


# ------------------------------------------------------------------------------------------
# chi_square


def test_chi_square_2x2_by_hand() -> None:
    result = chi_square(pd.DataFrame([[10, 20], [30, 40]]))
    # row totals 30, 70; column totals 40, 60; n = 100
    # expected: 30*40/100 = 12, 30*60/100 = 18, 70*40/100 = 28, 70*60/100 = 42
    chi2 = (10 - 12) ** 2 / 12 + (20 - 18) ** 2 / 18 + (30 - 28) ** 2 / 28 + (40 - 42) ** 2 / 42
    assert chi2 == pytest.approx(0.7936507936)  # 4/12 + 4/18 + 4/28 + 4/42
    assert result["chi2"] == pytest.approx(chi2)
    assert result["dof"] == 1  # (2-1)(2-1)
    # chi-square with 1 dof: P(X > x) = erfc(sqrt(x / 2))
    assert result["p_value"] == pytest.approx(math.erfc(math.sqrt(chi2 / 2)))
    assert result["cramers_v"] == pytest.approx(math.sqrt(chi2 / 100))
    assert result["n"] == 100
    assert result["min_expected"] == pytest.approx(12.0)
    assert result["share_expected_below_5"] == 0.0
    assert result["dropped_rows"] == 0
    assert result["dropped_columns"] == 0
    assert isinstance(result["chi2"], float)
    assert isinstance(result["dof"], int)


def test_chi_square_2x3_by_hand() -> None:
    result = chi_square(pd.DataFrame([[5, 10, 15], [15, 10, 5]]))
    # rows 30, 30; columns 20, 20, 20; n = 60; every expected count is 30*20/60 = 10
    chi2 = 2 * ((5 - 10) ** 2 / 10 + (10 - 10) ** 2 / 10 + (15 - 10) ** 2 / 10)
    assert chi2 == 10.0
    assert result["chi2"] == pytest.approx(chi2)
    assert result["dof"] == 2  # (2-1)(3-1)
    # chi-square with 2 dof: P(X > x) = exp(-x / 2)
    assert result["p_value"] == pytest.approx(math.exp(-chi2 / 2))
    # min(r, c) - 1 = 1
    assert result["cramers_v"] == pytest.approx(math.sqrt(10 / (60 * 1)))
    assert result["min_expected"] == pytest.approx(10.0)


def test_chi_square_small_expected_counts() -> None:
    result = chi_square(pd.DataFrame([[1, 4], [4, 11]]))
    # rows 5, 15; columns 5, 15; n = 20: expected 5*5/20 = 1.25, 3.75, 3.75, 15*15/20 = 11.25
    assert result["min_expected"] == pytest.approx(1.25)
    assert result["share_expected_below_5"] == pytest.approx(3 / 4)


def test_chi_square_drops_all_zero_rows_and_columns() -> None:
    table = pd.DataFrame(
        [[10, 0, 20], [0, 0, 0], [30, 0, 40]],
        index=["blog", "podcast", "forum"],
        columns=STANCES[:3],
    )
    result = chi_square(table)
    assert result["dropped_rows"] == 1
    assert result["dropped_columns"] == 1
    # what remains is [[10, 20], [30, 40]], chi2 = 4/12 + 4/18 + 4/28 + 4/42
    assert result["chi2"] == pytest.approx(4 / 12 + 4 / 18 + 4 / 28 + 4 / 42)
    assert result["dof"] == 1


def test_chi_square_rejects_too_small_tables() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        chi_square(pd.DataFrame([[1, 2, 3]]))
    with pytest.raises(ValueError, match="at least 2"):
        chi_square(pd.DataFrame([[1, 0], [2, 0]]))
    with pytest.raises(ValueError, match="non-negative"):
        chi_square(pd.DataFrame([[1, -2], [2, 3]]))


# ------------------------------------------------------------------------------------------
# cooccurrence


def test_cooccurrence_by_hand() -> None:
    indicators = pd.DataFrame(
        {
            "a": [1, 1, 1, 0, 0, 0],
            "b": [1, 1, 0, 1, 0, 0],
            "c": [0, 0, 0, 0, 0, 0],
            "d": [1, 1, 1, 1, 1, 0],
        }
    )
    out = cooccurrence(indicators)
    assert list(out.columns) == ["a", "b", "n_a", "n_b", "n_both", "jaccard", "phi", "p_b_given_a"]
    assert len(out) == 16
    assert list(out["a"][:4]) == ["a"] * 4
    assert list(out["b"][:4]) == ["a", "b", "c", "d"]
    pairs = out.set_index(["a", "b"])

    # a, b: n11 = 2 (rows 0, 1), n10 = 1, n01 = 1, n00 = 2; margins 3, 3, 3, 3
    ab = pairs.loc[("a", "b")]
    assert (ab["n_a"], ab["n_b"], ab["n_both"]) == (3, 3, 2)
    assert ab["jaccard"] == pytest.approx(2 / (3 + 3 - 2))
    assert ab["phi"] == pytest.approx((2 * 2 - 1 * 1) / math.sqrt(3 * 3 * 3 * 3))
    assert ab["p_b_given_a"] == pytest.approx(2 / 3)

    # a, d: n11 = 3, n10 = 0, n01 = 2, n00 = 1; n_a = 3, not a = 3, n_d = 5, not d = 1
    ad = pairs.loc[("a", "d")]
    assert ad["jaccard"] == pytest.approx(3 / (3 + 5 - 3))
    assert ad["phi"] == pytest.approx((3 * 1 - 0 * 2) / math.sqrt(3 * 3 * 5 * 1))
    assert ad["p_b_given_a"] == pytest.approx(3 / 3)
    assert pairs.loc[("d", "a"), "p_b_given_a"] == pytest.approx(3 / 5)
    assert pairs.loc[("d", "a"), "phi"] == pytest.approx(ad["phi"])

    # diagonal: identical columns
    aa = pairs.loc[("a", "a")]
    assert (aa["jaccard"], aa["phi"], aa["p_b_given_a"]) == (1.0, 1.0, 1.0)

    # c never occurs: phi undefined (zero margin), P(c | a) = 0, P(a | c) undefined
    ac = pairs.loc[("a", "c")]
    assert ac["jaccard"] == 0.0  # 0 / (3 + 0 - 0)
    assert math.isnan(ac["phi"])
    assert ac["p_b_given_a"] == 0.0
    assert math.isnan(pairs.loc[("c", "a"), "p_b_given_a"])
    cc = pairs.loc[("c", "c")]
    assert math.isnan(cc["jaccard"]) and math.isnan(cc["phi"]) and math.isnan(cc["p_b_given_a"])


def test_cooccurrence_phi_matches_pearson() -> None:
    rng = np.random.default_rng(3)
    indicators = pd.DataFrame(rng.integers(0, 2, size=(50, 3)), columns=["x", "y", "z"])
    out = cooccurrence(indicators).set_index(["a", "b"])
    expected = np.corrcoef(indicators["x"], indicators["z"])[0, 1]
    assert out.loc[("x", "z"), "phi"] == pytest.approx(expected)


# ------------------------------------------------------------------------------------------
# log_odds_dirichlet


def _split(text: str) -> list[str]:
    return text.split()


# group A tokens: calm x3, heal x1 (n_A = 4); group B tokens: heal x3, rage x1 (n_B = 4)
# corpus: calm 3, heal 4, rage 1; N = 8
TEXTS = ["calm calm heal", "calm", "heal heal rage", "heal"]
GROUPS = ["A", "A", "B", "B"]


def test_log_odds_by_hand() -> None:
    # alpha0 = 8 makes alpha_w = 8 * c_w / 8 = c_w: alpha_calm = 3, alpha_heal = 4; a0 = 8
    out = log_odds_dirichlet(TEXTS, GROUPS, alpha0=8.0, min_count=2, tokenizer=_split)
    assert list(out.columns) == ["group", "word", "count_group", "count_rest", "delta", "var", "z"]
    rows = out.set_index(["group", "word"])

    # heal in A: y_i = 1, y_j = 3, n_i = n_j = 4, alpha = 4, a0 = 8
    heal = rows.loc[("A", "heal")]
    assert (heal["count_group"], heal["count_rest"]) == (1, 3)
    delta = math.log((1 + 4) / (4 + 8 - 1 - 4)) - math.log((3 + 4) / (4 + 8 - 3 - 4))
    assert delta == pytest.approx(2 * math.log(5 / 7))
    var = 1 / (1 + 4) + 1 / (3 + 4)
    assert heal["delta"] == pytest.approx(delta)
    assert heal["var"] == pytest.approx(12 / 35)
    assert heal["z"] == pytest.approx(delta / math.sqrt(var))

    # calm in A: y_i = 3, y_j = 0, alpha = 3: log(6 / 6) - log(3 / 9) = log 3; var = 1/6 + 1/3
    calm = rows.loc[("A", "calm")]
    assert calm["delta"] == pytest.approx(math.log(3))
    assert calm["var"] == pytest.approx(1 / 2)
    assert calm["z"] == pytest.approx(math.log(3) / math.sqrt(1 / 2))

    # sorted by group, then z descending: calm (z > 0) before heal (z < 0) in A
    assert list(out["group"]) == ["A", "A", "B", "B"]
    assert list(out["word"][:2]) == ["calm", "heal"]
    assert list(out["word"][2:]) == ["heal", "calm"]


def test_log_odds_two_groups_are_symmetric() -> None:
    out = log_odds_dirichlet(TEXTS, GROUPS, alpha0=8.0, min_count=1, tokenizer=_split)
    z = out.pivot(index="word", columns="group", values="z")
    assert z["A"].to_numpy() == pytest.approx(-z["B"].to_numpy())
    assert set(z.index) == {"calm", "heal", "rage"}


def test_log_odds_min_count_drops_rare_words() -> None:
    # rage occurs once in the corpus
    out = log_odds_dirichlet(TEXTS, GROUPS, alpha0=8.0, min_count=2, tokenizer=_split)
    assert "rage" not in set(out["word"])
    assert set(out["word"]) == {"calm", "heal"}
    # default min_count = 5: no word reaches it here
    assert log_odds_dirichlet(TEXTS, GROUPS, tokenizer=_split).empty


def test_log_odds_three_groups_each_vs_rest() -> None:
    texts = [*TEXTS, "rage rage calm"]
    groups = [*GROUPS, "C"]
    # corpus: calm 4, heal 4, rage 3; N = 11; alpha0 = 11 gives alpha_w = c_w, a0 = 11
    out = log_odds_dirichlet(texts, groups, alpha0=11.0, min_count=1, tokenizer=_split)
    assert sorted(set(out["group"])) == ["A", "B", "C"]
    assert (out.groupby("group").size() == 3).all()
    corpus = {"calm": 4, "heal": 4, "rage": 3}
    for row in out.itertuples():
        assert row.count_group + row.count_rest == corpus[row.word]

    # rage in C vs rest: y_i = 2, n_i = 3; y_j = 1 (from B), n_j = 8; alpha = 3
    rage = out.set_index(["group", "word"]).loc[("C", "rage")]
    delta = math.log((2 + 3) / (3 + 11 - 2 - 3)) - math.log((1 + 3) / (8 + 11 - 1 - 3))
    var = 1 / (2 + 3) + 1 / (1 + 3)
    assert rage["delta"] == pytest.approx(delta)
    assert rage["var"] == pytest.approx(var)
    assert rage["z"] == pytest.approx(delta / math.sqrt(var))


def test_log_odds_needs_two_groups() -> None:
    with pytest.raises(ValueError, match="at least 2 groups"):
        log_odds_dirichlet(TEXTS, ["A"] * 4, tokenizer=_split)
    with pytest.raises(ValueError, match="groups"):
        log_odds_dirichlet(TEXTS, ["A", "B"], tokenizer=_split)


def test_log_odds_default_tokenizer() -> None:
    texts = [
        "The healing P-1a2b3c4d 2024 healing",
        "Healing slowly",
        "Contact again contact",
        "contact",
    ]
    out = log_odds_dirichlet(texts, ["a", "a", "b", "b"], min_count=1)
    words = set(out["word"])
    # lower-cased; stop word "the", the pseudonym and the digits are gone
    assert {"healing", "contact", "slowly"} <= words
    assert "the" not in words
    assert not any(ch.isdigit() for w in words for ch in w)
    assert "p" not in words
    row = out.set_index(["group", "word"]).loc[("a", "healing")]
    assert (row["count_group"], row["count_rest"]) == (3, 0)


def test_prevalence_groups_with_few_documents_get_no_interval() -> None:
    # three documents of 2 segments each: below the default min_clusters=5
    x = pd.DataFrame({"shame": [1, 1, 1, 0, 0, 0]})
    clusters = pd.Series(["d1", "d1", "d2", "d2", "d3", "d3"])
    out = prevalence(x, None, clusters, n_boot=500)
    assert out.loc[0, "resampled"] == "none: 3 documents < 5" and out.loc[0, "n_clusters"] == 3
    assert out.loc[0, "estimate"] == 0.5
    assert out[["ci_low", "ci_high"]].isna().all().all()
    assert no_interval_reason(3, 5) == "none: 3 documents < 5"
    cluster = prevalence(x, None, clusters, n_boot=500, min_clusters=3)
    assert cluster.loc[0, "resampled"] == "documents"
    assert cluster.loc[0, "ci_low"] <= 0.5 <= cluster.loc[0, "ci_high"]
    # a threshold below 2 still needs two documents: one document has nothing to resample
    single = prevalence(x.iloc[:2], None, clusters.iloc[:2], n_boot=100, min_clusters=1)
    assert single.loc[0, "resampled"] == "none: 1 document < 2"
