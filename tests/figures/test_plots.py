"""Figure functions, the house style and reproducible, atomic saving."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from discourse.figures import (
    OKABE_ITO,
    color_map,
    confusion_matrices,
    cooccurrence_heatmap,
    corpus_overview,
    distinctive_words,
    paper_style,
    save_figure,
    size,
    stance_by_source,
    theme_by_stance,
    topic_by_stance_heatmap,
    topics_over_time,
)

STANCES = ["strategic", "self-healing", "autonomy-first", "none"]
THEMES = ["shame", "abandonment", "regret"]
SOURCES = ["transcript", "article", "comment", "post"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------------------
# tiny inputs matching each interface


def summary_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_type": ["article", "comment", "transcript"],
            "documents": [12, 340, 5],
            "segments": [150, 410, 80],
            "words": [21000, 15500, 9100],
        }
    )


def prevalence_frame(groups: list[str], variables: list[str], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g_i, group in enumerate(groups):
        est = rng.dirichlet(np.ones(len(variables)))
        for variable, e in zip(variables, est):
            rows.append(
                {
                    "group": group,
                    "variable": variable,
                    "n_segments": 50 + 10 * g_i,
                    "n_clusters": 5 + g_i,
                    "estimate": e,
                    "ci_low": max(e - 0.08, 0.0),
                    "ci_high": min(e + 0.08, 1.0),
                    "resampled": "documents",
                }
            )
    return pd.DataFrame(rows)


def cooccurrence_frame() -> pd.DataFrame:
    n = {"shame": 30, "abandonment": 22, "regret": 15}
    both = {("shame", "abandonment"): 8, ("shame", "regret"): 4, ("abandonment", "regret"): 6}
    rows = []
    for a in THEMES:
        for b in THEMES:
            nb = n[a] if a == b else both.get((a, b), both.get((b, a)))
            rows.append(
                {
                    "a": a,
                    "b": b,
                    "n_a": n[a],
                    "n_b": n[b],
                    "n_both": nb,
                    "jaccard": nb / (n[a] + n[b] - nb),
                    "phi": 0.1 if a != b else 1.0,
                    "p_b_given_a": nb / n[a],
                }
            )
    return pd.DataFrame(rows)


def log_odds_frame() -> pd.DataFrame:
    rows = []
    for group, words in {"article": 12, "comment": 4}.items():
        for i in range(words):
            rows.append(
                {
                    "group": group,
                    "word": f"{group[:3]}word{i}",
                    "count_group": 40 - i,
                    "count_rest": 10 + i,
                    "delta": 1.0 - 0.05 * i,
                    "var": 0.02,
                    "z": 7.0 - 0.5 * i,
                }
            )
    return pd.DataFrame(rows)


def views_frame(
    with_outliers: bool = True,
    with_periods: bool = True,
    documents: dict[str, int] | None = None,
    extra_periods: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Topic views; ``documents``: period -> document count (a ``group_documents`` column);
    ``extra_periods``: period -> segments, spread over topics 0 and 1 (e.g. a small period)."""
    labels = {
        -1: "outlier words",
        0: "make him miss you by going silent for thirty days",
        1: "healing self care journaling",
        2: "blocking on social media",
        3: "texting rules",
    }
    topics = [t for t in labels if with_outliers or t != -1]
    rows = []
    groupings = {"stance": STANCES[:3]}
    if with_periods:
        groupings["period"] = ["2011", "2012", "2014"]
    for by, groups in groupings.items():
        for g_i, group in enumerate(groups):
            for topic in topics:
                rows.append(
                    {
                        "model": "bertopic",
                        "by": by,
                        "group": group,
                        "topic": topic,
                        "label": labels[topic],
                        "n": 5 + 3 * g_i + 2 * (topic + 1),
                    }
                )
    for period, n in (extra_periods or {}).items():
        for topic, part in ((0, n // 2), (1, n - n // 2)):
            rows.append(
                {
                    "model": "bertopic",
                    "by": "period",
                    "group": period,
                    "topic": topic,
                    "label": labels[topic],
                    "n": part,
                }
            )
    frame = pd.DataFrame(rows)
    if documents is not None:
        frame["group_documents"] = frame["group"].map(documents).where(frame["by"] == "period")
    nmf = frame[frame["by"] == "stance"].assign(model="nmf")
    frame = pd.concat([frame, nmf], ignore_index=True)
    keys = ["model", "by"]
    frame["share_of_group"] = frame["n"] / frame.groupby([*keys, "group"])["n"].transform("sum")
    frame["share_of_topic"] = frame["n"] / frame.groupby([*keys, "topic"])["n"].transform("sum")
    return frame


def confusion_frame() -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(3)
    for dim, labels in {"stance": STANCES, "shame": ["0", "1"], "regret": ["0", "1"]}.items():
        for gold in labels:
            for pred in labels:
                n = int(rng.integers(0, 5)) + (20 if gold == pred else 0)
                rows.append({"dimension": dim, "gold": gold, "predicted": pred, "n": n})
    return pd.DataFrame(rows)


def bars_of(fig: Figure) -> list:
    return [p for ax in fig.axes for c in ax.containers if isinstance(c, BarContainer) for p in c]


def cell_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


# --------------------------------------------------------------------------------------------
# style


def test_size_and_palette():
    assert size("single", aspect=0.75) == (3.5, 2.625)
    assert size("double", aspect=0.5)[0] == 7.16
    with pytest.raises(ValueError):
        size("triple")
    assert set(color_map(STANCES).values()) <= set(OKABE_ITO.values())
    assert color_map(STANCES)["none"] == color_map([*STANCES, "other"])["none"]


def test_paper_style_sets_and_restores_rcparams():
    before = mpl.rcParams["pdf.fonttype"]
    with paper_style():
        assert mpl.rcParams["pdf.fonttype"] == 42
        assert mpl.rcParams["ps.fonttype"] == 42
        assert mpl.rcParams["svg.hashsalt"] == "discourse"
        assert mpl.rcParams["savefig.dpi"] == 300
        assert mpl.rcParams["figure.constrained_layout.use"]
        assert not mpl.rcParams["axes.spines.top"]
        assert 8 <= mpl.rcParams["font.size"] <= 9
    assert mpl.rcParams["pdf.fonttype"] == before


# --------------------------------------------------------------------------------------------
# figures


def test_corpus_overview_panels_and_annotations():
    fig = corpus_overview(summary_frame(), source_types=SOURCES)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    assert len(bars_of(fig)) == 9
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "21,000" in texts and "340" in texts
    # canonical order (transcript, article, comment) and fixed colours
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][:2] == ["transcript", "article"]
    article = fig.axes[0].containers[0][1]
    assert mpl.colors.to_hex(article.get_facecolor()) == color_map(SOURCES)["article"].lower()


def test_stance_by_source_bars_errorbars_and_n():
    prev = prevalence_frame(["article", "comment", "transcript"], STANCES)
    fig = stance_by_source(prev, STANCES, source_types=SOURCES)
    (ax,) = fig.axes
    assert len(bars_of(fig)) == 12
    bar_groups = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert all(c.errorbar is not None for c in bar_groups)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].startswith("transcript") and "n = 70" in labels[0]
    assert ax.get_ylabel() == "share of segments"
    assert len(fig.legends[0].get_texts()) == 4


def test_theme_by_stance_bars_and_legend_n():
    prev = prevalence_frame(STANCES[:3], THEMES)
    fig = theme_by_stance(prev, THEMES, STANCES)
    assert len(bars_of(fig)) == 9
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "strategic (n = 50, 5 docs)"
    assert "documents resampled" in fig.legends[0].get_title().get_text()


def test_cooccurrence_heatmap_cells():
    fig = cooccurrence_heatmap(cooccurrence_frame(), THEMES)
    ax = fig.axes[0]
    assert any(isinstance(im, AxesImage) for im in ax.images)
    assert len(fig.axes) == 2  # heatmap + colour bar
    texts = cell_texts(ax)
    assert len(texts) == 9
    assert "n = 30" in texts  # diagonal: the theme's own n
    assert f"{8 / 44:.2f}\n(8)" in texts
    with pytest.raises(ValueError):
        cooccurrence_heatmap(cooccurrence_frame(), THEMES, value="lift")


def test_cooccurrence_heatmap_one_direction_is_mirrored():
    co = cooccurrence_frame()
    upper = co[co["a"].map(THEMES.index) < co["b"].map(THEMES.index)]
    texts = cell_texts(cooccurrence_heatmap(upper, THEMES, value="phi").axes[0])
    assert texts.count("0.10\n(8)") == 2


def test_distinctive_words_panels_and_no_words():
    fig = distinctive_words(log_odds_frame(), ["article", "comment", "post"], k=10)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["article", "comment", "post"]
    assert [len(ax.patches) for ax in panels] == [10, 4, 0]
    assert "no words" in cell_texts(panels[2])
    assert "Dirichlet" in fig.get_supxlabel()


def test_topic_by_stance_heatmap_rows_and_outliers_last():
    fig = topic_by_stance_heatmap(views_frame(), STANCES, max_topics=3)
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert len(rows) == 4
    assert rows[-1].startswith("outliers")
    assert rows[0].startswith("3: texting rules")
    assert all(len(r.split(" (n = ")[0]) <= 40 for r in rows)
    assert len(cell_texts(ax)) == 4 * 3
    cols = [t.get_text() for t in ax.get_xticklabels()]
    assert cols[0].startswith("strategic")


def test_topic_by_stance_heatmap_without_outliers():
    fig = topic_by_stance_heatmap(views_frame(with_outliers=False), STANCES)
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(rows) == 4 and not any(r.startswith("outliers") for r in rows)


def test_topics_over_time_lines_and_empty():
    fig = topics_over_time(views_frame(), top=3)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 3
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["2011", "2012", "2014"]
    assert ax.get_ylabel() == "share of segments in period"
    empty = topics_over_time(views_frame(with_periods=False))
    assert "no dated segments" in cell_texts(empty.axes[0])


def test_confusion_matrices_grid_and_titles():
    conf = confusion_frame()
    fig = confusion_matrices(conf)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    n_stance = conf.loc[conf["dimension"] == "stance", "n"].sum()
    assert titles == [f"stance (n = {n_stance})", *titles[1:]]
    assert len(titles) == 3
    heatmaps = [ax for ax in fig.axes if ax.images]
    assert [len(ax.texts) for ax in heatmaps] == [16, 4, 4]
    legacy = conf.rename(columns={"predicted": "pred", "n": "count"})
    assert len([ax for ax in confusion_matrices(legacy).axes if ax.images]) == 3


def test_empty_inputs_give_a_note_not_an_error():
    prev = prevalence_frame(["article"], STANCES).iloc[:0]
    co = cooccurrence_frame().iloc[:0]
    for fig in (
        stance_by_source(prev, STANCES),
        theme_by_stance(prev, THEMES, STANCES),
        cooccurrence_heatmap(co, THEMES),
    ):
        assert isinstance(fig, Figure)
        assert any(t.get_text().startswith("no ") for ax in fig.axes for t in ax.texts)


def _no_interval_prevalence() -> pd.DataFrame:
    """article: 8 documents (intervals); comment: 3 documents (no intervals)."""
    prev = prevalence_frame(["article", "comment"], STANCES)
    comment = prev["group"] == "comment"
    prev.loc[comment, ["ci_low", "ci_high"]] = np.nan
    prev.loc[comment, "n_clusters"] = 3
    prev.loc[comment, "resampled"] = "none: 3 documents < 5"
    prev.loc[~comment, "n_clusters"] = 8
    return prev


def test_stance_by_source_draws_groups_without_interval_hatched_and_without_whiskers():
    fig = stance_by_source(_no_interval_prevalence(), STANCES, source_types=SOURCES)
    (ax,) = fig.axes
    containers = [c for c in ax.containers if isinstance(c, BarContainer)]
    for c in containers:  # x = [article, comment]
        article, comment = c.patches
        assert article.get_hatch() is None and comment.get_hatch() == "////"
        assert mpl.colors.to_hex(comment.get_facecolor()) == "#ffffff"
        whiskers = c.errorbar.lines[2][0].get_segments()
        assert len(whiskers[0]) == 2 and len(whiskers[1]) == 0  # no whisker for comment
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].endswith("8 docs") and labels[1].endswith("3 docs, no CI")
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[-1] == "hatched: no interval (fewer than 5 documents)"
    assert legend.get_title().get_text() == "stance (whiskers: 95% CI, documents resampled)"
    # every stance has an interval for article: the stance handles are filled
    assert all(h.get_hatch() is None for h in legend.legend_handles[:-1])


def test_stance_by_source_without_any_interval_says_so():
    prev = _no_interval_prevalence()
    prev = prev[prev["group"] == "comment"]
    fig = stance_by_source(prev, STANCES)
    legend = fig.legends[0]
    assert legend.get_title().get_text() == "stance (no intervals)"
    assert all(h.get_hatch() == "////" for h in legend.legend_handles)


def test_theme_by_stance_marks_stances_without_interval_and_names_the_unit():
    prev = prevalence_frame(STANCES[:3], THEMES)
    few = prev["group"] == "autonomy-first"
    prev.loc[few, ["ci_low", "ci_high"]] = np.nan
    prev.loc[few, "n_clusters"] = 2
    prev.loc[few, "resampled"] = "none: 2 documents < 5"
    fig = theme_by_stance(prev, THEMES, STANCES)
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[2] == "autonomy-first (n = 70, 2 docs, no CI)"
    assert texts[-1] == "hatched: no interval (fewer than 5 documents)"
    assert legend.legend_handles[2].get_hatch() == "////"
    assert legend.legend_handles[0].get_hatch() is None
    assert "documents resampled" in legend.get_title().get_text()
    autonomy = [c for c in fig.axes[0].containers if isinstance(c, BarContainer)][2]
    assert all(p.get_hatch() == "////" for p in autonomy.patches)


def _documents_panel_sum(fig: Figure) -> float:
    return sum(p.get_width() for p in fig.axes[0].patches)


def test_corpus_overview_documents_add_up_to_the_total():
    summary = pd.DataFrame(
        {
            "source_type": ["article", "comment", "transcript"],
            "documents": [2, 2, 1],
            "documents_containing": [4, 2, 1],
            "segments": [55, 42, 18],
            "words": [2955, 6331, 1999],
        }
    )
    fig = corpus_overview(summary, SOURCES, totals={"documents": 5, "segments": 115})
    assert fig.axes[0].get_title() == "documents (total 5)"
    assert _documents_panel_sum(fig) == 5
    note = " ".join(fig.get_supxlabel().split())
    assert "counted once" in note and "transcript 1, article 4, comment 2" in note  # bar order


def test_corpus_overview_says_when_document_bars_do_not_add_up():
    # an older summary counting a document under every source type it holds
    summary = summary_frame().assign(documents=[4, 2, 1])
    fig = corpus_overview(summary, SOURCES, totals={"documents": 5})
    assert fig.axes[0].get_title() == "documents (total 5; bars sum to 7)"
    assert "do not add up" in " ".join(fig.get_supxlabel().split())


def _line_points(ax) -> dict[str, list[float]]:
    """x tick label (period) -> the y values drawn there, over all lines."""
    return {
        str(int(x)): [float(line.get_ydata()[i]) for line in ax.get_lines()]
        for i, x in enumerate(ax.get_lines()[0].get_xdata())
    }


def test_topics_over_time_leaves_out_small_periods_and_names_them():
    views = views_frame(
        documents={"2011": 40, "2012": 55, "2014": 60, "2016": 1},
        extra_periods={"2016": 14},
    )
    fig = topics_over_time(views, top=3, min_segments=30, min_documents=5)
    (ax,) = fig.axes
    ticks = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    assert ticks == ["2011", "2012", "2014"]
    assert ax.get_xticklabels()[0].get_text().endswith("40 docs")
    points = _line_points(ax)
    assert all(np.isnan(points["2016"]))  # 14 segments from one thread: not drawn
    assert not any(np.isnan(points["2012"]))
    assert ax.get_xlim()[1] < 2016
    note = " ".join(ax.get_title(loc="left").split())
    assert "2016 (14 segments < 30; 1 document < 5)" in note
    assert "fewer than 30 segments or 5 documents" in note


def test_topics_over_time_document_rule_and_middle_gap():
    # 2012 has segments enough but 3 documents: left out, and the lines break there
    views = views_frame(documents={"2011": 40, "2012": 3, "2014": 60})
    ax = topics_over_time(views, top=3).axes[0]
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["2011", "2014"]
    assert all(np.isnan(_line_points(ax)["2012"]))
    assert "2012 (3 documents < 5)" in " ".join(ax.get_title(loc="left").split())


def test_topics_over_time_older_tables_use_the_segment_rule_and_say_so():
    views = views_frame(extra_periods={"2016": 14})  # no group_documents column
    ax = topics_over_time(views, top=3).axes[0]
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == [
        "2011",
        "2012",
        "2014",
    ]
    note = " ".join(ax.get_title(loc="left").split())
    assert "2016 (14 segments < 30; documents unknown)" in note
    assert "Document counts unknown" in note
    assert ax.get_xlabel() == "period (n = segments)"


def test_topics_over_time_without_a_period_passing_the_rule():
    fig = topics_over_time(views_frame(documents={"2011": 1, "2012": 2, "2014": 1}))
    texts = " ".join(" ".join(t.get_text().split()) for t in fig.axes[0].texts)
    assert "no period with at least 30 segments and 5 documents" in texts
    assert "2011 (1 document < 5)" in texts


# --------------------------------------------------------------------------------------------
# layout


def _boxes_overlap(labels) -> bool:
    boxes = [t.get_window_extent() for t in labels if t.get_text()]
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_long_category_labels_do_not_overlap():
    themes = [
        "fear of abandonment and rejection",
        "shame about reaching out again",
        "regret over the breakup decision",
        "hope of reconciliation someday",
        "anger at the former partner",
        "loneliness during the holidays",
    ]
    fig = theme_by_stance(prevalence_frame(STANCES, themes), themes, STANCES)
    fig.canvas.draw()
    (ax,) = fig.axes
    assert not _boxes_overlap(ax.get_xticklabels())
    fig = stance_by_source(
        prevalence_frame([f"very long source type name number {i}" for i in range(5)], STANCES),
        STANCES,
    )
    fig.canvas.draw()
    assert not _boxes_overlap(fig.axes[0].get_xticklabels())


def test_crowded_labels_are_turned_until_they_do_not_overlap():
    fig = confusion_matrices(confusion_frame())  # "self-healing", "autonomy-first" in 1.8 in
    fig.canvas.draw()
    stance = fig.axes[0]
    assert stance.get_xticklabels()[0].get_rotation() == 90
    assert "autonomy-first" in [t.get_text() for t in stance.get_xticklabels()]  # unwrapped
    for ax in fig.axes:
        assert not _boxes_overlap(ax.get_xticklabels())
        assert not _boxes_overlap(ax.get_yticklabels())


# --------------------------------------------------------------------------------------------
# saving


def _build() -> Figure:
    return stance_by_source(prevalence_frame(["article", "comment"], STANCES), STANCES)


BUILDERS = {
    "corpus_overview": lambda: corpus_overview(summary_frame(), SOURCES),
    "stance_by_source": _build,
    "theme_by_stance": lambda: theme_by_stance(prevalence_frame(STANCES, THEMES), THEMES, STANCES),
    "cooccurrence": lambda: cooccurrence_heatmap(cooccurrence_frame(), THEMES, "p_b_given_a"),
    "distinctive_words": lambda: distinctive_words(log_odds_frame(), ["article", "comment"]),
    "topic_by_stance": lambda: topic_by_stance_heatmap(views_frame(), STANCES),
    "topics_over_time": lambda: topics_over_time(views_frame()),
    "topics_over_time_left_out": lambda: topics_over_time(
        views_frame(documents={"2011": 40, "2012": 3, "2014": 60}, extra_periods={"2016": 14})
    ),
    "stance_by_source_no_interval": lambda: stance_by_source(_no_interval_prevalence(), STANCES),
    "confusion": lambda: confusion_matrices(confusion_frame()),
}


def test_save_figure_writes_pdf_and_png(tmp_path: Path):
    paths = save_figure(_build(), tmp_path / "out", "stance")
    assert paths == [tmp_path / "out" / "stance.pdf", tmp_path / "out" / "stance.png"]
    pdf, png = (p.read_bytes() for p in paths)
    assert pdf.startswith(b"%PDF")
    assert png.startswith(PNG_SIGNATURE)
    assert b"/FontFile2" in pdf  # TrueType, embedded
    assert b"/FontFile3" not in pdf and b"Type3" not in pdf
    assert b"CreationDate" not in pdf and b"Matplotlib" not in pdf
    assert b"Matplotlib" not in png
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["stance.pdf", "stance.png"]


def test_save_figure_is_byte_reproducible(tmp_path: Path):
    first = save_figure(_build(), tmp_path / "a", "fig")
    second = save_figure(_build(), tmp_path / "b", "fig")
    for p, q in zip(first, second):
        assert p.read_bytes() == q.read_bytes(), p.name


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_figure_saves_reproducibly_even_after_drawing(tmp_path: Path, name: str):
    first = save_figure(BUILDERS[name](), tmp_path / "a", name)
    fig = BUILDERS[name]()
    fig.canvas.draw()  # e.g. shown in a notebook before saving: must not move anything
    second = save_figure(fig, tmp_path / "b", name)
    for p, q in zip(first, second):
        assert p.read_bytes() == q.read_bytes(), p.name
    assert b"/FontFile2" in first[0].read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [f"{name}.pdf", f"{name}.png"]


def test_save_figure_closes_and_cleans_up_on_failure(tmp_path: Path, monkeypatch):
    import matplotlib.pyplot as plt

    fig = plt.figure()
    number = fig.number
    monkeypatch.setattr(Figure, "savefig", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        save_figure(fig, tmp_path, "broken")
    assert not plt.fignum_exists(number)
    assert list(tmp_path.iterdir()) == []


def test_save_figure_rejects_paths_as_names(tmp_path: Path):
    with pytest.raises(ValueError):
        save_figure(_build(), tmp_path, "sub/name")
