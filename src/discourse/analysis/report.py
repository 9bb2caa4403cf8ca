"""Statistics, figures and tables from a run's outputs (``discourse figures``, end of ``run``).

Reads ``segments.parquet``, ``documents.parquet``, ``labels.parquet`` and the topic outputs of a
run folder and writes ``figures/`` (PDF + PNG) and ``tables/`` (CSV + LaTeX) into the output
folder. Whatever cannot be drawn (no labels, no topics, no hand-coded data) is listed with the
reason in the returned summary and in ``figures_manifest.json``, never silently left out.

The statistics are computed on the *content* segments: boilerplate, exact duplicates and
segments not in English (labelled ``none`` by design) are left out, and how many were left out
is reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from discourse import __version__
from discourse.analysis.run_data import read_optional
from discourse.analysis.tables import write_table
from discourse.config import PipelineConfig
from discourse.io_utils import sha256_file, write_json

__all__ = [
    "FIGURES",
    "TABLES",
    "content_segments",
    "corpus_summary",
    "make_figures",
    "require_run",
]

FIGURES = {
    "fig01_corpus_overview": "documents, segments and words by source type",
    "fig02_stance_by_source_type": "stance shares by source type with 95% CIs",
    "fig03_themes_by_stance": "theme prevalence by stance with 95% CIs",
    "fig04_theme_cooccurrence": "theme co-occurrence (Jaccard) heatmap",
    "fig05_distinctive_words_by_stance": "distinctive words per stance (log-odds z-scores)",
    "fig06_topics_by_stance": "BERTopic topics by stance heatmap",
    "fig07_topics_over_time": "BERTopic topics over time",
    "fig08_labeler_confusion": "labeler confusion matrices on the hand-coded test split",
}
TABLES = {
    "tab01_corpus_summary": "corpus summary by source type",
    "tab02_stance_by_source_type": "stance by source type with the chi-square test",
    "tab03_labeler_evaluation": "labeler evaluation on the hand-coded test split",
    "tab04_topic_summary": "topic summary (BERTopic and baseline)",
}


@dataclass
class _Outputs:
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


def require_run(run_dir: Path) -> None:
    """Raise a clear error unless ``run_dir`` holds the outputs figures are drawn from."""
    if not all((run_dir / f).is_file() for f in ("segments.parquet", "documents.parquet")):
        raise FileNotFoundError(
            f"{run_dir} has no segments.parquet/documents.parquet: run `discourse run` first"
        )


def content_segments(segments: pd.DataFrame, labels: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Segments with their labels, without boilerplate, duplicates and non-English text.

    Returns
    -------
    frame, excluded
        The content segments merged with their labels, and counts of what was left out.
    """
    merged = segments.merge(labels, on="segment_id", how="left", validate="one_to_one")
    missing = int(merged["stance"].isna().sum())
    if missing:
        raise ValueError(f"{missing} segments have no labels: labels.parquet is not from this run")
    boiler = merged["boilerplate"].astype(bool)
    dup = merged["duplicate_of"].notna() & ~boiler
    if "language" in merged:
        lang = merged["language"].fillna("en")
    else:
        lang = pd.Series("en", index=merged.index)
    foreign = lang.ne("en") & ~boiler & ~dup
    excluded = {
        "boilerplate": int(boiler.sum()),
        "duplicate": int(dup.sum()),
        "non_english": int(foreign.sum()),
    }
    return merged[~(boiler | dup | foreign)].reset_index(drop=True), excluded


def corpus_summary(segments: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Documents, segments, content segments, boilerplate, duplicates and words per source
    type, with an ``all`` row."""
    seg = segments.assign(
        content=~segments["boilerplate"].astype(bool) & segments["duplicate_of"].isna()
    )
    by = seg.groupby("source_type")
    out = pd.DataFrame(
        {
            "documents": by["doc_id"].nunique(),
            "segments": by.size(),
            "content_segments": by["content"].sum(),
            "boilerplate": by["boilerplate"].sum(),
            "duplicates": by["duplicate_of"].count(),
            "words": by["n_words"].sum(),
        }
    )
    out = out.astype("int64").reset_index()
    total = out.drop(columns="source_type").sum().to_dict()
    total["documents"] = int(segments["doc_id"].nunique())
    out = pd.concat([out, pd.DataFrame([{"source_type": "all", **total}])], ignore_index=True)
    out["mean_words_per_segment"] = (out["words"] / out["segments"]).round(1)
    return out


def _evaluation(config: PipelineConfig, codebook: Any, cache_dir: str | Path) -> Any:
    """Score the run's labeler on the hand-coded test split (``None`` with a reason if not)."""
    from discourse.annotations import load_annotations
    from discourse.labels.bootstrap import bootstrap_intervals
    from discourse.labels.evaluate import evaluate
    from discourse.labels.stage import build_labeler

    folder = config.analysis.annotations
    if not folder or not Path(folder).is_dir():
        return None, f"no hand-coded data at {folder!r} (analysis.annotations)"
    try:
        gold = load_annotations(folder, codebook).gold()
    except (ValueError, KeyError) as exc:
        return None, f"hand-coded data at {folder} do not fit the codebook: {exc}"
    test = gold[gold["split"] == "test"].reset_index(drop=True)
    if test.empty:
        return None, f"hand-coded data at {folder} have no test split"
    labeler = build_labeler(
        config.label.labeler,
        codebook,
        cache_dir=cache_dir,
        weights=config.label.weights,
    )
    pred = labeler.predict(test["text"].tolist())
    intervals = bootstrap_intervals(
        test, pred, codebook, n_boot=config.analysis.n_boot, seed=config.seed
    )
    return (evaluate(test, pred, codebook), labeler, intervals), None


def make_figures(
    run_dir: str | Path,
    output_dir: str | Path | None = None,
    config: PipelineConfig | None = None,
    progress: Any = None,
    cache_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Compute the statistics and draw every figure and table of a run.

    Parameters
    ----------
    run_dir
        A ``discourse run`` output folder.
    output_dir
        Where ``figures/`` and ``tables/`` go (default: ``run_dir``).
    config
        Pipeline configuration (``analysis``, ``label`` and ``seed`` are used).
    progress
        Optional ``progress(message)``.
    cache_dir
        Embedding cache for scoring the hand-coded units (default: the run's cache).

    Returns
    -------
    dict
        ``outputs`` (relative paths), ``skipped`` (name -> reason), ``excluded`` counts and the
        stance-by-source-type test; the same is written to ``figures_manifest.json``.
    """
    from discourse.analysis import stats
    from discourse.codebook import load_codebook
    from discourse.figures import plots

    cfg = config or PipelineConfig()
    run_dir = Path(run_dir)
    out = _Outputs(Path(output_dir) if output_dir is not None else run_dir)
    say = progress or (lambda message: None)
    t0 = time.perf_counter()
    require_run(run_dir)
    segments = pd.read_parquet(run_dir / "segments.parquet")
    documents = pd.read_parquet(run_dir / "documents.parquet")
    labels = read_optional(run_dir / "labels.parquet")
    codebook = load_codebook(cfg.label.codebook)
    stances, themes = list(codebook.stance_labels), list(codebook.theme_names)
    an = cfg.analysis
    info: dict[str, Any] = {}

    say("corpus summary")
    summary = corpus_summary(segments, documents)
    out.table(summary, "tab01_corpus_summary")
    totals = summary[summary["source_type"] == "all"].iloc[0].to_dict()
    out.figure(
        "fig01_corpus_overview",
        plots.corpus_overview(summary[summary["source_type"] != "all"], totals=totals),
    )

    if labels is None:
        for name in (
            "fig02_stance_by_source_type",
            "fig03_themes_by_stance",
            "fig04_theme_cooccurrence",
            "fig05_distinctive_words_by_stance",
            "tab02_stance_by_source_type",
        ):
            out.skipped[name] = "no labels.parquet in the run folder (label stage not run)"
    else:
        content, excluded = content_segments(segments, labels)
        info["excluded"] = excluded
        info["content_segments"] = len(content)
        info["content_documents"] = int(content["doc_id"].nunique())
        say("stance and theme prevalence (cluster bootstrap)")
        stance_ind = stats.one_hot(content["stance"].astype(str), stances)
        stance_prev = stats.prevalence(
            stance_ind, content["source_type"], content["doc_id"], an.n_boot, cfg.seed
        )
        out.data(stance_prev, "stance_prevalence_by_source_type.csv")
        all_prev = stats.prevalence(stance_ind, None, content["doc_id"], an.n_boot, cfg.seed)
        out.data(all_prev, "stance_prevalence_overall.csv")
        out.figure("fig02_stance_by_source_type", plots.stance_by_source(stance_prev, stances))
        theme_ind = content[themes].astype(int)
        theme_prev = stats.prevalence(
            theme_ind, content["stance"].astype(str), content["doc_id"], an.n_boot, cfg.seed
        )
        out.data(theme_prev, "theme_prevalence_by_stance.csv")
        theme_by_source = stats.prevalence(
            theme_ind, content["source_type"], content["doc_id"], an.n_boot, cfg.seed
        )
        out.data(theme_by_source, "theme_prevalence_by_source_type.csv")
        # per document: segments are the resampling unit within a document
        both = pd.concat([stance_ind, theme_ind], axis=1)
        by_doc = stats.prevalence(
            both, content["doc_id"], content["segment_id"], an.n_boot, cfg.seed
        )
        out.data(by_doc, "prevalence_by_document.csv")
        out.figure("fig03_themes_by_stance", plots.theme_by_stance(theme_prev, themes, stances))
        co = stats.cooccurrence(theme_ind)
        out.data(co, "theme_cooccurrence.csv")
        out.figure("fig04_theme_cooccurrence", plots.cooccurrence_heatmap(co, themes))

        say("stance by source type: chi-square")
        table = stats.crosstab(content["source_type"], content["stance"].astype(str), stances)
        try:
            test = stats.chi_square(table)
        except ValueError as exc:
            test = None
            out.skipped["chi_square"] = str(exc)
        info["stance_by_source_type_test"] = test
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
            out.data(pd.DataFrame([test]), "tab02_stance_by_source_type_test.csv")
        out.table(tab, "tab02_stance_by_source_type", note)

        say("distinctive words per stance (log-odds, informative Dirichlet prior)")
        present = content["stance"].astype(str)
        if present.nunique() >= 2:
            lo = stats.log_odds_dirichlet(
                content["text"].tolist(),
                present.tolist(),
                alpha0=an.log_odds_alpha0,
                min_count=an.log_odds_min_count,
            )
            out.data(lo, "distinctive_words_by_stance.csv")
            groups = [s for s in stances if s in set(present)]
            out.figure(
                "fig05_distinctive_words_by_stance",
                plots.distinctive_words(lo, groups, an.top_words),
            )
        else:
            out.skipped["fig05_distinctive_words_by_stance"] = "fewer than two stances present"

    views = read_optional(run_dir / "topics_by_stance.csv")
    if views is not None:
        out.figure("fig06_topics_by_stance", plots.topic_by_stance_heatmap(views, stances))
    else:
        out.skipped["fig06_topics_by_stance"] = "no topics_by_stance.csv (topic stage not run)"
    over_time = read_optional(run_dir / "topics_over_time.csv")
    if over_time is not None:
        out.figure("fig07_topics_over_time", plots.topics_over_time(over_time))
    else:
        out.skipped["fig07_topics_over_time"] = "no topics_over_time.csv (topic stage not run)"
    topic_info = read_optional(run_dir / "topic_info.csv")
    if topic_info is not None:
        cols = ["model", "topic", "label", "count", "share", "npmi", "top_words"]
        summary_t = topic_info[cols].copy()
        summary_t["top_words"] = (
            summary_t["top_words"].fillna("").map(lambda s: ", ".join(s.split("; ")[:6]))
        )
        out.table(summary_t, "tab04_topic_summary")
    else:
        out.skipped["tab04_topic_summary"] = "no topic_info.csv (topic stage not run)"

    say("labeler evaluation on the hand-coded test split")
    result, reason = _evaluation(cfg, codebook, cache_dir or cfg.cache_dir(run_dir))
    if result is None:
        out.skipped["fig08_labeler_confusion"] = reason
        out.skipped["tab03_labeler_evaluation"] = reason
    else:
        evaluation, labeler, intervals = result
        per_class = evaluation.per_class()
        summ = evaluation.summary()
        per_class.insert(0, "labeler", f"{labeler.name} v{labeler.version}")
        out.table(per_class, "tab03_labeler_evaluation", _summary_note(summ, intervals))
        out.data(summ, "tab03_labeler_evaluation_summary.csv")
        out.data(intervals, "tab03_labeler_evaluation_intervals.csv")
        conf = evaluation.confusion_long().rename(columns={"pred": "predicted", "count": "n"})
        out.figure("fig08_labeler_confusion", plots.confusion_matrices(conf))
        info["labeler_evaluated"] = f"{labeler.name} v{labeler.version}"

    files = sorted(out.files)
    manifest = {
        "discourse_version": __version__,
        "command": "figures",
        "input_dir": str(run_dir),
        "seed": cfg.seed,
        "analysis": cfg.analysis.model_dump(mode="json"),
        "skipped": dict(sorted(out.skipped.items())),
        **info,
        "seconds": round(time.perf_counter() - t0, 3),
        "outputs": {f: sha256_file(out.root / f) for f in files},
    }
    write_json(manifest, out.root / "figures_manifest.json")
    return {"outputs": files, **{k: v for k, v in manifest.items() if k != "outputs"}}


def _summary_note(summary: pd.DataFrame, intervals: pd.DataFrame) -> str:
    ci = intervals.set_index("metric")

    def interval(metric: str) -> str:
        return f" [{ci.loc[metric, 'low']:.2f}, {ci.loc[metric, 'high']:.2f}]"

    parts = []
    for row in summary.itertuples(index=False):
        if row.dimension == "themes":
            parts.append(f"mean theme F1 {row.value:.2f}{interval('mean_theme_f1')}")
            continue
        name = "macro-F1" if row.metric == "macro_f1" else "F1"
        metric = "stance_macro_f1" if row.dimension == "stance" else f"{row.dimension}_f1"
        parts.append(
            f"{row.dimension}: {name} {row.value:.2f}{interval(metric)}, kappa {row.kappa:.2f}"
        )
    n = int(summary["n"].iloc[0])
    level = float(ci["level"].iloc[0])
    return (
        f"Held-out test split of the hand-coded data (n = {n} units); {level:.0%} bootstrap "
        "intervals over the units in brackets. " + "; ".join(parts) + "."
    )
