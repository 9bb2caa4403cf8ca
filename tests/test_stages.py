"""The pipeline's stages: one protocol, one list, one switch each, one runner for all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from discourse.config import ConfigError, PipelineConfig
from discourse.errors import MissingInputError
from discourse.layout import FIGURES_MANIFEST, MANIFEST
from discourse.pipeline import run, run_stage
from discourse.stages import STAGES, Stage, get_stage, is_enabled, only_stages


def test_every_stage_follows_the_protocol() -> None:
    assert [s.name for s in STAGES] == ["ingest", "label", "topics", "figures"]
    assert len({s.manifest_key for s in STAGES}) == len(STAGES)
    cfg = PipelineConfig()
    for stage in STAGES:
        assert isinstance(stage, Stage), stage
        for section in stage.config_sections:
            assert section in PipelineConfig.model_fields, (stage.name, section)
        if stage.switch is not None:
            section, key = stage.switch.split(".")
            assert isinstance(getattr(getattr(cfg, section), key), bool), stage.switch
        assert is_enabled(stage, cfg)


def test_one_switch_per_stage() -> None:
    cfg = only_stages(PipelineConfig(), ("ingest", "topics"))
    assert [s.name for s in STAGES if is_enabled(s, cfg)] == ["ingest", "topics"]
    assert not cfg.label.enabled and not cfg.analysis.enabled and cfg.topics.enabled
    with pytest.raises(ConfigError, match="valid stages: ingest, label, topics, figures"):
        only_stages(PipelineConfig(), ("ingest", "lables"))
    with pytest.raises(ConfigError, match="valid stages"):
        get_stage("plot")


def test_a_standalone_stage_reuses_the_runs_cache(
    seeds_dir: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    """`discourse figures` on a finished run restores the stage the run computed."""
    config.analysis.enabled = True
    config.analysis.n_boot = 100
    config.analysis.annotations = None  # no labeler evaluation: fast, and said so
    out = tmp_path / "out"
    result = run(seeds_dir, out, config)
    assert "figures" not in result.manifest["reused_stages"]
    drawn = json.loads((out / FIGURES_MANIFEST).read_text())["outputs"]
    info = run_stage("figures", out, tmp_path / "again", config)
    assert info["reused"] and FIGURES_MANIFEST in info["outputs"]
    again = json.loads((tmp_path / "again" / FIGURES_MANIFEST).read_text())["outputs"]
    assert again == drawn
    # another setting: computed afresh, by the same runner
    config.analysis.top_words = 7
    assert not run_stage("figures", out, tmp_path / "third", config)["reused"]
    # the run's manifest says which stage wrote what
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["figures"]["skipped"]["fig08_labeler_confusion"].startswith("no hand-coded")
    assert set(manifest) >= {"inputs", "summary", "labels", "topics", "embeddings", "figures"}


def test_standalone_stage_needs_its_inputs(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match="segments.parquet does not exist"):
        run_stage("topics", tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()  # refused before anything is created
    with pytest.raises(ConfigError, match="reads raw inputs"):
        run_stage("ingest", tmp_path)
