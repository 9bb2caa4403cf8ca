"""The pipeline: the stages of :data:`discourse.stages.STAGES`, run in order.

:func:`run` runs every enabled stage (ingest -> label -> topics -> figures) into a staging
folder and publishes the outputs with the manifest last; :func:`run_stage` runs one stage on a
finished run folder (``discourse topics``, ``discourse figures``). Both go through
:class:`~discourse.stages.StageRunner`, so they share the stage cache. :func:`ingest_corpus` and
:func:`build_tables` are the in-memory form of ingest for notebooks and benchmarks.

The CLI (:mod:`discourse.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from discourse.build import (
    FileOutput,
    FileRecord,
    FileTask,
    MemorySink,
    document_rows,
    read_input_file,
)
from discourse.clean.boilerplate import BoilerplateDetector
from discourse.config import ConfigError, PipelineConfig
from discourse.corpus import ParsedDocument
from discourse.engines import LocalEngine
from discourse.ingest import readers
from discourse.ingest.files import InputFile, QuarantineEntry
from discourse.io_utils import staged_outputs, write_json
from discourse.layout import MANIFEST
from discourse.manifest import build_manifest
from discourse.privacy import Pseudonymiser
from discourse.stage_cache import StageCache
from discourse.stages import STAGES, StageContext, StageRunner, get_stage, is_enabled
from discourse.stages.ingest import IngestStage, load_sources, plan_inputs
from discourse.stages.runner import require_inputs

__all__ = [
    "IngestResult",
    "RunResult",
    "build_tables",
    "ingest_corpus",
    "load_sources",
    "plan_inputs",
    "run",
    "run_stage",
]


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

    The same rows as :func:`run` writes (the same :func:`~discourse.build.document_rows` and
    duplicate marking, through a :class:`~discourse.build.MemorySink` instead of the Parquet
    one), for notebooks and benchmarks on small corpora. The file records' counts are updated.
    """
    detector = BoilerplateDetector(config.boilerplate)
    records = {r.path: r for r in ingested.files}
    sink = MemorySink()
    by_file: dict[str, FileOutput] = {}
    for parsed in ingested.documents:
        path = parsed.document.path
        if path not in by_file:
            if by_file:  # documents come file by file, in corpus order
                sink.add(by_file[next(reversed(by_file))])
            record = records.get(path) or FileRecord(path=path, status="processed")
            by_file[path] = FileOutput(record=record, quarantine=[])
        result = by_file[path]
        stats: Counter[str] = Counter()
        doc_row, segments, keys = document_rows(parsed, config, detector, pseudonymiser, stats)
        result.record.counts.update(stats)
        result.doc_rows.append(doc_row)
        result.segments.extend(segments)
        result.dedup_keys.extend(keys)
    if by_file:
        sink.add(by_file[next(reversed(by_file))])
    documents, segments_table, totals = sink.close()
    return documents, segments_table, {k: totals[k] for k in _TOTALS}


_TOTALS = ("documents", "segments", "duplicate_segments")


def _cache_secret(cfg: PipelineConfig) -> bytes:
    """The stage store's HMAC key, derived from the privacy salt (never stored)."""
    salt = cfg.privacy.resolve_salt().encode("utf-8")
    return hashlib.sha256(b"discourse-stage-cache\x00" + salt).digest()


def _store(cfg: PipelineConfig, cache: str, reuse: bool) -> StageCache:
    return StageCache(Path(cache) / "stages" if reuse else None, secret=_cache_secret(cfg))


def _run_entries(runner: StageRunner) -> dict[str, Any]:
    """The manifest entries every command records about how it ran."""
    return {
        "stages": {k: round(v, 3) for k, v in runner.timings.items()},
        "reused_stages": runner.reused,
        "rejected_cache_entries": runner.store.rejected,
    }


def _check_folders(input_dir: Path, output_dir: Path) -> None:
    """Refuse an output folder inside the input folder (raw data is read-only)."""
    if (
        output_dir.resolve() == input_dir.resolve()
        or input_dir.resolve() in output_dir.resolve().parents
    ):
        raise ConfigError(
            "the output directory must not be inside the input directory (raw data is read-only)"
        )


def run(
    input_dir: str | Path,
    output_dir: str | Path,
    config: PipelineConfig | None = None,
    progress: Any = None,
    command: str = "run",
    on_stage: Any = None,
    reuse: bool = True,
    engine: Any = None,
) -> RunResult:
    """Run every enabled stage of :data:`discourse.stages.STAGES` and write the outputs.

    Each stage has one switch in the configuration: ``label.enabled``, ``topics.enabled``,
    ``analysis.enabled`` (ingest always runs).

    Parameters
    ----------
    input_dir
        Folder of raw inputs (any mix of supported formats, in sub-folders too).
    output_dir
        Folder for the outputs (``documents.parquet``, ``segments.parquet``,
        ``quarantine.csv``, labels, topics, figures and ``manifest.json``); they are staged and
        published together, the manifest last.
    config
        Validated configuration (defaults when ``None``).
    progress
        Optional callable ``progress(path)`` called once per input file.
    command
        Name recorded in the manifest.
    on_stage
        Optional callable ``on_stage(message)`` told when a stage starts (or is reused, or
        skipped: a corpus too small to model topics is not an error, the manifest says why).
    reuse
        Reuse finished stages whose inputs and config are unchanged (see
        :mod:`discourse.stage_cache`; stored under ``<cache_dir>/stages``). ``False`` recomputes
        everything. The manifest lists the reused stages in ``reused_stages``.
    engine
        Where the per-file and per-segment work runs: a :mod:`discourse.engines` engine
        (default: in this process). The outputs do not depend on the engine.

    Returns
    -------
    RunResult
    """
    cfg = config or PipelineConfig()
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    _check_folders(input_dir, output_dir)
    cfg.check_paths(output_dir)
    cache = cfg.cache_dir(output_dir)
    engine = engine if engine is not None else LocalEngine()
    with engine, staged_outputs(output_dir) as stage:
        ctx = StageContext(
            config=cfg,
            source=stage,
            target=stage,
            output_dir=output_dir,
            cache_dir=cache,
            engine=engine,
            input_dir=input_dir,
            progress=progress,
            on_stage=on_stage,
        )
        runner = StageRunner(ctx, _store(cfg, cache, reuse))
        stages = [s for s in STAGES if is_enabled(s, cfg)]
        for s in stages:
            runner.run(s)
        entries = {
            "readers": readers.versions(),
            **runner.manifest_entries(list(STAGES)),
            "engine": engine.describe(),
            **_run_entries(runner),
        }
        outputs = {name: runner.hashes[name] for name in runner.outputs}
        manifest = build_manifest(command, cfg, input_dir, output_dir, entries, outputs)
        write_json(manifest, stage / MANIFEST)
    found = runner.infos[IngestStage.name]["quarantine"]
    quarantine = [QuarantineEntry(**q) for q in found]
    return RunResult(output_dir=output_dir, manifest=manifest, quarantine=quarantine)


def run_stage(
    name: str,
    run_dir: str | Path,
    output_dir: str | Path | None = None,
    config: PipelineConfig | None = None,
    detail: Any = None,
    reuse: bool = True,
) -> dict[str, Any]:
    """Run one stage on a finished run folder (``discourse topics``, ``discourse figures``).

    Parameters
    ----------
    name
        A stage of :data:`discourse.stages.STAGES` other than ``ingest``.
    run_dir
        Folder of a ``discourse run`` or ``discourse ingest`` (it must hold the stage's inputs).
    output_dir
        Where to write (default ``run_dir``). The outputs are staged and published together
        with the stage's record (``<name>_manifest.json``) last, so a killed run leaves the
        previous ones intact.
    config
        Pipeline configuration.
    detail
        Optional ``detail(message)`` for steps within the stage.
    reuse
        Reuse the stage from the stage cache of ``run_dir`` when its inputs and config are
        unchanged (the same entries :func:`run` uses).

    Returns
    -------
    dict
        The stage's manifest entry (``{"skipped": reason}`` when it could not run), its
        ``outputs`` and whether it was ``reused`` from the stage cache.
    """
    stage = get_stage(name)
    if not stage.inputs:
        raise ConfigError(f"the {name} stage reads raw inputs: use `discourse run` or `ingest`")
    cfg = config or PipelineConfig()
    run_dir = Path(run_dir)
    out = Path(output_dir) if output_dir is not None else run_dir
    require_inputs(stage, run_dir)  # before staging creates the output folder
    record = f"{name}_manifest.json"
    cache = cfg.cache_dir(run_dir)
    with LocalEngine() as engine, staged_outputs(out, last=record) as target:
        ctx = StageContext(
            config=cfg,
            source=run_dir,
            target=target,
            output_dir=out,
            cache_dir=cache,
            engine=engine,
            detail=detail,
        )
        runner = StageRunner(ctx, _store(cfg, cache, reuse))
        info = runner.run(stage)
        if record not in runner.outputs:  # the figures stage writes its own record
            entries = {
                "inputs": runner.input_hashes(stage),
                **runner.manifest_entries([stage]),
                **_run_entries(runner),
            }
            outputs = {n: runner.hashes[n] for n in runner.outputs}
            write_json(build_manifest(name, cfg, run_dir, out, entries, outputs), target / record)
    return {**info, "outputs": list(runner.outputs), "reused": stage.name in runner.reused}
