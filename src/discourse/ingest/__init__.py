"""Input readers (one registry) and file handling.

Importing this package registers every built-in reader in :data:`discourse.ingest.base.readers`.
"""

from discourse.ingest import captions, html, tables, text  # noqa: F401  (registration)
from discourse.ingest.base import SUFFIXES, ReadContext, SourceOverride, readers
from discourse.ingest.files import source_text

__all__ = ["SUFFIXES", "ReadContext", "SourceOverride", "readers", "source_text"]
