"""Codebook loading and validation; a custom codebook drives the whole pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from _paths import SEEDS, TEST_SALT
from discourse.cli import app
from discourse.codebook import load_codebook
from discourse.config import ConfigError
from discourse.labels.stage import build_labeler

CUSTOM = """
[meta]
name = "custom-test"
version = "0.1"

[macros]
EX = ["him", "her", "them"]

[stance]
default = "none"
precedence = []

[[stance.labels]]
name = "pragmatic"
definition = "Contact is handled for practical reasons (kids, work, shared flat)."
patterns = [{ id = "kids", pattern = "kid|kids|child|children|custody|co-parent|coparent" }]

[[stance.labels]]
name = "strategic"
definition = "Contact choices to win the ex back."
patterns = [{ id = "miss", pattern = "make @EX miss you" }]

[[themes]]
name = "hope"
definition = "Hope for the future."
patterns = [{ id = "hope", pattern = "hope|hopeful|brighter|better days" }]

[[themes]]
name = "anger"
definition = "Anger at the ex."
patterns = [{ id = "angry", pattern = "angry|furious|rage|mad" }]
"""


def test_default_codebook_matches_the_spec() -> None:
    cb = load_codebook()
    assert cb.stance_labels == ["strategic", "self-healing", "autonomy-first", "none"]
    assert cb.theme_names == ["shame", "abandonment", "regret"]
    assert cb.stance.precedence == ["autonomy-first"]
    assert len(cb.stance.decision_rules) == 4
    for spec in [*cb.stance.labels, *cb.themes]:
        assert spec.definition and spec.patterns


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('pattern = "make @EX miss you"', 'pattern = "make @WHO miss you"'),
            "unknown macro @WHO",
        ),
        (lambda t: t.replace('name = "anger"', 'name = "hope"'), "duplicate theme names"),
        (
            lambda t: t.replace("precedence = []", 'precedence = ["autonomy-first"]'),
            "precedence names unknown",
        ),
        (lambda t: t.replace('name = "anger"', 'name = "Anger Issues"'), "must be lower-case"),
        (lambda t: t + "\n[extra]\nx = 1\n", "extra"),
        (
            lambda t: t.replace('name = "pragmatic"', 'name = "none"'),
            "must not also be a pattern label",
        ),
    ],
)
def test_invalid_codebooks_are_rejected(tmp_path: Path, edit, message: str) -> None:
    p = tmp_path / "cb.toml"
    p.write_text(edit(CUSTOM))
    with pytest.raises(ConfigError, match=message):
        load_codebook(p)


def test_missing_codebook_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_codebook(tmp_path / "nope.toml")


def test_custom_codebook_end_to_end(tmp_path: Path) -> None:
    cb_path = tmp_path / "custom.toml"
    cb_path.write_text(CUSTOM)
    cb = load_codebook(cb_path)
    labeler = build_labeler("default", cb)  # no packaged weights for a custom codebook -> rules
    assert labeler.name == "rules"
    out = labeler.predict(
        ["We only talk about the kids now. I hope for better days.", "I am so angry."]
    )
    assert out.stance.tolist() == ["pragmatic", "none"]
    assert out.hope.tolist() == [1, 0] and out.anger.tolist() == [0, 1]
    assert "shame" not in out.columns
    with pytest.raises(ValueError, match="needs fitted weights"):
        build_labeler("embed-logreg", cb)

    # the whole pipeline follows the codebook
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[privacy]\nsalt = "{TEST_SALT}"\n[label]\nlabeler = "rules"\ncodebook = "custom.toml"\n'
        "[topics]\nenabled = false\n[analysis]\nenabled = false\n"
    )
    result = CliRunner().invoke(
        app, ["run", "-i", str(raw), "-o", str(tmp_path / "out"), "-c", str(cfg), "-q"]
    )
    assert result.exit_code == 0, result.output
    labels = pd.read_parquet(tmp_path / "out" / "labels.parquet")
    assert {"hope", "hope_score", "hope_evidence", "anger"} <= set(labels.columns)
    assert set(labels.stance) <= {"pragmatic", "strategic", "none"}
    profile = pd.read_csv(tmp_path / "out" / "stance_profile_source_types.csv")
    assert list(profile.columns) == [
        "source_type",
        "n",
        "share_pragmatic",
        "share_strategic",
        "share_none",
    ]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["labels"]["codebook"]["name"] == "custom-test"
