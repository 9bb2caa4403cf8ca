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
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from discourse.figures import _draw
from discourse.figures.style import color_map, size

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

    Parameters
    ----------
    summary
        One row per source type with columns ``source_type`` and any of ``documents``,
        ``segments``, ``words`` (counts).
    totals
        Totals for the panel titles (default: column sums). Pass the corpus totals when a
        document can hold several source types (an article with its comments), so that the
        document total is not double-counted.
    source_types
        Canonical order of source types (fixes bar order and colours); others are appended.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per count column, counts written at the bar ends.
    """
    _require(summary, ["source_type"], "summary")
    metrics = [c for c in _COUNT_COLUMNS if c in summary.columns]
    if not metrics:
        raise ValueError(f"summary needs at least one of: {', '.join(_COUNT_COLUMNS)}")
    cats = _draw.ordered(summary["source_type"], source_types)
    colors = color_map(_draw.ordered([*(source_types or []), *cats], source_types))
    table = summary.groupby("source_type", sort=False)[metrics].sum().reindex(cats)
    height = max(1.4, 0.28 * len(cats) + 0.8)
    fig, axes = _draw.new_figure((size("double")[0], height), 1, len(metrics), sharey=True)
    for ax, metric in zip(axes[0], metrics):
        values = table[metric].fillna(0).to_numpy(dtype=float)
        texts = [_draw.count(v) for v in values]
        _draw.hbars(ax, [str(c) for c in cats], values, [colors[c] for c in cats], texts)
        total = (totals or {}).get(metric, values.sum())
        ax.set_title(f"{metric} (total {_draw.count(total)})")
        ax.set_xlabel(f"{metric} (count)")
        ax.xaxis.set_major_formatter(_draw.COMPACT)
    axes[0, 0].set_ylabel("source type")
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
) -> Figure:
    layout = "single" if len(x_cats) * max(len(hue_cats), 1) <= 16 else "double"
    fig, axes = _draw.new_figure(size(layout, 0.62 if layout == "single" else 0.36))
    ax = axes[0, 0]
    if not x_cats or not hue_cats:
        _draw.note(ax, "no data")
        return _draw.finish(fig)
    est, low, high = _prevalence_tables(prev, x_col, hue_col, x_cats, hue_cats)
    _draw.grouped_bars(ax, est, low, high, colors, legend_labels)
    ax.set_xticklabels(x_labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of segments")
    ncols = min(len(hue_cats), 2 if layout == "single" else 4) or 1
    fig.legend(loc="outside upper center", ncols=ncols, title=f"{legend_title} (whiskers: 95% CI)")
    return _draw.finish(fig, [ax])


@_draw.styled
def stance_by_source(
    prev: pd.DataFrame, stances: Sequence[str], source_types: Sequence[str] | None = None
) -> Figure:
    """Share of segments per stance within each source type, with 95% interval whiskers.

    Parameters
    ----------
    prev
        Prevalence table (:func:`discourse.analysis.stats.prevalence`): columns ``group``
        (source type), ``variable`` (stance), ``n_segments``, ``estimate``, ``ci_low``,
        ``ci_high``; other columns are ignored.
    stances
        All stances in codebook order (fixes colours); rows of other variables are ignored.
    source_types
        Canonical order of source types on the x axis; others are appended.

    Returns
    -------
    matplotlib.figure.Figure
        Grouped bars, x = source type labelled with its segment count.
    """
    _require(prev, ["group", "variable", "n_segments", "estimate", "ci_low", "ci_high"], "prev")
    data = prev[prev["variable"].isin(list(stances))]
    groups = _draw.ordered(data["group"], source_types)
    hue = _draw.ordered(data["variable"], stances)
    n = data.groupby("group")["n_segments"].max()
    labels = [_draw.with_n(g, n[g]) for g in groups]
    xlabel = "source type"
    if {"n_clusters", "resampled"} <= set(data.columns):
        docs = data.groupby("group")["n_clusters"].max()
        by_segment = set(data.loc[data["resampled"] == "segments", "group"])
        labels = [
            f"{lab}\n{_draw.count(docs[g])} doc{'s' if docs[g] != 1 else ''}"
            f"{'*' if g in by_segment else ''}"
            for lab, g in zip(labels, groups)
        ]
        if by_segment:
            xlabel = "source type\n(* < 5 documents: CI resamples segments)"
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
        xlabel,
    )


@_draw.styled
def theme_by_stance(prev: pd.DataFrame, themes: Sequence[str], stances: Sequence[str]) -> Figure:
    """Share of segments with each theme, per stance, with 95% interval whiskers.

    Parameters
    ----------
    prev
        Prevalence table with ``group`` = stance and ``variable`` = theme (columns as for
        :func:`stance_by_source`).
    themes
        Themes in codebook order (x axis); other variables are ignored.
    stances
        All stances in codebook order (fixes colours); other groups are ignored.

    Returns
    -------
    matplotlib.figure.Figure
        Grouped bars, x = theme, one colour per stance; the legend gives each stance's n.
    """
    _require(prev, ["group", "variable", "n_segments", "estimate", "ci_low", "ci_high"], "prev")
    data = prev[prev["variable"].isin(list(themes)) & prev["group"].isin(list(stances))]
    x_cats = _draw.ordered(data["variable"], themes)
    hue = _draw.ordered(data["group"], stances)
    n = data.groupby("group")["n_segments"].max()
    return _ci_bar_figure(
        data,
        "variable",
        "group",
        x_cats,
        hue,
        color_map(stances),
        [_draw.wrap(t) for t in x_cats],
        {s: f"{s} (n = {_draw.count(n[s])})" for s in hue},
        "stance",
        "theme",
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


@_draw.styled
def topics_over_time(views: pd.DataFrame, top: int = 8, model: str = "bertopic") -> Figure:
    """Share of segments in each period for the largest topics, one line per topic.

    Parameters
    ----------
    views
        Output of :func:`discourse.topics.views.topic_crosstab`; only rows with
        ``by == "period"`` and the given ``model`` are used.
    top
        Number of topics shown (largest by segment count, outliers excluded).
    model
        Topic model to show.

    Returns
    -------
    matplotlib.figure.Figure
        x = period (with n), y = share of segments in period; legend below the plot. Without
        period rows, a figure with the note "no dated segments".
    """
    data = _topic_rows(views, model, "period")
    topics = _largest_topics(data, top)
    legend_rows = math.ceil(len(topics) / 2)
    fig, axes = _draw.new_figure((size("double")[0], 2.8 + 0.17 * legend_rows))
    ax = axes[0, 0]
    if data.empty or not topics:
        _draw.note(ax, "no dated segments")
        return _draw.finish(fig)
    periods = sorted(data["group"].unique())
    share = data.pivot(index="group", columns="topic", values="share_of_group")
    share = share.reindex(index=periods, columns=topics).fillna(0.0)
    n_period = data.groupby("group")["n"].sum()
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
    ax.set_xticks(x, [_draw.with_n(p, n_period[p]) for p in periods])
    ax.set_xlabel("period (n = segments)")
    ax.set_ylabel("share of segments in period")
    ax.set_ylim(0, max(float(share.to_numpy().max()), 0.01) * 1.1)
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
