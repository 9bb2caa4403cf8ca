"""An output folder is untrusted input: its old manifest and its stage store cannot make a run
delete files outside it, or publish outputs that were edited after they were written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from _paths import SEEDS
from discourse.config import PipelineConfig
from discourse.io_utils import UnsafeManifestWarning, safe_relative, staged_outputs
from discourse.pipeline import run
from discourse.stage_cache import StageCache


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    root.mkdir()
    for name in sorted(p.name for p in SEEDS.glob("*.txt"))[:3]:
        shutil.copy(SEEDS / name, root / name)
    return root


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _plant_outputs(out: Path, names: list[str]) -> None:
    manifest = _manifest(out)
    manifest["outputs"].update({name: "0" * 64 for name in names})
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    "listed",
    [
        "../victim.txt",
        "sub/../../victim.txt",
        "{victim}",  # absolute
        "./../victim.txt",
        "..\\victim.txt",
    ],
)
def test_old_manifest_cannot_delete_outside_the_output_folder(
    listed: str, raw: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    run(raw, out, config)
    victim = tmp_path / "victim.txt"
    victim.write_text("a colleague's file\n")
    manifest = _manifest(out)
    manifest["outputs"][listed.format(victim=victim)] = None
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.warns(UnsafeManifestWarning, match="not a path inside the output folder"):
        run(raw, out, config)
    assert victim.read_text() == "a colleague's file\n"
    assert (out / "segments.parquet").is_file()


def test_old_manifest_cannot_delete_through_a_symlinked_folder(
    raw: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    run(raw, out, config)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "data.csv").write_text("keep me\n")
    os.symlink(outside, out / "linked")
    _plant_outputs(out, ["linked/data.csv"])
    with pytest.warns(UnsafeManifestWarning):
        run(raw, out, config)
    assert (outside / "data.csv").read_text() == "keep me\n"


def test_stale_outputs_are_removed_only_when_unchanged(
    raw: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    run(raw, out, config)
    (out / "old_table.csv").write_text("written by the previous run\n")
    (out / "edited_table.csv").write_text("written by the previous run\n")
    manifest = _manifest(out)
    manifest["outputs"]["old_table.csv"] = _sha(out / "old_table.csv")
    manifest["outputs"]["edited_table.csv"] = _sha(out / "edited_table.csv")
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out / "edited_table.csv").write_text("a colleague's edits\n")
    with pytest.warns(UnsafeManifestWarning, match="changed since the previous run"):
        run(raw, out, config)
    assert not (out / "old_table.csv").exists()  # a stale output of our own: removed
    assert (out / "edited_table.csv").read_text() == "a colleague's edits\n"


def test_publishing_refuses_a_symlinked_subfolder_that_leads_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, out / "figures")
    with pytest.raises(OSError, match="symbolic link"), staged_outputs(out) as stage:
        (stage / "figures").mkdir()
        (stage / "figures" / "fig.png").write_bytes(b"png")
        (stage / "manifest.json").write_text("{}")
    assert list(outside.iterdir()) == []
    assert not (out / "manifest.json").exists()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("segments.parquet", "segments.parquet"),
        ("figures/fig01.pdf", "figures/fig01.pdf"),
        ("../x", None),
        ("/etc/passwd", None),
        ("a//b", "a/b"),
        ("C:/x", None),
        ("a\\..\\b", None),
        ("", None),
        (None, None),
        (3, None),
        ("a\x00b", None),
    ],
)
def test_safe_relative(name: object, safe: str | None) -> None:
    assert safe_relative(name) == safe


def test_output_edited_in_place_does_not_poison_the_next_run(
    raw: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    run(raw, out, config)
    original = (out / "segments.parquet").read_bytes()
    n_segments = _manifest(out)["summary"]["segments"]
    # a user edits the published file in place (same inode): keep five rows
    edited = pd.read_parquet(out / "segments.parquet").head(5)
    with open(out / "segments.parquet", "r+b") as fh:
        buf = edited.to_parquet()
        fh.write(buf)
        fh.truncate(len(buf))
    run(raw, out, config)
    assert (out / "segments.parquet").read_bytes() == original
    assert len(pd.read_parquet(out / "segments.parquet")) == n_segments
    assert _manifest(out)["reused_stages"] == ["ingest", "label"]


def _entries(out: Path, stage: str) -> list[Path]:
    return [p for p in (out / "cache" / "stages" / stage).iterdir() if not p.name.startswith(".")]


def test_edited_store_entry_is_rejected_and_recomputed(
    raw: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    run(raw, out, config)
    original = (out / "segments.parquet").read_bytes()
    (entry,) = _entries(out, "ingest")
    edited = pd.read_parquet(entry / "segments.parquet").head(5)
    edited.to_parquet(entry / "segments.parquet")
    run(raw, out, config)
    manifest = _manifest(out)
    assert "ingest" not in manifest["reused_stages"]
    (rejected,) = manifest["rejected_cache_entries"]
    assert rejected["stage"] == "ingest" and "SHA-256 of segments.parquet" in rejected["reason"]
    assert (out / "segments.parquet").read_bytes() == original


def test_forged_store_entry_is_rejected(raw: Path, tmp_path: Path, config: PipelineConfig) -> None:
    """An entry whose files and hashes agree but that was not written with this salt (here:
    its summary edited and its hashes recomputed) fails the HMAC."""
    out = tmp_path / "out"
    run(raw, out, config)
    n_segments = _manifest(out)["summary"]["segments"]
    (entry,) = _entries(out, "ingest")
    edited = pd.read_parquet(entry / "segments.parquet").head(5)
    edited.to_parquet(entry / "segments.parquet")
    meta = json.loads((entry / "stage.json").read_text())
    meta["files"]["segments.parquet"] = _sha(entry / "segments.parquet")
    meta["info"]["totals"]["segments"] = 5
    (entry / "stage.json").write_text(json.dumps(meta))
    run(raw, out, config)
    manifest = _manifest(out)
    assert "HMAC" in manifest["rejected_cache_entries"][0]["reason"]
    assert manifest["summary"]["segments"] == n_segments
    assert len(pd.read_parquet(out / "segments.parquet")) == n_segments


def test_store_entry_listing_files_outside_it_is_rejected(tmp_path: Path) -> None:
    secret = b"k" * 32
    store = StageCache(tmp_path / "stages", secret=secret)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a")
    key = store.key("s", {})
    store.put("s", key, src, ["a.txt"], {"n": 1})
    assert store.get("s", key) is not None
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    entry = tmp_path / "stages" / "s" / key
    meta = json.loads((entry / "stage.json").read_text())
    meta["files"] = {"../../../secret.txt": _sha(outside)}
    meta["mac"] = store._mac(meta["files"], meta["info"])  # even with a valid HMAC
    (entry / "stage.json").write_text(json.dumps(meta))
    assert store.get("s", key) is None
    assert "outside the entry" in store.rejected[0]["reason"]
    assert outside.read_text() == "not yours"
    assert not entry.exists()  # the rejected entry is deleted


def test_store_keeps_copies_not_links(tmp_path: Path) -> None:
    store = StageCache(tmp_path / "stages")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a")
    key = store.key("s", {})
    store.put("s", key, src, ["a.txt"], {})
    (src / "a.txt").write_text("edited in place")
    hit = store.get("s", key)
    assert hit is not None
    dest = tmp_path / "dest"
    hit.restore(dest)
    assert (dest / "a.txt").read_text() == "a"
    assert os.stat(dest / "a.txt").st_ino != os.stat(hit.path / "a.txt").st_ino


def test_a_kill_while_publishing_leaves_no_old_manifest(tmp_path: Path, monkeypatch) -> None:
    """The old manifest goes before the first file moves: a process killed half-way through the
    moves leaves no manifest describing a mix of old and new outputs."""
    import discourse.io_utils as io_utils

    out = tmp_path / "out"
    with staged_outputs(out) as stage:
        (stage / "a.csv").write_text("old a\n")
        (stage / "b.csv").write_text("old b\n")
        (stage / "manifest.json").write_text(json.dumps({"outputs": {"a.csv": "x", "b.csv": "y"}}))
    moves: list[str] = []
    real_replace = os.replace

    def killed_after_one(src: os.PathLike, dst: os.PathLike) -> None:
        if moves:
            raise KeyboardInterrupt  # stands in for the process dying here
        moves.append(str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(io_utils.os, "replace", killed_after_one)
    with pytest.raises(KeyboardInterrupt), staged_outputs(out) as stage:
        (stage / "a.csv").write_text("new a\n")
        (stage / "b.csv").write_text("new b\n")
        (stage / "manifest.json").write_text("{}")
    assert (out / "a.csv").read_text() == "new a\n" and (out / "b.csv").read_text() == "old b\n"
    assert not (out / "manifest.json").exists()
