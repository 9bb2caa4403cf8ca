"""Per-class views of topic assignments: by stance, by source type and over time."""

from __future__ import annotations

import pandas as pd

from discourse.errors import InputError

__all__ = ["period_coverage", "period_of", "topic_crosstab"]


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
        raise InputError(f"unknown time unit {unit!r}; valid options: year, quarter, month")
    return out.where(dates.notna(), None)


VIEW_COLUMNS = [
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
PERIOD_COLUMNS = ["group", "segments", "documents", "drawn", "reason"]


def topic_crosstab(
    frame: pd.DataFrame, by: str, model: str, labels: dict[int, str] | None = None
) -> pd.DataFrame:
    """Counts and shares of each topic within each group of column ``by``.

    Parameters
    ----------
    frame
        One row per modelled segment with columns ``topic`` and ``by`` (and ``doc_id`` for the
        document count of each group); rows where ``by`` is missing are left out (e.g. undated
        segments over time).
    by
        Grouping column (``stance``, ``source_type``, ``period``).
    model
        Model name written in the ``model`` column.
    labels
        Topic -> short label.

    Returns
    -------
    DataFrame
        Long format: ``model, by, group, topic, label, n, share_of_group, share_of_topic,
        group_documents``. ``share_of_group`` sums to 1 within a group; ``share_of_topic``
        within a topic. ``group_documents`` is the number of distinct documents among the
        group's segments (the same on every row of the group; missing without ``doc_id``), so
        that a period held by one document can be told from one spread over many.
    """
    data = frame.dropna(subset=[by])
    if data.empty:
        return pd.DataFrame(columns=VIEW_COLUMNS)
    counts = data.groupby([by, "topic"]).size().rename("n").reset_index()
    counts["share_of_group"] = counts["n"] / counts.groupby(by)["n"].transform("sum")
    counts["share_of_topic"] = counts["n"] / counts.groupby("topic")["n"].transform("sum")
    if "doc_id" in data:
        docs = data.groupby(by)["doc_id"].nunique()
        counts["group_documents"] = counts[by].map(docs).astype("Int64")
    else:
        counts["group_documents"] = pd.array([pd.NA] * len(counts), dtype="Int64")
    counts = counts.rename(columns={by: "group"})
    counts.insert(0, "by", by)
    counts.insert(0, "model", model)
    counts["label"] = counts["topic"].map(labels or {})
    counts["group"] = counts["group"].astype(str)
    return (
        counts[VIEW_COLUMNS].sort_values(["group", "topic"], kind="stable").reset_index(drop=True)
    )


def period_coverage(
    views: pd.DataFrame, model: str, min_segments: int = 30, min_documents: int = 5
) -> pd.DataFrame:
    """Which periods of a topics-over-time table have enough data to be drawn, and why not.

    A period is drawn when it has at least ``min_segments`` segments and at least
    ``min_documents`` documents. Tables written before ``group_documents`` existed (older
    ``topics_over_time.csv``), or with a missing count, have unknown document counts: only the
    segment rule is applied to them, and ``reason`` says so.

    Parameters
    ----------
    views
        Output of :func:`topic_crosstab` (columns ``model, by, group, n``; ``group_documents``
        optional); only rows with ``by == "period"`` and the given ``model`` are used.
    model
        Topic model whose rows are used.
    min_segments
        Fewest segments a drawn period has.
    min_documents
        Fewest documents a drawn period has (when known).

    Returns
    -------
    pandas.DataFrame
        One row per period, sorted: ``group, segments, documents`` (nullable int; missing when
        unknown), ``drawn`` (bool) and ``reason`` (why a period is left out, e.g. ``"14
        segments < 30; 1 document < 5"``; ``"documents unknown"`` for a drawn period without a
        document count; empty otherwise).

    Raises
    ------
    ValueError
        If a needed column is missing or a threshold is below 1.
    """
    missing = [c for c in ("model", "by", "group", "n") if c not in views.columns]
    if missing:
        raise InputError(f"views is missing columns: {', '.join(missing)}")
    if min_segments < 1 or min_documents < 1:
        raise InputError(
            f"min_segments and min_documents must be at least 1, got {min_segments}, "
            f"{min_documents}"
        )
    data = views[(views["model"] == model) & (views["by"] == "period")]
    if data.empty:
        return pd.DataFrame(columns=PERIOD_COLUMNS)
    groups = data["group"].astype(str)
    segments = data.groupby(groups)["n"].sum().astype("int64")
    if "group_documents" in data:
        docs = pd.to_numeric(data["group_documents"], errors="coerce").groupby(groups).max()
    else:
        docs = pd.Series(float("nan"), index=segments.index)
    docs = docs.reindex(segments.index).astype("Int64")
    rows = []
    for period in sorted(segments.index):
        n_seg, n_doc = int(segments[period]), docs[period]
        problems = []
        if n_seg < min_segments:
            problems.append(f"{n_seg} segment{'s' if n_seg != 1 else ''} < {min_segments}")
        if pd.isna(n_doc):
            note = "documents unknown"
        else:
            note = ""
            if n_doc < min_documents:
                problems.append(f"{n_doc} document{'s' if n_doc != 1 else ''} < {min_documents}")
        drawn = not problems
        reason = "; ".join(problems + ([note] if note else [])) if not drawn else note
        rows.append((period, n_seg, n_doc, drawn, reason))
    out = pd.DataFrame(rows, columns=PERIOD_COLUMNS)
    out["documents"] = out["documents"].astype("Int64")
    return out
