"""Drawing a coding sample: allocation, inclusion probabilities, determinism, the design file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from _synthetic_run import make_run
from discourse.analysis.report import content_segments
from discourse.coding.sample import allocate, design_json, draw_sample, load_design


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("synthetic_run")
    make_run(folder)
    segments = pd.read_parquet(folder / "segments.parquet")
    labels = pd.read_parquet(folder / "labels.parquet")
    return content_segments(segments, labels)[0]


def test_allocation_floor_sqrt_and_caps() -> None:
    sizes = {"big": 900, "mid": 100, "tiny": 3, "small": 8}
    alloc = allocate(sizes, 60, min_per_stratum=5)
    assert sum(alloc.values()) == 60
    assert alloc["tiny"] == 3  # smaller than the floor: taken whole
    assert alloc["small"] >= 5
    assert alloc["big"] > alloc["mid"] > alloc["small"]
    # sqrt allocation: big gets about sqrt(9) = 3 times mid's share of the rest
    assert 2.0 < alloc["big"] / alloc["mid"] < 3.5
    assert all(alloc[h] <= sizes[h] for h in sizes)


def test_allocation_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="population of 10"):
        allocate({"a": 4, "b": 6}, 11)
    with pytest.raises(ValueError, match="floor"):
        allocate({str(i): 10 for i in range(10)}, 20, min_per_stratum=5)
    assert allocate({"a": 4, "b": 6}, 10) == {"a": 4, "b": 6}


def test_stratified_sample_has_known_inclusion_probabilities(content: pd.DataFrame) -> None:
    design, units = draw_sample(content, 120, "stratified", seed=3)
    assert len(units) == 120 and units["segment_id"].is_unique
    probs = design.inclusion_probabilities()
    strata = (content["source_type"] + " | " + content["stance"]).value_counts()
    assert {s.name: s.N for s in design.strata} == strata.to_dict()
    for row in probs.itertuples():
        stratum = next(s for s in design.strata if s.name == row.stratum)
        assert row.inclusion_probability == pytest.approx(stratum.n / stratum.N)
        truth = content.set_index("segment_id").loc[row.segment_id]
        assert row.stratum == f"{truth.source_type} | {truth.stance}"
    # rare predicted stances are seen: every stratum gets its floor
    assert all(s.n >= min(s.N, 5) for s in design.strata)
    # coding order mixes the strata (a coder cannot tell the predicted label by position)
    first = probs["stratum"].head(20)
    assert first.nunique() > 2


def test_sample_is_deterministic_and_seeded(content: pd.DataFrame) -> None:
    a, units_a = draw_sample(content, 80, "stratified", seed=1)
    b, units_b = draw_sample(content.sample(frac=1.0, random_state=5), 80, "stratified", seed=1)
    assert a == b and units_a.equals(units_b)  # row order of the run does not matter
    c, _ = draw_sample(content, 80, "stratified", seed=2)
    assert c.sample_id != a.sample_id and c.units != a.units


def test_random_sample_is_one_stratum(content: pd.DataFrame) -> None:
    design, _ = draw_sample(content, 50, "random", seed=1)
    assert [s.name for s in design.strata] == ["all"]
    assert set(design.inclusion_probabilities()["inclusion_probability"]) == {50 / len(content)}
    with pytest.raises(ValueError, match="valid: \\['random', 'stratified'\\]"):
        draw_sample(content, 50, "cluster")


def test_design_file_round_trip_and_tampering(content: pd.DataFrame, tmp_path: Path) -> None:
    design, _ = draw_sample(content, 60, "stratified", seed=4)
    path = tmp_path / "design.json"
    path.write_text(json.dumps(design_json(design)))
    assert load_design(path) == design
    data = design_json(design)
    data["strata"][0]["n"] += 1
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="not a valid sample design"):
        load_design(path)
    data = design_json(design)
    data["units"].append(data["units"][0])
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="not a valid sample design"):
        load_design(path)
    path.write_text(json.dumps({**design_json(design), "format": "other"}))
    with pytest.raises(ValueError, match="format"):
        load_design(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a JSON sample design"):
        load_design(path)
    with pytest.raises(FileNotFoundError, match="discourse sample"):
        load_design(tmp_path / "missing.json")


def test_unit_keys_do_not_depend_on_the_salt() -> None:
    from discourse.coding.sample import unit_keys

    one = pd.DataFrame(
        {
            "text": ["P-1a2b3c4d said no contact", "same text"],
            "path": ["a.csv", "a.csv"],
            "source_location": ["line 2", "line 3"],
            "position": [0, 0],
        }
    )
    two = one.assign(text=["P-99ff00aa said no contact", "same text"])
    assert unit_keys(one).tolist() == unit_keys(two).tolist()
    moved = one.assign(source_location=["line 2", "line 4"])
    assert unit_keys(moved)[1] != unit_keys(one)[1]
    assert unit_keys(one.assign(text=["P-1a2b3c4d said NO", "same text"]))[0] != unit_keys(one)[0]
