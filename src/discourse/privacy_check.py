"""``discourse privacy-check``: scan every output for personal data before anything is shared.

The identifiers looked for are the author names and usernames found in the raw inputs (read
again, without pseudonymisation), plus any e-mail address or phone number. Every output file is
scanned: Parquet (every text column, by row), CSV/TSV, JSON, LaTeX, HTML, Markdown, text,
notebook outputs, and the text layer of PDF figures (via pypdf; names and e-mail addresses
only, since extracted figure text runs the digits of neighbouring labels together). PNG files
are not read; they are drawn from the same data as their PDF twins. The embedding cache holds
vectors only and is skipped.

A finding names the file, the location (row and column, line, page or cell) and the kind of
identifier, so it can be fixed; the identifier itself is shown only masked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from discourse.config import PipelineConfig
from discourse.privacy import EMAIL_RE, PHONE_RE

__all__ = ["Finding", "identifiers_from_inputs", "privacy_check", "scan_text"]

TEXT_SUFFIXES = {".csv", ".tsv", ".json", ".tex", ".html", ".htm", ".md", ".txt", ".jsonl"}
SKIP_DIRS = {"cache"}
MIN_NAME_LENGTH = 3


@dataclass(frozen=True)
class Finding:
    """One identifier found in an output."""

    path: str
    location: str
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.path} [{self.location}]: {self.kind} {self.masked}"


def _mask(value: str) -> str:
    return value[:1] + "*" * max(1, len(value) - 2) + value[-1:] if len(value) > 2 else "**"


def identifiers_from_inputs(
    input_dir: str | Path, config: PipelineConfig | None = None
) -> set[str]:
    """Author names and usernames of every document and unit in the raw inputs.

    Names shorter than three characters and deleted-account markers are left out (they would
    match everywhere); so are the pseudonyms themselves.
    """
    from discourse.pipeline import ingest_corpus

    cfg = config or PipelineConfig()
    ingested = ingest_corpus(Path(input_dir), cfg)
    markers = {m.casefold() for m in cfg.ingest.table.deleted_markers}
    names: set[str] = set()
    for parsed in ingested.documents:
        candidates = [parsed.document.author, *(u.author for u in parsed.units)]
        for name in candidates:
            if not name:
                continue
            name = re.sub(r"\s+", " ", re.sub(r"^/?u/", "", name.strip()))
            if len(name) >= MIN_NAME_LENGTH and name.casefold() not in markers:
                names.add(name)
    return names


def _name_pattern(names: Iterable[str], allow: Iterable[str]) -> re.Pattern[str] | None:
    allowed = {a.casefold() for a in allow}
    forms: set[str] = set()
    for name in names:
        if name.casefold() in allowed:
            continue
        forms |= {name, name.upper()}
        if name.islower():
            forms.add(name.title())
    if not forms:
        return None
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w@/-])(?:{alternation})(?![\w@])")


_DECIMAL = re.compile(r"\d+\.\d+(?:[eE][-+]?\d+)?")


def scan_text(
    text: str, names: re.Pattern[str] | None, phones: bool = True
) -> Iterator[tuple[str, str]]:
    """(kind, match) for every e-mail address, phone number and name in ``text``.

    Decimal numbers (``0.2857``, ``2.3e-45``) are not phone numbers and are ignored.
    """
    for m in EMAIL_RE.finditer(text):
        yield "email", m.group(0)
    if phones:
        for m in PHONE_RE.finditer(_DECIMAL.sub(" ", text)):
            yield "phone", m.group(0)
    if names is not None:
        for m in names.finditer(text):
            yield "name", m.group(0)


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    """(location, text) pieces of one output file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        for name in table.column_names:
            column = table.column(name)
            if str(column.type) not in ("string", "large_string"):
                continue
            for i, value in enumerate(column.to_pylist()):
                if value:
                    yield f"row {i}, column {name}", value
    elif suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb.get("cells", [])):
            yield f"cell {i} source", "".join(cell.get("source", []))
            for output in cell.get("outputs", []):
                pieces = [output.get("text", "")]
                pieces += list(output.get("data", {}).get("text/plain", []))
                pieces += list(output.get("data", {}).get("text/html", []))
                yield (
                    f"cell {i} output",
                    "".join(p if isinstance(p, str) else "".join(p) for p in pieces),
                )
    elif suffix == ".pdf":
        from pypdf import PdfReader

        for i, page in enumerate(PdfReader(str(path)).pages):
            yield f"page {i + 1}", page.extract_text() or ""
    elif suffix in TEXT_SUFFIXES:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh, start=1):
                yield f"line {i}", line


def privacy_check(
    output_dir: str | Path,
    names: Iterable[str],
    allow: Iterable[str] = (),
) -> tuple[list[Finding], list[str]]:
    """Scan every output file under ``output_dir``.

    Parameters
    ----------
    output_dir
        A run folder (or any folder of outputs, e.g. executed notebooks).
    names
        Author names and usernames to look for (see :func:`identifiers_from_inputs`).
    allow
        Names not to report (e.g. a commenter called "Joy" in a corpus where "joy" is common).

    Returns
    -------
    findings, scanned
        Every finding, and the relative paths of the files scanned.
    """
    root = Path(output_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"output folder does not exist: {root}")
    pattern = _name_pattern(names, allow)
    findings: list[Finding] = []
    scanned: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIP_DIRS or path.name.startswith("."):
            continue
        suffix = path.suffix.lower()
        if suffix not in TEXT_SUFFIXES | {".parquet", ".ipynb", ".pdf"}:
            continue
        scanned.append(rel.as_posix())
        # figure text comes out of PDFs with the digits of neighbouring labels run together,
        # so phone numbers are looked for in the tables the figures are drawn from instead
        phones = suffix != ".pdf"
        for location, text in _texts(path):
            for kind, match in scan_text(text, pattern, phones):
                findings.append(Finding(rel.as_posix(), location, kind, _mask(match)))
    return findings, scanned
