"""File discovery, decoding and the reasons a file is refused."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from _paths import FIXTURES
from discourse.ingest.files import InputFile, RejectedInput, decode_text, discover


def test_decode_utf8_cp1252_utf16_bom() -> None:
    assert decode_text("héllo".encode()) == ("héllo", "utf-8")
    text, enc = decode_text((FIXTURES / "text" / "cp1252.txt").read_bytes())
    assert text == "I don’t regret it – café nights are over." and enc == "cp1252"
    text, enc = decode_text((FIXTURES / "text" / "utf16_bom.txt").read_bytes())
    assert text == "No contact gave me back my self-worth." and enc == "utf-16"
    assert decode_text(b"\xef\xbb\xbfhi") == ("hi", "utf-8-sig")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty file"),
        ("image.txt", "binary"),
        ("broken_utf16.txt", "undecodable utf-16"),
    ],
)
def test_decode_rejects(name: str, reason: str) -> None:
    with pytest.raises(RejectedInput, match=reason):
        decode_text((FIXTURES / "bad" / name).read_bytes())


def test_gzip_without_extension_is_unpacked() -> None:
    f = InputFile(path=FIXTURES / "bad" / "compressed_no_ext", rel="compressed_no_ext")
    assert f.read_bytes(10**6).startswith(b"No contact helped me")
    assert f.sha256 and f.inner_name == "compressed_no_ext"


def test_corrupt_gzip_is_rejected(tmp_path: Path) -> None:
    p = tmp_path / "x.txt.gz"
    p.write_bytes(gzip.compress(b"hello")[:-6])
    with pytest.raises(RejectedInput, match="gzip"):
        InputFile(path=p, rel="x.txt.gz").read_bytes(10**6)


def test_size_limit(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text("x" * 100)
    with pytest.raises(RejectedInput, match="max_file_mb"):
        InputFile(path=p, rel="big.txt").read_bytes(10)


def test_discover_lists_everything_with_skip_reasons(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "README.md").write_text("docs")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv").write_text("text\nb\n")
    os.symlink(tmp_path / "a.txt", tmp_path / "link.txt")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    found = {f.rel: f.skip_reason for f in discover(tmp_path, ["README*"])}
    assert found["a.txt"] is None and found["sub/b.csv"] is None
    assert "excluded" in found["README.md"]
    assert "symbolic link" in found["link.txt"] and "symbolic link" in found["sub/loop"]


def test_discover_follow_symlinks_detects_loops(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    found = {f.rel: f.skip_reason for f in discover(tmp_path, [], follow_symlinks=True)}
    assert found["sub/a.txt"] is None
    assert "loop" in found["sub/loop"]


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "secret.txt"
    p.write_text("x")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)  # works when tests run as root, too
    with pytest.raises(RejectedInput, match="unreadable file: Permission denied"):
        InputFile(path=p, rel="secret.txt").read_bytes(100)
