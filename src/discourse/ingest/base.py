"""The reader contract: every input format is a named, versioned reader in one registry.

A reader takes an :class:`~discourse.ingest.files.InputFile` and a :class:`ReadContext` and
returns the documents it found. It raises :class:`~discourse.ingest.files.RejectedInput` to
quarantine the whole file, or calls :meth:`ReadContext.quarantine_row` for a bad row or line
and carries on with the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from discourse.config import PipelineConfig
from discourse.corpus import ParsedDocument
from discourse.ingest.files import InputFile, QuarantineEntry
from discourse.registry import Registry

__all__ = ["ReadContext", "Reader", "SourceOverride", "readers"]


class SourceOverride(BaseModel):
    """Per-file metadata from the optional sources file (``sources.toml`` in the input dir).

    Example::

        ["seeds/000_9971e978c8825bd7.txt"]
        kind = "transcript"
        title = "If someone goes no contact on you"
        outlet = "YouTube"
        date = "2021-05-04"
    """

    model_config = ConfigDict(extra="forbid")

    kind: str | None = None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    date: str | None = None
    author: str | None = None


@dataclass
class ReadContext:
    """What a reader gets besides the file: config, the file's override, and a place for
    row-level quarantine entries and counts."""

    config: PipelineConfig
    override: SourceOverride | None = None
    quarantined: list[QuarantineEntry] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def quarantine_row(self, path: str, location: str, reason: str) -> None:
        """Quarantine one row or line of a file; the rest of the file is still read."""
        self.quarantined.append(QuarantineEntry(path=path, reason=reason, location=location))
        self.count("rows_quarantined")

    def read_bytes(self, file: InputFile) -> bytes:
        """The file's bytes (un-gzipped), within ``ingest.max_file_mb``."""
        return file.read_bytes(int(self.config.ingest.max_file_mb * 1e6))

    def read_text(
        self, file: InputFile, decoder: Callable[[bytes], tuple[str, str]] | None = None
    ) -> str:
        """The file decoded to text (``decode_text`` unless another decoder is given); the
        encoding is noted for the manifest."""
        from discourse.ingest.files import decode_text

        text, encoding = (decoder or decode_text)(self.read_bytes(file))
        self.notes.append(f"encoding={encoding}")
        return text

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to a per-file counter written to the manifest."""
        self.counts[key] = self.counts.get(key, 0) + n


Reader = Callable[[InputFile, ReadContext], list[ParsedDocument]]

#: All input readers, by name. Each has a version, recorded in the run manifest, and declares
#: the file name suffixes it reads.
readers: Registry[Reader] = Registry(
    "reader",
    {
        "suffixes": "file name suffixes it reads (lower case, with the dot)",
        "uses_sources": "applies a sources.toml entry for its file (tables do not: each row "
        "carries its own metadata through the column map)",
    },
)

#: File name suffix -> reader name (from the readers' ``suffixes``). ``.gz`` files are read by
#: the suffix inside them.
SUFFIXES: dict[str, str] = {}


def register_reader(
    name: str,
    suffixes: tuple[str, ...],
    version: str = "1",
    description: str = "",
    uses_sources: bool = True,
) -> Callable[[Reader], Reader]:
    """Register a reader, the file suffixes it handles and whether it applies sources.toml."""

    def decorator(fn: Reader) -> Reader:
        taken = sorted(set(suffixes) & set(SUFFIXES))
        if taken:
            raise ValueError(f"reader {name!r}: suffixes {taken} are already read by another")
        readers.register(
            name,
            version=version,
            description=description,
            suffixes=suffixes,
            uses_sources=uses_sources,
        )(fn)
        for suffix in suffixes:
            SUFFIXES[suffix] = name
        return fn

    return decorator


def first_present(columns: list[str], available: dict[str, Any]) -> str | None:
    """The first of ``columns`` present (case-insensitively) among ``available`` keys."""
    lower = {k.lower(): k for k in available}
    for c in columns:
        if c.lower() in lower:
            return lower[c.lower()]
    return None
