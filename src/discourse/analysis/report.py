"""Statistics, figures and tables from a run's outputs (``discourse figures``, end of ``run``).

Reads ``segments.parquet``, ``documents.parquet``, ``labels.parquet`` and the topic outputs of a
run folder and writes ``figures/`` (PDF + PNG) and ``tables/`` (CSV + LaTeX) into the output
folder. Whatever cannot be drawn (no labels, no topics, no hand-coded data) is listed with the
reason in the returned summary and in ``figures_manifest.json``, never silently left out.

The statistics are computed on the *content* segments: boilerplate, exact duplicates and
segments not in English (labelled ``none`` by design) are left out, and how many were left out
is reported.

What the figures claim is kept to what the data carry (``analysis`` config):

- intervals come from a document (cluster) bootstrap only; a group with fewer than
  ``min_documents_for_interval`` documents gets its estimate without an interval (a hatched bar
  in fig02/fig03), never a segment bootstrap standing in for one. The per-document table has no
  intervals (a document's share is a census of its segments);
- fig01 counts each document once, under its main source type (tab01 adds
  ``documents_containing``);
- fig07 leaves out periods with fewer than ``min_period_segments`` segments or
  ``min_period_documents`` documents and names them (figure note, manifest
  ``topics_over_time``);
- a labeler evaluation that cannot run is listed in ``skipped`` and in the manifest's
  ``warnings``, which the HTML report shows at the top.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from discourse.analysis.figure_parts import (
    FIGURES,
    MISSING,
    NAIVE_LABEL,
    TABLES,
    FigureContext,
    Outputs,
    figure_parts,
)
from discourse.analysis.label_quality import annotations_folder
from discourse.analysis.run_data import content_segments, read_optional, require_run
from discourse.analysis.summary import corpus_summary, main_source_types
from discourse.config import PipelineConfig
from discourse.io_utils import sha256_file, write_json
from discourse.layout import DOCUMENTS, FIGURES_MANIFEST, LABELS, SEGMENTS
from discourse.manifest import build_manifest

__all__ = [
    "FIGURES",
    "NAIVE_LABEL",
    "TABLES",
    "annotations_folder",
    "content_segments",
    "corpus_summary",
    "main_source_types",
    "make_figures",
]


def make_figures(
    run_dir: str | Path,
    output_dir: str | Path | None = None,
    config: PipelineConfig | None = None,
    progress: Any = None,
    cache_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Compute the statistics and draw every figure and table of a run.

    Runs every part registered in :data:`discourse.analysis.figure_parts.figure_parts`, in
    order; a part whose input is missing (no labels, no topics) is skipped and each of its
    outputs listed with the reason.

    Parameters
    ----------
    run_dir
        A ``discourse run`` output folder.
    output_dir
        Where ``figures/`` and ``tables/`` go (default: ``run_dir``).
    config
        Pipeline configuration (``analysis``, ``label`` and ``seed`` are used).
    progress
        Optional ``progress(message)``.
    cache_dir
        Embedding cache for scoring the hand-coded units (default: the run's cache).

    Returns
    -------
    dict
        ``outputs`` (relative paths), ``skipped`` (name -> reason), ``excluded`` counts, the
        stance-by-source-type test, ``intervals`` (the interval rule and the groups without an
        interval), ``topics_over_time`` (periods drawn and left out, with the reason),
        ``labeler_evaluated`` (None when skipped) and ``warnings`` (present when the labeler
        evaluation was skipped); the same is written to ``figures_manifest.json``.
    """
    from discourse.codebook import load_codebook

    cfg = config or PipelineConfig()
    run_dir = Path(run_dir)
    t0 = time.perf_counter()
    require_run(run_dir)
    ctx = FigureContext(
        run_dir=run_dir,
        config=cfg,
        out=Outputs(Path(output_dir) if output_dir is not None else run_dir),
        codebook=load_codebook(cfg.label.codebook),
        segments=pd.read_parquet(run_dir / SEGMENTS),
        documents=pd.read_parquet(run_dir / DOCUMENTS),
        labels=read_optional(run_dir / LABELS),
        cache_dir=cache_dir,
        say=progress or (lambda message: None),
    )
    for name in figure_parts.in_order():
        caps = figure_parts.capabilities(name)
        missing = [need for need in caps["needs"] if not ctx.has(need)]
        if missing:
            for drawn in caps["draws"]:
                ctx.out.skipped[drawn] = MISSING[missing[0]]
            continue
        figure_parts.get(name)(ctx)
    out = ctx.out
    files = sorted(out.files)
    entries = {
        "skipped": dict(sorted(out.skipped.items())),
        **ctx.info,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    hashes = {f: sha256_file(out.root / f) for f in files}
    write_json(
        build_manifest("figures", cfg, run_dir, out.root, entries, hashes),
        out.root / FIGURES_MANIFEST,
    )
    return {"outputs": files, **entries}
