"""Reuse of finished stages: a content-addressed store of each stage's outputs.

A stage's key is the SHA-256 of everything its outputs depend on: the discourse version, the
config sections it reads, the seed, and the SHA-256 of its inputs (input files for ingest, the
upstream output files for later stages). When a stage finishes, its output files and its
manifest entry are stored under ``<cache>/stages/<stage>/<key>/`` (written to a temporary
folder and renamed, so an entry is complete or absent). A later run whose key matches copies
the files instead of recomputing them, which gives byte-identical outputs; this includes a run
after one that was killed before it could publish, since each stage is stored as soon as it
finishes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from discourse import __version__
from discourse.errors import DiscourseError
from discourse.io_utils import inside, publish_dir, safe_relative, sha256_file

__all__ = [
    "StageCache",
    "StageCacheError",
    "StageHit",
    "fingerprint",
    "hash_tree",
    "package_hash",
]

_INFO = "stage.json"


def fingerprint(parts: dict[str, Any]) -> str:
    """SHA-256 of a JSON-serialisable description (keys sorted).

    Strings holding lone surrogates (a file name that is not UTF-8, as Python reads it) are
    hashed by their code points (``surrogatepass``) instead of failing; every other string
    hashes as UTF-8, as before.
    """
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def hash_tree(path: str | Path | None, suffixes: tuple[str, ...] | None = None) -> str | None:
    """SHA-256 over the relative paths and contents of a file or every file under a folder
    (only names ending in ``suffixes`` when given; ``None`` when the path is unset or missing)."""
    if not path:
        return None
    p = Path(path)
    if not p.exists():
        return None
    files = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file())
    if suffixes and p.is_dir():
        files = [f for f in files if f.name.endswith(suffixes)]
    h = hashlib.sha256()
    for f in files:
        h.update((f.relative_to(p).as_posix() if p.is_dir() else f.name).encode() + b"\x00")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        h.update(b"\x00")
    return h.hexdigest()


@lru_cache(maxsize=1)
def package_hash() -> str | None:
    """Hash of the installed package's source and resources."""
    return hash_tree(Path(__file__).parent, (".py", ".toml", ".json", ".ftz", ".txt"))


def _copy(source: Path, target: Path) -> None:
    """Copy one file's bytes (never a hard link: an output edited in place must not change
    the stored copy, and a stored copy edited must not change a published output)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        target.unlink()
    shutil.copyfile(source, target)


@dataclass
class StageHit:
    """A stored stage: its folder, the manifest entry it wrote and its files' SHA-256."""

    path: Path
    info: dict[str, Any]
    files: dict[str, str]

    def restore(self, dest: Path) -> list[str]:
        """Copy the stored files into ``dest`` and list them (verified against their hashes:
        a file changed since :meth:`StageCache.get` raises :class:`StageCacheError`)."""
        for rel, digest in self.files.items():
            _copy(self.path / rel, dest / rel)
            if sha256_file(dest / rel) != digest:
                (dest / rel).unlink()
                raise StageCacheError(f"stored file changed while it was restored: {rel}")
        return list(self.files)


class StageCacheError(DiscourseError, RuntimeError):
    """A stored stage changed between its check and its use."""

    code = "D006"


class StageCache:
    """Finished stages by key.

    The store is untrusted input (it sits in an output folder that others may write to): an
    entry is used only if its description is well formed, every file it lists is a regular
    file inside the entry whose SHA-256 matches the one recorded when it was stored, and, when
    a ``secret`` is given, its description carries a valid HMAC made with that secret (so an
    entry written by someone without the secret, such as a forged or hand-edited one, is not
    used). A rejected entry is deleted and listed in :attr:`rejected`; the stage is recomputed.

    Parameters
    ----------
    root
        Folder of the store (``<cache_dir>/stages``); ``None`` disables reuse.
    keep
        Entries kept per stage (the oldest are deleted when a new one is stored).
    secret
        Key for the entries' HMAC (the pipeline derives it from the privacy salt);
        ``None``: hashes are checked, no HMAC.
    """

    def __init__(self, root: str | Path | None, keep: int = 3, secret: bytes | None = None) -> None:
        self.root = Path(root) if root else None
        self.keep = keep
        self.secret = secret
        self.rejected: list[dict[str, str]] = []

    def key(self, stage: str, parts: dict[str, Any]) -> str:
        """The key of ``stage`` for the given dependencies, the discourse version and the
        package's own code and resources (so an edited codebook, packaged weights or module in
        a development install never reuses stale outputs)."""
        return fingerprint(
            {"stage": stage, "discourse": __version__, "code": package_hash(), **parts}
        )

    def _mac(self, files: dict[str, str], info: Any) -> str | None:
        if self.secret is None:
            return None
        blob = json.dumps({"files": files, "info": info}, sort_keys=True, default=str)
        return hmac.new(self.secret, blob.encode("utf-8"), hashlib.sha256).hexdigest()

    def get(self, stage: str, key: str) -> StageHit | None:
        """The stored stage, or ``None`` (also when an entry fails a check: it is then deleted
        and recorded in :attr:`rejected`)."""
        if self.root is None:
            return None
        folder = self.root / stage / key
        if not (folder / _INFO).exists() and not (folder / _INFO).is_symlink():
            return None
        problem = self._check(folder)
        if isinstance(problem, StageHit):
            return problem
        self.rejected.append({"stage": stage, "key": key, "reason": problem})
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        elif folder.is_symlink():
            folder.unlink()
        return None

    def _check(self, folder: Path) -> StageHit | str:
        """The entry as a :class:`StageHit`, or the reason it cannot be used."""
        if folder.is_symlink() or (folder / _INFO).is_symlink():
            return "entry is a symbolic link"
        try:
            meta = json.loads((folder / _INFO).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return "unreadable stage.json"
        if not isinstance(meta, dict):
            return "stage.json is not an object"
        files, info = meta.get("files"), meta.get("info", {})
        if not isinstance(files, dict) or not isinstance(info, dict):
            return "stage.json without a file-hash map (written by an older version)"
        if self.secret is not None and not hmac.compare_digest(
            str(meta.get("mac", "")), self._mac(files, info) or ""
        ):
            return "HMAC does not match (entry not written by a run with this salt, or edited)"
        for rel, digest in files.items():
            safe = safe_relative(rel)
            if safe is None or safe != rel or not inside(folder, rel):
                return f"file outside the entry: {rel!r}"
            path = folder / rel
            if path.is_symlink() or not path.is_file():
                return f"missing or not a regular file: {rel}"
            if sha256_file(path) != digest:
                return f"SHA-256 of {rel} does not match the one stored (edited since)"
        return StageHit(path=folder, info=info, files=dict(files))

    def put(
        self, stage: str, key: str, source: Path, files: Iterable[str], info: dict[str, Any]
    ) -> None:
        """Store copies of ``files`` (paths relative to ``source``) and ``info`` under ``key``."""
        if self.root is None:
            return
        names = sorted(set(files))
        parent = self.root / stage
        parent.mkdir(parents=True, exist_ok=True)
        final = parent / key
        if (final / _INFO).is_file() and isinstance(self._check(final), StageHit):
            return
        with publish_dir(final, replace=True) as tmp:  # replaces a bad entry under this key
            hashes: dict[str, str] = {}
            for rel in names:
                _copy(source / rel, tmp / rel)
                hashes[rel] = sha256_file(tmp / rel)
            info = json.loads(json.dumps(info, sort_keys=True, default=str))
            meta = {"files": hashes, "info": info, "mac": self._mac(hashes, info)}
            (tmp / _INFO).write_text(json.dumps(meta, sort_keys=True), encoding="utf-8")
        self._prune(parent, keep_name=key)

    def _prune(self, parent: Path, keep_name: str) -> None:
        for stale in [*parent.glob(".*.tmp"), *parent.glob(".tmp-*")]:
            # a killed run's half-written entry; safe once no process writes it (best effort)
            if stale.is_dir():
                try:
                    age = os.path.getmtime(stale)
                except OSError:
                    continue
                if age < os.path.getmtime(parent / keep_name) - 3600:
                    shutil.rmtree(stale, ignore_errors=True)
        entries = sorted(
            (p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
        )
        for old in entries[: max(len(entries) - self.keep, 0)]:
            if old.name != keep_name:
                shutil.rmtree(old, ignore_errors=True)
