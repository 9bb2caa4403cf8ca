"""``discourse topics``: the topic stage on a finished run folder, with its own manifest."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from discourse import __version__
from discourse.config import PipelineConfig
from discourse.errors import MissingInputError
from discourse.io_utils import sha256_file, staged_outputs, write_json
from discourse.layout import LABELS, SEGMENTS, TOPICS_MANIFEST
from discourse.topics.stage import model_files, topics_stage

__all__ = ["topics"]


def topics(
    run_dir: str | Path,
    output_dir: str | Path | None = None,
    config: PipelineConfig | None = None,
    progress: Any = None,
    embedder: Any = None,
) -> dict[str, Any]:
    """Fit the topic models on the segments of a run and write the topic outputs.

    Parameters
    ----------
    run_dir
        Folder of a ``discourse run`` or ``discourse ingest`` (needs ``segments.parquet``;
        ``labels.parquet`` is used when present, for the stance view and language).
    output_dir
        Where to write (default ``run_dir``). ``topics_manifest.json`` records inputs, config,
        outputs and their SHA-256. The outputs are staged and published together (a killed
        run leaves the previous ones intact).
    config
        Pipeline configuration (the ``topics`` section and ``seed``).
    progress
        Optional ``progress(message)``.
    embedder
        Optional object with ``encode(texts)``; default the shipped MiniLM with the cache.

    Returns
    -------
    dict
        Summary (also in the manifest).
    """
    cfg = config or PipelineConfig()
    run_dir = Path(run_dir)
    out = Path(output_dir) if output_dir is not None else run_dir
    seg_path = run_dir / SEGMENTS
    if not seg_path.is_file():
        raise MissingInputError(
            f"{seg_path} does not exist: run `discourse run` or `discourse ingest` first"
        )
    lab_path = run_dir / LABELS
    segments = pd.read_parquet(seg_path)
    labels = pd.read_parquet(lab_path) if lab_path.is_file() else None
    t0 = time.perf_counter()
    with staged_outputs(out, last=TOPICS_MANIFEST) as stage:
        info = topics_stage(
            segments,
            labels,
            cfg,
            stage,
            cache_dir=cfg.cache_dir(run_dir),
            embedder=embedder,
            progress=progress,
        )
        files = info["outputs"] + model_files(stage, info["models"])
        inputs = {SEGMENTS: sha256_file(seg_path)}
        if labels is not None:
            inputs[LABELS] = sha256_file(lab_path)
        manifest = {
            "discourse_version": __version__,
            "command": "topics",
            "input_dir": str(run_dir),
            "output_dir": str(out),
            "seed": cfg.seed,
            "config": cfg.public_dict(),
            "inputs": inputs,
            "topics": {k: v for k, v in info.items() if k != "outputs"},
            "seconds": round(time.perf_counter() - t0, 3),
            "outputs": {name: sha256_file(stage / name) for name in files},
        }
        write_json(manifest, stage / TOPICS_MANIFEST)
    return info
