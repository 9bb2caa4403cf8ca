"""Per-class views of topic assignments: by stance, by source type and over time."""

from __future__ import annotations

import pandas as pd

__all__ = ["period_of", "topic_crosstab"]


def period_of(published: pd.Series, unit: str = "year") -> pd.Series:
    """Calendar period (``2013``, ``2013Q1`` or ``2013-01``) of ISO dates; missing stays missing.

    Dates with and without a time zone are read as UTC.
    """
    dates = pd.to_datetime(published, utc=True, errors="coerce", format="ISO8601")
    if unit == "year":
        out = dates.dt.year.astype("Int64").astype("string")
    elif unit == "quarter":
        out = dates.dt.tz_localize(None).dt.to_period("Q").astype("string")
    elif unit == "month":
        out = dates.dt.tz_localize(None).dt.to_period("M").astype("string")
    else:
        raise ValueError(f"unknown time unit {unit!r}; valid options: year, quarter, month")
    return out.where(dates.notna(), None)


def topic_crosstab(
    frame: pd.DataFrame, by: str, model: str, labels: dict[int, str] | None = None
) -> pd.DataFrame:
    """Counts and shares of each topic within each group of column ``by``.

    Parameters
    ----------
    frame
        One row per modelled segment with columns ``topic`` and ``by``; rows where ``by`` is
        missing are left out (e.g. undated segments over time).
    by
        Grouping column (``stance``, ``source_type``, ``period``).
    model
        Model name written in the ``model`` column.
    labels
        Topic -> short label.

    Returns
    -------
    DataFrame
        Long format: ``model, by, group, topic, label, n, share_of_group, share_of_topic``.
        ``share_of_group`` sums to 1 within a group; ``share_of_topic`` within a topic.
    """
    cols = ["model", "by", "group", "topic", "label", "n", "share_of_group", "share_of_topic"]
    data = frame.dropna(subset=[by])
    if data.empty:
        return pd.DataFrame(columns=cols)
    counts = data.groupby([by, "topic"]).size().rename("n").reset_index()
    counts["share_of_group"] = counts["n"] / counts.groupby(by)["n"].transform("sum")
    counts["share_of_topic"] = counts["n"] / counts.groupby("topic")["n"].transform("sum")
    counts = counts.rename(columns={by: "group"})
    counts.insert(0, "by", by)
    counts.insert(0, "model", model)
    counts["label"] = counts["topic"].map(labels or {})
    counts["group"] = counts["group"].astype(str)
    return counts[cols].sort_values(["group", "topic"], kind="stable").reset_index(drop=True)
