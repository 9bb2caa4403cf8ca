"""The labelling stage of ``discourse run`` and the ``discourse label`` command's plumbing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from discourse.codebook import Codebook, load_codebook
from discourse.embedding_backends import DEFAULT_BACKEND
from discourse.errors import InputError, MissingInputError
from discourse.labels.base import BaseLabeler, labelers, make_labeler, output_columns

__all__ = [
    "PROFILE_COLUMNS",
    "LabelerSpec",
    "StanceCounts",
    "build_labeler",
    "label_table",
    "label_texts",
    "packaged_weights",
    "read_table",
    "stance_profiles",
    "write_table",
]

DEFAULT_CODEBOOK_NAME = "no-contact-stance-themes"


def packaged_weights(name: str) -> Path | None:
    """Path of the packaged fitted weights for labeler ``name`` (``None`` if there are none)."""
    ref = resources.files("discourse.resources").joinpath("models", f"{name}.json")
    return Path(str(ref)) if ref.is_file() else None


def default_labeler_name() -> str:
    """The labeler chosen by measured performance (``resources/models/default.json``)."""
    path = packaged_weights("default")
    if path is None:
        return "rules"
    return json.loads(path.read_text(encoding="utf-8"))["labeler"]


def build_labeler(
    name: str = "default",
    codebook: Codebook | None = None,
    cache_dir: str | Path | None = None,
    weights: str | Path | None = None,
    embedding_backend: str = "minilm",
) -> BaseLabeler:
    """A ready-to-predict labeler.

    ``"default"`` resolves to the best labeler on the held-out data for the default codebook.
    Labelers that learn load ``weights`` when given (a file or folder written by
    ``discourse train``), else their packaged weights, which exist for the default codebook
    only; with a custom codebook use ``rules`` or train your own.
    """
    cb = codebook or load_codebook()
    custom = cb.meta.name != DEFAULT_CODEBOOK_NAME
    if name == "default":
        name = "rules" if custom else default_labeler_name()
    if name not in labelers:
        try:
            labelers.get(name)
        except KeyError as exc:  # the message lists the valid names
            raise InputError(exc.args[0]) from None
    caps = labelers.capabilities(name)
    weights = weights or (None if custom else packaged_weights(name))
    if not caps["needs_weights"]:  # usable untuned; saved thresholds when there are any
        return make_labeler(name, cb, weights=weights)
    if weights is None:
        raise InputError(
            f"labeler {name!r} needs fitted weights; none are packaged for codebook "
            f"{cb.meta.name!r}. "
            "Use --labeler rules, or fit it on your hand-coded data with `discourse train`."
        )
    params: dict[str, Any] = {"weights": weights}
    if cache_dir is not None and caps["uses_embeddings"]:
        params["cache_dir"] = cache_dir
    if embedding_backend != DEFAULT_BACKEND:
        if not caps["embedding_backend"]:
            able = ", ".join(labelers.having(embedding_backend=True))
            raise InputError(
                f"labeler {name!r} reads only its own encoder, not embedding backend "
                f"{embedding_backend!r}; labelers that take another backend: {able}"
            )
        params["embedding_backend"] = embedding_backend
    return make_labeler(name, cb, **params)


@dataclass(frozen=True)
class LabelerSpec:
    """What a worker needs to build the run's labeler (paths, not objects, so it travels)."""

    labeler: str = "default"
    codebook: str | None = None
    cache_dir: str | None = None
    weights: str | None = None
    embedding_backend: str = "minilm"

    def build(self) -> BaseLabeler:
        """The labeler, built once per process and spec."""
        return _cached_labeler(self)


@lru_cache(maxsize=4)
def _cached_labeler(spec: LabelerSpec) -> BaseLabeler:
    codebook = load_codebook(spec.codebook)
    return build_labeler(
        spec.labeler,
        codebook,
        cache_dir=spec.cache_dir,
        weights=spec.weights,
        embedding_backend=spec.embedding_backend,
    )


def label_texts(texts: list[str], spec: LabelerSpec) -> pd.DataFrame:
    """Label a batch of texts with the labeler ``spec`` names (an engine work item)."""
    return spec.build().predict(texts)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read CSV, TSV, JSONL or Parquet by file extension."""
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.is_file():
        raise MissingInputError(f"input table does not exist: {p}")
    if suffix in (".csv", ".tsv"):
        return pd.read_csv(
            p, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False
        )
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(p, lines=True, dtype=False)
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    raise InputError(f"unsupported table format {suffix!r}; use .csv, .tsv, .jsonl or .parquet")


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write CSV, JSONL or Parquet by extension, atomically."""
    from discourse.io_utils import atomic_path, table_from_frame, write_parquet

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        write_parquet(table_from_frame(frame), p)
        return
    with atomic_path(p) as tmp:
        if suffix in (".csv", ".tsv"):
            frame.to_csv(tmp, index=False, sep="\t" if suffix == ".tsv" else ",")
        elif suffix in (".jsonl", ".ndjson"):
            frame.to_json(tmp, orient="records", lines=True, force_ascii=False)
        else:
            raise InputError(
                f"unsupported output format {suffix!r}; use .csv, .tsv, .jsonl or .parquet"
            )


def label_table(frame: pd.DataFrame, text_column: str, labeler: BaseLabeler) -> pd.DataFrame:
    """``frame`` with the label columns added (existing columns of the same name replaced)."""
    if text_column not in frame.columns:
        raise InputError(
            f"no column {text_column!r}; columns are: {', '.join(map(str, frame.columns))}"
        )
    labels = labeler.predict(frame[text_column].tolist())
    kept = frame.drop(columns=[c for c in labels.columns if c in frame.columns]).reset_index(
        drop=True
    )
    return pd.concat([kept, labels.reset_index(drop=True)], axis=1)


PROFILE_COLUMNS = ["doc_id", "source_type", "boilerplate", "duplicate_of"]


class StanceCounts:
    """Stance counts per document and per source type, added batch by batch.

    :meth:`add` reduces a batch of labelled segments to its counts per group, so a run keeps
    one small row per document and source type, not the segments; :meth:`profiles` turns the
    counts into the shares :func:`stance_profiles` returns (which goes through this class).
    Boilerplate segments and exact duplicates are left out.
    """

    GROUPS = ("doc_id", "source_type")

    def __init__(self, codebook: Codebook | None = None) -> None:
        self.stance_labels = list((codebook or load_codebook()).stance_labels)
        self._parts: dict[str, list[pd.DataFrame]] = {by: [] for by in self.GROUPS}

    def add(self, segments: pd.DataFrame, stances: Any = None) -> None:
        """Count one batch: ``segments`` has :data:`PROFILE_COLUMNS` and ``stance`` (or the
        stances come as ``stances``, one per row, in the same order)."""
        df = segments[PROFILE_COLUMNS + ([] if stances is not None else ["stance"])]
        if stances is not None:
            df = df.assign(stance=list(stances))
        df = df[~df.boilerplate & df.duplicate_of.isna()]
        if df.empty:
            return
        for by in self.GROUPS:
            parts = self._parts[by]
            parts.append(pd.crosstab(df[by], df.stance))
            if len(parts) >= 64:  # fold the partial counts now and then
                parts[:] = [self._counts(by)]

    def _counts(self, by: str) -> pd.DataFrame:
        parts = self._parts[by]
        if len(parts) == 1:
            return parts[0]
        merged = pd.concat(parts).fillna(0).astype("int64")
        return merged.groupby(level=0, sort=True).sum()

    def profiles(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Share of each stance per document and per source type, with ``n`` segments each."""
        out = []
        for by in self.GROUPS:
            if self._parts[by]:
                counts = self._counts(by)
            else:  # no counted segment: what a cross tabulation of nothing gives
                none = pd.Series([], dtype=object, name=by)
                counts = pd.crosstab(none, pd.Series([], dtype=object, name="stance"))
            out.append(_shares(counts, self.stance_labels))
        return out[0], out[1]


def _shares(counts: pd.DataFrame, stance_labels: list[str]) -> pd.DataFrame:
    """Profile rows from stance counts per group (index: the group; columns: stances)."""
    counts = counts.reindex(columns=stance_labels, fill_value=0)
    shares = counts.div(counts.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
    shares.columns = [f"share_{c}" for c in shares.columns]
    out = shares.round(6)
    out.insert(0, "n", counts.sum(axis=1))
    return out.reset_index()


def stance_profiles(
    segments: pd.DataFrame, labels: pd.DataFrame, codebook: Codebook | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share of each stance per document and per source type.

    Boilerplate segments and exact duplicates are left out (they are not the discourse); the
    ``n`` column gives the number of segments each share is computed on. The whole-table form
    of :class:`StanceCounts` (which the label stage feeds batch by batch).
    """
    counts = StanceCounts(codebook)
    counts.add(
        segments[["segment_id", *PROFILE_COLUMNS]].merge(
            labels[["segment_id", "stance"]], on="segment_id"
        )
    )
    return counts.profiles()


def label_columns(codebook: Codebook) -> list[str]:
    """The columns ``labels.parquet`` holds besides ``segment_id``."""
    return output_columns(codebook)
