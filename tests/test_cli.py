"""The CLI through typer's runner."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
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


def _ingest_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "ingest.toml"
    cfg.write_text(
        f'[privacy]\nsalt = "{TEST_SALT}"\n[label]\nenabled = false\n'
        "[topics]\nenabled = false\n[analysis]\nenabled = false\n"
    )
    return cfg


def _one_line_error(result: Result) -> str:
    """The output is one line, and the command exited (no exception escaped, no traceback)."""
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def test_output_under_a_file_is_one_line_error(tmp_path: Path) -> None:
    """The output folder cannot be created (its parent is a file): true for root as well."""
    (tmp_path / "not_a_folder").write_text("x")
    out = tmp_path / "not_a_folder" / "out"
    result = runner.invoke(
        app, ["ingest", "-q", "-i", str(SEEDS), "-o", str(out), "-c", str(_ingest_config(tmp_path))]
    )
    assert result.exit_code == 1, result.output
    line = _one_line_error(result)
    assert (
        line
        == f"error: cannot write the outputs: a part of the path is a file, not a folder: {out}"
    )


@pytest.mark.parametrize(
    ("code", "filename", "reason"),
    [
        (errno.ENOSPC, None, "no space left on device (the disk is full)"),
        (errno.EROFS, "named", "read-only file system"),
        (errno.EACCES, "named", "permission denied"),
    ],
)
def test_write_failures_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, filename: str | None, reason: str
) -> None:
    """A full disk or a read-only folder while the outputs are written (simulated in the
    atomic writer, as a full disk cannot be made in a test) gives one line and exit code 1."""
    import contextlib

    import discourse.io_utils

    out = tmp_path / "out"

    @contextlib.contextmanager
    def failing(path: Path) -> Iterator[Path]:
        raise OSError(code, os.strerror(code), *([str(path)] if filename else []))
        yield path  # pragma: no cover

    monkeypatch.setattr(discourse.io_utils, "atomic_path", failing)
    result = runner.invoke(
        app, ["ingest", "-q", "-i", str(SEEDS), "-o", str(out), "-c", str(_ingest_config(tmp_path))]
    )
    assert result.exit_code == 1, result.output
    line = _one_line_error(result)
    assert line.startswith(f"error: cannot write the outputs: {reason}: {out}")
    assert not (out / "manifest.json").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_one_line_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = runner.invoke(
            app,
            ["ingest", "-q", "-i", str(SEEDS), "-o", str(out), "-c", str(_ingest_config(tmp_path))],
        )
    finally:
        out.chmod(0o755)
    assert result.exit_code == 1, result.output
    assert _one_line_error(result).startswith(
        "error: cannot write the outputs: permission denied: "
    )


def test_label_command_write_failure_is_one_line(tmp_path: Path) -> None:
    table = tmp_path / "in.csv"
    table.write_text("text\nNo contact helped me heal.\n")
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "labels.csv"
    result = runner.invoke(app, ["label", "-i", str(table), "-o", str(out), "--labeler", "rules"])
    assert result.exit_code == 1, result.output
    assert _one_line_error(result).startswith("error: cannot write the outputs: ")
    assert str(tmp_path / "file") in result.output
