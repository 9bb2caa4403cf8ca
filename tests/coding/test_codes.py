"""Reading codes back: CSV, Label Studio and doccano exports, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from discourse.codebook import load_codebook
from discourse.coding.codes import coded_only, read_codes
from discourse.coding.formats import (
    doccano_lines,
    labelstudio_config,
    labelstudio_tasks,
    parse_labelstudio,
)

CB = load_codebook()
UNITS = pd.DataFrame({"segment_id": ["D-a#0000", "D-a#0001", "D-b#0000"], "text": ["x", "y", "z"]})


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_codes_blank_filled_and_spreadsheet_spellings(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "codes.csv",
        "segment_id,text,stance,shame,abandonment,regret,note\n"
        'D-a#0000,"a, b",Self-Healing,1,,x,"said ""hi"""\n'
        "D-a#0001,y,,,,,\n"
        "D-b#0000,z,none,0,TRUE,no,\n",
    )
    codes = read_codes(path, CB)
    assert codes["stance"].tolist() == ["self-healing", None, "none"]
    assert codes["shame"].tolist() == [1, 0, 0]
    assert codes["abandonment"].tolist() == [0, 0, 1]
    assert codes["regret"].tolist() == [1, 0, 0]
    assert codes.loc[0, "note"] == 'said "hi"'
    assert coded_only(codes)["segment_id"].tolist() == ["D-a#0000", "D-b#0000"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("D-a#0000,x,winning back,0,0,0,\n", "unknown stance 'winning back'.*valid"),
        ("D-a#0000,x,none,2,0,0,\n", "theme shame must be 0/1"),
        ("D-a#0000,x,,1,0,0,\n", "stance is empty"),
        ("D-a#0000,x,none,0,0,0,\nD-a#0000,x,none,0,0,0,\n", "more than once"),
    ],
)
def test_csv_codes_errors_name_the_unit(tmp_path: Path, body: str, message: str) -> None:
    path = _write(
        tmp_path, "c.csv", "segment_id,text,stance,shame,abandonment,regret,note\n" + body
    )
    with pytest.raises(ValueError, match=message):
        read_codes(path, CB)


def test_csv_without_code_columns_or_ids(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lacks the code column"):
        read_codes(_write(tmp_path, "a.csv", "segment_id,stance\nD-a#0000,none\n"), CB)
    with pytest.raises(ValueError, match="no segment_id"):
        read_codes(_write(tmp_path, "b.csv", "id,stance,shame,abandonment,regret\n"), CB)
    with pytest.raises(ValueError, match="--format"):
        read_codes(_write(tmp_path, "c.xlsx", ""), CB)
    with pytest.raises(FileNotFoundError):
        read_codes(tmp_path / "missing.csv", CB)


def _ls_result(stance: str | None, themes: list[str], note: str = "") -> list[dict]:
    result = []
    if stance:
        result.append(
            {
                "from_name": "stance",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [stance]},
            }
        )
    if themes:
        result.append(
            {
                "from_name": "themes",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": themes},
            }
        )
    if note:
        result.append(
            {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": [note]}}
        )
    return result


def test_labelstudio_tasks_config_and_export_round_trip(tmp_path: Path) -> None:
    tasks = labelstudio_tasks(UNITS)
    assert tasks[0] == {"data": {"segment_id": "D-a#0000", "text": "x"}}
    config = labelstudio_config(CB)
    for label in [*CB.stance_labels, *CB.theme_names]:
        assert f'value="{label}"' in config
    # what Label Studio exports after coding two of the three tasks
    tasks[0]["annotations"] = [{"result": _ls_result("strategic", ["regret"], "hard one")}]
    tasks[1]["annotations"] = [{"result": _ls_result("none", []), "was_cancelled": False}]
    path = _write(tmp_path, "export.json", json.dumps(tasks))
    codes = read_codes(path, CB)
    assert codes["stance"].tolist() == ["strategic", "none", None]
    assert codes["regret"].tolist() == [1, 0, 0]
    assert codes.loc[0, "note"] == "hard one"


def test_labelstudio_json_min_and_conflicts(tmp_path: Path) -> None:
    minimal = [
        {
            "segment_id": "D-a#0000",
            "text": "x",
            "stance": "autonomy-first",
            "themes": {"choices": ["shame", "abandonment"]},
        },
        {"segment_id": "D-a#0001", "text": "y", "stance": "none"},
    ]
    codes = read_codes(_write(tmp_path, "min.json", json.dumps(minimal)), CB)
    assert codes["stance"].tolist() == ["autonomy-first", "none"]
    assert codes["shame"].tolist() == [1, 0]
    conflict = [
        {
            "data": {"segment_id": "D-a#0000", "text": "x"},
            "annotations": [
                {"result": _ls_result("none", [])},
                {"result": _ls_result("strategic", [])},
            ],
        }
    ]
    with pytest.raises(ValueError, match="disagree"):
        parse_labelstudio(conflict, CB)
    unknown = [{"data": {"segment_id": "u"}, "annotations": [{"result": _ls_result("win", [])}]}]
    with pytest.raises(ValueError, match="unknown stance 'win'"):
        parse_labelstudio(unknown, CB)
    with pytest.raises(ValueError, match="no segment_id"):
        parse_labelstudio([{"data": {"text": "x"}}], CB)


def test_doccano_import_file_and_export_round_trip(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in doccano_lines(UNITS).splitlines()]
    assert lines[2] == {"text": "z", "segment_id": "D-b#0000"}
    lines[0]["label"] = ["self-healing", "shame"]
    lines[1]["label"] = []
    lines[2] = {"id": 7, "text": "z", "meta": {"segment_id": "D-b#0000"}, "label": ["none"]}
    path = _write(tmp_path, "export.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    codes = read_codes(path, CB)
    assert codes["stance"].tolist() == ["self-healing", None, "none"]
    assert codes["shame"].tolist() == [1, 0, 0]
    two = _write(
        tmp_path,
        "two.jsonl",
        json.dumps({"segment_id": "u", "label": ["none", "strategic"]}) + "\n",
    )
    with pytest.raises(ValueError, match="more than one stance"):
        read_codes(two, CB)
    bad = _write(tmp_path, "bad.jsonl", json.dumps({"segment_id": "u", "label": ["lust"]}) + "\n")
    with pytest.raises(ValueError, match="unknown label"):
        read_codes(bad, CB)
