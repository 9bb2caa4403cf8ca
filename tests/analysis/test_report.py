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
        assert {f"figures/{name}.pdf", f"figures/{name}.png"} <= files, name
    for name in TABLES:
        if name == "tab04_topic_summary":
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
    assert result.exit_code == 1 and "run `discourse run` first" in result.output


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
