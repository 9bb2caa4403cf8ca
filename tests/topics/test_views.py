"""Topic views: counts, shares and document counts per group; which periods can be drawn."""

from __future__ import annotations

import pandas as pd
import pytest

from discourse.topics.views import period_coverage, topic_crosstab


def _frame() -> pd.DataFrame:
    # 2012: 4 segments from 3 documents; 2016: 2 segments of one comment thread; one undated
    return pd.DataFrame(
        {
            "doc_id": ["a", "a", "b", "c", "t", "t", "u"],
            "topic": [0, 1, 0, 0, 1, 1, 0],
            "period": ["2012", "2012", "2012", "2012", "2016", "2016", None],
        }
    )


def test_topic_crosstab_counts_documents_per_group() -> None:
    out = topic_crosstab(_frame(), "period", "bertopic", {0: "zero", 1: "one"})
    assert list(out.columns) == [
        "model",
        "by",
        "group",
        "topic",
        "label",
        "n",
        "share_of_group",
        "share_of_topic",
        "group_documents",
    ]
    rows = out.set_index(["group", "topic"])
    assert rows.loc[("2012", 0), "n"] == 3 and rows.loc[("2012", 1), "n"] == 1
    assert rows.loc[("2012", 0), "share_of_group"] == pytest.approx(3 / 4)
    assert rows.loc[("2012", 0), "group_documents"] == 3  # a, b, c (the undated u left out)
    assert rows.loc[("2012", 1), "group_documents"] == 3  # the group's count, on every row
    assert rows.loc[("2016", 1), "group_documents"] == 1
    assert rows.loc[("2016", 1), "label"] == "one"


def test_topic_crosstab_without_doc_id_has_unknown_document_counts() -> None:
    out = topic_crosstab(_frame().drop(columns="doc_id"), "period", "bertopic")
    assert out["group_documents"].isna().all()
    empty = topic_crosstab(_frame().assign(period=None), "period", "bertopic")
    assert empty.empty and "group_documents" in empty.columns


def test_period_coverage_applies_both_rules() -> None:
    views = topic_crosstab(_frame(), "period", "bertopic")
    cov = period_coverage(views, "bertopic", min_segments=3, min_documents=2).set_index("group")
    assert cov.loc["2012", "drawn"] and cov.loc["2012", "reason"] == ""
    assert (cov.loc["2012", "segments"], cov.loc["2012", "documents"]) == (4, 3)
    assert not cov.loc["2016", "drawn"]
    assert cov.loc["2016", "reason"] == "2 segments < 3; 1 document < 2"
    # enough segments, too few documents: still left out
    cov = period_coverage(views, "bertopic", min_segments=1, min_documents=2).set_index("group")
    assert cov["drawn"].to_dict() == {"2012": True, "2016": False}
    assert cov.loc["2016", "reason"] == "1 document < 2"


def test_period_coverage_of_an_older_table_uses_the_segment_rule_only() -> None:
    old = topic_crosstab(_frame(), "period", "bertopic").drop(columns="group_documents")
    cov = period_coverage(old, "bertopic", min_segments=3, min_documents=5).set_index("group")
    assert cov["documents"].isna().all()
    assert cov.loc["2012", "drawn"] and cov.loc["2012", "reason"] == "documents unknown"
    assert cov.loc["2016", "reason"] == "2 segments < 3; documents unknown"


def test_period_coverage_other_rows_and_bad_input() -> None:
    views = topic_crosstab(_frame(), "period", "bertopic")
    assert period_coverage(views, "nmf").empty
    with pytest.raises(ValueError, match="missing columns: n"):
        period_coverage(views.drop(columns="n"), "bertopic")
    with pytest.raises(ValueError, match="at least 1"):
        period_coverage(views, "bertopic", min_segments=0)
