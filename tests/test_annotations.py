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


# Splits are drawn once per batch of coding rounds, so that adding a round never moves a unit
# that was already in a split: rounds 1-2 together, then round 3 on its own.
SPLIT_BATCHES = ((1, 2), (3,))


def test_no_unit_in_two_splits_and_splits_are_reproducible(ann: AnnotationSet) -> None:
    assert ann.splits.unit_id.is_unique
    gold = ann.gold().drop(columns="split")
    assert set(gold["round"]) == {r for batch in SPLIT_BATCHES for r in batch}
    again = pd.concat(
        [make_splits(gold[gold["round"].isin(batch)], SPLIT_SEED) for batch in SPLIT_BATCHES]
    )
    pd.testing.assert_frame_equal(
        again.sort_values("unit_id").reset_index(drop=True),
        ann.splits.sort_values("unit_id").reset_index(drop=True),
    )


def test_earlier_test_units_stay_in_test(ann: AnnotationSet) -> None:
    """Round 3 left every earlier unit where it was (the first 110 test units stay in test)."""
    gold = ann.gold()
    early = gold[gold["round"] <= 2]
    assert (early.split == "test").sum() == 110
    assert len(early) == 552


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
