"""``discourse topics`` and the topic stage of ``discourse run`` on the real seed documents.

The seed documents alone (about 110 segments) are the small-corpus case the presets exist for.
These tests load the shipped MiniLM, so they are marked slow (they still run in CI).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from _paths import SEEDS, TEST_SALT
from discourse.cli import app

runner = CliRunner()


def _config(tmp_path: Path, topics: bool = True) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[privacy]\nsalt = "{TEST_SALT}"\n[label]\nlabeler = "rules"\n'
        f"[topics]\nenabled = {'true' if topics else 'false'}\n[analysis]\nenabled = false\n"
    )
    return cfg


def test_topics_needs_a_run_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["topics", "-i", str(tmp_path), "-q"])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "discourse run" in " ".join(result.output.split())


def test_tiny_corpus_run_records_why_topics_were_skipped(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "one.txt").write_text("No contact helped me heal. I stopped checking his profile.\n")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", "-i", str(raw), "-o", str(out), "-c", str(_config(tmp_path))]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert "too few segments to model topics" in manifest["topics"]["skipped"]
    assert "topics skipped" in result.output


@pytest.mark.slow
def test_run_on_seed_documents_alone_gives_usable_topics(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", "-i", str(SEEDS), "-o", str(out), "-c", str(_config(tmp_path)), "-q"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    info = manifest["topics"]
    assert info["n_segments_modelled"] >= 100
    bertopic = info["summary"]["bertopic"]
    assert bertopic["n_topics"] >= 3  # not collapsed into one topic
    assert bertopic["outlier_rate"] < 0.5  # not everything in the outlier topic
    metrics = json.loads((out / "topic_metrics.json").read_text())
    assert metrics["preset"] == "small"
    assert len(metrics["models"]["bertopic"]["per_seed"]) == 5
    # five documents: the output says the corpus is too small for topics, and why; document
    # effects are removed, so no topic is one document
    assert info["corpus"]["too_small_for_topics"] and info["corpus"]["n_documents"] == 5
    assert "5 documents" in info["corpus"]["too_small_reasons"][0]
    assert info["corpus"]["document_effects_removed"]
    assert metrics["models"]["bertopic"]["largest_document_share_max"] <= 0.8
    assert metrics["models"]["bertopic"]["npmi_reference_top10"] is not None
    labels = " | ".join(v for m in metrics["labels"].values() for v in m.values())
    assert "contact rule" not in labels.replace("no contact rule", "")
    for name in ("topics.parquet", "topic_info.csv", "models/bertopic/bertopic/topics.json"):
        assert name in manifest["outputs"]
    segments = pd.read_parquet(out / "segments.parquet")
    topics = pd.read_parquet(out / "topics.parquet")
    assert topics.segment_id.tolist() == segments.segment_id.tolist()
    assert (topics.excluded_reason.notna() == topics.topic.isna()).all()
    # representative texts are the pseudonymised segment texts: no commenter name
    info_csv = (out / "topic_info.csv").read_text()
    for name in ("Diana", "Danielle", "Dianne", "Sabrina"):
        assert name not in info_csv
    # the embeddings computed by the topic stage are cached for the next stage or run
    assert any((out / "cache").rglob("shard-*.parquet"))


@pytest.mark.slow
def test_same_config_and_seed_identical_in_two_processes(tmp_path: Path) -> None:
    first = tmp_path / "a"
    result = runner.invoke(
        app, ["ingest", "-i", str(SEEDS), "-o", str(first), "-c", str(_config(tmp_path)), "-q"]
    )
    assert result.exit_code == 0, result.output
    second = tmp_path / "b"
    shutil.copytree(first, second)  # separate embedding caches: both processes embed afresh
    for folder in (first, second):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "discourse.cli",
                "topics",
                "-i",
                str(folder),
                "-q",
                "-c",
                str(_config(tmp_path)),
            ],
            check=True,
            capture_output=True,
        )
    names = ["topics.parquet", "baseline_topics.parquet", "topic_info.csv", "topic_metrics.json"]
    names += [p.relative_to(first).as_posix() for p in (first / "models").rglob("*") if p.is_file()]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
