"""Loading a run's outputs for notebooks and scripts, and evidence examples for reading.

Notebooks import these instead of holding their own loading or analysis code::

    from discourse.analysis.run_data import load_run
    run = load_run("data/processed")
    run.content            # labelled content segments (no boilerplate, duplicates, non-English)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from discourse.errors import InputError, MissingInputError
from discourse.layout import DOCUMENTS, SEGMENTS, RunLayout

__all__ = [
    "RunData",
    "content_segments",
    "evidence_examples",
    "load_run",
    "read_optional",
    "require_run",
]


@dataclass
class RunData:
    """The outputs of one ``discourse run`` (missing optional outputs are ``None``)."""

    folder: Path
    manifest: dict[str, Any]
    documents: pd.DataFrame
    segments: pd.DataFrame
    quarantine: pd.DataFrame
    labels: pd.DataFrame | None
    topics: pd.DataFrame | None
    topic_info: pd.DataFrame | None
    topic_metrics: dict[str, Any] | None

    @cached_property
    def content(self) -> pd.DataFrame:
        """Labelled content segments (see :func:`content_segments`)."""
        if self.labels is None:
            raise InputError(f"{self.folder} has no labels.parquet (label stage not run)")
        return content_segments(self.segments, self.labels)[0]


def content_segments(segments: pd.DataFrame, labels: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Segments with their labels, without boilerplate, duplicates and non-English text.

    Returns
    -------
    frame, excluded
        The content segments merged with their labels, and counts of what was left out.
    """
    merged = segments.merge(labels, on="segment_id", how="left", validate="one_to_one")
    missing = int(merged["stance"].isna().sum())
    if missing:
        raise InputError(f"{missing} segments have no labels: labels.parquet is not from this run")
    boiler = merged["boilerplate"].astype(bool)
    dup = merged["duplicate_of"].notna() & ~boiler
    if "language" in merged:
        lang = merged["language"].fillna("en")
    else:
        lang = pd.Series("en", index=merged.index)
    foreign = lang.ne("en") & ~boiler & ~dup
    excluded = {
        "boilerplate": int(boiler.sum()),
        "duplicate": int(dup.sum()),
        "non_english": int(foreign.sum()),
    }
    return merged[~(boiler | dup | foreign)].reset_index(drop=True), excluded


def require_run(run_dir: Path) -> None:
    """Raise a clear error unless ``run_dir`` holds the outputs figures are drawn from."""
    if not all((run_dir / f).is_file() for f in (SEGMENTS, DOCUMENTS)):
        raise MissingInputError(
            f"{run_dir} has no segments.parquet/documents.parquet: run `discourse run` first"
        )


def read_optional(path: Path) -> pd.DataFrame | None:
    """A Parquet or CSV output of a run, or ``None`` when the run did not write it."""
    if not path.is_file():
        return None
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def load_run(folder: str | Path) -> RunData:
    """Read a run folder written by ``discourse run``.

    Raises
    ------
    FileNotFoundError
        If the folder has no ``manifest.json`` and ``segments.parquet``.
    """
    run = RunLayout(Path(folder))
    if not run.is_run():
        raise MissingInputError(
            f"{run.root} is not a run folder: run `discourse run -o {run.root}` first"
        )
    metrics_path = run.topic_metrics
    return RunData(
        folder=run.root,
        manifest=json.loads(run.manifest.read_text(encoding="utf-8")),
        documents=pd.read_parquet(run.documents),
        segments=pd.read_parquet(run.segments),
        quarantine=pd.read_csv(run.quarantine),
        labels=read_optional(run.labels),
        topics=read_optional(run.topics),
        topic_info=read_optional(run.topic_info),
        topic_metrics=(
            json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else None
        ),
    )


def evidence_examples(
    content: pd.DataFrame, label: str, n: int = 3, seed: int = 13, width: int = 80
) -> pd.DataFrame:
    """Segments carrying a label, with each evidence span shown in its context.

    Parameters
    ----------
    content
        Labelled segments (``RunData.content``).
    label
        A stance (rows with that stance, evidence from ``stance_evidence``) or a theme (rows with
        the theme set, evidence from ``<theme>_evidence``).
    n
        Number of segments, drawn at random with ``seed`` among those with evidence.
    width
        Characters of context either side of a span.

    Returns
    -------
    DataFrame
        ``segment_id, source_type, score, rule, evidence, context`` (one row per span, the span
        in ``context`` marked with »« ).
    """
    if label in content.columns and f"{label}_evidence" in content.columns:
        rows, col, score = content[content[label] == 1], f"{label}_evidence", f"{label}_score"
    elif label in set(content["stance"]):
        rows, col, score = content[content["stance"] == label], "stance_evidence", "stance_score"
    else:
        valid = sorted(set(content["stance"])) + [
            c[: -len("_evidence")]
            for c in content.columns
            if c.endswith("_evidence") and c != "stance_evidence"
        ]
        raise ValueError(f"unknown label {label!r}; valid options: {', '.join(valid)}")
    rows = rows[rows[col].fillna("[]").str.len() > 2]
    if rows.empty:
        return pd.DataFrame(columns=["segment_id", "source_type", "score", "rule", "evidence"])
    rng = np.random.default_rng(seed)
    picked = rows.iloc[np.sort(rng.choice(len(rows), size=min(n, len(rows)), replace=False))]
    out = []
    for r in picked.itertuples(index=False):
        text = r.text
        for span in json.loads(getattr(r, col)):
            a, b = span["start"], span["end"]
            out.append(
                {
                    "segment_id": r.segment_id,
                    "source_type": r.source_type,
                    "score": round(float(getattr(r, score)), 3),
                    "rule": span.get("rule"),
                    "evidence": text[a:b],
                    "context": (
                        " ".join(text[max(0, a - width) : a].split())
                        + " »"
                        + text[a:b]
                        + "« "
                        + " ".join(text[b : b + width].split())
                    ),
                }
            )
    return pd.DataFrame(out)
