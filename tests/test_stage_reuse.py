"""Finished stages are reused when their inputs and config are unchanged, and only then."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from _paths import FIXTURES, SEEDS
from discourse.config import PipelineConfig
from discourse.pipeline import run
from discourse.stage_cache import StageCache, fingerprint, hash_tree


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "cache" not in p.relative_to(folder).parts and p.name != "manifest.json"
    }


def _reused(out: Path) -> list[str]:
    return json.loads((out / "manifest.json").read_text())["reused_stages"]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    shutil.copytree(SEEDS, root)
    return root


def test_second_run_reuses_every_stage_with_identical_outputs(
    raw: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    run(raw, out, config)
    first = _snapshot(out)
    first_manifest = json.loads((out / "manifest.json").read_text())
    assert _reused(out) == []
    run(raw, out, config)
    assert _reused(out) == ["ingest", "label"]
    assert _snapshot(out) == first
    second_manifest = json.loads((out / "manifest.json").read_text())
    for key in ("inputs", "summary", "quarantined", "labels", "outputs"):
        assert second_manifest[key] == first_manifest[key], key
    # a run into another folder without reuse gives the same bytes
    fresh = tmp_path / "fresh"
    run(raw, fresh, config, reuse=False)
    assert _reused(fresh) == []
    assert _snapshot(fresh) == first


def test_changed_input_or_config_recomputes(
    raw: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    run(raw, out, config)
    # a new input file: ingest and everything after it run again
    shutil.copy(FIXTURES / "text" / "says_thread.txt", raw / "new_thread.txt")
    run(raw, out, config)
    assert _reused(out) == []
    # an edited file (same name, other bytes)
    (raw / "new_thread.txt").write_text("Just one line about no contact and healing.\n")
    run(raw, out, config)
    assert _reused(out) == []
    run(raw, out, config)
    assert _reused(out) == ["ingest", "label"]
    # a codebook the label stage reads: the same content is reused, an edit is not
    from importlib import resources

    packaged = Path(str(resources.files("discourse.resources").joinpath("codebook.toml")))
    codebook = tmp_path / "codebook.toml"
    shutil.copy(packaged, codebook)
    config.label.codebook = str(codebook)
    run(raw, out, config)
    assert _reused(out) == ["ingest", "label"]
    codebook.write_text(packaged.read_text() + "\n# edited\n")
    run(raw, out, config)
    assert _reused(out) == ["ingest"]
    # a cleaning option: ingest runs again; the labels are reused only if the segments came
    # out byte-identical (they are the label stage's input)
    config.clean.straight_quotes = not config.clean.straight_quotes
    run(raw, out, config)
    assert "ingest" not in _reused(out)
    # another salt gives other pseudonyms: nothing reused
    config.privacy.salt = "another-salt-for-this-test-0123456789"
    run(raw, out, config)
    assert "ingest" not in _reused(out)


def test_damaged_store_entry_is_recomputed(
    raw: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    run(raw, out, config)
    want = _snapshot(out)
    for entry in (out / "cache" / "stages" / "label").iterdir():
        (entry / "labels.parquet").unlink()
    run(raw, out, config)
    assert _reused(out) == ["ingest"]
    assert _snapshot(out) == want


def test_store_keys_and_pruning(tmp_path: Path) -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "x.txt").write_text("x")
    (src / "sub" / "y.txt").write_text("y")
    h1 = hash_tree(src)
    (src / "sub" / "y.txt").write_text("z")
    assert hash_tree(src) != h1
    assert hash_tree(tmp_path / "missing") is None
    store = StageCache(tmp_path / "stages", keep=2)
    keys = [store.key("s", {"n": i}) for i in range(4)]
    assert len(set(keys)) == 4
    for i, key in enumerate(keys):
        store.put("s", key, src, ["x.txt", "sub/y.txt"], {"n": i})
    kept = [k for k in keys if store.get("s", k) is not None]
    assert len(kept) == 2 and keys[-1] in kept
    hit = store.get("s", keys[-1])
    assert hit is not None and hit.info == {"n": 3}
    dest = tmp_path / "dest"
    dest.mkdir()
    assert sorted(hit.restore(dest)) == ["sub/y.txt", "x.txt"]
    assert (dest / "sub" / "y.txt").read_text() == "z"
    assert StageCache(None).get("s", keys[-1]) is None


def test_cli_no_reuse(raw: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from _paths import TEST_SALT
    from discourse.cli import app

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[privacy]\nsalt = "{TEST_SALT}"\n[label]\nlabeler = "rules"\n'
        "[topics]\nenabled = false\n[analysis]\nenabled = false\n"
    )
    out = tmp_path / "out"
    args = ["run", "-i", str(raw), "-o", str(out), "-c", str(cfg), "-q"]
    runner = CliRunner()
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0
    assert _reused(out) == ["ingest", "label"]
    assert runner.invoke(app, [*args, "--no-reuse"]).exit_code == 0
    assert _reused(out) == []
