"""`discourse train` through the CLI runner, on a small slice of the hand-coded data."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from typer.testing import CliRunner

from _annotation_subsets import write_subset
from _paths import ROOT
from discourse.annotations import load_annotations
from discourse.cli import app
from discourse.labels.training import choose_default

FOLDER = ROOT / "data" / "annotations"


def _small_annotations(tmp: Path, per_split: int = 24) -> Path:
    """The shortest units of each split (every split keeps units from several sampling groups)."""
    ann = load_annotations(FOLDER)
    gold = ann.gold()
    gold = gold.assign(n=gold.text.str.len()).sort_values(["split", "n", "unit_id"])
    keep = gold.groupby("split", group_keys=False).head(per_split)
    return write_subset(ann, set(keep.unit_id), tmp / "ann")


def test_train_writes_weights_default_and_report(tmp_path: Path) -> None:
    ann = _small_annotations(tmp_path)
    models, report = tmp_path / "models", tmp_path / "report.md"
    result = CliRunner().invoke(
        app,
        [
            "train",
            "--annotations",
            str(ann),
            "--labelers",
            "rules",
            "--output",
            str(models),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((models / "default.json").read_text())["labeler"] == "rules"
    assert "thresholds" in json.loads((models / "rules.json").read_text())
    text = report.read_text()
    assert "## Test split (each labeler fitted on train + dev, scored once)" in text
    assert "stance confusion matrix of `rules`" in text
    assert "by sampling group" in text
    # the group table accounts for every test unit once
    splits = pd.read_csv(ann / "splits.csv")
    units = pd.read_csv(ann / "units.csv").merge(splits, on="unit_id")
    test_units = units[units.split == "test"]
    # the test ECE next to the ECE calibrated scores would show on as many units
    section = text.split("### Calibration against chance", 1)[1].split("\n#", 1)[0]
    rows = [r.split("|") for r in section.splitlines() if r.startswith("| test | rules")]
    assert [r[3].strip() for r in rows] == ["stance", "shame", "abandonment", "regret"]
    assert {int(r[4]) for r in rows} == {len(test_units)}
    section = text.split("by sampling group", 1)[1]
    rows = [r for r in section.splitlines() if r.startswith("| ") and not r.startswith("| group")]
    sizes = {r.split("|")[1].strip(): int(r.split("|")[2]) for r in rows}
    assert sizes == test_units.sampling.value_counts().to_dict()
    # the held-out synthetic units by writer round: every one counted once, in its round
    held = units[units.split == "test-synthetic"]
    section = text.split("Held-out synthetic units of `rules` by writer round", 1)[1]
    section = section.split("\n## ", 1)[0].split("\n### ", 1)[0]
    rows = [r for r in section.splitlines() if r.startswith("| round")]
    sizes = {r.split("|")[1].strip(): int(r.split("|")[2]) for r in rows}
    expected = {f"round {r}": n for r, n in held["round"].value_counts().items()}
    assert sizes == expected and len(expected) >= 2
    # the interval table repeats the test estimate of the table above, with its interval
    ci_section = text.split("95% bootstrap intervals", 1)[1].split("\n## ", 1)[0]
    ci_row = next(r for r in ci_section.splitlines() if r.startswith("| rules"))
    test_row = next(
        r for r in text.split("## Test split (each", 1)[1].splitlines() if r.startswith("| rules")
    )
    estimate = ci_row.split("|")[2].split("[")[0].strip()
    assert estimate == test_row.split("|")[2].strip()
    low, high = (float(v) for v in ci_row.split("|")[2].split("[")[1].rstrip("] ").split(","))
    assert low <= float(estimate) <= high


def test_interval_table_of_differences() -> None:
    from discourse.codebook import load_codebook
    from discourse.labels.bootstrap import bootstrap_difference, bootstrap_intervals
    from discourse.labels.training import TrainingReport

    cb = load_codebook()
    gold = pd.DataFrame(
        {
            "stance": ["none", "self-healing", "strategic", "none"] * 5,
            **{t: [0, 1, 0, 1] * 5 for t in cb.theme_names},
        }
    )
    worse = gold.assign(stance="none")
    report = TrainingReport(default="a")
    report.test_intervals = {
        "a": bootstrap_intervals(gold, gold, cb, n_boot=50),
        "b": bootstrap_intervals(gold, worse, cb, n_boot=50),
    }
    report.test_differences = {"b": bootstrap_difference(gold, gold, worse, cb, n_boot=50)}
    table = report.interval_table().set_index("labeler")
    assert table.loc["a", "stance_macro_f1"] == "1.000 [1.000, 1.000]"
    assert "f1_strategic" in table.columns
    diff = report.interval_table(differences=True)
    assert diff.labeler.tolist() == ["a - b"]
    assert diff.f1_none[0].startswith("+0.333 [")  # F1 of none: 1 - 2/3


def _ev(stance: float, theme: float) -> SimpleNamespace:
    return SimpleNamespace(stance=SimpleNamespace(macro_f1=stance), mean_theme_f1=theme)


def test_default_prefers_a_fast_labeler_within_the_tolerance() -> None:
    # combined and embed-logreg run a transformer; student and rules do not
    dev = {
        "combined": _ev(0.80, 0.80),
        "embed-logreg": _ev(0.79, 0.80),
        "student": _ev(0.79, 0.785),
        "rules": _ev(0.60, 0.60),
    }
    names = list(dev)
    assert choose_default(dev, names) == ("combined", "student")
    # one score further off than the tolerance (theme 0.021 below): the most accurate stays
    dev["student"] = _ev(0.81, 0.779)
    assert choose_default(dev, names) == ("combined", "combined")
    assert choose_default(dev, names, tolerance=0.05) == ("combined", "student")
    # a fast labeler that is itself the most accurate is simply the default
    dev["student"] = _ev(0.85, 0.85)
    assert choose_default(dev, names) == ("student", "student")
    # among several fast ones within the tolerance, the better one
    dev = {"combined": _ev(0.62, 0.62), "student": _ev(0.60, 0.61), "rules": _ev(0.61, 0.61)}
    assert choose_default(dev, list(dev)) == ("combined", "rules")
    # no fast labeler among the names: the most accurate
    assert choose_default(dev, ["combined"]) == ("combined", "combined")
