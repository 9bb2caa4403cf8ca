"""The pipeline as plain functions: ingest -> clean -> segment -> (privacy, duplicates) -> outputs.

The CLI (:mod:`discourse.cli`) is a thin layer over :func:`run` and :func:`ingest_corpus`.
Every input file ends up in the manifest with a status: ``processed``, ``partial`` (some rows
quarantined), ``quarantined`` (the whole file), ``skipped`` (excluded by the config, symlinks,
byte-identical copies of an earlier file) or ``metadata`` (the sources file).
"""

from __future__ import annotations

import csv
import io
import platform
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from discourse import __version__
from discourse.clean.boilerplate import BoilerplateDetector
from discourse.config import ConfigError, PipelineConfig
from discourse.corpus import DOCUMENT_SCHEMA, SEGMENT_SCHEMA, ParsedDocument, word_count
from discourse.dedup import mark_duplicates
from discourse.ingest import SUFFIXES, ReadContext, SourceOverride, readers
from discourse.ingest.files import (
    InputFile,
    QuarantineEntry,
    RejectedInput,
    discover,
)
from discourse.io_utils import (
    sha256_file,
    staged_outputs,
    write_json,
    write_parquet,
    write_text,
)
from discourse.privacy import Pseudonymiser
from discourse.segment.segmenter import segment_document
from discourse.stage_cache import StageCache, hash_tree

__all__ = ["IngestResult", "RunResult", "ingest_corpus", "load_sources", "run"]

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


@dataclass
class FileRecord:
    """One input file's line in the manifest."""

    path: str
    status: str
    sha256: str | None = None
    size_bytes: int | None = None
    reader: str | None = None
    reader_version: str | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if v not in (None, [], {})}
        d["counts"] = dict(sorted(self.counts.items()))
        return d


@dataclass
class IngestResult:
    """Parsed documents, the file records and every quarantined input."""

    documents: list[ParsedDocument]
    files: list[FileRecord]
    quarantine: list[QuarantineEntry]


@dataclass
class RunResult:
    """What a run wrote and found."""

    output_dir: Path
    manifest: dict[str, Any]
    quarantine: list[QuarantineEntry]

    @property
    def n_quarantined(self) -> int:
        """Number of quarantine entries (files and rows)."""
        return len(self.quarantine)


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


def _reader_for(file: InputFile, data_head: bytes) -> str | None:
    name = file.effective_name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    head = data_head.lstrip()[:200]
    if head.startswith(b"WEBVTT"):
        return "vtt"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head[:1] in (b"{", b"["):
        return "jsonl"
    if head[:1].isdigit() and b"-->" in data_head[:300]:
        return "srt"
    if head.lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def ingest_corpus(input_dir: Path, config: PipelineConfig, progress: Any = None) -> IngestResult:
    """Read every file under ``input_dir``.

    Parameters
    ----------
    input_dir
        The raw data folder (read-only; nothing is written there).
    config
        Pipeline configuration.
    progress
        Optional callable ``progress(path)`` called once per file.
    """
    if not input_dir.is_dir():
        raise ConfigError(f"input directory does not exist: {input_dir}")
    sources = load_sources(input_dir, config)
    files: list[FileRecord] = []
    quarantine: list[QuarantineEntry] = []
    documents: list[ParsedDocument] = []
    max_bytes = int(config.ingest.max_file_mb * 1e6)
    discovered = discover(input_dir, config.ingest.exclude, config.ingest.follow_symlinks)
    used_sources: set[str] = set()
    first_with_hash: dict[str, str] = {}
    for f in discovered:
        if progress:
            progress(f.rel)
        if f.path.name == config.ingest.sources_file and f.path.parent == input_dir:
            files.append(
                FileRecord(path=f.rel, status="metadata", reason="sources file (per-file metadata)")
            )
            continue
        if f.skip_reason:
            files.append(FileRecord(path=f.rel, status="skipped", reason=f.skip_reason))
            continue
        record = FileRecord(path=f.rel, status="processed")
        files.append(record)
        override = sources.get(f.rel) or sources.get(f.path.name)
        used_sources.update(k for k in (f.rel, f.path.name) if k in sources)
        ctx = ReadContext(config=config, override=override)
        try:
            data = f.read_bytes(max_bytes)
            record.sha256 = f.sha256
            record.size_bytes = f.path.stat().st_size
            if f.sha256 in first_with_hash:
                record.status = "skipped"
                record.reason = (
                    f"duplicate of {first_with_hash[f.sha256]} (same SHA-256); not read again"
                )
                continue
            first_with_hash[f.sha256] = f.rel
            if f.inner_name:
                record.notes.append("gzip-compressed")
            name = _reader_for(f, data[:512])
            if name not in readers:
                raise RejectedInput(f"no reader for this file type ({name})")
            record.reader, record.reader_version = name, readers.entry(name).version
            parsed = readers.get(name)(f, ctx)
        except RejectedInput as exc:
            record.status, record.reason = "quarantined", str(exc)
            record.sha256 = record.sha256 or (f.sha256 or None)
            quarantine.append(QuarantineEntry(path=f.rel, reason=str(exc)))
            quarantine.extend(ctx.quarantined)
            record.counts.update(ctx.counts)
            continue
        except Exception as exc:  # a reader bug must not lose the rest of the corpus
            record.status, record.reason = (
                "quarantined",
                f"reader error: {type(exc).__name__}: {exc}",
            )
            quarantine.append(QuarantineEntry(path=f.rel, reason=record.reason))
            continue
        quarantine.extend(ctx.quarantined)
        record.counts.update(ctx.counts)
        record.notes.extend(ctx.notes)
        record.counts["documents"] = len(parsed)
        record.counts["units"] = sum(len(p.units) for p in parsed)
        if "rows_read" in ctx.counts:
            record.counts["rows_used"] = record.counts["units"]
        if ctx.quarantined:
            record.status = "partial"
            if not parsed:
                record.status = "quarantined"
                record.reason = f"no usable rows: all {len(ctx.quarantined)} quarantined"
                quarantine.append(QuarantineEntry(path=f.rel, reason=record.reason))
        documents.extend(parsed)
    for key in sorted(set(sources) - used_sources):
        files.append(
            FileRecord(path=key, status="missing", reason="named in the sources file but not found")
        )
    return IngestResult(documents=documents, files=files, quarantine=quarantine)


def build_tables(
    ingested: IngestResult, config: PipelineConfig, pseudonymiser: Pseudonymiser
) -> tuple[pa.Table, pa.Table, dict[str, int]]:
    """Clean, segment, pseudonymise and mark duplicates; return the two output tables."""
    detector = BoilerplateDetector(config.boilerplate)
    doc_rows: list[dict[str, Any]] = []
    seg_rows: list[dict[str, Any]] = []
    per_file: dict[str, Counter[str]] = {}
    masked_author = pseudonymiser.pseudonym if config.privacy.pseudonymise else (lambda x: x)
    for parsed in ingested.documents:
        doc = parsed.document
        drafts, stats = segment_document(parsed, config, detector)
        counter = per_file.setdefault(doc.path, Counter())
        counter.update(stats)
        names = {d.author for d in drafts if d.author}
        if doc.author:
            names.add(doc.author)
        key_to_id: dict[str, str] = {}
        rows = []
        for pos, d in enumerate(drafts):
            sid = f"{doc.doc_id}#{pos:04d}"
            if d.key:
                key_to_id[d.key] = sid
            rows.append((sid, pos, d))
        doc_words = 0
        for sid, pos, d in rows:
            text = pseudonymiser.mask_text(d.text, names)
            n_words = word_count(text)
            doc_words += n_words
            seg_rows.append(
                {
                    "segment_id": sid,
                    "doc_id": doc.doc_id,
                    "source_type": d.source_type,
                    "author": masked_author(d.author),
                    "published": d.published
                    or (doc.published if d.source_type != "comment" else None),
                    "reply_to": key_to_id.get(d.reply_to_key) if d.reply_to_key else None,
                    "reply_inference": d.reply_inference,
                    "is_author_reply": bool(d.is_author_reply),
                    "position": pos,
                    "text": text,
                    "n_words": n_words,
                    "boilerplate": d.boilerplate_reason is not None,
                    "boilerplate_reason": d.boilerplate_reason,
                    "duplicate_of": None,
                    "time_start": d.time_start,
                    "time_end": d.time_end,
                    "source_start": d.source_start,
                    "source_end": d.source_end,
                    "source_location": d.source_location,
                    "_dedup_text": d.text,
                }
            )
            counter["segments"] += 1
            counter["boilerplate_segments"] += d.boilerplate_reason is not None
        doc_author = doc.author
        if doc_author and config.privacy.pseudonymise_document_authors:
            doc_author = masked_author(doc_author)
        doc_rows.append(
            {
                "doc_id": doc.doc_id,
                "source_type": doc.source_type,
                "title": pseudonymiser.mask_text(doc.title, names) if doc.title else None,
                "outlet": doc.outlet,
                "author": doc_author,
                "author_inferred": doc.author_inferred,
                "published": doc.published,
                "url": doc.url,
                "path": doc.path,
                "sha256": doc.sha256,
                "n_words": doc_words,
                "n_segments": len(rows),
            }
        )
    dups = mark_duplicates(
        [r["segment_id"] for r in seg_rows], [r.pop("_dedup_text") for r in seg_rows]
    )
    doc_path = {r["doc_id"]: r["path"] for r in doc_rows}
    for row, dup in zip(seg_rows, dups):
        row["duplicate_of"] = dup
        if dup:
            per_file[doc_path[row["doc_id"]]]["duplicate_segments"] += 1
    for record in ingested.files:
        if record.path in per_file:
            record.counts.update(per_file[record.path])
    documents = pa.Table.from_pylist(doc_rows, schema=DOCUMENT_SCHEMA)
    segments = pa.Table.from_pylist(seg_rows, schema=SEGMENT_SCHEMA)
    totals = {
        "documents": len(doc_rows),
        "segments": len(seg_rows),
        "duplicate_segments": sum(d is not None for d in dups),
    }
    return documents, segments, totals


def _quarantine_csv(entries: list[QuarantineEntry]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["path", "location", "reason"])
    for e in entries:
        writer.writerow([e.path, e.location, e.reason])
    return buf.getvalue()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "discourse": __version__}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _summary(files: list[FileRecord], segments: pa.Table, totals: dict[str, int]) -> dict[str, Any]:
    status = Counter(f.status for f in files)
    st = segments.column("source_type").to_pylist()
    reasons = Counter(r for r in segments.column("boilerplate_reason").to_pylist() if r)
    rows_read = sum(f.counts.get("rows_read", 0) for f in files)
    rows_used = sum(f.counts.get("rows_used", 0) for f in files)
    rows_q = sum(f.counts.get("rows_quarantined", 0) for f in files)
    return {
        "files": dict(sorted(status.items())),
        "files_total": len(files),
        "documents": totals["documents"],
        "segments": totals["segments"],
        "segments_by_source_type": dict(sorted(Counter(st).items())),
        "boilerplate_segments": sum(reasons.values()),
        "boilerplate_by_reason": dict(sorted(reasons.items())),
        "duplicate_segments": totals["duplicate_segments"],
        "table_rows": {"read": rows_read, "used": rows_used, "quarantined": rows_q},
        "words": int(sum(segments.column("n_words").to_pylist())),
    }


def _label_stage(
    segments: pa.Table, cfg: PipelineConfig, output_dir: Path, cache: str
) -> tuple[dict[str, Any], Any]:
    """Label every segment; write ``labels.parquet`` and the stance profiles.

    Returns the manifest entry and the labels (for the topic stage, which need not re-read them).
    """
    from discourse.codebook import load_codebook
    from discourse.labels.stage import build_labeler, stance_profiles

    codebook = load_codebook(cfg.label.codebook)
    labeler = build_labeler(cfg.label.labeler, codebook, cache_dir=cache, weights=cfg.label.weights)
    seg = segments.select(
        ["segment_id", "doc_id", "source_type", "boilerplate", "duplicate_of", "text"]
    ).to_pandas()
    labels = labeler.predict(seg["text"].tolist())
    labels.insert(0, "segment_id", seg["segment_id"].to_numpy())
    write_parquet(pa.Table.from_pandas(labels, preserve_index=False), output_dir / "labels.parquet")
    by_doc, by_source = stance_profiles(seg, labels, codebook)
    write_text(
        by_doc.to_csv(index=False, float_format="%.6f"), output_dir / "stance_profile_documents.csv"
    )
    write_text(
        by_source.to_csv(index=False, float_format="%.6f"),
        output_dir / "stance_profile_source_types.csv",
    )
    info = {
        "labeler": labeler.name,
        "labeler_version": labeler.version,
        "codebook": {"name": codebook.meta.name, "version": codebook.meta.version},
        "stance_counts": {
            k: int(v) for k, v in labels["stance"].value_counts().sort_index().items()
        },
        "theme_counts": {t: int(labels[t].sum()) for t in codebook.theme_names},
        "non_english": int((labels["language"] != "en").sum()),
        "outputs": [
            "labels.parquet",
            "stance_profile_documents.csv",
            "stance_profile_source_types.csv",
        ],
    }
    return info, labels


def _topic_stage(
    segments: pa.Table, cfg: PipelineConfig, output_dir: Path, labels: Any, cache: str
) -> dict[str, Any]:
    """Fit the topic models; a corpus too small to model is recorded, not raised."""
    from discourse.topics.stage import model_files, topics_stage

    try:
        info = topics_stage(segments.to_pandas(), labels, cfg, output_dir, cache_dir=cache)
    except ValueError as exc:
        return {"skipped": str(exc)}
    info["outputs"] = info["outputs"] + model_files(output_dir, info["models"])
    return info


def _figure_stage(
    stage: Path, cfg: PipelineConfig, cache: str, make_figures: Any
) -> dict[str, Any]:
    info = make_figures(stage, stage, cfg, cache_dir=cache)
    info["outputs"] = [*info["outputs"], "figures_manifest.json"]
    return info


def _packaged_codebook() -> str:
    from importlib import resources

    return str(resources.files("discourse.resources").joinpath("codebook.toml"))


def input_fingerprint(input_dir: Path, config: PipelineConfig) -> list[list[Any]]:
    """What the ingest stage reads: every discovered path with its skip reason or SHA-256."""
    if not input_dir.is_dir():
        raise ConfigError(f"input directory does not exist: {input_dir}")
    out: list[list[Any]] = []
    for f in discover(input_dir, config.ingest.exclude, config.ingest.follow_symlinks):
        if f.skip_reason:
            out.append([f.rel, "skip", f.skip_reason])
            continue
        try:
            out.append([f.rel, "file", hash_tree(f.path)])
        except OSError as exc:
            out.append([f.rel, "error", str(exc)])
    return out


def run(
    input_dir: str | Path,
    output_dir: str | Path,
    config: PipelineConfig | None = None,
    progress: Any = None,
    command: str = "run",
    label: bool = True,
    on_stage: Any = None,
    topics: bool = True,
    figures: bool = True,
    reuse: bool = True,
) -> RunResult:
    """Run ingest -> clean -> segment -> label and write the outputs.

    Parameters
    ----------
    input_dir
        Folder of raw inputs (any mix of supported formats, in sub-folders too).
    output_dir
        Folder for ``documents.parquet``, ``segments.parquet``, ``quarantine.csv`` and
        ``manifest.json``; each is written atomically, the manifest last.
    config
        Validated configuration (defaults when ``None``).
    progress
        Optional callable ``progress(path)`` called once per input file.
    command
        Name recorded in the manifest.
    label
        Run the labelling stage (``labels.parquet`` and the stance profiles) when
        ``config.label.enabled`` is also true.
    on_stage
        Optional callable ``on_stage(message)`` told when a stage starts.
    topics
        Run the topic-model stage when ``config.topics.enabled`` is also true. A corpus too
        small to model is not an error: the manifest says why the stage was skipped.
    figures
        Draw the figures and tables (``figures/``, ``tables/``) when ``config.analysis.enabled``
        is also true.
    reuse
        Reuse finished stages whose inputs and config are unchanged (see
        :mod:`discourse.stage_cache`; stored under ``<cache_dir>/stages``). ``False`` recomputes
        everything. The manifest lists the reused stages in ``reused_stages``.

    Returns
    -------
    RunResult
    """
    cfg = config or PipelineConfig()
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    if (
        output_dir.resolve() == input_dir.resolve()
        or input_dir.resolve() in output_dir.resolve().parents
    ):
        raise ConfigError(
            "the output directory must not be inside the input directory (raw data is read-only)"
        )
    cfg.check_paths(output_dir)
    timings: dict[str, float] = {}
    cache = cfg.cache_dir(output_dir)
    store = StageCache(Path(cache) / "stages" if reuse else None)
    reused: list[str] = []
    public = cfg.public_dict()
    salt_id = cfg.salt_fingerprint()

    t0 = time.perf_counter()
    ingest_key = store.key(
        "ingest",
        {
            "inputs": input_fingerprint(input_dir, cfg),
            "config": {k: public[k] for k in ("ingest", "clean", "boilerplate", "segment")},
            "privacy": public["privacy"],
            "salt": salt_id,
            "readers": readers.versions(),
        },
    )
    hit = store.get("ingest", ingest_key)
    if hit is not None:
        files = [FileRecord(**d) for d in hit.info["inputs"]]
        quarantine = [QuarantineEntry(**q) for q in hit.info["quarantine"]]
        totals = hit.info["totals"]
        documents = pq.read_table(hit.path / "documents.parquet")
        segments = pq.read_table(hit.path / "segments.parquet")
        reused.append("ingest")
        timings["ingest"] = time.perf_counter() - t0
    else:
        ingested = ingest_corpus(input_dir, cfg, progress)
        timings["ingest"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        if on_stage:
            on_stage(f"clean, segment, pseudonymise: {len(ingested.documents)} documents")
        pseudonymiser = Pseudonymiser(cfg.privacy.resolve_salt(), cfg.privacy)
        documents, segments, totals = build_tables(ingested, cfg, pseudonymiser)
        files, quarantine = ingested.files, ingested.quarantine
        timings["clean_segment_privacy"] = time.perf_counter() - t1
    with staged_outputs(output_dir) as stage:
        t2 = time.perf_counter()
        outputs = ["documents.parquet", "segments.parquet", "quarantine.csv"]
        if hit is not None:
            hit.restore(stage)
        else:
            write_parquet(documents, stage / "documents.parquet")
            write_parquet(segments, stage / "segments.parquet")
            write_text(_quarantine_csv(quarantine), stage / "quarantine.csv")
            store.put(
                "ingest",
                ingest_key,
                stage,
                outputs,
                {
                    "inputs": [f.as_dict() for f in files],
                    "quarantine": [q.__dict__ for q in quarantine],
                    "totals": totals,
                },
            )
        timings["write"] = time.perf_counter() - t2
        hashes = {name: sha256_file(stage / name) for name in outputs}

        def run_stage(name: str, parts: dict[str, Any], compute: Any) -> dict[str, Any]:
            """Compute a stage (its info lists its ``outputs``) or restore it from the store."""
            key = store.key(name, {"inputs": dict(sorted(hashes.items())), **parts})
            found = store.get(name, key)
            if found is not None:
                found.restore(stage)
                reused.append(name)
                info = dict(found.info)
            else:
                info = compute()
                info.setdefault("outputs", [])
                store.put(name, key, stage, info["outputs"], info)
            for out in info["outputs"]:
                hashes[out] = sha256_file(stage / out)
            return info

        label_info: dict[str, Any] | None = None
        labels = None
        if label and cfg.label.enabled:
            t3 = time.perf_counter()
            if on_stage:
                on_stage(f"label: {segments.num_rows} segments with labeler '{cfg.label.labeler}'")
            computed: dict[str, Any] = {}

            def compute_labels() -> dict[str, Any]:
                info, computed["labels"] = _label_stage(segments, cfg, stage, cache)
                return info

            label_info = run_stage(
                "label",
                {
                    # files by content, not by path: a copy of the same codebook is the same
                    "config": public["label"] | {"cache_dir": None, "codebook": None},
                    "codebook": hash_tree(cfg.label.codebook or _packaged_codebook()),
                    "weights": hash_tree(cfg.label.weights),
                },
                compute_labels,
            )
            labels = computed.get("labels")
            if labels is None:
                labels = pq.read_table(stage / "labels.parquet").to_pandas()
            outputs += label_info.pop("outputs")
            timings["label"] = time.perf_counter() - t3
        topic_info: dict[str, Any] | None = None
        if topics and cfg.topics.enabled:
            t4 = time.perf_counter()
            if on_stage:
                on_stage(
                    f"topics: BERTopic and {cfg.topics.baseline}, "
                    f"{cfg.topics.stability_seeds} seeds"
                )
            topic_info = run_stage(
                "topics",
                {
                    "config": public["topics"],
                    "embeddings": public["embeddings"] | {"cache_dir": None},
                    "seed": cfg.seed,
                },
                lambda: _topic_stage(segments, cfg, stage, labels, cache),
            )
            outputs += topic_info.pop("outputs", [])
            timings["topics"] = time.perf_counter() - t4
            if on_stage and "skipped" in topic_info:
                on_stage(f"topics skipped: {topic_info['skipped']}")
        figure_info: dict[str, Any] | None = None
        if figures and cfg.analysis.enabled:
            from discourse.analysis.report import make_figures

            t5 = time.perf_counter()
            if on_stage:
                on_stage("figures and tables")
            figure_info = run_stage(
                "figures",
                {
                    "config": public["analysis"],
                    "annotations": hash_tree(cfg.analysis.annotations),
                    "label": public["label"] | {"cache_dir": None},
                    "seed": cfg.seed,
                },
                lambda: _figure_stage(stage, cfg, cache, make_figures),
            )
            outputs += figure_info.pop("outputs")
            timings["figures"] = time.perf_counter() - t5
        manifest = {
            "discourse_version": __version__,
            "command": command,
            "input_dir": str(input_dir),
            "output_dir": str(output_dir),
            "seed": cfg.seed,
            "config": public,
            "salt_fingerprint": salt_id,
            "packages": _versions(),
            "readers": readers.versions(),
            "inputs": [f.as_dict() for f in files],
            "summary": _summary(files, segments, totals),
            "quarantined": len(quarantine),
            "stages": {k: round(v, 3) for k, v in timings.items()},
            "reused_stages": reused,
            "labels": label_info,
            "topics": topic_info,
            "figures": figure_info,
            "outputs": {name: hashes.get(name) or sha256_file(stage / name) for name in outputs},
        }
        write_json(manifest, stage / "manifest.json")
    return RunResult(output_dir=output_dir, manifest=manifest, quarantine=quarantine)
