"""``discourse sample``: draw a coding sample from a run and write the files to code it.

Writes into the output folder (``RUN_DIR/coding`` by default):

- ``codes.csv``: ``segment_id``, ``text`` and empty ``stance``, theme and ``note`` columns to
  fill in a spreadsheet;
- ``coding.html``: the self-contained coding page (one unit at a time, the codebook at hand,
  keyboard codes, autosave, CSV export);
- ``labelstudio_tasks.json`` + ``labelstudio_config.xml`` and ``doccano.jsonl`` for teams that
  code there;
- ``design.json``: the design (strata, sizes, inclusion probabilities follow from them) that
  ``discourse estimate`` needs; coders need not see it (its strata name the predicted stance);
- ``sample_manifest.json``: inputs, settings and the SHA-256 of every file.

The files given to coders hold no predicted label, so coding is blind to the labeler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from discourse import __version__
from discourse.codebook import Codebook
from discourse.coding.sample import SampleDesign, design_json, draw_sample, unit_keys
from discourse.errors import MissingInputError
from discourse.layout import DOCUMENTS, LABELS, SEGMENTS

__all__ = [
    "SAMPLE_FILES",
    "PreparedSample",
    "draw_run_sample",
    "read_population",
    "run_inputs",
    "write_sample",
]

SAMPLE_FILES = {
    "codes.csv": "blank codes to fill in (segment_id, text, stance, themes, note)",
    "coding.html": "the coding page: open it in a browser, export codes as CSV",
    "labelstudio_tasks.json": "Label Studio tasks (import with labelstudio_config.xml)",
    "labelstudio_config.xml": "Label Studio labelling interface",
    "doccano.jsonl": "doccano text-classification import file",
    "design.json": "the sample design discourse estimate needs (do not show to coders)",
}


@dataclass(frozen=True)
class PreparedSample:
    """A drawn sample, ready to be written (nothing is written by :func:`draw_run_sample`)."""

    run_dir: Path
    codebook: Codebook
    design: SampleDesign
    units: pd.DataFrame
    population: int
    excluded: dict[str, int]


def draw_run_sample(
    run_dir: str | Path,
    n: int,
    strategy: str = "stratified",
    seed: int | None = None,
    min_per_stratum: int = 5,
    config: Any = None,
) -> PreparedSample:
    """Draw a coding sample from a run's content segments.

    Parameters
    ----------
    run_dir
        A ``discourse run`` output folder with ``labels.parquet``.
    n
        Sample size.
    strategy
        ``random`` or ``stratified`` (see :mod:`discourse.coding.sample`).
    seed
        Seed of the draw (default: the config's seed).
    min_per_stratum
        Floor per stratum of a stratified sample.
    config
        Pipeline configuration (codebook, labeler, seed).

    Raises
    ------
    FileNotFoundError, ValueError
        Without a labelled run, or on an impossible sample (see :func:`draw_sample`).
    """
    from discourse.analysis.run_data import require_run
    from discourse.codebook import load_codebook
    from discourse.config import PipelineConfig

    cfg = config or PipelineConfig()
    run_dir = Path(run_dir)
    require_run(run_dir)
    if not (run_dir / LABELS).is_file():
        raise MissingInputError(
            f"{run_dir} has no labels.parquet: the sample is stratified by predicted stance and "
            "estimates are corrected against the predictions; run the label stage first"
        )
    codebook = load_codebook(cfg.label.codebook)
    content, excluded = read_population(run_dir, cfg)
    design, units = draw_sample(
        content,
        n,
        strategy,
        cfg.seed if seed is None else seed,
        min_per_stratum,
        codebook=f"{codebook.meta.name} {codebook.meta.version}",
        labeler=str(cfg.label.labeler),
    )
    return PreparedSample(run_dir, codebook, design, units, len(content), excluded)


def read_population(run_dir: Path, config: Any) -> tuple[pd.DataFrame, dict[str, int]]:
    """A run's labelled content segments with their salt-independent ``unit_key``, and the
    counts of what is not content (see :func:`discourse.analysis.run_data.content_segments`)."""
    from discourse.analysis.run_data import content_segments

    segments = pd.read_parquet(run_dir / SEGMENTS)
    labels = pd.read_parquet(run_dir / LABELS)
    documents = pd.read_parquet(run_dir / DOCUMENTS)
    content, excluded = content_segments(segments, labels)
    if "path" in documents.columns and "path" not in content.columns:
        content = content.merge(documents[["doc_id", "path"]], on="doc_id", how="left")
    content["unit_key"] = unit_keys(content, config.privacy.pseudonym_prefix)
    return content, excluded


def run_inputs(run_dir: Path) -> dict[str, str]:
    """SHA-256 of the run files a sample or an estimate is computed from (for its manifest)."""
    from discourse.io_utils import sha256_file

    return {f: sha256_file(run_dir / f) for f in (SEGMENTS, LABELS)}


def write_sample(sample: PreparedSample, output_dir: str | Path) -> dict[str, Any]:
    """Write the coding files of a drawn sample into ``output_dir`` (a staging folder: the
    caller publishes it) and return the manifest written to ``sample_manifest.json``."""
    from discourse.coding.formats import doccano_lines, labelstudio_config, labelstudio_tasks
    from discourse.coding.page import write_coding_page
    from discourse.io_utils import sha256_file, write_json, write_text

    out = Path(output_dir)
    design, units, codebook = sample.design, sample.units, sample.codebook
    blank = units.assign(stance="")
    for theme in codebook.theme_names:
        blank[theme] = ""
    blank["note"] = ""
    write_text(blank.to_csv(index=False), out / "codes.csv")
    write_coding_page(units, codebook, out / "coding.html", design.sample_id)
    write_text(
        json.dumps(labelstudio_tasks(units), ensure_ascii=False, indent=1) + "\n",
        out / "labelstudio_tasks.json",
    )
    write_text(labelstudio_config(codebook), out / "labelstudio_config.xml")
    write_text(doccano_lines(units), out / "doccano.jsonl")
    write_json(design_json(design), out / "design.json")
    run_dir = sample.run_dir
    manifest = {
        "discourse_version": __version__,
        "command": "sample",
        "run_dir": str(run_dir),
        "inputs": run_inputs(run_dir),
        "sample_id": design.sample_id,
        "strategy": design.strategy,
        "n": design.n,
        "seed": design.seed,
        "min_per_stratum": design.min_per_stratum,
        "population": {"content_segments": sample.population, "excluded": sample.excluded},
        "strata": [s.model_dump() for s in design.strata],
        "files": SAMPLE_FILES,
        "outputs": {f: sha256_file(out / f) for f in sorted(SAMPLE_FILES)},
    }
    write_json(manifest, out / "sample_manifest.json")
    return manifest
