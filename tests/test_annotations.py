"""Integrity of the hand-coded data set in data/annotations."""

from __future__ import annotations

import pandas as pd
import pytest

from _paths import ROOT
from discourse.annotations import AnnotationSet, load_annotations, make_splits

FOLDER = ROOT / "data" / "annotations"
SPLIT_SEED = 20261121


@pytest.fixture(scope="module")
def ann() -> AnnotationSet:
    return load_annotations(FOLDER)


def test_data_set_is_sound(ann: AnnotationSet) -> None:
    assert ann.validate() == []
    gold = ann.gold()
    assert len(gold) >= 400 and gold.unit_id.is_unique
    assert set(gold.split) == {"train", "dev", "test"}


def test_no_unit_in_two_splits_and_splits_are_reproducible(ann: AnnotationSet) -> None:
    assert ann.splits.unit_id.is_unique
    gold = ann.gold().drop(columns="split")
    again = make_splits(gold, SPLIT_SEED)
    pd.testing.assert_frame_equal(
        again.sort_values("unit_id").reset_index(drop=True),
        ann.splits.sort_values("unit_id").reset_index(drop=True),
    )


def test_every_stance_reaches_every_split(ann: AnnotationSet) -> None:
    gold = ann.gold()
    counts = pd.crosstab(gold.stance, gold.split)
    assert (counts > 0).all().all(), counts


def test_double_coding_and_adjudication(ann: AnnotationSet) -> None:
    both = ann.double_coded()
    assert len(both) >= 80
    assert (both.coder_primary != both.coder_second).all()
    assert set(ann.adjudication.unit_id) == set(ann.disagreements().index)
    kappa = ann.agreement().set_index("dimension").kappa
    assert kappa.between(-1, 1).all()
    gold = ann.gold().set_index("unit_id")
    assert (gold.loc[ann.adjudication.unit_id, "source"] == "adjudicated").all()


def test_units_are_pipeline_segments(ann: AnnotationSet) -> None:
    units = ann.units
    assert units.unit_id.str.contains("#").all()
    assert set(units.source_type) == {"transcript", "article", "comment", "post"}
    assert units.text.str.len().gt(0).all()
