"""Shared reading of a written round whose units were shuffled and renamed before coding.

Rounds 6 and 7 (``scripts/add_round6.py``, ``scripts/add_round7.py``) were made the same way:
writer sessions wrote ``<writers>/writer_W*/{units.jsonl,intent.csv}``, the units were shuffled
and renamed ``r<round>-NNNN`` (``<coding>/id_map.csv``: ``unit_id, writer_unit_id, genre,
source_type``), and the coders' files use those ids. In the data set a unit is
``syn<round>-NNNN``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

THEMES = ["shame", "abandonment", "regret"]
CODE_COLS = ["stance", *THEMES]


def new_id(round_no: int, session_id: str) -> str:
    """The data set's id (``syn<round>-NNNN``) of a coding session's id (``r<round>-NNNN``)."""
    return f"syn{round_no}-" + session_id.removeprefix(f"r{round_no}-")


def read_codings(path: Path, round_no: int) -> pd.DataFrame:
    """A coder's or adjudicator's ``codings.csv``: ``unit_id``, the codes and ``note``, with
    data-set ids and 0/1 themes."""
    frame = pd.read_csv(path, dtype={"unit_id": str}, keep_default_na=False)
    for t in THEMES:
        frame[t] = frame[t].astype(int)
    frame["unit_id"] = frame["unit_id"].map(lambda i: new_id(round_no, i))
    return frame[["unit_id", *CODE_COLS, "note"]]


def units(writers: Path, id_map: pd.DataFrame, round_no: int) -> pd.DataFrame:
    """Rows of ``units.csv`` for the round's units, sorted by id."""
    texts = {}
    for folder in sorted(writers.glob("writer_W*")):
        for line in (folder / "units.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                u = json.loads(line)
                texts[u["unit_id"]] = u["text"]
    rows = [
        {
            "unit_id": new_id(round_no, m.unit_id),
            "round": round_no,
            "doc_id": f"synthetic/{m.writer_unit_id.split('-')[0]}",
            "source_type": m.source_type,
            "sampling": f"synthetic:{m.genre}",
            "text": texts[m.writer_unit_id],
        }
        for m in id_map.itertuples()
    ]
    return pd.DataFrame(rows).sort_values("unit_id").reset_index(drop=True)


def writer_intent(writers: Path, id_map: pd.DataFrame, round_no: int) -> pd.DataFrame:
    """What each writer meant a unit to be, with the writer's id and the data set's id."""
    frames = [pd.read_csv(f / "intent.csv", dtype=str) for f in sorted(writers.glob("writer_W*"))]
    intent = pd.concat(frames, ignore_index=True).fillna("")
    ids = id_map.unit_id.map(lambda i: new_id(round_no, i))
    new_of = dict(zip(id_map.writer_unit_id, ids, strict=True))
    intent.insert(0, "writer_unit_id", intent["unit_id"])
    intent["unit_id"] = intent["writer_unit_id"].map(new_of)
    return intent.sort_values("unit_id").reset_index(drop=True)
