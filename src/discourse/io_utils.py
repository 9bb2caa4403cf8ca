"""Atomic output writing: every file goes to a temporary name and is renamed into place."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "UnsafeManifestWarning",
    "atomic_path",
    "inside",
    "publish_dir",
    "safe_relative",
    "sha256_file",
    "staged_outputs",
    "stale_outputs",
    "table_from_frame",
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


@contextlib.contextmanager
def publish_dir(target: Path, replace: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; on success it becomes ``target``.

    The one way a whole folder (a derived model, an unpacked encoder, a stage-cache entry) is
    published: built under a hidden name (``.<name>.*.tmp``), then renamed into place, so a
    reader sees the old folder or the complete new one, never a half-written one. On any
    exception the temporary folder is removed and ``target`` is left as it was.

    Parameters
    ----------
    target
        The folder to publish.
    replace
        What to do when ``target`` exists: ``False`` keeps it (another process published the
        same thing first) and discards the new folder; ``True`` removes it first (a symbolic
        link is unlinked, never followed) so the new one takes its place.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp creates 0700; folders get normal modes
        if replace and target.is_symlink():
            target.unlink()
        elif replace and target.exists():
            shutil.rmtree(target)
        try:
            os.replace(tmp, target)
        except OSError:
            if replace or not target.exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def table_from_frame(frame: Any, schema: pa.Schema | None = None) -> pa.Table:
    """An Arrow table of a pandas ``frame`` (no index), without pandas' schema metadata.

    That metadata records the installed pandas version, so an output's bytes would change with
    a pandas patch release (3.1.1 -> 3.1.2 changed ``labels.parquet`` and nothing else); the
    column types are in the Arrow schema either way.
    """
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False).replace_schema_metadata(
        None
    )


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
    killed before publishing, ``output_dir`` keeps the previous outputs untouched; a later run
    deletes the abandoned staging folder. The old ``last`` file is removed before the first file
    moves, so a process killed while moving leaves a folder without a manifest (an unfinished
    run), never an old manifest beside some new outputs.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(output_dir)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=output_dir))
    try:
        yield staging
        _publish(staging, output_dir, last)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def safe_relative(name: Any) -> str | None:
    """``name`` as a normalised relative POSIX path, or ``None`` when it could leave its folder.

    Stored entries and old manifests are untrusted input: an absolute path, a ``..`` part, a
    drive, a backslash or a non-string is refused, so nothing outside the folder is touched.
    """
    if not isinstance(name, str) or not name or "\x00" in name or "\\" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("..", "") for part in path.parts):
        return None
    if ":" in path.parts[0]:  # a Windows drive such as C:
        return None
    return path.as_posix()


def inside(folder: Path, rel: str) -> bool:
    """True when ``folder / rel`` stays inside ``folder`` once symbolic links are resolved."""
    root = folder.resolve()
    target = (folder / rel).parent.resolve()
    return target == root or root in target.parents


class UnsafeManifestWarning(UserWarning):
    """An old manifest in an output folder listed an output that was not removed."""


def _previous_outputs(old_manifest: Path) -> dict[str, str | None]:
    """The outputs an old manifest lists, name -> SHA-256 (``None`` when it gives none).

    The old manifest is untrusted: it may be missing, malformed, or hand-edited.
    """
    if not old_manifest.is_file() or old_manifest.is_symlink():
        return {}
    try:
        listed = json.loads(old_manifest.read_text(encoding="utf-8")).get("outputs", {})
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return {}
    if isinstance(listed, dict):
        return {k: v if isinstance(v, str) else None for k, v in listed.items()}
    if isinstance(listed, list):
        return {k: None for k in listed if isinstance(k, str)}
    return {}


def stale_outputs(output_dir: Path, last: str, produced: set[str]) -> tuple[list[Path], list[str]]:
    """Files of the previous run (listed in ``output_dir / last``) that this run did not
    produce and that may be removed, and a reason for each listed name that may not.

    A listed name is removed only if it is a relative path that stays inside ``output_dir``
    (no ``..``, no absolute path, no symbolic link leading out), names a regular file, is not
    in a staging folder, and still has the SHA-256 the manifest recorded for it (a file edited
    or replaced since, e.g. by a colleague, is left in place and reported).
    """
    removable: list[Path] = []
    refused: list[str] = []
    for name, digest in sorted(_previous_outputs(output_dir / last).items()):
        if name in produced:
            continue
        rel = safe_relative(name)
        if rel is None or rel != name or not inside(output_dir, rel):
            refused.append(f"{name!r}: not a path inside the output folder; nothing removed")
            continue
        target = output_dir / rel
        if STAGING_PREFIX in rel or rel == last or not target.exists():
            continue
        if target.is_symlink() or not target.is_file():
            refused.append(f"{rel}: not a regular file; left in place")
        elif digest is not None and sha256_file(target) != digest:
            refused.append(f"{rel}: changed since the previous run wrote it; left in place")
        else:
            removable.append(target)
    return removable, refused


def _publish(staging: Path, output_dir: Path, last: str) -> None:
    files = sorted(
        (p for p in staging.rglob("*") if p.is_file()),
        key=lambda p: (
            p.relative_to(staging).as_posix() == last,
            p.relative_to(staging).as_posix(),
        ),
    )
    produced = {p.relative_to(staging).as_posix() for p in files}
    escaping = sorted(rel for rel in produced if not inside(output_dir, rel))
    if escaping:
        raise OSError(
            f"{output_dir} holds a symbolic link that leads out of it on the way to "
            f"{escaping[0]}; refusing to write through it (nothing was published)"
        )
    removable, refused = stale_outputs(output_dir, last, produced)
    for message in refused:
        warnings.warn(
            f"{output_dir / last} lists a previous output that was not removed: {message}",
            UnsafeManifestWarning,
            stacklevel=3,
        )
    old_last = output_dir / last
    if old_last.is_symlink() or old_last.is_file():  # read above; it no longer describes the set
        old_last.unlink()
    for path in files:
        rel = path.relative_to(staging).as_posix()
        if rel == last:  # after the stale outputs are gone
            for target in removable:
                target.unlink()
        target = output_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
