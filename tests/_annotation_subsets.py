"""A slice of the hand-coded data as an annotation folder of its own (small, fast fits)."""

from __future__ import annotations

from pathlib import Path

from discourse.annotations import AnnotationSet


def write_subset(ann: AnnotationSet, ids: set[str], out: Path) -> Path:
    """Write the units, codings and splits of the units ``ids`` of ``ann`` to a new folder
    ``out`` and return it."""
    out.mkdir()
    ann.units[ann.units.unit_id.isin(ids)].to_csv(out / "units.csv", index=False)
    ann.codings[ann.codings.unit_id.isin(ids)].to_csv(out / "codings.csv", index=False)
    ann.splits[ann.splits.unit_id.isin(ids)].to_csv(out / "splits.csv", index=False)
    return out
