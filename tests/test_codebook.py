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


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("*9x", "'*9x' is not a wildcard"),
        ("make *0 you", "'*0' is not a wildcard"),
        ("make **", "'**' is not a wildcard"),
        ("make|||let @EX miss", "empty alternative in 'make|||let'"),
        ("make| @EX miss", "empty alternative in 'make|'"),
        ("= ==", "'=' without a word in '='"),
        ("make =a=b", "stray '=' in '=a=b'"),
        ("make @ miss", "'@' without a macro name"),
        ("make him@EX miss", "stray '@'"),
        ("make ? miss", "stray '?'"),
        ("make miss|you?? now", "stray '?'"),
        ("make a?|b", "stray '?' in 'a?'"),
        ("make him|* miss", "stray '*'"),
        ("(make|let) @EX miss", "'(' in '(make' of '(make|let)' is not pattern syntax"),
        ("make [him] miss", "not pattern syntax"),
        (r"make \w+ miss", "not pattern syntax"),
        ("upper__hand", "empty word in 'upper__hand'"),
        ("_hand", "empty word"),
        ("make? him?", "every slot is optional"),
        ("* *2", "every slot is optional"),
        ("make @EX2 miss", "unknown macro @EX2"),
    ],
)
def test_bad_patterns_are_rejected_when_the_codebook_loads(
    tmp_path: Path, pattern: str, problem: str
) -> None:
    p = tmp_path / "cb.toml"
    p.write_text(CUSTOM.replace('"make @EX miss you"', json.dumps(pattern)))
    with pytest.raises(ConfigError) as info:
        load_codebook(p)
    msg = str(info.value)
    assert str(p) in msg
    assert f"pattern strategic.miss ({pattern!r}): " in msg  # the label and pattern id
    assert problem in msg


@pytest.mark.parametrize(
    ("macros", "problem"),
    [
        ("EX = []", "macros.EX: macro EX has no alternatives"),
        ('EX = ["him", ""]', "macros.EX: empty alternative in macro EX"),
        ('EX = ["him", "@YOU"]', "stray '@' in '@YOU' of macro EX"),
        ('EX = ["him|her"]', "stray '|'"),
        ('EX = ["="]', "'=' without a word in macro EX"),
        ('EX = ["him"]\n"2X" = ["a"]', "bad macro name '2X'"),
    ],
)
def test_bad_macros_are_rejected(tmp_path: Path, macros: str, problem: str) -> None:
    p = tmp_path / "cb.toml"
    p.write_text(CUSTOM.replace('EX = ["him", "her", "them"]', macros))
    with pytest.raises(ConfigError, match="invalid") as info:
        load_codebook(p)
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        ('{ id = "kids", pattern = ', '{ id = "kids", weight = true, pattern = '),
        ('{ id = "kids", pattern = ', '{ id = "kids", weight = "2", pattern = '),
        ('{ id = "kids", pattern = ', '{ id = "kids", negatable = "yes", pattern = '),
        ('{ id = "kids", pattern = ', '{ id = "kids", negatable = 1, pattern = '),
        ('{ id = "kids", pattern = ', '{ id = "kid s", pattern = '),
        ('{ id = "kids", pattern = ', '{ id = "", pattern = '),
    ],
)
def test_pattern_fields_are_strict(tmp_path: Path, edit: str, where: str) -> None:
    p = tmp_path / "cb.toml"
    p.write_text(CUSTOM.replace(edit, where))
    with pytest.raises(ConfigError, match=r"stance\.labels\.0\.patterns\.0\.(weight|negatable|id)"):
        load_codebook(p)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    p = tmp_path / "cb.toml"
    text = CUSTOM.replace('pattern = "make @EX miss you"', 'pattern = "= =="')
    text = text.replace('pattern = "angry|furious|rage|mad"', 'pattern = "angry||mad"')
    p.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_codebook(p)
    assert "pattern strategic.miss" in str(info.value) and "pattern anger.angry" in str(info.value)


def test_packaged_codebook_patterns_all_pass_the_check() -> None:
    from discourse.codebook import check_macro, check_pattern

    cb = load_codebook()
    assert cb.meta.version == "1.2.0"
    for name, alternatives in cb.macros.items():
        assert check_macro(name, alternatives) == []
    specs = [*cb.stance.labels, *cb.themes]
    assert sum(len(s.patterns) for s in specs) > 100
    for spec in specs:
        for p in spec.patterns:
            assert check_pattern(p.pattern, cb.macros) == [], (spec.name, p.id)


@pytest.mark.parametrize(
    "pattern",
    [
        "=:) you?",
        "=24/7",
        "=24_7 *",
        "*2 heal|grow",
        "so? that? he|she will? miss you",
        "=should've|=shoulda",
        "self-worth|i'll|upper_hand",
        "make @EX? miss *3 you",
        "kid|kids *",
    ],
)
def test_unusual_but_valid_patterns_load(tmp_path: Path, pattern: str) -> None:
    p = tmp_path / "cb.toml"
    p.write_text(CUSTOM.replace('"make @EX miss you"', json.dumps(pattern)))
    cb = load_codebook(p)
    assert cb.label("strategic").patterns[0].pattern == pattern
