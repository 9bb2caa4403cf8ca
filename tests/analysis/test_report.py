"""Figures and tables from a run: what is written, what is skipped and why, reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from _paths import ROOT, SEEDS, TEST_SALT
from discourse.analysis.report import FIGURES, TABLES, make_figures
from discourse.cli import app
from discourse.config import PipelineConfig
from discourse.pipeline import run


def _config() -> PipelineConfig:
    cfg = PipelineConfig()
    cfg.privacy.salt = TEST_SALT
    cfg.label.labeler = "rules"  # fast: no embedding model
    cfg.topics.enabled = False
    cfg.analysis.enabled = False
    cfg.analysis.n_boot = 200
    cfg.analysis.annotations = str(ROOT / "data" / "annotations")
    return cfg


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds_run")
    run(SEEDS, out, _config())
    return out


def test_figures_and_tables_from_a_labelled_run(seeds_run: Path, tmp_path: Path) -> None:
    info = make_figures(seeds_run, tmp_path, _config())
    files = set(info["outputs"])
    for name in FIGURES:
        if name in ("fig06_topics_by_stance", "fig07_topics_over_time"):
            assert "topic stage not run" in info["skipped"][name]
            continue
        if name == "fig09_prevalence_estimates":
            assert "no hand codes" in info["skipped"][name]
            continue
        assert {f"figures/{name}.pdf", f"figures/{name}.png"} <= files, name
    for name in TABLES:
        if name in ("tab04_topic_summary", "tab05_prevalence_estimates"):
            assert name in info["skipped"]
            continue
        assert {f"tables/{name}.csv", f"tables/{name}.tex"} <= files, name
    for name in (
        "stance_prevalence_by_source_type.csv",
        "theme_prevalence_by_stance.csv",
        "theme_prevalence_by_source_type.csv",
        "prevalence_by_document.csv",
        "theme_cooccurrence.csv",
        "distinctive_words_by_stance.csv",
    ):
        assert f"tables/{name}" in files, name
    by_doc = pd.read_csv(tmp_path / "tables" / "prevalence_by_document.csv")
    assert by_doc.group.nunique() == info["content_documents"]
    manifest = json.loads((tmp_path / "figures_manifest.json").read_text())
    assert set(manifest["outputs"]) == files and manifest["skipped"] == info["skipped"]
    assert manifest["labeler_evaluated"].startswith("rules v")

    # the stance table holds the counts of the content segments, and the test result
    segments = pd.read_parquet(seeds_run / "segments.parquet")
    labels = pd.read_parquet(seeds_run / "labels.parquet")
    content = segments.merge(labels, on="segment_id")
    content = content[~content.boilerplate & content.duplicate_of.isna()]
    tab = pd.read_csv(tmp_path / "tables" / "tab02_stance_by_source_type.csv")
    expected = pd.crosstab(content.source_type, content.stance)
    indexed = tab.set_index("source_type")
    for stance in expected.columns:
        assert (indexed[f"n_{stance}"] == expected[stance]).all(), stance
    assert (indexed["n"] == content.source_type.value_counts()).all()
    assert tab["n"].sum() == len(content) == info["content_segments"]
    tex = (tmp_path / "tables" / "tab02_stance_by_source_type.tex").read_text()
    assert r"\toprule" in tex and "Chi-square test of independence" in tex
    test = info["stance_by_source_type_test"]
    assert 0 <= test["p_value"] <= 1 and 0 <= test["cramers_v"] <= 1

    evaluation = pd.read_csv(tmp_path / "tables" / "tab03_labeler_evaluation_summary.csv")
    splits = pd.read_csv(ROOT / "data" / "annotations" / "splits.csv")
    assert evaluation.loc[0, "n"] == (splits.split == "test").sum()  # the hand-coded test split
    intervals = pd.read_csv(tmp_path / "tables" / "tab03_labeler_evaluation_intervals.csv")
    ci = intervals.set_index("metric")
    assert ci.loc["stance_macro_f1", "estimate"] == pytest.approx(evaluation.loc[0, "value"])
    assert ci.loc["stance_macro_f1", "low"] <= ci.loc["stance_macro_f1", "high"]


def test_same_run_same_bytes(seeds_run: Path, tmp_path: Path) -> None:
    a = make_figures(seeds_run, tmp_path / "a", _config())
    make_figures(seeds_run, tmp_path / "b", _config())
    for name in a["outputs"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_missing_labels_and_annotations_are_reported(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = _config()
    cfg.label.enabled = False
    run(SEEDS, out, cfg)
    cfg.analysis.annotations = str(tmp_path / "nowhere")
    info = make_figures(out, None, cfg)
    assert "label stage not run" in info["skipped"]["fig02_stance_by_source_type"]
    assert "no hand-coded data" in info["skipped"]["tab03_labeler_evaluation"]
    assert (out / "figures" / "fig01_corpus_overview.pdf").is_file()


def test_figures_cli(seeds_run: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[privacy]\nsalt = "{TEST_SALT}"\n[label]\nlabeler = "rules"\n'
        f'[analysis]\nn_boot = 200\nannotations = "{ROOT / "data" / "annotations"}"\n'
    )
    result = CliRunner().invoke(
        app, ["figures", "-i", str(seeds_run), "-o", str(tmp_path / "o"), "-c", str(cfg), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "figures (PDF + PNG)" in result.output and "skipped" in result.output
    result = CliRunner().invoke(app, ["figures", "-i", str(tmp_path / "none"), "-q"])
    assert result.exit_code == 1 and "run `discourse run`" in result.output


@pytest.mark.slow
def test_bundled_run_ends_with_every_figure_and_table(bundled_run: Path) -> None:
    manifest = json.loads((bundled_run / "manifest.json").read_text())
    assert manifest["figures"]["skipped"] == {}
    for name in FIGURES:
        for ext in ("pdf", "png"):
            assert f"figures/{name}.{ext}" in manifest["outputs"], name
    for name in TABLES:
        for ext in ("csv", "tex"):
            assert f"tables/{name}.{ext}" in manifest["outputs"], name
    # the shipped hand codes of a sample: fig02/fig03 show corrected estimates
    assert manifest["figures"]["estimates"].startswith("corrected"), manifest["figures"]
    assert manifest["figures"]["hand_codes"]["n_coded"] == 200
    assert "tables/labeler_confusion.csv" in manifest["outputs"]


def test_html_report(seeds_run: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["report", "-i", str(tmp_path)])
    assert result.exit_code == 1 and "discourse figures" in " ".join(result.output.split())
    make_figures(seeds_run, tmp_path, _config())
    result = runner.invoke(app, ["report", "-i", str(tmp_path), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text()
    assert page.count("data:image/png;base64,") == 6  # two topic figures skipped: no topics
    assert "Not available: no topics_by_stance.csv" in page
    assert "<table" in page and "Chi-square" not in page.split("<h2>")[0]


# --------------------------------------------------------------------------------------------
# honest figures: a synthetic run (no labeler, no model), fast


def _synthetic_run(root: Path) -> Path:
    """A run folder: 6 articles, 3 comment threads, a transcript holding comments, and a
    topics_over_time.csv whose 2016 period is 14 segments of one document."""
    seg_rows, label_rows = [], []
    stances = ["strategic", "self-healing", "autonomy-first", "none"]
    texts = {
        "strategic": "make him miss you silence works make him miss you",
        "self-healing": "heal yourself journal heal yourself therapy",
        "autonomy-first": "your life your rules your choice",
        "none": "the weather today was nice weather",
    }
    docs = [(f"art{i}", "article", {"article": 4}) for i in range(6)]
    docs += [(f"com{i}", "comment", {"comment": 3}) for i in range(3)]
    docs += [("vid0", "transcript", {"transcript": 2, "comment": 2})]  # a tie: its own type
    k = 0
    for doc_id, _, parts in docs:
        for source_type, n in parts.items():
            for _ in range(n):
                stance = stances[k % 4]
                seg_rows.append(
                    {
                        "segment_id": f"{doc_id}#{k:04d}",
                        "doc_id": doc_id,
                        "source_type": source_type,
                        "text": texts[stance],
                        "n_words": len(texts[stance].split()),
                        "boilerplate": False,
                        "duplicate_of": None,
                    }
                )
                label_rows.append(
                    {
                        "segment_id": f"{doc_id}#{k:04d}",
                        "stance": stance,
                        "shame": k % 2,
                        "abandonment": int(k % 3 == 0),
                        "regret": int(k % 5 == 0),
                        "language": "en",
                    }
                )
                k += 1
    run_dir = root / "run"
    run_dir.mkdir()
    pd.DataFrame(seg_rows).to_parquet(run_dir / "segments.parquet")
    pd.DataFrame(label_rows).to_parquet(run_dir / "labels.parquet")
    pd.DataFrame([{"doc_id": d, "source_type": t} for d, t, _ in docs]).to_parquet(
        run_dir / "documents.parquet"
    )
    over_time = []
    for period, n_per_topic, n_docs in (("2011", 20, 12), ("2012", 25, 15), ("2016", 7, 1)):
        for topic in (0, 1):
            over_time.append(
                {
                    "model": "bertopic",
                    "by": "period",
                    "group": period,
                    "topic": topic,
                    "label": f"topic {topic}",
                    "n": n_per_topic + topic,
                    "share_of_group": (n_per_topic + topic) / (2 * n_per_topic + 1),
                    "share_of_topic": 0.5,
                    "group_documents": n_docs,
                }
            )
    pd.DataFrame(over_time).to_csv(run_dir / "topics_over_time.csv", index=False)
    return run_dir


def _fast_config(tmp_path: Path) -> PipelineConfig:
    cfg = _config()
    cfg.analysis.annotations = str(tmp_path / "nowhere")  # no evaluation: no labeler needed
    return cfg


def test_groups_with_few_documents_get_no_interval(tmp_path: Path) -> None:
    run_dir = _synthetic_run(tmp_path)
    info = make_figures(run_dir, tmp_path / "out", _fast_config(tmp_path))
    tables = tmp_path / "out" / "tables"
    prev = pd.read_csv(tables / "stance_prevalence_by_source_type.csv").set_index("group")
    # comment: 3 threads + the transcript's comments = 4 documents < 5: no interval at all
    assert (prev.loc["comment", "n_clusters"] == 4).all()
    assert prev.loc["comment", ["ci_low", "ci_high"]].isna().all().all()
    assert (prev.loc["comment", "resampled"] == "none: 4 documents < 5").all()
    assert (prev.loc["transcript", "resampled"] == "none: 1 document < 5").all()
    assert prev.loc["article", ["ci_low", "ci_high"]].notna().all().all()
    assert (prev.loc["article", "resampled"] == "documents").all()
    assert set(prev["resampled"]) == {
        "documents",
        "none: 4 documents < 5",
        "none: 1 document < 5",
    }  # never "segments"
    rule = info["intervals"]
    assert rule["min_documents_for_interval"] == 5
    assert rule["groups_without_interval"]["stance_prevalence_by_source_type"] == {
        "comment": "none: 4 documents < 5",
        "transcript": "none: 1 document < 5",
    }
    # the per-document table makes no document-level claim: no interval, one cluster
    by_doc = pd.read_csv(tables / "prevalence_by_document.csv")
    assert by_doc.group.nunique() == 10
    assert (by_doc["n_clusters"] == 1).all()
    assert by_doc[["ci_low", "ci_high"]].isna().all().all()
    assert (by_doc["resampled"] == "none: one document (a census of its segments)").all()
    assert by_doc.set_index(["group", "variable"]).loc[("art0", "strategic"), "n_segments"] == 4

    # the threshold is a config value
    cfg = _fast_config(tmp_path)
    cfg.analysis.min_documents_for_interval = 4
    make_figures(run_dir, tmp_path / "four", cfg)
    prev4 = pd.read_csv(tmp_path / "four" / "tables" / "stance_prevalence_by_source_type.csv")
    comment = prev4[prev4.group == "comment"]
    assert (comment["resampled"] == "documents").all() and comment["ci_low"].notna().all()


def test_corpus_summary_counts_each_document_once(tmp_path: Path) -> None:
    from discourse.analysis.report import corpus_summary, main_source_types

    run_dir = _synthetic_run(tmp_path)
    segments = pd.read_parquet(run_dir / "segments.parquet")
    documents = pd.read_parquet(run_dir / "documents.parquet")
    main = main_source_types(segments, documents)
    assert main["vid0"] == "transcript"  # 2 transcript, 2 comment segments: its own type wins
    assert main_source_types(segments)["vid0"] == "comment"  # no document types: alphabetical
    summary = corpus_summary(segments, documents).set_index("source_type")
    assert summary.loc[["article", "comment", "transcript"], "documents"].tolist() == [6, 3, 1]
    assert summary.loc[["article", "comment", "transcript"], "documents_containing"].tolist() == [
        6,
        4,
        1,
    ]
    parts = summary.drop(index="all")
    assert parts["documents"].sum() == summary.loc["all", "documents"] == 10
    assert parts["documents_containing"].sum() == 11  # vid0 holds two types

    # the figure's document bars add up to the total in its title, and tab01 says the same
    info = make_figures(run_dir, tmp_path / "out", _fast_config(tmp_path))
    tab01 = pd.read_csv(tmp_path / "out" / "tables" / "tab01_corpus_summary.csv")
    rows = tab01[tab01.source_type != "all"]
    assert rows["documents"].sum() == tab01.loc[tab01.source_type == "all", "documents"].item()
    assert "figures/fig01_corpus_overview.pdf" in info["outputs"]
    from discourse.figures import corpus_overview

    fig = corpus_overview(rows, totals={"documents": 10})
    assert sum(p.get_width() for p in fig.axes[0].patches) == 10
    assert fig.axes[0].get_title() == "documents (total 10)"


def test_small_periods_are_left_out_and_listed(tmp_path: Path) -> None:
    run_dir = _synthetic_run(tmp_path)
    info = make_figures(run_dir, tmp_path / "out", _fast_config(tmp_path))
    periods = info["topics_over_time"]
    assert periods["periods_drawn"] == ["2011", "2012"]
    assert periods["periods_left_out"] == {"2016": "15 segments < 30; 1 document < 5"}
    assert "documents_unknown" not in periods
    manifest = json.loads((tmp_path / "out" / "figures_manifest.json").read_text())
    assert manifest["topics_over_time"] == periods
    assert "figures/fig07_topics_over_time.png" in info["outputs"]

    # an older topics_over_time.csv without document counts: segment rule only, said so
    older = pd.read_csv(run_dir / "topics_over_time.csv").drop(columns="group_documents")
    older.to_csv(run_dir / "topics_over_time.csv", index=False)
    periods = make_figures(run_dir, tmp_path / "old", _fast_config(tmp_path))["topics_over_time"]
    assert periods["periods_left_out"] == {"2016": "15 segments < 30; documents unknown"}
    assert "segment count only" in periods["documents_unknown"]


def test_skipped_evaluation_is_a_visible_warning(tmp_path: Path) -> None:
    run_dir = _synthetic_run(tmp_path)
    out = tmp_path / "out"
    info = make_figures(run_dir, out, _fast_config(tmp_path))
    reason = info["skipped"]["tab03_labeler_evaluation"]
    assert str(tmp_path / "nowhere") in reason and "analysis.annotations" in reason
    assert info["labeler_evaluated"] is None
    assert len(info["warnings"]) == 1 and reason in info["warnings"][0]
    assert "without a measured accuracy" in info["warnings"][0]
    result = CliRunner().invoke(app, ["report", "-i", str(out), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text()
    head = page.split("<h2>")[0]  # before the first table: at the top of the page
    assert "class='warning'" in head and "without a measured accuracy" in head


def test_synthetic_figures_are_deterministic(tmp_path: Path) -> None:
    run_dir = _synthetic_run(tmp_path)
    a = make_figures(run_dir, tmp_path / "a", _fast_config(tmp_path))
    make_figures(run_dir, tmp_path / "b", _fast_config(tmp_path))
    for name in a["outputs"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# --------------------------------------------------------------------------------------------
# the hand-coded data, wherever the run is started


def test_default_annotations_are_the_checkouts_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from discourse.analysis.report import annotations_folder

    monkeypatch.chdir(tmp_path)
    cfg = PipelineConfig()
    assert "annotations" not in cfg.analysis.model_fields_set
    assert cfg.analysis.annotations == str(ROOT / "data" / "annotations")
    assert annotations_folder(cfg) == (ROOT / "data" / "annotations", None)


def test_figures_started_elsewhere_still_evaluate_the_labeler(
    seeds_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)
    cfg = PipelineConfig()  # the default annotations, not the test's absolute path
    cfg.privacy.salt = TEST_SALT
    cfg.label.labeler = "rules"
    cfg.analysis.n_boot = 200
    info = make_figures(seeds_run, tmp_path / "out", cfg)
    assert "tab03_labeler_evaluation" not in info["skipped"]
    assert "tables/tab03_labeler_evaluation.csv" in info["outputs"]
    assert info["labeler_evaluated"].startswith("rules v") and "warnings" not in info


def test_missing_annotations_reason_says_where_it_looked_and_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import discourse.config
    from discourse.analysis.report import annotations_folder

    # the default, in a checkout without hand-coded data
    monkeypatch.setattr(discourse.config, "project_root", lambda: tmp_path)
    folder, reason = annotations_folder(PipelineConfig())
    assert folder is None
    assert f"no hand-coded data at {tmp_path / 'data' / 'annotations'}" in reason
    assert "the default: data/annotations of the checkout" in reason
    assert "set analysis.annotations" in reason and "relative to the config file" in reason

    # installed without a checkout: no default at all
    monkeypatch.setattr(discourse.config, "project_root", lambda: None)
    cfg = PipelineConfig()
    assert cfg.analysis.annotations is None
    folder, reason = annotations_folder(cfg)
    assert folder is None and "not installed from a project checkout" in reason
    assert "set analysis.annotations" in reason

    # a relative path set in Python resolves against the working directory, and says so
    monkeypatch.chdir(tmp_path)
    cfg.analysis.annotations = "coded"
    folder, reason = annotations_folder(cfg)
    assert folder is None and f"at {tmp_path / 'coded'} " in reason
    assert "relative to the working directory" in reason
    (tmp_path / "coded").mkdir()
    assert annotations_folder(cfg) == (tmp_path / "coded", None)
