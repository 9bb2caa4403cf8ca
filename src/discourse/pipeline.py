"""The pipeline as plain functions: ingest -> clean -> segment -> (privacy, duplicates) -> outputs.

The CLI (:mod:`discourse.cli`) is a thin layer over :func:`run` and :func:`ingest_corpus`.
Every input file ends up in the manifest with a status: ``processed``, ``partial`` (some rows
quarantined), ``quarantined`` (the whole file), ``skipped`` (excluded by the config, symlinks,
byte-identical copies of an earlier file) or ``metadata`` (the sources file).
"""

from __future__ import annotations

import csv
import hashlib
import io
import platform
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from discourse import __version__
from discourse.build import (
    ROW_GROUP,
    FileRecord,
    FileTask,
    TableSink,
    corpus_names,
    document_rows,
    mask_paths,
    process_files,
    read_input_file,
)
from discourse.clean.boilerplate import BoilerplateDetector
from discourse.config import ConfigError, PipelineConfig
from discourse.corpus import DOCUMENT_SCHEMA, SEGMENT_SCHEMA, ParsedDocument
from discourse.dedup import DuplicateMarker
from discourse.engines import LocalEngine
from discourse.errors import DiscourseError, InputError, MissingInputError, StageSkipped
from discourse.ingest import SUFFIXES, SourceOverride, readers
from discourse.ingest.files import (
    InputFile,
    QuarantineEntry,
    discover,
)
from discourse.io_utils import (
    atomic_path,
    sha256_file,
    staged_outputs,
    write_json,
    write_text,
)
from discourse.layout import (
    DOCUMENTS,
    FIGURES_MANIFEST,
    LABELS,
    MANIFEST,
    QUARANTINE,
    SEGMENTS,
    STANCE_PROFILE_DOCUMENTS,
    STANCE_PROFILE_SOURCE_TYPES,
)
from discourse.privacy import Pseudonymiser
from discourse.stage_cache import StageCache, hash_tree

__all__ = ["IngestResult", "RunResult", "ingest_corpus", "load_sources", "run", "topic_errors"]

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
    plan = plan_inputs(input_dir, config)
    files: list[FileRecord] = []
    quarantine: list[QuarantineEntry] = []
    documents: list[ParsedDocument] = []
    for item in plan.items:
        if progress:
            progress(item.rel if isinstance(item, FileTask) else item.path)
        if isinstance(item, FileRecord):
            files.append(item)
            continue
        f = InputFile(path=Path(item.path), rel=item.rel)
        record, parsed, entries = read_input_file(f, config, item.override)
        files.append(record)
        quarantine.extend(entries)
        documents.extend(parsed)
    files.extend(plan.missing)
    return IngestResult(documents=documents, files=files, quarantine=quarantine)


def build_tables(
    ingested: IngestResult, config: PipelineConfig, pseudonymiser: Pseudonymiser
) -> tuple[pa.Table, pa.Table, dict[str, int]]:
    """Clean, segment, pseudonymise and mark duplicates in memory; return the two tables.

    :func:`run` streams the same rows to disk instead (:class:`~discourse.build.TableSink`);
    this in-memory form is for notebooks and benchmarks on small corpora.
    """
    detector = BoilerplateDetector(config.boilerplate)
    doc_rows: list[dict[str, Any]] = []
    seg_rows: list[dict[str, Any]] = []
    per_file: dict[str, Counter[str]] = {}
    for parsed in ingested.documents:
        stats = per_file.setdefault(parsed.document.path, Counter())
        doc_row, rows = document_rows(parsed, config, detector, pseudonymiser, stats)
        doc_rows.append(doc_row)
        seg_rows.extend(rows)
    marker = DuplicateMarker()
    doc_path = {r["doc_id"]: r["path"] for r in doc_rows}
    n_dups = 0
    for row in seg_rows:
        row["duplicate_of"] = marker.first_of(row.pop("_dedup_key"), row["segment_id"])
        if row["duplicate_of"] is not None:
            per_file[doc_path[row["doc_id"]]]["duplicate_segments"] += 1
            n_dups += 1
    for record in ingested.files:
        if record.path in per_file:
            record.counts.update(per_file[record.path])
    documents = pa.Table.from_pylist(doc_rows, schema=DOCUMENT_SCHEMA)
    segments = pa.Table.from_pylist(seg_rows, schema=SEGMENT_SCHEMA)
    totals = {"documents": len(doc_rows), "segments": len(seg_rows), "duplicate_segments": n_dups}
    return documents, segments, totals


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


def _ingest_stage(
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


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "discourse": __version__}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _summary(files: list[FileRecord], totals: dict[str, Any]) -> dict[str, Any]:
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


def _label_stage(stage: Path, cfg: PipelineConfig, cache: str, engine: Any) -> dict[str, Any]:
    """Label every segment in row-group batches (with the engine); write ``labels.parquet``
    and the stance profiles."""
    from discourse.codebook import load_codebook
    from discourse.labels.stage import LabelerSpec, label_texts, stance_profiles

    codebook = load_codebook(cfg.label.codebook)
    spec = LabelerSpec(
        cfg.label.labeler, cfg.label.codebook, cache, cfg.label.weights, cfg.embeddings.backend
    )
    source = pq.ParquetFile(stage / SEGMENTS)
    batches = source.iter_batches(batch_size=ROW_GROUP, columns=["segment_id", "text"])
    ids: list[list[str]] = []

    def texts() -> Any:
        for batch in batches:
            ids.append(batch.column("segment_id").to_pylist())
            yield batch.column("text").to_pylist()

    stance_counts: Counter[str] = Counter()
    theme_counts: Counter[str] = Counter()
    non_english = 0
    writer = None
    with atomic_path(stage / LABELS) as tmp:
        try:
            for i, labels in enumerate(engine.map(label_texts, texts(), spec=spec)):
                labels.insert(0, "segment_id", ids[i])
                ids[i] = []
                if writer is None:
                    table = pa.Table.from_pandas(labels, preserve_index=False)
                    writer = pq.ParquetWriter(tmp, table.schema)
                else:
                    table = pa.Table.from_pandas(labels, schema=writer.schema, preserve_index=False)
                writer.write_table(table, row_group_size=ROW_GROUP)
                stance_counts.update(labels["stance"].tolist())
                for t in codebook.theme_names:
                    theme_counts[t] += int(labels[t].sum())
                non_english += int((labels["language"] != "en").sum())
            if writer is None:  # no segments: an empty table with the labeler's columns
                empty = label_texts([], spec=spec)
                empty.insert(0, "segment_id", pd.Series([], dtype=str))
                pq.write_table(pa.Table.from_pandas(empty, preserve_index=False), tmp)
        finally:
            if writer is not None:
                writer.close()
    seg = pq.read_table(
        stage / SEGMENTS,
        columns=["segment_id", "doc_id", "source_type", "boilerplate", "duplicate_of"],
    ).to_pandas()
    stances = pq.read_table(stage / LABELS, columns=["segment_id", "stance"]).to_pandas()
    by_doc, by_source = stance_profiles(seg, stances, codebook)
    write_text(by_doc.to_csv(index=False, float_format="%.6f"), stage / STANCE_PROFILE_DOCUMENTS)
    write_text(
        by_source.to_csv(index=False, float_format="%.6f"),
        stage / STANCE_PROFILE_SOURCE_TYPES,
    )
    labeler = spec.build()
    return {
        "labeler": labeler.name,
        "labeler_version": labeler.version,
        "codebook": {"name": codebook.meta.name, "version": codebook.meta.version},
        "stance_counts": dict(sorted(stance_counts.items())),
        "theme_counts": {t: theme_counts[t] for t in codebook.theme_names},
        "non_english": non_english,
        "outputs": [
            LABELS,
            STANCE_PROFILE_DOCUMENTS,
            STANCE_PROFILE_SOURCE_TYPES,
        ],
    }


def embed_texts(texts: list[str], cache_dir: str, backend: str = "minilm") -> dict[str, int]:
    """Embed a batch of texts into the shared cache (an engine work item); return the counts."""
    embedder = _process_embedder(cache_dir, backend)
    before = dict(embedder.stats)
    embedder.encode(texts)
    return {k: embedder.stats[k] - before[k] for k in before}


_EMBEDDERS: dict[str, Any] = {}


def _process_embedder(cache_dir: str, backend: str) -> Any:
    from discourse.embedding_backends import make_embedder

    key = f"{backend}\x00{cache_dir}"
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = make_embedder(backend, cache_dir)
    return _EMBEDDERS[key]


def _embed_stage(stage: Path, cfg: PipelineConfig, cache: str, engine: Any) -> dict[str, Any]:
    """Embed the segments the topic models will use, in batches with the engine, so the topic
    stage finds every vector in the cache (labelers that embed have filled most of it)."""
    from discourse.topics.stage import select_segments

    segments = pq.read_table(
        stage / SEGMENTS, columns=["segment_id", "text", "boilerplate", "duplicate_of"]
    ).to_pandas()
    labels = None
    if (stage / LABELS).is_file():
        labels = pq.read_table(stage / LABELS, columns=["segment_id", "language"]).to_pandas()
    texts = segments["text"][select_segments(segments, labels, cfg).isna()].tolist()
    size = 2_000
    batches = [texts[i : i + size] for i in range(0, len(texts), size)]
    counts = {"segments": len(texts), "cache_hits": 0, "computed": 0}
    for got in engine.map(embed_texts, batches, cache_dir=cache, backend=cfg.embeddings.backend):
        counts["cache_hits"] += got["hits"]
        counts["computed"] += got["computed"]
    return counts


#: Interim, until src/discourse/topics/ raises the error types itself (then delete these and
#: :func:`topic_errors`): the messages of the plain ValueErrors (skips, bad input) and
#: FileNotFoundErrors (missing input) that topics/ raises, with the type each one stands for.
_TOPIC_ERRORS: tuple[tuple[str, type[Exception]], ...] = (
    (r"too few segments to model topics: ", StageSkipped),  # stage.py fit_topic_runs
    (r"no words left for topic modelling ", StageSkipped),  # corpus.py build_vocabulary
    (r"no words occur in at least min_documents=", StageSkipped),  # corpus.py build_vocabulary
    (r"BERTopic needs at least 10 documents, ", StageSkipped),  # models.py BERTopicModel.fit
    (r"\S+ needs at least n_topics=\d+ documents$", StageSkipped),  # models.py _MatrixTopicModel
    (r"reference corpus .+ has no documents$", InputError),  # stage.py _reference
    (r".+: no text, title or selftext column for the reference corpus$", InputError),  # corpus.py
    (r"reference corpus .+ does not exist$", MissingInputError),  # corpus.py
    (r".+ does not exist: run `discourse run` or `discourse ingest` first$", MissingInputError),
)


@contextmanager
def topic_errors() -> Iterator[None]:
    """Give the known skip and bad-input errors of :mod:`discourse.topics` their types.

    A corpus too small or too sparse to model raises :class:`StageSkipped`; a bad reference
    corpus :class:`InputError`; a missing run file or reference corpus
    :class:`MissingInputError` (api.py). Any other error (a bug, e.g. a shape mismatch)
    propagates untouched. Interim: topics/ will raise these types itself.
    """
    try:
        yield
    except (ValueError, FileNotFoundError) as exc:
        if isinstance(exc, DiscourseError):
            raise
        for pattern, kind in _TOPIC_ERRORS:
            fits = isinstance(exc, FileNotFoundError) == issubclass(kind, FileNotFoundError)
            if fits and re.match(pattern, str(exc), re.DOTALL):
                raise kind(str(exc)) from exc
        raise


def _topic_stage(stage: Path, cfg: PipelineConfig, cache: str) -> dict[str, Any]:
    """Fit the topic models; a corpus too small to model (:class:`StageSkipped`) is recorded
    as ``{"skipped": reason}``, not raised. Any other error propagates."""
    from discourse.topics.stage import model_files, topics_stage

    segments = pq.read_table(stage / SEGMENTS).to_pandas()
    # at most this many segments can be modelled (exclusions only remove some)
    candidates = int(segments["text"].fillna("").str.strip().ne("").sum())
    if candidates < cfg.topics.min_segments:
        return {
            "skipped": f"too few segments to model topics: {candidates} "
            f"(topics.min_segments = {cfg.topics.min_segments})"
        }
    labels = None
    if (stage / LABELS).is_file():
        labels = pq.read_table(
            stage / LABELS, columns=["segment_id", "stance", "language"]
        ).to_pandas()
    try:
        with topic_errors():
            info = topics_stage(segments, labels, cfg, stage, cache_dir=cache)
    except StageSkipped as exc:
        return {"skipped": exc.reason}
    info["outputs"] = info["outputs"] + model_files(stage, info["models"])
    return info


def _figure_stage(
    stage: Path, cfg: PipelineConfig, cache: str, make_figures: Any
) -> dict[str, Any]:
    info = make_figures(stage, stage, cfg, cache_dir=cache)
    info["outputs"] = [*info["outputs"], FIGURES_MANIFEST]
    return info


def _cache_secret(cfg: PipelineConfig) -> bytes:
    """The stage store's HMAC key, derived from the privacy salt (never stored)."""
    salt = cfg.privacy.resolve_salt().encode("utf-8")
    return hashlib.sha256(b"discourse-stage-cache\x00" + salt).digest()


def _packaged_codebook() -> str:
    from importlib import resources

    return str(resources.files("discourse.resources").joinpath("codebook.toml"))


def _with_design(cfg: PipelineConfig, output_dir: Path) -> PipelineConfig:
    """``cfg`` with ``analysis.design`` found for ``analysis.codes`` when unset: the codes
    file's folder, then ``<output>/coding`` (the figures stage runs in a staging folder, where
    ``discourse sample``'s default folder is not)."""
    from discourse.prevalence.estimate import design_beside

    if not cfg.analysis.codes or cfg.analysis.design:
        return cfg
    found = design_beside(cfg.analysis.codes, output_dir)
    if found is not None:
        cfg = cfg.model_copy(deep=True)
        cfg.analysis.design = str(found.resolve())
    return cfg


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
    engine: Any = None,
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
    engine
        Where the per-file and per-segment work runs: a :mod:`discourse.engines` engine
        (default: in this process). The outputs do not depend on the engine.
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
    store = StageCache(Path(cache) / "stages" if reuse else None, secret=_cache_secret(cfg))
    reused: list[str] = []
    public = cfg.public_dict()
    salt_id = cfg.salt_fingerprint()

    t0 = time.perf_counter()
    plan = plan_inputs(input_dir, cfg)
    ingest_key = store.key(
        "ingest",
        {
            "inputs": plan.fingerprint,
            "config": {k: public[k] for k in ("ingest", "clean", "boilerplate", "segment")},
            "privacy": public["privacy"],
            "salt": salt_id,
            "readers": readers.versions(),
        },
    )
    hit = store.get("ingest", ingest_key)
    if engine is None:
        engine = LocalEngine()
    with engine, staged_outputs(output_dir) as stage:
        outputs = [DOCUMENTS, SEGMENTS, QUARANTINE]
        if hit is not None:
            hit.restore(stage)
            files = [FileRecord(**d) for d in hit.info["inputs"]]
            quarantine = [QuarantineEntry(**q) for q in hit.info["quarantine"]]
            totals = hit.info["totals"]
            reused.append("ingest")
        else:
            if on_stage:
                on_stage(
                    f"ingest, clean, segment, pseudonymise: {len(plan.tasks)} files "
                    f"({engine.name} engine)"
                )
            files, quarantine, totals = _ingest_stage(plan, cfg, stage, engine, progress)
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
        timings["ingest_clean_segment"] = time.perf_counter() - t0
        # a restored stage's files were verified against these digests as they were copied
        verified = hit.files if hit is not None else {}
        hashes = {name: verified.get(name) or sha256_file(stage / name) for name in outputs}

        def run_stage(name: str, parts: dict[str, Any], compute: Any) -> dict[str, Any]:
            """Compute a stage (its info lists its ``outputs``) or restore it from the store."""
            key = store.key(name, {"inputs": dict(sorted(hashes.items())), **parts})
            found = store.get(name, key)
            verified: dict[str, str] = {}
            if found is not None:
                found.restore(stage)
                verified = found.files
                reused.append(name)
                info = dict(found.info)
            else:
                info = compute()
                info.setdefault("outputs", [])
                store.put(name, key, stage, info["outputs"], info)
            for out in info["outputs"]:
                hashes[out] = verified.get(out) or sha256_file(stage / out)
            return info

        label_info: dict[str, Any] | None = None
        if label and cfg.label.enabled:
            t3 = time.perf_counter()
            if on_stage:
                n = totals["segments"]
                on_stage(f"label: {n} segments with labeler '{cfg.label.labeler}'")
            label_info = run_stage(
                "label",
                {
                    # files by content, not by path: a copy of the same codebook is the same
                    "config": public["label"] | {"cache_dir": None, "codebook": None},
                    "embeddings": public["embeddings"] | {"cache_dir": None},
                    "codebook": hash_tree(cfg.label.codebook or _packaged_codebook()),
                    "weights": hash_tree(cfg.label.weights),
                },
                lambda: _label_stage(stage, cfg, cache, engine),
            )
            outputs += label_info.pop("outputs")
            timings["label"] = time.perf_counter() - t3
        topic_info: dict[str, Any] | None = None
        embed_info: dict[str, Any] | None = None
        if topics and cfg.topics.enabled:
            t4 = time.perf_counter()
            if on_stage:
                on_stage(
                    f"topics: BERTopic and {cfg.topics.baseline}, "
                    f"{cfg.topics.stability_seeds} seeds"
                )

            def embed_then_fit() -> dict[str, Any]:
                nonlocal embed_info
                t = time.perf_counter()
                embed_info = _embed_stage(stage, cfg, cache, engine)
                timings["embed"] = time.perf_counter() - t
                return _topic_stage(stage, cfg, cache)

            topic_info = run_stage(
                "topics",
                {
                    "config": public["topics"],
                    "embeddings": public["embeddings"] | {"cache_dir": None},
                    "seed": cfg.seed,
                },
                embed_then_fit,
            )
            outputs += topic_info.pop("outputs", [])
            timings["topics"] = time.perf_counter() - t4 - timings.get("embed", 0.0)
            if on_stage and "skipped" in topic_info:
                on_stage(f"topics skipped: {topic_info['skipped']}")
        figure_info: dict[str, Any] | None = None
        if figures and cfg.analysis.enabled:
            from discourse.analysis.report import make_figures

            t5 = time.perf_counter()
            if on_stage:
                on_stage("figures and tables")
            figure_cfg = _with_design(cfg, Path(output_dir))
            figure_info = run_stage(
                "figures",
                {
                    "config": public["analysis"],
                    "annotations": hash_tree(cfg.analysis.annotations),
                    "codes": hash_tree(figure_cfg.analysis.codes),
                    "design": hash_tree(figure_cfg.analysis.design),
                    "label": public["label"] | {"cache_dir": None},
                    "seed": cfg.seed,
                },
                lambda: _figure_stage(stage, figure_cfg, cache, make_figures),
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
            "summary": _summary(files, totals),
            "quarantined": len(quarantine),
            "engine": engine.describe(),
            "stages": {k: round(v, 3) for k, v in timings.items()},
            "reused_stages": reused,
            "rejected_cache_entries": store.rejected,
            "labels": label_info,
            "embeddings": embed_info,
            "topics": topic_info,
            "figures": figure_info,
            "outputs": {name: hashes.get(name) or sha256_file(stage / name) for name in outputs},
        }
        write_json(manifest, stage / MANIFEST)
    return RunResult(output_dir=output_dir, manifest=manifest, quarantine=quarantine)
