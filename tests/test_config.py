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
    # annotations is commented out: the default, the checkout's data/annotations
    assert load_config(path) == PipelineConfig()
    assert "min_period_documents = 5" in block and "min_documents_for_interval = 5" in block


def test_annotations_default_is_the_checkouts_folder_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _paths import ROOT
    from discourse.config import default_annotations_dir, project_root

    monkeypatch.chdir(tmp_path)
    assert project_root() == ROOT
    assert default_annotations_dir() == str(ROOT / "data" / "annotations")
    cfg = PipelineConfig()
    assert cfg.analysis.annotations == str(ROOT / "data" / "annotations")
    assert Path(cfg.analysis.annotations).is_absolute()
    # a config file without the key keeps the default, wherever the file is
    path = tmp_path / "elsewhere" / "study.toml"
    path.parent.mkdir()
    path.write_text("[analysis]\nn_boot = 500\n", encoding="utf-8")
    assert load_config(path).analysis.annotations == str(ROOT / "data" / "annotations")


def test_relative_annotations_in_a_config_file_resolve_against_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study = tmp_path / "study"
    (study / "coded").mkdir(parents=True)
    path = study / "config.toml"
    path.write_text('[analysis]\nannotations = "coded"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # not the config file's folder
    cfg = load_config(path)
    assert cfg.analysis.annotations == str((study / "coded").resolve())
    assert "annotations" in cfg.analysis.model_fields_set


def test_analysis_thresholds_are_validated() -> None:
    cfg = PipelineConfig().analysis
    assert (cfg.min_documents_for_interval, cfg.min_period_segments) == (5, 30)
    assert cfg.min_period_documents == 5
    config_from_dict({"analysis": {"min_documents_for_interval": 2, "min_period_segments": 1}})
    with pytest.raises(ConfigError, match="min_documents_for_interval"):
        config_from_dict({"analysis": {"min_documents_for_interval": 1}})
    with pytest.raises(ConfigError, match="min_period_documents"):
        config_from_dict({"analysis": {"min_period_documents": 0}})
    with pytest.raises(ConfigError, match="min_period_segments"):
        config_from_dict({"analysis": {"min_period_segments": "30"}})


def test_paths_that_do_not_exist_are_all_listed(tmp_path: Path) -> None:
    (tmp_path / "cache_file").write_text("not a folder")
    cfg = tmp_path / "study.toml"
    cfg.write_text(
        '[label]\ncodebook = "my_codebook.toml"\nweights = "fitted/"\n'
        '[privacy]\nsalt_file = "secret/salt.txt"\n'
        '[analysis]\nannotations = "coded"\n'
        '[embeddings]\ncache_dir = "cache_file"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    msg = str(info.value)
    assert str(cfg) in msg
    for expected in (
        f"label.codebook: file does not exist: {tmp_path / 'my_codebook.toml'}",
        f"label.weights: file or folder does not exist: {tmp_path / 'fitted'}",
        f"privacy.salt_file: file does not exist: {tmp_path / 'secret' / 'salt.txt'}",
        f"analysis.annotations: folder does not exist: {tmp_path / 'coded'}",
        f"embeddings.cache_dir: must be a folder, but is a file: {tmp_path / 'cache_file'}",
    ):
        assert expected in msg


def test_paths_checked_only_where_used(tmp_path: Path) -> None:
    # a disabled stage's paths are not required; the default annotations folder may be absent
    cfg = config_from_dict({"label": {"enabled": False, "codebook": str(tmp_path / "none.toml")}})
    cfg.check_paths()
    default = PipelineConfig()
    assert "annotations" not in default.analysis.model_fields_set
    default.check_paths(tmp_path / "out")


def test_run_refuses_missing_paths_before_any_work(tmp_path: Path) -> None:
    from discourse.pipeline import run

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("No contact helped me heal.")
    cfg = config_from_dict({"label": {"codebook": str(tmp_path / "missing.toml")}})
    with pytest.raises(ConfigError, match="label.codebook: file does not exist"):
        run(raw, tmp_path / "out", cfg)
    assert not (tmp_path / "out").exists()
    out_file = tmp_path / "out_is_a_file"
    out_file.write_text("x")
    with pytest.raises(ConfigError, match="output directory: must be a folder"):
        run(raw, out_file, config_from_dict({"label": {"enabled": False}}))


def test_cli_reports_missing_config_paths(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from discourse.cli import app

    cfg = tmp_path / "c.toml"
    cfg.write_text('[label]\nweights = "nowhere.json"\n')
    result = CliRunner().invoke(
        app, ["run", "-i", str(tmp_path), "-o", str(tmp_path / "out"), "-c", str(cfg)]
    )
    assert result.exit_code == 1
    assert "label.weights: file or folder does not exist" in result.output.replace("\n", "")


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        # values of the wrong TOML type are errors, never converted
        ("seed = true", "'seed'"),
        ('seed = "13"', "'seed'"),
        ("seed = 13.5", "'seed'"),
        ("seed = -1", "'seed'"),
        ('[ingest]\nfollow_symlinks = "yes"', "'ingest.follow_symlinks'"),
        ('[ingest]\nmax_file_mb = "200"', "'ingest.max_file_mb'"),
        ("[ingest.table]\ninclude_title = 1", "'ingest.table.include_title'"),
        ("[label]\nenabled = 1", "'label.enabled'"),
        ('[topics]\nenabled = "true"', "'topics.enabled'"),
        ("[clean]\nfix_mojibake = 0", "'clean.fix_mojibake'"),
        ("[segment]\narticle_min_words = 40.0", "'segment.article_min_words'"),
        ('[topics]\nn_gram_range = ["1", 2]', "'topics.n_gram_range.0'"),
        ('[analysis]\nn_boot = "2000"', "'analysis.n_boot'"),
        # every min/max pair is checked
        (
            "[segment]\narticle_min_words = 300",
            "article_max_words (200) is below article_min_words",
        ),
        (
            "[segment]\ntranscript_min_words = 200",
            "transcript_max_words (150) is below transcript_min_words",
        ),
        (
            "[topics]\nmin_segments = 500\nmax_fit_segments = 100",
            "max_fit_segments (100) is below min_segments",
        ),
        ("[topics]\nn_gram_range = [2, 1]", "'topics.n_gram_range'"),
        # strings whose emptiness means nothing
        ('[privacy]\nsalt = ""', "'privacy.salt': must not be empty"),
        ('[privacy]\nsalt = "   "', "'privacy.salt': must not be empty"),
        ('[privacy]\nsalt_file = ""', "'privacy.salt_file': must not be empty"),
        ('[privacy]\npseudonym_prefix = ""', "'privacy.pseudonym_prefix': must not be empty"),
        ('[label]\ncodebook = ""', "'label.codebook': must not be empty"),
        ('[label]\nlabeler = ""', "'label.labeler': must not be empty"),
        ('[ingest]\nsources_file = ""', "'ingest.sources_file': must not be empty"),
        ('[ingest]\nexclude = ["README*", ""]', "'ingest.exclude.1': must not be empty"),
        ('[ingest.table]\ntext = [""]', "'ingest.table.text.0': must not be empty"),
        ('[boilerplate.extra_patterns]\nsponsor = [""]', "'boilerplate.extra_patterns.sponsor.0'"),
        ('[topics]\nextra_stop_words = [""]', "'topics.extra_stop_words.0': must not be empty"),
    ],
)
def test_loose_values_are_rejected_naming_the_key(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert key in str(info.value)


def test_wrong_type_message_says_what_to_write() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict({"ingest": {"follow_symlinks": "yes"}})
    assert "'ingest.follow_symlinks'" in str(info.value)
    assert "write true or false, without quotes (got 'yes')" in str(info.value)


def test_strict_types_still_take_what_toml_writes(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        "seed = 0\n[ingest]\nmax_file_mb = 5\n[topics]\nn_gram_range = [1, 3]\n"
        'nr_topics = "auto"\n[segment]\narticle_min_words = 0\narticle_max_words = 0\n'
        "[boilerplate]\nteaser_tail_share = 1\n"
    )
    with pytest.raises(ConfigError, match="'segment.article_max_words'"):
        load_config(path)  # gt=0 still applies
    path.write_text(path.read_text().replace("article_max_words = 0", "article_max_words = 10"))
    cfg = load_config(path)
    assert cfg.ingest.max_file_mb == 5.0 and isinstance(cfg.ingest.max_file_mb, float)
    assert cfg.topics.n_gram_range == (1, 3) and cfg.topics.nr_topics == "auto"
    assert cfg.segment.article_min_words == 0 and cfg.boilerplate.teaser_tail_share == 1.0


def test_assignment_is_checked_too() -> None:
    cfg = PipelineConfig()
    with pytest.raises(ValueError, match="article_max_words"):
        cfg.segment.article_min_words = 500
    with pytest.raises(ValueError):
        cfg.label.enabled = "yes"  # type: ignore[assignment]


def test_a_bad_codebook_pattern_fails_when_the_config_is_loaded(tmp_path: Path) -> None:
    from importlib import resources

    text = resources.files("discourse.resources").joinpath("codebook.toml").read_text("utf-8")
    bad = text.replace('pattern = "crawl|crawling|crawled back"', 'pattern = "= =="')
    assert bad != text
    (tmp_path / "cb.toml").write_text(bad, encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[label]\ncodebook = "cb.toml"\n')
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    msg = str(info.value)
    assert "label.codebook" in msg and "pattern shame.crawl_back" in msg
    assert "'=' without a word" in msg
    # a disabled label stage does not need the codebook
    cfg.write_text('[label]\nenabled = false\ncodebook = "cb.toml"\n')
    load_config(cfg)


def test_load_config_docstring_names_every_path_key() -> None:
    from discourse.config import PATH_KEYS, load_config

    doc = " ".join((load_config.__doc__ or "").split())
    missing = [f"{s}.{k}" for s, k in PATH_KEYS if f"``{s}.{k}``" not in doc]
    assert not missing, f"load_config's docstring does not name {missing}"
