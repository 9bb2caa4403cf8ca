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
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from discourse import __version__

__all__ = ["StageCache", "StageHit", "fingerprint", "hash_tree", "package_hash"]

_INFO = "stage.json"


def fingerprint(parts: dict[str, Any]) -> str:
    """SHA-256 of a JSON-serialisable description (keys sorted)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


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


@dataclass
class StageHit:
    """A stored stage: its folder and the manifest entry it wrote."""

    path: Path
    info: dict[str, Any]
    files: list[str]

    def restore(self, dest: Path) -> list[str]:
        """Put the stored files into ``dest`` (hard links where possible) and list them."""
        for rel in self.files:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.unlink()
            try:
                os.link(self.path / rel, target)
            except OSError:
                shutil.copy2(self.path / rel, target)
        return list(self.files)


class StageCache:
    """Finished stages by key.

    Parameters
    ----------
    root
        Folder of the store (``<cache_dir>/stages``); ``None`` disables reuse.
    keep
        Entries kept per stage (the oldest are deleted when a new one is stored).
    """

    def __init__(self, root: str | Path | None, keep: int = 3) -> None:
        self.root = Path(root) if root else None
        self.keep = keep

    def key(self, stage: str, parts: dict[str, Any]) -> str:
        """The key of ``stage`` for the given dependencies, the discourse version and the
        package's own code and resources (so an edited codebook, packaged weights or module in
        a development install never reuses stale outputs)."""
        return fingerprint(
            {"stage": stage, "discourse": __version__, "code": package_hash(), **parts}
        )

    def get(self, stage: str, key: str) -> StageHit | None:
        """The stored stage, or ``None`` (also when an entry is damaged)."""
        if self.root is None:
            return None
        folder = self.root / stage / key
        try:
            meta = json.loads((folder / _INFO).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        files = meta.get("files", [])
        if not all((folder / rel).is_file() for rel in files):
            return None
        return StageHit(path=folder, info=meta.get("info", {}), files=files)

    def put(
        self, stage: str, key: str, source: Path, files: Iterable[str], info: dict[str, Any]
    ) -> None:
        """Store ``files`` (paths relative to ``source``) and ``info`` under ``key``."""
        if self.root is None:
            return
        files = sorted(set(files))
        parent = self.root / stage
        parent.mkdir(parents=True, exist_ok=True)
        final = parent / key
        if (final / _INFO).is_file():
            return
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
        try:
            for rel in files:
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(source / rel, target)
                except OSError:
                    shutil.copy2(source / rel, target)
            (tmp / _INFO).write_text(
                json.dumps({"files": files, "info": info}, sort_keys=True, default=str),
                encoding="utf-8",
            )
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self._prune(parent, keep_name=key)

    def _prune(self, parent: Path, keep_name: str) -> None:
        for stale in parent.glob(".tmp-*"):
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
