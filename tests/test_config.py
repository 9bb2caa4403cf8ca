"""Configuration: validation up front with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from discourse.config import ConfigError, PipelineConfig, config_from_dict, load_config


def test_defaults_without_file() -> None:
    assert load_config(None) == PipelineConfig()


def test_unknown_key_lists_valid_keys(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[segment]\ntranscript_min=10\n")
    with pytest.raises(ConfigError) as err:
        load_config(p)
    msg = str(err.value)
    assert "unknown key 'segment.transcript_min'" in msg and "transcript_min_words" in msg


def test_unknown_top_level_key() -> None:
    with pytest.raises(ConfigError, match="unknown key 'sede'.*seed"):
        config_from_dict({"sede": 1})


def test_wrong_type_and_bounds() -> None:
    with pytest.raises(ConfigError, match="segment.transcript_min_words"):
        config_from_dict({"segment": {"transcript_min_words": "many"}})
    with pytest.raises(ConfigError, match="below transcript_min_words"):
        config_from_dict({"segment": {"transcript_min_words": 100, "transcript_max_words": 50}})
    with pytest.raises(ConfigError, match="bad regular expression"):
        config_from_dict({"boilerplate": {"extra_patterns": {"x": ["("]}}})


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_salt_sources_and_redaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    salt_file = tmp_path / "salt.txt"
    salt_file.write_text("from-file\n")
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text('[privacy]\nsalt_file = "salt.txt"\n')
    assert load_config(cfg_file).privacy.resolve_salt() == "from-file"
    cfg = config_from_dict({"privacy": {"salt": "secret-value"}})
    assert "secret-value" not in str(cfg.public_dict())
    assert (
        cfg.salt_fingerprint()
        != config_from_dict({"privacy": {"salt": "other"}}).salt_fingerprint()
    )
    monkeypatch.setenv("DISCOURSE_SALT", "from-env")
    assert PipelineConfig().privacy.resolve_salt() == "from-env"
    monkeypatch.delenv("DISCOURSE_SALT")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    first = PipelineConfig().privacy.resolve_salt()
    assert len(first) == 64 and PipelineConfig().privacy.resolve_salt() == first
    assert (tmp_path / "xdg" / "discourse" / "salt").stat().st_mode & 0o077 == 0


def test_readme_configuration_block_is_valid_and_shows_the_defaults(tmp_path) -> None:
    import re

    from _paths import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "config.toml"
    path.write_text(block, encoding="utf-8")
    expected = PipelineConfig()
    # relative paths in a config file resolve against the file's folder
    expected.analysis.annotations = str((tmp_path / "data" / "annotations").resolve())
    assert load_config(path) == expected
