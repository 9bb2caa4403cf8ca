"""The CLI through typer's runner."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from _paths import FIXTURES, SEEDS, TEST_SALT
from discourse.cli import app

runner = CliRunner()


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'seed = 7\n[privacy]\nsalt = "{TEST_SALT}"\n[label]\nlabeler = "rules"\n[topics]\nenabled = false\n[analysis]\nenabled = false\n'
    )
    return cfg


def test_run_on_clean_corpus_exits_zero(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", "-i", str(SEEDS), "-o", str(out), "-c", str(_config(tmp_path)), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "segments.parquet").is_file() and (out / "manifest.json").is_file()
    assert "5 files, 5 documents" in result.output and "0 quarantined" in result.output


def test_quarantine_gives_exit_code_3_and_summary(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "bad", raw)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["ingest", "-i", str(raw), "-o", str(out), "-c", str(_config(tmp_path))]
    )
    assert result.exit_code == 3, result.output
    assert "4 input(s) quarantined" in result.output
    assert "quarantine.csv" in result.output


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[ingest]\nexclud = []\n")
    result = runner.invoke(
        app, ["run", "-i", str(SEEDS), "-o", str(tmp_path / "o"), "-c", str(bad)]
    )
    assert result.exit_code == 1
    assert "unknown key 'ingest.exclud'" in result.output and "exclude" in result.output


def test_readers_listing() -> None:
    result = runner.invoke(app, ["readers"])
    assert result.exit_code == 0
    for name in ("text", "csv", "jsonl", "parquet"):
        assert name in result.output
