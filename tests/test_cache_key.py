"""The per-user cache key: created once with mode 0600, shared by racing processes, and
overridable with ``$DISCOURSE_CACHE_KEY_FILE``."""

from __future__ import annotations

import os
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from discourse.cache_key import ENV_VAR, KEY_BYTES, cache_key, key_path, sign, verify
from discourse.config import ConfigError


def test_key_file_is_created_private_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keys" / "cache.key"
    monkeypatch.setenv(ENV_VAR, str(path))
    old_umask = os.umask(0)  # a permissive umask does not widen the key's mode
    try:
        key = cache_key()
    finally:
        os.umask(old_umask)
    assert len(key) == KEY_BYTES and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cache_key() == key
    assert [p.name for p in path.parent.iterdir()] == ["cache.key"]  # no temporary left


def test_key_lives_beside_the_per_user_salt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert key_path() == tmp_path / "config" / "discourse" / "cache.key"
    key = cache_key()
    assert (tmp_path / "config" / "discourse" / "cache.key").is_file()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "other.key"))  # the override wins
    assert key_path() == tmp_path / "other.key"
    assert cache_key() != key and (tmp_path / "other.key").is_file()


def test_racing_writers_end_with_one_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cache.key"
    monkeypatch.setenv(ENV_VAR, str(path))
    start = threading.Barrier(8)

    def first_use(_: int) -> bytes:
        start.wait()
        return cache_key()

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(first_use, range(8)))
    assert len(keys) == 1 and keys == {bytes.fromhex(path.read_text())}
    assert [p.name for p in tmp_path.iterdir()] == ["cache.key"]


def test_a_damaged_key_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache.key"
    path.write_text("not a key")
    monkeypatch.setenv(ENV_VAR, str(path))
    monkeypatch.setattr("discourse.cache_key.time.sleep", lambda s: None)
    with pytest.raises(ConfigError, match="does not hold 64 hexadecimal digits"):
        cache_key()


def test_tags_depend_on_key_purpose_and_parts() -> None:
    key, other = b"k" * 32, b"o" * 32
    tag = sign(key, "embedding-shard", [b"ab", b"c"])
    assert verify(key, "embedding-shard", [b"ab", b"c"], tag)
    assert verify(key, "embedding-shard", [b"ab", b"c"], tag.encode())
    assert not verify(other, "embedding-shard", [b"ab", b"c"], tag)
    assert not verify(key, "embedding-model", [b"ab", b"c"], tag)
    assert not verify(key, "embedding-shard", [b"a", b"bc"], tag)  # parts are length-prefixed
    for bad in (None, 3, "", "é" * 64, tag.upper()):
        assert not verify(key, "embedding-shard", [b"ab", b"c"], bad)


def test_an_unwritable_key_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(ENV_VAR, str(blocker / "cache.key"))  # its folder cannot be made
    with pytest.raises(ConfigError, match="cannot create the cache key.*DISCOURSE_CACHE_KEY_FILE"):
        cache_key()
