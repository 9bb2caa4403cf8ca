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
    assert set(gold.split) == {"train", "dev", "test", "test-synthetic"}
    synthetic = gold.sampling.str.startswith("synthetic")
    assert set(gold[synthetic].split) == {"train", "dev", "test-synthetic"}
    assert set(gold[~synthetic].split) == {"train", "dev", "test"}


# Splits are drawn once per batch of coding rounds, so that adding a round never moves a unit
# that was already in a split: rounds 1-2 together, then round 3 on its own, then round 4 (the
# synthetic units; their held-out part is "test-synthetic") with its own seed, then round 5 (150
# more real units, all double-coded) with its own, then round 6 (390 harder synthetic units).
# Round 7 (units from new writers) is not split: every unit is held out in "test-synthetic".
HELD_OUT_ROUNDS = (7,)
SPLIT_BATCHES = (
    ((1, 2), SPLIT_SEED),
    ((3,), SPLIT_SEED),
    ((4,), 20261206),
    ((5,), 20261207),
    ((6,), 20261208),
)
BOUNDARY_ADJUDICATOR = "adjudicator_boundary"


def _gold_when_split(ann: AnnotationSet) -> pd.DataFrame:
    """The gold stances the splits were drawn from: before the boundary-case review changed
    some of them (its adjudications replaced, and kept, the earlier ones)."""
    cols = ann.label_columns()
    gold = ann.codings[ann.codings.role == "primary"].set_index("unit_id")[cols].copy()
    adj = ann.adjudication[ann.adjudication.adjudicator != BOUNDARY_ADJUDICATOR]
    superseded = FOLDER / "adjudication_superseded.csv"
    if superseded.is_file():
        adj = pd.concat([adj, pd.read_csv(superseded, dtype={"unit_id": str})])
    adj = adj.set_index("unit_id")[cols]
    gold.loc[adj.index, cols] = adj
    return gold.join(ann.units.set_index("unit_id")["round"]).reset_index()


def test_no_unit_in_two_splits_and_splits_are_reproducible(ann: AnnotationSet) -> None:
    assert ann.splits.unit_id.is_unique
    gold = _gold_when_split(ann)
    held = gold["round"].isin(HELD_OUT_ROUNDS)
    held_splits = ann.splits.set_index("unit_id").loc[gold.unit_id[held], "split"]
    assert held.any() and set(held_splits) == {"test-synthetic"}
    assert set(gold.unit_id[held]) <= ann.synthetic_ids()
    gold = gold[~held]
    assert set(gold["round"]) == {r for batch, _ in SPLIT_BATCHES for r in batch}
    again = pd.concat(
        [make_splits(gold[gold["round"].isin(batch)], seed) for batch, seed in SPLIT_BATCHES]
    )
    synthetic = again.unit_id.isin(ann.synthetic_ids())
    again.loc[synthetic, "split"] = again.loc[synthetic, "split"].replace("test", "test-synthetic")
    drawn = ann.splits[ann.splits.unit_id.isin(gold.unit_id)]
    pd.testing.assert_frame_equal(
        again.sort_values("unit_id").reset_index(drop=True),
        drawn.sort_values("unit_id").reset_index(drop=True),
    )


def test_boundary_review_is_adjudicated_where_it_differs(ann: AnnotationSet) -> None:
    """Units re-coded under the codebook's "Boundary cases" section (role ``review``): where the
    re-coding differed from the gold label of the time, an adjudicator decided."""
    cols = ann.label_columns()
    review = ann.codings[ann.codings.role == "review"].set_index("unit_id")[cols]
    before = _gold_when_split(ann).set_index("unit_id").loc[review.index, cols]
    differs = (review.astype(str) != before.astype(str)).any(axis=1)
    boundary = ann.adjudication[ann.adjudication.adjudicator == BOUNDARY_ADJUDICATOR]
    assert set(boundary.unit_id) == set(review.index[differs])
    assert len(review) >= 150 and not ann.synthetic_ids() & set(review.index)


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
    double = ann.adjudication[ann.adjudication.adjudicator != BOUNDARY_ADJUDICATOR]
    # a double-coded unit whose adjudication the boundary review superseded counts as decided
    decided = set(double.unit_id) | (
        set(ann.disagreements().index)
        & set(ann.adjudication[ann.adjudication.adjudicator == BOUNDARY_ADJUDICATOR].unit_id)
    )
    assert decided == set(ann.disagreements().index)
    kappa = ann.agreement().set_index("dimension").kappa
    assert kappa.between(-1, 1).all()
    gold = ann.gold().set_index("unit_id")
    assert (gold.loc[ann.adjudication.unit_id, "source"] == "adjudicated").all()


def test_units_are_pipeline_segments(ann: AnnotationSet) -> None:
    units = ann.units[~ann.units.unit_id.isin(ann.synthetic_ids())]
    assert units.unit_id.str.contains("#").all()
    assert set(units.source_type) == {"transcript", "article", "comment", "post"}
    assert units.text.str.len().gt(0).all()


def test_round_5_is_real_and_fully_double_coded(ann: AnnotationSet) -> None:
    units = ann.units[ann.units["round"] == 5]
    assert len(units) >= 150 and not set(units.unit_id) & ann.synthetic_ids()
    assert set(units.sampling) == {"rare_keyword", "ex_topic"}
    second = ann.codings[(ann.codings.role == "second") & ann.codings.unit_id.isin(units.unit_id)]
    assert set(second.unit_id) == set(units.unit_id)


def test_synthetic_units_are_marked_and_held_out_on_their_own(ann: AnnotationSet) -> None:
    units = ann.units.set_index("unit_id")
    syn = units.loc[sorted(ann.synthetic_ids())]
    assert len(syn) >= 600
    assert set(syn["round"]) == {4, 6, 7} and syn.doc_id.str.startswith("synthetic/").all()
    assert set(syn.loc[syn["round"] == 4, "source_type"]) == {"article", "transcript", "comment"}
    # round 6 adds forum posts and replies
    assert set(syn.source_type) == {"article", "transcript", "comment", "post"}
    assert len(ann.double_coded(synthetic=True)) >= 300
    for rnd in (4, 6, 7):
        intent = pd.read_csv(FOLDER / f"round{rnd}_writer_intent.csv")
        assert set(intent.unit_id) == set(syn.index[syn["round"] == rnd])


def test_round_7_is_held_out_whole_and_fully_double_coded(ann: AnnotationSet) -> None:
    """Round 7 measures text from writers the labelers never saw: no unit in train or dev."""
    units = ann.units[ann.units["round"] == 7]
    assert len(units) >= 150 and set(units.unit_id) <= ann.synthetic_ids()
    splits = ann.splits.set_index("unit_id").loc[units.unit_id, "split"]
    assert set(splits) == {"test-synthetic"}
    second = ann.codings[(ann.codings.role == "second") & ann.codings.unit_id.isin(units.unit_id)]
    assert set(second.unit_id) == set(units.unit_id)
