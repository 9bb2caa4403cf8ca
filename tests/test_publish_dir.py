"""publish_dir: the one way a whole folder is published (atomically, or not at all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from discourse.io_utils import publish_dir


def test_publishes_a_complete_folder(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with publish_dir(target) as folder:
        assert not target.exists() and folder.parent == tmp_path
        (folder / "weights.bin").write_bytes(b"123")
    assert (target / "weights.bin").read_bytes() == b"123"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temporary folder left


def test_a_failed_build_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with pytest.raises(RuntimeError), publish_dir(target) as folder:
        (folder / "half.bin").write_bytes(b"1")
        raise RuntimeError("build failed")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_kept_or_replaced(tmp_path: Path) -> None:
    target = tmp_path / "entry"
    target.mkdir()
    (target / "old").write_text("first process")
    with publish_dir(target) as folder:  # another process published first: theirs is kept
        (folder / "new").write_text("second")
    assert [p.name for p in target.iterdir()] == ["old"]
    with publish_dir(target, replace=True) as folder:
        (folder / "new").write_text("second")
    assert [p.name for p in target.iterdir()] == ["new"]


def test_replace_unlinks_a_symlink_without_following_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("not ours")
    target = tmp_path / "cache" / "entry"
    target.parent.mkdir()
    target.symlink_to(outside, target_is_directory=True)
    with publish_dir(target, replace=True) as folder:
        (folder / "new").write_text("x")
    assert not target.is_symlink() and (target / "new").is_file()
    assert (outside / "keep").read_text() == "not ours"
