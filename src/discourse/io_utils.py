"""Atomic output writing: every file goes to a temporary name and is renamed into place."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "atomic_path",
    "sha256_file",
    "staged_outputs",
    "write_json",
    "write_parquet",
    "write_text",
]


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically.

    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp creates 0600; outputs get normal modes
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write a Parquet file atomically (zstd, no timestamps: identical input, identical bytes)."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def write_text(text: str, path: Path) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(data: Any, path: Path) -> None:
    """Write JSON atomically, keys sorted, indented."""
    write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", path)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


STAGING_PREFIX = ".staging-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_staging(output_dir: Path) -> list[Path]:
    """Delete staging folders left by runs that were killed (their process is gone)."""
    removed = []
    if not output_dir.is_dir():
        return removed
    for folder in sorted(output_dir.glob(f"{STAGING_PREFIX}*")):
        try:
            pid = int(folder.name[len(STAGING_PREFIX) :].split("-")[0])
        except ValueError:
            continue
        if folder.is_dir() and not _pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextlib.contextmanager
def staged_outputs(output_dir: Path, last: str = "manifest.json") -> Iterator[Path]:
    """Write a whole set of outputs into a staging folder, then publish it at once.

    Yields a staging folder inside ``output_dir``. When the block finishes, every file in it
    is moved into ``output_dir`` (same relative path, each with an atomic rename; ``last`` is
    moved last, so a complete manifest never describes a half-written set), outputs of the
    previous run that this run did not produce (listed in the old ``last`` file's ``outputs``)
    are removed, and the staging folder is deleted. If the block raises, or the process is
    killed, ``output_dir`` keeps the previous outputs untouched; a later run deletes the
    abandoned staging folder.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(output_dir)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=output_dir))
    try:
        yield staging
        _publish(staging, output_dir, last)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish(staging: Path, output_dir: Path, last: str) -> None:
    previous: set[str] = set()
    old_manifest = output_dir / last
    if old_manifest.is_file():
        try:
            previous = set(json.loads(old_manifest.read_text(encoding="utf-8")).get("outputs", {}))
        except (json.JSONDecodeError, AttributeError):
            previous = set()
    files = sorted(
        (p for p in staging.rglob("*") if p.is_file()),
        key=lambda p: (
            p.relative_to(staging).as_posix() == last,
            p.relative_to(staging).as_posix(),
        ),
    )
    produced = {p.relative_to(staging).as_posix() for p in files}
    for path in files:
        rel = path.relative_to(staging).as_posix()
        if rel == last:  # after the stale outputs are gone
            for name in sorted(previous - produced):
                target = output_dir / name
                if target.is_file() and STAGING_PREFIX not in name:
                    target.unlink()
        target = output_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
