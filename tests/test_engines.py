"""Engines: the same outputs from the pandas and the Dask engine."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from _paths import TEST_SALT, copy_mixed_inputs
from discourse.config import PipelineConfig
from discourse.engines import DaskEngine, LocalEngine, make_engine
from discourse.pipeline import run

COMPARED = (
    "documents.parquet",
    "segments.parquet",
    "quarantine.csv",
    "labels.parquet",
    "stance_profile_documents.csv",
    "stance_profile_source_types.csv",
)


def _square(x: int, offset: int = 0) -> int:
    return x * x + offset


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_make_engine_errors() -> None:
    with pytest.raises(ValueError, match="dask, pandas"):
        make_engine("spark")
    with pytest.raises(ValueError, match="needs --engine dask"):
        make_engine("pandas", scheduler="tcp://localhost:8786")
    assert isinstance(make_engine("dask", "tcp://h:1"), DaskEngine)


def test_local_engine_keeps_order() -> None:
    with LocalEngine() as engine:
        assert list(engine.map(_square, range(5), offset=1)) == [1, 2, 5, 10, 17]


def test_dask_engine_outside_context_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="context manager"):
        list(DaskEngine().map(_square, [1]))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    copy_mixed_inputs(root)
    return root


@pytest.mark.slow
def test_dask_local_cluster_equals_pandas(corpus: Path, tmp_path: Path) -> None:
    cfg = PipelineConfig()
    cfg.privacy.salt = TEST_SALT
    cfg.label.labeler = "rules"
    cfg.topics.enabled = False
    cfg.analysis.enabled = False
    local = run(corpus, tmp_path / "pandas", cfg, reuse=False)
    # small windows and row groups so that several items are in flight and results come back
    # out of order on the cluster
    import discourse.build as build

    with DaskEngine(n_workers=2, window=3) as engine:
        distributed = run(corpus, tmp_path / "dask", cfg, reuse=False, engine=engine)
        assert engine.describe() == {"name": "dask", "scheduler": "local", "workers": 2}
        # a function workers can import (not one defined in this test module)
        squares = list(engine.map(pow, range(20), exp=2))
    assert squares == [x * x for x in range(20)]
    assert build.ROW_GROUP > 0
    for name in COMPARED:
        assert _digest(tmp_path / "pandas" / name) == _digest(tmp_path / "dask" / name), name
    for key in ("inputs", "summary", "quarantined", "labels"):
        assert local.manifest[key] == distributed.manifest[key], key
    assert distributed.manifest["engine"]["name"] == "dask"


@pytest.mark.slow
def test_cli_engine_dask_with_a_scheduler_address(corpus: Path, tmp_path: Path) -> None:
    from dask.distributed import LocalCluster
    from typer.testing import CliRunner

    from discourse.cli import app

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[privacy]\nsalt = "{TEST_SALT}"\n[label]\nlabeler = "rules"\n'
        "[topics]\nenabled = false\n[analysis]\nenabled = false\n"
    )
    runner = CliRunner()
    base = ["run", "-i", str(corpus), "-c", str(cfg), "-q", "--no-reuse"]
    assert runner.invoke(app, [*base, "-o", str(tmp_path / "pandas")]).exit_code == 3
    with LocalCluster(
        n_workers=1, threads_per_worker=1, dashboard_address=None, silence_logs=40
    ) as cluster:
        result = runner.invoke(
            app,
            [*base, "-o", str(tmp_path / "dask"), "--engine", "dask",
             "--scheduler", cluster.scheduler_address],
        )  # fmt: skip
    assert result.exit_code == 3, result.output  # 3: the bad fixtures are quarantined
    for name in COMPARED:
        assert _digest(tmp_path / "pandas" / name) == _digest(tmp_path / "dask" / name), name
    bad = runner.invoke(app, [*base, "-o", str(tmp_path / "x"), "--engine", "spark"])
    assert bad.exit_code == 1 and "dask, pandas" in bad.output.replace("\n", " ")
