"""The one manifest builder: what every command records about its run.

``manifest.json`` (``discourse run``/``ingest``), ``topics_manifest.json`` (``discourse
topics``) and ``figures_manifest.json`` (the figures stage) all come from
:func:`build_manifest`, so they share their fields: version, command, folders, seed, the
configuration (salt redacted) and its fingerprint, package versions, the command's own entries,
and the SHA-256 of every output.
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from discourse import __version__
from discourse.config import PipelineConfig

__all__ = ["build_manifest", "package_versions"]

_PACKAGES = (
    "pandas",
    "pyarrow",
    "ftfy",
    "charset-normalizer",
    "trafilatura",
    "webvtt-py",
    "pydantic",
    "spacy",
)


def package_versions() -> dict[str, str]:
    """Python, discourse and the versions of the packages that shape the outputs."""
    out = {"python": platform.python_version(), "discourse": __version__}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def build_manifest(
    command: str,
    config: PipelineConfig,
    input_dir: str | Path,
    output_dir: str | Path,
    entries: dict[str, Any],
    outputs: dict[str, str],
) -> dict[str, Any]:
    """A manifest.

    Parameters
    ----------
    command
        The command or stage that wrote it (``run``, ``ingest``, ``topics``, ``figures``).
    config
        The configuration used (recorded with the salt redacted, plus the salt's fingerprint).
    input_dir, output_dir
        Where it read from and wrote to.
    entries
        The command's own entries (stage infos, timings, reused stages, ...), in order.
    outputs
        SHA-256 of every output, by path relative to ``output_dir``.
    """
    return {
        "discourse_version": __version__,
        "command": command,
        "input_dir": str(input_dir),
        "output_dir": str(output_dir),
        "seed": config.seed,
        "config": config.public_dict(),
        "salt_fingerprint": config.salt_fingerprint(),
        "packages": package_versions(),
        **entries,
        "outputs": dict(outputs),
    }
