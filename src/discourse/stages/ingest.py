"""The ingest stage: read every input file, clean, segment, pseudonymise, mark duplicates.

Writes ``documents.parquet``, ``segments.parquet`` and ``quarantine.csv``; its manifest
entries are the per-file records (``inputs``), the corpus ``summary`` and the number
``quarantined``. Every input file ends up in the manifest with a status: ``processed``,
``partial`` (some rows quarantined), ``quarantined`` (the whole file), ``skipped`` (excluded
by the config, symlinks, byte-identical copies of an earlier file), ``metadata`` (the sources
file) or ``missing`` (named in the sources file, not found).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from discourse.build import FileRecord, FileTask, TableSink, corpus_names, mask_paths, process_files
from discourse.config import ConfigError, PipelineConfig
from discourse.ingest import SUFFIXES, SourceOverride, readers
from discourse.ingest.files import QuarantineEntry, discover
from discourse.io_utils import sha256_file, write_text
from discourse.layout import DOCUMENTS, QUARANTINE, SEGMENTS
from discourse.privacy import Pseudonymiser
from discourse.stage_cache import hash_tree
from discourse.stages.base import StageContext, StageResult

__all__ = [
    "IngestStage",
    "InputPlan",
    "ingest_files",
    "load_sources",
    "plan_inputs",
    "summarise",
]


class IngestStage:
    """Raw inputs -> documents, segments and the quarantine list (always enabled)."""

    name = "ingest"
    manifest_key = "inputs"
    inputs: tuple[str, ...] = ()
    optional_inputs: tuple[str, ...] = ()
    config_sections = ("ingest", "clean", "boilerplate", "segment", "privacy")
    switch: str | None = None
    extra_keys: tuple[str, ...] = ()
    outputs = (DOCUMENTS, SEGMENTS, QUARANTINE)

    def plan(self, ctx: StageContext) -> InputPlan:
        """The input plan of ``ctx.input_dir`` (computed once per run)."""
        if "plan" not in ctx.state:
            if ctx.input_dir is None:
                raise ConfigError("the ingest stage needs an input directory")
            ctx.state["plan"] = plan_inputs(ctx.input_dir, ctx.config)
        return ctx.state["plan"]

    def key_parts(self, ctx: StageContext) -> dict[str, Any]:
        return {
            "inputs": self.plan(ctx).fingerprint,
            "salt": ctx.config.salt_fingerprint(),
            "readers": readers.versions(),
        }

    def describe(self, ctx: StageContext) -> str:
        engine = getattr(ctx.engine, "name", "local")
        n = len(self.plan(ctx).tasks)
        return f"ingest, clean, segment, pseudonymise: {n} files ({engine} engine)"

    def run(self, ctx: StageContext) -> StageResult:
        files, quarantine, totals = ingest_files(
            self.plan(ctx), ctx.config, ctx.target, ctx.engine, ctx.progress
        )
        info = {
            "inputs": [f.as_dict() for f in files],
            "quarantine": [q.__dict__ for q in quarantine],
            "totals": totals,
        }
        return StageResult(info=info, outputs=list(self.outputs))

    def manifest_entries(self, info: dict[str, Any]) -> dict[str, Any]:
        files = [FileRecord(**d) for d in info["inputs"]]
        return {
            "inputs": info["inputs"],
            "summary": summarise(files, info["totals"]),
            "quarantined": len(info["quarantine"]),
        }


def summarise(files: list[FileRecord], totals: dict[str, Any]) -> dict[str, Any]:
    """The manifest's corpus summary: files by status, documents, segments, words."""
    status = Counter(f.status for f in files)
    rows_read = sum(f.counts.get("rows_read", 0) for f in files)
    rows_used = sum(f.counts.get("rows_used", 0) for f in files)
    rows_q = sum(f.counts.get("rows_quarantined", 0) for f in files)
    return {
        "files": dict(sorted(status.items())),
        "files_total": len(files),
        "documents": totals["documents"],
        "segments": totals["segments"],
        "segments_by_source_type": totals["segments_by_source_type"],
        "boilerplate_segments": sum(totals["boilerplate_by_reason"].values()),
        "boilerplate_by_reason": totals["boilerplate_by_reason"],
        "duplicate_segments": totals["duplicate_segments"],
        "table_rows": {"read": rows_read, "used": rows_used, "quarantined": rows_q},
        "words": int(totals["words"]),
    }


def load_sources(input_dir: Path, config: PipelineConfig) -> dict[str, SourceOverride]:
    """Read the optional sources file: a TOML table per input file (relative path or name)."""
    import tomllib
    from pydantic import ValidationError

    path = input_dir / config.ingest.sources_file
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"sources file {path} is not valid TOML: {exc}") from None
    out: dict[str, SourceOverride] = {}
    for key, value in data.items():
        if not isinstance(value, dict):
            raise ConfigError(f"sources file {path}: entry {key!r} must be a table")
        try:
            out[key] = SourceOverride.model_validate(value)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            valid = ", ".join(SourceOverride.model_fields)
            raise ConfigError(
                f"sources file {path}: entry {key!r}: {problems} (valid keys: {valid})"
            ) from None
    return out


@dataclass
class InputPlan:
    """The input files in order: records already final (skipped, metadata, byte-identical
    duplicates) and tasks to process; sources-file entries not found; the ingest fingerprint."""

    items: list[FileRecord | FileTask]
    missing: list[FileRecord]
    fingerprint: list[list[Any]]

    @property
    def tasks(self) -> list[FileTask]:
        return [i for i in self.items if isinstance(i, FileTask)]


def _check_sources_apply(rel: str, name: str, config: PipelineConfig) -> None:
    """Refuse a sources-file entry for a file whose reader does not apply one (tables)."""
    suffix = Path(name.removesuffix(".gz")).suffix.lower()
    reader = SUFFIXES.get(suffix)
    if reader is not None and not readers.capabilities(reader)["uses_sources"]:
        raise ConfigError(
            f"{config.ingest.sources_file}: the entry for {rel} names a table ({reader} "
            "reader); per-file metadata does not apply to tables, whose rows carry their own "
            "(map their columns with [ingest.table]). Remove the entry."
        )


def plan_inputs(input_dir: Path, config: PipelineConfig) -> InputPlan:
    """Discover the inputs, hash them, and decide what each one is (nothing is parsed here)."""
    if not input_dir.is_dir():
        raise ConfigError(f"input directory does not exist: {input_dir}")
    sources = load_sources(input_dir, config)
    items: list[FileRecord | FileTask] = []
    fingerprint: list[list[Any]] = []
    used: set[str] = set()
    first_with_hash: dict[str, str] = {}
    for f in discover(input_dir, config.ingest.exclude, config.ingest.follow_symlinks):
        if f.path.name == config.ingest.sources_file and f.path.parent == input_dir:
            reason = "sources file (per-file metadata)"
            items.append(FileRecord(path=f.rel, status="metadata", reason=reason))
            fingerprint.append([f.rel, "metadata", hash_tree(f.path)])
            continue
        if f.skip_reason:
            items.append(FileRecord(path=f.rel, status="skipped", reason=f.skip_reason))
            fingerprint.append([f.rel, "skip", f.skip_reason])
            continue
        override = sources.get(f.rel) or sources.get(f.path.name)
        used.update(k for k in (f.rel, f.path.name) if k in sources)
        if override is not None:
            _check_sources_apply(f.rel, f.path.name, config)
        try:
            sha, size = sha256_file(f.path), f.path.stat().st_size
        except OSError as exc:  # the reader quarantines it with the reason
            items.append(FileTask(path=str(f.path), rel=f.rel, override=override))
            fingerprint.append([f.rel, "error", str(exc)])
            continue
        fingerprint.append([f.rel, "file", sha])
        if sha in first_with_hash:
            reason = f"duplicate of {first_with_hash[sha]} (same SHA-256); not read again"
            items.append(FileRecord(f.rel, "skipped", sha256=sha, size_bytes=size, reason=reason))
            continue
        first_with_hash[sha] = f.rel
        items.append(FileTask(path=str(f.path), rel=f.rel, override=override))
    missing = [
        FileRecord(path=key, status="missing", reason="named in the sources file but not found")
        for key in sorted(set(sources) - used)
    ]
    return InputPlan(items=items, missing=missing, fingerprint=fingerprint)


def _chunks(
    tasks: list[FileTask], max_files: int = 32, max_bytes: int = 8_000_000
) -> list[list[FileTask]]:
    """Group files into engine work items of a few MB each (a large file is an item alone)."""
    out: list[list[FileTask]] = []
    cur: list[FileTask] = []
    size = 0
    for t in tasks:
        try:
            n = Path(t.path).stat().st_size
        except OSError:
            n = 0
        if cur and (len(cur) >= max_files or size + n > max_bytes):
            out.append(cur)
            cur, size = [], 0
        cur.append(t)
        size += n
    if cur:
        out.append(cur)
    return out


def ingest_files(
    plan: InputPlan, cfg: PipelineConfig, stage: Path, engine: Any, progress: Any
) -> tuple[list[FileRecord], list[QuarantineEntry], dict[str, Any]]:
    """Process every file with the engine and stream the rows to the two Parquet files."""
    salt = cfg.privacy.resolve_salt()
    chunks = _chunks(plan.tasks)
    # authors and usernames of the whole corpus first: each is masked in every document
    names: list[str] = []
    if cfg.privacy.pseudonymise:
        names = sorted({n for got in engine.map(corpus_names, chunks, config=cfg) for n in got})
    results = (
        out
        for chunk in engine.map(process_files, chunks, config=cfg, salt=salt, known_names=names)
        for out in chunk
    )
    files: list[FileRecord] = []
    quarantine: list[QuarantineEntry] = []
    sink = TableSink(stage)
    try:
        for item in plan.items:
            if isinstance(item, FileRecord):
                files.append(item)
                if progress:
                    progress(item.path)
                continue
            result = next(results)
            files.append(result.record)
            quarantine.extend(result.quarantine)
            sink.add(result)
            if progress:
                progress(item.rel)
    except BaseException:
        sink.abort()
        raise
    totals = sink.close()
    files.extend(plan.missing)
    if cfg.privacy.pseudonymise:  # paths stay findable, without the personal names in them
        masker = Pseudonymiser(salt, cfg.privacy, names)
        for f in files:
            mask_paths(masker, f, [])
        mask_paths(masker, FileRecord(path="", status=""), quarantine)
    write_text(_quarantine_csv(quarantine), stage / QUARANTINE)
    return files, quarantine, totals


def _quarantine_csv(entries: list[QuarantineEntry]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["path", "location", "reason"])
    for e in entries:
        writer.writerow([e.path, e.location, e.reason])
    return buf.getvalue()
