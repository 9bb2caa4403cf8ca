"""`discourse label` and `discourse evaluate` through the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from discourse.cli import app

runner = CliRunner()


def test_label_csv_keeps_columns_and_adds_labels(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3],
            "body": ["Go no contact so he misses you.", "", "Heal and focus on yourself."],
            "extra": list("xyz"),
        }
    ).to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    result = runner.invoke(
        app,
        ["label", "-i", str(src), "--text-column", "body", "-o", str(out), "--labeler", "rules"],
    )
    assert result.exit_code == 0, result.output
    df = pd.read_parquet(out)
    assert df.columns[:3].tolist() == ["id", "body", "extra"]
    for col in [
        "stance",
        "stance_score",
        "stance_evidence",
        "shame",
        "shame_score",
        "shame_evidence",
        "abandonment",
        "regret",
        "regret_evidence",
        "language",
    ]:
        assert col in df.columns
    assert df.stance.tolist() == ["strategic", "none", "self-healing"]
    assert df.stance_score[1] == 0.0


def test_label_jsonl_and_errors(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "Do what feels right for you."}\n')
    out = tmp_path / "out.csv"
    assert (
        runner.invoke(
            app, ["label", "-i", str(src), "-o", str(out), "--labeler", "rules"]
        ).exit_code
        == 0
    )
    assert pd.read_csv(out).stance[0] == "autonomy-first"
    bad = runner.invoke(
        app,
        ["label", "-i", str(src), "-o", str(out), "--text-column", "body", "--labeler", "rules"],
    )
    assert bad.exit_code == 1 and "no column 'body'" in bad.output
    bad = runner.invoke(app, ["label", "-i", str(src), "-o", str(out), "--labeler", "magic"])
    assert bad.exit_code == 1 and "valid options" in bad.output


def test_evaluate_cli_writes_csvs(tmp_path: Path) -> None:
    gold = pd.DataFrame(
        {
            "unit_id": ["a", "b"],
            "stance": ["none", "strategic"],
            "shame": [0, 1],
            "abandonment": [0, 0],
            "regret": [1, 0],
        }
    )
    pred = gold.copy()
    pred.loc[1, "stance"] = "none"
    gold.to_csv(tmp_path / "gold.csv", index=False)
    pred.to_csv(tmp_path / "pred.csv", index=False)
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--gold",
            str(tmp_path / "gold.csv"),
            "--pred",
            str(tmp_path / "pred.csv"),
            "--key",
            "unit_id",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "evaluation_summary.csv").set_index("dimension")
    # none: P 1/2, R 1, F1 2/3; strategic: F1 0 -> macro-F1 1/3
    assert summary.loc["stance", "value"] == pytest.approx(1 / 3, abs=1e-4)
    per_class = pd.read_csv(tmp_path / "evaluation_per_class.csv")
    assert set(per_class.dimension) == {"stance", "shame", "abandonment", "regret"}
    assert (tmp_path / "evaluation_confusion.csv").is_file()
    intervals = pd.read_csv(tmp_path / "evaluation_intervals.csv").set_index("metric")
    assert intervals.loc["stance_macro_f1", "estimate"] == pytest.approx(1 / 3, abs=1e-4)
    assert intervals.loc["stance_macro_f1", "n_boot"] == 1000
    assert "bootstrap intervals" in result.output


def test_evaluate_cli_bootstrap_options(tmp_path: Path) -> None:
    gold = pd.DataFrame(
        {
            "stance": ["none", "self-healing"],
            "shame": [0, 1],
            "abandonment": [0, 0],
            "regret": [1, 0],
        }
    )
    gold.to_csv(tmp_path / "gold.csv", index=False)
    gold.to_csv(tmp_path / "pred.csv", index=False)
    args = ["evaluate", "--gold", str(tmp_path / "gold.csv"), "--pred", str(tmp_path / "pred.csv")]
    result = runner.invoke(app, [*args, "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "evaluation_intervals.csv").exists()
    bad = runner.invoke(app, [*args, "--level", "1.5"])
    assert bad.exit_code == 1 and "--level" in bad.output
