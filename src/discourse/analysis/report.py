"""Statistics, figures and tables from a run's outputs (``discourse figures``, end of ``run``).

Reads ``segments.parquet``, ``documents.parquet``, ``labels.parquet`` and the topic outputs of a
run folder and writes ``figures/`` (PDF + PNG) and ``tables/`` (CSV + LaTeX) into the output
folder. Whatever cannot be drawn (no labels, no topics, no hand-coded data) is listed with the
reason in the returned summary and in ``figures_manifest.json``, never silently left out.

The statistics are computed on the *content* segments: boilerplate, exact duplicates and
segments not in English (labelled ``none`` by design) are left out, and how many were left out
is reported.

What the figures claim is kept to what the data carry (``analysis`` config):

- intervals come from a document (cluster) bootstrap only; a group with fewer than
  ``min_documents_for_interval`` documents gets its estimate without an interval (a hatched bar
  in fig02/fig03), never a segment bootstrap standing in for one. The per-document table has no
  intervals (a document's share is a census of its segments);
- fig01 counts each document once, under its main source type (tab01 adds
  ``documents_containing``);
- fig07 leaves out periods with fewer than ``min_period_segments`` segments or
  ``min_period_documents`` documents and names them (figure note, manifest
  ``topics_over_time``);
- a labeler evaluation that cannot run is listed in ``skipped`` and in the manifest's
  ``warnings``, which the HTML report shows at the top.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from discourse import __version__
from discourse.analysis.run_data import content_segments, read_optional, require_run
from discourse.analysis.tables import write_table
from discourse.config import PipelineConfig
from discourse.io_utils import sha256_file, write_json
from discourse.layout import DOCUMENTS, FIGURES_MANIFEST, LABELS, SEGMENTS, TOPIC_INFO

__all__ = [
    "FIGURES",
    "TABLES",
    "annotations_folder",
    "content_segments",
    "corpus_summary",
    "main_source_types",
    "make_figures",
    "require_run",
]

FIGURES = {
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
}
TABLES = {
    "tab01_corpus_summary": "corpus summary by source type",
    "tab02_stance_by_source_type": "stance by source type with the chi-square test",
    "tab03_labeler_evaluation": "labeler evaluation on the hand-coded test split",
    "tab04_topic_summary": "topic summary (BERTopic and baseline)",
    "tab05_prevalence_estimates": "prevalence: naive, coded and corrected estimates (with "
    "analysis.codes)",
}


#: What fig02/fig03 say they show without hand codes of the corpus.
NAIVE_LABEL = "predicted labels, label error not in the CI"


def _corrected_estimates(
    run_dir: Path, cfg: PipelineConfig, out: _Outputs, say: Any
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


def main_source_types(segments: pd.DataFrame, documents: pd.DataFrame | None = None) -> pd.Series:
    """The main source type of each document: the type holding most of its segments.

    Ties are broken by the document's own source type (``documents.source_type``, the type it
    was ingested as) when it is among the tied types, then alphabetically, so the result is
    deterministic.

    Parameters
    ----------
    segments
        All segments, with ``doc_id`` and ``source_type``.
    documents
        Optional documents table with ``doc_id`` and ``source_type``.

    Returns
    -------
    pandas.Series
        Source type indexed by ``doc_id`` (sorted), one entry per document with segments.
    """
    counts = segments.groupby(["doc_id", "source_type"]).size().rename("n").reset_index()
    own: dict = {}
    if documents is not None and {"doc_id", "source_type"} <= set(documents.columns):
        own = dict(zip(documents["doc_id"], documents["source_type"]))
    counts["own"] = [own.get(d) == t for d, t in zip(counts["doc_id"], counts["source_type"])]
    counts = counts.sort_values(
        ["doc_id", "n", "own", "source_type"], ascending=[True, False, False, True]
    )
    main = counts.drop_duplicates("doc_id").set_index("doc_id")["source_type"]
    return main.rename("main_source_type")


def corpus_summary(segments: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Documents, segments, content segments, boilerplate, duplicates and words per source
    type, with an ``all`` row.

    A document can hold segments of several source types (an article and its comment
    thread). ``documents`` counts each document once, under its main source type
    (:func:`main_source_types`), so the column adds up to the ``all`` row;
    ``documents_containing`` counts the documents with at least one segment of the type (the
    documents behind that type's shares and intervals), which can add up to more.

    Returns
    -------
    pandas.DataFrame
        Columns ``source_type, documents, documents_containing, segments, content_segments,
        boilerplate, duplicates, words, mean_words_per_segment``; one row per source type
        (sorted), then ``all``.
    """
    seg = segments.assign(
        content=~segments["boilerplate"].astype(bool) & segments["duplicate_of"].isna()
    )
    by = seg.groupby("source_type")
    main = main_source_types(segments, documents)
    out = pd.DataFrame(
        {
            "documents": main.value_counts().reindex(by.size().index, fill_value=0),
            "documents_containing": by["doc_id"].nunique(),
            "segments": by.size(),
            "content_segments": by["content"].sum(),
            "boilerplate": by["boilerplate"].sum(),
            "duplicates": by["duplicate_of"].count(),
            "words": by["n_words"].sum(),
        }
    )
    out = out.astype("int64").reset_index()
    total = out.drop(columns="source_type").sum().to_dict()
    total["documents_containing"] = total["documents"] = int(segments["doc_id"].nunique())
    out = pd.concat([out, pd.DataFrame([{"source_type": "all", **total}])], ignore_index=True)
    out["mean_words_per_segment"] = (out["words"] / out["segments"]).round(1)
    return out


def annotations_folder(config: PipelineConfig) -> tuple[Path | None, str | None]:
    """The hand-coded data folder for the labeler evaluation, or None with the reason.

    ``analysis.annotations`` is absolute when it comes from a config file (relative paths
    there resolve against the file's folder, :func:`discourse.config.load_config`) or from
    the default (``data/annotations`` of the project checkout the package is installed from,
    :func:`discourse.config.default_annotations_dir`); a relative path set in Python resolves
    against the working directory.

    Returns
    -------
    folder, reason
        The existing folder and None, or None and a reason naming where it looked and how to
        set ``analysis.annotations``.
    """
    from discourse.config import project_root

    how = (
        "set analysis.annotations to the folder of hand-coded data (in a config file: "
        '[analysis] annotations = "path/to/annotations", relative to the config file)'
    )
    value = config.analysis.annotations
    default = "annotations" not in config.analysis.model_fields_set
    if not value:
        if default and project_root() is None:
            package = Path(__file__).resolve().parents[1]
            return None, (
                "no hand-coded data: the package is not installed from a project checkout "
                f"(no pyproject.toml two folders above {package}), so there is no default "
                f"data/annotations; {how}"
            )
        return None, f"no hand-coded data: analysis.annotations is unset; {how}"
    folder = Path(value).expanduser()
    where = folder if folder.is_absolute() else Path.cwd() / folder
    if not folder.is_dir():
        origin = (
            "the default: data/annotations of the checkout the package is installed from"
            if default
            else "analysis.annotations"
            + ("" if folder.is_absolute() else ", relative to the working directory")
        )
        return None, f"no hand-coded data at {where} ({origin}); {how}"
    return where, None


def _evaluation(config: PipelineConfig, codebook: Any, cache_dir: str | Path) -> Any:
    """Score the run's labeler on the hand-coded test split (``None`` with a reason if not)."""
    from discourse.annotations import load_annotations
    from discourse.labels.bootstrap import bootstrap_intervals
    from discourse.labels.evaluate import evaluate
    from discourse.labels.stage import build_labeler

    folder, reason = annotations_folder(config)
    if folder is None:
        return None, reason
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
        ``outputs`` (relative paths), ``skipped`` (name -> reason), ``excluded`` counts, the
        stance-by-source-type test, ``intervals`` (the interval rule and the groups without an
        interval), ``topics_over_time`` (periods drawn and left out, with the reason),
        ``labeler_evaluated`` (None when skipped) and ``warnings`` (present when the labeler
        evaluation was skipped); the same is written to ``figures_manifest.json``.
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
    segments = pd.read_parquet(run_dir / SEGMENTS)
    documents = pd.read_parquet(run_dir / DOCUMENTS)
    labels = read_optional(run_dir / LABELS)
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
        say("stance and theme prevalence (document bootstrap)")
        min_docs = an.min_documents_for_interval
        stance_ind = stats.one_hot(content["stance"].astype(str), stances)
        docs = content["doc_id"]
        stance_prev = stats.prevalence(
            stance_ind, content["source_type"], docs, an.n_boot, cfg.seed, min_clusters=min_docs
        )
        out.data(stance_prev, "stance_prevalence_by_source_type.csv")
        all_prev = stats.prevalence(
            stance_ind, None, docs, an.n_boot, cfg.seed, min_clusters=min_docs
        )
        out.data(all_prev, "stance_prevalence_overall.csv")
        corrected = _corrected_estimates(run_dir, cfg, out, say)
        if corrected is None:
            fig02 = plots.stance_by_source(stance_prev, stances, estimate=NAIVE_LABEL)
            info["estimates"] = "naive: predicted labels (no analysis.codes)"
        else:
            table, n_coded, info["hand_codes"] = corrected
            label = f"corrected (PPI++, {n_coded} coded units; CI: this corpus's segments)"
            fig02 = plots.stance_by_source(
                _as_prevalence(table, "stance", "source_type", docs_by=content),
                stances,
                estimate=label,
            )
            info["estimates"] = f"corrected: prediction-powered, {n_coded} coded units"
        out.figure("fig02_stance_by_source_type", fig02)
        theme_ind = content[themes].astype(int)
        stance_col = content["stance"].astype(str)
        theme_prev = stats.prevalence(
            theme_ind, stance_col, docs, an.n_boot, cfg.seed, min_clusters=min_docs
        )
        out.data(theme_prev, "theme_prevalence_by_stance.csv")
        theme_by_source = stats.prevalence(
            theme_ind, content["source_type"], docs, an.n_boot, cfg.seed, min_clusters=min_docs
        )
        out.data(theme_by_source, "theme_prevalence_by_source_type.csv")
        out.data(_prevalence_by_document(stance_ind, theme_ind, docs), "prevalence_by_document.csv")
        info["intervals"] = _interval_info(
            min_docs,
            {
                "stance_prevalence_by_source_type": stance_prev,
                "stance_prevalence_overall": all_prev,
                "theme_prevalence_by_stance": theme_prev,
                "theme_prevalence_by_source_type": theme_by_source,
            },
        )
        if corrected is None:
            fig03 = plots.theme_by_stance(theme_prev, themes, stances, estimate=NAIVE_LABEL)
        else:
            fig03 = plots.theme_by_stance(
                _as_prevalence(corrected[0], "themes", "stance"),
                themes,
                stances,
                estimate=f"corrected (PPI++, {corrected[1]} coded units; stance as coded; CI: "
                "this corpus's segments)",
            )
        out.figure("fig03_themes_by_stance", fig03)
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
        out.figure(
            "fig07_topics_over_time",
            plots.topics_over_time(
                over_time,
                min_segments=an.min_period_segments,
                min_documents=an.min_period_documents,
            ),
        )
        info["topics_over_time"] = _period_info(over_time, an)
    else:
        out.skipped["fig07_topics_over_time"] = "no topics_over_time.csv (topic stage not run)"
    topic_info = read_optional(run_dir / TOPIC_INFO)
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
        info["labeler_evaluated"] = None
        info["warnings"] = [
            "The labeler was not evaluated on hand-coded data, so the label-based figures and "
            "tables (fig02-fig05, tab02) come without a measured accuracy: " + reason
        ]
    else:
        evaluation, labeler, intervals = result
        per_class = evaluation.per_class()
        summ = evaluation.summary()
        per_class.insert(0, "labeler", f"{labeler.name} v{labeler.version}")
        out.table(per_class, "tab03_labeler_evaluation", _summary_note(summ, intervals))
        out.data(summ, "tab03_labeler_evaluation_summary.csv")
        out.data(intervals, "tab03_labeler_evaluation_intervals.csv")
        conf = evaluation.confusion_long().rename(columns={"pred": "predicted", "count": "n"})
        out.data(conf, "labeler_confusion.csv")
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
    write_json(manifest, out.root / FIGURES_MANIFEST)
    return {"outputs": files, **{k: v for k, v in manifest.items() if k != "outputs"}}


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
