"""The parts of a run's report: each draws some figures and tables, and says what it needs.

:func:`discourse.analysis.report.make_figures` runs every registered part in registration
order. A part declares the run-folder files it ``needs`` (without one of them it is skipped,
and each of its outputs is listed with the reason) and what it ``draws`` (figure and table
names with their one-line description, from which :data:`FIGURES` and :data:`TABLES` are built).
Adding a figure is its plotting function in :mod:`discourse.figures.plots` plus one registered
part here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from discourse.analysis.label_quality import evaluation, summary_note
from discourse.analysis.run_data import content_segments, read_optional
from discourse.analysis.summary import corpus_summary
from discourse.analysis.tables import write_table
from discourse.config import PipelineConfig
from discourse.io_utils import sha256_file
from discourse.layout import LABELS, TOPIC_INFO, TOPICS_BY_STANCE, TOPICS_OVER_TIME
from discourse.registry import Registry

__all__ = ["FIGURES", "NAIVE_LABEL", "TABLES", "FigureContext", "Outputs", "figure_parts"]

figure_parts: Registry[Any] = Registry(
    "figure part",
    {
        "needs": "run-folder files the part reads; without one of them it is skipped",
        "draws": "figure and table names it writes, each with a one-line description",
    },
)

#: What fig02/fig03 say they show without hand codes of the corpus.
NAIVE_LABEL = "predicted labels, label error not in the CI"

#: Why a part is skipped when a file it needs is missing.
MISSING = {
    LABELS: "no labels.parquet in the run folder (label stage not run)",
    TOPICS_BY_STANCE: "no topics_by_stance.csv (topic stage not run)",
    TOPICS_OVER_TIME: "no topics_over_time.csv (topic stage not run)",
    TOPIC_INFO: "no topic_info.csv (topic stage not run)",
}


@dataclass
class Outputs:
    """The files a report writes, and what it skipped (name -> reason)."""

    root: Path
    files: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def figure(self, name: str, fig: Any) -> None:
        from discourse.figures import save_figure

        for path in save_figure(fig, self.root / "figures", name):
            self.files.append(Path(path).relative_to(self.root).as_posix())

    def table(self, frame: pd.DataFrame, name: str, note: str | None = None) -> None:
        for f in write_table(frame, self.root / "tables", name, TABLES.get(name, name), note):
            self.files.append(f"tables/{f}")

    def data(self, frame: pd.DataFrame, name: str) -> None:
        from discourse.io_utils import write_text

        write_text(frame.to_csv(index=False, float_format="%.6f"), self.root / "tables" / name)
        self.files.append(f"tables/{name}")


@dataclass
class FigureContext:
    """What the parts of one report share: the run's tables, config, outputs and findings.

    ``info`` collects what the parts found for the manifest, ``frames`` the tables a later part
    reuses; the cached properties are computed once, by the first part that asks.
    """

    run_dir: Path
    config: PipelineConfig
    out: Outputs
    codebook: Any
    segments: pd.DataFrame
    documents: pd.DataFrame
    labels: pd.DataFrame | None
    cache_dir: str | Path | None
    say: Any
    info: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def stances(self) -> list[str]:
        return list(self.codebook.stance_labels)

    @property
    def themes(self) -> list[str]:
        return list(self.codebook.theme_names)

    def has(self, name: str) -> bool:
        """Whether the run folder holds ``name`` (labels are read once, up front)."""
        if name == LABELS:
            return self.labels is not None
        return (self.run_dir / name).is_file()

    @cached_property
    def content(self) -> pd.DataFrame:
        """The content segments with their labels (boilerplate, duplicates, non-English out)."""
        content, excluded = content_segments(self.segments, self.labels)
        self.info["excluded"] = excluded
        self.info["content_segments"] = len(content)
        self.info["content_documents"] = int(content["doc_id"].nunique())
        return content

    @cached_property
    def stance_indicators(self) -> pd.DataFrame:
        from discourse.analysis import stats

        return stats.one_hot(self.content["stance"].astype(str), self.stances)

    @cached_property
    def theme_indicators(self) -> pd.DataFrame:
        return self.content[self.themes].astype(int)

    def prevalence(self, indicators: pd.DataFrame, groups: pd.Series | None) -> pd.DataFrame:
        """Shares by group with document-bootstrap intervals (the analysis settings)."""
        from discourse.analysis import stats

        an = self.config.analysis
        return stats.prevalence(
            indicators,
            groups,
            self.content["doc_id"],
            an.n_boot,
            self.config.seed,
            min_clusters=an.min_documents_for_interval,
        )

    @cached_property
    def corrected(self) -> tuple[pd.DataFrame, int, dict[str, Any]] | None:
        """The corrected estimates with ``analysis.codes`` (written with fig09), else ``None``."""
        return _corrected_estimates(self.run_dir, self.config, self.out, self.say)


def _draws(*names: str) -> dict[str, str]:
    return {name: _DESCRIPTIONS[name] for name in names}


_DESCRIPTIONS = {
    "fig01_corpus_overview": "documents (each once, by main source type), segments and words "
    "by source type",
    "fig02_stance_by_source_type": "stance shares by source type with 95% CIs: corrected with "
    "hand codes (analysis.codes), else predicted (documents resampled; no CI for too few "
    "documents; label error not included)",
    "fig03_themes_by_stance": "theme prevalence by stance with 95% CIs: corrected within the "
    "coded stance with hand codes, else within the predicted stance (documents resampled)",
    "fig04_theme_cooccurrence": "theme co-occurrence (Jaccard) heatmap",
    "fig05_distinctive_words_by_stance": "distinctive words per stance (log-odds z-scores)",
    "fig06_topics_by_stance": "BERTopic topics by stance heatmap",
    "fig07_topics_over_time": "BERTopic topics over time (periods with enough segments and "
    "documents)",
    "fig08_labeler_confusion": "labeler confusion matrices on the hand-coded test split",
    "fig09_prevalence_estimates": "prevalence three ways: naive, coded sample, corrected "
    "(with analysis.codes)",
    "tab01_corpus_summary": "corpus summary by source type",
    "tab02_stance_by_source_type": "stance by source type with the chi-square test",
    "tab03_labeler_evaluation": "labeler evaluation on the hand-coded test split",
    "tab04_topic_summary": "topic summary (BERTopic and baseline)",
    "tab05_prevalence_estimates": "prevalence: naive, coded and corrected estimates (with "
    "analysis.codes)",
}


@figure_parts.register(
    "corpus", needs=(), draws=_draws("tab01_corpus_summary", "fig01_corpus_overview")
)
def corpus_part(ctx: FigureContext) -> None:
    """The corpus summary table and overview figure."""
    from discourse.figures import plots

    ctx.say("corpus summary")
    summary = corpus_summary(ctx.segments, ctx.documents)
    ctx.out.table(summary, "tab01_corpus_summary")
    totals = summary[summary["source_type"] == "all"].iloc[0].to_dict()
    ctx.out.figure(
        "fig01_corpus_overview",
        plots.corpus_overview(summary[summary["source_type"] != "all"], totals=totals),
    )


@figure_parts.register(
    "stance_prevalence",
    needs=(LABELS,),
    draws=_draws(
        "fig02_stance_by_source_type", "fig09_prevalence_estimates", "tab05_prevalence_estimates"
    ),
)
def stance_prevalence_part(ctx: FigureContext) -> None:
    """Stance shares by source type (fig02), corrected with hand codes when there are some."""
    from discourse.figures import plots

    ctx.say("stance and theme prevalence (document bootstrap)")
    content = ctx.content
    stance_prev = ctx.prevalence(ctx.stance_indicators, content["source_type"])
    ctx.out.data(stance_prev, "stance_prevalence_by_source_type.csv")
    all_prev = ctx.prevalence(ctx.stance_indicators, None)
    ctx.out.data(all_prev, "stance_prevalence_overall.csv")
    ctx.frames["stance_prevalence_by_source_type"] = stance_prev
    ctx.frames["stance_prevalence_overall"] = all_prev
    if ctx.corrected is None:
        fig02 = plots.stance_by_source(stance_prev, ctx.stances, estimate=NAIVE_LABEL)
        ctx.info["estimates"] = "naive: predicted labels (no analysis.codes)"
    else:
        table, n_coded, ctx.info["hand_codes"] = ctx.corrected
        label = f"corrected (PPI++, {n_coded} coded units; CI: this corpus's segments)"
        fig02 = plots.stance_by_source(
            _as_prevalence(table, "stance", "source_type", docs_by=content),
            ctx.stances,
            estimate=label,
        )
        ctx.info["estimates"] = f"corrected: prediction-powered, {n_coded} coded units"
    ctx.out.figure("fig02_stance_by_source_type", fig02)


@figure_parts.register("theme_prevalence", needs=(LABELS,), draws=_draws("fig03_themes_by_stance"))
def theme_prevalence_part(ctx: FigureContext) -> None:
    """Theme prevalence by stance (fig03) and by source type, and per document."""
    from discourse.figures import plots

    content = ctx.content
    theme_prev = ctx.prevalence(ctx.theme_indicators, content["stance"].astype(str))
    ctx.out.data(theme_prev, "theme_prevalence_by_stance.csv")
    theme_by_source = ctx.prevalence(ctx.theme_indicators, content["source_type"])
    ctx.out.data(theme_by_source, "theme_prevalence_by_source_type.csv")
    by_doc = _prevalence_by_document(ctx.stance_indicators, ctx.theme_indicators, content["doc_id"])
    ctx.out.data(by_doc, "prevalence_by_document.csv")
    ctx.frames["theme_prevalence_by_stance"] = theme_prev
    ctx.frames["theme_prevalence_by_source_type"] = theme_by_source
    tables = dict(ctx.frames)  # the prevalence tables drawn so far
    ctx.info["intervals"] = _interval_info(ctx.config.analysis.min_documents_for_interval, tables)
    if ctx.corrected is None:
        fig03 = plots.theme_by_stance(theme_prev, ctx.themes, ctx.stances, estimate=NAIVE_LABEL)
    else:
        fig03 = plots.theme_by_stance(
            _as_prevalence(ctx.corrected[0], "themes", "stance"),
            ctx.themes,
            ctx.stances,
            estimate=f"corrected (PPI++, {ctx.corrected[1]} coded units; stance as coded; CI: "
            "this corpus's segments)",
        )
    ctx.out.figure("fig03_themes_by_stance", fig03)


@figure_parts.register(
    "theme_cooccurrence", needs=(LABELS,), draws=_draws("fig04_theme_cooccurrence")
)
def cooccurrence_part(ctx: FigureContext) -> None:
    """How often themes occur together (fig04)."""
    from discourse.analysis import stats
    from discourse.figures import plots

    co = stats.cooccurrence(ctx.theme_indicators)
    ctx.out.data(co, "theme_cooccurrence.csv")
    ctx.out.figure("fig04_theme_cooccurrence", plots.cooccurrence_heatmap(co, ctx.themes))


@figure_parts.register(
    "stance_by_source_type", needs=(LABELS,), draws=_draws("tab02_stance_by_source_type")
)
def stance_table_part(ctx: FigureContext) -> None:
    """Stance counts and shares by source type with a chi-square test (tab02)."""
    from discourse.analysis import stats

    ctx.say("stance by source type: chi-square")
    content = ctx.content
    table = stats.crosstab(content["source_type"], content["stance"].astype(str), ctx.stances)
    try:
        test = stats.chi_square(table)
    except ValueError as exc:
        test = None
        ctx.out.skipped["chi_square"] = str(exc)
    ctx.info["stance_by_source_type_test"] = test
    tab = table.reset_index().rename(columns={"index": "source_type"})
    tab.columns = ["source_type", *[f"n_{s}" for s in table.columns]]
    shares = table.div(table.sum(axis=1), axis=0)
    for s in table.columns:
        tab[f"share_{s}"] = shares[s].to_numpy()
    tab.insert(1, "n", table.sum(axis=1).to_numpy())
    note = None
    if test is not None:
        note = (
            f"Chi-square test of independence: chi2({test['dof']}) = {test['chi2']:.2f}, "
            f"p = {test['p_value']:.3g}, Cramer's V = {test['cramers_v']:.3f}, "
            f"n = {test['n']} segments; {test['share_expected_below_5']:.0%} of expected "
            "counts below 5. Segments are nested in documents, so p is optimistic."
        )
        ctx.out.data(pd.DataFrame([test]), "tab02_stance_by_source_type_test.csv")
    ctx.out.table(tab, "tab02_stance_by_source_type", note)


@figure_parts.register(
    "distinctive_words", needs=(LABELS,), draws=_draws("fig05_distinctive_words_by_stance")
)
def distinctive_words_part(ctx: FigureContext) -> None:
    """Distinctive words per stance (log-odds with an informative Dirichlet prior, fig05)."""
    from discourse.analysis import stats
    from discourse.figures import plots

    ctx.say("distinctive words per stance (log-odds, informative Dirichlet prior)")
    an = ctx.config.analysis
    present = ctx.content["stance"].astype(str)
    if present.nunique() < 2:
        ctx.out.skipped["fig05_distinctive_words_by_stance"] = "fewer than two stances present"
        return
    lo = stats.log_odds_dirichlet(
        ctx.content["text"].tolist(),
        present.tolist(),
        alpha0=an.log_odds_alpha0,
        min_count=an.log_odds_min_count,
    )
    ctx.out.data(lo, "distinctive_words_by_stance.csv")
    groups = [s for s in ctx.stances if s in set(present)]
    ctx.out.figure(
        "fig05_distinctive_words_by_stance", plots.distinctive_words(lo, groups, an.top_words)
    )


@figure_parts.register(
    "topics_by_stance", needs=(TOPICS_BY_STANCE,), draws=_draws("fig06_topics_by_stance")
)
def topics_by_stance_part(ctx: FigureContext) -> None:
    """BERTopic topics by stance (fig06)."""
    from discourse.figures import plots

    views = read_optional(ctx.run_dir / TOPICS_BY_STANCE)
    ctx.out.figure("fig06_topics_by_stance", plots.topic_by_stance_heatmap(views, ctx.stances))


@figure_parts.register(
    "topics_over_time", needs=(TOPICS_OVER_TIME,), draws=_draws("fig07_topics_over_time")
)
def topics_over_time_part(ctx: FigureContext) -> None:
    """BERTopic topics over time, periods with enough segments and documents (fig07)."""
    from discourse.figures import plots

    an = ctx.config.analysis
    over_time = read_optional(ctx.run_dir / TOPICS_OVER_TIME)
    ctx.out.figure(
        "fig07_topics_over_time",
        plots.topics_over_time(
            over_time, min_segments=an.min_period_segments, min_documents=an.min_period_documents
        ),
    )
    ctx.info["topics_over_time"] = _period_info(over_time, an)


@figure_parts.register("topic_summary", needs=(TOPIC_INFO,), draws=_draws("tab04_topic_summary"))
def topic_summary_part(ctx: FigureContext) -> None:
    """The topics of both models with their labels, sizes, NPMI and top words (tab04)."""
    topic_info = read_optional(ctx.run_dir / TOPIC_INFO)
    cols = ["model", "topic", "label", "count", "share", "npmi", "top_words"]
    summary = topic_info[cols].copy()
    summary["top_words"] = (
        summary["top_words"].fillna("").map(lambda s: ", ".join(s.split("; ")[:6]))
    )
    ctx.out.table(summary, "tab04_topic_summary")


@figure_parts.register(
    "labeler_evaluation",
    needs=(),
    draws=_draws("fig08_labeler_confusion", "tab03_labeler_evaluation"),
)
def evaluation_part(ctx: FigureContext) -> None:
    """The run's labeler scored on the hand-coded test split (fig08, tab03), or a warning."""
    from discourse.figures import plots

    ctx.say("labeler evaluation on the hand-coded test split")
    cache_dir = ctx.cache_dir or ctx.config.cache_dir(ctx.run_dir)
    result, reason = evaluation(ctx.config, ctx.codebook, cache_dir)
    if result is None:
        ctx.out.skipped["fig08_labeler_confusion"] = reason
        ctx.out.skipped["tab03_labeler_evaluation"] = reason
        ctx.info["labeler_evaluated"] = None
        ctx.info["warnings"] = [
            "The labeler was not evaluated on hand-coded data, so the label-based figures and "
            "tables (fig02-fig05, tab02) come without a measured accuracy: " + reason
        ]
        return
    scores, labeler, intervals = result
    per_class = scores.per_class()
    summ = scores.summary()
    per_class.insert(0, "labeler", f"{labeler.name} v{labeler.version}")
    ctx.out.table(per_class, "tab03_labeler_evaluation", summary_note(summ, intervals))
    ctx.out.data(summ, "tab03_labeler_evaluation_summary.csv")
    ctx.out.data(intervals, "tab03_labeler_evaluation_intervals.csv")
    conf = scores.confusion_long().rename(columns={"pred": "predicted", "count": "n"})
    ctx.out.data(conf, "labeler_confusion.csv")
    ctx.out.figure("fig08_labeler_confusion", plots.confusion_matrices(conf))
    ctx.info["labeler_evaluated"] = f"{labeler.name} v{labeler.version}"


def _corrected_estimates(
    run_dir: Path, cfg: PipelineConfig, out: Outputs, say: Any
) -> tuple[pd.DataFrame, int, dict[str, Any]] | None:
    """With ``analysis.codes`` set: the naive/coded/corrected table (written to ``tables/``
    with fig09), the number of coded units and what was read (for the manifest); ``None``
    without codes.

    Codes that do not fit the run are an error, not a silent fallback to naive figures.
    """
    from discourse.figures.estimates import estimates_figure
    from discourse.prevalence.estimate import load_inputs, wide_table

    an = cfg.analysis
    if not an.codes:
        reason = (
            "no hand codes of this corpus (analysis.codes): fig02/fig03 show predicted labels; "
            "see `discourse sample` and `discourse estimate`"
        )
        out.skipped["fig09_prevalence_estimates"] = reason
        out.skipped["tab05_prevalence_estimates"] = reason
        return None
    say("prevalence corrected with the hand-coded sample (PPI++)")
    inputs = load_inputs(run_dir, an.codes, an.design, cfg)
    table = inputs.estimate(("source_type",), an.n_boot, cfg.seed, an.min_documents_for_interval)
    n_coded = int(inputs.codes["stance"].notna().sum())
    out.data(table, "prevalence_estimates.csv")
    note = (
        f"naive: predictions as true (document bootstrap; ignores label error); coded: the "
        f"{n_coded} hand-coded units of sample {inputs.design.sample_id} only; corrected: "
        "prediction-powered (PPI++, design-based). 95% intervals."
    )
    out.table(wide_table(table), "tab05_prevalence_estimates", note)
    codebook = inputs.codebook
    out.figure(
        "fig09_prevalence_estimates",
        estimates_figure(table, list(codebook.stance_labels), list(codebook.theme_names)),
    )
    info = {
        "codes": {"path": str(inputs.codes_path), "sha256": sha256_file(inputs.codes_path)},
        "design": {"path": str(inputs.design_path), "sha256": sha256_file(inputs.design_path)},
        "sample_id": inputs.design.sample_id,
        "n_sampled": inputs.design.n,
        "n_coded": n_coded,
    }
    return table, n_coded, info


def _as_prevalence(
    table: pd.DataFrame, dimension: str, by: str, docs_by: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The corrected rows of an estimates table in the shape the prevalence figures take."""
    rows = table[
        (table["estimator"] == "corrected")
        & (table["by"] == by)
        & (table["dimension"] == dimension)
    ]
    out = pd.DataFrame(
        {
            "group": rows["group"].to_numpy(),
            "variable": rows["variable"].to_numpy(),
            "n_segments": rows["domain_size"].round().astype("int64").to_numpy(),
            "estimate": rows["estimate"].to_numpy(),
            "ci_low": rows["ci_low"].to_numpy(),
            "ci_high": rows["ci_high"].to_numpy(),
        }
    )
    if docs_by is not None:
        docs = docs_by.groupby(by)["doc_id"].nunique()
        out["n_clusters"] = out["group"].map(docs).astype("int64")
    return out


def _prevalence_by_document(
    stance_ind: pd.DataFrame, theme_ind: pd.DataFrame, doc_ids: pd.Series
) -> pd.DataFrame:
    """Stance and theme shares per document, without intervals.

    A document's share is a census of its own segments, not a sample from it, and a single
    document is one cluster: there is nothing to resample at the document level, and
    resampling its segments would pass neighbouring, dependent segments off as independent
    draws. So ``ci_low``/``ci_high`` are nan, ``n_clusters`` is 1 and ``resampled`` says
    ``"none: one document (a census of its segments)"``.
    """
    from discourse.analysis import stats

    both = pd.concat([stance_ind, theme_ind], axis=1)
    # one cluster per group: the estimates, no bootstrap (n_boot is not used)
    by_doc = stats.prevalence(both, doc_ids, doc_ids, n_boot=1, min_clusters=2)
    by_doc["resampled"] = "none: one document (a census of its segments)"
    return by_doc


def _interval_info(min_documents: int, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """For the manifest: the interval rule and, per table, the groups without an interval."""
    from discourse.analysis.stats import has_interval

    without = {}
    for name, table in tables.items():
        rows = table[~has_interval(table["resampled"])].drop_duplicates("group")
        if not rows.empty:
            without[name] = {str(r.group): str(r.resampled) for r in rows.itertuples()}
    return {
        "rule": f"95% percentile intervals from a document (cluster) bootstrap; groups with "
        f"fewer than {min_documents} documents get no interval (analysis."
        "min_documents_for_interval)",
        "min_documents_for_interval": min_documents,
        "groups_without_interval": without,
    }


def _period_info(over_time: pd.DataFrame, an: Any) -> dict[str, Any]:
    """For the manifest: fig07's period rule, the periods drawn and those left out (why)."""
    from discourse.topics.views import period_coverage

    cov = period_coverage(over_time, "bertopic", an.min_period_segments, an.min_period_documents)
    out: dict[str, Any] = {
        "rule": f"periods with fewer than {an.min_period_segments} segments or "
        f"{an.min_period_documents} documents are left out (analysis.min_period_segments, "
        "analysis.min_period_documents)",
        "periods_drawn": [str(g) for g in cov.loc[cov["drawn"], "group"]],
        "periods_left_out": {
            str(r.group): str(r.reason) for r in cov[~cov["drawn"]].itertuples(index=False)
        },
    }
    if cov["documents"].isna().any():
        out["documents_unknown"] = (
            "topics_over_time.csv has no group_documents column (written by an older version): "
            "periods were kept by segment count only"
        )
    return out


def _described(prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in figure_parts.in_order():
        for drawn, text in figure_parts.capabilities(name)["draws"].items():
            if drawn.startswith(prefix):
                out[drawn] = text
    return dict(sorted(out.items()))


#: Every figure a run draws, with its one-line description.
FIGURES = _described("fig")
#: Every table a run writes, with its one-line description.
TABLES = _described("tab")
