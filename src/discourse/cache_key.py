"""The per-user secret that authenticates caches left in an output folder.

An output folder is untrusted input: anyone who can write to ``<output>/cache`` could edit a
cached embedding vector or a derived model and recompute a plain checksum. The embedding
shards (:mod:`discourse.embeddings`) and the derived models
(:mod:`discourse.embedding_backends`) therefore carry an HMAC-SHA256 keyed by a random 32-byte
key that only the user can read: ``cache.key`` in the user's discourse config folder (the folder
of the per-user salt: ``$XDG_CONFIG_HOME/discourse``, else ``~/.config/discourse``), created on
first use with mode 0600. ``$DISCOURSE_CACHE_KEY_FILE`` names another key file (tests, CI, or a
key shared by the members of a project). An entry written under another key, or edited
afterwards, does not verify and is not used.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from discourse.errors import ConfigError

__all__ = ["ENV_VAR", "KEY_BYTES", "cache_key", "key_path", "sign", "verify"]

ENV_VAR = "DISCOURSE_CACHE_KEY_FILE"
KEY_BYTES = 32
_FILE_NAME = "cache.key"


def key_path() -> Path:
    """Where the cache key is kept.

    Returns
    -------
    Path
        ``$DISCOURSE_CACHE_KEY_FILE`` when set, else ``cache.key`` in the user's discourse
        config folder (the same folder as the per-user salt of
        :meth:`discourse.config.PrivacyConfig.resolve_salt`).
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "discourse"
    return base / _FILE_NAME


def _parse(text: str) -> bytes | None:
    text = text.strip()
    if len(text) != 2 * KEY_BYTES:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _create(path: Path) -> None:
    """Write a new random key to ``path`` unless a key is already there (first writer wins).

    The key is written to a private temporary file (mode 0600) beside ``path`` and then
    hard-linked to ``path``: the link fails if another process got there first, so two
    processes racing end with one key, and a reader never sees a half-written file. On a file
    system without hard links the file is created exclusively (``O_EXCL``) instead.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(KEY_BYTES) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created the key first: theirs is used
        except OSError:  # no hard links here (some network or FAT file systems)
            try:
                out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(out, "w", encoding="ascii") as fh:
                fh.write(Path(tmp).read_text(encoding="ascii"))
                fh.flush()
                os.fsync(fh.fileno())
    finally:
        os.unlink(tmp)


def cache_key() -> bytes:
    """The user's cache key (32 bytes), created on first use.

    Returns
    -------
    bytes
        The key read from :func:`key_path` (64 hexadecimal digits in the file).

    Raises
    ------
    ConfigError
        The key file cannot be created or read, or does not hold a key (edited or truncated).
    """
    path = key_path()
    if not path.exists():
        try:
            _create(path)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the cache key {path}: {exc}; set ${ENV_VAR} to a key file in "
                "a writable folder"
            ) from None
    text = ""
    for attempt in range(10):  # an O_EXCL writer may still be writing its 65 bytes
        try:
            text = path.read_text(encoding="ascii", errors="replace")
        except OSError as exc:
            raise ConfigError(f"cannot read the cache key {path}: {exc}") from None
        key = _parse(text)
        if key is not None:
            return key
        time.sleep(0.05 * (attempt + 1))
    raise ConfigError(
        f"the cache key {path} does not hold {2 * KEY_BYTES} hexadecimal digits; remove it "
        f"to create a new one (cached embeddings and derived models are then rebuilt), or set "
        f"${ENV_VAR} to another key file"
    )


def sign(key: bytes, purpose: str, parts: Iterable[bytes]) -> str:
    """HMAC-SHA256 of ``parts`` under ``key``, as 64 hexadecimal digits.

    Parameters
    ----------
    key
        The cache key (:func:`cache_key`).
    purpose
        What is signed (``"embedding-shard"``, ``"embedding-model"``): a tag made for one kind
        of entry never verifies another.
    parts
        The signed content; each part is length-prefixed, so the split between parts counts.

    Returns
    -------
    str
        The tag.
    """
    mac = hmac.new(key, b"discourse-cache\x00" + purpose.encode("utf-8") + b"\x00", hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


def verify(key: bytes, purpose: str, parts: Iterable[bytes], tag: object) -> bool:
    """Whether ``tag`` is :func:`sign` of ``parts`` (compared in constant time).

    Parameters
    ----------
    key, purpose, parts
        As for :func:`sign`.
    tag
        The stored tag (anything read from an untrusted file: a non-string is ``False``).

    Returns
    -------
    bool
        ``True`` only for the exact tag.
    """
    if isinstance(tag, str):
        tag = tag.encode("utf-8", errors="replace")
    if not isinstance(tag, bytes):
        return False
    return hmac.compare_digest(sign(key, purpose, parts).encode("ascii"), tag)
