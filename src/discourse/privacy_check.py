"""``discourse privacy-check``: scan every output for personal data before anything is shared.

It looks for what the masker (:mod:`discourse.privacy`) masks, with the same detectors:

- the author names and usernames of the raw inputs (read again, without pseudonymisation), in
  any case, with the surname-alone and first-name-alone forms of full names, and the person
  names spaCy's NER finds in the raw texts (``ner=True``);
- e-mail addresses (also obfuscated), phone numbers, ``@handles`` and ``u/`` mentions, personal
  URLs (profiles, ``t.me``/``wa.me``, ``mailto:``, Reddit permalink slugs) and street addresses.

A one-word given name ("Jane", or "Jane" of "Jane Rivers") is reported only inside the
documents where that person appears (rows of a table with ``doc_id`` or ``segment_id``): a
Reddit poster who writes "call her Jane" is not the seed commenter Jane. So are the names NER
finds (the masker masks them in the document where they were found). Authors' full names,
surnames and usernames are reported wherever they are. Names in ``privacy.keep_names`` or
``--allow`` are not
reported.

Every file under the run folder is scanned, ``cache/`` (the stage store) included: Parquet
(every text column, by row), CSV/TSV, JSON, LaTeX, HTML, Markdown, text, notebooks, the text
layer of PDFs (names, e-mails, handles and URLs only: extracted figure text runs the digits of
neighbouring labels together), and any other file that decodes as text. Binary arrays
(``.npy``, ``.safetensors`` weights, images) are skipped and listed as such. Files with the same
bytes (the stage store's copies) are read once.

A finding names the file, the location (row and column, line, page or cell) and the kind of
identifier, so it can be fixed; the identifier itself is shown only masked.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from discourse.config import PipelineConfig
from discourse.errors import MissingInputError
from discourse.privacy import NameForms, find_contacts, name_forms

__all__ = [
    "Finding",
    "Identifiers",
    "identifiers_from_inputs",
    "privacy_check",
    "scan_text",
]

TEXT_SUFFIXES = {
    ".csv",
    ".tsv",
    ".json",
    ".tex",
    ".html",
    ".htm",
    ".md",
    ".txt",
    ".jsonl",
    ".toml",
    ".yaml",
    ".yml",
    ".log",
    ".svg",
}
BINARY_SUFFIXES = {".npy", ".npz", ".png", ".jpg", ".jpeg", ".gif", ".safetensors", ".bin", ".pt"}
MIN_NAME_LENGTH = 2


@dataclass(frozen=True)
class Finding:
    """One identifier found in an output."""

    path: str
    location: str
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.path} [{self.location}]: {self.kind} {self.masked}"


@dataclass
class Identifiers:
    """What to look for: person names (with the documents each appears in) from the inputs.

    ``names`` are author names and usernames: looked for everywhere (their one-word given
    names only in their documents). ``scoped`` maps a person name the masker's NER finds to
    the reader ids of the documents it was found in (the masker masks it there); ``docs``
    maps every author name to its documents. ``salt`` turns reader ids into the pseudonymous
    ids of the outputs.
    """

    names: set[str] = field(default_factory=set)
    scoped: dict[str, set[str]] = field(default_factory=dict)
    docs: dict[str, set[str]] = field(default_factory=dict)
    salt: str | None = None
    keep: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.names) + len(self.scoped)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.names | set(self.scoped)))


def _mask(value: str) -> str:
    return value[:1] + "*" * max(1, len(value) - 2) + value[-1:] if len(value) > 2 else "**"


def identifiers_from_inputs(
    input_dir: str | Path, config: PipelineConfig | None = None, ner: bool = True
) -> Identifiers:
    """Author names and usernames of every document and unit in the raw inputs, and (with
    ``ner``) the person names spaCy finds in their texts, each with its documents.

    Deleted-account markers, generic labels ("Anonymous") and pseudonyms are left out.
    """
    from discourse.build import document_names
    from discourse.pipeline import ingest_corpus
    from discourse.privacy import Pseudonymiser

    cfg = config or PipelineConfig()
    ingested = ingest_corpus(Path(input_dir), cfg)
    ids = Identifiers(keep=list(cfg.privacy.keep_names))
    for parsed in ingested.documents:
        for name in document_names([parsed], cfg):
            if len(name) >= MIN_NAME_LENGTH:
                ids.names.add(name)
                ids.docs.setdefault(name, set()).add(parsed.document.doc_id)
    if ner and cfg.privacy.mask_person_names:
        # the masker's NER runs on the cleaned segments of each document, and masks what it
        # finds in that document: the same texts are read here, and the names are scoped the same
        from discourse.clean.boilerplate import BoilerplateDetector
        from discourse.segment.segmenter import segment_document

        detector = BoilerplateDetector(cfg.boilerplate)
        finder = Pseudonymiser("", cfg.privacy, sorted(ids.names))
        for parsed in ingested.documents:
            drafts, _ = segment_document(parsed, cfg, detector)
            texts = [d.text for d in drafts] + [parsed.document.title or ""]
            finder.mask_texts(texts, document_names([parsed], cfg))
            for name in finder.last_persons:
                ids.scoped.setdefault(name, set()).add(parsed.document.doc_id)
            finder.clear()
    try:
        ids.salt = cfg.privacy.resolve_salt()
    except Exception:  # no salt: ids cannot be recomputed; scoping falls back to files
        ids.salt = None
    return ids


def scan_text(
    text: str, names: NameForms | None, phones: bool = True, partial: bool = True
) -> Iterator[tuple[str, str]]:
    """(kind, match) for every piece of personal data in ``text``.

    ``partial=False`` leaves out the one-word given names (outside their documents).
    """
    for s, e, kind in find_contacts(text):
        if kind == "phone" and not phones:
            continue
        yield kind, text[s:e]
    if names is not None:
        # names inside URLs and file names too
        spaced = re.sub(r"(?<=\w)\.(?=\w)", " ", re.sub(r"[_\-/]", " ", text))
        seen: set[tuple[int, int]] = set()
        for source in (text, spaced):
            for s, e, _ in names.finditer(source):
                key = re.sub(r"[\s_.\-]+", " ", source[s:e].casefold())
                if (s, e) in seen or (not partial and key in names.partial):
                    continue
                seen.add((s, e))
                yield "name", source[s:e]


def _looks_binary(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return b"\x00" in head


def _texts(path: Path) -> Iterator[tuple[str, str, str | None]]:
    """(location, text, doc_id or None) pieces of one output file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        docs: list[str | None] = [None] * table.num_rows
        if "doc_id" in table.column_names:
            docs = [str(v) if v is not None else None for v in table.column("doc_id").to_pylist()]
        elif "segment_id" in table.column_names:
            docs = [
                str(v).rsplit("#", 1)[0] if v is not None else None
                for v in table.column("segment_id").to_pylist()
            ]
        for name in table.column_names:
            column = table.column(name)
            if str(column.type) not in ("string", "large_string"):
                continue
            for i, value in enumerate(column.to_pylist()):
                if value:
                    yield f"row {i}, column {name}", value, docs[i]
    elif suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb.get("cells", [])):
            yield f"cell {i} source", "".join(cell.get("source", [])), None
            for output in cell.get("outputs", []):
                pieces = [output.get("text", "")]
                pieces += list(output.get("data", {}).get("text/plain", []))
                pieces += list(output.get("data", {}).get("text/html", []))
                text = "".join(p if isinstance(p, str) else "".join(p) for p in pieces)
                yield f"cell {i} output", text, None
    elif suffix == ".pdf":
        from pypdf import PdfReader

        for i, page in enumerate(PdfReader(str(path)).pages):
            yield f"page {i + 1}", page.extract_text() or "", None
    else:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh, start=1):
                yield f"line {i}", line, None


def _doc_scope(ids: Identifiers, allow: set[str]) -> tuple[dict[str, set[str]], NameForms]:
    """For each one-word name form: the output doc ids where it may be reported."""
    from discourse.privacy import Pseudonymiser

    keyer = Pseudonymiser(ids.salt) if ids.salt is not None else None

    def out_ids(reader_ids: set[str]) -> set[str]:
        out = set(reader_ids)
        if keyer is not None:
            out |= {keyer.identifier(d) for d in reader_ids}
        return out

    scoped_forms = name_forms(set(ids.scoped), allow)
    scope: dict[str, set[str]] = {}
    for form, name in scoped_forms.forms.items():
        scope.setdefault(form, set()).update(out_ids(ids.scoped.get(name, set())))
    full = name_forms(ids.names, allow)
    for form, name in full.forms.items():
        if form in full.partial:
            scope.setdefault(form, set()).update(out_ids(ids.docs.get(name, set())))
    return scope, scoped_forms


def privacy_check(
    output_dir: str | Path,
    names: Iterable[str] | Identifiers,
    allow: Iterable[str] = (),
) -> tuple[list[Finding], list[str]]:
    """Scan every file under ``output_dir``, the stage store in ``cache/`` included.

    Parameters
    ----------
    output_dir
        A run folder (or any folder of outputs, e.g. executed notebooks).
    names
        What to look for (see :func:`identifiers_from_inputs`), or a plain list of names.
    allow
        Names not to report (e.g. a public figure the study keeps).

    Returns
    -------
    findings, scanned
        Every finding, and the relative paths of the files scanned. Binary files skipped are
        listed in ``scanned`` as ``"<path> (skipped: binary)"``.
    """
    root = Path(output_dir)
    if not root.is_dir():
        raise MissingInputError(f"output folder does not exist: {root}")
    ids = names if isinstance(names, Identifiers) else Identifiers(names=set(names))
    allow = [*allow, *ids.keep]
    allowed = {a.casefold() for a in allow}
    forms = name_forms({n for n in ids.names if n.casefold() not in allowed}, allow)
    scope, scoped_forms = _doc_scope(ids, set(allow))
    findings: list[Finding] = []
    scanned: list[str] = []
    seen: dict[str, list[tuple[str, str, str]]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        suffix = path.suffix.lower()
        if suffix in BINARY_SUFFIXES or (
            suffix not in TEXT_SUFFIXES | {".parquet", ".ipynb", ".pdf"} and _looks_binary(path)
        ):
            scanned.append(f"{rel} (skipped: binary)")
            continue
        scanned.append(rel)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in seen:
            seen[digest] = list(_scan_file(path, forms, scoped_forms, scope))
        findings.extend(Finding(rel, loc, kind, masked) for loc, kind, masked in seen[digest])
    return findings, scanned


def _scan_file(
    path: Path, forms: NameForms, scoped_forms: NameForms, scope: dict[str, set[str]]
) -> Iterator[tuple[str, str, str]]:
    # figure text comes out of PDFs with the digits of neighbouring labels run together,
    # so phone numbers are looked for in the tables the figures are drawn from instead
    phones = path.suffix.lower() != ".pdf"
    for location, text, doc in _texts(path):
        for kind, match in scan_text(text, forms, phones, partial=True):
            key = re.sub(r"[\s_.\-]+", " ", match.casefold()).strip()
            if kind == "name" and key in forms.partial and doc not in scope.get(key, set()):
                continue
            yield location, kind, _mask(match)
        if doc is None or scoped_forms.pattern is None:
            continue
        for s, e, _ in scoped_forms.finditer(text):
            key = re.sub(r"[\s_.\-]+", " ", text[s:e].casefold()).strip()
            if doc in scope.get(key, set()):
                yield location, "name", _mask(text[s:e])
