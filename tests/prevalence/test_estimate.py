"""Estimates for a run: the three estimators on a synthetic run with a known truth, the checks
that a design and codes belong to the run, and the CLI (sample -> code -> estimate)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from _synthetic_run import THEMES, codes_for, make_run
from discourse.analysis.report import content_segments
from discourse.cli import app
from discourse.codebook import load_codebook
from discourse.coding.sample import draw_sample
from discourse.prevalence.estimate import ESTIMATE_COLUMNS, estimate_prevalence, match_codes

CB = load_codebook()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("synthetic_run")
    truth = make_run(folder, n_docs=90, per_doc=20)
    return folder, truth


def _content(folder: Path) -> pd.DataFrame:
    segments = pd.read_parquet(folder / "segments.parquet")
    labels = pd.read_parquet(folder / "labels.parquet")
    return content_segments(segments, labels)[0]


def _table(run_dir: tuple[Path, pd.DataFrame], n: int = 300, seed: int = 1) -> pd.DataFrame:
    folder, truth = run_dir
    content = _content(folder)
    design, units = draw_sample(content, n, "stratified", seed=seed)
    codes = codes_for(truth, units["segment_id"].tolist())
    return estimate_prevalence(content, design, codes, CB, n_boot=200, seed=seed)


def test_corrected_estimates_recover_the_truth_the_naive_ones_miss(run_dir) -> None:
    _, truth = run_dir
    table = _table(run_dir)
    assert list(table.columns) == ESTIMATE_COLUMNS
    overall = table[table["by"] == "overall"].set_index(["variable", "estimator"])
    true_share = {s: (truth["stance"] == s).mean() for s in CB.stance_labels}
    true_share.update({t: truth[t].mean() for t in THEMES})
    # self-healing is over-predicted and autonomy-first under-predicted: naive misses both
    for label in ("self-healing", "autonomy-first", "shame"):
        naive = overall.loc[(label, "naive")]
        corrected = overall.loc[(label, "corrected")]
        assert not naive.ci_low <= true_share[label] <= naive.ci_high
        assert corrected.ci_low <= true_share[label] <= corrected.ci_high
        assert abs(corrected.estimate - true_share[label]) < abs(naive.estimate - true_share[label])
    # themes: predictions help, so the corrected interval is narrower than the coded one
    for theme in THEMES:
        c, k = overall.loc[(theme, "corrected")], overall.loc[(theme, "coded")]
        assert (c.ci_high - c.ci_low) < (k.ci_high - k.ci_low)
    assert (table[table["estimator"] == "coded"]["n_coded"].max()) == 300


def test_groups_and_themes_within_coded_stance(run_dir) -> None:
    table = _table(run_dir)
    by_source = table[table["by"] == "source_type"]
    assert set(by_source["group"]) == {"article", "post"}
    article = by_source[(by_source["group"] == "article") & (by_source["estimator"] == "corrected")]
    assert article[article["dimension"] == "stance"]["estimate"].sum() == pytest.approx(1.0)
    within = table[(table["by"] == "stance") & (table["estimator"] == "corrected")]
    assert set(within["group"]) == set(CB.stance_labels)
    assert set(within["variable"]) == set(THEMES)
    assert within["estimate"].between(0, 1).all()


def test_codes_must_belong_to_the_sample_and_the_run(run_dir, tmp_path: Path) -> None:
    folder, truth = run_dir
    content = _content(folder)
    design, units = draw_sample(content, 100, "stratified", seed=2)
    outsider = sorted(set(content["segment_id"]) - set(units["segment_id"]))[:1]
    codes = codes_for(truth, [*units["segment_id"].tolist(), *outsider])
    with pytest.raises(ValueError, match="not in sample"):
        estimate_prevalence(content, design, codes, CB)
    good = codes_for(truth, units["segment_id"].tolist())
    smaller = content.iloc[1:]  # another corpus
    with pytest.raises(ValueError, match="another corpus"):
        estimate_prevalence(smaller, design, good, CB)
    # a relabelled run (e.g. a retrained labeler): the design still holds, predictions change
    changed = content.copy()
    changed.loc[changed["stance"] == "none", "stance"] = "self-healing"
    _, sample = match_codes(changed, design, good)
    assert not sample.strata_verified
    table = estimate_prevalence(changed, design, good, CB, n_boot=50)
    assert table["estimate"].notna().any()
    _, same = match_codes(content, design, good)
    assert same.strata_verified
    # an edited design: units moved to another stratum are caught while the labels match
    data = design.model_dump()
    data["units"] = [
        (u, "post | none") if i == 0 else (u, h) for i, (u, h) in enumerate(data["units"])
    ]
    with pytest.raises(ValueError):
        match_codes(content, type(design).model_validate(data), good)
    few = codes_for(truth, units["segment_id"].tolist()[:10])
    with pytest.raises(ValueError, match="fewer than 2 coded units"):
        estimate_prevalence(content, design, few, CB)
    with pytest.raises(ValueError, match="cannot group by 'colour'"):
        estimate_prevalence(content, design, codes, CB, by=("colour",))


def test_partially_coded_sample_is_reported_not_hidden(run_dir) -> None:
    folder, truth = run_dir
    content = _content(folder)
    design, units = draw_sample(content, 200, "random", seed=3)
    codes = codes_for(truth, units["segment_id"].tolist())
    codes.loc[150:, "stance"] = None  # the last 50 not coded yet
    table = estimate_prevalence(content, design, codes, CB, n_boot=100)
    coded = table[(table["estimator"] == "coded") & (table["by"] == "overall")]
    assert set(coded["n_coded"]) == {150}


def test_cli_sample_code_estimate(run_dir, tmp_path: Path) -> None:
    folder, truth = run_dir
    runner = CliRunner()
    out = tmp_path / "coding"
    result = runner.invoke(app, ["sample", str(folder), "--n", "150", "--output", str(out)])
    assert result.exit_code == 0, result.output
    for name in (
        "codes.csv",
        "coding.html",
        "labelstudio_tasks.json",
        "labelstudio_config.xml",
        "doccano.jsonl",
        "design.json",
        "sample_manifest.json",
    ):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "sample_manifest.json").read_text())
    assert set(manifest["outputs"]) >= {"codes.csv", "design.json", "coding.html"}
    blank = pd.read_csv(out / "codes.csv", dtype=str, keep_default_na=False)
    assert len(blank) == 150 and (blank["stance"] == "").all()
    # the coder's files carry no prediction
    assert "stance" not in json.loads((out / "labelstudio_tasks.json").read_text())[0]["data"]
    filled = codes_for(truth, blank["segment_id"].tolist()).drop(columns="note")
    filled.to_csv(out / "codes.csv", index=False)
    again = runner.invoke(app, ["sample", str(folder), "--n", "150", "--output", str(out)])
    assert again.exit_code == 1 and "already holds a coding sample" in again.output
    est = tmp_path / "estimates"
    result = runner.invoke(
        app, ["estimate", str(folder), "--codes", str(out / "codes.csv"), "--output", str(est)]
    )
    assert result.exit_code == 0, result.output
    for name in (
        "prevalence_estimates.csv",
        "prevalence_estimates.tex",
        "prevalence_estimates_wide.tex",
        "fig09_prevalence_estimates.pdf",
        "fig09_prevalence_estimates.png",
        "estimate_manifest.json",
    ):
        assert (est / name).is_file(), name
    table = pd.read_csv(est / "prevalence_estimates.csv")
    assert set(table["estimator"]) == {"naive", "coded", "corrected"}
    info = json.loads((est / "estimate_manifest.json").read_text())
    assert info["n_coded"] == 150 and info["n_uncoded"] == 0
    # same input, same outputs
    est2 = tmp_path / "estimates2"
    runner.invoke(
        app, ["estimate", str(folder), "--codes", str(out / "codes.csv"), "-o", str(est2)]
    )
    for name in (
        "prevalence_estimates.csv",
        "prevalence_estimates_wide.tex",
        "fig09_prevalence_estimates.png",
    ):
        assert (est / name).read_bytes() == (est2 / name).read_bytes(), name


def test_cli_estimate_errors_are_clear(run_dir, tmp_path: Path) -> None:
    folder, _ = run_dir
    runner = CliRunner()
    codes = tmp_path / "codes.csv"
    codes.write_text("segment_id,stance,shame,abandonment,regret\n")
    result = runner.invoke(app, ["estimate", str(folder), "--codes", str(codes)])
    assert result.exit_code == 1 and "design.json" in result.output
    assert not np.any([p.name == "estimates" for p in folder.iterdir()])


def test_figures_use_corrected_estimates_when_codes_exist(run_dir, tmp_path: Path) -> None:
    from discourse.analysis.report import make_figures
    from discourse.config import PipelineConfig

    folder, truth = run_dir
    runner = CliRunner()
    sample = tmp_path / "coding"
    assert (
        runner.invoke(app, ["sample", str(folder), "--n", "150", "-o", str(sample)]).exit_code == 0
    )
    blank = pd.read_csv(sample / "codes.csv", dtype=str, keep_default_na=False)
    codes_for(truth, blank["segment_id"].tolist()).to_csv(sample / "codes.csv", index=False)
    cfg = PipelineConfig()
    cfg.analysis.n_boot = 100
    cfg.analysis.annotations = None
    naive = make_figures(folder, tmp_path / "naive", cfg)
    assert naive["estimates"].startswith("naive")
    assert "fig09_prevalence_estimates" in naive["skipped"]
    cfg.analysis.codes = str(sample / "codes.csv")
    info = make_figures(folder, tmp_path / "corrected", cfg)
    assert info["estimates"].startswith("corrected")
    assert info["hand_codes"]["n_coded"] == 150
    assert (
        info["hand_codes"]["sample_id"]
        == json.loads((sample / "design.json").read_text())["sample_id"]
    )
    for name in (
        "figures/fig09_prevalence_estimates.png",
        "tables/tab05_prevalence_estimates.tex",
        "tables/prevalence_estimates.csv",
    ):
        assert name in info["outputs"], name
    # codes that do not fit are an error, not a quiet fallback to the naive figures
    other = tmp_path / "other.csv"
    codes_for(truth, truth["segment_id"].tolist()[:5]).to_csv(other, index=False)
    result = runner.invoke(
        app,
        [
            "figures",
            "-i",
            str(folder),
            "-o",
            str(tmp_path / "bad"),
            "--codes",
            str(other),
            "--design",
            str(sample / "design.json"),
        ],
    )
    assert result.exit_code == 1 and "not in sample" in result.output
