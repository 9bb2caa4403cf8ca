"""Publication figures: one function per figure, plain DataFrames in, a Matplotlib Figure out.

Nothing here saves files (see :func:`discourse.figures.save.save_figure`). Every function takes
its category lists (stances, themes, source types, groups) so that a category has the same
colour and position in every figure.

Figures come back laid out (constrained layout, x labels turned when they would overlap) with
the layout then frozen, so that drawing or showing a figure before saving it does not change
the saved bytes. After adding elements to a returned figure, call
``fig.set_layout_engine("constrained")`` to have it laid out again.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

import discourse.figures._draw as _draw
from discourse.figures.style import ANNOTATION_SIZE, color_map, size

__all__ = [
    "confusion_matrices",
    "cooccurrence_heatmap",
    "corpus_overview",
    "distinctive_words",
    "stance_by_source",
    "theme_by_stance",
    "topic_by_stance_heatmap",
    "topics_over_time",
]

_COUNT_COLUMNS = ("documents", "segments", "words")
_CO_VALUES = {
    "jaccard": "Jaccard index (both / either)",
    "phi": "phi coefficient",
    "p_b_given_a": "P(column theme | row theme)",
}
_CO_SHORT = {"jaccard": "Jaccard", "phi": "phi", "p_b_given_a": "P(b | a)"}
_LINESTYLES = ("-", "--", ":", "-.")


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing columns: {', '.join(missing)}")


# --------------------------------------------------------------------------------------------
# corpus


@_draw.styled
def corpus_overview(
    summary: pd.DataFrame,
    source_types: Sequence[str] | None = None,
    totals: dict[str, int] | None = None,
) -> Figure:
    """Documents, segments and words per source type: one horizontal bar panel each.

    Segments and words belong to one source type each, so their bars add up to the totals.
    Documents can hold several source types (an article with its comment thread): pass
    ``documents`` counting each document once (under its main source type, as
    :func:`discourse.analysis.report.corpus_summary` does) and, optionally,
    ``documents_containing`` (documents with any segment of the type); the figure then notes
    how documents were counted. If the document bars do not add up to ``totals["documents"]``
    (e.g. an older table counting a document under every type it holds), the panel title says
    what the bars sum to and a note says why, so the panel never looks like a partition.

    Parameters
    ----------
    summary
        One row per source type with columns ``source_type`` and any of ``documents``,
        ``segments``, ``words`` (counts); ``documents_containing`` is optional.
    source_types
        Canonical order of source types (fixes bar order and colours); others are appended.
    totals
        Totals for the panel titles (default: column sums). Pass the corpus totals, so that
        the document total is the number of distinct documents.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per count column, counts written at the bar ends; a note below the panels
        on how documents are counted when that matters.
    """
    _require(summary, ["source_type"], "summary")
    metrics = [c for c in _COUNT_COLUMNS if c in summary.columns]
    if not metrics:
        raise ValueError(f"summary needs at least one of: {', '.join(_COUNT_COLUMNS)}")
    cats = _draw.ordered(summary["source_type"], source_types)
    colors = color_map(_draw.ordered([*(source_types or []), *cats], source_types))
    extra = ["documents_containing"] if "documents_containing" in summary.columns else []
    table = summary.groupby("source_type", sort=False)[metrics + extra].sum().reindex(cats)
    notes = []
    height = max(1.4, 0.28 * len(cats) + 0.8)
    fig, axes = _draw.new_figure((size("double")[0], height), 1, len(metrics), sharey=True)
    for ax, metric in zip(axes[0], metrics):
        values = table[metric].fillna(0).to_numpy(dtype=float)
        texts = [_draw.count(v) for v in values]
        _draw.hbars(ax, [str(c) for c in cats], values, [colors[c] for c in cats], texts)
        total = (totals or {}).get(metric, values.sum())
        title = f"{metric} (total {_draw.count(total)})"
        if metric == "documents" and round(values.sum()) != round(float(total)):
            title = (
                f"documents (total {_draw.count(total)}; bars sum to {_draw.count(values.sum())})"
            )
            notes.append(
                "A document can hold several source types (e.g. an article with its comments) "
                "and is counted under each, so the document bars do not add up to the total."
            )
        elif metric == "documents" and extra:
            containing = table["documents_containing"].fillna(0)
            notes.append(
                "Documents: each counted once, under the source type holding most of its "
                "segments"
                + (
                    "; documents containing each type: "
                    + ", ".join(f"{c} {_draw.count(v)}" for c, v in containing.items())
                    if (containing.to_numpy() != values).any()
                    else ""
                )
                + "."
            )
        ax.set_title(title)
        ax.set_xlabel(f"{metric} (count)")
        ax.xaxis.set_major_formatter(_draw.COMPACT)
    axes[0, 0].set_ylabel("source type")
    if notes:
        fig.supxlabel(textwrap.fill(" ".join(notes), 130), fontsize=ANNOTATION_SIZE, color="0.3")
    return _draw.finish(fig)


# --------------------------------------------------------------------------------------------
# prevalence with intervals


def _prevalence_tables(
    prev: pd.DataFrame, x_col: str, hue_col: str, x_cats: list, hue_cats: list
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tables = [
        prev.pivot(index=x_col, columns=hue_col, values=v).reindex(index=x_cats, columns=hue_cats)
        for v in ("estimate", "ci_low", "ci_high")
    ]
    return tables[0], tables[1], tables[2]


def _no_interval(data: pd.DataFrame) -> pd.Series:
    """True for rows with an estimate but no interval (a missing bound)."""
    return data["estimate"].notna() & (data["ci_low"].isna() | data["ci_high"].isna())


def _interval_notes(data: pd.DataFrame) -> tuple[str, str | None]:
    """What the whiskers are (resampling unit) and, if some bars have none, the key's label."""
    with_ci = data[~_no_interval(data)]
    if "resampled" in data.columns and not with_ci.empty:
        units = sorted(set(with_ci["resampled"].astype(str)))
        unit = f"{units[0]} resampled" if len(units) == 1 else f"resampled: {', '.join(units)}"
        whiskers = f"whiskers: 95% CI, {unit}"
    elif with_ci.empty:
        whiskers = "no intervals"
    else:
        whiskers = "whiskers: 95% CI"
    without = data[_no_interval(data)]
    if without.empty:
        return whiskers, None
    thresholds: set[int] = set()
    if "resampled" in without.columns:
        for text in without["resampled"].astype(str):
            thresholds.update(int(m) for m in re.findall(r"<\s*(\d+)", text))
    why = (
        f"fewer than {' or '.join(map(str, sorted(thresholds)))} documents"
        if thresholds
        else "too few documents"
    )
    return whiskers, f"hatched: no interval ({why})"


def _legend_columns(labels: Sequence[str], width: float, most: int) -> int:
    """Legend columns (at most ``most``) whose labels fit side by side in ``width`` inches."""
    longest = max((len(label) for label in labels), default=1)
    per_column = 0.45 + 0.06 * longest  # handle and padding, plus ~0.06 in per 8 pt character
    return max(1, min(most, len(labels), int((width - 0.1) // per_column)))


def _docs(n: float) -> str:
    return f"{_draw.count(n)} doc{'' if n == 1 else 's'}"


def _ci_bar_figure(
    prev: pd.DataFrame,
    x_col: str,
    hue_col: str,
    x_cats: list,
    hue_cats: list,
    colors: dict,
    x_labels: list[str],
    legend_labels: dict,
    legend_title: str,
    xlabel: str,
    estimate: str | None = None,
) -> Figure:
    """Grouped bars with whiskers; bars without an interval hatched, and a legend saying so.

    ``estimate`` names the estimate the bars show (e.g. "corrected (PPI++, 200 coded)"); it
    leads the legend title. Without a ``resampled`` column (design-based intervals of the
    corrected estimates), bars without an interval are explained as having no coded unit in
    their domain.

    The legend's handles are built here (not taken from the bars), so that a colour's handle
    is filled when that colour has an interval anywhere and hatched when it has none, and a
    grey hatched key explains bars without an interval.
    """
    layout = "single" if len(x_cats) * max(len(hue_cats), 1) <= 16 else "double"
    lines = [line for label in x_labels for line in str(label).split("\n")]
    widest = max((len(line) for line in lines), default=1)
    if layout == "single" and widest * 0.065 > (size("single")[0] - 0.6) / max(len(x_cats), 1):
        layout = "double"  # tick labels side by side would overlap and be turned on end
    width, height = size(layout, 0.62 if layout == "single" else 0.36)
    if not x_cats or not hue_cats:
        fig, axes = _draw.new_figure((width, height))
        _draw.note(axes[0, 0], "no data")
        return _draw.finish(fig)
    whiskers, key = _interval_notes(prev)
    if key is not None and estimate is not None and "resampled" not in prev.columns:
        key = "hatched: no interval (no coded unit in the domain)"
    if estimate is not None:
        whiskers = f"{estimate}; {whiskers}"
    hollow = _no_interval(prev)
    handles = []
    for hue in hue_cats:
        rows = prev[hue_col] == hue
        label = legend_labels.get(hue, str(hue))
        if (rows & hollow).any() and not (rows & ~hollow & prev["estimate"].notna()).any():
            handles.append(_draw.no_interval_patch(colors[hue], label))
        else:
            handles.append(Patch(facecolor=colors[hue], label=label))
    if key is not None:
        handles.append(_draw.no_interval_patch("0.35", key))
    ncols = _legend_columns([h.get_label() for h in handles], width, 2 if layout == "single" else 4)
    legend_rows = math.ceil(len(handles) / ncols)
    tick_lines = max((str(label).count("\n") + 1 for label in x_labels), default=1)
    # room for the plot (1 in), legend (title + rows), tick labels, axis label and padding
    title = textwrap.fill(f"{legend_title} ({whiskers})", max(30, int((width - 0.2) / 0.06)))
    title_lines = title.count("\n") + 1
    needed = 1.0 + 0.17 * (legend_rows + title_lines) + 0.1 + 0.14 * tick_lines + 0.35
    fig, axes = _draw.new_figure((width, max(height, round(needed, 2))))
    ax = axes[0, 0]
    est, low, high = _prevalence_tables(prev, x_col, hue_col, x_cats, hue_cats)
    _draw.grouped_bars(ax, est, low, high, colors, legend_labels)
    ax.set_xticklabels(x_labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of segments")
    fig.legend(
        handles=handles,
        loc="outside upper center",
        ncols=ncols,
        title=title,
    )
    return _draw.finish(fig, [ax])


@_draw.styled
def stance_by_source(
    prev: pd.DataFrame,
    stances: Sequence[str],
    source_types: Sequence[str] | None = None,
    estimate: str | None = None,
) -> Figure:
    """Share of segments per stance within each source type, with 95% interval whiskers.

    Rows without an interval (missing ``ci_low``/``ci_high``: a source type with too few
    documents, see :func:`discourse.analysis.stats.prevalence`) are drawn as hatched, hollow
    bars without a whisker, their tick label says "no CI", and a legend key gives the reason.
    The legend title names the resampling unit of the whiskers.

    Parameters
    ----------
    prev
        Prevalence table (:func:`discourse.analysis.stats.prevalence`): columns ``group``
        (source type), ``variable`` (stance), ``n_segments``, ``estimate``, ``ci_low``,
        ``ci_high``; ``n_clusters`` (documents) and ``resampled`` are used when present, other
        columns are ignored.
    stances
        All stances in codebook order (fixes colours); rows of other variables are ignored.
    source_types
        Canonical order of source types on the x axis; others are appended.
    estimate
        Which estimate the bars show, written first in the legend title (e.g. ``"corrected
        (PPI++, 200 coded units)"`` or ``"predicted labels"``); the whisker description (from
        ``resampled`` when present) follows it.

    Returns
    -------
    matplotlib.figure.Figure
        Grouped bars, x = source type labelled with its segment (and document) count.
    """
    _require(prev, ["group", "variable", "n_segments", "estimate", "ci_low", "ci_high"], "prev")
    data = prev[prev["variable"].isin(list(stances))]
    groups = _draw.ordered(data["group"], source_types)
    hue = _draw.ordered(data["variable"], stances)
    n = data.groupby("group")["n_segments"].max()
    labels = [_draw.with_n(g, n[g]) for g in groups]
    no_ci = set(data.loc[_no_interval(data), "group"])
    if "n_clusters" in data.columns:
        docs = data.groupby("group")["n_clusters"].max()
        labels = [f"{lab}\n{_docs(docs[g])}" for lab, g in zip(labels, groups)]
    labels = [f"{lab}{', no CI' if g in no_ci else ''}" for lab, g in zip(labels, groups)]
    return _ci_bar_figure(
        data,
        "group",
        "variable",
        groups,
        hue,
        color_map(stances),
        labels,
        {},
        "stance",
        "source type",
        estimate,
    )


@_draw.styled
def theme_by_stance(
    prev: pd.DataFrame,
    themes: Sequence[str],
    stances: Sequence[str],
    estimate: str | None = None,
) -> Figure:
    """Share of segments with each theme, per stance, with 95% interval whiskers.

    Every whisker comes from the same resampling unit, named in the legend title. A stance
    without an interval (too few documents) has hatched, hollow bars without whiskers, and its
    legend entry says "no CI".

    Parameters
    ----------
    prev
        Prevalence table with ``group`` = stance and ``variable`` = theme (columns as for
        :func:`stance_by_source`).
    themes
        Themes in codebook order (x axis); other variables are ignored.
    stances
        All stances in codebook order (fixes colours); other groups are ignored.
    estimate
        Which estimate the bars show (see :func:`stance_by_source`).

    Returns
    -------
    matplotlib.figure.Figure
        Grouped bars, x = theme, one colour per stance; the legend gives each stance's n (and
        documents, with ``n_clusters``).
    """
    _require(prev, ["group", "variable", "n_segments", "estimate", "ci_low", "ci_high"], "prev")
    data = prev[prev["variable"].isin(list(themes)) & prev["group"].isin(list(stances))]
    x_cats = _draw.ordered(data["variable"], themes)
    hue = _draw.ordered(data["group"], stances)
    n = data.groupby("group")["n_segments"].max()
    docs = data.groupby("group")["n_clusters"].max() if "n_clusters" in data.columns else None
    no_ci = set(data.loc[_no_interval(data), "group"])
    legend = {}
    for s in hue:
        text = f"n = {_draw.count(n[s])}"
        if docs is not None:
            text += f", {_docs(docs[s])}"
        if s in no_ci:
            text += ", no CI"
        legend[s] = f"{s} ({text})"
    return _ci_bar_figure(
        data,
        "variable",
        "group",
        x_cats,
        hue,
        color_map(stances),
        [_draw.wrap(t) for t in x_cats],
        legend,
        "stance",
        "theme",
        estimate,
    )


# --------------------------------------------------------------------------------------------
# co-occurrence


def _square(co: pd.DataFrame, column: str, cats: list, symmetric: bool) -> pd.DataFrame:
    mat = co.pivot(index="a", columns="b", values=column).reindex(index=cats, columns=cats)
    return mat.combine_first(mat.T).reindex(index=cats, columns=cats) if symmetric else mat


@_draw.styled
def cooccurrence_heatmap(co: pd.DataFrame, themes: Sequence[str], value: str = "jaccard") -> Figure:
    """Theme co-occurrence as an annotated square heatmap.

    Parameters
    ----------
    co
        Output of :func:`discourse.analysis.stats.cooccurrence`: columns ``a, b, n_a, n_b,
        n_both, jaccard, phi, p_b_given_a``, one row per ordered pair (one direction per pair
        is enough for the symmetric measures).
    themes
        Themes in codebook order (rows and columns).
    value
        Colour and cell value: ``"jaccard"``, ``"phi"`` or ``"p_b_given_a"`` (row = a,
        column = b).

    Returns
    -------
    matplotlib.figure.Figure
        Cells show the value and ``n_both``; diagonal cells show each theme's own n.
    """
    if value not in _CO_VALUES:
        raise ValueError(f"unknown value {value!r}; valid options: {', '.join(_CO_VALUES)}")
    _require(co, ["a", "b", "n_a", "n_b", "n_both", value], "co")
    cats = _draw.ordered(pd.concat([co["a"], co["b"]]), themes)
    if not cats:
        fig, axes = _draw.new_figure(size("single", 0.5))
        _draw.note(axes[0, 0], "no co-occurrence data")
        return _draw.finish(fig)
    symmetric = value != "p_b_given_a"
    vals = _square(co, value, cats, symmetric).to_numpy(dtype=float, copy=True)
    both = _square(co, "n_both", cats, True).to_numpy(dtype=float)
    own = pd.concat([co.set_index("a")["n_a"], co.set_index("b")["n_b"]]).groupby(level=0).max()
    np.fill_diagonal(vals, np.nan)
    texts = np.full(vals.shape, "", dtype=object)
    for (i, j), v in np.ndenumerate(vals):
        if i == j:
            texts[i, j] = f"n = {_draw.count(own.get(cats[i], np.nan))}"
        elif not np.isnan(v):
            texts[i, j] = f"{v:.2f}\n({_draw.count(both[i, j])})"
    finite = np.abs(vals[np.isfinite(vals)])
    top = max(float(finite.max()) if finite.size else 1.0, 1e-9)
    vmin = -top if value == "phi" else 0.0
    # cells of about 0.45 in; room for labels and colour bar (no fixed aspect: fixed-aspect
    # axes make constrained layout drift from draw to draw)
    side = min(max(0.45 * len(cats), 1.5), 4.5)
    fig, axes = _draw.new_figure((min(side + 1.9, size("double")[0]), side + 1.4))
    ax = axes[0, 0]
    rows = [_draw.shorten(c, 30) for c in cats]  # one line per row: rows are short
    image = _draw.annotated_heatmap(
        ax, vals, rows, [_draw.wrap(c, 12) for c in cats], texts, vmin, top
    )
    ax.set_ylabel("theme a (row)")
    ax.set_xlabel("theme b (column)")
    ax.set_title(f"cells: {_CO_SHORT[value]} (n with both)")
    fig.colorbar(image, ax=ax, label=_CO_VALUES[value], shrink=0.8)
    return _draw.finish(fig, [ax])


# --------------------------------------------------------------------------------------------
# distinctive words


@_draw.styled
def distinctive_words(lo: pd.DataFrame, groups: Sequence[str], k: int = 10) -> Figure:
    """Top-``k`` distinctive words of each group, one bar panel per group.

    Parameters
    ----------
    lo
        Output of :func:`discourse.analysis.stats.log_odds_dirichlet`: columns ``group, word,
        count_group, z`` (others ignored).
    groups
        Groups in canonical order (panel order and colours); groups in ``lo`` but not here are
        appended. A group without words gets a panel saying "no words".
    k
        Words per panel.

    Returns
    -------
    matplotlib.figure.Figure
        Bars of z-scores, each annotated with the word's count in the group.
    """
    _require(lo, ["group", "word", "count_group", "z"], "lo")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    cats = _draw.ordered(list(groups) + list(lo["group"]), groups)
    colors = color_map(cats)
    nrows, ncols = _draw.grid(len(cats), 3)
    width = size("single" if ncols == 1 else "double")[0]
    fig, axes = _draw.new_figure((width, nrows * (0.16 * k + 0.7)), nrows, ncols)
    for ax, group in zip(axes.flat, cats):
        top = lo[lo["group"] == group].sort_values(["z", "word"], ascending=[False, True])
        top = top.head(k)
        ax.set_title(str(group))
        if top.empty:
            _draw.note(ax, "no words")
            continue
        texts = [_draw.count(c) for c in top["count_group"]]
        _draw.hbars(
            ax, [str(w) for w in top["word"]], top["z"].to_numpy(float), colors[group], texts
        )
        ax.set_ylim(k - 0.5, -0.5)  # k slots in every panel: equal bar widths across panels
    for ax in axes.flat[len(cats) :]:
        ax.set_axis_off()
    fig.supxlabel(
        "z-score (log-odds, informative Dirichlet prior); numbers: count of the word in the group"
    )
    return _draw.finish(fig)


# --------------------------------------------------------------------------------------------
# topics


def _topic_rows(views: pd.DataFrame, model: str, by: str) -> pd.DataFrame:
    cols = ["model", "by", "group", "topic", "label", "n", "share_of_group", "share_of_topic"]
    _require(views, cols, "views")
    data = views[(views["model"] == model) & (views["by"] == by)].copy()
    data["topic"] = data["topic"].astype(int)
    data["group"] = data["group"].astype(str)
    return data


def _largest_topics(data: pd.DataFrame, limit: int) -> list[int]:
    totals = data[data["topic"] != -1].groupby("topic")["n"].sum().reset_index()
    totals = totals.sort_values(["n", "topic"], ascending=[False, True], kind="mergesort")
    return [int(t) for t in totals["topic"].head(limit)]


def _topic_label(data: pd.DataFrame, topic: int, width: int) -> str:
    if topic == -1:
        return "outliers"
    labels = data.loc[data["topic"] == topic, "label"].dropna()
    text = f"{topic}: {labels.iloc[0]}" if len(labels) and str(labels.iloc[0]) else f"{topic}"
    return _draw.shorten(text, width)


@_draw.styled
def topic_by_stance_heatmap(
    views: pd.DataFrame, stances: Sequence[str], max_topics: int = 20, model: str = "bertopic"
) -> Figure:
    """Distribution of each topic over stances, as an annotated heatmap.

    Parameters
    ----------
    views
        Output of :func:`discourse.topics.views.topic_crosstab` (several models and groupings
        may be stacked): columns ``model, by, group, topic, label, n, share_of_group,
        share_of_topic``. Only rows with ``by == "stance"`` and the given ``model`` are used.
    stances
        Stances in codebook order (columns).
    max_topics
        Largest topics shown (by segment count); the outlier topic -1 is added last.
    model
        Topic model to show.

    Returns
    -------
    matplotlib.figure.Figure
        Rows = topics ("<topic>: <label> (n = ...)"), columns = stances (with n), colour and
        cell text = share of the topic's segments in the stance (rows sum to 1).
    """
    data = _topic_rows(views, model, "stance")
    if data.empty:
        fig, axes = _draw.new_figure(size("single", 0.5))
        _draw.note(axes[0, 0], f"no topic-by-stance data for model {model!r}")
        return _draw.finish(fig)
    topics = _largest_topics(data, max_topics) + ([-1] if (data["topic"] == -1).any() else [])
    cols = _draw.ordered(data["group"], [str(s) for s in stances])
    share = data.pivot(index="topic", columns="group", values="share_of_topic")
    share = share.reindex(index=topics, columns=cols).fillna(0.0).to_numpy(dtype=float)
    n_topic = data.groupby("topic")["n"].sum()
    n_stance = data.groupby("group")["n"].sum()
    rows = [f"{_topic_label(data, t, 40)} (n = {_draw.count(n_topic[t])})" for t in topics]
    col_labels = [_draw.with_n(c, n_stance[c], 12) for c in cols]
    texts = np.vectorize(lambda v: f"{v:.2f}")(share)
    fig, axes = _draw.new_figure((size("double")[0], max(2.6, 0.2 * len(topics) + 1.3)))
    ax = axes[0, 0]
    image = _draw.annotated_heatmap(ax, share, rows, col_labels, texts, 0.0, 1.0)
    ax.xaxis.set_ticks_position("top")
    ax.set_xlabel("stance (n = segments)")
    ax.xaxis.set_label_position("top")
    ax.set_ylabel("topic (n = segments)")
    fig.colorbar(image, ax=ax, label="share of topic (rows sum to 1)", pad=0.02)
    return _draw.finish(fig)


def _period_note(coverage: pd.DataFrame, min_segments: int, min_documents: int) -> str:
    """Which periods were left out and why, and whether document counts were unknown."""
    parts = []
    left = coverage[~coverage["drawn"]]
    if not left.empty:
        listed = "; ".join(f"{r.group} ({r.reason})" for r in left.itertuples(index=False))
        parts.append(
            f"Left out (fewer than {min_segments} segments or {min_documents} documents): {listed}."
        )
    unknown = coverage["documents"].isna()
    if unknown.all():
        parts.append(
            "Document counts unknown (older topics_over_time.csv): periods kept by segment "
            "count only."
        )
    elif unknown.any():
        listed = ", ".join(str(g) for g in coverage.loc[unknown, "group"])
        parts.append(f"Document counts unknown for {listed}: kept by segment count only.")
    return textwrap.fill(" ".join(parts), 120)


@_draw.styled
def topics_over_time(
    views: pd.DataFrame,
    top: int = 8,
    model: str = "bertopic",
    min_segments: int = 30,
    min_documents: int = 5,
) -> Figure:
    """Share of segments in each period for the largest topics, one line per topic.

    Only periods with at least ``min_segments`` segments and ``min_documents`` documents are
    drawn (:func:`discourse.topics.views.period_coverage`): a period held by one comment thread
    or a dozen segments shows those documents, not the period, and a line through it draws a
    trend that is not there. Left-out periods are named, with their counts, in a note above
    the plot; lines are broken where a left-out period lies between drawn ones. Without a
    ``group_documents`` column (older tables) only the segment rule applies and the note says
    so.

    Parameters
    ----------
    views
        Output of :func:`discourse.topics.views.topic_crosstab`; only rows with
        ``by == "period"`` and the given ``model`` are used.
    top
        Number of topics shown (largest by segment count in the drawn periods, outliers
        excluded).
    model
        Topic model to show.
    min_segments
        Fewest segments of a drawn period.
    min_documents
        Fewest documents of a drawn period (when the table has document counts).

    Returns
    -------
    matplotlib.figure.Figure
        x = period (with n segments and documents), y = share of segments in period; legend
        below the plot. Without period rows, a figure with the note "no dated segments";
        without a period passing the rule, the note "no period with at least ...".
    """
    from discourse.topics.views import period_coverage

    data = _topic_rows(views, model, "period")
    coverage = period_coverage(views, model, min_segments, min_documents)
    drawn = [str(p) for p in coverage.loc[coverage["drawn"], "group"]]
    kept = data[data["group"].isin(drawn)]
    topics = _largest_topics(kept, top)
    legend_rows = math.ceil(len(topics) / 2)
    fig, axes = _draw.new_figure((size("double")[0], 2.8 + 0.17 * legend_rows))
    ax = axes[0, 0]
    if data.empty:
        _draw.note(ax, "no dated segments")
        return _draw.finish(fig)
    note = _period_note(coverage, min_segments, min_documents)
    if kept.empty or not topics:
        _draw.note(
            ax,
            f"no period with at least {min_segments} segments and {min_documents} documents\n"
            + note,
        )
        return _draw.finish(fig)
    periods = [str(p) for p in coverage["group"]]  # all periods: left-out ones break the lines
    share = kept.pivot(index="group", columns="topic", values="share_of_group")
    share = share.reindex(columns=topics).fillna(0.0).reindex(index=periods)  # left out: nan
    stats = coverage.set_index("group")
    colors = color_map(topics)
    numeric = all(p.isdigit() for p in periods)  # years: gaps between periods stay visible
    x = np.array([int(p) for p in periods]) if numeric else np.arange(len(periods))
    for i, topic in enumerate(topics):
        ax.plot(
            x,
            share[topic].to_numpy(dtype=float),
            marker="o",
            color=colors[topic],
            linestyle=_LINESTYLES[(i // 8) % len(_LINESTYLES)],
            label=_topic_label(data, topic, 45),
        )
    is_drawn = np.array([p in set(drawn) for p in periods])

    def tick(period: str) -> str:
        label = _draw.with_n(period, stats.loc[period, "segments"])
        docs = stats.loc[period, "documents"]
        return label if pd.isna(docs) else f"{label}\n{_docs(docs)}"

    ax.set_xticks(x[is_drawn], [tick(p) for p in np.array(periods)[is_drawn]])
    span = x[is_drawn]
    pad = 0.5 if len(span) == 1 or not numeric else 0.3
    ax.set_xlim(span.min() - pad, span.max() + pad)
    known = not coverage["documents"].isna().all()
    ax.set_xlabel(f"period (n = segments{'; documents' if known else ''})")
    ax.set_ylabel("share of segments in period")
    ax.set_ylim(0, max(float(np.nanmax(share.to_numpy(dtype=float))), 0.01) * 1.1)
    if note:
        ax.set_title(note, loc="left", fontsize=ANNOTATION_SIZE, color="0.3")
    fig.legend(loc="outside lower center", ncols=min(len(topics), 2), title="topic")
    return _draw.finish(fig, [ax])


# --------------------------------------------------------------------------------------------
# evaluation


def _confusion_table(conf: pd.DataFrame) -> pd.DataFrame:
    conf = conf.rename(columns={"pred": "predicted", "count": "n"})
    _require(conf, ["dimension", "gold", "predicted", "n"], "conf")
    return conf.astype({"gold": str, "predicted": str})


@_draw.styled
def confusion_matrices(conf: pd.DataFrame) -> Figure:
    """One annotated confusion matrix per dimension, in a grid.

    Parameters
    ----------
    conf
        Long table with columns ``dimension, gold, predicted, n`` (``pred`` and ``count``, as
        in :meth:`discourse.labels.evaluate.Evaluation.confusion_long`, are accepted too).

    Returns
    -------
    matplotlib.figure.Figure
        Rows = gold label, columns = predicted label, cells = counts, colour = share of the
        gold row (recall); one shared colour bar; titles "<dimension> (n = ...)".
    """
    conf = _confusion_table(conf)
    dims = list(dict.fromkeys(conf["dimension"]))
    nrows, ncols = _draw.grid(len(dims), 3)
    width = size("single")[0] if ncols == 1 else min(size("double")[0], 2.3 * ncols + 0.9)
    fig, axes = _draw.new_figure((width, 2.1 * nrows + 0.2), nrows, ncols)
    image = None
    for ax, dim in zip(axes.flat, dims):
        sub = conf[conf["dimension"] == dim]
        labels = _draw.ordered(list(sub["gold"]) + list(sub["predicted"]), None)
        counts = sub.pivot_table(index="gold", columns="predicted", values="n", aggfunc="sum")
        counts = counts.reindex(index=labels, columns=labels).fillna(0).to_numpy(dtype=float)
        totals = counts.sum(axis=1, keepdims=True)
        share = np.divide(counts, totals, out=np.full_like(counts, np.nan), where=totals > 0)
        texts = np.vectorize(_draw.count)(counts)
        rows = [_draw.shorten(lab, 30) for lab in labels]
        cols = [_draw.wrap(lab, 10) for lab in labels]
        image = _draw.annotated_heatmap(ax, share, rows, cols, texts, 0.0, 1.0)
        ax.set_title(f"{dim} (n = {_draw.count(counts.sum())})")
        ax.set_ylabel("gold label")
        ax.set_xlabel("predicted label")
    for ax in axes.flat[len(dims) :]:
        ax.set_axis_off()
    if image is not None:
        fig.colorbar(image, ax=axes, label="share of gold row (recall)", shrink=0.6)
    return _draw.finish(fig, axes.flat[: len(dims)])
