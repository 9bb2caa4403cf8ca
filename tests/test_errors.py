"""The error model (discourse.errors): user errors are one line and exit code 1, bugs are not
swallowed, and only a real skip condition skips the topic stage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from _paths import SEEDS, TEST_SALT
from discourse import errors
from discourse.cli import app
from discourse.config import PipelineConfig
from discourse.errors import (
    ConfigError,
    DiscourseError,
    InputError,
    MissingInputError,
    StageSkipped,
)
from discourse.model_parts import ModelPartsError
from discourse.stage_cache import StageCacheError

runner = CliRunner()


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[privacy]\nsalt = "{TEST_SALT}"\n[label]\nlabeler = "rules"\n'
        "[topics]\nenabled = false\n[analysis]\nenabled = false\n"
    )
    return cfg


def test_hierarchy_keeps_the_builtin_bases() -> None:
    from discourse.config import ConfigError as FromConfig

    assert FromConfig is ConfigError
    assert issubclass(ConfigError, DiscourseError) and issubclass(ConfigError, ValueError)
    assert issubclass(InputError, DiscourseError) and issubclass(InputError, ValueError)
    assert issubclass(MissingInputError, InputError)
    assert issubclass(MissingInputError, FileNotFoundError)
    assert issubclass(StageSkipped, DiscourseError) and not issubclass(StageSkipped, ValueError)
    for cls in (ModelPartsError, StageCacheError):
        assert issubclass(cls, DiscourseError) and issubclass(cls, RuntimeError)
    with pytest.raises(ValueError, match="bad"):
        raise InputError("bad")
    skipped = StageSkipped("too few segments")
    assert skipped.reason == "too few segments" and str(skipped) == "too few segments"


def test_error_codes_are_distinct() -> None:
    classes = [
        DiscourseError,
        ConfigError,
        InputError,
        MissingInputError,
        StageSkipped,
        ModelPartsError,
        StageCacheError,
    ]
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert set(errors.__all__) >= {"DiscourseError", "InputError", "StageSkipped"}


def _usage_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return " ".join(result.output.split())


def test_missing_input_table_is_a_clear_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = runner.invoke(
        app, ["label", "-i", str(missing), "-o", str(tmp_path / "o.csv"), "--labeler", "rules"]
    )
    assert f"error: input table does not exist: {missing}" in _usage_error(result)


def test_unknown_labeler_is_a_usage_error(tmp_path: Path) -> None:
    table = tmp_path / "in.csv"
    table.write_text("text\nNo contact helped me heal.\n")
    result = runner.invoke(
        app, ["label", "-i", str(table), "-o", str(tmp_path / "o.csv"), "--labeler", "nope"]
    )
    assert "unknown labeler 'nope'; valid options:" in _usage_error(result)


def test_malformed_weights_file_is_a_usage_error(tmp_path: Path) -> None:
    table = tmp_path / "in.csv"
    table.write_text("text\nNo contact helped me heal.\n")
    weights = tmp_path / "weights.json"
    weights.write_text('{"labeler": "rules"}')
    result = runner.invoke(
        app,
        [
            "label",
            *("-i", str(table), "-o", str(tmp_path / "o.csv")),
            *("--labeler", "rules", "--weights", str(weights)),
        ],
    )
    assert "is not a valid weights file: missing 'codebook'" in _usage_error(result)


def test_missing_input_folder_is_a_usage_error(tmp_path: Path) -> None:
    config = str(_config(tmp_path))
    args = ["ingest", "-q", "-i", str(tmp_path / "nope"), "-o", str(tmp_path / "out"), "-c"]
    result = runner.invoke(app, [*args, config])
    assert "input directory does not exist" in _usage_error(result)


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyError("boom"), ValueError("boom")])
def test_a_bug_in_the_pipeline_is_not_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    import discourse.pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(discourse.pipeline, "run", broken)
    result = runner.invoke(
        app,
        ["run", "-q", "-i", str(SEEDS), "-o", str(tmp_path / "out"), "-c", str(_config(tmp_path))],
    )
    assert result.exit_code != 0
    assert result.exception is exc  # propagated, with its traceback (not "error: boom", exit 1)
    assert "error:" not in result.output


def test_a_bug_in_the_label_command_is_not_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import discourse.labels.stage

    def broken(path: object) -> None:
        raise KeyError("text")

    monkeypatch.setattr(discourse.labels.stage, "read_table", broken)
    table = tmp_path / "in.csv"
    table.write_text("text\nNo contact helped me heal.\n")
    result = runner.invoke(
        app, ["label", "-i", str(table), "-o", str(tmp_path / "o.csv"), "--labeler", "rules"]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, KeyError)


def _stage_folder(tmp_path: Path, n: int) -> Path:
    stage = tmp_path / "stage"
    stage.mkdir()
    texts = [f"segment number {i} about no contact" for i in range(n)]
    pd.DataFrame({"segment_id": [f"s{i}" for i in range(n)], "text": texts}).to_parquet(
        stage / "segments.parquet"
    )
    return stage


def _topic_stage_raising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> dict[str, object]:
    import discourse.topics.stage
    from discourse.stages.topics import fit_topics

    def broken(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(discourse.topics.stage, "topics_stage", broken)
    folder = _stage_folder(tmp_path, 30)
    return fit_topics(folder, PipelineConfig(), str(tmp_path / "cache"), folder)


def test_topic_stage_does_not_skip_on_an_unexpected_value_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bug = ValueError("operands could not be broadcast together with shapes (30,384) (29,384)")
    with pytest.raises(ValueError, match="could not be broadcast") as info:
        _topic_stage_raising(tmp_path, monkeypatch, bug)
    assert info.value is bug


@pytest.mark.parametrize(
    "exc",
    [
        StageSkipped("too few documents"),
        StageSkipped("too few segments to model topics: 12 (topics.min_segments = 20)"),
        StageSkipped("no words left for topic modelling after removing generic words"),
    ],
)
def test_topic_stage_records_a_real_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    info = _topic_stage_raising(tmp_path, monkeypatch, exc)
    assert info == {"skipped": str(exc)}


def test_a_plain_value_error_with_a_skip_message_is_not_a_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """topics/ raises StageSkipped itself; no message is translated into a skip any more."""
    bug = ValueError("too few segments to model topics: 12 (topics.min_segments = 20)")
    with pytest.raises(ValueError, match="too few segments"):
        _topic_stage_raising(tmp_path, monkeypatch, bug)


def test_topic_stage_skips_a_tiny_corpus_before_fitting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import discourse.topics.stage
    from discourse.stages.topics import fit_topics

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("not called on a corpus below topics.min_segments")

    monkeypatch.setattr(discourse.topics.stage, "topics_stage", never)
    folder = _stage_folder(tmp_path, 3)
    info = fit_topics(folder, PipelineConfig(), str(tmp_path / "cache"), folder)
    assert info == {"skipped": "too few segments to model topics: 3 (topics.min_segments = 20)"}
