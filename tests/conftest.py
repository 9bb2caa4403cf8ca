"""Shared fixtures: paths to the in-repo sample data and tiny fixtures, and a test config."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from discourse.config import PipelineConfig

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from _paths import FIXTURES, SEEDS, TEST_SALT


@pytest.fixture(scope="session", autouse=True)
def cache_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cache key of this test session (``$DISCOURSE_CACHE_KEY_FILE``), so no test creates or
    reads the real ``~/.config/discourse/cache.key``; child processes inherit it."""
    path = tmp_path_factory.mktemp("cache_key") / "cache.key"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DISCOURSE_CACHE_KEY_FILE", str(path))
        # models stored once per user (minilm-static, mpnet) go to this session's folder too
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user_cache")))
        yield path


@pytest.fixture
def config() -> PipelineConfig:
    """Default config with a fixed salt (no per-user salt file is touched)."""
    cfg = PipelineConfig()
    cfg.privacy.salt = TEST_SALT
    cfg.label.labeler = "rules"  # fast; the model-based labelers have their own (slow) tests
    cfg.topics.enabled = False  # the topic stage has its own tests (tests/topics)
    cfg.analysis.enabled = False  # so do figures and tables (tests/analysis, tests/figures)
    return cfg


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole pipeline (default labeler, topics, figures) on the bundled corpus, once, with
    the shipped hand codes of a sample (as `make run`).

    Slow (a few minutes: it embeds every segment); only slow tests use it.
    """
    from _paths import ROOT, bundled_config
    from discourse.pipeline import run

    out = tmp_path_factory.mktemp("bundled_run")
    run(ROOT / "data" / "raw", out, bundled_config())
    return out
