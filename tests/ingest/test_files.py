"""File discovery, decoding and the reasons a file is refused."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from _paths import FIXTURES
from discourse.ingest.files import (
    InputFile,
    RejectedInput,
    decode_text,
    discover,
    display_name,
    gunzip_bounded,
)


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


# -- issue 15: gzip bombs, file names that are not UTF-8 -------------------------------------
_BOMB_CHILD = """
import resource, sys
from pathlib import Path
from discourse.build import read_input_file
from discourse.config import PipelineConfig
from discourse.ingest.files import InputFile

cfg = PipelineConfig.model_validate({"ingest": {"max_file_mb": 20}})
path = Path(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
record, _, _ = read_input_file(InputFile(path=path, rel=path.name), cfg)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(record.status, (after - before) * 1024, sep="\\t")
print(record.reason)
"""


def test_gzip_bomb_is_refused_without_unpacking_it(tmp_path: Path) -> None:
    """A 400 MB gzip bomb with ``max_file_mb = 20``: the child's peak memory grows by about
    the limit, far less than the unpacked size (the whole 400 MB before issue 15)."""
    import subprocess
    import sys

    unpacked = 400 * 2**20
    member = gzip.compress(b"\0" * 2**20, mtime=0)  # identical members, as `cat a.gz a.gz`
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(member * (unpacked // 2**20))
    assert bomb.stat().st_size < 1_000_000
    done = subprocess.run(
        [sys.executable, "-c", _BOMB_CHILD, str(bomb)],
        capture_output=True,
        text=True,
        check=True,
    )
    status, grown = done.stdout.splitlines()[0].split("\t")
    assert status == "quarantined"
    assert "decompressed size is above ingest.max_file_mb" in done.stdout
    assert int(grown) < unpacked / 4, f"peak RSS grew by {int(grown) / 2**20:.0f} MiB"


def test_gunzip_bounded_reads_every_member_and_stops_at_the_limit() -> None:
    data = gzip.compress(b"a" * 1000, mtime=0) + gzip.compress(b"b" * 1000, mtime=0)
    assert gunzip_bounded(data, 2000, chunk=64) == b"a" * 1000 + b"b" * 1000
    with pytest.raises(RejectedInput, match="above ingest.max_file_mb"):
        gunzip_bounded(data, 1999, chunk=64)
    with pytest.raises(RejectedInput, match="corrupt gzip"):
        gunzip_bounded(data[:-5], 10_000)
    with pytest.raises(RejectedInput, match="corrupt gzip"):  # a zlib error, not an OSError
        gunzip_bounded(data[:10] + b"\xff" + data[11:], 10_000)  # invalid block type


def test_display_name() -> None:
    name = os.fsdecode(b"caf\xe9 \xff.txt")
    assert display_name(name) == "caf\\xe9 \\xff.txt"
    assert display_name("café.txt") == "café.txt"
    assert display_name("lone \ud800") == "lone \\ud800"


def test_discover_shows_undecodable_names_escaped(tmp_path: Path) -> None:
    sub = tmp_path / os.fsdecode(b"dir\xfc")
    sub.mkdir()
    (sub / os.fsdecode(b"caf\xe9.txt")).write_text("text")
    (found,) = discover(tmp_path, [])
    assert found.rel == "dir\\xfc/caf\\xe9.txt"
    assert found.path.read_text() == "text"  # the real path still opens the file
    found.rel.encode("utf-8")


def test_fingerprint_accepts_undecodable_names() -> None:
    from discourse.stage_cache import fingerprint

    assert fingerprint({"files": [os.fsdecode(b"caf\xe9.txt")]}) != fingerprint(
        {"files": [os.fsdecode(b"caf\xe8.txt")]}
    )
    # valid names hash as before (UTF-8 of the JSON)
    import hashlib
    import json

    parts = {"files": ["café.txt"]}
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8")
    assert fingerprint(parts) == hashlib.sha256(blob).hexdigest()
